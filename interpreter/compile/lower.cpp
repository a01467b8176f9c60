// Lowers a checked program to register code (lowered.hpp). Globals are computed once, in
// dependency order, before the outputs that use them; functions and tables are inlined at each
// call. Lowering eagerly is safe because evaluation is pure and any error bails to the general
// evaluator, which is lazy and has the last word.
#include <algorithm>
#include <map>

#include "builtins.hpp"
#include "lowered.hpp"
#include "literal.hpp"

namespace pol::interp {

using lang::Expr;
using lang::ExprKind;
using lang::GlobalKind;
using lang::Type;
using lang::TypeKind;

namespace {

struct Unsupported {};  // the program uses what the code does not cover

constexpr std::uint16_t unmapped = 0xFFFF;

bool is_scalar(const Type& t)
{
   switch (t.kind) {
      case TypeKind::bool_:
      case TypeKind::int_:
      case TypeKind::date:
      case TypeKind::enum_:
      case TypeKind::decimal:
      case TypeKind::money:
      case TypeKind::duration:
      case TypeKind::text:
      case TypeKind::none:
      case TypeKind::never: return true;
      default: return false;
   }
}

void require_scalar(const Type& t)
{
   if (!is_scalar(t)) throw Unsupported{};
}

// A record of scalar fields.
bool is_flat_record(const Type& t, const lang::Program& p)
{
   if (t.kind != TypeKind::record || t.id < 0 || static_cast<std::size_t>(t.id) >= p.records.size()) return false;
   const auto& fields = p.records[static_cast<std::size_t>(t.id)].field_types;
   return fields.size() <= 255 && std::all_of(fields.begin(), fields.end(), [](const Type& f) { return is_scalar(f); });
}

// What the code holds in a register: a scalar, a record of scalars, or a list of either (read
// from a record or written as a literal), which only the list functions and `in` take apart.
void require_value(const Type& t, const lang::Program& p)
{
   const auto item = [&](const Type& x) { return (is_scalar(x) && x.kind != TypeKind::none && x.kind != TypeKind::never) || is_flat_record(x, p); };
   if ((t.kind == TypeKind::list && t.element && item(*t.element)) || is_flat_record(t, p)) return;
   require_scalar(t);
}

// Whether a value of type t is, or holds in its items or fields, a value of kind k.
bool holds_kind(const Type& t, TypeKind k, const lang::Program& p)
{
   if (t.kind == k) return true;
   if (t.kind == TypeKind::list) return t.element && holds_kind(*t.element, k, p);
   if (t.kind == TypeKind::record && t.id >= 0 && static_cast<std::size_t>(t.id) < p.records.size()) {
      const auto& fields = p.records[static_cast<std::size_t>(t.id)].field_types;
      return std::any_of(fields.begin(), fields.end(), [&](const Type& f) { return holds_kind(f, k, p); });
   }
   return false;
}

Cell cell_of(const Value& v)
{
   switch (v.kind) {
      case ValueKind::none: return {0, none_mark};
      case ValueKind::bool_: return {v.flag ? 1 : 0, 0};
      case ValueKind::int_:
      case ValueKind::date:
      case ValueKind::enum_: return {v.integer, 0};
      case ValueKind::decimal:
      case ValueKind::money:
      case ValueKind::duration: {
         Cell c;
         if (!v.number.small_parts(c.a, c.b)) throw Unsupported{};
         return c;
      }
      default: throw Unsupported{};
   }
}

Date civil(const lang::CivilDate& d) { return *Date::from_civil(d.year, d.month, d.day); }

class Lowering {
public:
   Lowering(const lang::Program& p, const std::vector<Value>& literals, const TableIndexes& indexes)
      : p_(p), literals_(literals), indexes_(indexes), reg_(p.globals.size(), unmapped), state_(p.globals.size(), 0)
   {
   }

   Code run()
   {
      code_.as_of = temp();
      true_ = constant({1, 0});
      false_ = constant({0, 0});
      for (auto slot : p_.inputs) {
         const auto& g = p_.globals[slot];
         require_value(g.type, p_);
         reg_[slot] = temp();  // set by the reader: none when absent
         code_.registers[reg_[slot]] = {0, none_mark};
         code_.inputs.push_back({g.name, g.type, reg_[slot], input_scale(g.type)});
         code_.input_regs.push_back(reg_[slot]);
      }
      code_.input_defaults.assign(code_.inputs.size(), Cell{0, none_mark});
      for (auto slot : p_.inputs) ensure(slot);
      for (auto slot : p_.inputs) {
         const auto& g = p_.globals[slot];
         const auto& decl = p_.input_decl(g);
         if (!decl.requires_) continue;
         in_frame(g.frame_size, [&] { assert_true(*decl.requires_); });
      }
      for (auto slot : p_.outputs) {
         const auto& g = p_.globals[slot];
         if (holds_kind(g.type, TypeKind::duration, p_)) throw Unsupported{};  // written as text ("3 months")
         require_value(g.type, p_);
         const auto reg = ensure(slot);
         // money is checked for whole pence, and both for a written form that fits 64 bits:
         // even a finite decimal (1.0625^5) may need more places than that
         const bool check = holds_kind(g.type, TypeKind::money, p_) || holds_kind(g.type, TypeKind::decimal, p_);
         code_.outputs.push_back({g.name, g.type, reg, check});
      }
      lower_requires();
      for (auto& o : code_.outputs) o.check = o.check && !rounded_to_places(o);
      return std::move(code_);
   }

private:
   // Whether every instruction that sets output o rounds to a multiple of a constant over a
   // power of ten (£0.01, four places): then its value is written exactly, in whole pence for
   // money, and the machine need not check it (Machine::exact). Output registers are set only by
   // their own code, never by a require's.
   bool rounded_to_places(const CodeOutput& o) const
   {
      if (o.type.kind != TypeKind::money && o.type.kind != TypeKind::decimal) return false;
      std::size_t writers = 0;
      for (const Ins& i : code_.ins) {
         if (!is_data(i.op) || i.d != o.reg) continue;
         ++writers;
         if (i.op != Op::round && i.op != Op::round_div) return false;
         const auto increment = constant_in(i.op == Op::round ? i.b : static_cast<std::uint16_t>(i.c));
         if (!increment || increment->a <= 0) return false;
         const std::int64_t den = increment->b == 0 ? 1 : increment->b;
         const auto last = o.type.kind == TypeKind::money ? 2 : 18;  // pence, or any decimal places
         if (std::find(ratio::powers_of_ten, ratio::powers_of_ten + last + 1, den) == ratio::powers_of_ten + last + 1) return false;
      }
      return writers > 0;
   }

   // Makes the constant in register `value` the default the machine loads into input register
   // `reg` when a record leaves it out; false if it is no constant, or a number with more
   // places than the input is read at.
   bool load_default(std::uint16_t reg, std::uint16_t value)
   {
      const auto at = static_cast<std::size_t>(std::find(code_.input_regs.begin(), code_.input_regs.end(), reg) - code_.input_regs.begin());
      const bool text = std::find(code_.text_constants.begin(), code_.text_constants.end(), value) != code_.text_constants.end();
      const auto constant = constant_in(value);
      if (at == code_.inputs.size() || (!text && !constant)) return false;
      Cell cell = code_.registers[value];
      const int scale = code_.inputs[at].scale;
      if (scale >= 0 && !is_none(cell)) {
         // k / 10^scale exactly, as the reader gives a number with no more places
         const Ratio r = cell.ratio();
         const Int128 scaled = static_cast<Int128>(r.num) * ratio::powers_of_ten[scale];
         if (scaled % r.den != 0 || !ratio::fits(scaled / r.den)) return false;
         cell = {static_cast<std::int64_t>(scaled / r.den), ratio::powers_of_ten[scale]};
      }
      code_.input_defaults[at] = cell;
      return true;
   }

