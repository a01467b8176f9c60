#include "evaluator.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "builtins.hpp"
#include "diagnostics.hpp"
#include "format.hpp"
#include "literal.hpp"
#include "stack.hpp"
#include "walk.hpp"

namespace pol::interp {

using lang::Expr;
using lang::ExprKind;
using lang::GlobalKind;
using lang::Program;
using lang::Type;
using lang::TypeKind;

namespace {

RuntimeError error_at(const Expr& e, std::string code, std::string message, std::string help = {})
{
   RuntimeError r;
   r.code = std::move(code);
   r.message = std::move(message);
   r.span = e.span;
   r.help = std::move(help);
   return r;
}

}  // namespace

Policy::Policy(std::unique_ptr<Program> program) : program_(std::move(program))
{
   // both walk expressions recursively, as deep as the checked limits allow
   lang::on_large_stack([&] {
      for (auto& m : program_->modules) {
         lang::walk_module(*m, [&](Expr& e) {
            if (!is_literal(e)) return;
            e.ref.index = static_cast<std::int32_t>(literals_.size());
            literals_.push_back(parse_literal(e));
         });
      }
      indexes_ = index_tables(*program_, literals_);
      code_ = lower(*program_, literals_, indexes_);
   });
}

Policy::~Policy() = default;
Policy::Policy(Policy&&) noexcept = default;

// The working storage of evaluations, kept per thread so that evaluating many records
// allocates it once. An evaluation that starts while another is running on the same thread
// (none does today) takes fresh storage.
struct Scratch {
   std::vector<Value> values;
   std::vector<std::uint8_t> state;
   std::vector<Value> locals;
   std::vector<std::uint32_t> computing;
   bool busy = false;
};

class ScratchLease {
public:
   ScratchLease()
   {
      thread_local Scratch shared;
      if (!shared.busy) {
         scratch_ = &shared;
      } else {
         own_ = std::make_unique<Scratch>();
         scratch_ = own_.get();
      }
      scratch_->busy = true;
   }
   ~ScratchLease() { scratch_->busy = false; }
   ScratchLease(const ScratchLease&) = delete;
   ScratchLease& operator=(const ScratchLease&) = delete;
   Scratch& operator*() { return *scratch_; }

private:
   Scratch* scratch_ = nullptr;
   std::unique_ptr<Scratch> own_;
};

// One evaluation: the values computed so far, the local slots, and the explanation.
class Run {
public:
   Run(const Policy& policy, const EvalOptions& options)
      : policy_(policy), p_(*policy.program_), options_(options), as_of_(options.as_of ? *options.as_of : today()), values_((*lease_).values),
        state_((*lease_).state), locals_((*lease_).locals), computing_((*lease_).computing)
   {
      values_.assign(p_.globals.size(), Value{});
      state_.assign(p_.globals.size(), 0);
      locals_.clear();
      computing_.clear();
      if (options.explain) explained_.resize(p_.globals.size());
   }

   void set_input(std::uint32_t slot, Value v)
   {
      values_[slot] = std::move(v);
      state_[slot] = 2;
   }

   const Value& global(std::uint32_t index);
   Value eval(const Expr& e);
   Value eval_on_new_stack(const Expr& e);
   void within_budget(const Expr& e, const Value& v) const;
   Value eval_inner(const Expr& e);
   void check_input_requirements(std::vector<RuntimeError>& errors);
   Outcome finish(std::vector<RuntimeError> errors);

private:
   void explain_failed(const Expr& condition, Violation& v);
   void why(const Expr& e, bool is, std::vector<std::string>& because);
   struct Frame {
      Run& run;
      std::size_t saved;
      Frame(Run& r, std::uint32_t size) : run(r), saved(r.base_)
      {
         r.base_ = r.locals_.size();
         r.locals_.resize(r.base_ + size);
      }
      ~Frame()
      {
         run.locals_.resize(run.base_);
         run.base_ = saved;
      }
   };

   Value compute(std::uint32_t index);
   struct Decision {
      Value value;
      const lang::RuleException* by;
   };
   Value eval_rule(const lang::RuleDecl& rule);
   std::optional<Decision> decide(const lang::RuleDecl& rule, const std::string& parent);
   Value eval_param(const lang::ParamDecl& param, Date on, const Expr* use);
   Value eval_call(const Expr& e);
   // A table call; `on` is the date whose rows apply (`t(…) as of d`), else the evaluation date.
   Value eval_table(const Expr& e, const lang::TableInfo& table, const Values& args, std::optional<Date> on = std::nullopt);
   Value range(const Expr& e, const Values& args);
   void count_step(const Expr& e);  // one step of the step budget
   Value eval_builtin(const Expr& e);
   Value eval_binary(const Expr& e);
   bool eval_compare(const Expr& e);
   static bool compare_holds(const Value& left, lang::CompareOp op, const Value& right);
   enum class Match : std::uint8_t { no, yes, unknown };
   Match cell_matches(const lang::Cell& cell, const Value& v);
   int rank_compare(const Expr& call, const lang::TableInfo& table, const Value& a, const Value& b);
   std::size_t declared_rank(const Expr& call, const lang::TableInfo& table, const lang::PriorityOrder& order, const Value& output);
   std::string ranking_text(const lang::TableInfo& table) const;
   std::string text_of(const Expr& e) const { return std::string(p_.sources.file(e.span.file).slice(e.span)); }
   std::string where(lang::Span s) const { return p_.sources.describe(s); }
   // Notes are the "because" lines of explanations; callers build them only when explaining.
   bool explaining() const { return options_.explain && !computing_.empty(); }
   void note(std::string text) { explained_[computing_.back()].notes.push_back(std::move(text)); }

