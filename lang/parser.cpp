#include "parser.hpp"

#include <algorithm>
#include <cstring>
#include <string_view>

#include <fmt/format.h>
#include <tao/pegtl/contrib/parse_tree.hpp>

#include "grammar.hpp"
#include "parse_errors.hpp"
#include "row_scan.hpp"
#include "walk.hpp"

namespace pol::lang {

namespace pegtl = tao::pegtl;
namespace g = grammar;

namespace {

// --- Control: error messages, bracket tracking and a nesting limit ---------------------

struct SyntaxError {
   std::uint32_t offset;
   std::string message;
   std::string help;
   const char* code = "E0101";
   bool left_over = false;  // what follows a declaration on its last line: skipped, not the next declaration
};

struct Node;

// A table row built as it was read, with what building it reported.
struct BuiltRow {
   TableRow row;
   Diagnostics diagnostics;
   // its cells' text when each is one bare word: it may be the header written again
   std::vector<std::string_view> words;
};

// Builds each table row as soon as it is read, so that a table of many thousand rows is built a
// row at a time rather than held whole as a parse tree. A row of plain cells is read by a
// direct scan (row_scan.hpp) before the grammar is tried on it.
class RowBuilder {
public:
   RowBuilder(std::uint32_t file_id, RowReading reading) : file_id_(file_id), scan_plain_rows_(reading == RowReading::scan_plain_rows) {}

   // A row the grammar read: built now, unless it may be the table's header written again.
   void add(Node& row);
   // The row whose '|' is at `at` of `text`, when it is one of plain cells: built, and where it
   // ends returned.
   std::optional<std::uint32_t> scan(std::string_view text, std::uint32_t at);

   std::vector<BuiltRow> built;

private:
   std::uint32_t file_id_;
   bool scan_plain_rows_;
   row_scan::Row scanned_;  // kept from row to row for its storage
};

struct ParseState {
   const SourceFile* file = nullptr;
   RowBuilder* rows = nullptr;
   struct Open {
      std::uint32_t offset;
      const char* what;
   };
   std::vector<Open> open;  // brackets not yet closed, innermost last
   int depth = 0;
};

// Rules that open a bracket, and what to call it in "expected ')' to close the call opened at 3:9".
template <typename Rule> inline constexpr const char* opener = nullptr;
template <> inline constexpr const char* opener<g::call_args> = "the call";
template <> inline constexpr const char* opener<g::paren_expr> = "the parenthesis";
template <> inline constexpr const char* opener<g::list_lit> = "the list";
template <> inline constexpr const char* opener<g::record_lit> = "the record";
template <> inline constexpr const char* opener<g::fn_params> = "the parameter list";
template <> inline constexpr const char* opener<g::table_params> = "the parameter list";
template <> inline constexpr const char* opener<g::enum_body> = "the enum";
template <> inline constexpr const char* opener<g::record_body> = "the record type";
template <> inline constexpr const char* opener<g::test_body> = "the test";
template <> inline constexpr const char* opener<g::text_interp> = "the interpolation";

// Rules that nest: each one entered counts towards max_nesting.
template <typename Rule> inline constexpr bool nests = false;
template <> inline constexpr bool nests<g::expr> = true;
template <> inline constexpr bool nests<g::operand> = true;
template <> inline constexpr bool nests<g::not_expr> = true;

std::string describe_found(const SourceFile& file, std::uint32_t offset)
{
   const auto& text = file.text();
   if (offset >= text.size()) return "found the end of the file";
   const char c = text[offset];
   if (c == '\n' || c == '\r') return "found the end of the line";
   std::size_t end = offset;
   auto is_word = [](char ch) { return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || (static_cast<unsigned char>(ch) & 0x80); };
   if (is_word(c)) {
      while (end < text.size() && is_word(text[end])) ++end;
   } else {
      end = offset + 1;
   }
   return fmt::format("found '{}'", std::string_view(text).substr(offset, std::min<std::size_t>(end - offset, 24)));
}

// The word at offset ("" when it is not a word).
std::string_view word_at(const SourceFile& file, std::uint32_t offset)
{
   const auto& text = file.text();
   std::size_t end = offset;
   while (end < text.size() && (std::isalnum(static_cast<unsigned char>(text[end])) || text[end] == '_')) ++end;
   return std::string_view(text).substr(std::min<std::size_t>(offset, text.size()), end - std::min<std::size_t>(offset, text.size()));
}

// Where a declaration was expected, mistakes that are common enough to name: a clause out of its
// place, a duration whose number is not written out. Null when the word suggests none.
std::optional<SyntaxError> misplaced_word(std::string_view word, std::uint32_t offset)
{
   if (word == "requires")
      return SyntaxError{offset, "'requires' goes right after an input's type or default, before its source",
                         "write: input NAME: TYPE [= DEFAULT] requires CONDITION source \"…\"; only inputs take 'requires': for other checks, "
                         "write a 'require' declaration"};
   for (const std::string_view unit : {"years", "year", "months", "month", "weeks", "week", "days", "day", "hours", "hour"}) {
      if (word != unit) continue;
      const std::string_view one = unit.ends_with('s') ? unit.substr(0, unit.size() - 1) : unit;
      return SyntaxError{offset, fmt::format("a duration is a number written out and its unit (5 years, 3 months, 37 hours): '{}' cannot follow a name or an expression", unit),
                         fmt::format("for a count held in a name, multiply one {}: n * 1 {}; or use add_years, add_months or add_days", one, one)};
   }
   return std::nullopt;
}

// Where the code ends on the last line before `offset` that has code, when `offset` is a
// line's first word: "expected a value after the operator" belongs after the '+' that ends a
// line, not at the next line's first word. Null when `offset` is not at a line's start.
std::optional<std::uint32_t> end_of_line_before(std::string_view text, std::uint32_t offset)
{
   std::size_t line = offset;
   while (line > 0 && (text[line - 1] == ' ' || text[line - 1] == '\t')) --line;
   if (line > 0 && text[line - 1] != '\n' && text[line - 1] != '\r') return std::nullopt;
   while (line > 0) {
      const std::size_t end = line - 1;  // the newline that ends the line before
      line = text.rfind('\n', end == 0 ? 0 : end - 1);
      line = line == std::string_view::npos ? 0 : line + 1;
      // the code ends at a comment that is not inside text
      std::size_t code_end = end;
      bool in_text = false;
      for (std::size_t i = line; i < end; ++i) {
         if (in_text) {
            if (text[i] == '\\') ++i;
            else if (text[i] == '"') in_text = false;
         } else if (text[i] == '"') {
            in_text = true;
         } else if (text[i] == '#') {
            code_end = i;
            break;
         }
      }
      while (code_end > line && std::isspace(static_cast<unsigned char>(text[code_end - 1]))) --code_end;
      if (code_end == line) continue;
      // a line that ends in ',' or an open bracket goes on: the next line's first word is
      // what is wrong (`max(1,` then a new clause)
      if (std::string_view(",([{").find(text[code_end - 1]) != std::string_view::npos) return std::nullopt;
      return static_cast<std::uint32_t>(code_end);
   }
   return std::nullopt;
}

std::string where(const ParseState& s, std::uint32_t offset)
{
   const auto lc = s.file->line_col(offset);
   return fmt::format("{}:{}", lc.line, lc.column);
}

template <typename ParseInput, typename Tree>
bool read_plain_row(ParseInput& in, ParseState& s, Tree& tree);

template <typename Rule>
struct control : pegtl::normal<Rule> {
   // A table row of plain cells is read without the grammar, when read_plain_row can.
   template <pegtl::apply_mode A, pegtl::rewind_mode M, template <typename...> class Action, template <typename...> class Control, typename ParseInput,
             typename... States>
   [[nodiscard]] static bool match(ParseInput& in, States&&... st)
   {
      if constexpr (std::is_same_v<Rule, g::table_row>) {
         if (read_plain_row(in, st...)) return true;
      }
      return pegtl::normal<Rule>::template match<A, M, Action, Control>(in, st...);
   }

