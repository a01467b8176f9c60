// Reading input values from JSON by their declared types, and the errors found at run time.
// Numbers are read from their text, so "0.1" is exactly one tenth; every error names the field
// and what was expected.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "json_value.hpp"
#include "program.hpp"
#include "value.hpp"

namespace pol::interp {

struct RuntimeError {
   std::string code;     // e.g. "R0201"
   std::string message;  // what went wrong
   lang::Span span{static_cast<std::uint32_t>(-1), 0, 0};  // where in the policy, if anywhere
   std::string field;    // the input field it concerns, if any
   std::string help;
   std::vector<std::string> trace;  // the chain of values that led here, innermost first
   bool has_span() const { return span.file != static_cast<std::uint32_t>(-1); }
};

// The error for an input or field given twice (R0105), which of the two being meant unknown.
RuntimeError given_twice(const std::string& field);

// The inputs of a JSON object, one per input slot (none where given but wrong, empty where absent).
std::vector<std::optional<Value>> decode_inputs(const lang::Program& program, const JsonValue& input, std::vector<RuntimeError>& errors);
// One input value by its declared type; errors name the field.
std::optional<Value> decode_input(const lang::Program& program, const JsonValue& json, const lang::Type& type, const std::string& field, std::vector<RuntimeError>& errors);
// An input number's text, as a value of kind int, decimal, money or duration: "-£1,234.56" for
// money, "2.5%" for decimals; nullopt when it is not one, with `why` (" (…)") when there is more to say.
std::optional<Decimal> read_number(std::string_view text, lang::TypeKind kind, std::string& why);

}  // namespace pol::interp
