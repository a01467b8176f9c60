// Static analysis of decision tables: overlapping rows (under unique and any), gaps (inputs
// no row covers, when there is no default) and rows shadowed by earlier rows (under first).
// Exact for int, decimal, money, date, duration, text, bool and enum columns; a table whose
// cells are not all literal values is left alone rather than guessed at. Rows are never compared
// pairwise: sweeps over each column's sorted boundaries, refined column by column, take a table of
// n rows over an enum and a range column in n log n (table_analysis.cpp says how).
#pragma once

#include "diagnostics.hpp"
#include "program.hpp"

namespace pol::interp {

void analyse_tables(const lang::Program& program, lang::Diagnostics& diagnostics);

}  // namespace pol::interp
