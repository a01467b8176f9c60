// The lowered register code against the general evaluator: whenever the code answers, its
// result must be the general evaluator's, byte for byte. Checked over random records for every
// shipped policy, the benchmark policy and the evaluation goldens, and on purpose-made cases.
#include <filesystem>
#include <random>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "helpers.hpp"

namespace {

using namespace pol;

// The compact result the general evaluator gives when there are no errors.
std::optional<std::string> general_json(const interp::Policy& policy, const std::string& record, interp::Date as_of)
{
   const auto parsed = interp::parse_json(record);
   if (!parsed.ok()) return std::nullopt;
   interp::EvalOptions o;
   o.as_of = as_of;
   const auto outcome = policy.evaluate(parsed.value, o);
   if (!outcome.ok()) return std::nullopt;
   std::string out = "{\"outputs\":{";
   for (std::size_t i = 0; i < outcome.outputs.size(); ++i) {
      const auto& [slot, value] = outcome.outputs[i];
      out += fmt::format("{}\"{}\":{}", i ? "," : "", policy.program().globals[slot].name, interp::json_text(value, policy.program()));
   }
   out += "},\"violations\":[";
   for (std::size_t i = 0; i < outcome.violations.size(); ++i) {
      const auto& v = outcome.violations[i];
      const nlohmann::ordered_json j = {{"rule", v.rule}, {"message", v.message}, {"source", v.source.empty() ? nullptr : nlohmann::ordered_json(v.source)}};
      out += (i ? "," : "") + interp::dump_json(j);
   }
   return out + "]}";
}

// The lowered code's result, or nullopt when it bails; and whether the fixed-point code gave it.
std::optional<std::string> lowered_json(const interp::Policy& policy, const std::string& record, interp::Date as_of, bool* fixed = nullptr)
{
   interp::Machine m(*policy.lowered(), policy.program(), as_of);
   std::string out;
   if (!m.read_json(record) || !m.run() || !m.write_json(out)) return std::nullopt;
   if (fixed) *fixed = m.answered_fixed();
   return out;
}

// The same record as the text fields of a CSV row (the lowered code's CSV route), read, run and
// accepted as Evaluator::evaluate_fields accepts it; nullopt when it bails, or the record has
// values a CSV cell cannot give (null).
std::optional<std::string> lowered_fields_json(const interp::Policy& policy, const std::string& record, interp::Date as_of)
{
   const auto parsed = interp::parse_json(record);
   if (!parsed.ok()) return std::nullopt;
   std::vector<std::string> names, texts;
   for (const auto& [key, value] : parsed.value.fields) {
      if (value.kind == interp::JsonValue::Kind::null) return std::nullopt;
      if (value.kind == interp::JsonValue::Kind::string && value.text.empty()) return std::nullopt;  // an empty cell is absent
      names.push_back(key);
      const bool structured = value.kind == interp::JsonValue::Kind::array || value.kind == interp::JsonValue::Kind::object;
      texts.push_back(value.kind == interp::JsonValue::Kind::boolean ? (value.boolean ? "true" : "false") : structured ? interp::write_json(value, 0) : value.text);
   }
   const std::vector<std::string_view> name_views(names.begin(), names.end()), field_views(texts.begin(), texts.end());
   interp::Machine m(*policy.lowered(), policy.program(), as_of);
   if (!m.read_fields(name_views, field_views) || !m.run() || !m.exact()) return std::nullopt;
   std::string out;
   REQUIRE(m.write_json(out));  // what exact() accepts, the writer must write
   return out;
}

// A random value for an input of type t, as JSON text; sometimes odd, to reach the fallbacks.
std::string random_value(const lang::Type& t, const lang::Program& p, std::mt19937_64& rng)
{
   const auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<std::uint64_t>(n)); };
   if (t.optional && pick(10) == 0) return "null";
   switch (t.kind) {
      case lang::TypeKind::bool_: return pick(2) ? "true" : "false";
      case lang::TypeKind::int_: {
         const int shape = pick(20);
         if (shape == 0) return std::to_string(static_cast<std::int64_t>(rng() >> 2));
         if (shape == 1) return "\"12\"";
         return std::to_string(pick(130) - 5);
      }
      case lang::TypeKind::decimal:
      case lang::TypeKind::money:
      case lang::TypeKind::duration: {
         // decimals sometimes have more places than the fixed-point code reads: the ratio code takes them
         const int places = t.kind != lang::TypeKind::money && pick(12) == 0 ? 6 : pick(t.kind == lang::TypeKind::money ? 3 : 4);
         std::string s = std::to_string(pick(t.kind == lang::TypeKind::money ? 120000 : 80));
         if (places) {
            s += '.';
            for (int i = 0; i < places; ++i) s += static_cast<char>('0' + pick(10));
         }
         if (pick(15) == 0) s = "-" + s;
         return pick(4) == 0 ? "\"" + s + "\"" : s;
      }
      case lang::TypeKind::date: {
         const auto d = interp::Date::from_days(-11000 + pick(30000));
         return "\"" + d.to_string() + "\"";
      }
      case lang::TypeKind::enum_: {
         const auto& e = p.enums[static_cast<std::size_t>(t.id)];
         const auto v = static_cast<std::size_t>(pick(static_cast<int>(e.variants.size())));
         return "\"" + (pick(5) == 0 ? e.labels[v] : e.variants[v]) + "\"";
      }
      case lang::TypeKind::record: {
         const auto& r = p.records[static_cast<std::size_t>(t.id)];
         std::string s = "{";
         bool first = true;
         for (std::size_t f = 0; f < r.field_names.size(); ++f) {
            if ((r.field_types[f].optional && pick(3) == 0) || pick(80) == 0) continue;  // left out
            s += fmt::format("{}\"{}\": {}", first ? "" : ", ", r.field_names[f], random_value(r.field_types[f], p, rng));
            first = false;
         }
         if (pick(60) == 0) s += first ? "\"other\": 1" : ", \"other\": 1";  // unknown: the general reader's error
         return s + "}";
      }
      case lang::TypeKind::list: {
         if (!t.element) return "null";
         const int shape = pick(25);
         if (shape == 0) return "[[1]]";   // nested: the general reader's error
         if (shape == 1) return "[1,]";    // not JSON
         std::string s = "[";
         const int n = shape == 2 ? 40 : pick(6);
         for (int k = 0; k < n; ++k) s += (k ? ", " : "") + random_value(*t.element, p, rng);
         return s + "]";
      }
      case lang::TypeKind::text: {
         // plain, blank, padded, UTF-8, escaped (the general reader's), not UTF-8, and not text
         static const char* const texts[] = {R"("DWP")", R"("")", R"("  ")", R"("  HMRC ")", R"("Ministry of Justice")", R"("Soci\u00e9t\u00e9")",
                                             "\"Soci\xC3\xA9t\xC3\xA9 G\xC3\xA9n\xC3\xA9rale\"", R"("tab\there")", R"("quote \" and \\")", "\"bad \xFF byte\"",
                                             R"("a")", R"("B")", R"("ab")", R"("{x}")", "12", R"("\ud83d\ude00 \u00e9\/")", R"("\ud83d alone")",
                                             R"("\u00")", R"("\x")", R"("\u0000")"};
         return texts[pick(static_cast<int>(std::size(texts)))];
      }
      default: return "null";
   }
}

