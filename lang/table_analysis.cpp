#include "table_analysis.hpp"

#include <algorithm>
#include <optional>
#include <queue>
#include <span>
#include <unordered_map>

#include <fmt/format.h>

#include "date.hpp"
#include "decimal.hpp"
#include "literal.hpp"

// How it works. Each column's domain is cut at the values its cells name into segments (one per
// value and one per open stretch between them, or one per enum or bool value); a cell is a set of
// segments, kept as sorted runs. The questions are then about boxes in a grid:
//
// - Which points no row covers (gaps), which rows share a point with another (overlaps), and
//   which row comes first at each point (the rows that ever fire under `hit first`)? A search
//   goes column by column: it sweeps the boundaries of the rows' runs in the column, in order,
//   keeping the rows that cover the current stretch, and groups the stretches covered by the
//   same rows (partition refinement); each group is searched in the next column with only its
//   rows. In the last column the sweep answers directly. A table of n rows over an enum and a
//   range column costs n log n, not n²: no row is compared with every other.
// - The messages keep their examples: the gap shown is the first one the previous search found
//   (groups in the order of their rows), and the overlapping pairs reported are the first ten in
//   row order, found among the rows the search shows to overlap something.

namespace pol::interp {

namespace {

using lang::Expr;
using lang::ExprKind;
using lang::TypeKind;

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

std::string_view source_text(const lang::Program& p, const Expr& e) { return p.sources.file(e.span.file).slice(e.span); }

// Whether two rows' outputs certainly agree: equal values, or (where they cannot be folded)
// the same expression.
bool same_output(const lang::Program& p, const Expr& a, const Expr& b)
{
   const auto va = constant_value(p, a), vb = constant_value(p, b);
   if (va && vb) return *va == *vb;
   return source_text(p, a) == source_text(p, b);
}

// A text for a value such that values with the same text are equal (operator==): numbers by
// their exact decimal text, whatever their kind, as == compares them. False for a number with
// no exact decimal text (none comes from literals): such a row gets a key of its own.
bool value_key(const Value& v, std::string& out)
{
   const auto number = [&](const Decimal& d) {
      auto text = d.to_exact_string();
      if (text) out += "d" + *text + ";";
      return text.has_value();
   };
   switch (v.kind) {
      case ValueKind::none: out += "n;"; return true;
      case ValueKind::bool_: out += v.flag ? "b1;" : "b0;"; return true;
      case ValueKind::int_: return number(Decimal(v.integer));
      case ValueKind::decimal:
      case ValueKind::money:
      case ValueKind::duration: return number(v.number);
      case ValueKind::date:
      case ValueKind::enum_: out += "i" + std::to_string(v.integer) + ";"; return true;
      case ValueKind::text: out += "t" + std::to_string(v.str->size()) + ":" + *v.str; return true;
      case ValueKind::list:
      case ValueKind::record:
         out += (v.kind == ValueKind::list ? "L" : "R") + std::to_string(v.items->size()) + "(";
         for (const auto& item : *v.items) {
            if (!value_key(item, out)) return false;
         }
         out += ")";
         return true;
   }
   return false;
}

// Rows with the same key give the same output (same_output holds for them), so rows whose
// outputs differ have different keys.
std::string output_key(const lang::Program& p, const Expr& e, std::size_t row)
{
   std::string key;
   if (auto v = constant_value(p, e)) {
      key = "v";
      if (!value_key(*v, key)) key = "r" + std::to_string(row);
   } else {
      key = "x";
      key += source_text(p, e);
   }
   return key;
}

// A set of segments: sorted runs, ends included, neither overlapping nor touching.
struct Run {
   std::uint32_t lo, hi;
};
using Runs = std::vector<Run>;
using Cells = std::span<const Run>;

Runs unite(Runs r)
{
   std::sort(r.begin(), r.end(), [](const Run& a, const Run& b) { return a.lo < b.lo; });
   Runs out;
   for (const Run& x : r) {
      if (!out.empty() && x.lo <= out.back().hi + 1) out.back().hi = std::max(out.back().hi, x.hi);
      else out.push_back(x);
   }
   return out;
}

Runs complement(const Runs& r, std::uint32_t size)
{
   Runs out;
   std::uint32_t next = 0;
   for (const Run& x : r) {
      if (x.lo > next) out.push_back({next, x.lo - 1});
      next = x.hi + 1;
   }
   if (next < size) out.push_back({next, size - 1});
   return out;
}

bool meets(Cells a, Cells b)
{
   std::size_t i = 0, j = 0;
   while (i < a.size() && j < b.size()) {
      if (a[i].hi < b[j].lo) ++i;
      else if (b[j].hi < a[i].lo) ++j;
      else return true;
   }
   return false;
}

// The first segment in both (they meet).
std::uint32_t first_common(Cells a, Cells b)
{
   std::size_t i = 0, j = 0;
   while (i < a.size() && j < b.size()) {
      if (a[i].hi < b[j].lo) ++i;
      else if (b[j].hi < a[i].lo) ++j;
      else return std::max(a[i].lo, b[j].lo);
   }
   return 0;
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
   // Segments that can hold a value, numbered from 0 in order: cells are sets of these.
   std::vector<std::uint32_t> kept;  // kept[i]: the segment numbered i
   std::vector<std::uint32_t> rank;  // rank[s]: how many segments before s are kept (segments + 1 of them)

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
   // The segment of a cell's literal: looked up for ordered columns (their literals are read once,
   // in prepare), taken from the value for enums and bools.
   std::unordered_map<const Expr*, std::uint32_t> literal_segments;
   std::optional<std::int64_t> literal_segment(const Expr& e) const
   {
      if (!discrete) {
         const auto it = literal_segments.find(&e);
         if (it == literal_segments.end()) return std::nullopt;
         return it->second;
      }
      auto p = point_of(e);
      if (!p) return std::nullopt;
      return static_cast<std::int64_t>(point_segment(*p));
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
   void number_segments()
   {
      rank.assign(segments + 1, 0);
      for (std::size_t s = 0; s < segments; ++s) {
         rank[s] = static_cast<std::uint32_t>(kept.size());
         if (!empty(s)) kept.push_back(static_cast<std::uint32_t>(s));
      }
      rank[segments] = static_cast<std::uint32_t>(kept.size());
   }
   std::uint32_t size() const { return static_cast<std::uint32_t>(kept.size()); }
   // The segment numbered i (0 when there is none: an enum without values).
   std::size_t segment(std::uint32_t i) const { return i < kept.size() ? kept[i] : 0; }
   // Segments a to b, as numbers of the kept segments among them.
   void add(Runs& into, std::int64_t a, std::int64_t b) const
   {
      a = std::max<std::int64_t>(a, 0);
      b = std::min<std::int64_t>(b, static_cast<std::int64_t>(segments) - 1);
      if (a > b) return;
      const auto lo = rank[static_cast<std::size_t>(a)], end = rank[static_cast<std::size_t>(b) + 1];
      if (lo < end) into.push_back({lo, end - 1});
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
};

// The segments a cell covers, numbered as the column's kept segments.
std::optional<Runs> cell_runs(const Column& col, const lang::Cell& cell)
{
   Runs r;
   const auto last = static_cast<std::int64_t>(col.segments) - 1;
   switch (cell.kind) {
      case lang::CellKind::any: col.add(r, 0, last); break;
      case lang::CellKind::values:
         for (const auto& v : cell.values) {
            const auto s = col.literal_segment(*v);
            if (!s) return std::nullopt;
            col.add(r, *s, *s);
         }
         break;
      case lang::CellKind::compare: {
         const auto at = col.literal_segment(*cell.values.front());
         if (!at) return std::nullopt;
         const auto s = *at;
         switch (cell.op) {
            case lang::CompareOp::eq: col.add(r, s, s); break;
            case lang::CompareOp::ne:
               col.add(r, 0, s - 1);
               col.add(r, s + 1, last);
               break;
            case lang::CompareOp::lt: col.add(r, 0, s - 1); break;
            case lang::CompareOp::le: col.add(r, 0, s); break;
            case lang::CompareOp::gt: col.add(r, s + 1, last); break;
            case lang::CompareOp::ge: col.add(r, s, last); break;
         }
         break;
      }
      case lang::CellKind::range: {
         const auto a = col.literal_segment(*cell.low), z = col.literal_segment(*cell.high);
         if (!a || !z) return std::nullopt;
         col.add(r, *a + (cell.low_closed ? 0 : 1), *z - (cell.high_closed ? 0 : 1));
         break;
      }
      case lang::CellKind::either:
         for (const auto& test : cell.tests) {
            auto t = cell_runs(col, test);
            if (!t) return std::nullopt;
            r.insert(r.end(), t->begin(), t->end());
         }
         break;
   }
   r = unite(std::move(r));
   if (cell.negated) r = complement(r, col.size());
   return r;
}

// Every literal a cell names, for the column's boundaries.
void cell_literals(const lang::Cell& cell, std::vector<const Expr*>& out)
{
   for (const auto& v : cell.values) out.push_back(v.get());
   if (cell.low) out.push_back(cell.low.get());
   if (cell.high) out.push_back(cell.high.get());
   for (const auto& t : cell.tests) cell_literals(t, out);
}

struct Analysis {
   std::vector<Column> columns;
   std::size_t n = 0;                // rows
   std::vector<std::uint32_t> start;  // the runs of row r's cell in column c: runs[start[r * k + c] … start[r * k + c + 1])
   std::vector<Run> runs;

   std::size_t k() const { return columns.size(); }
   Cells cell(std::size_t r, std::size_t c) const
   {
      const std::size_t i = r * k() + c;
      return Cells(runs.data() + start[i], start[i + 1] - start[i]);
   }
   // Whether the row covers anything: no cell of it is empty.
   bool live(std::size_t r) const
   {
      for (std::size_t c = 0; c < k(); ++c) {
         if (cell(r, c).empty()) return false;
      }
      return true;
   }
   bool rows_meet(std::size_t i, std::size_t j) const
   {
      for (std::size_t c = 0; c < k(); ++c) {
         if (!meets(cell(i, c), cell(j, c))) return false;
      }
      return true;
   }
};

std::optional<Analysis> prepare(const lang::Program& p, const lang::TableInfo& t, const lang::TableVersion& version)
{
   Analysis a;
   const std::size_t k = t.params.size();
   for (const auto& row : version.rows) {
      if (row.cells.size() != k || !row.output) return std::nullopt;
   }
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
            for (const auto& row : version.rows) cell_literals(row.cells[c], literals);
            if (col.is_text()) {
               for (const auto* e : literals) {
                  if (e->kind != ExprKind::text_lit || !e->args.empty()) return std::nullopt;
                  col.texts.push_back(*parse_literal(*e).str);
               }
               std::sort(col.texts.begin(), col.texts.end());
               col.texts.erase(std::unique(col.texts.begin(), col.texts.end()), col.texts.end());
            }
            std::vector<Decimal> values;
            for (const auto* e : literals) {
               auto v = col.point_of(*e);
               if (!v) return std::nullopt;
               values.push_back(*v);
            }
            col.points = values;
            std::sort(col.points.begin(), col.points.end());
            col.points.erase(std::unique(col.points.begin(), col.points.end()), col.points.end());
            col.segments = col.points.size() * 2 + 1;
            col.literal_segments.reserve(literals.size());
            for (std::size_t i = 0; i < literals.size(); ++i) col.literal_segments.emplace(literals[i], static_cast<std::uint32_t>(col.point_segment(values[i])));
            break;
         }
         default: return std::nullopt;  // records and lists: not analysed
      }
      col.number_segments();
      a.columns.push_back(std::move(col));
   }
   a.n = version.rows.size();
   a.start.reserve(a.n * k + 1);
   a.start.push_back(0);
   for (const auto& row : version.rows) {
      for (std::size_t c = 0; c < k; ++c) {
         auto r = cell_runs(a.columns[c], row.cells[c]);
         if (!r) return std::nullopt;
         a.runs.insert(a.runs.end(), r->begin(), r->end());
         a.start.push_back(static_cast<std::uint32_t>(a.runs.size()));
      }
   }
   return a;
}

using Rows = std::vector<std::uint32_t>;  // row numbers, ascending

// The searches over the grid. Rows are searched column by column (`order`): in each column the
// segments that the same rows cover form a group, and each group is searched further with only
// those rows. Working arrays are indexed by row and left clean after each use.
class Search {
public:
   explicit Search(const Analysis& a) : a_(a), slot_(a.n, none), flag_(a.n, 0)
   {
      salt_.resize(a.n);
      std::uint64_t x = 0x9E3779B97F4A7C15u;
      for (auto& s : salt_) {  // splitmix64: fixed, so every run is the same
         x += 0x9E3779B97F4A7C15u;
         std::uint64_t z = x;
         z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
         z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
         s = z ^ (z >> 31);
      }
   }

