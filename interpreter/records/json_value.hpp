// A JSON document that keeps every number as its exact source text, so money and decimals
// are read without passing through a double.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "format.hpp"  // dump_json

namespace pol::interp {

struct JsonValue {
   enum class Kind : std::uint8_t { null, boolean, number, string, array, object };
   Kind kind = Kind::null;
   bool boolean = false;
   std::string text;  // a number's source text, or a string's value
   std::vector<JsonValue> items;
   std::vector<std::pair<std::string, JsonValue>> fields;

   // Declared here and defaulted below, once the type is complete: clang cannot instantiate
   // the destructors of the vectors of it while it is still being defined.
   JsonValue();
   JsonValue(const JsonValue&);
   JsonValue(JsonValue&&) noexcept;
   JsonValue& operator=(const JsonValue&);
   JsonValue& operator=(JsonValue&&) noexcept;
   ~JsonValue();

   const JsonValue* find(std::string_view key) const;
   std::string describe() const;  // for messages: true, 12.5, "text", a list, an object
};

inline JsonValue::JsonValue() = default;
inline JsonValue::JsonValue(const JsonValue&) = default;
inline JsonValue::JsonValue(JsonValue&&) noexcept = default;
inline JsonValue& JsonValue::operator=(const JsonValue&) = default;
inline JsonValue& JsonValue::operator=(JsonValue&&) noexcept = default;
inline JsonValue::~JsonValue() = default;

struct JsonParseResult {
   JsonValue value;
   std::string error;  // empty on success
   bool ok() const { return error.empty(); }
};

JsonParseResult parse_json(std::string_view text);

}  // namespace pol::interp

namespace pol::interp {

// Writes a JsonValue back as JSON text, numbers exactly as they were read.
std::string write_json(const JsonValue& v, int indent = 2, int depth = 0);
// Converts nlohmann JSON (as produced for outputs) into a JsonValue.
JsonValue from_nlohmann(const nlohmann::ordered_json& j);

}  // namespace pol::interp
