#include "cost.hpp"

#include <algorithm>
#include <limits>
#include <map>

#include <fmt/format.h>

#include "builtins.hpp"

namespace pol::lang {

namespace {

constexpr std::uint64_t saturated = std::numeric_limits<std::uint64_t>::max();

std::uint64_t add(std::uint64_t a, std::uint64_t b)
{
   std::uint64_t r = 0;
   return __builtin_add_overflow(a, b, &r) ? saturated : r;
}

std::uint64_t mul(std::uint64_t a, std::uint64_t b)
{
   std::uint64_t r = 0;
   return __builtin_mul_overflow(a, b, &r) ? saturated : r;
}

Steps constant(std::uint64_t c) { return {{c}}; }
const Steps per_item{{0, 1}};  // n: a list whose length only an evaluation knows

Steps operator+(const Steps& a, const Steps& b)
{
   Steps r;
   r.terms.resize(std::max(a.terms.size(), b.terms.size()), 0);
   for (std::size_t i = 0; i < r.terms.size(); ++i) r.terms[i] = add(i < a.terms.size() ? a.terms[i] : 0, i < b.terms.size() ? b.terms[i] : 0);
   return r;
}

Steps operator*(const Steps& a, const Steps& b)
{
   if (a.terms.empty() || b.terms.empty()) return {};
   Steps r;
   r.terms.assign(a.terms.size() + b.terms.size() - 1, 0);
   for (std::size_t i = 0; i < a.terms.size(); ++i) {
      for (std::size_t j = 0; j < b.terms.size(); ++j) r.terms[i + j] = add(r.terms[i + j], mul(a.terms[i], b.terms[j]));
   }
   return r;
}

// a + b, in a: no new storage once a has room for b's terms.
void add_to(Steps& a, const Steps& b)
{
   if (a.terms.size() < b.terms.size()) a.terms.resize(b.terms.size(), 0);
   for (std::size_t i = 0; i < b.terms.size(); ++i) a.terms[i] = add(a.terms[i], b.terms[i]);
}

// most(a, b), in a.
void raise_to(Steps& a, const Steps& b)
{
   if (a.terms.size() < b.terms.size()) a.terms.resize(b.terms.size(), 0);
   for (std::size_t i = 0; i < b.terms.size(); ++i) a.terms[i] = std::max(a.terms[i], b.terms[i]);
}

// An upper bound of both, term by term.
Steps most(const Steps& a, const Steps& b)
{
   Steps r;
   r.terms.resize(std::max(a.terms.size(), b.terms.size()), 0);
   for (std::size_t i = 0; i < r.terms.size(); ++i) r.terms[i] = std::max(i < a.terms.size() ? a.terms[i] : 0, i < b.terms.size() ? b.terms[i] : 0);
   return r;
}

// What an expression costs, how long a list it gives, and how deep it goes.
struct Measure {
   Steps steps;
   Steps size = per_item;
   std::size_t depth = 0;
   int deepest = -1;  // the node that makes it deepest, if any
};

// The nodes of the call graph: globals, then functions, then tables.
class Analysis {
public:
   explicit Analysis(const Program& p) : p_(p), functions_(p.globals.size()), tables_(functions_ + p.functions.size()), nodes_(tables_ + p.tables.size())
   {
      steps_.resize(nodes_);
      size_.assign(nodes_, per_item);
      depth_.assign(nodes_, 0);
      deepest_.assign(nodes_, -1);
      heaviest_.assign(nodes_, {-1, 0});
   }

