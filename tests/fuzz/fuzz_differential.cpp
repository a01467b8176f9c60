// Harness: every evaluation path gives the same result. The first byte chooses a fixed policy;
// each line of the rest is the value of its next input, as a CSV cell holds it (an empty line
// leaves the input absent; "=TEXT" gives a numeric input as the JSON number TEXT).
// The record goes, as JSON, through the general evaluator (the reference), through the lowered
// code one record at a time and many at once, read once and evaluated alone and in a batch;
// and, as fields, through the CSV route (Evaluator::evaluate_fields). All must agree, byte
// for byte.
#include <nlohmann/json.hpp>

#include "fuzz.hpp"

namespace {

using pol::fuzz::expect;

bool json_number(std::string_view t)
{
   std::size_t i = t.starts_with('-') ? 1 : 0;
   const auto digits = [&] {
      const std::size_t from = i;
      while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
      return i - from;
   };
   const std::size_t whole = digits();
   if (whole == 0 || (whole > 1 && t[i - whole] == '0')) return false;
   if (i < t.size() && t[i] == '.') {
      ++i;
      if (digits() == 0) return false;
   }
   if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
      ++i;
      if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
      if (digits() == 0) return false;
   }
   return i == t.size();
}

bool numeric(const pol::InputInfo& input) { return input.type.starts_with("int") || input.type.starts_with("decimal") || input.type.starts_with("money"); }

// A record as CSV fields, in the policy's input order, and the JSON object they stand for
// (the values evaluate_fields reads them as). `json` is empty when no JSON can say the same:
// a structured field that is not JSON, or text that is not UTF-8.
struct Record {
   std::vector<std::string_view> names, fields;
   std::string json;
};

Record record_of(const std::vector<pol::InputInfo>& inputs, std::string_view text)
{
   Record r;
   std::string json = "{";
   bool representable = true;
   for (const auto& input : inputs) {
      if (text.empty()) break;
      const auto nl = text.find('\n');
      std::string_view field = text.substr(0, nl);
      text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
      if (field.empty()) continue;
      const bool as_number = field.starts_with('=') && numeric(input) && json_number(field.substr(1));
      if (as_number) field.remove_prefix(1);
      r.names.push_back(input.name);
      r.fields.push_back(field);
      if (json.size() > 1) json += ',';
      json += nlohmann::json(input.name).dump() + ':';
      if (as_number) {
         json += field;
      } else if (input.shape == pol::InputShape::structured) {
         // nlohmann reads a NUL as the end of the text, so it would accept "9\0…", which pol refuses
         if (field.find('\0') != std::string_view::npos || !nlohmann::json::accept(field)) representable = false;
         json += field;
      } else if (input.shape == pol::InputShape::boolean && (field == "true" || field == "false")) {
         json += field;
      } else {
         try {
            json += nlohmann::json(std::string(field)).dump();
         } catch (const nlohmann::json::type_error&) {  // not UTF-8
            representable = false;
         }
      }
   }
   if (representable) r.json = json + "}";
   return r;
}

// What an evaluation gave, as the reference gives it: the result's JSON, or the first error's.
struct Expected {
   const pol::Result& result;
   std::string json;
   std::string_view record;

   void outcome(const pol::Evaluator::Outcome& o, std::string_view path) const
   {
      expect(o.ok == result.ok(), path, record);
      if (o.ok) expect(o.violations == result.violations.size(), path, record);
      else expect(o.error->json == result.errors.front().json, path, std::string(record) + "\n" + o.error->json + "\n" + result.errors.front().json);
   }
   // outputs one by one: output(i) of a record
   void outputs(const std::function<std::string(std::size_t)>& output, std::string_view path) const
   {
      if (!result.ok()) return;
      for (std::size_t i = 0; i < result.outputs.size(); ++i) {
         const std::string got = output(i);
         expect(got == result.outputs[i].second, path, std::string(record) + "\n" + result.outputs[i].first + ": " + got + " instead of " + result.outputs[i].second);
      }
   }
   void text(const std::string& got, std::string_view path, std::size_t times = 1) const
   {
      std::string want;
      for (std::size_t k = 0; k < times; ++k) want += result.ok() ? json : "";
      expect(got == want, path, std::string(record) + "\n" + got + "\ninstead of\n" + want);
   }
};

