// The facade over the passes: read, parse (with imports), resolve and check.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "diagnostics.hpp"
#include "program.hpp"

namespace pol::lang {

struct CompileOptions {
   std::vector<std::string> search_path;  // folders searched for imported files
};

struct Compilation {
   std::unique_ptr<Program> program;
   Diagnostics diagnostics;
   bool io_error = false;  // the policy file itself could not be read
   bool ok() const { return program && !io_error && !diagnostics.has_errors(); }
};

Compilation compile_file(const std::string& path, const CompileOptions& options = {});
Compilation compile_text(const std::string& name, std::string text, const CompileOptions& options = {});

}  // namespace pol::lang
