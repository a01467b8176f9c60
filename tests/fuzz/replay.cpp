// Runs a harness over files, without libFuzzer: the regression cases and seeds in every build,
// under ctest. Usage: fuzz_NAME FILE_OR_FOLDER…   (folders are read recursively)
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace fs = std::filesystem;

int main(int argc, char** argv)
{
   std::vector<fs::path> files;
   for (int i = 1; i < argc; ++i) {
      if (fs::is_directory(argv[i])) {
         for (const auto& entry : fs::recursive_directory_iterator(argv[i])) {
            if (entry.is_regular_file()) files.push_back(entry.path());
         }
      } else if (fs::is_regular_file(argv[i])) {
         files.emplace_back(argv[i]);
      } else {
         std::fprintf(stderr, "error: %s is neither a file nor a folder\n", argv[i]);
         return 2;
      }
   }
   std::sort(files.begin(), files.end());
   for (const auto& file : files) {
      std::ifstream in(file, std::ios::binary);
      const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      std::printf("%s\n", file.c_str());
      std::fflush(stdout);
      LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
   }
   std::printf("%zu inputs replayed\n", files.size());
   return files.empty() ? 1 : 0;
}
