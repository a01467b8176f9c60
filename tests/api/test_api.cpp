// The public library, as an embedding program sees it.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <thread>

#include <fmt/format.h>

#include "pol/pol.hpp"

namespace {
const char* policy_text = R"(enum Scheme { VE, VR, CR }
input scheme: Scheme
input years: int
input pay: money
input start: date = 2000-01-01
let cap = if scheme == CR then 12 else 21
output months = min(years, cap)
output lump_sum = round(pay / 12 * months, £0.01, half_up)
require years < 50 else "check the service: {years} years"
)";
// Straight code over fixed-point numbers, which runs many records at once.
const char* straight_text = R"(enum Scheme { VE, VR, CR }
input scheme: Scheme
input years: int
input pay: money
let cap = if scheme == CR then 12 else 21
output months = min(years, cap)
output lump_sum = round(pay * months / 12, £0.01, half_up)
require years < 50 else "check the service: {years} years"
)";
}

TEST_CASE("compile once, evaluate with JSON or typed inputs")
{
   const auto policy = pol::Policy::compile_string("tariff.pol", policy_text);
   CHECK(policy->outputs() == std::vector<std::string>{"months", "lump_sum"});
   REQUIRE(policy->inputs().size() == 4);
   CHECK(policy->inputs()[3].required == false);

   const auto a = policy->evaluate_json(R"({"scheme": "VR", "years": 10, "pay": "30000"})");
   REQUIRE(a.ok());
   CHECK(*a.output("lump_sum") == "\"25000.00\"");
   CHECK(a.json() == R"({"outputs":{"months":10,"lump_sum":"25000.00"},"violations":[]})");

   pol::Inputs in;
   in.set_text("scheme", "CR").set_int("years", 60).set_decimal("pay", "23000");
   const auto b = policy->evaluate(in);
   REQUIRE(b.ok());
   CHECK(*b.output("lump_sum") == "\"23000.00\"");
   REQUIRE(b.violations.size() == 1);
   CHECK(b.violations[0].message == "check the service: 60 years");
}

TEST_CASE("errors name the field; compile errors carry every diagnostic")
{
   const auto policy = pol::Policy::compile_string("tariff.pol", policy_text);
   const auto r = policy->evaluate_json(R"({"scheme": "VX", "years": 1})");
   REQUIRE(r.errors.size() == 2);
   CHECK(r.errors[0].field == "scheme");
   CHECK(r.errors[1].field == "pay");
   try {
      (void)pol::Policy::compile_string("bad.pol", "input a: money\noutput x = a + 1\noutput y = b\n");
      FAIL("expected a compile error");
   } catch (const pol::CompileError& e) {
      REQUIRE(e.diagnostics().size() == 2);
      CHECK(e.diagnostics()[0].code == "E0301");
      CHECK(e.diagnostics()[1].line == 3);
   }
}

TEST_CASE("one compiled policy, evaluated from many threads, gives the same answers")
{
   const auto policy = pol::Policy::compile_string("tariff.pol", policy_text);
   std::vector<std::thread> threads;
   std::vector<int> wrong(8, 0);
   for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&, t] {
         for (int i = 0; i < 500; ++i) {
            pol::Inputs in;
            in.set_text("scheme", "VE").set_int("years", i % 30).set_decimal("pay", "36500");
            const auto r = policy->evaluate(in);
            const std::string want = "\"" + std::to_string(36500 / 12 * 0 + (std::min(i % 30, 21) * 36500 / 12)) + "\"";
            (void)want;
            if (!r.ok() || r.output("months") != std::to_string(std::min(i % 30, 21))) ++wrong[static_cast<std::size_t>(t)];
         }
      });
   }
   for (auto& th : threads) th.join();
   for (int w : wrong) CHECK(w == 0);
}

TEST_CASE("explanations through the library")
{
   const auto policy = pol::Policy::compile_string("tariff.pol", policy_text);
   pol::EvalOptions o;
   o.explain = true;
   const auto r = policy->evaluate_json(R"({"scheme": "CR", "years": 20, "pay": "24000"})", o);
   REQUIRE(r.ok());
   CHECK(r.explanation_text({"months"}).find("cap = 12") != std::string::npos);
   CHECK(r.explanation_json().find("\"name\":\"cap\"") != std::string::npos);
}