   // The segments of one column that the same rows cover: the first segment and the rows.
   struct Group {
      std::uint32_t first;
      Rows rows;
   };

   // Every group of `rows` in column c (the segments none of them covers form a group with no
   // rows), in the order of their first segments.
   std::vector<Group> groups(std::size_t c, const Rows& rows)
   {
      sweep_events(c, rows);
      std::vector<Group> out;
      std::unordered_map<std::uint64_t, std::uint32_t> by_hash;  // the first group with that hash
      std::vector<std::uint32_t> same_hash;                       // the next group with the same hash
      Rows active, sorted;
      std::uint64_t hash = 0;
      const std::uint32_t size = a_.columns[c].size();
      std::size_t e = 0;
      for (std::uint32_t at = 0; at < size;) {
         for (; e < events_.size() && events_[e].at == at; ++e) {
            const auto r = events_[e].row;
            if (events_[e].enter) {
               slot_[r] = static_cast<std::uint32_t>(active.size());
               active.push_back(r);
               hash += salt_[r];
            } else {
               const auto moved = active.back();
               active[slot_[r]] = moved;
               slot_[moved] = slot_[r];
               active.pop_back();
               slot_[r] = none;
               hash -= salt_[r];
            }
         }
         sorted = active;
         std::sort(sorted.begin(), sorted.end());
         // the same rows as an earlier stretch (compared in full: equal hashes are not trusted)?
         const std::uint64_t key = hash ^ (sorted.size() * 0xD6E8FEB86659FD93u);
         const auto it = by_hash.find(key);
         std::uint32_t g = it == by_hash.end() ? none : it->second;
         while (g != none && out[g].rows != sorted) g = same_hash[g];
         if (g == none) {
            const auto id = static_cast<std::uint32_t>(out.size());
            if (it == by_hash.end()) {
               by_hash.emplace(key, id);
               same_hash.push_back(none);
            } else {  // chained after the first group with this hash
               same_hash.push_back(same_hash[it->second]);
               same_hash[it->second] = id;
            }
            out.push_back({at, sorted});
         }
         at = e < events_.size() ? events_[e].at : size;
      }
      for (auto r : active) slot_[r] = none;
      return out;
   }

