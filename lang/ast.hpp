// The syntax tree. It keeps exact source spans and every comment, so the formatter and a
// language server can be built on the same parser. The checker fills in the `resolved` parts.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "source.hpp"
#include "types.hpp"

namespace pol::lang {

enum class ExprKind : std::uint8_t {
   int_lit,        // text: digits
   decimal_lit,    // text: digits.digits
   money_lit,      // text: pounds as digits[.digits], commas removed
   percent_lit,    // text: the number before '%'
   date_lit,       // date
   duration_lit,   // text: the number; unit
   text_lit,       // parts: literal chunks and interpolated expressions (args)
   bool_lit,       // text: "true" or "false"
   none_lit,
   name,           // text: the name
   field,          // args[0].text
   call,           // qualifier.text(args…)
   negate,         // -args[0]
   not_,           // not args[0]
   binary,         // args[0] op args[1]
   compare,        // args[0] ops[0] args[1] ops[1] args[2] …  (a chain)
   if_,            // if args[0] then args[1] else args[2]
   list,           // [args…]
   record,         // {field_names[i]: args[i]…}
   lambda,         // text => args[0]
   as_of,          // args[0] as of args[1]
};

enum class BinaryOp : std::uint8_t { add, sub, mul, div, and_, or_, coalesce, in };
enum class CompareOp : std::uint8_t { eq, ne, lt, le, gt, ge };
const char* to_string(BinaryOp op);
const char* to_string(CompareOp op);

struct CivilDate {
   int year = 1970;
   int month = 1;
   int day = 1;
};

enum class RefKind : std::uint8_t { none, global, local, enum_variant, builtin, function, table };

// What a name or call refers to, filled in by the checker.
struct Ref {
   RefKind kind = RefKind::none;
   std::int32_t index = -1;  // global slot, local slot, enum id, builtin id, function id or table id
   std::int32_t sub = -1;    // the variant of an enum
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

// One piece of a text literal: a literal chunk, or an interpolated expression.
struct TextPart {
   std::string chunk;     // used when expr_index < 0
   int expr_index = -1;   // index into Expr::args
};

// The members every pass reads come first, and the small ones together: a big table has tens of
// thousands of expressions, and each pass over them touches fewer cache lines so.
struct Expr {
   ExprKind kind;
   BinaryOp op = BinaryOp::add;
   DurationUnit unit = DurationUnit::days;
   Span span;
   Ref ref;  // resolved by the checker
   CivilDate date;
   std::vector<ExprPtr> args;
   Type type;  // resolved by the checker
   std::string text;
   std::string qualifier;                 // module of a qualified call: dates.tax_year(…)
   std::vector<std::string> field_names;  // record literal
   std::vector<Span> field_spans;
   std::vector<CompareOp> compare_ops;
   std::vector<TextPart> parts;           // text literal