TEST_CASE("an Evaluator gives what evaluate_json gives, record after record")
{
   const auto policy = pol::Policy::compile_string("tariff.pol", policy_text);
   pol::Evaluator evaluator(policy);
   CHECK(evaluator.lowered());
   const std::vector<std::string> records = {
      R"({"scheme": "VR", "years": 10, "pay": 30000})",        // lowered code
      R"({"scheme": "CR", "years": 30, "pay": "£30,000.50"})",  // money as text: the general reader
      R"({"scheme": "CR", "years": 60, "pay": 1000})",         // a violation
      R"({"scheme": "XX", "years": 1, "pay": 1000})",          // an error naming the field
      R"({"scheme": "VE", "years": 7, "pay": 1000.10})",
   };
   for (const auto& r : records) {
      INFO(r);
      std::string out = "[";
      const auto outcome = evaluator.evaluate_json(r, out);
      const auto want = policy->evaluate_json(r);
      CHECK(outcome.ok == want.ok());
      if (want.ok()) {
         CHECK(out == "[" + want.json());
         CHECK(outcome.violations == want.violations.size());
      } else {
         CHECK(out == "[");
         REQUIRE(outcome.error != nullptr);
         CHECK(outcome.error->field == "scheme");
      }
   }
}

TEST_CASE("JSON records many at once give what they give one at a time, in order")
{
   const auto policy = pol::Policy::compile_string("tariff.pol", straight_text);
   pol::Evaluator many(policy), one(policy);
   const std::vector<std::string> kinds = {
      R"({"scheme": "VR", "years": 10, "pay": 30000})",        // the fixed-point code, in lanes
      R"({"scheme": "CR", "years": 30, "pay": "£30,000.50"})",  // money as text: the general reader
      R"({"scheme": "CR", "years": 60, "pay": 1000})",         // a violation
      R"({"scheme": "XX", "years": 1, "pay": 1000})",          // an error naming the field
      R"({"scheme": "VE", "years": 7, "pay": 1000.105})",      // finer than pence: the ratio code
      R"({"scheme": "VE", "years": 49, "pay": 92233720368547758})",  // overflow at pence: the ratio code
      R"({"scheme": "VE", "years": 3, "pay": 1000.10})",
   };
   std::vector<std::string> texts;
   for (std::size_t i = 0; i < 100; ++i) texts.push_back(kinds[(i * 5 + i / 7) % kinds.size()]);
   const std::vector<std::string_view> records(texts.begin(), texts.end());
   std::string got, want;
   std::size_t next = 0;
   many.evaluate_json(records, got, [&](std::size_t k, const pol::Evaluator::Outcome& outcome) {
      INFO(k << ": " << texts[k]);
      CHECK(k == next++);
      const auto expected = one.evaluate_json(texts[k], want);
      CHECK(outcome.ok == expected.ok);
      CHECK(outcome.violations == expected.violations);
      if (!outcome.ok) CHECK(outcome.error->json == expected.error->json);
      CHECK(got == want);  // the same text so far
      got += '\n';
      want += '\n';
   });
   CHECK(next == records.size());
}

TEST_CASE("JSON records evaluated without writing results: their outputs and violations, one or many at once")
{
   const auto policy = pol::Policy::compile_string("tariff.pol", straight_text);
   pol::Evaluator many(policy), one(policy);
   const std::vector<std::string> kinds = {
      R"({"scheme": "VR", "years": 10, "pay": 30000})",        // in lanes
      R"({"scheme": "CR", "years": 60, "pay": 1000})",         // a violation: the general evaluator
      R"({"scheme": "XX", "years": 1, "pay": 1000})",          // an error
      R"({"scheme": "VE", "years": 7, "pay": 1000.105})",      // the ratio code
      R"({"scheme": "CR", "years": 30, "pay": "£30,000.50"})",
   };
   std::vector<std::string> texts;
   for (std::size_t i = 0; i < 70; ++i) texts.push_back(kinds[(i * 3 + i / 5) % kinds.size()]);
   const std::vector<std::string_view> records(texts.begin(), texts.end());
   // what the compact result holds, from output(i), violations() and write_json()
   const auto seen = [](const pol::Evaluator& ev, const pol::Evaluator::Outcome& o) {
      if (!o.ok) return o.error->json;
      std::string written;
      ev.write_json(written);
      std::string outputs = ev.output(0) + " " + ev.output(1);
      for (const auto& v : ev.violations()) outputs += " " + v.message;
      return outputs + " " + written;
   };
   std::size_t next = 0;
   many.evaluate_json(records, [&](std::size_t k, const pol::Evaluator::Outcome& outcome) {
      INFO(k << ": " << texts[k]);
      CHECK(k == next++);
      const auto expected = policy->evaluate_json(texts[k]);
      REQUIRE(outcome.ok == expected.ok());
      CHECK(outcome.violations == expected.violations.size());
      if (outcome.ok) {
         CHECK(many.output(0) == expected.outputs[0].second);
         CHECK(many.output(1) == expected.outputs[1].second);
         std::string written;
         many.write_json(written);
         CHECK(written == expected.json());
      }
      const auto alone = one.evaluate_json(texts[k]);
      CHECK(seen(one, alone) == seen(many, outcome));
   });
   CHECK(next == records.size());
}