   // The policy's requires, in order, then the end of the code. Each require is a check that,
   // when it is violated, goes to a block after the end, which notes the violation with its
   // message and goes back. What the messages use is computed before the checks. Where a message
   // is beyond the code, violations bail: the general evaluator words them.
   void lower_requires()
   {
      std::vector<const lang::RequireDecl*> all;
      for (const auto& m : p_.modules) {
         for (const auto& req : m->requires_) {
            all.push_back(&req);
            ensure_uses(*req.condition);
         }
      }
      bool messages = attempt([&] {
         for (const auto* req : all) ensure_uses(*req->message);
      });
      // each require: the jumps taken when it is violated (a check, or the jumps of an `and` or
      // an `or`), and where to go on from
      struct Violation {
         std::vector<std::size_t> exits;
         std::size_t back;
      };
      std::vector<Violation> violations;
      for (const auto* req : all) {
         auto& v = violations.emplace_back();
         in_frame(p_.require_frame_size, [&] {
            if (junction(*req->condition)) branch(*req->condition, false, v.exits);
            else v.exits.push_back(check(lower(*req->condition)));
            return std::uint16_t{0};
         });
         v.back = code_.ins.size();
         label_ = v.back;  // the violation's block comes back here
      }
      halt();
      messages = messages && attempt([&] {
         for (std::size_t k = 0; k < all.size(); ++k) {
            land(violations[k].exits);
            const auto message = in_frame(p_.require_frame_size, [&] { return lower(*all[k]->message); });
            const Expr& condition = *all[k]->condition;
            code_.requirements.push_back({std::string(p_.sources.file(condition.span.file).slice(condition.span)), all[k]->source.text});
            emit({Op::violated, 0, 0, message, 0, static_cast<std::uint32_t>(code_.requirements.size() - 1)});
            emit({Op::jump, 0, 0, 0, 0, static_cast<std::uint32_t>(violations[k].back)});
         }
      });
      if (!messages) {
         // a violation bails: a check does so itself, a jump goes to the bail after the end
         for (const auto& v : violations) {
            for (const auto at : v.exits) {
               if (is_check(code_.ins[at].op)) code_.ins[at].c = 0;
               else to_bail_.push_back(at);
            }
         }
      }
      if (!to_bail_.empty()) {
         land(to_bail_);
         bail();
      }
   }

   // Lowers what `step` lowers, or, when it is beyond the code, leaves the code as it was before.
   template <typename Step>
   bool attempt(Step step)
   {
      const auto before = mark();
      const auto regs = reg_;
      const auto state = state_;
      try {
         step();
         return true;
      } catch (const Unsupported&) {
         rewind(before);
         reg_ = regs;
         state_ = state;
         frames_.clear();
         label_ = code_.ins.size();
         return false;
      }
   }

   // How far the code has got, to go back to (code within a global's lowering, which sets no
   // global's register).
   struct Mark {
      std::size_t ins, registers, texts, sites, text_constants, requirements, lists, longest_text, longest_list;
   };
   Mark mark() const
   {
      return {code_.ins.size(), code_.registers.size(), code_.texts.size(), code_.sites.size(), code_.text_constants.size(), code_.requirements.size(), code_.lists.size(), code_.longest_text, code_.longest_list};
   }
   void rewind(const Mark& m)
   {
      code_.ins.resize(m.ins);
      code_.lists.resize(m.lists);
      code_.registers.resize(m.registers);
      code_.texts.resize(m.texts);
      code_.sites.resize(m.sites);
      code_.text_constants.resize(m.text_constants);
      code_.requirements.resize(m.requirements);
      code_.longest_text = m.longest_text;
      code_.longest_list = m.longest_list;
      std::erase_if(constants_, [&](const auto& entry) { return entry.second >= m.registers; });
      std::erase_if(texts_, [&](const auto& entry) { return entry.second >= m.registers; });
      fresh_ = unmapped;
   }

   // Whether e is at most `budget` nodes with no call of a function or table (whose bodies are
   // inlined): worth lowering twice to see if both sides of an `if` can be computed and one picked.
   static bool small(const Expr& e, int budget)
   {
      int left = budget;
      const auto walk = [&](const auto& self, const Expr& x) -> bool {
         if (--left < 0) return false;
         if (x.kind == ExprKind::call && (x.ref.kind == lang::RefKind::function || x.ref.kind == lang::RefKind::table)) return false;
         for (const auto& a : x.args) {
            if (!self(self, *a)) return false;
         }
         return true;
      };
      return walk(walk, e);
   }
   void halt()
   {
      emit({Op::halt});
      code_.straight = std::all_of(code_.ins.begin(), code_.ins.end() - 1, [](const Ins& i) { return is_data(i.op) || is_check(i.op) || i.op == Op::lookup || i.op == Op::interpolate; });
   }

   // --- registers and instructions ---
   std::uint16_t temp()
   {
      if (code_.registers.size() >= unmapped) throw Unsupported{};
      code_.registers.push_back({});
      return static_cast<std::uint16_t>(code_.registers.size() - 1);
   }
   // A register holding c; each constant is held once (no instruction writes these registers).
   std::uint16_t constant(Cell c)
   {
      const std::pair key{c.a, c.b};
      if (const auto it = constants_.find(key); it != constants_.end()) return it->second;
      const auto r = temp();
      code_.registers[r] = c;
      constants_.emplace(key, r);
      return r;
   }
   // The value of register r if it is a constant (not a text); else nothing. A constant's
   // register holds its value, and constants_ maps that value to it.
   std::optional<Cell> constant_in(std::uint16_t r) const
   {
      const Cell& c = code_.registers[r];
      const auto it = constants_.find({c.a, c.b});
      if (it == constants_.end() || it->second != r) return std::nullopt;
      return c;
   }
   // Text kept with the code, which cells may point into.
   std::string_view keep(std::string_view text)
   {
      code_.longest_text = std::max(code_.longest_text, text.size());
      return code_.text_bytes->emplace_back(text);
   }
   std::uint16_t text_constant(std::string_view text)
   {
      if (const auto it = texts_.find(std::string(text)); it != texts_.end()) return it->second;
      const auto r = temp();
      code_.registers[r] = text_cell(keep(text));
      code_.text_constants.push_back(r);
      texts_.emplace(std::string(text), r);
      return r;
   }
   std::size_t emit(Ins i)
   {
      fresh_ = unmapped;
      if (code_.ins.size() >= 4'000'000) throw Unsupported{};
      code_.ins.push_back(i);
      return code_.ins.size() - 1;
   }
   std::uint16_t emit_to(Op op, std::uint16_t a, std::uint16_t b = 0, std::uint8_t x = 0, std::uint32_t c = 0)
   {
      // whole numbers of two constants (a years' count in months): a constant, when it fits
      if (op == Op::iadd || op == Op::isub || op == Op::imul) {
         const auto l = constant_in(a), r = constant_in(b);
         std::int64_t v = 0;
         if (l && r && !(op == Op::iadd ? __builtin_add_overflow(l->a, r->a, &v) : op == Op::isub ? __builtin_sub_overflow(l->a, r->a, &v) : __builtin_mul_overflow(l->a, r->a, &v)))
            return constant({v, 0});
      }
      const auto d = temp();
      emit({op, x, d, a, b, c});
      fresh_ = d;
      return d;
   }
   std::size_t jump(Op op, std::uint16_t a = 0)
   {
      // a comparison just made, and branched on at once, branches itself
      if (op == Op::jump_unless && !code_.ins.empty() && label_ != code_.ins.size()) {
         Ins& last = code_.ins.back();
         if ((last.op == Op::icmp || last.op == Op::ncmp) && last.d == a) {
            last.op = last.op == Op::icmp ? Op::icmp_else : Op::ncmp_else;
            fresh_ = unmapped;
            return code_.ins.size() - 1;
         }
      }
      return emit({op, 0, 0, a, 0, 0});
   }
   // A check that cond holds: a comparison just made checks itself (icmp_check, ncmp_check).
   std::size_t check(std::uint16_t cond)
   {
      if (cond == fresh_ && label_ != code_.ins.size() && !code_.ins.empty()) {
         Ins& last = code_.ins.back();
         if ((last.op == Op::icmp || last.op == Op::ncmp) && last.d == cond) {
            last.op = last.op == Op::icmp ? Op::icmp_check : Op::ncmp_check;
            fresh_ = unmapped;
            return code_.ins.size() - 1;
         }
      }
      return emit({Op::check, 0, 0, cond});
   }
   void land(std::size_t at)
   {
      code_.ins[at].c = static_cast<std::uint32_t>(code_.ins.size());
      label_ = code_.ins.size();
   }
   void land(const std::vector<std::size_t>& at)
   {
      for (auto i : at) land(i);
   }
   void copy(std::uint16_t d, std::uint16_t a)
   {
      // a value just computed into a fresh register is computed straight into d instead
      if (a == fresh_ && label_ != code_.ins.size() && !code_.ins.empty() && code_.ins.back().d == a) {
         code_.ins.back().d = d;
         fresh_ = unmapped;
         return;
      }
      emit({Op::copy, 0, d, a});
   }
   void bail() { emit({Op::bail}); }
   void assert_true(const Expr& condition)
   {
      ensure_uses(condition);
      if (junction(condition)) branch(condition, false, to_bail_);  // to one bail after the end
      else check(lower(condition));
   }

