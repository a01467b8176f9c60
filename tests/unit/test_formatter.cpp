// pol fmt's promises, over every policy in the tree and random edits of them: formatting twice
// changes nothing more, and the formatted text has the same tokens and the same syntax tree.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <random>

#include <fmt/format.h>

#include "formatter.hpp"
#include "parser.hpp"
#include "walk.hpp"
#include "helpers.hpp"

using namespace pol;

namespace {

namespace fs = std::filesystem;

struct Parsed {
   bool ok = false;
   std::string tree;  // the syntax tree without positions or comments
};

// One line per declaration and per expression (outermost first, with its number of operands),
// enough to tell any two different trees apart.
std::string describe(lang::Module& m)
{
   std::string out = fmt::format("policy {} {}\n", m.header.name, m.header.source.text);
   for (const auto& meta : m.header.meta) out += fmt::format("meta {} {}\n", meta.key, meta.value);
   for (const auto& d : m.order) out += fmt::format("decl {} {}\n", static_cast<int>(d.kind), d.index);
   for (const auto& e : m.enums) {
      out += "enum " + e.name;
      for (const auto& v : e.variants) out += fmt::format(" {}/{}", v.name, v.label);
      out += "\n";
   }
   for (const auto& r : m.records) {
      out += "record " + r.name;
      for (const auto& f : r.fields) out += fmt::format(" {}:{}{}", f.name, f.type.name, f.type.optional ? "?" : "");
      out += "\n";
   }
   for (const auto& i : m.inputs) out += fmt::format("input {}:{}{} {}\n", i.name, i.type.name, i.type.optional ? "?" : "", i.source.text);
   for (const auto& p : m.params) {
      out += fmt::format("param {}:{} {}\n", p.name, p.type.name, p.source.text);
      for (const auto& period : p.periods) out += fmt::format("  from {}-{}-{} {}\n", period.from.year, period.from.month, period.from.day, period.source.text);
   }
   for (const auto& l : m.lets) out += "let " + l.name + "\n";
   for (const auto& f : m.fns) out += fmt::format("fn {} {} -> {}\n", f.name, f.params.size(), f.result.name);
   for (const auto& o : m.outputs) out += "output " + o.name + "\n";
   for (const auto& r : m.requires_) out += "require " + r.source.text + "\n";
   for (const auto& r : m.rules) {
      out += fmt::format("rule {}:{} {} {}\n", r.name, r.type.name, r.source.text, r.default_source.text);
      for (const auto& x : r.exceptions) out += fmt::format("  exception {} to {} {}\n", x.label, x.parent, x.source.text);
   }
   for (const auto& t : m.tables) {
      out += fmt::format("table {} hit {} {} {}\n", t.name, static_cast<int>(t.hit), static_cast<int>(t.collect), t.source.text);
      for (const auto& o : t.priority) out += fmt::format(" priority {}:{}", o.field, o.values.size());
      for (const auto& c : t.columns) out += " " + c;
      for (const auto& v : t.versions) {
         out += v.from ? fmt::format("\n  from {}-{}-{}", v.from->year, v.from->month, v.from->day) : "\n  undated";
         for (const auto& row : v.rows) {
            out += "\n  row " + row.source.text;
            for (const auto& c : row.cells) {
               out += fmt::format(" {}:{}:{}{}:{}:{}", static_cast<int>(c.kind), static_cast<int>(c.op), c.low_closed, c.high_closed, c.negated, c.tests.size());
            }
         }
      }
      out += "\n";
   }
   for (const auto& t : m.tests) {
      out += "test " + t.name + (t.expect_error ? " error " + *t.expect_error : "");
      for (const auto& v : t.expect_violations) out += " violation " + v;
      out += "\n";
   }
   lang::walk_module(m, [&](lang::Expr& e) {
      out += fmt::format("expr {} [{}] [{}] {} {} {}-{}-{} {} (", static_cast<int>(e.kind), e.text, e.qualifier, static_cast<int>(e.op), e.args.size(), e.date.year,
                         e.date.month, e.date.day, static_cast<int>(e.unit));
      for (const auto op : e.compare_ops) out += fmt::format("{} ", static_cast<int>(op));
      for (const auto& f : e.field_names) out += f + " ";
      for (const auto& p : e.parts) out += fmt::format("[{}|{}]", p.chunk, p.expr_index);
      out += ")\n";
   });
   return out;
}

Parsed parse(const std::string& text)
{
   lang::SourceSet sources;
   const auto file = sources.add("policy.pol", text);
   lang::Diagnostics diagnostics;
   auto module = lang::parse_module(sources, file, diagnostics);
   Parsed p;
   p.ok = !diagnostics.has_errors();
   if (p.ok) p.tree = describe(module);
   return p;
}

std::string read(const fs::path& path)
{
   std::ifstream in(path, std::ios::binary);
   return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Every policy file in the tree: the shipped policies and the golden cases.
std::vector<fs::path> policy_files()
{
   std::vector<fs::path> out;
   for (const char* folder : {"policies", "tests/golden", "bench"}) {
      for (const auto& entry : fs::recursive_directory_iterator(fs::path(POL_SOURCE_DIR) / folder)) {
         if (entry.is_regular_file() && entry.path().extension() == ".pol") out.push_back(entry.path());
      }
   }
   std::sort(out.begin(), out.end());
   return out;
}

// The formatter's promises for one text that parses; fails the test with the text if one breaks.
void check_promises(const std::string& text, const std::string& what)
{
   INFO(what);
   const auto before = parse(text);
   REQUIRE(before.ok);
   const std::string once = lang::format_policy(text);
   INFO("formatted:\n" << once);
   const auto after = parse(once);
   REQUIRE(after.ok);
   CHECK(lang::format_policy(once) == once);
   CHECK(lang::significant_tokens(once) == lang::significant_tokens(text));
   CHECK(after.tree == before.tree);
}

// A random edit that keeps the text mostly valid: layout and comments, or whole lines moved.
std::string mutate(const std::string& text, std::mt19937& random)
{
   std::vector<std::string> lines;
   std::size_t start = 0;
   while (start <= text.size()) {
      const auto end = std::min(text.find('\n', start), text.size());
      lines.push_back(text.substr(start, end - start));
      start = end + 1;
   }
   const auto pick = [&](std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(random); };
   static const std::vector<std::string> layout{" ", "  ", "\t", "\n", "\n\n", "\r\n", " # a comment\n", "\n# a comment line\n"};
   const std::size_t k = pick(lines.size());
   switch (pick(7)) {
      case 0: lines.erase(lines.begin() + static_cast<std::ptrdiff_t>(k)); break;
      case 1: lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(k), lines[k]); break;
      case 2: std::swap(lines[k], lines[pick(lines.size())]); break;
      case 3:
         if (k + 1 < lines.size()) {
            lines[k] += " " + lines[k + 1];
            lines.erase(lines.begin() + static_cast<std::ptrdiff_t>(k) + 1);
         }
         break;
      default: {  // layout between two characters: spaces, line breaks, comments
         std::string& line = lines[k];
         const std::size_t at = line.empty() ? 0 : pick(line.size() + 1);
         line.insert(at, layout[pick(layout.size())]);
         if (pick(2) == 0) {  // and squeeze a run of spaces somewhere else
            const auto space = line.find("  ");
            if (space != std::string::npos) line.erase(space, 1);
         }
      }
   }
   std::string out;
   for (std::size_t i = 0; i < lines.size(); ++i) out += lines[i] + (i + 1 < lines.size() ? "\n" : "");
   return out;
}

}  // namespace

