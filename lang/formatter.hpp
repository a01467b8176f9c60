// pol's one canonical layout for policy files (pol fmt). It works on tokens and lines, so it
// keeps every comment where it stands and needs no knowledge of what each declaration means.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pol::lang {

// The widest a line may be before the formatter breaks it (table rows and text are not broken).
inline constexpr std::size_t format_width = 120;

// Lays out policy text that parses. Indentation: declarations at column 0, what continues them
// at 2 (4 for a clause broken off a continuation line), and 2 more inside each bracket left open;
// one space between tokens, none inside ( ) [ ] or around '.', '..' and a call's '('; table rows
// aligned into columns; the 'requires' and 'source' clauses of neighbouring lines aligned, and
// their trailing comments; runs of blank lines made one; lines wider than format_width broken
// before 'source', 'hit', 'requires', 'when', 'then', 'else', 'and', 'or', '??', '+', or after ','.
std::string format_policy(std::string_view text);

// What a formatted text must keep: every token but comments and layout, in order. Two texts with
// the same significant tokens parse to the same syntax tree.
std::vector<std::string> significant_tokens(std::string_view text);

}  // namespace pol::lang
