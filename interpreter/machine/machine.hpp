// The machine that runs lowered code (compile/lowered.hpp): one record at a time (threaded
// code) or straight code over many records at once; and its readers and writers of records,
// which read a record's fields straight into registers and write the outputs from them.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cost.hpp"
#include "lowered.hpp"

namespace pol::interp {

// Text made while code runs (read from records, interpolated), kept until reset: in chunks that
// never move, so a cell may point into it. Its owner resets it when no cell needs it any more.
class TextArena {
public:
   std::string_view copy(std::string_view s);
   char* allocate(std::size_t n);
   Cell* cells(std::size_t n);  // room for n cells, aligned
   std::string build;  // where text is put together before it is copied in
   void reset()
   {
      chunk_ = 0;
      used_ = 0;
   }

private:
   static constexpr std::size_t chunk_size = 64 * 1024;
   std::vector<std::pair<std::unique_ptr<char[]>, std::size_t>> chunks_;  // bytes and size
   std::size_t chunk_ = 0, used_ = 0;  // the chunk being filled, and how much of it is
};

// Records run together by execute_lanes.
inline constexpr std::size_t lanes = 32;

// The budgets of an evaluation the machine keeps to (pol::Limits): longer text or lists, or a
// record whose lists could take more steps than allowed, bail, and the general evaluator reports
// them. (Numbers are kept to 64 bits, well within the digit budget.)
struct MachineLimits {
   std::size_t text = SIZE_MAX;
   std::size_t list = SIZE_MAX;
   std::uint64_t steps = UINT64_MAX;
};

// What running code may make: text, in an arena, up to a length (the text budget); and the
// requires it finds violated, in order (null: a violation bails).
struct Workspace {
   TextArena& arena;
   std::size_t max_text;
   std::vector<Violated>* violated = nullptr;
};

// Runs the code over a register file made from code.registers with the inputs and the
// evaluation date set. False when it bails.
bool execute(const Code& code, Cell* registers, Workspace space);

// Runs straight code over `count` (at most `lanes`) records at once, one instruction over all of
// them before the next: registers are column-major, register k of record l at k * lanes + l.
// Lanes in `skip` (as bits) are not run. Returns the records (as bits) that bailed or were skipped.
std::uint64_t execute_lanes(const Code& code, Cell* registers, std::size_t count, Workspace space, std::uint64_t skip = 0);

// The words of an enum a record may give for it: each variant and label that the general reader
// could match from plain ASCII. Of equal words the first added is kept, as the general reader
// takes the first variant whose name or label matches. A few are compared in turn; more (an enum
// of pay grades has dozens, most alike in their first bytes) are found by hash.
class EnumWords {
public:
   void add(const std::string& word, std::int64_t variant);
   // The word at p, just after its opening quote (`room` bytes to the end), and its closing
   // quote: its variant and the bytes they take; or -1.
   std::pair<std::int64_t, std::size_t> match(const char* p, std::size_t room) const;

private:
   static constexpr std::size_t few = 8;
   static std::uint64_t hash(std::string_view word);
   std::int64_t find(std::string_view word) const;  // its variant, or -1
   std::vector<std::pair<std::string, std::int64_t>> words_;  // each word with its closing quote
   std::vector<std::uint32_t> slots_;  // 1 + an index into words_, or 0; a power of two, under half full
};

// One thread's evaluator over lowered code: it reads a record into its registers, runs the
// code and writes the outputs, allocating nothing once warm. Each step returns false when the
// general evaluator must take the record instead (an unusual record, an error, a violation).
class Machine {
public:
   Machine(const Code& code, const lang::Program& program, Date as_of, MachineLimits limits = {});
   Machine(const Machine&) = delete;  // it points into its own registers
   Machine& operator=(const Machine&) = delete;

   // Text read from records and made by the code stays until this is called: call it when no
   // cell read or output taken since the last call is needed any more.
   void forget_texts() { arena_.reset(); }