   const Policy& policy_;
   const Program& p_;
   const EvalOptions& options_;
   Date as_of_;
   ScratchLease lease_;
   std::vector<Value>& values_;
   std::vector<std::uint8_t>& state_;  // 0 not computed, 1 computing, 2 done
   std::vector<Value>& locals_;
   std::size_t base_ = 0;
   std::vector<std::uint32_t>& computing_;
   std::vector<Explained> explained_;
   std::uint64_t steps_ = 0;
   std::uintptr_t stack_floor_ = lang::stack_floor();  // past it, evaluation goes on on a new stack
};

const Value& Run::global(std::uint32_t index)
{
   if (options_.explain && !computing_.empty()) {
      auto& uses = explained_[computing_.back()].uses;
      if (std::find(uses.begin(), uses.end(), index) == uses.end()) uses.push_back(index);
   }
   if (state_[index] == 2) return values_[index];
   state_[index] = 1;
   computing_.push_back(index);
   if (options_.explain) explained_[index].global = index;
   try {
      values_[index] = compute(index);
   } catch (RuntimeError& e) {
      const auto& g = p_.globals[index];
      e.trace.push_back(fmt::format("while computing {} {} ({})", to_string(g.kind), g.name, where(g.span)));
      computing_.pop_back();
      throw;
   }
   computing_.pop_back();
   state_[index] = 2;
   if (options_.explain) explained_[index].value = values_[index];
   return values_[index];
}

Value Run::compute(std::uint32_t index)
{
   const auto& g = p_.globals[index];
   Frame frame(*this, g.frame_size);
   switch (g.kind) {
      case GlobalKind::input: {
         // a missing input with a default; optional inputs without one are none
         const auto& decl = p_.input_decl(g);
         return decl.default_value ? eval(*decl.default_value) : Value::none();
      }
      case GlobalKind::param: return eval_param(p_.param_decl(g), as_of_, nullptr);
      case GlobalKind::let: return eval(*p_.let_decl(g).value);
      case GlobalKind::output: return eval(*p_.output_decl(g).value);
      case GlobalKind::rule: return eval_rule(p_.rule_decl(g));
   }
   return Value::none();
}

Value Run::eval_param(const lang::ParamDecl& param, Date on, const Expr* use)
{
   if (param.periods.empty()) return eval(*param.value);
   const lang::Period* chosen = nullptr;
   for (const auto& period : param.periods) {
      const auto from = *Date::from_civil(period.from.year, period.from.month, period.from.day);
      if (from <= on && (!chosen || from >= *Date::from_civil(chosen->from.year, chosen->from.month, chosen->from.day))) chosen = &period;
   }
   if (!chosen) {
      const auto& first = param.periods.front().from;
      RuntimeError r;
      r.code = "R0401";
      r.message = fmt::format("param {} has no value on {}: its first value is from {:04}-{:02}-{:02}", param.name, on.to_string(), first.year, first.month, first.day);
      r.span = use ? use->span : param.name_span;
      r.help = "evaluate as of a later date (--as-of), or add an earlier 'from' value";
      throw r;
   }
   if (explaining()) note(fmt::format("{}: the value from {:04}-{:02}-{:02}, in force on {}{}", param.name, chosen->from.year, chosen->from.month, chosen->from.day, on.to_string(),
                    chosen->source.present() ? fmt::format(" (source: {})", chosen->source.text) : std::string()));
   Frame frame(*this, 0);
   return eval(*chosen->value);
}

// The applicable exceptions under a parent ("" for those that override the default), each
// refined by its own exceptions; two that apply with different values conflict.
std::optional<Run::Decision> Run::decide(const lang::RuleDecl& rule, const std::string& parent)
{
      std::optional<Decision> found;
      for (const auto& x : rule.exceptions) {
         if (x.parent != parent) continue;
         const bool applies = eval(*x.condition).flag;
         const auto name = [&] { return x.label.empty() ? fmt::format("exception when {}", text_of(*x.condition)) : fmt::format("exception {}", x.label); };
         if (!applies) {
            if (explaining()) note(fmt::format("{} did not apply", name()));
            continue;
         }
         std::optional<Decision> refined = x.label.empty() ? std::nullopt : decide(rule, x.label);
         Decision d = refined ? *refined : Decision{eval(*x.value), &x};
         if (options_.coverage) options_.coverage->mark(&x);
         if (!refined && explaining()) note(fmt::format("{} applied{}", name(), x.source.present() ? fmt::format(" (source: {})", x.source.text) : std::string()));
         if (found && !(found->value == d.value)) {
            RuntimeError r;
            r.code = "R0501";
            auto describe = [&](const lang::RuleException* e) {
               return fmt::format("{} ({}{})", e->label.empty() ? "when " + text_of(*e->condition) : e->label, where(e->span),
                                  e->source.present() ? ", source: " + e->source.text : std::string());
            };
            r.message = fmt::format("rule {} has two exceptions that apply with different values: {} gives {}, {} gives {}", rule.name, describe(found->by),
                                    format_value(found->value, p_), describe(d.by), format_value(d.value, p_));
            r.span = d.by->span;
            r.help = "make one exception refine the other (exception to <label> when …), or make their conditions exclusive";
            throw r;
         }
         if (!found) found = d;
      }
      return found;
}

Value Run::eval_rule(const lang::RuleDecl& rule)
{
   static const std::string top;
   if (auto d = decide(rule, top)) return d->value;
   if (!rule.default_value) {
      RuntimeError r;
      r.code = "R0502";
      r.message = fmt::format("rule {} has no default, and none of its exceptions applies", rule.name);
      r.span = rule.name_span;
      r.help = "add 'default = …' for the cases no exception covers";
      throw r;
   }
   if (options_.coverage) options_.coverage->mark(rule.default_value.get());
   if (explaining()) note(fmt::format("the default applied{}", rule.default_source.present() ? fmt::format(" (source: {})", rule.default_source.text) : std::string()));
   return eval(*rule.default_value);
}

namespace {

RuntimeError overflow(const Expr& e, const std::string& what)
{
   return error_at(e, "R0202", fmt::format("int overflow: {} is beyond ±9,223,372,036,854,775,807", what), "work in decimal instead: decimal(x)");
}

Value numeric(ValueKind kind, Decimal d)
{
   Value v;
   v.kind = kind;
   v.number = std::move(d);
   return v;
}

}  // namespace

Value Run::eval_binary(const Expr& e)
{
   using lang::BinaryOp;
   switch (e.op) {
      case BinaryOp::and_: return Value::boolean(eval(*e.args[0]).flag && eval(*e.args[1]).flag);
      case BinaryOp::or_: return Value::boolean(eval(*e.args[0]).flag || eval(*e.args[1]).flag);
      case BinaryOp::coalesce: {
         Value l = eval(*e.args[0]);
         return l.is_none() ? eval(*e.args[1]) : l;
      }
      case BinaryOp::in: {
         const Value l = eval(*e.args[0]);
         const Value r = eval(*e.args[1]);
         return Value::boolean(std::any_of(r.items->begin(), r.items->end(), [&](const Value& v) { return v == l; }));
      }
      default: break;
   }
   const Value l = eval(*e.args[0]);
   const Value r = eval(*e.args[1]);
   const auto describe = [&] { return fmt::format("{} {} {}", format_value(l, p_), lang::to_string(e.op), format_value(r, p_)); };
   if (l.kind == ValueKind::int_ && r.kind == ValueKind::int_ && e.op != BinaryOp::div) {
      std::int64_t out = 0;
      bool bad = false;
      switch (e.op) {
         case BinaryOp::add: bad = __builtin_add_overflow(l.integer, r.integer, &out); break;
         case BinaryOp::sub: bad = __builtin_sub_overflow(l.integer, r.integer, &out); break;
         case BinaryOp::mul: bad = __builtin_mul_overflow(l.integer, r.integer, &out); break;
         default: break;
      }
      if (bad) throw overflow(e, describe());
      return Value::int_(out);
   }
   // dates move by durations
   if (l.kind == ValueKind::date || r.kind == ValueKind::date) {
      const Value& date = l.kind == ValueKind::date ? l : r;
      const Value& dur = l.kind == ValueKind::date ? r : l;
      Decimal amount = e.op == BinaryOp::sub ? -dur.number : dur.number;
      const auto whole = amount.to_int64();
      if (!whole) throw error_at(e, "R0203", fmt::format("cannot move a date by a fraction: {}", describe()), "round the duration to whole days or months first");
      try {
         return Value::date(dur.unit == lang::DurationUnit::months ? date.as_date().add_months(*whole) : date.as_date().add_days(*whole));
      } catch (const DateRangeError& err) {
         throw error_at(e, "R0204", err.message);
      }
   }
   const Decimal a = l.as_decimal(), b = r.as_decimal();
   ValueKind kind = ValueKind::decimal;
   if (l.kind == ValueKind::money || r.kind == ValueKind::money) kind = ValueKind::money;
   if (l.kind == ValueKind::duration || r.kind == ValueKind::duration) kind = ValueKind::duration;
   const lang::DurationUnit unit = l.kind == ValueKind::duration ? l.unit : r.unit;
   try {
      switch (e.op) {
         case BinaryOp::add: {
            Value v = numeric(kind, a + b);
            v.unit = unit;
            return v;
         }
         case BinaryOp::sub: {
            Value v = numeric(kind, a - b);
            v.unit = unit;
            return v;
         }
         case BinaryOp::mul: {
            Value v = numeric(kind, a * b);
            v.unit = unit;
            return v;
         }
         case BinaryOp::div: {
            if (b.sign() == 0) {
               throw error_at(e, "R0201", fmt::format("division by zero: {}", describe()),
                              fmt::format("guard the division: if {} == 0 then … else …", text_of(*e.args[1])));
            }
            // money / money and duration / duration are plain ratios
            if (l.kind == r.kind && (kind == ValueKind::money || kind == ValueKind::duration)) return Value::decimal(a / b);
            Value v = numeric(kind, a / b);
            v.unit = unit;
            return v;
         }
         default: break;
      }
   } catch (const ArithmeticError& err) {
      throw error_at(e, "R0201", err.what());
   }
   return Value::none();
}

namespace {

int compare_values(const Value& l, const Value& r)
{
   switch (l.kind) {
      case ValueKind::int_:
         if (r.kind == ValueKind::int_) return (l.integer > r.integer) - (l.integer < r.integer);
         [[fallthrough]];
      case ValueKind::decimal:
      case ValueKind::money:
      case ValueKind::duration: {
         const auto c = l.as_decimal() <=> r.as_decimal();
         return c < 0 ? -1 : c > 0 ? 1 : 0;
      }
      case ValueKind::date:
      case ValueKind::enum_: return (l.integer > r.integer) - (l.integer < r.integer);
      case ValueKind::text: return l.str->compare(*r.str) < 0 ? -1 : (*l.str == *r.str ? 0 : 1);
      case ValueKind::bool_: return static_cast<int>(l.flag) - static_cast<int>(r.flag);
      default: return 0;
   }
}

}  // namespace

bool operator==(const Value& a, const Value& b)
{
   if (a.is_none() || b.is_none()) return a.is_none() && b.is_none();
   if (a.kind == ValueKind::list || a.kind == ValueKind::record) {
      if (a.kind != b.kind || a.items->size() != b.items->size()) return false;
      for (std::size_t i = 0; i < a.items->size(); ++i) {
         if (!((*a.items)[i] == (*b.items)[i])) return false;
      }
      return true;
   }
   return compare_values(a, b) == 0;
}

bool Run::eval_compare(const Expr& e)
{
   Value left = eval(*e.args[0]);
   for (std::size_t i = 0; i < e.compare_ops.size(); ++i) {
      Value right = eval(*e.args[i + 1]);
      if (!compare_holds(left, e.compare_ops[i], right)) return false;
      left = std::move(right);
   }
   return true;
}

bool Run::compare_holds(const Value& left, lang::CompareOp op, const Value& right)
{
   if (left.is_none() || right.is_none()) {
      const bool same = left.is_none() && right.is_none();
      return op == lang::CompareOp::eq ? same : !same;
   }
   if (op == lang::CompareOp::eq || op == lang::CompareOp::ne) return (left == right) == (op == lang::CompareOp::eq);
   return holds(op, compare_values(left, right));
}

// Whether a cell's tests hold for the column's value. As in DMN, a comparison or range on none
// is unknown rather than false, so that not(< 18) does not match none either.
Run::Match Run::cell_matches(const lang::Cell& cell, const Value& v)
{
   auto of = [](bool b) { return b ? Match::yes : Match::no; };
   Match m = Match::no;
   switch (cell.kind) {
      case lang::CellKind::any: m = Match::yes; break;
      case lang::CellKind::values:
         m = of(std::any_of(cell.values.begin(), cell.values.end(), [&](const lang::ExprPtr& x) {
            const Value test = eval(*x);
            // a list-valued cell on a column of single values: the value is in the list
            if (test.kind == ValueKind::list && v.kind != ValueKind::list) return std::any_of(test.items->begin(), test.items->end(), [&](const Value& item) { return item == v; });
            return test == v;
         }));
         break;
      case lang::CellKind::compare: {
         const Value bound = eval(*cell.values.front());
         m = v.is_none() || bound.is_none() ? Match::unknown : of(holds(cell.op, compare_values(v, bound)));
         break;
      }
      case lang::CellKind::range: {
         const Value low = eval(*cell.low), high = eval(*cell.high);
         if (v.is_none() || low.is_none() || high.is_none()) {
            m = Match::unknown;
            break;
         }
         const int lo = compare_values(v, low);
         const int hi = compare_values(v, high);
         m = of((cell.low_closed ? lo >= 0 : lo > 0) && (cell.high_closed ? hi <= 0 : hi < 0));
         break;
      }
      case lang::CellKind::either:
         for (const auto& test : cell.tests) {
            const Match t = cell_matches(test, v);
            if (t == Match::yes) {
               m = Match::yes;
               break;
            }
            if (t == Match::unknown) m = Match::unknown;
         }
         break;
   }
   if (cell.negated && m != Match::unknown) m = m == Match::yes ? Match::no : Match::yes;
   return m;
}

// Where an output stands in one declared order: 0 is the highest.
std::size_t Run::declared_rank(const Expr& call, const lang::TableInfo& table, const lang::PriorityOrder& order, const Value& output)
{
   if (output.is_none() && order.field_index >= 0) return order.values.size();  // a record that is none ranks below every value
   const Value& ranked = order.field_index >= 0 ? (*output.items)[static_cast<std::size_t>(order.field_index)] : output;
   for (std::size_t i = 0; i < order.values.size(); ++i) {
      if (eval(*order.values[i]) == ranked) return i;
   }
   throw error_at(call, "R0405", fmt::format("table {} gives {}{}, which its priority order does not list", table.decl->name, format_value(ranked, p_),
                                             order.field.empty() ? std::string() : fmt::format(" for {}", order.field)),
                  "add the value to the order after 'hit priority' (or 'hit output order')");
}

// How two outputs rank under priority and output order: < 0 when a ranks above b. A declared
// order ranks field by field; otherwise enums rank in declared order, the first highest, and
// numbers, money, dates and durations the highest first.
int Run::rank_compare(const Expr& call, const lang::TableInfo& table, const Value& a, const Value& b)
{
   for (const auto& order : table.decl->priority) {
      const auto ra = declared_rank(call, table, order, a), rb = declared_rank(call, table, order, b);
      if (ra != rb) return ra < rb ? -1 : 1;
   }
   if (!table.decl->priority.empty()) return 0;
   if (a.is_none() || b.is_none()) return static_cast<int>(a.is_none()) - static_cast<int>(b.is_none());  // none ranks lowest
   if (a.kind == ValueKind::enum_) return (a.integer > b.integer) - (a.integer < b.integer);
   return -compare_values(a, b);
}

std::string Run::ranking_text(const lang::TableInfo& table) const
{
   if (table.decl->priority.empty()) {
      return table.row_type.kind == TypeKind::enum_ ? fmt::format("{}'s declared order, the first highest", table.row_type.name) : "the highest value first";
   }
   std::vector<std::string> orders;
   for (const auto& order : table.decl->priority) {
      std::vector<std::string> values;
      for (const auto& v : order.values) values.push_back(text_of(*v));
      orders.push_back(fmt::format("{}{}", order.field.empty() ? std::string() : order.field + ": ", fmt::join(values, " > ")));
   }
   return fmt::format("the declared order {}", fmt::join(orders, ", "));
}

Value Run::eval_table(const Expr& e, const lang::TableInfo& table, const Values& args, std::optional<Date> on)
{
   const Date date = on.value_or(as_of_);
   const lang::TableDecl& decl = *table.decl;
   Frame frame(*this, table.frame_size);
   for (std::size_t i = 0; i < args.size(); ++i) locals_[base_ + i] = args[i];
   // the version in force on the evaluation date
   const lang::TableVersion* version = nullptr;
   for (const auto& v : decl.versions) {
      if (!v.from) {
         version = &v;
         continue;
      }
      if (*Date::from_civil(v.from->year, v.from->month, v.from->day) <= date) version = &v;
   }
   if (!version) {
      const auto& f = *decl.versions.front().from;
      throw error_at(e, "R0402", fmt::format("table {} has no rows in force on {}: its first rows are from {:04}-{:02}-{:02}", decl.name, date.to_string(), f.year, f.month, f.day),
                     on ? "give a later date to 'as of', or add earlier rows" : "evaluate as of a later date (--as-of), or add earlier rows");
   }
   // a dated table names the version in force, as the explanation of a param names its period
   const std::string version_text = version->from ? fmt::format(" of the rows from {:04}-{:02}-{:02}", version->from->year, version->from->month, version->from->day) : std::string();
   auto row_text = [&](std::size_t i) { return fmt::format("row {}{} ({})", i + 1, version_text, where(version->rows[i].span)); };
   auto inputs_text = [&] {
      std::vector<std::string> parts;
      for (std::size_t i = 0; i < args.size(); ++i) parts.push_back(fmt::format("{} = {}", decl.params[i].name, format_value(args[i], p_)));
      return fmt::format("{}", fmt::join(parts, ", "));
   };
   std::vector<std::size_t> hits;
   // a big table's rows are found through its index; `first` scans when explaining, to say
   // why each row above the one that matched did not
   bool looked_up = false;
   if (const auto index = policy_.indexes_.find(version); options_.table_index && index != policy_.indexes_.end() && !(decl.hit == lang::HitPolicy::first && explaining())) {
      std::vector<Ratio> keys;
      for (const auto& a : args) {
         const auto k = TableIndex::key(a);
         if (!k) break;  // none, or a number too long: scanned
         keys.push_back(*k);
      }
      if (keys.size() == args.size()) {
         const auto rows = index->second->rows(keys);
         hits.assign(rows.begin(), decl.hit == lang::HitPolicy::first && !rows.empty() ? rows.begin() + 1 : rows.end());
         looked_up = true;
      }
   }
   for (std::size_t r = 0; r < version->rows.size() && !looked_up; ++r) {
      const auto& row = version->rows[r];
      bool match = true;
      std::size_t failed = 0;
      for (std::size_t c = 0; c < row.cells.size() && match; ++c) {
         if (cell_matches(row.cells[c], args[c]) != Match::yes) {
            match = false;
            failed = c;
         }
      }
      if (match) {
         hits.push_back(r);
         if (decl.hit == lang::HitPolicy::first) break;
      } else if (decl.hit == lang::HitPolicy::first) {
         if (explaining()) note(fmt::format("table {}: {} did not match: {} is {}, not {}", decl.name, row_text(r), decl.params[failed].name, format_value(args[failed], p_),
                          std::string(p_.sources.file(row.cells[failed].span.file).slice(row.cells[failed].span))));
      }
   }
   auto row_value = [&](std::size_t r) {
      const auto& row = version->rows[r];
      if (options_.coverage) options_.coverage->mark(&row);
      Value v = eval(*row.output);
      if (explaining()) note(fmt::format("table {}: {} matched {}, giving {}{}", decl.name, row_text(r), inputs_text(), format_value(v, p_),
                       row.source.present() ? fmt::format(" (source: {})", row.source.text) : std::string()));
      return v;
   };
   if (hits.empty()) {
      if (version->default_value) {
         if (explaining()) note(fmt::format("table {}: no row{} matched {}, so the default applied", decl.name, version_text, inputs_text()));
         return eval(*version->default_value);
      }
      if (decl.hit == lang::HitPolicy::output_order) return Value::list({});
      if (decl.hit == lang::HitPolicy::collect) {
         if (decl.collect == lang::CollectOp::list) return Value::list({});
         if (decl.collect == lang::CollectOp::count || decl.collect == lang::CollectOp::sum) {
            if (decl.collect == lang::CollectOp::count || table.row_type.kind == TypeKind::int_) return Value::int_(0);
            return numeric(table.row_type.kind == TypeKind::money ? ValueKind::money : ValueKind::decimal, Decimal(0));
         }
      }
      throw error_at(e, "R0403", fmt::format("no row of table {} matches {}", decl.name, inputs_text()), "add a row for these values, or a 'default = …' line to the table");
   }
   switch (decl.hit) {
      case lang::HitPolicy::unique:
         if (hits.size() > 1) {
            throw error_at(e, "R0404", fmt::format("table {} is 'hit unique', but {} and {} both match {}", decl.name, row_text(hits[0]), row_text(hits[1]), inputs_text()),
                           "make the rows exclusive, or choose 'hit first'");
         }
         return row_value(hits.front());
      case lang::HitPolicy::first: return row_value(hits.front());
      case lang::HitPolicy::any: {
         Value v = row_value(hits.front());
         for (std::size_t i = 1; i < hits.size(); ++i) {
            Value other = row_value(hits[i]);
            if (!(other == v)) {
               throw error_at(e, "R0404", fmt::format("table {} is 'hit any', but {} and {} match {} with different outputs", decl.name, row_text(hits[0]), row_text(hits[i]), inputs_text()),
                              "matching rows must agree under 'hit any'");
            }
         }
         return v;
      }
      case lang::HitPolicy::priority: {
         // the matching row whose output ranks highest; the first such row on a tie
         std::size_t best_row = hits.front();
         Value best = row_value(best_row);
         for (std::size_t i = 1; i < hits.size(); ++i) {
            Value v = row_value(hits[i]);
            if (rank_compare(e, table, v, best) < 0) {
               best = std::move(v);
               best_row = hits[i];
            }
         }
         if (explaining() && hits.size() > 1) {
            note(fmt::format("table {}: {} wins under 'hit priority': its output {} ranks highest of the {} matching rows, by {}", decl.name, row_text(best_row), format_value(best, p_),
                             hits.size(), ranking_text(table)));
         }
         return best;
      }
      case lang::HitPolicy::output_order: {
         // every matching output, highest priority first; rows that rank alike keep their order
         Values out;
         for (auto r : hits) out.push_back(row_value(r));
         for (const auto& v : out) rank_compare(e, table, v, v);  // an output the order does not list is an error, before sorting
         std::stable_sort(out.begin(), out.end(), [&](const Value& a, const Value& b) { return rank_compare(e, table, a, b) < 0; });
         if (explaining() && out.size() > 1) note(fmt::format("table {}: the {} matching outputs in order, by {}", decl.name, out.size(), ranking_text(table)));
         return Value::list(std::move(out));
      }
      case lang::HitPolicy::collect: {
         Values out;
         for (auto r : hits) out.push_back(row_value(r));
         switch (decl.collect) {
            case lang::CollectOp::list: return Value::list(std::move(out));
            case lang::CollectOp::count: return Value::int_(static_cast<std::int64_t>(out.size()));
            case lang::CollectOp::min:
            case lang::CollectOp::max: {
               Value best = out.front();
               for (const auto& v : out) {
                  const int c = compare_values(v, best);
                  if (decl.collect == lang::CollectOp::min ? c < 0 : c > 0) best = v;
               }
               return best;
            }
            case lang::CollectOp::sum: {
               if (out.front().kind == ValueKind::int_) {
                  std::int64_t total = 0;
                  for (const auto& v : out) {
                     if (__builtin_add_overflow(total, v.integer, &total)) throw overflow(e, "the sum of the matching rows");
                  }
                  return Value::int_(total);
               }
               Value total = out.front();
               for (std::size_t i = 1; i < out.size(); ++i) total.number = total.number + out[i].number;
               return total;
            }
         }
      }
   }
   return Value::none();
}

Value Run::eval_call(const Expr& e)
{
   if (e.ref.kind == lang::RefKind::builtin) return eval_builtin(e);
   Values args;
   args.reserve(e.args.size());
   for (const auto& a : e.args) args.push_back(eval(*a));
   if (e.ref.kind == lang::RefKind::table) return eval_table(e, p_.tables[e.ref.index], args);
   const auto& fn = p_.functions[e.ref.index];
   Frame frame(*this, fn.frame_size);
   for (std::size_t i = 0; i < args.size(); ++i) locals_[base_ + i] = std::move(args[i]);
   try {
      return eval(*fn.decl->body);
   } catch (RuntimeError& err) {
      err.trace.push_back(fmt::format("in function {} called at {}", fn.decl->name, where(e.span)));
      throw;
   }
}

Value Run::eval_builtin(const Expr& e)
{
   using lang::Builtin;
   const auto id = static_cast<Builtin>(e.ref.index);
   // a slot for a function of each item's parameter, before the items go through it
   const auto room_for = [&](const Expr& l) {
      if (locals_.size() < base_ + static_cast<std::size_t>(l.ref.index) + 1) locals_.resize(base_ + static_cast<std::size_t>(l.ref.index) + 1);
   };
   const auto lambda = [&](const Expr& l, const Value& item) {
      locals_[base_ + static_cast<std::size_t>(l.ref.index)] = item;
      return eval(*l.args[0]);
   };
   switch (id) {
      case Builtin::sort_by: {
         const Value list = eval(*e.args[0]);
         const Expr& l = *e.args[1];
         room_for(l);
         Values keys;
         for (const auto& item : *list.items) keys.push_back(lambda(l, item));
         std::vector<std::size_t> order(keys.size());
         for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
         std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return compare_values(keys[x], keys[y]) < 0; });
         Values out;
         for (const auto i : order) out.push_back((*list.items)[i]);
         return Value::list(std::move(out));
      }
      case Builtin::sum:
      case Builtin::count:
      case Builtin::all:
      case Builtin::any:
      case Builtin::filter:
      case Builtin::map: {
         const Value list = eval(*e.args[0]);
         const Expr* l = e.args.size() > 1 ? e.args[1].get() : nullptr;
         if (l) room_for(*l);
         Values out;
         std::int64_t count = 0;
         std::int64_t int_total = 0;
         Value total;
         const bool int_sum = e.type.kind == TypeKind::int_;
         if (!int_sum) total = numeric(e.type.kind == TypeKind::money ? ValueKind::money : e.type.kind == TypeKind::duration ? ValueKind::duration : ValueKind::decimal, Decimal(0));
         if (e.type.kind == TypeKind::duration) total.unit = e.type.unit;
         for (const auto& item : *list.items) {
            const Value v = l ? lambda(*l, item) : item;
            switch (id) {
               case Builtin::sum:
                  if (int_sum) {
                     if (__builtin_add_overflow(int_total, v.integer, &int_total)) throw overflow(e, "the sum");
                  } else {
                     total.number = total.number + v.as_decimal();
                  }
                  break;
               case Builtin::count:
                  if (!l || v.flag) ++count;
                  break;
               case Builtin::all:
                  if (!v.flag) return Value::boolean(false);
                  break;
               case Builtin::any:
                  if (v.flag) return Value::boolean(true);
                  break;
               case Builtin::filter:
                  if (v.flag) out.push_back(item);
                  break;
               default: out.push_back(v); break;
            }
         }
         switch (id) {
            case Builtin::sum: return int_sum ? Value::int_(int_total) : total;
            case Builtin::count: return Value::int_(count);
            case Builtin::all: return Value::boolean(true);
            case Builtin::any: return Value::boolean(false);
            default: return Value::list(std::move(out));
         }
      }
      default: break;
   }
   Values a;
   for (const auto& arg : e.args) a.push_back(eval(*arg));
   const auto date_error = [&](const DateRangeError& err) { return error_at(e, "R0204", err.message); };
   try {
      switch (id) {
         case Builtin::round: {
            const auto mode = a.size() > 2 ? static_cast<Rounding>(a[2].integer) : Rounding::half_up;
            // an explanation shows the value before rounding, which the result no longer does
            const auto rounded = [&](Value out) {
               if (explaining() && !(out.as_decimal() == a[0].as_decimal())) note(fmt::format("{} rounded {} to {}", text_of(e), format_value(a[0], p_), format_value(out, p_)));
               return out;
            };
            Value out = a[0];
            if (a[1].kind == ValueKind::int_) {
               if (a[1].integer < 0 || a[1].integer > 30) throw error_at(*e.args[1], "R0205", fmt::format("cannot round to {} decimal places", a[1].integer), "use 0 to 30 places");
               if (a[0].kind == ValueKind::int_) return a[0];
               out.number = a[0].number.round_places(static_cast<int>(a[1].integer), mode);
               return rounded(out);
            }
            if (a[1].as_decimal().sign() <= 0) throw error_at(*e.args[1], "R0205", fmt::format("the rounding increment must be above zero, not {}", format_value(a[1], p_)));
            out.number = a[0].as_decimal().round_to(a[1].as_decimal(), mode);
            if (out.kind == ValueKind::int_) out = Value::decimal(out.number);
            return rounded(out);
         }
         case Builtin::floor:
         case Builtin::ceiling: {
            if (a[0].kind == ValueKind::int_) return a[0];
            const Decimal r = id == Builtin::floor ? a[0].number.floor() : a[0].number.ceiling();
            if (a[0].kind == ValueKind::money) return Value::money(r);
            if (auto i = r.to_int64()) return Value::int_(*i);
            throw overflow(e, format_value(a[0], p_));
         }
         case Builtin::abs: {
            if (a[0].kind == ValueKind::int_) {
               if (a[0].integer == INT64_MIN) throw overflow(e, "abs of the smallest int");
               return Value::int_(a[0].integer < 0 ? -a[0].integer : a[0].integer);
            }
            Value out = a[0];
            out.number = out.number.abs();
            return out;
         }
         case Builtin::min:
         case Builtin::max:
         case Builtin::clamp: {
            const Values& items = (a.size() == 1 && a[0].kind == ValueKind::list) ? *a[0].items : a;
            if (items.empty()) throw error_at(e, "R0206", fmt::format("{} of an empty list", id == Builtin::min ? "min" : "max"), "check the list is not empty first: count(xs) > 0");
            auto pick = [&](const Value& x, const Value& y, bool want_min) {
               const int c = compare_values(x, y);
               const Value& r = want_min ? (c <= 0 ? x : y) : (c >= 0 ? x : y);
               // an int meeting a decimal gives a decimal
               if (r.kind == ValueKind::int_ && (x.kind == ValueKind::decimal || y.kind == ValueKind::decimal)) return Value::decimal(r.as_decimal());
               return r;
            };
            if (id == Builtin::clamp) {
               if (compare_values(a[1], a[2]) > 0) throw error_at(e, "R0207", fmt::format("clamp's low bound {} is above its high bound {}", format_value(a[1], p_), format_value(a[2], p_)));
               return pick(pick(a[0], a[1], false), a[2], true);
            }
            Value best = items.front();
            for (std::size_t i = 1; i < items.size(); ++i) best = pick(best, items[i], id == Builtin::min);
            if (best.kind == ValueKind::int_ && e.type.kind == TypeKind::decimal) return Value::decimal(best.as_decimal());
            return best;
         }
         case Builtin::add_years: return Value::date(a[0].as_date().add_years(a[1].integer));
         case Builtin::add_months: return Value::date(a[0].as_date().add_months(a[1].integer));
         case Builtin::add_days: return Value::date(a[0].as_date().add_days(a[1].integer));
         case Builtin::days_between: return Value::int_(a[1].integer - a[0].integer);
         case Builtin::years_between:
         case Builtin::age_on: return Value::int_(years_between(a[0].as_date(), a[1].as_date()));
         case Builtin::months_between: return Value::int_(months_between(a[0].as_date(), a[1].as_date()));
         case Builtin::make_date: {
            const auto ok = [](std::int64_t v) { return v >= -100000 && v <= 100000; };
            std::optional<Date> d;
            if (ok(a[0].integer) && ok(a[1].integer) && ok(a[2].integer)) d = Date::from_civil(static_cast<int>(a[0].integer), static_cast<int>(a[1].integer), static_cast<int>(a[2].integer));
            if (!d) throw error_at(e, "R0208", fmt::format("date({}, {}, {}) is not a date", a[0].integer, a[1].integer, a[2].integer), "the month runs 1 to 12, the day 1 to the month's length");
            return Value::date(*d);
         }
         case Builtin::year: return Value::int_(a[0].as_date().year());
         case Builtin::month: return Value::int_(a[0].as_date().month());
         case Builtin::day: return Value::int_(a[0].as_date().day());
         case Builtin::is_leap_year: return Value::boolean(is_leap_year(a[0].integer));
         case Builtin::to_decimal: return Value::decimal(a[0].as_decimal());
         case Builtin::to_money: return Value::money(a[0].as_decimal());
         case Builtin::fail: throw error_at(e, "R0600", *a[0].str, "this error is raised by the policy itself");
         case Builtin::trim: {
            constexpr std::string_view space = " \t\n\r\f\v";
            const std::string_view s = *a[0].str;
            const auto first = s.find_first_not_of(space);
            return Value::text(first == std::string_view::npos ? std::string() : std::string(s.substr(first, s.find_last_not_of(space) - first + 1)));
         }
         case Builtin::range: return range(e, a);
         case Builtin::first: return a[0].items->empty() ? Value::none() : a[0].items->front();
         case Builtin::last: return a[0].items->empty() ? Value::none() : a[0].items->back();
         case Builtin::at: {
            const auto& items = *a[0].items;
            return a[1].integer >= 1 && static_cast<std::uint64_t>(a[1].integer) <= items.size() ? items[static_cast<std::size_t>(a[1].integer - 1)] : Value::none();
         }
         case Builtin::take:
         case Builtin::drop: {
            if (a[1].integer < 0) throw error_at(*e.args[1], "R0206", fmt::format("{} needs how many items, 0 or more, not {}", id == Builtin::take ? "take" : "drop", a[1].integer));
            const auto& items = *a[0].items;
            const auto n = std::min(items.size(), static_cast<std::size_t>(std::min<std::uint64_t>(static_cast<std::uint64_t>(a[1].integer), items.size())));
            return Value::list(id == Builtin::take ? Values(items.begin(), items.begin() + static_cast<std::ptrdiff_t>(n)) : Values(items.begin() + static_cast<std::ptrdiff_t>(n), items.end()));
         }
         case Builtin::sort: {
            Values items = *a[0].items;
            std::stable_sort(items.begin(), items.end(), [](const Value& x, const Value& y) { return compare_values(x, y) < 0; });
            return Value::list(std::move(items));
         }
         case Builtin::distinct: {
            // each item against those kept: a step each, so a long list meets the step budget
            Values kept;
            for (const auto& item : *a[0].items) {
               bool seen = false;
               for (const auto& k : kept) {
                  count_step(e);
                  if (k == item) {
                     seen = true;
                     break;
                  }
               }
               if (!seen) kept.push_back(item);
            }
            return Value::list(std::move(kept));
         }
         case Builtin::label: return Value::text(p_.enums[a[0].id].labels[static_cast<std::size_t>(a[0].integer)]);
         case Builtin::to_int: {
            if (a[0].kind == ValueKind::int_) return a[0];
            if (auto i = a[0].number.to_int64()) return Value::int_(*i);
            throw error_at(e, "R0209", fmt::format("int({}) has a fraction", format_value(a[0], p_)), "round it first: int(round(x, 0)), floor(x) or ceiling(x)");
         }
         default: break;
      }
   } catch (const DateRangeError& err) {
      throw date_error(err);
   } catch (const ArithmeticError& err) {
      throw error_at(e, "R0201", err.what());
   }
   return Value::none();
}