   // The first segment of column c that none of `rows` covers.
   std::optional<std::uint32_t> first_uncovered(std::size_t c, const Rows& rows)
   {
      runs_.clear();
      for (auto r : rows) {
         for (const Run& x : a_.cell(r, c)) runs_.push_back(x);
      }
      std::sort(runs_.begin(), runs_.end(), [](const Run& x, const Run& y) { return x.lo < y.lo; });
      std::uint32_t next = 0;
      for (const Run& x : runs_) {
         if (x.lo > next) return next;
         next = std::max(next, x.hi + 1);
      }
      if (next < a_.columns[c].size()) return next;
      return std::nullopt;
   }

   // Marks in `in` every row of `rows` that shares a segment of column c with a row of
   // another key; `count` is indexed by key and left at zero.
   void mark_meeting(std::size_t c, const Rows& rows, const std::vector<std::uint32_t>& key, std::vector<std::uint32_t>& count, std::vector<char>& in)
   {
      sweep_events(c, rows);
      Rows waiting;  // covering the current stretch, not yet marked
      std::size_t keys = 0;
      for (std::size_t e = 0; e < events_.size();) {
         const auto at = events_[e].at;
         for (; e < events_.size() && events_[e].at == at; ++e) {
            const auto r = events_[e].row;
            if (events_[e].enter) {
               if (count[key[r]]++ == 0) ++keys;
               if (!in[r]) {
                  slot_[r] = static_cast<std::uint32_t>(waiting.size());
                  waiting.push_back(r);
               }
            } else {
               if (--count[key[r]] == 0) --keys;
               if (slot_[r] != none) {
                  const auto moved = waiting.back();
                  waiting[slot_[r]] = moved;
                  slot_[moved] = slot_[r];
                  waiting.pop_back();
                  slot_[r] = none;
               }
            }
         }
         if (keys >= 2) {
            for (auto r : waiting) {
               in[r] = 1;
               slot_[r] = none;
            }
            waiting.clear();
         }
      }
   }

