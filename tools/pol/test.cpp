// pol test [PATH…]: runs the tests of policies and reports them for people or CI.
#include <cmath>
#include <iostream>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "document.hpp"
#include "pol/testing.hpp"

namespace pol::cli {

namespace {

void print_json(const testing::Report& report)
{
   nlohmann::ordered_json out;
   out["policies"] = nlohmann::ordered_json::array();
   for (const auto& r : report.policies) {
      nlohmann::ordered_json pj;
      pj["file"] = r.file;
      pj["problems"] = r.problems;
      pj["tests"] = nlohmann::ordered_json::array();
      for (const auto& c : r.cases) pj["tests"].push_back({{"name", c.name}, {"location", c.location}, {"passed", c.passed()}, {"failures", c.failures}});
      pj["coverage"] = {{"items", r.coverable}, {"not_exercised", r.uncovered}};
      out["policies"].push_back(std::move(pj));
   }
   out["passed"] = report.passed;
   out["failed"] = report.failed;
   out["coverage_percent"] = std::round(report.coverage_percent() * 10) / 10;
   std::cout << dump_json(out, 2) << "\n";
}

void print_junit(const testing::Report& report)
{
   std::cout << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
   std::cout << fmt::format("<testsuites tests=\"{}\" failures=\"{}\" errors=\"{}\">\n", report.passed + report.failed, report.failed, report.broken);
   for (const auto& r : report.policies) {
      std::size_t failed = 0;
      for (const auto& c : r.cases) failed += c.passed() ? 0 : 1;
      std::cout << fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\">\n", doc::escape_markup(r.file), r.cases.size(), failed, r.problems.size());
      for (const auto& p : r.problems) std::cout << fmt::format("    <error message=\"{}\"/>\n", doc::escape_markup(p));
      for (const auto& c : r.cases) {
         std::cout << fmt::format("    <testcase classname=\"{}\" name=\"{}\" time=\"{:.6f}\"", doc::escape_markup(r.file), doc::escape_markup(c.name), c.seconds);
         if (c.passed()) {
            std::cout << "/>\n";
            continue;
         }
         std::string body = c.location + "\n";
         for (const auto& f : c.failures) body += f + "\n";
         body += c.explanation;
         std::cout << fmt::format(">\n      <failure message=\"{}\">{}</failure>\n    </testcase>\n", doc::escape_markup(c.failures.front()), doc::escape_markup(body));
      }
      std::cout << "  </testsuite>\n";
   }
   std::cout << "</testsuites>\n";
}

void print_human(const testing::Report& report)
{
   for (const auto& r : report.policies) {
      std::cout << r.file << "\n";
      for (const auto& p : r.problems) std::cout << "  ERROR " << p << "\n";
      for (const auto& c : r.cases) {
         if (c.passed()) {
            std::cout << fmt::format("  ok   {}\n", c.name);
            continue;
         }
         std::cout << fmt::format("  FAIL {}\n       at {}\n", c.name, c.location);
         for (const auto& f : c.failures) std::cout << "       " << f << "\n";
         if (!c.explanation.empty()) {
            std::cout << "       why:\n";
            std::istringstream lines(c.explanation);
            for (std::string line; std::getline(lines, line);) std::cout << "         " << line << "\n";
         }
      }
      for (const auto& u : r.uncovered) std::cout << "  not exercised: " << u << "\n";
   }
   std::cout << fmt::format("{} passed, {} failed{}; coverage {:.1f}% ({} of {} rules, exceptions, table rows and requires)\n", report.passed, report.failed,
                            report.broken ? fmt::format(", {} problem{} stopped tests from running", report.broken, report.broken == 1 ? "" : "s") : "", report.coverage_percent(), report.covered, report.coverable);
}

}  // namespace

Runner add_test(CLI::App& app)
{
   auto* cmd = app.add_subcommand("test", "Run the test blocks in policy files and the test files beside them (NAME.tests.json).\n"
                                          "Exit status: 0 when every test passes (and coverage is met), 1 otherwise, 2 on usage problems.");
   struct Options {
      testing::Options run;
      std::string format = "human";
      double min_coverage = -1;
      std::string as_of;
   };
   auto o = std::make_shared<Options>();
   cmd->add_option("paths", o->run.paths, "Policy files, or folders searched for .pol files (default: .)");
   cmd->add_option("--filter", o->run.filter, "Run only the tests whose name contains this text");
   cmd->add_option("--format", o->format, "human, json, or junit (XML for CI)")->check(CLI::IsMember({"human", "json", "junit"}));
   cmd->add_flag("--update", o->run.update, "Rewrite the expectations of failing cases in test files with the actual results (review the diff)");
   cmd->add_option("--min-coverage", o->min_coverage, "Fail when less than this percentage of rules, exceptions, table rows and requires is exercised");
   cmd->add_option("--as-of", o->as_of, "The evaluation date for tests that do not give one (default: today)");
   cmd->add_option("--path", o->run.search_path, "Extra folders to search for imported files");
   add_limit_options(cmd, o->run.limits);
   return [o] {
      if (!as_of_ok(o->as_of)) return exit_usage;
      if (!o->as_of.empty()) o->run.as_of = o->as_of;
      const auto report = testing::run(o->run);
      for (const auto& m : report.missing) std::cerr << fmt::format("error: {} is not a file or folder\n", m);
      if (!report.missing.empty()) return exit_usage;
      const bool coverage_ok = o->min_coverage < 0 || report.coverage_percent() + 1e-9 >= o->min_coverage;
      if (o->format == "json") print_json(report);
      else if (o->format == "junit") print_junit(report);
      else {
         print_human(report);
         if (!coverage_ok) std::cout << fmt::format("coverage {:.1f}% is below the minimum of {}%\n", report.coverage_percent(), o->min_coverage);
      }
      // A run that tested nothing must not pass a CI gate: say why, and fail.
      const bool ran_none = report.passed + report.failed == 0 && report.broken == 0;
      if (ran_none) {
         std::cerr << (report.policies.empty() ? fmt::format("error: no .pol files in {}\n", fmt::join(o->run.paths, ", "))
                       : o->run.filter.empty()  ? "error: no tests: write test blocks in the policies or NAME.tests.json files beside them (see docs/testing.md)\n"
                                                : fmt::format("error: no test name contains '{}'\n", o->run.filter));
      }
      return (report.failed == 0 && report.broken == 0 && coverage_ok && !ran_none) ? exit_ok : exit_failed;
   };
}

}  // namespace pol::cli
