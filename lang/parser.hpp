// Parses one pol source file into a Module, collecting every syntax error.
#pragma once

#include "ast.hpp"
#include "diagnostics.hpp"

namespace pol::lang {

// How table rows are read: a row of plain cells (names, literals, ranges and comparisons of
// them, '-') by a direct scan and any other by the grammar, or every row by the grammar. Both
// build the same rows; the second is there to test that they do.
enum class RowReading { scan_plain_rows, grammar_only };

// Parses the file with id `file` in `sources`. Syntax errors go to `diagnostics`; the
// parser then skips to the next declaration, so one mistake does not hide the others.
Module parse_module(const SourceSet& sources, std::uint32_t file, Diagnostics& diagnostics, RowReading rows = RowReading::scan_plain_rows);

// The deepest nesting of brackets and operators the parser accepts.
inline constexpr int max_nesting = 100;
// Lines dropped from one declaration to parse the rest of it after syntax errors.
inline constexpr int max_recoveries = 20;
// ... and the bytes those tries may read again, in all.
inline constexpr std::size_t max_recovery_bytes = 4 << 20;
// The deepest expression tree, counting operator chains as well as brackets: every pass
// walks expressions recursively, and this bounds the stack they need.
inline constexpr std::size_t max_expression_depth = 2000;

}  // namespace pol::lang
