#include "json_value.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace pol::interp {

const JsonValue* JsonValue::find(std::string_view key) const
{
   for (const auto& [k, v] : fields) {
      if (k == key) return &v;
   }
   return nullptr;
}

std::string JsonValue::describe() const
{
   switch (kind) {
      case Kind::null: return "null";
      case Kind::boolean: return boolean ? "true" : "false";
      case Kind::number: return text;
      case Kind::string: {
         if (text.size() <= 40) return fmt::format("\"{}\"", text);
         std::size_t cut = 40;  // not inside a character
         while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
         return fmt::format("\"{}…\"", text.substr(0, cut));
      }
      case Kind::array: return "a list";
      case Kind::object: return "an object";
   }
   return "a value";
}

namespace {

// Builds JsonValues from nlohmann's SAX events, which hand over each number's text.
class Builder : public nlohmann::json_sax<nlohmann::json> {
public:
   JsonValue root;
   std::string error;

   bool null() override { return put(JsonValue{}); }
   bool boolean(bool b) override
   {
      JsonValue v;
      v.kind = JsonValue::Kind::boolean;
      v.boolean = b;
      return put(std::move(v));
   }
   bool number_integer(number_integer_t n) override { return number(std::to_string(n)); }
   bool number_unsigned(number_unsigned_t n) override { return number(std::to_string(n)); }
   bool number_float(number_float_t, const string_t& s) override { return number(s); }
   bool string(string_t& s) override
   {
      JsonValue v;
      v.kind = JsonValue::Kind::string;
      v.text = std::move(s);
      return put(std::move(v));
   }
   bool binary(binary_t&) override { return false; }
   bool start_object(std::size_t) override
   {
      JsonValue v;
      v.kind = JsonValue::Kind::object;
      return open(std::move(v));
   }
   bool key(string_t& k) override
   {
      keys_.push_back(std::move(k));
      return true;
   }
   bool end_object() override { return close(); }
   bool start_array(std::size_t) override
   {
      JsonValue v;
      v.kind = JsonValue::Kind::array;
      return open(std::move(v));
   }
   bool end_array() override { return close(); }
   bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& ex) override
   {
      std::string what = ex.what();
      if (auto p = what.find("syntax error"); p != std::string::npos) what = what.substr(p);
      // the message quotes the input, which may break off inside a character: keep it ASCII
      for (char& c : what) {
         if (static_cast<unsigned char>(c) >= 0x80) c = '?';
      }
      error = fmt::format("invalid JSON at byte {}: {}", position, what);
      return false;
   }

private:
   bool number(const std::string& s)
   {
      JsonValue v;
      v.kind = JsonValue::Kind::number;
      v.text = s;
      return put(std::move(v));
   }
   bool put(JsonValue v)
   {
      if (stack_.empty()) {
         root = std::move(v);
         return true;
      }
      JsonValue& top = stack_.back();
      if (top.kind == JsonValue::Kind::array) {
         top.items.push_back(std::move(v));
      } else {
         top.fields.emplace_back(std::move(keys_.back()), std::move(v));
         keys_.pop_back();
      }
      return true;
   }
   bool open(JsonValue v)
   {
      if (stack_.size() > 200) {
         error = "the JSON nests more than 200 levels deep";
         return false;
      }
      stack_.push_back(std::move(v));
      return true;
   }
   bool close()
   {
      JsonValue v = std::move(stack_.back());
      stack_.pop_back();
      return put(std::move(v));
   }

   std::vector<JsonValue> stack_;
   std::vector<std::string> keys_;
};

}  // namespace

// The fast path for the records batch evaluation reads: objects, arrays, plain strings and
// numbers. Each number keeps its exact text. Anything else (escapes, odd forms) and every error
// goes to the general reader, so both accept the same documents.
class FastReader {
public:
   explicit FastReader(std::string_view text) : p_(text.data()), end_(text.data() + text.size()) {}

