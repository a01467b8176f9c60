// Exact small rationals for the lowered evaluator: an int64 numerator over an int64
// denominator, kept unreduced while they fit (so most steps cost no gcd) and reduced only when
// a result would overflow. Every operation says whether it could answer; when it cannot, the
// general evaluator (GMP beyond 64 bits, and every error message) takes over.
#pragma once

#include <cstdint>
#include <numeric>

#include "decimal.hpp"

namespace pol::interp {

__extension__ typedef __int128 Int128;

struct Ratio {
   std::int64_t num = 0;
   std::int64_t den = 1;  // > 0
};

namespace ratio {

inline constexpr std::int64_t powers_of_ten[] = {1,
                                                 10,
                                                 100,
                                                 1000,
                                                 10000,
                                                 100000,
                                                 1000000,
                                                 10000000,
                                                 100000000,
                                                 1000000000,
                                                 10000000000,
                                                 100000000000,
                                                 1000000000000,
                                                 10000000000000,
                                                 100000000000000,
                                                 1000000000000000,
                                                 10000000000000000,
                                                 100000000000000000,
                                                 1000000000000000000};

// The decimal places a fraction over `den` (> 0, in lowest terms) needs: max(a, b) when den is
// 2^a 5^b; false when its decimal form never ends.
inline bool decimal_places(std::int64_t den, int& places)
{
   int twos = 0, fives = 0;
   while (den % 2 == 0) den /= 2, ++twos;
   while (den % 5 == 0) den /= 5, ++fives;
   places = twos > fives ? twos : fives;
   return den == 1;
}

// Whether a quotient rounds toward +infinity, given how its remainder compares with a half
// (half: -1 below, 0 exactly, 1 above), its sign, and whether its whole part is odd.
inline bool rounds_up(Rounding mode, int half, bool negative, bool odd)
{
   switch (mode) {
      case Rounding::floor: return false;
      case Rounding::ceiling: return true;
      case Rounding::down: return negative;  // toward zero
      case Rounding::up: return !negative;   // away from zero
      case Rounding::half_up: return half > 0 || (half == 0 && !negative);
      case Rounding::half_down: return half > 0 || (half == 0 && negative);
      case Rounding::half_even: return half > 0 || (half == 0 && odd);
   }
   return false;
}

inline bool fits(Int128 v) { return v >= INT64_MIN && v <= INT64_MAX; }

inline Int128 gcd(Int128 a, Int128 b)
{
   if (a < 0) a = -a;
   while (b != 0) {
      const Int128 t = a % b;
      a = b;
      b = t;
   }
   return a;
}

// num/den (den > 0) as a Ratio, reduced only if it would not fit otherwise.
inline bool make(Int128 num, Int128 den, Ratio& out)
{
   if (fits(num) && fits(den)) {
      out = {static_cast<std::int64_t>(num), static_cast<std::int64_t>(den)};
      return true;
   }
   const Int128 g = gcd(num, den);
   num /= g;
   den /= g;
   if (!fits(num) || !fits(den)) return false;
   out = {static_cast<std::int64_t>(num), static_cast<std::int64_t>(den)};
   return true;
}

inline bool add(Ratio a, Ratio b, Ratio& out)
{
   if (a.den == b.den) {
      out.den = a.den;
      if (!__builtin_add_overflow(a.num, b.num, &out.num)) return true;
   }
   return make(static_cast<Int128>(a.num) * b.den + static_cast<Int128>(b.num) * a.den, static_cast<Int128>(a.den) * b.den, out);
}

inline bool sub(Ratio a, Ratio b, Ratio& out)
{
   if (b.num == INT64_MIN) return false;
   return add(a, {-b.num, b.den}, out);
}

inline bool mul(Ratio a, Ratio b, Ratio& out) { return make(static_cast<Int128>(a.num) * b.num, static_cast<Int128>(a.den) * b.den, out); }

// false on division by zero too: the general evaluator reports it
inline bool div(Ratio a, Ratio b, Ratio& out)
{
   if (b.num == 0) return false;
   Int128 n = static_cast<Int128>(a.num) * b.den, d = static_cast<Int128>(a.den) * b.num;
   if (d < 0) {
      n = -n;
      d = -d;
   }
   return make(n, d, out);
}

// Branch-free: which side wins varies from record to record, which a processor cannot predict.
inline int compare(Ratio a, Ratio b)
{
   const Int128 l = static_cast<Int128>(a.num) * b.den, r = static_cast<Int128>(b.num) * a.den;
   return (l > r) - (l < r);
}

// n / d (d > 0) rounded to a whole number by the mode, in 64 or 128 bits.
template <class I>
inline I round_whole(I n, I d, Rounding mode)
{
   I q = n / d, r = n % d;
   const I below = r < 0 ? 1 : 0;  // to the floor, without a branch: the sign varies unpredictably
   q -= below;
   r += d & -below;
   return q + ((r != 0 && rounds_up(mode, (r > d - r) - (r < d - r), n < 0, (q & 1) != 0)) ? 1 : 0);
}

// Rounds n / d (d > 0) to a whole number by the mode, then scales it by inc.
inline bool round_quotient(Int128 n, Int128 d, Ratio inc, Rounding mode, Ratio& out)
{
   Int128 w;
   if (fits(n) && fits(d)) [[likely]] {  // 64-bit division is far cheaper
      const std::int64_t q = round_whole<std::int64_t>(static_cast<std::int64_t>(n), static_cast<std::int64_t>(d), mode);
      std::int64_t v;
      if (!__builtin_mul_overflow(q, inc.num, &v)) {
         out = {v, inc.den};
         return true;
      }
      w = q;
   } else {
      w = round_whole(n, d, mode);
      if (!fits(w)) return false;
   }
   return make(w * inc.num, inc.den, out);
}

// Rounds to a multiple of `inc` (> 0), as Decimal::round_to does.
inline bool round_to(Ratio x, Ratio inc, Rounding mode, Ratio& out)
{
   return round_quotient(static_cast<Int128>(x.num) * inc.den, static_cast<Int128>(x.den) * inc.num, inc, mode, out);
}

// Rounds a / b to a multiple of `inc` (> 0) without forming a / b: one step, one division.
inline bool round_div(Ratio a, Ratio b, Ratio inc, Rounding mode, Ratio& out)
{
   if (b.num == 0) return false;
   Int128 n = static_cast<Int128>(a.num) * b.den, d = static_cast<Int128>(a.den) * b.num;
   if (d < 0) {
      n = -n;
      d = -d;
   }
   if (fits(n) && fits(d)) return round_quotient(n * inc.den, d * inc.num, inc, mode, out);  // 64 x 64 bits fit 128
   if (__builtin_mul_overflow(n, static_cast<Int128>(inc.den), &n) || __builtin_mul_overflow(d, static_cast<Int128>(inc.num), &d)) return false;
   return round_quotient(n, d, inc, mode, out);
}

// The whole number x is, if it is one.
inline bool to_int(Ratio x, std::int64_t& out)
{
   if (x.num % x.den != 0) return false;
   out = x.num / x.den;
   return true;
}

inline Ratio reduced(Ratio x)
{
   const std::int64_t g = std::gcd(x.num == INT64_MIN ? x.num / 2 : x.num, x.den);
   return g > 1 ? Ratio{x.num / g, x.den / g} : x;
}

}  // namespace ratio

}  // namespace pol::interp
