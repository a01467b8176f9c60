#include <catch2/catch.hpp>
#include <tao/pegtl/contrib/analyze.hpp>

#include "grammar.hpp"
#include "parser.hpp"
#include "helpers.hpp"

using namespace pol;

TEST_CASE("the grammar has no rules that can loop without consuming input")
{
   CHECK(tao::pegtl::analyze<lang::grammar::file>(-1) == 0);
}

TEST_CASE("declarations are parsed with names, types and spans")
{
   auto c = test::compile("input pay: money = £23,000.50\nlet half = pay / 2\noutput x = half\n");
   REQUIRE(c.ok());
   const auto& m = c.program->main();
   REQUIRE(m.inputs.size() == 1);
   CHECK(m.inputs[0].name == "pay");
   CHECK(m.inputs[0].type.name == "money");
   CHECK(m.inputs[0].default_value->text == "23000.50");
   CHECK(m.lets[0].value->kind == lang::ExprKind::binary);
   CHECK(c.program->sources.file(0).slice(m.lets[0].value->span) == "pay / 2");
   CHECK(m.order.size() == 3);
}

TEST_CASE("comments are kept with their positions")
{
   auto c = test::compile("# heading\ninput x: int  # trailing \"quoted\"\noutput y = x\n");
   REQUIRE(c.ok());
   const auto& comments = c.program->main().comments;
   REQUIRE(comments.size() == 2);
   CHECK(comments[0].text == "# heading");
   CHECK(comments[1].text == "# trailing \"quoted\"");
}

TEST_CASE("a parse error says what was expected and where the bracket opened")
{
   auto c = test::compile("input x: int\noutput y = max(x,\n   2\n");
   REQUIRE(c.diagnostics.error_count() == 1);
   const auto& d = c.diagnostics.items()[0];
   CHECK(d.code == "E0101");
   CHECK(d.message == "expected ',' or ')' to close the call opened at 2:15, found the end of the line");
   // at the end of the line that lacks the ')', not at the end of the file
   CHECK(c.program->sources.file(d.span.file).line_col(d.span.begin).line == 3);
}

TEST_CASE("a mistake in a table row or a rule line is reported, and the rest of the declaration still is")
{
   auto c = test::compile(
      "enum S { A, B }\ninput s: S\ntable t(s: S) -> int\n  | s | n |\n  | A | 1 2 |\n  | B | [1.. |\n  | A | \"x\" |\n"
      "rule r: int\n  default = 1 +\n  exception when s == A = 2 *\n  exception when s == B = true\noutput x = t(s) + r\n");
   CHECK(test::codes(c) == std::vector<std::string>{"E0101", "E0101", "E0308", "E0101", "E0101", "E0308"});
}

TEST_CASE("recovery inside one declaration is bounded")
{
   std::string table = "enum S { A, B }\ninput s: S\ntable t(s: S) -> int\n  | s | n |\n";
   for (int i = 0; i < 1000; ++i) table += "  | A | 1 2 |\n";
   auto c = test::compile(table + "output x = t(s)\noutput y = s + 1\n");
   // the first error and one per line dropped; then the table is skipped, and the rest checked
   CHECK(c.diagnostics.error_count() == 1 + pol::lang::max_recoveries + 1);
   CHECK(test::codes(c).back() == "E0301");
}

TEST_CASE("syntax errors in several declarations are all reported")
{
   auto c = test::compile("input x int\nlet a = (1 + \nlet b = 2\noutput y = [1, 2\noutput z = b\n");
   CHECK(test::codes(c) == std::vector<std::string>{"E0101", "E0101", "E0101"});
}

TEST_CASE("nesting 10,000 levels deep is a clear error, not a crash")
{
   std::string deep = "output x = " + std::string(10000, '(') + "1" + std::string(10000, ')') + "\n";
   auto c = test::compile(deep);
   REQUIRE(c.diagnostics.error_count() == 1);
   CHECK(c.diagnostics.items()[0].code == "E0103");
   std::string negations = "output x = " + std::string(10000, '-') + "1\n";
   CHECK(test::codes(test::compile(negations)) == std::vector<std::string>{"E0103"});
}

TEST_CASE("literals: money, percent, dates and durations")
{
   CHECK(test::output("output x = £1,234.56") == "\"1234.56\"");
   CHECK(test::output("output x = 0.23%") == "\"0.0023\"");
   CHECK(test::output("output x = 2024-02-29") == "\"2024-02-29\"");
   CHECK(test::output("output x = 2024-01-31 + 1 month") == "\"2024-02-29\"");
   CHECK(test::output("output x = 37 hours") == "\"37 hours\"");
   CHECK(test::output("output x = \"a {1 + 1} b\"") == "\"a 2 b\"");
   CHECK(test::codes(test::compile("output x = 2023-02-29")) == std::vector<std::string>{"E0102"});
}
