// Reading records into a machine's registers and writing its outputs, for the common case:
// a flat JSON object of plain scalars. Anything unusual (escapes, nesting, "£1,234", exponents,
// unknown or missing fields, bad values) returns false, and the general reader, which gives
// every error its message, takes the record.
#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cstring>

#include <fmt/format.h>

#include "format.hpp"
#include "machine.hpp"
#include "source.hpp"

namespace pol::interp {

namespace {

using ratio::powers_of_ten;

// Reads the number at p ("-12.375" as -12375/1000, over 10^places), consuming every character
// of it and any stray '-' or '.'; false unless it is a plain JSON number that fits 64 bits with
// at most 18 places (no exponent: the caller finds the 'e' where a delimiter should be).
bool scan_number(const char*& p, const char* end, Ratio& out, int& places)
{
   const auto digit = [&] { return p < end && *p >= '0' && *p <= '9'; };
   const auto rest = [&] {  // consume what is left of a bad number
      while (p < end && ((*p >= '0' && *p <= '9') || *p == '-' || *p == '.')) ++p;
      return false;
   };
   const bool negative = p < end && *p == '-';
   if (negative) ++p;
   if (!digit()) return rest();
   if (*p == '0' && p + 1 < end && p[1] >= '0' && p[1] <= '9') return rest();  // leading zeros
   std::int64_t num = 0;
   int digits = 0;
   places = 0;
   bool point = false;
   for (; p < end; ++p) {
      const char c = *p;
      if (c >= '0' && c <= '9') {
         // 18 digits always fit; past them, check
         if (++digits <= 18) num = num * 10 + (c - '0');
         else if (__builtin_mul_overflow(num, 10, &num) || __builtin_add_overflow(num, c - '0', &num)) return rest();
         if (point && ++places > 18) return rest();
      } else if (c == '.' && !point && p + 1 < end && p[1] >= '0' && p[1] <= '9') {
         point = true;
      } else if (c == '.' || c == '-') {
         return rest();
      } else {
         break;
      }
   }
   out = {negative ? -num : num, powers_of_ten[places]};
   return true;
}

// The whole of s as a number, as scan_number reads it.
bool parse_ratio(std::string_view s, Ratio& out, int& places)
{
   const char* p = s.data();
   return scan_number(p, p + s.size(), out, places) && p == s.data() + s.size();
}

// Whether n bytes at a and b are equal; short names are compared without calling memcmp.
inline bool same_bytes(const char* a, const char* b, std::size_t n)
{
   if (n >= 8 && n <= 16) {
      std::uint64_t x0, y0, x1, y1;
      std::memcpy(&x0, a, 8);
      std::memcpy(&y0, b, 8);
      std::memcpy(&x1, a + n - 8, 8);
      std::memcpy(&y1, b + n - 8, 8);
      return ((x0 ^ y0) | (x1 ^ y1)) == 0;
   }
   if (n > 16) return std::memcmp(a, b, n) == 0;
   for (std::size_t i = 0; i < n; ++i) {
      if (a[i] != b[i]) return false;
   }
   return true;
}

inline bool same_text(std::string_view a, std::string_view b) { return a.size() == b.size() && same_bytes(a.data(), b.data(), a.size()); }

// Copies n bytes to t and returns their end; short runs without calling memcpy, with two
// overlapping moves of a fixed size.
inline char* put_bytes(char* t, const char* s, std::size_t n)
{
   if (n >= 16 && n <= 32) {
      std::memcpy(t, s, 16);
      std::memcpy(t + n - 16, s + n - 16, 16);
   } else if (n >= 8 && n < 16) {
      std::memcpy(t, s, 8);
      std::memcpy(t + n - 8, s + n - 8, 8);
   } else if (n < 8) {
      for (std::size_t k = 0; k < n; ++k) t[k] = s[k];
   } else {
      std::memcpy(t, s, n);
   }
   return t + n;
}

// A number over 10^places as its input's cell: over 10^scale when it has no more places and
// still fits, as the fixed-point code reads it; else as it is.
Cell number_cell(Ratio r, int places, int scale)
{
   std::int64_t scaled;
   if (places <= scale && !__builtin_mul_overflow(r.num, powers_of_ten[scale - places], &scaled)) return {scaled, powers_of_ten[scale]};
   return {r.num, r.den};
}

bool is_number(lang::TypeKind kind)
{
   return kind == lang::TypeKind::int_ || kind == lang::TypeKind::decimal || kind == lang::TypeKind::money || kind == lang::TypeKind::duration;
}

// A number read from a record as the cell of a number input: an int must have no places.
bool number_input_cell(const CodeInput& in, Ratio r, int places, Cell& cell)
{
   if (in.type.kind != lang::TypeKind::int_) cell = number_cell(r, places, in.scale);
   else if (places == 0) cell = {r.num, 0};
   else return false;
   return true;
}

void skip_space(const char*& p, const char* end)
{
   while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) ++p;
}

// A plain string's contents (no escapes, control or non-ASCII characters), after its opening quote.
bool plain_string(const char*& p, const char* end, std::string_view& out)
{
   const char* start = p;
   while (p < end && *p != '"') {
      const auto c = static_cast<unsigned char>(*p);
      if (c == '\\' || c < 0x20 || c >= 0x80) return false;
      ++p;
   }
   if (p == end) return false;
   out = std::string_view(start, static_cast<std::size_t>(p - start));
   ++p;
   return true;
}

// x over a power of ten, 10^places, if it has a finite decimal form that fits.
bool over_power_of_ten(Ratio& x, int& places)
{
   // the usual denominators at once (whole numbers, pence, four places), in a switch, which
   // compiles to a few comparisons; then the rarer powers in turn
   switch (x.den) {
      case 1: places = 0; return true;
      case 10: places = 1; return true;
      case 100: places = 2; return true;
      case 1000: places = 3; return true;
      case 10000: places = 4; return true;
      default: break;
   }
   for (int k = 5; k <= 18; ++k) {
      if (powers_of_ten[k] == x.den) {
         places = k;
         return true;
      }
   }
   // else scale it to the power of ten its decimal form needs
   if (x.den <= 0) return false;
   x = ratio::reduced(x);
   if (!ratio::decimal_places(x.den, places) || places > 18) return false;
   const Int128 scaled = static_cast<Int128>(x.num) * (powers_of_ten[places] / x.den);
   if (!ratio::fits(scaled)) return false;
   x = {static_cast<std::int64_t>(scaled), powers_of_ten[places]};
   return true;
}

// Money is written in whole pence: anything finer must be rounded where the policy says.
bool whole_pence(Ratio x)
{
   switch (x.den) {
      case 1:
      case 2:
      case 4:
      case 5:
      case 10:
      case 20:
      case 25:
      case 50:
      case 100: return true;
      default: break;
   }
   std::int64_t pence;
   if (!__builtin_mul_overflow(x.num, 100, &pence)) return pence % x.den == 0;
   return (static_cast<Int128>(x.num) * 100) % x.den == 0;
}

// The exact decimal text of x with at least `min_places` places, in quotes, written at t (which
// has room for 48 bytes); the end of it, or null if x has no decimal form that fits.
char* put_decimal(char* t, Ratio x, int min_places)
{
   int places = 0;
   if (!over_power_of_ten(x, places)) return nullptr;
   const bool negative = x.num < 0;
   const std::uint64_t magnitude = negative ? 0 - static_cast<std::uint64_t>(x.num) : static_cast<std::uint64_t>(x.num);
   const auto unit = static_cast<std::uint64_t>(powers_of_ten[places]);
   std::uint64_t whole = magnitude / unit, frac = magnitude % unit;
   // drop trailing zeros down to min_places, or pad up to it
   while (places > min_places && frac % 10 == 0) {
      frac /= 10;
      --places;
   }
   *t++ = '"';
   if (negative) *t++ = '-';
   t = std::to_chars(t, t + 20, whole).ptr;
   if (places > 0 || min_places > 0) {
      *t++ = '.';
      for (int k = places - 1; k >= 0; --k) {
         t[k] = static_cast<char>('0' + frac % 10);
         frac /= 10;
      }
      t += places;
      for (int k = places; k < min_places; ++k) *t++ = '0';
   }
   *t++ = '"';
   return t;
}

}  // namespace

