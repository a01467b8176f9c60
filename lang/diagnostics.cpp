#include "diagnostics.hpp"

#include <algorithm>
#include <cctype>
#include <tuple>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace pol::lang {

Diagnostic& Diagnostics::error(std::string code, Span span, std::string message)
{
   items_.push_back({Severity::error, std::move(code), span, std::move(message), {}, {}, {}});
   return items_.back();
}

Diagnostic& Diagnostics::warning(std::string code, Span span, std::string message)
{
   items_.push_back({Severity::warning, std::move(code), span, std::move(message), {}, {}, {}});
   return items_.back();
}

bool Diagnostics::has_errors() const { return error_count() > 0; }

std::size_t Diagnostics::error_count() const
{
   return static_cast<std::size_t>(std::count_if(items_.begin(), items_.end(), [](const Diagnostic& d) { return d.severity == Severity::error; }));
}

std::size_t Diagnostics::warning_count() const
{
   return static_cast<std::size_t>(std::count_if(items_.begin(), items_.end(), [](const Diagnostic& d) { return d.severity == Severity::warning; }));
}

void Diagnostics::sort_by_position()
{
   std::stable_sort(items_.begin(), items_.end(), [](const Diagnostic& a, const Diagnostic& b) {
      return std::tie(a.span.file, a.span.begin) < std::tie(b.span.file, b.span.begin);
   });
}

namespace {

const char* severity_name(Severity s)
{
   switch (s) {
      case Severity::error: return "error";
      case Severity::warning: return "warning";
      case Severity::note: return "note";
   }
   return "error";
}

// The source line with a caret underline below the span (clipped to its first line).
// Long lines are shown as a window around the span.
void render_snippet(std::string& out, const SourceFile& file, Span span, const std::string& label, char mark)
{
   constexpr std::size_t window = 100;
   const auto begin = file.line_col(span.begin);
   const std::string_view line = file.line_text(begin.line);
   const auto gutter = fmt::format("{}", begin.line).size();
   const std::string pad(gutter, ' ');
   // code points of the line, as byte offsets
   std::vector<std::size_t> starts;
   for (std::size_t i = 0; i < line.size(); ++i) {
      if ((static_cast<unsigned char>(line[i]) & 0xC0) != 0x80) starts.push_back(i);
   }
   starts.push_back(line.size());
   const std::size_t chars = starts.size() - 1;
   std::size_t width = 1;
   const auto end = file.line_col(std::max(span.end, span.begin));
   if (end.line == begin.line && end.column > begin.column) width = end.column - begin.column;
   else if (end.line != begin.line) width = chars >= begin.column ? chars - begin.column + 1 : 1;
   std::size_t first = 0;  // first code point shown
   std::size_t column = begin.column - 1;
   if (chars > window && column > window / 2) first = std::min(column - window / 2, chars - window);
   const std::size_t last = std::min(chars, first + window);
   std::string shown = std::string(line.substr(starts[first], starts[last] - starts[first]));
   std::string prefix = first > 0 ? "…" : "";
   if (last < chars) shown += "…";
   width = std::min(width, last > column ? last - column : 1);
   std::string indent(first > 0 ? 1 : 0, ' ');
   for (std::size_t i = first; i < column && i < chars; ++i) indent += line[starts[i]] == '\t' ? '\t' : ' ';
   out += fmt::format("{} |\n", pad);
   out += fmt::format("{} | {}{}\n", begin.line, prefix, shown);
   out += fmt::format("{} | {}{}", pad, indent, std::string(width, mark));
   if (!label.empty()) out += " " + label;
   out += "\n";
}

}  // namespace

