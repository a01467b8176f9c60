// pol::Evaluator: lowered register code for the records it covers, the general evaluator for
// the rest.
#include <array>
#include <span>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "internal.hpp"

namespace pol {

// Cells for lowered code when it can take them (compact, so many records stay in cache), else
// the typed values.
struct Record::Impl {
   const Policy* policy;
   bool lowered = false;
   std::uint32_t count = 0;
   std::array<interp::Cell, 8> small;  // the cells, when they fit here
   std::vector<interp::Cell> large;    // else here
   std::vector<std::optional<interp::Value>> values;  // one per input slot, when not lowered
   std::vector<interp::Cell> items;  // the cells of its lists and records, which cells point into
   std::span<const interp::Cell> cells() const { return count <= small.size() ? std::span<const interp::Cell>(small.data(), count) : std::span<const interp::Cell>(large); }
};

Record::Record() = default;
Record::~Record() = default;

// The lowered records' cells side by side, so a batch reads one contiguous block; and again
// as the lanes of the fixed-point code take them, so they load a column at a time.
struct Records::Impl {
   const Policy* policy = nullptr;
   std::size_t width = 0;
   std::vector<interp::Cell> cells;   // width per record; unused for records not lowered
   std::vector<std::uint8_t> lowered;
   std::vector<interp::Cell> columns;  // per group of `lanes` records, per input, a cell per record
   std::vector<std::uint8_t> fits;     // lowered, and its numbers suit the fixed-point code
   std::vector<Record> records;       // for the general evaluator
};

Records::Records() : impl_(std::make_shared<Impl>()) {}
Records::~Records() = default;
std::size_t Records::size() const { return impl_->records.size(); }

void Records::add(const Record& record)
{
   auto& s = *impl_;
   if (!record.impl_) throw std::invalid_argument("the record is empty: make records with Evaluator::read");
   if (!s.policy) {
      s.policy = record.impl_->policy;
      s.width = record.impl_->values.empty() ? record.impl_->cells().size() : record.impl_->values.size();
   }
   if (record.impl_->policy != s.policy) throw std::invalid_argument("the records were read for different policies: keep one Records per policy");
   const auto cells = record.impl_->cells();
   const std::size_t k = s.records.size();
   s.lowered.push_back(record.impl_->lowered ? 1 : 0);
   s.cells.insert(s.cells.end(), cells.begin(), cells.end());
   s.cells.resize(k * s.width + s.width);
   const auto* code = s.policy->impl().policy.lowered();
   s.fits.push_back(record.impl_->lowered && (!code->fixed || interp::Machine::fits_fixed(*code, cells)) ? 1 : 0);
   if (s.fits.back()) {
      const std::size_t group = k / interp::lanes * s.width * interp::lanes;
      s.columns.resize(group + s.width * interp::lanes);
      for (std::size_t i = 0; i < cells.size(); ++i) s.columns[group + i * interp::lanes + k % interp::lanes] = cells[i];
   }
   s.records.push_back(record);
}

namespace {

// What one evaluation gave, from its result.
Evaluator::Outcome outcome_of(const Result& r) { return r.ok() ? Evaluator::Outcome{true, r.violations.size(), nullptr} : Evaluator::Outcome{false, 0, &r.errors.front()}; }

}  // namespace

struct Evaluator::Impl {
   std::shared_ptr<const Policy> policy;
   EvalOptions options;
   interp::EvalOptions general_options;  // the same, as the general evaluator takes them
   std::optional<interp::Machine> machine;
   Result last;               // the last result of the general evaluator
   bool last_lowered = false; // whether the last evaluate(record) ran as register code
   std::size_t last_lane = interp::Machine::no_lane;  // and in which lane, if it ran in lanes
   // the last evaluate(records): outcomes, outputs of lowered records (record-major), and
   // for each record its result from the general evaluator, if it took it
   std::vector<Outcome> outcomes;
   std::vector<interp::Cell> values;
   std::vector<Result> general_results;
   std::vector<std::int64_t> general_of;  // index into general_results, or -1
   // the records of the last evaluate_json(records, …) in lanes: their cells, `inputs` each, and
   // whether each was read
   std::vector<interp::Cell> read_cells;
   std::vector<std::uint8_t> read_ok;
   std::span<const std::string_view> read_span;
   std::vector<InputInfo> inputs;          // the policy's, for reading fields
   std::uint64_t lowered_records = 0;      // records answered by lowered code (Evaluator::lowered_records)

