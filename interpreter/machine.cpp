// Runs lowered code: one switch per instruction over a flat register file.
#include "lowered.hpp"

namespace pol::interp {

namespace {

bool holds(std::uint8_t op, int c)
{
   switch (static_cast<lang::CompareOp>(op)) {
      case lang::CompareOp::eq: return c == 0;
      case lang::CompareOp::ne: return c != 0;
      case lang::CompareOp::lt: return c < 0;
      case lang::CompareOp::le: return c <= 0;
      case lang::CompareOp::gt: return c > 0;
      case lang::CompareOp::ge: return c >= 0;
   }
   return false;
}

int compare_words(std::int64_t a, std::int64_t b) { return (a > b) - (a < b); }

Cell word(std::int64_t v) { return {v, 0}; }

Cell date_cell(Date d) { return {d.days(), 0}; }

Date date_of(const Cell& c) { return Date::from_days(static_cast<std::int32_t>(c.a)); }

}  // namespace

bool execute(const Code& code, Cell* r)
{
   const Ins* const ins = code.ins.data();
   std::size_t pc = 0;
   try {
      for (;;) {
         const Ins& i = ins[pc++];
         Cell& d = r[i.d];
         const Cell& a = r[i.a];
         const Cell& b = r[i.b];
         switch (i.op) {
            case Op::halt: return true;
            case Op::bail: return false;
            case Op::copy: d = a; break;
            case Op::jump: pc = i.c; break;
            case Op::jump_if:
               if (a.a != 0) pc = i.c;
               break;
            case Op::jump_unless:
               if (a.a == 0) pc = i.c;
               break;
            case Op::jump_if_none:
               if (is_none(a)) pc = i.c;
               break;
            case Op::jump_if_some:
               if (!is_none(a)) pc = i.c;
               break;
            case Op::not_: d = word(a.a == 0 ? 1 : 0); break;
            case Op::iadd:
               if (__builtin_add_overflow(a.a, b.a, &d.a)) return false;
               d.b = 0;
               break;
            case Op::isub:
               if (__builtin_sub_overflow(a.a, b.a, &d.a)) return false;
               d.b = 0;
               break;
            case Op::imul:
               if (__builtin_mul_overflow(a.a, b.a, &d.a)) return false;
               d.b = 0;
               break;
            case Op::ineg:
               if (a.a == INT64_MIN) return false;
               d = word(-a.a);
               break;
            case Op::iabs:
               if (a.a == INT64_MIN) return false;
               d = word(a.a < 0 ? -a.a : a.a);
               break;
            case Op::imin: d = b.a < a.a ? b : a; break;
            case Op::imax: d = b.a > a.a ? b : a; break;
            case Op::nadd: {
               Ratio out;
               if (!ratio::add(a.ratio(), b.ratio(), out)) return false;
               d = {out.num, out.den};
               break;
            }
            case Op::nsub: {
               Ratio out;
               if (!ratio::sub(a.ratio(), b.ratio(), out)) return false;
               d = {out.num, out.den};
               break;
            }
            case Op::nmul: {
               Ratio out;
               if (!ratio::mul(a.ratio(), b.ratio(), out)) return false;
               d = {out.num, out.den};
               break;
            }
            case Op::ndiv: {
               Ratio out;
               if (!ratio::div(a.ratio(), b.ratio(), out)) return false;
               d = {out.num, out.den};
               break;
            }
            case Op::nneg:
               if (a.a == INT64_MIN) return false;
               d = {-a.a, a.b};
               break;
            case Op::nabs:
               if (a.a == INT64_MIN) return false;
               d = {a.a < 0 ? -a.a : a.a, a.b};
               break;
            // the first wins a tie, as in the general evaluator
            case Op::nmin: d = ratio::compare(a.ratio(), b.ratio()) <= 0 ? a : b; break;
            case Op::nmax: d = ratio::compare(a.ratio(), b.ratio()) >= 0 ? a : b; break;
            case Op::to_int: {
               std::int64_t v;
               if (!ratio::to_int(a.ratio(), v)) return false;
               d = word(v);
               break;
            }
            case Op::round: {
               if (b.a <= 0) return false;  // the increment must be above zero
               Ratio out;
               if (!ratio::round_to(a.ratio(), b.ratio(), static_cast<Rounding>(i.x), out)) return false;
               d = {out.num, out.den};
               break;
            }
            case Op::round_div: {
               const Cell& inc = r[i.c];
               if (inc.a <= 0) return false;
               Ratio out;
               if (!ratio::round_div(a.ratio(), b.ratio(), inc.ratio(), static_cast<Rounding>(i.x), out)) return false;
               d = {out.num, out.den};
               break;
            }
            case Op::select: d = r[i.c].a ? a : b; break;
            case Op::icmp: d = word(holds(i.x, compare_words(a.a, b.a)) ? 1 : 0); break;
            case Op::ncmp: d = word(holds(i.x, ratio::compare(a.ratio(), b.ratio())) ? 1 : 0); break;
            case Op::icmp_else:
               d = word(holds(i.x, compare_words(a.a, b.a)) ? 1 : 0);
               if (d.a == 0) pc = i.c;
               break;
            case Op::ncmp_else:
               d = word(holds(i.x, ratio::compare(a.ratio(), b.ratio())) ? 1 : 0);
               if (d.a == 0) pc = i.c;
               break;
            case Op::ocmp: {
               bool ok;
               if (is_none(a) || is_none(b)) {
                  const bool same = is_none(a) && is_none(b);
                  ok = static_cast<lang::CompareOp>(i.x) == lang::CompareOp::eq ? same : !same;
               } else {
                  ok = holds(i.x, i.c ? ratio::compare(a.ratio(), b.ratio()) : compare_words(a.a, b.a));
               }
               d = word(ok ? 1 : 0);
               break;
            }
            case Op::move_date: {
               std::int64_t amount;
               if (!ratio::to_int(b.ratio(), amount)) return false;  // a fraction of a day or month
               d = date_cell(i.x ? date_of(a).add_months(amount) : date_of(a).add_days(amount));
               break;
            }
            case Op::add_months: d = date_cell(date_of(a).add_months(b.a)); break;
            case Op::add_days: d = date_cell(date_of(a).add_days(b.a)); break;
            case Op::months_between: d = word(months_between(date_of(a), date_of(b))); break;
            case Op::years_between: d = word(years_between(date_of(a), date_of(b))); break;
            case Op::make_date: {
               const Cell& day = r[i.c];
               const auto ok = [](std::int64_t v) { return v >= -100000 && v <= 100000; };
               if (!ok(a.a) || !ok(b.a) || !ok(day.a)) return false;
               const auto made = Date::from_civil(static_cast<int>(a.a), static_cast<int>(b.a), static_cast<int>(day.a));
               if (!made) return false;
               d = date_cell(*made);
               break;
            }
            case Op::year: d = word(date_of(a).year()); break;
            case Op::month: d = word(date_of(a).month()); break;
            case Op::day: d = word(date_of(a).day()); break;
            case Op::is_leap_year: d = word(is_leap_year(a.a) ? 1 : 0); break;
         }
      }
   } catch (const DateRangeError&) {
      return false;
   }
}

}  // namespace pol::interp
