// The lowered form of a checked policy: straight-line register code over unboxed values, with
// no name lookups and no allocation per evaluation. It covers scalar policies (numbers, money,
// dates, enums, booleans; rules, params, tables and functions over them). Anything outside
// that, and every runtime error, makes the code give up ("bail"), and the general evaluator
// answers instead, so the two always agree and every message comes from one place.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "date.hpp"
#include "program.hpp"
#include "ratio.hpp"
#include "value.hpp"

namespace pol::interp {

// One register. int, bool, date (days) and enum (variant): `a`, with b = 0. decimal, money and
// duration: the ratio a / b, where b = 0 reads as 1, so an int is already its decimal and never
// needs converting. none: b == none_mark, whatever the type.
struct Cell {
   std::int64_t a = 0;
   std::int64_t b = 0;
   Ratio ratio() const { return {a, b == 0 ? 1 : b}; }
};
inline constexpr std::int64_t none_mark = INT64_MIN;
inline bool is_none(const Cell& c) { return c.b == none_mark; }

enum class Op : std::uint8_t {
   halt,          // done: the outputs are in their registers
   bail,          // the general evaluator must answer
   copy,          // d = a
   jump,          // to c
   jump_if,       // to c if a is true
   jump_unless,   // to c if a is false
   jump_if_none,  // to c if a is none
   jump_if_some,  // to c if a is not none
   not_,          // d = !a
   iadd, isub, imul, ineg, iabs, imin, imax,  // ints (and dates for min/max); overflow bails
   nadd, nsub, nmul, ndiv, nneg, nabs, nmin, nmax,  // exact ratios
   to_int,        // d = the ratio a as an int; bails if it has a fraction
   round,         // d = a rounded to a multiple of the ratio b, mode x
   round_div,     // d = a / b rounded to a multiple of the ratio in register c, mode x
   select,        // d = c ? a : b
   icmp,          // d = a (x: CompareOp) b, over ints, dates, enums, bools
   ncmp,          // the same over ratios
   icmp_else,     // icmp, then to c if it is false
   ncmp_else,     // ncmp, then to c if it is false
   ocmp,          // the same where either may be none; c = 1 for ratios
   move_date,     // d = the date a moved by the whole duration b, in months if x = 1 else days
   add_months,    // d = the date a plus int b months (years are lowered to months)
   add_days,
   months_between, years_between,
   make_date,     // d = date(a, b, c)
   year, month, day, is_leap_year,
};

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
};

struct CodeOutput {
   std::string name;
   lang::Type type;
   std::uint16_t reg;
   bool check = true;  // whether its exact written form must be checked (Machine::exact)
};

struct Code {
   std::vector<Ins> ins;
   std::vector<Cell> registers;  // the initial register file: constants set, inputs none
   std::vector<CodeInput> inputs;    // in the program's input order
   std::vector<std::uint16_t> required;  // registers of inputs that must be given (no default)
   std::vector<CodeOutput> outputs;  // in declaration order
   std::uint16_t as_of = 0;          // the evaluation date
};

// The lowered code of a checked program, or null when it uses what the code does not cover.
// `literals` are the literal values, indexed by Expr::ref.index.
std::unique_ptr<Code> lower(const lang::Program& program, const std::vector<Value>& literals);

// Runs the code over a register file made from code.registers with the inputs and the
// evaluation date set. False when it bails.
bool execute(const Code& code, Cell* registers);

// One thread's evaluator over lowered code: it reads a record into its registers, runs the
// code and writes the outputs, allocating nothing once warm. Each step returns false when the
// general evaluator must take the record instead (an unusual record, an error, a violation).
class Machine {
public:
   Machine(const Code& code, const lang::Program& program, Date as_of);

   // A flat JSON object of scalar inputs, numbers read exactly from their text.
   bool read_json(std::string_view text);
   // Typed input values (one per input, empty when absent) as the cells load() takes; false if
   // one is beyond the code or a required one is missing.
   static bool cells_of(const Code& code, const std::vector<std::optional<Value>>& inputs, std::vector<Cell>& out);
   void load(const std::vector<Cell>& cells);
   // The typed values such cells stand for, for the general evaluator.
   static std::vector<std::optional<Value>> values_of(const Code& code, const std::vector<Cell>& cells);
   bool run() { return execute(code_, registers_.data()); }
   // Whether every output has its exact written form (money in whole pence, decimals finite).
   bool exact() const;
   // Appends {"outputs":{…},"violations":[]}, as the general evaluator's compact result.
   bool write_json(std::string& out) const;
   // Appends one output's JSON text, after run().
   bool write_output(std::size_t i, std::string& out) const;

private:
   bool read_scalar(std::size_t input, char kind, std::string_view token);
   bool given() const;  // every required input has a value

   const Code& code_;
   const lang::Program& program_;
   std::vector<Cell> registers_;
   std::size_t expected_ = 0;  // the input whose name is likely next
};

}  // namespace pol::interp