std::string random_record(const lang::Program& p, std::mt19937_64& rng)
{
   std::string out = "{";
   bool first = true;
   for (auto slot : p.inputs) {
      const auto& g = p.globals[slot];
      const bool may_omit = g.type.optional || p.input_decl(g).default_value;
      if ((may_omit && rng() % 4 == 0) || rng() % 200 == 0) continue;
      out += fmt::format("{}\"{}\": {}", first ? "" : ", ", g.name, random_value(g.type, p, rng));
      first = false;
   }
   return out + "}";
}

std::vector<std::filesystem::path> policy_files()
{
   const std::filesystem::path root = POL_SOURCE_DIR;
   std::vector<std::filesystem::path> out{root / "bench" / "tariff.pol"};
   for (const auto& dir : {root / "policies", root / "tests" / "golden" / "eval"}) {
      for (const auto& f : std::filesystem::recursive_directory_iterator(dir)) {
         if (f.path().extension() == ".pol") out.push_back(f.path());
      }
   }
   std::sort(out.begin(), out.end());
   return out;
}

}  // namespace

TEST_CASE("lowered code agrees with the general evaluator on random records")
{
   std::mt19937_64 rng(20261123);
   std::size_t lowered_policies = 0, fixed_policies = 0, ratio_after_fixed = 0;
   for (const auto& file : policy_files()) {
      auto c = interp::compile_file(file.string());
      if (!c.ok()) continue;  // goldens of runtime errors may have warnings only; errors are for check goldens
      const interp::Policy policy(std::move(c.program));
      if (!policy.lowered()) continue;
      ++lowered_policies;
      const bool has_fixed = policy.lowered()->fixed != nullptr;
      fixed_policies += has_fixed ? 1 : 0;
      std::size_t fast = 0, general_ok = 0, by_fixed = 0, by_ratio = 0;
      for (const char* day : {"2024-06-30", "2012-01-01", "2021-04-01"}) {
         const auto as_of = *interp::Date::parse(day);
         for (int i = 0; i < 700; ++i) {
            const auto record = random_record(policy.program(), rng);
            const auto want = general_json(policy, record, as_of);
            bool fixed = false;
            const auto got = lowered_json(policy, record, as_of, &fixed);
            if (want) ++general_ok;
            if (!got) continue;
            ++fast;
            ++(fixed ? by_fixed : by_ratio);
            INFO(file.string() << " as of " << day << "\n" << record);
            REQUIRE(want.has_value());
            REQUIRE(*got == *want);
            // the CSV route: the same record as text fields
            if (const auto fields = lowered_fields_json(policy, record, as_of)) CHECK(*fields == *want);
         }
      }
      INFO(file.string() << ": " << fast << " records lowered, of " << general_ok << " without errors or violations");
      // the code answers for most records the general evaluator finds clean (where there are
      // enough of them to tell: one input in twenty is a 62-bit int, which the code bails on);
      // where there is fixed-point code, it answers most of those, and the ratio code the rest
      if (general_ok >= 100) CHECK(fast * 10 >= general_ok * 9);
      if (has_fixed) CHECK(by_fixed * 10 >= fast * 7);
      if (has_fixed) ratio_after_fixed += by_ratio;
   }
   CHECK(ratio_after_fixed > 100);
   CHECK(lowered_policies >= 8);
   CHECK(fixed_policies >= 5);
}

TEST_CASE("the tariff benchmark policy is lowered and exact on half-penny ties")
{
   auto c = interp::compile_file(std::string(POL_SOURCE_DIR) + "/bench/tariff.pol");
   REQUIRE(c.ok());
   const interp::Policy policy(std::move(c.program));
   REQUIRE(policy.lowered() != nullptr);
   const auto as_of = *interp::Date::parse("2024-06-30");
   // 14 months of £12,345.66: £14,403.27 exactly; 1.5 months of £1,000.04 is £125.005: half up to £125.01
   CHECK(lowered_json(policy, R"({"id":1,"scheme":"VR","service_years":14,"annual_pay":12345.66,"age_years":40,"pension_age":67})", as_of) ==
         R"({"outputs":{"months":"14","compensation":"14403.27"},"violations":[]})");
   CHECK(lowered_json(policy, R"({"id":2,"scheme":"CR","service_years":1.5,"annual_pay":1000.04,"age_years":30.25,"pension_age":60})", as_of) ==
         R"({"outputs":{"months":"1.5","compensation":"125.01"},"violations":[]})");
}

TEST_CASE("lowered code bails where the general evaluator must answer")
{
   const auto as_of = *interp::Date::parse("2024-06-30");
   const auto bails = [&](const std::string& text, const std::string& record) {
      const interp::Policy policy = test::checked(text);
      REQUIRE(policy.lowered() != nullptr);
      return !lowered_json(policy, record, as_of).has_value();
   };
   SECTION("division by zero")
   {
      CHECK(bails("input a: decimal\ninput b: decimal\noutput q = round(a / b, 2)\n", R"({"a": 1, "b": 0})"));
      CHECK_FALSE(bails("input a: decimal\ninput b: decimal\noutput q = round(a / b, 2)\n", R"({"a": 1, "b": 3})"));
   }
   SECTION("int overflow")
   {
      CHECK(bails("input a: int\noutput x = a * a\n", R"({"a": 9223372036})"));
      CHECK_FALSE(bails("input a: int\noutput x = a * a\n", R"({"a": 3037000499})"));
   }
   SECTION("numbers beyond 64 bits")
   {
      CHECK(bails("input a: decimal\noutput x = a * a * a\n", R"({"a": 123456789012.5})"));
   }
   SECTION("money finer than pence")
   {
      CHECK(bails("input a: money\noutput x = a / 3\n", R"({"a": 10})"));
      CHECK_FALSE(bails("input a: money\noutput x = a / 4\n", R"({"a": 10})"));
   }
   SECTION("a require on an input (an error, not a violation)")
   {
      CHECK(bails("input a: int requires a > 0\noutput x = a\n", R"({"a": 0})"));
   }
   SECTION("conflicting exceptions")
   {
      const std::string rule = "input a: int\nrule r: int\n  default = 0\n  exception when a > 1 = 1\n  exception when a > 2 = 2\noutput x = r\n";
      CHECK(bails(rule, R"({"a": 3})"));
      CHECK_FALSE(bails(rule, R"({"a": 2})"));
   }
   SECTION("records the fast reader leaves to the general one")
   {
      const std::string p = "input a: money\ninput b: int = 4\noutput x = a * b\n";
      CHECK_FALSE(bails(p, R"({"a": 1.25})"));
      CHECK(bails(p, R"({"a": "£1,234.50"})"));
      CHECK(bails(p, R"({"a": 1e3})"));
      CHECK(bails(p, R"({"a": 1.25, "c": 1})"));
      CHECK(bails(p, R"({"a": 1.25, "b": 2.5})"));
      CHECK(bails(p, R"({"b": 2})"));
      CHECK(bails(p, R"({"a": 1.25} x)"));
      CHECK(bails(p, R"({"a\u0062": 1.25})"));
      // keys out of order are found by name; a name that only begins with an input's is not it
      CHECK_FALSE(bails(p, R"({"b": 2, "a": 1.25})"));
      CHECK(bails(p, R"({"b": 2, "ab": 1.25})"));
      CHECK(bails(p, R"({"b": 2, "a\u0020": 1.25})"));
   }
}