   // Marks in `fires` the first of `rows` at each segment of column c.
   void mark_first(std::size_t c, const Rows& rows, std::vector<char>& fires)
   {
      sweep_events(c, rows);
      std::priority_queue<std::uint32_t, std::vector<std::uint32_t>, std::greater<>> heap;  // active rows, and some gone
      for (std::size_t e = 0; e < events_.size();) {
         const auto at = events_[e].at;
         for (; e < events_.size() && events_[e].at == at; ++e) {
            const auto r = events_[e].row;
            flag_[r] = events_[e].enter;
            if (events_[e].enter) heap.push(r);
         }
         while (!heap.empty() && !flag_[heap.top()]) heap.pop();
         if (!heap.empty()) fires[heap.top()] = 1;
      }
   }

private:
   struct Event {
      std::uint32_t at;
      std::uint32_t row;
      bool enter;
   };
   // The ends of the rows' runs in column c, in order.
   void sweep_events(std::size_t c, const Rows& rows)
   {
      events_.clear();
      for (auto r : rows) {
         for (const Run& x : a_.cell(r, c)) {
            events_.push_back({x.lo, r, true});
            events_.push_back({x.hi + 1, r, false});
         }
      }
      std::sort(events_.begin(), events_.end(), [](const Event& x, const Event& y) { return x.at < y.at; });
   }

