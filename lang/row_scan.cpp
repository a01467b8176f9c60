#include "row_scan.hpp"

#include <optional>

#include <tao/pegtl.hpp>

#include "grammar.hpp"

namespace pol::lang::row_scan {

namespace {

namespace pegtl = tao::pegtl;
namespace g = grammar;

using Input = pegtl::memory_input<pegtl::tracking_mode::lazy, pegtl::eol::lf_crlf, const char*>;

// Where `Rule` of the grammar, matched at `at` of `text`, ends; none when it does not match
// there. Only rules without `must<…>` are matched here: they fail rather than raise.
template <typename Rule>
std::optional<std::uint32_t> match_at(std::string_view text, std::uint32_t at)
{
   Input in(text.data() + at, text.data() + text.size(), "");
   if (!pegtl::parse<Rule>(in)) return std::nullopt;
   return static_cast<std::uint32_t>(in.current() - text.data());
}

// Text without escapes or interpolations: the grammar reads it as one chunk, or none.
struct plain_text : pegtl::seq<pegtl::one<'"'>, pegtl::opt<g::text_chunk>, g::text_end> {};

struct TokenRule {
   Token token;
   std::optional<std::uint32_t> (*match)(std::string_view, std::uint32_t);
};

// The values a plain cell holds, in the order the grammar tries them (grammar::literal, then
// name_ref). A duration is not tried: it is a number, blanks and a word, and a plain cell's
// value is followed by a delimiter, never a word, so a cell holding one is declined either way.
constexpr TokenRule token_rules[] = {
   {Token::money, match_at<g::money_lit>},     {Token::date, match_at<g::date_lit>},   {Token::percent, match_at<g::percent_lit>},
   {Token::decimal, match_at<g::decimal_lit>}, {Token::integer, match_at<g::int_lit>}, {Token::text, match_at<plain_text>},
   {Token::true_, match_at<g::true_lit>},      {Token::false_, match_at<g::false_lit>}, {Token::none, match_at<g::none_lit>},
   {Token::name, match_at<g::name>},
};

// The byte at `at`, or '\0' past the end (which no delimiter is).
char peek(std::string_view text, std::uint32_t at) { return at < text.size() ? text[at] : '\0'; }

// Past spaces and tabs. Where the grammar allows blank space (`ws`) it also allows line breaks
// and comments; a row that has them there is declined, since they can join lines.
std::uint32_t skip_blanks(std::string_view text, std::uint32_t at)
{
   while (at < text.size() && (text[at] == ' ' || text[at] == '\t')) ++at;
   return at;
}

bool starts_comment_or_line_end(char c) { return c == '\0' || c == '\n' || c == '\r' || c == '#'; }

// A value at `at`: a literal or a name, or '-' and one (grammar::operand). The callers check
// that what follows it is a delimiter (',', '|', "..", ']' or ')'), which no operator, call or
// field access starts with, so that the grammar's expression ends where the value does.
bool read_value(std::string_view text, std::uint32_t& at, Value& value)
{
   value.start = at;
   if (peek(text, at) == '-') at = skip_blanks(text, at + 1);
   for (const auto& rule : token_rules) {
      if (const auto end = rule.match(text, at)) {
         value.token = rule.token;
         value.begin = at;
         value.end = *end;
         at = *end;
         return true;
      }
   }
   return false;
}

// [low..high), (low..high], …: grammar::range_cell. A '[' or '(' that does not start a range
// starts a list or a parenthesis, which are left to the grammar.
bool read_range(std::string_view text, std::uint32_t& at, Test& test)
{
   test.kind = TestKind::range;
   at = skip_blanks(text, at + 1);
   if (!read_value(text, at, test.value)) return false;
   at = skip_blanks(text, at);
   if (text.substr(at, 2) != "..") return false;
   at = skip_blanks(text, at + 2);
   if (!read_value(text, at, test.high)) return false;
   at = skip_blanks(text, at);
   if (peek(text, at) != ']' && peek(text, at) != ')') return false;
   test.end = ++at;
   return true;
}

// One test of a cell (grammar::cell_test): a range, a comparison, or a value.
bool read_test(std::string_view text, std::uint32_t& at, Test& test)
{
   test.begin = at;
   if (peek(text, at) == '[' || peek(text, at) == '(') return read_range(text, at, test);
   if (const auto op_end = match_at<g::compare_op>(text, at)) {
      test.kind = TestKind::compare;
      test.op_end = *op_end;
      at = skip_blanks(text, *op_end);
   } else {
      test.kind = TestKind::value;
   }
   if (!read_value(text, at, test.value)) return false;
   test.end = at;
   return true;
}

// One cell (grammar::cell): '-', or tests separated by ','. `not(…)` is left to the grammar.
bool read_cell(std::string_view text, std::uint32_t& at, Row& row)
{
   Cell cell;
   cell.begin = at;
   if (const auto end = match_at<g::any_cell>(text, at)) {
      cell.any = true;
      cell.end = at = *end;
      row.cells.push_back(cell);
      return true;
   }
   cell.first_test = static_cast<std::uint32_t>(row.tests.size());
   for (;;) {
      Test test;
      if (!read_test(text, at, test)) return false;
      row.tests.push_back(test);
      const std::uint32_t after = skip_blanks(text, at);
      if (peek(text, after) != ',') break;
      at = skip_blanks(text, after + 1);
   }
   cell.test_count = static_cast<std::uint32_t>(row.tests.size()) - cell.first_test;
   cell.end = at;
   row.cells.push_back(cell);
   return true;
}

// Whether the grammar, after a row's last '|', reads no more of it. It tries another cell and
// then a `source` clause, past blank lines and comments; neither can start at the end of the
// file, at the next row's '|', or at a word that starts a declaration, `from` or `default`.
bool row_ends(std::string_view text, std::uint32_t after_bar)
{
   const std::uint32_t next = *match_at<g::ws>(text, after_bar);
   if (next == text.size() || text[next] == '|') return true;
   return match_at<pegtl::sor<g::decl_keyword, g::kw_from, g::kw_default>>(text, next).has_value();
}

}  // namespace

bool read_row(std::string_view text, std::uint32_t at, Row& row)
{
   row.cells.clear();
   row.tests.clear();
   if (peek(text, at) != '|') return false;
   row.begin = at;
   std::uint32_t end = at + 1;  // just after the last '|' read
   for (std::uint32_t pos = skip_blanks(text, end); !starts_comment_or_line_end(peek(text, pos)); pos = skip_blanks(text, end)) {
      if (!read_cell(text, pos, row)) return false;
      pos = skip_blanks(text, pos);
      if (peek(text, pos) != '|') return false;
      end = pos + 1;
   }
   row.end = end;
   return !row.cells.empty() && row_ends(text, end);
}

}  // namespace pol::lang::row_scan