   bool read(JsonValue& out)
   {
      if (!value(out, 0)) return false;
      skip_space();
      return p_ == end_;
   }

private:
   void skip_space()
   {
      while (p_ < end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) ++p_;
   }
   bool literal(std::string_view word)
   {
      if (static_cast<std::size_t>(end_ - p_) < word.size() || std::string_view(p_, word.size()) != word) return false;
      p_ += word.size();
      return true;
   }
   bool string(std::string& out)
   {
      const char* start = ++p_;  // after the opening quote
      while (p_ < end_ && *p_ != '"') {
         // escapes, control characters and non-ASCII text (which must be checked as UTF-8): the general reader
         if (*p_ == '\\' || static_cast<unsigned char>(*p_) < 0x20 || static_cast<unsigned char>(*p_) >= 0x80) return false;
         ++p_;
      }
      if (p_ == end_) return false;
      out.assign(start, p_);
      ++p_;
      return true;
   }
   bool number(JsonValue& out)
   {
      const char* start = p_;
      if (p_ < end_ && *p_ == '-') ++p_;
      if (p_ == end_ || *p_ < '0' || *p_ > '9') return false;
      if (*p_ == '0') ++p_;
      else
         while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
      if (p_ < end_ && *p_ == '.') {
         ++p_;
         if (p_ == end_ || *p_ < '0' || *p_ > '9') return false;
         while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
      }
      if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
         ++p_;
         if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
         if (p_ == end_ || *p_ < '0' || *p_ > '9') return false;
         while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
      }
      out.kind = JsonValue::Kind::number;
      out.text.assign(start, p_);
      return true;
   }
   bool value(JsonValue& out, int depth)
   {
      if (depth > 200) return false;
      skip_space();
      if (p_ == end_) return false;
      switch (*p_) {
         case '{': {
            ++p_;
            out.kind = JsonValue::Kind::object;
            skip_space();
            if (p_ < end_ && *p_ == '}') {
               ++p_;
               return true;
            }
            for (;;) {
               skip_space();
               if (p_ == end_ || *p_ != '"') return false;
               out.fields.emplace_back();
               if (!string(out.fields.back().first)) return false;
               skip_space();
               if (p_ == end_ || *p_ != ':') return false;
               ++p_;
               if (!value(out.fields.back().second, depth + 1)) return false;
               skip_space();
               if (p_ < end_ && *p_ == ',') {
                  ++p_;
                  continue;
               }
               if (p_ < end_ && *p_ == '}') {
                  ++p_;
                  return true;
               }
               return false;
            }
         }
         case '[': {
            ++p_;
            out.kind = JsonValue::Kind::array;
            skip_space();
            if (p_ < end_ && *p_ == ']') {
               ++p_;
               return true;
            }
            for (;;) {
               out.items.emplace_back();
               if (!value(out.items.back(), depth + 1)) return false;
               skip_space();
               if (p_ < end_ && *p_ == ',') {
                  ++p_;
                  continue;
               }
               if (p_ < end_ && *p_ == ']') {
                  ++p_;
                  return true;
               }
               return false;
            }
         }
         case '"':
            out.kind = JsonValue::Kind::string;
            return string(out.text);
         case 't':
            out.kind = JsonValue::Kind::boolean;
            out.boolean = true;
            return literal("true");
         case 'f':
            out.kind = JsonValue::Kind::boolean;
            return literal("false");
         case 'n':
            out.kind = JsonValue::Kind::null;
            return literal("null");
         default: return number(out);
      }
   }

   const char* p_;
   const char* end_;
};

JsonParseResult parse_json(std::string_view text)
{
   JsonParseResult result;
   // nlohmann reads a NUL byte as the end of the text ("9\0…" as 9): no JSON holds one raw
   if (const auto nul = text.find('\0'); nul != std::string_view::npos) {
      result.error = fmt::format("invalid JSON at byte {}: a NUL byte", nul + 1);
      return result;
   }
   if (FastReader(text).read(result.value)) return result;
   // anything unusual, and every error, goes through the general reader, which explains errors well
   Builder b;
   const bool ok = nlohmann::json::sax_parse(text.begin(), text.end(), &b, nlohmann::json::input_format_t::json, true);
   if (!ok && b.error.empty()) b.error = "invalid JSON";
   return {std::move(b.root), ok ? std::string() : b.error};
}

}  // namespace pol::interp

namespace pol::interp {

std::string write_json(const JsonValue& v, int indent, int depth)
{
   const std::string pad(static_cast<std::size_t>(indent * (depth + 1)), ' ');
   const std::string close_pad(static_cast<std::size_t>(indent * depth), ' ');
   switch (v.kind) {
      case JsonValue::Kind::null: return "null";
      case JsonValue::Kind::boolean: return v.boolean ? "true" : "false";
      case JsonValue::Kind::number: return v.text;
      case JsonValue::Kind::string: return dump_json(nlohmann::json(v.text));
      case JsonValue::Kind::array: {
         if (v.items.empty()) return "[]";
         std::string out = "[\n";
         for (std::size_t i = 0; i < v.items.size(); ++i) out += pad + write_json(v.items[i], indent, depth + 1) + (i + 1 < v.items.size() ? ",\n" : "\n");
         return out + close_pad + "]";
      }
      case JsonValue::Kind::object: {
         if (v.fields.empty()) return "{}";
         std::string out = "{\n";
         for (std::size_t i = 0; i < v.fields.size(); ++i) {
            out += pad + dump_json(nlohmann::json(v.fields[i].first)) + ": " + write_json(v.fields[i].second, indent, depth + 1) + (i + 1 < v.fields.size() ? ",\n" : "\n");
         }
         return out + close_pad + "}";
      }
   }
   return "null";
}

JsonValue from_nlohmann(const nlohmann::ordered_json& j)
{
   JsonValue v;
   if (j.is_null()) return v;
   if (j.is_boolean()) {
      v.kind = JsonValue::Kind::boolean;
      v.boolean = j.get<bool>();
   } else if (j.is_number()) {
      v.kind = JsonValue::Kind::number;
      v.text = dump_json(j);
   } else if (j.is_string()) {
      v.kind = JsonValue::Kind::string;
      v.text = j.get<std::string>();
   } else if (j.is_array()) {
      v.kind = JsonValue::Kind::array;
      for (const auto& item : j) v.items.push_back(from_nlohmann(item));
   } else {
      v.kind = JsonValue::Kind::object;
      for (const auto& [key, value] : j.items()) v.fields.emplace_back(key, from_nlohmann(value));
   }
   return v;
}

}  // namespace pol::interp
