// The decision-table analysis (lang/table_analysis.cpp) against the pairwise analysis it
// replaced, kept here as the reference: on thousands of random small tables (every hit policy,
// column kind, range end, comparison, not(…), value lists, `-`, defaults and dated rows) both must
// report the same findings in the same words. Then generated tables of 20,000 rows, analysed
// with their planted gap, overlap or shadowed row found (speed is measured in bench/, not here).
#include <map>
#include <random>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "compile.hpp"
#include "date.hpp"
#include "decimal.hpp"
#include "literal.hpp"
#include "helpers.hpp"

// The analysis as it was before it scaled: every pair of rows compared, and cells kept as bit
// sets. Slow (quadratic in the rows, and worse for shadowing), but simple: the reference the
// new analysis must agree with, finding for finding and word for word.
namespace reference {
namespace {

using namespace pol;
using namespace pol::interp;

using lang::Expr;
using lang::ExprKind;
using lang::TypeKind;

// A set of segments of one column's domain.
using Bits = std::vector<std::uint64_t>;

bool any_bit(const Bits& b)
{
   for (auto w : b) {
      if (w) return true;
   }
   return false;
}
Bits and_bits(const Bits& a, const Bits& b)
{
   Bits r(a.size());
   for (std::size_t i = 0; i < a.size(); ++i) r[i] = a[i] & b[i];
   return r;
}
// Whether two sets share a segment, without building their intersection.
bool meets(const Bits& a, const Bits& b)
{
   for (std::size_t i = 0; i < a.size(); ++i) {
      if (a[i] & b[i]) return true;
   }
   return false;
}
// Whether every segment of `a` is in `b`.
bool within(const Bits& a, const Bits& b)
{
   for (std::size_t i = 0; i < a.size(); ++i) {
      if (a[i] & ~b[i]) return false;
   }
   return true;
}
void or_into(Bits& into, const Bits& b)
{
   for (std::size_t i = 0; i < b.size(); ++i) into[i] |= b[i];
}
bool test_bit(const Bits& b, std::size_t i) { return (b[i / 64] >> (i % 64)) & 1u; }
void set_bit(Bits& b, std::size_t i) { b[i / 64] |= std::uint64_t{1} << (i % 64); }
std::size_t first_bit(const Bits& b)
{
   for (std::size_t i = 0; i < b.size() * 64; ++i) {
      if (test_bit(b, i)) return i;
   }
   return 0;
}

// A literal cell value on the column's number line: numbers and money as themselves, dates as
// day numbers, enums and bools by index.
std::optional<Decimal> point(const Expr& e)
{
   switch (e.kind) {
      case ExprKind::int_lit:
      case ExprKind::decimal_lit:
      case ExprKind::money_lit: return Decimal::parse(e.text);
      case ExprKind::percent_lit: return Decimal::parse(e.text + "%");
      case ExprKind::date_lit: return Decimal(Date::from_civil(e.date.year, e.date.month, e.date.day)->days());
      case ExprKind::bool_lit: return Decimal(e.text == "true" ? 1 : 0);
      case ExprKind::negate: {
         auto v = point(*e.args[0]);
         if (v) return -*v;
         return std::nullopt;
      }
      case ExprKind::name:
      case ExprKind::field:
         if (e.ref.kind == lang::RefKind::enum_variant) return Decimal(e.ref.sub);
         return std::nullopt;
      default: return std::nullopt;
   }
}

// A constant output, for comparing the outputs of rows: literals, enum values, and lists and
// records of them. Anything else (params, calls) is not folded.
std::optional<Value> constant_value(const lang::Program& p, const Expr& e)
{
   if (is_literal(e)) return parse_literal(e);
   switch (e.kind) {
      case ExprKind::negate: {
         auto v = constant_value(p, *e.args[0]);
         if (v && v->kind == ValueKind::int_) {
            v->integer = -v->integer;
            return v;
         }
         if (!v || !(v->kind == ValueKind::decimal || v->kind == ValueKind::money)) return std::nullopt;
         v->number = -v->number;
         return v;
      }
      case ExprKind::name:
      case ExprKind::field:
         if (e.ref.kind == lang::RefKind::enum_variant) return Value::enum_(e.ref.index, e.ref.sub);
         return std::nullopt;
      case ExprKind::list:
      case ExprKind::record: {
         Values items(e.kind == ExprKind::record ? p.records[e.type.id].field_names.size() : e.args.size());
         for (std::size_t i = 0; i < e.args.size(); ++i) {
            auto v = constant_value(p, *e.args[i]);
            if (!v) return std::nullopt;
            const auto at = e.kind == ExprKind::record ? static_cast<std::size_t>(p.records[e.type.id].field_index(e.field_names[i])) : i;
            items[at] = std::move(*v);
         }
         return e.kind == ExprKind::record ? Value::record(e.type.id, std::move(items)) : Value::list(std::move(items));
      }
      default: return std::nullopt;
   }
}

// Whether two rows' outputs certainly agree: equal values, or (where they cannot be folded)
// the same expression.
bool same_output(const lang::Program& p, const Expr& a, const Expr& b)
{
   const auto va = constant_value(p, a), vb = constant_value(p, b);
   if (va && vb) return *va == *vb;
   return p.sources.file(a.span.file).slice(a.span) == p.sources.file(b.span.file).slice(b.span);
}

// One column: its segments and how to show a value from each.
struct Column {
   std::string name;
   lang::Type type;
   bool discrete = false;        // enum or bool: one segment per value
   std::vector<Decimal> points;  // sorted boundaries (ordered columns)
   std::vector<std::string> texts;  // text columns: the texts the cells name, sorted; points are their indices
   std::size_t segments = 0;
   const lang::Program* program = nullptr;

