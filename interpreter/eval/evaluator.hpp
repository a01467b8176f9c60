// Evaluates a checked policy for one input: outputs, violations, errors and, on request,
// the explanation of every value.
#pragma once

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "decode.hpp"
#include "json_value.hpp"
#include "pol/limits.hpp"
#include "lowered.hpp"
#include "table_index.hpp"
#include "program.hpp"
#include "value.hpp"

namespace pol::interp {

using pol::Limits;

struct Violation {
   std::string rule;     // the condition, as written
   std::string message;
   std::string source;
   lang::Span span;
   // when explaining: why the condition is false, and the globals it used directly
   std::vector<std::string> because;
   std::vector<std::uint32_t> uses;
};

// One value in an explanation: what it is, how it was decided, and what it used.
struct Explained {
   std::uint32_t global;
   Value value;
   std::vector<std::string> notes;  // the exception, table row or param period that decided it
   std::vector<std::uint32_t> uses; // globals it used directly
};

struct Outcome {
   std::vector<std::pair<std::uint32_t, Value>> outputs;  // global slot and value, in declaration order
   std::vector<Violation> violations;
   std::vector<RuntimeError> errors;
   std::vector<Explained> explanation;  // by global slot; empty unless asked for
   bool ok() const { return errors.empty(); }
};

// What evaluations exercised: rule defaults and exceptions that applied, table rows that
// matched, requires that failed. Items are identified by their syntax-tree node.
struct Coverage {
   std::set<const void*> hit;
   void mark(const void* item) { hit.insert(item); }
};

// Lowered code never exceeds the budgets when this holds: its numbers have at most 38 digits,
// and with lists of one item its steps are at most the checked bound (with longer lists, the
// machine checks the bound for each record: MachineLimits).
inline bool budgets_hold_for_lowered(const Limits& limits, const lang::Program& p) { return limits.digits >= 38 && p.step_bound <= limits.steps; }

struct EvalOptions {
   std::optional<Date> as_of;  // the evaluation date for dated params and tables; today if absent
   bool explain = false;
   Coverage* coverage = nullptr;  // when set, records what this evaluation exercised
   Limits limits;
   bool table_index = true;  // false: every table's rows are tested one by one (the reference)
};

// A compiled policy: immutable after construction, so many threads can evaluate it at once.
class Policy {
public:
   explicit Policy(std::unique_ptr<lang::Program> program);
   ~Policy();
   Policy(Policy&&) noexcept;

   const lang::Program& program() const { return *program_; }
   // Evaluates for a JSON object of inputs.
   Outcome evaluate(const JsonValue& input, const EvalOptions& options = {}) const;
   // Evaluates for typed input values, one per input slot (none for a missing optional input).
   Outcome evaluate(std::vector<std::optional<Value>> inputs, const EvalOptions& options = {}) const;
   // Reads a JSON object's values by the inputs' declared types, one per input slot (absent
   // ones empty); errors name the field.
   std::vector<std::optional<Value>> decode_inputs(const JsonValue& input, std::vector<RuntimeError>& errors) const { return interp::decode_inputs(*program_, input, errors); }
   // Reads one input value by its declared type; errors name the field.
   std::optional<Value> decode_input(const JsonValue& json, const lang::Type& type, const std::string& field, std::vector<RuntimeError>& errors) const
   {
      return interp::decode_input(*program_, json, type, field, errors);
   }
   // Evaluates a constant expression, such as a test's given value.
   Value constant(const lang::Expr& e) const;
   // The policy lowered to register code, or null when it uses what that does not cover
   // (lists, records, text); callers fall back to evaluate() whenever the code bails.
   const Code* lowered() const { return code_.get(); }

private:
   friend class Run;
   // Evaluates after input decoding, which may already have found errors.
   Outcome evaluate_with(std::vector<std::optional<Value>> inputs, std::vector<RuntimeError> errors, const EvalOptions& options) const;
   std::unique_ptr<lang::Program> program_;
   std::vector<Value> literals_;  // every literal's value, indexed by Expr::ref.index
   TableIndexes indexes_;         // the big tables' indexes, by version
   std::unique_ptr<Code> code_;
};

}  // namespace pol::interp
