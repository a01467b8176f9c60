#include "table_index.hpp"

#include <algorithm>
#include <numeric>
#include <string_view>
#include <unordered_map>

#include "lowered.hpp"
#include "literal.hpp"

namespace pol::interp {

using lang::CellKind;
using lang::CompareOp;

namespace {

struct NotIndexed {};  // a cell the index does not take, or an index too large

// A cell with its literals as keys: lang::Cell, evaluated once.
struct Test {
   CellKind kind = CellKind::any;
   CompareOp op = CompareOp::eq;
   std::vector<Ratio> values;  // values; compare: values[0]
   Ratio low, high;
   bool low_closed = true, high_closed = false;
   std::vector<Test> tests;  // either
   bool negated = false;
};

bool indexed_type(const lang::Type& t)
{
   if (t.optional) return false;
   switch (t.kind) {
      case lang::TypeKind::int_:
      case lang::TypeKind::decimal:
      case lang::TypeKind::money:
      case lang::TypeKind::duration:
      case lang::TypeKind::date:
      case lang::TypeKind::enum_:
      case lang::TypeKind::bool_: return true;
      default: return false;
   }
}

Ratio literal_key(const lang::Expr& e, const std::vector<Value>& literals)
{
   if (e.kind == lang::ExprKind::negate) {
      const Ratio k = literal_key(*e.args[0], literals);  // -£1.00, -2
      if (k.num == INT64_MIN) throw NotIndexed{};
      return {-k.num, k.den};
   }
   std::optional<Ratio> k;
   if (e.ref.kind == lang::RefKind::enum_variant) k = Ratio{e.ref.sub, 1};
   else if (is_literal(e) && e.ref.index >= 0 && static_cast<std::size_t>(e.ref.index) < literals.size()) k = TableIndex::key(literals[static_cast<std::size_t>(e.ref.index)]);
   if (!k || e.type.kind == lang::TypeKind::list) throw NotIndexed{};
   return *k;
}

Test test_of(const lang::Cell& cell, const std::vector<Value>& literals)
{
   Test t;
   t.kind = cell.kind;
   t.op = cell.op;
   t.negated = cell.negated;
   t.low_closed = cell.low_closed;
   t.high_closed = cell.high_closed;
   for (const auto& v : cell.values) t.values.push_back(literal_key(*v, literals));
   if (cell.kind == CellKind::range) {
      t.low = literal_key(*cell.low, literals);
      t.high = literal_key(*cell.high, literals);
   }
   for (const auto& inner : cell.tests) t.tests.push_back(test_of(inner, literals));
   return t;
}

void bounds_of(const Test& t, std::vector<Ratio>& out)
{
   out.insert(out.end(), t.values.begin(), t.values.end());
   if (t.kind == CellKind::range) {
      out.push_back(t.low);
      out.push_back(t.high);
   }
   for (const auto& inner : t.tests) bounds_of(inner, out);
}

// A value standing for a region: the bound itself (eps 0), or a value just above (1) or just
// below (-1) it, which compares with every bound as any value of the region does.
// The first of the sorted bounds not below the key.
std::vector<Ratio>::const_iterator first_not_below(const std::vector<Ratio>& bounds, Ratio key)
{
   return std::lower_bound(bounds.begin(), bounds.end(), key, [](Ratio b, Ratio k) { return ratio::compare(b, k) < 0; });
}

struct Sample {
   Ratio base;
   int eps;
};

int compare(const Sample& s, Ratio x)
{
   const int c = ratio::compare(s.base, x);
   return c != 0 ? c : s.eps;
}

// As the general evaluator's cell_matches, for a value that is not none.
bool matches(const Test& t, const Sample& s)
{
   bool m = false;
   switch (t.kind) {
      case CellKind::any: m = true; break;
      case CellKind::values: m = std::any_of(t.values.begin(), t.values.end(), [&](Ratio v) { return compare(s, v) == 0; }); break;
      case CellKind::compare: m = holds(t.op, compare(s, t.values.front())); break;
      case CellKind::range: {
         const int lo = compare(s, t.low), hi = compare(s, t.high);
         m = (t.low_closed ? lo >= 0 : lo > 0) && (t.high_closed ? hi <= 0 : hi < 0);
         break;
      }
      case CellKind::either: m = std::any_of(t.tests.begin(), t.tests.end(), [&](const Test& inner) { return matches(inner, s); }); break;
   }
   return t.negated ? !m : m;
}

// A list of rows as a hash key: the subtables already built are found by the rows they hold.
struct RowsHash {
   std::size_t operator()(const std::vector<std::uint32_t>& rows) const noexcept
   {
      return std::hash<std::string_view>{}(std::string_view(reinterpret_cast<const char*>(rows.data()), rows.size() * sizeof(std::uint32_t)));
   }
};

// Rows to the node or leaf built for them; ids are given in the order they are built.
using BuiltFor = std::unordered_map<std::vector<std::uint32_t>, std::uint32_t, RowsHash>;

}  // namespace

class IndexBuilder {
public:
   IndexBuilder(TableIndex& index, std::vector<std::vector<Test>> cells)
      : index_(index), cells_(std::move(cells)), one_row_leaves_(cells_.size(), no_leaf), nodes_(index.columns_), regions_rows_(index.columns_)
   {
      // entries the index may hold before it is given up: a few per row and cell
      budget_ = 64 * cells_.size() * index.columns_ + 65536;
   }