   bool is_text() const { return type.kind == TypeKind::text; }
   // A cell's literal on the column's number line.
   std::optional<Decimal> point_of(const Expr& e) const
   {
      if (is_text()) {
         if (e.kind != ExprKind::text_lit || !e.args.empty()) return std::nullopt;
         const auto it = std::lower_bound(texts.begin(), texts.end(), *parse_literal(e).str);
         if (it == texts.end() || *it != *parse_literal(e).str) return std::nullopt;
         return Decimal(static_cast<std::int64_t>(it - texts.begin()));
      }
      if (type.kind == TypeKind::duration) {
         if (e.kind != ExprKind::duration_lit || e.unit != type.unit) return std::nullopt;
         return parse_literal(e).number;
      }
      return point(e);
   }
   // Ordered columns: segment 2i+1 is points[i]; even segments are the open gaps around them.
   std::size_t point_segment(const Decimal& p) const
   {
      if (discrete) return static_cast<std::size_t>(*p.to_int64());
      const auto it = std::lower_bound(points.begin(), points.end(), p);
      return static_cast<std::size_t>(it - points.begin()) * 2 + 1;
   }
   bool whole_numbers() const { return type.kind == TypeKind::int_ || type.kind == TypeKind::date; }
   // An open segment between two neighbouring whole numbers holds nothing, nor does the gap
   // below the empty text.
   bool empty(std::size_t s) const
   {
      if (is_text()) return s == 0 && !texts.empty() && texts.front().empty();
      if (discrete || s % 2 == 1 || !whole_numbers()) return false;
      if (s == 0 || s == segments - 1) return false;
      const Decimal gap = points[s / 2] - points[s / 2 - 1];
      return gap <= Decimal(1);
   }
   std::string show(const Decimal& v) const
   {
      switch (type.kind) {
         case TypeKind::date: return Date::from_days(static_cast<std::int32_t>(*v.to_int64())).to_string();
         case TypeKind::money: return "£" + *v.to_fixed(2);
         case TypeKind::bool_: return v.sign() ? "true" : "false";
         case TypeKind::enum_: return program->enums[type.id].variants[static_cast<std::size_t>(*v.to_int64())];
         case TypeKind::text: return quoted(texts[static_cast<std::size_t>(*v.to_int64())]);
         case TypeKind::duration: return fmt::format("{} {}", v.describe(), lang::unit_name(type.unit));
         default: return v.describe();
      }
   }
   static std::string quoted(const std::string& t) { return "\"" + t + "\""; }
   // A text in a gap between the texts the cells name (or below or above them all).
   std::string text_between(std::size_t s) const
   {
      if (texts.empty()) return quoted("");
      if (s == 0) return quoted("");
      const std::string& low = texts[s / 2 - 1];
      for (const std::string& candidate : {std::string("other"), low + " ", low + "a", low + "~"}) {
         if (low < candidate && (s == segments - 1 || candidate < texts[s / 2])) return quoted(candidate);
      }
      return quoted(low + "\\u0001");
   }
   // A value inside a segment, for example inputs.
   std::string example(std::size_t s) const
   {
      if (discrete) return show(Decimal(static_cast<std::int64_t>(s)));
      if (is_text() && s % 2 == 0) return text_between(s);
      if (points.empty()) return show(Decimal(0));
      if (s % 2 == 1) return show(points[s / 2]);
      const Decimal step = whole_numbers() ? Decimal(1) : (type.kind == TypeKind::money ? *Decimal::parse("0.01") : *Decimal::parse("0.5"));
      if (s == 0) return show(points.front() - step);
      if (s == segments - 1) return show(points.back() + step);
      const Decimal low = points[s / 2 - 1], high = points[s / 2];
      if (whole_numbers()) return show(low + 1);
      Decimal mid = (low + high) / 2;
      if (type.kind == TypeKind::money) mid = mid.round_to(*Decimal::parse("0.01"), Rounding::floor);
      if (!(low < mid)) mid = (low + high) / 2;
      return show(mid);
   }
   Bits all() const
   {
      Bits b((segments + 63) / 64);
      for (std::size_t s = 0; s < segments; ++s) {
         if (!empty(s)) set_bit(b, s);
      }
      return b;
   }
};

struct Analysis {
   std::vector<Column> columns;
   std::vector<std::vector<Bits>> rows;  // rows[r][c]: the segments the cell covers
};

std::optional<Bits> cell_bits(const Column& col, const lang::Cell& cell)
{
   Bits b((col.segments + 63) / 64);
   auto below = [&](std::size_t seg, bool inclusive) {
      for (std::size_t s = 0; s < seg + (inclusive ? 1 : 0); ++s) set_bit(b, s);
   };
   auto above = [&](std::size_t seg, bool inclusive) {
      for (std::size_t s = seg + (inclusive ? 0 : 1); s < col.segments; ++s) set_bit(b, s);
   };
   switch (cell.kind) {
      case lang::CellKind::any: b = col.all(); break;
      case lang::CellKind::values:
         for (const auto& v : cell.values) {
            auto p = col.point_of(*v);
            if (!p) return std::nullopt;
            set_bit(b, col.point_segment(*p));
         }
         break;
      case lang::CellKind::compare: {
         auto p = col.point_of(*cell.values.front());
         if (!p) return std::nullopt;
         const auto seg = col.point_segment(*p);
         switch (cell.op) {
            case lang::CompareOp::eq: set_bit(b, seg); break;
            case lang::CompareOp::ne:
               b = col.all();
               b[seg / 64] &= ~(std::uint64_t{1} << (seg % 64));
               break;
            case lang::CompareOp::lt: below(seg, false); break;
            case lang::CompareOp::le: below(seg, true); break;
            case lang::CompareOp::gt: above(seg, false); break;
            case lang::CompareOp::ge: above(seg, true); break;
         }
         break;
      }
      case lang::CellKind::range: {
         auto lo = col.point_of(*cell.low), hi = col.point_of(*cell.high);
         if (!lo || !hi) return std::nullopt;
         const auto a = col.point_segment(*lo), z = col.point_segment(*hi);
         for (std::size_t s = a + (cell.low_closed ? 0 : 1); s + (cell.high_closed ? 0 : 1) <= z && s < col.segments; ++s) set_bit(b, s);
         break;
      }
      case lang::CellKind::either:
         for (const auto& test : cell.tests) {
            auto t = cell_bits(col, test);
            if (!t) return std::nullopt;
            for (std::size_t i = 0; i < b.size(); ++i) b[i] |= (*t)[i];
         }
         break;
   }
   if (cell.negated) {
      for (auto& w : b) w = ~w;
   }
   return and_bits(b, col.all());
}

// Every literal a cell names, for the column's boundaries.
void cell_literals(const lang::Cell& cell, std::vector<const Expr*>& out)
{
   for (const auto& v : cell.values) out.push_back(v.get());
   if (cell.low) out.push_back(cell.low.get());
   if (cell.high) out.push_back(cell.high.get());
   for (const auto& t : cell.tests) cell_literals(t, out);
}

std::optional<Analysis> prepare(const lang::Program& p, const lang::TableInfo& t, const lang::TableVersion& version)
{
   Analysis a;
   const std::size_t k = t.params.size();
   for (std::size_t c = 0; c < k; ++c) {
      Column col;
      col.name = t.decl->params[c].name;
      col.type = t.params[c];
      col.program = &p;
      if (col.type.optional) return std::nullopt;
      switch (col.type.kind) {
         case TypeKind::enum_:
            col.discrete = true;
            col.segments = p.enums[col.type.id].variants.size();
            break;
         case TypeKind::bool_:
            col.discrete = true;
            col.segments = 2;
            break;
         case TypeKind::int_:
         case TypeKind::decimal:
         case TypeKind::money:
         case TypeKind::date:
         case TypeKind::duration:
         case TypeKind::text: {
            std::vector<const Expr*> literals;
            for (const auto& row : version.rows) {
               if (row.cells.size() != k) return std::nullopt;
               cell_literals(row.cells[c], literals);
            }
            if (col.is_text()) {
               for (const auto* e : literals) {
                  if (e->kind != ExprKind::text_lit || !e->args.empty()) return std::nullopt;
                  col.texts.push_back(*parse_literal(*e).str);
               }
               std::sort(col.texts.begin(), col.texts.end());
               col.texts.erase(std::unique(col.texts.begin(), col.texts.end()), col.texts.end());
            }
            for (const auto* e : literals) {
               auto v = col.point_of(*e);
               if (!v) return std::nullopt;
               col.points.push_back(*v);
            }
            std::sort(col.points.begin(), col.points.end());
            col.points.erase(std::unique(col.points.begin(), col.points.end()), col.points.end());
            col.segments = col.points.size() * 2 + 1;
            break;
         }
         default: return std::nullopt;  // records and lists: not analysed
      }
      a.columns.push_back(std::move(col));
   }
   for (const auto& row : version.rows) {
      if (row.cells.size() != k || !row.output) return std::nullopt;
      std::vector<Bits> cells;
      for (std::size_t c = 0; c < k; ++c) {
         auto b = cell_bits(a.columns[c], row.cells[c]);
         if (!b) return std::nullopt;
         cells.push_back(std::move(*b));
      }
      a.rows.push_back(std::move(cells));
   }
   return a;
}

// Searches `region` (one segment set per column) for a point that none of `rows` covers.
// Returns one segment per column, or nullopt when the rows cover the whole region.
std::optional<std::vector<std::size_t>> find_uncovered(const Analysis& a, const std::vector<std::size_t>& rows, const std::vector<Bits>& region, std::size_t column = 0)
{
   if (rows.empty()) {
      std::vector<std::size_t> out;
      for (std::size_t c = column; c < a.columns.size(); ++c) out.push_back(first_bit(region[c]));
      return out;
   }
   if (column == a.columns.size()) return std::nullopt;
   // segments that the same rows cover behave alike: try each group once
   std::map<std::vector<std::size_t>, std::size_t> groups;
   const Column& col = a.columns[column];
   for (std::size_t s = 0; s < col.segments; ++s) {
      if (!test_bit(region[column], s)) continue;
      std::vector<std::size_t> covering;
      for (auto r : rows) {
         if (test_bit(a.rows[r][column], s)) covering.push_back(r);
      }
      groups.emplace(std::move(covering), s);
   }
   for (const auto& [covering, s] : groups) {
      if (auto rest = find_uncovered(a, covering, region, column + 1)) {
         rest->insert(rest->begin(), s);
         return rest;
      }
   }
   return std::nullopt;
}

std::string describe_point(const Analysis& a, const std::vector<std::size_t>& segments)
{
   std::vector<std::string> parts;
   for (std::size_t c = 0; c < a.columns.size(); ++c) parts.push_back(fmt::format("{} = {}", a.columns[c].name, a.columns[c].example(segments[c])));
   return fmt::format("{}", fmt::join(parts, ", "));
}

// Under `hit first`, the rows that earlier rows shadow. A row is shadowed when the earlier rows
// it meets cover all of it. Over one column that is a test against the union of every earlier
// row, kept as it grows; over more, each column's union of the rows it meets must cover the
// row before the full search runs. So a 2,000-row table of `>= i` rows costs n times a few
// words, not n³.
void report_shadowed(const Analysis& a, const lang::TableVersion& version, const lang::TableDecl& decl, lang::Diagnostics& d)
{
   const std::size_t n = a.rows.size(), columns = a.columns.size();
   const auto row_span = [&](std::size_t r) { return version.rows[r].span; };
   std::vector<Bits> seen;  // one column: the union of the rows so far
   if (columns == 1) seen.push_back(Bits(a.rows[0][0].size()));
   std::size_t reported = 0;
   for (std::size_t j = 0; j < n && reported < 10; ++j) {
      bool shadowed = false;
      if (columns == 1) {
         shadowed = j > 0 && any_bit(a.rows[j][0]) && within(a.rows[j][0], seen[0]);
         or_into(seen[0], a.rows[j][0]);
      } else if (j > 0) {
         std::vector<std::size_t> earlier;
         std::vector<Bits> reach;
         for (std::size_t c = 0; c < columns; ++c) reach.push_back(Bits(a.rows[j][c].size()));
         for (std::size_t i = 0; i < j; ++i) {
            bool meet = true;
            for (std::size_t c = 0; c < columns && meet; ++c) meet = meets(a.rows[i][c], a.rows[j][c]);
            if (!meet) continue;
            earlier.push_back(i);
            for (std::size_t c = 0; c < columns; ++c) or_into(reach[c], a.rows[i][c]);
         }
         bool projections = !earlier.empty();
         for (std::size_t c = 0; c < columns && projections; ++c) projections = within(a.rows[j][c], reach[c]);
         shadowed = projections && !find_uncovered(a, earlier, a.rows[j]);
      }
      if (!shadowed) continue;
      std::vector<std::size_t> example;
      for (std::size_t c = 0; c < columns; ++c) example.push_back(first_bit(a.rows[j][c]));
      auto& diag = d.warning("W0503", row_span(j), fmt::format("row {} of table '{}' can never fire: earlier rows match everything it matches, such as {}", j + 1, decl.name,
                                                               describe_point(a, example)));
      diag.label = "shadowed";
      // the first few rows that match first, not every one of thousands
      std::size_t noted = 0;
      for (std::size_t i = 0; i < j && noted < 3; ++i) {
         bool meet = true;
         for (std::size_t c = 0; c < columns && meet; ++c) meet = meets(a.rows[i][c], a.rows[j][c]);
         if (!meet) continue;
         diag.notes.push_back({row_span(i), fmt::format("row {} matches first", i + 1)});
         ++noted;
      }
      diag.help = "remove the row, or move it above the rows that shadow it";
      ++reported;
   }
}

void analyse(const lang::Program& p, const lang::TableInfo& t, const lang::TableVersion& version, lang::Diagnostics& d)
{
   auto prepared = prepare(p, t, version);
   if (!prepared || prepared->rows.empty()) return;
   const Analysis& a = *prepared;
   const auto& decl = *t.decl;
   const std::size_t n = a.rows.size();
   const auto row_span = [&](std::size_t r) { return version.rows[r].span; };

   if (decl.hit == lang::HitPolicy::unique || decl.hit == lang::HitPolicy::any) {
      std::size_t reported = 0;
      for (std::size_t i = 0; i < n && reported < 10; ++i) {
         for (std::size_t j = i + 1; j < n && reported < 10; ++j) {
            std::vector<std::size_t> where;
            bool overlap = true;
            for (std::size_t c = 0; c < a.columns.size() && overlap; ++c) overlap = meets(a.rows[i][c], a.rows[j][c]);
            if (!overlap) continue;
            for (std::size_t c = 0; c < a.columns.size(); ++c) where.push_back(first_bit(and_bits(a.rows[i][c], a.rows[j][c])));
            if (decl.hit == lang::HitPolicy::any && same_output(p, *version.rows[i].output, *version.rows[j].output)) continue;
            auto& diag = d.error("E0501", row_span(j), fmt::format("rows {} and {} of table '{}' overlap: both match {}", i + 1, j + 1, decl.name, describe_point(a, where)));
            diag.label = "overlaps an earlier row";
            diag.notes.push_back({row_span(i), fmt::format("row {} is here", i + 1)});
            diag.help = decl.hit == lang::HitPolicy::unique ? "make the rows exclusive (ranges like [0..5) and [5..10) do not overlap), or choose 'hit first'"
                                                            : "under 'hit any' overlapping rows must give the same output";
            ++reported;
         }
      }
   }
   // collect and output order give an empty result (or zero) when no row matches: no gaps
   if (!version.default_value && decl.hit != lang::HitPolicy::collect && decl.hit != lang::HitPolicy::output_order) {
      std::vector<std::size_t> all_rows(n);
      for (std::size_t r = 0; r < n; ++r) all_rows[r] = r;
      std::vector<Bits> everything;
      for (const auto& col : a.columns) everything.push_back(col.all());
      if (auto gap = find_uncovered(a, all_rows, everything)) {
         auto& diag = d.error("E0502", decl.name_span, fmt::format("table '{}' has a gap: no row matches {}", decl.name, describe_point(a, *gap)));
         diag.label = "no row for some inputs";
         diag.help = "add a row for these values, or a 'default = …' line after the rows";
      }
   }
   if (decl.hit == lang::HitPolicy::first) report_shadowed(a, version, decl, d);
}

void analyse_tables(const lang::Program& program, lang::Diagnostics& diagnostics)
{
   for (const auto& t : program.tables) {
      if (t.module != 0) continue;
      for (const auto& version : t.decl->versions) analyse(program, t, version, diagnostics);
   }
   diagnostics.sort_by_position();
}

}  // namespace
}  // namespace reference

