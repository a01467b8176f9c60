// Runs lowered code over flat register files: one record at a time, each instruction jumping
// straight to the next one's handler (threaded code, a GNU extension); or straight code over
// many records at once, each instruction over all of them before the next.
#include <array>
#include <charconv>
#include <cstring>

#include "format.hpp"
#include "machine.hpp"

namespace pol::interp {

namespace {

// Whether comparison op (a lang::CompareOp) holds for c = -1, 0 or 1: bit c + 1 of the op's
// three bits says so. A shift, not a switch, which compiled to a second indirect jump in each
// comparison, one that varies with the data.
constexpr std::uint32_t accepted =  //  ge    gt    le    lt    ne    eq
   0b110'100'011'001'101'010;
static_assert(static_cast<int>(lang::CompareOp::eq) == 0 && static_cast<int>(lang::CompareOp::ge) == 5);
[[gnu::always_inline]] inline bool holds(std::uint8_t op, int c) { return accepted >> (op * 3 + c + 1) & 1; }

int compare_words(std::int64_t a, std::int64_t b) { return (a > b) - (a < b); }

Cell word(std::int64_t v) { return {v, 0}; }

Cell date_cell(Date d) { return {d.days(), 0}; }

Date date_of(const Cell& c) { return Date::from_days(static_cast<std::int32_t>(c.a)); }

// a (op) b where either may be none, which only equals none; `order` compares two values.
template <typename Order>
[[gnu::always_inline]] inline bool compare_optional(std::uint8_t op, const Cell& a, const Cell& b, Order order)
{
   if (is_none(a) || is_none(b)) {
      const bool same = is_none(a) && is_none(b);
      return static_cast<lang::CompareOp>(op) == lang::CompareOp::eq ? same : !same;
   }
   return holds(op, order());
}

// c ? a : b without a branch: conditions vary from record to record, unpredictably.
[[gnu::always_inline]] inline Cell pick(bool c, const Cell& a, const Cell& b)
{
   const std::int64_t mask = -static_cast<std::int64_t>(c);
   return {(a.a & mask) | (b.a & ~mask), (a.b & mask) | (b.b & ~mask)};
}

// d = a op b over ratios, or false when the result does not fit.
template <bool (*f)(Ratio, Ratio, Ratio&)>
[[gnu::always_inline]] inline bool ratio_op(Cell& d, const Cell& a, const Cell& b)
{
   Ratio v;
   if (!f(a.ratio(), b.ratio(), v)) return false;
   d = {v.num, v.den};
   return true;
}

// d = a / (b * c) rounded to a whole number by the mode, times c; false when it must bail.
[[gnu::always_inline]] inline bool fround_div(Cell& d, const Cell& a, const Cell& b, const Cell& c, Rounding mode)
{
   if (c.a <= 0) return false;  // the increment must be above zero
   std::int64_t num = a.a, den, v;
   if (__builtin_mul_overflow(b.a, c.a, &den) || den == 0) return false;  // division by zero: the general evaluator says so
   if (den < 0) {
      if (num == INT64_MIN || den == INT64_MIN) return false;
      num = -num;
      den = -den;
   }
   if (__builtin_mul_overflow(ratio::round_whole(num, den, mode), c.a, &v)) return false;
   d = word(v);
   return true;
}

// What one data instruction does to one record; false when it must bail. Date functions may
// throw DateRangeError, which also bails.
template <Op op>
[[gnu::always_inline]] inline bool apply(const Ins& i, Cell& d, const Cell& a, const Cell& b, const Cell& c)
{
   std::int64_t v = 0;
   if constexpr (op == Op::copy) d = a;
   else if constexpr (op == Op::not_) d = word(a.a == 0 ? 1 : 0);
   else if constexpr (op == Op::iadd) { if (__builtin_add_overflow(a.a, b.a, &v)) return false; d = word(v); }
   else if constexpr (op == Op::isub) { if (__builtin_sub_overflow(a.a, b.a, &v)) return false; d = word(v); }
   else if constexpr (op == Op::imul) { if (__builtin_mul_overflow(a.a, b.a, &v)) return false; d = word(v); }
   else if constexpr (op == Op::ineg) { if (a.a == INT64_MIN) return false; d = word(-a.a); }
   else if constexpr (op == Op::iabs) { if (a.a == INT64_MIN) return false; d = word(a.a < 0 ? -a.a : a.a); }
   else if constexpr (op == Op::imin) d = pick(b.a < a.a, b, a);
   else if constexpr (op == Op::imax) d = pick(b.a > a.a, b, a);
   else if constexpr (op == Op::nadd) return ratio_op<ratio::add>(d, a, b);
   else if constexpr (op == Op::nsub) return ratio_op<ratio::sub>(d, a, b);
   else if constexpr (op == Op::nmul) return ratio_op<ratio::mul>(d, a, b);
   else if constexpr (op == Op::ndiv) return ratio_op<ratio::div>(d, a, b);
   else if constexpr (op == Op::nneg) { if (a.a == INT64_MIN) return false; d = {-a.a, a.b}; }
   else if constexpr (op == Op::nabs) { if (a.a == INT64_MIN) return false; d = {a.a < 0 ? -a.a : a.a, a.b}; }
   // the first wins a tie, as in the general evaluator
   else if constexpr (op == Op::nmin) d = pick(ratio::compare(a.ratio(), b.ratio()) <= 0, a, b);
   else if constexpr (op == Op::nmax) d = pick(ratio::compare(a.ratio(), b.ratio()) >= 0, a, b);
   else if constexpr (op == Op::to_int) { if (!ratio::to_int(a.ratio(), v)) return false; d = word(v); }
   else if constexpr (op == Op::round || op == Op::round_div) {
      const Cell& inc = op == Op::round ? b : c;
      if (inc.a <= 0) return false;  // the increment must be above zero
      Ratio out;
      const bool ok = op == Op::round ? ratio::round_to(a.ratio(), inc.ratio(), static_cast<Rounding>(i.x), out)
                                      : ratio::round_div(a.ratio(), b.ratio(), inc.ratio(), static_cast<Rounding>(i.x), out);
      if (!ok) return false;
      d = {out.num, out.den};
   }
   else if constexpr (op == Op::select) d = pick(c.a != 0, a, b);
   else if constexpr (op == Op::or_else) d = pick(is_none(a), b, a);
   else if constexpr (op == Op::icmp) d = word(holds(i.x, compare_words(a.a, b.a)) ? 1 : 0);
   else if constexpr (op == Op::ncmp) d = word(holds(i.x, ratio::compare(a.ratio(), b.ratio())) ? 1 : 0);
   else if constexpr (op == Op::ocmp) d = word(compare_optional(i.x, a, b, [&] { return i.c ? ratio::compare(a.ratio(), b.ratio()) : compare_words(a.a, b.a); }) ? 1 : 0);
   else if constexpr (op == Op::tcmp) {
      // bytes as unsigned, as std::string compares them
      d = word(compare_optional(i.x, a, b, [&] { const int order = text_of(a).compare(text_of(b)); return (order > 0) - (order < 0); }) ? 1 : 0);
   }
   else if constexpr (op == Op::length) {
      if (is_none(a)) return false;
      d = word(a.b);
   }
   else if constexpr (op == Op::item) {
      if (is_none(a) || b.a < 0 || b.a >= a.b) return false;
      d = items_of(a)[static_cast<std::size_t>(b.a)];
   }
   else if constexpr (op == Op::push) {
      const_cast<Cell*>(items_of(a).data())[a.b] = b;  // the room new_list made, in the arena
      d = {a.a, a.b + 1};
   }
   else if constexpr (op == Op::nth) {
      if (is_none(a)) return false;
      const auto items = items_of(a);
      // counted from 1 for at(); first and last need no count
      const std::int64_t k = i.x == nth_first ? 0 : i.x == nth_last ? static_cast<std::int64_t>(items.size()) - 1 : b.a - 1;
      d = k >= 0 && static_cast<std::uint64_t>(k) < items.size() ? items[static_cast<std::size_t>(k)] : Cell{0, none_mark};
   }
   else if constexpr (op == Op::slice) {
      if (is_none(a) || b.a < 0) return false;  // a negative count: the general evaluator words the error
      const auto items = items_of(a);
      const std::size_t n = std::min(items.size(), static_cast<std::size_t>(b.a));
      d = i.x == slice_take ? list_cell(items.data(), n) : list_cell(items.data() + n, items.size() - n);
   }
   else if constexpr (op == Op::field) {
      if (is_none(a) || i.x >= a.b) return false;
      d = items_of(a)[i.x];
   }
   else if constexpr (op == Op::trim) {
      if (is_none(a)) return false;
      constexpr std::string_view space = " \t\n\r\f\v";  // as the general evaluator's trim
      const std::string_view t = text_of(a);
      const auto first = t.find_first_not_of(space);
      d = text_cell(first == std::string_view::npos ? t.substr(0, 0) : t.substr(first, t.find_last_not_of(space) - first + 1));
   }
   else if constexpr (op == Op::move_date) {
      if (!ratio::to_int(b.ratio(), v)) return false;  // a fraction of a day or month
      d = date_cell(i.x ? date_of(a).add_months(v) : date_of(a).add_days(v));
   }
   else if constexpr (op == Op::add_months) d = date_cell(date_of(a).add_months(b.a));
   else if constexpr (op == Op::add_days) d = date_cell(date_of(a).add_days(b.a));
   else if constexpr (op == Op::months_between) d = word(months_between(date_of(a), date_of(b)));
   else if constexpr (op == Op::years_between) d = word(years_between(date_of(a), date_of(b)));
   else if constexpr (op == Op::make_date) {
      const auto in_range = [](std::int64_t x) { return x >= -100000 && x <= 100000; };
      if (!in_range(a.a) || !in_range(b.a) || !in_range(c.a)) return false;
      const auto made = Date::from_civil(static_cast<int>(a.a), static_cast<int>(b.a), static_cast<int>(c.a));
      if (!made) return false;
      d = date_cell(*made);
   }
   else if constexpr (op == Op::year) d = word(date_of(a).year());
   else if constexpr (op == Op::month) d = word(date_of(a).month());
   else if constexpr (op == Op::day) d = word(date_of(a).day());
   else if constexpr (op == Op::is_leap_year) d = word(is_leap_year(a.a) ? 1 : 0);
   else if constexpr (op == Op::scale_up) {
      if (is_none(a)) d = a;
      else if (__builtin_mul_overflow(a.a, ratio::powers_of_ten[i.x], &v)) return false;
      else d = word(v);
   }
   else if constexpr (op == Op::unscale) {
      const std::int64_t unit = ratio::powers_of_ten[i.x];
      if (a.a % unit != 0) return false;
      d = word(a.a / unit);
   }
   else if constexpr (op == Op::fround_div) return fround_div(d, a, b, c, static_cast<Rounding>(i.x));
   return true;
}

// A table of enum columns: its row straight from the variants.
bool lookup_variants(const TableSite& site, const Cell* r, Cell& d, std::size_t stride)
{
   std::size_t at = 0;
   for (std::size_t k = 0; k < site.keys.size(); ++k) {
      const Cell& v = r[site.keys[k] * stride];
      if (is_none(v) || v.a < 0 || static_cast<std::uint64_t>(v.a) >= site.variant_counts[k]) return false;
      at = at * site.variant_counts[k] + static_cast<std::size_t>(v.a);
   }
   const std::int32_t row = site.by_variants[at];
   if (row == TableSite::conflict || (row == TableSite::no_row && !site.default_value)) return false;
   d = row == TableSite::no_row ? *site.default_value : site.outputs[static_cast<std::size_t>(row)];
   return true;
}

// d = the output of the table row that matches the site's column registers; false when the
// general evaluator must answer: a column is none, no row matches and there is no default,
// two rows match under `unique`, or matching rows disagree under `any`.
// Registers are r[register * stride] (stride 1 for one record; lanes for one lane of many).
bool lookup(const TableSite& site, const Cell* r, Cell& d, std::size_t stride = 1)
{
   if (!site.index) return lookup_variants(site, r, d, stride);
   std::array<Ratio, TableSite::max_columns> keys;
   for (std::size_t k = 0; k < site.keys.size(); ++k) {
      const Cell& v = r[site.keys[k] * stride];
      if (is_none(v)) return false;
      keys[k] = site.key_scales[k] < 0 ? v.ratio() : Ratio{v.a, ratio::powers_of_ten[site.key_scales[k]]};
   }
   const auto rows = site.index->rows({keys.data(), site.keys.size()});
   if (rows.empty()) {
      if (!site.default_value) return false;
      d = *site.default_value;
      return true;
   }
   const Cell& first = site.outputs[rows.front()];
   if (site.hit == lang::HitPolicy::unique && rows.size() > 1) return false;
   if (site.hit == lang::HitPolicy::any) {
      for (const auto row : rows.subspan(1)) {
         const Cell& other = site.outputs[row];
         if (is_none(other) || is_none(first) ? is_none(other) != is_none(first) : ratio::compare(other.ratio(), first.ratio()) != 0) return false;
      }
   }
   d = first;
   return true;
}

// d = the text of the site's parts, each written as the general evaluator writes it in text
// (format_value), made in the arena; false when it is longer than the text budget.
bool interpolate(const TextSite& site, const Cell* r, Cell& d, Workspace space, std::size_t stride = 1)
{
   std::string& text = space.arena.build;
   text.clear();
   for (const auto& part : site.parts) {
      if (part.type.kind == lang::TypeKind::none) {
         text += part.chunk;
         continue;
      }
      const Cell& v = r[part.reg * stride];
      if (is_none(v)) {
         text += "none";
         continue;
      }
      switch (part.type.kind) {
         case lang::TypeKind::text: text += text_of(v); break;
         case lang::TypeKind::enum_:
            if (v.a < 0 || static_cast<std::uint64_t>(v.a) >= part.words->size()) return false;  // a lane that failed before
            text += (*part.words)[static_cast<std::size_t>(v.a)];
            break;
         case lang::TypeKind::int_: {
            char digits[24];
            const auto end = std::to_chars(digits, digits + sizeof digits, v.a).ptr;
            text.append(digits, end);
            break;
         }
         default: text += format_value(Machine::value_of(v, part.type, *site.program, part.scale), *site.program); break;
      }
   }
   if (text.size() > space.max_text) return false;
   d = text_cell(space.arena.copy(text));
   return true;
}

// A list of the site's registers' values, made in the arena.
Cell make_list(const ListSite& site, const Cell* r, TextArena& arena)
{
   Cell* items = arena.cells(site.items.size());
   for (std::size_t k = 0; k < site.items.size(); ++k) items[k] = r[site.items[k]];
   return list_cell(items, site.items.size());
}

// x against y, as the general evaluator compares values of the order's kind; none is only
// equal to none (sort takes no none).
int order_cells(CellOrder order, const Cell& x, const Cell& y)
{
   if (is_none(x) || is_none(y)) return is_none(x) && is_none(y) ? 0 : 1;
   switch (order) {
      case CellOrder::word: return compare_words(x.a, y.a);
      case CellOrder::ratio: return ratio::compare(x.ratio(), y.ratio());
      case CellOrder::text: {
         const int c = text_of(x).compare(text_of(y));  // bytes as unsigned, as std::string compares them
         return (c > 0) - (c < 0);
      }
   }
   return 0;
}

// The items of a list, smallest first, equal ones in their order: a new list in the arena.
Cell sorted(const Cell& list, CellOrder order, TextArena& arena)
{
   const auto items = items_of(list);
   Cell* out = arena.cells(items.size());
   std::copy(items.begin(), items.end(), out);
   std::stable_sort(out, out + items.size(), [&](const Cell& x, const Cell& y) { return order_cells(order, x, y) < 0; });
   return list_cell(out, items.size());
}

// The items of a list without repeats, each where it first stands: a new list in the arena.
Cell without_repeats(const Cell& list, CellOrder order, TextArena& arena)
{
   const auto items = items_of(list);
   Cell* out = arena.cells(items.size());
   std::size_t kept = 0;
   for (const Cell& item : items) {
      if (std::none_of(out, out + kept, [&](const Cell& k) { return order_cells(order, k, item) == 0; })) out[kept++] = item;
   }
   return list_cell(out, kept);
}

}  // namespace

std::string_view TextArena::copy(std::string_view s)
{
   if (s.empty()) return {};
   char* bytes = allocate(s.size());
   std::memcpy(bytes, s.data(), s.size());
   return {bytes, s.size()};
}

Cell* TextArena::cells(std::size_t n)
{
   used_ = (used_ + alignof(Cell) - 1) / alignof(Cell) * alignof(Cell);  // chunks start aligned
   return reinterpret_cast<Cell*>(allocate(n * sizeof(Cell)));
}

char* TextArena::allocate(std::size_t n)
{
   while (chunk_ < chunks_.size() && used_ + n > chunks_[chunk_].second) {
      ++chunk_;
      used_ = 0;
   }
   if (chunk_ == chunks_.size()) {
      const std::size_t size = std::max(n, chunk_size);
      chunks_.emplace_back(std::make_unique<char[]>(size), size);
      used_ = 0;
   }
   char* out = chunks_[chunk_].first.get() + used_;
   used_ += n;
   return out;
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"  // labels as values

bool execute(const Code& code, Cell* r, Workspace space)
{
#define POL_OP_LABEL(name) &&op_##name,
   static const void* const handlers[] = {POL_CONTROL_OPS(POL_OP_LABEL) POL_DATA_OPS(POL_OP_LABEL)};
#undef POL_OP_LABEL
   const Ins* const ins = code.ins.data();
   const Ins* i = ins;
#define DISPATCH goto* handlers[static_cast<int>(i->op)]
#define NEXT  \
   do {       \
      ++i;    \
      DISPATCH; \
   } while (0)
#define JUMP                  \
   do {                       \
      i = ins + i->c;         \
      DISPATCH;               \
   } while (0)
   try {
      DISPATCH;
   op_halt:
      return true;
   op_bail:
      return false;
   op_check:
      if (r[i->a].a != 0) NEXT;
      if (i->c == 0) return false;
      JUMP;
   op_icmp_check:
      if (holds(i->x, compare_words(r[i->a].a, r[i->b].a))) NEXT;
      if (i->c == 0) return false;
      JUMP;
   op_ncmp_check:
      if (holds(i->x, ratio::compare(r[i->a].ratio(), r[i->b].ratio()))) NEXT;
      if (i->c == 0) return false;
      JUMP;
   op_violated:
      if (!space.violated) return false;
      space.violated->push_back({i->c, r[i->a]});
      NEXT;
   op_jump:
      JUMP;
   op_jump_if:
      if (r[i->a].a != 0) JUMP;
      NEXT;
   op_jump_unless:
      if (r[i->a].a == 0) JUMP;
      NEXT;
   op_jump_if_none:
      if (is_none(r[i->a])) JUMP;
      NEXT;
   op_jump_if_some:
      if (!is_none(r[i->a])) JUMP;
      NEXT;
   op_icmp_else:
      apply<Op::icmp>(*i, r[i->d], r[i->a], r[i->b], r[0]);
      if (r[i->d].a == 0) JUMP;
      NEXT;
   op_ncmp_else:
      apply<Op::ncmp>(*i, r[i->d], r[i->a], r[i->b], r[0]);
      if (r[i->d].a == 0) JUMP;
      NEXT;
   op_lookup:
      if (!lookup(code.sites[i->c], r, r[i->d])) return false;
      NEXT;
   op_interpolate:
      if (!interpolate(code.texts[i->c], r, r[i->d], space)) return false;
      NEXT;
   op_make_list:
      r[i->d] = make_list(code.lists[i->c], r, space.arena);
      NEXT;
   op_sort:
      if (is_none(r[i->a])) return false;
      r[i->d] = sorted(r[i->a], static_cast<CellOrder>(i->x), space.arena);
      NEXT;
   op_distinct:
      if (is_none(r[i->a])) return false;
      r[i->d] = without_repeats(r[i->a], static_cast<CellOrder>(i->x), space.arena);
      NEXT;
   op_new_list:
      if (is_none(r[i->a])) return false;
      r[i->d] = list_cell(space.arena.cells(static_cast<std::size_t>(r[i->a].b)), 0);
      NEXT;
#define POL_OP_HANDLER(name)                                                   \
   op_##name:                                                                  \
      if (!apply<Op::name>(*i, r[i->d], r[i->a], r[i->b], r[i->c])) return false; \
      NEXT;
      POL_DATA_OPS(POL_OP_HANDLER)
#undef POL_OP_HANDLER
   } catch (const DateRangeError&) {
      return false;
   }
#undef DISPATCH
#undef NEXT
#undef JUMP
}

#pragma GCC diagnostic pop

std::uint64_t execute_lanes(const Code& code, Cell* r, std::size_t count, Workspace space, std::uint64_t skip)
{
   const std::uint64_t all = count >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << count) - 1;
   // a lane skipped, or failed, runs no further: its registers may hold what its type never does
   std::uint64_t failed = skip & all;
   try {
      for (const Ins& i : code.ins) {
         Cell* d = r + i.d * lanes;
         const Cell* a = r + i.a * lanes;
         const Cell* b = r + i.b * lanes;
         switch (i.op) {
            case Op::halt: return failed;
            case Op::check:
               for (std::size_t l = 0; l < count; ++l) {
                  if ((failed >> l & 1) == 0 && a[l].a == 0) failed |= std::uint64_t{1} << l;
               }
               break;
            case Op::icmp_check:
               for (std::size_t l = 0; l < count; ++l) {
                  if ((failed >> l & 1) == 0 && !holds(i.x, compare_words(a[l].a, b[l].a))) failed |= std::uint64_t{1} << l;
               }
               break;
            case Op::ncmp_check:
               for (std::size_t l = 0; l < count; ++l) {
                  if ((failed >> l & 1) == 0 && !holds(i.x, ratio::compare(a[l].ratio(), b[l].ratio()))) failed |= std::uint64_t{1} << l;
               }
               break;
            case Op::lookup:
               for (std::size_t l = 0; l < count; ++l) {
                  if ((failed >> l & 1) == 0 && !lookup(code.sites[i.c], r + l, d[l], lanes)) failed |= std::uint64_t{1} << l;
               }
               break;
            case Op::interpolate:
               for (std::size_t l = 0; l < count; ++l) {
                  if ((failed >> l & 1) == 0 && !interpolate(code.texts[i.c], r + l, d[l], space, lanes)) failed |= std::uint64_t{1} << l;
               }
               break;
#define POL_OP_LANES(name)                                                                   \
   case Op::name: {                                                                          \
      const Cell* c = r + i.c * lanes;                                                       \
      for (std::size_t l = 0; l < count; ++l) {                                              \
         if ((failed >> l & 1) == 0 && !apply<Op::name>(i, d[l], a[l], b[l], c[l])) failed |= std::uint64_t{1} << l; \
      }                                                                                      \
      break;                                                                                 \
   }
               POL_DATA_OPS(POL_OP_LANES)
#undef POL_OP_LANES
            default: return all;  // jumps: not straight code
         }
      }
   } catch (const DateRangeError&) {
      return all;
   }
   return all;
}

}  // namespace pol::interp
