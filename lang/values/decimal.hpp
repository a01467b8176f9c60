// Exact numbers: a rational with a fast path for small values (int64 numerator and
// denominator, 128-bit intermediates) and GMP rationals beyond it. No binary floating point.
#pragma once

#include <compare>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <gmpxx.h>

namespace pol::interp {

enum class Rounding : std::uint8_t { half_up, half_even, half_down, down, up, floor, ceiling };

struct ArithmeticError : std::runtime_error {
   using std::runtime_error::runtime_error;
};

class Decimal {
public:
   Decimal() = default;
   Decimal(std::int64_t n) : num_(n) {}  // NOLINT: ints widen to decimals
   static Decimal ratio(std::int64_t num, std::int64_t den);

   // Reads "12", "-3.25", "1e3" or "0.23%" exactly; nullopt if the text is not a number.
   static std::optional<Decimal> parse(std::string_view text);

   bool is_small() const { return !big_; }
   // The numerator and denominator when the value is small.
   bool small_parts(std::int64_t& num, std::int64_t& den) const
   {
      if (big_) return false;
      num = num_;
      den = den_;
      return true;
   }
   bool is_integer() const;
   // The digits it is written with as a fraction: its numerator's and denominator's together.
   std::size_t digits() const;
   int sign() const;
   // The value as an int64, if it is a whole number that fits.
   std::optional<std::int64_t> to_int64() const;

   Decimal operator+(const Decimal& o) const;
   Decimal operator-(const Decimal& o) const;
   Decimal operator*(const Decimal& o) const;
   Decimal operator/(const Decimal& o) const;  // throws ArithmeticError on division by zero
   Decimal operator-() const;
   std::strong_ordering operator<=>(const Decimal& o) const;
   bool operator==(const Decimal& o) const;

   // Rounds to a multiple of `increment` (> 0).
   Decimal round_to(const Decimal& increment, Rounding mode) const;
   Decimal round_places(int places, Rounding mode) const;
   Decimal floor() const { return round_to(1, Rounding::floor); }
   Decimal ceiling() const { return round_to(1, Rounding::ceiling); }
   Decimal abs() const { return sign() < 0 ? -*this : *this; }

   // Exact decimal text ("25000", "0.5", "-1.25") if the value has a finite decimal expansion.
   std::optional<std::string> to_exact_string() const;
   // Exact text with at least `min_places` places ("25000.00"), if the value is finite in decimal.
   std::optional<std::string> to_fixed(int min_places) const;
   // A readable approximation for messages: exact when finite, else 10 places and "…".
   std::string describe() const;

private:
   static Decimal from_mpq(const mpq_class& q);
   mpq_class to_mpq() const;

   std::int64_t num_ = 0;
   std::int64_t den_ = 1;                   // > 0, coprime with num_ when small
   std::shared_ptr<const mpq_class> big_;   // set when the value does not fit the fast path
};

}  // namespace pol::interp
