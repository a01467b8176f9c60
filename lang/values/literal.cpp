// The values of literals, as the checker leaves them in the syntax tree.
#include "literal.hpp"

namespace pol::interp {

using lang::Expr;
using lang::ExprKind;

Value parse_literal(const Expr& e)
{
   switch (e.kind) {
      case ExprKind::int_lit: return Value::int_(std::stoll(e.text));
      case ExprKind::decimal_lit: return Value::decimal(*Decimal::parse(e.text));
      case ExprKind::percent_lit: return Value::decimal(*Decimal::parse(e.text + "%"));
      case ExprKind::money_lit: return Value::money(*Decimal::parse(e.text));
      case ExprKind::date_lit: return Value::date(*Date::from_civil(e.date.year, e.date.month, e.date.day));
      case ExprKind::bool_lit: return Value::boolean(e.text == "true");
      case ExprKind::none_lit: return Value::none();
      case ExprKind::duration_lit: {
         Decimal amount = *Decimal::parse(e.text);
         if (e.qualifier.starts_with("year")) amount = amount * 12;
         if (e.qualifier.starts_with("week")) amount = amount * 7;
         return Value::duration(amount, e.unit);
      }
      case ExprKind::text_lit: {
         std::string s;
         for (const auto& p : e.parts) s += p.chunk;
         return Value::text(std::move(s));
      }
      default: return Value::none();
   }
}

bool is_literal(const Expr& e)
{
   switch (e.kind) {
      case ExprKind::int_lit:
      case ExprKind::decimal_lit:
      case ExprKind::percent_lit:
      case ExprKind::money_lit:
      case ExprKind::date_lit:
      case ExprKind::bool_lit:
      case ExprKind::none_lit:
      case ExprKind::duration_lit: return true;
      case ExprKind::text_lit: return e.args.empty();
      default: return false;
   }
}

}  // namespace pol::interp
