// Decision tables looked up through their index (table_index.hpp) against the same tables
// scanned row by row: random tables of every column kind, cell form and hit policy, over random
// records with values on, beside and between the boundaries. The general evaluator with the
// index, the lowered code with it, and the scan must give the same outputs and the same errors.
#include <functional>
#include <random>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "helpers.hpp"

namespace {

using namespace pol;

struct Column {
   const char* type;
   // a value of the column's kind, as policy text, from a small number: boundaries and
   // records share them, so that values fall on bounds as often as between them
   std::function<std::string(int)> literal;
   std::function<std::string(int, std::mt19937_64&)> json;
};

std::string variant(int n)
{
   static const char* names[] = {"A", "B", "C", "D", "E2"};
   return names[(n % 5 + 5) % 5];
}

const std::vector<Column>& columns()
{
   static const std::vector<Column> all = {
      {"int", [](int n) { return std::to_string(n); }, [](int n, std::mt19937_64&) { return std::to_string(n); }},
      {"money", [](int n) { return fmt::format("{}£{}.{:02}", n < 0 ? "-" : "", std::abs(n) / 2, std::abs(n) % 2 == 0 ? 0 : 50); },
       [](int n, std::mt19937_64& rng) {
          // on a bound, or a penny either side of one
          const int pence = n * 50 + static_cast<int>(rng() % 3) - 1;
          return fmt::format("\"{}{}.{:02}\"", pence < 0 ? "-" : "", std::abs(pence) / 100, std::abs(pence) % 100);
       }},
      {"date", [](int n) { return fmt::format("2024-01-{:02}", n + 10); }, [](int n, std::mt19937_64&) { return fmt::format("\"2024-01-{:02}\"", n + 10); }},
      {"E", [](int n) { return variant(n); }, [](int n, std::mt19937_64&) { return fmt::format("\"{}\"", variant(n)); }},
      {"bool", [](int n) { return n % 2 == 0 ? "true" : "false"; }, [](int n, std::mt19937_64&) { return n % 2 == 0 ? "true" : "false"; }},
   };
   return all;
}

std::string random_test(const Column& col, std::mt19937_64& rng)
{
   const auto n = [&] { return static_cast<int>(rng() % 9) - 2; };
   const bool ordered = std::string(col.type) != "E" && std::string(col.type) != "bool";
   switch (rng() % (ordered ? 4 : 1)) {
      case 0: return col.literal(n());
      case 1: {
         static const char* ops[] = {"<", "<=", ">", ">=", "==", "!="};
         return fmt::format("{} {}", ops[rng() % 6], col.literal(n()));
      }
      default: {
         int lo = n(), hi = n();
         if (lo > hi && rng() % 4 != 0) std::swap(lo, hi);  // now and then an empty range
         return fmt::format("{}{}..{}{}", rng() % 2 ? "[" : "(", col.literal(lo), col.literal(hi), rng() % 2 ? "]" : ")");
      }
   }
}

std::string random_cell(const Column& col, std::mt19937_64& rng)
{
   switch (rng() % 8) {
      case 0:
      case 1: return "-";
      case 2: return fmt::format("{}, {}", random_test(col, rng), random_test(col, rng));
      case 3: return fmt::format("not({})", random_test(col, rng));
      default: return random_test(col, rng);
   }
}

std::string outcome_text(const interp::Outcome& o, const interp::Policy& p)
{
   if (!o.ok()) return "error " + o.errors.front().code + ": " + o.errors.front().message;
   std::string out;
   for (const auto& [slot, value] : o.outputs) out += interp::json_text(value, p.program()) + ";";
   return out;
}

}  // namespace