   Impl(std::shared_ptr<const Policy> p, const EvalOptions& o) : policy(std::move(p)), options(o)
   {
      general_options = to_interp(options);
      const auto& inner = policy->impl().policy;
      if (inner.lowered() && !options.explain && interp::budgets_hold_for_lowered(options.limits, inner.program()) && inner.lowered()->longest_text <= options.limits.text &&
          inner.lowered()->longest_list <= options.limits.list) {
         machine.emplace(*inner.lowered(), inner.program(), general_options.as_of.value_or(interp::today()), interp::MachineLimits{options.limits.text, options.limits.list, options.limits.steps});
      }
      inputs = policy->inputs();
   }

   const interp::Code& code() const { return *policy->impl().policy.lowered(); }

   void check(const Record& record) const
   {
      if (!record.impl_ || record.impl_->policy != policy.get()) throw std::invalid_argument("the record was read for another policy: read it with an Evaluator of this one");
   }

   // A record's result from the general evaluator.
   Result general_result(const Record& record) const
   {
      const auto& inner = policy->impl().policy;
      auto values = record.impl_->lowered ? interp::Machine::values_of(*inner.lowered(), inner.program(), record.impl_->cells()) : record.impl_->values;
      return ResultAccess::make(*policy, inner.evaluate(std::move(values), general_options), options);
   }

   // An error in a record's fields, found before evaluating.
   Outcome field_error(interp::RuntimeError e)
   {
      interp::Outcome o;
      o.errors.push_back(std::move(e));
      return general(ResultAccess::make(*policy, std::move(o), options));
   }

   Outcome general(Result r)
   {
      last = std::move(r);
      last_lowered = false;
      return outcome_of(last);
   }

   // Reads records[base, base + count) (at most `lanes`) into the lanes and runs them; a bit per
   // lane that could not be read or run there. The cells read stay in read_cells for the whole
   // span. Given a reader that has just read the same span for a policy that reads records
   // alike, its cells are taken instead of reading each record again.
   std::uint64_t run_lanes(std::span<const std::string_view> records, std::size_t base, std::size_t count, const Impl* reader)
   {
      const std::size_t width = code().inputs.size();
      if (base == 0) {
         read_cells.resize(records.size() * width);
         read_ok.assign(records.size(), 0);
         read_span = records;
      }
      std::uint64_t skip = 0;
      for (std::size_t l = 0; l < count; ++l) {
         const std::size_t k = base + l;
         std::span<const interp::Cell> cells(read_cells.data() + k * width, width);
         if (reader && reader->read_ok[k]) {
            cells = std::span<const interp::Cell>(reader->read_cells.data() + k * width, width);
            read_ok[k] = machine->given(cells);
         } else {
            read_ok[k] = machine->read_json(records[k], std::span<interp::Cell>(read_cells.data() + k * width, width));
         }
         if (!read_ok[k] || !machine->load_lane(l, cells)) skip |= std::uint64_t{1} << l;
      }
      return machine->run_lanes(count, skip);
   }

   void begin();

   // Whether `reader` has just read `records` in lanes, as this policy would read them.
   bool can_share(const Impl& reader, std::span<const std::string_view> records) const
   {
      return machine && reader.machine && machine->runs_lanes() && reader.machine->runs_lanes() && reader.read_span.data() == records.data() && reader.read_span.size() == records.size() && machine->reads_like(*reader.machine);
   }

   // The last record ran as register code, alone or in a lane (where no require is violated).
   Outcome lowered(std::size_t lane = interp::Machine::no_lane)
   {
      last_lowered = true;
      last_lane = lane;
      ++lowered_records;
      return {true, lane == interp::Machine::no_lane ? machine->violated().size() : 0, nullptr};
   }