std::string render_human(const SourceSet& sources, const Diagnostic& d)
{
   std::string out = fmt::format("{}[{}]: {}\n", severity_name(d.severity), d.code, d.message);
   if (d.span.file < sources.size()) {
      const auto& file = sources.file(d.span.file);
      const auto lc = file.line_col(d.span.begin);
      const auto gutter = std::string(fmt::format("{}", lc.line).size(), ' ');
      out += fmt::format("{}--> {}:{}:{}\n", gutter, file.path(), lc.line, lc.column);
      render_snippet(out, file, d.span, d.label, '^');
      for (const auto& note : d.notes) {
         if (note.span.file >= sources.size()) {
            out += fmt::format("{} = note: {}\n", gutter, note.message);
            continue;
         }
         const auto& nf = sources.file(note.span.file);
         const auto nlc = nf.line_col(note.span.begin);
         out += fmt::format("{} = note: {} ({}:{}:{})\n", gutter, note.message, nf.path(), nlc.line, nlc.column);
      }
      if (!d.help.empty()) out += fmt::format("{} = help: {}\n", gutter, d.help);
   } else {
      for (const auto& note : d.notes) out += fmt::format("  = note: {}\n", note.message);
      if (!d.help.empty()) out += fmt::format("  = help: {}\n", d.help);
   }
   return out;
}

nlohmann::ordered_json render_json(const SourceSet& sources, const Diagnostic& d)
{
   auto position = [&](Span span) {
      nlohmann::ordered_json p = nlohmann::ordered_json::object();
      if (span.file >= sources.size()) return p;
      const auto& f = sources.file(span.file);
      const auto b = f.line_col(span.begin);
      const auto e = f.line_col(std::max(span.begin, span.end));
      p["file"] = f.path();
      p["line"] = b.line;
      p["column"] = b.column;
      p["end_line"] = e.line;
      p["end_column"] = e.column;
      return p;
   };
   nlohmann::ordered_json j;
   j["severity"] = severity_name(d.severity);
   j["code"] = d.code;
   j["message"] = d.message;
   j["location"] = position(d.span);
   if (!d.label.empty()) j["label"] = d.label;
   if (!d.help.empty()) j["help"] = d.help;
   j["notes"] = nlohmann::ordered_json::array();
   for (const auto& n : d.notes) j["notes"].push_back({{"message", n.message}, {"location", position(n.span)}});
   return j;
}

namespace {

// GitHub workflow commands: a message escapes %, CR and LF; a property value also ':' and ','.
std::string github_escape(std::string_view s, bool property)
{
   std::string out;
   for (const char c : s) {
      switch (c) {
         case '%': out += "%25"; break;
         case '\r': out += "%0D"; break;
         case '\n': out += "%0A"; break;
         case ':': out += property ? "%3A" : ":"; break;
         case ',': out += property ? "%2C" : ","; break;
         default: out += c;
      }
   }
   return out;
}

}  // namespace

std::string render_github(const SourceSet& sources, const Diagnostic& d)
{
   std::string where;
   if (d.span.file < sources.size()) {
      const auto& f = sources.file(d.span.file);
      const auto lc = f.line_col(d.span.begin);
      where = fmt::format(" file={},line={},col={}", github_escape(f.path(), true), lc.line, lc.column);
   }
   std::string text = d.message;
   if (!d.help.empty()) text += " (help: " + d.help + ")";
   return fmt::format("::{}{}::{} {}\n", d.severity == Severity::error ? "error" : "warning", where, d.code, github_escape(text, false));
}

namespace {
// Optimal string alignment distance: insertions, deletions, substitutions and swaps of
// neighbours each cost one ("pya" is one step from "pay"); case is ignored.
std::size_t edit_distance(const std::string& a, const std::string& b)
{
   const auto low = [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); };
   std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
   for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
   for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
   for (std::size_t i = 1; i <= a.size(); ++i) {
      for (std::size_t j = 1; j <= b.size(); ++j) {
         const std::size_t cost = low(a[i - 1]) == low(b[j - 1]) ? 0 : 1;
         d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
         if (i > 1 && j > 1 && low(a[i - 1]) == low(b[j - 2]) && low(a[i - 2]) == low(b[j - 1])) d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
   }
   return d[a.size()][b.size()];
}
}  // namespace

std::string closest_name(const std::string& name, const std::vector<std::string>& candidates)
{
   const std::size_t limit = std::max<std::size_t>(2, name.size() / 3);
   std::string best;
   std::size_t best_distance = limit + 1;
   for (const auto& c : candidates) {
      const auto d = edit_distance(name, c);
      if (d < best_distance || (d == best_distance && c < best)) {
         best_distance = d;
         best = c;
      }
   }
   return best;
}

}  // namespace pol::lang
