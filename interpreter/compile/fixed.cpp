// Lowered code over fixed-point numbers. Each decimal register gets one scale s for the whole
// code, and holds its value times 10^s as a plain int64: adding, comparing and taking the least
// of two numbers are then single integer steps, where ratios need 128-bit cross products.
// Scales are found by following the code (a sum has its operands' larger scale, a product
// their sum); inputs are read at a scale that takes most written numbers as they are. A record
// whose numbers do not fit the scales, or whose results would overflow, bails, and the ratio
// code takes it: the two always agree.
#include <algorithm>
#include <unordered_map>

#include "lowered.hpp"

namespace pol::interp {

namespace {

struct NotFixed {};

constexpr int max_scale = 18;

// The decimal places a constant needs (0.125 is 1/8: three), or NotFixed for one like 1/3.
int places_of(const Cell& c)
{
   if (is_none(c) || c.b == 0) return 0;
   int places = 0;
   if (!ratio::decimal_places(ratio::reduced(c.ratio()).den, places) || places > max_scale) throw NotFixed{};
   return places;
}

// A constant at a scale of at least its places: its value times 10^scale, a whole number.
Cell scaled_constant(const Cell& c, int scale)
{
   if (is_none(c)) return c;
   const Ratio r = c.ratio();
   const Int128 v = static_cast<Int128>(r.num) * ratio::powers_of_ten[scale] / r.den;
   if (!ratio::fits(v)) throw NotFixed{};
   return {static_cast<std::int64_t>(v), 0};
}

class Fixing {
public:
   explicit Fixing(const Code& code) : old_(code), scale_(code.registers.size(), 0), written_(code.registers.size(), false), read_at_scale_(code.registers.size(), false), text_constant_(code.registers.size(), false)
   {
      for (const auto r : code.text_constants) text_constant_[r] = true;
      // a list's items are read and written as ratios: lists stay in the ratio code
      for (const auto& i : code.ins) {
         if (i.op == Op::item || i.op == Op::make_list || i.op == Op::length || i.op == Op::new_list || i.op == Op::field || i.op == Op::nth || i.op == Op::slice ||
             i.op == Op::sort || i.op == Op::distinct)
            throw NotFixed{};
      }
      for (std::size_t r = 0; r < code.registers.size(); ++r) {
         if (!is_text_constant(r)) scale_[r] = places_of(code.registers[r]);
      }
      for (const auto& in : code.inputs) {
         if (in.scale >= 0) {
            scale_[in.reg] = in.scale;
            read_at_scale_[in.reg] = true;
         }
         written_[in.reg] = true;
      }
      written_[code.as_of] = true;
      for (const auto& i : code.ins) {
         if (writes(i)) written_[i.d] = true;
      }
   }

   Code run()
   {
      find_scales();
      fixed_.registers = old_.registers;
      fixed_.inputs = old_.inputs;
      fixed_.input_regs = old_.input_regs;
      fixed_.required = old_.required;
      fixed_.input_defaults = old_.input_defaults;  // numbers over 10^scale, as the fixed code reads them
      fixed_.outputs = old_.outputs;
      fixed_.as_of = old_.as_of;
      fixed_.straight = old_.straight;
      fixed_.sites = old_.sites;
      fixed_.texts = old_.texts;
      fixed_.requirements = old_.requirements;
      fixed_.text_bytes = old_.text_bytes;  // the constants' cells point there
      fixed_.text_constants = old_.text_constants;
      fixed_.longest_text = old_.longest_text;
      fixed_.longest_list = old_.longest_list;
      for (std::size_t r = 0; r < old_.registers.size(); ++r) {
         if (!is_text_constant(r)) fixed_.registers[r] = scaled_constant(old_.registers[r], scale_[r]);
      }
      for (auto& o : fixed_.outputs) {
         if (is_ratio(o.type.kind)) o.scale = scale_[o.reg];
      }
      std::vector<std::uint32_t> start(old_.ins.size());
      for (std::size_t k = 0; k < old_.ins.size(); ++k) {
         start[k] = static_cast<std::uint32_t>(fixed_.ins.size());
         translate(old_.ins[k]);
      }
      for (auto& i : fixed_.ins) {
         if (jumps(i.op) || (is_check(i.op) && i.c != 0)) i.c = start[i.c];
      }
      return std::move(fixed_);
   }

private:
   static bool jumps(Op op)
   {
      return op == Op::jump || op == Op::jump_if || op == Op::jump_unless || op == Op::jump_if_none || op == Op::jump_if_some || op == Op::icmp_else ||
             op == Op::ncmp_else;
   }
   static bool writes(const Ins& i) { return is_data(i.op) || i.op == Op::icmp_else || i.op == Op::ncmp_else || i.op == Op::lookup || i.op == Op::interpolate; }
   bool is_text_constant(std::size_t r) const { return text_constant_[r]; }