TEST_CASE("a second version reads the records the first has read, where both read them alike")
{
   // the same inputs: the new version takes the cells the old one read; other inputs: it reads
   const auto old_version = pol::Policy::compile_string("old.pol", straight_text);
   std::string raised = straight_text;
   raised.replace(raised.find("else 21"), 7, "else 24");
   std::string other_inputs = raised;
   other_inputs.replace(other_inputs.find("enum Scheme { VE, VR, CR }"), 26, "enum Scheme { CR, VE, VR }");  // each variant read as another number
   for (const auto& text : {raised, other_inputs}) {
      const auto new_version = pol::Policy::compile_string("new.pol", text);
      pol::Evaluator reader(old_version), second(new_version), alone(new_version);
      const std::vector<std::string> kinds = {
         R"({"scheme": "VR", "years": 30, "pay": 30000})", R"({"scheme": "VE", "years": 22, "pay": "£1,000.50"})", R"({"scheme": "CR", "years": 60, "pay": 1000})",
         R"({"scheme": "VE", "years": 22, "pay": 1000})",  R"({"scheme": "CR", "years": 20, "pay": "2000.00"})",
         R"({"scheme": "XX", "years": 1, "pay": 1000})",   R"({"scheme": "VE", "years": 7, "pay": 1000.105})",        R"({"years": 7, "pay": 10})",
      };
      std::vector<std::string> texts;
      for (std::size_t i = 0; i < 75; ++i) texts.push_back(kinds[(i * 5 + i / 7) % kinds.size()]);
      const std::vector<std::string_view> records(texts.begin(), texts.end());
      reader.evaluate_json(records, [](std::size_t, const pol::Evaluator::Outcome&) {});
      std::size_t next = 0;
      second.evaluate_json(records, reader, [&](std::size_t k, const pol::Evaluator::Outcome& outcome) {
         INFO(k << ": " << texts[k]);
         CHECK(k == next++);
         const auto expected = alone.evaluate_json(texts[k]);
         REQUIRE(outcome.ok == expected.ok);
         if (outcome.ok) {
            CHECK(second.output(0) == alone.output(0));
            CHECK(second.output(1) == alone.output(1));
         }
      });
      CHECK(next == records.size());
   }
}

TEST_CASE("the outputs with their types")
{
   const auto policy = pol::Policy::compile_string("p.pol", "enum S { A, B }\ninput s: S\noutput pay = £1\noutput kind = s\noutput maybe = if s == A then £1 else none\n");
   const auto outputs = policy->output_info();
   REQUIRE(outputs.size() == 3);
   CHECK(outputs[0].name == "pay");
   CHECK(outputs[0].type == "money");
   CHECK(outputs[1].type == "S");
   CHECK(outputs[2].type == "money?");
}

TEST_CASE("a policy's declarations by name, compared without layout or comments")
{
   const char* text = R"(input pay: money
param cap: money?
  from 2020-01-01 = £2,000   source "cap"
table extra(band: int) -> money  hit unique
  | band | extra |
  | 1    | £100  |
rule bonus: money
  default = £0
  exception when pay > £10 = £5
output total = pay + bonus + extra(1)
)";
   const auto before = pol::outline_string("a.pol", text);
   const auto find = [](const std::vector<pol::Declaration>& ds, const std::string& kind, const std::string& name) -> const pol::Declaration* {
      for (const auto& d : ds) {
         if (d.kind == kind && d.name == name) return &d;
      }
      return nullptr;
   };
   const auto* period = find(before, "period", "from 2020-01-01");
   REQUIRE(period);
   CHECK(period->owner == "cap");
   CHECK(period->source == "cap");
   CHECK(period->line == 3);
   const auto* row = find(before, "row", "1");
   REQUIRE(row);
   CHECK(row->owner == "extra");
   CHECK(row->text == "| 1 | £100 |");
   REQUIRE(find(before, "exception", "when pay > £10"));
   REQUIRE(find(before, "output", "total"));
   // another layout and comments: the same shapes
   const auto relaid = pol::outline_string("b.pol", R"(# comment
input pay:   money
param cap: money?
  from 2020-01-01 = £2,000 source "cap"  # the cap
table extra(band: int) -> money  hit unique
  | band | extra |
  | 1 | £100 |
rule bonus: money
  default = £0
  exception when pay > £10
    = £5
output total = pay
             + bonus + extra(1)
)");
   REQUIRE(relaid.size() == before.size());
   for (std::size_t i = 0; i < before.size(); ++i) {
      CHECK(relaid[i].key == before[i].key);
      CHECK(relaid[i].shape == before[i].shape);
   }
   // a different value: a different shape, the same key
   std::string changed = text;
   changed.replace(changed.find("£100"), 4, "£150");
   const auto after = pol::outline_string("c.pol", changed);
   const auto* changed_row = find(after, "row", "1");
   REQUIRE(changed_row);
   CHECK(changed_row->key == row->key);
   CHECK(changed_row->shape != row->shape);
   CHECK_THROWS_AS(pol::outline_string("d.pol", "input pay money\n"), pol::CompileError);
   CHECK_THROWS_AS(pol::outline_file("/no/such/file.pol"), pol::CompileError);
}