void json_paths(const pol::Policy& policy, const pol::EvalOptions& options, const std::string& record)
{
   const pol::Result reference = policy.evaluate_json(record, options);
   const Expected expected{reference, reference.ok() ? reference.json() : "", record};
   const auto shared = policy.shared_from_this();
   pol::Evaluator evaluator(shared, options);

   std::string out;
   expected.outcome(evaluator.evaluate_json(record, out), "Evaluator::evaluate_json, one record");
   expected.text(out, "Evaluator::evaluate_json, one record");

   out.clear();
   const std::vector<std::string_view> records(3, record);
   evaluator.evaluate_json(records, out, [&](std::size_t, const pol::Evaluator::Outcome& o) { expected.outcome(o, "Evaluator::evaluate_json, many records"); });
   expected.text(out, "Evaluator::evaluate_json, many records", records.size());

   pol::Record read;
   try {
      read = evaluator.read(record);
   } catch (const std::invalid_argument&) {
      expect(!reference.ok(), "Evaluator::read refuses only a record with errors", record);
      return;
   }
   expected.outcome(evaluator.evaluate(read), "Evaluator::evaluate(Record)");
   expected.outputs([&](std::size_t i) { return evaluator.output(i); }, "Evaluator::evaluate(Record)");
   pol::Records batch;
   batch.add(read);
   batch.add(read);
   const auto outcomes = evaluator.evaluate(batch);
   for (std::size_t k = 0; k < outcomes.size(); ++k) {
      expected.outcome(outcomes[k], "Evaluator::evaluate(Records)");
      expected.outputs([&](std::size_t i) { return evaluator.output(k, i); }, "Evaluator::evaluate(Records)");
   }
}

void field_path(const pol::Policy& policy, const pol::EvalOptions& options, const Record& record)
{
   pol::Evaluator evaluator(policy.shared_from_this(), options);
   const auto outcome = evaluator.evaluate_fields(record.names, record.fields);
   std::string out;
   if (outcome.ok) evaluator.write_json(out);
   if (record.json.empty()) return;  // no JSON says the same: no reference to compare with
   const pol::Result reference = policy.evaluate_json(record.json, options);
   const Expected expected{reference, reference.ok() ? reference.json() : "", record.json};
   expected.outcome(outcome, "Evaluator::evaluate_fields");
   expected.text(out, "Evaluator::evaluate_fields, write_json");
   expected.outputs([&](std::size_t i) { return evaluator.output(i); }, "Evaluator::evaluate_fields, output(i)");
   if (!outcome.ok) return;
   std::vector<std::string> got, want;
   for (const auto& v : evaluator.violations()) got.push_back(v.message);
   for (const auto& v : reference.violations) want.push_back(v.message);
   expect(got == want, "Evaluator::evaluate_fields, violations()", record.json);
}

// The policies made for this harness run as lowered code; otherwise it compares the general
// evaluator with itself.
void expect_lowered()
{
   for (const char* name : {"arithmetic.pol", "dates.pol", "decisions.pol", "growth.pol"}) {
      for (const auto& fixed : pol::fuzz::fixed_policies()) {
         if (fixed.path.ends_with(std::string("/") + name)) expect(pol::Evaluator(fixed.policy).lowered(), "the policy runs as lowered code", fixed.path);
      }
   }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
   static const bool checked = (expect_lowered(), true);
   (void)checked;
   const auto [choice, text] = pol::fuzz::split_choice(data, size);
   const auto& policy = *pol::fuzz::fixed_policy(choice).policy;
   pol::EvalOptions options;
   options.as_of = pol::fuzz::as_of;
   const auto inputs = policy.inputs();
   const Record record = record_of(inputs, text);
   if (!record.json.empty()) json_paths(policy, options, record.json);
   field_path(policy, options, record);
   return 0;
}
