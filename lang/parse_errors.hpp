// What the parser says when a committed rule (`must<…>`) fails: one message per rule,
// beside the grammar. "{open}" is replaced by the bracket being closed and where it opened.
#pragma once

#include "grammar.hpp"

namespace pol::lang::grammar {

struct ErrorText {
   const char* message;
   const char* help;
};

template <typename Rule>
inline constexpr ErrorText error_text = {nullptr, nullptr};

#define POL_ERROR(rule, message, help) \
   template <>                         \
   inline constexpr ErrorText error_text<rule> = {message, help};

POL_ERROR(declaration, "expected a declaration",
          "a declaration starts with one of: policy, import, enum, record, input, param, let, fn, output, require, rule, table, test")
POL_ERROR(decl_name, "expected a name for this declaration", "names are letters, digits and '_', starting with a letter, and not a keyword")
POL_ERROR(policy_name, "expected the policy's name after 'policy'", "for example: policy cscs.early_departure")
POL_ERROR(import_target, "expected what to import", "import a standard module by name (import dates) or a file by path (import \"common.pol\" as common)")
POL_ERROR(import_alias, "expected a module name after 'as'", "")
POL_ERROR(colon, "expected ':' and a type after the name", "for example: input annual_pay: money")
POL_ERROR(type, "expected a type", "types are bool, int, decimal, money, date, text, duration units, enums, records, 'list of T' and 'T?'")
POL_ERROR(equals, "expected '=' and a value", "")
POL_ERROR(expr, "expected an expression", "")
POL_ERROR(default_value, "expected a default value after '='", "")
POL_ERROR(arrow, "expected '->' and the result type", "for example: fn monthly(pay: money) -> money = pay / 12")
POL_ERROR(fn_params, "expected '(' and the function's parameters", "for example: fn monthly(pay: money) -> money = pay / 12")
POL_ERROR(table_params, "expected '(' and the table's input columns", "for example: table tariff_cap(terms: Scheme) -> int")
POL_ERROR(enum_body, "expected '{' and the enum's values", "for example: enum Scheme { VE, VR, CR }")
POL_ERROR(record_body, "expected '{' and the record's fields", "for example: record Period { start: date, end: date? }")
POL_ERROR(test_body, "expected '{' and the test's given and expect", "")
POL_ERROR(close_paren, "expected ')' to close {open}", "")
POL_ERROR(close_call, "expected ',' or ')' to close {open}", "separate arguments with ','")
POL_ERROR(close_bracket, "expected ',' or ']' to close {open}", "separate list items with ','")
POL_ERROR(close_brace, "expected ',' or '}' to close {open}", "separate entries with ','")
POL_ERROR(text_close_brace, "expected '}' to close the interpolation opened at {at}", "write \\{ for a literal brace")
POL_ERROR(test_close, "expected 'given', 'as of', 'expect' or '}' to close {open}", "")
POL_ERROR(text_body, "this text is not closed", "add a closing '\"' before the end of the line")
POL_ERROR(text_lit, "expected text in double quotes", "")
POL_ERROR(require_message, "expected the violation message in double quotes", "for example: require x > 0 else \"x must be positive\"")
POL_ERROR(require_else, "expected 'else' and a message after the condition", "for example: require x > 0 else \"x must be positive\"")
POL_ERROR(field_name, "expected a field name after '.'", "")
POL_ERROR(kw_of, "expected 'of'", "write 'as of DATE' or 'list of T'")
POL_ERROR(as_of_date, "expected a date after 'as of'", "")
POL_ERROR(if_then, "expected 'then' after the condition of 'if'", "write: if condition then value else other")
POL_ERROR(if_else, "expected 'else' after the 'then' value", "every 'if' needs an 'else': if condition then value else other")
POL_ERROR(period_date, "expected a date, as YYYY-MM-DD", "for example: from 2020-11-04 = £95,000")
POL_ERROR(exception_when, "expected 'when' and the condition of the exception", "for example: exception when over_age = 6")
POL_ERROR(exception_parent, "expected the label of the exception this one refines", "")
POL_ERROR(hit_name, "expected a hit policy", "one of: unique, first, any, priority [A > B …], output order [A > B …], collect [sum|min|max|count|list]")
POL_ERROR(priority_value, "expected a value after '>'", "a priority lists values highest first: hit priority Approved > Declined")
POL_ERROR(test_list, "expected the tests of 'not(…)'", "for example: not(A, B) or not(< 18)")
POL_ERROR(table_body, "expected the table's header row, e.g. | terms | months |", "a table has a header row naming its columns, then one row per line")
POL_ERROR(bar, "expected '|' to end this cell", "cells are separated by '|'; several values in one cell are separated by ','")
POL_ERROR(range_high, "expected the upper bound of the range", "ranges are written [low..high), [low..high], (low..high] or (low..high)")
POL_ERROR(range_close, "expected ']' or ')' to close the range", "")
POL_ERROR(test_name, "expected the test's name in double quotes", "")
POL_ERROR(expect_body, "expected the expected outputs { name: value }, violation \"…\" or error \"…\"", "")
POL_ERROR(record_lit, "expected '{' and the values, e.g. { scheme: VR }", "")
POL_ERROR(escape_char, "unknown escape in text", "the escapes are \\\" \\\\ \\n \\t \\{ and \\}")
POL_ERROR(operand, "expected a value after the operator", "")
POL_ERROR(not_expr, "expected a condition after the operator", "")
POL_ERROR(and_expr, "expected a condition after 'or'", "")
POL_ERROR(mul_expr, "expected a value after the operator", "")
POL_ERROR(add_expr, "expected a value after '?" "?'", "")
POL_ERROR(coalesce_expr, "expected a value after the comparison", "")
POL_ERROR(tao::pegtl::eof, "expected the end of the file", "")

#undef POL_ERROR

}  // namespace pol::lang::grammar
