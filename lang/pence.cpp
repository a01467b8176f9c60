#include "pence.hpp"

#include <algorithm>
#include <map>
#include <optional>

#include <fmt/format.h>

#include "builtins.hpp"

namespace pol::lang {

namespace {

// Whether a number literal is a whole number: 2, 3.00, 200%.
bool whole_literal(const Expr& e)
{
   const auto fraction_is_zero = [](const std::string& t) {
      const auto dot = t.find('.');
      return dot == std::string::npos || t.find_first_not_of('0', dot + 1) == std::string::npos;
   };
   switch (e.kind) {
      case ExprKind::int_lit: return true;
      case ExprKind::decimal_lit: return fraction_is_zero(e.text);
      case ExprKind::percent_lit: {
         // n% is whole when n is a whole number of hundreds
         const auto whole = e.text.substr(0, e.text.find('.'));
         return fraction_is_zero(e.text) && (whole == "0" || whole.ends_with("00"));
      }
      default: return false;
   }
}

// Whether a money literal is whole pence: £1.50 is, £0.005 is not.
bool whole_pence_literal(const Expr& e)
{
   const auto dot = e.text.find('.');
   return dot == std::string::npos || e.text.size() <= dot + 3 || e.text.find_first_not_of('0', dot + 3) == std::string::npos;
}

// A literal's digits without the point, and how many of them follow it: £1.50 is 150 and 2,
// 0.23% is 23 and 4. Null when it does not fit 18 digits.
std::optional<std::pair<std::uint64_t, std::size_t>> mantissa(const Expr& e)
{
   if (e.kind != ExprKind::money_lit && e.kind != ExprKind::int_lit && e.kind != ExprKind::decimal_lit && e.kind != ExprKind::percent_lit) return std::nullopt;
   std::uint64_t digits = 0;
   std::size_t places = e.kind == ExprKind::percent_lit ? 2 : 0, count = 0;
   bool after = false;
   for (const char c : e.text) {
      if (c == '.') {
         after = true;
         continue;
      }
      if (c < '0' || c > '9' || ++count > 18) return std::nullopt;
      digits = digits * 10 + static_cast<std::uint64_t>(c - '0');
      if (after) ++places;
   }
   return std::pair{digits, places};
}

// Whether money literal times number literal is whole pence: 0.23% * £4,790,000 is.
bool whole_pence_product(const Expr& money, const Expr& number)
{
   const auto a = mantissa(money), b = mantissa(number);
   if (!a || !b) return false;
   if (a->first == 0 || b->first == 0) return true;
   // the product is whole pence when it divides by 10 to the places past the second: count the
   // twos and fives in each factor, which cannot overflow
   const auto factors = [](std::uint64_t n, std::uint64_t f) {
      std::size_t k = 0;
      for (; n % f == 0; n /= f) ++k;
      return k;
   };
   const std::size_t places = a->second + b->second;
   if (places <= 2) return true;
   const std::size_t need = places - 2;
   return factors(a->first, 2) + factors(b->first, 2) >= need && factors(a->first, 5) + factors(b->first, 5) >= need;
}

// Finds, for a money expression, the operation that can leave a fraction of a penny in its value
// (null when there is none): the division, multiplication or conversion itself, or the one in a
// value it uses.
class Pence {
public:
   explicit Pence(const Program& p) : p_(p) {}