   Expr(ExprKind k, Span s) : kind(k), span(s) {}
   ~Expr();  // takes long chains apart without recursing as deep as they are long
   Expr(const Expr&) = delete;
   Expr& operator=(const Expr&) = delete;
   // From a pool of blocks their size (expr_pool.cpp): a big table makes tens of thousands.
   static void* operator new(std::size_t size);
   static void operator delete(void* p, std::size_t size) noexcept;
};

struct TypeExpr {
   Span span;
   std::string name;                 // "int", "money", an enum or record name, or "list"
   std::unique_ptr<TypeExpr> element;  // for "list of T"
   bool optional = false;
};

struct SourceRef {
   std::string text;
   Span span;
   bool present() const { return !text.empty(); }
};

struct Named {
   std::string name;
   Span name_span;
   Span span;  // the whole declaration
};

struct PolicyHeader : Named {
   struct Meta {
      std::string key;
      std::string value;
      Span span;
   };
   std::vector<Meta> meta;
   SourceRef source;
   bool present = false;
};

struct ImportDecl {
   Span span;
   std::string target;  // "dates" (standard library) or a file path
   bool is_file = false;
   std::string alias;   // the module name used to qualify: alias.name
   std::int32_t module = -1;  // resolved by the compiler: index into Program::modules
};

struct EnumDecl : Named {
   struct Variant {
      std::string name;
      std::string label;
      Span span;
   };
   std::vector<Variant> variants;
};

struct FieldDecl {
   std::string name;
   Span span;
   TypeExpr type;
};

struct RecordDecl : Named {
   std::vector<FieldDecl> fields;
};

struct InputDecl : Named {
   TypeExpr type;
   ExprPtr default_value;
   ExprPtr requires_;
   SourceRef source;
};

// A value in force from a date: `from 2020-11-04 = £95,000`.
struct Period {
   CivilDate from;
   Span span;
   ExprPtr value;
   SourceRef source;
};

struct ParamDecl : Named {
   TypeExpr type;
   ExprPtr value;                // an undated param
   std::vector<Period> periods;  // an effective-dated param
   SourceRef source;
};

struct LetDecl : Named {
   std::optional<TypeExpr> type;
   ExprPtr value;
};

struct FnDecl : Named {
   std::vector<FieldDecl> params;
   TypeExpr result;
   ExprPtr body;
};

struct OutputDecl : Named {
   std::optional<TypeExpr> type;
   ExprPtr value;
};

struct RequireDecl {
   Span span;
   ExprPtr condition;
   ExprPtr message;  // a text literal, possibly interpolated
   SourceRef source;
};

// A rule as law is written: a default, and exceptions that override it.
struct RuleException {
   Span span;
   std::string label;   // optional name, so other exceptions can refine it
   std::string parent;  // "exception to <parent>": refines that exception
   Span parent_span;
   ExprPtr condition;
   ExprPtr value;
   SourceRef source;
};

struct RuleDecl : Named {
   TypeExpr type;
   SourceRef source;
   ExprPtr default_value;  // may be absent: then some exception must apply
   Span default_span;
   SourceRef default_source;
   std::vector<RuleException> exceptions;
};

// output_order: every matching row, highest priority first (DMN's OUTPUT ORDER).
enum class HitPolicy : std::uint8_t { unique, first, any, priority, collect, output_order };
enum class CollectOp : std::uint8_t { list, sum, min, max, count };

// values: the column equals one of them, or (for a list-valued cell) is in it;
// either: any of several tests holds (`< 18, >= 60`).
enum class CellKind : std::uint8_t { any, values, compare, range, either };

struct Cell {
   CellKind kind = CellKind::any;
   Span span;
   std::vector<ExprPtr> values;  // values: any of them; compare: values[0]
   CompareOp op = CompareOp::eq;
   ExprPtr low, high;            // range
   bool low_closed = true, high_closed = false;
   std::vector<Cell> tests;      // either
   bool negated = false;         // not(…): matches when none of its tests holds
};

// A declared priority: the values of one output (a field of a record output, or the whole
// output), highest first: `hit priority Approved > Declined`.
struct PriorityOrder {
   std::string field;  // empty: the whole output
   Span field_span;
   std::vector<ExprPtr> values;
   std::int32_t field_index = -1;  // resolved by the checker
};

struct TableRow {
   Span span;
   std::vector<Cell> cells;  // one per input column
   ExprPtr output;           // one output column's cell, or a record of several (made by the checker)
   SourceRef source;
};

// A table's rows in force from a date; an undated table has one version with no date.
struct TableVersion {
   std::optional<CivilDate> from;
   Span span;
   std::vector<TableRow> rows;
   ExprPtr default_value;
};

struct TableDecl : Named {
   std::vector<FieldDecl> params;
   TypeExpr result;
   HitPolicy hit = HitPolicy::unique;
   CollectOp collect = CollectOp::list;
   std::vector<PriorityOrder> priority;  // priority and output order: the declared ranking
   SourceRef source;
   std::vector<std::string> columns;  // input columns, then the output columns
   std::vector<Span> column_spans;
   std::vector<TableVersion> versions;
};

struct TestDecl {
   Span span;
   std::string name;
   ExprPtr given;   // record literal of inputs
   std::optional<CivilDate> as_of;
   ExprPtr expect;  // record literal of expected outputs, may be null
   std::vector<std::string> expect_violations;
   std::optional<std::string> expect_error;
};

struct Comment {
   Span span;
   std::string text;
};

enum class DeclKind : std::uint8_t { import, enum_, record, input, param, let, fn, output, require, rule, table, test };

struct DeclRef {
   DeclKind kind;
   std::uint32_t index;
};

// One parsed file.
struct Module {
   std::uint32_t file = 0;
   std::string name;  // the module name others qualify with
   PolicyHeader header;
   std::vector<ImportDecl> imports;
   std::vector<EnumDecl> enums;
   std::vector<RecordDecl> records;
   std::vector<InputDecl> inputs;
   std::vector<ParamDecl> params;
   std::vector<LetDecl> lets;
   std::vector<FnDecl> fns;
   std::vector<OutputDecl> outputs;
   std::vector<RequireDecl> requires_;
   std::vector<RuleDecl> rules;
   std::vector<TableDecl> tables;
   std::vector<TestDecl> tests;
   std::vector<DeclRef> order;  // declarations in source order
   std::vector<Comment> comments;
   // Declarations that did not parse, by name, so that checking the others does not call them
   // unknown; `unparsed_unchecked` when one cannot be named or declares a type or an import,
   // which the others cannot be checked without.
   std::vector<std::string> unparsed;
   bool unparsed_unchecked = false;
   // Declarations read with a line dropped after a syntax error in it: what the checker says of
   // their shape (no default left, a label that was on the dropped line) only echoes the drop.
   std::vector<Span> recovered;
   bool unparsed_name(const std::string& name) const { return std::find(unparsed.begin(), unparsed.end(), name) != unparsed.end(); }
};

}  // namespace pol::lang
