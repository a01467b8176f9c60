#include <catch2/catch.hpp>

#include <random>

#include <nlohmann/json.hpp>

#include "format.hpp"
#include "helpers.hpp"

using namespace pol;

TEST_CASE("£23,000 / 12 * 10, rounded to pence once, is £19,166.67")
{
   CHECK(test::output("output x = round(£23,000 / 12 * 10, £0.01, half_up)") == "\"19166.67\"");
   CHECK(test::output("output x = 0.1 + 0.2 == 0.3") == "true");
}

TEST_CASE("money read from JSON numbers and strings is exact")
{
   const char* policy = "input a: money\ninput b: money\noutput x = a + b\n";
   CHECK(test::output(policy, R"({"a": 0.1, "b": "0.2"})") == "\"0.30\"");
   CHECK(test::output(policy, R"({"a": "£1,000.10", "b": 1e2})") == "\"1100.10\"");
}

TEST_CASE("money that is not whole pence must be rounded before output")
{
   CHECK(test::output("output x = £10 / 3") == "error: output x is £3.3333333333…, which is not a whole number of pence");
}

TEST_CASE("division by zero is a runtime error with its position")
{
   const auto o = test::run("input a: int\noutput x = 10 / a\n", R"({"a": 0})");
   REQUIRE(o.errors.size() == 1);
   CHECK(o.errors[0].code == "R0201");
   CHECK(o.errors[0].message == "division by zero: 10 / 0");
   CHECK(o.errors[0].span.begin == 24);
   REQUIRE(o.errors[0].trace.size() == 1);
   CHECK(o.errors[0].trace[0] == "while computing output x (test.pol:2:8)");
}

TEST_CASE("int overflow is an error, never a wrap")
{
   const auto o = test::run("input a: int\noutput x = a * a\n", R"({"a": 9999999999})");
   REQUIRE(o.errors.size() == 1);
   CHECK(o.errors[0].code == "R0202");
}

TEST_CASE("inputs are validated: missing, unknown and wrong type each name the field")
{
   const auto o = test::run("input a: int\ninput b: date\ninput c: bool = false\noutput x = a\noutput y = b\noutput z = c\n", R"({"b": 5, "d": 1})");
   REQUIRE(o.errors.size() == 3);
   CHECK(o.errors[0].field == "b");
   CHECK(o.errors[0].message == "input \"b\" should be a date, \"YYYY-MM-DD\", but it is 5");
   CHECK(o.errors[1].field == "d");
   CHECK(o.errors[2].field == "a");
   CHECK(o.errors[2].message == "input \"a\" is missing: expected a whole number");
}

TEST_CASE("requires on an input is checked")
{
   const auto o = test::run("input d: int requires 0 <= d <= 364\noutput x = d\n", R"({"d": 400})");
   REQUIRE(o.errors.size() == 1);
   CHECK(o.errors[0].code == "R0104");
}

TEST_CASE("calendar built-ins")
{
   CHECK(test::output("output x = add_years(2000-02-29, 1)") == "\"2001-02-28\"");
   CHECK(test::output("output x = add_months(2024-01-31, 1)") == "\"2024-02-29\"");
   CHECK(test::output("output x = days_between(2024-01-01, 2024-12-31)") == "365");
   CHECK(test::output("output x = years_between(1980-07-01, 2024-06-30)") == "43");
   CHECK(test::output("output x = age_on(2000-02-29, 2001-02-28)") == "1");
   CHECK(test::output("output x = months_between(2024-01-31, 2024-03-30)") == "1");
}

TEST_CASE("trim drops white space at either end of a text, so a blank text trims to empty")
{
   CHECK(test::output("output x = trim(\"  MOD \\t\")") == "\"MOD\"");
   CHECK(test::output("output x = trim(\"D W P\")") == "\"D W P\"");
   CHECK(test::output("input t: text\noutput x = trim(t) == \"\"", R"({"t": " \n\t "})") == "true");
   CHECK(test::output("output x = trim(\"\")") == "\"\"");
}