   // `locals` says, for each local slot in scope, where a fraction in its value comes from.
   const Expr* fraction(const Expr& e, const std::vector<const Expr*>& locals)
   {
      if (e.type.kind != TypeKind::money) return nullptr;
      const auto first = [&](std::initializer_list<const Expr*> parts) -> const Expr* {
         for (const auto* part : parts) {
            if (const auto* f = part ? fraction(*part, locals) : nullptr) return f;
         }
         return nullptr;
      };
      switch (e.kind) {
         case ExprKind::money_lit: return whole_pence_literal(e) ? nullptr : &e;
         case ExprKind::name:
            if (e.ref.kind == RefKind::global) return global(static_cast<std::uint32_t>(e.ref.index));
            if (e.ref.kind == RefKind::local && static_cast<std::size_t>(e.ref.index) < locals.size()) return locals[static_cast<std::size_t>(e.ref.index)];
            return nullptr;
         case ExprKind::negate: return first({e.args[0].get()});
         case ExprKind::binary:
            switch (e.op) {
               case BinaryOp::add:
               case BinaryOp::sub:
               case BinaryOp::coalesce: return first({e.args[0].get(), e.args[1].get()});
               case BinaryOp::mul: {
                  const Expr& money = e.args[0]->type.kind == TypeKind::money ? *e.args[0] : *e.args[1];
                  const Expr& number = &money == e.args[0].get() ? *e.args[1] : *e.args[0];
                  if (const auto* f = fraction(money, locals)) return f;
                  return whole(number, locals) || whole_pence_product(money, number) ? nullptr : &e;
               }
               case BinaryOp::div: return &e;
               default: return nullptr;
            }
         case ExprKind::if_: return first({e.args[1].get(), e.args[2].get()});
         case ExprKind::as_of: return first({e.args[0].get()});
         case ExprKind::call: return call(e, locals);
         default: return nullptr;  // a field of a record: data, like an input
      }
   }

   // Whether a number is always whole: an int, a whole literal, round(x, 0), floor(x), a param
   // whose values are all whole... A local is whole when the argument it was given is (a
   // number argument that may not be is its own entry in `locals`).
   bool whole(const Expr& e, const std::vector<const Expr*>& locals)
   {
      if (e.type.kind == TypeKind::int_ || whole_literal(e)) return true;
      if (e.type.kind != TypeKind::decimal) return false;
      const auto all = [&](std::size_t from) {
         return std::all_of(e.args.begin() + static_cast<std::ptrdiff_t>(from), e.args.end(), [&](const ExprPtr& a) { return whole(*a, locals); });
      };
      switch (e.kind) {
         case ExprKind::negate: return all(0);
         case ExprKind::binary: return (e.op == BinaryOp::add || e.op == BinaryOp::sub || e.op == BinaryOp::mul) && all(0);
         case ExprKind::if_: return whole(*e.args[1], locals) && whole(*e.args[2], locals);
         case ExprKind::name:
            if (e.ref.kind == RefKind::local) return static_cast<std::size_t>(e.ref.index) < locals.size() && locals[static_cast<std::size_t>(e.ref.index)] == nullptr;
            if (e.ref.kind != RefKind::global) return false;
            return whole_global(static_cast<std::uint32_t>(e.ref.index));
         case ExprKind::call:
            if (e.ref.kind == RefKind::function) {
               const auto& f = p_.functions[static_cast<std::size_t>(e.ref.index)];
               return whole(*f.decl->body, arguments(e, locals, f.frame_size));
            }
            if (e.ref.kind == RefKind::table) {
               // every output cell and default whole (under collect, a sum of them is too)
               const auto& t = p_.tables[static_cast<std::size_t>(e.ref.index)];
               const auto args = arguments(e, locals, t.frame_size);
               for (const auto& version : t.decl->versions) {
                  for (const auto& row : version.rows) {
                     if (!row.output || !whole(*row.output, args)) return false;
                  }
                  if (version.default_value && !whole(*version.default_value, args)) return false;
               }
               return t.decl->hit != lang::HitPolicy::collect || t.decl->collect != lang::CollectOp::list;
            }
            if (e.ref.kind != RefKind::builtin) return false;
            switch (static_cast<Builtin>(e.ref.index)) {
               case Builtin::floor:
               case Builtin::ceiling: return true;
               case Builtin::round: {
                  const Expr& step = *e.args.at(1);
                  return (step.kind == ExprKind::int_lit && step.text == "0") || (step.type.kind != TypeKind::int_ && whole_literal(step));
               }
               case Builtin::min:
               case Builtin::max:
               case Builtin::clamp:
               case Builtin::abs:
               case Builtin::to_decimal: return all(0);
               default: return false;
            }
         default: return false;
      }
   }

