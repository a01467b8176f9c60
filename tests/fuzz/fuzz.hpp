// What the fuzz harnesses share: the fixed policies they evaluate, the pol command line run
// in-process, and the check that stops a run on a wrong answer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "pol/pol.hpp"

namespace pol::fuzz {

// The harness input as text, and its first byte taken off as a choice (0 when empty).
struct Input {
   std::uint8_t choice = 0;
   std::string_view text;
};
Input split_choice(const std::uint8_t* data, std::size_t size);

// The policies the record harnesses evaluate: tests/fuzz/policies/ and the shipped policies,
// by path, in a fixed order, compiled once.
struct FixedPolicy {
   std::string path;
   std::shared_ptr<const Policy> policy;
};
const std::vector<FixedPolicy>& fixed_policies();
const FixedPolicy& fixed_policy(std::uint8_t choice);

// The evaluation date every harness uses, so results do not depend on the day of the run.
inline constexpr const char* as_of = "2024-06-30";

// Stops the run with a message when a property does not hold: the fuzzer keeps the input.
void expect(bool holds, std::string_view what, std::string_view detail = {});

// Runs `pol ARGS…` in-process, as the pol command does; what it prints to std::cout goes into
// `out`, to std::cerr into `err`. Returns its exit status.
int run_pol(const std::vector<std::string>& args, std::string& out, std::string& err);

// A file holding `text`, removed when this goes away; its path is in a private folder.
class TempFile {
public:
   TempFile(std::string_view name, std::string_view text);
   ~TempFile();
   TempFile(const TempFile&) = delete;
   TempFile& operator=(const TempFile&) = delete;
   const std::string& path() const { return path_; }

private:
   std::string path_;
};
std::string temp_folder();  // made once per process

}  // namespace pol::fuzz