   // The violations of the last record that ran as register code, as the library gives them.
   std::vector<Violation> lowered_violations;
};

Evaluator::Evaluator(std::shared_ptr<const Policy> policy, const EvalOptions& options) : impl_(std::make_unique<Impl>(std::move(policy), options)) {}
Evaluator::~Evaluator() = default;
Evaluator::Evaluator(Evaluator&&) noexcept = default;
Evaluator& Evaluator::operator=(Evaluator&&) noexcept = default;

bool Evaluator::lowered() const { return impl_->machine.has_value(); }
std::uint64_t Evaluator::lowered_records() const { return impl_->lowered_records; }

// Each call of the public API starts by letting go of the text the last one read and made:
// what it answers stays valid until the next call.
void Evaluator::Impl::begin()
{
   if (machine) machine->forget_texts();
}

Evaluator::Outcome Evaluator::evaluate_json(std::string_view record, std::string& out)
{
   impl_->begin();
   return evaluate_one(record, out);
}

Evaluator::Outcome Evaluator::evaluate_json(std::string_view record)
{
   impl_->begin();
   return evaluate_one(record);
}

Evaluator::Outcome Evaluator::evaluate_one(std::string_view record, std::string& out)
{
   auto& m = impl_->machine;
   if (m && m->read_json(record) && m->run() && m->write_json(out)) return impl_->lowered();
   Outcome o = impl_->general(impl_->policy->evaluate_json(record, impl_->options));
   if (o.ok) out += impl_->last.json();
   return o;
}

Evaluator::Outcome Evaluator::evaluate_one(std::string_view record)
{
   auto& m = impl_->machine;
   if (m && m->read_json(record) && m->run() && m->exact()) return impl_->lowered();
   return impl_->general(impl_->policy->evaluate_json(record, impl_->options));
}

void Evaluator::evaluate_json(std::span<const std::string_view> records, const std::function<void(std::size_t, const Outcome&)>& done)
{
   evaluate_lanes(records, nullptr, done);
}

void Evaluator::evaluate_json(std::span<const std::string_view> records, const Evaluator& reader, const std::function<void(std::size_t, const Outcome&)>& done)
{
   evaluate_lanes(records, impl_->can_share(*reader.impl_, records) ? reader.impl_.get() : nullptr, done);
}

void Evaluator::evaluate_lanes(std::span<const std::string_view> records, const Impl* reader, const std::function<void(std::size_t, const Outcome&)>& done)
{
   auto& m = impl_->machine;
   impl_->begin();
   impl_->read_span = {};
   if (!m || !m->runs_lanes()) {
      for (std::size_t k = 0; k < records.size(); ++k) done(k, evaluate_one(records[k]));
      return;
   }
   for (std::size_t base = 0; base < records.size(); base += interp::lanes) {
      const std::size_t count = std::min(interp::lanes, records.size() - base);
      const std::uint64_t failed = impl_->run_lanes(records, base, count, reader);
      for (std::size_t l = 0; l < count; ++l) {
         // a record the lanes could not answer goes alone: the ratio code, then the general evaluator
         if ((failed >> l & 1) == 0 && m->exact(l)) done(base + l, impl_->lowered(l));
         else done(base + l, evaluate_one(records[base + l]));
      }
   }
}

void Evaluator::evaluate_json(std::span<const std::string_view> records, std::string& out, const std::function<void(std::size_t, const Outcome&)>& done)
{
   auto& m = impl_->machine;
   impl_->begin();
   impl_->read_span = {};
   if (!m || !m->runs_lanes()) {
      for (std::size_t k = 0; k < records.size(); ++k) done(k, evaluate_one(records[k], out));
      return;
   }
   for (std::size_t base = 0; base < records.size(); base += interp::lanes) {
      const std::size_t count = std::min(interp::lanes, records.size() - base);
      const std::uint64_t failed = impl_->run_lanes(records, base, count, nullptr);
      for (std::size_t l = 0; l < count; ++l) {
         if ((failed >> l & 1) == 0 && m->write_json(out, l)) {
            done(base + l, impl_->lowered(l));
         } else {
            done(base + l, evaluate_one(records[base + l], out));
         }
      }
   }
}

Record Evaluator::read(std::string_view json) const
{
   const auto parsed = interp::parse_json(json);
   if (!parsed.ok()) throw std::invalid_argument("the input is not valid JSON: " + parsed.error);
   std::vector<interp::RuntimeError> errors;
   auto impl = std::make_shared<Record::Impl>();
   impl->policy = impl_->policy.get();
   const auto& inner = impl_->policy->impl().policy;
   impl->values = inner.decode_inputs(parsed.value, errors);
   if (!errors.empty()) {
      const auto& e = errors.front();
      throw std::invalid_argument(e.field.empty() ? e.message : fmt::format("{} (field {})", e.message, e.field));
   }
   if (impl_->machine && interp::Machine::cells_of(*inner.lowered(), impl->values, impl->large, &impl->items)) {
      impl->lowered = true;
      impl->count = static_cast<std::uint32_t>(impl->large.size());
      if (impl->count <= impl->small.size()) {
         std::copy(impl->large.begin(), impl->large.end(), impl->small.begin());
         impl->large = {};
      }
      // text cells point into the values' text: keep them then
      const auto& inputs = inner.lowered()->inputs;
      const auto holds_text = [](const interp::CodeInput& in) { return in.type.kind == lang::TypeKind::text || in.type.kind == lang::TypeKind::list || in.type.kind == lang::TypeKind::record; };
      if (std::none_of(inputs.begin(), inputs.end(), holds_text)) {
         impl->values.clear();
         impl->values.shrink_to_fit();
      }
   }
   Record r;
   r.impl_ = std::move(impl);
   return r;
}

Evaluator::Outcome Evaluator::evaluate(const Record& record)
{
   impl_->check(record);
   impl_->begin();
   auto& m = impl_->machine;
   if (m && record.impl_->lowered && m->within_budgets(record.impl_->cells())) {
      m->load(record.impl_->cells());
      if (m->run() && m->exact()) return impl_->lowered();
   }
   return impl_->general(impl_->general_result(record));
}

const std::vector<Evaluator::Outcome>& Evaluator::evaluate(const Records& batch)
{
   auto& s = *impl_;
   const auto& b = *batch.impl_;
   const std::size_t n = b.records.size();
   if (n > 0 && b.policy != s.policy.get()) throw std::invalid_argument("the records were read for another policy: read them with an Evaluator of this one");
   s.begin();
   s.outcomes.assign(n, Outcome{});
   s.general_results.clear();
   s.general_of.assign(n, -1);
   auto& m = s.machine;
   const std::size_t width = m ? s.code().outputs.size() : 0;
   s.values.resize(n * width);
   const auto cells = [&](std::size_t k) { return std::span<const interp::Cell>(b.cells.data() + k * b.width, b.width); };
   // record k's outputs, from the last run() or from a lane of the last run_lanes()
   // (its violations are counted: a batch's outcomes keep no more of them)
   const auto keep = [&](std::size_t k, std::size_t lane) {
      for (std::size_t i = 0; i < width; ++i) s.values[k * width + i] = m->output_value(i, lane);
      s.outcomes[k].violations = lane == interp::Machine::no_lane ? m->violated().size() : 0;
      ++s.lowered_records;
   };
   const auto take_general = [&](std::size_t k) {
      s.general_of[k] = static_cast<std::int64_t>(s.general_results.size());
      s.general_results.push_back(s.general_result(b.records[k]));
   };
   if (m && m->runs_lanes()) {
      for (std::size_t base = 0; base < n; base += interp::lanes) {
         const std::size_t count = std::min(interp::lanes, n - base);
         std::uint64_t skip = 0;
         for (std::size_t l = 0; l < count; ++l) {
            if (!b.fits[base + l] || !m->within_budgets(cells(base + l))) skip |= std::uint64_t{1} << l;
         }
         const std::uint64_t all = count == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << count) - 1;
         if (skip != all) m->load_columns(b.columns.data() + base * b.width);
         const std::uint64_t failed = skip == all ? all : m->run_lanes(count, skip);
         for (std::size_t l = 0; l < count; ++l) {
            const std::size_t k = base + l;
            if ((failed >> l & 1) == 0 && m->exact(l)) {
               keep(k, l);
               continue;
            }
            // the fixed-point code bailed or does not fit: the ratio code, then the general evaluator
            if (b.lowered[k] && m->has_fixed() && m->within_budgets(cells(k))) {
               m->load(cells(k));
               if (m->run_ratio() && m->exact()) {
                  keep(k, interp::Machine::no_lane);
                  continue;
               }
            }
            take_general(k);
         }
      }
   } else {
      for (std::size_t k = 0; k < n; ++k) {
         if (m && b.lowered[k] && m->within_budgets(cells(k))) {
            m->load(cells(k));
            if (m->run() && m->exact()) {
               keep(k, interp::Machine::no_lane);
               continue;
            }
         }
         take_general(k);
      }
   }
   for (std::size_t k = 0; k < n; ++k) {
      if (s.general_of[k] >= 0) s.outcomes[k] = outcome_of(s.general_results[static_cast<std::size_t>(s.general_of[k])]);
   }
   return s.outcomes;
}