   static constexpr std::uint32_t none = static_cast<std::uint32_t>(-1);
   const Analysis& a_;
   std::vector<std::uint32_t> slot_;  // a row's place in the list of active rows
   std::vector<char> flag_;
   std::vector<std::uint64_t> salt_;  // a random number per row: a set's hash is their sum
   std::vector<Event> events_;
   std::vector<Run> runs_;
};

// The columns in the order the unordered searches take them: the column whose cells span the
// most stretches last, where a sweep answers without forming groups.
std::vector<std::size_t> search_order(const Analysis& a, const Rows& rows)
{
   std::vector<std::uint64_t> spans(a.k());
   std::vector<std::uint32_t> cuts;
   for (std::size_t c = 0; c < a.k(); ++c) {
      cuts.clear();
      for (auto r : rows) {
         for (const Run& x : a.cell(r, c)) {
            cuts.push_back(x.lo);
            cuts.push_back(x.hi + 1);
         }
      }
      std::sort(cuts.begin(), cuts.end());
      cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
      for (auto r : rows) {
         for (const Run& x : a.cell(r, c)) {
            spans[c] += static_cast<std::uint64_t>(std::upper_bound(cuts.begin(), cuts.end(), x.hi) - std::upper_bound(cuts.begin(), cuts.end(), x.lo)) + 1;
         }
      }
   }
   std::vector<std::size_t> order(a.k());
   for (std::size_t c = 0; c < a.k(); ++c) order[c] = c;
   std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return spans[x] < spans[y]; });
   return order;
}

// The first point no row covers, as the search that groups segments by their rows finds it:
// column by column in the table's order, groups in the order of their rows (a group no row
// covers first). One segment number per column from `c` on.
std::optional<std::vector<std::uint32_t>> ordered_gap(const Analysis& a, Search& s, std::size_t c, const Rows& rows)
{
   if (rows.empty()) return std::vector<std::uint32_t>(a.k() - c, 0);
   if (c == a.k()) return std::nullopt;
   // the segments no row covers are the first group, if there are any
   if (auto at = s.first_uncovered(c, rows)) {
      std::vector<std::uint32_t> out(a.k() - c, 0);
      out[0] = *at;
      return out;
   }
   if (c + 1 == a.k()) return std::nullopt;
   auto groups = s.groups(c, rows);
   std::sort(groups.begin(), groups.end(), [](const Search::Group& x, const Search::Group& y) { return x.rows < y.rows; });
   for (const auto& g : groups) {
      if (auto rest = ordered_gap(a, s, c + 1, g.rows)) {
         rest->insert(rest->begin(), g.first);
         return rest;
      }
   }
   return std::nullopt;
}

// Whether some point is covered by none of `rows` (the rows that cover anything).
bool any_gap(const Analysis& a, Search& s, const std::vector<std::size_t>& order, std::size_t level, const Rows& rows)
{
   if (rows.empty()) return true;
   if (level == a.k()) return false;
   if (s.first_uncovered(order[level], rows)) return true;
   if (level + 1 == a.k()) return false;
   for (const auto& g : s.groups(order[level], rows)) {
      if (any_gap(a, s, order, level + 1, g.rows)) return true;
   }
   return false;
}