TEST_CASE("fixed-point code: scales, and the ratio code where they do not suffice")
{
   const auto as_of = *interp::Date::parse("2024-06-30");
   const auto run = [&](const std::string& text, const std::string& record, bool& fixed) {
      const interp::Policy policy = test::checked(text);
      REQUIRE(policy.lowered() != nullptr);
      REQUIRE(policy.lowered()->fixed != nullptr);
      fixed = false;
      const auto got = lowered_json(policy, record, as_of, &fixed);
      CHECK(got == general_json(policy, record, as_of));
      return got.value_or("bailed");
   };
   bool fixed = false;
   const std::string sum = "input a: decimal\ninput b: decimal\noutput x = a + 0.125\noutput y = min(b, a) * 3\n";
   CHECK(run(sum, R"({"a": 1.5, "b": 2})", fixed) == R"({"outputs":{"x":"1.625","y":"4.5"},"violations":[]})");
   CHECK(fixed);
   // more places than four: the ratio code
   CHECK(run(sum, R"({"a": 1.123456, "b": 2})", fixed) == R"({"outputs":{"x":"1.248456","y":"3.370368"},"violations":[]})");
   CHECK_FALSE(fixed);
   // 123456.5 cubed overflows at twelve places, not as a ratio of tenths
   const std::string cube = "input a: decimal\noutput x = a * a * a\n";
   CHECK(run(cube, R"({"a": 123456.5})", fixed) == R"({"outputs":{"x":"1881663157371312.125"},"violations":[]})");
   CHECK_FALSE(fixed);
   CHECK(run(cube, R"({"a": 12.5})", fixed) == R"({"outputs":{"x":"1953.125"},"violations":[]})");
   CHECK(fixed);
   // rounding a quotient, every mode, on both sides of zero
   for (const char* mode : {"half_up", "half_down", "half_even", "up", "down", "floor", "ceiling"}) {
      const std::string r = fmt::format("input a: money\ninput n: int\noutput x = round(a / n, £0.01, {})\noutput y = round(a * 0.3, £0.05, {})\n", mode, mode);
      for (const char* record : {R"({"a": 10.05, "n": 2})", R"({"a": -10.05, "n": 2})", R"({"a": 1.01, "n": -3})", R"({"a": 7, "n": 4})"}) {
         INFO(mode << " " << record);
         run(r, record, fixed);
         CHECK(fixed);
      }
   }
   CHECK(run("input a: decimal\ninput n: int\noutput x = round(a / n, 0.01)\n", R"({"a": 1, "n": 0})", fixed) == "bailed");
   // no outputs at all: an empty object
   CHECK(run("input a: decimal\nrequire a > 0 else \"a must be positive\"\n", R"({"a": 1})", fixed) == R"({"outputs":{},"violations":[]})");
}

TEST_CASE("lowered code notes violated requires, with their messages, in order")
{
   const auto as_of = *interp::Date::parse("2024-06-30");
   const interp::Policy policy = test::checked(R"(input a: int
input name: text = "Ann"
output x = a * 2
require a > 0 else "a must be positive, not {a}"
  source "the rule book, 1.1"
require a < 10 or name == "Bo"
  else "{trim(name)}: \"{a}\" is \\ too big"
require a != 5 else "not five"
)");
   REQUIRE(policy.lowered() != nullptr);
   for (const char* record : {R"({"a": 0})", R"({"a": 3})", R"({"a": 5})", R"({"a": 12, "name": " Zoë "})", R"({"a": 12, "name": "Bo"})"}) {
      INFO(record);
      const auto got = lowered_json(policy, record, as_of);
      REQUIRE(got.has_value());
      CHECK(*got == general_json(policy, record, as_of));
   }
   CHECK(lowered_json(policy, R"({"a": 0})", as_of) ==
         R"({"outputs":{"x":0},"violations":[{"rule":"a > 0","message":"a must be positive, not 0","source":"the rule book, 1.1"}]})");
   CHECK(lowered_json(policy, R"({"a": 12, "name": "Cy"})", as_of) ==
         R"({"outputs":{"x":24},"violations":[{"rule":"a < 10 or name == \"Bo\"","message":"Cy: \"12\" is \\ too big","source":null}]})");
   // a message beyond the code: the violation bails, and the rest is still lowered
   const interp::Policy ranged = test::checked("input a: int\noutput x = a\nrequire a > 0 else \"{first(range(a, 3)) ?? 0} first\"\n");
   REQUIRE(ranged.lowered() != nullptr);
   CHECK(lowered_json(ranged, R"({"a": 1})", as_of) == R"({"outputs":{"x":1},"violations":[]})");
   CHECK_FALSE(lowered_json(ranged, R"({"a": 0})", as_of).has_value());
   // picking an item is within it
   const interp::Policy listed = test::checked("input a: int\nlet xs = [a, a + 1]\noutput x = a\nrequire a > 0 else \"{first(xs) ?? 0} first\"\n");
   CHECK(lowered_json(listed, R"({"a": 0})", as_of) == R"({"outputs":{"x":0},"violations":[{"rule":"a > 0","message":"0 first","source":null}]})");
   CHECK(lowered_json(listed, R"({"a": 0})", as_of) == general_json(listed, R"({"a": 0})", as_of));
}

TEST_CASE("policies with lists of lists, or durations written out, are not lowered")
{
   CHECK(test::checked("record P { a: list of int }\ninput ps: list of P\noutput n = count(ps)\n").lowered() == nullptr);
   CHECK(test::checked("input xs: list of int\noutput ys = map(xs, x => [x])\n").lowered() == nullptr);
   CHECK(test::checked("input xs: list of int\noutput ys = map(xs, x => x * 1 month)\n").lowered() == nullptr);
   CHECK(test::checked("input xs: list of int\noutput ys = filter(xs, x => x > 1)\n").lowered() != nullptr);
   CHECK(test::checked("input xs: list of int\noutput n = first(sort(xs)) ?? 0\n").lowered() != nullptr);
   CHECK(test::checked("input xs: list of int\noutput n = count(filter(xs, x => x > 1))\n").lowered() != nullptr);
   CHECK(test::checked("record P { a: int }\ninput ps: list of P\noutput n = count(ps)\n").lowered() != nullptr);
   CHECK(test::checked("input name: text\noutput n = name == \"x\"\n").lowered() != nullptr);
   CHECK(test::checked("input a: int\noutput n = a + 1\n").lowered() != nullptr);
}

namespace {

// Policies that use text every way the lowered code takes it.
const char* const text_policies[] = {
   // inputs, trim, comparisons, interpolation of every scalar type, labels, optionals
   R"(enum Kind { alpha "Alpha one", beta "Beta two", gamma }
input name: text
input other: text = "a"
input note: text?
input kind: Kind
input n: int
input amount: money
input rate: decimal
input day: date
input flag: bool
input gap: int? 
let clean = trim(name)
output greeting = "Hello {clean}, {kind} ({label(kind)}) #{n}: {amount} at {rate} on {day}, {flag}, {gap}"
output same = clean == trim(other)
output before = name < other
output after = name >= other
output note_or = note ?? "no note"
output has_note = note != none
output shout = if clean == "" then "nobody" else "{clean}!"
output maybe: text? = if flag then none else "[{note}]"
output member = clean in ["DWP", "HMRC", ""]
output kind_label = label(kind)
)",
   // rules, tables and functions over text
   R"(input dept: text
input grade: int
fn tag(t: text, g: int) -> text = "{t}/{g}"
rule code: text
  default = "G{grade}"
  exception when trim(dept) == "DWP" = "D-{grade}"
  exception when grade > 100 = "big"
table band(d: text, g: int) -> text hit first
  | d     | g    | band     |
  | "DWP" | < 10 | "low"    |
  | "DWP" | -    | "high"   |
  | -     | >= 50 | "senior" |
  | -     | -    | "other"  |
table unit(d: text) -> int hit unique
  | d                   | unit |
  | "DWP", "HMRC"       | 1    |
  | "Ministry of Justice" | 2  |
  default = 0
output tagged = tag(code, grade)
output b = band(trim(dept), grade)
output u = unit(dept)
output long = "{tagged} {tagged} {tagged}"
)",
   // straight code: it runs in lanes
   R"(input name: text
