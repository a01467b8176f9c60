// pol: the C++ library. Compile a policy once into an immutable, thread-safe Policy, then
// evaluate it many times, from many threads, with JSON or typed inputs.
//
//    auto policy = pol::Policy::compile_file("policies/cscs/early_departure.pol");
//    pol::Inputs in;
//    in.set_text("scheme", "VR").set_text("pension_scheme", "alpha").set_int("service_years", 10)
//      .set_decimal("annual_pay", "30000").set_date("date_of_birth", 1980, 1, 1).set_date("exit_date", 2024, 6, 30);
//    pol::Result r = policy->evaluate(in);
//    r.output("lump_sum");   // "\"25000.00\""
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pol/limits.hpp"

namespace pol {

// A problem found in a policy: where it is, what is wrong, and how to fix it.
struct Diagnostic {
   bool error = true;  // false for a warning
   std::string code;   // "E0301"
   std::string message;
   std::string help;
   std::string file;
   unsigned line = 0, column = 0;
   std::string rendered;  // file:line:col, the source line with a caret, notes and help
   std::string github;    // the same as a GitHub Actions workflow command
   std::string json;      // the same as a JSON object
};

// Thrown when a policy cannot be read or has errors; holds every diagnostic.
class CompileError : public std::runtime_error {
public:
   CompileError(std::string what, std::vector<Diagnostic> diagnostics, bool unreadable);
   const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }
   bool unreadable() const { return unreadable_; }  // the file itself could not be read

private:
   std::vector<Diagnostic> diagnostics_;
   bool unreadable_;
};

struct CompileOptions {
   std::vector<std::string> search_path;  // folders searched for imported files
   std::uint64_t max_steps = Limits{}.steps;  // a policy whose step bound is above this is an error (E0602)
   // Check decision tables for overlaps, gaps and rows that never fire (E05xx, W0503). pol check
   // does; evaluating does not need to, as pol eval and pol batch show.
   bool analyse_tables = true;
};

// What evaluating a policy can cost, found by checking it.
struct Cost {
   std::string steps;              // at most this many steps: "12 + 3·n"
   bool grows_with_lists = false;  // steps counts n, the length of the longest list
   std::string costliest;          // the values and calls that cost the most: "output x → fn f (3 calls)"
   std::size_t depth = 0;          // the deepest nesting of values, calls and expressions
   std::string deepest;            // the values and calls on that path
};

// Checks a policy without throwing: every diagnostic, errors and warnings, in source order.
struct CheckResult {
   bool unreadable = false;
   std::vector<Diagnostic> diagnostics;
   std::optional<Cost> cost;  // when the policy has no errors
   std::size_t errors() const;
   std::size_t warnings() const;
};
CheckResult check_file(const std::string& path, const CompileOptions& options = {});
// The same for a policy's text not yet saved (an editor's buffer); `path` names it in diagnostics
// and is where its imports are looked for.
CheckResult check_text(const std::string& path, std::string text, const CompileOptions& options = {});

// A function a policy can call, for editors: a built-in ("round"), or a standard-library module's
// ("rounding.to_pence"), with its signature ("(x: money) -> money") and what it does.
struct FunctionInfo {
   std::string name;
   std::string signature;
   std::string summary;
};
std::vector<FunctionInfo> builtin_functions();
std::vector<FunctionInfo> library_functions();

struct EvalOptions {
   std::optional<std::string> as_of;  // "YYYY-MM-DD": the date for values by date; today if absent
   bool explain = false;
   Limits limits;                     // the budgets of each evaluation
};

// Typed input values, by name. Numbers given as text are read exactly.
class Inputs {
public:
   Inputs();
   ~Inputs();
   Inputs(const Inputs&);
   Inputs& operator=(const Inputs&);
   Inputs& set_bool(std::string_view name, bool value);
   Inputs& set_int(std::string_view name, std::int64_t value);
   Inputs& set_decimal(std::string_view name, std::string_view exact_text);  // decimal or money: "30000.00"
   Inputs& set_date(std::string_view name, int year, int month, int day);
   Inputs& set_text(std::string_view name, std::string_view value);          // text, or an enum value by name
   Inputs& set_json(std::string_view name, std::string_view json);           // lists and records
   Inputs& set_none(std::string_view name);

private:
   friend class Policy;
   struct Impl;
   std::unique_ptr<Impl> impl_;
};

struct Violation {
   std::string rule;     // the condition, as written
   std::string message;
   std::string source;
};

struct Error {
   std::string code;     // "R0201"
   std::string message;
   std::string field;    // the input field it concerns, if any
   std::string help;
   std::string location; // file:line:col in the policy, if any
   std::vector<std::string> trace;
   std::string rendered; // readable, with the source line and a caret
   std::string json;
};

