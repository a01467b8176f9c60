// Visits every expression of a module, outermost first.
#pragma once

#include <functional>

#include "ast.hpp"

namespace pol::lang {

void walk_expr(Expr& e, const std::function<void(Expr&)>& visit);
void walk_module(Module& m, const std::function<void(Expr&)>& visit);

}  // namespace pol::lang
