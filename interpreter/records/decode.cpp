// Reads input values from JSON by their declared types. Numbers are read from their text,
// so "0.1" is exactly one tenth; every error names the field and what was expected.
#include <fmt/format.h>

#include "decode.hpp"

#include <algorithm>

#include "diagnostics.hpp"
#include "format.hpp"
#include "source.hpp"

namespace pol::interp {

namespace {

// Whether s is digits in thousands groups: "1,234,567" (one to three digits, then threes).
bool thousands_groups(std::string_view s)
{
   std::size_t digits = 0;
   bool grouped = false;
   for (const char c : s) {
      if (c == ',') {
         if (digits == 0 || digits > 3 || (grouped && digits != 3)) return false;
         grouped = true;
         digits = 0;
      } else if (c >= '0' && c <= '9') {
         ++digits;
      } else {
         return false;
      }
   }
   return digits == 3 || !grouped;
}

// Whether text is a JSON number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
bool json_number(std::string_view t)
{
   std::size_t i = 0;
   const auto digits = [&] {
      const std::size_t from = i;
      while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
      return i > from;
   };
   if (i < t.size() && t[i] == '-') ++i;
   if (i < t.size() && t[i] == '0') ++i;
   else if (!digits()) return false;
   if (i < t.size() && t[i] == '.' && (++i, !digits())) return false;
   if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
      ++i;
      if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
      if (!digits()) return false;
   }
   return i == t.size();
}

// How an error shows the value given. A number given as text ("1.5", a CSV cell) is shown as the
// number, so that JSON, CSV and the library word the same error the same way.
std::string shown_value(const JsonValue& json, const lang::Type& type)
{
   const bool number_type = type.kind == lang::TypeKind::int_ || type.kind == lang::TypeKind::decimal || type.kind == lang::TypeKind::money || type.kind == lang::TypeKind::duration;
   if (number_type && json.kind == JsonValue::Kind::string && json_number(json.text)) return json.text;
   return json.describe();
}

}  // namespace

// The one reader of number text for inputs (JSON, CSV fields, the library, test files): an
// optional minus, for money one optional "£", digits with "," only between thousands groups,
// for decimals an optional "%" at the end. Anything else is refused, with `why` saying so.
std::optional<Decimal> read_number(std::string_view text, lang::TypeKind kind, std::string& why)
{
   std::string_view rest = text;
   const bool negative = rest.starts_with('-');
   if (negative) rest.remove_prefix(1);
   if (kind == lang::TypeKind::money && rest.starts_with("£")) {
      rest.remove_prefix(std::string_view("£").size());
      if (rest.starts_with('-')) why = " (the minus sign comes first: -£5)";
   }
   if (rest.empty() || !((rest[0] >= '0' && rest[0] <= '9') || rest[0] == '.')) return std::nullopt;
   if (rest.ends_with('%') && kind != lang::TypeKind::decimal) {
      why = " (a percentage is only for decimal inputs)";
      return std::nullopt;
   }
   std::string plain(negative ? "-" : "");
   const std::size_t whole_end = std::min(rest.find_first_of(".eE%"), rest.size());
   const std::string_view whole = rest.substr(0, whole_end);
   if (whole.find(',') != std::string_view::npos) {
      if (kind != lang::TypeKind::money || !thousands_groups(whole)) {
         why = kind == lang::TypeKind::money ? " (a comma separates thousands: groups of three digits, as in £1,234.56)" : " (write it without commas)";
         return std::nullopt;
      }
      for (const char c : whole) {
         if (c != ',') plain += c;
      }
      rest.remove_prefix(whole_end);
   }
   plain += rest;
   auto d = Decimal::parse(plain);
   if (!d && plain.find_first_of("eE") != std::string::npos && Decimal::parse(plain.substr(0, plain.find_first_of("eE")))) why = " (its exponent is out of range)";
   return d;
}

RuntimeError given_twice(const std::string& field)
{
   RuntimeError r;
   r.code = "R0105";
   r.field = field;
   r.message = fmt::format("\"{}\" is given twice", field);
   r.help = "give each input once: which of the two is meant cannot be told";
   return r;
}