   template <typename ParseInput>
   static void start(const ParseInput& in, ParseState& s)
   {
      if constexpr (opener<Rule> != nullptr) s.open.push_back({static_cast<std::uint32_t>(in.byte()), opener<Rule>});
      if constexpr (nests<Rule>) {
         if (++s.depth > max_nesting * 3) {
            throw SyntaxError{static_cast<std::uint32_t>(in.byte()), fmt::format("this expression nests more than {} levels deep", max_nesting),
                              "split it into smaller named values with 'let'", "E0103"};
         }
      }
   }
   template <typename ParseInput>
   static void success(const ParseInput&, ParseState& s) { leave(s); }
   template <typename ParseInput>
   static void failure(const ParseInput&, ParseState& s) { leave(s); }
   template <typename ParseInput>
   static void unwind(const ParseInput&, ParseState& s) { leave(s); }

   static void leave(ParseState& s)
   {
      if constexpr (opener<Rule> != nullptr) s.open.pop_back();
      if constexpr (nests<Rule>) --s.depth;
   }

   template <typename ParseInput>
   [[noreturn]] static void raise(const ParseInput& in, ParseState& s)
   {
      const auto offset = static_cast<std::uint32_t>(in.byte());
      if constexpr (std::is_same_v<Rule, g::declaration>) {
         if (auto misplaced = misplaced_word(word_at(*s.file, offset), offset)) throw *misplaced;
      }
      constexpr auto text = g::error_text<Rule>;
      std::string message = text.message ? text.message : fmt::format("expected {}", pegtl::demangle<Rule>());
      if (auto p = message.find("{open}"); p != std::string::npos) {
         const std::string opened = s.open.empty() ? std::string("the bracket") : fmt::format("{} opened at {}", s.open.back().what, where(s, s.open.back().offset));
         message.replace(p, 6, opened);
      }
      if (auto p = message.find("{at}"); p != std::string::npos) {
         message.replace(p, 4, s.open.empty() ? std::string("?") : where(s, s.open.back().offset));
      }
      // a word where a clause keyword was expected is the mistake itself (`expcet` in a test)
      if constexpr (!std::is_same_v<Rule, g::declaration> && !std::is_same_v<Rule, g::test_close>) {
         const std::string_view source(in.current() - in.byte(), static_cast<std::size_t>(in.end() - (in.current() - in.byte())));
         if (const auto end = end_of_line_before(source, offset)) throw SyntaxError{*end, message + ", found the end of the line", text.help ? text.help : ""};
      }
      throw SyntaxError{offset, message + ", " + describe_found(*s.file, offset), text.help ? text.help : ""};
   }
};

// --- Which rules become tree nodes ------------------------------------------------------

// A node with one child is replaced by it; a node with more keeps its content.
struct fold_single : pegtl::parse_tree::apply<fold_single> {
   template <typename N, typename... States>
   static void transform(std::unique_ptr<N>& n, States&&...) noexcept
   {
      if (n->children.size() == 1) n = std::move(n->children.front());
   }
};

// A table row is handed to the RowBuilder as soon as it is read.
struct build_row : pegtl::parse_tree::apply<build_row> {
   template <typename N>
   static void transform(std::unique_ptr<N>& n, ParseState& s)
   {
      if (s.rows) s.rows->add(*n);
   }
};

template <typename Rule>
using selector = pegtl::parse_tree::selector<
   Rule,
   pegtl::parse_tree::store_content::on<
      // expressions
      g::expr, g::if_expr, g::lambda, g::lambda_param, g::or_op, g::and_op, g::not_op, g::compare_op,
      g::in_op, g::coalesce_op, g::add_op, g::mul_op, g::negate_op, g::as_of_date,
      g::paren_expr, g::call_args, g::field_access, g::field_name, g::name_ref, g::list_lit, g::record_lit, g::record_field, g::field_key,
      // literals
      g::money_lit, g::date_lit, g::duration_lit, g::duration_unit, g::percent_lit, g::decimal_lit, g::int_lit, g::text_lit, g::text_chunk, g::text_escape,
      g::text_interp, g::true_lit, g::false_lit, g::none_lit,
      // types
      g::type, g::type_name, g::list_type, g::optional_mark,
      // declarations
      g::decl_name, g::source_clause, g::policy_decl, g::policy_name, g::meta_entry, g::meta_key, g::import_decl, g::import_target, g::dotted_name,
      g::import_alias, g::enum_decl, g::enum_body, g::enum_variant, g::variant_name, g::record_decl, g::record_body, g::field_decl, g::field_decl_name, g::input_decl, g::default_value,
      g::requires_clause, g::param_decl, g::period, g::period_date, g::let_decl, g::let_type, g::fn_decl, g::fn_params, g::output_decl, g::require_decl,
      g::require_message, g::rule_decl, g::rule_default, g::rule_exception, g::exception_label, g::exception_parent, g::table_decl, g::table_params,
      g::hit_name, g::collect_op, g::table_header, g::column_name, g::table_version, g::table_from, g::any_cell, g::range_cell, g::range_open,
      g::range_close, g::range_low, g::range_high, g::compare_cell, g::test_list, g::not_cell, g::priority_order, g::priority_rank, g::priority_field, g::table_default, g::test_decl, g::test_body, g::test_name, g::test_given, g::test_as_of,
      g::test_expect, g::expect_violation, g::expect_error>,
   build_row::on<g::table_row>,
   // the levels of an expression with one child are that child (the builder reads them so)
   fold_single::on<g::or_expr, g::and_expr, g::not_expr, g::compare_expr, g::coalesce_expr, g::add_expr, g::mul_expr, g::operand, g::as_of_expr,
                   g::postfix_expr>>;

// Every rule tried makes a parse-tree node, kept or not: millions on a big table. They come
// from a free list of fixed-size blocks rather than the general heap.
struct Node : pegtl::parse_tree::basic_node<Node> {
   std::int32_t built_row = -1;  // a table row built as it was read: its index in RowBuilder::built
   Node() noexcept {}  // each member has its initial value: make_unique<Node>() need not zero it first
   static void* operator new(std::size_t size);
   static void operator delete(void* p, std::size_t size) noexcept;
};

class NodePool {
public:
   void* take()
   {
      ++live_;
      if (free_) {
         Free* f = free_;
         free_ = f->next;
         return f;
      }
      if (slabs_.empty() || used_ == per_slab) {
         slabs_.push_back(std::make_unique<std::byte[]>(per_slab * sizeof(Node)));
         used_ = 0;
      }
      return slabs_.back().get() + sizeof(Node) * used_++;
   }
   void give(void* p) noexcept
   {
      Free* f = static_cast<Free*>(p);
      f->next = free_;
      free_ = f;
      if (--live_ == 0) {  // no tree left: keep one slab, give the rest back
         slabs_.resize(1);
         free_ = nullptr;
         used_ = 0;
      }
   }

private:
   struct Free {
      Free* next;
   };
   static constexpr std::size_t per_slab = 256;
   Free* free_ = nullptr;
   std::vector<std::unique_ptr<std::byte[]>> slabs_;
   std::size_t used_ = 0;  // blocks taken from the newest slab
   std::size_t live_ = 0;  // blocks taken and not given back
};
thread_local NodePool node_pool;  // a tree is made and freed on one thread

void* Node::operator new(std::size_t size) { return size == sizeof(Node) ? node_pool.take() : ::operator new(size); }
void Node::operator delete(void* p, std::size_t size) noexcept
{
   if (size == sizeof(Node)) node_pool.give(p);
   else ::operator delete(p);
}

// A table row of plain cells, read by RowBuilder::scan rather than by the grammar: the rule
// succeeds with the node its success would have added, standing for the row built.
template <typename ParseInput, typename Tree>
bool read_plain_row(ParseInput& in, ParseState& s, Tree& tree)
{
   if (!s.rows) return false;
   const char* const text = in.current() - in.byte();
   const auto at = static_cast<std::uint32_t>(in.byte());
   const auto end = s.rows->scan(std::string_view(text, static_cast<std::size_t>(in.end() - text)), at);
   if (!end) return false;
   auto row = std::make_unique<Node>();
   row->template start<g::table_row>(in);
   in.bump(*end - at);
   row->template success<g::table_row>(in);
   row->built_row = static_cast<std::int32_t>(s.rows->built.size() - 1);
   tree.back()->children.push_back(std::move(row));
   return true;
}

// --- From parse tree to syntax tree -----------------------------------------------------

// Whether a table's row is its header written again: every cell a column's name, in order, and no
// source. Authors repeat the header under each `from`, as a spreadsheet shows it.
bool repeats_header(const std::vector<std::string_view>& cells, const std::vector<std::string>& columns)
{
   return std::equal(cells.begin(), cells.end(), columns.begin(), columns.end());
}

bool repeats_header(const Node& row, const std::vector<std::string>& columns)
{
   std::vector<std::string_view> cells;
   for (const auto& cell : row.children) {
      if (cell->is_type<g::source_clause>()) return false;
      std::string_view t = cell->string_view();
      while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
      while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
      cells.push_back(t);
   }
   return repeats_header(cells, columns);
}

// Whether a cell's text is one bare word, as a column's name is.
bool bare_word(std::string_view cell)
{
   while (!cell.empty() && (cell.front() == ' ' || cell.front() == '\t')) cell.remove_prefix(1);
   while (!cell.empty() && (cell.back() == ' ' || cell.back() == '\t')) cell.remove_suffix(1);
   if (cell.empty()) return false;
   return std::all_of(cell.begin(), cell.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || (static_cast<unsigned char>(c) & 0x80); });
}

// Whether a row's cells are all bare words: it may be the header written again, which only the
// table's columns tell, so it is built with the table.
bool may_repeat_header(const Node& row)
{
   return std::all_of(row.children.begin(), row.children.end(), [](const auto& cell) { return !cell->template is_type<g::source_clause>() && bare_word(cell->string_view()); });
}

class Builder {
public:
   Builder(std::uint32_t file_id, Diagnostics& diagnostics) : file_id_(file_id), diagnostics_(diagnostics) {}

