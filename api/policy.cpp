// The public library: pol::Policy and friends over the language and interpreter passes.
#include <algorithm>

#include <fmt/format.h>

#include "builtins.hpp"
#include "compile.hpp"
#include "format.hpp"
#include "formatter.hpp"
#include "parser.hpp"
#include "pol/pol.hpp"
#include "internal.hpp"
#include "pol/stdlib.hpp"
#include "render.hpp"

namespace pol {

Diagnostic to_public(const lang::SourceSet& sources, const lang::Diagnostic& d)
{
   Diagnostic out;
   out.error = d.severity == lang::Severity::error;
   out.code = d.code;
   out.message = d.message;
   out.help = d.help;
   if (d.span.file < sources.size()) {
      const auto& f = sources.file(d.span.file);
      const auto lc = f.line_col(d.span.begin);
      out.file = f.path();
      out.line = lc.line;
      out.column = lc.column;
   }
   out.rendered = lang::render_human(sources, d);
   out.github = lang::render_github(sources, d);
   out.json = interp::dump_json(lang::render_json(sources, d));
   return out;
}

namespace {

std::vector<Diagnostic> to_public(const lang::Compilation& c)
{
   std::vector<Diagnostic> out;
   for (const auto& d : c.diagnostics.items()) out.push_back(pol::to_public(c.program->sources, d));
   return out;
}

nlohmann::ordered_json violation_json(const Violation& v)
{
   return {{"rule", v.rule}, {"message", v.message}, {"source", v.source.empty() ? nullptr : nlohmann::ordered_json(v.source)}};
}

lang::CompileOptions to_lang(const CompileOptions& options)
{
   lang::CompileOptions o;
   o.search_path = options.search_path;
   o.max_steps = options.max_steps;
   return o;
}

// Compiles, with the analysis of tables when asked for.
lang::Compilation compile(const std::string& path, const CompileOptions& options)
{
   return options.analyse_tables ? interp::compile_file(path, to_lang(options)) : lang::compile_file(path, to_lang(options));
}

}  // namespace

std::optional<interp::Date> date_option(const EvalOptions& o)
{
   if (!o.as_of) return std::nullopt;
   auto d = interp::Date::parse(*o.as_of);
   if (!d) throw std::invalid_argument(fmt::format("as_of {} is not a date; write YYYY-MM-DD", *o.as_of));
   return d;
}

struct Result::Detail {
   std::shared_ptr<const Policy> policy;  // keeps the program the outcome refers to
   interp::Outcome outcome;
   bool explain = false;
   const lang::Program& program() const { return policy->impl().program(); }
};

CompileError::CompileError(std::string what, std::vector<Diagnostic> diagnostics, bool unreadable)
   : std::runtime_error(std::move(what)), diagnostics_(std::move(diagnostics)), unreadable_(unreadable)
{
}

std::size_t CheckResult::errors() const
{
   return static_cast<std::size_t>(std::count_if(diagnostics.begin(), diagnostics.end(), [](const Diagnostic& d) { return d.error; }));
}

std::size_t CheckResult::warnings() const { return diagnostics.size() - errors(); }

namespace {

CheckResult check_result(const lang::Compilation& c)
{
   CheckResult r;
   r.unreadable = c.io_error;
   if (!c.io_error) r.diagnostics = to_public(c);
   if (c.ok()) {
      const auto& cost = c.cost;
      r.cost = Cost{cost.steps.to_string(), cost.steps.terms.size() > 1, lang::describe_path(cost.costliest), cost.depth, lang::describe_path(cost.deepest)};
   }
   return r;
}

}  // namespace

CheckResult check_file(const std::string& path, const CompileOptions& options) { return check_result(compile(path, options)); }

CheckResult check_text(const std::string& path, std::string text, const CompileOptions& options)
{
   return check_result(options.analyse_tables ? interp::compile_text(path, std::move(text), to_lang(options)) : lang::compile_text(path, std::move(text), to_lang(options)));
}

std::vector<FunctionInfo> builtin_functions()
{
   std::vector<FunctionInfo> out;
   for (const auto& b : lang::builtins()) out.push_back({std::string(b.name), std::string(b.signature), std::string(b.summary)});
   return out;
}

std::vector<FunctionInfo> library_functions()
{
   std::vector<FunctionInfo> out;
   for (const auto module : stdlib::names()) {
      for (const auto& d : outline_string(std::string(module), std::string(*stdlib::find(module)))) {
         if (d.kind != "function") continue;
         // "fn to_pence(x: money) -> money = …": the signature is what comes before the body
         const auto open = d.text.find('('), body = d.text.find(" = ");
         out.push_back({fmt::format("{}.{}", module, d.name), d.text.substr(open, body == std::string::npos ? std::string::npos : body - open), ""});
      }
   }
   return out;
}

interp::EvalOptions to_interp(const EvalOptions& o)
{
   interp::EvalOptions out;
   out.as_of = date_option(o);
   out.explain = o.explain;
   out.limits = o.limits;
   return out;
}

bool valid_date(std::string_view text) { return interp::Date::parse(text).has_value(); }

FormatResult format_text(std::string_view text, const std::string& path)
{
   lang::SourceSet sources;
   const auto file = sources.add(path, std::string(text));
   lang::Diagnostics diagnostics;
   lang::parse_module(sources, file, diagnostics);
   FormatResult r;
   r.ok = !diagnostics.has_errors();
   r.text = r.ok ? lang::format_policy(text) : std::string(text);
   for (const auto& d : diagnostics.items()) {
      if (d.severity == lang::Severity::error) r.diagnostics.push_back(to_public(sources, d));
   }
   return r;
}

// --- Inputs ------------------------------------------------------------------------------

struct Inputs::Impl {
   interp::JsonValue object;
   Impl() { object.kind = interp::JsonValue::Kind::object; }
   Inputs& set(Inputs& self, std::string_view name, interp::JsonValue v)
   {
      auto& fields = object.fields;
      auto it = std::find_if(fields.begin(), fields.end(), [&](const auto& f) { return f.first == name; });
      if (it != fields.end()) it->second = std::move(v);
      else fields.emplace_back(std::string(name), std::move(v));
      return self;
   }
   static interp::JsonValue scalar(interp::JsonValue::Kind kind, std::string text)
   {
      interp::JsonValue v;
      v.kind = kind;
      v.text = std::move(text);
      return v;
   }
};

Inputs::Inputs() : impl_(std::make_unique<Impl>()) {}
Inputs::~Inputs() = default;
Inputs::Inputs(const Inputs& o) : impl_(std::make_unique<Impl>(*o.impl_)) {}
Inputs& Inputs::operator=(const Inputs& o)
{
   impl_ = std::make_unique<Impl>(*o.impl_);
   return *this;
}

Inputs& Inputs::set_bool(std::string_view name, bool value)
{
   interp::JsonValue v;
   v.kind = interp::JsonValue::Kind::boolean;
   v.boolean = value;
   return impl_->set(*this, name, std::move(v));
}
Inputs& Inputs::set_int(std::string_view name, std::int64_t value) { return impl_->set(*this, name, Impl::scalar(interp::JsonValue::Kind::number, std::to_string(value))); }
Inputs& Inputs::set_decimal(std::string_view name, std::string_view text) { return impl_->set(*this, name, Impl::scalar(interp::JsonValue::Kind::string, std::string(text))); }
Inputs& Inputs::set_date(std::string_view name, int year, int month, int day)
{
   return impl_->set(*this, name, Impl::scalar(interp::JsonValue::Kind::string, fmt::format("{:04}-{:02}-{:02}", year, month, day)));
}
Inputs& Inputs::set_text(std::string_view name, std::string_view value) { return impl_->set(*this, name, Impl::scalar(interp::JsonValue::Kind::string, std::string(value))); }
Inputs& Inputs::set_json(std::string_view name, std::string_view json)
{
   auto parsed = interp::parse_json(json);
   if (!parsed.ok()) throw std::invalid_argument(fmt::format("input {}: {}", name, parsed.error));
   return impl_->set(*this, name, std::move(parsed.value));
}
Inputs& Inputs::set_none(std::string_view name) { return impl_->set(*this, name, interp::JsonValue{}); }

// --- Results -----------------------------------------------------------------------------

std::optional<std::string> Result::output(std::string_view name) const
{
   for (const auto& [n, v] : outputs) {
      if (n == name) return v;
   }
   return std::nullopt;
}

std::string Result::json(int indent) const
{
   // the compact form, as batch writes it, without parsing the values again
   const bool explained = detail_ && detail_->explain;
   if (indent < 0 && ok() && !explained) {
      std::string out = "{\"outputs\":{";
      // output names are policy names: letters, digits and '_', so they need no escapes
      for (std::size_t i = 0; i < outputs.size(); ++i) {
         if (i) out += ',';
         out += '"';
         out += outputs[i].first;
         out += "\":";
         out += outputs[i].second;
      }
      out += "},\"violations\":[";
      for (std::size_t i = 0; i < violations.size(); ++i) out += (i ? "," : "") + interp::dump_json(violation_json(violations[i]));
      return out + "]}";
   }
   nlohmann::ordered_json out;
   if (!ok()) {
      out["errors"] = nlohmann::ordered_json::array();
      for (const auto& e : errors) out["errors"].push_back(nlohmann::ordered_json::parse(e.json));
      return interp::dump_json(out, indent);
   }
   out["outputs"] = nlohmann::ordered_json::object();
   for (const auto& [n, v] : outputs) out["outputs"][n] = nlohmann::ordered_json::parse(v);
   out["violations"] = nlohmann::ordered_json::array();
   for (const auto& v : violations) out["violations"].push_back(violation_json(v));
   if (explained) out["explanation"] = nlohmann::ordered_json::parse(explanation_json());
   return interp::dump_json(out, indent);
}


std::string Result::text() const
{
   if (!detail_) return {};
   const auto& p = detail_->program();
   const auto& o = detail_->outcome;
   std::string text;
   for (const auto& [slot, value] : o.outputs) text += fmt::format("{} = {}\n", p.globals[slot].name, interp::format_value(value, p));
   for (const auto& v : o.violations) text += fmt::format("violation: {}{}\n", v.message, v.source.empty() ? "" : fmt::format(" (source: {})", v.source));
   if (detail_->explain && o.ok()) text += "\nwhy:\n" + explanation_text();
   return text;
}

std::string Result::explanation_json() const
{
   if (!detail_ || !detail_->explain) return "[]";
   return interp::dump_json(api::explanation_json(detail_->outcome, detail_->program()));
}

std::string Result::explanation_text() const
{
   if (!detail_ || !detail_->explain) return {};
   return api::explanation_text(detail_->outcome, detail_->program());
}

std::string Result::explanation_text(const std::vector<std::string>& names) const
{
   if (!detail_ || !detail_->explain) return {};
   const auto& p = detail_->program();
   std::vector<std::uint32_t> slots;
   for (const auto& [slot, value] : detail_->outcome.outputs) {
      if (std::find(names.begin(), names.end(), p.globals[slot].name) != names.end()) slots.push_back(slot);
   }
   return slots.empty() ? std::string() : api::explanation_text(detail_->outcome, p, slots);
}

// --- Policy ------------------------------------------------------------------------------


Result ResultAccess::make(const Policy& policy, interp::Outcome o, const EvalOptions& options)
{
   const auto& p = policy.impl().program();
   Result r;
   for (const auto& e : o.errors) {
      Error err{e.code, e.message, e.field, e.help, e.has_span() ? p.sources.describe(e.span) : std::string(), e.trace, api::render_error(p.sources, e),
                api::error_json(p.sources, e)};
      r.errors.push_back(std::move(err));
   }
   r.outputs.reserve(o.outputs.size());
   for (const auto& [slot, v] : o.outputs) r.outputs.emplace_back(p.globals[slot].name, interp::json_text(v, p));
   for (const auto& v : o.violations) r.violations.push_back({v.rule, v.message, v.source});
   auto detail = std::make_shared<Result::Detail>();
   detail->policy = policy.shared_from_this();
   detail->outcome = std::move(o);
   detail->explain = options.explain;
   r.detail_ = std::move(detail);
   return r;
}

Policy::Policy(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Policy::~Policy() = default;

// Builds policies; a friend of Policy.
struct PolicyFactory {
   // A compiled policy, or the CompileError that lists why there is none.
   static std::shared_ptr<const Policy> from(lang::Compilation c, const std::string& name);
};

std::shared_ptr<const Policy> PolicyFactory::from(lang::Compilation c, const std::string& name)
{
   if (c.io_error) throw CompileError(fmt::format("cannot read the policy file {}", name), {}, true);
   if (c.diagnostics.has_errors()) {
      throw CompileError(fmt::format("the policy {} has {} error{}", name, c.diagnostics.error_count(), c.diagnostics.error_count() == 1 ? "" : "s"), to_public(c), false);
   }
   auto warnings = to_public(c);
   auto impl = std::unique_ptr<Policy::Impl>(new Policy::Impl{interp::Policy(std::move(c.program)), std::move(warnings)});
   return std::shared_ptr<const Policy>(new Policy(std::move(impl)));
}

std::shared_ptr<const Policy> Policy::compile_file(const std::string& path, const CompileOptions& options)
{
   return PolicyFactory::from(compile(path, options), path);
}

std::shared_ptr<const Policy> Policy::compile_string(const std::string& name, std::string text, const CompileOptions& options)
{
   auto c = options.analyse_tables ? interp::compile_text(name, std::move(text), to_lang(options)) : lang::compile_text(name, std::move(text), to_lang(options));
   return PolicyFactory::from(std::move(c), name);
}

const std::vector<Diagnostic>& Policy::warnings() const { return impl_->warnings; }

std::vector<InputInfo> Policy::inputs() const
{
   const auto& p = impl_->policy.program();
   std::vector<InputInfo> out;
   for (auto slot : p.inputs) {
      const auto& g = p.globals[slot];
      InputInfo info;
      info.name = g.name;
      info.type = g.type.to_string();
      info.shape = (g.type.kind == lang::TypeKind::list || g.type.kind == lang::TypeKind::record) ? InputShape::structured
                   : g.type.kind == lang::TypeKind::bool_                                       ? InputShape::boolean
                                                                                                : InputShape::scalar;
      info.required = !g.type.optional && !p.input_decl(g).default_value;
      out.push_back(std::move(info));
   }
   return out;
}

std::vector<std::string> Policy::outputs() const
{
   const auto& p = impl_->policy.program();
   std::vector<std::string> out;
   for (auto slot : p.outputs) out.push_back(p.globals[slot].name);
   return out;
}

std::vector<OutputInfo> Policy::output_info() const
{
   const auto& p = impl_->policy.program();
   std::vector<OutputInfo> out;
   for (auto slot : p.outputs) out.push_back({p.globals[slot].name, p.globals[slot].type.to_string()});
   return out;
}

About Policy::about() const
{
   const auto& header = impl_->program().main().header;
   About about{header.present ? header.name : "", "", header.source.present() ? header.source.text : "", ""};
   for (const auto& m : header.meta) {
      if (m.key == "title") about.title = m.value;
      if (m.key == "version") about.version = m.value;
   }
   return about;
}

Result Policy::evaluate_json(std::string_view input_json, const EvalOptions& options) const
{
   const auto parsed = interp::parse_json(input_json);
   if (!parsed.ok()) {
      Result r;
      Error e;
      e.code = "R0001";
      e.message = "the input is not valid JSON: " + parsed.error;
      e.rendered = fmt::format("error[R0001]: {}\n", e.message);
      e.json = interp::dump_json(nlohmann::ordered_json{{"code", e.code}, {"message", e.message}});
      r.errors.push_back(std::move(e));
      return r;
   }
   return ResultAccess::make(*this, impl_->policy.evaluate(parsed.value, to_interp(options)), options);
}

Result Policy::evaluate(const Inputs& inputs, const EvalOptions& options) const
{
   return ResultAccess::make(*this, impl_->policy.evaluate(inputs.impl_->object, to_interp(options)), options);
}

}  // namespace pol