std::string Evaluator::output(std::size_t record, std::size_t i) const
{
   const auto& s = *impl_;
   if (record >= s.general_of.size()) throw std::out_of_range(fmt::format("record {}: the last evaluation had {} records", record, s.general_of.size()));
   if (s.general_of[record] >= 0) {
      const auto& outputs = s.general_results[static_cast<std::size_t>(s.general_of[record])].outputs;
      if (i >= outputs.size()) throw std::out_of_range(fmt::format("output {}: record {} has {} outputs", i, record, outputs.size()));
      return outputs[i].second;
   }
   const std::size_t width = s.code().outputs.size();
   if (i >= width) throw std::out_of_range(fmt::format("output {}: the policy has {} outputs", i, width));
   std::string text;
   s.machine->write_value(i, s.values[record * width + i], text);  // exact: checked when evaluated
   return text;
}

Evaluator::Outcome Evaluator::evaluate_fields(std::span<const std::string_view> names, std::span<const std::string_view> fields)
{
   if (names.size() != fields.size()) throw std::invalid_argument(fmt::format("{} names for {} fields: give each field its input's name", names.size(), fields.size()));
   auto& m = impl_->machine;
   impl_->begin();
   if (m && m->read_fields(names, fields) && m->run() && m->exact()) return impl_->lowered();
   // the general evaluator, from the same fields as typed inputs
   Inputs inputs;
   std::vector<bool> given(impl_->inputs.size(), false);
   for (std::size_t k = 0; k < fields.size(); ++k) {
      const auto info = std::find_if(impl_->inputs.begin(), impl_->inputs.end(), [&](const InputInfo& in) { return in.name == names[k]; });
      const bool known = info != impl_->inputs.end();
      if (known && given[static_cast<std::size_t>(info - impl_->inputs.begin())]) return impl_->field_error(interp::given_twice(std::string(names[k])));
      if (known) given[static_cast<std::size_t>(info - impl_->inputs.begin())] = true;
      if (fields[k].empty() && known) continue;  // absent: its default, if it has one
      const InputShape shape = known ? info->shape : InputShape::scalar;
      if (shape == InputShape::structured) {
         try {
            inputs.set_json(names[k], fields[k]);
         } catch (const std::invalid_argument&) {
            interp::RuntimeError e;
            e.code = "R0003";
            e.field = names[k];
            e.message = fmt::format("input {} is not valid JSON: write a list or record as JSON", names[k]);
            return impl_->field_error(std::move(e));
         }
      } else if (shape == InputShape::boolean && (fields[k] == "true" || fields[k] == "false")) {
         inputs.set_bool(names[k], fields[k] == "true");
      } else {
         inputs.set_text(names[k], fields[k]);  // unknown names too: the evaluation names them
      }
   }
   return impl_->general(impl_->policy->evaluate(inputs, impl_->options));
}