   void declaration(const Node& n, Module& m);
   TableRow row(const Node& n);
   // A row read by the row scan from `text`: the same row the grammar's parse tree gives.
   TableRow row(const row_scan::Row& r, std::string_view text);
   std::vector<BuiltRow>* built_rows = nullptr;  // rows built as they were read (Node::built_row)

private:
   Span span(const Node& n) const { return {file_id_, static_cast<std::uint32_t>(n.m_begin.byte), static_cast<std::uint32_t>(n.m_end.byte)}; }
   Span span(std::uint32_t begin, std::uint32_t end) const { return {file_id_, begin, end}; }
   static std::string text(const Node& n) { return std::string(n.string_view()); }
   static const Node* child(const Node& n, auto rule_tag)
   {
      using R = decltype(rule_tag);
      for (const auto& c : n.children) {
         if (c->is_type<R>()) return c.get();
      }
      return nullptr;
   }
   template <typename R>
   static const Node* find(const Node& n) { return child(n, R{}); }

   ExprPtr expr(const Node& n);
   ExprPtr chain(const Node& n);
   ExprPtr compare(const Node& n);
   ExprPtr postfix(const Node& n);
   ExprPtr literal_text(const Node& n);
   ExprPtr make(ExprKind k, const Node& n) { return make(k, span(n)); }
   static ExprPtr make(ExprKind k, Span s) { return std::make_unique<Expr>(k, s); }
   // Names and literals from the text the grammar matched, for the parse tree and the row scan alike.
   static ExprPtr name(Span s, std::string_view written);
   static ExprPtr money(Span s, std::string_view written);
   ExprPtr date_literal(Span s, std::string_view written);
   static ExprPtr number(ExprKind k, Span s, std::string_view written);
   static ExprPtr percent(Span s, std::string_view written);
   static ExprPtr boolean(Span s, std::string_view written);
   static void add_text(Expr& text_lit, std::string piece);
   static CompareOp compare_op(std::string_view written);
   CivilDate date(const Node& n);
   CivilDate date(std::string_view written, Span s);
   ExprPtr value(const row_scan::Value& v, std::string_view text);
   Cell test(const row_scan::Test& t, std::string_view text);
   Cell cell(const row_scan::Row& r, const row_scan::Cell& c, std::string_view text);
   TypeExpr type(const Node& n);
   SourceRef source(const Node& n);
   std::string string_value(const Node& text_lit);
   FieldDecl field(const Node& n);
   Cell cell(const Node& n);
   template <typename D>
   void named(D& d, const Node& n)
   {
      const Node* name = find<g::decl_name>(n);
      d.name = name ? text(*name) : std::string();
      d.name_span = name ? span(*name) : span(n);
      d.span = span(n);
   }

