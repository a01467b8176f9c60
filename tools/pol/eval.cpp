// pol eval POLICY --input FILE: outputs and violations for one input, as JSON.
#include <iostream>

#include <fmt/format.h>

#include "commands.hpp"
#include "compile.hpp"
#include "format.hpp"

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
      std::string format = "json";
      bool explain = false;
      std::vector<std::string> path;
   };
   auto o = std::make_shared<Options>();
   cmd->add_option("policy", o->policy, "The policy file (.pol)")->required();
   auto* in = cmd->add_option("--input,-i", o->input, "A JSON file of input values, or - for standard input");
   cmd->add_option("--input-json", o->input_json, "The input values as JSON text")->excludes(in);
   cmd->add_option("--as-of", o->as_of, "The evaluation date (YYYY-MM-DD) for values by date; default: today");
   cmd->add_option("--format", o->format, "json: results as JSON, errors as JSON on stderr; text: readable results and errors")->check(CLI::IsMember({"json", "text"}));
   cmd->add_flag("--explain", o->explain, "Also explain every output: the values it used, the rule, row or period that decided each, and sources");
   cmd->add_option("--path", o->path, "Extra folders to search for imported files");
   return [o] {
      const bool json = o->format == "json";
      std::optional<interp::Date> as_of;
      if (!o->as_of.empty()) {
         as_of = parse_as_of(o->as_of);
         if (!as_of) {
            std::cerr << fmt::format("error: --as-of {} is not a date; write YYYY-MM-DD\n", o->as_of);
            return exit_usage;
         }
      }
      std::string input_text = o->input_json;
      if (o->input_json.empty()) {
         if (o->input.empty()) {
            std::cerr << "error: give the input with --input FILE, --input - (standard input) or --input-json '{…}'\n";
            return exit_usage;
         }
         if (!read_text(o->input, input_text)) {
            std::cerr << fmt::format("error: cannot read the input file {}\n", o->input);
            return exit_usage;
         }
      }
      int status = exit_ok;
      auto loaded = load_policy(o->policy, o->path, json ? Format::json : Format::human, status);
      if (!loaded) return status;
      const auto parsed = interp::parse_json(input_text);
      if (!parsed.ok()) {
         if (json) std::cerr << nlohmann::json{{"errors", {{{"code", "R0001"}, {"message", "the input is not valid JSON: " + parsed.error}}}}}.dump(2) << "\n";
         else std::cerr << fmt::format("error[R0001]: the input is not valid JSON: {}\n", parsed.error);
         return exit_failed;
      }
      const interp::Policy& policy = *loaded;
      interp::EvalOptions eval_options;
      eval_options.as_of = as_of;
      eval_options.explain = o->explain;
      const auto outcome = policy.evaluate(parsed.value, eval_options);
      const auto& p = policy.program();
      if (!outcome.ok()) {
         if (json) {
            nlohmann::ordered_json errs = nlohmann::ordered_json::array();
            for (const auto& e : outcome.errors) errs.push_back(error_json(p.sources, e));
            std::cerr << nlohmann::ordered_json{{"errors", errs}}.dump(2) << "\n";
         } else {
            for (const auto& e : outcome.errors) std::cerr << render_error(p.sources, e) << "\n";
         }
         return exit_failed;
      }
      if (json) {
         std::cout << outcome_json(outcome, p, o->explain).dump(2) << "\n";
         return exit_ok;
      }
      for (const auto& [slot, value] : outcome.outputs) std::cout << fmt::format("{} = {}\n", p.globals[slot].name, interp::format_value(value, p));
      for (const auto& v : outcome.violations) {
         std::cout << fmt::format("violation: {}{}\n", v.message, v.source.empty() ? "" : fmt::format(" (source: {})", v.source));
      }
      if (o->explain) std::cout << "\nwhy:\n" << explanation_text(outcome, p);
      return exit_ok;
   };
}

}  // namespace pol::cli