   // --- globals, in dependency order ---
   void uses(const Expr& e, std::vector<std::uint32_t>& out, std::vector<const void*>& seen)
   {
      if (e.kind == ExprKind::name && e.ref.kind == lang::RefKind::global) out.push_back(static_cast<std::uint32_t>(e.ref.index));
      if (e.kind == ExprKind::as_of && e.args[0]->ref.kind == lang::RefKind::global) {
         // `p as of d` needs what p's values use, not p on the evaluation date
         const auto& decl = p_.param_decl(p_.globals[static_cast<std::size_t>(e.args[0]->ref.index)]);
         for (const auto& period : decl.periods) uses(*period.value, out, seen);
         if (decl.value) uses(*decl.value, out, seen);
         uses(*e.args[1], out, seen);
         return;
      }
      if (e.kind == ExprKind::call && (e.ref.kind == lang::RefKind::function || e.ref.kind == lang::RefKind::table)) {
         const void* callee = e.ref.kind == lang::RefKind::function ? static_cast<const void*>(&p_.functions[e.ref.index]) : &p_.tables[e.ref.index];
         if (std::find(seen.begin(), seen.end(), callee) == seen.end()) {
            seen.push_back(callee);
            if (e.ref.kind == lang::RefKind::function) {
               uses(*p_.functions[e.ref.index].decl->body, out, seen);
            } else {
               for (const auto& v : p_.tables[e.ref.index].decl->versions) {
                  for (const auto& row : v.rows) {
                     for (const auto& cell : row.cells) {
                        for (const auto& x : cell.values) uses(*x, out, seen);
                        if (cell.low) uses(*cell.low, out, seen);
                        if (cell.high) uses(*cell.high, out, seen);
                     }
                     uses(*row.output, out, seen);
                  }
                  if (v.default_value) uses(*v.default_value, out, seen);
               }
            }
         }
      }
      for (const auto& a : e.args) uses(*a, out, seen);
   }
   void ensure_uses(const Expr& e)
   {
      std::vector<std::uint32_t> found;
      std::vector<const void*> seen;
      uses(e, found, seen);
      for (auto g : found) ensure(g);
   }

   std::uint16_t ensure(std::uint32_t slot)
   {
      if (state_[slot] == 2) return reg_[slot];
      if (state_[slot] == 1) throw Unsupported{};
      state_[slot] = 1;
      const auto& g = p_.globals[slot];
      require_value(g.type, p_);
      switch (g.kind) {
         case GlobalKind::input: {
            const auto& decl = p_.input_decl(g);
            if (decl.default_value && g.type.optional) throw Unsupported{};  // an explicit null differs from absent
            if (decl.default_value) {
               ensure_uses(*decl.default_value);
               // a default at hand: a constant, which the machine puts in as it loads the
               // record; another input, one instruction, no jump
               std::uint16_t value = 0;
               if (speculate(0, [&] { value = in_frame(g.frame_size, [&] { return lower(*decl.default_value); }); })) {
                  if (!load_default(reg_[slot], value)) emit({Op::or_else, 0, reg_[slot], reg_[slot], value});
                  break;
               }
               const auto present = jump(Op::jump_if_some, reg_[slot]);
               copy(reg_[slot], in_frame(g.frame_size, [&] { return lower(*decl.default_value); }));
               land(present);
            } else if (!g.type.optional) {
               code_.required.push_back(reg_[slot]);  // the reader checks it is given
            }
            break;
         }
         case GlobalKind::param: {
            const auto& decl = p_.param_decl(g);
            for (const auto& period : decl.periods) ensure_uses(*period.value);
            if (decl.value) ensure_uses(*decl.value);
            reg_[slot] = in_frame(g.frame_size, [&] { return param(decl, code_.as_of); });
            break;
         }
         case GlobalKind::let:
            ensure_uses(*p_.let_decl(g).value);
            reg_[slot] = in_frame(g.frame_size, [&] { return lower(*p_.let_decl(g).value); });
            break;
         case GlobalKind::output:
            ensure_uses(*p_.output_decl(g).value);
            reg_[slot] = in_frame(g.frame_size, [&] { return lower(*p_.output_decl(g).value); });
            break;
         case GlobalKind::rule: {
            const auto& decl = p_.rule_decl(g);
            for (const auto& x : decl.exceptions) {
               ensure_uses(*x.condition);
               ensure_uses(*x.value);
            }
            if (decl.default_value) ensure_uses(*decl.default_value);
            reg_[slot] = in_frame(g.frame_size, [&] { return rule(decl, g.type); });
            break;
         }
      }
      state_[slot] = 2;
      fresh_ = unmapped;  // a global's register is not to be retargeted
      return reg_[slot];
   }

   // The value in force on the date in register `on`: the period with the latest start on or
   // before it (the last written, among equal starts).
   std::uint16_t param(const lang::ParamDecl& decl, std::uint16_t on)
   {
      if (decl.periods.empty()) return lower(*decl.value);
      std::vector<std::size_t> order(decl.periods.size());
      for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
      std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
         const auto fx = civil(decl.periods[x].from), fy = civil(decl.periods[y].from);
         return fx > fy || (fx == fy && x > y);
      });
      const auto out = temp();
      std::vector<std::size_t> done;
      for (auto i : order) {
         const auto from = constant({civil(decl.periods[i].from).days(), 0});
         const auto later = jump(Op::jump_unless, emit_to(Op::icmp, on, from, static_cast<std::uint8_t>(lang::CompareOp::ge)));
         copy(out, lower(*decl.periods[i].value));
         done.push_back(jump(Op::jump));
         land(later);
      }
      bail();  // before the first period
      land(done);
      return out;
   }

   // The exceptions under `parent` that apply, each refined by its own; two that apply with
   // different values bail (a conflict). Sets `found` and `value`.
   void decide(const lang::RuleDecl& rule, const Type& type, const std::string& parent, std::uint16_t found, std::uint16_t value)
   {
      copy(found, false_);
      bool maybe_found = false;  // whether an earlier exception may have applied
      for (const auto& x : rule.exceptions) {
         if (x.parent != parent) continue;
         std::vector<std::size_t> skip;
         branch(*x.condition, false, skip);
         const auto decided = temp();
         std::vector<std::size_t> have;
         if (!x.label.empty()) {
            const auto refined = temp();
            decide(rule, type, x.label, refined, decided);
            have.push_back(jump(Op::jump_if, refined));
         }
         copy(decided, lower(*x.value));
         land(have);
         if (maybe_found) {
            const auto first = jump(Op::jump_unless, found);
            const auto agree = jump(Op::jump_if, compare(lang::CompareOp::eq, value, type, decided, type));
            bail();
            land(first);
            land(agree);
         }
         maybe_found = true;
         copy(found, true_);
         copy(value, decided);
         land(skip);
      }
   }

   // out = the value of exception x, which applies: refined by the exceptions to it that apply.
   void exception_value(const lang::RuleDecl& rule, const Type& type, const lang::RuleException& x, std::uint16_t out)
   {
      if (x.label.empty()) return lower_into(out, *x.value);
      const auto refined = temp();
      decide(rule, type, x.label, refined, out);
      const auto have = jump(Op::jump_if, refined);
      lower_into(out, *x.value);
      land(have);
   }

   // A rule whose exceptions' and default's uses are lowered.
   std::uint16_t rule(const lang::RuleDecl& decl, const Type& type)
   {
      if (decl.exceptions.size() == 1 && decl.exceptions.front().parent.empty()) {
         // one exception, nothing refining it: if it applies, its value, else the default
         const auto& x = decl.exceptions.front();
         return choose(*x.condition, *x.value, decl.default_value.get());
      }
      // A few exceptions: which one applies is where the code is, not a register. Exception k's
      // block runs when none before it applied; the exceptions after it that apply too must
      // agree with it. Each condition is lowered once per block that tests it.
      std::vector<const lang::RuleException*> top;
      for (const auto& x : decl.exceptions) {
         if (x.parent.empty()) top.push_back(&x);
      }
      if (top.size() <= 6) {
         const auto value = temp();
         std::vector<std::size_t> decided, not_yet;
         for (std::size_t k = 0; k < top.size(); ++k) {
            land(not_yet);
            not_yet.clear();
            branch(*top[k]->condition, false, not_yet);
            exception_value(decl, type, *top[k], value);
            for (std::size_t j = k + 1; j < top.size(); ++j) {
               std::vector<std::size_t> skip;
               branch(*top[j]->condition, false, skip);
               const auto other = temp();
               exception_value(decl, type, *top[j], other);
               const auto agree = jump(Op::jump_if, compare(lang::CompareOp::eq, value, type, other, type));
               bail();  // two that apply disagree: the general evaluator reports the conflict
               land(agree);
               land(skip);
            }
            decided.push_back(jump(Op::jump));
         }
         land(not_yet);
         if (decl.default_value) lower_into(value, *decl.default_value);
         else bail();  // no exception applies and there is no default
         land(decided);
         return value;
      }
      const auto found = temp(), value = temp();
      decide(decl, type, "", found, value);
      const auto decided = jump(Op::jump_if, found);
      if (decl.default_value) copy(value, lower(*decl.default_value));
      else bail();  // no exception applies and there is no default
      land(decided);
      return value;
   }

