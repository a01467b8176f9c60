// The facade over the passes: read, parse (with imports), resolve and check.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cost.hpp"
#include "diagnostics.hpp"
#include "program.hpp"

namespace pol::lang {

struct CompileOptions {
   std::vector<std::string> search_path;  // folders searched for imported files
   std::uint64_t max_steps = default_max_steps;  // a policy that may take more steps is an error (E0602)
};

struct Compilation {
   std::unique_ptr<Program> program;
   Diagnostics diagnostics;
   bool io_error = false;  // the policy file itself could not be read
   CostReport cost;        // when the policy checked without errors
   bool ok() const { return program && !io_error && !diagnostics.has_errors(); }
};

Compilation compile_file(const std::string& path, const CompileOptions& options = {});
Compilation compile_text(const std::string& name, std::string text, const CompileOptions& options = {});

}  // namespace pol::lang
