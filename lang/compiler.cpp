#include "compiler.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "checker.hpp"
#include "parser.hpp"
#include "pence.hpp"
#include "pol/stdlib.hpp"
#include "stack.hpp"

namespace pol::lang {

namespace fs = std::filesystem;

namespace {

class Loader {
public:
   Loader(Compilation& c, const CompileOptions& o) : c_(c), options_(o) {}

   // Parses a file and, depth first, everything it imports.
   std::int32_t load(const std::string& path, std::string text, std::string module_name)
   {
      Program& p = *c_.program;
      const auto file = p.sources.add(path, std::move(text));
      const auto index = static_cast<std::int32_t>(p.modules.size());
      p.modules.push_back(std::make_unique<Module>(parse_module(p.sources, file, c_.diagnostics)));
      Module& m = *p.modules.back();
      m.name = std::move(module_name);
      loaded_[path] = index;
      for (auto& imp : m.imports) resolve_import(imp, path);
      return index;
   }

private:
   void resolve_import(ImportDecl& imp, const std::string& from)
   {
      std::string key, text;
      if (imp.is_file) {
         std::vector<fs::path> candidates{fs::path(from).parent_path() / imp.target};
         for (const auto& dir : options_.search_path) candidates.push_back(fs::path(dir) / imp.target);
         bool found = false;
         for (const auto& cand : candidates) {
            if (fs::is_regular_file(cand) && read_file(cand, text)) {
               key = cand.lexically_normal().string();
               found = true;
               break;
            }
         }
         if (!found) {
            auto& d = c_.diagnostics.error("E0210", imp.span, fmt::format("cannot find the imported file \"{}\"", imp.target));
            d.help = "paths are relative to the importing file, then to each --path folder";
            return;
         }
         if (imp.alias.empty()) imp.alias = fs::path(imp.target).stem().string();
      } else {
         const auto source = stdlib::find(imp.target);
         if (!source) {
            auto& d = c_.diagnostics.error("E0210", imp.span, fmt::format("there is no standard module '{}'", imp.target));
            d.help = fmt::format("the standard modules are: {}; import a file with quotes: import \"{}.pol\"", fmt::join(stdlib::names(), ", "), imp.target);
            return;
         }
         key = "<stdlib>/" + imp.target + ".pol";
         text = std::string(*source);
         if (imp.alias.empty()) imp.alias = imp.target.substr(imp.target.rfind('.') + 1);
      }
      if (auto it = loaded_.find(key); it != loaded_.end()) {
         imp.module = it->second;
         return;
      }
      if (c_.program->modules.size() > 64) {
         c_.diagnostics.error("E0210", imp.span, "too many imported modules (more than 64)").help = "check for files that import each other";
         return;
      }
      imp.module = load(key, std::move(text), imp.alias);
   }

   Compilation& c_;
   const CompileOptions& options_;
   std::map<std::string, std::int32_t> loaded_;
};

void compile_on_this_stack(Compilation& c, const std::string& name, std::string text, const CompileOptions& options)
{
   Loader loader(c, options);
   loader.load(name, std::move(text), fs::path(name).stem().string());
   if (c.diagnostics.has_errors()) {
      // After syntax errors the declarations that parsed are checked too, so that one typo does
      // not hide the other problems: unless what failed declared a type or an import, or errors
      // other than syntax errors (an import not found) would only echo
      // (a date that does not exist, E0102, is a syntax error of its own kind)
      const auto syntax_only = std::all_of(c.diagnostics.items().begin(), c.diagnostics.items().end(), [](const Diagnostic& d) { return d.code == "E0101" || d.code == "E0102"; });
      const auto named = std::none_of(c.program->modules.begin(), c.program->modules.end(), [](const auto& m) { return m->unparsed_unchecked; });
      if (syntax_only && named) {
         // errors only: a warning such as "never used" would mostly echo what did not parse
         Diagnostics checked;
         check_program(*c.program, checked);
         // what a declaration read without its faulty line lacks is not reported again
         const auto echoes_a_drop = [&](const Diagnostic& d) {
            if (d.code != "E0326" && d.code != "E0211") return false;
            return std::any_of(c.program->modules.begin(), c.program->modules.end(), [&](const auto& m) {
               return std::any_of(m->recovered.begin(), m->recovered.end(), [&](const Span& r) { return r.file == d.span.file && r.begin <= d.span.begin && d.span.end <= r.end; });
            });
         };
         for (const auto& d : checked.items()) {
            if (d.severity == Severity::error && !echoes_a_drop(d)) c.diagnostics.add(d);
         }
      }
      return;
   }
   check_program(*c.program, c.diagnostics);
   if (c.diagnostics.has_errors()) return;
   check_whole_pence(*c.program, c.diagnostics);
   c.cost = analyse_cost(*c.program, c.diagnostics, options.max_steps);
   c.program->step_bound = c.cost.steps.at(1);
   c.program->step_terms = c.cost.steps.terms;
}

void compile(Compilation& c, const std::string& name, std::string text, const CompileOptions& options)
{
   on_large_stack([&] { compile_on_this_stack(c, name, std::move(text), options); });
}

}  // namespace

Compilation compile_file(const std::string& path, const CompileOptions& options)
{
   Compilation c;
   c.program = std::make_unique<Program>();
   std::string text;
   if (!read_file(path, text) || fs::is_directory(path)) {
      c.io_error = true;
      c.diagnostics.error("E0001", {static_cast<std::uint32_t>(-1), 0, 0}, fmt::format("cannot read the policy file {}", path)).help = "check the path and its permissions";
      return c;
   }
   compile(c, path, std::move(text), options);
   c.diagnostics.sort_by_position();
   return c;
}

Compilation compile_text(const std::string& name, std::string text, const CompileOptions& options)
{
   Compilation c;
   c.program = std::make_unique<Program>();
   compile(c, name, std::move(text), options);
   c.diagnostics.sort_by_position();
   return c;
}

}  // namespace pol::lang