   std::uint32_t build(std::size_t column, const std::vector<std::uint32_t>& rows)
   {
      if (column == index_.columns_) return leaf(rows);
      auto& seen = nodes_[column];
      if (auto it = seen.find(rows); it != seen.end()) return it->second;
      const auto id = static_cast<std::uint32_t>(index_.nodes_.size());
      index_.nodes_.emplace_back();
      seen.emplace(rows, id);

      std::vector<Ratio> bounds;
      for (const auto r : rows) bounds_of(cells_[r][column], bounds);
      std::sort(bounds.begin(), bounds.end(), [](Ratio a, Ratio b) { return ratio::compare(a, b) < 0; });
      bounds.erase(std::unique(bounds.begin(), bounds.end(), [](Ratio a, Ratio b) { return ratio::compare(a, b) == 0; }), bounds.end());
      const std::size_t regions = 2 * bounds.size() + 1;
      const auto sample = [&](std::size_t region) {
         if (bounds.empty()) return Sample{{0, 1}, 0};
         if (region % 2 == 1) return Sample{bounds[region / 2], 0};
         return region == 0 ? Sample{bounds.front(), -1} : Sample{bounds[region / 2 - 1], 1};
      };
      // the rows of each region, in row order
      auto& matching = regions_rows_[column];
      if (matching.size() < regions) matching.resize(regions);
      for (std::size_t g = 0; g < regions; ++g) matching[g].clear();
      const auto add = [&](std::size_t from, std::size_t to, std::uint32_t r) {  // regions from..to
         spend(to + 1 - from);
         for (std::size_t g = from; g <= to; ++g) {
            if (matching[g].empty() || matching[g].back() != r) matching[g].push_back(r);
         }
      };
      // region 2k + 1 is bounds[k]
      const auto region_of = [&](Ratio b) {
         return 2 * static_cast<std::size_t>(first_not_below(bounds, b) - bounds.begin()) + 1;
      };
      for (const auto r : rows) {
         const Test& t = cells_[r][column];
         if (t.negated || t.kind == CellKind::either) {
            // rarer cells: tested at each region
            spend(regions / 16 + 1);
            for (std::size_t g = 0; g < regions; ++g) {
               if (matches(t, sample(g))) add(g, g, r);
            }
            continue;
         }
         switch (t.kind) {
            case CellKind::any: add(0, regions - 1, r); break;
            case CellKind::values:
               for (const auto v : t.values) add(region_of(v), region_of(v), r);
               break;
            case CellKind::compare: {
               const std::size_t at = region_of(t.values.front());
               switch (t.op) {
                  case CompareOp::eq: add(at, at, r); break;
                  case CompareOp::ne: add(0, at - 1, r), add(at + 1, regions - 1, r); break;
                  case CompareOp::lt: add(0, at - 1, r); break;
                  case CompareOp::le: add(0, at, r); break;
                  case CompareOp::gt: add(at + 1, regions - 1, r); break;
                  case CompareOp::ge: add(at, regions - 1, r); break;
               }
               break;
            }
            case CellKind::range: {
               const std::size_t from = region_of(t.low) + (t.low_closed ? 0 : 1), to = region_of(t.high) - (t.high_closed ? 0 : 1);
               if (from <= to) add(from, to, r);
               break;
            }
            case CellKind::either: break;
         }
      }
      std::vector<std::uint32_t> next(regions);
      for (std::size_t g = 0; g < regions; ++g) next[g] = build(column + 1, matching[g]);
      Node& node = index_.nodes_[id];
      node.bounds = std::move(bounds);
      node.next = std::move(next);
      scale(node);
      return id;
   }

private:
   using Node = TableIndex::Node;
   static constexpr std::uint32_t no_leaf = UINT32_MAX;