TEST_CASE("records as text fields, as CSV rows give them, read by the declared types")
{
   const auto policy = pol::Policy::compile_string("fields.pol", R"(enum Scheme { VE, VR, CR }
input scheme: Scheme
input years: int
input pay: money
input part_time: bool = false
input start: date = 2000-01-01
input absences: list of int = []
let cap = if scheme == CR then 12 else 21
output months = min(years, cap)
output lump_sum = round(pay * months / 12, £0.01, half_up)
output absent = count(absences)
require years < 50 else "check the service: {years} years"
)");
   pol::Evaluator evaluator(policy);
   const std::vector<std::string_view> names = {"scheme", "years", "pay", "part_time", "start", "absences"};
   const auto fields = [&](std::vector<std::string_view> f) {
      f.resize(names.size());
      return f;
   };
   const auto as_json = [&](const std::vector<std::string_view>& f) {
      pol::Evaluator::Outcome o = evaluator.evaluate_fields(names, f);
      std::string out;
      if (o.ok) evaluator.write_json(out);
      return std::pair(o, out);
   };
   // the same as the JSON record with those values, numbers exact
   auto [ok, text] = as_json(fields({"VR", "10", "30000.10", "true", "2001-02-03", "[1, 2]"}));
   CHECK(ok.ok);
   CHECK(text == policy->evaluate_json(R"({"scheme": "VR", "years": 10, "pay": "30000.10", "part_time": true, "start": "2001-02-03", "absences": [1, 2]})").json());
   CHECK(evaluator.output(1) == "\"25000.08\"");
   // empty fields are absent inputs: their defaults
   std::tie(ok, text) = as_json(fields({"CR", "5", "1200"}));
   CHECK(text == R"({"outputs":{"months":5,"lump_sum":"500.00","absent":0},"violations":[]})");
   // a violation, with its message
   std::tie(ok, text) = as_json(fields({"CR", "60", "1200"}));
   CHECK(ok.violations == 1);
   REQUIRE(evaluator.violations().size() == 1);
   CHECK(evaluator.violations()[0].message == "check the service: 60 years");
   // errors name the field
   std::tie(ok, text) = as_json(fields({"VX", "5", "1200"}));
   REQUIRE_FALSE(ok.ok);
   CHECK(ok.error->field == "scheme");
   std::tie(ok, text) = as_json(fields({"VR", "5", "1200", "yes"}));
   REQUIRE_FALSE(ok.ok);
   CHECK(ok.error->field == "part_time");
   std::tie(ok, text) = as_json(fields({"VR", "5", "1200", "", "", "[1,"}));
   REQUIRE_FALSE(ok.ok);
   CHECK(ok.error->code == "R0003");
   CHECK(ok.error->field == "absences");
   CHECK(ok.error->json == R"({"code":"R0003","message":"input absences is not valid JSON: write a list or record as JSON","field":"absences"})");
   CHECK_THROWS_AS(evaluator.evaluate_fields(names, std::vector<std::string_view>{"VR"}), std::invalid_argument);
}