namespace {

using namespace pol;

// Every diagnostic as pol check shows it, one after another.
std::string rendered(const lang::Program& program, const lang::Diagnostics& d)
{
   std::string out;
   for (const auto& item : d.items()) out += lang::render_human(program.sources, item);
   return out;
}

// A random small table and the policy around it.
class RandomTable {
public:
   explicit RandomTable(std::uint32_t seed) : rng_(seed) {}

   std::string policy()
   {
      std::string p = "enum E { A, B, C }\n";
      const int columns = pick(1, 3);
      std::string params, header, call;
      for (int c = 0; c < columns; ++c) {
         kinds_.push_back(kinds[pick(0, static_cast<int>(std::size(kinds)) - 1)]);
         const std::string name = fmt::format("c{}", c);
         p += fmt::format("input {}: {}\n", name, kinds_.back());
         params += fmt::format("{}{}: {}", c ? ", " : "", name, kinds_.back());
         header += fmt::format("| {} ", name);
         call += fmt::format("{}{}", c ? ", " : "", name);
      }
      static const char* hits[] = {"unique", "unique", "first", "first", "any", "any", "priority", "collect", "collect sum", "output order"};
      const std::string hit = hits[pick(0, 9)];
      decimal_out_ = hit != "collect sum" && hit != "output order" && chance(3);
      p += fmt::format("table t({}) -> {}  hit {}\n", params, decimal_out_ ? "decimal" : "int", hit);
      const bool dated = chance(5);
      if (!dated) p += "  " + header + "| r |\n";
      const int versions = dated ? pick(1, 2) : 1;
      for (int v = 0; v < versions; ++v) {
         if (dated) p += fmt::format("  from 202{}-01-01\n  {}| r |\n", v, header);
         const int rows = pick(1, 7);
         for (int r = 0; r < rows; ++r) {
            p += "  ";
            for (int c = 0; c < columns; ++c) p += "| " + cell(kinds_[static_cast<std::size_t>(c)]) + " ";
            p += "| " + output() + " |\n";
         }
         if (hit.starts_with("collect") == false && hit != "output order" && chance(4)) p += fmt::format("  default = {}\n", output());
      }
      return p + fmt::format("output x = t({})\n", call);
   }

private:
   static constexpr const char* kinds[] = {"E", "bool", "int", "int", "decimal", "money", "date", "text", "months"};