   // Whether a number has at most two places, so that money(x) is whole pence.
   bool pence_places(const Expr& e, const std::vector<const Expr*>& locals)
   {
      if (whole(e, locals)) return true;
      if (e.kind == ExprKind::decimal_lit || e.kind == ExprKind::percent_lit) {
         const auto m = mantissa(e);
         return m && m->second <= 2;
      }
      if (e.kind != ExprKind::call || e.ref.kind != RefKind::builtin || static_cast<Builtin>(e.ref.index) != Builtin::round) return false;
      const Expr& step = *e.args.at(1);
      if (step.kind == ExprKind::int_lit) return step.text.size() == 1 && step.text[0] <= '2';
      const auto m = mantissa(step);
      return m && m->second <= 2;
   }

private:
   bool whole_global(std::uint32_t slot)
   {
      if (auto it = whole_globals_.find(slot); it != whole_globals_.end()) return it->second;
      whole_globals_[slot] = false;  // no cycles in a checked program; this only guards
      const auto& g = p_.globals[slot];
      bool w = g.kind != GlobalKind::input;
      if (w) {
         const std::vector<const Expr*> none(g.frame_size, nullptr);
         for (const auto* value : p_.value_expressions(g)) {
            if (value->type.kind != TypeKind::bool_ && !whole(*value, none)) w = false;
         }
      }
      whole_globals_[slot] = w;
      return w;
   }

   const Expr* call(const Expr& e, const std::vector<const Expr*>& locals)
   {
      const auto any_of = [&](std::size_t from) -> const Expr* {
         for (std::size_t i = from; i < e.args.size(); ++i) {
            if (const auto* f = listed(*e.args[i], locals)) return f;
         }
         return nullptr;
      };
      switch (e.ref.kind) {
         case RefKind::builtin:
            switch (static_cast<Builtin>(e.ref.index)) {
               case Builtin::round: {
                  // round(x, £0.01) or round(x, 2) gives whole pence; £0.005 or 3 places may not
                  const Expr& step = *e.args.at(1);
                  if (step.kind == ExprKind::money_lit) return whole_pence_literal(step) ? nullptr : &e;
                  if (step.kind == ExprKind::int_lit) return step.text.size() > 1 || step.text[0] > '2' ? &e : nullptr;
                  return nullptr;
               }
               case Builtin::floor:
               case Builtin::ceiling: return nullptr;  // whole pounds
               case Builtin::min:
               case Builtin::max:
               case Builtin::clamp:
               case Builtin::abs:
               case Builtin::first:
               case Builtin::last: return any_of(0);
               case Builtin::at: return listed(*e.args.at(0), locals);
               case Builtin::sum:
                  if (e.args.size() == 2 && e.args[1]->kind == ExprKind::lambda) return lambda(*e.args[1], locals);
                  return any_of(0);
               case Builtin::to_money: {
                  const Expr& number = *e.args.at(0);
                  return number.type.kind == TypeKind::money || pence_places(number, locals) ? nullptr : &e;
               }
               default: return nullptr;
            }
         case RefKind::function: {
            const auto& f = p_.functions[static_cast<std::size_t>(e.ref.index)];
            return body(f.decl->body.get(), e, locals, f.frame_size);
         }
         case RefKind::table: {
            const auto& t = p_.tables[static_cast<std::size_t>(e.ref.index)];
            std::vector<const Expr*> args = arguments(e, locals, t.frame_size);
            for (const auto& version : t.decl->versions) {
               for (const auto& row : version.rows) {
                  if (const auto* f = row.output ? fraction(*row.output, args) : nullptr) return f;
               }
               if (const auto* f = version.default_value ? fraction(*version.default_value, args) : nullptr) return f;
            }
            return nullptr;
         }
         default: return nullptr;
      }
   }

   // A list's items, where the list is written out or mapped: sum([a, b / 2]), max(xs, …).
   const Expr* listed(const Expr& e, const std::vector<const Expr*>& locals)
   {
      if (e.kind == ExprKind::list) {
         for (const auto& item : e.args) {
            if (const auto* f = fraction(*item, locals)) return f;
         }
         return nullptr;
      }
      if (e.kind == ExprKind::call && e.ref.kind == RefKind::builtin && static_cast<Builtin>(e.ref.index) == Builtin::map && e.args.size() == 2) return lambda(*e.args[1], locals);
      return fraction(e, locals);
   }