   // --- expressions ---
   std::uint16_t lower(const Expr& e)
   {
      require_value(e.type, p_);
      return lower_inner(e);
   }

   // Runs `step` in a frame of local slots of its own (for the items of lambdas), as the general
   // evaluator gives each global and each require.
   template <typename Step>
   auto in_frame(std::uint32_t size, Step step) -> decltype(step())
   {
      if (frames_.size() > 64) throw Unsupported{};
      frames_.emplace_back(size, unmapped);
      struct Pop {
         std::vector<std::vector<std::uint16_t>>& frames;
         ~Pop() { frames.pop_back(); }
      } pop{frames_};
      return step();
   }

   // Lowers body(item, exits) for each item of the list in register `list`, in order; a jump
   // the body adds to `exits` leaves the loop.
   template <typename Body>
   void each_item(std::uint16_t list, Body body)
   {
      const auto n = emit_to(Op::length, list);
      const auto i = temp();
      copy(i, constant({0, 0}));
      const auto one = constant({1, 0});
      const auto top = code_.ins.size();
      label_ = top;  // the loop comes back here
      std::vector<std::size_t> exits{jump(Op::jump_unless, emit_to(Op::icmp, i, n, static_cast<std::uint8_t>(lang::CompareOp::lt)))};
      const auto item = emit_to(Op::item, list, i);
      body(item, exits);
      emit({Op::iadd, 0, i, i, one});
      emit({Op::jump, 0, 0, 0, 0, static_cast<std::uint32_t>(top)});
      land(exits);
   }

   // A lambda's body for one item: its parameter is the item's register.
   std::uint16_t apply_lambda(const Expr& l, std::uint16_t item)
   {
      if (l.kind != ExprKind::lambda || frames_.empty() || l.ref.index < 0) throw Unsupported{};
      auto& frame = frames_.back();
      const auto slot = static_cast<std::size_t>(l.ref.index);
      if (slot >= frame.size()) frame.resize(slot + 1, unmapped);
      frame[slot] = item;
      return lower(*l.args[0]);
   }

   // sum, count, all, any, and min and max of one list: loops over its items.
   std::uint16_t over_list(lang::Builtin id, const Expr& e)
   {
      using lang::Builtin;
      const Expr& list_expr = *e.args[0];
      const Type& element = *list_expr.type.element;
      const Expr* l = e.args.size() > 1 ? e.args[1].get() : nullptr;
      const auto list = lower(list_expr);
      if (id == Builtin::count && !l) return emit_to(Op::length, list);
      const auto out = temp();
      switch (id) {
         case Builtin::count:
            copy(out, constant({0, 0}));
            each_item(list, [&](std::uint16_t item, std::vector<std::size_t>&) {
               const auto skip = jump(Op::jump_unless, apply_lambda(*l, item));
               emit({Op::iadd, 0, out, out, constant({1, 0})});
               land(skip);
            });
            return out;
         case Builtin::sum: {
            if (!l && element.optional) throw Unsupported{};
            const Op add = e.type.kind == TypeKind::int_ ? Op::iadd : Op::nadd;
            copy(out, constant({0, 0}));
            each_item(list, [&](std::uint16_t item, std::vector<std::size_t>&) {
               const auto v = l ? apply_lambda(*l, item) : item;
               if (l && e.args[1]->args[0]->type.optional) throw Unsupported{};
               emit({add, 0, out, out, v});
            });
            return out;
         }
         case Builtin::all:
         case Builtin::any: {
            const bool all = id == Builtin::all;
            copy(out, all ? true_ : false_);
            each_item(list, [&](std::uint16_t item, std::vector<std::size_t>& exits) {
               const auto go_on = jump(all ? Op::jump_if : Op::jump_unless, apply_lambda(*l, item));
               copy(out, all ? false_ : true_);
               exits.push_back(jump(Op::jump));
               land(go_on);
            });
            return out;
         }
         case Builtin::filter:
         case Builtin::map: {
            // a new list, with room for every item, that the loop adds to
            require_value(e.type, p_);
            emit({Op::new_list, 0, out, list});
            each_item(list, [&](std::uint16_t item, std::vector<std::size_t>&) {
               if (id == Builtin::map) {
                  emit({Op::push, 0, out, out, apply_lambda(*l, item)});
                  return;
               }
               const auto skip = jump(Op::jump_unless, apply_lambda(*l, item));
               emit({Op::push, 0, out, out, item});
               land(skip);
            });
            return out;
         }
         case Builtin::min:
         case Builtin::max: {
            // numbers and dates (text and the rest are compared otherwise)
            const bool ordered = element.kind == TypeKind::int_ || element.kind == TypeKind::date || is_ratio(element.kind);
            if (element.optional || !ordered) throw Unsupported{};
            const Op pick = is_ratio(element.kind) || is_ratio(e.type.kind) ? (id == Builtin::min ? Op::nmin : Op::nmax) : (id == Builtin::min ? Op::imin : Op::imax);
            const auto some = jump(Op::jump_if, emit_to(Op::icmp, emit_to(Op::length, list), constant({0, 0}), static_cast<std::uint8_t>(lang::CompareOp::gt)));
            bail();  // of an empty list: the general evaluator reports it
            land(some);
            copy(out, emit_to(Op::item, list, constant({0, 0})));
            each_item(list, [&](std::uint16_t item, std::vector<std::size_t>&) { emit({pick, 0, out, out, item}); });
            return out;
         }
         default: throw Unsupported{};
      }
   }

   // first, last, at, take, drop, sort and distinct: views of the list's items, or a new list.
   std::uint16_t pick_items(lang::Builtin id, const Expr& e)
   {
      using lang::Builtin;
      const Expr& list_expr = *e.args[0];
      require_value(list_expr.type, p_);
      const Type& element = *list_expr.type.element;
      const auto list = lower(list_expr);
      switch (id) {
         case Builtin::first: return emit_to(Op::nth, list, constant({0, 0}), nth_first);
         case Builtin::last: return emit_to(Op::nth, list, constant({0, 0}), nth_last);
         case Builtin::at: return emit_to(Op::nth, list, lower(*e.args[1]), nth_counted);
         case Builtin::take:
         case Builtin::drop: return emit_to(Op::slice, list, lower(*e.args[1]), id == Builtin::take ? slice_take : slice_drop);
         case Builtin::sort:
         case Builtin::distinct: {
            // scalars only, compared as the general evaluator compares them
            if (!is_scalar(element) || element.kind == TypeKind::none || element.kind == TypeKind::never || (id == Builtin::sort && element.optional)) throw Unsupported{};
            const auto d = temp();
            emit({id == Builtin::sort ? Op::sort : Op::distinct, static_cast<std::uint8_t>(order_of(element)), d, list});
            return d;
         }
         default: throw Unsupported{};
      }
   }

   // How the machine orders or matches items of a type (CellOrder).
   static CellOrder order_of(const Type& t)
   {
      if (t.kind == TypeKind::text) return CellOrder::text;
      return is_ratio(t.kind) ? CellOrder::ratio : CellOrder::word;
   }

   // Instructions that cannot fail on ordinary values, so computing them when their value is
   // not needed costs only time (overflow still bails, which is always safe).
   static bool speculable(Op op)
   {
      switch (op) {
         case Op::copy:
         case Op::not_:
         case Op::iadd:
         case Op::isub:
         case Op::imul:
         case Op::ineg:
         case Op::iabs:
         case Op::imin:
         case Op::imax:
         case Op::nadd:
         case Op::nsub:
         case Op::nmul:
         case Op::nneg:
         case Op::nabs:
         case Op::nmin:
         case Op::nmax:
         case Op::icmp:
         case Op::ncmp:
         case Op::ocmp:
         case Op::select:
         case Op::or_else:
         case Op::year:
         case Op::month:
         case Op::day:
         case Op::tcmp:
         case Op::trim: return true;
         default: return false;
      }
   }

   // Runs `lower_all` (which lowers a few expressions), and keeps what it emitted only when that
   // is at most `budget` instructions that cannot fail: then the machine may run them for every
   // record, whichever way a condition goes, and pick a result without a jump, which a
   // processor predicts well where conditions vary from record to record. Else rewinds.
   template <typename LowerAll>
   bool speculate(std::size_t budget, LowerAll lower_all)
   {
      const auto before = place();
      lower_all();
      const bool straight = code_.ins.size() - before.mark.ins <= budget &&
                            std::all_of(code_.ins.begin() + static_cast<std::ptrdiff_t>(before.mark.ins), code_.ins.end(), [](const Ins& i) { return speculable(i.op); });
      if (straight) return true;
      back_to(before);
      return false;
   }

