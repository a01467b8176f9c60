// Compiling a policy for evaluation: the language passes (parse, resolve, check), then the
// analyses that need exact values (decision tables). Tools call this, not lang:: directly.
#pragma once

#include "compiler.hpp"
#include "table_analysis.hpp"

namespace pol::interp {

inline lang::Compilation finish(lang::Compilation c)
{
   if (c.program && !c.io_error && !c.diagnostics.has_errors()) analyse_tables(*c.program, c.diagnostics);
   return c;
}

inline lang::Compilation compile_file(const std::string& path, const lang::CompileOptions& options = {}) { return finish(lang::compile_file(path, options)); }

inline lang::Compilation compile_text(const std::string& name, std::string text, const lang::CompileOptions& options = {})
{
   return finish(lang::compile_text(name, std::move(text), options));
}

}  // namespace pol::interp