input n: int
output g = "{trim(name)}:{n * 2}"
output e = trim(name) == "a"
output t = trim(name)
)",
};

}  // namespace

namespace {

// Policies that take lists of scalars apart every way the lowered code does.
const char* const list_policies[] = {
   R"(input awards: list of money = []
input limit: money
input ages: list of int
input days: list of date?
input names: list of text = ["a"]
input scale: decimal = 1
let bonus = 0.5
output total = sum(awards)
output n = count(awards) + count(ages)
output big = count(awards, a => a > limit)
output all_positive = all(awards, a => a > £0)
output any_over = any(ages, x => x * scale > 40 + bonus)
output weighted = round(sum(awards, a => a * scale), £0.01)
output age_total = sum(ages)
output youngest: int? = if count(ages) == 0 then none else min(ages)
output oldest: int? = if count(ages) == 0 then none else max(ages)
output top: money? = if count(awards) == 0 then none else max(awards)
output has_limit = limit in awards
output known = "DWP" in names
output dated = count(days, d => (d ?? 2000-01-01) > 2020-01-01)
output literal = sum([limit, limit * 2, £1])
output mentioned = 30 in [count(ages), 30]
require sum(awards) <= limit * 10 else "awards of {sum(awards)} are over ten times {limit}"
require all(ages, a => a >= 0) else "an age is negative"
)",
   R"(record Period { start: date, end: date?, grade: int }
input periods: list of Period
input as_of: date
fn last_day(p: Period, as_of: date) -> date = min(p.end ?? as_of, as_of)
let open = filter(periods, p => p.end == none)
let starts = map(periods, p => p.start)
let long_ones = filter(periods, p => days_between(p.start, last_day(p, as_of)) > 365)
output n_open = count(open)
output first_start: date? = if count(starts) == 0 then none else min(starts)
output long_grades = sum(map(long_ones, p => p.grade))
output nested = count(periods, p => any(periods, q => q.start < p.start))
output top_grade: int? = if count(periods) == 0 then none else max(map(periods, p => p.grade))
output mapped = sum(map(filter(periods, p => p.grade > 3), p => p.grade * 2))
require all(periods, p => (p.end ?? p.start) >= p.start)
  else "a period ends before it starts: {min(map(filter(periods, p => (p.end ?? p.start) < p.start), p => p.start))}"
)",
   // picking items, sorting, and lists and records as outputs
   R"(record Period { start: date, end: date?, grade: int }
input periods: list of Period = []
input awards: list of money = []
input names: list of text = []
input ages: list of int
input flags: list of bool? = []
input n: int
output by_age = sort(ages)
output smallest = first(sort(awards))
output largest = last(sort(awards))
output nth_age = at(ages, n)
output first_ages = take(ages, n)
output other_names = drop(names, n)
output unique_names = distinct(names)
output unique_awards = distinct(awards)
output unique_flags = distinct(flags)
output sorted_names = sort(names)
output first_period = first(periods)
output last_period = last(filter(periods, p => p.end == none))
output grades = map(periods, p => p.grade)
output ended = filter(periods, p => p.end != none)
output top_two = sum(take(sort(awards), 2))
output starts = sort(map(periods, p => p.start))
output doubled = map(awards, a => a * 2)
output mentioned = at(names, n) ?? "nobody"
output nth_name = at(names, count(ages))
output some_ages = take(ages, count(names))
output later_awards = drop(awards, count(names))
output last_name = last(drop(sort(names), count(ages)))
require count(distinct(ages)) == count(ages) else "ages repeat: {first(sort(ages)) ?? 0} is the least"
)",
   R"(input xs: list of decimal?
input ys: list of int = [1, 2, 3]
fn total(v: list of int) -> int = sum(v, x => x * 2)
output t = total(ys)
output some = count(xs, x => x != none)
output least = min(ys)
output any_big = any(ys, y => y > 2) and all(ys, y => y < 100)
)",
};

}  // namespace

// Runs purpose-made policies over random records, on as many dates, through the lowered code and
// the general evaluator: the same bytes whenever the code answers (JSON and CSV routes), and an
// answer for at least `share` of the records the general evaluator answers.
template <std::size_t N>
void agree_on_random_records(const char* const (&texts)[N], std::uint64_t seed, int cases, std::initializer_list<const char*> days, double share, bool analysed = true)
{
   std::mt19937_64 rng(seed);
   for (const char* text : texts) {
      const interp::Policy policy = analysed ? test::checked(text) : test::unanalysed(text);
      REQUIRE(policy.lowered() != nullptr);
      std::size_t fast = 0, general_ok = 0;
      for (const char* day : days) {
         const auto as_of = *interp::Date::parse(day);
         for (int i = 0; i < test::cases(cases); ++i) {
            const auto record = random_record(policy.program(), rng);
            const auto want = general_json(policy, record, as_of);
            const auto got = lowered_json(policy, record, as_of);
            if (want) ++general_ok;
            if (!got) continue;
            ++fast;
            INFO(text << "\n" << record);
            REQUIRE(want.has_value());
            REQUIRE(*got == *want);
            if (const auto fields = lowered_fields_json(policy, record, as_of)) CHECK(*fields == *want);
         }
      }
      INFO(text << "\n" << fast << " records lowered, of " << general_ok << " without errors");
      CHECK(static_cast<double>(fast) >= share * static_cast<double>(general_ok));
   }
}

namespace {

// Tables of enum columns, answered straight from the variants (gaps and overlaps included: two
// rows of a unique table, or of an any table with different outputs, bail), and conditions of
// `and`, `or` and `not`, lowered as jumps: in requires, input requires, rules and ifs.
const char* const branch_policies[] = {
   R"(enum Grade { A, B, C, D }
enum Site { north, south, east }
input grade: Grade
input site: Site
input other: Grade = B
input x: int requires x > -5 and (x < 120 or x == 200) and not (x == 7 and grade == D)
input flag: bool = false
table unique_pay(g: Grade, s: Site) -> money hit unique
  | g    | s            | pay   |
  | A    | north        | £10   |
  | A    | south, east  | £11   |
  | B, C | -            | £20   |
  | D    | north        | £30   |
table first_pay(g: Grade, s: Site) -> int hit first
  | g | s     | n |
  | A | -     | 1 |
  | - | north | 2 |
  | - | -     | 3 |
table any_pay(g: Grade) -> bool hit any
  | g    | ok    |
  | A, B | true  |
  | B    | true  |
  | C    | false |
  | C, D | true  |
table clashing(g: Grade) -> int hit unique
  | g    | n |
  | A, B | 1 |
  | B    | 2 |
  default = 9
table by_site(s: Site) -> Grade hit unique
  | s     | g |
  | north | A |
  | south | B |
fn band_of(v: int, f: bool) -> int = if v > 50 and f then 3 else if v > 10 then 2 else 1
rule level: int
  default = 0
  exception when flag and x > 10 = 1
  exception when not flag or grade == A = 2
  exception when (x > 50 or site == east) and not (grade == B or grade == C) = 3
output pay = unique_pay(grade, site)
output n = first_pay(grade, site) + first_pay(other, south)
output ok = any_pay(grade)
output clash = clashing(other)
output site_grade = by_site(site)
output lvl = level
output pick = if grade == A and (site == north or flag) then "first" else if not (x > 3 or flag) then "low" else "other"
output both = if x > 100 or (flag and site != north) then x else 0
output band = if grade == C then band_of(x, flag) else if flag then 0 else band_of(x + 1, not flag)
require not (grade == D and site == south) else "no D grades in the south"
require x < 100 or flag or grade == A else "{x} is too much without the flag"
require not flag or (x >= 0 and other != D) else "flagged {x} for {other}"
)",
};

}  // namespace

