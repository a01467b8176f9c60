// The pol grammar, as PEGTL rules. No actions and no tree here: parser.cpp selects the
// rules that become syntax-tree nodes, and parse_errors.hpp holds the message for each
// point where the grammar has committed (`must<…>`).
#pragma once

#include <tao/pegtl.hpp>

namespace pol::lang::grammar {

using namespace tao::pegtl;

// --- Layout ---------------------------------------------------------------------------

// A comment runs from '#' to the end of the line.
struct comment : seq<one<'#'>, until<at<eolf>, any>> {};
// Blank space, line breaks and comments between tokens.
struct ws : star<sor<space, comment>> {};

// --- Names and keywords ---------------------------------------------------------------

struct name_first : ranges<'a', 'z', 'A', 'Z', '_'> {};
struct name_other : ranges<'a', 'z', 'A', 'Z', '0', '9', '_'> {};
template <typename Str>
struct key : seq<Str, not_at<name_other>> {};

struct kw_policy : key<TAO_PEGTL_STRING("policy")> {};
struct kw_import : key<TAO_PEGTL_STRING("import")> {};
struct kw_as : key<TAO_PEGTL_STRING("as")> {};
struct kw_of : key<TAO_PEGTL_STRING("of")> {};
struct kw_enum : key<TAO_PEGTL_STRING("enum")> {};
struct kw_record : key<TAO_PEGTL_STRING("record")> {};
struct kw_input : key<TAO_PEGTL_STRING("input")> {};
struct kw_param : key<TAO_PEGTL_STRING("param")> {};
struct kw_let : key<TAO_PEGTL_STRING("let")> {};
struct kw_fn : key<TAO_PEGTL_STRING("fn")> {};
struct kw_output : key<TAO_PEGTL_STRING("output")> {};
struct kw_require : key<TAO_PEGTL_STRING("require")> {};
struct kw_requires : key<TAO_PEGTL_STRING("requires")> {};
struct kw_test : key<TAO_PEGTL_STRING("test")> {};
struct kw_table : key<TAO_PEGTL_STRING("table")> {};
struct kw_rule : key<TAO_PEGTL_STRING("rule")> {};
struct kw_default : key<TAO_PEGTL_STRING("default")> {};
struct kw_exception : key<TAO_PEGTL_STRING("exception")> {};
struct kw_when : key<TAO_PEGTL_STRING("when")> {};
struct kw_from : key<TAO_PEGTL_STRING("from")> {};
struct kw_if : key<TAO_PEGTL_STRING("if")> {};
struct kw_then : key<TAO_PEGTL_STRING("then")> {};
struct kw_else : key<TAO_PEGTL_STRING("else")> {};
struct kw_and : key<TAO_PEGTL_STRING("and")> {};
struct kw_or : key<TAO_PEGTL_STRING("or")> {};
struct kw_not : key<TAO_PEGTL_STRING("not")> {};
struct kw_in : key<TAO_PEGTL_STRING("in")> {};
struct kw_true : key<TAO_PEGTL_STRING("true")> {};
struct kw_false : key<TAO_PEGTL_STRING("false")> {};
struct kw_none : key<TAO_PEGTL_STRING("none")> {};
struct kw_source : key<TAO_PEGTL_STRING("source")> {};

// Words that start a declaration.
struct decl_keyword : sor<kw_policy, kw_import, kw_enum, kw_record, kw_input, kw_param, kw_let, kw_fn, kw_output, kw_require, kw_test, kw_table, kw_rule> {};
// Words that can never be a name.
struct keyword : sor<decl_keyword, kw_as, kw_of, kw_requires, kw_default, kw_exception, kw_when, kw_from, kw_if, kw_then, kw_else, kw_and, kw_or, kw_not, kw_in, kw_true, kw_false, kw_none, kw_source> {};

// A name: letters, digits and '_', not starting with a digit, not a keyword.
struct name : seq<not_at<keyword>, name_first, star<name_other>> {};
// A dotted name, for the policy header and standard-library imports.
struct dotted_name : seq<name, star<one<'.'>, name>> {};

// --- Literals -------------------------------------------------------------------------

struct digits : plus<digit> {};
// Money: '£' then pounds, with ',' between groups of three digits, and optional pence.
struct money_amount : seq<digits, star<one<','>, rep<3, digit>, not_at<digit>>, opt<one<'.'>, digits>> {};
struct money_lit : seq<TAO_PEGTL_STRING("£"), money_amount> {};
// A date: 2024-06-30.
struct date_lit : seq<rep<4, digit>, one<'-'>, rep<2, digit>, one<'-'>, rep<2, digit>, not_at<name_other>> {};
struct decimal_lit : seq<digits, one<'.'>, digits, not_at<name_first>> {};
struct int_lit : seq<digits, not_at<name_first>> {};
struct number : sor<decimal_lit, int_lit> {};
// A percentage: 0.23% is the decimal 0.0023.
struct percent_lit : seq<sor<decimal_lit, int_lit>, one<'%'>> {};
struct duration_unit : sor<key<TAO_PEGTL_STRING("years")>, key<TAO_PEGTL_STRING("year")>, key<TAO_PEGTL_STRING("months")>, key<TAO_PEGTL_STRING("month")>,
                           key<TAO_PEGTL_STRING("weeks")>, key<TAO_PEGTL_STRING("week")>, key<TAO_PEGTL_STRING("days")>, key<TAO_PEGTL_STRING("day")>,
                           key<TAO_PEGTL_STRING("hours")>, key<TAO_PEGTL_STRING("hour")>> {};
// A duration: a number and a unit, `5 years`, `37 hours`.
struct duration_lit : seq<number, plus<blank>, duration_unit> {};
struct true_lit : kw_true {};
struct false_lit : kw_false {};
struct none_lit : kw_none {};

struct expr;

// Text in double quotes; {expr} interpolates a value, \" \\ \n \{ escape.
struct escape_char : one<'"', '\\', 'n', 't', '{', '}'> {};
struct text_escape : seq<one<'\\'>, must<escape_char>> {};
struct text_close_brace : one<'}'> {};
struct text_interp : seq<one<'{'>, ws, must<expr>, ws, must<text_close_brace>> {};
struct text_chunk : plus<not_one<'"', '\\', '{', '\n', '\r'>> {};
struct text_end : one<'"'> {};
struct text_body : until<text_end, sor<text_escape, text_interp, text_chunk>> {};
struct text_lit : seq<one<'"'>, must<text_body>> {};

// --- Expressions ------------------------------------------------------------------------

struct comma : seq<ws, one<','>, ws> {};
struct close_paren : one<')'> {};
struct close_call : one<')'> {};
struct close_bracket : one<']'> {};
struct close_brace : one<'}'> {};

// ( expr )
struct paren_expr : seq<one<'('>, ws, must<expr>, ws, must<close_paren>> {};
// [a, b, c]
struct list_lit : seq<one<'['>, ws, opt<list_tail<expr, comma>>, ws, must<close_bracket>> {};
// {name: expr, …}
struct field_key : name {};
struct record_field : seq<field_key, ws, one<':'>, ws, must<expr>> {};
struct record_lit : seq<one<'{'>, ws, opt<list_tail<record_field, comma>>, ws, must<close_brace>> {};
struct name_ref : name {};

struct literal : sor<money_lit, date_lit, duration_lit, percent_lit, decimal_lit, int_lit, text_lit, true_lit, false_lit, none_lit> {};
struct primary : sor<paren_expr, list_lit, record_lit, literal, name_ref> {};

// f(a, b) — no space before '('.
struct call_args : seq<one<'('>, ws, opt<list_tail<expr, comma>>, ws, must<close_call>> {};
// record.field
struct field_name : name {};
struct field_access : seq<one<'.'>, not_at<one<'.'>>, must<field_name>> {};
struct postfix_expr : seq<primary, star<sor<call_args, field_access>>> {};
// param as of date
struct as_of_date : seq<postfix_expr> {};
struct as_of_expr : seq<postfix_expr, opt<ws, kw_as, ws, must<kw_of>, ws, must<as_of_date>>> {};

struct negate_op : one<'-'> {};
struct operand : sor<seq<negate_op, ws, must<operand>>, as_of_expr> {};

struct mul_op : one<'*', '/'> {};
struct mul_expr : seq<operand, star<ws, mul_op, ws, must<operand>>> {};
struct add_op : sor<one<'+'>, seq<one<'-'>, not_at<ws, one<'|'>>>> {};
struct add_expr : seq<mul_expr, star<ws, add_op, ws, must<mul_expr>>> {};
// x ?? default: the value of an optional, or the default when it is none.
struct coalesce_op : TAO_PEGTL_STRING("??") {};
struct coalesce_expr : seq<add_expr, star<ws, coalesce_op, ws, must<add_expr>>> {};
struct compare_op : sor<TAO_PEGTL_STRING("=="), TAO_PEGTL_STRING("!="), TAO_PEGTL_STRING("<="), TAO_PEGTL_STRING(">="), one<'<'>, one<'>'>> {};
struct in_op : kw_in {};
// a < b <= c is (a < b) and (b <= c); x in [a, b] tests membership.
struct compare_expr : seq<coalesce_expr, star<ws, sor<compare_op, in_op>, ws, must<coalesce_expr>>> {};
struct not_op : kw_not {};
struct not_expr : sor<seq<not_op, ws, must<not_expr>>, compare_expr> {};
struct and_op : kw_and {};
struct and_expr : seq<not_expr, star<ws, and_op, ws, must<not_expr>>> {};
struct or_op : kw_or {};
struct or_expr : seq<and_expr, star<ws, or_op, ws, must<and_expr>>> {};
struct if_then : kw_then {};
struct if_else : kw_else {};
struct if_expr : seq<kw_if, ws, must<expr>, ws, must<if_then>, ws, must<expr>, ws, must<if_else>, ws, must<expr>> {};
// p => p.end, an argument of a list function
struct lambda_param : name {};
struct lambda : seq<lambda_param, ws, TAO_PEGTL_STRING("=>"), ws, must<expr>> {};
struct expr : sor<if_expr, lambda, or_expr> {};

// --- Types --------------------------------------------------------------------------------

struct type;
struct type_name : name {};
struct list_type : seq<key<TAO_PEGTL_STRING("list")>, ws, must<kw_of>, ws, must<type>> {};
struct optional_mark : one<'?'> {};
struct type : seq<sor<list_type, type_name>, opt<optional_mark>> {};

// --- Declarations ---------------------------------------------------------------------------

struct source_clause : seq<kw_source, ws, must<text_lit>> {};
struct opt_source : opt<ws, source_clause> {};
struct colon : one<':'> {};
struct equals : seq<one<'='>, not_at<one<'=', '>'>>> {};
struct arrow : TAO_PEGTL_STRING("->") {};
struct decl_name : name {};

// policy cscs.early_departure
//   title "…"
//   source "…"
struct meta_key : name {};
// A word followed by a name and ':', '=', '(' or '{' is a misspelt declaration (`inptu pay: money`),
// not a key whose text lacks its quotes: it is left to be reported as not a declaration.
struct meta_entry : seq<meta_key, ws, not_at<name, ws, one<':', '=', '(', '{'>>, must<text_lit>> {};
struct policy_name : dotted_name {};
struct policy_decl : seq<kw_policy, ws, must<policy_name>, star<ws, sor<source_clause, meta_entry>>> {};

// import dates            (the standard library)
// import "common.pol" as common
struct import_target : sor<text_lit, dotted_name> {};
struct import_alias : name {};
struct import_decl : seq<kw_import, ws, must<import_target>, opt<ws, kw_as, ws, must<import_alias>>> {};

// enum Scheme { VE "Voluntary Exit", VR, CR }
struct variant_name : name {};
struct enum_variant : seq<variant_name, opt<ws, text_lit>> {};
struct enum_body : seq<one<'{'>, ws, opt<list_tail<enum_variant, comma>>, ws, must<close_brace>> {};
struct enum_decl : seq<kw_enum, ws, must<decl_name>, ws, must<enum_body>> {};

// record Period { start: date, end: date? }
struct field_decl_name : name {};
struct field_decl : seq<field_decl_name, ws, must<colon>, ws, must<type>> {};
struct record_body : seq<one<'{'>, ws, opt<list_tail<field_decl, comma>>, ws, must<close_brace>> {};
struct record_decl : seq<kw_record, ws, must<decl_name>, ws, must<record_body>> {};

// input pension_age: int = 65  requires pension_age >= 55
struct default_value : seq<expr> {};
struct requires_clause : seq<kw_requires, ws, must<expr>> {};
struct input_decl : seq<kw_input, ws, must<decl_name>, ws, must<colon>, ws, must<type>, opt<ws, equals, ws, must<default_value>>, opt<ws, requires_clause>, opt_source> {};

// param cap: money = £95,000, or values by date:
//   from 2020-11-04 = £95,000
// Committed only once it starts as a date does (four digits and '-'), so that 04/11/2020 is
// reported at its start, not after the digits that were read.
struct period_date : seq<at<rep<4, digit>, one<'-'>>, date_lit> {};
struct period : seq<kw_from, ws, must<period_date>, ws, must<equals>, ws, must<expr>, opt_source> {};
struct param_decl : seq<kw_param, ws, must<decl_name>, ws, must<colon>, ws, must<type>, opt<ws, equals, ws, must<expr>>, opt_source, star<ws, period>> {};

// let service = service_years + service_days / 365
struct let_type : seq<colon, ws, must<type>> {};
struct let_decl : seq<kw_let, ws, must<decl_name>, ws, opt<let_type, ws>, must<equals>, ws, must<expr>> {};

// fn monthly(pay: money) -> money = pay / 12
struct fn_params : seq<one<'('>, ws, opt<list_tail<field_decl, comma>>, ws, must<close_paren>> {};
struct fn_decl : seq<kw_fn, ws, must<decl_name>, must<fn_params>, ws, must<arrow>, ws, must<type>, ws, must<equals>, ws, must<expr>> {};

// output lump_sum = …
struct output_decl : seq<kw_output, ws, must<decl_name>, ws, opt<let_type, ws>, must<equals>, ws, must<expr>> {};

// require cond else "message"
struct require_else : kw_else {};
struct require_message : seq<text_lit> {};
struct require_decl : seq<kw_require, ws, must<expr>, ws, must<require_else>, ws, must<require_message>, opt_source> {};

// rule months: decimal
//   default = …
//   exception over_age when over_age = …
//   exception to over_age when … = …
struct rule_default : seq<kw_default, ws, must<equals>, ws, must<expr>, opt_source> {};
struct exception_label : seq<not_at<key<TAO_PEGTL_STRING("to")>>, name> {};
struct exception_parent : name {};
struct exception_when : kw_when {};
struct rule_exception : seq<kw_exception, opt<ws, exception_label>, opt<ws, key<TAO_PEGTL_STRING("to")>, ws, must<exception_parent>>, ws, must<exception_when>, ws, must<expr>, ws,
                            must<equals>, ws, must<expr>, opt_source> {};
struct rule_decl : seq<kw_rule, ws, must<decl_name>, ws, must<colon>, ws, must<type>, opt_source, star<ws, sor<rule_default, rule_exception>>> {};

// table tariff_cap(terms: Scheme) -> int  hit unique
//   | terms | months |
//   | VE    | 21     |
struct collect_op : sor<key<TAO_PEGTL_STRING("sum")>, key<TAO_PEGTL_STRING("min")>, key<TAO_PEGTL_STRING("max")>, key<TAO_PEGTL_STRING("count")>, key<TAO_PEGTL_STRING("list")>> {};
// A declared ranking, highest first: `Approved > Declined`, or per field of a record output:
// `status: Approved > Declined, rate: Best > Standard`.
struct priority_field : name {};
struct priority_value : seq<coalesce_expr> {};
struct priority_above : seq<one<'>'>, not_at<one<'='>>> {};
struct priority_rank : seq<opt<priority_field, ws, colon, ws>, priority_value, plus<ws, priority_above, ws, must<priority_value>>> {};
struct priority_order : list<priority_rank, comma> {};
struct hit_order : key<TAO_PEGTL_STRING("order")> {};
struct hit_name : sor<key<TAO_PEGTL_STRING("unique")>, key<TAO_PEGTL_STRING("first")>, key<TAO_PEGTL_STRING("any")>,
                      seq<key<TAO_PEGTL_STRING("priority")>, opt<plus<blank>, priority_order>>,
                      seq<key<TAO_PEGTL_STRING("output")>, plus<blank>, must<hit_order>, opt<plus<blank>, priority_order>>,
                      seq<key<TAO_PEGTL_STRING("collect")>, opt<plus<blank>, collect_op>>> {};
struct hit_clause : seq<key<TAO_PEGTL_STRING("hit")>, ws, must<hit_name>> {};
struct bar : one<'|'> {};
struct column_name : name {};
struct table_header : seq<one<'|'>, plus<ws, column_name, ws, must<bar>>> {};
struct any_cell : seq<one<'-'>, at<ws, one<'|'>>> {};
struct range_open : one<'[', '('> {};
struct range_close : one<']', ')'> {};
struct range_dots : TAO_PEGTL_STRING("..") {};
struct range_low : seq<expr> {};
struct range_high : seq<expr> {};
struct range_cell : seq<range_open, ws, range_low, ws, range_dots, ws, must<range_high>, ws, must<range_close>> {};
struct compare_cell : seq<compare_op, ws, must<expr>> {};
// One cell: '-', a list of tests of which any may hold (values, comparisons, ranges), or
// not(tests).
struct cell_test : sor<range_cell, compare_cell, expr> {};
struct test_list : list<cell_test, comma> {};
struct not_cell : seq<kw_not, ws, one<'('>, ws, must<test_list>, ws, must<close_paren>> {};
struct cell : sor<any_cell, not_cell, test_list> {};
struct table_row : seq<one<'|'>, plus<ws, cell, ws, must<bar>>, opt_source> {};
struct table_default : seq<kw_default, ws, must<equals>, ws, must<expr>> {};
struct table_from : seq<kw_from, ws, must<period_date>> {};
struct table_version : seq<opt<table_from, ws>, table_row, star<ws, table_row>, opt<ws, table_default>> {};
struct table_params : seq<one<'('>, ws, opt<list_tail<field_decl, comma>>, ws, must<close_paren>> {};
// The first 'from' may stand above the header row.
struct table_body : seq<opt<table_from, ws>, table_header, plus<ws, table_version>> {};
struct table_decl : seq<kw_table, ws, must<decl_name>, must<table_params>, ws, must<arrow>, ws, must<type>, opt<ws, hit_clause>, opt_source, ws, must<table_body>> {};

// test "name" { given {…}  as of 2024-01-01  expect {…} }
struct test_name : seq<text_lit> {};
struct test_given : seq<key<TAO_PEGTL_STRING("given")>, ws, must<record_lit>> {};
struct test_as_of : seq<kw_as, ws, must<kw_of>, ws, must<period_date>> {};
struct expect_violation : seq<key<TAO_PEGTL_STRING("violation")>, ws, must<text_lit>> {};
struct expect_error : seq<key<TAO_PEGTL_STRING("error")>, ws, must<text_lit>> {};
struct expect_body : sor<record_lit, expect_violation, expect_error> {};
struct test_expect : seq<key<TAO_PEGTL_STRING("expect")>, ws, must<expect_body>> {};
struct test_item : sor<test_given, test_as_of, test_expect> {};
struct test_close : one<'}'> {};
struct test_body : seq<one<'{'>, ws, star<test_item, ws>, must<test_close>> {};
struct test_decl : seq<kw_test, ws, must<test_name>, ws, must<test_body>> {};

struct declaration : sor<policy_decl, import_decl, enum_decl, record_decl, input_decl, param_decl, let_decl, fn_decl, output_decl, require_decl, rule_decl, table_decl, test_decl> {};
// One declaration, or the end of the file; the parser calls this once per declaration so
// that an error in one declaration does not hide the errors in the others.
struct next_declaration : seq<ws, sor<eof, must<declaration>>> {};
// A whole file, for grammar analysis and tools that want one parse.
struct file : seq<ws, star<declaration, ws>, eof> {};

}  // namespace pol::lang::grammar
