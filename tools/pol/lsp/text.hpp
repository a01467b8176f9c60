// Positions in a policy's text as the Language Server Protocol counts them (lines from 0, columns
// in UTF-16 code units), and the names written in it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace pol::lsp {

struct Position {
   unsigned line = 0, character = 0;  // LSP: from 0, UTF-16 code units
};

struct Range {
   Position start, end;
};

// A name as written in the text, outside comments and text (but inside {…} in text).
struct Occurrence {
   std::string name;
   std::size_t offset = 0;  // bytes from the start of the text
   bool qualified = false;  // after a '.': a field or a module's name
};

class Text {
public:
   explicit Text(std::string text);
   const std::string& str() const { return text_; }
   std::size_t lines() const { return starts_.size(); }
   std::string_view line(unsigned n) const;
   // Byte offset of an LSP position (clamped to its line), and back.
   std::size_t offset(Position p) const;
   Position position(std::size_t offset) const;
   // The position of pol's line and column (both from 1, the column in bytes).
   Position at(unsigned line, unsigned column) const;
   // The name the position is on or just after, if any.
   const Occurrence* name_at(Position p) const;
   const std::vector<Occurrence>& names() const { return names_; }
   Range range_of(const Occurrence& o) const { return {position(o.offset), position(o.offset + o.name.size())}; }
   // The whole text, for an edit that replaces it.
   Range all() const { return {{0, 0}, position(text_.size())}; }

private:
   std::string text_;
   std::vector<std::size_t> starts_;  // byte offset of each line
   std::vector<Occurrence> names_;
};

bool is_keyword(std::string_view word);
const std::vector<std::string_view>& keywords();

}  // namespace pol::lsp