// Marks in `in` the rows that share a point with a row of another key.
void find_meeting(const Analysis& a, Search& s, const std::vector<std::size_t>& order, std::size_t level, const Rows& rows, const std::vector<std::uint32_t>& key,
                  std::vector<std::uint32_t>& count, std::vector<char>& in)
{
   if (rows.size() < 2) return;
   std::size_t keys = 0;
   bool all_in = true;
   for (auto r : rows) {
      if (count[key[r]]++ == 0) ++keys;
      all_in = all_in && in[r];
   }
   for (auto r : rows) count[key[r]] = 0;
   if (keys < 2 || all_in) return;
   if (level == a.k()) {  // one point: every row meets one of another key
      for (auto r : rows) in[r] = 1;
      return;
   }
   if (level + 1 == a.k()) {
      s.mark_meeting(order[level], rows, key, count, in);
      return;
   }
   for (const auto& g : s.groups(order[level], rows)) find_meeting(a, s, order, level + 1, g.rows, key, count, in);
}

// Marks in `fires` the rows that come first at some point (each of `rows` covers something).
void find_firing(const Analysis& a, Search& s, const std::vector<std::size_t>& order, std::size_t level, const Rows& rows, std::vector<char>& fires)
{
   if (rows.empty()) return;
   fires[rows.front()] = 1;  // the first of them, wherever they all meet
   if (level == a.k() || std::all_of(rows.begin(), rows.end(), [&](std::uint32_t r) { return fires[r] != 0; })) return;
   if (level + 1 == a.k()) {
      s.mark_first(order[level], rows, fires);
      return;
   }
   for (const auto& g : s.groups(order[level], rows)) find_firing(a, s, order, level + 1, g.rows, fires);
}

std::string describe_point(const Analysis& a, const std::vector<std::size_t>& segments)
{
   std::vector<std::string> parts;
   for (std::size_t c = 0; c < a.columns.size(); ++c) parts.push_back(fmt::format("{} = {}", a.columns[c].name, a.columns[c].example(segments[c])));
   return fmt::format("{}", fmt::join(parts, ", "));
}

// Overlapping rows (under unique and any): the first ten pairs in row order whose outputs may
// differ, each with the first point they share.
void report_overlaps(const lang::Program& p, const Analysis& a, Search& s, const std::vector<std::size_t>& order, const Rows& live, const lang::TableVersion& version,
                     const lang::TableDecl& decl, lang::Diagnostics& d)
{
   // Rows with the same key give the same output: under unique every row its own key.
   std::vector<std::uint32_t> key(a.n);
   if (decl.hit == lang::HitPolicy::any) {
      std::unordered_map<std::string, std::uint32_t> keys;
      for (std::size_t r = 0; r < a.n; ++r) key[r] = keys.try_emplace(output_key(p, *version.rows[r].output, r), static_cast<std::uint32_t>(keys.size())).first->second;
   } else {
      for (std::size_t r = 0; r < a.n; ++r) key[r] = static_cast<std::uint32_t>(r);
   }
   std::vector<std::uint32_t> count(a.n, 0);
   std::vector<char> in(a.n, 0);
   find_meeting(a, s, order, 0, live, key, count, in);
   Rows meeting;
   for (auto r : live) {
      if (in[r]) meeting.push_back(r);
   }
   // Every pair to report is among these rows; each has a partner, so few are tried in vain.
   std::size_t reported = 0;
   for (std::size_t x = 0; x < meeting.size() && reported < 10; ++x) {
      const auto i = meeting[x];
      for (std::size_t y = x + 1; y < meeting.size() && reported < 10; ++y) {
         const auto j = meeting[y];
         if (!a.rows_meet(i, j)) continue;
         if (decl.hit == lang::HitPolicy::any && same_output(p, *version.rows[i].output, *version.rows[j].output)) continue;
         std::vector<std::size_t> where;
         for (std::size_t c = 0; c < a.k(); ++c) where.push_back(a.columns[c].segment(first_common(a.cell(i, c), a.cell(j, c))));
         auto& diag = d.error("E0501", version.rows[j].span, fmt::format("rows {} and {} of table '{}' overlap: both match {}", i + 1, j + 1, decl.name, describe_point(a, where)));
         diag.label = "overlaps an earlier row";
         diag.notes.push_back({version.rows[i].span, fmt::format("row {} is here", i + 1)});
         diag.help = decl.hit == lang::HitPolicy::unique ? "make the rows exclusive (ranges like [0..5) and [5..10) do not overlap), or choose 'hit first'"
                                                         : "under 'hit any' overlapping rows must give the same output";
         ++reported;
      }
   }
}

