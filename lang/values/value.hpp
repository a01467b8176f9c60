// Runtime values. Small values live inline; text, lists and records are shared and immutable.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ast.hpp"
#include "date.hpp"
#include "decimal.hpp"
#include "types.hpp"

namespace pol::interp {

enum class ValueKind : std::uint8_t { none, bool_, int_, decimal, money, date, duration, text, enum_, list, record };

struct Value;
using Values = std::vector<Value>;

struct Value {
   ValueKind kind = ValueKind::none;
   lang::DurationUnit unit = lang::DurationUnit::days;  // duration
   bool flag = false;                                    // bool
   std::int32_t id = -1;                                 // enum or record id
   std::int64_t integer = 0;                             // int, date (days), enum variant
   Decimal number;                                       // decimal, money, duration amount
   std::shared_ptr<const std::string> str;               // text
   std::shared_ptr<const Values> items;                  // list items, record fields

   static Value none() { return {}; }
   static Value boolean(bool b) { Value v; v.kind = ValueKind::bool_; v.flag = b; return v; }
   static Value int_(std::int64_t i) { Value v; v.kind = ValueKind::int_; v.integer = i; return v; }
   static Value decimal(Decimal d) { Value v; v.kind = ValueKind::decimal; v.number = std::move(d); return v; }
   static Value money(Decimal d) { Value v; v.kind = ValueKind::money; v.number = std::move(d); return v; }
   static Value date(Date d) { Value v; v.kind = ValueKind::date; v.integer = d.days(); return v; }
   static Value duration(Decimal amount, lang::DurationUnit u) { Value v; v.kind = ValueKind::duration; v.number = std::move(amount); v.unit = u; return v; }
   static Value text(std::string s) { Value v; v.kind = ValueKind::text; v.str = std::make_shared<const std::string>(std::move(s)); return v; }
   static Value enum_(std::int32_t enum_id, std::int64_t variant) { Value v; v.kind = ValueKind::enum_; v.id = enum_id; v.integer = variant; return v; }
   static Value list(Values items) { Value v; v.kind = ValueKind::list; v.items = std::make_shared<const Values>(std::move(items)); return v; }
   static Value record(std::int32_t record_id, Values fields) { Value v; v.kind = ValueKind::record; v.id = record_id; v.items = std::make_shared<const Values>(std::move(fields)); return v; }

   bool is_none() const { return kind == ValueKind::none; }
   Date as_date() const { return Date::from_days(static_cast<std::int32_t>(integer)); }
   // ints widen to decimals for arithmetic
   Decimal as_decimal() const { return kind == ValueKind::int_ ? Decimal(integer) : number; }
};

bool operator==(const Value& a, const Value& b);

// Whether a comparison holds, given c < 0, 0 or > 0 as the left side is below, equal or above.
inline bool holds(lang::CompareOp op, int c)
{
   switch (op) {
      case lang::CompareOp::eq: return c == 0;
      case lang::CompareOp::ne: return c != 0;
      case lang::CompareOp::lt: return c < 0;
      case lang::CompareOp::le: return c <= 0;
      case lang::CompareOp::gt: return c > 0;
      case lang::CompareOp::ge: return c >= 0;
   }
   return false;
}

}  // namespace pol::interp
