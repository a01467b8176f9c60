#include "walk.hpp"

namespace pol::lang {

void walk_expr(Expr& e, const std::function<void(Expr&)>& visit)
{
   visit(e);
   for (auto& a : e.args) walk_expr(*a, visit);
}

void walk_module(Module& m, const std::function<void(Expr&)>& visit)
{
   auto go = [&](ExprPtr& e) {
      if (e) walk_expr(*e, visit);
   };
   for (auto& d : m.inputs) {
      go(d.default_value);
      go(d.requires_);
   }
   for (auto& d : m.params) {
      go(d.value);
      for (auto& p : d.periods) go(p.value);
   }
   for (auto& d : m.lets) go(d.value);
   for (auto& d : m.fns) go(d.body);
   for (auto& d : m.outputs) go(d.value);
   for (auto& d : m.requires_) {
      go(d.condition);
      go(d.message);
   }
   for (auto& d : m.rules) {
      go(d.default_value);
      for (auto& x : d.exceptions) {
         go(x.condition);
         go(x.value);
      }
   }
   std::function<void(Cell&)> cell = [&](Cell& c) {
      for (auto& val : c.values) go(val);
      go(c.low);
      go(c.high);
      for (auto& t : c.tests) cell(t);
   };
   for (auto& d : m.tables) {
      for (auto& o : d.priority) {
         for (auto& val : o.values) go(val);
      }
      for (auto& v : d.versions) {
         for (auto& row : v.rows) {
            for (auto& c : row.cells) cell(c);
            go(row.output);
         }
         go(v.default_value);
      }
   }
   for (auto& t : m.tests) {
      go(t.given);
      go(t.expect);
   }
}

}  // namespace pol::lang
