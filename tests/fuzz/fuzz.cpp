#include "fuzz.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

namespace pol::fuzz {

namespace fs = std::filesystem;

Input split_choice(const std::uint8_t* data, std::size_t size)
{
   if (size == 0) return {};
   return {data[0], std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1)};
}

const std::vector<FixedPolicy>& fixed_policies()
{
   // Named one by one, in a fixed order: a saved input's first byte keeps choosing the same
   // policy when policies are added to the repository.
   static const char* const paths[] = {
      "tests/fuzz/policies/arithmetic.pol", "tests/fuzz/policies/dates.pol", "tests/fuzz/policies/decisions.pol",
      "tests/fuzz/policies/growth.pol",     "tests/fuzz/policies/structured.pol", "policies/cscs/early_departure.pol",
      "policies/cscs/ill_health.pol",       "policies/dwp/loyalty_award.pol",   "policies/dwp/in_year_award.pol",
      "policies/dwp/in_year_budget.pol",    "policies/dwp/end_of_year_award.pol", "policies/cms/work_objectives.pol",
   };
   static const std::vector<FixedPolicy> policies = [] {
      std::vector<FixedPolicy> compiled;
      for (const char* path : paths) {
         const std::string full = std::string(POL_SOURCE_DIR) + "/" + path;
         compiled.push_back({full, Policy::compile_file(full)});
      }
      return compiled;
   }();
   return policies;
}

const FixedPolicy& fixed_policy(std::uint8_t choice)
{
   const auto& all = fixed_policies();
   return all[choice % all.size()];
}

void expect(bool holds, std::string_view what, std::string_view detail)
{
   if (holds) return;
   std::fprintf(stderr, "\nFUZZ FAILURE: %.*s\n%.*s\n", static_cast<int>(what.size()), what.data(), static_cast<int>(detail.size()), detail.data());
   std::abort();
}

std::string temp_folder()
{
   // never destroyed: the exit handler that removes the folder runs after static destructors
   static const std::string* const folder = [] {
      const fs::path base = fs::is_directory("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
      const fs::path made = base / ("pol-fuzz-" + std::to_string(::getpid()));
      fs::create_directories(made);
      std::atexit([] { std::error_code ignored; fs::remove_all(temp_folder(), ignored); });
      return new std::string(made.string());
   }();
   return *folder;
}

TempFile::TempFile(std::string_view name, std::string_view text) : path_((fs::path(temp_folder()) / name).string())
{
   std::ofstream(path_, std::ios::binary).write(text.data(), static_cast<std::streamsize>(text.size()));
}

TempFile::~TempFile()
{
   std::error_code ignored;
   fs::remove(path_, ignored);
}

}  // namespace pol::fuzz
