#include "format.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "source.hpp"

namespace pol::interp {

namespace {

std::string group_thousands(const std::string& fixed)
{
   // built by appending: inserting into the string trips GCC 12's -Wrestrict at -O3, a false positive
   const std::string_view text(fixed);
   const bool negative = text.starts_with('-');
   const std::string_view body = negative ? text.substr(1) : text;
   const std::size_t point = std::min(body.find('.'), body.size());
   std::string out(negative ? "-" : "");
   for (std::size_t i = 0; i < point; ++i) {
      if (i > 0 && (point - i) % 3 == 0) out += ',';
      out += body[i];
   }
   out.append(body.substr(point));
   return out;
}

std::string duration_text(const Value& v)
{
   const std::string amount = v.number.describe();
   switch (v.unit) {
      case lang::DurationUnit::months:
         if ((v.number / 12).is_integer()) return fmt::format("{} years", (v.number / 12).describe());
         return fmt::format("{} months", amount);
      case lang::DurationUnit::days: return fmt::format("{} days", amount);
      case lang::DurationUnit::hours: return fmt::format("{} hours", amount);
   }
   return amount;
}

}  // namespace

std::string format_value(const Value& v, const lang::Program& p)
{
   switch (v.kind) {
      case ValueKind::none: return "none";
      case ValueKind::bool_: return v.flag ? "true" : "false";
      case ValueKind::int_: return std::to_string(v.integer);
      case ValueKind::decimal: return v.number.describe();
      case ValueKind::money: {
         if (auto fixed = v.number.to_fixed(2)) {
            const bool negative = (*fixed)[0] == '-';
            return (negative ? "-£" : "£") + group_thousands(negative ? fixed->substr(1) : *fixed);
         }
         const std::string approx = v.number.describe();
         return approx[0] == '-' ? "-£" + group_thousands(approx.substr(1)) : "£" + group_thousands(approx);
      }
      case ValueKind::date: return v.as_date().to_string();
      case ValueKind::duration: return duration_text(v);
      case ValueKind::text: return *v.str;
      case ValueKind::enum_: return p.enums[v.id].variants[static_cast<std::size_t>(v.integer)];
      case ValueKind::list: {
         std::vector<std::string> parts;
         for (const auto& item : *v.items) parts.push_back(format_value(item, p));
         return fmt::format("[{}]", fmt::join(parts, ", "));
      }
      case ValueKind::record: {
         const auto& rec = p.records[v.id];
         std::vector<std::string> parts;
         for (std::size_t i = 0; i < rec.field_names.size(); ++i) parts.push_back(fmt::format("{}: {}", rec.field_names[i], format_value((*v.items)[i], p)));
         return fmt::format("{{{}}}", fmt::join(parts, ", "));
      }
   }
   return "?";
}

std::optional<std::string> unrepresentable(const Value& v, const lang::Program& p)
{
   switch (v.kind) {
      case ValueKind::money:
         if (!(v.number * 100).is_integer()) return std::string("which is not a whole number of pence");
         return std::nullopt;
      case ValueKind::decimal:
      case ValueKind::duration:
         if (!v.number.to_exact_string()) return std::string("which has no exact decimal form");
         return std::nullopt;
      case ValueKind::list:
      case ValueKind::record:
         for (const auto& item : *v.items) {
            if (auto problem = unrepresentable(item, p)) return problem;
         }
         return std::nullopt;
      default: return std::nullopt;
   }
}

nlohmann::ordered_json to_json(const Value& v, const lang::Program& p)
{
   switch (v.kind) {
      case ValueKind::none: return nullptr;
      case ValueKind::bool_: return v.flag;
      case ValueKind::int_: return v.integer;
      case ValueKind::decimal: return v.number.to_exact_string().value_or(v.number.describe());
      case ValueKind::money: return v.number.to_fixed(2).value_or(v.number.describe());
      case ValueKind::date: return v.as_date().to_string();
      case ValueKind::duration: return duration_text(v);
      case ValueKind::text: return *v.str;
      case ValueKind::enum_: return p.enums[v.id].variants[static_cast<std::size_t>(v.integer)];
      case ValueKind::list: {
         auto a = nlohmann::ordered_json::array();
         for (const auto& item : *v.items) a.push_back(to_json(item, p));
         return a;
      }
      case ValueKind::record: {
         const auto& rec = p.records[v.id];
         nlohmann::ordered_json o = nlohmann::ordered_json::object();
         for (std::size_t i = 0; i < rec.field_names.size(); ++i) o[rec.field_names[i]] = to_json((*v.items)[i], p);
         return o;
      }
   }
   return nullptr;
}

void append_json_string(std::string& out, std::string_view text)
{
   // As the JSON library writes a string: UTF-8 kept as it is, quotes, backslashes and control
   // characters escaped. Bytes that are not UTF-8 go through the library, which replaces them.
   bool ascii = true, plain = true;
   for (const char c : text) {
      const auto u = static_cast<unsigned char>(c);
      ascii &= u < 0x80;
      plain &= u >= 0x20 && c != '"' && c != '\\';
   }
   if (!ascii && lang::invalid_utf8(text)) {
      out += dump_json(nlohmann::json(std::string(text)));
      return;
   }
   out += '"';
   if (plain) {
      out += text;
   } else {
      for (const char c : text) {
         switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
               if (static_cast<unsigned char>(c) < 0x20) out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
               else out += c;
         }
      }
   }
   out += '"';
}

