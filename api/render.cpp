#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <functional>
#include <map>
#include <set>

#include <fmt/format.h>

#include "render.hpp"
#include "format.hpp"

namespace pol::api {

lang::Diagnostic to_diagnostic(const interp::RuntimeError& e)
{
   lang::Diagnostic d;
   d.code = e.code;
   d.span = e.span;
   d.message = e.message;
   d.help = e.help;
   for (const auto& t : e.trace) d.notes.push_back({{static_cast<std::uint32_t>(-1), 0, 0}, t});
   return d;
}

std::string render_error(const lang::SourceSet& sources, const interp::RuntimeError& e) { return lang::render_human(sources, to_diagnostic(e)); }

std::string error_json(const lang::SourceSet& sources, const interp::RuntimeError& e)
{
   // written straight, as the JSON library would write {"code", "message", "field", "location",
   // "help", "trace"}: records with errors are about 1 in 100 of a batch, and building the
   // document took a quarter of their time
   std::string out = "{\"code\":";
   const auto member = [&](const char* key, const std::string& text) {
      out += key;
      interp::append_json_string(out, text);
   };
   interp::append_json_string(out, e.code);
   member(",\"message\":", e.message);
   if (!e.field.empty()) member(",\"field\":", e.field);
   if (e.has_span()) {
      const auto& f = sources.file(e.span.file);
      const auto lc = f.line_col(e.span.begin);
      member(",\"location\":{\"file\":", f.path());
      out += fmt::format(",\"line\":{},\"column\":{}}}", lc.line, lc.column);
   }
   if (!e.help.empty()) member(",\"help\":", e.help);
   if (!e.trace.empty()) {
      out += ",\"trace\":[";
      for (std::size_t k = 0; k < e.trace.size(); ++k) {
         if (k > 0) out += ',';
         interp::append_json_string(out, e.trace[k]);
      }
      out += ']';
   }
   out += '}';
   return out;
}

namespace {

std::string global_source(const lang::Program& p, const lang::Global& g)
{
   switch (g.kind) {
      case lang::GlobalKind::param: return p.param_decl(g).source.text;
      case lang::GlobalKind::rule: return p.rule_decl(g).source.text;
      case lang::GlobalKind::input: return p.input_decl(g).source.text;
      default: return {};
   }
}

}  // namespace

nlohmann::ordered_json explanation_json(const interp::Outcome& o, const lang::Program& p)
{
   auto values = nlohmann::ordered_json::array();
   // one entry: every field, always in this order (docs/explain-format.md)
   const auto entry = [&](std::string name, std::string kind, std::string type, nlohmann::ordered_json value, const std::string& source, lang::Span span,
                          const std::vector<std::string>& decided_by, const std::vector<std::uint32_t>& used) {
      nlohmann::ordered_json node;
      node["name"] = std::move(name);
      node["kind"] = std::move(kind);
      node["type"] = std::move(type);
      node["value"] = std::move(value);
      node["source"] = source.empty() ? nullptr : nlohmann::ordered_json(source);
      node["location"] = p.sources.describe(span);
      node["decided_by"] = decided_by;
      auto uses = nlohmann::ordered_json::array();
      for (auto u : used) uses.push_back(p.globals[u].name);
      node["uses"] = uses;
      values.push_back(std::move(node));
   };
   for (const auto& e : o.explanation) {
      const auto& g = p.globals[e.global];
      entry(g.name, lang::to_string(g.kind), g.type.to_string(), interp::to_json(e.value, p), global_source(p, g), g.span, e.notes, e.uses);
   }
   // each failed require, after the values: why its condition is false
   for (const auto& v : o.violations) entry(v.rule, "require", "bool", false, v.source, v.span, v.because, v.uses);
   return values;
}

std::string explanation_text(const interp::Outcome& o, const lang::Program& p, const std::vector<std::uint32_t>& only)
{
   std::map<std::uint32_t, const interp::Explained*> by_slot;
   for (const auto& e : o.explanation) by_slot[e.global] = &e;
   std::string out;
   std::set<std::uint32_t> shown;
   // depth first, in order, with the stack in memory: a chain of thousands of values is explained
   // without recursing as deep
   const auto tree = [&](std::vector<std::pair<std::uint32_t, int>> pending) {
      while (!pending.empty()) {
         const auto [slot, depth] = pending.back();
         pending.pop_back();
         const auto* e = by_slot.count(slot) ? by_slot[slot] : nullptr;
         const auto& g = p.globals[slot];
         const std::string indent(static_cast<std::size_t>(depth) * 2, ' ');
         const bool again = !shown.insert(slot).second;
         out += fmt::format("{}{} = {}   [{}, {}]{}\n", indent, g.name, e ? interp::format_value(e->value, p) : "?", lang::to_string(g.kind), p.sources.describe(g.span),
                            again && e && !e->uses.empty() ? " (explained above)" : "");
         if (!e || again) continue;
         const auto source = global_source(p, g);
         if (!source.empty()) out += fmt::format("{}  source: {}\n", indent, source);
         for (const auto& n : e->notes) out += fmt::format("{}  because: {}\n", indent, n);
         for (auto u = e->uses.rbegin(); u != e->uses.rend(); ++u) pending.emplace_back(*u, depth + 1);
      }
   };
   std::vector<std::pair<std::uint32_t, int>> outputs;
   for (auto it = o.outputs.rbegin(); it != o.outputs.rend(); ++it) {
      if (only.empty() || std::find(only.begin(), only.end(), it->first) != only.end()) outputs.emplace_back(it->first, 0);
   }
   tree(std::move(outputs));
   if (!only.empty()) return out;
   for (const auto& v : o.violations) {
      out += fmt::format("violation: {}   [require, {}]\n", v.message, p.sources.describe(v.span));
      if (!v.source.empty()) out += fmt::format("  source: {}\n", v.source);
      for (const auto& n : v.because) out += fmt::format("  because: {}\n", n);
      std::vector<std::pair<std::uint32_t, int>> uses;
      for (auto u = v.uses.rbegin(); u != v.uses.rend(); ++u) uses.emplace_back(*u, 1);
      tree(std::move(uses));
   }
   return out;
}

}  // namespace pol::api
