// pol eval POLICY --input FILE: outputs and violations for one input, as JSON.
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.hpp"

namespace pol::cli {

Runner add_eval(CLI::App& app)
{
   auto* cmd = app.add_subcommand("eval", "Evaluate a policy for one input and print {\"outputs\": {…}, \"violations\": […]}.\n"
                                          "Exit status: 0 on success (violations included), 1 when the policy or the input has errors, 2 on usage or I/O problems.");
   struct Options {
      std::string policy;
      std::string input;
      std::string input_json;
      std::string as_of;
      std::string format;  // unset: results as JSON, errors for people
      bool explain = false;
      std::vector<std::string> path;
      Limits limits;
   };
   auto o = std::make_shared<Options>();
   cmd->add_option("policy", o->policy, "The policy file (.pol)")->required();
   auto* in = cmd->add_option("--input,-i", o->input, "A JSON file of input values, or - for standard input");
   cmd->add_option("--input-json", o->input_json, "The input values as JSON text")->excludes(in);
   cmd->add_option("--as-of", o->as_of, "The evaluation date (YYYY-MM-DD) for values by date; default: today");
   cmd->add_option("--format", o->format,
                   "By default results are JSON and errors are readable text on stderr; json: errors as JSON too; text: readable results")
      ->check(CLI::IsMember({"json", "text"}));
   cmd->add_flag("--explain", o->explain, "Also explain every output: the values it used, the rule, row or period that decided each, and sources");
   cmd->add_option("--path", o->path, "Extra folders to search for imported files");
   add_limit_options(cmd, o->limits);
   return [o] {
      const bool json_errors = o->format == "json";
      const bool text_results = o->format == "text";
      if (!as_of_ok(o->as_of)) return exit_usage;
      std::string input_text = o->input_json;
      if (o->input_json.empty()) {
         if (o->input.empty()) {
            std::cerr << "error: give the input with --input FILE, --input - (standard input) or --input-json '{…}'\n";
            return exit_usage;
         }
         if (const auto problem = read_text(o->input, input_text)) {
            std::cerr << fmt::format("error: cannot read the input file {}: {}\n", o->input, *problem);
            return exit_usage;
         }
      }
      int status = exit_ok;
      const auto policy = load_policy(o->policy, o->path, o->limits, json_errors, status);
      if (!policy) return status;
      EvalOptions options;
      if (!o->as_of.empty()) options.as_of = o->as_of;
      options.explain = o->explain;
      options.limits = o->limits;
      const Result result = policy->evaluate_json(input_text, options);
      if (!result.ok()) {
         if (json_errors) {
            std::cerr << result.json(2) << "\n";
         } else {
            for (const auto& e : result.errors) std::cerr << e.rendered << "\n";
         }
         return exit_failed;
      }
      std::cout << (text_results ? result.text() : result.json(2) + "\n");
      return exit_ok;
   };
}

}  // namespace pol::cli
