// Policy::document_json: the policy as a reviewer reads it, every declaration with its text as
// written, its comments and its source, for pol doc to render (docs/doc.md).
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ast.hpp"
#include "internal.hpp"

namespace pol {

namespace {

using Json = nlohmann::ordered_json;

const char* hit_name(lang::HitPolicy h)
{
   switch (h) {
      case lang::HitPolicy::unique: return "unique";
      case lang::HitPolicy::first: return "first";
      case lang::HitPolicy::any: return "any";
      case lang::HitPolicy::priority: return "priority";
      case lang::HitPolicy::collect: return "collect";
      case lang::HitPolicy::output_order: return "output order";
   }
   return "";
}

class Documenter {
public:
   explicit Documenter(const lang::Program& p) : p_(p), m_(p.main()), file_(p.sources.file(m_.file)) {}

   Json run()
   {
      Json doc;
      const auto& h = m_.header;
      doc["name"] = h.present ? h.name : "";
      doc["file"] = file_.path();
      for (const auto& meta : h.meta) doc[meta.key] = meta.value;
      doc["source"] = source(h.source);
      doc["enums"] = each(m_.enums, [&](const lang::EnumDecl& e) {
         Json values = Json::array();
         for (const auto& v : e.variants) values.push_back({{"name", v.name}, {"label", v.label.empty() ? v.name : v.label}});
         return Json{{"name", e.name}, {"values", values}, {"comment", comments(e.span)}};
      });
      doc["records"] = each(m_.records, [&](const lang::RecordDecl& r) {
         Json fields = Json::array();
         for (const auto& f : r.fields) fields.push_back({{"name", f.name}, {"type", text(f.type.span)}});
         return Json{{"name", r.name}, {"fields", fields}, {"comment", comments(r.span)}};
      });
      doc["inputs"] = each(m_.inputs, [&](const lang::InputDecl& d) {
         return Json{{"name", d.name}, {"type", text(d.type.span)}, {"optional", d.type.optional}, {"default", expr(d.default_value.get())},
                     {"requires", expr(d.requires_.get())}, {"comment", comments(d.span)}, {"source", source(d.source)}};
      });
      doc["params"] = each(m_.params, [&](const lang::ParamDecl& d) {
         Json periods = Json::array();
         for (const auto& p : d.periods) periods.push_back({{"from", date(p.from)}, {"value", expr(p.value.get())}, {"source", source(p.source)}});
         return Json{{"name", d.name}, {"type", text(d.type.span)}, {"value", expr(d.value.get())}, {"periods", periods}, {"comment", comments(d.span)}, {"source", source(d.source)}};
      });
      doc["tables"] = each(m_.tables, [&](const lang::TableDecl& d) { return table(d); });
      doc["rules"] = each(m_.rules, [&](const lang::RuleDecl& d) {
         Json exceptions = Json::array();
         for (const auto& x : d.exceptions) {
            exceptions.push_back({{"label", x.label}, {"exception_to", x.parent}, {"when", expr(x.condition.get())}, {"value", expr(x.value.get())}, {"source", source(x.source)}});
         }
         return Json{{"name", d.name}, {"type", text(d.type.span)}, {"default", expr(d.default_value.get())}, {"default_source", source(d.default_source)},
                     {"exceptions", exceptions}, {"comment", comments(d.span)}, {"source", source(d.source)}};
      });
      doc["lets"] = each(m_.lets, [&](const lang::LetDecl& d) {
         return Json{{"name", d.name}, {"type", d.type ? Json(text(d.type->span)) : Json(nullptr)}, {"value", expr(d.value.get())}, {"comment", comments(d.span)}};
      });
      doc["functions"] = each(m_.fns, [&](const lang::FnDecl& d) {
         Json params = Json::array();
         for (const auto& f : d.params) params.push_back({{"name", f.name}, {"type", text(f.type.span)}});
         return Json{{"name", d.name}, {"params", params}, {"result", text(d.result.span)}, {"body", expr(d.body.get())}, {"comment", comments(d.span)}};
      });
      doc["requires"] = each(m_.requires_, [&](const lang::RequireDecl& d) {
         return Json{{"condition", expr(d.condition.get())}, {"message", expr(d.message.get())}, {"source", source(d.source)}};
      });
      doc["outputs"] = each(m_.outputs, [&](const lang::OutputDecl& d) {
         return Json{{"name", d.name}, {"type", d.type ? Json(text(d.type->span)) : Json(nullptr)}, {"value", expr(d.value.get())}, {"comment", comments(d.span)}};
      });
      doc["tests"] = each(m_.tests, [&](const lang::TestDecl& d) {
         Json out{{"name", d.name}, {"given", fields(d.given.get())}, {"as_of", d.as_of ? Json(date(*d.as_of)) : Json(nullptr)}, {"expect", fields(d.expect.get())}};
         out["violations"] = d.expect_violations;
         out["error"] = d.expect_error ? Json(*d.expect_error) : Json(nullptr);
         return out;
      });
      return doc;
   }

private:
   template <class T, class F>
   static Json each(const std::vector<T>& items, F&& f)
   {
      Json out = Json::array();
      for (const auto& item : items) out.push_back(f(item));
      return out;
   }

