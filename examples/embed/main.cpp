// Embedding pol: compile a policy once, then evaluate it for several people from several threads.
//
//   embed POLICY_DIR    (the folder that holds cscs/early_departure.pol)
#include <iostream>
#include <thread>
#include <vector>

#include <pol/pol.hpp>

int main(int argc, char** argv)
{
   const std::string dir = argc > 1 ? argv[1] : "policies";
   std::shared_ptr<const pol::Policy> policy;
   try {
      policy = pol::Policy::compile_file(dir + "/cscs/early_departure.pol");
   } catch (const pol::CompileError& e) {
      std::cerr << e.what() << "\n";
      for (const auto& d : e.diagnostics()) std::cerr << d.rendered;
      return 1;
   }

   // A typed record of inputs: money as exact text, dates as parts.
   pol::Inputs base;
   base.set_text("scheme", "VR").set_text("pension_scheme", "alpha").set_decimal("annual_pay", "30000.00").set_date("date_of_birth", 1980, 1, 1).set_date("exit_date", 2024, 6, 30);

   // The compiled policy is immutable: evaluate it from many threads at once.
   std::vector<std::string> results(4);
   std::vector<std::thread> threads;
   for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
         pol::Inputs person = base;
         person.set_int("service_years", 5 + t * 5);
         const pol::Result r = policy->evaluate(person);
         results[static_cast<std::size_t>(t)] = r.ok() ? *r.output("lump_sum") : r.errors.front().message;
      });
   }
   for (auto& th : threads) th.join();
   for (int t = 0; t < 4; ++t) std::cout << (5 + t * 5) << " years: lump_sum " << results[static_cast<std::size_t>(t)] << "\n";

   // JSON in, with the explanation of the result.
   pol::EvalOptions options;
   options.explain = true;
   const pol::Result r = policy->evaluate_json(R"({"scheme": "CR", "vr_offer": "turned_down", "pension_scheme": "alpha", "service_years": 18,
                                                   "annual_pay": "40000", "date_of_birth": "1975-01-01", "exit_date": "2024-06-30"})",
                                               options);
   std::cout << r.json(2) << "\n";
   std::cout << r.explanation_text({"terms"});
   return r.ok() ? 0 : 1;
}
