// pol::outline_file: a policy's declarations by name, each with its syntax tree written without
// positions or comments, so that two versions compare by meaning as written, not by layout.
#include <algorithm>

#include <fmt/format.h>

#include "internal.hpp"
#include "parser.hpp"

namespace pol {

namespace {

// Writes syntax trees as text that keeps everything but positions and comments.
class Shape {
public:
   std::string operator()(const lang::Expr* e) const
   {
      std::string out;
      if (e) expr(*e, out);
      return out;
   }

   std::string operator()(const lang::TypeExpr& t) const
   {
      std::string s = t.name;
      if (t.element) s += " of " + (*this)(*t.element);
      return t.optional ? s + "?" : s;
   }

   std::string operator()(const lang::Cell& c) const { return c.negated ? "(not " + cell(c) + ")" : cell(c); }

private:
   std::string cell(const lang::Cell& c) const
   {
      switch (c.kind) {
         case lang::CellKind::any: return "-";
         case lang::CellKind::values: {
            std::string s = "(any";
            for (const auto& v : c.values) s += " " + (*this)(v.get());
            return s + ")";
         }
         case lang::CellKind::compare: return fmt::format("({} {})", lang::to_string(c.op), (*this)(c.values.front().get()));
         case lang::CellKind::range:
            return fmt::format("(range {}{} {}{})", c.low_closed ? "[" : "(", (*this)(c.low.get()), (*this)(c.high.get()), c.high_closed ? "]" : ")");
         case lang::CellKind::either: {
            std::string s = "(either";
            for (const auto& t : c.tests) s += " " + (*this)(t);
            return s + ")";
         }
      }
      return {};
   }

   void expr(const lang::Expr& e, std::string& out) const
   {
      out += fmt::format("({} {:?}", static_cast<int>(e.kind), e.text);
      switch (e.kind) {
         case lang::ExprKind::call: out += fmt::format(" {:?}", e.qualifier); break;
         case lang::ExprKind::binary: out += fmt::format(" {}", lang::to_string(e.op)); break;
         case lang::ExprKind::compare:
            for (auto op : e.compare_ops) out += fmt::format(" {}", lang::to_string(op));
            break;
         case lang::ExprKind::date_lit: out += fmt::format(" {}-{}-{}", e.date.year, e.date.month, e.date.day); break;
         case lang::ExprKind::duration_lit: out += fmt::format(" {}", lang::unit_name(e.unit)); break;
         case lang::ExprKind::record:
            for (const auto& f : e.field_names) out += fmt::format(" {:?}", f);
            break;
         case lang::ExprKind::text_lit:
            for (const auto& p : e.parts) out += p.expr_index < 0 ? fmt::format(" {:?}", p.chunk) : fmt::format(" #{}", p.expr_index);
            break;
         default: break;
      }
      for (const auto& a : e.args) {
         out += ' ';
         expr(*a, out);
      }
      out += ')';
   }
};

std::string date_text(const lang::CivilDate& d) { return fmt::format("{:04}-{:02}-{:02}", d.year, d.month, d.day); }

// Lists the declarations of one parsed file.
class Outliner {
public:
   Outliner(const lang::SourceSet& sources, const lang::Module& m) : file_(sources.file(m.file)), module_(m) {}

   std::vector<Declaration> run()
   {
      const auto& m = module_;
      for (const auto& d : m.imports) add("import", "", d.target, d.target, d.span, fmt::format("{} {}", d.target, d.alias), "");
      for (const auto& d : m.enums) {
         std::string shape;
         for (const auto& v : d.variants) shape += fmt::format("{:?} {:?} ", v.name, v.label);
         add("enum", "", d.name, d.name, d.span, shape, "");
      }
      for (const auto& d : m.records) add("record", "", d.name, d.name, d.span, fields(d.fields), "");
      for (const auto& d : m.inputs) add("input", "", d.name, d.name, d.span, shape_(d.type) + shape_(d.default_value.get()) + shape_(d.requires_.get()), d.source.text);
      for (const auto& d : m.params) param(d);
      for (const auto& d : m.lets) add("let", "", d.name, d.name, d.span, (d.type ? shape_(*d.type) : "") + shape_(d.value.get()), "");
      for (const auto& d : m.fns) add("function", "", d.name, d.name, d.span, fields(d.params) + shape_(d.result) + shape_(d.body.get()), "");
      for (const auto& d : m.outputs) add("output", "", d.name, d.name, d.span, (d.type ? shape_(*d.type) : "") + shape_(d.value.get()), "");
      for (const auto& d : m.requires_) {
         add("require", "", shape_(d.condition.get()), text(d.condition->span), d.span, shape_(d.message.get()), d.source.text);
      }
      for (const auto& d : m.rules) rule(d);
      for (const auto& d : m.tables) table(d);
      for (const auto& d : m.tests) test(d);
      return std::move(out_);
   }

private:
   void add(std::string kind, std::string owner, std::string key, std::string name, lang::Span span, std::string shape, std::string source)
   {
      out_.push_back({std::move(kind), std::move(owner), std::move(key), std::move(name), text(span), std::move(shape) + " source " + source, std::move(source),
                      file_.line_col(span.begin).line});
   }

   std::string text(lang::Span span) const { return one_line(file_, module_, span); }