namespace {

RuntimeError over_budget(const Expr& e, const char* code, std::string what, const char* option, const char* field)
{
   return error_at(e, code, fmt::format("{}: the evaluation stopped here", what),
                   fmt::format("if the policy really needs more, raise the budget: {} N (pol eval, batch and test), or Limits::{} in the library", option, field));
}

}  // namespace

// The budgets of text, lists and numbers, checked on every value computed, so that no value
// grows far past its budget before it is caught.
void Run::within_budget(const Expr& e, const Value& v) const
{
   const Limits& limits = options_.limits;
   switch (v.kind) {
      case ValueKind::text:
         if (v.str->size() > limits.text) throw over_budget(e, "R0702", fmt::format("this text is {} bytes long, over the text budget of {}", v.str->size(), limits.text), "--max-text", "text");
         return;
      case ValueKind::list:
         if (v.items->size() > limits.list) throw over_budget(e, "R0703", fmt::format("this list has {} items, over the list budget of {}", v.items->size(), limits.list), "--max-list", "list");
         return;
      case ValueKind::decimal:
      case ValueKind::money:
      case ValueKind::duration:
         // a small number has at most 38 digits: counting them is needed only under a lower budget
         if (v.number.is_small() && limits.digits >= 38) return;
         if (const auto digits = v.number.digits(); digits > limits.digits) {
            throw over_budget(e, "R0704", fmt::format("this number has {} digits, over the number budget of {}", digits, limits.digits), "--max-digits", "digits");
         }
         return;
      default: return;
   }
}

