// pol::Evaluator: lowered register code for the records it covers, the general evaluator for
// the rest.
#include <fmt/format.h>

#include "internal.hpp"

namespace pol {

// Cells for lowered code when it can take them (compact, so many records stay in cache), else
// the typed values.
struct Record::Impl {
   const Policy* policy;
   bool lowered = false;
   std::vector<interp::Cell> cells;
   std::vector<std::optional<interp::Value>> values;  // one per input slot, when not lowered
};

Record::Record() = default;
Record::~Record() = default;

struct Evaluator::Impl {
   std::shared_ptr<const Policy> policy;
   EvalOptions options;
   std::optional<interp::Machine> machine;
   Result last;               // the last result of the general evaluator
   bool last_lowered = false; // whether the last evaluate(record) ran as register code

   Impl(std::shared_ptr<const Policy> p, const EvalOptions& o) : policy(std::move(p)), options(o)
   {
      const auto& inner = policy->impl().policy;
      if (inner.lowered() && !options.explain) {
         const auto as_of = date_option(options);
         machine.emplace(*inner.lowered(), inner.program(), as_of ? *as_of : interp::today());
      }
   }

   Outcome general(Result r)
   {
      last = std::move(r);
      last_lowered = false;
      if (!last.ok()) return {false, 0, &last.errors.front()};
      return {true, last.violations.size(), nullptr};
   }
};

Evaluator::Evaluator(std::shared_ptr<const Policy> policy, const EvalOptions& options) : impl_(std::make_unique<Impl>(std::move(policy), options)) {}
Evaluator::~Evaluator() = default;
Evaluator::Evaluator(Evaluator&&) noexcept = default;
Evaluator& Evaluator::operator=(Evaluator&&) noexcept = default;

bool Evaluator::lowered() const { return impl_->machine.has_value(); }

Evaluator::Outcome Evaluator::evaluate_json(std::string_view record, std::string& out)
{
   auto& m = impl_->machine;
   if (m && m->read_json(record) && m->run() && m->write_json(out)) return {};
   Outcome o = impl_->general(impl_->policy->evaluate_json(record, impl_->options));
   if (o.ok) out += impl_->last.json();
   return o;
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
   if (impl_->machine && interp::Machine::cells_of(*inner.lowered(), impl->values, impl->cells)) {
      impl->lowered = true;
      impl->values.clear();
      impl->values.shrink_to_fit();
   }
   Record r;
   r.impl_ = std::move(impl);
   return r;
}

Evaluator::Outcome Evaluator::evaluate(const Record& record)
{
   if (!record.impl_ || record.impl_->policy != impl_->policy.get()) throw std::invalid_argument("the record was read for another policy");
   auto& m = impl_->machine;
   if (m && record.impl_->lowered) {
      m->load(record.impl_->cells);
      if (m->run() && m->exact()) {
         impl_->last_lowered = true;
         return {};
      }
   }
   interp::EvalOptions o;
   o.as_of = date_option(impl_->options);
   o.explain = impl_->options.explain;
   const Policy& policy = *impl_->policy;
   const auto& inner = policy.impl().policy;
   auto values = record.impl_->lowered ? interp::Machine::values_of(*inner.lowered(), record.impl_->cells) : record.impl_->values;
   return impl_->general(ResultAccess::make(policy, inner.evaluate(std::move(values), o), impl_->options));
}

std::string Evaluator::output(std::size_t i) const
{
   std::string text;
   if (impl_->last_lowered) {
      if (i >= impl_->policy->impl().policy.lowered()->outputs.size() || !impl_->machine->write_output(i, text)) throw std::out_of_range(fmt::format("no output {}", i));
      return text;
   }
   if (i >= impl_->last.outputs.size()) throw std::out_of_range(fmt::format("output {}: the last evaluation has {} outputs", i, impl_->last.outputs.size()));
   return impl_->last.outputs[i].second;
}

}  // namespace pol