   CostReport run(Diagnostics& d, std::uint64_t max_steps)
   {
      for (int node : order()) measure_node(node);
      CostReport report;
      int costliest = -1;
      for (std::size_t g = 0; g < p_.globals.size(); ++g) {
         report.steps = report.steps + steps_[g];
         if (costliest < 0 || steps_[g].at(1) > steps_[static_cast<std::size_t>(costliest)].at(1)) costliest = static_cast<int>(g);
      }
      for (const auto& m : p_.modules) {
         for (const auto& r : m->requires_) report.steps = report.steps + expr(*r.condition, constant(1), -1).steps + expr(*r.message, constant(1), -1).steps;
      }
      int deepest = -1;
      for (std::size_t g = 0; g < p_.globals.size(); ++g) {
         if (deepest < 0 || depth_[g] > depth_[static_cast<std::size_t>(deepest)]) deepest = static_cast<int>(g);
      }
      if (deepest >= 0) {
         report.depth = depth_[static_cast<std::size_t>(deepest)];
         // the path is acyclic (the checker rejects cycles); the bound keeps a slip from looping
         for (int n = deepest; n >= 0 && report.deepest.size() <= nodes_; n = deepest_[static_cast<std::size_t>(n)]) report.deepest.push_back(name(n));
      }
      if (costliest >= 0) {
         report.costliest.push_back(name(costliest));
         // follow the callee each node spends the most on
         for (auto next = heaviest_[static_cast<std::size_t>(costliest)]; next.first >= 0 && report.costliest.size() <= 64; next = heaviest_[static_cast<std::size_t>(next.first)]) {
            report.costliest.push_back(next.second > 1 ? fmt::format("{} ({} calls)", name(next.first), next.second) : name(next.first));
         }
      }
      if (report.depth > max_evaluation_depth) {
         auto& diag = d.error("E0601", span(deepest), fmt::format("evaluating {} nests {} levels deep, over the limit of {}: {}", name(deepest), report.depth, max_evaluation_depth,
                                                                  describe_path(report.deepest)));
         diag.label = "too deep";
         diag.help = "compute long chains in fewer steps: sum([…]) or a table instead of one let per step, fewer functions calling each other";
      }
      if (report.steps.at(1) > max_steps) {
         auto& diag = d.error("E0602", span(costliest), fmt::format("evaluating this policy may take {} steps, over the limit of {}; the costliest path is {}", report.steps.to_string(), max_steps,
                                                                    describe_path(report.costliest)));
         diag.label = "costs the most";
         diag.help = "compute a value once with 'let' and use it, rather than calling a function many times; or raise the limit with --max-steps";
      }
      return report;
   }

private:
   int function_node(std::int32_t i) const { return static_cast<int>(functions_) + i; }
   int table_node(std::int32_t i) const { return static_cast<int>(tables_) + i; }

   std::string name(int node) const
   {
      const auto n = static_cast<std::size_t>(node);
      if (n < functions_) return fmt::format("{} {}", to_string(p_.globals[n].kind), p_.globals[n].name);
      if (n < tables_) return fmt::format("fn {}", p_.functions[n - functions_].decl->name);
      return fmt::format("table {}", p_.tables[n - tables_].decl->name);
   }

   Span span(int node) const
   {
      const auto n = static_cast<std::size_t>(node);
      if (n < functions_) return p_.globals[n].span;
      if (n < tables_) return p_.functions[n - functions_].decl->name_span;
      return p_.tables[n - tables_].decl->name_span;
   }

   // The expressions of a node, and whether their costs add up (false: only one is evaluated).
   std::vector<const Expr*> roots(int node, bool& one_of) const
   {
      std::vector<const Expr*> out;
      const auto add = [&](const ExprPtr& e) {
         if (e) out.push_back(e.get());
      };
      one_of = false;
      const auto n = static_cast<std::size_t>(node);
      if (n >= tables_) {
         for (const auto& v : p_.tables[n - tables_].decl->versions) {
            for (const auto& row : v.rows) {
               for (const auto& c : row.cells) {
                  for (const auto& x : c.values) add(x);
                  add(c.low);
                  add(c.high);
               }
               add(row.output);
            }
            add(v.default_value);
         }
         return out;
      }
      if (n >= functions_) {
         add(p_.functions[n - functions_].decl->body);
         return out;
      }
      const Global& g = p_.globals[n];
      out = p_.value_expressions(g);
      if (g.kind == GlobalKind::input) add(p_.input_decl(g).requires_);
      one_of = g.kind == GlobalKind::param;  // only the value in force is evaluated
      return out;
   }

   // The nodes an expression uses directly.
   void uses(const Expr& root, std::vector<int>& out) const
   {
      auto& pending = pending_;  // kept from root to root for its storage
      pending.assign(1, &root);
      while (!pending.empty()) {
         const Expr* e = pending.back();
         pending.pop_back();
         if (e->ref.kind == RefKind::global && (e->kind == ExprKind::name)) out.push_back(e->ref.index);
         if (e->kind == ExprKind::call && e->ref.kind == RefKind::function) out.push_back(function_node(e->ref.index));
         if (e->kind == ExprKind::call && e->ref.kind == RefKind::table) out.push_back(table_node(e->ref.index));
         for (const auto& a : e->args) {
            if (a) pending.push_back(a.get());
         }
      }
   }