// Evaluation recurses as deep as values, calls and expressions nest (checked to be at most
// lang::max_evaluation_depth). When this thread's stack runs low, it goes on on a new one.
Value Run::eval_on_new_stack(const Expr& e)
{
   const std::uintptr_t floor = stack_floor_;
   Value v;
   try {
      lang::on_large_stack([&] {
         stack_floor_ = lang::stack_floor();
         // no new thread could be made
         if (reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0)) < stack_floor_) {
            throw error_at(e, "R0705", "the evaluation nests deeper than this thread's stack allows", "run it on a thread with a larger stack");
         }
         v = eval(e);
      });
   } catch (...) {
      stack_floor_ = floor;
      throw;
   }
   stack_floor_ = floor;
   return v;
}

void Run::count_step(const Expr& e)
{
   if (++steps_ > options_.limits.steps) {
      throw over_budget(e, "R0701", fmt::format("the evaluation took more than {} steps, its step budget", options_.limits.steps), "--max-steps", "steps");
   }
}

// range(first, last) over ints, or range(first, last, step) over dates: the size is known or
// bounded before the list is built, so a range past the list budget is refused, not allocated.
Value Run::range(const Expr& e, const Values& a)
{
   const std::uint64_t budget = options_.limits.list;
   const auto too_long = [&](std::string size) {
      return over_budget(e, "R0703", fmt::format("this range has {} items, over the list budget of {}", size, budget), "--max-list", "list");
   };
   Values out;
   if (a[0].kind == ValueKind::int_) {
      if (a[1].integer < a[0].integer) return Value::list({});
      // last - first, exact in unsigned arithmetic since last >= first; the size is one more
      const std::uint64_t span = static_cast<std::uint64_t>(a[1].integer) - static_cast<std::uint64_t>(a[0].integer);
      if (span >= budget) throw too_long(span == UINT64_MAX ? "2^64" : std::to_string(span + 1));
      for (std::int64_t i = a[0].integer;; ++i) {
         out.push_back(Value::int_(i));
         if (i == a[1].integer) break;
      }
      return Value::list(std::move(out));
   }
   const Date first = a[0].as_date(), last = a[1].as_date();
   const auto step = a[2].number.to_int64();
   if (!step || *step <= 0) throw error_at(*e.args[2], "R0206", fmt::format("a range of dates steps by a whole number of days, weeks, months or years, above zero, not {}", format_value(a[2], p_)));
   for (std::int64_t k = 0;; ++k) {
      // each date from the first, so that month ends do not drift (31 Jan, 29 Feb, 31 Mar)
      const Date d = a[2].unit == lang::DurationUnit::months ? first.add_months(k * *step) : first.add_days(k * *step);
      if (d > last) break;
      if (out.size() >= budget) throw too_long("more than " + std::to_string(budget));
      out.push_back(Value::date(d));
   }
   return Value::list(std::move(out));
}

