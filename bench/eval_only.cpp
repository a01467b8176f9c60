// Evaluation only, in process, through the public library: the tariff policy compiled once, its
// records read once into typed pol::Records, then evaluated with a pol::Evaluator; neither JSON
// nor files count. Outputs stay in the evaluator until asked for, as the baseline's stay in a struct.
//
//   bench_eval_only POLICY IN.jsonl [benchmark options]    Google Benchmark reports items/s
#include <cstdio>
#include <fstream>

#include <benchmark/benchmark.h>

#include "pol/pol.hpp"

namespace {

std::shared_ptr<const pol::Policy> policy;
std::vector<pol::Record> records;
const pol::EvalOptions options{"2024-06-30", false, {}};

void evaluate_records(benchmark::State& state)
{
   pol::Evaluator evaluator(policy, options);
   if (!evaluator.lowered()) state.SkipWithError("the policy is not lowered");
   std::size_t i = 0, violations = 0;
   for (auto _ : state) {
      const auto outcome = evaluator.evaluate(records[i]);
      violations += outcome.violations;
      if (++i == records.size()) i = 0;
   }
   benchmark::DoNotOptimize(violations);
   state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(evaluate_records);

// The same records, 1,024 to a call: straight code runs many records at once.
void evaluate_batches(benchmark::State& state)
{
   pol::Evaluator evaluator(policy, options);
   std::vector<pol::Records> batches;
   for (std::size_t i = 0; i < records.size(); ++i) {
      if (i % 1024 == 0) batches.emplace_back();
      batches.back().add(records[i]);
   }
   std::size_t b = 0, items = 0, violations = 0;
   for (auto _ : state) {
      for (const auto& o : evaluator.evaluate(batches[b])) violations += o.violations;
      items += batches[b].size();
      if (++b == batches.size()) b = 0;
   }
   benchmark::DoNotOptimize(violations);
   state.SetItemsProcessed(static_cast<std::int64_t>(items));
}
BENCHMARK(evaluate_batches);

}  // namespace

int main(int argc, char** argv)
{
   if (argc < 3) {
      std::fprintf(stderr, "usage: bench_eval_only POLICY IN.jsonl [benchmark options]\n");
      return 2;
   }
   policy = pol::Policy::compile_file(argv[1]);
   const pol::Evaluator reader(policy, options);
   std::ifstream in(argv[2]);
   for (std::string line; std::getline(in, line) && records.size() < 100000;) records.push_back(reader.read(line));
   int bench_argc = argc - 2;
   char** bench_argv = argv + 2;
   bench_argv[0] = argv[0];
   benchmark::Initialize(&bench_argc, bench_argv);
   benchmark::RunSpecifiedBenchmarks();
   return 0;
}
