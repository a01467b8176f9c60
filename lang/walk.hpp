// Visits every expression of a module, outermost first.
#pragma once

#include <functional>

#include "ast.hpp"

namespace pol::lang {

void walk_expr(Expr& e, const std::function<void(Expr&)>& visit);
void walk_module(Module& m, const std::function<void(Expr&)>& visit);
// Visits each expression of a module that no other expression holds.
void for_each_root(Module& m, const std::function<void(ExprPtr&)>& visit);

// The number of levels of the expression tree: 1 for a name, 3 for `a + b + c`. Iterative, so
// any depth can be measured.
std::size_t expr_depth(const Expr& e);

}  // namespace pol::lang