   // Where lowering has got to within an expression, to go back to: the code, the last place a
   // jump lands, and the register the last instruction computed.
   struct Place {
      Mark mark;
      std::size_t label;
      std::uint16_t fresh;
   };
   Place place() const { return {mark(), label_, fresh_}; }
   void back_to(const Place& p)
   {
      rewind(p.mark);
      label_ = p.label;
      fresh_ = p.fresh;  // the last instruction is again the one before
   }

   // `if cond then yes else no` (no default: bail), into `out` when given. When both sides are
   // a few instructions that cannot fail, both are computed and one selected.
   std::uint16_t choose(const Expr& cond, const Expr& yes, const Expr* no, std::uint16_t out = unmapped)
   {
      std::vector<std::size_t> otherwise;
      if (junction(cond)) {
         branch(cond, false, otherwise);
      } else {
         const auto before = place();
         const auto c = lower(cond);
         if (no && small(yes, 6) && small(*no, 6)) {
            std::uint16_t y = 0, n = 0;
            if (speculate(6, [&] { y = lower(yes), n = lower(*no); })) {
               const auto picked = emit_to(Op::select, y, n, 0, c);
               if (out == unmapped) return picked;
               copy(out, picked);
               return out;
            }
         }
         if (tested_for_none(cond)) {
            // whether a value is none: one jump on it, and no comparison
            back_to(before);
            branch(cond, false, otherwise);
         } else {
            otherwise.push_back(jump(Op::jump_unless, c));
         }
      }
      if (out == unmapped) out = temp();
      lower_into(out, yes);
      const auto end = jump(Op::jump);
      land(otherwise);
      if (no) lower_into(out, *no);
      else bail();
      land(end);
      return out;
   }

   // Whether e is an `and`, an `or`, a chain of comparisons (`0 <= x <= 9`), or `not` of one:
   // a condition best lowered as jumps.
   bool junction(const Expr& e) const
   {
      if (is_literal(e)) return false;
      if (e.kind == ExprKind::not_) return junction(*e.args[0]);
      if (e.kind == ExprKind::compare) return e.compare_ops.size() > 1;
      return e.kind == ExprKind::binary && (e.op == lang::BinaryOp::and_ || e.op == lang::BinaryOp::or_);
   }

   // x == none or x != none, with x the side that is not none; null for other comparisons.
   const Expr* tested_for_none(const Expr& e) const
   {
      if (is_literal(e) || e.kind != ExprKind::compare || e.compare_ops.size() != 1 || (e.compare_ops[0] != lang::CompareOp::eq && e.compare_ops[0] != lang::CompareOp::ne)) return nullptr;
      const auto is_none_literal = [&](const Expr& x) { return is_literal(x) && literals_[static_cast<std::size_t>(x.ref.index)].kind == ValueKind::none; };
      const bool left = is_none_literal(*e.args[0]), right = is_none_literal(*e.args[1]);
      if (left == right) return nullptr;
      return left ? e.args[1].get() : e.args[0].get();
   }

   // Code that jumps (each jump added to `exits`, to land later) where e is `when`, and goes on
   // where it is not: `a and b` tests a, then b, and keeps neither in a register.
   void branch(const Expr& e, bool when, std::vector<std::size_t>& exits)
   {
      if (const Expr* x = tested_for_none(e)) {
         // whether x is none decides it: one jump, no comparison
         const bool none_when = (e.compare_ops[0] == lang::CompareOp::eq) == when;
         exits.push_back(jump(none_when ? Op::jump_if_none : Op::jump_if_some, lower(*x)));
         return;
      }
      if (e.kind == ExprKind::binary && e.op == lang::BinaryOp::in && e.args[1]->kind == ExprKind::list && !e.args[1]->args.empty()) {
         // x in [a, b]: a jump on each item that x equals, and no register for the answer
         const Expr& x = *e.args[0];
         const Expr& list = *e.args[1];
         code_.longest_list = std::max(code_.longest_list, list.args.size());
         const auto l = lower(x);
         std::vector<std::size_t> matched;
         for (const auto& item : list.args) (when ? exits : matched).push_back(jump(Op::jump_if, compare(lang::CompareOp::eq, l, x.type, lower(*item), item->type)));
         if (!when) {
            exits.push_back(jump(Op::jump));
            land(matched);
         }
         return;
      }
      if (!junction(e)) {
         exits.push_back(jump(when ? Op::jump_if : Op::jump_unless, lower(e)));
         return;
      }
      if (e.kind == ExprKind::not_) return branch(*e.args[0], !when, exits);
      if (e.kind == ExprKind::compare) {
         // a chain: each link with its neighbour, the middle operands computed once
         std::vector<std::size_t> decided;  // a link that fails settles it, when `when` is true
         auto left = lower(*e.args[0]);
         for (std::size_t i = 0; i < e.compare_ops.size(); ++i) {
            const auto right = lower(*e.args[i + 1]);
            const auto holds = compare(e.compare_ops[i], left, e.args[i]->type, right, e.args[i + 1]->type);
            (when ? decided : exits).push_back(jump(Op::jump_unless, holds));
            left = right;
         }
         if (when) {
            exits.push_back(jump(Op::jump));
            land(decided);
         }
         return;
      }
      const bool all = e.op == lang::BinaryOp::and_;
      if (when != all) {
         // and: false as soon as one side is; or: true as soon as one side is
         branch(*e.args[0], when, exits);
         branch(*e.args[1], when, exits);
         return;
      }
      std::vector<std::size_t> decided;  // the left side settles it the other way
      branch(*e.args[0], !when, decided);
      branch(*e.args[1], when, exits);
      land(decided);
   }

   // out = e: an `if` writes its sides straight into out, where a copy of its result would
   // follow each nested `if` of a chain.
   void lower_into(std::uint16_t out, const Expr& e)
   {
      if (is_literal(e)) copy(out, lower(e));
      else if (e.kind == ExprKind::if_) choose(*e.args[0], *e.args[1], e.args[2].get(), out);
      else if (e.kind == ExprKind::call && e.ref.kind == lang::RefKind::function) function(e, out);
      else copy(out, lower(e));
   }

   std::uint16_t lower_inner(const Expr& e)
   {
      if (is_literal(e)) {
         const Value& v = literals_[static_cast<std::size_t>(e.ref.index)];
         if (v.kind == ValueKind::text) return text_constant(*v.str);
         return constant(cell_of(v));
      }
      switch (e.kind) {
         case ExprKind::text_lit: return interpolation(e);
         case ExprKind::list: {
            code_.longest_list = std::max(code_.longest_list, e.args.size());
            ListSite site;
            for (const auto& item : e.args) site.items.push_back(lower(*item));
            code_.lists.push_back(std::move(site));
            const auto d = temp();
            emit({Op::make_list, 0, d, 0, 0, static_cast<std::uint32_t>(code_.lists.size() - 1)});
            return d;
         }
         case ExprKind::name:
            switch (e.ref.kind) {
               case lang::RefKind::local: {
                  if (frames_.empty() || static_cast<std::size_t>(e.ref.index) >= frames_.back().size()) throw Unsupported{};
                  const auto r = frames_.back()[static_cast<std::size_t>(e.ref.index)];
                  if (r == unmapped) throw Unsupported{};
                  return r;
               }
               case lang::RefKind::enum_variant: return constant({e.ref.sub, 0});
               case lang::RefKind::global: {
                  const auto slot = static_cast<std::uint32_t>(e.ref.index);
                  if (state_[slot] != 2) throw Unsupported{};
                  return reg_[slot];
               }
               default: throw Unsupported{};
            }
         case ExprKind::field:
            if (e.ref.kind == lang::RefKind::enum_variant) return constant({e.ref.sub, 0});
            if (!is_flat_record(e.args[0]->type, p_) || e.ref.index < 0 || e.ref.index > 255) throw Unsupported{};
            return emit_to(Op::field, lower(*e.args[0]), 0, static_cast<std::uint8_t>(e.ref.index));
         case ExprKind::call: return call(e);
         case ExprKind::negate: {
            const auto a = lower(*e.args[0]);
            return emit_to(is_ratio(e.args[0]->type.kind) ? Op::nneg : Op::ineg, a);
         }
         case ExprKind::not_: return emit_to(Op::not_, lower(*e.args[0]));
         case ExprKind::binary: return binary(e);
         case ExprKind::compare: {
            if (e.compare_ops.size() == 1) {
               const auto l = lower(*e.args[0]);
               return compare(e.compare_ops[0], l, e.args[0]->type, lower(*e.args[1]), e.args[1]->type);
            }
            // a chain: each link only if the one before held
            const auto out = temp();
            copy(out, false_);
            std::vector<std::size_t> fail;
            auto left = lower(*e.args[0]);
            const Type* left_type = &e.args[0]->type;
            for (std::size_t i = 0; i < e.compare_ops.size(); ++i) {
               const auto right = lower(*e.args[i + 1]);
               fail.push_back(jump(Op::jump_unless, compare(e.compare_ops[i], left, *left_type, right, e.args[i + 1]->type)));
               left = right;
               left_type = &e.args[i + 1]->type;
            }
            copy(out, true_);
            land(fail);
            return out;
         }
         case ExprKind::if_: return choose(*e.args[0], *e.args[1], e.args[2].get());
         case ExprKind::as_of: {
            const Expr& target = *e.args[0];
            if (target.ref.kind != lang::RefKind::global) throw Unsupported{};
            const auto& g = p_.globals[static_cast<std::size_t>(target.ref.index)];
            return param(p_.param_decl(g), lower(*e.args[1]));
         }
         default: throw Unsupported{};  // text, lists, records, lambdas
      }
   }