// The result of one evaluation.
class Result {
public:
   bool ok() const { return errors.empty(); }
   std::vector<std::pair<std::string, std::string>> outputs;  // name and value as JSON text, in declaration order
   std::vector<Violation> violations;
   std::vector<Error> errors;

   // The value of one output as JSON text ("\"25000.00\""), or nullopt.
   std::optional<std::string> output(std::string_view name) const;
   // {"outputs": {…}, "violations": […]} (and "explanation" when asked for); or {"errors": […]}
   std::string json(int indent = -1) const;
   // Outputs, violations and explanation as readable text.
   std::string text() const;
   std::string explanation_json() const;  // [] unless EvalOptions::explain
   std::string explanation_text() const;  // "" unless EvalOptions::explain
   // The explanation of some outputs only.
   std::string explanation_text(const std::vector<std::string>& outputs) const;

   struct Detail;  // what the readable text and the explanation are made from, on demand

private:
   friend struct ResultAccess;
   std::shared_ptr<const Detail> detail_;
};

// What an input expects, for tools that build inputs from other formats (CSV).
enum class InputShape { scalar, boolean, structured };

struct InputInfo {
   std::string name;
   std::string type;  // "money", "Scheme", "list of Period", "int?"
   InputShape shape = InputShape::scalar;
   bool required = true;
};

enum class SchemaPart { input, result };

// What a policy says of itself in its header: `policy NAME`, `title "…"`, `version "…"`, `source "…"`.
struct About {
   std::string name;    // "cscs.early_departure"; "" when the file has no header
   std::string title;
   std::string source;
   std::string version; // `version "…"`, if the header has one
};

struct OutputInfo {
   std::string name;
   std::string type;  // "money", "decimal", "int", "Scheme", "money?"
};

// A compiled policy: immutable, safe to evaluate from many threads at once.
class Policy : public std::enable_shared_from_this<Policy> {
public:
   static std::shared_ptr<const Policy> compile_file(const std::string& path, const CompileOptions& options = {});
   static std::shared_ptr<const Policy> compile_string(const std::string& name, std::string text, const CompileOptions& options = {});
   ~Policy();

   const std::vector<Diagnostic>& warnings() const;
   std::vector<InputInfo> inputs() const;
   std::vector<std::string> outputs() const;
   std::vector<OutputInfo> output_info() const;  // the outputs with their types
   About about() const;

   // A JSON Schema (draft 2020-12) of the policy's input object, or of its result as
   // Result::json() writes it: types, enums with their labels, records, defaults, simple
   // `requires` bounds, and descriptions from sources and comments (docs/schema.md).
   std::string schema_json(SchemaPart part = SchemaPart::input) const;

   // The policy as a reviewer reads it: its header, enums, records, inputs, params with their
   // dated values, tables with their rows, rules with their exceptions, requires, lets, functions,
   // outputs and tests, each with its text as written, its comments and its source. pol doc
   // renders it (docs/doc.md).
   std::string document_json() const;

   Result evaluate_json(std::string_view input_json, const EvalOptions& options = {}) const;
   Result evaluate(const Inputs& inputs, const EvalOptions& options = {}) const;

   struct Impl;
   const Impl& impl() const { return *impl_; }

private:
   friend struct PolicyFactory;
   explicit Policy(std::unique_ptr<Impl> impl);
   std::unique_ptr<Impl> impl_;
};

// Inputs read and checked once for one policy, to evaluate many times (scenarios, benchmarks).
class Record {
public:
   Record();
   ~Record();

private:
   friend class Evaluator;
   friend class Records;
   struct Impl;
   std::shared_ptr<const Impl> impl_;
};

// Records read before, packed together so that many evaluate at once.
class Records {
public:
   Records();
   ~Records();
   void add(const Record& record);
   std::size_t size() const;

private:
   friend class Evaluator;
   struct Impl;
   std::shared_ptr<Impl> impl_;
};

// Evaluates records one after another on one thread, reusing its working storage. A policy of
// scalar inputs and outputs runs as lowered register code and allocates nothing per record;
// the rest, and any record with an error or a violation, takes the general evaluator, so the
// results are the same either way. Make one per thread.
class Evaluator {
public:
   explicit Evaluator(std::shared_ptr<const Policy> policy, const EvalOptions& options = {});
   ~Evaluator();
   Evaluator(Evaluator&&) noexcept;
   Evaluator& operator=(Evaluator&&) noexcept;

   struct Outcome {
      bool ok = true;
      std::size_t violations = 0;
      const Error* error = nullptr;  // when !ok, the first error; valid until the next evaluation
   };

