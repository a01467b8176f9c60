#include <catch2/catch.hpp>

#include "decimal.hpp"

using pol::interp::Decimal;
using pol::interp::Rounding;

namespace {
Decimal d(const char* s) { return *Decimal::parse(s); }
std::string str(const Decimal& x) { return x.to_exact_string().value_or("<inexact>"); }
}  // namespace

TEST_CASE("decimals are exact: 0.1 + 0.2 == 0.3")
{
   CHECK(d("0.1") + d("0.2") == d("0.3"));
   CHECK(str(d("0.1") + d("0.2")) == "0.3");
}

TEST_CASE("division is exact and rounding happens once")
{
   const Decimal x = d("23000") / 12 * 10;
   CHECK_FALSE(x.to_exact_string().has_value());  // 19166.666…
   CHECK(*x.round_to(d("0.01"), Rounding::half_up).to_fixed(2) == "19166.67");
   CHECK(d("1") / 3 * 3 == Decimal(1));
}

TEST_CASE("parsing reads the text exactly, including exponents and percentages")
{
   CHECK(str(d("12.50")) == "12.5");
   CHECK(str(d("-0.005")) == "-0.005");
   CHECK(str(d("1e3")) == "1000");
   CHECK(str(d("2.5E-2")) == "0.025");
   CHECK(str(d("0.23%")) == "0.0023");
   CHECK_FALSE(Decimal::parse("1.2.3"));
   CHECK_FALSE(Decimal::parse("abc"));
   CHECK_FALSE(Decimal::parse(""));
   CHECK(str(d("123456789012345678901234567890.123")) == "123456789012345678901234567890.123");
}

TEST_CASE("every rounding mode, on ties and non-ties, positive and negative")
{
   struct Case {
      const char* value;
      Rounding mode;
      const char* expected;
   };
   const Case cases[] = {
      {"2.5", Rounding::half_up, "3"},     {"-2.5", Rounding::half_up, "-3"},   {"2.5", Rounding::half_even, "2"},  {"3.5", Rounding::half_even, "4"},
      {"-2.5", Rounding::half_even, "-2"}, {"2.5", Rounding::half_down, "2"},   {"2.6", Rounding::half_down, "3"},  {"2.9", Rounding::down, "2"},
      {"-2.9", Rounding::down, "-2"},      {"2.1", Rounding::up, "3"},          {"-2.1", Rounding::up, "-3"},       {"-2.1", Rounding::floor, "-3"},
      {"2.9", Rounding::floor, "2"},       {"-2.9", Rounding::ceiling, "-2"},   {"2.1", Rounding::ceiling, "3"},    {"2.4", Rounding::half_up, "2"},
   };
   for (const auto& c : cases) {
      INFO(c.value);
      CHECK(str(d(c.value).round_to(1, c.mode)) == c.expected);
   }
   CHECK(str(d("7.3").round_to(d("0.5"), Rounding::half_up)) == "7.5");
   CHECK(str(d("12.5").round_to(5, Rounding::half_up)) == "15");
   CHECK(str(d("1.23456").round_places(4, Rounding::half_up)) == "1.2346");
}

TEST_CASE("division by zero is an error")
{
   CHECK_THROWS_AS(d("1") / Decimal(0), pol::interp::ArithmeticError);
}

TEST_CASE("values beyond 64 bits move to big rationals and stay exact")
{
   const Decimal big = Decimal(INT64_MAX) * Decimal(INT64_MAX);
   CHECK_FALSE(big.is_small());
   CHECK(str(big) == "85070591730234615847396907784232501249");
   CHECK(big / Decimal(INT64_MAX) == Decimal(INT64_MAX));
   CHECK((big / Decimal(INT64_MAX)).is_small());
   CHECK(Decimal(INT64_MIN) - Decimal(1) < Decimal(INT64_MIN));
}

TEST_CASE("fixed-point text for money")
{
   CHECK(*d("25000").to_fixed(2) == "25000.00");
   CHECK(*d("0.5").to_fixed(2) == "0.50");
   CHECK(*d("-0.05").to_fixed(2) == "-0.05");
   CHECK(*d("1.125").to_fixed(2) == "1.125");
   CHECK(d("1").operator/(3).describe() == "0.3333333333…");
}

#include "json_value.hpp"

TEST_CASE("JSON is read with every number's exact text, and errors are explained")
{
   using pol::interp::parse_json;
   const auto r = parse_json(R"( {"a": 0.1, "b": [1e2, -0, "x"], "c": {"d": true, "e": null}, "f": "caf\u00e9 \"q\""} )");
   REQUIRE(r.ok());
   CHECK(r.value.find("a")->text == "0.1");
   CHECK(r.value.find("b")->items[0].text == "1e2");
   CHECK(r.value.find("c")->find("d")->boolean);
   CHECK(r.value.find("f")->text == "café \"q\"");
   CHECK(parse_json("12345678901234567890.5").value.text == "12345678901234567890.5");
   for (const char* bad : {"{\"a\": 1,}", "{\"a\" 1}", "[1, 2", "{} x", "01", "1.", "\"\x01\"", "nul"}) {
      INFO(bad);
      CHECK_FALSE(parse_json(bad).ok());
   }
   CHECK(parse_json("{\"a\": 1,,}").error.find("invalid JSON at byte") == 0);
}

TEST_CASE("JSON text that is not UTF-8, and errors that quote it, stay valid")
{
   using pol::interp::parse_json;
   CHECK_FALSE(parse_json("{\"a\": \"\xC2\"}").ok());       // a character cut short
   CHECK(parse_json("{\"a\": \"\xC2\xA3" "5\"}").value.find("a")->text == "\xC2\xA3" "5");  // "£5"
   const auto bad = parse_json("{\"a\": \"x\"\xC2\xA3}");
   REQUIRE_FALSE(bad.ok());
   CHECK(bad.error.find('\xC2') == std::string::npos);
}
