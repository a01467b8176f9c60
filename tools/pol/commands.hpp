// The pol subcommands. Each registers its options on the CLI and returns the exit status.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "pol/pol.hpp"

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
Runner add_fmt(CLI::App& app);

bool read_text(const std::string& path, std::string& out);  // "-" is standard input
// Compiles a policy; when it cannot be read or has errors, prints them to stderr (as JSON when
// `json`), sets `status` and returns null.
std::shared_ptr<const Policy> load_policy(const std::string& path, const std::vector<std::string>& search_path, bool json, int& status);
// Checks an --as-of option; prints the problem and returns false when it is not a date.
bool as_of_ok(const std::string& as_of);

}  // namespace pol::cli