   // Evaluates one JSON object of inputs and appends Result::json()'s compact text to `out`;
   // appends nothing when the record has errors.
   Outcome evaluate_json(std::string_view record, std::string& out);
   // Evaluates one JSON object of inputs without writing its result: its outputs are then
   // output(i), its violations violations(); write_json appends the compact result.
   Outcome evaluate_json(std::string_view record);
   // Evaluates JSON records in order, as evaluate_json does each, but many at once where the
   // policy allows. After each record, done(k, outcome) is called: record k's result has just
   // been appended to `out` (nothing is appended when it has errors).
   void evaluate_json(std::span<const std::string_view> records, std::string& out, const std::function<void(std::size_t, const Outcome&)>& done);
   // The same without writing results: within done(k, outcome), output(i) and violations() are
   // record k's.
   void evaluate_json(std::span<const std::string_view> records, const std::function<void(std::size_t, const Outcome&)>& done);
   // The same, for the records `reader` has just evaluated with the call above (the same span):
   // where both policies read records alike (the same inputs of the same types), each record
   // is read once, by `reader`. For running two versions of a policy over one population.
   void evaluate_json(std::span<const std::string_view> records, const Evaluator& reader, const std::function<void(std::size_t, const Outcome&)>& done);

   // Evaluates a record given as named text fields, as a CSV row under its header: each field
   // is read by its input's declared type ("25000.00" stays exact; true or false for a yes-no
   // input; JSON for lists and records), and an empty field is an absent input. Outputs are
   // then output(i), violations violations(); write_json appends the compact result.
   Outcome evaluate_fields(std::span<const std::string_view> names, std::span<const std::string_view> fields);
   // After evaluate_fields, evaluate_json(record) or evaluate(record): the violations, and the
   // compact result JSON.
   const std::vector<Violation>& violations() const;
   void write_json(std::string& out) const;

   // Reads a JSON object of inputs once; throws std::invalid_argument with the first error.
   Record read(std::string_view json) const;
   // Evaluates a record read before; its outputs are then output(i).
   Outcome evaluate(const Record& record);
   // The i-th output of the last evaluate(record), evaluate_fields or evaluate_json(record), as
   // JSON text ("\"25000.00\"").
   std::string output(std::size_t i) const;

   // Evaluates many records read before, many at once where the policy allows: outcome k is
   // record k's, and its outputs are output(k, i), until the next evaluation.
   const std::vector<Outcome>& evaluate(const Records& records);
   std::string output(std::size_t record, std::size_t i) const;

   // True when the policy runs as lowered register code.
   bool lowered() const;
   // How many records this evaluator has answered with lowered register code (fixed-point or
   // ratio) since it was made; every other record it evaluated took the general evaluator.
   std::uint64_t lowered_records() const;

private:
   struct Impl;
   void evaluate_lanes(std::span<const std::string_view> records, const Impl* reader, const std::function<void(std::size_t, const Outcome&)>& done);
   // evaluate_json(record) within a call that has begun (the text of earlier records kept)
   Outcome evaluate_one(std::string_view record, std::string& out);
   Outcome evaluate_one(std::string_view record);
   std::unique_ptr<Impl> impl_;
};

// One declaration of a policy file, or one part of one (a param's period, a rule's exception,
// a table's row), for comparing two versions of a policy.
struct Declaration {
   std::string kind;   // input, param, period, let, function, output, require, rule, exception, table, row, enum, record, import, test
   std::string owner;  // for a part, the declaration it belongs to; else ""
   std::string key;    // what identifies it among its kind and owner, without positions: the name,
                       // an exception's label or condition, a row's date and cells
   std::string name;   // how a reviewer names it: "cap", "from 2020-11-04", "VR | 0..5"
   std::string text;   // as written, without comments, on one line
   std::string shape;  // its syntax tree without positions or comments: equal when only the layout differs
   std::string source; // its `source`, if any
   unsigned line = 0;
};

// The declarations of one policy file, parsed but not checked; imports are not followed.
// Throws CompileError when the file cannot be read or does not parse.
std::vector<Declaration> outline_file(const std::string& path);
std::vector<Declaration> outline_string(const std::string& name, std::string text);

// Parses "YYYY-MM-DD"; false if it is not a date.
bool valid_date(std::string_view text);

// Policy text in pol's one canonical layout (pol fmt), every comment kept where it stands.
struct FormatResult {
   bool ok = false;                      // false when the text has syntax errors: `text` is then the input, untouched
   std::string text;
   std::vector<Diagnostic> diagnostics;  // the syntax errors
};
FormatResult format_text(std::string_view text, const std::string& path = "-");

}  // namespace pol
