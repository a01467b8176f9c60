// pol doc POLICY… -o DIR: each policy as a document for reviewers and auditors (Markdown or
// HTML), with an index: inputs, dated values, decision tables, rules, outputs, worked examples.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>

#include <fmt/format.h>

#include "commands.hpp"
#include "document.hpp"
#include "pol/testing.hpp"

namespace pol::cli {

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;
using doc::code;
using doc::link;
using doc::Inline;
using doc::plain;
using doc::strong;

std::string str(const Json& j) { return j.is_string() ? j.get<std::string>() : ""; }
// A member that is text, or "" when it is missing or not text.
std::string str(const Json& j, const char* key)
{
   if (!j.is_object() || !j.contains(key)) return "";
   return str(j.at(key));
}
// A member, or null when it is missing.
const Json& at(const Json& j, const char* key)
{
   static const Json none;
   return j.is_object() && j.contains(key) ? j.at(key) : none;
}

// "annual_pay" reads as "Annual pay".
std::string human(std::string name)
{
   for (auto& c : name) {
      if (c == '_') c = ' ';
   }
   if (!name.empty() && name[0] >= 'a' && name[0] <= 'z') name[0] = static_cast<char>(name[0] - 'a' + 'A');
   return name;
}

// A comment and a source, as one cell or paragraph.
Inline about(const Json& item)
{
   Inline out;
   if (!str(item, "comment").empty()) out.push_back(plain(str(item, "comment")));
   if (!str(item, "source").empty()) {
      if (!out.empty()) out.push_back(plain("\n"));
      out.push_back(plain("Source: " + str(item, "source")));
   }
   return out;
}

Inline source_cell(const Json& source) { return source.is_string() ? Inline{plain(source.get<std::string>())} : Inline{}; }

// What a test case says, from a test block or a NAME.tests.json case.
struct Example {
   std::string name;
   std::vector<std::pair<std::string, std::string>> given, expect;  // name and value, as written
   std::string as_of;
   std::vector<std::string> violations;
   std::string error;
   std::optional<bool> passed;
};

std::vector<Example> examples_of(const Json& d, const std::string& file)
{
   std::vector<Example> out;
   for (const auto& t : at(d, "tests")) {
      Example e{str(t, "name"), {}, {}, str(t, "as_of"), at(t, "violations").is_array() ? at(t, "violations").get<std::vector<std::string>>() : std::vector<std::string>{}, str(t, "error"), std::nullopt};
      for (const auto& f : at(t, "given")) e.given.emplace_back(str(f, "name"), str(f, "value"));
      for (const auto& f : at(t, "expect")) e.expect.emplace_back(str(f, "name"), str(f, "value"));
      out.push_back(std::move(e));
   }
   const auto tests_json = fs::path(file).replace_extension(".tests.json");
   std::ifstream in(tests_json);
   if (!in) return out;
   const Json cases = Json::parse(in, nullptr, false);
   if (!at(cases, "cases").is_array()) return out;
   const auto value = [](const Json& v) { return v.is_string() ? v.get<std::string>() : dump_json(v); };
   for (const auto& c : at(cases, "cases")) {
      Example e{str(c, "name"), {}, {}, str(c, "as_of"), {}, "", std::nullopt};
      if (at(c, "input").is_object()) {
         for (const auto& [k, v] : at(c, "input").items()) e.given.emplace_back(k, value(v));
      }
      const Json& expect = at(c, "expect");
      if (at(expect, "outputs").is_object()) {
         for (const auto& [k, v] : at(expect, "outputs").items()) e.expect.emplace_back(k, value(v));
      }
      if (at(expect, "violations").is_array()) {
         for (const auto& v : at(expect, "violations")) e.violations.push_back(str(v));
      }
      e.error = str(expect, "error");
      out.push_back(std::move(e));
   }
   return out;
}

doc::Document document_of(const Json& d, const std::vector<OutputInfo>& output_types, std::vector<Example> examples)
{
   doc::Document out;
   const std::string title = str(d, "title").empty() ? str(d, "name") : str(d, "title");
   out.title = title;
   out.heading(1, {plain(title)});
   Inline facts{plain("Policy "), code(str(d, "name")), plain(", file "), code(str(d, "file"))};
   if (!str(d, "version").empty()) facts.insert(facts.end(), {plain(", version "), strong(str(d, "version"))});
   out.paragraph(facts);
   if (!str(d, "source").empty()) out.paragraph({strong("Source:"), plain(" " + str(d, "source"))});
   out.list({{link("Inputs", "#inputs")}, {link("Values by date", "#values-by-date")}, {link("Decision tables", "#decision-tables")},
             {link("Rules", "#rules")}, {link("Outputs", "#outputs")}, {link("Worked examples", "#worked-examples")}});

   out.heading(2, {plain("Inputs")});
   std::vector<std::vector<Inline>> rows;
   for (const auto& in : at(d, "inputs")) {
      rows.push_back({{code(str(in, "name"))}, {plain(str(in, "type"))}, at(in, "default").is_string() ? Inline{code(str(in, "default"))} : Inline{plain(at(in, "optional") == true ? "none (optional)" : "required")},
                      at(in, "requires").is_string() ? Inline{code(str(in, "requires"))} : Inline{}, about(in)});
   }
   out.table({{plain("Input")}, {plain("Type")}, {plain("Default")}, {plain("Must meet")}, {plain("About")}}, rows);
   if (!at(d, "enums").empty()) {
      out.heading(3, {plain("Choices")});
      for (const auto& e : at(d, "enums")) {
         Inline line{code(str(e, "name")), plain(": ")};
         bool first = true;
         for (const auto& v : at(e, "values")) {
            if (!first) line.push_back(plain("; "));
            first = false;
            line.push_back(code(str(v, "name")));
            if (str(v, "label") != str(v, "name")) line.push_back(plain(" " + str(v, "label")));
         }
         out.paragraph(line);
      }
   }

   out.heading(2, {plain("Values by date")});
   if (at(d, "params").empty()) out.paragraph({plain("The policy has no fixed values.")});
   for (const auto& p : at(d, "params")) {
      out.heading(3, {code(str(p, "name")), plain(": " + str(p, "type"))});
      if (auto a = about(p); !a.empty()) out.paragraph(a);
      if (at(p, "value").is_string()) {
         out.paragraph({plain("Value: "), code(str(p, "value"))});
         continue;
      }
      rows.clear();
      const auto& periods = at(p, "periods");
      for (std::size_t i = 0; i < periods.size(); ++i) {
         const std::string until = i + 1 < periods.size() ? "until the day before " + str(periods[i + 1], "from") : "onwards";
         rows.push_back({{plain(str(periods[i], "from"))}, {plain(until)}, {code(str(periods[i], "value"))}, source_cell(at(periods[i], "source"))});
      }
      out.table({{plain("From")}, {plain("Until")}, {plain("Value")}, {plain("Source")}}, rows);
   }

   out.heading(2, {plain("Decision tables")});
   if (at(d, "tables").empty()) out.paragraph({plain("The policy has no decision tables.")});
   for (const auto& t : at(d, "tables")) {
      std::vector<std::string> params;
      for (const auto& p : at(t, "params")) params.push_back(str(p, "name") + ": " + str(p, "type"));
      out.heading(3, {code(fmt::format("{}({}) -> {}", str(t, "name"), fmt::join(params, ", "), str(t, "result")))});
      out.paragraph({plain("Hit policy: "), strong(str(t, "hit")), plain(str(t, "hit") == "unique" ? " (exactly one row applies)" : str(t, "hit") == "first" ? " (the first row that applies, in order)" : "")});
      if (auto a = about(t); !a.empty()) out.paragraph(a);
      for (const auto& v : at(t, "versions")) {
         if (at(v, "from").is_string()) out.paragraph({strong("In force from " + str(v, "from"))});
         std::vector<Inline> header{{plain("#")}};
         for (const auto& c : at(t, "columns")) header.push_back({plain(str(c))});
         header.push_back({plain("Source")});
         rows.clear();
         std::size_t n = 0;
         for (const auto& r : at(v, "rows")) {
            std::vector<Inline> row{{plain(std::to_string(++n))}};
            for (const auto& c : at(r, "cells")) row.push_back({code(str(c))});
            while (row.size() < header.size() - 1) row.push_back({});
            row.push_back(source_cell(at(r, "source")));
            rows.push_back(std::move(row));
         }
         out.table(header, rows);
         if (at(v, "default").is_string()) out.paragraph({plain("When no row applies: "), code(str(v, "default"))});
      }
   }

   out.heading(2, {plain("Rules")});
   if (at(d, "rules").empty() && at(d, "requires").empty()) out.paragraph({plain("The policy has no rules.")});
   for (const auto& r : at(d, "rules")) {
      out.heading(3, {code(str(r, "name")), plain(": " + str(r, "type"))});
      if (auto a = about(r); !a.empty()) out.paragraph(a);
      if (at(r, "default").is_string()) {
         Inline line{plain("By default "), code(str(r, "default"))};
         if (at(r, "default_source").is_string()) line.push_back(plain(" (source: " + str(r, "default_source") + ")"));
         out.paragraph(line);
      }
      std::vector<Inline> items;
      for (const auto& x : at(r, "exceptions")) {
         Inline item{plain(at(r, "default").is_string() ? "except when " : "when "), code(str(x, "when")), plain(": "), code(str(x, "value"))};
         if (!str(x, "label").empty()) item.push_back(plain(" (“" + str(x, "label") + "”)"));
         if (!str(x, "exception_to").empty()) item.push_back(plain(", an exception to “" + str(x, "exception_to") + "”"));
         if (at(x, "source").is_string()) item.push_back(plain(" (source: " + str(x, "source") + ")"));
         items.push_back(std::move(item));
      }
      if (!items.empty()) out.list(std::move(items));
   }
   if (!at(d, "requires").empty()) {
      out.heading(3, {plain("Requirements checked for every case")});
      std::vector<Inline> items;
      for (const auto& r : at(d, "requires")) {
         Inline item{code(str(r, "condition"))};
         if (at(r, "message").is_string()) item.insert(item.end(), {plain(", else: "), plain(str(r, "message"))});
         if (at(r, "source").is_string()) item.push_back(plain(" (source: " + str(r, "source") + ")"));
         items.push_back(std::move(item));
      }
      out.list(std::move(items));
   }
   if (!at(d, "lets").empty() || !at(d, "functions").empty()) {
      out.heading(3, {plain("Working values")});
      rows.clear();
      for (const auto& l : at(d, "lets")) rows.push_back({{code(str(l, "name"))}, {code(str(l, "value"))}, about(l)});
      for (const auto& f : at(d, "functions")) {
         std::vector<std::string> params;
         for (const auto& p : at(f, "params")) params.push_back(str(p, "name") + ": " + str(p, "type"));
         rows.push_back({{code(fmt::format("{}({}) -> {}", str(f, "name"), fmt::join(params, ", "), str(f, "result")))}, {code(str(f, "body"))}, about(f)});
      }
      out.table({{plain("Name")}, {plain("Is")}, {plain("About")}}, rows);
   }

   out.heading(2, {plain("Outputs")});
   rows.clear();
   for (const auto& o : at(d, "outputs")) {
      std::string type = str(o, "type");
      for (const auto& t : output_types) {
         if (t.name == str(o, "name")) type = t.type;  // as checked, where the policy leaves it to be inferred
      }
      rows.push_back({{code(str(o, "name"))}, {plain(type)}, {code(str(o, "value"))}, about(o)});
   }
   out.table({{plain("Output")}, {plain("Type")}, {plain("Is")}, {plain("About")}}, rows);

   out.heading(2, {plain("Worked examples")});
   if (examples.empty()) out.paragraph({plain("The policy has no tests.")});
   for (const auto& e : examples) {
      const std::string mark = !e.passed ? "" : *e.passed ? "✓ " : "✗ ";
      out.heading(3, {plain(mark + e.name)});
      if (e.passed) out.paragraph({plain(*e.passed ? "pol test checks this example, and it holds." : "pol test checks this example, and it does not hold now.")});
      if (!e.as_of.empty()) out.paragraph({plain("As of " + e.as_of + ".")});
      rows.clear();
      for (const auto& [name, value] : e.given) rows.push_back({{plain(human(name))}, {code(value)}});
      out.table({{plain("Given")}, {plain("Value")}}, rows);
      rows.clear();
      for (const auto& [name, value] : e.expect) rows.push_back({{plain(human(name))}, {code(value)}});
      if (!rows.empty()) out.table({{plain("Gives")}, {plain("Value")}}, rows);
      for (const auto& v : e.violations) out.paragraph({plain("Not met: " + v)});
      if (!e.error.empty()) out.paragraph({plain("An error: " + e.error)});
   }
   return out;
}

bool write_file(const fs::path& path, const std::string& text)
{
   std::ofstream out(path, std::ios::binary);
   out << text;
   out.close();
   return static_cast<bool>(out);
}

}  // namespace