TEST_CASE("enum tables and jumping conditions in lowered code agree with the general evaluator")
{
   // with gaps and overlaps, as pol batch compiles (the checker reports them to pol check)
   agree_on_random_records(branch_policies, 83, 3000, {"2024-06-30"}, 0.95, false);
   // the tables of enum columns are looked up, not tested row by row
   const interp::Policy policy = test::unanalysed(branch_policies[0]);
   std::size_t lookups = 0;
   for (const auto& i : policy.lowered()->ins) lookups += i.op == interp::Op::lookup ? 1 : 0;
   CHECK(lookups == 6);
}

TEST_CASE("lists of scalars in lowered code agree with the general evaluator")
{
   agree_on_random_records(list_policies, 57, 3000, {"2024-06-30"}, 0.8);
}

TEST_CASE("lists in lowered code keep to the list and step budgets")
{
   const auto as_of = *interp::Date::parse("2024-06-30");
   const interp::Policy policy = test::checked("input xs: list of int\noutput a = sum(xs, x => x * x)\noutput b = count(xs, x => any(xs, y => y > x))\n");
   const auto& code = *policy.lowered();
   const auto run = [&](interp::MachineLimits limits, const std::string& record) {
      interp::Machine m(code, policy.program(), as_of, limits);
      std::string out;
      return m.read_json(record) && m.run() && m.write_json(out) ? out : std::string("bailed");
   };
   CHECK(run({}, R"({"xs": [1, 2, 3]})") == R"({"outputs":{"a":14,"b":2},"violations":[]})");
   CHECK(run({.list = 2}, R"({"xs": [1, 2, 3]})") == "bailed");
   CHECK(run({.list = 3}, R"({"xs": [1, 2, 3]})") != "bailed");
   // n² steps for the nested loop: within the budget for 3 items, not for 300
   std::string many = R"({"xs": [)";
   for (int k = 0; k < 300; ++k) many += (k ? "," : "") + std::to_string(k);
   many += "]}";
   CHECK(run({.steps = 100000}, R"({"xs": [1, 2, 3]})") != "bailed");
   CHECK(run({.steps = 100000}, many) == "bailed");
   CHECK(run({}, many) != "bailed");
   // lists written in the policy count too, though no record brings them
   for (const char* text : {"input k: int\noutput a = sum([k, k + 1, 3])\n", "input k: int\nparam ps: list of int = [1, 2, 3]\noutput b = k in ps\n",
                            "input k: int\noutput c = k in [1, 2, 3]\n"}) {
      INFO(text);
      const interp::Policy literal = test::checked(text);
      REQUIRE(literal.lowered() != nullptr);
      interp::Machine two(*literal.lowered(), literal.program(), as_of, {.list = 2}), three(*literal.lowered(), literal.program(), as_of, {.list = 3});
      std::string out;
      CHECK_FALSE((two.read_json(R"({"k": 1})") && two.run()));
      CHECK((three.read_json(R"({"k": 1})") && three.run() && three.write_json(out)));
   }
}

TEST_CASE("min and max of a list of text are left to the general evaluator")
{
   // lowered min and max compare numbers and dates; text is compared byte by byte elsewhere
   const interp::Policy policy = test::checked("input ts: list of text\noutput lo = min(ts)\noutput hi = max(ts)\n");
   CHECK(policy.lowered() == nullptr);
   CHECK(general_json(policy, R"({"ts": ["b", "a"]})", *interp::Date::parse("2024-06-30")) == R"({"outputs":{"lo":"a","hi":"b"},"violations":[]})");
}

TEST_CASE("text in lowered code agrees with the general evaluator")
{
   agree_on_random_records(text_policies, 31, 1500, {"2024-06-30", "2012-01-01"}, 0.9);
}

TEST_CASE("text in lowered code: over the text budget it bails")
{
   const auto as_of = *interp::Date::parse("2024-06-30");
   const interp::Policy policy = test::checked("input name: text\noutput g = \"Hello {trim(name)}!\"\noutput t = trim(name)\n");
   const auto& code = *policy.lowered();
   interp::Machine m(code, policy.program(), as_of, interp::MachineLimits{.text = 14});
   std::string out;
   CHECK((m.read_json(R"({"name": " Ann "})") && m.run() && m.write_json(out)));
   CHECK(out == R"({"outputs":{"g":"Hello Ann!","t":"Ann"},"violations":[]})");
   CHECK_FALSE((m.read_json(R"({"name": "Annabelle and Bob"})") && m.run()));  // the input itself
   CHECK_FALSE((m.read_json(R"({"name": "Annabelle"})") && m.run()));          // "Hello Annabelle!"
   CHECK((m.read_json(R"({"name": "Annabel"})") && m.run()));                 // "Hello Annabel!": 14 bytes
}

TEST_CASE("straight code gives the same over many records at once as one at a time")
{
   std::mt19937_64 rng(7);
   std::size_t straight = 0;
   for (const auto& file : policy_files()) {
      auto c = interp::compile_file(file.string());
      if (!c.ok()) continue;
      const interp::Policy policy(std::move(c.program));
      if (!policy.lowered() || !policy.lowered()->straight) continue;
      const auto& code = *policy.lowered();
      const auto as_of = *interp::Date::parse("2024-06-30");
      interp::Machine single(code, policy.program(), as_of), many(code, policy.program(), as_of);
      std::vector<std::vector<interp::Cell>> batch;
      // (records with lists are read straight into the machine, not made from values: none here)
      for (int tries = 0; batch.size() < interp::lanes && tries < 2000; ++tries) {
         std::vector<interp::RuntimeError> errors;
         const auto values = policy.decode_inputs(interp::parse_json(random_record(policy.program(), rng)).value, errors);
         std::vector<interp::Cell> cells;
         if (errors.empty() && interp::Machine::cells_of(code, values, cells)) batch.push_back(cells);
      }
      if (batch.empty()) continue;
      ++straight;
      std::uint64_t unfit = 0;  // records the fixed-point code in the lanes does not take
      for (std::size_t l = 0; l < batch.size(); ++l) unfit |= static_cast<std::uint64_t>(many.load_lane(l, batch[l]) ? 0 : 1) << l;
      const auto failed = many.run_lanes(batch.size());
      for (std::size_t l = 0; l < batch.size(); ++l) {
         INFO(file.string() << " lane " << l);
         if ((unfit >> l & 1) != 0) continue;
         single.load(batch[l]);
         const bool ok = single.run();
         // a lane bails only where one record alone does, or where the ratio code must take it
         const bool same_code = ok && (single.answered_fixed() || !code.fixed);
         CHECK(same_code == ((failed >> l & 1) == 0));
         if (!same_code) continue;
         CHECK(single.exact() == many.exact(l));
         for (std::size_t i = 0; i < code.outputs.size(); ++i) {
            std::string a, b;
            single.write_output(i, a);
            many.write_value(i, many.lane_output(l, i), b);
            CHECK(a == b);
         }
      }
   }
   CHECK(straight >= 3);
}