const std::vector<Violation>& Evaluator::violations() const
{
   if (!impl_->last_lowered) return impl_->last.violations;
   auto& out = impl_->lowered_violations;
   out.clear();
   if (impl_->last_lane == interp::Machine::no_lane) {
      for (const auto& v : impl_->machine->violated()) {
         const auto& r = impl_->code().requirements[v.requirement];
         out.push_back({r.rule, std::string(impl_->machine->message(v)), r.source});
      }
   }
   return out;
}

void Evaluator::write_json(std::string& out) const
{
   if (!impl_->last_lowered) out += impl_->last.json();
   else if (!impl_->machine->write_json(out, impl_->last_lane)) throw std::logic_error("lowered outputs are checked when evaluated");
}

std::string Evaluator::output(std::size_t i) const
{
   std::string text;
   if (impl_->last_lowered) {
      const std::size_t width = impl_->code().outputs.size();
      if (i >= width) throw std::out_of_range(fmt::format("output {}: the policy has {} outputs", i, width));
      impl_->machine->write_value(i, impl_->machine->output_value(i, impl_->last_lane), text);  // exact: checked when evaluated
      return text;
   }
   if (i >= impl_->last.outputs.size()) throw std::out_of_range(fmt::format("output {}: the last evaluation has {} outputs", i, impl_->last.outputs.size()));
   return impl_->last.outputs[i].second;
}

}  // namespace pol
