// The lowered form of a checked policy: straight-line register code over unboxed values, with
// no name lookups and no allocation per evaluation. It covers numbers, money, dates, enums,
// booleans and text; lists of them read from records or written as literals, taken apart by the
// list functions and `in`; rules, params, tables and functions over them; and violated requires. Anything outside
// that, and every runtime error, makes the code give up ("bail"), and the general evaluator
// answers instead, so the two always agree and every message comes from one place. Numbers are
// exact ratios of two int64s; where the code allows, a second form of it (fixed.cpp) holds them
// as int64s at one scale per register, and is tried first, the ratio code taking what it bails on.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "date.hpp"
#include "program.hpp"
#include "ratio.hpp"
#include "table_index.hpp"
#include "value.hpp"

namespace pol::interp {

// One register. int, bool, date (days) and enum (variant): `a`, with b = 0. decimal, money and
// duration: the ratio a / b, where b = 0 reads as 1, so an int is already its decimal and never
// needs converting. text: the address of its bytes in a, their count in b (the bytes are the
// code's constants or in the machine's TextArena). A list: the address of its items' cells in a,
// their count in b; a record likewise, of its fields' cells (both in the TextArena). none:
// b == none_mark, whatever the type.
struct Cell {
   std::int64_t a = 0;
   std::int64_t b = 0;
   Ratio ratio() const { return {a, b == 0 ? 1 : b}; }
};
inline constexpr std::int64_t none_mark = INT64_MIN;
inline bool is_none(const Cell& c) { return c.b == none_mark; }

inline Cell text_cell(std::string_view s) { return {static_cast<std::int64_t>(reinterpret_cast<std::uintptr_t>(s.data())), static_cast<std::int64_t>(s.size())}; }
inline std::string_view text_of(const Cell& c) { return {reinterpret_cast<const char*>(static_cast<std::uintptr_t>(c.a)), static_cast<std::size_t>(c.b)}; }
inline Cell list_cell(const Cell* items, std::size_t count) { return {static_cast<std::int64_t>(reinterpret_cast<std::uintptr_t>(items)), static_cast<std::int64_t>(count)}; }
inline std::span<const Cell> items_of(const Cell& c) { return {reinterpret_cast<const Cell*>(static_cast<std::uintptr_t>(c.a)), static_cast<std::size_t>(c.b)}; }

// The instructions, listed once for the enum and the machine. Control instructions steer;
// data instructions compute d from a, b and sometimes register c, and may fail (bail).
#define POL_CONTROL_OPS(X)                                                                         \
   X(halt)           /* done: the outputs are in their registers (blocks for violations follow) */ \
   X(bail)           /* the general evaluator must answer */                                       \
   X(check)          /* if a is false: bail (c = 0), or to c, the block that notes a violated require */ \
   X(icmp_check)     /* check that a (x: CompareOp) b holds, over ints, dates, enums, bools */    \
   X(ncmp_check)     /* the same over ratios */                                                  \
   X(violated)       /* notes that require c is violated, with the message in register a */       \
   X(jump)           /* to c */                                                                    \
   X(jump_if)        /* to c if a is true */                                                       \
   X(jump_unless)    /* to c if a is false */                                                      \
   X(jump_if_none)   /* to c if a is none */                                                       \
   X(jump_if_some)   /* to c if a is not none */                                                   \
   X(icmp_else)      /* icmp, then to c if it is false */                                          \
   X(ncmp_else)      /* ncmp, then to c if it is false */                                       \
   X(lookup)         /* d = the output of the row of table site c that matches; bails on no row without a default, or rows that disagree */ \
   X(interpolate)    /* d = the text of text site c, made in the arena; bails over the text budget */ \
   X(make_list)      /* d = the list of the registers of list site c, made in the arena */ \
   X(new_list)       /* d = an empty list with room for as many items as the list a has */ \
   X(sort)           /* d = the items of list a, smallest first, equal ones in their order (x: CellOrder) */ \
   X(distinct)       /* d = the items of list a without repeats, each where it first stands (x: CellOrder) */

#define POL_DATA_OPS(X)                                                                            \
   X(copy)           /* d = a */                                                                   \
   X(not_)           /* d = !a */                                                                  \
   X(iadd) X(isub) X(imul) X(ineg) X(iabs) X(imin) X(imax) /* ints, dates for min/max; overflow bails */ \
   X(nadd) X(nsub) X(nmul) X(ndiv) X(nneg) X(nabs) X(nmin) X(nmax) /* exact ratios */              \
   X(to_int)         /* d = the ratio a as an int; bails if it has a fraction */                   \
   X(round)          /* d = a rounded to a multiple of the ratio b, mode x */                      \
   X(round_div)      /* d = a / b rounded to a multiple of the ratio in register c, mode x */      \
   X(select)         /* d = c ? a : b */                                                           \
   X(or_else)        /* d = a, or b if a is none (a ?? b) */                                       \
   X(icmp)           /* d = a (x: CompareOp) b, over ints, dates, enums, bools */                  \
   X(ncmp)           /* the same over ratios */                                                    \
   X(ocmp)           /* the same where either may be none; c = 1 for ratios */                     \
   X(tcmp)           /* the same over texts, byte by byte; either may be none */                   \
   X(trim)           /* d = the text a without white space at either end */                        \
   X(length)         /* d = how many items the list a has; bails if a is none */                   \
   X(item)           /* d = the item of list a at the int b (from 0) */                            \
   X(push)           /* d = the list a (made by new_list, with room) with b added at its end */    \
   X(field)          /* d = field x of the record a */                                             \
   X(nth)            /* d = the item of list a that x and the int b name (nth_first, …), or none */ \
   X(slice)          /* d = the first b items of list a (x = slice_take), or the rest (slice_drop); bails if b < 0 */ \
   X(move_date)      /* d = the date a moved by the whole duration b, in months if x = 1 else days */ \
   X(add_months)     /* d = the date a plus int b months (years are lowered to months) */          \
   X(add_days)                                                                                     \
   X(months_between) X(years_between)                                                              \
   X(make_date)      /* d = date(a, b, c) */                                                       \
   X(year) X(month) X(day) X(is_leap_year)                                                        \
   /* fixed-point code (fixed.cpp): a number of scale s is its value times 10^s, as an int */      \
   X(scale_up)       /* d = a * 10^x; none stays none */                                           \
   X(unscale)        /* d = a / 10^x; bails if that has a fraction */                              \
   X(fround_div)     /* d = a / (b * c) rounded to a whole number by mode x, times c */

#define POL_OP_NAME(name) name,
enum class Op : std::uint8_t { POL_CONTROL_OPS(POL_OP_NAME) POL_DATA_OPS(POL_OP_NAME) };
#undef POL_OP_NAME

inline bool is_data(Op op) { return op >= Op::copy; }  // the first data instruction
inline bool is_check(Op op) { return op == Op::check || op == Op::icmp_check || op == Op::ncmp_check; }

// Which item Op::nth takes: the first, the last, or the one counted from 1 in register b.
constexpr std::uint8_t nth_first = 0, nth_last = 1, nth_counted = 2;
// What Op::slice keeps: the first b items, or those after them.
constexpr std::uint8_t slice_take = 0, slice_drop = 1;
// How Op::sort and Op::distinct compare items: as ints (dates, enums, bools too), ratios, text.
enum class CellOrder : std::uint8_t { word, ratio, text };

struct Ins {
   Op op;
   std::uint8_t x = 0;
   std::uint16_t d = 0, a = 0, b = 0;
   std::uint32_t c = 0;
};

struct CodeInput {
   std::string name;
   lang::Type type;
   std::uint16_t reg;
   // Numbers are read over 10^scale when they have no more places (so the fixed-point code
   // takes them as they are); -1 for inputs that are not numbers.
   int scale = -1;
};

// Whether values of a type are numbers held as ratios: decimal, money and duration.
inline bool is_ratio(lang::TypeKind k) { return k == lang::TypeKind::decimal || k == lang::TypeKind::money || k == lang::TypeKind::duration; }

// The scale a number input is read at: pence for money, four places for other numbers.
int input_scale(const lang::Type& t);

struct CodeOutput {
   std::string name;
   lang::Type type;
   std::uint16_t reg;
   bool check = true;  // whether its exact written form must be checked (Machine::exact)
   int scale = -1;     // in fixed-point code, a number's scale: its value is reg / 10^scale
};

// A call of a big table, answered through the table's index (Op::lookup): the registers of its
// input columns, and each row's output, a constant.
struct TableSite {
   const TableIndex* index;          // null for a table of enum columns, which `by_variants` answers
   lang::HitPolicy hit;
   std::vector<std::uint16_t> keys;  // one register per input column
   std::vector<int> key_scales;      // in fixed-point code, each column's scale; -1 in ratio code
   std::vector<Cell> outputs;        // per row
   std::optional<Cell> default_value;
   // A table whose columns are all enums: per combination of their variants (the first column's
   // varying slowest), the row that answers, or no_row, or a conflict that bails.
   static constexpr std::int32_t no_row = -1, conflict = -2;
   std::vector<std::int32_t> by_variants;
   std::vector<std::uint32_t> variant_counts;  // per column
   static constexpr std::size_t max_columns = 16;
};

// Text made from parts (Op::interpolate): literal chunks and registers' values written as text,
// as the general evaluator writes them (format_value).
struct TextSite {
   struct Part {
      std::string_view chunk;                      // literal text, when `words` is null and type none
      std::uint16_t reg = 0;
      lang::Type type = lang::Type::of(lang::TypeKind::none);
      int scale = -1;                              // in fixed-point code, a number's scale
      const std::vector<std::string>* words = nullptr;  // an enum's names (or labels), by variant
   };
   std::vector<Part> parts;
   const lang::Program* program = nullptr;          // for numbers and dates
};

// A list made from registers (Op::make_list): a list literal.
struct ListSite {
   std::vector<std::uint16_t> items;
};

// A require of the policy, as a violation of it is written: its condition as written, and its source.
struct Requirement {
   std::string rule;
   std::string source;
};

// A violated require (Op::violated): which, and its message (a text cell).
struct Violated {
   std::uint32_t requirement;
   Cell message;
};

struct Code {
   std::vector<Ins> ins;
   std::vector<Cell> registers;  // the initial register file: constants set, inputs none
   std::vector<CodeInput> inputs;    // in the program's input order
   std::vector<std::uint16_t> input_regs;  // their registers, packed
   std::vector<std::uint16_t> required;  // registers of inputs that must be given (no default)
   // per input, the constant its register takes when the record leaves it out (Machine::load),
   // or none: a number over 10^scale, as it is read, so the fixed-point code takes it too
   std::vector<Cell> input_defaults;
   std::vector<CodeOutput> outputs;  // in declaration order
   std::vector<TableSite> sites;     // big tables' calls, by Ins::c of Op::lookup
   std::vector<TextSite> texts;      // interpolations, by Ins::c of Op::interpolate
   std::vector<Requirement> requirements;  // the policy's requires, by Ins::c of Op::violated
   std::vector<ListSite> lists;      // list literals, by Ins::c of Op::make_list
   std::vector<std::uint64_t> step_terms;  // the program's step bound for lists of n items (lang::Steps)
   // the bytes of text constants (a deque: adding one moves none), their registers, and the
   // longest, which the text budget must allow
   std::shared_ptr<std::deque<std::string>> text_bytes = std::make_shared<std::deque<std::string>>();
   std::vector<std::uint16_t> text_constants;
   std::size_t longest_text = 0;
   std::size_t longest_list = 0;     // the most items of a list written in the policy, which the list budget must allow
   std::uint16_t as_of = 0;          // the evaluation date
   bool straight = false;            // no jumps before halt: it can run over many records at once
   // The same code over fixed-point numbers, tried first when there is one (to_fixed), and per
   // input the denominator it reads numbers over (10^scale), or 0 for an input not a number.
   std::unique_ptr<Code> fixed;
   std::vector<std::int64_t> fixed_dens;
};



// The lowered code of a checked program, or null when it uses what the code does not cover.
// `literals` are the literal values, indexed by Expr::ref.index; big tables are looked up
// through `indexes`.
std::unique_ptr<Code> lower(const lang::Program& program, const std::vector<Value>& literals, const TableIndexes& indexes);

// The code over fixed-point numbers, with the same inputs and outputs (read and written as
// ratios); null when a step has no fixed scale (an exact division). lower() sets Code::fixed.
std::unique_ptr<Code> to_fixed(const Code& code);

}  // namespace pol::interp
