#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.hpp"

namespace pol::cli {

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

std::shared_ptr<const Policy> load_policy(const std::string& path, const std::vector<std::string>& search_path, bool json, int& status)
{
   try {
      return Policy::compile_file(path, {search_path});
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

bool as_of_ok(const std::string& as_of)
{
   if (as_of.empty() || valid_date(as_of)) return true;
   std::cerr << fmt::format("error: --as-of {} is not a date; write YYYY-MM-DD\n", as_of);
   return false;
}

}  // namespace pol::cli