TEST_CASE("straight policies read fields in lowered code, with the general evaluator's answers")
{
   const auto policy = pol::Policy::compile_string("tariff.pol", straight_text);
   pol::Evaluator evaluator(policy);
   REQUIRE(evaluator.lowered());
   const std::vector<std::string_view> names = {"pay", "scheme", "years"};  // any order
   for (const auto& row : std::vector<std::vector<std::string_view>>{{"30000", "VR", "10"}, {"1000.105", "VE", "7"}, {"£1,000.10", "CR", "3"}, {"1000", "CR", "60"}, {"1000", "CR", ""}}) {
      INFO(row[0] << " " << row[1] << " " << row[2]);
      const auto o = evaluator.evaluate_fields(names, row);
      std::string out;
      if (o.ok) evaluator.write_json(out);
      const std::string json = fmt::format(R"({{"pay": "{}", "scheme": "{}"{}}})", row[0], row[1], row[2].empty() ? "" : fmt::format(R"(, "years": {})", row[2]));
      const auto want = policy->evaluate_json(json);
      CHECK(o.ok == want.ok());
      if (want.ok()) CHECK(out == want.json());
      else CHECK(o.error->json == want.errors.front().json);
   }
}

TEST_CASE("typed records, one at a time and many at once")
{
   const auto policy = pol::Policy::compile_string("tariff.pol", policy_text);
   pol::Evaluator evaluator(policy);
   const auto vr = evaluator.read(R"({"scheme": "VR", "years": 10, "pay": 30000})");
   const auto big = evaluator.read(R"({"scheme": "CR", "years": 60, "pay": 1000})");
   CHECK_THROWS_WITH(evaluator.read(R"({"scheme": "VR", "years": "ten", "pay": 1})"), Catch::Contains("years"));

   const auto one = evaluator.evaluate(vr);
   CHECK(one.ok);
   CHECK(evaluator.output(0) == "10");
   CHECK(evaluator.output(1) == "\"25000.00\"");

   pol::Records batch;
   for (int i = 0; i < 150; ++i) batch.add(i % 3 == 2 ? big : vr);
   const auto& outcomes = evaluator.evaluate(batch);
   REQUIRE(outcomes.size() == 150);
   for (std::size_t k = 0; k < 150; ++k) {
      INFO(k);
      CHECK(outcomes[k].ok);
      CHECK(outcomes[k].violations == (k % 3 == 2 ? 1u : 0u));
      CHECK(evaluator.output(k, 0) == (k % 3 == 2 ? "12" : "10"));
      CHECK(evaluator.output(k, 1) == (k % 3 == 2 ? "\"1000.00\"" : "\"25000.00\""));
   }
   pol::Records other;
   other.add(pol::Evaluator(pol::Policy::compile_string("other.pol", policy_text)).read(R"({"scheme": "VR", "years": 1, "pay": 1})"));
   CHECK_THROWS(evaluator.evaluate(other));
}

TEST_CASE("typed records many at once, in lanes or not, give what they give one at a time")
{
   const auto policy = pol::Policy::compile_string("tariff.pol", straight_text);
   pol::Evaluator many(policy), one(policy);
   const std::vector<pol::Record> kinds = {
      many.read(R"({"scheme": "VR", "years": 10, "pay": 30000})"),        // fixed-point, in lanes
      many.read(R"({"scheme": "VE", "years": 7, "pay": 1000.105})"),      // finer than pence: the ratio code
      many.read(R"({"scheme": "CR", "years": 60, "pay": 1000})"),         // a violation
      many.read(R"({"scheme": "VE", "years": 49, "pay": 92233720368547758})"),  // overflow: the general evaluator
      many.read(R"({"scheme": "CR", "years": 3, "pay": 1000.10})"),
   };
   pol::Records batch;
   std::vector<std::size_t> kind_of;
   for (std::size_t k = 0; k < 150; ++k) {
      kind_of.push_back(k < 40 ? 1 : (k * 3 + k / 11) % kinds.size());  // a first group with none in lanes
      batch.add(kinds[kind_of.back()]);
   }
   const auto outcomes = many.evaluate(batch);
   REQUIRE(outcomes.size() == 150);
   for (std::size_t k = 0; k < 150; ++k) {
      INFO(k);
      const auto want = one.evaluate(kinds[kind_of[k]]);
      CHECK(outcomes[k].ok == want.ok);
      CHECK(outcomes[k].violations == want.violations);
      for (std::size_t i = 0; i < 2; ++i) CHECK(many.output(k, i) == one.output(i));
   }
}