   // Text from its parts: the chunks kept, the values written at run time (Op::interpolate).
   std::uint16_t interpolation(const Expr& e)
   {
      TextSite site;
      site.program = &p_;
      for (const auto& part : e.parts) {
         TextSite::Part out;
         if (part.expr_index < 0) {
            out.chunk = keep(part.chunk);
         } else {
            const Expr& x = *e.args[static_cast<std::size_t>(part.expr_index)];
            require_scalar(x.type);
            if (x.type.kind == TypeKind::never) throw Unsupported{};
            if (x.type.kind == TypeKind::none) {
               out.chunk = keep("none");
            } else {
               out.reg = lower(x);
               out.type = x.type;
               if (x.type.kind == TypeKind::enum_) out.words = &p_.enums[static_cast<std::size_t>(x.type.id)].variants;
            }
         }
         site.parts.push_back(out);
      }
      return text_site(std::move(site));
   }
   std::uint16_t text_site(TextSite site)
   {
      code_.texts.push_back(std::move(site));
      const auto d = temp();
      emit({Op::interpolate, 0, d, 0, 0, static_cast<std::uint32_t>(code_.texts.size() - 1)});
      fresh_ = d;
      return d;
   }

   // A bool register: l op r (an int meeting a ratio reads as one); none only equals none.
   std::uint16_t compare(lang::CompareOp op, std::uint16_t l, const Type& lt, std::uint16_t r, const Type& rt)
   {
      require_scalar(lt);
      require_scalar(rt);
      const auto x = static_cast<std::uint8_t>(op);
      if (lt.kind == TypeKind::text || rt.kind == TypeKind::text) return emit_to(Op::tcmp, l, r, x);
      const bool ratio = is_ratio(lt.kind) || is_ratio(rt.kind);
      if (lt.optional || rt.optional || lt.kind == TypeKind::none || rt.kind == TypeKind::none) return emit_to(Op::ocmp, l, r, x, ratio ? 1 : 0);
      return emit_to(ratio ? Op::ncmp : Op::icmp, l, r, x);
   }

   std::uint16_t binary(const Expr& e)
   {
      using lang::BinaryOp;
      const Expr& left = *e.args[0];
      const Expr& right = *e.args[1];
      switch (e.op) {
         case BinaryOp::and_:
         case BinaryOp::or_: {
            const auto l = lower(left);
            const auto out = temp();
            copy(out, l);
            const auto decided = jump(e.op == BinaryOp::and_ ? Op::jump_unless : Op::jump_if, out);
            copy(out, lower(right));
            land(decided);
            return out;
         }
         case BinaryOp::coalesce: {
            const auto l = lower(left);
            // a fallback that is at hand, or a few steps that cannot fail: one instruction picks
            std::uint16_t r = 0;
            if (small(right, 6) && speculate(6, [&] { r = lower(right); })) return emit_to(Op::or_else, l, r);
            const auto out = temp();
            const auto missing = jump(Op::jump_if_none, l);
            copy(out, l);
            const auto end = jump(Op::jump);
            land(missing);
            copy(out, lower(right));
            land(end);
            return out;
         }
         case BinaryOp::in: {
            if (right.kind == ExprKind::list) code_.longest_list = std::max(code_.longest_list, right.args.size());
            if (right.kind != ExprKind::list) {
               // the items of a list in a register, one by one
               const auto l = lower(left);
               const auto list = lower(right);
               const auto out = temp();
               copy(out, false_);
               each_item(list, [&](std::uint16_t item, std::vector<std::size_t>& exits) {
                  const auto differ = jump(Op::jump_unless, compare(lang::CompareOp::eq, l, left.type, item, *right.type.element));
                  copy(out, true_);
                  exits.push_back(jump(Op::jump));
                  land(differ);
               });
               return out;
            }
            const auto l = lower(left);
            const auto out = temp();
            std::vector<std::size_t> yes;
            for (const auto& item : right.args) yes.push_back(jump(Op::jump_if, compare(lang::CompareOp::eq, l, left.type, lower(*item), item->type)));
            copy(out, false_);
            const auto end = jump(Op::jump);
            land(yes);
            copy(out, true_);
            land(end);
            return out;
         }
         default: break;
      }
      if (left.type.kind == TypeKind::date || right.type.kind == TypeKind::date) {
         const bool date_left = left.type.kind == TypeKind::date;
         const Expr& duration = date_left ? right : left;
         if (duration.type.kind != TypeKind::duration || duration.type.unit == lang::DurationUnit::hours) throw Unsupported{};
         const auto date = lower(date_left ? left : right);
         auto amount = lower(duration);
         if (e.op == BinaryOp::sub) amount = emit_to(Op::nneg, amount);
         return emit_to(Op::move_date, date, amount, duration.type.unit == lang::DurationUnit::months ? 1 : 0);
      }
      if (left.type.kind == TypeKind::int_ && right.type.kind == TypeKind::int_ && e.op != BinaryOp::div) {
         const Op op = e.op == BinaryOp::add ? Op::iadd : e.op == BinaryOp::sub ? Op::isub : Op::imul;
         return emit_to(op, lower(left), lower(right));
      }
      const auto l = lower(left), r = lower(right);
      const Op op = e.op == BinaryOp::add ? Op::nadd : e.op == BinaryOp::sub ? Op::nsub : e.op == BinaryOp::mul ? Op::nmul : Op::ndiv;
      return emit_to(op, l, r);
   }

   // A rounding mode written as a constant: half_up, RoundingMode.floor.
   static std::uint8_t constant_mode(const Expr& e)
   {
      if (e.ref.kind != lang::RefKind::enum_variant) throw Unsupported{};
      return static_cast<std::uint8_t>(e.ref.sub);
   }