std::optional<Value> decode_input(const lang::Program& p, const JsonValue& json, const lang::Type& type, const std::string& field, std::vector<RuntimeError>& errors)
{
   using K = JsonValue::Kind;
   auto fail = [&](std::string extra = {}) -> std::optional<Value> {
      RuntimeError r;
      r.code = "R0103";
      r.field = field;
      r.message = fmt::format("input \"{}\" should be {}, but it is {}{}", field, describe_expected(type, p), shown_value(json, type), extra);
      r.help = "correct the value in the input";
      errors.push_back(std::move(r));
      return std::nullopt;
   };
   if (json.kind == K::string) {
      if (const auto bad = lang::invalid_utf8(json.text)) {
         RuntimeError r;
         r.code = "R0103";
         r.field = field;
         r.message = fmt::format("input \"{}\" is not UTF-8 text: byte {} is 0x{:02X}", field, *bad + 1, static_cast<unsigned char>(json.text[*bad]));
         r.help = "save the input as UTF-8 (a spreadsheet's \"CSV UTF-8\")";
         errors.push_back(std::move(r));
         return std::nullopt;
      }
   }
   if (json.kind == K::null) {
      if (type.optional) return Value::none();
      return fail();
   }
   const bool texty = json.kind == K::string;
   switch (type.kind) {
      case lang::TypeKind::bool_:
         if (json.kind != K::boolean) return fail();
         return Value::boolean(json.boolean);
      case lang::TypeKind::int_:
      case lang::TypeKind::decimal:
      case lang::TypeKind::money:
      case lang::TypeKind::duration: {
         if (json.kind != K::number && !texty) return fail();
         std::string why;
         const auto d = read_number(json.text, type.kind, why);
         if (!d) return fail(why);
         switch (type.kind) {
            case lang::TypeKind::int_: {
               const auto i = d->to_int64();
               if (!i) return fail(d->is_integer() ? " (too large)" : " (it has a fraction)");
               return Value::int_(*i);
            }
            case lang::TypeKind::money: return Value::money(*d);
            case lang::TypeKind::duration: return Value::duration(*d, type.unit);
            default: return Value::decimal(*d);
         }
      }
      case lang::TypeKind::date: {
         if (!texty) return fail();
         const auto d = Date::parse(json.text);
         if (!d) return fail(json.text.size() == 10 ? " (no such day)" : "");
         return Value::date(*d);
      }
      case lang::TypeKind::text:
         if (!texty) return fail();
         return Value::text(json.text);
      case lang::TypeKind::enum_: {
         if (!texty) return fail();
         // by name, or by label ("Must Improve")
         const auto& variants = p.enums[type.id].variants;
         const auto& labels = p.enums[type.id].labels;
         for (std::size_t i = 0; i < variants.size(); ++i) {
            if (variants[i] == json.text || labels[i] == json.text) return Value::enum_(type.id, static_cast<std::int64_t>(i));
         }
         const auto near = lang::closest_name(json.text, variants);
         return fail(near.empty() ? std::string() : fmt::format(" (did you mean \"{}\"?)", near));
      }
      case lang::TypeKind::list: {
         if (json.kind != K::array) return fail();
         Values items;
         bool ok = true;
         for (std::size_t i = 0; i < json.items.size(); ++i) {
            auto v = decode_input(p, json.items[i], *type.element, fmt::format("{}[{}]", field, i), errors);
            if (!v) ok = false;
            else items.push_back(std::move(*v));
         }
         if (!ok) return std::nullopt;
         return Value::list(std::move(items));
      }
      case lang::TypeKind::record: {
         if (json.kind != K::object) return fail();
         const auto& rec = p.records[type.id];
         Values fields(rec.field_names.size());
         std::vector<bool> seen(rec.field_names.size(), false);
         bool ok = true;
         for (const auto& [key, value] : json.fields) {
            const int f = rec.field_index(key);
            const std::string path = fmt::format("{}.{}", field, key);
            if (f < 0) {
               RuntimeError r;
               r.code = "R0102";
               r.field = path;
               r.message = fmt::format("unknown field \"{}\" in {}", key, field);
               const auto near = lang::closest_name(key, rec.field_names);
               r.help = near.empty() ? fmt::format("{} has the fields: {}", rec.name, fmt::join(rec.field_names, ", ")) : fmt::format("did you mean \"{}\"?", near);
               errors.push_back(std::move(r));
               ok = false;
               continue;
            }
            if (seen[static_cast<std::size_t>(f)]) {
               errors.push_back(given_twice(path));
               ok = false;
               continue;
            }
            seen[static_cast<std::size_t>(f)] = true;
            auto v = decode_input(p, value, rec.field_types[static_cast<std::size_t>(f)], path, errors);
            if (!v) ok = false;
            else fields[static_cast<std::size_t>(f)] = std::move(*v);
         }
         for (std::size_t f = 0; f < rec.field_names.size(); ++f) {
            if (!seen[f] && !rec.field_types[f].optional) {
               RuntimeError r;
               r.code = "R0101";
               r.field = fmt::format("{}.{}", field, rec.field_names[f]);
               r.message = fmt::format("\"{}\" is missing its field \"{}\": expected {}", field, rec.field_names[f], describe_expected(rec.field_types[f], p));
               r.help = fmt::format("add \"{}\"", rec.field_names[f]);
               errors.push_back(std::move(r));
               ok = false;
            }
         }
         if (!ok) return std::nullopt;
         return Value::record(type.id, std::move(fields));
      }
      default: return fail();
   }
}

std::vector<std::optional<Value>> decode_inputs(const lang::Program& program, const JsonValue& input, std::vector<RuntimeError>& errors)
{
   std::vector<std::optional<Value>> values(program.inputs.size());
   if (input.kind != JsonValue::Kind::object) {
      RuntimeError r;
      r.code = "R0100";
      r.message = fmt::format("the input must be a JSON object of named values, not {}", input.describe());
      r.help = "for example: {\"annual_pay\": \"30000.00\"}";
      errors.push_back(std::move(r));
      return values;
   }
   std::vector<std::string> names;
   for (auto slot : program.inputs) names.push_back(program.globals[slot].name);
   for (const auto& [key, value] : input.fields) {
      auto it = std::find(names.begin(), names.end(), key);
      if (it == names.end()) {
         RuntimeError r;
         r.code = "R0102";
         r.field = key;
         r.message = fmt::format("unknown input \"{}\"", key);
         const auto near = lang::closest_name(key, names);
         r.help = near.empty() ? fmt::format("the inputs are: {}", fmt::join(names, ", ")) : fmt::format("did you mean \"{}\"?", near);
         errors.push_back(std::move(r));
         continue;
      }
      const auto index = static_cast<std::size_t>(it - names.begin());
      if (values[index]) {
         errors.push_back(given_twice(key));
         continue;
      }
      const auto& g = program.globals[program.inputs[index]];
      values[index] = decode_input(program, value, g.type, key, errors);
      if (!values[index]) values[index] = Value::none();  // reported; keeps "missing" quiet
   }
   return values;
}

}  // namespace pol::interp
