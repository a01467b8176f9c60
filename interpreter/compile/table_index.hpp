// Decision tables looked up through an index: the rows that match a record's values are found
// by a binary search over each column's boundaries, not by testing every row. The index is a
// tree with one level per input column; at each node the column's boundaries cut its values
// into regions (each boundary itself, and the spans between), and every value in a region
// meets each row's cell alike, so each region leads to the rows that match there. A lookup
// costs O(columns × log rows), whatever the hit policy: the rows come back in row order, so
// `first` takes the first, `unique` sees two, `collect` gathers them all.
//
// Built for the versions whose input cells are all literals over numbers, money, dates, enums
// or booleans; a table that compares with another column or a param, or tests text, is scanned.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include "program.hpp"
#include "ratio.hpp"
#include "value.hpp"

namespace pol::interp {

class TableIndex {
public:
   // The index of one version's rows, or null when a cell is not a literal of an indexed kind,
   // or the index would hold more than a few entries per row and cell. `literals` are the
   // values of literal expressions, by Expr::ref.index.
   static std::unique_ptr<TableIndex> build(const lang::TableVersion& version, const std::vector<lang::Type>& columns, const std::vector<Value>& literals);

   // The rows (by position in the version) whose cells all match these values, one per input
   // column, in row order. Ints, dates, enums and booleans are whole numbers over 1.
   std::span<const std::uint32_t> rows(std::span<const Ratio> keys) const;

   // A column value as a key, or none for a value the index does not take (none, a number
   // beyond 64-bit parts): the rows are then found by testing each.
   static std::optional<Ratio> key(const Value& v);

   // Tables with fewer rows are scanned: testing a few rows costs less than the search.
   static constexpr std::size_t min_rows = 24;

private:
   // A node tests one column: bounds in ascending order, and for each region the next node
   // (on the last column, the leaf: a list of rows). Region 2k + 1 is bounds[k] itself; region
   // 2k the values between bounds[k - 1] and bounds[k] (below the first, above the last).
   struct Node {
      std::vector<Ratio> bounds;
      std::vector<std::uint32_t> next;
      // The bounds as whole numbers over one denominator, when they share a small one (whole
      // pounds, pence, ints, dates, enums): a key is then placed with one division and a
      // search over plain integers, or, where the bounds are dense, one array access.
      std::int64_t den = 0;  // 0: compare as ratios
      std::vector<std::int64_t> scaled;
      std::int64_t first = 0, step = 1;     // dense: the region of first + i * step, for each i
      std::vector<std::uint32_t> dense;
      std::size_t region(Ratio key) const;
   };
   std::vector<Node> nodes_;  // nodes_[0] is the root, on the first column
   // the leaves' rows, one list after another: leaf k is leaf_rows_[leaf_start_[k] .. leaf_start_[k + 1])
   std::vector<std::uint32_t> leaf_rows_;
   std::vector<std::uint32_t> leaf_start_{0};
   std::size_t columns_ = 0;

   friend class IndexBuilder;
};

// The index of every table version that takes one, built once per policy.
using TableIndexes = std::unordered_map<const lang::TableVersion*, std::unique_ptr<TableIndex>>;
TableIndexes index_tables(const lang::Program& program, const std::vector<Value>& literals);

}  // namespace pol::interp
