// pol::testing: runs the tests of policies (test blocks and NAME.tests.json files) and
// measures what they exercised. The pol test command formats this report.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "pol/limits.hpp"

namespace pol::testing {

struct Options {
   std::vector<std::string> paths{"."};  // policy files, or folders searched for .pol files
   std::string filter;                   // run only tests whose name contains this
   bool update = false;                  // rewrite failing expectations in test files
   std::optional<std::string> as_of;     // for tests that do not give one
   std::vector<std::string> search_path;
   Limits limits;                        // the budgets of each case's evaluation
};

struct CaseResult {
   std::string name;
   std::string location;
   std::vector<std::string> failures;  // expected against actual, unexpected violations, errors
   std::string explanation;            // of the outputs that differ
   double seconds = 0;
   bool passed() const { return failures.empty(); }
};

struct PolicyReport {
   std::string file;
   std::vector<std::string> problems;  // the policy or its test file could not be used
   std::vector<CaseResult> cases;
   std::size_t coverable = 0;          // rule defaults and exceptions, table rows, requires
   std::vector<std::string> uncovered;
};

struct Report {
   std::vector<PolicyReport> policies;
   std::vector<std::string> missing;  // paths that are neither files nor folders
   std::size_t passed = 0, failed = 0, broken = 0, covered = 0, coverable = 0;
   double coverage_percent() const { return coverable == 0 ? 100.0 : 100.0 * static_cast<double>(covered) / static_cast<double>(coverable); }
};

Report run(const Options& options);

// The .pol files named, and those found (sorted) in the folders named; others go to `missing`.
std::vector<std::string> policy_files(const std::vector<std::string>& paths, std::vector<std::string>& missing);

}  // namespace pol::testing