TEST_CASE("list functions")
{
   CHECK(test::output("output x = sum([£1.50, £2.25])") == "\"3.75\"");
   CHECK(test::output("output x = count([1, 2, 3], n => n > 1)") == "2");
   CHECK(test::output("output x = map(filter([1, 2, 3, 4], n => n > 2), n => n * 10)") == "[30,40]");
   CHECK(test::output("output x = all([1, 2], n => n > 0) and not any([1, 2], n => n > 5)") == "true");
   CHECK(test::output("output x = max([3, 9, 4])") == "9");
   CHECK(test::output("output x = min(2, 1.5)") == "\"1.5\"");
}

TEST_CASE("rules: exceptions override the default, conflicts are errors")
{
   const char* policy = R"(input age: int
rule cap: int source "6.3.6"
  default = 21
  exception old when age >= 65 = 6 source "over pension age"
  exception to old when age >= 90 = 1
output x = cap
)";
   CHECK(test::output(policy, R"({"age": 40})") == "21");
   CHECK(test::output(policy, R"({"age": 70})") == "6");
   CHECK(test::output(policy, R"({"age": 95})") == "1");
   const char* conflict = "input a: int\nrule r: int\n  exception when a > 1 = 1\n  exception when a > 2 = 2\noutput x = r\n";
   CHECK(test::run(conflict, R"({"a": 3})").errors.at(0).code == "R0501");
   CHECK(test::run(conflict, R"({"a": 0})").errors.at(0).code == "R0502");
}

TEST_CASE("effective-dated params take the value in force")
{
   const char* policy = R"(input exit: date
param cap: money?
  from 2020-11-04 = £95,000
  from 2021-02-12 = none
output x = cap as of exit
)";
   CHECK(test::output(policy, R"({"exit": "2020-12-01"})") == "\"95000.00\"");
   CHECK(test::output(policy, R"({"exit": "2021-04-01"})") == "null");
   CHECK(test::output(policy, R"({"exit": "2019-04-01"})") == "error: param cap has no value on 2019-04-01: its first value is from 2020-11-04");
}

TEST_CASE("tables are called like functions")
{
   const char* policy = R"(enum Band { A, B }
input years: int
table rate(band: Band, years: int) -> decimal hit first
  | band | years    | rate |
  | A    | < 5      | 1.5  |
  | A    | >= 5     | 2    |
  | B    | -        | 3    |
output x = rate(A, years)
)";
   CHECK(test::output(policy, R"({"years": 4})") == "\"1.5\"");
   CHECK(test::output(policy, R"({"years": 5})") == "\"2\"");
}

TEST_CASE("text is written in JSON as the JSON library writes it, bytes that are not UTF-8 replaced")
{
   // every byte alone, and strings of pieces: ASCII, escapes, controls, UTF-8 of 2 to 4 bytes,
   // overlong forms, surrogates, stray continuation bytes and cut sequences
   std::vector<std::string> texts;
   for (int b = 0; b < 256; ++b) texts.emplace_back(1, static_cast<char>(b));
   const std::vector<std::string> pieces = {"a", "Z ", "\"", "\\", "/", "\b", "\f", "\n", "\r", "\t", "\x01", "\x1f", "\x7f", "\xC3\xA9", "\xE2\x82\xAC",
                                            "\xF0\x9F\x92\xB7", "\xC0\xAF", "\xED\xA0\x80", "\x80", "\xE2\x82", "\xF4\x90\x80\x80", "\xC2", "\xEF\xBB\xBF"};
   std::mt19937 random(7);
   for (int k = 0; k < 4000; ++k) {
      std::string t;
      const int n = static_cast<int>(random() % 6);
      for (int i = 0; i < n; ++i) t += pieces[random() % pieces.size()];
      texts.push_back(t);
   }
   for (const auto& t : texts) {
      std::string got;
      pol::interp::append_json_string(got, t);
      const std::string want = nlohmann::json(t).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      if (got != want) FAIL(want << " was written " << got);
   }
   CHECK(texts.size() == 256 + 4000);
}
