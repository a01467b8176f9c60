// Times the decision-table analysis on generated tables of N rows (unique hit policy, an enum
// column and an int range column, one gap), against parsing and checking the same policy
// without the analysis, in the same run. Then the shadowed-row analysis of `hit first` tables
// of N rows `>= 1`, `>= 2`, …, where every row after the first can never fire.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>

#include "compile.hpp"

namespace {

std::string make_policy(int rows)
{
   std::string p = "enum Band { A, B, C, D }\ninput band: Band\ninput n: int\ntable t(band: Band, n: int) -> int\n  | band | n | r |\n  | - | < 0 | 0 |\n";
   for (int i = 0; i < rows; ++i) {
      if (i == rows / 2) continue;  // leave a gap for the analysis to find
      const char* band = i % 2 == 0 ? "A, B" : "C, D";
      p += "  | " + std::string(band) + " | [" + std::to_string(i / 2 * 10) + ".." + std::to_string(i / 2 * 10 + 10) + ") | " + std::to_string(i) + " |\n";
   }
   p += "  | - | >= " + std::to_string(rows / 2 * 10) + " | 0 |\noutput x = t(band, n)\n";
   return p;
}

std::string make_first_policy(int rows)
{
   std::string p = "input i: int\ntable t(i: int) -> int  hit first\n  | i | r |\n";
   for (int k = 1; k <= rows; ++k) p += "  | >= " + std::to_string(k) + " | " + std::to_string(k) + " |\n";
   return p + "  default = 0\noutput x = t(i)\n";
}

double median_ms(auto&& f)
{
   double best[5];
   for (double& b : best) {
      const auto start = std::chrono::steady_clock::now();
      f();
      b = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
   }
   std::sort(std::begin(best), std::end(best));
   return best[2];
}

}  // namespace

int main()
{
   std::printf("| rows | parse + check (ms) | with table analysis (ms) | analysis alone (ms) | analysis / (parse + check) |\n");
   std::printf("| ---: | ---: | ---: | ---: | ---: |\n");
   for (int rows : {10, 100, 1000, 2000}) {
      const std::string policy = make_policy(rows);
      std::size_t found = 0;
      const double base = median_ms([&] { (void)pol::lang::compile_text("bench.pol", policy); });
      const double full = median_ms([&] {
         auto c = pol::interp::compile_text("bench.pol", policy);
         found = c.diagnostics.error_count();
      });
      if (found != 1) {
         std::fprintf(stderr, "expected exactly one gap in the %d-row table, found %zu problems\n", rows, found);
         return 1;
      }
      std::printf("| %d | %.2f | %.2f | %.2f | %.2f |\n", rows, base, full, full - base, (full - base) / base);
   }
   std::printf("\n| first-table rows | parse + check (ms) | with table analysis (ms) | analysis alone (ms) |\n");
   std::printf("| ---: | ---: | ---: | ---: |\n");
   for (int rows : {100, 1000, 2000, 4000}) {
      const std::string policy = make_first_policy(rows);
      std::size_t warnings = 0;
      const double base = median_ms([&] { (void)pol::lang::compile_text("bench.pol", policy); });
      const double full = median_ms([&] {
         auto c = pol::interp::compile_text("bench.pol", policy);
         warnings = c.diagnostics.items().size();
      });
      if (warnings == 0) {
         std::fprintf(stderr, "expected the %d-row first table to have shadowed rows\n", rows);
         return 1;
      }
      std::printf("| %d | %.2f | %.2f | %.2f |\n", rows, base, full, full - base);
   }
   return 0;
}