   // A flat JSON object of scalar inputs, numbers read exactly from their text: into the
   // registers, or into cells as load() takes them (one per input). Text is copied.
   bool read_json(std::string_view text);
   bool read_json(std::string_view text, std::span<Cell> cells);
   // Whether records read by `other` give this code the same cells: the same inputs in the same
   // order, of the same types, read at the same scales. Two versions of a policy that differ
   // in params, tables or rules usually do, so one reading serves both (pol diff).
   bool reads_like(const Machine& other) const;
   bool given(std::span<const Cell> cells) const;  // every input without a default has a value
   // Whether cells made elsewhere (cells_of) keep to this machine's budgets of text, lists and
   // steps, as its readers see to for what they read.
   bool within_budgets(std::span<const Cell> cells) const;
   // Named text fields (a CSV row under its header) into the registers, each read by its
   // input's type; an empty field is absent.
   bool read_fields(std::span<const std::string_view> names, std::span<const std::string_view> fields);
   // Typed input values (one per input, empty when absent) as the cells load() takes; false if
   // one is beyond the code or a required one is missing. Text cells point into the values.
   // Lists and records need `items`, where their cells are put (cells point into it: it must
   // live as long as they do, unchanged).
   static bool cells_of(const Code& code, const std::vector<std::optional<Value>>& inputs, std::vector<Cell>& out, std::vector<Cell>* items = nullptr);
   void load(std::span<const Cell> cells);
   // The typed values such cells stand for, for the general evaluator.
   static std::vector<std::optional<Value>> values_of(const Code& code, const lang::Program& program, std::span<const Cell> cells);
   // The typed value one cell of a scalar type stands for (over 10^scale, if a scale is given).
   static Value value_of(const Cell& cell, const lang::Type& type, const lang::Program& program, int scale = -1);
   // Runs the fixed-point code if there is one, and the ratio code if that bails; or only the
   // ratio code (for a record that bailed in lanes of fixed-point code).
   bool run();
   bool run_ratio();
   // Whether every output has its exact written form (money in whole pence, decimals finite),
   // after run() or, given a lane, after run_lanes().
   static constexpr std::size_t no_lane = static_cast<std::size_t>(-1);
   bool exact(std::size_t lane = no_lane) const;

   // Straight code runs many records at once: load each into a lane, run them, read each lane.
   bool runs_lanes() const { return code_.straight; }
   bool has_fixed() const { return fixed_ != nullptr; }
   bool answered_fixed() const { return fixed_ && answered_ == fixed_; }  // the last run()
   // False when the record's numbers do not fit the fixed-point code that runs in lanes: run
   // it alone, with load() and run_ratio().
   bool load_lane(std::size_t lane, std::span<const Cell> cells);
   // Loads all lanes at once from `lanes` cells of each input in turn (records that suit the
   // code the lanes run: see fits_fixed).
   void load_columns(const Cell* columns);
   // Whether a record's cells suit the fixed-point code: numbers over 10^scale.
   static bool fits_fixed(const Code& code, std::span<const Cell> cells);
   std::uint64_t run_lanes(std::size_t count, std::uint64_t skip = 0);  // the lanes (as bits) that bailed or were skipped
   Cell lane_output(std::size_t lane, std::size_t i) const;
   // Appends {"outputs":{…},"violations":[…]}, as the general evaluator's compact result.
   bool write_json(std::string& out, std::size_t lane = no_lane) const;
   // The requires the last run() found violated, in the policy's order (none in lanes: a lane
   // with a violation bails), and each one's message.
   std::span<const Violated> violated() const { return violated_; }
   std::string_view message(const Violated& v) const { return text_of(v.message); }
   // Appends one output's JSON text, after run(); or of a value of that output.
   bool write_output(std::size_t i, std::string& out) const;
   bool write_value(std::size_t i, const Cell& value, std::string& out) const;
   bool write_cell(const lang::Type& type, const Cell& value, std::string& out) const;  // as JSON, as the general evaluator writes it
   bool writable(const lang::Type& type, const Cell& value) const;  // whether write_cell can write it exactly
   // A scalar's JSON written at t, which has room for put_room bytes: its end, or null when it is
   // not a scalar, cannot be written exactly, or takes a longer form (write_cell writes those).
   static constexpr std::size_t put_room = 64, max_key = 64;
   char* put_scalar(const lang::Type& type, const Cell& value, char* t) const;
   // An output's value after run(), or given a lane, after run_lanes().
   Cell output_value(std::size_t i, std::size_t lane = no_lane) const
   {
      if (lane != no_lane) return lane_output(lane, i);
      return output_cell(answered_->outputs[i], answer_[answered_->outputs[i].reg]);
   }

private:
   // An output's value as a ratio cell, from its register (fixed-point numbers have a scale).
   static Cell output_cell(const CodeOutput& o, const Cell& c) { return o.scale < 0 || is_none(c) ? c : Cell{c.a, ratio::powers_of_ten[o.scale]}; }

