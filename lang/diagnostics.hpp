// One diagnostic type for every phase: parse, resolve, check, analyse and run.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "source.hpp"

namespace pol::lang {

enum class Severity { error, warning, note };

struct Note {
   Span span;
   std::string message;
};

struct Diagnostic {
   Severity severity = Severity::error;
   std::string code;     // e.g. "E0301"
   Span span;
   std::string message;  // what is wrong
   std::string label;    // short text under the caret
   std::string help;     // how to fix it
   std::vector<Note> notes;
};

// Collects diagnostics; checks never stop at the first one.
class Diagnostics {
public:
   Diagnostic& error(std::string code, Span span, std::string message);
   Diagnostic& warning(std::string code, Span span, std::string message);
   void add(Diagnostic d) { items_.push_back(std::move(d)); }

   bool has_errors() const;
   std::size_t error_count() const;
   std::size_t warning_count() const;
   const std::vector<Diagnostic>& items() const { return items_; }
   void sort_by_position();

private:
   std::vector<Diagnostic> items_;
};

// Renders a diagnostic with file:line:col, the source line and a caret underline.
std::string render_human(const SourceSet& sources, const Diagnostic& d);
nlohmann::ordered_json render_json(const SourceSet& sources, const Diagnostic& d);
// GitHub Actions workflow command (::error file=…,line=…::message).
std::string render_github(const SourceSet& sources, const Diagnostic& d);

// "did you mean" help: the closest candidate by edit distance, or "".
std::string closest_name(const std::string& name, const std::vector<std::string>& candidates);

}  // namespace pol::lang
