#include "decimal.hpp"

#include "ratio.hpp"

#include <algorithm>
#include <numeric>

namespace pol::interp {

namespace {

using i128 = Int128;
__extension__ typedef unsigned __int128 u128;
using ratio::fits;

mpz_class to_mpz(i128 v)
{
   const bool neg = v < 0;
   u128 u = neg ? static_cast<u128>(-(v + 1)) + 1 : static_cast<u128>(v);
   mpz_class hi(static_cast<unsigned long>(static_cast<std::uint64_t>(u >> 64)));
   mpz_class lo(static_cast<unsigned long>(static_cast<std::uint64_t>(u)));
   mpz_class r = (hi << 64) + lo;
   return neg ? mpz_class(-r) : r;
}

bool mpz_fits_int64(const mpz_class& z) { return z >= INT64_MIN && z <= INT64_MAX; }

std::int64_t mpz_to_int64(const mpz_class& z)
{
   // via two halves, portable whatever the size of long
   mpz_class a = abs(z);
   const std::uint64_t lo = static_cast<std::uint64_t>(mpz_class(a & mpz_class(0xFFFFFFFFul)).get_ui());
   const std::uint64_t hi = static_cast<std::uint64_t>(mpz_class(a >> 32).get_ui());
   const std::uint64_t u = (hi << 32) | lo;
   return z < 0 ? static_cast<std::int64_t>(~u + 1) : static_cast<std::int64_t>(u);
}

// Small result from a 128-bit fraction, reduced; nullopt when it does not fit.
std::optional<std::pair<std::int64_t, std::int64_t>> reduce(i128 num, i128 den)
{
   if (den < 0) {
      num = -num;
      den = -den;
   }
   if (den == 1) {
      if (!fits(num)) return std::nullopt;
      return std::make_pair(static_cast<std::int64_t>(num), std::int64_t{1});
   }
   // 64-bit gcd when both fit: far cheaper than 128-bit division
   if (fits(num) && fits(den)) {
      const auto n = static_cast<std::int64_t>(num), d = static_cast<std::int64_t>(den);
      const std::int64_t g = std::gcd(n == INT64_MIN ? n / 2 : n, d);
      if (g > 1) return std::make_pair(n / g, d / g);
      return std::make_pair(n, d);
   }
   const i128 g = ratio::gcd(num, den);
   if (g > 1) {
      num /= g;
      den /= g;
   }
   if (!fits(num) || !fits(den)) return std::nullopt;
   return std::make_pair(static_cast<std::int64_t>(num), static_cast<std::int64_t>(den));
}

}  // namespace

Decimal Decimal::from_mpq(const mpq_class& q)
{
   Decimal d;
   if (mpz_fits_int64(q.get_num()) && mpz_fits_int64(q.get_den())) {
      d.num_ = mpz_to_int64(q.get_num());
      d.den_ = mpz_to_int64(q.get_den());
      return d;
   }
   d.big_ = std::make_shared<const mpq_class>(q);
   return d;
}

mpq_class Decimal::to_mpq() const
{
   if (big_) return *big_;
   mpq_class q(to_mpz(num_), to_mpz(den_));
   q.canonicalize();
   return q;
}

Decimal Decimal::ratio(std::int64_t num, std::int64_t den)
{
   if (den == 0) throw ArithmeticError("division by zero");
   if (auto r = reduce(num, den)) {
      Decimal d;
      d.num_ = r->first;
      d.den_ = r->second;
      return d;
   }
   mpq_class q(to_mpz(num), to_mpz(den));
   q.canonicalize();
   return from_mpq(q);
}

namespace {

// Plain decimals of up to 17 digits ("-31250.07") without GMP: the common case for money.
std::optional<Decimal> parse_small(std::string_view s)
{
   std::size_t i = 0;
   bool negative = false;
   if (i < s.size() && (s[i] == '-' || s[i] == '+')) negative = s[i++] == '-';
   std::int64_t digits = 0;
   int count = 0, scale = 0;
   bool point = false, any = false;
   for (; i < s.size(); ++i) {
      const char c = s[i];
      if (c >= '0' && c <= '9') {
         if (++count > 17) return std::nullopt;
         digits = digits * 10 + (c - '0');
         if (point) ++scale;
         any = true;
      } else if (c == '.' && !point) {
         point = true;
      } else {
         return std::nullopt;
      }
   }
   if (!any) return std::nullopt;
   return Decimal::ratio(negative ? -digits : digits, ratio::powers_of_ten[scale]);
}

}  // namespace

std::optional<Decimal> Decimal::parse(std::string_view s)
{
   if (auto small = parse_small(s)) return small;
   bool percent = false;
   if (!s.empty() && s.back() == '%') {
      percent = true;
      s.remove_suffix(1);
   }
   bool negative = false;
   std::size_t i = 0;
   if (i < s.size() && (s[i] == '-' || s[i] == '+')) negative = s[i++] == '-';
   mpz_class digits = 0;
   std::int64_t scale = 0;  // digits after the point
   bool any = false, point = false;
   // collect digits in chunks to keep GMP calls few
   std::uint64_t chunk = 0;
   int chunk_len = 0;
   auto flush = [&] {
      if (chunk_len == 0) return;
      digits *= static_cast<unsigned long>(ratio::powers_of_ten[chunk_len]);
      digits += static_cast<unsigned long>(chunk);
      chunk = 0;
      chunk_len = 0;
   };
   for (; i < s.size(); ++i) {
      const char c = s[i];
      if (c >= '0' && c <= '9') {
         chunk = chunk * 10 + static_cast<std::uint64_t>(c - '0');
         if (++chunk_len == 17) flush();
         if (point) ++scale;
         any = true;
      } else if (c == '.' && !point) {
         point = true;
      } else {
         break;
      }
   }
   flush();
   if (!any) return std::nullopt;
   std::int64_t exponent = 0;
   if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
      ++i;
      bool eneg = false;
      if (i < s.size() && (s[i] == '-' || s[i] == '+')) eneg = s[i++] == '-';
      if (i == s.size()) return std::nullopt;
      for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
         exponent = exponent * 10 + (s[i] - '0');
         if (exponent > 10000) return std::nullopt;
      }
      if (eneg) exponent = -exponent;
   }
   if (i != s.size()) return std::nullopt;
   std::int64_t power = exponent - scale - (percent ? 2 : 0);
   mpq_class q(digits);
   if (power > 0) {
      mpz_class p;
      mpz_ui_pow_ui(p.get_mpz_t(), 10, static_cast<unsigned long>(power));
      q *= p;
   } else if (power < 0) {
      mpz_class p;
      mpz_ui_pow_ui(p.get_mpz_t(), 10, static_cast<unsigned long>(-power));
      q /= p;
   }
   q.canonicalize();
   if (negative) q = -q;
   return from_mpq(q);
}

