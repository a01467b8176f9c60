// JSON Schemas (draft 2020-12) of a policy's input object and of its result, from its checked
// types: what an HR system may send, and what it gets back.
#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ast.hpp"
#include "internal.hpp"

namespace pol {

namespace {

using Json = nlohmann::ordered_json;

// Number text as pol reads it for an input (interp::read_number): a minus sign first, digits with
// an optional point, an exponent; for money one "£" and commas between thousands; for decimals a
// final "%". Every text these patterns accept is read; pol also takes a few rarer forms.
const char* const int_text = "^-?[0-9]+$";
const char* const decimal_text = "^-?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]{1,4})?%?$";
const char* const duration_text = "^-?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]{1,4})?$";
const char* const money_text = "^-?£?(([0-9]{1,3}(,[0-9]{3})+|[0-9]+)(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]{1,4})?$";
const char* const date_text = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$";

// How results write numbers (Result::json): money in pence, decimals exactly, durations with
// their unit.
const char* const money_result = "^-?[0-9]+\\.[0-9]{2}$";
const char* const decimal_result = "^-?[0-9]+(\\.[0-9]+)?$";
const char* const duration_result = "^-?[0-9]+(\\.[0-9]+)? (years|months|days|hours)$";

enum class Side { input, result };

class SchemaWriter {
public:
   explicit SchemaWriter(const lang::Program& p) : p_(p) {}

   Json input()
   {
      Json properties = Json::object();
      Json required = Json::array();
      for (const auto slot : p_.inputs) {
         const auto& g = p_.globals[slot];
         const auto& decl = p_.input_decl(g);
         Json s = type(g.type, Side::input);
         std::vector<std::string> notes;
         if (auto text = comments_before(decl.span); !text.empty()) notes.push_back(std::move(text));
         if (decl.source.present()) notes.push_back(fmt::format("source: {}", decl.source.text));
         if (decl.default_value) {
            if (auto value = literal(*decl.default_value)) s["default"] = *value;
            else notes.push_back(fmt::format("default: {}", text_of(decl.default_value->span)));
         }
         if (decl.requires_) {
            bounds(*decl.requires_, g.name, g.type, s);
            notes.push_back(fmt::format("requires {}", text_of(decl.requires_->span)));
         }
         if (s.contains("description")) notes.push_back(s["description"].get<std::string>());
         if (!notes.empty()) s["description"] = fmt::format("{}", fmt::join(notes, "\n"));
         properties[g.name] = std::move(s);
         if (!g.type.optional && !decl.default_value) required.push_back(g.name);
      }
      return Json{{"type", "object"}, {"properties", std::move(properties)}, {"required", std::move(required)}, {"additionalProperties", false}};
   }

   Json result()
   {
      Json properties = Json::object();
      Json required = Json::array();
      for (const auto slot : p_.outputs) {
         const auto& g = p_.globals[slot];
         Json s = type(g.type, Side::result);
         if (auto text = comments_before(p_.output_decl(g).span); !text.empty()) s["description"] = text;
         properties[g.name] = std::move(s);
         required.push_back(g.name);
      }
      const Json violation{{"type", "object"},
                           {"properties", {{"rule", {{"type", "string"}, {"description", "the condition that does not hold, as written"}}},
                                           {"message", {{"type", "string"}}},
                                           {"source", {{"type", {"string", "null"}}}}}},
                           {"required", {"rule", "message", "source"}}};
      return Json{{"type", "object"},
                  {"properties",
                   {{"outputs", {{"type", "object"}, {"properties", std::move(properties)}, {"required", std::move(required)}, {"additionalProperties", false}}},
                    {"violations", {{"type", "array"}, {"items", violation}}},
                    {"explanation", {{"type", "array"}, {"description", "with --explain: how each value was decided (docs/explain-format.md)"}}}}},
                  {"required", {"outputs", "violations"}}};
   }

   // The enums and records the schemas name, under $defs.
   Json& defs() { return defs_; }

private:
   Json type(const lang::Type& t, Side side)
   {
      Json s = plain_type(t, side);
      if (!t.optional) return s;
      return Json{{"anyOf", {std::move(s), {{"type", "null"}}}}};
   }