   int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
   bool chance(int one_in) { return pick(1, one_in) == 1; }
   const char* any_of(std::initializer_list<const char*> xs) { return xs.begin()[pick(0, static_cast<int>(xs.size()) - 1)]; }

   std::string value(const std::string& kind)
   {
      if (kind == "E") return any_of({"A", "B", "C"});
      if (kind == "bool") return any_of({"true", "false"});
      if (kind == "int") return any_of({"-1", "0", "1", "2", "3", "5", "6"});
      if (kind == "decimal") return any_of({"-0.5", "0", "0.5", "1", "1.25", "2", "2.50"});
      if (kind == "money") return any_of({"£0", "£0.01", "£0.50", "£1", "£2.25", "£3"});
      if (kind == "date") return any_of({"2020-01-01", "2020-01-02", "2020-01-04", "2020-03-01", "2021-01-01"});
      if (kind == "text") return any_of({"\"\"", "\"a\"", "\"b\"", "\"High\"", "\"Low\""});
      return any_of({"0 months", "1 months", "3 months", "1 year", "2 years"});
   }
   std::string test(const std::string& kind)
   {
      const bool ordered = kind != "E" && kind != "bool";
      switch (pick(0, ordered ? 5 : 2)) {
         case 0: return value(kind);
         case 1: return value(kind) + ", " + value(kind);
         case 2: return fmt::format("{} {}", any_of({"!=", "=="}), value(kind));
         case 3: return fmt::format("{} {}", any_of({"<", "<=", ">", ">="}), value(kind));
         default: return fmt::format("{}{}..{}{}", any_of({"[", "("}), value(kind), value(kind), any_of({"]", ")"}));
      }
   }
   std::string cell(const std::string& kind)
   {
      switch (pick(0, 9)) {
         case 0:
         case 1: return "-";
         case 2: return "not(" + test(kind) + ")";
         case 3: return test(kind) + ", " + test(kind);
         case 4: return "not(" + test(kind) + ", " + test(kind) + ")";
         default: return test(kind);
      }
   }
   std::string output()
   {
      // equal values spelt differently agree; expressions agree only with the same text
      if (decimal_out_) return any_of({"1", "1.0", "2", "2.50", "2.5", "0.5 * 2"});
      return any_of({"1", "2", "2", "3", "1 + 1", "1+1"});
   }