   std::uint32_t file_id_;
   Diagnostics& diagnostics_;
};

bool is_expr_node(const Node& n)
{
   return n.is_type<g::expr>() || n.is_type<g::if_expr>() || n.is_type<g::lambda>() || n.is_type<g::or_expr>() || n.is_type<g::and_expr>() ||
          n.is_type<g::not_expr>() || n.is_type<g::compare_expr>() || n.is_type<g::coalesce_expr>() || n.is_type<g::add_expr>() || n.is_type<g::mul_expr>() ||
          n.is_type<g::operand>() || n.is_type<g::as_of_expr>() || n.is_type<g::postfix_expr>() || n.is_type<g::name_ref>() || n.is_type<g::list_lit>() ||
          n.is_type<g::record_lit>() || n.is_type<g::money_lit>() || n.is_type<g::date_lit>() || n.is_type<g::duration_lit>() || n.is_type<g::percent_lit>() ||
          n.is_type<g::decimal_lit>() || n.is_type<g::int_lit>() || n.is_type<g::text_lit>() || n.is_type<g::true_lit>() || n.is_type<g::false_lit>() ||
          n.is_type<g::none_lit>() || n.is_type<g::paren_expr>() || n.is_type<g::default_value>() || n.is_type<g::range_low>() || n.is_type<g::range_high>() || n.is_type<g::as_of_date>();
}

const Node* first_expr_child(const Node& n)
{
   for (const auto& c : n.children) {
      if (is_expr_node(*c)) return c.get();
   }
   return nullptr;
}

std::vector<const Node*> expr_children(const Node& n)
{
   std::vector<const Node*> out;
   for (const auto& c : n.children) {
      if (is_expr_node(*c)) out.push_back(c.get());
   }
   return out;
}

ExprPtr Builder::expr(const Node& n)
{
   if (n.is_type<g::paren_expr>()) {
      // the parentheses belong to the expression's text: `(y > 5) or y > 7` is quoted whole
      auto inner = expr(*n.children.at(0));
      inner->span = span(n);
      return inner;
   }
   if (n.is_type<g::expr>() || n.is_type<g::default_value>() || n.is_type<g::range_low>() || n.is_type<g::range_high>() || n.is_type<g::as_of_date>()) {
      return expr(*n.children.at(0));
   }
   if (n.is_type<g::if_expr>()) {
      auto e = make(ExprKind::if_, n);
      for (const Node* c : expr_children(n)) e->args.push_back(expr(*c));
      return e;
   }
   if (n.is_type<g::lambda>()) {
      auto e = make(ExprKind::lambda, n);
      e->text = text(*n.children.at(0));
      e->args.push_back(expr(*n.children.at(1)));
      return e;
   }
   if (n.is_type<g::or_expr>() || n.is_type<g::and_expr>() || n.is_type<g::coalesce_expr>() || n.is_type<g::add_expr>() || n.is_type<g::mul_expr>()) {
      return chain(n);
   }
   if (n.is_type<g::compare_expr>()) return compare(n);
   if (n.is_type<g::not_expr>() || n.is_type<g::operand>()) {
      if (n.children.size() == 1) return expr(*n.children[0]);
      auto e = make(n.is_type<g::not_expr>() ? ExprKind::not_ : ExprKind::negate, n);
      e->args.push_back(expr(*n.children.at(1)));
      return e;
   }
   if (n.is_type<g::as_of_expr>()) {
      if (n.children.size() == 1) return expr(*n.children[0]);
      auto e = make(ExprKind::as_of, n);
      e->args.push_back(expr(*n.children[0]));
      e->args.push_back(expr(*n.children[1]));
      return e;
   }
   if (n.is_type<g::postfix_expr>()) return postfix(n);
   if (n.is_type<g::name_ref>()) return name(span(n), n.string_view());
   if (n.is_type<g::list_lit>()) {
      auto e = make(ExprKind::list, n);
      for (const auto& c : n.children) e->args.push_back(expr(*c));
      return e;
   }
   if (n.is_type<g::record_lit>()) {
      auto e = make(ExprKind::record, n);
      for (const auto& f : n.children) {
         e->field_names.push_back(text(*f->children.at(0)));
         e->field_spans.push_back(span(*f->children.at(0)));
         e->args.push_back(expr(*f->children.at(1)));
      }
      return e;
   }
   if (n.is_type<g::money_lit>()) return money(span(n), n.string_view());
   if (n.is_type<g::date_lit>()) return date_literal(span(n), n.string_view());
   if (n.is_type<g::duration_lit>()) {
      auto e = make(ExprKind::duration_lit, n);
      e->text = text(*n.children.at(0));
      e->qualifier = text(*n.children.at(1));
      const char u = e->qualifier[0];
      e->unit = (u == 'y' || u == 'm') ? DurationUnit::months : (u == 'h' ? DurationUnit::hours : DurationUnit::days);
      return e;
   }
   if (n.is_type<g::percent_lit>()) return percent(span(n), n.string_view());
   if (n.is_type<g::decimal_lit>()) return number(ExprKind::decimal_lit, span(n), n.string_view());
   if (n.is_type<g::int_lit>()) return number(ExprKind::int_lit, span(n), n.string_view());
   if (n.is_type<g::text_lit>()) return literal_text(n);
   if (n.is_type<g::true_lit>() || n.is_type<g::false_lit>()) return boolean(span(n), n.string_view());
   if (n.is_type<g::none_lit>()) return make(ExprKind::none_lit, n);
   throw SyntaxError{static_cast<std::uint32_t>(n.m_begin.byte), fmt::format("unexpected {}", n.type), ""};
}

ExprPtr Builder::name(Span s, std::string_view written)
{
   auto e = make(ExprKind::name, s);
   e->text = written;
   return e;
}

// £1,000.50 is the text 1000.50
ExprPtr Builder::money(Span s, std::string_view written)
{
   auto e = make(ExprKind::money_lit, s);
   for (char c : written) {
      if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') e->text += c;
   }
   return e;
}

ExprPtr Builder::date_literal(Span s, std::string_view written)
{
   auto e = make(ExprKind::date_lit, s);
   e->date = date(written, s);
   return e;
}

ExprPtr Builder::number(ExprKind k, Span s, std::string_view written)
{
   auto e = make(k, s);
   e->text = written;
   return e;
}

// 1.5% is the text 1.5
ExprPtr Builder::percent(Span s, std::string_view written)
{
   auto e = make(ExprKind::percent_lit, s);
   e->text = written.substr(0, written.size() - 1);
   return e;
}

ExprPtr Builder::boolean(Span s, std::string_view written)
{
   auto e = make(ExprKind::bool_lit, s);
   e->text = written;
   return e;
}

// A piece of literal text joins the chunk before it, if there is one.
void Builder::add_text(Expr& text_lit, std::string piece)
{
   if (!text_lit.parts.empty() && text_lit.parts.back().expr_index < 0) {
      text_lit.parts.back().chunk += piece;
   } else {
      text_lit.parts.push_back({std::move(piece), -1});
   }
}

CompareOp Builder::compare_op(std::string_view op)
{
   return op == "==" ? CompareOp::eq : op == "!=" ? CompareOp::ne : op == "<=" ? CompareOp::le : op == ">=" ? CompareOp::ge : op == "<" ? CompareOp::lt : CompareOp::gt;
}

// a op b op c, folded to the left
ExprPtr Builder::chain(const Node& n)
{
   ExprPtr left = expr(*n.children.at(0));
   for (std::size_t i = 1; i + 1 < n.children.size(); i += 2) {
      const auto op_text = n.children[i]->string_view();
      BinaryOp op = BinaryOp::add;
      if (op_text == "+") op = BinaryOp::add;
      else if (op_text == "-") op = BinaryOp::sub;
      else if (op_text == "*") op = BinaryOp::mul;
      else if (op_text == "/") op = BinaryOp::div;
      else if (op_text == "and") op = BinaryOp::and_;
      else if (op_text == "or") op = BinaryOp::or_;
      else if (op_text == "??") op = BinaryOp::coalesce;
      ExprPtr right = expr(*n.children[i + 1]);
      auto e = std::make_unique<Expr>(ExprKind::binary, Span{file_id_, left->span.begin, right->span.end});
      e->op = op;
      e->args.push_back(std::move(left));
      e->args.push_back(std::move(right));
      left = std::move(e);
   }
   return left;
}

ExprPtr Builder::compare(const Node& n)
{
   if (n.children.size() == 1) return expr(*n.children[0]);
   const bool has_in = std::any_of(n.children.begin(), n.children.end(), [](const auto& c) { return c->template is_type<g::in_op>(); });
   if (has_in) {
      if (n.children.size() != 3) {
         diagnostics_.error("E0105", span(n), "'in' cannot be chained with other comparisons").help = "put the membership test in parentheses, or join the tests with 'and'";
      }
      auto e = make(ExprKind::binary, n);
      e->op = BinaryOp::in;
      e->args.push_back(expr(*n.children[0]));
      e->args.push_back(expr(*n.children[2]));
      return e;
   }
   auto e = make(ExprKind::compare, n);
   e->args.push_back(expr(*n.children[0]));
   for (std::size_t i = 1; i + 1 < n.children.size(); i += 2) {
      e->compare_ops.push_back(compare_op(n.children[i]->string_view()));
      e->args.push_back(expr(*n.children[i + 1]));
   }
   return e;
}

ExprPtr Builder::postfix(const Node& n)
{
   ExprPtr e = expr(*n.children.at(0));
   for (std::size_t i = 1; i < n.children.size(); ++i) {
      const Node& p = *n.children[i];
      Span s{file_id_, e->span.begin, static_cast<std::uint32_t>(p.m_end.byte)};
      if (p.is_type<g::field_access>()) {
         auto f = std::make_unique<Expr>(ExprKind::field, s);
         f->text = text(*p.children.at(0));
         f->args.push_back(std::move(e));
         e = std::move(f);
         continue;
      }
      auto call = std::make_unique<Expr>(ExprKind::call, s);
      if (e->kind == ExprKind::name) {
         call->text = e->text;
      } else if (e->kind == ExprKind::field && e->args[0]->kind == ExprKind::name) {
         call->text = e->text;
         call->qualifier = e->args[0]->text;
      } else {
         diagnostics_.error("E0106", e->span, "only functions, tables and built-ins can be called").help = "call a function by its name, e.g. round(x, 2)";
      }
      for (const auto& a : p.children) call->args.push_back(expr(*a));
      e = std::move(call);
   }
   return e;
}

std::string unescape(std::string_view s)
{
   switch (s.size() > 1 ? s[1] : ' ') {
      case 'n': return "\n";
      case 't': return "\t";
      default: return std::string(s.substr(1));
   }
}

ExprPtr Builder::literal_text(const Node& n)
{
   auto e = make(ExprKind::text_lit, n);
   for (const auto& c : n.children) {
      if (c->is_type<g::text_interp>()) {
         e->parts.push_back({{}, static_cast<int>(e->args.size())});
         e->args.push_back(expr(*c->children.at(0)));
         continue;
      }
      add_text(*e, c->is_type<g::text_escape>() ? unescape(c->string_view()) : text(*c));
   }
   return e;
}

std::string Builder::string_value(const Node& n)
{
   const Node* lit = n.is_type<g::text_lit>() ? &n : nullptr;
   if (!lit) {
      for (const auto& c : n.children) {
         if (c->is_type<g::text_lit>()) lit = c.get();
      }
   }
   if (!lit) return {};
   std::string out;
   for (const auto& c : lit->children) {
      if (c->is_type<g::text_interp>()) {
         diagnostics_.error("E0107", span(*c), "interpolation is not allowed here").help = "this text is fixed: write \\{ for a literal brace";
         continue;
      }
      out += c->is_type<g::text_escape>() ? unescape(c->string_view()) : text(*c);
   }
   return out;
}

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

CivilDate Builder::date(const Node& n)
{
   const Node& d = n.is_type<g::date_lit>() ? n : *n.children.at(0);
   return date(d.string_view(), span(d));
}

// A date as written, 2024-06-30; a day that is not in the calendar is reported at `written_at`.
CivilDate Builder::date(std::string_view s, Span written_at)
{
   CivilDate c;
   c.year = std::stoi(std::string(s.substr(0, 4)));
   c.month = std::stoi(std::string(s.substr(5, 2)));
   c.day = std::stoi(std::string(s.substr(8, 2)));
   static constexpr int days_in[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
   static constexpr const char* month_names[] = {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"};
   if (c.month < 1 || c.month > 12) {
      diagnostics_.error("E0102", written_at, fmt::format("{} is not a date: there is no month {}", s, c.month)).help = "dates are written YYYY-MM-DD";
      return {1970, 1, 1};
   }
   const int limit = days_in[c.month - 1] + ((c.month == 2 && leap(c.year)) ? 1 : 0);
   if (c.day < 1 || c.day > limit) {
      diagnostics_.error("E0102", written_at, fmt::format("{} is not a date: {} {} has {} days", s, month_names[c.month - 1], c.year, limit)).help =
         "dates are written YYYY-MM-DD";
      return {1970, 1, 1};
   }
   return c;
}

TypeExpr Builder::type(const Node& n)
{
   TypeExpr t;
   t.span = span(n);
   const Node& head = *n.children.at(0);
   if (head.is_type<g::list_type>()) {
      t.name = "list";
      t.element = std::make_unique<TypeExpr>(type(*head.children.at(0)));
   } else {
      t.name = text(head);
   }
   t.optional = find<g::optional_mark>(n) != nullptr;
   return t;
}

SourceRef Builder::source(const Node& n)
{
   const Node* s = find<g::source_clause>(n);
   if (!s) return {};
   return {string_value(*s), span(*s)};
}

FieldDecl Builder::field(const Node& n)
{
   return {text(*n.children.at(0)), span(n), type(*n.children.at(1))};
}

Cell Builder::cell(const Node& n)
{
   Cell c;
   c.span = span(n);
   if (n.is_type<g::any_cell>()) {
      c.kind = CellKind::any;
   } else if (n.is_type<g::not_cell>()) {
      c = cell(*n.children.at(0));
      c.span = span(n);
      c.negated = true;
   } else if (n.is_type<g::test_list>()) {
      // values alone are one 'values' cell; a single test stands alone; a mix is 'either'
      const bool all_values = std::none_of(n.children.begin(), n.children.end(), [](const auto& t) { return t->template is_type<g::range_cell>() || t->template is_type<g::compare_cell>(); });
      if (all_values) {
         c.kind = CellKind::values;
         for (const auto& v : n.children) c.values.push_back(expr(*v));
      } else if (n.children.size() == 1) {
         c = cell(*n.children.front());
      } else {
         c.kind = CellKind::either;
         for (const auto& t : n.children) c.tests.push_back(cell(*t));
      }
   } else if (n.is_type<g::range_cell>()) {
      c.kind = CellKind::range;
      c.low_closed = n.children.at(0)->string_view() == "[";
      c.low = expr(*n.children.at(1));
      c.high = expr(*n.children.at(2));
      c.high_closed = n.children.at(3)->string_view() == "]";
   } else if (n.is_type<g::compare_cell>()) {
      c.kind = CellKind::compare;
      c.op = compare_op(n.children.at(0)->string_view());
      c.values.push_back(expr(*n.children.at(1)));
   } else {
      c.kind = CellKind::values;  // one value, inside an 'either'
      c.values.push_back(expr(n));
   }
   return c;
}

template <typename T>
void push(std::vector<T>& v, T&& item, Module& m, DeclKind kind)
{
   m.order.push_back({kind, static_cast<std::uint32_t>(v.size())});
   v.push_back(std::move(item));
}

void Builder::declaration(const Node& n, Module& m)
{
   if (n.is_type<g::policy_decl>()) {
      if (m.header.present) {
         diagnostics_.error("E0108", span(n), "a file has one policy header").help = "remove this 'policy' line, or move it to its own file";
         return;
      }
      m.header.present = true;
      m.header.span = span(n);
      const Node* name = find<g::policy_name>(n);
      m.header.name = text(*name);
      m.header.name_span = span(*name);
      for (const auto& c : n.children) {
         if (c->is_type<g::meta_entry>()) m.header.meta.push_back({text(*c->children.at(0)), string_value(*c->children.at(1)), span(*c)});
      }
      m.header.source = source(n);
   } else if (n.is_type<g::import_decl>()) {
      ImportDecl d;
      d.span = span(n);
      const Node& target = *n.children.at(0);
      d.is_file = target.children.at(0)->is_type<g::text_lit>();
      d.target = d.is_file ? string_value(*target.children.at(0)) : text(target);
      if (const Node* alias = find<g::import_alias>(n)) d.alias = text(*alias);
      push(m.imports, std::move(d), m, DeclKind::import);
   } else if (n.is_type<g::enum_decl>()) {
      EnumDecl d;
      named(d, n);
      for (const auto& c : find<g::enum_body>(n)->children) {
         if (!c->is_type<g::enum_variant>()) continue;
         EnumDecl::Variant v{text(*c->children.at(0)), {}, span(*c)};
         if (c->children.size() > 1) v.label = string_value(*c->children[1]);
         d.variants.push_back(std::move(v));
      }
      push(m.enums, std::move(d), m, DeclKind::enum_);
   } else if (n.is_type<g::record_decl>()) {
      RecordDecl d;
      named(d, n);
      for (const auto& c : find<g::record_body>(n)->children) {
         if (c->is_type<g::field_decl>()) d.fields.push_back(field(*c));
      }
      push(m.records, std::move(d), m, DeclKind::record);
   } else if (n.is_type<g::input_decl>()) {
      InputDecl d;
      named(d, n);
      d.type = type(*find<g::type>(n));
      if (const Node* v = find<g::default_value>(n)) d.default_value = expr(*v);
      if (const Node* r = find<g::requires_clause>(n)) d.requires_ = expr(*r->children.at(0));
      d.source = source(n);
      push(m.inputs, std::move(d), m, DeclKind::input);
   } else if (n.is_type<g::param_decl>()) {
      ParamDecl d;
      named(d, n);
      d.type = type(*find<g::type>(n));
      if (const Node* v = first_expr_child(n)) d.value = expr(*v);
      d.source = source(n);
      for (const auto& c : n.children) {
         if (!c->is_type<g::period>()) continue;
         Period p;
         p.span = span(*c);
         p.from = date(*c->children.at(0));
         p.value = expr(*c->children.at(1));
         p.source = source(*c);
         d.periods.push_back(std::move(p));
      }
      push(m.params, std::move(d), m, DeclKind::param);
   } else if (n.is_type<g::let_decl>() || n.is_type<g::output_decl>()) {
      std::optional<TypeExpr> t;
      if (const Node* lt = find<g::let_type>(n)) t = type(*lt->children.at(0));
      ExprPtr value = expr(*first_expr_child(n));
      if (n.is_type<g::let_decl>()) {
         LetDecl d;
         named(d, n);
         d.type = std::move(t);
         d.value = std::move(value);
         push(m.lets, std::move(d), m, DeclKind::let);
      } else {
         OutputDecl d;
         named(d, n);
         d.type = std::move(t);
         d.value = std::move(value);
         push(m.outputs, std::move(d), m, DeclKind::output);
      }
   } else if (n.is_type<g::fn_decl>()) {
      FnDecl d;
      named(d, n);
      for (const auto& c : find<g::fn_params>(n)->children) d.params.push_back(field(*c));
      d.result = type(*find<g::type>(n));
      d.body = expr(*first_expr_child(n));
      push(m.fns, std::move(d), m, DeclKind::fn);
   } else if (n.is_type<g::require_decl>()) {
      RequireDecl d;
      d.span = span(n);
      d.condition = expr(*first_expr_child(n));
      d.message = literal_text(*find<g::require_message>(n)->children.at(0));
      d.source = source(n);
      push(m.requires_, std::move(d), m, DeclKind::require);
   } else if (n.is_type<g::rule_decl>()) {
      RuleDecl d;
      named(d, n);
      d.type = type(*find<g::type>(n));
      d.source = source(n);
      for (const auto& c : n.children) {
         if (c->is_type<g::rule_default>()) {
            if (d.default_value) {
               diagnostics_.error("E0109", span(*c), fmt::format("rule '{}' has two defaults", d.name)).help = "a rule has one default; write the other case as an exception";
               continue;
            }
            d.default_value = expr(*first_expr_child(*c));
            d.default_span = span(*c);
            d.default_source = source(*c);
         } else if (c->is_type<g::rule_exception>()) {
            RuleException x;
            x.span = span(*c);
            if (const Node* l = find<g::exception_label>(*c)) x.label = text(*l);
            if (const Node* p = find<g::exception_parent>(*c)) {
               x.parent = text(*p);
               x.parent_span = span(*p);
            }
            const auto values = expr_children(*c);
            x.condition = expr(*values.at(0));
            x.value = expr(*values.at(1));
            x.source = source(*c);
            d.exceptions.push_back(std::move(x));
         }
      }
      push(m.rules, std::move(d), m, DeclKind::rule);
   } else if (n.is_type<g::table_decl>()) {
      TableDecl d;
      named(d, n);
      for (const auto& c : find<g::table_params>(n)->children) d.params.push_back(field(*c));
      d.result = type(*find<g::type>(n));
      if (const Node* h = find<g::hit_name>(n)) {
         const auto word = h->string_view();
         if (word.starts_with("unique")) d.hit = HitPolicy::unique;
         else if (word.starts_with("first")) d.hit = HitPolicy::first;
         else if (word.starts_with("any")) d.hit = HitPolicy::any;
         else if (word.starts_with("priority")) d.hit = HitPolicy::priority;
         else if (word.starts_with("output")) d.hit = HitPolicy::output_order;
         else {
            d.hit = HitPolicy::collect;
            if (const Node* op = find<g::collect_op>(*h)) {
               const auto o = op->string_view();
               d.collect = o == "sum" ? CollectOp::sum : o == "min" ? CollectOp::min : o == "max" ? CollectOp::max : o == "count" ? CollectOp::count : CollectOp::list;
            }
         }
         if (const Node* order = find<g::priority_order>(*h)) {
            for (const auto& rank : order->children) {
               PriorityOrder o;
               for (const auto& part : rank->children) {
                  if (part->is_type<g::priority_field>()) {
                     o.field = text(*part);
                     o.field_span = span(*part);
                  } else {
                     o.values.push_back(expr(*part));
                  }
               }
               d.priority.push_back(std::move(o));
            }
         }
      }
      d.source = source(n);
      // table_body is not a node: its header and versions are children of the table
      std::optional<CivilDate> leading_from;
      for (const auto& c : n.children) {
         if (c->is_type<g::table_from>()) {
            leading_from = date(*c->children.at(0));
         } else if (c->is_type<g::table_header>()) {
            for (const auto& col : c->children) {
               d.columns.push_back(text(*col));
               d.column_spans.push_back(span(*col));
            }
         } else if (c->is_type<g::table_version>()) {
            TableVersion v;
            v.span = span(*c);
            for (const auto& part : c->children) {
               if (part->is_type<g::table_from>()) {
                  v.from = date(*part->children.at(0));
               } else if (part->is_type<g::table_default>()) {
                  v.default_value = expr(*part->children.at(0));
               } else if (part->is_type<g::table_row>()) {
                  if (part->built_row >= 0) {
                     BuiltRow& built = (*built_rows)[static_cast<std::size_t>(part->built_row)];
                     if (v.rows.empty() && !built.words.empty() && repeats_header(built.words, d.columns)) continue;
                     for (const auto& diag : built.diagnostics.items()) diagnostics_.add(diag);
                     v.rows.push_back(std::move(built.row));
                     continue;
                  }
                  if (v.rows.empty() && repeats_header(*part, d.columns)) continue;  // the header again, under its `from`
                  v.rows.push_back(row(*part));
               }
            }
            if (d.versions.empty() && !v.from) v.from = leading_from;
            d.versions.push_back(std::move(v));
         }
      }
      push(m.tables, std::move(d), m, DeclKind::table);
   } else if (n.is_type<g::test_decl>()) {
      TestDecl d;
      d.span = span(n);
      d.name = string_value(*find<g::test_name>(n)->children.at(0));
      for (const auto& c : find<g::test_body>(n)->children) {
         if (c->is_type<g::test_given>()) {
            d.given = expr(*c->children.at(0));
         } else if (c->is_type<g::test_as_of>()) {
            d.as_of = date(*c->children.at(0));
         } else if (c->is_type<g::test_expect>()) {
            const Node& body = *c->children.at(0);
            if (body.is_type<g::record_lit>()) d.expect = expr(body);
            else if (body.is_type<g::expect_violation>()) d.expect_violations.push_back(string_value(body));
            else d.expect_error = string_value(body);
         }
      }
      push(m.tests, std::move(d), m, DeclKind::test);
   }
}

TableRow Builder::row(const Node& n)
{
   TableRow row;
   row.span = span(n);
   for (const auto& cellnode : n.children) {
      if (!cellnode->is_type<g::source_clause>()) row.cells.push_back(cell(*cellnode));
   }
   row.source = source(n);
   return row;
}

// The rows the row scan reads are built as Builder::row(const Node&) builds the parse tree of
// the same row: the same cells, kinds, values and spans.
TableRow Builder::row(const row_scan::Row& r, std::string_view text)
{
   TableRow row;
   row.span = span(r.begin, r.end);
   row.cells.reserve(r.cells.size());
   for (const auto& c : r.cells) row.cells.push_back(cell(r, c, text));
   return row;
}

// As Builder::cell does a test_list: values alone are one 'values' cell, a single test stands
// alone, and a mix is 'either'.
Cell Builder::cell(const row_scan::Row& r, const row_scan::Cell& c, std::string_view text)
{
   Cell cell;
   cell.span = span(c.begin, c.end);
   if (c.any) return cell;
   const auto first = r.tests.begin() + c.first_test;
   const auto last = first + c.test_count;
   if (std::all_of(first, last, [](const row_scan::Test& t) { return t.kind == row_scan::TestKind::value; })) {
      cell.kind = CellKind::values;
      for (auto t = first; t != last; ++t) cell.values.push_back(value(t->value, text));
   } else if (c.test_count == 1) {
      cell = test(*first, text);
   } else {
      cell.kind = CellKind::either;
      for (auto t = first; t != last; ++t) cell.tests.push_back(test(*t, text));
   }
   return cell;
}

Cell Builder::test(const row_scan::Test& t, std::string_view text)
{
   Cell c;
   c.span = span(t.begin, t.end);
   switch (t.kind) {
      case row_scan::TestKind::value:
         c.kind = CellKind::values;
         c.values.push_back(value(t.value, text));
         break;
      case row_scan::TestKind::compare:
         c.kind = CellKind::compare;
         c.op = compare_op(text.substr(t.begin, t.op_end - t.begin));
         c.values.push_back(value(t.value, text));
         break;
      case row_scan::TestKind::range:
         c.kind = CellKind::range;
         c.low_closed = text[t.begin] == '[';
         c.low = value(t.value, text);
         c.high = value(t.high, text);
         c.high_closed = text[t.end - 1] == ']';
         break;
   }
   return c;
}

ExprPtr Builder::value(const row_scan::Value& v, std::string_view text)
{
   using row_scan::Token;
   const Span s = span(v.begin, v.end);
   const std::string_view written = text.substr(v.begin, v.end - v.begin);
   ExprPtr e;
   switch (v.token) {
      case Token::money: e = money(s, written); break;
      case Token::date: e = date_literal(s, written); break;
      case Token::percent: e = percent(s, written); break;
      case Token::decimal: e = number(ExprKind::decimal_lit, s, written); break;
      case Token::integer: e = number(ExprKind::int_lit, s, written); break;
      case Token::text:  // without escapes or interpolations: what is inside the quotes, if anything
         e = make(ExprKind::text_lit, s);
         if (written.size() > 2) add_text(*e, std::string(written.substr(1, written.size() - 2)));
         break;
      case Token::true_:
      case Token::false_: e = boolean(s, written); break;
      case Token::none: e = make(ExprKind::none_lit, s); break;
      case Token::name: e = name(s, written); break;
   }
   if (!v.negated()) return e;
   auto negate = make(ExprKind::negate, span(v.start, v.end));
   negate->args.push_back(std::move(e));
   return negate;
}

void RowBuilder::add(Node& row)
{
   if (may_repeat_header(row)) return;
   BuiltRow b;
   Builder rows(file_id_, b.diagnostics);
   b.row = rows.row(row);
   row.children.clear();  // its parse tree is no longer needed
   row.built_row = static_cast<std::int32_t>(built.size());
   built.push_back(std::move(b));
}

std::optional<std::uint32_t> RowBuilder::scan(std::string_view text, std::uint32_t at)
{
   if (!scan_plain_rows_ || !row_scan::read_row(text, at, scanned_)) return std::nullopt;
   const auto cell_text = [&](const row_scan::Cell& c) { return text.substr(c.begin, c.end - c.begin); };
   BuiltRow b;
   if (std::all_of(scanned_.cells.begin(), scanned_.cells.end(), [&](const row_scan::Cell& c) { return bare_word(cell_text(c)); })) {
      for (const auto& c : scanned_.cells) b.words.push_back(cell_text(c));
   }
   Builder rows(file_id_, b.diagnostics);
   b.row = rows.row(scanned_, text);
   built.push_back(std::move(b));
   return scanned_.end;
}

// Comments, found by a scan that skips text literals.
std::vector<Comment> scan_comments(const SourceFile& file, std::uint32_t file_id)
{
   std::vector<Comment> out;
   const auto& s = file.text();
   bool in_text = false;
   for (std::uint32_t i = 0; i < s.size(); ++i) {
      const char c = s[i];
      if (in_text) {
         if (c == '\\') ++i;
         else if (c == '"' || c == '\n') in_text = false;
      } else if (c == '"') {
         in_text = true;
      } else if (c == '#') {
         std::uint32_t end = i;
         while (end < s.size() && s[end] != '\n' && s[end] != '\r') ++end;
         out.push_back({{file_id, i, end}, s.substr(i, end - i)});
         i = end;
      }
   }
   return out;
}

// Past blank lines and comments from `at`: where the next word starts.
std::uint32_t skip_blank(const std::string& text, std::uint32_t at)
{
   while (at < text.size()) {
      if (std::isspace(static_cast<unsigned char>(text[at]))) ++at;
      else if (text[at] == '#') at = static_cast<std::uint32_t>(std::min(text.find('\n', at), text.size()));
      else break;
   }
   return at;
}

// The name a declaration that did not parse would have declared, for checking the others.
void note_unparsed(const std::string& text, std::uint32_t offset, Module& module)
{
   const auto word = [&](std::size_t& at) {
      at = skip_blank(text, static_cast<std::uint32_t>(at));
      const std::size_t begin = at;
      while (at < text.size() && (std::isalnum(static_cast<unsigned char>(text[at])) || text[at] == '_')) ++at;
      return std::string(text, begin, at - begin);
   };
   std::size_t at = offset;
   const std::string keyword = word(at);
   static constexpr std::string_view named[] = {"input", "param", "let", "fn", "output", "rule", "table"};
   static constexpr std::string_view types_or_imports[] = {"policy", "import", "enum", "record"};
   if (std::find(std::begin(types_or_imports), std::end(types_or_imports), keyword) != std::end(types_or_imports)) {
      module.unparsed_unchecked = true;
      return;
   }
   if (keyword == "require" || keyword == "test") return;  // nothing names them
   // text where a declaration should start is most often the rest of the one before, which
   // then parsed short: checking it would only echo the mistake
   if (std::find(std::begin(named), std::end(named), keyword) == std::end(named)) {
      module.unparsed_unchecked = true;
      return;
   }
   const std::string name = word(at);
   if (name.empty() || !std::isalpha(static_cast<unsigned char>(name[0]))) {
      module.unparsed_unchecked = true;
      return;
   }
   module.unparsed.push_back(name);
}

// Recovery inside a declaration: the line a syntax error at `fail` is blamed on, when dropping
// that line leaves the rest of the declaration whole. Those are the lines a table, rule or
// param repeats (a row, `from`, `default`, `exception`), and never the declaration's first line
// or a table's header. A mistake at a line's first word is blamed on the code line before it:
// `exception when x >` fails on the next line's `exception`.
struct LineSpan {
   std::uint32_t begin, end;
};
std::optional<LineSpan> recoverable_line(const std::string& text, std::uint32_t decl, std::uint32_t fail)
{
   const auto line_start = [&](std::size_t at) -> std::size_t {
      const auto newline = at == 0 ? std::string::npos : text.rfind('\n', at - 1);
      return newline == std::string::npos ? 0 : newline + 1;
   };
   const auto first_word = [&](std::size_t at) {
      while (at < text.size() && (text[at] == ' ' || text[at] == '\t')) ++at;
      if (at < text.size() && text[at] == '|') return std::string_view("|");
      std::size_t end = at;
      while (end < text.size() && (std::isalnum(static_cast<unsigned char>(text[end])) || text[end] == '_')) ++end;
      return std::string_view(text).substr(at, end - at);
   };
   const auto blank_to = [&](std::size_t from, std::size_t to) {
      for (; from < to; ++from) {
         if (!std::isspace(static_cast<unsigned char>(text[from]))) return false;
      }
      return true;
   };
   decl = skip_blank(text, decl);  // to the declaration's keyword
   std::size_t line = line_start(std::min<std::size_t>(fail, text.size()));
   if (blank_to(line, fail)) {
      // the mistake is at the end of the code line before: skip blank and comment lines
      while (line > decl) {
         line = line_start(line - 1);
         const auto w = first_word(line);
         if (!w.empty()) break;
         std::size_t at = line;
         while (at < text.size() && (text[at] == ' ' || text[at] == '\t')) ++at;
         if (at < text.size() && text[at] != '#' && text[at] != '\n' && text[at] != '\r') break;
      }
   }
   const std::size_t first_line_end = text.find('\n', decl);
   if (line <= decl || first_line_end == std::string::npos || line <= first_line_end) return std::nullopt;
   const auto keyword = first_word(decl);
   const auto word = first_word(line);
   bool repeats = false;
   if (keyword == "table") {
      if (word == "|") {
         // the header is the first row: a line before this one that starts with '|'
         for (std::size_t l = first_line_end + 1; l < line; l = text.find('\n', l) + 1) {
            if (first_word(l) == "|") {
               repeats = true;
               break;
            }
         }
      } else {
         repeats = word == "from" || word == "default";
      }
   } else if (keyword == "rule") {
      repeats = word == "default" || word == "exception";
   } else if (keyword == "param") {
      repeats = word == "from";
   }
   if (!repeats) return std::nullopt;
   const auto line_end = [&](std::size_t at) {
      std::size_t end = text.find('\n', at);
      if (end == std::string::npos) end = text.size();
      return end > at && text[end - 1] == '\r' ? end - 1 : end;
   };
   const auto indent = [&](std::size_t at) {
      std::size_t i = at;
      while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
      return i - at;
   };
   std::size_t end = line_end(line);
   if (blank_to(line, end)) return std::nullopt;  // dropped already: no progress
   // the clause's own lines go with it: the ones after it indented further, up to the next clause
   for (std::size_t next = text.find('\n', end); next != std::string::npos && next + 1 < text.size(); next = text.find('\n', end)) {
      const std::size_t start = next + 1;
      const auto w = first_word(start);
      if (blank_to(start, line_end(start)) || indent(start) <= indent(line) || w == "|" || w == "from" || w == "default" || w == "exception") break;
      end = line_end(start);
   }
   return LineSpan{static_cast<std::uint32_t>(line), static_cast<std::uint32_t>(end)};
}

// The words a declaration starts with.
constexpr std::string_view declaration_keywords[] = {"policy", "import", "enum", "record", "input", "param", "let", "fn", "output", "require", "rule", "table", "test"};

// Where the line holding `at` ends (before its CR LF or LF).
std::uint32_t line_end_of(const std::string& text, std::uint32_t at)
{
   std::size_t end = text.find('\n', at);
   if (end == std::string::npos) end = text.size();
   if (end > at && text[end - 1] == '\r') --end;
   return static_cast<std::uint32_t>(end);
}

// Where something other than a comment or another declaration follows a declaration that ends
// at `end`, on the same line; none when the line ends there.
std::optional<std::uint32_t> left_over(const std::string& text, std::uint32_t end)
{
   std::size_t at = end;
   while (at < text.size() && (text[at] == ' ' || text[at] == '\t')) ++at;
   if (at >= text.size() || text[at] == '\n' || text[at] == '\r' || text[at] == '#') return std::nullopt;
   std::size_t word_end = at;
   while (word_end < text.size() && (std::isalnum(static_cast<unsigned char>(text[word_end])) || text[word_end] == '_')) ++word_end;
   if (std::find(std::begin(declaration_keywords), std::end(declaration_keywords), std::string_view(text).substr(at, word_end - at)) != std::end(declaration_keywords)) return std::nullopt;
   return static_cast<std::uint32_t>(at);
}

// After a syntax error in the declaration that starts at `offset`: the start of the next
// line whose first word begins a declaration.
std::uint32_t next_declaration_start(const std::string& text, std::uint32_t offset)
{
   offset = skip_blank(text, offset);  // to the failed declaration's keyword
   std::size_t pos = text.find('\n', offset);
   while (pos != std::string::npos) {
      std::size_t word = pos + 1;
      while (word < text.size() && (text[word] == ' ' || text[word] == '\t')) ++word;
      std::size_t end = word;
      while (end < text.size() && (std::isalnum(static_cast<unsigned char>(text[end])) || text[end] == '_')) ++end;
      const std::string_view w(text.data() + word, end - word);
      if (std::find(std::begin(declaration_keywords), std::end(declaration_keywords), w) != std::end(declaration_keywords)) return static_cast<std::uint32_t>(pos + 1);
      pos = text.find('\n', pos + 1);
   }
   return static_cast<std::uint32_t>(text.size());
}

// Bytes the grammar would misread: a lone CR is no line end to it, so a comment before one
// would hide the rest of the file; and text that is not UTF-8 cannot be written out.
void check_bytes(const std::string& text, std::uint32_t file_id, Diagnostics& diagnostics)
{
   for (auto cr = text.find('\r'); cr != std::string::npos; cr = text.find('\r', cr + 1)) {
      if (cr + 1 < text.size() && text[cr + 1] == '\n') continue;
      const auto at = static_cast<std::uint32_t>(cr);
      diagnostics.error("E0120", {file_id, at, at + 1}, "a carriage return (CR) that does not end a line").help = "end lines with LF or CR LF: save the file with Unix or Windows line ends";
      break;
   }
   if (const auto bad = invalid_utf8(text)) {
      const auto at = static_cast<std::uint32_t>(*bad);
      diagnostics.error("E0121", {file_id, at, at + 1}, fmt::format("byte 0x{:02X} is not valid UTF-8", static_cast<unsigned char>(text[*bad]))).help =
         "save the file as UTF-8";
   }
}

// Operator chains nest without brackets: `a + a + … + a` of n terms is n levels deep. Every
// later pass walks expressions recursively, so depth is bounded here, once, for all of them.
void limit_depth(Module& module, Diagnostics& diagnostics)
{
   for_each_root(module, [&](ExprPtr& root) {
      const std::size_t depth = expr_depth(*root);
      if (depth <= max_expression_depth) return;
      auto& d = diagnostics.error("E0103", root->span, fmt::format("this expression is {} levels deep; the limit is {}", depth, max_expression_depth));
      d.label = "too deep";
      d.help = "split it into named values with 'let'; add many terms with sum([a, b, …]), and join many conditions with all([…], c => c) or any([…], c => c)";
   });
}

}  // namespace

Module parse_module(const SourceSet& sources, std::uint32_t file_id, Diagnostics& diagnostics, RowReading reading)
{
   const SourceFile& file = sources.file(file_id);
   const std::string& text = file.text();
   Module module;
   module.file = file_id;
   module.comments = scan_comments(file, file_id);
   Builder builder(file_id, diagnostics);
   check_bytes(text, file_id, diagnostics);

   // Parses the declaration at `offset` of `source` (the file's text, or a copy with lines
   // dropped), builds it and returns where it ends; 0 at the end of the file.
   const auto parse_declaration = [&](const std::string& source, std::uint32_t offset) -> std::uint32_t {
      ParseState state;
      state.file = &file;
      RowBuilder rows(file_id, reading);
      state.rows = &rows;
      builder.built_rows = &rows.built;
      pegtl::memory_input<> in(pegtl::internal::iterator(source.data() + offset, offset, 1, 1), source.data() + source.size(), file.path());
      auto root = pegtl::parse_tree::parse<g::next_declaration, Node, selector, pegtl::nothing, control>(in, state);
      if (!root || root->children.empty()) return 0;
      const Node& decl = *root->children.front();
      // what is left on its last line, unless another declaration starts there, is a mistake
      // of this one (`exception when x > 1 = 2 2`): it is dropped and the declaration read again
      if (const auto left = left_over(source, static_cast<std::uint32_t>(decl.m_end.byte))) {
         if (auto misplaced = misplaced_word(word_at(file, *left), *left)) throw *misplaced;  // named mistakes keep their words
         throw SyntaxError{*left, fmt::format("expected the end of the line, {}", describe_found(file, *left)),
                           "what comes before it is complete: remove this, or join it on with an operator", "E0101", true};
      }
      builder.declaration(decl, module);
      return static_cast<std::uint32_t>(decl.m_end.byte);
   };
   const auto report = [&](const SyntaxError& e) { diagnostics.error(e.code, {file_id, e.offset, e.offset + 1}, e.message).help = e.help; };

   // The text being parsed: the file's, until a syntax error drops a line of a declaration
   // (a row, a clause) so that the rest of it parses; then a copy with that line blanked, which
   // keeps every offset.
   std::string dropped;
   const auto source = [&]() -> const std::string& { return dropped.empty() ? text : dropped; };

   std::uint32_t offset = 0;
   // a byte-order mark is not part of the policy
   if (text.starts_with("\xEF\xBB\xBF")) offset = 3;
   while (offset <= text.size()) {
      try {
         const auto end = parse_declaration(source(), offset);
         if (end == 0) break;  // end of file
         offset = end;
         continue;
      } catch (const SyntaxError& e) {
         report(e);
         // Drop the line at fault, when it is a row or clause the declaration can stand
         // without, and parse the rest, so that one typo does not hide the next.
         std::uint32_t fail = e.offset;
         bool left = e.left_over;
         std::uint32_t end = 0;
         // each try parses the declaration again: a bound on the bytes read keeps a big table
         // with many bad rows from costing its size times theirs
         std::size_t reparsed = 0;
         for (int tries = 0; tries < max_recoveries && end == 0 && reparsed < max_recovery_bytes; ++tries) {
            reparsed += fail - offset;
            const auto line = left ? std::optional<LineSpan>(LineSpan{fail, line_end_of(source(), fail)}) : recoverable_line(source(), offset, fail);
            if (!line) break;
            if (dropped.empty()) dropped = text;
            std::fill(dropped.begin() + line->begin, dropped.begin() + line->end, ' ');
            try {
               end = parse_declaration(dropped, offset);
            } catch (const SyntaxError& again) {
               // a mistake before the dropped line is one the drop made (a table left with
               // no row): the declaration is skipped instead
               if (again.offset <= line->end) break;
               report(again);
               fail = again.offset;
               left = again.left_over;
            }
         }
         if (end != 0) {
            module.recovered.push_back({file_id, offset, end});
            offset = end;
            continue;
         }
         note_unparsed(source(), offset, module);
         offset = next_declaration_start(source(), offset);
         if (offset >= text.size()) break;
      }
   }
   limit_depth(module, diagnostics);
   return module;
}

}  // namespace pol::lang