TEST_CASE("inputs left out take their defaults in a batch of typed records as one at a time")
{
   const auto policy = pol::Policy::compile_string("defaults.pol", "input pay: money\ninput bonus: money = £1.50\ninput n: int = 3\noutput total = pay + bonus * n\n");
   pol::Evaluator many(policy), one(policy);
   REQUIRE(many.lowered());
   const std::vector<pol::Record> kinds = {many.read(R"({"pay": 100})"), many.read(R"({"pay": 100, "n": 1})"), many.read(R"({"pay": 1, "bonus": 0})")};
   const std::vector<std::string> totals = {"\"104.50\"", "\"101.50\"", "\"1.00\""};
   pol::Records batch;
   for (std::size_t k = 0; k < 150; ++k) batch.add(kinds[k % 3]);
   const auto& outcomes = many.evaluate(batch);
   REQUIRE(outcomes.size() == 150);
   for (std::size_t k = 0; k < 150; ++k) {
      INFO(k);
      CHECK(outcomes[k].ok);
      CHECK(many.output(k, 0) == totals[k % 3]);
   }
   for (std::size_t k = 0; k < 3; ++k) {
      CHECK(one.evaluate(kinds[k]).ok);
      CHECK(one.output(0) == totals[k]);
   }
}

TEST_CASE("a lowered record whose output has no exact decimal form gets the general evaluator's error")
{
   const auto policy = pol::Policy::compile_string("thirds.pol", "input a: decimal\noutput third = a / 3\n");
   pol::Evaluator evaluator(policy);
   REQUIRE(evaluator.lowered());
   const auto outcome = evaluator.evaluate(evaluator.read(R"({"a": 1})"));
   CHECK_FALSE(outcome.ok);
   REQUIRE(outcome.error != nullptr);
   CHECK(outcome.error->code == "R0301");
   CHECK(evaluator.evaluate(evaluator.read(R"({"a": 3})")).ok);
   CHECK(evaluator.output(0) == "\"1\"");
}

TEST_CASE("the budgets of an evaluation are set through EvalOptions::limits")
{
   const auto policy = pol::Policy::compile_string("budget.pol", "input a: decimal\nlet b = a * a\nlet c = b * b\noutput d = c * c > 0\n");
   pol::EvalOptions tight;
   tight.limits.digits = 5;  // 1.5 to the eighth is 6561/256: 7 digits
   const auto over = policy->evaluate_json(R"({"a": "1.5"})", tight);
   REQUIRE_FALSE(over.ok());
   CHECK(over.errors.front().code == "R0704");
   CHECK(over.errors.front().help.find("Limits::digits") != std::string::npos);
   CHECK(policy->evaluate_json(R"({"a": "1.5"})").ok());

   // under budgets lowered code could not keep, the evaluator takes the general path, with the same results
   pol::Evaluator evaluator(policy, tight);
   CHECK_FALSE(evaluator.lowered());
   std::string out;
   const auto outcome = evaluator.evaluate_json(R"({"a": "1.5"})", out);
   CHECK_FALSE(outcome.ok);
   REQUIRE(outcome.error != nullptr);
   CHECK(outcome.error->code == "R0704");
   CHECK(evaluator.evaluate_json(R"({"a": "1"})", out).ok);

   pol::EvalOptions few_steps;
   few_steps.limits.steps = 5;
   pol::Evaluator stepped(policy, few_steps);
   CHECK_FALSE(stepped.lowered());
   const auto stopped = stepped.evaluate_json(R"({"a": "1"})", out);
   REQUIRE(stopped.error != nullptr);
   CHECK(stopped.error->code == "R0701");
   CHECK(pol::Evaluator(policy).lowered());
}

TEST_CASE("a policy whose step bound is over CompileOptions::max_steps does not compile, with the path that costs the most")
{
   std::string text = "input a: int\nfn f0(x: int) -> int = x\n";
   for (int i = 1; i < 10; ++i) text += fmt::format("fn f{}(x: int) -> int = f{}(x) + f{}(x)\n", i, i - 1, i - 1);
   text += "output y = f9(a)\n";
   pol::CompileOptions strict;
   strict.max_steps = 1000;
   try {
      (void)pol::Policy::compile_string("calls.pol", text, strict);
      FAIL("expected a CompileError");
   } catch (const pol::CompileError& e) {
      REQUIRE(e.diagnostics().size() == 1);
      CHECK(e.diagnostics().front().code == "E0602");
      CHECK(e.diagnostics().front().message.find("output y → fn f9 → fn f8 (2 calls)") != std::string::npos);
   }
   const auto policy = pol::Policy::compile_string("calls.pol", text);
   CHECK(*policy->evaluate_json(R"({"a": 1})").output("y") == "512");
}