std::uint64_t EnumWords::hash(std::string_view word)
{
   std::uint64_t h = 14695981039346656037ull;  // FNV-1a
   for (const char c : word) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
   return h;
}

void EnumWords::add(const std::string& word, std::int64_t variant)
{
   if (find(word) >= 0) return;  // the first of equal words stands
   words_.emplace_back(word + '"', variant);
   const auto place = [&](std::size_t k) {
      const std::string_view text(words_[k].first.data(), words_[k].first.size() - 1);
      std::size_t at = hash(text) & (slots_.size() - 1);
      while (slots_[at] != 0) at = (at + 1) & (slots_.size() - 1);
      slots_[at] = static_cast<std::uint32_t>(k + 1);
   };
   if (2 * words_.size() <= slots_.size()) return place(words_.size() - 1);
   // under half full: twice the room, every word placed again
   slots_.assign(std::bit_ceil(4 * words_.size()), 0);
   for (std::size_t k = 0; k < words_.size(); ++k) place(k);
}

std::int64_t EnumWords::find(std::string_view word) const
{
   if (slots_.empty()) return -1;
   for (std::size_t at = hash(word) & (slots_.size() - 1); slots_[at] != 0; at = (at + 1) & (slots_.size() - 1)) {
      const auto& [quoted, variant] = words_[slots_[at] - 1];
      if (quoted.size() == word.size() + 1 && same_bytes(quoted.data(), word.data(), word.size())) return variant;
   }
   return -1;
}

std::pair<std::int64_t, std::size_t> EnumWords::match(const char* p, std::size_t room) const
{
   if (words_.size() <= few) {
      for (const auto& [quoted, variant] : words_) {
         if (room >= quoted.size() && p[0] == quoted[0] && same_bytes(p, quoted.data(), quoted.size())) return {variant, quoted.size()};
      }
      return {-1, 0};
   }
   const auto* close = static_cast<const char*>(std::memchr(p, '"', room));
   if (!close) return {-1, 0};
   const auto length = static_cast<std::size_t>(close - p);
   return {find({p, length}), length + 1};
}