bool Decimal::is_integer() const { return big_ ? big_->get_den() == 1 : den_ == 1; }

std::size_t Decimal::digits() const
{
   if (big_) return mpz_sizeinbase(big_->get_num_mpz_t(), 10) + mpz_sizeinbase(big_->get_den_mpz_t(), 10);
   const auto count = [](std::int64_t v) {
      std::size_t n = 1;
      for (std::uint64_t u = v < 0 ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v); u >= 10; u /= 10) ++n;
      return n;
   };
   return count(num_) + count(den_);
}

int Decimal::sign() const
{
   if (big_) return sgn(*big_);
   return (num_ > 0) - (num_ < 0);
}

std::optional<std::int64_t> Decimal::to_int64() const
{
   if (!big_ && den_ == 1) return num_;
   return std::nullopt;
}

Decimal Decimal::operator+(const Decimal& o) const
{
   if (!big_ && !o.big_) {
      if (den_ == 1 && o.den_ == 1) {
         std::int64_t r;
         if (!__builtin_add_overflow(num_, o.num_, &r)) return Decimal(r);
      }
      const i128 n = static_cast<i128>(num_) * o.den_ + static_cast<i128>(o.num_) * den_;
      const i128 d = static_cast<i128>(den_) * o.den_;
      if (auto r = reduce(n, d)) {
         Decimal out;
         out.num_ = r->first;
         out.den_ = r->second;
         return out;
      }
   }
   return from_mpq(to_mpq() + o.to_mpq());
}

Decimal Decimal::operator-() const
{
   if (!big_ && num_ != INT64_MIN) {
      Decimal out = *this;
      out.num_ = -num_;
      return out;
   }
   return from_mpq(-to_mpq());
}

Decimal Decimal::operator-(const Decimal& o) const { return *this + (-o); }

Decimal Decimal::operator*(const Decimal& o) const
{
   if (!big_ && !o.big_) {
      if (den_ == 1 && o.den_ == 1) {
         std::int64_t r;
         if (!__builtin_mul_overflow(num_, o.num_, &r)) return Decimal(r);
      }
      if (auto r = reduce(static_cast<i128>(num_) * o.num_, static_cast<i128>(den_) * o.den_)) {
         Decimal out;
         out.num_ = r->first;
         out.den_ = r->second;
         return out;
      }
   }
   return from_mpq(to_mpq() * o.to_mpq());
}

Decimal Decimal::operator/(const Decimal& o) const
{
   if (o.sign() == 0) throw ArithmeticError("division by zero");
   if (!big_ && !o.big_) {
      if (auto r = reduce(static_cast<i128>(num_) * o.den_, static_cast<i128>(den_) * o.num_)) {
         Decimal out;
         out.num_ = r->first;
         out.den_ = r->second;
         return out;
      }
   }
   return from_mpq(to_mpq() / o.to_mpq());
}

std::strong_ordering Decimal::operator<=>(const Decimal& o) const
{
   if (!big_ && !o.big_) {
      const i128 l = static_cast<i128>(num_) * o.den_;
      const i128 r = static_cast<i128>(o.num_) * den_;
      return l <=> r;
   }
   const int c = cmp(to_mpq(), o.to_mpq());
   return c < 0 ? std::strong_ordering::less : c > 0 ? std::strong_ordering::greater : std::strong_ordering::equal;
}