   std::mt19937 rng_;
   std::vector<std::string> kinds_;
   bool decimal_out_ = false;
};

}  // namespace

TEST_CASE("table analysis: the same findings as the pairwise reference on random tables")
{
   std::map<std::string, int> findings;  // by code, to show the cases are not all clean
   int analysed = 0;
   const int tables = test::cases(6000);
   for (std::uint32_t seed = 1; seed <= static_cast<std::uint32_t>(tables); ++seed) {
      const std::string text = RandomTable(seed).policy();
      auto c = lang::compile_text("random.pol", text);
      if (!c.program || c.diagnostics.has_errors()) continue;
      lang::Diagnostics fast, pairwise;
      interp::analyse_tables(*c.program, fast);
      reference::analyse_tables(*c.program, pairwise);
      INFO("seed " << seed << "\n" << text);
      REQUIRE(rendered(*c.program, fast) == rendered(*c.program, pairwise));
      ++analysed;
      for (const auto& d : fast.items()) ++findings[d.code];
   }
   INFO("analysed " << analysed << "; E0501 " << findings["E0501"] << ", E0502 " << findings["E0502"] << ", W0503 " << findings["W0503"]);
   CHECK(analysed > tables / 2);
   CHECK(findings["E0501"] > tables / 20);
   CHECK(findings["E0502"] > tables / 20);
   CHECK(findings["W0503"] > tables / 60);
}

