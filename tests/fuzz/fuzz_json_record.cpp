// Harness: JSON records read for the fixed policies. The first byte chooses the policy, the
// rest is the record. Every record gets outputs or errors, all of it valid JSON; the reader
// takes exactly the documents that are JSON.
#include <nlohmann/json.hpp>

#include "fuzz.hpp"

namespace {

using pol::fuzz::expect;

void expect_valid(const pol::Result& r, std::string_view record)
{
   const std::string json = r.json();
   expect(nlohmann::json::accept(json), "a result is valid JSON", json);
   if (r.ok()) return;
   for (const auto& e : r.errors) {
      expect(!e.code.empty() && !e.message.empty(), "an error has a code and a message", record);
      expect(nlohmann::json::accept(e.json), "an error's JSON is valid JSON", e.json);
   }
}

// Whether the text is JSON, by nlohmann's reader; nullopt when it cannot tell: it stops at a
// number too large for a double, which pol reads exactly, before seeing the rest. A NUL byte,
// which nlohmann reads as the end of the text, makes it not JSON.
std::optional<bool> is_json(std::string_view text)
{
   if (text.find('\0') != std::string_view::npos) return false;  // nlohmann stops at a NUL byte; no JSON holds one
   try {
      [[maybe_unused]] const auto parsed = nlohmann::json::parse(text);
      return true;
   } catch (const nlohmann::json::parse_error&) {
      return false;
   } catch (const nlohmann::json::out_of_range&) {  // 406: number overflow
      return std::nullopt;
   }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
   const auto [choice, record] = pol::fuzz::split_choice(data, size);
   const auto& policy = *pol::fuzz::fixed_policy(choice).policy;
   pol::EvalOptions options;
   options.as_of = pol::fuzz::as_of;
   const pol::Result result = policy.evaluate_json(record, options);
   expect_valid(result, record);
   const bool unreadable = !result.ok() && result.errors.front().code == "R0001";
   // nlohmann is the reference for what is JSON (pol's reader keeps numbers as their text)
   const auto json = is_json(record);
   expect(!json || !unreadable || !*json, "a JSON document is read", record);
   expect(!json || unreadable || *json, "a text that is not JSON is refused", record);
   if (!result.ok()) return 0;
   // the same record, explained: the same outputs, and an explanation of each
   options.explain = true;
   const pol::Result explained = policy.evaluate_json(record, options);
   expect(explained.ok() && explained.outputs == result.outputs, "explaining does not change the outputs", record);
   expect(nlohmann::json::accept(explained.explanation_json()), "an explanation is valid JSON", record);
   explained.explanation_text();
   explained.text();
   return 0;
}