Value Run::eval(const Expr& e)
{
   if (reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0)) < stack_floor_) return eval_on_new_stack(e);
   count_step(e);
   Value v = eval_inner(e);
   // an int where the checker typed a decimal (declared types, if-branches, table rows, function
   // results) widens here, the one place values are computed
   if (v.kind == ValueKind::int_ && e.type.kind == TypeKind::decimal) return Value::decimal(Decimal(v.integer));
   within_budget(e, v);
   return v;
}

Value Run::eval_inner(const Expr& e)
{
   if (is_literal(e)) return policy_.literals_[e.ref.index];
   switch (e.kind) {
      case ExprKind::text_lit: {
         std::string s;
         for (const auto& part : e.parts) {
            if (part.expr_index < 0) {
               s += part.chunk;
            } else {
               s += format_value(eval(*e.args[part.expr_index]), p_);
            }
         }
         return Value::text(std::move(s));
      }
      case ExprKind::name:
         switch (e.ref.kind) {
            case lang::RefKind::local: return locals_[base_ + static_cast<std::size_t>(e.ref.index)];
            case lang::RefKind::enum_variant: return Value::enum_(e.ref.index, e.ref.sub);
            case lang::RefKind::global: return global(static_cast<std::uint32_t>(e.ref.index));
            default: return Value::none();
         }
      case ExprKind::field: {
         if (e.ref.kind == lang::RefKind::enum_variant) return Value::enum_(e.ref.index, e.ref.sub);
         const Value base = eval(*e.args[0]);
         return (*base.items)[static_cast<std::size_t>(e.ref.index)];
      }
      case ExprKind::call: return eval_call(e);
      case ExprKind::negate: {
         Value v = eval(*e.args[0]);
         if (v.kind == ValueKind::int_) {
            if (v.integer == INT64_MIN) throw overflow(e, "the negation of the smallest int");
            v.integer = -v.integer;
         } else {
            v.number = -v.number;
         }
         return v;
      }
      case ExprKind::not_: return Value::boolean(!eval(*e.args[0]).flag);
      case ExprKind::binary: return eval_binary(e);
      case ExprKind::compare: return Value::boolean(eval_compare(e));
      case ExprKind::if_: return eval(*e.args[0]).flag ? eval(*e.args[1]) : eval(*e.args[2]);
      case ExprKind::list: {
         Values items;
         items.reserve(e.args.size());
         for (const auto& a : e.args) {
            Value v = eval(*a);
            if (v.kind == ValueKind::int_ && e.type.element && e.type.element->kind == TypeKind::decimal) v = Value::decimal(v.as_decimal());
            items.push_back(std::move(v));
         }
         return Value::list(std::move(items));
      }
      case ExprKind::record: {
         const auto& rec = p_.records[e.type.id];
         Values fields(rec.field_names.size());
         for (std::size_t i = 0; i < e.field_names.size(); ++i) fields[static_cast<std::size_t>(rec.field_index(e.field_names[i]))] = eval(*e.args[i]);
         return Value::record(e.type.id, std::move(fields));
      }
      case ExprKind::lambda: return Value::none();
      default: break;  // literals, above
      case ExprKind::as_of: {
         const Expr& target = *e.args[0];
         if (target.kind == ExprKind::call) {  // a table's rows in force on a date
            Values args;
            for (const auto& a : target.args) args.push_back(eval(*a));
            const Value on = eval(*e.args[1]);
            return eval_table(target, p_.tables[target.ref.index], args, on.as_date());
         }
         const Value on = eval(*e.args[1]);
         const auto& g = p_.globals[target.ref.index];
         return eval_param(p_.param_decl(g), on.as_date(), &e);
      }
   }
   return Value::none();
}