TEST_CASE("lowered code accepts only results it can write, on the JSON and the CSV route")
{
   const auto as_of = *interp::Date::parse("2024-06-30");
   struct Case {
      const char* policy;
      const char* record;
   };
   // results that are exact, but need more than 64 bits to be written
   for (const Case& c : {Case{"input rate: decimal\nlet growth = 1 + rate\noutput factor = growth * growth * growth * growth * growth\n", R"({"rate": "0.0625"})"},
                         Case{"input x: decimal\ninput y: decimal\noutput p = x * y\n", R"({"x": "0.0009765625", "y": "0.0009765625"})"},
                         Case{"input a: money\noutput s = a + £0.01\n", R"({"a": "92233720368547758.07"})"},
                         Case{"input a: money\ninput n: int\noutput s = a / n\n", R"({"a": "92233720368547758.07", "n": 4})"}}) {
      INFO(c.policy << c.record);
      const interp::Policy policy = test::checked(c.policy);
      REQUIRE(policy.lowered() != nullptr);
      const auto want = general_json(policy, c.record, as_of);
      interp::Machine m(*policy.lowered(), policy.program(), as_of);
      std::string out;
      if (m.read_json(c.record) && m.run() && m.exact()) {
         CHECK(m.write_json(out));
         CHECK(out == want);
      }
      const auto fields = lowered_fields_json(policy, c.record, as_of);
      if (fields) CHECK(fields == want);
   }
}

TEST_CASE("the lowered readers take number text only as the general reader does")
{
   const auto as_of = *interp::Date::parse("2024-06-30");
   const std::vector<std::string> texts = {"12", "-12", "12.50", "0.5", "007", "1.", ".5", "+5", "1e3", "-0", "£12", "-£12.5", "£-12", "£1,234.50", "1,234", "1,23",
                                           "36,50", "£1,2,3", "1,,2", "1£2£3", "50%", "2.5%", "500%", "12 ", " 12", "1.2.3", "9223372036854775807", "92233720368547758.07", ""};
   for (const char* type : {"money", "decimal", "int"}) {
      const interp::Policy policy = test::checked(fmt::format("input x: {}\noutput y = x\n", type));
      REQUIRE(policy.lowered() != nullptr);
      for (const auto& text : texts) {
         INFO(type << " \"" << text << "\"");
         const std::string as_string = fmt::format(R"({{"x": "{}"}})", text);
         const auto want = general_json(policy, as_string, as_of);
         if (const auto got = lowered_json(policy, as_string, as_of)) CHECK(got == want);
         if (const auto got = lowered_fields_json(policy, as_string, as_of)) CHECK(got == want);
         const std::string as_number = fmt::format(R"({{"x": {}}})", text);
         if (interp::parse_json(as_number).ok()) {
            if (const auto got = lowered_json(policy, as_number, as_of)) CHECK(got == general_json(policy, as_number, as_of));
         }
      }
   }
   // what the general reader refuses
   const interp::Policy money = test::checked("input x: money\noutput y = x\n");
   for (const char* text : {"36,50", "£1,2,3", "1,,2", "1£2£3", "50%", "£-12", "1,23"}) {
      INFO(text);
      CHECK_FALSE(general_json(money, fmt::format(R"({{"x": "{}"}})", text), as_of).has_value());
   }
   const interp::Policy whole = test::checked("input x: int\noutput y = x\n");
   CHECK_FALSE(general_json(whole, R"({"x": "500%"})", as_of).has_value());
   const interp::Policy rate = test::checked("input x: decimal\noutput y = x\n");
   CHECK(general_json(rate, R"({"x": "2.5%"})", as_of) == R"({"outputs":{"y":"0.025"},"violations":[]})");
}

TEST_CASE("the lowered readers leave records with a key given twice to the general reader")
{
   const auto as_of = *interp::Date::parse("2024-06-30");
   const interp::Policy policy = test::checked("input a: money\ninput b: money?\noutput x = a + (b ?? £0)\n");
   for (const char* record : {R"({"a": 1, "a": 2})", R"({"a": 1, "b": null, "b": 2})", R"({"b": 2, "a": 1, "b": 3})"}) {
      INFO(record);
      CHECK_FALSE(lowered_json(policy, record, as_of).has_value());
      CHECK_FALSE(general_json(policy, record, as_of).has_value());
   }
   interp::Machine m(*policy.lowered(), policy.program(), as_of);
   const std::vector<std::string_view> names = {"a", "a"}, fields = {"1", "2"};
   CHECK_FALSE(m.read_fields(names, fields));
}

TEST_CASE("the lowered reader takes dates and enum words only as the general reader does")
{
   const auto as_of = *interp::Date::parse("2024-06-30");
   // a label that is another variant's name, labels with quotes, backslashes, tabs and
   // non-ASCII letters, and an empty one
   const interp::Policy policy = test::checked(
      "enum E { a \"b\", b, c \"C \\\"q\\\"\", d \"D\\\\e\", f \"£ pound\", g \"Tab\\tx\", h \"\" }\n"
      "input e: E\ninput d: date\noutput x = e\noutput y = d\n");
   REQUIRE(policy.lowered() != nullptr);
   const std::vector<std::string> words = {R"("a")", R"("b")", R"("c")", R"("C \"q\"")", R"("d")", R"("D\\e")", R"("f")", "\"£ pound\"", R"("\u00a3 pound")",
                                           R"("g")", R"("Tab\tx")", R"("h")", R"("")", R"("A")", R"("a ")", R"("ab")", R"("\u0061")", "1", "null"};
   const std::vector<std::string> dates = {R"("2024-02-29")", R"("2023-02-29")", R"("2024-2-03")", R"("2024-02-03 ")", R"("2024-02-0\u0033")", R"("0000-01-01")",
                                           R"("9999-12-31")", R"("2024/02/03")", R"("2024-13-01")", R"("20240203")", "20240203", R"("2024-02-03"x)"};
   for (const auto& e : words) {
      for (const auto& d : dates) {
         const std::string record = fmt::format(R"({{"e": {}, "d": {}}})", e, d);
         INFO(record);
         const auto want = general_json(policy, record, as_of);
         if (const auto got = lowered_json(policy, record, as_of)) CHECK(got == want);
      }
   }
   // the common forms are read by the lowered reader itself
   CHECK(lowered_json(policy, R"({"e": "b", "d": "2024-02-29"})", as_of) == R"({"outputs":{"x":"a","y":"2024-02-29"},"violations":[]})");
   CHECK(lowered_json(policy, R"({"e": "h", "d": "0001-01-01"})", as_of) == R"({"outputs":{"x":"h","y":"0001-01-01"},"violations":[]})");
   // an empty label is no label: "" is no word of the enum
   CHECK_FALSE(general_json(policy, R"({"e": "", "d": "0001-01-01"})", as_of).has_value());
   CHECK_FALSE(lowered_json(policy, R"({"e": "", "d": "0001-01-01"})", as_of).has_value());
   CHECK(lowered_json(policy, "{\"e\": \"£ pound\", \"d\": \"2024-01-31\"}", as_of) == R"({"outputs":{"x":"f","y":"2024-01-31"},"violations":[]})");
}