   const Expr* lambda(const Expr& l, const std::vector<const Expr*>& locals)
   {
      std::vector<const Expr*> inner = locals;
      if (l.ref.index >= 0 && static_cast<std::size_t>(l.ref.index) >= inner.size()) inner.resize(static_cast<std::size_t>(l.ref.index) + 1, nullptr);
      return l.args.empty() ? nullptr : fraction(*l.args[0], inner);
   }

   // The fractions the arguments of a call bring to the callee's first local slots.
   std::vector<const Expr*> arguments(const Expr& call, const std::vector<const Expr*>& locals, std::size_t frame)
   {
      std::vector<const Expr*> args(std::max(frame, call.args.size()), nullptr);
      for (std::size_t i = 0; i < call.args.size(); ++i) {
         const Expr& a = *call.args[i];
         // money: where a fraction in it comes from; a number: itself, when it may not be whole
         args[i] = a.type.kind == TypeKind::money ? fraction(a, locals) : a.type.kind == TypeKind::decimal && !whole(a, locals) ? &a : nullptr;
      }
      return args;
   }

   const Expr* body(const Expr* body, const Expr& call, const std::vector<const Expr*>& locals, std::size_t frame)
   {
      if (!body) return nullptr;
      auto args = arguments(call, locals, frame);
      // the same function with the same arguments' fractions gives the same answer: without
      // this, functions calling functions twice over would take exponential time
      std::vector<const void*> key{body};
      key.insert(key.end(), args.begin(), args.end());
      if (auto it = calls_.find(key); it != calls_.end()) return it->second;
      const auto* f = fraction(*body, args);
      calls_[key] = f;
      return f;
   }

   const Expr* global(std::uint32_t slot)
   {
      if (auto it = globals_.find(slot); it != globals_.end()) return it->second;
      globals_[slot] = nullptr;  // no cycles in a checked program; this only guards
      const auto& g = p_.globals[slot];
      const Expr* f = nullptr;
      if (g.kind != GlobalKind::input) {
         std::vector<const Expr*> locals(g.frame_size, nullptr);
         for (const auto* value : p_.value_expressions(g)) {
            if ((f = fraction(*value, locals))) break;
         }
      }
      globals_[slot] = f;
      return f;
   }

   const Program& p_;
   std::map<std::uint32_t, const Expr*> globals_;
   std::map<std::uint32_t, bool> whole_globals_;
   std::map<std::vector<const void*>, const Expr*> calls_;
};

std::string what_it_does(const Expr& culprit)
{
   if (culprit.kind == ExprKind::binary && culprit.op == BinaryOp::div) return "this division can leave a fraction of a penny";
   if (culprit.kind == ExprKind::binary) return "money times a number with a fraction can leave a fraction of a penny";
   if (culprit.kind == ExprKind::money_lit) return "this amount is not whole pence";
   if (culprit.kind == ExprKind::call && culprit.ref.kind == RefKind::builtin && static_cast<Builtin>(culprit.ref.index) == Builtin::round)
      return "this rounds to less than a penny";
   return "money made from a number with a fraction can leave a fraction of a penny";
}

}  // namespace

void check_whole_pence(const Program& program, Diagnostics& diagnostics)
{
   Pence pence(program);
   for (const auto slot : program.outputs) {
      const auto& g = program.globals[slot];
      const auto& value = *program.output_decl(g).value;
      const auto* culprit = pence.fraction(value, std::vector<const Expr*>(g.frame_size, nullptr));
      if (!culprit) continue;
      auto& d = diagnostics.warning("W0406", value.span, fmt::format("output {} may not be a whole number of pence", g.name));
      if (culprit->span.file == value.span.file && culprit->span.begin == value.span.begin && culprit->span.end == value.span.end) {
         d.label = what_it_does(*culprit);
      } else {
         d.label = "not rounded to pence";
         d.notes.push_back({culprit->span, what_it_does(*culprit)});
      }
      d.help = "round it where the policy says, e.g. round(x, £0.01, half_up); evaluation stops with R0301 when an amount is not whole pence";
   }
}

}  // namespace pol::lang