TEST_CASE("table analysis: wide tables with many rows in a cell's way agree with the reference")
{
   // every row a range over one column and a few enum values: many overlaps, shadows and gaps
   std::mt19937 rng(7);
   const auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
   for (int round = 0; round < 60; ++round) {
      static const char* hits[] = {"unique", "first", "any"};
      std::string p = "enum E { A, B, C, D }\ninput e: E\ninput n: int\ninput m: money\n";
      p += fmt::format("table t(e: E, n: int, m: money) -> int  hit {}\n  | e | n | m | r |\n", hits[round % 3]);
      const int rows = pick(20, 120);
      for (int r = 0; r < rows; ++r) {
         const int lo = pick(0, 40), len = pick(0, 12);
         const char* e = pick(0, 4) == 0 ? "-" : (pick(0, 1) ? "A, C" : "B");
         std::string m = pick(0, 2) == 0 ? "-" : fmt::format(">= £{}", pick(0, 5));
         p += fmt::format("  | {} | [{}..{}{} | {} | {} |\n", e, lo, lo + len, pick(0, 1) ? "]" : ")", m, pick(1, 3));
      }
      p += "output x = t(e, n, m)\n";
      auto c = lang::compile_text("wide.pol", p);
      REQUIRE(c.ok());
      lang::Diagnostics fast, pairwise;
      interp::analyse_tables(*c.program, fast);
      reference::analyse_tables(*c.program, pairwise);
      INFO(p);
      REQUIRE(rendered(*c.program, fast) == rendered(*c.program, pairwise));
   }
}

