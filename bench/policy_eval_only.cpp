// Evaluation only, in process, through the public library, for any policy: its records read once
// into pol::Records (those with input errors left out, as the baselines leave them out), then
// evaluated by one pol::Evaluator, one record a call and 1,024 a call, for at least SECONDS
// each. Neither JSON nor files count. Prints the two rates, records/s, on one line.
//
//   bench_policy_eval_only POLICY IN.jsonl [SECONDS] [AS_OF]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>

#include "pol/pol.hpp"

int main(int argc, char** argv)
{
   if (argc < 3 || argc > 5) {
      std::fprintf(stderr, "usage: bench_policy_eval_only POLICY IN.jsonl [SECONDS] [AS_OF]\n");
      return 2;
   }
   const double least = argc > 3 ? std::atof(argv[3]) : 0.5;
   const pol::EvalOptions options{argc > 4 ? argv[4] : "2024-06-30", false, {}};
   pol::CompileOptions compile;
   compile.analyse_tables = false;  // as pol batch compiles
   const auto policy = pol::Policy::compile_file(argv[1], compile);
   const pol::Evaluator reader(policy, options);
   std::vector<pol::Record> records;
   std::ifstream in(argv[2]);
   for (std::string line; std::getline(in, line) && records.size() < 100000;) {
      try {
         records.push_back(reader.read(line));
      } catch (const std::invalid_argument&) {
         // an input error: left out
      }
   }
   if (records.empty()) {
      std::fprintf(stderr, "bench_policy_eval_only: no record of %s reads without errors\n", argv[2]);
      return 1;
   }
   using clock = std::chrono::steady_clock;
   const auto timed = [&](auto&& pass) {  // passes over every record until `least` seconds
      std::size_t done = 0;
      const auto start = clock::now();
      double seconds = 0;
      do {
         done += pass();
         seconds = std::chrono::duration<double>(clock::now() - start).count();
      } while (seconds < least);
      return static_cast<double>(done) / seconds;
   };
   pol::Evaluator evaluator(policy, options);
   std::size_t violations = 0;
   const double one = timed([&] {
      for (const auto& r : records) violations += evaluator.evaluate(r).violations;
      return records.size();
   });
   std::vector<pol::Records> batches;
   for (std::size_t i = 0; i < records.size(); ++i) {
      if (i % 1024 == 0) batches.emplace_back();
      batches.back().add(records[i]);
   }
   const double many = timed([&] {
      for (const auto& b : batches) {
         for (const auto& o : evaluator.evaluate(b)) violations += o.violations;
      }
      return records.size();
   });
   std::printf("%.0f %.0f\n", one, many);
   return violations == static_cast<std::size_t>(-1) ? 1 : 0;  // keep the work
}
