// What the library's parts share, behind the public types of include/pol/pol.hpp.
#pragma once

#include <optional>
#include <vector>

#include "diagnostics.hpp"
#include "evaluator.hpp"
#include "machine.hpp"
#include "pol/pol.hpp"

namespace pol {

struct Policy::Impl {
   interp::Policy policy;
   std::vector<Diagnostic> warnings;
   const lang::Program& program() const { return policy.program(); }
};

// Builds results; a friend of Result.
struct ResultAccess {
   static Result make(const Policy& policy, interp::Outcome o, const EvalOptions& options);
};

// A diagnostic of the language passes as the library gives it.
Diagnostic to_public(const lang::SourceSet& sources, const lang::Diagnostic& d);

// The evaluation date the options give, if any; throws std::invalid_argument if it is not a date.
std::optional<interp::Date> date_option(const EvalOptions& o);
// The text of a span as written, without its comments, every run of spaces and line ends one space.
std::string one_line(const lang::SourceFile& file, const lang::Module& module, lang::Span span);

// The comment lines just above a declaration, without their '#', one per line.
std::string comments_before(const lang::Program& p, lang::Span span);

// The options as the general evaluator takes them; throws as date_option does.
interp::EvalOptions to_interp(const EvalOptions& o);

}  // namespace pol
