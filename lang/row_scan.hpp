// A direct reader for the table rows that big tables are made of: cells of names, plain
// literals, ranges and comparisons of them, lists of those, and '-'. Through the grammar each
// such cell tries some forty rules, each making and dropping a parse-tree node; here a row is
// read in one pass. Every token is matched by the grammar's own rule, and a row is accepted
// only when the grammar would read it to the same end with the same structure; anything else
// is declined, and the grammar reads it (and reports its mistakes) as before.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace pol::lang::row_scan {

// What a value is, in the order the grammar tries them (grammar::literal, then name_ref).
enum class Token : std::uint8_t { money, date, percent, decimal, integer, text, true_, false_, none, name };

// A literal or a name, negated when it follows a '-' (then `start` is at the '-').
struct Value {
   Token token = Token::name;
   std::uint32_t start = 0;  // where the value starts, with its '-'
   std::uint32_t begin = 0;  // the literal or name
   std::uint32_t end = 0;
   bool negated() const { return start != begin; }
};

enum class TestKind : std::uint8_t { value, compare, range };

// One of a cell's tests: a value, `>= value`, or `[low..high)`. Its brackets and operator are
// read from the text at its ends.
struct Test {
   TestKind kind = TestKind::value;
   std::uint32_t begin = 0, end = 0;
   std::uint32_t op_end = 0;  // a comparison's operator is text[begin, op_end)
   Value value;  // the value, the compared value, or the range's low end
   Value high;   // the range's high end
};

// A cell: '-' (any), or its tests, `tests[first_test, first_test + test_count)` of the row.
struct Cell {
   std::uint32_t begin = 0, end = 0;
   bool any = false;
   std::uint32_t first_test = 0, test_count = 0;
};

struct Row {
   std::uint32_t begin = 0, end = 0;  // from the first '|' to just after the last
   std::vector<Cell> cells;
   std::vector<Test> tests;
};

// Reads the row whose first '|' is at `at` of `text` into `row` (whose storage it reuses).
// False when the row is not one of plain cells, or when what follows it could make the grammar
// read it otherwise: a `source` clause, or a next line that is not a row or a clause of its own.
bool read_row(std::string_view text, std::uint32_t at, Row& row);

}  // namespace pol::lang::row_scan
