// run_pol: the pol command in-process, for the harnesses that link its code (fuzz_cli).
#include <iostream>
#include <sstream>

#include "fuzz.hpp"

int pol_cli_main(int argc, char** argv);  // the pol command's main, renamed when built in

namespace pol::fuzz {

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
   try {
      status = pol_cli_main(static_cast<int>(words.size()), argv.data());
   } catch (...) {
      restore();
      throw;
   }
   restore();
   out = out_sink.str();
   err = err_sink.str();
   return status;
}

}  // namespace pol::fuzz