   Json plain_type(const lang::Type& t, Side side)
   {
      const bool in = side == Side::input;
      switch (t.kind) {
         case lang::TypeKind::bool_: return {{"type", "boolean"}};
         case lang::TypeKind::int_: {
            Json s{{"type", in ? Json{"integer", "string"} : Json("integer")}, {"minimum", INT64_MIN}, {"maximum", INT64_MAX}};
            if (in) s["pattern"] = int_text;
            return s;
         }
         case lang::TypeKind::decimal:
            if (in) return {{"type", {"number", "string"}}, {"pattern", decimal_text}, {"description", "exact: a JSON number or its text; \"23%\" is 0.23"}};
            return {{"type", "string"}, {"pattern", decimal_result}};
         case lang::TypeKind::money:
            if (in) return {{"type", {"number", "string"}}, {"pattern", money_text}, {"description", "exact: a JSON number or its text, as 25000.00, \"£25,000.00\""}};
            return {{"type", "string"}, {"pattern", money_result}};
         case lang::TypeKind::duration:
            if (in) return {{"type", {"number", "string"}}, {"pattern", duration_text}, {"description", fmt::format("a number of {}", unit_name(t.unit))}};
            return {{"type", "string"}, {"pattern", duration_result}};
         case lang::TypeKind::date: return {{"type", "string"}, {"format", "date"}, {"pattern", date_text}};
         case lang::TypeKind::text: return {{"type", "string"}};
         case lang::TypeKind::enum_: return {{"$ref", enum_def(t.id, side)}};
         case lang::TypeKind::record: return {{"$ref", record_def(t.id, side)}};
         case lang::TypeKind::list: return {{"type", "array"}, {"items", type(*t.element, side)}};
         default: return Json::object();  // not an input or output type
      }
   }

   static const char* unit_name(lang::DurationUnit u)
   {
      switch (u) {
         case lang::DurationUnit::months: return "months";
         case lang::DurationUnit::days: return "days";
         case lang::DurationUnit::hours: return "hours";
      }
      return "days";
   }

   // An enum: by name, or on input also by label. Results give the name.
   std::string enum_def(std::int32_t id, Side side)
   {
      const auto& e = p_.enums[static_cast<std::size_t>(id)];
      const std::string name = side == Side::input ? e.name : e.name + ".result";
      if (!defs_.contains(name)) {
         Json choices = Json::array();
         for (std::size_t v = 0; v < e.variants.size(); ++v) {
            Json c{{"const", e.variants[v]}};
            if (e.labels[v] != e.variants[v] && !e.labels[v].empty()) c["title"] = e.labels[v];
            choices.push_back(std::move(c));
         }
         if (side == Side::input) {
            for (std::size_t v = 0; v < e.variants.size(); ++v) {
               if (e.labels[v] != e.variants[v] && !e.labels[v].empty()) choices.push_back({{"const", e.labels[v]}, {"title", fmt::format("the label of {}", e.variants[v])}});
            }
         }
         defs_[name] = {{"title", e.name}, {"anyOf", std::move(choices)}};
      }
      return "#/$defs/" + name;
   }

   std::string record_def(std::int32_t id, Side side)
   {
      const auto& r = p_.records[static_cast<std::size_t>(id)];
      const std::string name = side == Side::input ? r.name : r.name + ".result";
      if (!defs_.contains(name)) {
         defs_[name] = Json::object();  // a record that holds itself through a list stops here
         Json properties = Json::object();
         Json required = Json::array();
         for (std::size_t f = 0; f < r.field_names.size(); ++f) {
            properties[r.field_names[f]] = type(r.field_types[f], side);
            // on input an optional field may be left out; a result gives every field
            if (side == Side::result || !r.field_types[f].optional) required.push_back(r.field_names[f]);
         }
         defs_[name] = {{"title", r.name}, {"type", "object"}, {"properties", std::move(properties)}, {"required", std::move(required)}, {"additionalProperties", false}};
      }
      return "#/$defs/" + name;
   }

   std::string text_of(lang::Span span) const { return std::string(p_.sources.file(span.file).slice(span)); }

   std::string comments_before(lang::Span span) const { return pol::comments_before(p_, span); }

