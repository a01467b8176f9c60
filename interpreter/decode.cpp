// Reads input values from JSON by their declared types. Numbers are read from their text,
// so "0.1" is exactly one tenth; every error names the field and what was expected.
#include <fmt/format.h>

#include "evaluator.hpp"
#include "diagnostics.hpp"
#include "format.hpp"

namespace pol::interp {

std::optional<Value> Policy::decode_input(const JsonValue& json, const lang::Type& type, const std::string& field, std::vector<RuntimeError>& errors) const
{
   using K = JsonValue::Kind;
   const lang::Program& p = *program_;
   auto fail = [&](std::string extra = {}) -> std::optional<Value> {
      RuntimeError r;
      r.code = "R0103";
      r.field = field;
      r.message = fmt::format("input \"{}\" should be {}, but it is {}{}", field, describe_expected(type, p), json.describe(), extra);
      r.help = "correct the value in the input";
      errors.push_back(std::move(r));
      return std::nullopt;
   };
   if (json.kind == K::null) {
      if (type.optional) return Value::none();
      return fail();
   }
   const bool texty = json.kind == K::string;
   switch (type.kind) {
      case lang::TypeKind::bool_:
         if (json.kind != K::boolean) return fail();
         return Value::boolean(json.boolean);
      case lang::TypeKind::int_: {
         if (json.kind != K::number && !texty) return fail();
         const auto d = Decimal::parse(json.text);
         if (!d) return fail();
         const auto i = d->to_int64();
         if (!i) return fail(d->is_integer() ? " (too large)" : " (it has a fraction)");
         return Value::int_(*i);
      }
      case lang::TypeKind::decimal:
      case lang::TypeKind::money:
      case lang::TypeKind::duration: {
         if (json.kind != K::number && !texty) return fail();
         std::string_view text = json.text;
         // money may be written "£1,234.56"
         std::string cleaned;
         if (type.kind == lang::TypeKind::money && texty) {
            for (std::size_t i = 0; i < text.size(); ++i) {
               if (text.substr(i).starts_with("£")) {
                  ++i;
                  continue;
               }
               if (text[i] != ',') cleaned += text[i];
            }
            text = cleaned;
         }
         const auto d = Decimal::parse(text);
         if (!d) return fail();
         if (type.kind == lang::TypeKind::money) return Value::money(*d);
         if (type.kind == lang::TypeKind::duration) return Value::duration(*d, type.unit);
         return Value::decimal(*d);
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
            auto v = decode_input(json.items[i], *type.element, fmt::format("{}[{}]", field, i), errors);
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
            seen[static_cast<std::size_t>(f)] = true;
            auto v = decode_input(value, rec.field_types[static_cast<std::size_t>(f)], path, errors);
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

}  // namespace pol::interp
