// pol batch POLICY --input FILE: one evaluation per JSONL line, on all cores, streamed in
// chunks so memory stays flat; output is in input order, one line per input line.
#include <chrono>
#include <fstream>
#include <iostream>
#include <thread>

#include <fmt/format.h>

#include "commands.hpp"
#include "compile.hpp"

namespace pol::cli {

namespace {

constexpr std::size_t chunk_lines = 8192;

struct Totals {
   std::size_t records = 0, errors = 0, violations = 0;
};

std::string evaluate_line(const interp::Policy& policy, std::string_view line, std::size_t number, const interp::EvalOptions& options, Totals& totals)
{
   const auto& p = policy.program();
   auto error_line = [&](const nlohmann::ordered_json& error) {
      ++totals.errors;
      nlohmann::ordered_json out;
      out["line"] = number;
      out["error"] = error;
      return out.dump();
   };
   if (line.find_first_not_of(" \t") == std::string_view::npos) return error_line({{"code", "R0002"}, {"message", "the line is blank: expected a JSON object of inputs"}});
   const auto parsed = interp::parse_json(line);
   if (!parsed.ok()) return error_line({{"code", "R0001"}, {"message", "the line is not valid JSON: " + parsed.error}});
   const auto outcome = policy.evaluate(parsed.value, options);
   if (!outcome.ok()) return error_line(error_json(p.sources, outcome.errors.front()));
   totals.violations += outcome.violations.size();
   return outcome_json(outcome, p, false).dump();
}

}  // namespace

Runner add_batch(CLI::App& app)
{
   auto* cmd = app.add_subcommand("batch", "Evaluate a policy for every line of a JSONL file, in parallel, streaming.\n"
                                           "Writes one JSON line per input line, in input order: the outputs and violations, or {\"line\": N, \"error\": {…}}.\n"
                                           "A summary goes to stderr. Exit status: 0, or 1 with --fail-on-error when any line had an error; 2 on usage problems.");
   struct Options {
      std::string policy;
      std::string input = "-";
      std::string output = "-";
      std::string as_of;
      unsigned jobs = std::max(1u, std::thread::hardware_concurrency());
      bool fail_on_error = false;
      std::vector<std::string> path;
   };
   auto o = std::make_shared<Options>();
   cmd->add_option("policy", o->policy, "The policy file (.pol)")->required();
   cmd->add_option("--input,-i", o->input, "JSONL input, one JSON object of inputs per line, or - for standard input");
   cmd->add_option("--output,-o", o->output, "Where to write the JSONL results, or - for standard output");
   cmd->add_option("--as-of", o->as_of, "The evaluation date (YYYY-MM-DD) for values by date; default: today");
   cmd->add_option("--jobs,-j", o->jobs, "Threads to evaluate with (default: all cores)")->check(CLI::Range(1u, 256u));
   cmd->add_flag("--fail-on-error", o->fail_on_error, "Exit with status 1 when any line had an error (for CI)");
   cmd->add_option("--path", o->path, "Extra folders to search for imported files");
   return [o] {
      interp::EvalOptions options;
      if (!o->as_of.empty()) {
         options.as_of = parse_as_of(o->as_of);
         if (!options.as_of) {
            std::cerr << fmt::format("error: --as-of {} is not a date; write YYYY-MM-DD\n", o->as_of);
            return exit_usage;
         }
      }
      int status = exit_ok;
      auto loaded = load_policy(o->policy, o->path, Format::human, status);
      if (!loaded) return status;
      const interp::Policy& policy = *loaded;
      std::ifstream file_in;
      std::istream* in = &std::cin;
      if (o->input != "-") {
         file_in.open(o->input, std::ios::binary);
         if (!file_in) {
            std::cerr << fmt::format("error: cannot read the input file {}\n", o->input);
            return exit_usage;
         }
         in = &file_in;
      }
      std::ofstream file_out;
      std::ostream* out = &std::cout;
      if (o->output != "-") {
         file_out.open(o->output, std::ios::binary);
         if (!file_out) {
            std::cerr << fmt::format("error: cannot write {}\n", o->output);
            return exit_usage;
         }
         out = &file_out;
      }
      const auto start = std::chrono::steady_clock::now();
      Totals totals;
      std::vector<std::string> lines, results;
      std::size_t line_number = 0;
      bool first = true;
      for (;;) {
         lines.clear();
         std::string line;
         while (lines.size() < chunk_lines && std::getline(*in, line)) {
            if (first && line.starts_with("\xEF\xBB\xBF")) line.erase(0, 3);  // a byte-order mark
            first = false;
            if (!line.empty() && line.back() == '\r') line.pop_back();
            lines.push_back(std::move(line));
         }
         if (lines.empty()) break;
         results.assign(lines.size(), {});
         const unsigned jobs = static_cast<unsigned>(std::min<std::size_t>(o->jobs, lines.size()));
         std::vector<Totals> part(jobs);
         std::vector<std::thread> threads;
         for (unsigned j = 0; j < jobs; ++j) {
            threads.emplace_back([&, j] {
               for (std::size_t i = j; i < lines.size(); i += jobs) results[i] = evaluate_line(policy, lines[i], line_number + i + 1, options, part[j]);
            });
         }
         for (auto& t : threads) t.join();
         for (const auto& t : part) {
            totals.errors += t.errors;
            totals.violations += t.violations;
         }
         for (const auto& r : results) *out << r << '\n';
         line_number += lines.size();
      }
      out->flush();
      totals.records = line_number;
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::cerr << fmt::format("{} records, {} errors, {} violations in {:.2f} s ({:.0f} records/s)\n", totals.records, totals.errors, totals.violations, seconds,
                               seconds > 0 ? static_cast<double>(totals.records) / seconds : 0.0);
      return (o->fail_on_error && totals.errors > 0) ? exit_failed : exit_ok;
   };
}

}  // namespace pol::cli
