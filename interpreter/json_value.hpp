// A JSON document that keeps every number as its exact source text, so money and decimals
// are read without passing through a double.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pol::interp {

struct JsonValue {
   enum class Kind : std::uint8_t { null, boolean, number, string, array, object };
   Kind kind = Kind::null;
   bool boolean = false;
   std::string text;  // a number's source text, or a string's value
   std::vector<JsonValue> items;
   std::vector<std::pair<std::string, JsonValue>> fields;

   const JsonValue* find(std::string_view key) const;
   std::string describe() const;  // for messages: true, 12.5, "text", a list, an object
};

struct JsonParseResult {
   JsonValue value;
   std::string error;  // empty on success
   bool ok() const { return error.empty(); }
};

JsonParseResult parse_json(std::string_view text);

}  // namespace pol::interp
