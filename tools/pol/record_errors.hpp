// The errors of a JSONL or CSV record that cannot be evaluated as it stands, shared by pol batch
// and pol serve's batch endpoint so that both answer a bad line in the same words.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.hpp"

namespace pol::cli {

inline std::string error_json(const char* code, const std::string& message) { return dump_json(nlohmann::ordered_json{{"code", code}, {"message", message}}); }

inline const std::string lone_cr_message = "the record has a carriage return (CR) that does not end a line: save the input with LF or CR LF line ends";

inline bool blank(std::string_view text) { return text.find_first_not_of(" \t") == std::string_view::npos; }

// The error for a record that cannot be evaluated as it stands, if any; `jsonl` when records are
// JSON lines (a CR inside a CSV row's quoted field is data).
inline std::optional<std::string> unreadable_record(std::string_view text, bool jsonl, std::size_t max_record)
{
   if (blank(text)) return error_json("R0002", "the line is blank: expected a record of inputs");
   if (text.size() > max_record) {
      return error_json("R0005", fmt::format("the record is longer than {} bytes: is a line end missing? (raise the limit with --max-record)", max_record));
   }
   if (jsonl && text.find('\r') != std::string_view::npos) return error_json("R0006", lone_cr_message);
   return std::nullopt;
}

}  // namespace pol::cli