TEST_CASE("text in lowered code: the text budget's error, and text kept after its record is gone")
{
   auto p = pol::Policy::compile_string("t.pol", "input name: text\noutput g = \"Hello {trim(name)}!\"\noutput t = trim(name)\n");
   pol::EvalOptions o;
   o.as_of = "2024-06-30";
   o.limits.text = 8;
   pol::Evaluator small(p, o);
   const auto bad = small.evaluate_json(R"({"name": "Annabel"})");
   REQUIRE_FALSE(bad.ok);
   CHECK(bad.error->code == "R0702");
   pol::EvalOptions dated;
   dated.as_of = "2024-06-30";
   pol::Evaluator ev(p, dated);
   REQUIRE(ev.lowered());
   {
      std::string record = R"({"name": "  Zoë  "})";
      REQUIRE(ev.evaluate_json(record).ok);
      std::fill(record.begin(), record.end(), 'x');
   }
   CHECK(ev.output(0) == "\"Hello Zoë!\"");
   CHECK(ev.output(1) == "\"Zoë\"");
   // records read once, evaluated many at once
   pol::Records records;
   for (const char* name : {"a", " b ", "Soci\\u00e9t\\u00e9", "x\\ty"}) records.add(ev.read(fmt::format(R"({{"name": "{}"}})", name)));
   const auto& outcomes = ev.evaluate(records);
   REQUIRE(outcomes.size() == 4);
   CHECK(ev.output(0, 0) == "\"Hello a!\"");
   CHECK(ev.output(1, 1) == "\"b\"");
   CHECK(ev.output(2, 1) == "\"Société\"");
   CHECK(ev.output(3, 0) == "\"Hello x\\ty!\"");
   CHECK(ev.lowered_records() == 5);
}

TEST_CASE("records the lanes cannot read sit beside ones they can, in a straight policy with text")
{
   // a lane whose record could not be read holds no text: trim must not run on it
   const auto policy = pol::Policy::compile_string("trim.pol", "input name: text\noutput t = trim(name)\n");
   pol::EvalOptions o;
   o.as_of = "2024-06-30";
   o.limits.text = 6;
   pol::Evaluator many(policy, o);
   const std::vector<std::string> texts = {R"({"name": " a "})", "{}", R"({"name": null})", R"({"name": 5})", R"({"nam": "typo"})", R"({"name": "abcdefgh"})", R"({"name": "b"})"};
   std::vector<std::string_view> records;
   for (int k = 0; k < 40; ++k) records.push_back(texts[static_cast<std::size_t>(k) % texts.size()]);
   std::string out;
   many.evaluate_json(records, out, [](std::size_t, const pol::Evaluator::Outcome&) {});
   std::string want;
   for (const auto record : records) {
      const auto r = policy->evaluate_json(record, o);
      if (r.ok()) want += r.json();
   }
   CHECK(out == want);
   std::size_t k = 0;
   many.evaluate_json(records, [&](std::size_t i, const pol::Evaluator::Outcome& outcome) {
      CHECK(i == k++);
      const auto r = policy->evaluate_json(records[i], o);
      REQUIRE(outcome.ok == r.ok());
      if (!outcome.ok) CHECK(outcome.error->code == r.errors.front().code);
   });
   CHECK(k == records.size());
}

TEST_CASE("records read once keep to the text budget of the evaluator that evaluates them")
{
   const auto policy = pol::Policy::compile_string("t.pol", "input t: text\noutput o = t\n");
   pol::EvalOptions small;
   small.as_of = "2024-06-30";
   small.limits.text = 3;
   pol::EvalOptions dated;
   dated.as_of = "2024-06-30";
   pol::Evaluator reader(policy, dated), strict(policy, small);
   // read by one evaluator, evaluated by another with a smaller budget: the general evaluator's error
   const auto record = strict.read(R"({"t": "abcdef"})");
   const auto one = strict.evaluate(record);
   REQUIRE_FALSE(one.ok);
   CHECK(one.error->code == "R0702");
   pol::Records batch;
   batch.add(record);
   batch.add(strict.read(R"({"t": "abc"})"));
   const auto& outcomes = strict.evaluate(batch);
   CHECK_FALSE(outcomes[0].ok);
   CHECK(outcomes[1].ok);
   CHECK(strict.output(1, 0) == "\"abc\"");
   // records that a reader with a larger budget has read are read again
   const std::vector<std::string_view> records = {R"({"t": "abcdef"})", R"({"t": "ab"})"};
   reader.evaluate_json(records, [](std::size_t, const pol::Evaluator::Outcome& outcome) { CHECK(outcome.ok); });
   std::vector<bool> ok;
   std::vector<std::string> codes;
   strict.evaluate_json(records, reader, [&](std::size_t, const pol::Evaluator::Outcome& outcome) {
      ok.push_back(outcome.ok);
      codes.push_back(outcome.ok ? "" : outcome.error->code);
   });
   CHECK(ok == std::vector<bool>{false, true});
   CHECK(codes.front() == "R0702");
}