TEST_CASE("formatting every policy in the tree keeps its tokens and syntax tree, and formatting again changes nothing")
{
   std::size_t checked = 0;
   for (const auto& path : policy_files()) {
      const std::string text = read(path);
      if (!parse(text).ok) continue;  // golden cases of syntax errors
      check_promises(text, path.string());
      ++checked;
   }
   CHECK(checked > 100);
}

TEST_CASE("the shipped policies are formatted")
{
   for (const auto& path : policy_files()) {
      if (path.string().find("/policies/") == std::string::npos) continue;
      const std::string text = read(path);
      INFO(path.string());
      CHECK(lang::format_policy(text) == text);
   }
}

TEST_CASE("randomly edited policies that still parse keep the formatter's promises")
{
   std::mt19937 random(std::getenv("POL_FMT_SEED") ? static_cast<unsigned>(std::atoi(std::getenv("POL_FMT_SEED"))) : 20261129u);
   std::vector<std::string> texts;
   for (const auto& path : policy_files()) {
      if (path.string().find("/policies/") != std::string::npos || path.string().find("/fmt/") != std::string::npos) texts.push_back(read(path));
   }
   REQUIRE(!texts.empty());
   std::size_t kept = 0;
   const int tries = test::cases(3000);
   for (int n = 0; n < tries; ++n) {
      std::string text = texts[static_cast<std::size_t>(n) % texts.size()];
      for (int edits = 1 + n % 4; edits > 0; --edits) text = mutate(text, random);
      if (!parse(text).ok) continue;
      check_promises(text, fmt::format("mutation {}", n));
      ++kept;
   }
   CHECK(kept > static_cast<std::size_t>(tries / 6));
}

TEST_CASE("the formatter aligns table columns by characters and keeps comments where they stand")
{
   const std::string text = "policy p\ninput r: text\n# above\ntable t(r: text) -> money  hit unique\n  | r | amount |\n  | \"é\" | £1 |  # one\n  | \"ab\" | £1,000.50 |\n\n\n"
                            "output x = t(r)   # the answer\n";
   CHECK(lang::format_policy(text) ==
         "policy p\ninput r: text\n# above\ntable t(r: text) -> money hit unique\n  | r    | amount    |\n  | \"é\"  | £1        |  # one\n  | \"ab\" | £1,000.50 |\n\n"
         "output x = t(r)  # the answer\n");
}

TEST_CASE("the formatter breaks a long expression at the width, and the parts stay inside their brackets")
{
   std::string text = "policy p\ninput a: int\noutput x = max(";
   for (int i = 0; i < 40; ++i) text += fmt::format("{}a + {}", i ? ", " : "", i);
   text += ")\n";
   const std::string once = lang::format_policy(text);
   std::size_t lines = 0;
   for (std::size_t start = 0; start < once.size();) {
      const auto end = once.find('\n', start);
      CHECK(end - start <= lang::format_width);
      if (lines >= 3) CHECK((once.substr(start, 2) == "  " && once[start + 2] != ' '));  // inside max(, one level in
      start = end + 1;
      ++lines;
   }
   CHECK(lines > 4);
   check_promises(text, "a long call");
}