TEST_CASE("an indexed table finds the rows a scan finds, under every hit policy")
{
   std::mt19937_64 rng(20261130);
   const char* hits[] = {"unique", "first", "any", "collect sum", "collect list", "collect count", "priority", "output order"};
   std::size_t lowered_lookups = 0, compared = 0, in_lanes = 0;
   for (int round = 0; round < 160; ++round) {
      const std::size_t width = 1 + rng() % 3;
      std::vector<const Column*> cols;
      for (std::size_t c = 0; c < width; ++c) cols.push_back(&columns()[rng() % columns().size()]);
      const std::string hit = hits[rng() % 8];
      const bool with_default = rng() % 3 == 0 && !hit.starts_with("collect") && hit != "output order";
      const std::size_t rows = interp::TableIndex::min_rows + rng() % 40;
      std::string text = "enum E { A, B, C, D, E2 }\n";
      std::vector<std::string> params, header;
      for (std::size_t c = 0; c < width; ++c) {
         text += fmt::format("input c{}: {}\n", c, cols[c]->type);
         params.push_back(fmt::format("c{}: {}", c, cols[c]->type));
         header.push_back(fmt::format("c{}", c));
      }
      text += fmt::format("table t({}) -> int hit {}\n  | {} | out |\n", fmt::join(params, ", "), hit, fmt::join(header, " | "));
      for (std::size_t r = 0; r < rows; ++r) {
         text += "  |";
         for (const auto* col : cols) text += " " + random_cell(*col, rng) + " |";
         text += fmt::format(" {} |\n", rng() % 4 == 0 ? 7 : static_cast<int>(rng() % 30));
      }
      if (with_default) text += "  default = -1\n";
      text += std::string("output o = t(") + fmt::format("{}", fmt::join(header, ", ")) + ")\n";
      // without the table analysis: overlaps are to be met at evaluation, as errors
      auto c = lang::compile_text("test.pol", text);
      INFO(text);
      REQUIRE(!c.diagnostics.has_errors());
      const interp::Policy policy(std::move(c.program));
      interp::EvalOptions with, scan;
      with.as_of = scan.as_of = interp::Date::parse("2024-06-30");
      scan.table_index = false;
      for (int i = 0; i < 120; ++i) {
         std::string record = "{";
         for (std::size_t k = 0; k < width; ++k) record += fmt::format("{}\"c{}\": {}", k ? ", " : "", k, cols[k]->json(static_cast<int>(rng() % 11) - 3, rng));
         record += "}";
         const auto json = interp::parse_json(record).value;
         const auto want = outcome_text(policy.evaluate(json, scan), policy);
         INFO(record);
         REQUIRE(outcome_text(policy.evaluate(json, with), policy) == want);
         ++compared;
         if (policy.lowered()) {
            interp::Machine m(*policy.lowered(), policy.program(), *with.as_of);
            std::string out;
            if (m.read_json(record) && m.run() && m.write_json(out)) {
               REQUIRE(!want.starts_with("error"));
               REQUIRE(out == "{\"outputs\":{\"o\":" + want.substr(0, want.size() - 1) + "},\"violations\":[]}");
            }
         }
      }
      if (policy.lowered() && !policy.lowered()->sites.empty()) ++lowered_lookups;
      if (policy.lowered() && policy.lowered()->straight) {
         // a lookup in straight code runs over many records at once: each lane as one record alone
         const auto& code = *policy.lowered();
         interp::Machine single(code, policy.program(), *with.as_of), many(code, policy.program(), *with.as_of);
         std::vector<std::vector<interp::Cell>> batch(interp::lanes);
         std::uint64_t unfit = 0;
         for (std::size_t l = 0; l < batch.size(); ++l) {
            std::string record = "{";
            for (std::size_t k = 0; k < width; ++k) record += fmt::format("{}\"c{}\": {}", k ? ", " : "", k, cols[k]->json(static_cast<int>(rng() % 11) - 3, rng));
            record += "}";
            std::vector<interp::RuntimeError> errors;
            const auto values = policy.decode_inputs(interp::parse_json(record).value, errors);
            REQUIRE((errors.empty() && interp::Machine::cells_of(code, values, batch[l])));
            unfit |= static_cast<std::uint64_t>(many.load_lane(l, batch[l]) ? 0 : 1) << l;
         }
         const auto failed = many.run_lanes(batch.size());
         for (std::size_t l = 0; l < batch.size(); ++l) {
            if ((unfit >> l & 1) != 0) continue;
            single.load(batch[l]);
            const bool same_code = single.run() && (single.answered_fixed() || !code.fixed);
            REQUIRE(same_code == ((failed >> l & 1) == 0));
            if (!same_code) continue;
            std::string a, b;
            single.write_output(0, a);
            many.write_value(0, many.lane_output(l, 0), b);
            REQUIRE(a == b);
            ++in_lanes;
         }
      }
   }
   CHECK(compared == 160 * 120);
   CHECK(lowered_lookups > 40);  // the lowered code looks up those of unique, first and any
   CHECK(in_lanes > 500);
}

TEST_CASE("a table index keeps the rows in order and tells boundaries apart")
{
   std::string text = "input x: money\ntable t(x: money) -> int hit collect list\n  | x | n |\n";
   for (int r = 0; r < 30; ++r) text += fmt::format("  | [£{}..£{}) | {} |\n", r, r + 2, r);
   text += "  | >= £10 | 100 |\n  | £10 | 101 |\n  | - | 102 |\noutput o = t(x)\n";
   CHECK(test::output(text, R"({"x": "10"})") == "[9,10,100,101,102]");
   CHECK(test::output(text, R"({"x": "9.99"})") == "[8,9,102]");
   CHECK(test::output(text, R"({"x": "-0.01"})") == "[102]");
   const auto policy = test::checked(text);
   REQUIRE(policy.lowered() == nullptr);  // lists are for the general evaluator; its index answers
}
