// The types of pol values, as the checker sees them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace pol::lang {

enum class TypeKind : std::uint8_t {
   error,     // already reported; silences follow-on errors
   none,      // the literal `none`, before it meets an optional type
   bool_,
   int_,
   decimal,
   money,
   date,
   duration,
   text,
   enum_,
   record,
   list,
   lambda,    // only as an argument of a list function
   never,     // fail(…): has no value, so it fits anywhere
};

// Durations keep their calendar family: months and years, days and weeks, hours.
enum class DurationUnit : std::uint8_t { months, days, hours };

struct Type {
   TypeKind kind = TypeKind::error;
   bool optional = false;
   DurationUnit unit = DurationUnit::days;
   std::int32_t id = -1;                 // enum or record id
   std::string name;                     // enum or record name
   std::shared_ptr<const Type> element;  // list element

   static Type of(TypeKind k) { Type t; t.kind = k; return t; }
   static Type duration(DurationUnit u) { Type t; t.kind = TypeKind::duration; t.unit = u; return t; }
   static Type list_of(Type element);
   static Type error() { return of(TypeKind::error); }

   bool is_error() const { return kind == TypeKind::error; }
   bool is_numeric() const { return !optional && (kind == TypeKind::int_ || kind == TypeKind::decimal); }
   Type required() const { Type t = *this; t.optional = false; return t; }
   Type as_optional() const { Type t = *this; if (kind != TypeKind::none) t.optional = true; return t; }

   std::string to_string() const;
};

bool operator==(const Type& a, const Type& b);

// Can a value of type `from` be used where `to` is expected? int widens to decimal, T to T?, none to T?.
bool assignable(const Type& from, const Type& to);
// The common type of two branches or list elements, or error.
Type unify(const Type& a, const Type& b);

const char* unit_name(DurationUnit u);

}  // namespace pol::lang
