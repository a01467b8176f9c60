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
POL_ERROR(decl_name, "expected a name for this declaration",
          "names are letters, digits and '_', not starting with a digit, and not a keyword (such as from, when, default, source, in or not): "
          "for example start_date")
POL_ERROR(policy_name, "expected the policy's name after 'policy'",
          "the name is a plain or dotted name, not text in quotes: policy cscs.early_departure; a title goes on the next line: title \"Early departure\"")
POL_ERROR(import_target, "expected what to import",
          "import a file by its path in double quotes (import \"../shared/rates.pol\" as rates) or a standard module by name (import dates)")
POL_ERROR(import_alias, "expected a module name after 'as'",
          "the name the file is known by here, not a keyword: import \"grades.pol\" as grades, then grades.cap")
POL_ERROR(colon, "expected ':' and a type after the name", "for example: input annual_pay: money")
POL_ERROR(type, "expected a type", "types are bool, int, decimal, money, date, text, duration units, enums, records, 'list of T' and 'T?'")
POL_ERROR(equals, "expected '=' and a value", "for example: let monthly = annual_pay / 12, or exception when over_age = 6")
POL_ERROR(expr, "expected an expression",
          "an expression is a value, a name or a calculation: £95,000, annual_pay, annual_pay / 12, if … then … else …")
POL_ERROR(default_value, "expected a default value after '='",
          "for example: input pension_age: int = 65; an input without a default has no '='")
POL_ERROR(arrow, "expected '->' and the result type", "for example: fn monthly(pay: money) -> money = pay / 12")
POL_ERROR(fn_params, "expected '(' and the function's parameters right after its name",
          "for example: fn monthly(pay: money) -> money = pay / 12, with no space before '('")
POL_ERROR(table_params, "expected '(' and the table's input columns right after its name",
          "for example: table notice_weeks(years: int) -> int, with no space before '('")
POL_ERROR(enum_body, "expected '{' and the enum's values", "for example: enum Scheme { VE, VR, CR }")
POL_ERROR(record_body, "expected '{' and the record's fields", "for example: record Period { start: date, end: date? }")
POL_ERROR(test_body, "expected '{' and the test's given and expect",
          "for example: test \"ten years\" { given { years: 10 } expect { weeks: 10 } }")
POL_ERROR(close_paren, "expected ')' to close {open}", "")
POL_ERROR(close_call, "expected ',' or ')' to close {open}", "separate arguments with ','")
POL_ERROR(close_bracket, "expected ',' or ']' to close {open}", "separate list items with ','")
POL_ERROR(close_brace, "expected ',' or '}' to close {open}", "separate entries with ','")
POL_ERROR(text_close_brace, "expected '}' to close the interpolation opened at {at}", "write \\{ for a literal brace")
POL_ERROR(test_close, "expected 'given', 'as of', 'expect' or '}' to close {open}",
          "a test holds given { … }, as of DATE and expect { … }, expect violation \"…\" or expect error \"…\", and ends with '}'")
POL_ERROR(text_body, "this text is not closed", "add a closing '\"' before the end of the line")
POL_ERROR(text_lit, "expected text in double quotes", "for example: source \"Civil Service Compensation Scheme, rule 2.3\"")
POL_ERROR(require_message, "expected the violation message in double quotes", "for example: require x > 0 else \"x must be positive\"")
POL_ERROR(require_else, "expected 'else' and a message after the condition", "for example: require x > 0 else \"x must be positive\"")
POL_ERROR(field_name, "expected a field name after '.'", "for example: period.start")
POL_ERROR(kw_of, "expected 'of'", "a list type is written 'list of T' (list of date), and a date 'as of DATE': cap as of exit_date, or in a test as of 2024-06-30")
POL_ERROR(as_of_date, "expected a date after 'as of'",
          "the date is a date, a name or a call (cap as of exit_date); put anything longer in parentheses: cap as of (if early then exit_date else pension_date)")
POL_ERROR(if_then, "expected 'then' after the condition of 'if'", "write: if condition then value else other")
POL_ERROR(if_else, "expected 'else' after the 'then' value", "every 'if' needs an 'else': if condition then value else other")
POL_ERROR(period_date, "expected a date, as YYYY-MM-DD", "for example: from 2020-11-04 = £95,000, for 4 November 2020")
POL_ERROR(exception_when, "expected 'when' and the condition of the exception", "for example: exception when over_age = 6")
POL_ERROR(exception_parent, "expected the label of the exception this one refines",
          "'to' names the label of another exception: exception over_age when … = …, then exception to over_age when … = …; "
          "an exception without 'to' already overrides the default")
POL_ERROR(hit_order, "expected 'order' after 'hit output'", "the hit policy is 'output order', then the ranking: hit output order Approved > Referred > Declined")
POL_ERROR(hit_name, "expected a hit policy", "one of: unique, first, any, priority [A > B …], output order [A > B …], collect [sum|min|max|count|list]")
POL_ERROR(priority_value, "expected a value after '>'", "a priority lists values highest first, each '>' between two: hit priority Approved > Referred > Declined")
POL_ERROR(test_list, "expected the tests of 'not(…)'", "list the tests inside, separated by ',': not(VE, VR) or not(< 18, >= 65)")
POL_ERROR(table_body, "expected the table's header row",
          "the header row names the columns, then come the rows, one per line; each row starts with '|' and each cell ends with '|': | years | weeks |")
POL_ERROR(bar, "expected '|' to end this cell", "cells are separated by '|'; several values in one cell are separated by ','")
POL_ERROR(range_high, "expected the upper bound of the range",
          "ranges are written [low..high), [low..high], (low..high] or (low..high); with no upper bound, write a comparison: >= 65")
POL_ERROR(range_close, "expected ']' or ')' to close the range",
          "']' includes the upper bound and ')' excludes it: [18..65) is 18 up to but not including 65")
POL_ERROR(test_name, "expected the test's name in double quotes", "for example: test \"ten years' service\" { … }")
POL_ERROR(expect_body, "expected { output: value }, violation \"…\" or error \"…\" after 'expect'",
          "for example: expect { lump_sum: £25,000.00 }, expect violation \"needs approval\" or expect error \"no award table\"")
POL_ERROR(record_lit, "expected '{' and the test's inputs after 'given'", "for example: given { scheme: VR, service_years: 10 }")
POL_ERROR(escape_char, "unknown escape in text", "the escapes are \\\" \\\\ \\n \\t \\{ and \\}")
POL_ERROR(operand, "expected a value after '*', '/' or '-'",
          "an 'if' after an operator goes in parentheses: pay * (if senior then 2 else 1)")
POL_ERROR(not_expr, "expected a condition after 'and' or 'not'",
          "'and' joins two whole conditions and 'not' comes before one: years > 2 and years < 10, or 2 < years < 10")
POL_ERROR(and_expr, "expected a condition after 'or'",
          "'or' joins two whole conditions: scheme == VE or scheme == VR, or scheme in [VE, VR]")
POL_ERROR(mul_expr, "expected a value after '+' or '-'",
          "an 'if' after an operator goes in parentheses: pay + (if senior then £500 else £0)")
POL_ERROR(add_expr, "expected a value after '?" "?'",
          "'?" "?' gives the value on its right when the one on its left is none; an 'if' after it goes in parentheses: "
          "end ?" "? (if retiring then pension_date else contract_end)")
POL_ERROR(coalesce_expr, "expected a value after the comparison",
          "the comparisons are ==, !=, <, <=, >, >= and in, written without spaces inside: 'not equal' is !=")

#undef POL_ERROR

}  // namespace pol::lang::grammar