   // Every node after the nodes it uses, found depth first with the stack in memory, so that
   // a chain of 100,000 lets is no deeper here than one let.
   std::vector<int> order() const
   {
      std::vector<int> out;
      std::vector<std::uint8_t> seen(nodes_, 0);
      const auto used = [&](int node) {
         std::vector<int> next;
         bool one_of = false;
         for (const Expr* e : roots(node, one_of)) uses(*e, next);
         return next;
      };
      for (std::size_t start = 0; start < nodes_; ++start) {
         if (seen[start]) continue;
         seen[start] = 1;
         std::vector<std::pair<int, std::vector<int>>> stack;
         stack.emplace_back(static_cast<int>(start), used(static_cast<int>(start)));
         while (!stack.empty()) {
            auto& top = stack.back();
            if (top.second.empty()) {
               out.push_back(top.first);
               stack.pop_back();
               continue;
            }
            const int next = top.second.back();
            top.second.pop_back();
            if (seen[static_cast<std::size_t>(next)]) continue;
            seen[static_cast<std::size_t>(next)] = 1;
            stack.emplace_back(next, used(next));
         }
      }
      return out;
   }

   void measure_node(int node)
   {
      const auto n = static_cast<std::size_t>(node);
      calls_.clear();
      bool one_of = false;
      Steps steps;
      // an input's list is as long as the caller makes it
      Steps size = n < functions_ && p_.globals[n].kind == GlobalKind::input ? per_item : Steps{};
      std::size_t depth = 0;
      const Steps once = constant(1);
      for (const Expr* e : roots(node, one_of)) {
         Measure m = expr(*e, once, node);
         if (one_of) raise_to(steps, m.steps);
         else add_to(steps, m.steps);
         raise_to(size, m.size);
         if (m.depth > depth) {
            depth = m.depth;
            deepest_[n] = m.deepest;
         }
      }
      if (n >= tables_) {
         // under collect, a call gives a list of at most one item per row
         std::uint64_t rows = 0;
         for (const auto& v : p_.tables[n - tables_].decl->versions) rows = std::max<std::uint64_t>(rows, v.rows.size());
         size = constant(rows);
      }
      steps_[n] = steps;
      size_[n] = size;
      depth_[n] = depth;
      std::uint64_t most_spent = 0;
      for (const auto& [callee, spent] : calls_) {
         if (heaviest_[n].first < 0 || spent.first.at(1) > most_spent) {
            most_spent = spent.first.at(1);
            heaviest_[n] = {callee, spent.second};
         }
      }
   }

   // A call from the node being measured: its cost, times the items of the lists around it.
   void called(int callee, const Steps& times)
   {
      auto& [spent, count] = calls_[callee];
      spent = spent + times * steps_[static_cast<std::size_t>(callee)];
      count = add(count, times.at(1));
   }

   Measure expr(const Expr& e, const Steps& times, int node)
   {
      Measure out;
      out.steps = constant(1);
      out.depth = 1;
      std::size_t deepest_arg = 0;
      const auto take = [&](const Measure& m) {
         add_to(out.steps, m.steps);
         if (m.depth > deepest_arg) {
            deepest_arg = m.depth;
            out.deepest = m.deepest;
         }
      };
      const auto reach = [&](int target) {
         if (target == node) return;  // an input's `requires` reads the value given, not computed
         const std::size_t d = depth_[static_cast<std::size_t>(target)];
         if (d >= deepest_arg) {
            deepest_arg = d;
            out.deepest = target;
         }
      };
      switch (e.kind) {
         case ExprKind::name:
            if (e.ref.kind == RefKind::global) {
               reach(e.ref.index);
               out.size = size_[static_cast<std::size_t>(e.ref.index)];
            }
            break;
         case ExprKind::list:
            for (const auto& a : e.args) take(expr(*a, times, node));
            out.size = constant(e.args.size());
            break;
         case ExprKind::if_: {
            take(expr(*e.args[0], times, node));
            const Measure yes = expr(*e.args[1], times, node), no = expr(*e.args[2], times, node);
            out.steps = out.steps + most(yes.steps, no.steps);
            out.size = most(yes.size, no.size);
            for (const Measure* m : {&yes, &no}) {
               if (m->depth > deepest_arg) {
                  deepest_arg = m->depth;
                  out.deepest = m->deepest;
               }
            }
            break;
         }
         case ExprKind::binary:
            for (const auto& a : e.args) take(expr(*a, times, node));
            if (e.op == BinaryOp::in) out.steps = out.steps + expr(*e.args[1], times, node).size;
            break;
         case ExprKind::call:
            call(e, times, node, out, take, reach);
            break;
         default:
            for (const auto& a : e.args) {
               if (a) take(expr(*a, times, node));
            }
            break;
      }
      out.depth = 1 + deepest_arg;
      return out;
   }

