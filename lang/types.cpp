#include "types.hpp"

namespace pol::lang {

Type Type::list_of(Type element)
{
   Type t;
   t.kind = TypeKind::list;
   t.element = std::make_shared<const Type>(std::move(element));
   return t;
}

const char* unit_name(DurationUnit u)
{
   switch (u) {
      case DurationUnit::months: return "months";
      case DurationUnit::days: return "days";
      case DurationUnit::hours: return "hours";
   }
   return "days";
}

std::string Type::to_string() const
{
   std::string s;
   switch (kind) {
      case TypeKind::error: s = "<error>"; break;
      case TypeKind::none: return "none";
      case TypeKind::bool_: s = "bool"; break;
      case TypeKind::int_: s = "int"; break;
      case TypeKind::decimal: s = "decimal"; break;
      case TypeKind::money: s = "money"; break;
      case TypeKind::date: s = "date"; break;
      case TypeKind::duration: s = std::string("duration in ") + unit_name(unit); break;
      case TypeKind::text: s = "text"; break;
      case TypeKind::enum_:
      case TypeKind::record: s = name; break;
      case TypeKind::list: s = "list of " + (element ? element->to_string() : std::string("?")); break;
      case TypeKind::lambda: s = "function"; break;
      case TypeKind::never: return "never";
   }
   if (optional) s += "?";
   return s;
}

bool operator==(const Type& a, const Type& b)
{
   if (a.kind != b.kind || a.optional != b.optional) return false;
   switch (a.kind) {
      case TypeKind::enum_:
      case TypeKind::record: return a.id == b.id;
      case TypeKind::duration: return a.unit == b.unit;
      case TypeKind::list: return a.element && b.element && *a.element == *b.element;
      default: return true;
   }
}

bool assignable(const Type& from, const Type& to)
{
   if (from.is_error() || to.is_error() || from.kind == TypeKind::never) return true;
   if (from.kind == TypeKind::none) return to.optional;
   if (from.optional && !to.optional) return false;
   if (from.kind == TypeKind::int_ && to.kind == TypeKind::decimal) return true;
   if (from.kind == TypeKind::list && to.kind == TypeKind::list) {
      return from.element && to.element && assignable(*from.element, *to.element);
   }
   return from.required() == to.required();
}

Type unify(const Type& a, const Type& b)
{
   if (a.is_error() || a.kind == TypeKind::never) return b;
   if (b.is_error() || b.kind == TypeKind::never) return a;
   if (a.kind == TypeKind::none) return b.as_optional();
   if (b.kind == TypeKind::none) return a.as_optional();
   const bool optional = a.optional || b.optional;
   Type result;
   if (a.required() == b.required()) {
      result = a;
   } else if ((a.kind == TypeKind::int_ && b.kind == TypeKind::decimal) || (a.kind == TypeKind::decimal && b.kind == TypeKind::int_)) {
      result = Type::of(TypeKind::decimal);
   } else if (a.kind == TypeKind::list && b.kind == TypeKind::list && a.element && b.element) {
      Type e = unify(*a.element, *b.element);
      if (e.is_error()) return e;
      result = Type::list_of(e);
   } else {
      return Type::error();
   }
   result.optional = optional;
   return result;
}

}  // namespace pol::lang