std::string json_text(const Value& v, const lang::Program& p)
{
   const auto quoted = [](const std::string& s) {
      std::string out;
      append_json_string(out, s);
      return out;
   };
   switch (v.kind) {
      case ValueKind::none: return "null";
      case ValueKind::bool_: return v.flag ? "true" : "false";
      case ValueKind::int_: return std::to_string(v.integer);
      case ValueKind::decimal: return quoted(v.number.to_exact_string().value_or(v.number.describe()));
      case ValueKind::money: return quoted(v.number.to_fixed(2).value_or(v.number.describe()));
      case ValueKind::date: return quoted(v.as_date().to_string());
      case ValueKind::duration: return quoted(duration_text(v));
      case ValueKind::text: return quoted(*v.str);
      case ValueKind::enum_: return quoted(p.enums[v.id].variants[static_cast<std::size_t>(v.integer)]);
      case ValueKind::list:
      case ValueKind::record: return dump_json(to_json(v, p));
   }
   return "null";
}

std::string describe_expected(const lang::Type& t, const lang::Program& p)
{
   std::string s;
   switch (t.kind) {
      case lang::TypeKind::bool_: s = "true or false"; break;
      case lang::TypeKind::int_: s = "a whole number"; break;
      case lang::TypeKind::decimal: s = "a decimal number, e.g. 11.5, \"11.5\" or \"2.5%\""; break;
      case lang::TypeKind::money: s = "money, e.g. 25000.00, \"25000.00\" or \"£25,000.00\""; break;
      case lang::TypeKind::date: s = "a date, \"YYYY-MM-DD\""; break;
      case lang::TypeKind::text: s = "text"; break;
      case lang::TypeKind::duration: s = fmt::format("a number of {}", lang::unit_name(t.unit)); break;
      case lang::TypeKind::enum_: s = fmt::format("one of {}", fmt::join(p.enums[t.id].variants, ", ")); break;
      case lang::TypeKind::record: s = fmt::format("an object with {}", fmt::join(p.records[t.id].field_names, ", ")); break;
      case lang::TypeKind::list: s = fmt::format("a list of {}", t.element ? describe_expected(*t.element, p) : std::string("values")); break;
      default: s = t.to_string(); break;
   }
   if (t.optional) s += ", or null";
   return s;
}

}  // namespace pol::interp
