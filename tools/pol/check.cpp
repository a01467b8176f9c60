// pol check FILE…: every problem in the policies, at once.
#include <algorithm>
#include <cctype>
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "pol/testing.hpp"

namespace pol::cli {

namespace {

void print_cost(const std::string& file, const Cost& cost)
{
   std::cout << fmt::format("{}: at most {} steps{}\n", file, cost.steps, cost.grows_with_lists ? ", where n is the length of the longest list" : "");
   if (!cost.costliest.empty()) std::cout << fmt::format("  costliest: {}\n", cost.costliest);
   std::cout << fmt::format("  deepest: {} levels, {}\n", cost.depth, cost.deepest);
}

// A file path as a relative URI reference: every byte but unreserved characters and '/' escaped.
std::string uri_of(const std::string& path)
{
   std::string out;
   for (const unsigned char c : path) {
      if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') out += static_cast<char>(c);
      else out += fmt::format("%{:02X}", c);
   }
   return out;
}

// The diagnostics as one SARIF 2.1.0 log, for GitHub code scanning and other readers.
nlohmann::ordered_json sarif_log(const std::vector<Diagnostic>& diagnostics)
{
   auto rules = nlohmann::ordered_json::array();
   auto results = nlohmann::ordered_json::array();
   std::vector<std::string> rule_ids;
   for (const auto& d : diagnostics) {
      auto it = std::find(rule_ids.begin(), rule_ids.end(), d.code);
      if (it == rule_ids.end()) {
         rule_ids.push_back(d.code);
         it = rule_ids.end() - 1;
         rules.push_back({{"id", d.code}, {"defaultConfiguration", {{"level", d.error ? "error" : "warning"}}}});
      }
      std::string text = d.message;
      if (!d.help.empty()) text += "\nhelp: " + d.help;
      nlohmann::ordered_json result = {{"ruleId", d.code}, {"ruleIndex", it - rule_ids.begin()}, {"level", d.error ? "error" : "warning"}, {"message", {{"text", text}}}};
      if (!d.file.empty()) {
         nlohmann::ordered_json region = {{"startLine", std::max(d.line, 1u)}, {"startColumn", std::max(d.column, 1u)}};
         result["locations"] = {{{"physicalLocation", {{"artifactLocation", {{"uri", uri_of(d.file)}}}, {"region", region}}}}};
      }
      results.push_back(std::move(result));
   }
   nlohmann::ordered_json driver = {{"name", "pol"}, {"version", "0.1.0"}, {"rules", rules}};
   return {{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
           {"version", "2.1.0"},
           {"runs", {{{"tool", {{"driver", driver}}}, {"columnKind", "unicodeCodePoints"}, {"results", results}}}}};
}

}  // namespace

Runner add_check(CLI::App& app)
{
   auto* cmd = app.add_subcommand("check", "Parse, resolve, type-check and analyse policies; report every problem at once.\n"
                                           "Exit status: 0 when there are no errors (warnings allowed), 1 on errors, 2 when a file cannot be read.");
   struct Options {
      std::vector<std::string> files;
      std::string format = "human";
      std::vector<std::string> path;
      bool deny_warnings = false;
      bool cost = false;
      std::uint64_t max_steps = Limits{}.steps;
   };
   auto o = std::make_shared<Options>();
   cmd->add_option("files", o->files, "Policy files (.pol), or folders to search for them")->required();
   cmd->add_option("--format", o->format, "Output: human (source, caret and help), json, github (workflow annotations), or sarif (SARIF 2.1.0)")
      ->check(CLI::IsMember({"human", "json", "github", "sarif"}));
   cmd->add_option("--path", o->path, "Extra folders to search for imported files");
   cmd->add_flag("--deny-warnings", o->deny_warnings, "Treat warnings as errors (exit status 1)");
   cmd->add_flag("--cost", o->cost, "Also report what evaluating each policy can cost: its most steps, its costliest path and its deepest nesting");
   cmd->add_option("--max-steps", o->max_steps, "A policy that may take more steps than this is an error (E0602)")->capture_default_str();
   return [o] {
      int status = exit_ok;
      std::size_t errors = 0, warnings = 0;
      nlohmann::ordered_json all = nlohmann::ordered_json::array();
      std::vector<Diagnostic> every;
      std::vector<std::string> missing;
      const auto files = testing::policy_files(o->files, missing);
      for (const auto& m : missing) {
         std::cerr << fmt::format("error: cannot read {}\n", m);
         status = exit_usage;
      }
      for (const auto& file : files) {
         CompileOptions options;
         options.search_path = o->path;
         options.max_steps = o->max_steps;
         const auto result = check_file(file, options);
         if (result.unreadable) {
            std::cerr << fmt::format("error: cannot read {}\n", file);
            status = exit_usage;
            continue;
         }
         errors += result.errors();
         warnings += result.warnings();
         for (const auto& d : result.diagnostics) {
            if (o->format == "json") all.push_back(nlohmann::ordered_json::parse(d.json));
            else if (o->format == "sarif") every.push_back(d);
            else if (o->format == "github") std::cout << d.github;
            else std::cout << d.rendered << "\n";
         }
         if (o->cost && result.cost && o->format == "human") print_cost(file, *result.cost);
      }
      if (o->format == "json") std::cout << dump_json(all, 2) << "\n";
      else if (o->format == "sarif") std::cout << dump_json(sarif_log(every), 2) << "\n";
      else if (o->format == "human") {
         if (errors + warnings == 0) std::cout << fmt::format("{} checked: no problems\n", files.size() == 1 ? files.front() : fmt::format("{} files", files.size()));
         else std::cout << fmt::format("{} error{}, {} warning{}\n", errors, errors == 1 ? "" : "s", warnings, warnings == 1 ? "" : "s");
      }
      if (status != exit_ok) return status;
      return (errors > 0 || (o->deny_warnings && warnings > 0)) ? exit_failed : exit_ok;
   };
}

}  // namespace pol::cli
