// pol::testing: runs the test blocks in policies and the test files beside them, compares
// expected against actual with the explanation of what differs, and measures coverage.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <cmath>
#include <iostream>
#include <sstream>

#include <fmt/format.h>

#include "compile.hpp"
#include "pol/testing.hpp"
#include "render.hpp"
#include "format.hpp"

namespace pol::testing {

namespace fs = std::filesystem;

namespace {

// One test, from a `test` block or a test file, ready to run.
struct Case {
   std::string name;
   std::string location;
   std::optional<interp::Date> as_of;
   const interp::JsonValue* json_input = nullptr;        // test files
   std::vector<std::optional<interp::Value>> inputs;     // test blocks
   std::vector<std::pair<std::uint32_t, interp::Value>> expected;
   std::vector<std::string> expected_violations;
   std::optional<std::string> expected_error;
   interp::JsonValue* json_case = nullptr;               // for --update
   std::vector<std::string> setup_errors;
};

// Everything a test can exercise in the policy, with a readable name.
std::vector<std::pair<const void*, std::string>> coverable(const lang::Program& p)
{
   std::vector<std::pair<const void*, std::string>> items;
   const auto& m = p.main();
   for (const auto& r : m.rules) {
      if (r.default_value) items.emplace_back(r.default_value.get(), fmt::format("rule {}: the default ({})", r.name, p.sources.describe(r.default_span)));
      for (const auto& x : r.exceptions) {
         items.emplace_back(&x, fmt::format("rule {}: exception {}({})", r.name, x.label.empty() ? "" : x.label + " ", p.sources.describe(x.span)));
      }
   }
   for (const auto& t : m.tables) {
      for (const auto& v : t.versions) {
         for (std::size_t i = 0; i < v.rows.size(); ++i) items.emplace_back(&v.rows[i], fmt::format("table {}: row {} ({})", t.name, i + 1, p.sources.describe(v.rows[i].span)));
      }
   }
   for (const auto& r : m.requires_) items.emplace_back(&r, fmt::format("require: no test sees it fail ({})", p.sources.describe(r.span)));
   return items;
}

std::string value_text(const interp::Value& v, const lang::Program& p) { return interp::format_value(v, p); }

void run_case(const interp::Policy& policy, Case& c, interp::Coverage& coverage, std::optional<interp::Date> default_as_of, const Limits& limits, CaseResult& result)
{
   const auto& p = policy.program();
   const auto start = std::chrono::steady_clock::now();
   result.name = c.name;
   result.location = c.location;
   result.failures = c.setup_errors;
   if (!result.failures.empty()) return;
   interp::EvalOptions options;
   options.as_of = c.as_of ? c.as_of : default_as_of;
   options.explain = true;
   options.limits = limits;
   options.coverage = &coverage;
   const auto outcome = c.json_input ? policy.evaluate(*c.json_input, options) : policy.evaluate(c.inputs, options);
   result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
   if (c.expected_error) {
      const bool found = std::any_of(outcome.errors.begin(), outcome.errors.end(), [&](const auto& e) { return e.message.find(*c.expected_error) != std::string::npos; });
      if (!found) {
         result.failures.push_back(outcome.errors.empty() ? fmt::format("expected the error \"{}\", but the evaluation succeeded", *c.expected_error)
                                                          : fmt::format("expected the error \"{}\", got \"{}\"", *c.expected_error, outcome.errors.front().message));
      }
      return;
   }
   if (!outcome.ok()) {
      for (const auto& e : outcome.errors) result.failures.push_back(fmt::format("error: {}{}", e.message, e.has_span() ? fmt::format(" ({})", p.sources.describe(e.span)) : ""));
      return;
   }
   std::vector<std::uint32_t> differing;
   for (const auto& [slot, want] : c.expected) {
      auto it = std::find_if(outcome.outputs.begin(), outcome.outputs.end(), [slot = slot](const auto& o) { return o.first == slot; });
      if (it == outcome.outputs.end()) continue;
      if (!(it->second == want)) {
         result.failures.push_back(fmt::format("{}: expected {}, got {}", p.globals[slot].name, value_text(want, p), value_text(it->second, p)));
         differing.push_back(slot);
      }
   }
   for (const auto& want : c.expected_violations) {
      const bool found = std::any_of(outcome.violations.begin(), outcome.violations.end(), [&](const auto& v) { return v.message.find(want) != std::string::npos; });
      if (!found) result.failures.push_back(fmt::format("expected the violation \"{}\", but it did not occur", want));
   }
   for (const auto& v : outcome.violations) {
      const bool expected = std::any_of(c.expected_violations.begin(), c.expected_violations.end(), [&](const auto& w) { return v.message.find(w) != std::string::npos; });
      if (!expected) result.failures.push_back(fmt::format("unexpected violation: \"{}\"", v.message));
   }
   if (!differing.empty()) result.explanation = api::explanation_text(outcome, p, differing);
   // --update needs the actual results
   if (c.json_case) {
      auto& fields = c.json_case->fields;
      auto it = std::find_if(fields.begin(), fields.end(), [](const auto& f) { return f.first == "actual"; });
      if (it != fields.end()) fields.erase(it);
      nlohmann::ordered_json actual;
      actual["outputs"] = nlohmann::ordered_json::object();
      for (const auto& [slot, v] : outcome.outputs) actual["outputs"][p.globals[slot].name] = interp::to_json(v, p);
      actual["violations"] = nlohmann::ordered_json::array();
      for (const auto& v : outcome.violations) actual["violations"].push_back(v.message);
      c.json_case->fields.emplace_back("actual", interp::from_nlohmann(actual));
   }
}

// Test blocks in the policy file.
std::vector<Case> block_cases(const interp::Policy& policy)
{
   const auto& p = policy.program();
   std::vector<Case> cases;
   for (const auto& t : p.main().tests) {
      Case c;
      c.name = t.name;
      c.location = p.sources.describe(t.span);
      if (t.as_of) c.as_of = interp::Date::from_civil(t.as_of->year, t.as_of->month, t.as_of->day);
      c.inputs.resize(p.inputs.size());
      if (t.given) {
         for (std::size_t i = 0; i < t.given->field_names.size(); ++i) {
            for (std::size_t s = 0; s < p.inputs.size(); ++s) {
               if (p.globals[p.inputs[s]].name == t.given->field_names[i]) c.inputs[s] = policy.constant(*t.given->args[i]);
            }
         }
      }
      if (t.expect) {
         for (std::size_t i = 0; i < t.expect->field_names.size(); ++i) {
            const int slot = p.find_global(t.expect->field_names[i], lang::GlobalKind::output);
            if (slot >= 0) c.expected.emplace_back(static_cast<std::uint32_t>(slot), policy.constant(*t.expect->args[i]));
         }
      }
      c.expected_violations = t.expect_violations;
      c.expected_error = t.expect_error;
      cases.push_back(std::move(c));
   }
   return cases;
}

// Cases from NAME.tests.json beside NAME.pol.
std::vector<Case> file_cases(const interp::Policy& policy, const std::string& path, interp::JsonValue& doc)
{
   const auto& p = policy.program();
   std::vector<Case> cases;
   const interp::JsonValue* list = doc.find("cases");
   if (!list || list->kind != interp::JsonValue::Kind::array) return cases;
   auto& items = const_cast<interp::JsonValue*>(list)->items;
   for (std::size_t i = 0; i < items.size(); ++i) {
      auto& item = items[i];
      Case c;
      c.location = fmt::format("{} case {}", path, i + 1);
      c.json_case = &item;
      const auto* name = item.find("name");
      c.name = name ? name->text : fmt::format("case {}", i + 1);
      c.json_input = item.find("input");
      static const interp::JsonValue empty_object = [] {
         interp::JsonValue v;
         v.kind = interp::JsonValue::Kind::object;
         return v;
      }();
      if (!c.json_input) c.json_input = &empty_object;
      if (const auto* d = item.find("as_of")) {
         c.as_of = interp::Date::parse(d->text);
         if (!c.as_of) c.setup_errors.push_back(fmt::format("as_of \"{}\" is not a date (YYYY-MM-DD)", d->text));
      }
      if (const auto* expect = item.find("expect")) {
         if (const auto* outputs = expect->find("outputs")) {
            for (const auto& [key, value] : outputs->fields) {
               const int slot = p.find_global(key, lang::GlobalKind::output);
               if (slot < 0) {
                  c.setup_errors.push_back(fmt::format("expects \"{}\", which is not an output", key));
                  continue;
               }
               std::vector<interp::RuntimeError> errors;
               auto v = policy.decode_input(value, p.globals[static_cast<std::size_t>(slot)].type, key, errors);
               if (v) c.expected.emplace_back(static_cast<std::uint32_t>(slot), *v);
               for (const auto& e : errors) c.setup_errors.push_back("expected " + e.message.substr(std::string("input ").size()));
            }
         }
         if (const auto* violations = expect->find("violations")) {
            for (const auto& v : violations->items) c.expected_violations.push_back(v.text);
         }
         if (const auto* error = expect->find("error")) c.expected_error = error->text;
      }
      cases.push_back(std::move(c));
   }
   return cases;
}

// Rewrites each failing case's expectations with what the policy now gives.
void update_file(const std::string& path, interp::JsonValue& doc, const std::vector<CaseResult>& results, const std::vector<Case>& cases)
{
   for (std::size_t i = 0; i < cases.size(); ++i) {
      if (!cases[i].json_case) continue;
      auto& fields = cases[i].json_case->fields;
      auto actual = std::find_if(fields.begin(), fields.end(), [](const auto& f) { return f.first == "actual"; });
      if (actual == fields.end()) continue;
      interp::JsonValue got = actual->second;
      fields.erase(actual);
      if (results[i].passed() || cases[i].expected_error) continue;
      auto expect = std::find_if(fields.begin(), fields.end(), [](const auto& f) { return f.first == "expect"; });
      interp::JsonValue replacement;
      replacement.kind = interp::JsonValue::Kind::object;
      replacement.fields.emplace_back("outputs", *got.find("outputs"));
      if (!got.find("violations")->items.empty()) replacement.fields.emplace_back("violations", *got.find("violations"));
      if (expect == fields.end()) fields.emplace_back("expect", replacement);
      else expect->second = replacement;
   }
   std::ofstream(path) << interp::write_json(doc) << "\n";
}

}  // namespace

Report run(const Options& o)
{
   Report report;
   std::optional<interp::Date> as_of;
   if (o.as_of) {
      as_of = interp::Date::parse(*o.as_of);
      if (!as_of) throw std::invalid_argument(fmt::format("as_of {} is not a date; write YYYY-MM-DD", *o.as_of));
   }
   const auto files = policy_files(o.paths, report.missing);
   const auto add = [&report](PolicyReport&& r) {
      report.broken += r.problems.size();
      for (const auto& cr : r.cases) (cr.passed() ? report.passed : report.failed)++;
      report.policies.push_back(std::move(r));
   };
   for (const auto& file : files) {
      PolicyReport r;
      r.file = file;
      lang::CompileOptions options;
      options.search_path = o.search_path;
      options.max_steps = o.limits.steps;
      auto c = interp::compile_file(file, options);
      if (!c.ok()) {
         r.problems.push_back(fmt::format("the policy does not check ({} error{}): run pol check {}", c.diagnostics.error_count(), c.diagnostics.error_count() == 1 ? "" : "s", file));
         add(std::move(r));
         continue;
      }
      interp::Policy policy(std::move(c.program));
      std::vector<Case> cases = block_cases(policy);
      const std::string test_file = (fs::path(file).parent_path() / (fs::path(file).stem().string() + ".tests.json")).string();
      interp::JsonValue doc;
      if (fs::exists(test_file)) {
         std::string text;
         auto parsed = lang::read_file(test_file, text) ? interp::parse_json(text) : interp::JsonParseResult{{}, "cannot be read"};
         if (!parsed.ok()) {
            r.problems.push_back(fmt::format("{}: {}", test_file, parsed.error));
         } else if (const auto* list = parsed.value.find("cases"); parsed.value.kind != interp::JsonValue::Kind::object || !list || list->kind != interp::JsonValue::Kind::array) {
            r.problems.push_back(fmt::format("{}: a test file holds an object with a list of cases: {{\"cases\": [{{\"name\": …, \"input\": {{…}}, \"expect\": {{\"outputs\": {{…}}}}}}]}}", test_file));
         } else {
            doc = std::move(parsed.value);
            auto more = file_cases(policy, test_file, doc);
            for (auto& m : more) cases.push_back(std::move(m));
         }
      }
      std::vector<Case> selected;
      for (auto& cs : cases) {
         if (o.filter.empty() || cs.name.find(o.filter) != std::string::npos) selected.push_back(std::move(cs));
      }
      interp::Coverage coverage;
      for (auto& cs : selected) {
         CaseResult cr;
         run_case(policy, cs, coverage, as_of, o.limits, cr);
         r.cases.push_back(std::move(cr));
      }
      for (const auto& [item, label] : coverable(policy.program())) {
         ++r.coverable;
         if (!coverage.hit.count(item)) r.uncovered.push_back(label);
      }
      report.coverable += r.coverable;
      report.covered += r.coverable - r.uncovered.size();
      if (o.update && !doc.fields.empty()) update_file(test_file, doc, r.cases, selected);
      add(std::move(r));
   }
   return report;
}

std::vector<std::string> policy_files(const std::vector<std::string>& paths, std::vector<std::string>& missing)
{
   std::vector<std::string> out;
   for (const auto& p : paths) {
      if (fs::is_directory(p)) {
         std::vector<std::string> found;
         for (const auto& entry : fs::recursive_directory_iterator(p)) {
            if (entry.is_regular_file() && entry.path().extension() == ".pol") found.push_back(entry.path().string());
         }
         std::sort(found.begin(), found.end());
         out.insert(out.end(), found.begin(), found.end());
      } else if (fs::is_regular_file(p)) {
         out.push_back(p);
      } else {
         missing.push_back(p);
      }
   }
   return out;
}

}  // namespace pol::testing