bool Decimal::operator==(const Decimal& o) const { return (*this <=> o) == 0; }

Decimal Decimal::round_to(const Decimal& increment, Rounding mode) const
{
   if (increment.sign() <= 0) throw ArithmeticError("the rounding increment must be above zero");
   const Decimal q = *this / increment;
   Ratio whole_small;
   if (!q.big_ && ratio::round_quotient(q.num_, q.den_, {1, 1}, mode, whole_small)) return Decimal(whole_small.num) * increment;
   // q = whole + frac, with whole = floor(q) and 0 <= frac < 1
   mpz_class whole;
   Decimal frac;
   if (!q.big_) {
      std::int64_t w = q.num_ / q.den_;
      if ((q.num_ % q.den_ != 0) && (q.num_ < 0)) --w;
      whole = to_mpz(w);
      frac = Decimal::ratio(q.num_ - w * q.den_, q.den_);
   } else {
      mpz_fdiv_q(whole.get_mpz_t(), q.big_->get_num_mpz_t(), q.big_->get_den_mpz_t());
      frac = from_mpq(*q.big_ - mpq_class(whole));
   }
   if (frac.sign() != 0) {
      const auto cmp_half = frac <=> Decimal::ratio(1, 2);
      const int half = cmp_half > 0 ? 1 : (cmp_half == 0 ? 0 : -1);
      if (ratio::rounds_up(mode, half, q.sign() < 0, mpz_odd_p(whole.get_mpz_t()) != 0)) whole += 1;
   }
   if (mpz_fits_int64(whole) && !increment.big_ && increment.den_ == 1) {
      std::int64_t r;
      if (!__builtin_mul_overflow(mpz_to_int64(whole), increment.num_, &r)) return Decimal(r);
   }
   return from_mpq(mpq_class(whole) * increment.to_mpq());
}

Decimal Decimal::round_places(int places, Rounding mode) const
{
   if (places < 0 || places > 30) throw ArithmeticError("decimal places must be between 0 and 30");
   mpz_class p;
   mpz_ui_pow_ui(p.get_mpz_t(), 10, static_cast<unsigned long>(places));
   return round_to(from_mpq(mpq_class(1, p)), mode);
}

std::optional<std::string> Decimal::to_fixed(int min_places) const
{
   if (!big_) {
      // the denominator must be 2^a * 5^b; then scale to a power of ten without GMP
      int needed = 0;
      if (!ratio::decimal_places(den_, needed)) return std::nullopt;
      const int places = std::max(needed, min_places);
      if (places <= 17) {
         const i128 scaled = static_cast<i128>(num_) * (ratio::powers_of_ten[places] / den_);
         const bool negative = scaled < 0;
         u128 u = static_cast<u128>(negative ? -scaled : scaled);
         char buffer[64];
         int n = 0;
         do {
            buffer[n++] = static_cast<char>('0' + static_cast<int>(u % 10));
            u /= 10;
         } while (u != 0);
         while (n <= places) buffer[n++] = '0';
         std::string out = negative ? "-" : "";
         for (int k = n - 1; k >= 0; --k) {
            out += buffer[k];
            if (k == places && places > 0) out += '.';
         }
         return out;
      }
   }
   mpq_class q = to_mpq();
   mpz_class den = q.get_den();
   // the denominator must be 2^a * 5^b
   int twos = 0, fives = 0;
   while (mpz_divisible_ui_p(den.get_mpz_t(), 2)) {
      den /= 2;
      ++twos;
   }
   while (mpz_divisible_ui_p(den.get_mpz_t(), 5)) {
      den /= 5;
      ++fives;
   }
   if (den != 1) return std::nullopt;
   const int places = std::max({twos, fives, min_places});
   mpz_class scale;
   mpz_ui_pow_ui(scale.get_mpz_t(), 10, static_cast<unsigned long>(places));
   mpz_class scaled = q.get_num() * scale / q.get_den();
   const bool negative = scaled < 0;
   if (negative) scaled = -scaled;
   std::string digits = scaled.get_str();
   if (static_cast<int>(digits.size()) <= places) digits.insert(0, static_cast<std::size_t>(places) - digits.size() + 1, '0');
   const std::size_t whole = digits.size() - static_cast<std::size_t>(places);
   std::string out = negative ? "-" : "";
   out.append(digits, 0, whole);
   // appended in place: "." + digits.substr(…) trips GCC 12's -Wrestrict at -O3, a false positive
   if (places > 0) out.append(1, '.').append(digits, whole);
   return out;
}

std::optional<std::string> Decimal::to_exact_string() const
{
   if (!big_ && den_ == 1) return std::to_string(num_);
   return to_fixed(0);
}

std::string Decimal::describe() const
{
   if (auto s = to_exact_string()) return *s;
   const Decimal r = round_places(10, Rounding::down);
   return *r.to_fixed(10) + "…";
}

}  // namespace pol::interp
