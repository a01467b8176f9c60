// run_pol: the pol command in-process, for the harnesses that link its code (fuzz_cli).
#include <filesystem>
#include <iostream>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "fuzz.hpp"

int pol_cli_main(int argc, char** argv);  // the pol command (tools/pol/main.cpp)

namespace pol::fuzz {

namespace {
// The files this process has open: pol run in-process must close every file it opens, or a
// long run (a service, a fuzzer) runs out of them.
std::size_t open_files()
{
   std::error_code ec;
   std::size_t n = 0;
   for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec); !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) ++n;
   return n;
}
}  // namespace

int run_pol(const std::vector<std::string>& args, std::string& out, std::string& err)
{
   std::vector<std::string> words{"pol"};
   words.insert(words.end(), args.begin(), args.end());
   std::vector<char*> argv;
   for (auto& w : words) argv.push_back(w.data());
   argv.push_back(nullptr);
   std::ostringstream out_sink, err_sink;
   auto* cout = std::cout.rdbuf(out_sink.rdbuf());
   auto* cerr = std::cerr.rdbuf(err_sink.rdbuf());
   const auto restore = [&] {
      std::cout.rdbuf(cout);
      std::cerr.rdbuf(cerr);
   };
   int status = 0;
   const std::size_t files_before = open_files();
   try {
      status = pol_cli_main(static_cast<int>(words.size()), argv.data());
   } catch (...) {
      restore();
      throw;
   }
   restore();
   out = out_sink.str();
   err = err_sink.str();
   expect(open_files() == files_before, "pol closes every file it opens", fmt::format("{} files open before, {} after: pol {}", files_before, open_files(), fmt::join(args, " ")));
   return status;
}

}  // namespace pol::fuzz
