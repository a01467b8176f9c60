#include "checker.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>

#include <fmt/format.h>

#include "builtins.hpp"

namespace pol::lang {

namespace {

enum class SymbolKind : std::uint8_t { global, enum_type, record_type, function, table, module };

struct Symbol {
   SymbolKind kind;
   std::int32_t index;
   Span span;
};

// What an expression may refer to, by where it stands.
enum class Purity : std::uint8_t {
   any,       // lets, rules, outputs, requires: everything
   constant,  // params, input defaults, table cells and functions: params, enums and functions only
};

struct Local {
   std::string name;
   std::uint32_t slot;
   Type type;
};

struct Context {
   std::uint32_t module = 0;
   Purity purity = Purity::any;
   const char* where = "";            // "a function", "a param", … for purity errors
   std::vector<Local> locals;
   std::uint32_t next_slot = 0;
   std::uint32_t* frame_size = nullptr;
   int function = -1;                 // the function whose body this is
   int self_input = -1;               // an input's own requires clause may use the input
};

bool is_money(const Type& t) { return !t.optional && t.kind == TypeKind::money; }
bool is_duration(const Type& t) { return !t.optional && t.kind == TypeKind::duration; }
bool is_date(const Type& t) { return !t.optional && t.kind == TypeKind::date; }
bool is_bool(const Type& t) { return !t.optional && t.kind == TypeKind::bool_; }
bool is_int(const Type& t) { return !t.optional && t.kind == TypeKind::int_; }
bool is_list(const Type& t) { return !t.optional && t.kind == TypeKind::list; }
bool orderable(const Type& t)
{
   return !t.optional && (t.kind == TypeKind::int_ || t.kind == TypeKind::decimal || t.kind == TypeKind::money || t.kind == TypeKind::date ||
                          t.kind == TypeKind::duration || t.kind == TypeKind::text);
}
// Values that min, max, sum and arithmetic can work on.
bool quantity(const Type& t) { return t.is_numeric() || is_money(t) || is_duration(t); }

std::string quote(const std::string& s) { return "'" + s + "'"; }

class Checker {
public:
   Checker(Program& p, Diagnostics& d) : p_(p), d_(d) {}
   void run();

private:
   // declarations and scopes
   void declare_all();
   void declare(std::uint32_t module, const std::string& name, Symbol s);
   Type resolve_type(const TypeExpr& t, std::uint32_t module);
   void resolve_signatures();

   // values
   Type global_type(int index, Span use);
   void check_global(int index);
   void check_function(int index);
   void check_table(int index);
   bool check_table_header(const TableInfo& t);
   void check_table_row(const TableInfo& t, TableRow& row, Context& c, bool outputs_ok);
   void check_cell(const TableInfo& t, std::size_t column, Cell& cell, Context& c);
   void check_hit_policy(const TableInfo& t, Context& c);
   void check_priority_listed(const TableInfo& t);
   void check_require(const RequireDecl& r, std::uint32_t module);
   void check_test(const TestDecl& t);
   void check_function_cycles();
   void warn_unused();
   std::vector<int> dependency_order() const;

   // expressions
   Type check(Expr& e, Context& c, const Type* expected = nullptr);
   Type check_name(Expr& e, Context& c);
   Type check_field(Expr& e, Context& c);
   // `expected`, where known, is the type the result must have: a record value inside map's
   // function takes its type from it
   Type check_call(Expr& e, Context& c, const Type* expected = nullptr);
   Type check_builtin(Expr& e, Context& c, const BuiltinInfo& b, const Type* expected = nullptr);
   Type check_binary(Expr& e, Context& c);
   Type check_compare(Expr& e, Context& c);
   Type check_as_of(Expr& e, Context& c);
   Type check_lambda(Expr& lambda, Context& c, const Type& element, const Type* expected = nullptr);
   Type expect(Expr& e, Context& c, const Type& want, const char* what);
   bool expect_bool(Expr& e, Context& c, const char* what);
   void constant_only(Expr& e, Context& c);
   void report_optional(const Expr& e, const Type& t);
   std::vector<std::string> visible_names(const Context& c) const;
   const Symbol* lookup(std::uint32_t module, const std::string& name) const;
   bool find_variant(const std::string& name, Span span, int& enum_id, int& variant);

