// Times the decision-table analysis (lang/table_analysis.cpp) on generated tables, against
// parsing and checking the same policy without it, in the same run:
//
// - the table of issue 12: `hit unique`, 50 grades (an enum) × N/50 money bands, at 1,000, 4,000,
//   16,000 and 64,000 rows; clean, with one gap and with one overlap, and every answer checked;
// - `hit first` tables of N rows `>= 1`, `>= 2`, …, where every row after the first is shadowed;
// - the whole `pol check` process on the grade tables, wall time and peak memory (/usr/bin/time
//   -f %M), with the pol program given as argument or else the one built beside this program.
//
// Any wrong answer fails the program.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include "compile.hpp"

namespace {

constexpr int grades = 50;

// 50 grades × bands money bands, one row each. `plant`: "gap" shortens the middle band of the
// middle grade by £1, "overlap" lengthens it by £1.
std::string grade_policy(int rows, const std::string& plant)
{
   const int bands = rows / grades;
   std::string p = "enum Grade { ";
   for (int g = 0; g < grades; ++g) p += fmt::format("{}G{}", g ? ", " : "", g);
   p += " }\ninput grade: Grade\ninput pay: money\ntable rate(grade: Grade, pay: money) -> money  hit unique\n  | grade | pay | r |\n";
   for (int g = 0; g < grades; ++g) {
      for (int b = 0; b < bands; ++b) {
         const int low = b * 100;
         int high = (b + 1) * 100;
         if (g == grades / 2 && b == bands / 2) high += plant == "gap" ? -1 : plant == "overlap" ? 1 : 0;
         const std::string cell = b == 0 ? fmt::format("< £{}", high) : b == bands - 1 ? fmt::format(">= £{}", low) : fmt::format("[£{}..£{})", low, high);
         p += fmt::format("  | G{} | {} | £{}.{:02} |\n", g, cell, b, g);
      }
   }
   return p + "output x = rate(grade, pay)\n";
}

// What pol check must say about each: nothing, the gap, or the overlap, with their examples.
std::string expected(int rows, const std::string& plant)
{
   const int bands = rows / grades, row = grades / 2 * bands + bands / 2 + 1, high = (bands / 2 + 1) * 100;
   if (plant == "gap") return fmt::format("table 'rate' has a gap: no row matches grade = G{}, pay = £{}.00", grades / 2, high - 1);
   if (plant == "overlap") return fmt::format("rows {} and {} of table 'rate' overlap: both match grade = G{}, pay = £{}.00", row, row + 1, grades / 2, high);
   return "";
}

std::string make_first_policy(int rows)
{
   std::string p = "input i: int\ntable t(i: int) -> int  hit first\n  | i | r |\n";
   for (int k = 1; k <= rows; ++k) p += "  | >= " + std::to_string(k) + " | " + std::to_string(k) + " |\n";
   return p + "  default = 0\noutput x = t(i)\n";
}

double ms_since(std::chrono::steady_clock::time_point start) { return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count(); }

double median_ms(int runs, auto&& f)
{
   std::vector<double> times;
   for (int i = 0; i < runs; ++i) {
      const auto start = std::chrono::steady_clock::now();
      f();
      times.push_back(ms_since(start));
   }
   std::sort(times.begin(), times.end());
   return times[times.size() / 2];
}

// The analysis alone, on a policy parsed and checked once; its findings, as "CODE message".
double analysis_ms(const std::string& policy, std::vector<std::string>& findings)
{
   const auto c = pol::lang::compile_text("bench.pol", policy);
   if (!c.ok()) {
      std::fprintf(stderr, "the generated policy does not check\n");
      std::exit(1);
   }
   return median_ms(5, [&] {
      pol::lang::Diagnostics d;
      pol::interp::analyse_tables(*c.program, d);
      findings.clear();
      for (const auto& item : d.items()) findings.push_back(item.message);
   });
}

void require(bool ok, const std::string& what)
{
   if (!ok) {
      std::fprintf(stderr, "wrong answer: %s\n", what.c_str());
      std::exit(1);
   }
}

std::string growth(double now, double before) { return before > 0 ? fmt::format("×{:.1f}", now / before) : ""; }

}  // namespace

