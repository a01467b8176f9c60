// The pol subcommands. Each registers its options on the CLI and returns the exit status.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "compiler.hpp"
#include "evaluator.hpp"

namespace pol::cli {

// Exit statuses shared by every command.
inline constexpr int exit_ok = 0;
inline constexpr int exit_failed = 1;  // errors in the policy, the input or the evaluation
inline constexpr int exit_usage = 2;   // bad options, unreadable files

using Runner = std::function<int()>;

Runner add_check(CLI::App& app);
Runner add_eval(CLI::App& app);
Runner add_test(CLI::App& app);
Runner add_batch(CLI::App& app);

// Shared output helpers (render.cpp).
enum class Format { human, json, github, text, junit };
void print_diagnostics(const lang::Compilation& c, Format format);
lang::Diagnostic to_diagnostic(const interp::RuntimeError& e);
std::string render_error(const lang::SourceSet& sources, const interp::RuntimeError& e);
nlohmann::ordered_json error_json(const lang::SourceSet& sources, const interp::RuntimeError& e);
nlohmann::ordered_json outcome_json(const interp::Outcome& o, const lang::Program& p, bool explain);
// The tree of values behind the outputs (or only the given output slots).
std::string explanation_text(const interp::Outcome& o, const lang::Program& p, const std::vector<std::uint32_t>& only = {});
bool read_text(const std::string& path, std::string& out);  // "-" is stdin
std::optional<interp::Date> parse_as_of(const std::string& text);
// Compiles a policy for evaluation. When it cannot be read or has errors, prints them to stderr
// (as JSON for Format::json), sets `status` and returns nothing.
std::optional<interp::Policy> load_policy(const std::string& path, const std::vector<std::string>& search_path, Format format, int& status);
// The .pol files named, and those found in the folders named (sorted); unknown paths go to `missing`.
std::vector<std::string> policy_files(const std::vector<std::string>& paths, std::vector<std::string>& missing);

}  // namespace pol::cli