   // A default written as a literal, as the JSON an input would give it.
   std::optional<Json> literal(const lang::Expr& e) const
   {
      using K = lang::ExprKind;
      switch (e.kind) {
         case K::int_lit: {
            Json n = Json::parse(e.text, nullptr, false);
            return n.is_number_integer() ? std::optional(std::move(n)) : std::nullopt;
         }
         case K::decimal_lit:
         case K::money_lit: return Json(e.text);
         case K::percent_lit: return Json(e.text + "%");
         case K::bool_lit: return Json(e.text == "true");
         case K::none_lit: return Json(nullptr);
         case K::date_lit: return Json(fmt::format("{:04}-{:02}-{:02}", e.date.year, e.date.month, e.date.day));
         case K::text_lit: {
            if (!e.args.empty()) return std::nullopt;
            std::string text;
            for (const auto& part : e.parts) text += part.chunk;
            return Json(text);
         }
         case K::name:
         case K::field:
            if (e.ref.kind == lang::RefKind::enum_variant || (e.type.kind == lang::TypeKind::enum_ && e.kind == K::field)) {
               const auto& variants = p_.enums[static_cast<std::size_t>(e.type.id)].variants;
               if (std::find(variants.begin(), variants.end(), e.text) != variants.end()) return Json(e.text);
            }
            return std::nullopt;
         case K::list: {
            Json items = Json::array();
            for (const auto& a : e.args) {
               auto item = literal(*a);
               if (!item) return std::nullopt;
               items.push_back(std::move(*item));
            }
            return items;
         }
         default: return std::nullopt;
      }
   }

   // Simple bounds from `requires`: comparisons of the input with a literal number, joined by
   // `and`. They constrain JSON numbers (text forms are checked by pol).
   void bounds(const lang::Expr& e, const std::string& input, const lang::Type& t, Json& s) const
   {
      using K = lang::ExprKind;
      if (e.kind == K::binary && e.op == lang::BinaryOp::and_) {
         bounds(*e.args[0], input, t, s);
         bounds(*e.args[1], input, t, s);
         return;
      }
      if (e.kind != K::compare || e.args.size() != 2) return;
      const lang::Expr& left = *e.args[0];
      const lang::Expr& right = *e.args[1];
      const auto number = [](const lang::Expr& x) -> std::optional<Json> {
         if (x.kind != K::int_lit && x.kind != K::decimal_lit && x.kind != K::money_lit) return std::nullopt;
         auto j = Json::parse(x.text, nullptr, false);
         if (j.is_discarded() || !j.is_number()) return std::nullopt;
         return j;
      };
      const bool named_left = left.kind == K::name && left.text == input;
      const bool named_right = right.kind == K::name && right.text == input;
      auto op = e.compare_ops[0];
      std::optional<Json> value;
      if (named_left) value = number(right);
      else if (named_right) {
         value = number(left);
         // `0 <= x` is `x >= 0`
         using C = lang::CompareOp;
         op = op == C::lt ? C::gt : op == C::le ? C::ge : op == C::gt ? C::lt : op == C::ge ? C::le : op;
      }
      if (!value || t.kind == lang::TypeKind::enum_) return;
      switch (op) {
         case lang::CompareOp::ge: s["minimum"] = *value; break;
         case lang::CompareOp::gt: s["exclusiveMinimum"] = *value; break;
         case lang::CompareOp::le: s["maximum"] = *value; break;
         case lang::CompareOp::lt: s["exclusiveMaximum"] = *value; break;
         default: break;
      }
   }

   const lang::Program& p_;
   Json defs_ = Json::object();
};

}  // namespace

std::string comments_before(const lang::Program& p, lang::Span span)
{
   const auto& file = p.sources.file(span.file);
   std::vector<std::string> lines;
   for (auto line = file.line_col(span.begin).line; line > 1; --line) {
      std::string_view text = file.line_text(line - 1);
      while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
      if (!text.starts_with('#')) break;
      text.remove_prefix(1);
      if (text.starts_with(' ')) text.remove_prefix(1);
      lines.emplace_back(text);
   }
   std::reverse(lines.begin(), lines.end());
   return fmt::format("{}", fmt::join(lines, "\n"));
}

std::string Policy::schema_json(SchemaPart part) const
{
   const auto& p = impl_->program();
   SchemaWriter writer(p);
   Json chosen = part == SchemaPart::input ? writer.input() : writer.result();
   const auto& header = p.main().header;
   std::string title;
   for (const auto& m : header.meta) {
      if (m.key == "title") title = m.value;
   }
   Json schema{{"$schema", "https://json-schema.org/draft/2020-12/schema"}, {"$id", fmt::format("urn:pol:policy:{}:{}", header.name, part == SchemaPart::input ? "input" : "result")}};
   schema["title"] = fmt::format("{} of {}", part == SchemaPart::input ? "The input" : "The result", title.empty() ? header.name : title);
   if (header.source.present()) schema["description"] = fmt::format("source: {}", header.source.text);
   for (auto& [key, value] : chosen.items()) schema[key] = std::move(value);
   Json& defs = writer.defs();
   if (!defs.empty()) schema["$defs"] = std::move(defs);
   return schema.dump(2);
}

}  // namespace pol