   // The scale an instruction's result has, from its operands'.
   int natural(const Ins& i) const
   {
      switch (i.op) {
         case Op::nadd:
         case Op::nsub:
         case Op::nmin:
         case Op::nmax:
         case Op::select:
         case Op::or_else: return std::max(scale_[i.a], scale_[i.b]);
         case Op::copy:
         case Op::nneg:
         case Op::nabs: return scale_[i.a];
         case Op::nmul: return scale_[i.a] + scale_[i.b];
         case Op::round: return scale_[i.b];  // a multiple of the increment
         case Op::round_div: return scale_[i.c];
         case Op::ndiv: throw NotFixed{};  // an exact quotient has no fixed scale
         case Op::lookup: {
            // the places of the outputs it may give
            const auto& site = old_.sites[i.c];
            int s = site.default_value ? places_of(*site.default_value) : 0;
            for (const auto& out : site.outputs) s = std::max(s, places_of(out));
            return s;
         }
         default: return 0;
      }
   }

   // Each register's scale: the largest any instruction gives it, followed until it settles.
   void find_scales()
   {
      for (bool changed = true; changed;) {
         changed = false;
         for (const auto& i : old_.ins) {
            if (!writes(i)) continue;
            const int s = natural(i);
            if (s > max_scale) throw NotFixed{};
            if (s > scale_[i.d]) {
               // a number input holds what the reader gives, over 10^its scale: a default with
               // more places (`= 0.123456`) would change what its register means
               if (read_at_scale_[i.d]) throw NotFixed{};
               scale_[i.d] = s;
               changed = true;
            }
         }
      }
   }

   void emit(Ins i) { fixed_.ins.push_back(i); }

   std::uint16_t temp(Cell value = {})
   {
      if (fixed_.registers.size() >= 0xFFFF) throw NotFixed{};
      fixed_.registers.push_back(value);
      return static_cast<std::uint16_t>(fixed_.registers.size() - 1);
   }

   // Register r's value raised by 10^k. A constant is raised once, here; an input (never
   // written again) once in straight code, where every step runs.
   std::uint16_t raised(std::uint16_t r, int k)
   {
      if (k == 0) return r;
      if (k > max_scale) throw NotFixed{};
      const std::uint32_t key = static_cast<std::uint32_t>(r) << 8 | static_cast<std::uint32_t>(k);
      if (const auto it = raised_.find(key); it != raised_.end()) return it->second;
      std::uint16_t t;
      if (!written_[r]) {
         const Cell& c = fixed_.registers[r];
         std::int64_t v;
         if (__builtin_mul_overflow(c.a, ratio::powers_of_ten[k], &v)) throw NotFixed{};
         t = temp(is_none(c) ? c : Cell{v, 0});
      } else {
         t = temp();
         emit({Op::scale_up, static_cast<std::uint8_t>(k), t, r});
         if (!old_.straight || !is_input(r)) return t;
      }
      raised_.emplace(key, t);
      return t;
   }
   std::uint16_t at_scale(std::uint16_t r, int s) { return raised(r, s - scale_[r]); }

   bool is_input(std::uint16_t r) const
   {
      return std::find(old_.input_regs.begin(), old_.input_regs.end(), r) != old_.input_regs.end();
   }