   Program& p_;
   Diagnostics& d_;
   std::vector<std::unordered_map<std::string, Symbol>> scopes_;
   std::vector<std::uint8_t> state_;  // per global: 0 unchecked, 1 checking, 2 checked
   std::vector<int> stack_;           // globals being checked, for cycle messages
   std::set<std::vector<int>> cycles_reported_;
   std::vector<std::set<int>> calls_;  // function → functions it calls
   std::vector<std::uint8_t> function_checked_;
   std::vector<std::uint8_t> table_checked_;
};

// --- Declarations ------------------------------------------------------------------------

void Checker::declare(std::uint32_t module, const std::string& name, Symbol s)
{
   auto [it, inserted] = scopes_[module].emplace(name, s);
   if (!inserted) {
      auto& diag = d_.error("E0202", s.span, fmt::format("{} is declared twice", quote(name)));
      diag.label = "declared again here";
      diag.notes.push_back({it->second.span, "first declared here"});
      diag.help = "rename one of them; names are shared by inputs, params, lets, rules, outputs, functions, tables, enums and records";
   }
}

void Checker::declare_all()
{
   // the built-in rounding modes
   EnumInfo rounding;
   rounding.name = "RoundingMode";
   for (auto n : rounding_mode_names) rounding.variants.emplace_back(n);
   rounding.labels = rounding.variants;
   p_.enums.push_back(std::move(rounding));

   scopes_.resize(p_.modules.size());
   for (std::uint32_t m = 0; m < p_.modules.size(); ++m) {
      Module& mod = *p_.modules[m];
      for (auto& e : mod.enums) {
         EnumInfo info{e.name, {}, {}, &e};
         std::set<std::string> seen;
         for (auto& v : e.variants) {
            if (!seen.insert(v.name).second) {
               d_.error("E0202", v.span, fmt::format("enum {} lists {} twice", e.name, quote(v.name))).help = "remove the repeated value";
            }
            info.variants.push_back(v.name);
            info.labels.push_back(v.label.empty() ? v.name : v.label);
         }
         declare(m, e.name, {SymbolKind::enum_type, static_cast<int>(p_.enums.size()), e.name_span});
         p_.enums.push_back(std::move(info));
      }
      for (auto& r : mod.records) {
         declare(m, r.name, {SymbolKind::record_type, static_cast<int>(p_.records.size()), r.name_span});
         RecordInfo info;
         info.name = r.name;
         info.decl = &r;
         info.module = m;
         p_.records.push_back(std::move(info));
      }
      auto add_global = [&](GlobalKind kind, std::uint32_t index, const Named& n) {
         declare(m, n.name, {SymbolKind::global, static_cast<int>(p_.globals.size()), n.name_span});
         p_.globals.push_back({kind, m, index, n.name, n.name_span, Type::error(), 0, false});
         return static_cast<std::uint32_t>(p_.globals.size() - 1);
      };
      for (std::uint32_t i = 0; i < mod.inputs.size(); ++i) {
         const auto slot = add_global(GlobalKind::input, i, mod.inputs[i]);
         if (m == 0) p_.inputs.push_back(slot);
      }
      for (std::uint32_t i = 0; i < mod.params.size(); ++i) add_global(GlobalKind::param, i, mod.params[i]);
      for (std::uint32_t i = 0; i < mod.lets.size(); ++i) add_global(GlobalKind::let, i, mod.lets[i]);
      for (std::uint32_t i = 0; i < mod.rules.size(); ++i) add_global(GlobalKind::rule, i, mod.rules[i]);
      for (std::uint32_t i = 0; i < mod.outputs.size(); ++i) {
         const auto slot = add_global(GlobalKind::output, i, mod.outputs[i]);
         if (m == 0) p_.outputs.push_back(slot);
      }
      for (auto& f : mod.fns) {
         if (find_builtin(f.name)) {
            d_.error("E0202", f.name_span, fmt::format("{} is a built-in function", quote(f.name))).help = "choose another name for this function";
         }
         declare(m, f.name, {SymbolKind::function, static_cast<int>(p_.functions.size()), f.name_span});
         p_.functions.push_back({&f, m, {}, Type::error(), 0});
      }
      for (auto& t : mod.tables) {
         declare(m, t.name, {SymbolKind::table, static_cast<int>(p_.tables.size()), t.name_span});
         p_.tables.push_back({&t, m, {}, Type::error(), Type::error(), 0});
      }
   }
   // imports: the module name qualifies the imported module's declarations
   for (std::uint32_t m = 0; m < p_.modules.size(); ++m) {
      for (const auto& imp : p_.modules[m]->imports) {
         if (imp.module >= 0) declare(m, imp.alias, {SymbolKind::module, imp.module, imp.span});
      }
   }
}

Type Checker::resolve_type(const TypeExpr& t, std::uint32_t module)
{
   Type out;
   if (t.name == "list") {
      out = Type::list_of(t.element ? resolve_type(*t.element, module) : Type::error());
   } else if (t.name == "bool") out = Type::of(TypeKind::bool_);
   else if (t.name == "int") out = Type::of(TypeKind::int_);
   else if (t.name == "decimal") out = Type::of(TypeKind::decimal);
   else if (t.name == "money") out = Type::of(TypeKind::money);
   else if (t.name == "date") out = Type::of(TypeKind::date);
   else if (t.name == "text") out = Type::of(TypeKind::text);
   else if (t.name == "years" || t.name == "months") out = Type::duration(DurationUnit::months);
   else if (t.name == "days" || t.name == "weeks") out = Type::duration(DurationUnit::days);
   else if (t.name == "hours") out = Type::duration(DurationUnit::hours);
   else if (const Symbol* s = lookup(module, t.name); s && s->kind == SymbolKind::enum_type) {
      out.kind = TypeKind::enum_;
      out.id = s->index;
      out.name = t.name;
   } else if (s && s->kind == SymbolKind::record_type) {
      out.kind = TypeKind::record;
      out.id = s->index;
      out.name = t.name;
   } else {
      std::vector<std::string> names = {"bool", "int", "decimal", "money", "date", "text", "years", "months", "days", "hours"};
      for (const auto& [n, sym] : scopes_[module]) {
         if (sym.kind == SymbolKind::enum_type || sym.kind == SymbolKind::record_type) names.push_back(n);
      }
      auto& diag = d_.error("E0203", t.span, fmt::format("unknown type {}", quote(t.name)));
      const auto near = closest_name(t.name, names);
      diag.help = near.empty() ? "the types are bool, int, decimal, money, date, text, years, months, days, hours, your enums and records, 'list of T' and 'T?'"
                               : fmt::format("did you mean '{}'?", near);
      return Type::error();
   }
   out.optional = t.optional;
   return out;
}

void Checker::resolve_signatures()
{
   for (auto& r : p_.records) {
      std::set<std::string> seen;
      for (const auto& f : r.decl->fields) {
         if (!seen.insert(f.name).second) d_.error("E0202", f.span, fmt::format("record {} has two fields named {}", r.name, quote(f.name)));
         r.field_names.push_back(f.name);
         r.field_types.push_back(Type::error());
      }
   }
   // field types after every record is known, so records can hold one another
   for (auto& r : p_.records) {
      for (std::size_t i = 0; i < r.decl->fields.size(); ++i) r.field_types[i] = resolve_type(r.decl->fields[i].type, r.module);
   }
   for (auto& g : p_.globals) {
      const Module& mod = *p_.modules[g.module];
      switch (g.kind) {
         case GlobalKind::input: g.type = resolve_type(mod.inputs[g.decl].type, g.module); break;
         case GlobalKind::param: g.type = resolve_type(mod.params[g.decl].type, g.module); break;
         case GlobalKind::rule: g.type = resolve_type(mod.rules[g.decl].type, g.module); break;
         case GlobalKind::let:
            if (mod.lets[g.decl].type) g.type = resolve_type(*mod.lets[g.decl].type, g.module);
            break;
         case GlobalKind::output:
            if (mod.outputs[g.decl].type) g.type = resolve_type(*mod.outputs[g.decl].type, g.module);
            break;
      }
   }
   for (auto& f : p_.functions) {
      for (const auto& prm : f.decl->params) f.params.push_back(resolve_type(prm.type, f.module));
      f.result = resolve_type(f.decl->result, f.module);
   }
   for (auto& t : p_.tables) {
      for (const auto& prm : t.decl->params) t.params.push_back(resolve_type(prm.type, t.module));
      t.row_type = resolve_type(t.decl->result, t.module);
      switch (t.decl->hit) {
         case HitPolicy::collect:
            switch (t.decl->collect) {
               case CollectOp::list: t.call_type = Type::list_of(t.row_type); break;
               case CollectOp::count: t.call_type = Type::of(TypeKind::int_); break;
               default: t.call_type = t.row_type; break;
            }
            break;
         case HitPolicy::output_order: t.call_type = Type::list_of(t.row_type); break;
         default: t.call_type = t.row_type; break;
      }
   }
}

const Symbol* Checker::lookup(std::uint32_t module, const std::string& name) const
{
   auto it = scopes_[module].find(name);
   return it == scopes_[module].end() ? nullptr : &it->second;
}

// --- Globals -----------------------------------------------------------------------------

Type Checker::global_type(int index, Span use)
{
   // an input's value comes from outside, so using it never forms a loop
   if (p_.globals[index].kind == GlobalKind::input) return p_.globals[index].type;
   if (state_[index] == 1) {
      auto start = std::find(stack_.begin(), stack_.end(), index);
      std::vector<int> loop(start, stack_.end());
      std::vector<int> key = loop;
      std::sort(key.begin(), key.end());
      if (cycles_reported_.insert(key).second) {
         std::string path;
         for (int g : loop) path += p_.globals[g].name + " → ";
         path += p_.globals[index].name;
         auto& diag = d_.error("E0206", use, fmt::format("dependency cycle: {}", path));
         diag.label = "this use closes the loop";
         for (int g : loop) diag.notes.push_back({p_.globals[g].span, fmt::format("{} is defined here", quote(p_.globals[g].name))});
         const auto& name = p_.globals[index].name;
         const bool mode_name = std::find(std::begin(rounding_mode_names), std::end(rounding_mode_names), name) != std::end(rounding_mode_names);
         diag.help = mode_name ? fmt::format("{} is also a rounding mode, but a value of that name hides the mode: rename the value", quote(name))
                               : "a value cannot depend on itself; break the loop by computing one of these from the inputs directly";
      }
      return Type::error();
   }
   if (state_[index] == 0) check_global(index);
   return p_.globals[index].type;
}

void Checker::check_global(int index)
{
   Global& g = p_.globals[index];
   state_[index] = 1;
   stack_.push_back(index);
   Module& mod = *p_.modules[g.module];
   Context c;
   c.module = g.module;
   c.frame_size = &g.frame_size;
   switch (g.kind) {
      case GlobalKind::input: {
         InputDecl& in = mod.inputs[g.decl];
         if (in.default_value) {
            Context dc = c;
            dc.purity = Purity::constant;
            dc.where = "an input's default";
            expect(*in.default_value, dc, g.type, "the default value");
         }
         if (in.requires_) {
            Context rc = c;
            rc.self_input = index;
            expect_bool(*in.requires_, rc, "the 'requires' condition");
         }
         break;
      }
      case GlobalKind::param: {
         ParamDecl& prm = mod.params[g.decl];
         c.purity = Purity::constant;
         c.where = "a param";
         if (prm.value) expect(*prm.value, c, g.type, "the param's value");
         if (!prm.value && prm.periods.empty()) {
            d_.error("E0326", g.span, fmt::format("param {} has no value", quote(g.name))).help = "give it a value (= …) or values by date (from 2020-01-01 = …)";
         }
         if (prm.value && !prm.periods.empty()) {
            d_.error("E0326", prm.periods.front().span, fmt::format("param {} has both a single value and values by date", quote(g.name))).help =
               "keep one: remove '= …' after the type, or remove the 'from' lines";
         }
         for (std::size_t i = 0; i < prm.periods.size(); ++i) {
            auto& per = prm.periods[i];
            expect(*per.value, c, g.type, "the param's value");
            if (i > 0) {
               const auto& prev = prm.periods[i - 1].from;
               const auto key = std::tie(per.from.year, per.from.month, per.from.day);
               const auto prev_key = std::tie(prev.year, prev.month, prev.day);
               if (key == prev_key) {
                  auto& diag = d_.warning("W0404", per.span, fmt::format("param {} is set twice from {:04}-{:02}-{:02}", quote(g.name), per.from.year, per.from.month, per.from.day));
                  diag.notes.push_back({prm.periods[i - 1].span, "first set here"});
                  diag.help = "remove one of the two values";
               } else if (key < prev_key) {
                  auto& diag = d_.warning("W0404", per.span, fmt::format("the periods of param {} overlap: this one starts before the one above it", quote(g.name)));
                  diag.notes.push_back({prm.periods[i - 1].span, "the period above"});
                  diag.help = "list the 'from' dates in order, earliest first";
               }
            }
         }
         break;
      }
      case GlobalKind::let: {
         LetDecl& let = mod.lets[g.decl];
         if (let.type) {
            expect(*let.value, c, g.type, "the value");
         } else {
            g.type = check(*let.value, c);
         }
         break;
      }
      case GlobalKind::output: {
         OutputDecl& out = mod.outputs[g.decl];
         if (out.type) {
            expect(*out.value, c, g.type, "the value");
         } else {
            g.type = check(*out.value, c);
         }
         if (g.type.kind == TypeKind::lambda) d_.error("E0329", out.value->span, "an output cannot be a function");
         break;
      }
      case GlobalKind::rule: {
         RuleDecl& rule = mod.rules[g.decl];
         if (rule.default_value) expect(*rule.default_value, c, g.type, "the default");
         std::map<std::string, const RuleException*> labels;
         for (auto& x : rule.exceptions) {
            if (!x.label.empty() && !labels.emplace(x.label, &x).second) {
               d_.error("E0202", x.span, fmt::format("rule {} has two exceptions labelled {}", quote(rule.name), quote(x.label))).help = "give each exception its own label";
            }
         }
         for (auto& x : rule.exceptions) {
            if (!x.parent.empty() && !labels.count(x.parent)) {
               std::vector<std::string> names;
               for (auto& [n, _] : labels) names.push_back(n);
               auto& diag = d_.error("E0211", x.parent_span, fmt::format("rule {} has no exception labelled {}", quote(rule.name), quote(x.parent)));
               const auto near = closest_name(x.parent, names);
               diag.help = near.empty() ? "label the exception this one refines: exception over_age when …" : fmt::format("did you mean '{}'?", near);
            }
            expect_bool(*x.condition, c, "the exception's condition");
            expect(*x.value, c, g.type, "the exception's value");
         }
         if (!rule.default_value && rule.exceptions.empty()) {
            d_.error("E0326", g.span, fmt::format("rule {} has no default and no exceptions", quote(rule.name))).help = "add 'default = …' or an 'exception when … = …'";
         }
         break;
      }
   }
   stack_.pop_back();
   state_[index] = 2;
}

void Checker::check_function(int index)
{
   if (function_checked_[index]) return;
   function_checked_[index] = 1;
   FunctionInfo& f = p_.functions[index];
   Context c;
   c.module = f.module;
   c.purity = Purity::constant;
   c.where = "a function";
   c.function = index;
   c.frame_size = &f.frame_size;
   std::set<std::string> seen;
   for (std::size_t i = 0; i < f.params.size(); ++i) {
      const auto& prm = f.decl->params[i];
      if (!seen.insert(prm.name).second) d_.error("E0202", prm.span, fmt::format("function {} has two parameters named {}", quote(f.decl->name), quote(prm.name)));
      c.locals.push_back({prm.name, c.next_slot++, f.params[i]});
   }
   f.frame_size = std::max(f.frame_size, c.next_slot);
   expect(*const_cast<FnDecl*>(f.decl)->body, c, f.result, "the function's result");
}

void Checker::check_table(int index)
{
   if (table_checked_[index]) return;
   table_checked_[index] = 1;
   TableInfo& t = p_.tables[index];
   TableDecl& decl = const_cast<TableDecl&>(*t.decl);
   Context c;
   c.module = t.module;
   c.purity = Purity::constant;
   c.where = "a table";
   c.frame_size = &t.frame_size;
   for (std::size_t i = 0; i < t.params.size(); ++i) c.locals.push_back({decl.params[i].name, c.next_slot++, t.params[i]});
   t.frame_size = std::max(t.frame_size, c.next_slot);

   const bool outputs_ok = check_table_header(t);
   check_hit_policy(t, c);
   for (std::size_t v = 0; v < decl.versions.size(); ++v) {
      auto& version = decl.versions[v];
      if (v > 0 && !version.from) {
         d_.error("E0325", version.span, fmt::format("the rows of table {} after a 'from' date need their own 'from' date", quote(decl.name)));
      }
      if (v > 0 && version.from && decl.versions[v - 1].from) {
         const auto& a = *decl.versions[v - 1].from;
         const auto& b = *version.from;
         if (std::tie(b.year, b.month, b.day) <= std::tie(a.year, a.month, a.day)) {
            d_.warning("W0404", version.span, fmt::format("the versions of table {} overlap: this one does not start after the one above it", quote(decl.name))).help =
               "list the 'from' dates in order, earliest first";
         }
      }
      for (auto& row : version.rows) check_table_row(t, row, c, outputs_ok);
      // the default is what a call returns: under collect and output order, the combined value
      if (version.default_value) expect(*version.default_value, c, t.call_type, "the table's default");
   }
   check_priority_listed(t);
}

namespace {

// Whether two cells certainly hold the same constant: the same enum value, text, or bool.
// Other expressions (numbers, params, calls) are left to the evaluation.
std::optional<bool> same_constant(const Expr& a, const Expr& b)
{
   if (a.ref.kind == RefKind::enum_variant && b.ref.kind == RefKind::enum_variant) return a.ref.index == b.ref.index && a.ref.sub == b.ref.sub;
   auto text = [](const Expr& e) -> std::optional<std::string> {
      if (e.kind == ExprKind::bool_lit) return e.text;
      if (e.kind != ExprKind::text_lit || !e.args.empty()) return std::nullopt;
      std::string s;
      for (const auto& p : e.parts) s += p.chunk;
      return s;
   };
   const auto ta = text(a), tb = text(b);
   if (ta && tb && a.kind == b.kind) return *ta == *tb;
   return std::nullopt;
}

}  // namespace

// Every row's output a declared priority order ranks must be one of its values: an output it
// does not list could not be ranked.
void Checker::check_priority_listed(const TableInfo& t)
{
   const TableDecl& decl = *t.decl;
   for (const auto& order : decl.priority) {
      if (!order.field.empty() && order.field_index < 0) continue;
      for (const auto& version : decl.versions) {
         for (std::size_t r = 0; r < version.rows.size(); ++r) {
            const Expr* out = version.rows[r].output.get();
            if (out && !order.field.empty()) {
               const auto at = std::find(out->field_names.begin(), out->field_names.end(), order.field);
               out = out->kind == ExprKind::record && at != out->field_names.end() ? out->args[static_cast<std::size_t>(at - out->field_names.begin())].get() : nullptr;
            }
            if (!out || out->type.is_error()) continue;
            bool listed = false, known = true;
            for (const auto& v : order.values) {
               const auto same = same_constant(*out, *v);
               if (!same) known = false;
               listed = listed || same.value_or(false);
            }
            if (listed || !known) continue;
            d_.error("E0340", out->span, fmt::format("row {} of table {} gives {}, which its priority order does not list", r + 1, quote(decl.name),
                                                     std::string(p_.sources.file(out->span.file).slice(out->span))))
               .help = "add the value to the order, or give one of the values it lists";
         }
      }
   }
}

// The input columns follow the parameters; the output columns are one (the result) or the
// fields of a record result. Returns whether the output columns are usable.
bool Checker::check_table_header(const TableInfo& t)
{
   const TableDecl& decl = *t.decl;
   const std::size_t inputs = decl.params.size();
   if (decl.columns.size() <= inputs) {
      auto& diag = d_.error("E0319", decl.column_spans.empty() ? decl.name_span : decl.column_spans.front(),
                            fmt::format("table {} has {} input{}, so its header needs at least {} columns, not {}", quote(decl.name), inputs, inputs == 1 ? "" : "s", inputs + 1,
                                        decl.columns.size()));
      diag.help = "name each input column after its parameter, then the output column (or one column per field of a record result)";
      return false;
   }
   for (std::size_t i = 0; i < inputs; ++i) {
      if (decl.columns[i] != decl.params[i].name) {
         d_.error("E0319", decl.column_spans[i], fmt::format("column {} of table {} is {}, but its parameter {} is {}", i + 1, quote(decl.name), quote(decl.columns[i]), i + 1,
                                                             quote(decl.params[i].name)))
            .help = "input columns follow the parameters, in order and with the same names";
      }
   }
   if (decl.columns.size() == inputs + 1 || t.row_type.is_error()) return true;
   if (t.row_type.kind != TypeKind::record) {
      d_.error("E0319", decl.column_spans[inputs], fmt::format("table {} has {} output columns, so its result must be a record with those fields, not {}", quote(decl.name),
                                                              decl.columns.size() - inputs, t.row_type.to_string()))
         .help = "declare a record (record Band { min: money, max: money }) and return it: -> Band";
      return false;
   }
   const auto& rec = p_.records[t.row_type.id];
   bool ok = true;
   for (std::size_t i = inputs; i < decl.columns.size(); ++i) {
      if (rec.field_index(decl.columns[i]) >= 0) continue;
      d_.error("E0319", decl.column_spans[i], fmt::format("record {} has no field {}, so table {} cannot have an output column by that name", rec.name, quote(decl.columns[i]),
                                                          quote(decl.name)))
         .help = fmt::format("its fields are: {}", fmt::join(rec.field_names, ", "));
      ok = false;
   }
   return ok;
}

void Checker::check_table_row(const TableInfo& t, TableRow& row, Context& c, bool outputs_ok)
{
   const TableDecl& decl = *t.decl;
   const std::size_t inputs = decl.params.size();
   if (row.cells.size() != decl.columns.size()) {
      d_.error("E0318", row.span, fmt::format("this row has {} cells, but table {} has {} columns", row.cells.size(), quote(decl.name), decl.columns.size())).help =
         "write one cell per column; '-' matches any value";
      return;
   }
   // the cells after the inputs are the outputs: one value each
   bool values_ok = true;
   for (std::size_t i = inputs; i < row.cells.size(); ++i) {
      const Cell& out = row.cells[i];
      if (out.kind != CellKind::values || out.values.size() != 1 || out.negated) {
         d_.error("E0318", out.span, "an output cell must hold one value").help = "ranges, comparisons, lists of tests and '-' belong in input columns";
         values_ok = false;
      }
   }
   if (values_ok && outputs_ok) {
      if (row.cells.size() == inputs + 1) {
         row.output = std::move(row.cells.back().values.front());
      } else {
         // several output columns: the row gives a record of them
         const Span first = row.cells[inputs].span, last = row.cells.back().span;
         row.output = std::make_unique<Expr>(ExprKind::record, Span{first.file, first.begin, last.end});
         for (std::size_t i = inputs; i < row.cells.size(); ++i) {
            row.output->field_names.push_back(decl.columns[i]);
            row.output->field_spans.push_back(row.cells[i].span);
            row.output->args.push_back(std::move(row.cells[i].values.front()));
         }
      }
      expect(*row.output, c, t.row_type, "the table's output");
   }
   row.cells.resize(inputs);
   for (std::size_t i = 0; i < inputs; ++i) check_cell(t, i, row.cells[i], c);
}

// A cell tests its column's value: equal to a value (or in a list of them), compared with
// one, in a range, any of several tests, or none of them (not(…)). A column that may be none
// can still be compared: none matches no comparison or range.
void Checker::check_cell(const TableInfo& t, std::size_t column, Cell& cell, Context& c)
{
   const Type col = t.params[column].required();
   // named only in a message: a table of many thousand cells has few
   const auto what = [&] { return fmt::format("column {}", quote(t.decl->params[column].name)); };
   auto comparable = [&](Expr& e, bool ordered, bool may_be_list) {
      Type v = check(e, c, &col);
      if (v.is_error() || col.is_error()) return;
      // an optional value may stand in a cell: when it is none, no comparison with it holds
      auto fits = [&](const Type& x) {
         const Type given = x.kind == TypeKind::none ? x : x.required();
         return assignable(given, t.params[column]) || (col.is_numeric() && given.is_numeric());
      };
      const bool ok = fits(v) || (may_be_list && is_list(v) && fits(*v.element));
      if (!ok) {
         d_.error("E0318", e.span, fmt::format("this cell holds {}, but {} is {}", v.to_string(), what(), t.params[column].to_string())).help =
            fmt::format("write a {} value here", col.to_string());
      } else if (ordered && !orderable(col)) {
         d_.error("E0318", cell.span, fmt::format("{} is {}, which has no order: ranges and < > need numbers, money, dates, durations or text", what(), col.to_string())).help =
            "list the values instead: A, B";
      }
   };
   switch (cell.kind) {
      case CellKind::any: break;
      case CellKind::values:
         for (auto& val : cell.values) comparable(*val, false, true);
         break;
      case CellKind::compare: comparable(*cell.values.front(), cell.op != CompareOp::eq && cell.op != CompareOp::ne, false); break;
      case CellKind::range:
         comparable(*cell.low, true, false);
         comparable(*cell.high, true, false);
         break;
      case CellKind::either:
         for (auto& test : cell.tests) check_cell(t, column, test, c);
         break;
   }
}

// What the hit policy needs of the output: priority and output order rank the outputs (by a
// declared order, or by the output's own order), collect min and max order them, collect sum
// adds them.
void Checker::check_hit_policy(const TableInfo& t, Context& c)
{
   TableDecl& decl = const_cast<TableDecl&>(*t.decl);
   const Type& out = t.row_type;
   if (out.is_error()) return;
   const bool ranks = decl.hit == HitPolicy::priority || decl.hit == HitPolicy::output_order;
   const char* policy = decl.hit == HitPolicy::priority ? "hit priority" : "hit output order";
   if (!decl.priority.empty() && !ranks) {
      d_.error("E0340", decl.priority.front().values.front()->span, "only 'hit priority' and 'hit output order' take an order of outputs").help = "remove the order";
      return;
   }
   for (auto& order : decl.priority) {
      Type want = out;
      if (!order.field.empty()) {
         const int f = out.kind == TypeKind::record ? p_.records[out.id].field_index(order.field) : -1;
         if (f < 0) {
            d_.error("E0340", order.field_span, fmt::format("the output of table {} is {}, which has no field {}", quote(decl.name), out.to_string(), quote(order.field))).help =
               out.kind == TypeKind::record ? fmt::format("its fields are: {}", fmt::join(p_.records[out.id].field_names, ", ")) : "rank the output's values: A > B";
            continue;
         }
         order.field_index = f;
         want = p_.records[out.id].field_types[static_cast<std::size_t>(f)];
      } else if (out.kind == TypeKind::record) {
         d_.error("E0340", order.values.front()->span, fmt::format("the output of table {} is the record {}: say which field this order ranks", quote(decl.name), out.to_string()))
            .help = fmt::format("for example: hit priority {}: A > B", p_.records[out.id].field_names.front());
         continue;
      }
      for (auto& v : order.values) expect(*v, c, want, "a priority");
   }
   if (ranks && decl.priority.empty()) {
      // without a declared order: numbers, money, dates and durations (highest first), and
      // enums (in declared order, the first highest). Text has no order a reader would agree on.
      const Type ranked = out.required();  // none ranks below every value
      const bool ordered = orderable(ranked) && ranked.kind != TypeKind::text;
      if (!ordered && ranked.kind != TypeKind::enum_) {
         d_.error("E0340", decl.name_span, fmt::format("table {} is '{}', but its output {} has no order to rank by", quote(decl.name), policy, out.to_string())).help =
            out.kind == TypeKind::record ? fmt::format("declare the order of a field, highest first: {} {}: A > B", policy, p_.records[out.id].field_names.front())
                                         : fmt::format("declare the order, highest first: {} A > B", policy);
      }
   }
   if (decl.hit != HitPolicy::collect) return;
   if ((decl.collect == CollectOp::min || decl.collect == CollectOp::max) && !orderable(out)) {
      d_.error("E0340", decl.name_span, fmt::format("table {} is 'hit collect {}', but its output {} cannot be ordered", quote(decl.name), decl.collect == CollectOp::min ? "min" : "max",
                                                    out.to_string()))
         .help = "collect min and max need numbers, money, dates, durations or text";
   }
   if (decl.collect == CollectOp::sum && !quantity(out)) {
      d_.error("E0340", decl.name_span, fmt::format("table {} is 'hit collect sum', but its output {} cannot be added", quote(decl.name), out.to_string())).help =
         "collect sum needs numbers, money or durations";
   }
}

void Checker::check_require(const RequireDecl& r, std::uint32_t module)
{
   Context c;
   c.module = module;
   c.frame_size = &p_.require_frame_size;
   expect_bool(*r.condition, c, "a 'require' condition");
   check(*r.message, c);
}

void Checker::check_test(const TestDecl& t)
{
   Context c;
   c.purity = Purity::constant;
   c.where = "a test";
   std::uint32_t scratch = 0;
   c.frame_size = &scratch;
   // each field of `given` names an input, each of `expect` an output, with a value of its type
   const auto check_fields = [&](const Expr& record, GlobalKind kind, const std::vector<std::uint32_t>& slots, const char* verb, const char* what) {
      std::set<std::string> named;
      for (std::size_t i = 0; i < record.field_names.size(); ++i) {
         const auto& name = record.field_names[i];
         const int g = p_.find_global(name, kind);
         if (g < 0) {
            std::vector<std::string> names;
            for (auto slot : slots) names.push_back(p_.globals[slot].name);
            auto& diag = d_.error("E0317", record.field_spans[i], fmt::format("test \"{}\" {} {}, which is not an {}", t.name, verb, quote(name), what));
            const auto near = closest_name(name, names);
            diag.help = near.empty() ? fmt::format("a test's '{}' lists {}s", kind == GlobalKind::input ? "given" : "expect", what) : fmt::format("did you mean '{}'?", near);
            continue;
         }
         named.insert(name);
         expect(*record.args[i], c, p_.globals[g].type, kind == GlobalKind::input ? "the test's value" : "the expected value");
      }
      return named;
   };
   if (t.given) {
      if (t.given->kind != ExprKind::record) return;
      const auto given = check_fields(*t.given, GlobalKind::input, p_.inputs, "gives", "input");
      for (auto slot : p_.inputs) {
         const auto& g = p_.globals[slot];
         const auto& decl = p_.input_decl(g);
         if (!given.count(g.name) && !decl.default_value && !g.type.optional) {
            d_.error("E0317", t.given->span, fmt::format("test \"{}\" gives no value for the input {}", t.name, quote(g.name))).help =
               fmt::format("add {}: … to 'given', or give the input a default", g.name);
         }
      }
   }
   if (t.expect && t.expect->kind == ExprKind::record) check_fields(*t.expect, GlobalKind::output, p_.outputs, "expects", "output");
}

void Checker::check_function_cycles()
{
   std::vector<int> colour(p_.functions.size(), 0);
   // depth first with the stack in memory, so that a chain of 100,000 functions is no deeper here
   // than one: each entry is a function and where it is in its set of callees
   std::vector<std::pair<int, std::set<int>::const_iterator>> path;
   for (std::size_t start = 0; start < p_.functions.size(); ++start) {
      if (colour[start] != 0) continue;
      colour[start] = 1;
      path.emplace_back(static_cast<int>(start), calls_[start].begin());
      while (!path.empty()) {
         auto& [f, next] = path.back();
         if (next == calls_[f].end()) {
            colour[f] = 2;
            path.pop_back();
            continue;
         }
         const int callee = *next++;
         if (colour[callee] == 1) {
            auto in_path = std::find_if(path.begin(), path.end(), [&](const auto& entry) { return entry.first == callee; });
            std::string loop;
            for (auto it = in_path; it != path.end(); ++it) loop += p_.functions[it->first].decl->name + " → ";
            loop += p_.functions[callee].decl->name;
            d_.error("E0207", p_.functions[callee].decl->name_span, fmt::format("functions cannot call themselves: {}", loop)).help =
               "pol has no recursion, so every evaluation ends; use sum, count, filter or map over a list instead";
         } else if (colour[callee] == 0) {
            colour[callee] = 1;
            path.emplace_back(callee, calls_[callee].begin());
         }
      }
   }
}

void Checker::warn_unused()
{
   for (const auto& g : p_.globals) {
      if (g.module != 0 || g.used) continue;
      if (g.kind == GlobalKind::input) {
         d_.warning("W0401", g.span, fmt::format("input {} is never used", quote(g.name))).help = "remove it, or use it in a rule, let or output";
      } else if (g.kind == GlobalKind::let) {
         d_.warning("W0402", g.span, fmt::format("let {} is never used", quote(g.name))).help = "remove it, or make it an output";
      } else if (g.kind == GlobalKind::param) {
         d_.warning("W0403", g.span, fmt::format("param {} is never used", quote(g.name))).help = "remove it, or use it in a rule, let or output";
      } else if (g.kind == GlobalKind::rule) {
         d_.warning("W0405", g.span, fmt::format("rule {} is never used", quote(g.name))).help = "use it in an output, or make it one: output x = rule_name";
      }
   }
}

// --- Expressions ---------------------------------------------------------------------------

Type Checker::expect(Expr& e, Context& c, const Type& want, const char* what)
{
   Type got = check(e, c, &want);
   // an int (or list of ints) where a decimal is declared: the expression is typed as the decimal,
   // so the evaluator widens its value where it is computed
   const bool int_to_decimal = got.kind == TypeKind::int_ && want.kind == TypeKind::decimal;
   const bool ints_to_decimals = got.kind == TypeKind::list && want.kind == TypeKind::list && got.element && want.element &&
                                 got.element->kind == TypeKind::int_ && want.element->kind == TypeKind::decimal;
   if (int_to_decimal || ints_to_decimals) {
      Type widened = int_to_decimal ? Type::of(TypeKind::decimal) : want.required();
      widened.optional = got.optional;
      e.type = widened;
   }
   if (!assignable(got, want)) {
      auto& diag = d_.error("E0308", e.span, fmt::format("{} should be {}, but it is {}", what, want.to_string(), got.to_string()));
      diag.label = got.to_string();
      if (want.kind == TypeKind::money && got.is_numeric()) diag.help = "make it money: write £ before a number, or convert with money(x)";
      else if (want.kind == TypeKind::int_ && got.kind == TypeKind::decimal) diag.help = "round it first: int(round(x, 0)) or floor(x)";
      else if (want.is_numeric() && got.kind == TypeKind::money) diag.help = "convert with decimal(x), or declare the type as money";
      else if (got.optional && !want.optional) diag.help = fmt::format("it may be none: give a fallback with ?? (x ?? default), or declare the type as {}?", want.to_string());
      else diag.help = fmt::format("change the value, or declare the type as {}", got.to_string());
   }
   return got;
}

bool Checker::expect_bool(Expr& e, Context& c, const char* what)
{
   Type t = check(e, c);
   if (t.is_error() || is_bool(t)) return true;
   auto& diag = d_.error("E0304", e.span, fmt::format("{} must be true or false, but it is {}", what, t.to_string()));
   diag.label = t.to_string();
   diag.help = t.optional && t.kind == TypeKind::bool_ ? "it may be none: write (x ?? false)" : "compare it with something: x > 0, x == VE";
   return false;
}

void Checker::report_optional(const Expr& e, const Type& t)
{
   auto& diag = d_.error("E0309", e.span, fmt::format("this value may be none ({}), so it cannot be used here", t.to_string()));
   diag.label = "may be none";
   diag.help = "give a fallback with ??, e.g. (x ?? 0)";
}

std::vector<std::string> Checker::visible_names(const Context& c) const
{
   std::vector<std::string> names;
   for (const auto& l : c.locals) names.push_back(l.name);
   for (const auto& [n, s] : scopes_[c.module]) names.push_back(n);
   for (const auto& info : p_.enums) {
      for (const auto& v : info.variants) names.push_back(v);
   }
   return names;
}

bool Checker::find_variant(const std::string& name, Span span, int& enum_id, int& variant)
{
   std::vector<std::pair<int, int>> found;
   for (std::size_t e = 0; e < p_.enums.size(); ++e) {
      const auto& vs = p_.enums[e].variants;
      auto it = std::find(vs.begin(), vs.end(), name);
      if (it != vs.end()) found.emplace_back(static_cast<int>(e), static_cast<int>(it - vs.begin()));
   }
   if (found.empty()) return false;
   if (found.size() > 1) {
      std::string owners;
      for (auto [e, v] : found) owners += (owners.empty() ? "" : " and ") + p_.enums[e].name;
      d_.error("E0204", span, fmt::format("{} is a value of {}", quote(name), owners)).help =
         fmt::format("say which one: {}.{}", p_.enums[found.front().first].name, name);
   }
   enum_id = found.front().first;
   variant = found.front().second;
   return true;
}

void Checker::constant_only(Expr& e, Context& c)
{
   const Global& g = p_.globals[e.ref.index];
   if (c.purity == Purity::constant && g.kind != GlobalKind::param) {
      auto& diag = d_.error("E0209", e.span, fmt::format("{} cannot use the {} {}", c.where, to_string(g.kind), quote(g.name)));
      diag.help = c.function >= 0 || std::string_view(c.where) == "a table" ? "pass it in as a parameter" : "only params, enums and functions can be used here";
   }
}

Type Checker::check_name(Expr& e, Context& c)
{
   for (auto it = c.locals.rbegin(); it != c.locals.rend(); ++it) {
      if (it->name == e.text) {
         e.ref = {RefKind::local, static_cast<std::int32_t>(it->slot), -1};
         return it->type;
      }
   }
   if (const Symbol* s = lookup(c.module, e.text)) {
      switch (s->kind) {
         case SymbolKind::global: {
            e.ref = {RefKind::global, s->index, -1};
            constant_only(e, c);
            if (s->index != c.self_input) p_.globals[s->index].used = true;
            const Global& g = p_.globals[s->index];
            if (g.kind == GlobalKind::param && !p_.param_decl(g).periods.empty()) e.ref.sub = 1;  // dated: the evaluation date picks the value
            return global_type(s->index, e.span);
         }
         case SymbolKind::function:
         case SymbolKind::table:
            d_.error("E0306", e.span, fmt::format("{} is a {}: call it with its arguments", quote(e.text), s->kind == SymbolKind::table ? "table" : "function")).help =
               fmt::format("write {}(…)", e.text);
            return Type::error();
         case SymbolKind::enum_type:
         case SymbolKind::record_type:
            d_.error("E0203", e.span, fmt::format("{} is a type, not a value", quote(e.text))).help =
               s->kind == SymbolKind::enum_type ? fmt::format("name one of its values, e.g. {}.{}", e.text, p_.enums[s->index].variants.empty() ? "X" : p_.enums[s->index].variants.front())
                                                : "write a record value: { field: value, … }";
            return Type::error();
         case SymbolKind::module:
            d_.error("E0203", e.span, fmt::format("{} is an imported module", quote(e.text))).help = fmt::format("name something in it: {}.name", e.text);
            return Type::error();
      }
   }
   int enum_id = 0, variant = 0;
   if (find_variant(e.text, e.span, enum_id, variant)) {
      e.ref = {RefKind::enum_variant, enum_id, variant};
      Type t;
      t.kind = TypeKind::enum_;
      t.id = enum_id;
      t.name = p_.enums[enum_id].name;
      return t;
   }
   if (p_.modules[c.module]->unparsed_name(e.text)) return Type::error();  // its declaration has a syntax error, reported
   auto& diag = d_.error("E0201", e.span, fmt::format("unknown name {}", quote(e.text)));
   diag.label = "not declared";
   const auto near = closest_name(e.text, visible_names(c));
   diag.help = near.empty() ? "declare it with input, param, let or rule" : fmt::format("did you mean '{}'?", near);
   return Type::error();
}

Type Checker::check_field(Expr& e, Context& c)
{
   Expr& base = *e.args[0];
   // Scheme.CR: a value of an enum
   if (base.kind == ExprKind::name) {
      const bool shadowed = std::any_of(c.locals.begin(), c.locals.end(), [&](const Local& l) { return l.name == base.text; });
      const Symbol* s = shadowed ? nullptr : lookup(c.module, base.text);
      if (s && s->kind == SymbolKind::enum_type) {
         const auto& info = p_.enums[s->index];
         auto it = std::find(info.variants.begin(), info.variants.end(), e.text);
         if (it == info.variants.end()) {
            auto& diag = d_.error("E0211", e.span, fmt::format("enum {} has no value {}", info.name, quote(e.text)));
            const auto near = closest_name(e.text, info.variants);
            diag.help = near.empty() ? fmt::format("its values are: {}", fmt::join(info.variants, ", ")) : fmt::format("did you mean '{}'?", near);
            return Type::error();
         }
         e.ref = {RefKind::enum_variant, s->index, static_cast<std::int32_t>(it - info.variants.begin())};
         Type t;
         t.kind = TypeKind::enum_;
         t.id = s->index;
         t.name = info.name;
         return t;
      }
   }
   Type bt = check(base, c);
   if (bt.is_error()) return bt;
   if (bt.kind == TypeKind::record && bt.optional) {
      report_optional(base, bt);
      return Type::error();
   }
   if (bt.kind != TypeKind::record) {
      d_.error("E0311", e.span, fmt::format("{} has no fields: it is {}", quote(std::string(p_.sources.file(e.span.file).slice(base.span))), bt.to_string())).help =
         "only records have fields";
      return Type::error();
   }
   const auto& rec = p_.records[bt.id];
   const int index = rec.field_index(e.text);
   if (index < 0) {
      auto& diag = d_.error("E0205", e.span, fmt::format("record {} has no field {}", rec.name, quote(e.text)));
      const auto near = closest_name(e.text, rec.field_names);
      diag.help = near.empty() ? fmt::format("its fields are: {}", fmt::join(rec.field_names, ", ")) : fmt::format("did you mean '{}'?", near);
      return Type::error();
   }
   e.ref = {RefKind::none, index, -1};
   return rec.field_types[index];
}

Type Checker::check_lambda(Expr& lambda, Context& c, const Type& element, const Type* expected)
{
   if (lambda.kind != ExprKind::lambda) return check(lambda, c);
   const std::uint32_t slot = c.next_slot++;
   if (c.frame_size) *c.frame_size = std::max(*c.frame_size, c.next_slot);
   c.locals.push_back({lambda.text, slot, element});
   lambda.ref = {RefKind::local, static_cast<std::int32_t>(slot), -1};
   Type t = check(*lambda.args[0], c, expected);
   c.locals.pop_back();
   --c.next_slot;
   lambda.type = t;
   return t;
}

Type Checker::check_builtin(Expr& e, Context& c, const BuiltinInfo& b, const Type* expected)
{
   const int n = static_cast<int>(e.args.size());
   e.ref = {RefKind::builtin, static_cast<std::int32_t>(b.id), -1};
   if (n < b.min_args || (b.max_args >= 0 && n > b.max_args)) {
      const std::string want = b.max_args < 0 ? fmt::format("at least {}", b.min_args)
                                              : (b.min_args == b.max_args ? fmt::format("{}", b.min_args) : fmt::format("{} or {}", b.min_args, b.max_args));
      auto& diag = d_.error("E0306", e.span, fmt::format("{} takes {} argument{}, but {} {} given", b.name, want, (b.max_args == 1 && b.min_args == 1) ? "" : "s", n, n == 1 ? "was" : "were"));
      diag.help = fmt::format("{}: {}", b.signature, b.summary);
      for (auto& a : e.args) {
         if (a->kind != ExprKind::lambda) check(*a, c);
      }
      return Type::error();
   }
   auto arg_error = [&](int i, const std::string& want, const Type& got) {
      auto& diag = d_.error("E0307", e.args[i]->span, fmt::format("argument {} of {} should be {}, but it is {}", i + 1, b.name, want, got.to_string()));
      diag.label = got.to_string();
      if (got.optional) diag.help = "it may be none: give a fallback with ?? (x ?? default)";
      else diag.help = fmt::format("{}: {}", b.signature, b.summary);
      return Type::error();
   };
   if (b.id == Builtin::round && n == 3 && e.args[2]->kind == ExprKind::name && !lookup(c.module, e.args[2]->text)) {
      const auto& modes = p_.enums[0].variants;
      if (std::find(modes.begin(), modes.end(), e.args[2]->text) == modes.end()) {
         auto& diag = d_.error("E0312", e.args[2]->span, fmt::format("unknown rounding mode {}", quote(e.args[2]->text)));
         const auto near = closest_name(e.args[2]->text, modes);
         diag.help = fmt::format("{}the modes are: {}", near.empty() ? "" : fmt::format("did you mean '{}'? ", near), fmt::join(modes, ", "));
         check(*e.args[0], c);
         check(*e.args[1], c);
         return Type::error();
      }
   }
   const bool list_fn = b.id == Builtin::sum || b.id == Builtin::count || b.id == Builtin::all || b.id == Builtin::any || b.id == Builtin::filter || b.id == Builtin::map ||
                        b.id == Builtin::sort_by;
   if (list_fn) {
      Type list = check(*e.args[0], c);
      if (list.is_error()) return list;
      if (!is_list(list)) return arg_error(0, "a list", list);
      const Type element = *list.element;
      Type lambda_type = element;
      if (n == 2) {
         if (e.args[1]->kind != ExprKind::lambda) {
            d_.error("E0329", e.args[1]->span, fmt::format("the second argument of {} is a function of each item", b.name)).help =
               fmt::format("write it as: {}(items, x => …)", b.name);
            return Type::error();
         }
         // map's function gives the items of the list expected, if one is
         const Type* item = b.id == Builtin::map && expected && expected->kind == TypeKind::list && expected->element ? expected->element.get() : nullptr;
         lambda_type = check_lambda(*e.args[1], c, element, item);
         if (lambda_type.is_error()) return lambda_type;
      } else if (b.id == Builtin::filter || b.id == Builtin::map) {
         return Type::error();
      }
      switch (b.id) {
         case Builtin::sum:
            if (!quantity(lambda_type) && !element.is_error()) return arg_error(n - 1, "numbers, money or durations", lambda_type);
            return lambda_type;
         case Builtin::count:
            if (n == 2 && !is_bool(lambda_type)) return arg_error(1, "a condition (true or false)", lambda_type);
            return Type::of(TypeKind::int_);
         case Builtin::all:
         case Builtin::any:
            if (!is_bool(lambda_type) && !lambda_type.is_error()) return arg_error(n - 1, "a condition (true or false)", lambda_type);
            return Type::of(TypeKind::bool_);
         case Builtin::filter:
            if (!is_bool(lambda_type)) return arg_error(1, "a condition (true or false)", lambda_type);
            return list;
         case Builtin::map: return Type::list_of(lambda_type);
         case Builtin::sort_by:
            if (!orderable(lambda_type) || lambda_type.optional) return arg_error(1, "a key that orders: a number, money, a date, a duration or text", lambda_type);
            return list;
         default: break;
      }
   }
   std::vector<Type> a;
   for (int i = 0; i < n; ++i) {
      if (e.args[i]->kind == ExprKind::lambda) {
         d_.error("E0329", e.args[i]->span, fmt::format("{} does not take a function", b.name)).help = "functions of each item go to sum, count, all, any, filter and map";
         a.push_back(Type::error());
         continue;
      }
      a.push_back(check(*e.args[i], c));
   }
   for (const auto& t : a) {
      if (t.is_error()) return Type::error();
   }
   auto need = [&](int i, TypeKind kind, const char* want) {
      if (a[i].optional || a[i].kind != kind) {
         arg_error(i, want, a[i]);
         return false;
      }
      return true;
   };
   switch (b.id) {
      case Builtin::round: {
         if (!quantity(a[0])) return arg_error(0, "a number, money or a duration", a[0]);
         const Type& inc = a[1];
         const bool places = is_int(inc);
         const bool increment = assignable(inc, a[0].kind == TypeKind::int_ ? Type::of(TypeKind::decimal) : a[0]) && !inc.optional;
         if (!places && !increment) return arg_error(1, fmt::format("a number of places (int) or an increment of {}", a[0].to_string()), inc);
         if (is_duration(a[0]) && places) return arg_error(1, fmt::format("an increment of {}", a[0].to_string()), inc);
         if (n == 3 && !(a[2].kind == TypeKind::enum_ && a[2].id == 0 && !a[2].optional)) return arg_error(2, "a rounding mode: half_up, half_even, half_down, down, up, floor or ceiling", a[2]);
         if (a[0].kind == TypeKind::int_ && !places) return Type::of(TypeKind::decimal);
         return a[0];
      }
      case Builtin::floor:
      case Builtin::ceiling:
         if (a[0].is_numeric()) return Type::of(TypeKind::int_);
         if (is_money(a[0])) return a[0];
         return arg_error(0, "a number or money", a[0]);
      case Builtin::abs:
         if (!quantity(a[0])) return arg_error(0, "a number, money or a duration", a[0]);
         return a[0];
      case Builtin::min:
      case Builtin::max:
      case Builtin::clamp: {
         if (b.id != Builtin::clamp && n == 1) {
            if (!is_list(a[0])) return arg_error(0, "a list, or two or more values", a[0]);
            if (!orderable(*a[0].element)) return arg_error(0, "a list of numbers, money, dates or durations", a[0]);
            return *a[0].element;
         }
         Type common = a[0];
         for (int i = 0; i < n; ++i) {
            if (a[i].optional) {
               report_optional(*e.args[i], a[i]);
               return Type::error();
            }
            if (!orderable(a[i]) || a[i].kind == TypeKind::text) return arg_error(i, "a number, money, a date or a duration", a[i]);
            Type u = unify(common, a[i]);
            if (u.is_error()) {
               auto& diag = d_.error("E0307", e.args[i]->span, fmt::format("{} cannot compare {} with {}", b.name, common.to_string(), a[i].to_string()));
               diag.label = a[i].to_string();
               diag.help = common.kind == TypeKind::money || a[i].kind == TypeKind::money ? "make both money: write £ before a number, or convert with money(x)"
                                                                                            : "give every argument the same kind of value";
               return Type::error();
            }
            common = u;
         }
         return common;
      }
      case Builtin::add_years:
      case Builtin::add_months:
      case Builtin::add_days:
         if (!need(0, TypeKind::date, "a date") || !need(1, TypeKind::int_, "a whole number (int)")) return Type::error();
         return Type::of(TypeKind::date);
      case Builtin::days_between:
      case Builtin::years_between:
      case Builtin::months_between:
      case Builtin::age_on:
         if (!need(0, TypeKind::date, "a date") || !need(1, TypeKind::date, "a date")) return Type::error();
         return Type::of(TypeKind::int_);
      case Builtin::make_date:
         for (int i = 0; i < 3; ++i) {
            if (!need(i, TypeKind::int_, "a whole number (int)")) return Type::error();
         }
         return Type::of(TypeKind::date);
      case Builtin::year:
      case Builtin::month:
      case Builtin::day:
         if (!need(0, TypeKind::date, "a date")) return Type::error();
         return Type::of(TypeKind::int_);
      case Builtin::is_leap_year:
         if (!need(0, TypeKind::int_, "a year (int)")) return Type::error();
         return Type::of(TypeKind::bool_);
      case Builtin::to_decimal:
         if (!a[0].is_numeric() && !is_money(a[0]) && !is_duration(a[0])) return arg_error(0, "a number, money or a duration", a[0]);
         return Type::of(TypeKind::decimal);
      case Builtin::to_money:
         if (!a[0].is_numeric() && !is_money(a[0])) return arg_error(0, "a number", a[0]);
         return Type::of(TypeKind::money);
      case Builtin::to_int:
         if (!a[0].is_numeric()) return arg_error(0, "a number", a[0]);
         return Type::of(TypeKind::int_);
      case Builtin::fail:
         if (a[0].optional || a[0].kind != TypeKind::text) return arg_error(0, "a message (text)", a[0]);
         return Type::of(TypeKind::never);
      case Builtin::trim:
         if (!need(0, TypeKind::text, "text")) return Type::error();
         return Type::of(TypeKind::text);
      case Builtin::label:
         if (!need(0, TypeKind::enum_, "an enum value")) return Type::error();
         return Type::of(TypeKind::text);
      case Builtin::range:
         if (n == 2 && is_int(a[0]) && !a[0].optional) {
            if (!need(1, TypeKind::int_, "an int, the last of the range")) return Type::error();
            return Type::list_of(Type::of(TypeKind::int_));
         }
         if (!need(0, TypeKind::date, "an int or a date")) return Type::error();
         if (!need(1, TypeKind::date, "a date, the last of the range")) return Type::error();
         if (n < 3) {
            d_.error("E0306", e.span, "a range of dates needs a step: range(first, last, 1 month)").help = fmt::format("{}: {}", b.signature, b.summary);
            return Type::error();
         }
         if (a[2].kind != TypeKind::duration || a[2].optional || a[2].unit == DurationUnit::hours) return arg_error(2, "a step of days, weeks, months or years", a[2]);
         return Type::list_of(Type::of(TypeKind::date));
      case Builtin::first:
      case Builtin::last:
      case Builtin::at: {
         if (!is_list(a[0]) || a[0].optional) return arg_error(0, "a list", a[0]);
         if (b.id == Builtin::at && !need(1, TypeKind::int_, "an int, the place counting from 1")) return Type::error();
         Type item = *a[0].element;
         item.optional = true;  // none when there is no such item
         return item;
      }
      case Builtin::take:
      case Builtin::drop:
         if (!is_list(a[0]) || a[0].optional) return arg_error(0, "a list", a[0]);
         if (!need(1, TypeKind::int_, "an int, how many items")) return Type::error();
         return a[0];
      case Builtin::sort:
         if (!is_list(a[0]) || a[0].optional) return arg_error(0, "a list", a[0]);
         if (!orderable(*a[0].element) || a[0].element->optional) return arg_error(0, "a list of numbers, money, dates, durations or text", a[0]);
         return a[0];
      case Builtin::distinct:
         if (!is_list(a[0]) || a[0].optional) return arg_error(0, "a list", a[0]);
         return a[0];
      default: break;
   }
   return Type::error();
}

Type Checker::check_call(Expr& e, Context& c, const Type* expected)
{
   std::uint32_t module = c.module;
   if (!e.qualifier.empty()) {
      const Symbol* m = lookup(c.module, e.qualifier);
      if (!m || m->kind != SymbolKind::module) {
         d_.error("E0201", e.span, fmt::format("unknown module {}", quote(e.qualifier))).help = fmt::format("import it first: import {}", e.qualifier);
         for (auto& a : e.args) {
            if (a->kind != ExprKind::lambda) check(*a, c);
         }
         return Type::error();
      }
      module = static_cast<std::uint32_t>(m->index);
   }
   const Symbol* s = lookup(module, e.text);
   if (!s && e.qualifier.empty()) {
      if (const BuiltinInfo* b = find_builtin(e.text)) return check_builtin(e, c, *b, expected);
   }
   if (!s || (s->kind != SymbolKind::function && s->kind != SymbolKind::table)) {
      for (auto& a : e.args) {
         if (a->kind != ExprKind::lambda) check(*a, c);
      }
      if (s) {
         d_.error("E0208", e.span, fmt::format("{} is not a function or table, so it cannot be called", quote(e.text))).help = "remove the parentheses to use its value";
         return Type::error();
      }
      std::vector<std::string> names;
      for (const auto& b : builtins()) names.emplace_back(b.name);
      for (const auto& [n, sym] : scopes_[module]) {
         if (sym.kind == SymbolKind::function || sym.kind == SymbolKind::table) names.push_back(n);
      }
      if (p_.modules[module]->unparsed_name(e.text)) return Type::error();  // its declaration has a syntax error, reported
      auto& diag = d_.error("E0208", e.span, fmt::format("unknown function {}", quote(e.text)));
      const auto near = closest_name(e.text, names);
      diag.help = near.empty() ? "declare it with fn, or see the built-in functions in docs/language.md" : fmt::format("did you mean '{}'?", near);
      return Type::error();
   }
   const bool is_table = s->kind == SymbolKind::table;
   if (is_table) check_table(s->index);
   if (!is_table && c.function >= 0) calls_[c.function].insert(s->index);
   const std::vector<Type>& params = is_table ? p_.tables[s->index].params : p_.functions[s->index].params;
   const std::string kind = is_table ? "table" : "function";
   e.ref = {is_table ? RefKind::table : RefKind::function, s->index, -1};
   if (e.args.size() != params.size()) {
      auto& diag = d_.error("E0306", e.span, fmt::format("{} {} takes {} argument{}, but {} {} given", kind, quote(e.text), params.size(), params.size() == 1 ? "" : "s", e.args.size(),
                                                         e.args.size() == 1 ? "was" : "were"));
      diag.notes.push_back({is_table ? p_.tables[s->index].decl->name_span : p_.functions[s->index].decl->name_span, fmt::format("{} is declared here", quote(e.text))});
      diag.help = "pass one value for each parameter, in order";
   }
   for (std::size_t i = 0; i < e.args.size(); ++i) {
      if (i < params.size()) {
         Type got = check(*e.args[i], c, &params[i]);
         if (!assignable(got, params[i])) {
            auto& diag = d_.error("E0307", e.args[i]->span, fmt::format("argument {} of {} should be {}, but it is {}", i + 1, quote(e.text), params[i].to_string(), got.to_string()));
            diag.label = got.to_string();
            diag.help = got.optional ? "it may be none: give a fallback with ?? (x ?? default)" : "pass a value of the parameter's type";
         }
      } else if (e.args[i]->kind != ExprKind::lambda) {
         check(*e.args[i], c);
      }
   }
   return is_table ? p_.tables[s->index].call_type : p_.functions[s->index].result;
}

// The help for a + or - between two kinds that do not mix.
std::string mix_help(BinaryOp op, const Type& l, const Type& r)
{
   const bool lm = l.kind == TypeKind::money, rm = r.kind == TypeKind::money;
   if ((lm && r.is_numeric()) || (rm && l.is_numeric())) {
      return "to add pounds, make the number money (£5, or money(x)); to scale money, multiply instead: a * b";
   }
   if ((lm || rm) && (l.kind == TypeKind::duration || r.kind == TypeKind::duration)) return "to pay for a number of months, multiply money by a number: monthly_pay * months";
   if (l.kind == TypeKind::date && r.kind == TypeKind::date && op == BinaryOp::sub) return "to count the days between dates, use days_between(from, to)";
   if (l.kind == TypeKind::date && r.is_numeric()) return "to move a date, add a duration (date + 30 days) or use add_days, add_months or add_years";
   if (l.kind == TypeKind::duration && r.kind == TypeKind::duration) return "months and days do not convert exactly; keep to one unit";
   if (l.kind == TypeKind::duration || r.kind == TypeKind::duration) return "give the number its unit: 5 days, 3 months";
   if (l.kind == TypeKind::text || r.kind == TypeKind::text) return "to join text, interpolate: \"{a} {b}\"";
   return "both sides must be the same kind of value";
}

Type Checker::check_binary(Expr& e, Context& c)
{
   const BinaryOp op = e.op;
   if (op == BinaryOp::and_ || op == BinaryOp::or_) {
      const bool ok = expect_bool(*e.args[0], c, fmt::format("the left side of '{}'", to_string(op)).c_str());
      const bool ok2 = expect_bool(*e.args[1], c, fmt::format("the right side of '{}'", to_string(op)).c_str());
      (void)ok;
      (void)ok2;
      return Type::of(TypeKind::bool_);
   }
   if (op == BinaryOp::coalesce) {
      Type l = check(*e.args[0], c);
      Type lr = l.required();
      Type r = check(*e.args[1], c, &lr);
      if (l.is_error() || r.is_error()) return Type::error();
      if (!l.optional && l.kind != TypeKind::none) {
         d_.error("E0309", e.args[0]->span, fmt::format("this value is never none ({}), so '?" "?' has nothing to do", l.to_string())).help = "remove '?" "? …'";
         return l;
      }
      Type u = unify(lr, r);
      if (u.is_error()) {
         d_.error("E0305", e.args[1]->span, fmt::format("the fallback is {}, but the value is {}", r.to_string(), lr.to_string())).help = "give a fallback of the same kind";
         return Type::error();
      }
      return u;
   }
   if (op == BinaryOp::in) {
      Type l = check(*e.args[0], c);
      Type r = check(*e.args[1], c);
      if (l.is_error() || r.is_error()) return Type::of(TypeKind::bool_);
      if (!is_list(r)) {
         d_.error("E0330", e.args[1]->span, fmt::format("'in' needs a list on its right, but this is {}", r.to_string())).help = "write the values as a list: x in [A, B]";
      } else if (!r.element->is_error() && unify(l, *r.element).is_error()) {
         d_.error("E0303", e.span, fmt::format("cannot look for {} in a list of {}", l.to_string(), r.element->to_string())).help = "compare values of the same kind";
      }
      return Type::of(TypeKind::bool_);
   }
   Type l = check(*e.args[0], c);
   Type r = check(*e.args[1], c);
   if (l.is_error() || r.is_error()) return Type::error();
   if (l.optional || l.kind == TypeKind::none) {
      report_optional(*e.args[0], l);
      return Type::error();
   }
   if (r.optional || r.kind == TypeKind::none) {
      report_optional(*e.args[1], r);
      return Type::error();
   }
   const auto K = [](const Type& t) { return t.kind; };
   auto fail = [&](const char* code, std::string message, std::string help) {
      auto& diag = d_.error(code, e.span, std::move(message));
      diag.label = fmt::format("{} {} {}", l.to_string(), to_string(op), r.to_string());
      diag.help = std::move(help);
      return Type::error();
   };
   switch (op) {
      case BinaryOp::add:
      case BinaryOp::sub: {
         const char* verb = op == BinaryOp::add ? "add" : "subtract";
         if (l.is_numeric() && r.is_numeric()) return (K(l) == TypeKind::int_ && K(r) == TypeKind::int_) ? l : Type::of(TypeKind::decimal);
         if (K(l) == TypeKind::money && K(r) == TypeKind::money) return l;
         if (K(l) == TypeKind::duration && K(r) == TypeKind::duration && l.unit == r.unit) return l;
         if (K(l) == TypeKind::date && K(r) == TypeKind::duration && r.unit != DurationUnit::hours) return l;
         if (op == BinaryOp::add && K(l) == TypeKind::duration && K(r) == TypeKind::date && l.unit != DurationUnit::hours) return r;
         return fail("E0301", fmt::format("cannot {} {} and {}", verb, l.to_string(), r.to_string()), mix_help(op, l, r));
      }
      case BinaryOp::mul: {
         if (l.is_numeric() && r.is_numeric()) return (K(l) == TypeKind::int_ && K(r) == TypeKind::int_) ? l : Type::of(TypeKind::decimal);
         if (K(l) == TypeKind::money && r.is_numeric()) return l;
         if (l.is_numeric() && K(r) == TypeKind::money) return r;
         if (K(l) == TypeKind::duration && r.is_numeric()) return l;
         if (l.is_numeric() && K(r) == TypeKind::duration) return r;
         if (K(l) == TypeKind::money && K(r) == TypeKind::money) {
            return fail("E0302", "cannot multiply money by money", "multiply money by a number; convert one side with decimal(x) if it is a rate");
         }
         if ((K(l) == TypeKind::money && K(r) == TypeKind::duration) || (K(r) == TypeKind::money && K(l) == TypeKind::duration)) {
            return fail("E0302", fmt::format("cannot multiply {} by {}", l.to_string(), r.to_string()), "convert the duration to a number first: decimal(d)");
         }
         return fail("E0302", fmt::format("cannot multiply {} by {}", l.to_string(), r.to_string()), "multiply numbers, or money or a duration by a number");
      }
      case BinaryOp::div: {
         if (l.is_numeric() && r.is_numeric()) return Type::of(TypeKind::decimal);
         if (K(l) == TypeKind::money && r.is_numeric()) return l;
         if (K(l) == TypeKind::money && K(r) == TypeKind::money) return Type::of(TypeKind::decimal);
         if (K(l) == TypeKind::duration && r.is_numeric()) return l;
         if (K(l) == TypeKind::duration && K(r) == TypeKind::duration && l.unit == r.unit) return Type::of(TypeKind::decimal);
         if (l.is_numeric() && K(r) == TypeKind::money) {
            return fail("E0302", fmt::format("cannot divide {} by money", l.to_string()), "divide money by a number, or money by money for a ratio");
         }
         return fail("E0302", fmt::format("cannot divide {} by {}", l.to_string(), r.to_string()), "divide numbers, or money or a duration by a number");
      }
      default: break;
   }
   return Type::error();
}

Type Checker::check_compare(Expr& e, Context& c)
{
   std::vector<Type> t;
   for (std::size_t i = 0; i < e.args.size(); ++i) {
      // `x == none` and enum values check against the other side
      const Type* hint = (i > 0 && !t.back().is_error()) ? &t.back() : nullptr;
      t.push_back(check(*e.args[i], c, hint));
   }
   for (std::size_t i = 0; i < e.compare_ops.size(); ++i) {
      const Type& l = t[i];
      const Type& r = t[i + 1];
      if (l.is_error() || r.is_error()) continue;
      const CompareOp op = e.compare_ops[i];
      const bool equality = op == CompareOp::eq || op == CompareOp::ne;
      Span span{e.span.file, e.args[i]->span.begin, e.args[i + 1]->span.end};
      if (equality) {
         if (l.kind == TypeKind::none || r.kind == TypeKind::none) {
            const Type& other = l.kind == TypeKind::none ? r : l;
            if (!other.optional && other.kind != TypeKind::none) {
               d_.error("E0303", span, fmt::format("this value is {}, which is never none", other.to_string())).help = "declare it optional (T?) if it can be missing";
            }
            continue;
         }
         if (unify(l, r).is_error()) {
            auto& diag = d_.error("E0303", span, fmt::format("cannot compare {} with {}", l.to_string(), r.to_string()));
            diag.label = fmt::format("{} {} {}", l.to_string(), to_string(op), r.to_string());
            diag.help = mix_help(BinaryOp::sub, l.required(), r.required());
            if (diag.help == "both sides must be the same kind of value" && (l.kind == TypeKind::money || r.kind == TypeKind::money)) diag.help = "write money as money: £5";
         }
         continue;
      }
      if (l.optional || l.kind == TypeKind::none) {
         report_optional(*e.args[i], l);
         continue;
      }
      if (r.optional || r.kind == TypeKind::none) {
         report_optional(*e.args[i + 1], r);
         continue;
      }
      if (!orderable(l) || !orderable(r) || unify(l, r).is_error()) {
         auto& diag = d_.error("E0303", span, fmt::format("cannot compare {} with {} using {}", l.to_string(), r.to_string(), to_string(op)));
         diag.label = fmt::format("{} {} {}", l.to_string(), to_string(op), r.to_string());
         if (l.kind == TypeKind::money || r.kind == TypeKind::money) diag.help = "compare money with money: write £ before the number, or convert with money(x)";
         else if (l.kind == TypeKind::enum_ || l.kind == TypeKind::bool_) diag.help = "enums and bools can only be compared with == and !=";
         else diag.help = mix_help(BinaryOp::sub, l, r);
      }
   }
   return Type::of(TypeKind::bool_);
}

Type Checker::check_as_of(Expr& e, Context& c)
{
   Expr& target = *e.args[0];
   Type date = check(*e.args[1], c);
   if (!date.is_error() && !is_date(date)) {
      d_.error("E0307", e.args[1]->span, fmt::format("'as of' needs a date, but this is {}", date.to_string())).help = "for example: exit_payment_cap as of exit_date";
   }
   if (target.kind == ExprKind::call) {
      Type t = check(target, c);
      if (target.ref.kind == RefKind::table) {
         const auto& versions = p_.tables[static_cast<std::size_t>(target.ref.index)].decl->versions;
         if (std::any_of(versions.begin(), versions.end(), [](const TableVersion& v) { return v.from.has_value(); })) return t;
         if (!t.is_error()) d_.error("E0212", target.span, fmt::format("table {} has no rows by date, so 'as of' does not apply", quote(target.text))).help =
            "remove 'as of …', or give the table rows by date with 'from DATE'";
         return t;
      }
      if (!t.is_error()) d_.error("E0212", target.span, "'as of' applies to a param with values by date, or a call of a table with rows by date").help =
         "write: param_name as of some_date, or table_name(…) as of some_date";
      return t;
   }
   if (target.kind != ExprKind::name) {
      d_.error("E0212", target.span, "'as of' applies to a param with values by date, or a call of a table with rows by date").help =
         "write: param_name as of some_date, or table_name(…) as of some_date";
      return check(target, c);
   }
   Type t = check(target, c);
   if (target.ref.kind == RefKind::global && p_.globals[target.ref.index].kind == GlobalKind::param && target.ref.sub == 1) return t;
   if (!t.is_error()) {
      d_.error("E0212", target.span, fmt::format("{} has no values by date, so 'as of' does not apply", quote(target.text))).help =
         "remove 'as of …', or give the param values with 'from DATE = …'";
   }
   return t;
}

Type Checker::check(Expr& e, Context& c, const Type* expected)
{
   Type t = Type::error();
   switch (e.kind) {
      case ExprKind::int_lit:
         t = Type::of(TypeKind::int_);
         if (e.text.size() > 18) {
            d_.error("E0110", e.span, "this number is too large for an int").help = "ints run to ±9,223,372,036,854,775,807; write a decimal (with a point) for larger values";
            t = Type::error();
         }
         break;
      case ExprKind::decimal_lit:
      case ExprKind::percent_lit: t = Type::of(TypeKind::decimal); break;
      case ExprKind::money_lit: t = Type::of(TypeKind::money); break;
      case ExprKind::date_lit: t = Type::of(TypeKind::date); break;
      case ExprKind::duration_lit: t = Type::duration(e.unit); break;
      case ExprKind::bool_lit: t = Type::of(TypeKind::bool_); break;
      case ExprKind::none_lit: t = (expected && expected->optional) ? *expected : Type::of(TypeKind::none); break;
      case ExprKind::text_lit:
         for (auto& a : e.args) {
            Type part = check(*a, c);
            if (part.kind == TypeKind::list || part.kind == TypeKind::record || part.kind == TypeKind::lambda) {
               d_.error("E0324", a->span, fmt::format("{} cannot be written into text", part.to_string())).help = "interpolate single values: numbers, money, dates, enums or text";
            }
         }
         t = Type::of(TypeKind::text);
         break;
      case ExprKind::name: t = check_name(e, c); break;
      case ExprKind::field: t = check_field(e, c); break;
      case ExprKind::call: t = check_call(e, c, expected); break;
      case ExprKind::negate: {
         Type a = check(*e.args[0], c);
         if (a.is_error()) break;
         if (a.optional) {
            report_optional(*e.args[0], a);
            break;
         }
         if (!quantity(a)) {
            d_.error("E0323", e.span, fmt::format("cannot negate {}", a.to_string())).help = "'-' applies to numbers, money and durations";
            break;
         }
         t = a;
         break;
      }
      case ExprKind::not_:
         expect_bool(*e.args[0], c, "the value after 'not'");
         t = Type::of(TypeKind::bool_);
         break;
      case ExprKind::binary: t = check_binary(e, c); break;
      case ExprKind::compare: t = check_compare(e, c); break;
      case ExprKind::if_: {
         expect_bool(*e.args[0], c, "the condition of 'if'");
         Type a = check(*e.args[1], c, expected);
         Type b = check(*e.args[2], c, expected);
         if (a.is_error() || b.is_error()) break;
         t = unify(a, b);
         if (t.is_error()) {
            auto& diag = d_.error("E0305", e.span, fmt::format("the branches of 'if' differ: {} after 'then', {} after 'else'", a.to_string(), b.to_string()));
            diag.help = "both branches must give the same kind of value";
         }
         break;
      }
      case ExprKind::list: {
         const Type* element_hint = (expected && expected->kind == TypeKind::list && expected->element) ? expected->element.get() : nullptr;
         Type element = element_hint ? *element_hint : Type::error();
         bool first = element_hint == nullptr;
         bool ok = true;
         for (auto& a : e.args) {
            Type at = check(*a, c, element_hint);
            if (at.is_error()) {
               ok = false;
               continue;
            }
            if (first) {
               element = at;
               first = false;
               continue;
            }
            Type u = element_hint && assignable(at, element) ? element : unify(element, at);
            if (u.is_error()) {
               d_.error("E0327", a->span, fmt::format("this item is {}, but the list holds {}", at.to_string(), element.to_string())).help = "a list holds one kind of value";
               ok = false;
               continue;
            }
            element = u;
         }
         t = ok ? Type::list_of(element) : Type::error();
         break;
      }
      case ExprKind::record: {
         if (!expected || expected->kind != TypeKind::record) {
            auto& diag = d_.error("E0331", e.span, "a record value can only stand where its type is known");
            // the help names the policy's own record types
            std::vector<std::string> names;
            for (const auto& r : p_.records) {
               if (r.module == c.module) names.push_back(r.name);
            }
            diag.help = names.empty() ? "declare a record type (record Period { start: date, end: date }) and give the value where its type is declared: let p: Period = { … }"
                                      : fmt::format("give it where its type is declared: let x: {} = {{ … }}, or as the items of a list declared as list of {} (your record types: {})",
                                                    names.front(), names.front(), fmt::join(names, ", "));
            for (auto& a : e.args) check(*a, c);
            break;
         }
         const auto& rec = p_.records[expected->id];
         std::set<std::string> given;
         bool ok = true;
         for (std::size_t i = 0; i < e.field_names.size(); ++i) {
            const int f = rec.field_index(e.field_names[i]);
            if (f < 0) {
               auto& diag = d_.error("E0331", e.field_spans[i], fmt::format("record {} has no field {}", rec.name, quote(e.field_names[i])));
               const auto near = closest_name(e.field_names[i], rec.field_names);
               diag.help = near.empty() ? fmt::format("its fields are: {}", fmt::join(rec.field_names, ", ")) : fmt::format("did you mean '{}'?", near);
               ok = false;
               continue;
            }
            given.insert(e.field_names[i]);
            Type want = rec.field_types[f];
            if (!assignable(expect(*e.args[i], c, want, "this field"), want)) ok = false;
         }
         for (std::size_t f = 0; f < rec.field_names.size(); ++f) {
            if (!given.count(rec.field_names[f]) && !rec.field_types[f].optional) {
               d_.error("E0331", e.span, fmt::format("this {} has no value for {}", rec.name, quote(rec.field_names[f]))).help =
                  fmt::format("add {}: …, or declare the field optional ({}?)", rec.field_names[f], rec.field_types[f].to_string());
               ok = false;
            }
         }
         t = ok ? expected->required() : Type::error();
         break;
      }
      case ExprKind::lambda:
         d_.error("E0329", e.span, "a function of each item can only be an argument of sum, count, all, any, filter or map").help = "for example: sum(items, x => x.amount)";
         break;
      case ExprKind::as_of: t = check_as_of(e, c); break;
   }
   e.type = t;
   return t;
}

// The globals whose dependencies have no cycle, each after the globals its expressions name.
// Checking these first keeps the checker from recursing along a chain of 100,000 lets written
// last first; the others are checked after, in declaration order, so that a cycle is reported
// as it is met from its first value. Names are matched before scopes are known, so a lambda
// parameter may add an edge: harmless for an order.
std::vector<int> Checker::dependency_order() const
{
   const auto named = [&](int index) {
      std::vector<int> out;
      const Global& g = p_.globals[index];
      std::vector<const Expr*> pending = p_.value_expressions(g);
      while (!pending.empty()) {
         const Expr* e = pending.back();
         pending.pop_back();
         if (e->kind == ExprKind::name) {
            if (const Symbol* s = lookup(g.module, e->text); s && s->kind == SymbolKind::global) out.push_back(s->index);
         }
         for (const auto& a : e->args) {
            if (a) pending.push_back(a.get());
         }
      }
      return out;
   };
   std::vector<int> order;
   enum : std::uint8_t { unseen, on_stack, finished };
   std::vector<std::uint8_t> state(p_.globals.size(), unseen);
   std::vector<std::uint8_t> cyclic(p_.globals.size(), 0);  // on a cycle, or using a value that is
   // depth first, with the stack in memory: each entry is a global, the names it uses, and how many it has visited
   struct Entry {
      int index;
      std::vector<int> uses;
      std::size_t next = 0;
   };
   std::vector<Entry> stack;
   for (std::size_t start = 0; start < p_.globals.size(); ++start) {
      if (state[start] != unseen) continue;
      state[start] = on_stack;
      stack.push_back({static_cast<int>(start), named(static_cast<int>(start))});
      while (!stack.empty()) {
         Entry& top = stack.back();
         if (top.next == top.uses.size()) {
            const int index = top.index;
            for (int used : top.uses) cyclic[index] = cyclic[index] || cyclic[used];
            state[index] = finished;
            if (!cyclic[index]) order.push_back(index);
            stack.pop_back();
            continue;
         }
         const int used = top.uses[top.next++];
         if (state[used] == on_stack) {
            // a cycle: every value on the stack from `used` up is on it
            for (auto it = stack.rbegin(); it != stack.rend(); ++it) {
               cyclic[it->index] = 1;
               if (it->index == used) break;
            }
         } else if (state[used] == unseen) {
            state[used] = on_stack;
            stack.push_back({used, named(used)});
         }
      }
   }
   return order;
}

void Checker::run()
{
   declare_all();
   resolve_signatures();
   state_.assign(p_.globals.size(), 0);
   calls_.assign(p_.functions.size(), {});
   function_checked_.assign(p_.functions.size(), 0);
   table_checked_.assign(p_.tables.size(), 0);
   for (int index : dependency_order()) {
      if (state_[index] == 0) check_global(index);
   }
   for (std::size_t i = 0; i < p_.globals.size(); ++i) {
      if (state_[i] == 0) check_global(static_cast<int>(i));
   }
   for (std::size_t i = 0; i < p_.functions.size(); ++i) check_function(static_cast<int>(i));
   for (std::size_t i = 0; i < p_.tables.size(); ++i) check_table(static_cast<int>(i));
   for (std::uint32_t m = 0; m < p_.modules.size(); ++m) {
      for (const auto& r : p_.modules[m]->requires_) check_require(r, m);
   }
   for (const auto& t : p_.main().tests) check_test(t);
   check_function_cycles();
   // outputs are used by definition
   for (auto slot : p_.outputs) p_.globals[slot].used = true;
   warn_unused();
}

}  // namespace

void check_program(Program& program, Diagnostics& diagnostics)
{
   Checker(program, diagnostics).run();
}

}  // namespace pol::lang
