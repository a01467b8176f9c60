// pol fmt [PATH…]: lays out policy files in pol's one canonical format.
#include <filesystem>
#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "commands.hpp"
#include "pol/testing.hpp"

namespace pol::cli {

namespace {

namespace fs = std::filesystem;

std::vector<std::string> split_lines(const std::string& text)
{
   std::vector<std::string> lines;
   std::size_t start = 0;
   while (start < text.size()) {
      const auto end = text.find('\n', start);
      if (end == std::string::npos) {
         lines.push_back(text.substr(start));
         break;
      }
      lines.push_back(text.substr(start, end - start));
      start = end + 1;
   }
   return lines;
}

// A line edit script: ' ' kept, '-' removed, '+' added.
struct Edit {
   char op;
   std::size_t a, b;  // the line in the old text, the line in the new
};

// The edits from a to b: a longest common subsequence of the lines between the common head and
// tail; when that middle is too big to compare line by line, all of it removed then added.
std::vector<Edit> line_edits(const std::vector<std::string>& a, const std::vector<std::string>& b)
{
   std::size_t head = 0;
   while (head < a.size() && head < b.size() && a[head] == b[head]) ++head;
   std::size_t tail = 0;
   while (tail < a.size() - head && tail < b.size() - head && a[a.size() - 1 - tail] == b[b.size() - 1 - tail]) ++tail;
   const std::size_t n = a.size() - head - tail, m = b.size() - head - tail;
   std::vector<Edit> edits;
   for (std::size_t i = 0; i < head; ++i) edits.push_back({' ', i, i});
   if (n * m <= 4'000'000) {
      std::vector<std::uint32_t> lcs((n + 1) * (m + 1), 0);  // lcs[i][j]: of a's middle from i, b's from j
      const auto at = [&](std::size_t i, std::size_t j) -> std::uint32_t& { return lcs[i * (m + 1) + j]; };
      for (std::size_t i = n; i-- > 0;) {
         for (std::size_t j = m; j-- > 0;) at(i, j) = a[head + i] == b[head + j] ? at(i + 1, j + 1) + 1 : std::max(at(i + 1, j), at(i, j + 1));
      }
      std::size_t i = 0, j = 0;
      while (i < n || j < m) {
         if (i < n && j < m && a[head + i] == b[head + j]) edits.push_back({' ', head + i++, head + j++});
         else if (j < m && (i == n || at(i, j + 1) >= at(i + 1, j))) edits.push_back({'+', head + i, head + j++});
         else edits.push_back({'-', head + i++, head + j});
      }
   } else {
      for (std::size_t i = 0; i < n; ++i) edits.push_back({'-', head + i, head});
      for (std::size_t j = 0; j < m; ++j) edits.push_back({'+', head + n, head + j});
   }
   for (std::size_t t = 0; t < tail; ++t) edits.push_back({' ', head + n + t, head + m + t});
   return edits;
}

// A unified diff (three lines of context) from the old text to the new.
std::string unified_diff(const std::string& old_text, const std::string& new_text, const std::string& name)
{
   const auto a = split_lines(old_text), b = split_lines(new_text);
   const auto edits = line_edits(a, b);
   std::string out = fmt::format("--- {}\n+++ {} (formatted)\n", name, name);
   constexpr std::size_t context = 3;
   std::size_t k = 0;
   while (k < edits.size()) {
      if (edits[k].op == ' ') {
         ++k;
         continue;
      }
      // a hunk: from `context` kept lines before this change to `context` after the last change
      // that lies within 2 × context kept lines of the one before it
      std::size_t first = k >= context ? k - context : 0;
      while (first < k && edits[first].op != ' ') ++first;
      std::size_t last = k, kept = 0;
      for (std::size_t e = k; e < edits.size(); ++e) {
         if (edits[e].op == ' ') {
            if (++kept > 2 * context) break;
         } else {
            last = e;
            kept = 0;
         }
      }
      const std::size_t end = std::min(edits.size(), last + 1 + context);
      std::size_t old_count = 0, new_count = 0;
      for (std::size_t e = first; e < end; ++e) {
         if (edits[e].op != '+') ++old_count;
         if (edits[e].op != '-') ++new_count;
      }
      out += fmt::format("@@ -{},{} +{},{} @@\n", edits[first].a + (old_count ? 1 : 0), old_count, edits[first].b + (new_count ? 1 : 0), new_count);
      for (std::size_t e = first; e < end; ++e) out += edits[e].op + (edits[e].op == '+' ? b[edits[e].b] : a[edits[e].a]) + "\n";
      k = end;
   }
   return out;
}

// Replaces a file's text through a file beside it, so an interrupted write leaves the old text.
bool write_in_place(const std::string& path, const std::string& text)
{
   const std::string temporary = path + ".pol-fmt.tmp";
   {
      std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
      out << text;
      out.flush();
      if (!out) {
         std::error_code ignored;
         fs::remove(temporary, ignored);
         return false;
      }
   }
   std::error_code ec;
   fs::permissions(temporary, fs::status(path, ec).permissions(), ec);
   fs::rename(temporary, path, ec);
   return !ec;
}

}  // namespace

Runner add_fmt(CLI::App& app)
{
   auto* cmd = app.add_subcommand("fmt", "Lay out policy files in pol's one canonical format, keeping every comment.\n"
                                         "Files with syntax errors are reported and left untouched.\n"
                                         "Exit status: 0 when done (with --check or --diff: when every file is formatted), 1 when a file is\n"
                                         "not formatted (--check, --diff) or has syntax errors, 2 on usage problems.");
   struct Options {
      std::vector<std::string> paths{"."};
      bool check = false;
      bool diff = false;
   };
   auto o = std::make_shared<Options>();
   cmd->add_option("paths", o->paths, "Policy files, folders searched for .pol files, or - for standard input to standard output (default: .)");
   cmd->add_flag("--check", o->check, "Change nothing: list the files that are not formatted, and exit 1 if there are any");
   cmd->add_flag("--diff", o->diff, "Change nothing: show what formatting would change, as a unified diff");
   return [o] {
      std::vector<std::string> missing;
      std::vector<std::string> files;
      bool from_stdin = false;
      std::vector<std::string> paths;
      for (const auto& p : o->paths) {
         if (p == "-") from_stdin = true;
         else paths.push_back(p);
      }
      if (!paths.empty()) files = testing::policy_files(paths, missing);
      for (const auto& m : missing) std::cerr << fmt::format("error: {} is not a file or folder\n", m);
      if (!missing.empty()) return exit_usage;
      if (from_stdin) files.insert(files.begin(), "-");
      int status = exit_ok;
      for (const auto& file : files) {
         std::string text;
         if (const auto problem = read_text(file, text)) {
            std::cerr << fmt::format("error: cannot read {}: {}\n", file, *problem);
            status = exit_usage;
            continue;
         }
         const std::string name = file == "-" ? "<stdin>" : file;
         const auto r = format_text(text, name);
         if (!r.ok) {
            for (const auto& d : r.diagnostics) std::cerr << d.rendered << "\n";
            std::cerr << fmt::format("{}: not formatted: it has syntax errors (fix them, then run pol fmt again)\n", name);
            status = std::max(status, exit_failed);
            continue;
         }
         const bool changed = r.text != text;
         if (o->diff && changed) std::cout << unified_diff(text, r.text, file);
         if (o->check && changed) std::cout << file << "\n";
         if (o->check || o->diff) {
            if (changed) status = std::max(status, exit_failed);
         } else if (file == "-") {
            std::cout << r.text;
         } else if (changed && !write_in_place(file, r.text)) {
            std::cerr << fmt::format("error: cannot write {}\n", file);
            status = exit_usage;
         }
      }
      std::cout.flush();
      if (!std::cout) {
         std::cerr << "error: cannot write to standard output\n";
         return exit_failed;
      }
      return status;
   };
}

}  // namespace pol::cli