void Run::check_input_requirements(std::vector<RuntimeError>& errors)
{
   for (auto slot : p_.inputs) {
      const auto& g = p_.globals[slot];
      const auto& decl = p_.input_decl(g);
      if (!decl.requires_) continue;
      try {
         Frame frame(*this, g.frame_size);
         if (!eval(*decl.requires_).flag) {
            RuntimeError r;
            r.code = "R0104";
            r.field = g.name;
            r.message = fmt::format("input {} is {}, but it must meet: {}", g.name, format_value(global(slot), p_), text_of(*decl.requires_));
            r.span = decl.requires_->span;
            r.help = "correct the input";
            errors.push_back(std::move(r));
         }
      } catch (RuntimeError& err) {
         errors.push_back(std::move(err));
      }
   }
}

// Why a require's condition is false, for --explain: it is evaluated again as an explained
// value of its own, so that the values it uses are recorded, and each part that is false is
// named with the values it compared.
void Run::explain_failed(const Expr& condition, Violation& v)
{
   const auto self = static_cast<std::uint32_t>(explained_.size());
   explained_.emplace_back();
   computing_.push_back(self);
   try {
      eval(condition);
      why(condition, false, v.because);
   } catch (RuntimeError&) {
      // evaluated already without error: cannot happen, and an explanation is no reason to fail
   }
   computing_.pop_back();
   for (auto& n : explained_.back().notes) v.because.push_back(std::move(n));
   v.uses = std::move(explained_.back().uses);
   explained_.pop_back();
}