   const Code& code_;                // over ratios
   const Code* fixed_;               // over fixed-point numbers, if it can be
   const Code& lane_code_;           // what runs in lanes: the fixed code if there is one
   const lang::Program& program_;
   std::vector<Cell> registers_, fixed_registers_;
   const Code* answered_ = &code_;   // the code that answered the last run(), and its registers
   const Cell* answer_;
   bool fixed_fits_ = false;         // whether the loaded record suits the fixed-point code
   std::vector<Cell> lane_registers_;  // column-major, for straight code
   std::vector<std::string> quoted_names_;  // each input's name and closing quote, as in JSON
   std::vector<std::string> output_keys_;   // what write_json puts before each output's value: ,"name":
   std::vector<std::vector<std::string>> quoted_variants_;  // each enum's variants in quotes, as written
   std::vector<EnumWords> enum_words_;           // each enum's words read_plain looks for
   std::vector<const EnumWords*> plain_words_;   // those of each input, if it is an enum
   std::vector<std::pair<std::string, std::string>> violation_json_;  // per requirement, what goes before and after its message
   std::vector<std::size_t> required_inputs_;  // inputs that must be given (no default)
   std::vector<Cell> cells_;  // a record read by read_json(text)
   std::vector<std::size_t> checked_;  // the outputs whose exact form must be checked, in order
   // c, or the input's default (Code::input_defaults; none if it has none) if c is none; without
   // a branch, as or_else picks: whether a record gives an optional input varies from record to
   // record, which a processor cannot predict
   Cell with_default(std::size_t input, const Cell& c) const
   {
      const Cell& d = code_.input_defaults[input];
      const std::int64_t none = -static_cast<std::int64_t>(is_none(c));
      return {(d.a & none) | (c.a & ~none), (d.b & none) | (c.b & ~none)};
   }
   TextArena arena_;          // text read and made, until forget_texts()
   MachineLimits limits_;
   std::vector<std::size_t> budgeted_inputs_;  // inputs of text, lists or records: the only ones a budget limits
   std::vector<CodeInput> items_;   // per input, how an item of a list input is read (type and scale)
   std::vector<Cell> list_items_;   // a list's items as they are read
   std::size_t longest_list_ = 0;   // the most items of a list in the record being read
   lang::Steps steps_;              // the step bound for lists of n items
   bool code_within_budgets_;       // the policy's own lists and text are within the budgets
   std::vector<Violated> violated_;  // the requires the last run() found violated
   Workspace workspace() { return {arena_, limits_.text, &violated_}; }
   bool read_list(const char*& p, const char* end, std::size_t input, Cell& cell);
   bool read_record(const char*& p, const char* end, const lang::Type& type, Cell& cell);
   bool read_structured(const char*& p, const char* end, std::size_t input, Cell& cell);  // a list or a record
   std::vector<std::vector<CodeInput>> fields_;  // per record type, how each field is read
   bool within_budgets();  // after a record is read: its lists are within the list and step budgets
   bool steps_allow(std::size_t longest) const;  // lists of at most `longest` items take no more steps than allowed
};

}  // namespace pol::interp
