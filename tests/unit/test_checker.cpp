#include <catch2/catch.hpp>

#include "helpers.hpp"

using namespace pol;
using Codes = std::vector<std::string>;

TEST_CASE("five different mistakes are all reported")
{
   auto c = test::compile(R"(input pay: money
input years: int
let total = pay + years
let monthly = pya / 12
let a = b + 1
let b = a * 2
output t = total
output x = round(monthly, £0.01, half_up, 3)
output y = if years > 2 then pay else "none"
)");
   CHECK(test::codes(c) == Codes{"E0301", "E0201", "E0206", "E0306", "E0305"});
   CHECK(c.diagnostics.items()[1].help == "did you mean 'pay'?");
   CHECK(c.diagnostics.items()[2].message == "dependency cycle: a → b → a");
}

TEST_CASE("kinds do not mix silently, and the help names the conversion")
{
   auto c = test::compile("input pay: money\ninput months: decimal\noutput x = pay + months\n");
   REQUIRE(test::codes(c) == Codes{"E0301"});
   CHECK(c.diagnostics.items()[0].message == "cannot add money and decimal");
   CHECK(c.diagnostics.items()[0].help.find("multiply instead") != std::string::npos);

   CHECK(test::codes(test::compile("input a: money\noutput x = a * a\n")) == Codes{"E0302"});
   CHECK(test::codes(test::compile("input a: date\ninput b: date\noutput x = a - b\n")) == Codes{"E0301"});
   CHECK(test::codes(test::compile("input a: money\noutput x = a > 5\n")) == Codes{"E0303"});
   // ints widen to decimals; money times a number is money
   CHECK(test::compile("input a: int\ninput p: money\noutput x = a + 0.5\noutput y = p * a\n").ok());
}

TEST_CASE("wrong arity for built-ins and user functions")
{
   CHECK(test::codes(test::compile("output x = add_years(2024-01-01)\n")) == Codes{"E0306"});
   CHECK(test::codes(test::compile("fn f(a: int) -> int = a\noutput x = f(1, 2)\n")) == Codes{"E0306"});
}

TEST_CASE("trim takes text, never optional text")
{
   CHECK(test::codes(test::compile("output x = trim(5)\n")) == Codes{"E0307"});
   CHECK(test::codes(test::compile("input t: text?\noutput x = trim(t)\n")) == Codes{"E0307"});
   CHECK(test::compile("input t: text?\noutput x = trim(t ?? \"\")\n").ok());
}

TEST_CASE("unused inputs and lets are warnings, not errors")
{
   auto c = test::compile("input a: int\ninput b: int\nlet c = 1\noutput x = a\n");
   CHECK(c.ok());
   CHECK(test::codes(c) == Codes{"W0401", "W0402"});
}

TEST_CASE("functions are pure and cannot recurse")
{
   CHECK(test::codes(test::compile("input a: int\nfn f(x: int) -> int = x + a\noutput y = f(1)\n")) == Codes{"E0209"});
   CHECK(test::codes(test::compile("fn f(x: int) -> int = g(x)\nfn g(x: int) -> int = f(x)\noutput y = f(1)\n")) == Codes{"E0207"});
}

TEST_CASE("optional values need a fallback")
{
   CHECK(test::codes(test::compile("input a: money?\noutput x = a + £1\n")) == Codes{"E0309"});
   CHECK(test::compile("input a: money?\noutput x = (a ?? £0) + £1\n").ok());
}

TEST_CASE("imports of the standard library")
{
   auto c = test::compile("import dates\ninput d: date\noutput y = dates.tax_year(d)\n");
   CHECK(c.ok());
   CHECK(test::codes(test::compile("import nosuch\noutput y = 1\n")) == Codes{"E0210"});
}

TEST_CASE("table analysis: overlap, gap and shadowed rows, with example inputs")
{
   auto overlap = test::compile("input n: int\ntable t(n: int) -> int\n  | n | r |\n  | [0..10) | 1 |\n  | >= 5 | 2 |\n  | < 0 | 0 |\noutput x = t(n)\n");
   REQUIRE(test::codes(overlap) == Codes{"E0501"});
   CHECK(overlap.diagnostics.items()[0].message == "rows 1 and 2 of table 't' overlap: both match n = 5");

   auto gap = test::compile("input n: money\ntable t(n: money) -> int\n  | n | r |\n  | < £50 | 1 |\n  | > £50 | 2 |\noutput x = t(n)\n");
   REQUIRE(test::codes(gap) == Codes{"E0502"});
   CHECK(gap.diagnostics.items()[0].message == "table 't' has a gap: no row matches n = £50.00");

   auto shadow = test::compile("input n: int\ntable t(n: int) -> int hit first\n  | n | r |\n  | - | 1 |\n  | 3 | 2 |\noutput x = t(n)\n");
   REQUIRE(test::codes(shadow) == Codes{"W0503"});

   // a default row closes every gap; adjacent int ranges leave none
   CHECK(test::compile("input n: int\ntable t(n: int) -> int\n  | n | r |\n  | [0..10) | 1 |\n  default = 0\noutput x = t(n)\n").diagnostics.items().empty());
   CHECK(test::compile("input n: int\ntable t(n: int) -> int\n  | n | r |\n  | <= 4 | 1 |\n  | >= 5 | 2 |\noutput x = t(n)\n").diagnostics.items().empty());
}

TEST_CASE("table analysis of 1,000 rows finds the one gap")
{
   std::string policy = "input n: int\ntable t(n: int) -> int\n  | n | r |\n  | < 0 | 0 |\n";
   for (int i = 0; i < 1000; ++i) {
      if (i == 617) continue;
      policy += "  | [" + std::to_string(i * 10) + ".." + std::to_string(i * 10 + 10) + ") | " + std::to_string(i) + " |\n";
   }
   policy += "  | >= 10000 | 0 |\noutput x = t(n)\n";
   auto c = test::compile(policy);
   REQUIRE(test::codes(c) == Codes{"E0502"});
   CHECK(c.diagnostics.items()[0].message == "table 't' has a gap: no row matches n = 6170");
}