   void call(const Expr& e, const Steps& times, int node, Measure& out, const auto& take, const auto& reach)
   {
      if (e.ref.kind == RefKind::function || e.ref.kind == RefKind::table) {
         for (const auto& a : e.args) take(expr(*a, times, node));
         const int callee = e.ref.kind == RefKind::function ? function_node(e.ref.index) : table_node(e.ref.index);
         out.steps = out.steps + steps_[static_cast<std::size_t>(callee)];
         out.size = size_[static_cast<std::size_t>(callee)];
         called(callee, times);
         reach(callee);
         return;
      }
      if (e.ref.kind != RefKind::builtin) return;
      const auto id = static_cast<Builtin>(e.ref.index);
      const bool over_list = id == Builtin::sum || id == Builtin::count || id == Builtin::all || id == Builtin::any || id == Builtin::filter || id == Builtin::map ||
                             id == Builtin::sort_by;
      if (id == Builtin::range) {
         // as long as its bounds make it: only an evaluation knows, as for an input's list
         for (const auto& a : e.args) take(expr(*a, times, node));
         out.size = per_item;
         out.steps = out.steps + per_item;
         return;
      }
      if (id == Builtin::take || id == Builtin::drop || id == Builtin::sort || id == Builtin::distinct) {
         const Measure list = expr(*e.args[0], times, node);
         take(list);
         for (std::size_t i = 1; i < e.args.size(); ++i) take(expr(*e.args[i], times, node));
         out.size = list.size;
         // distinct compares each item with those kept before it
         out.steps = out.steps + (id == Builtin::distinct ? list.size * list.size : list.size);
         return;
      }
      if (!over_list) {
         for (const auto& a : e.args) take(expr(*a, times, node));
         // min(list) and max(list) look at every item
         if ((id == Builtin::min || id == Builtin::max) && e.args.size() == 1) out.steps = out.steps + expr(*e.args[0], times, node).size;
         return;
      }
      const Measure list = expr(*e.args[0], times, node);
      take(list);
      out.size = list.size;
      if (e.args.size() < 2) {
         out.steps = out.steps + list.size;
         return;
      }
      // the function of each item runs once per item
      const Expr& lambda = *e.args[1];
      const Expr& body = lambda.kind == ExprKind::lambda ? *lambda.args[0] : lambda;
      const Steps each = times * list.size;
      const Measure item = expr(body, each, node);
      out.steps = out.steps + list.size * (item.steps + constant(1));
      take({{}, per_item, item.depth + 1, item.deepest});
   }

   const Program& p_;
   const std::size_t functions_, tables_, nodes_;
   std::vector<Steps> steps_;            // per evaluation of a global, per call of a function or table
   std::vector<Steps> size_;             // the length of the list a node gives
   std::vector<std::size_t> depth_;
   std::vector<int> deepest_;            // the node each node reaches deepest through
   std::vector<std::pair<int, std::uint64_t>> heaviest_;  // the callee each node spends most on, and its calls
   std::map<int, std::pair<Steps, std::uint64_t>> calls_;  // per callee of the node being measured: steps spent, calls
   mutable std::vector<const Expr*> pending_;              // uses(): the expressions still to look into
};

}  // namespace

std::string describe_path(const std::vector<std::string>& names)
{
   if (names.size() <= 8) return fmt::format("{}", fmt::join(names, " → "));
   return fmt::format("{} → … ({} more) → {}", fmt::join(names.begin(), names.begin() + 5, " → "), names.size() - 7, fmt::join(names.end() - 2, names.end(), " → "));
}

std::uint64_t Steps::at(std::uint64_t n) const
{
   std::uint64_t total = 0, power = 1;
   for (auto t : terms) {
      total = add(total, mul(t, power));
      power = mul(power, n);
   }
   return total;
}

std::string Steps::to_string() const
{
   static constexpr const char* powers[] = {"", "n", "n²", "n³"};
   std::vector<std::string> parts;
   for (std::size_t k = 0; k < terms.size(); ++k) {
      if (terms[k] == 0) continue;
      const std::string count = terms[k] == saturated ? fmt::format("more than {}", saturated - 1) : fmt::format("{}", terms[k]);
      const std::string power = k < 4 ? powers[k] : fmt::format("n^{}", k);
      parts.push_back(k == 0 ? count : terms[k] == 1 ? power : fmt::format("{}·{}", count, power));
   }
   if (parts.empty()) return "0";
   return fmt::format("{}", fmt::join(parts, " + "));
}

CostReport analyse_cost(const Program& program, Diagnostics& diagnostics, std::uint64_t max_steps)
{
   return Analysis(program).run(diagnostics, max_steps);
}

}  // namespace pol::lang