TEST_CASE("typed records with lists and records run lowered, and keep to the list and step budgets")
{
   const char* text = R"(record Period { start: date, end: date?, note: text? }
input periods: list of Period
input pays: list of money = []
output n = count(filter(periods, p => p.end == none))
output first: date? = if count(periods) == 0 then none else min(map(periods, p => p.start))
output paid = sum(pays)
output pairs = count(periods, p => any(periods, q => q.start < p.start))
output notes = count(periods, p => (p.note ?? "") != "")
)";
   const auto policy = pol::Policy::compile_string("periods.pol", text);
   const std::vector<std::string> records = {
      R"({"periods": []})",
      R"({"periods": [{"start": "2020-01-01"}], "pays": [1.5, "2.25"]})",
      R"({"periods": [{"start": "2021-01-01", "end": "2022-01-01", "note": "é"}, {"start": "2019-05-05", "end": null}], "pays": [100]})",
      R"({"periods": [{"start": "2021-01-01", "end": "2022-01-01"}, {"start": "2020-01-01", "note": "x"}, {"start": "2018-01-01"}]})",
   };
   for (const auto& [list, steps, lowered] : std::vector<std::tuple<std::size_t, std::uint64_t, bool>>{{100000, 10000000, true}, {2, 10000000, false}, {100000, 60, false}}) {
      pol::EvalOptions o;
      o.as_of = "2024-06-30";
      o.limits.list = list;
      o.limits.steps = steps;
      pol::Evaluator ev(policy, o), many(policy, o);
      pol::Records batch;
      for (const auto& r : records) batch.add(many.read(r));
      const auto outcomes = many.evaluate(batch);
      for (std::size_t k = 0; k < records.size(); ++k) {
         INFO(records[k] << " list budget " << list << ", step budget " << steps);
         const auto want = policy->evaluate_json(records[k], o);
         const auto one = ev.evaluate(ev.read(records[k]));
         REQUIRE(one.ok == want.ok());
         REQUIRE(outcomes[k].ok == want.ok());
         if (!want.ok()) {
            CHECK(one.error->code == want.errors.front().code);
            continue;
         }
         for (std::size_t i = 0; i < want.outputs.size(); ++i) {
            CHECK(ev.output(i) == want.outputs[i].second);
            CHECK(many.output(k, i) == want.outputs[i].second);
         }
      }
      if (lowered) CHECK(ev.lowered_records() == records.size());
   }
}

TEST_CASE("lists written in a policy keep to the list budget, lowered or not")
{
   const auto policy = pol::Policy::compile_string("lit.pol", "input k: int\noutput a = sum([k, k + 1, 3])\n");
   pol::EvalOptions o;
   o.as_of = "2024-06-30";
   o.limits.list = 2;
   pol::Evaluator ev(policy, o);
   const auto outcome = ev.evaluate_json(R"({"k": 1})");
   const auto want = policy->evaluate_json(R"({"k": 1})", o);
   REQUIRE_FALSE(want.ok());
   REQUIRE_FALSE(outcome.ok);
   CHECK(outcome.error->code == "R0703");
}

TEST_CASE("an error's JSON has its location, help and trace, its text escaped as JSON writes it")
{
   const auto policy = pol::Policy::compile_string("t.pol", "enum E { a, b }\ninput e: E\ninput x: int\nfn f(n: int) -> decimal = 10 / n\noutput y = f(x)\n");
   const auto division = policy->evaluate_json(R"({"e": "a", "x": 0})");
   REQUIRE(division.errors.size() == 1);
   CHECK(division.errors[0].json ==
         R"j({"code":"R0201","message":"division by zero: 10 / 0","location":{"file":"t.pol","line":4,"column":27},"help":"guard the division: if n == 0 then … else …","trace":["in function f called at t.pol:5:12","while computing output y (t.pol:5:8)"]})j");
   // quotes, a tab, a letter beyond ASCII and a control character in the value the message quotes
   const auto value = policy->evaluate_json(R"({"e": "q\"\u00e9\t\u0001", "x": 1})");
   REQUIRE(value.errors.size() == 1);
   CHECK(value.errors[0].json == "{\"code\":\"R0103\",\"message\":\"input \\\"e\\\" should be one of a, b, but it is \\\"q\\\"\xC3\xA9\\t\\u0001\\\"\",\"field\":\"e\",\"help\":\"correct the value in the input\"}");
}
