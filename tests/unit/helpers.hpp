// Small helpers shared by the unit tests: compile a policy from text and evaluate it.
#pragma once

#include <algorithm>
#include <string>

#include "compile.hpp"
#include "evaluator.hpp"
#include "format.hpp"
#include "machine.hpp"

// The sanitizer build runs some ten times slower: property tests try a quarter of their cases
// there (cases(n)), so that CI stays within its time.
#if defined(__SANITIZE_ADDRESS__)
#define POL_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define POL_TEST_SANITIZED 1
#endif
#endif
#ifndef POL_TEST_SANITIZED
#define POL_TEST_SANITIZED 0
#endif

namespace pol::test {

inline constexpr int cases(int n) { return POL_TEST_SANITIZED ? n / 4 : n; }

inline lang::Compilation compile(const std::string& text) { return interp::compile_text("test.pol", text); }

// The codes of all diagnostics, in order.
inline std::vector<std::string> codes(const lang::Compilation& c)
{
   std::vector<std::string> out;
   for (const auto& d : c.diagnostics.items()) out.push_back(d.code);
   return out;
}

// A policy that must check cleanly; otherwise the test fails with its diagnostics.
inline interp::Policy checked(const std::string& text)
{
   auto c = compile(text);
   if (!c.ok()) {
      std::string all;
      for (const auto& d : c.diagnostics.items()) all += lang::render_human(c.program->sources, d);
      throw std::runtime_error("policy does not check:\n" + all);
   }
   return interp::Policy(std::move(c.program));
}

// A policy checked as `pol batch` compiles it: without the table analysis, so that tables with
// gaps and overlaps reach the evaluators.
inline interp::Policy unanalysed(const std::string& text)
{
   auto c = lang::compile_text("test.pol", text);
   if (!c.program || c.diagnostics.has_errors()) throw std::runtime_error("policy does not check");
   return interp::Policy(std::move(c.program));
}

inline interp::Outcome run(const std::string& text, const std::string& input_json, const std::string& as_of = "2024-06-30")
{
   const interp::Policy policy = checked(text);
   interp::EvalOptions o;
   o.as_of = interp::Date::parse(as_of);
   return policy.evaluate(interp::parse_json(input_json).value, o);
}

// The one output of a policy as JSON text, e.g. "\"25000.00\"".
inline std::string output(const std::string& text, const std::string& input_json = "{}")
{
   const interp::Policy policy = checked(text);
   interp::EvalOptions o;
   o.as_of = interp::Date::parse("2024-06-30");
   const auto outcome = policy.evaluate(interp::parse_json(input_json).value, o);
   if (!outcome.ok()) return "error: " + outcome.errors.front().message;
   return interp::to_json(outcome.outputs.front().second, policy.program()).dump();
}

}  // namespace pol::test
