#include "text.hpp"

#include <algorithm>

namespace pol::lsp {

namespace {

bool name_first(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool name_other(char c) { return name_first(c) || (c >= '0' && c <= '9'); }

// UTF-16 code units of the UTF-8 text: 2 for a 4-byte sequence, 1 for any other character.
unsigned utf16_units(std::string_view s)
{
   unsigned n = 0;
   for (std::size_t i = 0; i < s.size(); ++i) {
      const auto c = static_cast<unsigned char>(s[i]);
      if ((c & 0xC0) == 0x80) continue;  // a continuation byte
      n += c >= 0xF0 ? 2 : 1;
   }
   return n;
}

}  // namespace

const std::vector<std::string_view>& keywords()
{
   static const std::vector<std::string_view> words{"policy", "title", "version", "source", "import", "as", "enum", "record", "input", "requires", "param", "from",
                                                    "let", "fn", "output", "require", "rule", "default", "exception", "to", "when", "table", "hit", "unique",
                                                    "first", "any", "priority", "collect", "order", "test", "given", "expect", "violation", "error", "if",
                                                    "then", "else", "and", "or", "not", "in", "of", "true", "false", "none", "list", "int", "decimal",
                                                    "money", "date", "text", "bool"};
   return words;
}

bool is_keyword(std::string_view word)
{
   static const std::vector<std::string_view> reserved{"policy", "import", "enum", "record", "input", "param", "let", "fn", "output", "require", "rule", "table",
                                                       "test", "as", "of", "requires", "default", "exception", "when", "from", "if", "then", "else", "and",
                                                       "or", "not", "in", "true", "false", "none", "source"};
   return std::find(reserved.begin(), reserved.end(), word) != reserved.end();
}

Text::Text(std::string text) : text_(std::move(text))
{
   starts_.push_back(0);
   for (std::size_t i = 0; i < text_.size(); ++i) {
      if (text_[i] == '\n') starts_.push_back(i + 1);
   }
   // names, outside comments and text; {…} inside text is an expression again
   bool in_text = false;
   int braces = 0;  // open {…} inside text
   for (std::size_t i = 0; i < text_.size();) {
      const char c = text_[i];
      if (in_text && braces == 0) {
         if (c == '\\') i += 2;
         else if (c == '"' || c == '\n') in_text = false, ++i;
         else if (c == '{') braces = 1, ++i;
         else ++i;
         continue;
      }
      if (c == '#' && !in_text) {
         while (i < text_.size() && text_[i] != '\n') ++i;
         continue;
      }
      if (c == '"' && !in_text) {
         in_text = true;
         ++i;
         continue;
      }
      if (in_text && c == '}') {
         braces = 0;
         ++i;
         continue;
      }
      if (name_first(c) && (i == 0 || !name_other(text_[i - 1]))) {
         std::size_t end = i;
         while (end < text_.size() && name_other(text_[end])) ++end;
         names_.push_back({text_.substr(i, end - i), i, i > 0 && text_[i - 1] == '.'});
         i = end;
         continue;
      }
      ++i;
   }
}

std::string_view Text::line(unsigned n) const
{
   if (n >= starts_.size()) return {};
   const std::size_t end = n + 1 < starts_.size() ? starts_[n + 1] - 1 : text_.size();
   std::string_view l(text_.data() + starts_[n], end - starts_[n]);
   if (l.ends_with('\r')) l.remove_suffix(1);
   return l;
}

std::size_t Text::offset(Position p) const
{
   if (p.line >= starts_.size()) return text_.size();
   const std::string_view l = line(p.line);
   unsigned units = 0;
   std::size_t i = 0;
   while (i < l.size() && units < p.character) {
      const auto c = static_cast<unsigned char>(l[i]);
      std::size_t len = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
      units += c >= 0xF0 ? 2 : 1;
      i += std::min(len, l.size() - i);
   }
   return starts_[p.line] + i;
}

Position Text::position(std::size_t offset) const
{
   offset = std::min(offset, text_.size());
   const auto it = std::upper_bound(starts_.begin(), starts_.end(), offset);
   const auto line = static_cast<unsigned>(it - starts_.begin() - 1);
   return {line, utf16_units(std::string_view(text_).substr(starts_[line], offset - starts_[line]))};
}

Position Text::at(unsigned line, unsigned column) const
{
   if (line == 0 || line > starts_.size()) return {};
   return position(starts_[line - 1] + std::min<std::size_t>(column ? column - 1 : 0, this->line(line - 1).size()));
}

const Occurrence* Text::name_at(Position p) const
{
   const std::size_t at = offset(p);
   for (const auto& o : names_) {
      if (o.offset <= at && at <= o.offset + o.name.size()) return &o;
      if (o.offset > at) break;
   }
   return nullptr;
}

}  // namespace pol::lsp