// The parts that make a condition `is` (true or false), evaluated as evaluation did: when
// `a and b` is false only the first false part is named, since b is not looked at when a is
// false; `not` turns the question round.
void Run::why(const Expr& e, bool is, std::vector<std::string>& because)
{
   const bool both = e.kind == ExprKind::binary && (e.op == lang::BinaryOp::and_ || e.op == lang::BinaryOp::or_);
   if (both) {
      // the value that settles `and` (false) or `or` (true) at its first part; otherwise both count
      const bool settles = e.op == lang::BinaryOp::or_;
      if (is == settles) {
         why(eval(*e.args[0]).flag == settles ? *e.args[0] : *e.args[1], is, because);
      } else {
         why(*e.args[0], is, because);
         why(*e.args[1], is, because);
      }
      return;
   }
   if (e.kind == ExprKind::not_) {
      why(*e.args[0], !is, because);
      return;
   }
   std::vector<std::string> values;
   if (e.kind == ExprKind::compare) {
      // the operands compared, up to the comparison that failed; literals say themselves
      const auto show = [&](const Expr& x, const Value& v) {
         const bool literal = (x.kind <= ExprKind::none_lit && (x.kind != ExprKind::text_lit || x.args.empty())) || x.ref.kind == lang::RefKind::enum_variant;
         if (!literal) values.push_back(fmt::format("{} is {}", text_of(x), format_value(v, p_)));
      };
      Value left = eval(*e.args[0]);
      show(*e.args[0], left);
      for (std::size_t i = 0; i < e.compare_ops.size(); ++i) {
         Value right = eval(*e.args[i + 1]);
         show(*e.args[i + 1], right);
         if (!compare_holds(left, e.compare_ops[i], right)) break;
         left = std::move(right);
      }
   }
   const char* value = is ? "true" : "false";
   because.push_back(values.empty() ? fmt::format("{} is {}", text_of(e), value) : fmt::format("{} is {}: {}", text_of(e), value, fmt::join(values, ", ")));
}