   Json table(const lang::TableDecl& d) const
   {
      Json params = Json::array();
      for (const auto& f : d.params) params.push_back({{"name", f.name}, {"type", text(f.type.span)}});
      std::string hit = hit_name(d.hit);
      if (d.hit == lang::HitPolicy::collect && d.collect != lang::CollectOp::list) {
         static const char* ops[] = {"list", "sum", "min", "max", "count"};
         hit += std::string(" ") + ops[static_cast<int>(d.collect)];
      }
      Json versions = Json::array();
      for (const auto& v : d.versions) {
         Json rows = Json::array();
         for (const auto& row : v.rows) {
            // the input columns' cells, then the output columns' (one cell, or several read as a record)
            Json cells = Json::array();
            for (const auto& c : row.cells) cells.push_back(text(c.span));
            if (cells.size() < d.columns.size() && row.output) cells.push_back(text(row.output->span));
            rows.push_back({{"cells", cells}, {"source", source(row.source)}});
         }
         versions.push_back({{"from", v.from ? Json(date(*v.from)) : Json(nullptr)}, {"rows", rows}, {"default", expr(v.default_value.get())}});
      }
      return Json{{"name", d.name},     {"params", params}, {"result", text(d.result.span)}, {"hit", hit}, {"columns", d.columns},
                  {"versions", versions}, {"comment", comments(d.span)}, {"source", source(d.source)}};
   }

   // A record literal's fields as written: `given { a: 1, b: £2 }`.
   Json fields(const lang::Expr* e) const
   {
      Json out = Json::array();
      if (!e || e->kind != lang::ExprKind::record) return out;
      for (std::size_t i = 0; i < e->field_names.size() && i < e->args.size(); ++i) out.push_back({{"name", e->field_names[i]}, {"value", expr(e->args[i].get())}});
      return out;
   }

   Json expr(const lang::Expr* e) const { return e ? Json(text(e->span)) : Json(nullptr); }
   Json source(const lang::SourceRef& s) const { return s.present() ? Json(s.text) : Json(nullptr); }
   std::string text(lang::Span span) const { return one_line(file_, m_, span); }
   // Comment lines are wrapped prose: they join into one line, a blank comment line keeps a break.
   std::string comments(lang::Span span) const
   {
      std::string out;
      for (const char c : comments_before(p_, span) + "\n") {
         if (c != '\n') out += c;
         else if (out.ends_with(' ')) out.back() = '\n';
         else out += ' ';
      }
      while (!out.empty() && (out.back() == ' ' || out.back() == '\n')) out.pop_back();
      return out;
   }
   static std::string date(const lang::CivilDate& d) { return fmt::format("{:04}-{:02}-{:02}", d.year, d.month, d.day); }

   const lang::Program& p_;
   const lang::Module& m_;
   const lang::SourceFile& file_;
};

}  // namespace

std::string Policy::document_json() const { return Documenter(impl_->program()).run().dump(2, ' ', false, Json::error_handler_t::replace); }

}  // namespace pol
