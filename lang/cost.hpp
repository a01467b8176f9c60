// What evaluating a checked policy can cost, found before any evaluation: an upper bound on
// its steps, from the call graph and list sizes, and the deepest nesting of values, functions
// and expressions that an evaluation walks through (which bounds the stack it needs).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "diagnostics.hpp"
#include "pol/limits.hpp"
#include "program.hpp"

namespace pol::lang {

// The deepest evaluation accepted: an expression inside a function called by a let used by an
// output … each count. Evaluation recurses this deep, so the limit keeps it well inside the
// stack of any thread (with room for the sanitizers, which use more).
inline constexpr std::size_t max_evaluation_depth = 4000;

// The step bound of `pol check`, unless set otherwise: the step budget of an evaluation.
inline constexpr std::uint64_t default_max_steps = Limits{}.steps;

// A number of steps as a polynomial in n, the length of the longest list: terms[k] steps per
// n to the power k. Saturates at the largest uint64 rather than wrapping.
struct Steps {
   std::vector<std::uint64_t> terms;
   std::uint64_t at(std::uint64_t n) const;  // saturating
   std::string to_string() const;            // "12 + 3·n + 2·n²"
};

struct CostReport {
   Steps steps;                          // every evaluation takes at most this many steps
   std::vector<std::string> costliest;   // the values and calls that cost the most, outermost first
   std::size_t depth = 0;                // the deepest nesting an evaluation walks through
   std::vector<std::string> deepest;     // the values and calls on that path, outermost first
};

// "a → b → c", with the middle of a long path left out.
std::string describe_path(const std::vector<std::string>& names);

// Computes the report for a program without errors. Reports E0601 when evaluation could nest
// deeper than max_evaluation_depth, and E0602 when its step bound, with every list of one
// item, is above max_steps.
CostReport analyse_cost(const Program& program, Diagnostics& diagnostics, std::uint64_t max_steps = default_max_steps);

}  // namespace pol::lang