TEST_CASE("lowered results with many and long output names are written as the general evaluator writes them")
{
   const auto as_of = *interp::Date::parse("2024-06-30");
   // names of 20 to 90 characters: the writer's buffer fills and is flushed, and the longest
   // keys take the string route
   std::string source = "enum E { a \"A\", b }\ninput m: money\ninput d: date\ninput e: E\ninput t: text\n";
   for (int k = 0; k < 40; ++k) {
      const std::string name = "output_" + std::string(static_cast<std::size_t>(13 + k * 2), static_cast<char>('a' + k % 26)) + std::to_string(k);
      const char* values[] = {"m * 1000000", "d", "e", "t", "m / 3 > £1", "round(m / 7, £0.01, half_up)"};
      source += fmt::format("output {} = {}\n", name, values[k % 6]);
   }
   const interp::Policy policy = test::checked(source);
   REQUIRE(policy.lowered() != nullptr);
   for (const char* record : {R"({"m": 123456789.25, "d": "2024-02-29", "e": "A", "t": "x\"y"})", R"({"m": -0.01, "d": "0001-01-01", "e": "b", "t": ""})"}) {
      INFO(record);
      const auto want = general_json(policy, record, as_of);
      REQUIRE(want.has_value());
      CHECK(lowered_json(policy, record, as_of) == want);
   }
}

TEST_CASE("an enum of many words alike is read by the lowered reader as the general reader reads it")
{
   const auto as_of = *interp::Date::parse("2024-06-30");
   // sixty grades, all starting with G; G5's label is G7's name, so "G7" is G5 (the first match)
   std::string variants;
   for (int k = 0; k < 60; ++k) variants += fmt::format("{}G{}{}", k ? ", " : "", k, k == 5 ? " \"G7\"" : k == 10 ? " \"Grade ten\"" : "");
   const interp::Policy policy = test::checked("enum Grade { " + variants + " }\ninput g: Grade\noutput x = g\n");
   REQUIRE(policy.lowered() != nullptr);
   std::vector<std::string> words = {"G7", "Grade ten", "G60", "G", "", "g1", "G1 ", "G0\\u0030", "G\\\\1"};
   for (int k = 0; k < 60; ++k) words.push_back(fmt::format("G{}", k));
   for (const auto& w : words) {
      const std::string record = fmt::format(R"({{"g": "{}"}})", w);
      INFO(record);
      const auto want = general_json(policy, record, as_of);
      const auto got = lowered_json(policy, record, as_of);
      if (got) CHECK(got == want);
      if (want && w.starts_with('G') && w.find('\\') == std::string::npos) CHECK(got.has_value());  // the plain words are read by the lowered reader
   }
   CHECK(lowered_json(policy, R"({"g": "G7"})", as_of) == R"({"outputs":{"x":"G5"},"violations":[]})");
   CHECK(lowered_json(policy, R"({"g": "Grade ten"})", as_of) == R"({"outputs":{"x":"G10"},"violations":[]})");
}

namespace {

// How many instructions of an op a policy's lowered (ratio) code holds.
std::size_t count_ops(const interp::Policy& policy, interp::Op op)
{
   const auto& ins = policy.lowered()->ins;
   return static_cast<std::size_t>(std::count_if(ins.begin(), ins.end(), [&](const interp::Ins& i) { return i.op == op; }));
}

}  // namespace

TEST_CASE("every comparison over every order of two values, as the general evaluator compares")
{
   // each operator in a checked form (icmp_check), a value (icmp), a jump (icmp_else) and over
   // ratios and optionals, for a below, equal to and above b
   const interp::Policy policy = test::checked(R"(input a: int
input b: int
input x: decimal
input y: decimal
input o: int?
output lt = a < b
output le = a <= b
output gt = a > b
output ge = a >= b
output eq = a == b
output ne = a != b
output xlt = x < y
output xge = x >= y
output one = if a <= b then "le" else if a > b + 1 then "far above" else "just above"
output olt = o != none and (o ?? 0) < b
output oeq = o == b
require a != b or x <= y else "x above y when a is b"
)");
   REQUIRE(policy.lowered() != nullptr);
   const auto as_of = *interp::Date::parse("2024-06-30");
   std::size_t compared = 0;
   for (const int a : {-2, 3, 4, 5, 9})
      for (const char* x : {"-1.5", "0.25", "0.5"})
         for (const char* o : {"null", "3", "4", "5"}) {
            const std::string record = fmt::format(R"({{"a": {}, "b": 4, "x": {}, "y": 0.25, "o": {}}})", a, x, o);
            INFO(record);
            const auto want = general_json(policy, record, as_of);
            REQUIRE(want.has_value());
            CHECK(lowered_json(policy, record, as_of) == want);
            ++compared;
         }
   CHECK(compared == 60);
}

TEST_CASE("lowering folds what constants decide: whole-number arithmetic and table lookups")
{
   const auto as_of = *interp::Date::parse("2024-06-30");
   const interp::Policy policy = test::checked(R"(enum Scheme { classic, nuvos, alpha }
input born: date
input scheme: Scheme
table pension_age(s: Scheme) -> int hit unique
  | s              | age |
  | classic        | 60  |
  | nuvos, alpha   | 65  |
let alpha_date = add_years(born, pension_age(alpha))
output alpha_age_date = alpha_date
output scheme_date = add_years(born, pension_age(scheme))
output later = max(alpha_date, add_years(born, 2 * 3 + 60))
)");
   REQUIRE(policy.lowered() != nullptr);
   // pension_age(alpha) and 65 * 12 months are constants; pension_age(scheme) is looked up
   CHECK(count_ops(policy, interp::Op::lookup) == 1);
   CHECK(count_ops(policy, interp::Op::imul) == 1);  // the looked-up age in months
   CHECK(count_ops(policy, interp::Op::iadd) == 0);
   for (const char* record : {R"({"born": "1960-02-29", "scheme": "classic"})", R"({"born": "1990-07-01", "scheme": "alpha"})"}) {
      INFO(record);
      const auto want = general_json(policy, record, as_of);
      REQUIRE(want.has_value());
      CHECK(lowered_json(policy, record, as_of) == want);
   }
   CHECK(lowered_json(policy, R"({"born": "1960-02-29", "scheme": "nuvos"})", as_of) ==
         R"({"outputs":{"alpha_age_date":"2025-02-28","scheme_date":"2025-02-28","later":"2026-02-28"},"violations":[]})");
}

TEST_CASE("a rule's exception on whether an input is given jumps on none, with no comparison")
{
   const auto as_of = *interp::Date::parse("2024-06-30");
   const interp::Policy policy = test::checked(R"(input born: date
input age: int?
rule pension_date: date
  default = add_years(born, 65)
  exception when age != none = add_years(born, age ?? 0)
output date = pension_date
)");
   REQUIRE(policy.lowered() != nullptr);
   CHECK(count_ops(policy, interp::Op::ocmp) == 0);
   CHECK(count_ops(policy, interp::Op::jump_if_none) == 1);
   CHECK(lowered_json(policy, R"({"born": "1970-03-01", "age": 60})", as_of) == R"({"outputs":{"date":"2030-03-01"},"violations":[]})");
   CHECK(lowered_json(policy, R"({"born": "1970-03-01"})", as_of) == R"({"outputs":{"date":"2035-03-01"},"violations":[]})");
   CHECK(lowered_json(policy, R"({"born": "1970-03-01", "age": null})", as_of) == general_json(policy, R"({"born": "1970-03-01", "age": null})", as_of));
}

