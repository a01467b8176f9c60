// Evaluation only, in process, through the library: the tariff policy compiled once and
// evaluated for records whose inputs are already read, so neither JSON nor files count.
//
//   bench_eval_only POLICY IN.jsonl    prints records/s (Google Benchmark reports the detail)
#include <cstdio>
#include <fstream>

#include <benchmark/benchmark.h>

#include "compile.hpp"
#include "evaluator.hpp"

namespace {

std::unique_ptr<pol::interp::Policy> policy;
std::vector<std::vector<std::optional<pol::interp::Value>>> records;

void evaluate_records(benchmark::State& state)
{
   std::size_t i = 0;
   for (auto _ : state) {
      auto outcome = policy->evaluate(records[i], {pol::interp::Date::parse("2024-06-30"), false, nullptr});
      benchmark::DoNotOptimize(outcome);
      if (++i == records.size()) i = 0;
   }
   state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(evaluate_records);

}  // namespace

int main(int argc, char** argv)
{
   if (argc < 3) {
      std::fprintf(stderr, "usage: bench_eval_only POLICY IN.jsonl [benchmark options]\n");
      return 2;
   }
   auto c = pol::interp::compile_file(argv[1]);
   if (!c.ok()) return 1;
   policy = std::make_unique<pol::interp::Policy>(std::move(c.program));
   const auto& p = policy->program();
   std::ifstream in(argv[2]);
   for (std::string line; std::getline(in, line) && records.size() < 100000;) {
      const auto json = pol::interp::parse_json(line).value;
      std::vector<std::optional<pol::interp::Value>> values(p.inputs.size());
      std::vector<pol::interp::RuntimeError> errors;
      for (std::size_t s = 0; s < p.inputs.size(); ++s) {
         const auto& g = p.globals[p.inputs[s]];
         if (const auto* field = json.find(g.name)) values[s] = policy->decode_input(*field, g.type, g.name, errors);
      }
      records.push_back(std::move(values));
   }
   int bench_argc = argc - 2;
   char** bench_argv = argv + 2;
   bench_argv[0] = argv[0];
   benchmark::Initialize(&bench_argc, bench_argv);
   benchmark::RunSpecifiedBenchmarks();
   return 0;
}
