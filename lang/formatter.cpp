#include "formatter.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

namespace pol::lang {

namespace {

enum class Kind : std::uint8_t { word, number, text, comment, punct };

struct Token {
   Kind kind;
   std::string text;
};

// One line of the layout: its tokens (a comment, if any, last) and whether blank lines stood above.
struct Line {
   std::vector<Token> tokens;
   bool blank_before = false;
   std::size_t indent = 0;
   bool has_code() const { return !tokens.empty() && tokens.front().kind != Kind::comment; }
   bool has_comment() const { return !tokens.empty() && tokens.back().kind == Kind::comment; }
   std::size_t code_size() const { return tokens.size() - (has_comment() ? 1 : 0); }
   bool is_row() const { return has_code() && tokens.front().text == "|"; }
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_name_first(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_name_other(char c) { return is_name_first(c) || is_digit(c); }

// Words the grammar reserves; none of them ends an operand or names a function.
constexpr std::array keywords{"policy", "import", "as",   "of",   "enum",    "record", "input", "param", "let", "fn",     "output",
                              "require", "requires", "test", "table", "rule",  "default", "exception", "when", "from", "if", "then",
                              "else",   "and",  "or",   "not", "in",      "source"};
constexpr std::array declaration_words{"policy", "import", "enum", "record", "input", "param", "let", "fn", "output", "require", "rule", "table", "test"};
// Where a long line may break: before these words and operators, and after a comma.
constexpr std::array break_before{"source", "hit", "requires", "when", "then", "else", "and", "or", "??", "+"};
// Of those, the ones that start a clause: broken off a continuation line, they stand 2 deeper.
constexpr std::array clause_words{"source", "hit", "requires", "when", "and", "or", "??", "+"};
// Clauses aligned into a column on neighbouring lines.
constexpr std::array aligned_clauses{"requires", "source"};

template <std::size_t N>
bool one_of(const std::array<const char*, N>& words, const std::string& s)
{
   return std::any_of(words.begin(), words.end(), [&](const char* w) { return s == w; });
}

bool is_opener(const Token& t) { return t.kind == Kind::punct && (t.text == "(" || t.text == "[" || t.text == "{"); }
bool is_closer(const Token& t) { return t.kind == Kind::punct && (t.text == ")" || t.text == "]" || t.text == "}"); }

// Whether a token can end an operand, so that a '-' after it subtracts rather than negates.
bool ends_operand(const Token& t)
{
   switch (t.kind) {
      case Kind::number:
      case Kind::text: return true;
      case Kind::word: return !one_of(keywords, t.text);
      case Kind::punct: return t.text == ")" || t.text == "]" || t.text == "}";
      case Kind::comment: return false;
   }
   return false;
}

// Columns a text takes: one per character (UTF-8 code point), so '£' and 'é' count once.
std::size_t display_width(std::string_view s)
{
   return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

class Lexer {
public:
   explicit Lexer(std::string_view s) : s_(s) {}

   // Every physical line, with its tokens; \n, \r\n and a lone \r end a line.
   std::vector<std::vector<Token>> lines()
   {
      std::vector<std::vector<Token>> out(1);
      std::size_t i = 0;
      while (i < s_.size()) {
         const char c = s_[i];
         if (c == '\n' || c == '\r') {
            i += (c == '\r' && i + 1 < s_.size() && s_[i + 1] == '\n') ? 2 : 1;
            out.emplace_back();
            continue;
         }
         if (c == ' ' || c == '\t' || c == '\f' || c == '\v') {
            ++i;
            continue;
         }
         const std::size_t start = i;
         Kind kind = Kind::punct;
         if (c == '#') {
            kind = Kind::comment;
            while (i < s_.size() && s_[i] != '\n' && s_[i] != '\r') ++i;
         } else if (c == '"') {
            kind = Kind::text;
            i = text_end(i);
         } else if (is_digit(c)) {
            kind = Kind::number;
            i = number_end(i);
         } else if (s_.substr(i).starts_with("£")) {
            kind = Kind::number;
            i = money_end(i + 2);
         } else if (is_name_first(c)) {
            kind = Kind::word;
            while (i < s_.size() && is_name_other(s_[i])) ++i;
         } else {
            i = punct_end(i);
         }
         std::string text(s_.substr(start, i - start));
         if (kind == Kind::comment) text.erase(text.find_last_not_of(" \t") + 1);
         out.back().push_back({kind, std::move(text)});
      }
      return out;
   }

private:
   // p at an opening quote; past the closing one. Interpolations may hold texts of their own.
   std::size_t text_end(std::size_t p) const
   {
      std::size_t i = p + 1;
      while (i < s_.size()) {
         const char c = s_[i];
         if (c == '\\') i += 2;
         else if (c == '"') return i + 1;
         else if (c == '{') i = interpolation_end(i + 1);
         else if (c == '\n' || c == '\r') return i;
         else ++i;
      }
      return s_.size();
   }

   std::size_t interpolation_end(std::size_t i) const
   {
      int depth = 1;
      while (i < s_.size()) {
         const char c = s_[i];
         if (c == '"') {
            i = text_end(i);
            continue;
         }
         if (c == '{') ++depth;
         if (c == '}' && --depth == 0) return i + 1;
         ++i;
      }
      return i;
   }

   std::size_t digits_end(std::size_t i) const
   {
      while (i < s_.size() && is_digit(s_[i])) ++i;
      return i;
   }

   bool digit_at(std::size_t i) const { return i < s_.size() && is_digit(s_[i]); }

   // A date (2024-06-30), or digits with an optional fraction and '%'.
   std::size_t number_end(std::size_t p) const
   {
      std::size_t i = digits_end(p);
      if (i - p == 4 && s_.size() - i >= 6 && s_[i] == '-' && digit_at(i + 1) && digit_at(i + 2) && s_[i + 3] == '-' && digit_at(i + 4) && digit_at(i + 5)) return i + 6;
      if (i + 1 < s_.size() && s_[i] == '.' && digit_at(i + 1)) i = digits_end(i + 1);
      if (i < s_.size() && s_[i] == '%') ++i;
      return i;
   }

   // Pounds with ',' between groups of three digits, and optional pence.
   std::size_t money_end(std::size_t p) const
   {
      std::size_t i = digits_end(p);
      while (i < s_.size() && s_[i] == ',' && digit_at(i + 1) && digit_at(i + 2) && digit_at(i + 3) && !digit_at(i + 4)) i += 4;
      if (i + 1 < s_.size() && s_[i] == '.' && digit_at(i + 1)) i = digits_end(i + 1);
      return i;
   }

   std::size_t punct_end(std::size_t i) const
   {
      static constexpr std::array pairs{"..", "->", "=>", "??", "==", "!=", "<=", ">="};
      for (const char* p : pairs) {
         if (s_.substr(i).starts_with(p)) return i + 2;
      }
      // one character, however many bytes it takes
      const auto lead = static_cast<unsigned char>(s_[i]);
      const std::size_t n = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
      return std::min(i + n, s_.size());
   }

   std::string_view s_;
};

// Spaces between two tokens on a line: none inside brackets, around '.' and '..', before ',', ':'
// and an optional type's '?', before a call's '(' or after a negating '-'; otherwise one.
std::size_t spaces_between(const Token& a, const Token& b, bool a_negates)
{
   const auto& x = a.text;
   const auto& y = b.text;
   const bool ap = a.kind == Kind::punct, bp = b.kind == Kind::punct;
   if (bp && (y == "," || y == ")" || y == "]" || y == ":" || y == "?" || y == "." || y == "..")) return 0;
   if (ap && (x == "(" || x == "[" || x == "." || x == "..")) return 0;
   if (bp && y == "(") return a.kind == Kind::word && !one_of(keywords, x) ? 0 : 1;
   if (a_negates) return bp && y == "|" ? 1 : 0;
   if (ap && x == "{" && bp && y == "}") return 0;
   return 1;
}

class Layout {
public:
   explicit Layout(std::vector<Line> lines) : lines_(std::move(lines)) {}

   std::string render()
   {
      indent_and_break();
      std::vector<std::string> code(lines_.size());
      align_clauses(code);
      align_rows(code);
      std::string out;
      const auto comment_column = comment_columns(code);
      for (std::size_t k = 0; k < lines_.size(); ++k) {
         const Line& l = lines_[k];
         if (l.blank_before && k > 0) out += '\n';
         std::string text = code[k];
         if (l.has_comment()) {
            if (text.empty()) text = std::string(l.indent, ' ');
            else text += std::string(comment_column[k] - display_width(text), ' ');
            text += l.tokens.back().text;
         }
         out += text;
         out += '\n';
      }
      return out;
   }

private:
   // Whether the significant token before tokens[i] of line k ends an operand.
   bool after_operand(std::size_t k, std::size_t i) const
   {
      while (i == 0) {
         if (k == 0) return false;
         i = lines_[--k].code_size();
      }
      return ends_operand(lines_[k].tokens[i - 1]);
   }

   // The spaces before code token i > 0 of line k.
   std::size_t spaces_before(std::size_t k, std::size_t i) const
   {
      const auto& t = lines_[k].tokens;
      // not(…) that starts a table cell negates the cell's tests, and is written as DMN writes it
      if (lines_[k].is_row() && i >= 2 && t[i - 2].text == "|" && t[i - 1].text == "not" && t[i].text == "(") return 0;
      const bool negates = t[i - 1].kind == Kind::punct && t[i - 1].text == "-" && !after_operand(k, i - 1);
      return spaces_between(t[i - 1], t[i], negates);
   }

   // The code tokens [from, to) of line k, spaced.
   std::string join(std::size_t k, std::size_t from, std::size_t to) const
   {
      std::string s;
      for (std::size_t i = from; i < to; ++i) {
         if (i > from) s.append(spaces_before(k, i), ' ');
         s += lines_[k].tokens[i].text;
      }
      return s;
   }

   // Declarations at 0, their continuation lines at 2, and the lines inside an open bracket 2
   // deeper than the line the bracket opened on; a comment line takes the indent of what follows.
   // A line wider than the width is broken, and what is left is laid out as the next line.
   void indent_and_break()
   {
      std::vector<std::size_t> open;  // for each open bracket, the indent of its line
      std::vector<std::size_t> comment_lines;
      for (std::size_t k = 0; k < lines_.size(); ++k) {
         Line& l = lines_[k];
         if (!l.has_code()) {
            comment_lines.push_back(k);
            continue;
         }
         std::size_t i = 0;
         while (i < l.code_size() && is_closer(l.tokens[i])) ++i;
         if (i > 0 && !open.empty()) l.indent = open.back();
         else if (!open.empty()) l.indent = open.back() + 2;
         else if (starts_declaration(l)) l.indent = 0;
         else l.indent = starts_clause(l) && continues_continuation(k) ? 4 : 2;
         for (const auto c : comment_lines) lines_[c].indent = open.empty() ? l.indent : open.back() + 2;
         comment_lines.clear();
         if (!l.is_row()) {
            while (break_if_long(k)) {
            }
         }
         const Line& kept = lines_[k];
         for (std::size_t j = 0; j < kept.code_size(); ++j) {
            if (is_opener(kept.tokens[j])) open.push_back(kept.indent);
            else if (is_closer(kept.tokens[j]) && !open.empty()) open.pop_back();
         }
      }
      for (const auto c : comment_lines) lines_[c].indent = open.empty() ? 0 : open.back() + 2;
   }

   static bool starts_clause(const Line& l) { return l.tokens.front().kind != Kind::text && l.tokens.front().kind != Kind::number && one_of(clause_words, l.tokens.front().text); }

   static bool starts_declaration(const Line& l) { return l.tokens.front().kind == Kind::word && one_of(declaration_words, l.tokens.front().text); }

   // Whether the code line before line k continues a declaration (at no bracket depth) other than
   // the policy header, whose lines (title, source, …) all stand at 2.
   bool continues_continuation(std::size_t k) const
   {
      bool first = true;
      while (k > 0) {
         const Line& before = lines_[--k];
         if (!before.has_code()) continue;
         if (first && (before.indent < 2 || starts_declaration(before))) return false;
         first = false;
         if (before.indent == 0 && starts_declaration(before)) return before.tokens.front().text != "policy";
      }
      return false;
   }

   // Breaks line k when it is too wide: among the places least deep in brackets, at the last that
   // leaves the first part within the width, else at the first. The rest becomes line k + 1.
   // Whether it broke the line.
   bool break_if_long(std::size_t k)
   {
      Line& l = lines_[k];
      struct Place {
         std::size_t at;
         int depth;
         bool fits;
      };
      std::vector<Place> places;
      int depth = 0;
      std::size_t width = l.indent;
      for (std::size_t i = 0; i < l.code_size(); ++i) {
         const Token& t = l.tokens[i];
         const bool before = t.kind != Kind::text && t.kind != Kind::number && one_of(break_before, t.text);
         const bool after_comma = i > 0 && l.tokens[i - 1].kind == Kind::punct && l.tokens[i - 1].text == ",";
         if (i > 0 && (before || after_comma)) places.push_back({i, std::max(depth, 0), width <= format_width});
         if (i > 0) width += spaces_before(k, i);
         width += display_width(t.text);
         if (is_opener(t)) ++depth;
         else if (is_closer(t)) --depth;
      }
      if (width <= format_width || places.empty()) return false;
      const int least = std::min_element(places.begin(), places.end(), [](const Place& a, const Place& b) { return a.depth < b.depth; })->depth;
      std::size_t chosen = 0;
      for (const auto& p : places) {
         if (p.depth != least) continue;
         if (chosen == 0 || p.fits) chosen = p.at;  // the first, should none fit
      }
      Line rest;
      rest.tokens.assign(l.tokens.begin() + static_cast<std::ptrdiff_t>(chosen), l.tokens.end());
      l.tokens.resize(chosen);
      lines_.insert(lines_.begin() + static_cast<std::ptrdiff_t>(k) + 1, std::move(rest));
      return true;
   }

   // Where line k's aligned clauses start, at no bracket depth and not first: {token, clause}.
   std::vector<std::pair<std::size_t, std::size_t>> clauses(std::size_t k) const
   {
      const Line& l = lines_[k];
      std::vector<std::pair<std::size_t, std::size_t>> out;
      if (!l.has_code() || l.is_row()) return out;
      int depth = 0;
      for (std::size_t i = 0; i < l.code_size(); ++i) {
         const Token& t = l.tokens[i];
         if (is_opener(t)) ++depth;
         else if (is_closer(t)) --depth;
         else if (i > 0 && depth == 0 && t.kind == Kind::word) {
            for (std::size_t c = 0; c < aligned_clauses.size(); ++c) {
               if (t.text == aligned_clauses[c] && (out.empty() || out.back().second < c)) out.emplace_back(i, c);
            }
         }
      }
      return out;
   }

   // Every code line but table rows, with the 'requires' and 'source' clauses of neighbouring
   // lines each in a column; a line that would then be too wide keeps single spaces.
   void align_clauses(std::vector<std::string>& code) const
   {
      std::size_t k = 0;
      while (k < lines_.size()) {
         const Line& l = lines_[k];
         if (!l.has_code() || l.is_row()) {
            ++k;
            continue;
         }
         // the run of neighbouring lines with clauses, or this line alone
         std::size_t end = k + 1;
         if (!clauses(k).empty()) {
            while (end < lines_.size() && !lines_[end].blank_before && !clauses(end).empty()) ++end;
         }
         std::vector<std::size_t> column(aligned_clauses.size(), 0);
         std::vector<std::vector<std::string>> parts(end - k);  // the text before each clause, then each clause
         std::vector<std::vector<std::pair<std::size_t, std::size_t>>> starts(end - k);
         for (std::size_t r = k; r < end; ++r) {
            starts[r - k] = clauses(r);
            std::size_t from = 0;
            for (const auto& [at, c] : starts[r - k]) {
               parts[r - k].push_back(join(r, from, at));
               from = at;
            }
            parts[r - k].push_back(join(r, from, lines_[r].code_size()));
         }
         // each clause's column: one space past the widest text before it, once earlier columns are set
         for (std::size_t c = 0; c < aligned_clauses.size(); ++c) {
            for (std::size_t r = 0; r < starts.size(); ++r) {
               std::size_t width = lines_[k + r].indent + display_width(parts[r][0]);
               for (std::size_t j = 0; j < starts[r].size(); ++j) {
                  if (starts[r][j].second == c) column[c] = std::max(column[c], width + 1);
                  width = std::max(width + 1, column[starts[r][j].second]) + display_width(parts[r][j + 1]);
               }
            }
         }
         for (std::size_t r = 0; r < starts.size(); ++r) {
            std::string aligned(lines_[k + r].indent, ' ');
            std::string plain = aligned;
            aligned += parts[r][0];
            plain += parts[r][0];
            for (std::size_t j = 0; j < starts[r].size(); ++j) {
               const std::size_t at = std::max(display_width(aligned) + 1, column[starts[r][j].second]);
               aligned += std::string(at - display_width(aligned), ' ') + parts[r][j + 1];
               plain += ' ' + parts[r][j + 1];
            }
            code[k + r] = display_width(aligned) <= format_width ? aligned : plain;
         }
         k = end;
      }
   }

   // The rows of each table (the lines between two declarations) as aligned columns.
   void align_rows(std::vector<std::string>& code) const
   {
      std::size_t k = 0;
      while (k < lines_.size()) {
         std::size_t end = k + 1;
         while (end < lines_.size() && !(lines_[end].has_code() && lines_[end].indent == 0)) ++end;
         std::vector<std::size_t> widths;
         std::vector<std::pair<std::size_t, std::vector<std::string>>> rows;  // line, its cells and suffix
         for (std::size_t r = k; r < end; ++r) {
            if (!lines_[r].is_row()) continue;
            auto cells = row_cells(r);
            for (std::size_t c = 0; c + 1 < cells.size(); ++c) {
               if (widths.size() <= c) widths.push_back(0);
               widths[c] = std::max(widths[c], display_width(cells[c]));
            }
            rows.emplace_back(r, std::move(cells));
         }
         for (auto& [r, cells] : rows) {
            std::string s(lines_[r].indent, ' ');
            s += '|';
            for (std::size_t c = 0; c + 1 < cells.size(); ++c) s += ' ' + cells[c] + std::string(widths[c] - display_width(cells[c]), ' ') + " |";
            if (!cells.back().empty()) s += ' ' + cells.back();
            code[r] = std::move(s);
         }
         k = end;
      }
   }

   // A row's cells, spaced, then whatever follows its last '|' (a source, or nothing).
   std::vector<std::string> row_cells(std::size_t r) const
   {
      const Line& l = lines_[r];
      std::vector<std::size_t> bars;  // the '|' that separate cells, outside any bracket
      int depth = 0;
      for (std::size_t i = 0; i < l.code_size(); ++i) {
         const Token& t = l.tokens[i];
         if (is_opener(t)) ++depth;
         else if (is_closer(t)) --depth;
         else if (depth == 0 && t.kind == Kind::punct && t.text == "|") bars.push_back(i);
      }
      std::vector<std::string> cells;
      for (std::size_t b = 0; b + 1 < bars.size(); ++b) cells.push_back(join(r, bars[b] + 1, bars[b + 1]));
      cells.push_back(join(r, bars.back() + 1, l.code_size()));
      return cells;
   }

   // The column each trailing comment starts at: two spaces after the longest code among
   // neighbouring lines that all have trailing comments.
   std::vector<std::size_t> comment_columns(const std::vector<std::string>& code) const
   {
      std::vector<std::size_t> column(lines_.size(), 0);
      std::size_t k = 0;
      while (k < lines_.size()) {
         if (!(lines_[k].has_code() && lines_[k].has_comment())) {
            ++k;
            continue;
         }
         std::size_t end = k, widest = 0;
         while (end < lines_.size() && lines_[end].has_code() && lines_[end].has_comment() && (end == k || !lines_[end].blank_before)) {
            widest = std::max(widest, display_width(code[end]));
            ++end;
         }
         for (; k < end; ++k) column[k] = widest + 2;
      }
      return column;
   }

   std::vector<Line> lines_;
};

}  // namespace

std::string format_policy(std::string_view text)
{
   std::string bom;
   if (text.starts_with("\xEF\xBB\xBF")) {
      bom = "\xEF\xBB\xBF";
      text.remove_prefix(3);
   }
   std::vector<Line> lines;
   bool blank = false;
   for (auto& tokens : Lexer(text).lines()) {
      if (tokens.empty()) {
         blank = !lines.empty();
         continue;
      }
      lines.push_back({std::move(tokens), blank});
      blank = false;
   }
   return bom + Layout(std::move(lines)).render();
}

std::vector<std::string> significant_tokens(std::string_view text)
{
   std::vector<std::string> out;
   for (auto& line : Lexer(text).lines()) {
      for (auto& t : line) {
         if (t.kind != Kind::comment) out.push_back(std::move(t.text));
      }
   }
   return out;
}

}  // namespace pol::lang