   std::string fields(const std::vector<lang::FieldDecl>& fields) const
   {
      std::string s;
      for (const auto& f : fields) s += fmt::format("{:?} {} ", f.name, shape_(f.type));
      return s;
   }

   void param(const lang::ParamDecl& d)
   {
      add("param", "", d.name, d.name, d.span, shape_(d.type) + shape_(d.value.get()), d.source.text);
      for (const auto& p : d.periods) {
         const std::string from = "from " + date_text(p.from);
         add("period", d.name, from, from, p.span, shape_(p.value.get()), p.source.text);
      }
      // a dated param is named by its periods: its own entry holds its type and source only
      if (!d.periods.empty()) out_[out_.size() - d.periods.size() - 1].text = fmt::format("param {}: {}", d.name, text(d.type.span));
   }

   void rule(const lang::RuleDecl& d)
   {
      add("rule", "", d.name, d.name, d.span, shape_(d.type) + " default " + shape_(d.default_value.get()) + " " + d.default_source.text, d.source.text);
      out_.back().text = d.default_value ? fmt::format("default = {}", text(d.default_value->span)) : "no default";
      for (const auto& x : d.exceptions) {
         const std::string condition = shape_(x.condition.get());
         const std::string key = x.label.empty() ? "when " + condition : x.label;
         const std::string name = x.label.empty() ? "when " + text(x.condition->span) : x.label;
         add("exception", d.name, key, name, x.span, fmt::format("{:?} {} {}", x.parent, condition, shape_(x.value.get())), x.source.text);
      }
   }

   void table(const lang::TableDecl& d)
   {
      std::string shape = fields(d.params) + shape_(d.result) + fmt::format(" hit {} collect {}", static_cast<int>(d.hit), static_cast<int>(d.collect));
      for (const auto& c : d.columns) shape += fmt::format(" {:?}", c);
      for (const auto& order : d.priority) {
         shape += fmt::format(" priority {:?}", order.field);
         for (const auto& v : order.values) shape += " " + shape_(v.get());
      }
      for (const auto& v : d.versions) shape += fmt::format(" version {} default {}", v.from ? date_text(*v.from) : "-", shape_(v.default_value.get()));
      add("table", "", d.name, d.name, d.span, shape, d.source.text);
      out_.back().text = fmt::format("table {}: {}", d.name, fmt::join(d.columns, " | "));
      for (const auto& v : d.versions) {
         const std::string from = v.from ? "from " + date_text(*v.from) + ": " : "";
         for (const auto& row : v.rows) {
            // the parser keeps every cell of a row: the input columns', then the output's
            const std::size_t inputs = std::min(d.params.size(), row.cells.size());
            std::string key = from, name = from, shape;
            for (std::size_t i = 0; i < inputs; ++i) {
               key += (i ? " | " : "") + shape_(row.cells[i]);
               name += (i ? " | " : "") + text(row.cells[i].span);
            }
            for (std::size_t i = inputs; i < row.cells.size(); ++i) shape += shape_(row.cells[i]) + " ";
            add("row", d.name, key, name, row.span, shape + shape_(row.output.get()), row.source.text);
         }
      }
   }

   void test(const lang::TestDecl& d)
   {
      std::string shape = shape_(d.given.get()) + " expect " + shape_(d.expect.get()) + " as of " + (d.as_of ? date_text(*d.as_of) : "-");
      for (const auto& v : d.expect_violations) shape += fmt::format(" violation {:?}", v);
      if (d.expect_error) shape += fmt::format(" error {:?}", *d.expect_error);
      add("test", "", d.name, d.name, d.span, shape, "");
   }

   const lang::SourceFile& file_;
   const lang::Module& module_;
   Shape shape_;
   std::vector<Declaration> out_;
};

}  // namespace

std::string one_line(const lang::SourceFile& file, const lang::Module& module, lang::Span span)
{
   std::string out;
   std::uint32_t at = span.begin;
   const auto copy = [&](std::uint32_t end) {
      for (char c : file.slice({span.file, at, end})) {
         const bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r';
         if (!space) out += c;
         else if (!out.empty() && out.back() != ' ') out += ' ';
      }
   };
   for (const auto& c : module.comments) {
      if (c.span.begin < at || c.span.end > span.end) continue;
      copy(c.span.begin);
      at = c.span.end;
   }
   copy(span.end);
   while (!out.empty() && out.back() == ' ') out.pop_back();
   return out;
}

std::vector<Declaration> outline_string(const std::string& name, std::string text)
{
   lang::SourceSet sources;
   lang::Diagnostics diagnostics;
   const auto file = sources.add(name, std::move(text));
   const lang::Module m = lang::parse_module(sources, file, diagnostics);
   if (diagnostics.has_errors()) {
      std::vector<Diagnostic> problems;
      for (const auto& d : diagnostics.items()) problems.push_back(to_public(sources, d));
      throw CompileError(fmt::format("the policy {} does not parse ({} error{})", name, diagnostics.error_count(), diagnostics.error_count() == 1 ? "" : "s"),
                         std::move(problems), false);
   }
   return Outliner(sources, m).run();
}

std::vector<Declaration> outline_file(const std::string& path)
{
   std::string text;
   if (!lang::read_file(path, text)) throw CompileError(fmt::format("cannot read the policy file {}", path), {}, true);
   return outline_string(path, std::move(text));
}

}  // namespace pol
