// The pol subcommands. Each registers its options on the CLI and returns the exit status.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

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
Runner add_diff(CLI::App& app);
Runner add_fmt(CLI::App& app);
Runner add_schema(CLI::App& app);
Runner add_serve(CLI::App& app);
Runner add_doc(CLI::App& app);
Runner add_lsp(CLI::App& app);

// JSON text that cannot throw: bytes that are not UTF-8 (in a file name, say) become U+FFFD.
template <class Json>
std::string dump_json(const Json& j, int indent = -1)
{
   return j.dump(indent, ' ', false, Json::error_handler_t::replace);
}

// A file descriptor a command opened, closed when it goes out of scope, so that the command run
// in-process (the library, the fuzz harnesses) leaks none; standard input and output stay open.
// close() says whether closing worked, which for an output file means its data was written.
class OwnedFd {
public:
   explicit OwnedFd(int fd) : fd_(fd) {}
   ~OwnedFd() { close(); }
   OwnedFd(const OwnedFd&) = delete;
   OwnedFd& operator=(const OwnedFd&) = delete;
   int get() const { return fd_; }
   bool close();

private:
   int fd_;
};

// Reads a whole file ("-" is standard input); what went wrong, if it could not.
std::optional<std::string> read_text(const std::string& path, std::string& out);
// Compiles a policy to evaluate, without analysing its tables again (pol check does that);
// when it cannot be read or has errors, prints them to stderr (as JSON when `json`), sets
// `status` and returns null.
std::shared_ptr<const Policy> load_policy(const std::string& path, const std::vector<std::string>& search_path, const Limits& limits, bool json, int& status);
// --max-steps, --max-text, --max-list and --max-digits, which set the budgets of evaluations.
void add_limit_options(CLI::App* cmd, Limits& limits);
// Checks an --as-of option; prints the problem and returns false when it is not a date.
bool as_of_ok(const std::string& as_of);

}  // namespace pol::cli