namespace {

// The table of bench/table_analysis.cpp: grades × money bands, one row each; `plant` changes
// the middle band of the middle grade to leave a gap or overlap the next band, or repeats it in
// a row of its own.
std::string grade_table(int grades, int bands, const std::string& plant, const std::string& hit = "unique")
{
   std::string p = "enum Grade { ";
   for (int g = 0; g < grades; ++g) p += fmt::format("{}G{}", g ? ", " : "", g);
   p += fmt::format(" }}\ninput grade: Grade\ninput pay: money\ntable rate(grade: Grade, pay: money) -> money  hit {}\n  | grade | pay | r |\n", hit);
   for (int g = 0; g < grades; ++g) {
      for (int b = 0; b < bands; ++b) {
         int low = b * 100, high = (b + 1) * 100;
         const bool planted = g == grades / 2 && b == bands / 2;
         if (planted && plant == "gap") high -= 1;
         if (planted && plant == "overlap") high += 1;
         std::string cell = b == 0 ? fmt::format("< £{}", high) : b == bands - 1 ? fmt::format(">= £{}", low) : fmt::format("[£{}..£{})", low, high);
         p += fmt::format("  | G{} | {} | £{}.{:02} |\n", g, cell, b, g);
         if (planted && plant == "shadow") p += fmt::format("  | G{} | {} | £0 |\n", g, cell);  // the same band again
      }
   }
   return p + "output x = rate(grade, pay)\n";
}

std::vector<std::string> messages(const lang::Compilation& c)
{
   std::vector<std::string> out;
   for (const auto& d : c.diagnostics.items()) out.push_back(d.code + " " + d.message);
   return out;
}

}  // namespace