Runner add_doc(CLI::App& app)
{
   auto* cmd = app.add_subcommand("doc", "Write each policy as a document for reviewers (Markdown or HTML), with an index: its inputs, values by date,\n"
                                         "decision tables, rules, outputs and its tests as worked examples (docs/doc.md).\n"
                                         "Exit status: 0, 1 when a policy has errors, 2 on usage or I/O problems.");
   struct Options {
      std::vector<std::string> paths;
      std::string format = "html";
      std::string out;
      std::vector<std::string> path;
   };
   auto o = std::make_shared<Options>();
   cmd->add_option("policies", o->paths, "Policy files, or folders searched for .pol files")->required();
   cmd->add_option("--format", o->format, "html (default) or markdown")->check(CLI::IsMember({"html", "markdown"}));
   cmd->add_option("--output,-o", o->out, "The folder to write into (made if missing)")->required();
   cmd->add_option("--path", o->path, "Extra folders to search for imported files");
   return [o] {
      std::vector<std::string> missing;
      const auto files = testing::policy_files(o->paths, missing);
      for (const auto& m : missing) std::cerr << fmt::format("error: {} is neither a policy file nor a folder\n", m);
      if (!missing.empty()) return exit_usage;
      std::error_code ec;
      fs::create_directories(o->out, ec);
      if (ec) {
         std::cerr << fmt::format("error: cannot make the folder {}: {}\n", o->out, ec.message());
         return exit_usage;
      }
      const bool markdown = o->format == "markdown";
      const std::string ext = markdown ? ".md" : ".html";
      doc::Document index;
      index.title = "Policies";
      index.heading(1, {plain("Policies")});
      std::vector<std::vector<Inline>> rows;
      int status = exit_ok;
      for (const auto& file : files) {
         int one = exit_ok;
         const auto policy = load_policy(file, o->path, Limits{}, false, one);
         if (!policy) {
            status = std::max(status, one);
            continue;
         }
         const Json d = Json::parse(policy->document_json());
         auto examples = examples_of(d, file);
         testing::Options t;
         t.paths = {file};
         t.search_path = o->path;
         for (const auto& report : testing::run(t).policies) {
            for (const auto& c : report.cases) {
               for (auto& e : examples) {
                  if (e.name == c.name) e.passed = c.passed();
               }
            }
         }
         const std::string name = str(d, "name").empty() ? fs::path(file).stem().string() : str(d, "name");
         const auto page = document_of(d, policy->output_info(), std::move(examples));
         if (!write_file(fs::path(o->out) / (name + ext), markdown ? doc::markdown(page) : doc::html(page))) {
            std::cerr << fmt::format("error: cannot write {}\n", (fs::path(o->out) / (name + ext)).string());
            return exit_usage;
         }
         rows.push_back({{link(page.title, name + ext)}, {code(name)}, {plain(str(d, "source"))}});
      }
      index.table({{plain("Policy")}, {plain("Name")}, {plain("Source")}}, rows);
      if (!write_file(fs::path(o->out) / ("index" + ext), markdown ? doc::markdown(index) : doc::html(index))) {
         std::cerr << fmt::format("error: cannot write the index in {}\n", o->out);
         return exit_usage;
      }
      std::cerr << fmt::format("wrote {} polic{} and an index to {}\n", rows.size(), rows.size() == 1 ? "y" : "ies", o->out);
      return status;
   };
}

}  // namespace pol::cli