int main(int argc, char** argv)
{
   const std::vector<int> sizes{1000, 4000, 16000, 64000};
   std::printf("Grade table (hit unique, 50 grades × N/50 money bands), median of 5, in process:\n\n");
   std::printf("| rows | parse + check (ms) | growth | analysis, clean (ms) | growth | analysis, one gap (ms) | analysis, one overlap (ms) | analysis / (parse + check) |\n");
   std::printf("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
   double base_before = 0, clean_before = 0;
   std::vector<double> bases;  // parse + check, the baseline of the process timings too
   for (int rows : sizes) {
      const std::string clean = grade_policy(rows, "none");
      const double base = median_ms(5, [&] { (void)pol::lang::compile_text("bench.pol", clean); });
      std::vector<std::string> found;
      const double analysis = analysis_ms(clean, found);
      require(found.empty(), fmt::format("the clean {}-row table has findings", rows));
      const double gap = analysis_ms(grade_policy(rows, "gap"), found);
      require(found == std::vector<std::string>{expected(rows, "gap")}, fmt::format("the {}-row table's gap: {}", rows, found.empty() ? "none" : found.front()));
      const double overlap = analysis_ms(grade_policy(rows, "overlap"), found);
      require(found == std::vector<std::string>{expected(rows, "overlap")}, fmt::format("the {}-row table's overlap: {}", rows, found.empty() ? "none" : found.front()));
      // the whole pipeline once, as pol check runs it: the same answer
      const auto full = pol::interp::compile_text("bench.pol", grade_policy(rows, "gap"));
      require(full.diagnostics.items().size() == 1 && full.diagnostics.items()[0].message == expected(rows, "gap"), "the gap, compiled in full");
      std::printf("| %d | %.1f | %s | %.1f | %s | %.1f | %.1f | %.3f |\n", rows, base, growth(base, base_before).c_str(), analysis, growth(analysis, clean_before).c_str(), gap, overlap,
                  analysis / base);
      base_before = base;
      clean_before = analysis;
      bases.push_back(base);
   }

   std::printf("\n`hit first` tables of rows `>= 1`, `>= 2`, … (every row after the first shadowed), median of 5:\n\n");
   std::printf("| first-table rows | parse + check (ms) | analysis (ms) | analysis / (parse + check) |\n");
   std::printf("| ---: | ---: | ---: | ---: |\n");
   for (int rows : {1000, 4000, 16000, 64000}) {
      const std::string policy = make_first_policy(rows);
      const double base = median_ms(5, [&] { (void)pol::lang::compile_text("bench.pol", policy); });
      std::vector<std::string> found;
      const double analysis = analysis_ms(policy, found);
      require(found.size() == 10 && found[0].starts_with("row 2 of table 't' can never fire"), fmt::format("the {}-row first table's shadowed rows", rows));
      std::printf("| %d | %.1f | %.1f | %.3f |\n", rows, base, analysis, analysis / base);
   }

   // The whole pol check process, as a user runs it: wall time and peak memory. The pol program
   // is the argument, or the one built beside this program (build/tools/pol/pol).
   const auto beside = std::filesystem::path(argv[0]).parent_path().parent_path() / "tools" / "pol" / "pol";
   const std::string pol = argc >= 2 ? argv[1] : std::filesystem::exists(beside) ? beside.string() : "";
   if (pol.empty()) return 0;
   const auto dir = std::filesystem::temp_directory_path() / fmt::format("pol-bench-tables-{}", ::getpid());
   std::filesystem::create_directories(dir);
   std::printf("\nThe whole `%s check FILE` process, median of 5 runs: wall time, CPU time (user + system) and peak memory "
               "(/usr/bin/time -f \"%%U %%S %%M\"):\n\n",
               pol.c_str());
   std::printf("| rows | table | exit | wall time (ms) | CPU time (ms) | growth (CPU) | CPU / in-process parse + check | peak memory (MiB) |\n");
   std::printf("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
   double before = 0;
   for (std::size_t size = 0; size < sizes.size(); ++size) {
      const int rows = sizes[size];
      for (const std::string plant : {"none", "gap", "overlap"}) {
         const auto file = dir / fmt::format("grades-{}-{}.pol", rows, plant);
         std::ofstream(file) << grade_policy(rows, plant);
         const auto out = dir / "out.txt", usage = dir / "usage.txt";
         const std::string command = fmt::format("/usr/bin/time -f '%U %S %M' -o '{}' '{}' check '{}' > '{}' 2>&1", usage.string(), pol, file.string(), out.string());
         std::vector<double> walls, cpus, peaks;
         int status = 0;
         for (int run = 0; run < 5; ++run) {
            const auto start = std::chrono::steady_clock::now();
            status = std::system(command.c_str());
            walls.push_back(ms_since(start));
            // the last line: time notes a failing exit on the line before
            std::ifstream usage_file(usage);
            std::string line, last;
            while (std::getline(usage_file, line)) {
               if (!line.empty() && std::isdigit(static_cast<unsigned char>(line[0]))) last = line;
            }
            double user = 0, system = 0, kib = 0;
            std::istringstream(last) >> user >> system >> kib;
            cpus.push_back((user + system) * 1000);
            peaks.push_back(kib / 1024);
         }
         for (auto* v : {&walls, &cpus, &peaks}) std::sort(v->begin(), v->end());
         std::stringstream printed;
         printed << std::ifstream(out).rdbuf();
         const int exit = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
         require(exit == (plant == "none" ? 0 : 1), fmt::format("pol check exit {} on the {}-row {} table", exit, rows, plant));
         require(plant == "none" ? printed.str().find("no problems") != std::string::npos : printed.str().find(expected(rows, plant)) != std::string::npos,
                 fmt::format("pol check on the {}-row {} table said:\n{}", rows, plant, printed.str()));
         std::printf("| %d | %s | %d | %.0f | %.0f | %s | %.2f | %.1f |\n", rows, plant == "none" ? "clean" : plant == "gap" ? "one gap" : "one overlap", exit, walls[2],
                     cpus[2], plant == "none" ? growth(cpus[2], before).c_str() : "", cpus[2] / bases[size], peaks[2]);
         if (plant == "none") before = cpus[2];
      }
   }
   std::filesystem::remove_all(dir);
   return 0;
}