Machine::Machine(const Code& code, const lang::Program& program, Date as_of, MachineLimits limits)
   : code_(code), fixed_(code.fixed.get()), lane_code_(code.fixed ? *code.fixed : code), program_(program), registers_(code.registers), limits_(limits),
     steps_{code.step_terms}, code_within_budgets_(code.longest_list <= limits.list && code.longest_text <= limits.text)
{
   for (std::size_t i = 0; i < code.inputs.size(); ++i) {
      const auto& in = code.inputs[i];
      const auto kind = in.type.kind;
      if (kind == lang::TypeKind::text || kind == lang::TypeKind::list || kind == lang::TypeKind::record) budgeted_inputs_.push_back(i);
      const bool list = kind == lang::TypeKind::list && in.type.element;
      items_.push_back(list ? CodeInput{in.name, *in.type.element, 0, input_scale(*in.type.element)} : CodeInput{});
   }
   for (const auto& r : program.records) {
      fields_.emplace_back();
      for (std::size_t f = 0; f < r.field_names.size(); ++f) fields_.back().push_back({r.field_names[f], r.field_types[f], 0, input_scale(r.field_types[f])});
   }
   registers_[code.as_of] = {as_of.days(), 0};
   if (fixed_) {
      fixed_registers_ = fixed_->registers;
      fixed_registers_[fixed_->as_of] = registers_[code.as_of];
   }
   answer_ = registers_.data();
   cells_.resize(code.inputs.size());
   for (std::size_t i = 0; i < code.outputs.size(); ++i) {
      if (code.outputs[i].check) checked_.push_back(i);
   }
   for (const auto& e : program.enums) {
      quoted_variants_.emplace_back();
      enum_words_.emplace_back();
      for (std::size_t v = 0; v < e.variants.size(); ++v) {
         quoted_variants_.back().push_back('"' + e.variants[v] + '"');
         // read_plain takes the words a token could equal: printable ASCII without quotes or
         // backslashes; no other word can equal a token read from plain ASCII
         for (const auto& word : {e.variants[v], e.labels[v]}) {
            const bool plain = std::all_of(word.begin(), word.end(), [](char c) { return c >= 0x20 && c < 0x7F && c != '"' && c != '\\'; });
            if (plain) enum_words_.back().add(word, static_cast<std::int64_t>(v));
         }
      }
   }
   for (const auto& in : code.inputs) plain_words_.push_back(in.type.kind == lang::TypeKind::enum_ ? &enum_words_[static_cast<std::size_t>(in.type.id)] : nullptr);
   for (const auto& o : code.outputs) output_keys_.push_back(fmt::format("{}\"{}\":", output_keys_.empty() ? "" : ",", o.name));
   for (const auto& r : code.requirements) {
      // as the general result writes it: {"rule":…,"message":…,"source":… or null}
      std::string rule;
      append_json_string(rule, r.rule);
      std::string source = "null";
      if (!r.source.empty()) source.clear(), append_json_string(source, r.source);
      violation_json_.emplace_back("{\"rule\":" + rule + ",\"message\":", ",\"source\":" + source + "}");
   }
   for (std::size_t i = 0; i < code.inputs.size(); ++i) {
      quoted_names_.push_back(code.inputs[i].name + '"');
      if (std::find(code.required.begin(), code.required.end(), code.inputs[i].reg) != code.required.end()) required_inputs_.push_back(i);
   }
   if (code.straight) {
      const auto& first = fixed_ ? fixed_registers_ : registers_;
      lane_registers_.resize(first.size() * lanes);
      for (std::size_t k = 0; k < first.size(); ++k) std::fill_n(lane_registers_.begin() + static_cast<std::ptrdiff_t>(k * lanes), lanes, first[k]);
   }
}

bool Machine::fits_fixed(const Code& code, std::span<const Cell> cells)
{
   bool fits = true;
   for (std::size_t i = 0; i < cells.size(); ++i) fits &= code.fixed_dens[i] == 0 || cells[i].b == code.fixed_dens[i] || is_none(cells[i]);
   return fits;
}

void Machine::load_columns(const Cell* columns)
{
   for (std::size_t i = 0; i < code_.input_regs.size(); ++i) {
      Cell* const column = lane_registers_.data() + code_.input_regs[i] * lanes;
      for (std::size_t l = 0; l < lanes; ++l) column[l] = with_default(i, columns[i * lanes + l]);
   }
}

bool Machine::load_lane(std::size_t lane, std::span<const Cell> cells)
{
   if (fixed_ && !fits_fixed(code_, cells)) return false;
   for (std::size_t i = 0; i < cells.size(); ++i) lane_registers_[code_.input_regs[i] * lanes + lane] = with_default(i, cells[i]);
   return true;
}

bool Machine::run()
{
   violated_.clear();
   if (fixed_ && fixed_fits_ && execute(*fixed_, fixed_registers_.data(), workspace())) {
      answered_ = fixed_;
      answer_ = fixed_registers_.data();
      return true;
   }
   return run_ratio();
}

bool Machine::run_ratio()
{
   answered_ = &code_;
   answer_ = registers_.data();
   violated_.clear();
   return execute(code_, registers_.data(), workspace());
}

std::uint64_t Machine::run_lanes(std::size_t count, std::uint64_t skip) { return execute_lanes(lane_code_, lane_registers_.data(), count, workspace(), skip); }

Cell Machine::lane_output(std::size_t lane, std::size_t i) const
{
   const CodeOutput& o = lane_code_.outputs[i];
   return output_cell(o, lane_registers_[o.reg * lanes + lane]);
}

