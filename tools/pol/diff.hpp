// pol diff: what a change to a policy changes, over a population (diff_population.cpp) or in
// its declarations (diff_outline.cpp). Each builds a JSON report (docs/diff-format.md) that
// diff_report.cpp writes as text, markdown or JSON.
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "pol/pol.hpp"

namespace pol::cli {

using Json = nlohmann::ordered_json;

// The two versions compared, and how to name them.
struct Versions {
   std::string old_path, new_path;
   std::string old_label, new_label;  // "policies/x.pol", or "policies/x.pol at origin/main"
   std::string old_text, new_text;    // the policies' text
};

struct PopulationOptions {
   std::string file;    // "-" for standard input
   std::string format;  // "jsonl", "csv", or "" for the file's extension
   EvalOptions eval;
   unsigned jobs = 1;
   std::size_t examples = 3;
   std::size_t block_bytes = 64 << 10;
};

// Evaluates both versions over the population. Notes about the inputs go to stderr before any
// record is evaluated. Throws std::system_error when the population cannot be read.
Json diff_population(const Versions& v, std::shared_ptr<const Policy> old_policy, std::shared_ptr<const Policy> new_policy, const PopulationOptions& o);

// Compares the declarations of both versions. Throws CompileError when one does not parse.
Json diff_outline(const Versions& v);

// The report in a format: "human", "markdown" or "json".
std::string render_report(const Json& report, const std::string& format);

// Why an output differs for one record, from both results' explanations (Result::json with
// "explanation"): the values nearest the inputs that differ, each in a sentence.
std::vector<std::string> explain_change(const Json& before, const Json& after, const std::string& output);

}  // namespace pol::cli
