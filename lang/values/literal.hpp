// The values of literals: numbers, money, dates, durations, booleans, none and text without
// interpolation. The evaluator, the lowering and table analysis read them alike.
#pragma once

#include "ast.hpp"
#include "value.hpp"

namespace pol::interp {

// Whether e is a literal with a value of its own (the checker gives each one a slot, Expr::ref.index).
bool is_literal(const lang::Expr& e);
// The value of a literal (is_literal).
Value parse_literal(const lang::Expr& e);

}  // namespace pol::interp
