// The row scan (lang/row_scan.hpp) reads plain table rows without the grammar. These tests
// parse the same text with it and with the grammar alone, and require the same syntax tree,
// spans and diagnostics: over every policy in the tree, over rows chosen to sit at the edges of
// what the scan accepts, and over random rows made from those.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <random>

#include <fmt/format.h>

#include "parser.hpp"
#include "row_scan.hpp"
#include "walk.hpp"

using namespace pol;

namespace {

namespace fs = std::filesystem;

std::string describe(const lang::Span& s) { return fmt::format("{}:{}-{}", s.file, s.begin, s.end); }

std::string describe(const lang::Expr* e)
{
   if (!e) return "null";
   std::string out = fmt::format("({} {} [{}] [{}] op{} {}-{}-{} u{}", static_cast<int>(e->kind), describe(e->span), e->text, e->qualifier, static_cast<int>(e->op),
                                 e->date.year, e->date.month, e->date.day, static_cast<int>(e->unit));
   for (const auto op : e->compare_ops) out += fmt::format(" c{}", static_cast<int>(op));
   for (std::size_t i = 0; i < e->field_names.size(); ++i) out += fmt::format(" f{}@{}", e->field_names[i], describe(e->field_spans[i]));
   for (const auto& p : e->parts) out += fmt::format(" [{}|{}]", p.chunk, p.expr_index);
   for (const auto& a : e->args) out += " " + describe(a.get());
   return out + ")";
}

std::string describe(const lang::Cell& c)
{
   std::string out = fmt::format("<{} {} op{} {}{} neg{}", static_cast<int>(c.kind), describe(c.span), static_cast<int>(c.op), c.low_closed, c.high_closed, c.negated);
   for (const auto& v : c.values) out += " " + describe(v.get());
   out += " low " + describe(c.low.get()) + " high " + describe(c.high.get());
   for (const auto& t : c.tests) out += " " + describe(t);
   return out + ">";
}

// Every table in full, with every span; every other expression; and every diagnostic.
std::string describe(lang::Module& m, const lang::Diagnostics& diagnostics)
{
   std::string out;
   for (const auto& d : m.order) out += fmt::format("decl {} {}\n", static_cast<int>(d.kind), d.index);
   for (const auto& t : m.tables) {
      out += fmt::format("table {} {} {} hit {} {}\n", t.name, describe(t.name_span), describe(t.span), static_cast<int>(t.hit), static_cast<int>(t.collect));
      for (std::size_t i = 0; i < t.columns.size(); ++i) out += fmt::format(" column {} {}\n", t.columns[i], describe(t.column_spans[i]));
      for (const auto& v : t.versions) {
         out += fmt::format(" version {} {}\n", describe(v.span), v.from ? fmt::format("{}-{}-{}", v.from->year, v.from->month, v.from->day) : "undated");
         for (const auto& row : v.rows) {
            out += fmt::format("  row {} source [{}] {} output {}\n", describe(row.span), row.source.text, describe(row.source.span), describe(row.output.get()));
            for (const auto& c : row.cells) out += "   " + describe(c) + "\n";
         }
         out += "  default " + describe(v.default_value.get()) + "\n";
      }
   }
   lang::for_each_root(m, [&](lang::ExprPtr& e) { out += "root " + describe(e.get()) + "\n"; });
   for (const auto& d : diagnostics.items()) {
      out += fmt::format("diagnostic {} {} {} [{}] [{}] [{}]\n", static_cast<int>(d.severity), d.code, describe(d.span), d.message, d.label, d.help);
   }
   out += fmt::format("unparsed {} {}\n", m.unparsed.size(), m.unparsed_unchecked);
   for (const auto& r : m.recovered) out += "recovered " + describe(r) + "\n";
   return out;
}

std::string parse(const std::string& text, lang::RowReading reading)
{
   lang::SourceSet sources;
   const auto file = sources.add("policy.pol", text);
   lang::Diagnostics diagnostics;
   auto module = lang::parse_module(sources, file, diagnostics, reading);
   return describe(module, diagnostics);
}

void check_same_tree(const std::string& text)
{
   INFO("policy:\n" << text);
   CHECK(parse(text, lang::RowReading::scan_plain_rows) == parse(text, lang::RowReading::grammar_only));
}

std::string read(const fs::path& path)
{
   std::ifstream in(path, std::ios::binary);
   return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Whether the scan reads the row that starts `line`.
bool scanned(const std::string& line)
{
   lang::row_scan::Row row;
   return lang::row_scan::read_row(line, 0, row);
}

const std::string table_head = "enum Grade { G0, G1 }\ninput grade: Grade\ninput pay: money\n\ntable t(grade: Grade, pay: money) -> money hit first\n  | grade | pay | out |\n";

// Cells at the edges of what the scan reads, and just past them.
const std::vector<std::string> cells = {
   "G0", "G12", "x_1", "_a", "notice", "sourced", "years", "true", "false", "none", "not", "if", "in", "and", "source", "default", "from", "table",
   "5", "0", "-5", "- 5", "-", "-x", "--5", "- -5", "-£5", "£1,000", "£1,00", "£1,0000", "£1,000.50", "£1.", "£1,000,000", "1.5", "1.5%", "5%", "1.5.3", "5x", "5.x",
   "2024-06-30", "2024-02-30", "2024-13-01", "2024-06", "2024-06-30x", "5 years", "1 day", "\"text\"", "\"\"", "\"a\\\"b\"", "\"{grade}\"", "\"a}b\"",
   "[£0..£1000)", "(1..2]", "[1 .. 2]", "[ -1..1 ]", "[a + 1..b)", "[1...2)", "[1..", "[1..2", "[1, 2]", "(5)", "[2024-01-01..2025-01-01)",
   ">= £319000", "< 5", "<= -1", "== G0", "!= x", ">=-5", "<> 5", "= 5", "> 1.5%", "not(G0, G1)", "not (< 5)", "not G0",
   "a, b", "a,b", "G0 ,G1", "< 18, >= 60", "G0, [1..2)", "1, - 2", "a,", ", a", "f(x)", "f (x)", "x.y", "a.b.c", "x ?? 1", "a + b", "a - b", "a * 2", "a and b",
   "x as of 2024-01-01", "p => p", "é", "1 2", "\t5\t", "G0 # note", "{a: 1}",
};

// What may follow a table's rows.
const std::vector<std::string> endings = {
   "\noutput o = t(grade, pay)\n", "\n  default = £1\n", "  from 2025-01-01\n  | G0 | - | £2 |\n", "  source \"rule 2\"\n", "  c | d |\n", "  # a comment\n\n", "", "\n\n  not(x) |\n",
   "\n  true |\n", "  - |\n", "  from 2025-01-01\n  | grade | pay | out |\n  | G0 | - | £2 |\n", "  from 2025-01-01\n  | grade | pay |\n  | G0 | - | £2 |\n",
   "  from 2025-01-01\n  | grade | pay | out | source \"x\"\n  | G0 | - | £2 |\n", "  | grade | pay | out |\n",
};

}  // namespace

TEST_CASE("the row scan reads the rows of big tables, and leaves other rows to the grammar")
{
   CHECK(scanned("| G0 | [£0..£1000) | £62.02 |\n| G0 |"));
   CHECK(scanned("| G49 | >= £319000 | £332.22 |\n\noutput pay_band = band(grade, pay)\n"));
   CHECK(scanned("| -5, 2024-06-30 | < 5, 1.5% | \"a\" | none |"));
   CHECK(scanned("| a | b | 1.5 |  # a comment\r\n  | c |"));
   CHECK(scanned("| a | b |\n"));  // built, and dropped with the table if it is the header again
   CHECK_FALSE(scanned("| a | 1.5 | source \"rule 2\""));
   CHECK_FALSE(scanned("| a | 1.5 |\n  source \"rule 2\""));
   CHECK_FALSE(scanned("| a | 1.5 |\n  c |"));  // the grammar reads on: the row has three cells
   CHECK_FALSE(scanned("| a + 1 | 1.5 |"));
   CHECK_FALSE(scanned("| a # c\n | 1.5 |"));
   CHECK_FALSE(scanned("| not(a) | 1.5 |"));
}

TEST_CASE("the row scan builds the same tables as the grammar, over every policy in the tree")
{
   std::size_t files = 0;
   for (const char* folder : {"policies", "examples", "tests", "stdlib", "bench"}) {
      if (!fs::exists(fs::path(POL_SOURCE_DIR) / folder)) continue;
      for (const auto& entry : fs::recursive_directory_iterator(fs::path(POL_SOURCE_DIR) / folder)) {
         if (!entry.is_regular_file() || entry.path().extension() != ".pol") continue;
         INFO(entry.path().string());
         check_same_tree(read(entry.path()));
         ++files;
      }
   }
   CHECK(files > 200);
}

TEST_CASE("the row scan builds the same rows as the grammar, cell by cell")
{
   for (const auto& cell : cells) {
      for (const auto& other : {std::string("G0"), std::string("[£0..£1000)"), std::string("-")}) {
         check_same_tree(table_head + "  | " + cell + " | " + other + " | £1 |\n  | G1 | " + cell + " | £2 |\n\noutput o = t(grade, pay)\n");
         check_same_tree(table_head + "  |" + other + "|" + cell + "|" + cell + "|\n");
      }
   }
   for (const auto& ending : endings) {
      check_same_tree(table_head + "  | G0 | [£0..£1000) | £62.02 |\n  | G1 | >= £1000 | £1 |" + ending);
      check_same_tree(table_head + "  | G0 | [£0..£1000) | £62.02 |\r\n  | G1 | >= £1000 | £1 |  # note\r\n" + ending);
   }
}

TEST_CASE("the row scan builds the same tables as the grammar, over random rows")
{
   std::mt19937 random(20240630);
   const auto pick = [&](const auto& from) { return from[std::uniform_int_distribution<std::size_t>(0, from.size() - 1)(random)]; };
   const std::vector<std::string> blanks = {"", " ", "  ", "\t", " \t "};
   const std::vector<std::string> line_ends = {"\n", "\n", "\n", "\r\n", "  # note\n", "\n\n"};
   for (int table = 0; table < 1000; ++table) {
      std::string text = table_head;
      const int rows = std::uniform_int_distribution<int>(1, 8)(random);
      for (int r = 0; r < rows; ++r) {
         text += pick(blanks) + "|";
         for (int c = 0; c < 3; ++c) {
            // mostly cells the scan reads, so that a wrong one among them shows
            const std::string cell = std::uniform_int_distribution<int>(0, 3)(random) == 0 ? pick(cells) : pick(std::vector<std::string>{"G0", "£5", "[£0..£1000)", ">= 1", "-", "2024-01-01", "1.5%"});
            text += pick(blanks) + cell + pick(blanks) + "|";
         }
         text += pick(line_ends);
      }
      text += pick(endings);
      check_same_tree(text);
      // and with a few bytes put in anywhere among the rows: most of these no longer parse
      std::string edited = text;
      const std::vector<std::string> inserts = {"|", "-", ",", ".", "..", "[", "]", "(", ")", "#", "\n", "\r", "\r\n", "\t", " ", "£", "\"", "5", "a", ">", "=", "%", "{", "\\", "é"};
      for (int edit = std::uniform_int_distribution<int>(1, 3)(random); edit > 0; --edit) {
         const auto at = std::uniform_int_distribution<std::size_t>(table_head.size(), edited.size())(random);
         edited.insert(at, pick(inserts));
      }
      check_same_tree(edited);
   }
}