namespace {

// A JSON scalar's kind and text: 's' a string's contents, 'b' true or false, 'n' null, '1' a
// number (checked as it is read).
struct Token {
   char kind = 's';
   std::string_view text;
   bool ascii = true;     // a string with no byte above 0x7F (else its UTF-8 is to be checked)
   bool escaped = false;  // a string with escapes: text holds them undecoded
   Ratio number;      // a number's value, read as it was scanned
   int places = 0;
   bool number_ok = false;
};

// The inputs a record has given so far: one given twice is an error, which the general reader
// words (as it does for a record with more than 256 inputs).
class Given {
public:
   bool first_time(std::size_t input)
   {
      if (input >= 256) return false;
      const std::uint64_t bit = std::uint64_t{1} << (input % 64);
      if (words_[input / 64] & bit) return false;
      words_[input / 64] |= bit;
      return true;
   }

private:
   std::array<std::uint64_t, 4> words_{};
};

bool read_token(const char*& p, const char* end, Token& t)
{
   if (p == end) return false;
   const char* start = p;
   switch (*p) {
      case '"': {
         // a string's contents as written (escapes are decoded for text inputs); control
         // characters are the general reader's to report
         ++p;
         t.kind = 's';
         const char* begin = p;
         unsigned char high = 0;
         while (p < end && *p != '"') {
            const auto c = static_cast<unsigned char>(*p);
            if (c < 0x20) return false;
            if (c == '\\') {
               t.escaped = true;
               if (++p == end) return false;
            }
            high |= c;
            ++p;
         }
         if (p == end) return false;
         t.text = std::string_view(begin, static_cast<std::size_t>(p - begin));
         t.ascii = high < 0x80;
         ++p;
         return true;
      }
      case 't':
      case 'f':
      case 'n': {
         const std::string_view rest(p, static_cast<std::size_t>(end - p));
         for (const std::string_view word : {std::string_view("true"), std::string_view("false"), std::string_view("null")}) {
            if (rest.starts_with(word)) {
               p += word.size();
               t.kind = word[0] == 'n' ? 'n' : 'b';
               t.text = word;
               return true;
            }
         }
         return false;
      }
      default:
         t.kind = '1';
         t.number_ok = scan_number(p, end, t.number, t.places);
         t.text = std::string_view(start, static_cast<std::size_t>(p - start));
         return true;  // the delimiter after it is checked by the caller
   }
}

// Four hex digits, as a number; false if they are not.
bool hex4(std::string_view s, std::size_t at, std::uint32_t& out)
{
   if (at + 4 > s.size()) return false;
   out = 0;
   for (std::size_t k = at; k < at + 4; ++k) {
      const char c = s[k];
      const int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
      if (digit < 0) return false;
      out = out * 16 + static_cast<std::uint32_t>(digit);
   }
   return true;
}

// A JSON string's contents with its escapes decoded into `out`, as JSON reads them: \uXXXX as
// UTF-8, a surrogate only in a pair. False for what JSON does not allow.
bool decode_escapes(std::string_view s, std::string& out)
{
   out.clear();
   for (std::size_t k = 0; k < s.size(); ++k) {
      if (s[k] != '\\') {
         out += s[k];
         continue;
      }
      if (++k == s.size()) return false;
      switch (s[k]) {
         case '"': out += '"'; break;
         case '\\': out += '\\'; break;
         case '/': out += '/'; break;
         case 'b': out += '\b'; break;
         case 'f': out += '\f'; break;
         case 'n': out += '\n'; break;
         case 'r': out += '\r'; break;
         case 't': out += '\t'; break;
         case 'u': {
            std::uint32_t code;
            if (!hex4(s, k + 1, code)) return false;
            k += 4;
            if (code >= 0xDC00 && code <= 0xDFFF) return false;  // a low surrogate alone
            if (code >= 0xD800 && code <= 0xDBFF) {
               std::uint32_t low;
               if (k + 2 >= s.size() || s[k + 1] != '\\' || s[k + 2] != 'u' || !hex4(s, k + 3, low) || low < 0xDC00 || low > 0xDFFF) return false;
               k += 6;
               code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
            }
            if (code < 0x80) {
               out += static_cast<char>(code);
            } else if (code < 0x800) {
               out += static_cast<char>(0xC0 | code >> 6);
               out += static_cast<char>(0x80 | (code & 0x3F));
            } else if (code < 0x10000) {
               out += static_cast<char>(0xE0 | code >> 12);
               out += static_cast<char>(0x80 | (code >> 6 & 0x3F));
               out += static_cast<char>(0x80 | (code & 0x3F));
            } else {
               out += static_cast<char>(0xF0 | code >> 18);
               out += static_cast<char>(0x80 | (code >> 12 & 0x3F));
               out += static_cast<char>(0x80 | (code >> 6 & 0x3F));
               out += static_cast<char>(0x80 | (code & 0x3F));
            }
            break;
         }
         default: return false;
      }
   }
   return true;
}

// After an item of an array or object: at its closing bracket (passed), at a comma (passed, with
// the space after it), or at anything else.
enum class Next { more, done, bad };
Next after_item(const char*& p, const char* end, char close)
{
   skip_space(p, end);
   if (p == end) return Next::bad;
   if (*p == close) {
      ++p;
      return Next::done;
   }
   if (*p++ != ',') return Next::bad;
   skip_space(p, end);
   return Next::more;
}

// A scalar as the input's cell; false if it is not of the input's type. Text is copied into
// the arena.
bool read_scalar(const lang::Program& program, const CodeInput& in, const Token& token, Cell& cell, Workspace space)
{
   if (token.kind == 'n') {  // null
      if (!in.type.optional) return false;
      cell = {0, none_mark};
      return true;
   }
   if (token.kind == 's' && token.escaped) {
      if (in.type.kind != lang::TypeKind::text) return false;  // names, numbers and dates are written plainly
      std::string& text = space.arena.build;
      if (!decode_escapes(token.text, text) || lang::invalid_utf8(text) || text.size() > space.max_text) return false;
      cell = text_cell(space.arena.copy(text));
      return true;
   }
   if (token.kind == 's' && !token.ascii && lang::invalid_utf8(token.text)) return false;  // the general reader words it
   switch (in.type.kind) {
      case lang::TypeKind::text:
         if (token.kind != 's' || token.text.size() > space.max_text) return false;
         cell = text_cell(space.arena.copy(token.text));
         return true;
      case lang::TypeKind::bool_:
         if (token.kind != 'b') return false;
         cell = {token.text == "true" ? 1 : 0, 0};
         return true;
      case lang::TypeKind::int_:
      case lang::TypeKind::decimal:
      case lang::TypeKind::money:
      case lang::TypeKind::duration: {
         // a number, or a string of one
         Ratio r = token.number;
         int places = token.places;
         if (token.kind == '1' ? !token.number_ok : token.kind != 's' || !parse_ratio(token.text, r, places)) return false;
         return number_input_cell(in, r, places, cell);
      }
      case lang::TypeKind::date: {
         if (token.kind != 's') return false;
         const auto d = Date::parse(token.text);
         if (!d) return false;
         cell = {d->days(), 0};
         return true;
      }
      case lang::TypeKind::enum_: {
         if (token.kind != 's') return false;
         const auto& e = program.enums[static_cast<std::size_t>(in.type.id)];
         for (std::size_t v = 0; v < e.variants.size(); ++v) {
            if (same_text(e.variants[v], token.text) || same_text(e.labels[v], token.text)) {
               cell = {static_cast<std::int64_t>(v), 0};
               return true;
            }
         }
         return false;
      }
      default: return false;
   }
}

// The common forms of a scalar, read without a token: a number, bare or in quotes, a date
// "YYYY-MM-DD", and an enum's variant or label (`words`, for an enum input). False, with p
// unmoved, for anything else, which read_token and read_scalar take: what this reads, they would
// read alike.
bool read_plain(const CodeInput& in, const EnumWords* words, const char*& p, const char* end, Cell& cell)
{
   if (p == end) return false;
   const auto kind = in.type.kind;
   const bool number = is_number(kind);
   if (*p != '"') {
      // a JSON number for a number input
      if (!number || (*p != '-' && (*p < '0' || *p > '9'))) return false;
      const char* q = p;
      Ratio r;
      int places = 0;
      if (!scan_number(q, end, r, places) || !number_input_cell(in, r, places, cell)) return false;
      p = q;
      return true;
   }
   const auto room = static_cast<std::size_t>(end - p - 1);
   if (kind == lang::TypeKind::date) {
      if (room < 11 || p[11] != '"') return false;
      const auto d = Date::parse({p + 1, 10});
      if (!d) return false;
      cell = {d->days(), 0};
      p += 12;
      return true;
   }
   if (words) {
      const auto [variant, taken] = words->match(p + 1, room);
      if (variant < 0) return false;
      cell = {variant, 0};
      p += 1 + taken;
      return true;
   }
   if (!number) return false;
   // a number in quotes, up to the closing quote as read_token takes it (escapes, if any, left
   // in: no number has a backslash)
   const auto* close = static_cast<const char*>(std::memchr(p + 1, '"', room));
   Ratio r;
   int places = 0;
   if (!close || !parse_ratio({p + 1, static_cast<std::size_t>(close - p - 1)}, r, places) || !number_input_cell(in, r, places, cell)) return false;
   p = close + 1;
   return true;
}

}  // namespace