TEST_CASE("table analysis: 20,000-row tables are analysed and their planted mistakes found")
{
   using Messages = std::vector<std::string>;
   // 50 grades × 400 bands; the planted band is grade G25's 201st (rows 10,201 and 10,202)
   CHECK(messages(interp::compile_text("big.pol", grade_table(50, 400, "none"))).empty());
   CHECK(messages(interp::compile_text("big.pol", grade_table(50, 400, "gap"))) ==
         Messages{"E0502 table 'rate' has a gap: no row matches grade = G25, pay = £20099.00"});
   CHECK(messages(interp::compile_text("big.pol", grade_table(50, 400, "overlap"))) ==
         Messages{"E0501 rows 10201 and 10202 of table 'rate' overlap: both match grade = G25, pay = £20100.00"});
   if (POL_TEST_SANITIZED) return;  // ten times slower there: the clean, gap and overlap cases suffice
   CHECK(messages(interp::compile_text("big.pol", grade_table(50, 400, "shadow", "first"))) ==
         Messages{"W0503 row 10202 of table 'rate' can never fire: earlier rows match everything it matches, such as grade = G25, pay = £20000.00"});
   // under any, rows that overlap and agree are no finding; these give different outputs
   CHECK(messages(interp::compile_text("big.pol", grade_table(50, 400, "overlap", "any"))) ==
         Messages{"E0501 rows 10201 and 10202 of table 'rate' overlap: both match grade = G25, pay = £20100.00"});
}

TEST_CASE("table analysis: the same findings as the reference on generated tables of a thousand rows")
{
   for (const auto& [plant, hit] : std::vector<std::pair<std::string, std::string>>{{"none", "unique"}, {"gap", "unique"}, {"overlap", "unique"}, {"overlap", "any"}, {"shadow", "first"}, {"gap", "first"}}) {
      auto c = lang::compile_text("big.pol", grade_table(10, 100, plant, hit));
      REQUIRE(c.ok());
      lang::Diagnostics fast, pairwise;
      interp::analyse_tables(*c.program, fast);
      reference::analyse_tables(*c.program, pairwise);
      INFO(plant << " " << hit);
      CHECK(rendered(*c.program, fast) == rendered(*c.program, pairwise));
      CHECK(!fast.items().empty() == (plant != "none"));
   }
}
