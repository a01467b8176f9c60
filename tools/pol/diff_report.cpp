// pol diff's reports: why an example differs (from the explanations), and the report as text for
// people, markdown for a pull request, or JSON (docs/diff-format.md).
#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "diff.hpp"

namespace pol::cli {

namespace {

// A value as people read it: text without quotes, anything else as JSON.
std::string shown(const Json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

// One version's explanation, by name.
class Explained {
public:
   explicit Explained(const Json& result)
   {
      if (!result.contains("explanation")) return;
      for (const auto& e : result["explanation"]) entries_[e["name"].get<std::string>()] = &e;
   }
   const Json* find(const std::string& name) const
   {
      const auto it = entries_.find(name);
      return it == entries_.end() ? nullptr : it->second;
   }

private:
   std::map<std::string, const Json*> entries_;
};

std::vector<std::string> sentences(const Json* e)
{
   std::vector<std::string> out;
   if (e && e->contains("decided_by")) {
      for (const auto& s : (*e)["decided_by"]) out.push_back(s.get<std::string>());
   }
   return out;
}

// What decided a value in one version and not in the other. Sentences about what did not apply
// only matter when nothing else changed.
std::vector<std::string> changed_sentences(const Json* before, const Json* after)
{
   const auto old_s = sentences(before), new_s = sentences(after);
   std::vector<std::string> all, decisive;
   const auto add = [&](const std::vector<std::string>& from, const std::vector<std::string>& other, const char* when) {
      for (const auto& s : from) {
         if (std::find(other.begin(), other.end(), s) != other.end()) continue;
         all.push_back(fmt::format("{}: {}", when, s));
         if (s.find("did not apply") == std::string::npos && s.find("did not match") == std::string::npos) decisive.push_back(all.back());
      }
   };
   add(old_s, new_s, "before");
   add(new_s, old_s, "now");
   return decisive.empty() ? all : decisive;
}

}  // namespace

std::vector<std::string> explain_change(const Json& before, const Json& after, const std::string& output)
{
   if (before.contains("error") || after.contains("error")) return {};
   const Explained old_x(before), new_x(after);
   const auto value_differs = [&](const std::string& name) {
      const Json *o = old_x.find(name), *n = new_x.find(name);
      if (!o && !n) return false;
      return !o || !n || (*o)["value"] != (*n)["value"];
   };
   const auto uses = [&](const std::string& name) {
      std::set<std::string> all;
      for (const Json* e : {old_x.find(name), new_x.find(name)}) {
         if (e && e->contains("uses")) {
            for (const auto& u : (*e)["uses"]) all.insert(u.get<std::string>());
         }
      }
      return all;
   };
   // the values that differ while everything they use is the same: where the versions part
   std::vector<std::string> lines, todo{output};
   std::set<std::string> seen{output};
   while (!todo.empty() && lines.size() < 12) {
      const std::string name = todo.back();
      todo.pop_back();
      if (!value_differs(name)) continue;
      const auto used = uses(name);
      bool deeper = false;
      for (const auto& u : used) {
         if (!value_differs(u)) continue;
         deeper = true;
         if (seen.insert(u).second) todo.push_back(u);
      }
      if (deeper) continue;
      const Json *o = old_x.find(name), *n = new_x.find(name);
      const std::string kind = (n ? *n : *o)["kind"].get<std::string>();
      if (!o) {
         lines.push_back(fmt::format("{} {} is new: {}", kind, name, shown((*n)["value"])));
         continue;
      }
      if (!n) {
         lines.push_back(fmt::format("{} {} is gone (it was {})", kind, name, shown((*o)["value"])));
         continue;
      }
      const auto why = changed_sentences(o, n);
      const bool plain = why.empty() && kind != "param" && kind != "input";
      lines.push_back(fmt::format("{} {}: {} → {}{}", kind, name, shown((*o)["value"]), shown((*n)["value"]), plain ? ", its expression changed" : ""));
      for (const auto& s : why) lines.push_back("  " + s);
      // the same exception, row or period decided in both: name it, its value is what changed
      for (const auto& s : plain ? sentences(n) : std::vector<std::string>{}) {
         if (s.find("did not") == std::string::npos) lines.push_back("  in both: " + s);
      }
   }
   return lines;
}

namespace {

std::string percent(std::uint64_t part, std::uint64_t whole)
{
   if (whole == 0) return "0%";
   const std::uint64_t tenths = (part * 1000 + whole / 2) / whole;  // rounded, in integers
   return fmt::format("{}.{}%", tenths / 10, tenths % 10);
}

std::string plural(std::uint64_t n, const char* one, const char* many) { return fmt::format("{} {}", n, n == 1 ? one : many); }

// The counts of an output, as "3 increased, 1 decreased, 996 unchanged".
std::string counts(const Json& o)
{
   std::vector<std::string> parts;
   for (const char* k : {"increased", "decreased", "changed", "unchanged"}) {
      if (o[k].get<std::uint64_t>() > 0 || std::string(k) == "unchanged") parts.push_back(fmt::format("{} {}", o[k].get<std::uint64_t>(), k));
   }
   return fmt::format("{}", fmt::join(parts, ", "));
}

std::string example_values(const Json& e)
{
   if (!e["output"].is_null()) {
      const std::string name = e["output"];
      return fmt::format("{} → {}", shown(e["before"]["outputs"][name]), shown(e["after"]["outputs"][name]));
   }
   const auto side = [](const Json& r) { return r.contains("error") ? fmt::format("error {}", r["error"].value("code", "")) : plural(r["violations"].size(), "violation", "violations"); };
   return fmt::format("{} → {}", side(e["before"]), side(e["after"]));
}

std::string status_text(const Json& o)
{
   if (o["status"] == "added") return "only in the new version";
   if (o["status"] == "removed") return "only in the old version";
   return counts(o);
}

std::string type_text(const Json& o) { return o.contains("old_type") ? fmt::format("{} → {}", o["old_type"].get<std::string>(), o["type"].get<std::string>()) : o["type"].get<std::string>(); }

std::string median_text(const Json& o)
{
   if (o["median_exact"].get<bool>()) return shown(o["median_change"]);
   return fmt::format("{} (approximate: between {} and {})", shown(o["median_change"]), shown(o["median_range"][0]), shown(o["median_range"][1]));
}

std::string heading(const Json& r)
{
   return r["old"] == r["new"] ? fmt::format("{}", r["new"].get<std::string>()) : fmt::format("{} → {}", r["old"].get<std::string>(), r["new"].get<std::string>());
}

std::string records_line(const Json& rec)
{
   return fmt::format("{}: {} changed ({}), {} unchanged", plural(rec["total"], "record", "records"), rec["changed"].get<std::uint64_t>(),
                      percent(rec["changed"], rec["total"]), rec["unchanged"].get<std::uint64_t>());
}

std::string errors_line(const Json& rec)
{
   return fmt::format("errors: {} before, {} after ({} new, {} gone); violations: {} new, {} gone", rec["errors_before"].get<std::uint64_t>(), rec["errors_after"].get<std::uint64_t>(),
                      rec["new_errors"].get<std::uint64_t>(), rec["errors_gone"].get<std::uint64_t>(), rec["new_violations"].get<std::uint64_t>(),
                      rec["violations_gone"].get<std::uint64_t>());
}

std::string kind_text(const std::string& kind)
{
   std::string s = kind;
   std::replace(s.begin(), s.end(), '_', ' ');
   return s;
}

void human_example(const Json& e, std::string& out)
{
   out += fmt::format("  {}, line {}: {}\n", kind_text(e["kind"]), e["line"].get<std::size_t>(), example_values(e));
   out += fmt::format("    input: {}\n", e["input"].dump());
   for (const auto& line : e["because"]) out += fmt::format("    because: {}\n", line.get<std::string>());
}

std::string human_population(const Json& r)
{
   std::string out = fmt::format("pol diff {}\n", heading(r));
   out += fmt::format("population: {}, as of {}\n", r["population"].is_null() ? "standard input" : r["population"].get<std::string>(), r["as_of"].is_null() ? "today" : r["as_of"].get<std::string>());
   for (const auto& n : r["inputs"]) out += fmt::format("note: {}\n", n["message"].get<std::string>());
   out += records_line(r["records"]) + "\n" + errors_line(r["records"]) + "\n";
   for (const auto& o : r["outputs"]) {
      out += fmt::format("\noutput {} ({}): {}\n", o["name"].get<std::string>(), type_text(o), status_text(o));
      if (o.contains("total_before")) {
         out += fmt::format("  total: {} → {} ({})\n", shown(o["total_before"]), shown(o["total_after"]), shown(o["total_change"]));
         if (!o["smallest_change"].is_null()) out += fmt::format("  change: smallest {}, median {}, largest {}\n", shown(o["smallest_change"]), median_text(o), shown(o["largest_change"]));
      }
      if (o.contains("examples")) {
         for (const auto& e : o["examples"]) human_example(e, out);
      }
   }
   if (!r["examples"].empty()) out += "\nrecords whose errors or violations changed:\n";
   for (const auto& e : r["examples"]) human_example(e, out);
   return out;
}

// Markdown table cells: no line ends, and | escaped.
std::string cell(const std::string& s)
{
   std::string out;
   for (char c : s) {
      if (c == '|') out += "\\|";
      else if (c == '\n') out += ' ';
      else out += c;
   }
   return out;
}

std::string code(const std::string& s) { return "`" + cell(s) + "`"; }

void markdown_examples(const Json& examples, std::string& out)
{
   if (examples.empty()) return;
   out += fmt::format("\n<details><summary>{}</summary>\n\n", plural(examples.size(), "example", "examples"));
   for (const auto& e : examples) {
      out += fmt::format("- **{}**, line {}: {}  \n  input: {}\n", kind_text(e["kind"]), e["line"].get<std::size_t>(), code(example_values(e)), code(e["input"].dump()));
      for (const auto& line : e["because"]) {
         const std::string s = line.get<std::string>();
         out += fmt::format("  {}- {}\n", s.starts_with("  ") ? "  " : "", cell(s.substr(s.find_first_not_of(' '))));
      }
   }
   out += "\n</details>\n";
}

std::string markdown_population(const Json& r)
{
   std::string out = fmt::format("### pol diff: {}\n\n", code(heading(r)));
   const auto& rec = r["records"];
   out += fmt::format("Population {}, as of {}: **{}**, **{} changed** ({}).  \n", r["population"].is_null() ? "from standard input" : code(r["population"]),
                      r["as_of"].is_null() ? "today" : r["as_of"].get<std::string>(), plural(rec["total"], "record", "records"), rec["changed"].get<std::uint64_t>(),
                      percent(rec["changed"], rec["total"]));
   out += fmt::format("Errors: {} before, {} after ({} new, {} gone). Violations: {} new, {} gone.\n", rec["errors_before"].get<std::uint64_t>(), rec["errors_after"].get<std::uint64_t>(),
                      rec["new_errors"].get<std::uint64_t>(), rec["errors_gone"].get<std::uint64_t>(), rec["new_violations"].get<std::uint64_t>(),
                      rec["violations_gone"].get<std::uint64_t>());
   if (!r["inputs"].empty()) {
      out += "\n**Inputs**\n\n";
      for (const auto& n : r["inputs"]) out += fmt::format("- {}\n", cell(n["message"]));
   }
   for (const auto& o : r["outputs"]) {
      out += fmt::format("\n#### {} ({})\n\n", code(o["name"]), cell(type_text(o)));
      if (o["status"] == "added" || o["status"] == "removed") {
         out += status_text(o) + "\n";
         continue;
      }
      out += "| records | |\n| --- | ---: |\n";
      for (const char* k : {"unchanged", "increased", "decreased", "changed"}) out += fmt::format("| {} | {} |\n", k, o[k].get<std::uint64_t>());
      if (o.contains("total_before")) {
         out += fmt::format("| total before | {} |\n| total after | {} |\n| total change | {} |\n", shown(o["total_before"]), shown(o["total_after"]), shown(o["total_change"]));
         if (!o["smallest_change"].is_null()) {
            out += fmt::format("| smallest change | {} |\n| median change | {} |\n| largest change | {} |\n", shown(o["smallest_change"]), median_text(o), shown(o["largest_change"]));
         }
      }
      markdown_examples(o["examples"], out);
   }
   if (!r["examples"].empty()) {
      out += "\n#### Errors and violations\n";
      markdown_examples(r["examples"], out);
   }
   return out;
}

// The structural report.
std::string what(const Json& c)
{
   const std::string kind = c["kind"], name = c["name"];
   if (kind == "period") return fmt::format("param {} {}", c["owner"].get<std::string>(), name);
   if (kind == "row") return fmt::format("table {} row {}", c["owner"].get<std::string>(), name);
   if (kind == "exception") return fmt::format("rule {} exception {}", c["owner"].get<std::string>(), name);
   return kind + " " + name;
}

std::string side_text(const Json& side) { return side.is_null() ? "" : side["text"].get<std::string>(); }

std::string human_structure(const Json& r)
{
   std::string out = fmt::format("pol diff {}\n", heading(r));
   if (r["changes"].empty()) return out + "no changes but layout and comments\n";
   for (const auto& c : r["changes"]) {
      const std::string change = c["change"];
      out += fmt::format("{} {}\n", change == "added" ? "+" : change == "removed" ? "-" : "~", what(c));
      if (change != "added") out += fmt::format("    before: {}\n", side_text(c["before"]));
      if (change != "removed") out += fmt::format("    after:  {}\n", side_text(c["after"]));
   }
   return out + fmt::format("{}\n", plural(r["changes"].size(), "change", "changes"));
}

std::string markdown_structure(const Json& r)
{
   std::string out = fmt::format("### pol diff: {}\n\n", code(heading(r)));
   if (r["changes"].empty()) return out + "No changes but layout and comments.\n";
   out += "| change | what | before | after |\n| --- | --- | --- | --- |\n";
   for (const auto& c : r["changes"]) {
      const auto side = [](const Json& s) { return s.is_null() ? std::string() : code(side_text(s)); };
      out += fmt::format("| {} | {} | {} | {} |\n", c["change"].get<std::string>(), cell(what(c)), side(c["before"]), side(c["after"]));
   }
   return out;
}

}  // namespace

std::string render_report(const Json& report, const std::string& format)
{
   if (format == "json") return report.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
   const bool population = report["kind"] == "population";
   if (format == "markdown") return population ? markdown_population(report) : markdown_structure(report);
   return population ? human_population(report) : human_structure(report);
}

}  // namespace pol::cli