// Under `hit first`, the rows that earlier rows shadow: rows that cover something but come
// first nowhere. The first ten are reported, each with the first few rows that match first.
void report_shadowed(const Analysis& a, Search& s, const std::vector<std::size_t>& order, const Rows& live, const lang::TableVersion& version, const lang::TableDecl& decl,
                     lang::Diagnostics& d)
{
   std::vector<char> fires(a.n, 0);
   find_firing(a, s, order, 0, live, fires);
   std::size_t reported = 0;
   for (auto j : live) {
      if (reported == 10) break;
      if (fires[j]) continue;
      std::vector<std::size_t> example;
      for (std::size_t c = 0; c < a.k(); ++c) example.push_back(a.columns[c].segment(a.cell(j, c).front().lo));
      auto& diag = d.warning("W0503", version.rows[j].span, fmt::format("row {} of table '{}' can never fire: earlier rows match everything it matches, such as {}", j + 1, decl.name,
                                                                        describe_point(a, example)));
      diag.label = "shadowed";
      // the first few rows that match first, not every one of thousands
      std::size_t noted = 0;
      for (std::size_t i = 0; i < j && noted < 3; ++i) {
         if (!a.rows_meet(i, j)) continue;
         diag.notes.push_back({version.rows[i].span, fmt::format("row {} matches first", i + 1)});
         ++noted;
      }
      diag.help = "remove the row, or move it above the rows that shadow it";
      ++reported;
   }
}

void analyse(const lang::Program& p, const lang::TableInfo& t, const lang::TableVersion& version, lang::Diagnostics& d)
{
   auto prepared = prepare(p, t, version);
   if (!prepared || prepared->n == 0) return;
   const Analysis& a = *prepared;
   const auto& decl = *t.decl;
   Search search(a);
   Rows live;  // the rows that cover something
   for (std::size_t r = 0; r < a.n; ++r) {
      if (a.live(r)) live.push_back(static_cast<std::uint32_t>(r));
   }
   const auto order = search_order(a, live);

   if (decl.hit == lang::HitPolicy::unique || decl.hit == lang::HitPolicy::any) report_overlaps(p, a, search, order, live, version, decl, d);
   // collect and output order give an empty result (or zero) when no row matches: no gaps
   if (!version.default_value && decl.hit != lang::HitPolicy::collect && decl.hit != lang::HitPolicy::output_order) {
      // whether there is a gap, quickly; then the one to show
      const bool every_column_has_values = std::all_of(a.columns.begin(), a.columns.end(), [](const Column& c) { return c.size() > 0; });
      if (!every_column_has_values || any_gap(a, search, order, 0, live)) {
         Rows all(a.n);
         for (std::size_t r = 0; r < a.n; ++r) all[r] = static_cast<std::uint32_t>(r);
         if (auto gap = ordered_gap(a, search, 0, all)) {
            std::vector<std::size_t> segments;
            for (std::size_t c = 0; c < a.k(); ++c) segments.push_back(a.columns[c].segment((*gap)[c]));
            auto& diag = d.error("E0502", decl.name_span, fmt::format("table '{}' has a gap: no row matches {}", decl.name, describe_point(a, segments)));
            diag.label = "no row for some inputs";
            diag.help = "add a row for these values, or a 'default = …' line after the rows";
         }
      }
   }
   if (decl.hit == lang::HitPolicy::first) report_shadowed(a, search, order, live, version, decl, d);
}

}  // namespace

void analyse_tables(const lang::Program& program, lang::Diagnostics& diagnostics)
{
   for (const auto& t : program.tables) {
      if (t.module != 0) continue;
      for (const auto& version : t.decl->versions) analyse(program, t, version, diagnostics);
   }
   diagnostics.sort_by_position();
}

}  // namespace pol::interp