   // The leaf of these rows, made when no subtable has led to them before. Most leaves of a
   // big table hold one row, and are found by it.
   std::uint32_t leaf(const std::vector<std::uint32_t>& rows)
   {
      const auto next_id = static_cast<std::uint32_t>(index_.leaf_start_.size() - 1);
      std::uint32_t& id = rows.size() == 1 ? one_row_leaves_[rows.front()] : leaves_.try_emplace(rows, no_leaf).first->second;
      if (id == no_leaf) {
         id = next_id;
         index_.leaf_rows_.insert(index_.leaf_rows_.end(), rows.begin(), rows.end());
         index_.leaf_start_.push_back(static_cast<std::uint32_t>(index_.leaf_rows_.size()));
      }
      return id;
   }

   // The fast forms of a node's search: its bounds over their common denominator, and a table
   // of regions when they are whole numbers close together.
   static void scale(Node& node)
   {
      std::int64_t den = 1;
      for (const auto& b : node.bounds) {
         den = std::lcm(den, b.den);
         if (den > 1'000'000'000) return;
      }
      std::vector<std::int64_t> scaled;
      for (const auto& b : node.bounds) {
         Int128 v = static_cast<Int128>(b.num) * (den / b.den);
         if (!ratio::fits(v)) return;
         scaled.push_back(static_cast<std::int64_t>(v));
      }
      node.den = den;
      node.scaled = std::move(scaled);
      if (node.scaled.empty()) return;
      // bounds a whole step apart (enum values, £1,000 bands, years): the step is their spacing's
      // greatest common divisor, and the array holds a slot per step from the first to the last
      const auto& b = node.scaled;
      std::int64_t step = 0;
      for (const auto v : b) {
         const Int128 gap = static_cast<Int128>(v) - b.front();
         if (gap > INT64_MAX) return;  // too far apart for an array
         step = std::gcd(step, static_cast<std::int64_t>(gap));
      }
      if (step == 0) step = 1;
      const Int128 slots = (static_cast<Int128>(b.back()) - b.front()) / step + 1;
      if (slots > 4 * static_cast<Int128>(b.size()) + 64) return;
      node.first = b.front();
      node.step = step;
      node.dense.resize(static_cast<std::size_t>(slots));
      std::size_t k = 0;
      for (std::size_t i = 0; i < node.dense.size(); ++i) {
         const Int128 value = node.first + static_cast<Int128>(i) * node.step;
         while (b[k] < value) ++k;
         node.dense[i] = static_cast<std::uint32_t>(b[k] == value ? 2 * k + 1 : 2 * k);
      }
   }

   void spend(std::size_t entries)
   {
      if (entries > budget_) throw NotIndexed{};
      budget_ -= entries;
   }

   TableIndex& index_;
   std::vector<std::vector<Test>> cells_;  // per row, per column
   std::size_t budget_;
   BuiltFor leaves_;                           // of any rows but one
   std::vector<std::uint32_t> one_row_leaves_;  // per row, the leaf of it alone
   std::vector<BuiltFor> nodes_;               // per column
   // per column, the rows of each region of the node being built there: kept from node to
   // node (of which a big table has thousands) for their storage
   std::vector<std::vector<std::vector<std::uint32_t>>> regions_rows_;
};

std::unique_ptr<TableIndex> TableIndex::build(const lang::TableVersion& version, const std::vector<lang::Type>& columns, const std::vector<Value>& literals)
{
   if (version.rows.size() < min_rows || columns.empty()) return nullptr;
   if (!std::all_of(columns.begin(), columns.end(), indexed_type)) return nullptr;
   try {
      std::vector<std::vector<Test>> cells;
      cells.reserve(version.rows.size());
      for (const auto& row : version.rows) {
         if (row.cells.size() != columns.size()) return nullptr;
         auto& tests = cells.emplace_back();
         for (const auto& cell : row.cells) tests.push_back(test_of(cell, literals));
      }
      auto index = std::make_unique<TableIndex>();
      index->columns_ = columns.size();
      std::vector<std::uint32_t> all(version.rows.size());
      for (std::uint32_t r = 0; r < all.size(); ++r) all[r] = r;
      IndexBuilder(*index, std::move(cells)).build(0, all);
      return index;
   } catch (const NotIndexed&) {
      return nullptr;
   }
}

TableIndexes index_tables(const lang::Program& program, const std::vector<Value>& literals)
{
   TableIndexes indexes;
   for (const auto& table : program.tables) {
      for (const auto& version : table.decl->versions) {
         if (auto index = TableIndex::build(version, table.params, literals)) indexes.emplace(&version, std::move(index));
      }
   }
   return indexes;
}

std::span<const std::uint32_t> TableIndex::rows(std::span<const Ratio> keys) const
{
   std::uint32_t at = 0;
   for (std::size_t c = 0; c < columns_; ++c) at = nodes_[at].next[nodes_[at].region(keys[c])];
   return {leaf_rows_.data() + leaf_start_[at], leaf_rows_.data() + leaf_start_[at + 1]};
}

std::size_t TableIndex::Node::region(Ratio key) const
{
   if (den == 0) {
      const auto it = first_not_below(bounds, key);
      const auto k = static_cast<std::size_t>(it - bounds.begin());
      return it != bounds.end() && ratio::compare(*it, key) == 0 ? 2 * k + 1 : 2 * k;
   }
   // the key over den: q, exactly or with a fraction above it (floor division), in 64 bits
   // when the product fits
   Int128 q;
   bool exact;
   if (key.den == den) {  // a key over the bounds' own denominator: no division
      q = key.num;
      exact = true;
   } else if (std::int64_t top64; !__builtin_mul_overflow(key.num, den, &top64)) {
      std::int64_t q64 = top64 / key.den;
      exact = q64 * key.den == top64;
      if (!exact && top64 < 0) --q64;
      q = q64;
   } else {
      const Int128 top = static_cast<Int128>(key.num) * den;
      q = top / key.den;
      exact = q * key.den == top;
      if (!exact && top < 0) --q;
   }
   if (!dense.empty()) {
      // q (or a little above it, when not exact) against first + i * step
      if (q < first) return 0;
      const Int128 offset = q - first;
      // divided in 64 bits when it fits, as it nearly always does: 128-bit division is slow
      const bool fits = offset <= INT64_MAX;
      const Int128 slot = fits ? static_cast<std::int64_t>(offset) / step : offset / step;
      const Int128 rest = fits ? static_cast<std::int64_t>(offset) % step : offset % step;
      if (slot >= static_cast<Int128>(dense.size())) return 2 * scaled.size();
      const auto r = dense[static_cast<std::size_t>(slot)];
      if (exact && rest == 0) return r;
      return r % 2 == 1 ? r + 1 : r;  // just above a bound, or inside the span between two
   }
   // the first bound not below the key
   const auto it = q > INT64_MAX ? scaled.end() : q < INT64_MIN ? scaled.begin()
                 : exact ? std::lower_bound(scaled.begin(), scaled.end(), static_cast<std::int64_t>(q))
                         : std::upper_bound(scaled.begin(), scaled.end(), static_cast<std::int64_t>(q));
   const auto k = static_cast<std::size_t>(it - scaled.begin());
   return exact && it != scaled.end() && *it == q ? 2 * k + 1 : 2 * k;
}

std::optional<Ratio> TableIndex::key(const Value& v)
{
   switch (v.kind) {
      case ValueKind::int_:
      case ValueKind::date:
      case ValueKind::enum_: return Ratio{v.integer, 1};
      case ValueKind::bool_: return Ratio{v.flag ? 1 : 0, 1};
      case ValueKind::decimal:
      case ValueKind::money:
      case ValueKind::duration: {
         Ratio r;
         if (!v.number.small_parts(r.num, r.den) || r.den <= 0) return std::nullopt;
         return r;
      }
      default: return std::nullopt;
   }
}

}  // namespace pol::interp
