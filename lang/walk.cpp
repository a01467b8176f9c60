#include "walk.hpp"

#include <algorithm>
#include <utility>

namespace pol::lang {

Expr::~Expr()
{
   // a chain of 100,000 terms is a tree 100,000 deep: free it level by level
   if (std::none_of(args.begin(), args.end(), [](const ExprPtr& a) { return a && !a->args.empty(); })) return;
   std::vector<ExprPtr> pending = std::move(args);
   while (!pending.empty()) {
      ExprPtr e = std::move(pending.back());
      pending.pop_back();
      if (!e) continue;
      for (auto& a : e->args) pending.push_back(std::move(a));
      e->args.clear();
   }
}

std::size_t expr_depth(const Expr& root)
{
   if (root.args.empty()) return 1;  // most are names and literals: no stack to allocate
   std::size_t deepest = 0;
   std::vector<std::pair<const Expr*, std::size_t>> pending{{&root, 1}};
   while (!pending.empty()) {
      const auto [e, depth] = pending.back();
      pending.pop_back();
      deepest = std::max(deepest, depth);
      for (const auto& a : e->args) {
         if (a) pending.emplace_back(a.get(), depth + 1);
      }
   }
   return deepest;
}

void walk_expr(Expr& e, const std::function<void(Expr&)>& visit)
{
   visit(e);
   for (auto& a : e.args) walk_expr(*a, visit);
}

namespace {

void for_each_cell_root(Cell& c, const std::function<void(ExprPtr&)>& visit)
{
   for (auto& value : c.values) {
      if (value) visit(value);
   }
   if (c.low) visit(c.low);
   if (c.high) visit(c.high);
   for (auto& test : c.tests) for_each_cell_root(test, visit);
}

}  // namespace

void for_each_root(Module& m, const std::function<void(ExprPtr&)>& visit)
{
   auto go = [&](ExprPtr& e) {
      if (e) visit(e);
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
   for (auto& d : m.tables) {
      for (auto& o : d.priority) {
         for (auto& val : o.values) go(val);
      }
      for (auto& v : d.versions) {
         for (auto& row : v.rows) {
            for (auto& c : row.cells) for_each_cell_root(c, visit);
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

void walk_module(Module& m, const std::function<void(Expr&)>& visit)
{
   for_each_root(m, [&](ExprPtr& e) { walk_expr(*e, visit); });
}

}  // namespace pol::lang