   void translate(Ins i)
   {
      const int had = writes(i) ? natural(i) : 0;
      const auto both_at = [&](int s) {
         i.a = at_scale(i.a, s);
         i.b = at_scale(i.b, s);
      };
      const int s = std::max(scale_[i.a], scale_[i.b]);
      switch (i.op) {
         case Op::nadd: both_at(s), i.op = Op::iadd; break;
         case Op::nsub: both_at(s), i.op = Op::isub; break;
         case Op::nmin: both_at(s), i.op = Op::imin; break;
         case Op::nmax: both_at(s), i.op = Op::imax; break;
         case Op::ncmp: both_at(s), i.op = Op::icmp; break;
         case Op::ncmp_else: both_at(s), i.op = Op::icmp_else; break;
         case Op::ncmp_check: both_at(s), i.op = Op::icmp_check; break;
         case Op::nmul: i.op = Op::imul; break;
         case Op::nneg: i.op = Op::ineg; break;
         case Op::nabs: i.op = Op::iabs; break;
         case Op::ocmp:
            if (i.c == 1) both_at(s), i.c = 0;
            break;
         case Op::select:
         case Op::or_else: both_at(scale_[i.d]); break;
         case Op::copy:
            // a change of scale; text and other values keep their cells as they are
            if (scale_[i.d] != scale_[i.a]) i.op = Op::scale_up, i.x = static_cast<std::uint8_t>(scale_[i.d] - scale_[i.a]);
            break;
         case Op::interpolate:
            // numbers are written from their scale
            for (auto& part : fixed_.texts[i.c].parts) {
               if (part.type.kind == lang::TypeKind::none) continue;
               if (is_ratio(part.type.kind)) part.scale = scale_[part.reg];
               else if (scale_[part.reg] != 0) throw NotFixed{};
            }
            break;
         case Op::to_int: i.op = Op::unscale, i.x = static_cast<std::uint8_t>(scale_[i.a]); break;
         case Op::lookup: {
            // the columns as they are held here, and the outputs at the result's scale
            auto& site = fixed_.sites[i.c];
            for (std::size_t k = 0; k < site.keys.size(); ++k) site.key_scales[k] = scale_[site.keys[k]];
            for (auto& out : site.outputs) out = scaled_constant(out, scale_[i.d]);
            if (site.default_value) site.default_value = scaled_constant(*site.default_value, scale_[i.d]);
            break;
         }
         case Op::move_date: {
            const auto days = temp();
            emit({Op::unscale, static_cast<std::uint8_t>(scale_[i.b]), days, i.b});
            i.b = days;
            break;
         }
         case Op::round:
         case Op::round_div: {
            // a / (b * inc) = A 10^(sb + si - sa) / (B I): raise A or B to leave whole numbers
            const auto inc = static_cast<std::uint16_t>(i.op == Op::round ? i.b : i.c);
            const int e = (i.op == Op::round ? 0 : scale_[i.b]) + scale_[inc] - scale_[i.a];
            const auto b = i.op == Op::round ? temp({ratio::powers_of_ten[std::max(-e, 0)], 0}) : raised(i.b, std::max(-e, 0));
            i.a = raised(i.a, std::max(e, 0));
            i.b = b;
            i.c = inc;
            i.op = Op::fround_div;
            break;
         }
         default: break;
      }
      emit(i);
      // a result below its register's scale is raised to it
      if (is_data(i.op) && i.op != Op::scale_up && i.op != Op::select && i.op != Op::or_else) {
         if (had < scale_[i.d]) emit({Op::scale_up, static_cast<std::uint8_t>(scale_[i.d] - had), i.d, i.d});
      }
   }

   const Code& old_;
   std::vector<int> scale_;      // per register of the old code
   std::vector<bool> written_;   // whether anything sets it: inputs, the date and results
   std::vector<bool> read_at_scale_;  // a number input's: its scale is the one it is read at
   std::vector<bool> text_constant_;  // whether it holds text kept with the code (no number)
   std::unordered_map<std::uint32_t, std::uint16_t> raised_;  // (register, power) -> register
   Code fixed_;
};

}  // namespace

int input_scale(const lang::Type& t)
{
   if (!is_ratio(t.kind)) return -1;
   return t.kind == lang::TypeKind::money ? 2 : 4;
}

std::unique_ptr<Code> to_fixed(const Code& code)
{
   try {
      return std::make_unique<Code>(Fixing(code).run());
   } catch (const NotFixed&) {
      return nullptr;
   }
}

}  // namespace pol::interp