TEST_CASE("a rule's exceptions, each combination that applies, as the general evaluator decides")
{
   // three exceptions (two agree, one refined, one with a value computed), with and without a
   // default: every combination of the four conditions against the general evaluator, and the
   // code bails exactly where two exceptions that apply disagree or none applies without a default
   const auto as_of = *interp::Date::parse("2024-06-30");
   for (const char* fallback : {"  default = n * 10\n", ""}) {
      const std::string text = std::string("enum Grade { low, mid, high }\ninput p: bool\ninput q: bool\ninput r: bool\ninput s: bool\ninput n: int\ninput g: Grade\n"
                                           "rule pay: int\n") +
                               fallback +
                               "  exception when p = 1\n"
                               "  exception when q and g in [low, mid] = 1\n"
                               "  exception raised when r = n + 2\n"
                               "  exception to raised when s = 7\n"
                               "output x = pay\n";
      INFO(text);
      const interp::Policy policy = test::checked(text);
      REQUIRE(policy.lowered() != nullptr);
      std::size_t answered = 0, bailed = 0;
      for (int bits = 0; bits < 16; ++bits)
         for (const char* g : {"low", "high"})
            for (const int n : {-1, 5}) {
               const auto flag = [&](int k) { return (bits >> k & 1) ? "true" : "false"; };
               const std::string record = fmt::format(R"({{"p": {}, "q": {}, "r": {}, "s": {}, "n": {}, "g": "{}"}})", flag(0), flag(1), flag(2), flag(3), n, g);
               INFO(record);
               const auto want = general_json(policy, record, as_of);
               const auto got = lowered_json(policy, record, as_of);
               if (got) {
                  ++answered;
                  CHECK(got == want);
               } else {
                  ++bailed;
                  CHECK_FALSE(want.has_value());  // a conflict, or no value at all: an error
               }
               // the code answers wherever the general evaluator does
               CHECK(got.has_value() == want.has_value());
            }
      CHECK(answered > 0);
      CHECK(bailed > 0);
   }
}

TEST_CASE("outputs rounded to pence or decimal places need no check of their written form")
{
   const auto as_of = *interp::Date::parse("2024-06-30");
   const interp::Policy policy = test::checked(R"(input x: money
input d: decimal
input big: bool
output thirds = round(x / 3, £0.01)
output either = if big then round(x * 1.5, £0.10) else round(x / 7, £1)
output twentieths = round(x * 1.5, £0.05)
output quarter = x / 4
output tenth_pence = round(x / 3, £0.001)
output places = round(d / 3, 0.0001)
output pay_per_day = round(x, £0.01) / 365
)");
   REQUIRE(policy.lowered() != nullptr);
   std::map<std::string, bool> checked;
   for (const auto& o : policy.lowered()->outputs) checked[o.name] = o.check;
   CHECK_FALSE(checked["thirds"]);
   CHECK_FALSE(checked["either"]);
   CHECK_FALSE(checked["places"]);
   CHECK(checked["quarter"]);      // whole pence only for some amounts
   CHECK(checked["tenth_pence"]);  // finer than pence: money must be checked
   CHECK(checked["pay_per_day"]);
   CHECK(checked["twentieths"]);   // over 20, not a power of ten: left to the check
   for (const char* record : {R"({"x": 10.05, "d": 2, "big": true})", R"({"x": 100, "d": -1.5, "big": false})"}) {
      INFO(record);
      const auto want = general_json(policy, record, as_of);
      CHECK(lowered_json(policy, record, as_of) == want);
   }
   CHECK(lowered_json(policy, R"({"x": 10.01, "d": 2, "big": true})", as_of) == std::nullopt);  // a quarter of 10.01 is not in pence
}

TEST_CASE("constant input defaults are loaded with the record, on every route, in ratio, fixed and lane code")
{
   const interp::Policy policy = test::checked(R"(enum Kind { a, b }
input pay: money
input bonus: money = £1.50
input rate: decimal = 0.125
input n: int = 3
input kind: Kind = b
input note: text = "none given"
input start: date = 2020-02-29
input flag: bool = true
output total = pay + bonus * n
output scaled = round(pay * rate, £0.01)
output count = n * 2
output kind_out = kind
output note_out = note
output later = add_years(start, 1)
output flag_out = flag
)");
   const auto& code = *policy.lowered();
   REQUIRE(code.fixed != nullptr);
   CHECK(count_ops(policy, interp::Op::or_else) == 0);
   const auto as_of = *interp::Date::parse("2024-06-30");
   const std::vector<std::string> records = {
      R"({"pay": 100})",
      R"({"pay": 100.25, "n": 0, "kind": "a", "note": "", "flag": false})",
      R"({"pay": 3, "bonus": 0, "rate": 2, "start": "2021-03-01"})",
      R"({"pay": 100, "rate": 0.123456})",  // more places than the fixed-point code reads: the ratio code
   };
   interp::Machine many(code, policy.program(), as_of);
   std::vector<std::vector<interp::Cell>> batch;
   for (const auto& record : records) {
      INFO(record);
      const auto want = general_json(policy, record, as_of);
      REQUIRE(want.has_value());
      bool fixed = false;
      CHECK(lowered_json(policy, record, as_of, &fixed) == want);
      CHECK(fixed == (record != records.back()));
      if (const auto fields = lowered_fields_json(policy, record, as_of)) CHECK(*fields == *want);
      // typed values, as the library reads them, in lanes
      std::vector<interp::RuntimeError> errors;
      const auto values = policy.decode_inputs(interp::parse_json(record).value, errors);
      std::vector<interp::Cell> cells;
      REQUIRE(interp::Machine::cells_of(code, values, cells));
      batch.push_back(cells);
   }
   REQUIRE(code.straight);
   std::uint64_t unfit = 0;
   for (std::size_t l = 0; l < batch.size(); ++l) unfit |= static_cast<std::uint64_t>(many.load_lane(l, batch[l]) ? 0 : 1) << l;
   CHECK(unfit == 0b1000);
   const auto failed = many.run_lanes(batch.size(), unfit);  // the unfit lane is skipped
   CHECK(failed == 0b1000);
   interp::Machine single(code, policy.program(), as_of);
   for (std::size_t l = 0; l < 3; ++l) {
      single.load(batch[l]);
      REQUIRE(single.run());
      for (std::size_t i = 0; i < code.outputs.size(); ++i) {
         std::string a, b;
         single.write_output(i, a);
         many.write_value(i, many.lane_output(l, i), b);
         CHECK(a == b);
      }
   }
   CHECK(lowered_json(policy, records[0], as_of) ==
         R"({"outputs":{"total":"104.50","scaled":"12.50","count":6,"kind_out":"b","note_out":"none given","later":"2021-02-28","flag_out":true},"violations":[]})");
}

TEST_CASE("a number input's default with more places than it is read at leaves the input's meaning alone")
{
   // the fixed-point code read the given 1 at four places, then took the register to be at six
   // (the default's): 1 became 0.01. Such an input now keeps the code in ratios.
   const auto as_of = *interp::Date::parse("2024-06-30");
   for (const auto& [text, doubled] : std::vector<std::pair<std::string, std::string>>{{"input fine: decimal = 0.123456\noutput finer = fine * 2\n", "\"2\""},
                                                                                   {"input fine: decimal = 0.123456 * 1\noutput finer = fine * 2\n", "\"2\""},
                                                                                   {"input fine: money = £0.125\noutput finer = fine * 2\n", "\"2.00\""}}) {
      INFO(text);
      const interp::Policy policy = test::checked(text);
      REQUIRE(policy.lowered() != nullptr);
      for (const char* record : {R"({"fine": 1})", R"({"fine": 2.5})", R"({})"}) {
         INFO(record);
         const auto want = general_json(policy, record, as_of);
         REQUIRE(want.has_value());
         CHECK(lowered_json(policy, record, as_of) == want);
      }
      CHECK(lowered_json(policy, R"({"fine": 1})", as_of) == R"({"outputs":{"finer":)" + doubled + R"(},"violations":[]})");
   }
}
