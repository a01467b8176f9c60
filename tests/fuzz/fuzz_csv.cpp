// Harness: CSV records through pol batch, in-process. The first byte chooses a fixed policy
// (low bits), the output format and the block size; the rest is the CSV file, header first.
// Every input gets a run that ends (no crash, no escaping exception), and the results do not
// depend on how the input is cut into blocks.
#include <fstream>
#include <iterator>
#include <sstream>

#include <nlohmann/json.hpp>

#include "fuzz.hpp"

namespace {

using pol::fuzz::expect;

struct Run {
   int status = 0;
   std::string results, out, err;
};

Run batch(const std::string& policy, const pol::fuzz::TempFile& input, bool csv_out, std::size_t block_bytes)
{
   const pol::fuzz::TempFile output("results", "");
   Run run;
   run.status = pol::fuzz::run_pol({"batch", policy, "--input", input.path(), "--input-format", "csv", "--output", output.path(), "--output-format", csv_out ? "csv" : "jsonl",
                                    "--jobs", "1", "--block-bytes", std::to_string(block_bytes), "--as-of", pol::fuzz::as_of},
                                   run.out, run.err);
   std::ifstream in(output.path(), std::ios::binary);
   run.results.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
   return run;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
   const auto [choice, text] = pol::fuzz::split_choice(data, size);
   const std::string& policy = pol::fuzz::fixed_policy(choice & 0x0F).path;
   const bool csv_out = choice & 0x10;
   const std::size_t small_blocks = 1 + (choice >> 5) * 7;  // 1 to 50 bytes: many block edges
   const pol::fuzz::TempFile input("records.csv", text);
   const Run whole = batch(policy, input, csv_out, 64 << 10);
   const Run cut = batch(policy, input, csv_out, small_blocks);
   expect(whole.status == cut.status && whole.results == cut.results, "the results do not depend on the block size",
          whole.results + "\n---- with blocks of " + std::to_string(small_blocks) + " bytes ----\n" + cut.results);
   if (!csv_out) {
      std::istringstream lines(whole.results);
      for (std::string line; std::getline(lines, line);) expect(nlohmann::json::accept(line), "each JSONL result is valid JSON", line);
   }
   return 0;
}