Outcome Run::finish(std::vector<RuntimeError> errors)
{
   Outcome out;
   out.errors = std::move(errors);
   if (out.ok()) {
      try {
         for (auto slot : p_.outputs) {
            const Value& v = global(slot);
            if (auto problem = unrepresentable(v, p_)) {
               const auto& g = p_.globals[slot];
               RuntimeError r;
               r.code = "R0301";
               r.message = fmt::format("output {} is {}, {}", g.name, format_value(v, p_), *problem);
               r.span = p_.output_decl(g).value->span;
               r.help = v.kind == ValueKind::money ? "round it where the policy says: round(x, £0.01, half_up)" : "round it where the policy says: round(x, 4)";
               throw r;
            }
            out.outputs.emplace_back(slot, v);
         }
         for (std::uint32_t m = 0; m < p_.modules.size(); ++m) {
            for (const auto& req : p_.modules[m]->requires_) {
               Frame frame(*this, p_.require_frame_size);
               if (eval(*req.condition).flag) continue;
               if (options_.coverage) options_.coverage->mark(&req);
               const Value message = eval(*req.message);
               out.violations.push_back({text_of(*req.condition), message.str ? *message.str : std::string(), req.source.text, req.span, {}, {}});
               if (options_.explain) explain_failed(*req.condition, out.violations.back());
            }
         }
      } catch (RuntimeError& err) {
         out.outputs.clear();
         out.errors.push_back(std::move(err));
      }
   }
   if (options_.explain) {
      for (std::uint32_t i = 0; i < explained_.size(); ++i) {
         if (state_[i] == 2) {
            explained_[i].global = i;
            explained_[i].value = values_[i];
            out.explanation.push_back(std::move(explained_[i]));
         }
      }
   }
   return out;
}

Outcome Policy::evaluate(const JsonValue& input, const EvalOptions& options) const
{
   std::vector<RuntimeError> errors;
   auto values = decode_inputs(input, errors);
   return evaluate_with(std::move(values), std::move(errors), options);
}

Outcome Policy::evaluate(std::vector<std::optional<Value>> inputs, const EvalOptions& options) const
{
   return evaluate_with(std::move(inputs), {}, options);
}

Outcome Policy::evaluate_with(std::vector<std::optional<Value>> inputs, std::vector<RuntimeError> errors, const EvalOptions& options) const
{
   Run run(*this, options);
   for (std::size_t i = 0; i < program_->inputs.size(); ++i) {
      const auto slot = program_->inputs[i];
      const auto& g = program_->globals[slot];
      if (i < inputs.size() && inputs[i]) {
         run.set_input(slot, std::move(*inputs[i]));
         continue;
      }
      const auto& decl = program_->input_decl(g);
      if (!decl.default_value && !g.type.optional) {
         RuntimeError r;
         r.code = "R0101";
         r.field = g.name;
         r.message = fmt::format("input \"{}\" is missing: expected {}", g.name, describe_expected(g.type, *program_));
         r.span = g.span;
         r.help = fmt::format("add \"{}\" to the input", g.name);
         errors.push_back(std::move(r));
      }
   }
   if (errors.empty()) run.check_input_requirements(errors);
   return run.finish(std::move(errors));
}

Value Policy::constant(const Expr& e) const
{
   EvalOptions options;
   options.as_of = Date::from_days(0);
   Run run(*this, options);
   return run.eval(e);
}

}  // namespace pol::interp