   std::uint16_t call(const Expr& e)
   {
      if (e.ref.kind == lang::RefKind::function) return function(e);
      if (e.ref.kind == lang::RefKind::table) return table(e);
      if (e.ref.kind != lang::RefKind::builtin) throw Unsupported{};
      using lang::Builtin;
      const auto id = static_cast<Builtin>(e.ref.index);
      if (id == Builtin::fail) {
         bail();  // the general evaluator raises the policy's own error
         return temp();
      }
      const auto& args = e.args;
      const bool of_list = !args.empty() && args[0]->type.kind == TypeKind::list;
      if (of_list && (id == Builtin::sum || id == Builtin::count || id == Builtin::all || id == Builtin::any || id == Builtin::filter || id == Builtin::map ||
                      ((id == Builtin::min || id == Builtin::max) && args.size() == 1))) {
         require_value(args[0]->type, p_);
         return over_list(id, e);
      }
      if (of_list) return pick_items(id, e);
      for (const auto& a : args) require_scalar(a->type);
      const auto arg = [&](std::size_t i) { return lower(*args[i]); };
      const auto k0 = args.empty() ? TypeKind::error : args[0]->type.kind;
      switch (id) {
         case Builtin::round: {
            const std::uint8_t mode = args.size() > 2 ? constant_mode(*args[2]) : static_cast<std::uint8_t>(Rounding::half_up);
            if (args[1]->type.kind == TypeKind::int_) {
               // a number of places: 10^-places, when it is a constant
               if (!is_literal(*args[1])) throw Unsupported{};
               const auto places = literals_[static_cast<std::size_t>(args[1]->ref.index)].integer;
               if (k0 == TypeKind::int_) return arg(0);
               if (places < 0 || places > 18) throw Unsupported{};
               return emit_to(Op::round, arg(0), constant({1, ratio::powers_of_ten[places]}), mode);
            }
            const Expr& x = *args[0];
            if (x.kind == ExprKind::binary && x.op == lang::BinaryOp::div) {
               // round(a / b, …) in one step
               const auto a = lower(*x.args[0]), b = lower(*x.args[1]);
               return emit_to(Op::round_div, a, b, mode, lower(*args[1]));
            }
            return emit_to(Op::round, lower(x), lower(*args[1]), mode);
         }
         case Builtin::floor:
         case Builtin::ceiling: {
            if (k0 == TypeKind::int_) return arg(0);
            const auto mode = static_cast<std::uint8_t>(id == Builtin::floor ? Rounding::floor : Rounding::ceiling);
            const auto r = emit_to(Op::round, arg(0), constant({1, 1}), mode);
            if (k0 == TypeKind::money) return r;
            return emit_to(Op::to_int, r);
         }
         case Builtin::abs: return emit_to(is_ratio(k0) ? Op::nabs : Op::iabs, arg(0));
         case Builtin::min:
         case Builtin::max:
         case Builtin::clamp: {
            const bool ratio = is_ratio(e.type.kind);
            const Type want = ratio ? Type::of(TypeKind::decimal) : e.type;
            const Op lo = ratio ? Op::nmin : Op::imin, hi = ratio ? Op::nmax : Op::imax;
            std::vector<std::uint16_t> v;
            for (const auto& a : args) v.push_back(lower(*a));
            if (id == Builtin::clamp) {
               const auto ordered = jump(Op::jump_unless, compare(lang::CompareOp::gt, v[1], want, v[2], want));
               bail();  // low above high
               land(ordered);
               return emit_to(lo, emit_to(hi, v[0], v[1]), v[2]);
            }
            auto best = v[0];
            for (std::size_t i = 1; i < v.size(); ++i) best = emit_to(id == Builtin::min ? lo : hi, best, v[i]);
            return best;
         }
         case Builtin::add_years: return emit_to(Op::add_months, arg(0), emit_to(Op::imul, arg(1), constant({12, 0})));
         case Builtin::add_months: return emit_to(Op::add_months, arg(0), arg(1));
         case Builtin::add_days: return emit_to(Op::add_days, arg(0), arg(1));
         case Builtin::days_between: {
            const auto from = arg(0);
            return emit_to(Op::isub, arg(1), from);
         }
         case Builtin::years_between:
         case Builtin::age_on:
         case Builtin::months_between: {
            const auto from = arg(0);
            return emit_to(id == Builtin::months_between ? Op::months_between : Op::years_between, from, arg(1));
         }
         case Builtin::make_date: {
            const auto y = arg(0), m = arg(1), d = arg(2);
            return emit_to(Op::make_date, y, m, 0, d);
         }
         case Builtin::year: return emit_to(Op::year, arg(0));
         case Builtin::month: return emit_to(Op::month, arg(0));
         case Builtin::day: return emit_to(Op::day, arg(0));
         case Builtin::is_leap_year: return emit_to(Op::is_leap_year, arg(0));
         case Builtin::to_decimal:
         case Builtin::to_money: return arg(0);  // ints already read as ratios
         case Builtin::to_int:
            if (k0 == TypeKind::int_) return arg(0);
            return emit_to(Op::to_int, arg(0));
         case Builtin::trim: return emit_to(Op::trim, arg(0));
         case Builtin::label: {
            if (k0 != TypeKind::enum_) throw Unsupported{};
            TextSite site;
            site.program = &p_;
            site.parts.push_back({{}, arg(0), args[0]->type, -1, &p_.enums[static_cast<std::size_t>(args[0]->type.id)].labels});
            return text_site(std::move(site));
         }
         default: throw Unsupported{};  // the list functions
      }
   }

   // A function call, inlined: its body over the arguments' registers; into `out` when given.
   std::uint16_t function(const Expr& e, std::uint16_t out = unmapped)
   {
      const auto& fn = p_.functions[static_cast<std::size_t>(e.ref.index)];
      std::vector<std::uint16_t> frame(std::max<std::size_t>(fn.frame_size, e.args.size()), unmapped);
      for (std::size_t i = 0; i < e.args.size(); ++i) frame[i] = lower(*e.args[i]);
      if (frames_.size() > 64) throw Unsupported{};
      frames_.push_back(std::move(frame));
      std::uint16_t r = out;
      if (out == unmapped) r = lower(*fn.decl->body);
      else lower_into(out, *fn.decl->body);
      frames_.pop_back();
      return r;
   }

   // Does the value in register v (of type t) match the cell? Emits jumps to `miss` when not.
   void match(const lang::Cell& cell, std::uint16_t v, const Type& t, std::vector<std::size_t>& miss)
   {
      if (cell.negated) throw Unsupported{};
      // a bound that may be none makes the test unknown: the general evaluator decides
      for (const lang::Expr* bound : {cell.low.get(), cell.high.get(), cell.kind == lang::CellKind::compare ? cell.values.front().get() : nullptr}) {
         if (bound && bound->type.optional) throw Unsupported{};
      }
      switch (cell.kind) {
         case lang::CellKind::any: return;
         case lang::CellKind::either: throw Unsupported{};
         case lang::CellKind::values: {
            for (const auto& x : cell.values) {
               if (x->type.kind == TypeKind::list || x->type.optional) throw Unsupported{};  // membership, or a value that may be none
            }
            std::vector<std::size_t> hit;
            for (const auto& x : cell.values) hit.push_back(jump(Op::jump_if, compare(lang::CompareOp::eq, v, t, lower(*x), x->type)));
            miss.push_back(jump(Op::jump));
            land(hit);
            return;
         }
         case lang::CellKind::compare: {
            const Expr& bound = *cell.values.front();
            if (bound.type.optional) throw Unsupported{};
            miss.push_back(jump(Op::jump_unless, compare(cell.op, v, t, lower(bound), bound.type)));
            return;
         }
         case lang::CellKind::range: {
            using lang::CompareOp;
            miss.push_back(jump(Op::jump_unless, compare(cell.low_closed ? CompareOp::ge : CompareOp::gt, v, t, lower(*cell.low), cell.low->type)));
            miss.push_back(jump(Op::jump_unless, compare(cell.high_closed ? CompareOp::le : CompareOp::lt, v, t, lower(*cell.high), cell.high->type)));
            return;
         }
      }
   }

   // A table version as one instruction (Op::lookup) when its outputs are constants: through
   // its index, or straight from the variants when its columns are all enums. False when the
   // rows are to be tested inline.
   bool lookup(const lang::TableVersion& version, lang::HitPolicy hit, const std::vector<std::uint16_t>& frame, const std::vector<Type>& params, std::uint16_t out)
   {
      const std::size_t columns = params.size();
      if (columns > TableSite::max_columns) return false;
      if (hit != lang::HitPolicy::unique && hit != lang::HitPolicy::first && hit != lang::HitPolicy::any) return false;
      const auto constant_of = [&](const Expr& e) -> std::optional<Cell> {
         if (e.ref.kind == lang::RefKind::enum_variant) return Cell{e.ref.sub, 0};
         if (e.type.kind == TypeKind::text) return std::nullopt;  // rows tested inline
         const bool negated = e.kind == ExprKind::negate;  // -1, -£5
         const Expr& x = negated ? *e.args[0] : e;
         if (!is_literal(x) || x.type.optional) return std::nullopt;
         Cell c = cell_of(literals_[static_cast<std::size_t>(x.ref.index)]);
         if (negated) {
            if (is_none(c) || c.a == INT64_MIN) return std::nullopt;
            c.a = -c.a;
         }
         return c;
      };
      TableSite site{nullptr, hit, {}, std::vector<int>(columns, -1), {}, std::nullopt, {}, {}};
      for (const auto& row : version.rows) {
         const auto c = constant_of(*row.output);
         if (!c) return false;
         site.outputs.push_back(*c);
      }
      if (version.default_value) {
         site.default_value = constant_of(*version.default_value);
         if (!site.default_value) return false;
      }
      if (!by_variants(version, params, site)) {
         const auto index = indexes_.find(&version);
         if (index == indexes_.end()) return false;
         site.index = index->second.get();
      }
      site.keys.assign(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(columns));
      code_.sites.push_back(std::move(site));
      emit({Op::lookup, 0, out, 0, 0, static_cast<std::uint32_t>(code_.sites.size() - 1)});
      return true;
   }

