// Values as text for people (messages, interpolation) and as JSON for tools.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "program.hpp"
#include "value.hpp"

namespace pol::interp {

// "£25,000.00", "0.5", "2024-06-30", "VR", "60 months"
std::string format_value(const Value& v, const lang::Program& p);
// Why a value cannot be written exactly as output ("not a whole number of pence"), if so.
std::optional<std::string> unrepresentable(const Value& v, const lang::Program& p);
// The JSON form: money "25000.00", decimals as exact strings, dates "YYYY-MM-DD", enums by name.
nlohmann::ordered_json to_json(const Value& v, const lang::Program& p);
// The same JSON form, written straight to text (no intermediate JSON objects).
std::string json_text(const Value& v, const lang::Program& p);
// Appends text as a JSON string, quoted, escaped as the JSON library escapes it.
void append_json_string(std::string& out, std::string_view text);
// What an input of this type should look like, for error messages.
std::string describe_expected(const lang::Type& t, const lang::Program& p);
// JSON text for any document: bytes that are not UTF-8 (which inputs and policies are checked
// for, but may still reach a message) become U+FFFD instead of throwing.
template <class Json>
std::string dump_json(const Json& j, int indent = -1)
{
   return j.dump(indent, ' ', false, Json::error_handler_t::replace);
}

}  // namespace pol::interp
