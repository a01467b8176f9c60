// How evaluation results, errors and explanations are shown: JSON for tools, text for people.
// Internal to the library; the public types are in include/pol/pol.hpp.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "diagnostics.hpp"
#include "evaluator.hpp"

namespace pol::api {

lang::Diagnostic to_diagnostic(const interp::RuntimeError& e);
std::string render_error(const lang::SourceSet& sources, const interp::RuntimeError& e);
std::string error_json(const lang::SourceSet& sources, const interp::RuntimeError& e);  // as JSON text, on one line
// Every value the evaluation computed, how it was decided and what it used (docs/explain-format.md).
nlohmann::ordered_json explanation_json(const interp::Outcome& o, const lang::Program& p);
// The tree of values behind the outputs (or only the given output slots).
std::string explanation_text(const interp::Outcome& o, const lang::Program& p, const std::vector<std::uint32_t>& only = {});

}  // namespace pol::api