   // For a table whose columns are all enums and whose cells name variants or are '-': the row
   // that answers each combination of variants, as the hit policy picks it (two rows of a
   // unique table, or of an any table with different outputs, are a conflict, which bails).
   bool by_variants(const lang::TableVersion& version, const std::vector<Type>& params, TableSite& site)
   {
      constexpr std::size_t most = 4096;
      std::size_t combinations = 1;
      std::vector<std::uint32_t> counts;  // per column, its variants
      for (const auto& t : params) {
         if (t.kind != TypeKind::enum_ || t.optional || t.id < 0) return false;
         const std::size_t n = p_.enums[static_cast<std::size_t>(t.id)].variants.size();
         if (n == 0 || (combinations *= n) > most) return false;
         counts.push_back(static_cast<std::uint32_t>(n));
      }
      // per row, per column, the variants its cell takes
      std::vector<std::vector<std::vector<bool>>> takes;
      for (const auto& row : version.rows) {
         if (row.cells.size() != params.size()) return false;
         auto& columns = takes.emplace_back();
         for (std::size_t c = 0; c < row.cells.size(); ++c) {
            const lang::Cell& cell = row.cells[c];
            if (cell.negated || (cell.kind != lang::CellKind::any && cell.kind != lang::CellKind::values)) return false;
            auto& variants = columns.emplace_back(counts[c], cell.kind == lang::CellKind::any);
            for (const auto& x : cell.values) {
               if (x->ref.kind != lang::RefKind::enum_variant || x->type.optional || x->ref.sub < 0 || static_cast<std::size_t>(x->ref.sub) >= variants.size()) return false;
               variants[static_cast<std::size_t>(x->ref.sub)] = true;
            }
         }
      }
      site.variant_counts = std::move(counts);
      site.by_variants.assign(combinations, TableSite::no_row);
      for (std::size_t at = 0; at < combinations; ++at) {
         // the variants of this combination, the last column varying fastest
         std::vector<std::size_t> variant(params.size());
         for (std::size_t c = params.size(), rest = at; c-- > 0; rest /= site.variant_counts[c]) variant[c] = rest % site.variant_counts[c];
         auto& answer = site.by_variants[at];
         for (std::size_t r = 0; r < takes.size() && answer != TableSite::conflict; ++r) {
            bool matches = true;
            for (std::size_t c = 0; c < params.size() && matches; ++c) matches = takes[r][c][variant[c]];
            if (!matches) continue;
            if (answer == TableSite::no_row) answer = static_cast<std::int32_t>(r);
            else if (site.hit == lang::HitPolicy::unique || (site.hit == lang::HitPolicy::any && !same_constant(site.outputs[static_cast<std::size_t>(answer)], site.outputs[r])))
               answer = TableSite::conflict;
            if (site.hit == lang::HitPolicy::first) break;
         }
      }
      return true;
   }

   // The lookup just emitted, when its keys are constants: the answer, a constant; else nothing
   // (and the lookup stays).
   std::optional<std::uint16_t> folded_lookup()
   {
      const TableSite& site = code_.sites.back();
      if (site.index) return std::nullopt;
      std::size_t at = 0;
      for (std::size_t k = 0; k < site.keys.size(); ++k) {
         const auto key = constant_in(site.keys[k]);
         if (!key || key->a < 0 || static_cast<std::uint64_t>(key->a) >= site.variant_counts[k]) return std::nullopt;
         at = at * site.variant_counts[k] + static_cast<std::size_t>(key->a);
      }
      const std::int32_t row = site.by_variants[at];
      if (row == TableSite::conflict || (row == TableSite::no_row && !site.default_value)) return std::nullopt;  // it bails
      const Cell answer = row == TableSite::no_row ? *site.default_value : site.outputs[static_cast<std::size_t>(row)];
      code_.ins.pop_back();
      code_.sites.pop_back();
      fresh_ = unmapped;
      return constant(answer);
   }

   static bool same_constant(const Cell& x, const Cell& y)
   {
      if (is_none(x) || is_none(y)) return is_none(x) && is_none(y);
      return ratio::compare(x.ratio(), y.ratio()) == 0;
   }

   // A table call, inlined: the version in force, then the rows in order. A second matching
   // row under unique or any bails (the general evaluator reports or settles it).
   std::uint16_t table(const Expr& e)
   {
      const auto& info = p_.tables[static_cast<std::size_t>(e.ref.index)];
      const auto& decl = *info.decl;
      if (decl.hit == lang::HitPolicy::priority || decl.hit == lang::HitPolicy::collect || decl.hit == lang::HitPolicy::output_order) throw Unsupported{};
      require_scalar(info.row_type);
      std::vector<std::uint16_t> frame(std::max<std::size_t>(info.frame_size, e.args.size()), unmapped);
      for (std::size_t i = 0; i < e.args.size(); ++i) {
         if (info.params[i].optional) throw Unsupported{};
         frame[i] = lower(*e.args[i]);
      }
      if (frames_.size() > 64) throw Unsupported{};
      frames_.push_back(frame);
      const auto out = temp();
      // one undated version, looked up: one instruction, and no jump (code that stays straight
      // runs many records at once)
      if (decl.versions.size() == 1 && !decl.versions.front().from && lookup(decl.versions.front(), decl.hit, frame, info.params, out)) {
         frames_.pop_back();
         if (const auto folded = folded_lookup()) return *folded;
         fresh_ = out;  // one instruction sets it: a copy of it may retarget the lookup instead
         return out;
      }
      // the latest version in force: an undated one, or the last dated one that has started
      constexpr auto none = static_cast<std::size_t>(-1);
      std::vector<std::size_t> to_version(decl.versions.size(), none);
      for (std::size_t i = decl.versions.size(); i-- > 0;) {
         const auto& v = decl.versions[i];
         if (!v.from) {
            to_version[i] = jump(Op::jump);
            break;
         }
         to_version[i] = jump(Op::jump_if, emit_to(Op::icmp, code_.as_of, constant({civil(*v.from).days(), 0}), static_cast<std::uint8_t>(lang::CompareOp::ge)));
      }
      bail();  // no rows in force yet
      std::vector<std::size_t> done;
      for (std::size_t i = 0; i < decl.versions.size(); ++i) {
         const auto& version = decl.versions[i];
         if (to_version[i] == none) continue;  // an undated version later takes precedence
         land(to_version[i]);
         if (lookup(version, decl.hit, frame, info.params, out)) {
            done.push_back(jump(Op::jump));
            continue;
         }
         const auto found = temp();
         copy(found, false_);
         for (const auto& row : version.rows) {
            std::vector<std::size_t> miss;
            for (std::size_t c = 0; c < row.cells.size(); ++c) match(row.cells[c], frame[c], info.params[c], miss);
            if (decl.hit == lang::HitPolicy::first) {
               copy(out, lower(*row.output));
               done.push_back(jump(Op::jump));
            } else {
               const auto single = jump(Op::jump_unless, found);
               bail();
               land(single);
               copy(found, true_);
               copy(out, lower(*row.output));
            }
            land(miss);
         }
         if (decl.hit != lang::HitPolicy::first) done.push_back(jump(Op::jump_if, found));
         if (version.default_value) {
            copy(out, lower(*version.default_value));
            done.push_back(jump(Op::jump));
         } else {
            bail();  // no row matches
         }
      }
      land(done);
      frames_.pop_back();
      return out;
   }

   const lang::Program& p_;
   const std::vector<Value>& literals_;
   const TableIndexes& indexes_;
   Code code_;
   std::vector<std::uint16_t> reg_;   // each global's register
   std::vector<std::size_t> to_bail_;  // jumps to the one bail after the end of the code
   std::vector<std::uint8_t> state_;  // 0 not lowered, 1 lowering, 2 lowered
   std::vector<std::vector<std::uint16_t>> frames_;  // local slot to register, innermost last
   std::uint16_t true_ = 0, false_ = 0;
   std::map<std::pair<std::int64_t, std::int64_t>, std::uint16_t> constants_;  // by value
   std::map<std::string, std::uint16_t, std::less<>> texts_;                   // text constants, by text
   std::size_t label_ = static_cast<std::size_t>(-1);  // the last place a jump lands
   std::uint16_t fresh_ = unmapped;  // the register the last instruction computed, seen by no one else yet
};

}  // namespace

std::unique_ptr<Code> lower(const lang::Program& program, const std::vector<Value>& literals, const TableIndexes& indexes)
{
   try {
      auto code = std::make_unique<Code>(Lowering(program, literals, indexes).run());
      code->step_terms = program.step_terms;
      code->fixed = to_fixed(*code);
      for (const auto& in : code->inputs) code->fixed_dens.push_back(in.scale >= 0 ? ratio::powers_of_ten[in.scale] : 0);
      return code;
   } catch (const Unsupported&) {
      return nullptr;
   }
}

}  // namespace pol::interp
