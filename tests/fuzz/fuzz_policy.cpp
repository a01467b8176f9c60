// Harness: policy text through the parser, resolver, checker, lowering and table analysis.
// Every text either compiles or gets diagnostics, each with a position, rendered text and
// valid JSON; nothing else may escape.
#include <nlohmann/json.hpp>

#include "fuzz.hpp"

namespace {

void expect_well_formed(const pol::Diagnostic& d)
{
   using pol::fuzz::expect;
   expect(!d.code.empty() && !d.message.empty(), "a diagnostic has a code and a message", d.rendered);
   expect(!d.rendered.empty() && !d.github.empty(), "a diagnostic is rendered for people and for GitHub", d.message);
   expect(nlohmann::json::accept(d.json), "a diagnostic's JSON is valid JSON", d.json);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
   const std::string text(reinterpret_cast<const char*>(data), size);
   try {
      const auto policy = pol::Policy::compile_string("fuzz.pol", text);
      for (const auto& w : policy->warnings()) expect_well_formed(w);
      policy->inputs();
      policy->outputs();
   } catch (const pol::CompileError& e) {
      pol::fuzz::expect(!e.diagnostics().empty(), "a policy that does not compile says why", e.what());
      for (const auto& d : e.diagnostics()) expect_well_formed(d);
   }
   return 0;
}
