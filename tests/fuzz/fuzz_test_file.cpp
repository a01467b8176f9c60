// Harness: pol test, in-process, on a policy and its test file. The first byte chooses the
// report format (human, json, junit) and --update; the rest is the policy, then optionally a
// line "==> tests.json <==" and the NAME.tests.json beside it. Every run ends with a report.
#include <nlohmann/json.hpp>

#include "fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
   using pol::fuzz::expect;
   const auto [choice, text] = pol::fuzz::split_choice(data, size);
   static constexpr std::string_view separator = "\n==> tests.json <==\n";
   const auto at = text.find(separator);
   const pol::fuzz::TempFile policy("case.pol", text.substr(0, at));
   std::optional<pol::fuzz::TempFile> tests;
   if (at != std::string_view::npos) tests.emplace("case.tests.json", text.substr(at + separator.size()));
   static const char* const formats[] = {"human", "json", "junit"};
   const std::string format = formats[choice % 3];
   std::vector<std::string> args{"test", policy.path(), "--format", format};
   if (choice & 0x80) args.push_back("--update");
   std::string out, err;
   const int status = pol::fuzz::run_pol(args, out, err);
   expect(status == 0 || status == 1, "pol test passes or fails, and says so", out + err);
   if (format == "json") expect(nlohmann::json::accept(out), "pol test --format json prints JSON", out);
   return 0;
}
