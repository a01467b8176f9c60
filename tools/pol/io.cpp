#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <utility>

#include "commands.hpp"

namespace pol::cli {

bool OwnedFd::close()
{
   if (fd_ <= STDERR_FILENO) return true;  // not opened here (or already closed)
   return ::close(std::exchange(fd_, -1)) == 0;
}

std::optional<std::string> read_text(const std::string& path, std::string& out)
{
   std::ostringstream s;
   if (path == "-") {
      s << std::cin.rdbuf();
   } else {
      std::error_code ec;
      if (std::filesystem::is_directory(path, ec)) return "it is a folder, not a file";
      std::ifstream in(path, std::ios::binary);
      if (!in) return std::strerror(errno);
      s << in.rdbuf();
      if (in.bad()) return std::strerror(errno);
   }
   out = s.str();
   return std::nullopt;
}

std::shared_ptr<const Policy> load_policy(const std::string& path, const std::vector<std::string>& search_path, const Limits& limits, bool json, int& status)
{
   try {
      CompileOptions options;
      options.search_path = search_path;
      options.max_steps = limits.steps;
      options.analyse_tables = false;
      return Policy::compile_file(path, options);
   } catch (const CompileError& e) {
      if (e.unreadable()) {
         std::cerr << fmt::format("error: cannot read the policy file {}\n", path);
         status = exit_usage;
         return nullptr;
      }
      if (json) {
         auto errors = nlohmann::ordered_json::array();
         for (const auto& d : e.diagnostics()) errors.push_back(nlohmann::ordered_json::parse(d.json));
         std::cerr << dump_json(nlohmann::ordered_json{{"errors", errors}}, 2) << "\n";
      } else {
         for (const auto& d : e.diagnostics()) std::cerr << d.rendered << "\n";
         std::cerr << fmt::format("{}: fix them with 'pol check {}'\n", e.what(), path);
      }
      status = exit_failed;
      return nullptr;
   }
}

void add_limit_options(CLI::App* cmd, Limits& limits)
{
   const std::string group = "Budgets of each evaluation (past one, the evaluation stops with an error R0701 to R0704)";
   cmd->add_option("--max-steps", limits.steps, "Expressions one evaluation may evaluate; pol check also bounds the policy by it")->capture_default_str()->group(group);
   cmd->add_option("--max-text", limits.text, "Bytes of one text value")->capture_default_str()->group(group);
   cmd->add_option("--max-list", limits.list, "Items of one list")->capture_default_str()->group(group);
   cmd->add_option("--max-digits", limits.digits, "Digits of one number")->capture_default_str()->group(group);
}

bool as_of_ok(const std::string& as_of)
{
   if (as_of.empty() || valid_date(as_of)) return true;
   std::cerr << fmt::format("error: --as-of {} is not a date; write YYYY-MM-DD\n", as_of);
   return false;
}

}  // namespace pol::cli