bool Machine::read_fields(std::span<const std::string_view> names, std::span<const std::string_view> fields)
{
   const auto& inputs = code_.inputs;
   std::fill(cells_.begin(), cells_.end(), Cell{0, none_mark});
   longest_list_ = 0;
   Given seen;
   for (std::size_t k = 0; k < fields.size(); ++k) {
      // a header usually lists the inputs in order
      std::size_t found = k < inputs.size() && same_text(inputs[k].name, names[k]) ? k : inputs.size();
      for (std::size_t i = 0; found == inputs.size() && i < inputs.size(); ++i) {
         if (same_text(inputs[i].name, names[k])) found = i;
      }
      if (found == inputs.size() || !seen.first_time(found)) return false;
      if (fields[k].empty()) continue;
      Token token;
      token.kind = 's';
      token.text = fields[k];
      token.ascii = std::all_of(fields[k].begin(), fields[k].end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
      if (inputs[found].type.kind == lang::TypeKind::bool_) {
         if (fields[k] != "true" && fields[k] != "false") return false;
         token.kind = 'b';
      }
      if (inputs[found].type.kind == lang::TypeKind::list || inputs[found].type.kind == lang::TypeKind::record) {
         // JSON, as the general reader takes a list or record in a field; with nothing after it
         const char* p = fields[k].data();
         const char* const end = p + fields[k].size();
         skip_space(p, end);
         if (!read_structured(p, end, found, cells_[found])) return false;
         skip_space(p, end);
         if (p != end) return false;
         continue;
      }
      if (!read_scalar(program_, inputs[found], token, cells_[found], workspace())) return false;
   }
   if (!given(cells_) || !within_budgets()) return false;
   load(cells_);
   return true;
}

bool Machine::given(std::span<const Cell> cells) const
{
   for (const auto i : required_inputs_) {
      if (is_none(cells[i])) return false;
   }
   return true;
}

bool Machine::within_budgets(std::span<const Cell> cells) const
{
   std::size_t longest = 0;
   // text no longer than the text budget, and lists than the list budget, inside lists and records too
   const auto fits = [&](const auto& self, const Cell& c, const lang::Type& t) -> bool {
      if (is_none(c)) return true;
      switch (t.kind) {
         case lang::TypeKind::text: return static_cast<std::uint64_t>(c.b) <= limits_.text;
         case lang::TypeKind::list: {
            if (!t.element || static_cast<std::uint64_t>(c.b) > limits_.list) return false;
            longest = std::max(longest, static_cast<std::size_t>(c.b));
            for (const Cell& item : items_of(c)) {
               if (!self(self, item, *t.element)) return false;
            }
            return true;
         }
         case lang::TypeKind::record: {
            const auto& types = program_.records[static_cast<std::size_t>(t.id)].field_types;
            const auto fields = items_of(c);
            for (std::size_t f = 0; f < fields.size() && f < types.size(); ++f) {
               if (!self(self, fields[f], types[f])) return false;
            }
            return true;
         }
         default: return true;
      }
   };
   for (const std::size_t i : budgeted_inputs_) {
      if (i < cells.size() && !fits(fits, cells[i], code_.inputs[i].type)) return false;
   }
   return steps_allow(longest);
}

bool Machine::steps_allow(std::size_t longest) const
{
   if (!code_within_budgets_) return false;
   return longest <= 1 || steps_.at(longest) <= limits_.steps;
}

bool Machine::reads_like(const Machine& other) const
{
   // a reader with other budgets takes other records
   if (limits_.text != other.limits_.text || limits_.list != other.limits_.list || limits_.steps != other.limits_.steps) return false;
   const auto& mine = code_.inputs;
   const auto& theirs = other.code_.inputs;
   const auto same_input = [&](const CodeInput& a, const CodeInput& b) {
      if (a.name != b.name || a.scale != b.scale || a.type.kind != b.type.kind || a.type.optional != b.type.optional || a.type.unit != b.type.unit) return false;
      if (a.type.kind != lang::TypeKind::enum_) return true;
      const auto& x = program_.enums[static_cast<std::size_t>(a.type.id)];
      const auto& y = other.program_.enums[static_cast<std::size_t>(b.type.id)];
      return x.variants == y.variants && x.labels == y.labels;  // a variant is read as its index
   };
   return std::equal(mine.begin(), mine.end(), theirs.begin(), theirs.end(), same_input);
}

bool Machine::read_json(std::string_view text)
{
   if (!read_json(text, cells_)) return false;
   load(cells_);
   return true;
}

bool Machine::read_list(const char*& p, const char* end, std::size_t input, Cell& cell)
{
   if (p < end && *p == 'n') {  // null, for an optional list
      Token token;
      return read_token(p, end, token) && read_scalar(program_, code_.inputs[input], token, cell, workspace());
   }
   if (p == end || *p++ != '[' || items_[input].type.kind == lang::TypeKind::none) return false;
   list_items_.clear();
   skip_space(p, end);
   if (p < end && *p == ']') {
      ++p;
   } else {
      const bool records = items_[input].type.kind == lang::TypeKind::record;
      for (;;) {
         Token token;
         Cell item;
         if (records ? !read_record(p, end, items_[input].type, item) : !read_token(p, end, token) || !read_scalar(program_, items_[input], token, item, workspace())) return false;
         list_items_.push_back(item);
         const Next next = after_item(p, end, ']');
         if (next == Next::bad) return false;
         if (next == Next::done) break;
      }
   }
   if (list_items_.size() > limits_.list) return false;
   longest_list_ = std::max(longest_list_, list_items_.size());
   Cell* items = arena_.cells(list_items_.size());
   std::copy(list_items_.begin(), list_items_.end(), items);
   cell = list_cell(items, list_items_.size());
   return true;
}

bool Machine::read_record(const char*& p, const char* end, const lang::Type& type, Cell& cell)
{
   if (type.id < 0 || static_cast<std::size_t>(type.id) >= fields_.size()) return false;
   const auto& fields = fields_[static_cast<std::size_t>(type.id)];
   if (p < end && *p == 'n') {  // null, for an optional record
      Token token;
      if (!read_token(p, end, token) || token.kind != 'n' || !type.optional) return false;
      cell = {0, none_mark};
      return true;
   }
   if (p == end || *p++ != '{' || fields.size() > 64) return false;
   std::array<Cell, 64> values;
   std::uint64_t seen = 0;
   skip_space(p, end);
   if (p < end && *p == '}') {
      ++p;
   } else {
      for (;;) {
         std::string_view key;
         if (p == end || *p++ != '"' || !plain_string(p, end, key)) return false;
         std::size_t f = 0;
         while (f < fields.size() && !same_text(fields[f].name, key)) ++f;
         if (f == fields.size() || (seen >> f & 1) != 0) return false;  // unknown, or given twice: the general reader words it
         seen |= std::uint64_t{1} << f;
         skip_space(p, end);
         if (p == end || *p++ != ':') return false;
         skip_space(p, end);
         Token token;
         if (!read_token(p, end, token) || !read_scalar(program_, fields[f], token, values[f], workspace())) return false;
         const Next next = after_item(p, end, '}');
         if (next == Next::bad) return false;
         if (next == Next::done) break;
      }
   }
   for (std::size_t f = 0; f < fields.size(); ++f) {
      if ((seen >> f & 1) != 0) continue;
      if (!fields[f].type.optional) return false;  // a field missing
      values[f] = {0, none_mark};
   }
   Cell* out = arena_.cells(fields.size());
   std::copy_n(values.begin(), fields.size(), out);
   cell = list_cell(out, fields.size());
   return true;
}

bool Machine::read_structured(const char*& p, const char* end, std::size_t input, Cell& cell)
{
   const auto& type = code_.inputs[input].type;
   return type.kind == lang::TypeKind::record ? read_record(p, end, type, cell) : read_list(p, end, input, cell);
}

bool Machine::within_budgets() { return steps_allow(std::exchange(longest_list_, 0)); }

bool Machine::read_json(std::string_view text, std::span<Cell> cells)
{
   const auto& inputs = code_.inputs;
   std::fill(cells.begin(), cells.end(), Cell{0, none_mark});
   longest_list_ = 0;
   const char* p = text.data();
   const char* const end = p + text.size();
   skip_space(p, end);
   if (p == end || *p++ != '{') return false;
   skip_space(p, end);
   if (p < end && *p == '}') {
      ++p;
   } else {
      std::size_t expected = 0;  // records usually list the inputs in order: try the next one first
      Given seen;
      for (;;) {
         if (p == end || *p++ != '"') return false;
         std::size_t found = inputs.size();
         const std::string& name = quoted_names_[expected < inputs.size() ? expected : 0];
         if (expected < inputs.size() && static_cast<std::size_t>(end - p) >= name.size() && same_bytes(p, name.data(), name.size())) {
            found = expected;
            p += name.size();
         } else {
            // another input, found by its name and closing quote as the expected one is; a key
            // that is no input's name (or has escapes) is the general reader's to word. The
            // search starts after the expected one: a record that leaves out an optional input
            // usually gives the next.
            for (std::size_t k = 0; k < inputs.size() && found == inputs.size(); ++k) {
               const std::size_t i = expected + k < inputs.size() ? expected + k : expected + k - inputs.size();
               const std::string& quoted = quoted_names_[i];
               if (static_cast<std::size_t>(end - p) >= quoted.size() && *p == quoted[0] && same_bytes(p, quoted.data(), quoted.size())) found = i;
            }
            if (found == inputs.size()) return false;
            p += quoted_names_[found].size();
         }
         if (!seen.first_time(found)) return false;
         skip_space(p, end);
         if (p == end || *p++ != ':') return false;
         skip_space(p, end);
         if (inputs[found].type.kind == lang::TypeKind::list || inputs[found].type.kind == lang::TypeKind::record) {
            if (!read_structured(p, end, found, cells[found])) return false;
         } else if (!read_plain(inputs[found], plain_words_[found], p, end, cells[found])) {
            Token token;
            if (!read_token(p, end, token) || !read_scalar(program_, inputs[found], token, cells[found], workspace())) return false;
         }
         expected = found + 1;
         const Next next = after_item(p, end, '}');
         if (next == Next::bad) return false;
         if (next == Next::done) break;
      }
   }
   skip_space(p, end);
   return p == end && given(cells) && within_budgets();
}

namespace {

// How many cells a value's lists and records take beside its own.
std::size_t inner_cells(const Value& v)
{
   if (v.kind != ValueKind::list && v.kind != ValueKind::record) return 0;
   std::size_t n = v.items->size();
   for (const auto& item : *v.items) n += inner_cells(item);
   return n;
}

// A value as a cell, its lists' and records' cells put in `items` (which has room for them);
// false for what the code does not hold.
bool cell_of(const Value& v, int scale, std::vector<Cell>* items, Cell& cell)
{
   switch (v.kind) {
      case ValueKind::none: cell = {0, none_mark}; return true;
      case ValueKind::bool_: cell = {v.flag ? 1 : 0, 0}; return true;
      case ValueKind::int_:
      case ValueKind::date:
      case ValueKind::enum_: cell = {v.integer, 0}; return true;
      case ValueKind::text: cell = text_cell(*v.str); return true;
      case ValueKind::decimal:
      case ValueKind::money:
      case ValueKind::duration: {
         Ratio x;
         if (!v.number.small_parts(x.num, x.den)) return false;
         // over a power of ten when it can be, as read from text, so results stay so
         int places = 0;
         if (over_power_of_ten(x, places)) cell = number_cell(x, places, scale);
         else x = ratio::reduced(x), cell = {x.num, x.den};
         return true;
      }
      case ValueKind::list:
      case ValueKind::record: {
         if (!items || items->capacity() - items->size() < v.items->size()) return false;
         const std::size_t at = items->size();
         items->resize(at + v.items->size());
         for (std::size_t k = 0; k < v.items->size(); ++k) {
            const Value& item = (*v.items)[k];
            // a list's numbers at their input scale; a record's fields as they are
            Cell c;
            if (!cell_of(item, v.kind == ValueKind::list ? scale : -1, items, c)) return false;
            (*items)[at + k] = c;
         }
         cell = list_cell(items->data() + at, v.items->size());
         return true;
      }
   }
   return false;
}

}  // namespace

bool Machine::cells_of(const Code& code, const std::vector<std::optional<Value>>& inputs, std::vector<Cell>& out, std::vector<Cell>* items)
{
   if (inputs.size() != code.inputs.size()) return false;
   out.assign(inputs.size(), Cell{0, none_mark});
   if (items) {
      std::size_t room = 0;
      for (const auto& v : inputs) room += v ? inner_cells(*v) : 0;
      items->clear();
      items->reserve(room);  // exactly: cells point into it, so it must never move
   }
   for (std::size_t i = 0; i < inputs.size(); ++i) {
      const auto& type = code.inputs[i].type;
      const int scale = type.kind == lang::TypeKind::list && type.element ? input_scale(*type.element) : code.inputs[i].scale;
      if (inputs[i] && !cell_of(*inputs[i], scale, items, out[i])) return false;
   }
   for (std::size_t i = 0; i < inputs.size(); ++i) {
      if (is_none(out[i]) && std::find(code.required.begin(), code.required.end(), code.inputs[i].reg) != code.required.end()) return false;
   }
   return true;
}

std::vector<std::optional<Value>> Machine::values_of(const Code& code, const lang::Program& program, std::span<const Cell> cells)
{
   std::vector<std::optional<Value>> out(cells.size());
   for (std::size_t i = 0; i < cells.size(); ++i) {
      // absent: lowered code has no input that tells absent from null
      if (!is_none(cells[i])) out[i] = value_of(cells[i], code.inputs[i].type, program);
   }
   return out;
}

Value Machine::value_of(const Cell& c, const lang::Type& t, const lang::Program& program, int scale)
{
   if (is_none(c)) return Value::none();
   switch (t.kind) {
      case lang::TypeKind::bool_: return Value::boolean(c.a != 0);
      case lang::TypeKind::int_: return Value::int_(c.a);
      case lang::TypeKind::date: return Value::date(Date::from_days(static_cast<std::int32_t>(c.a)));
      case lang::TypeKind::enum_: return Value::enum_(t.id, c.a);
      case lang::TypeKind::text: return Value::text(std::string(text_of(c)));
      case lang::TypeKind::list: {
         Values items;
         for (const Cell& item : items_of(c)) items.push_back(value_of(item, *t.element, program));
         return Value::list(std::move(items));
      }
      case lang::TypeKind::record: {
         Values fields;
         const auto& types = program.records[static_cast<std::size_t>(t.id)].field_types;
         const auto cells = items_of(c);
         for (std::size_t f = 0; f < types.size() && f < cells.size(); ++f) fields.push_back(value_of(cells[f], types[f], program));
         return Value::record(t.id, std::move(fields));
      }
      case lang::TypeKind::decimal:
      case lang::TypeKind::money:
      case lang::TypeKind::duration: {
         const Ratio q = scale < 0 ? c.ratio() : Ratio{c.a, ratio::powers_of_ten[scale]};
         const Decimal n = Decimal::ratio(q.num, q.den);
         return t.kind == lang::TypeKind::decimal ? Value::decimal(n) : t.kind == lang::TypeKind::money ? Value::money(n) : Value::duration(n, t.unit);
      }
      default: return Value::none();
   }
}

void Machine::load(std::span<const Cell> cells)
{
   for (std::size_t i = 0; i < cells.size(); ++i) registers_[code_.input_regs[i]] = with_default(i, cells[i]);
   fixed_fits_ = fixed_ && fits_fixed(code_, cells);
   if (fixed_fits_) {
      for (std::size_t i = 0; i < cells.size(); ++i) fixed_registers_[code_.input_regs[i]] = with_default(i, cells[i]);
   }
}

bool Machine::write_output(std::size_t i, std::string& out) const { return write_value(i, output_value(i), out); }

bool Machine::write_value(std::size_t i, const Cell& c, std::string& out) const { return write_cell(code_.outputs[i].type, c, out); }

bool Machine::write_cell(const lang::Type& type, const Cell& c, std::string& out) const
{
   if (is_none(c)) {
      out += "null";
      return true;
   }
   switch (type.kind) {
      case lang::TypeKind::list: {
         // as the JSON library writes an array: no spaces
         out += '[';
         bool first = true;
         for (const Cell& item : items_of(c)) {
            if (!first) out += ',';
            first = false;
            if (!write_cell(*type.element, item, out)) return false;
         }
         out += ']';
         return true;
      }
      case lang::TypeKind::record: {
         const auto& record = program_.records[static_cast<std::size_t>(type.id)];
         const auto fields = items_of(c);
         out += '{';
         for (std::size_t f = 0; f < record.field_names.size() && f < fields.size(); ++f) {
            if (f > 0) out += ',';
            append_json_string(out, record.field_names[f]);
            out += ':';
            if (!write_cell(record.field_types[f], fields[f], out)) return false;
         }
         out += '}';
         return true;
      }
      case lang::TypeKind::bool_:
      case lang::TypeKind::int_:
      case lang::TypeKind::decimal:
      case lang::TypeKind::money:
      case lang::TypeKind::date:
      case lang::TypeKind::enum_: {
         char text[put_room];
         if (char* const end = put_scalar(type, c, text)) {
            out.append(text, end);
            return true;
         }
         // what put_scalar leaves: a date outside the years 1000 to 9999 (in the general form,
         // padded or signed), an enum variant too long for its room, a number with no exact form
         if (type.kind == lang::TypeKind::date) out += '"' + Date::from_days(static_cast<std::int32_t>(c.a)).to_string() + '"';
         else if (type.kind == lang::TypeKind::enum_) out += quoted_variants_[static_cast<std::size_t>(type.id)][static_cast<std::size_t>(c.a)];
         else return false;
         return true;
      }
      case lang::TypeKind::text: append_json_string(out, text_of(c)); return true;
      default: return false;
   }
}

bool Machine::exact(std::size_t lane) const
{
   const Code& code = lane == no_lane ? *answered_ : lane_code_;
   for (const std::size_t i : checked_) {
      if (!writable(code.outputs[i].type, output_value(i, lane))) return false;
   }
   return true;
}

bool Machine::writable(const lang::Type& type, const Cell& c) const
{
   if (is_none(c)) return true;
   switch (type.kind) {
      case lang::TypeKind::list:
         return std::all_of(items_of(c).begin(), items_of(c).end(), [&](const Cell& item) { return writable(*type.element, item); });
      case lang::TypeKind::record: {
         const auto& types = program_.records[static_cast<std::size_t>(type.id)].field_types;
         const auto fields = items_of(c);
         for (std::size_t f = 0; f < types.size() && f < fields.size(); ++f) {
            if (!writable(types[f], fields[f])) return false;
         }
         return true;
      }
      case lang::TypeKind::money:
      case lang::TypeKind::decimal: {
         // what write_cell needs: whole pence for money, and a decimal form that fits
         Ratio x = c.ratio();
         int places = 0;
         if (type.kind == lang::TypeKind::money && !whole_pence(x)) return false;
         return over_power_of_ten(x, places);
      }
      default: return true;
   }
}

char* Machine::put_scalar(const lang::Type& type, const Cell& c, char* t) const
{
   if (is_none(c)) return std::copy_n("null", 4, t);
   switch (type.kind) {
      case lang::TypeKind::bool_: return c.a ? std::copy_n("true", 4, t) : std::copy_n("false", 5, t);
      case lang::TypeKind::int_: return std::to_chars(t, t + 20, c.a).ptr;
      case lang::TypeKind::decimal: return put_decimal(t, c.ratio(), 0);
      case lang::TypeKind::money: return whole_pence(c.ratio()) ? put_decimal(t, c.ratio(), 2) : nullptr;
      case lang::TypeKind::date: {
         const auto [y, m, day] = Date::from_days(static_cast<std::int32_t>(c.a)).parts();
         if (y < 1000 || y > 9999) return nullptr;  // written in the general form
         const auto digit = [](int v) { return static_cast<char>('0' + v); };
         const char text[12] = {'"', digit(y / 1000), digit(y / 100 % 10), digit(y / 10 % 10), digit(y % 10), '-', digit(m / 10), digit(m % 10), '-', digit(day / 10), digit(day % 10), '"'};
         return std::copy_n(text, sizeof text, t);
      }
      case lang::TypeKind::enum_: {
         const std::string& word = quoted_variants_[static_cast<std::size_t>(type.id)][static_cast<std::size_t>(c.a)];
         return word.size() <= put_room ? put_bytes(t, word.data(), word.size()) : nullptr;
      }
      default: return nullptr;
   }
}

bool Machine::write_json(std::string& out, std::size_t lane) const
{
   // The scalars and their keys are built in a buffer, which goes into `out` at once (or before
   // anything longer): a string's append per piece costs more than the piece.
   const std::size_t start = out.size();
   char buffer[1024];
   char* w = put_bytes(buffer, "{\"outputs\":{", 12);
   for (std::size_t i = 0; i < code_.outputs.size(); ++i) {
      const std::string& key = output_keys_[i];
      const lang::Type& type = code_.outputs[i].type;
      const Cell c = output_value(i, lane);
      if (key.size() <= max_key && buffer + sizeof buffer - w >= static_cast<std::ptrdiff_t>(max_key + put_room)) {
         if (char* const end = put_scalar(type, c, put_bytes(w, key.data(), key.size()))) {
            w = end;
            continue;
         }
      }
      out.append(buffer, w);
      w = buffer;
      out += key;
      if (!write_cell(type, c, out)) {
         out.resize(start);
         return false;
      }
   }
   if (lane != no_lane || violated_.empty()) {
      if (buffer + sizeof buffer - w < 18) {
         out.append(buffer, w);
         w = buffer;
      }
      w = put_bytes(w, "},\"violations\":[]}", 18);
      out.append(buffer, w);
      return true;
   }
   out.append(buffer, w);
   out += "},\"violations\":[";
   for (std::size_t k = 0; k < violated_.size(); ++k) {
      if (k > 0) out += ',';
      const auto& [before, after] = violation_json_[violated_[k].requirement];
      out += before;
      append_json_string(out, text_of(violated_[k].message));
      out += after;
   }
   out += "]}";
   return true;
}

}  // namespace pol::interp
