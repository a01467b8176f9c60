// Exact decimal numbers for pol diff's totals and changes: an integer count of 10^-scale, never
// binary floating point. Values come from results' JSON text ("25000.00", 12, "-0.5").
#pragma once

#include <compare>
#include <cstdint>
#include <utility>
#include <vector>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace pol::cli {

__extension__ typedef __int128 Int128;

class Exact {
public:
   Exact() = default;
   // A JSON number or a quoted decimal; nullopt for anything else (text, null, dates) or for
   // more than 36 digits.
   static std::optional<Exact> parse(std::string_view json);

   // Throw std::overflow_error beyond 36 digits, rather than wrap.
   Exact operator+(const Exact& o) const;
   Exact operator-(const Exact& o) const;
   Exact& operator+=(const Exact& o) { return *this = *this + o; }
   // values at one scale compare as integers: the usual case, inline
   std::strong_ordering operator<=>(const Exact& o) const { return scale_ == o.scale_ ? units_ <=> o.units_ : compare_scaled(o); }
   bool operator==(const Exact& o) const { return (*this <=> o) == 0; }
   int sign() const { return units_ < 0 ? -1 : units_ > 0; }
   int scale() const { return scale_; }
   Exact at_scale(int scale) const;  // the same value with at least `scale` places

   // "1234.50" as it was written, at the larger scale of what was added; "+" before positives
   // when `signed_` (changes read "+50.00").
   std::string text(bool signed_ = false) const;

private:
   friend class Total;
   std::strong_ordering compare_scaled(const Exact& o) const;
   Exact(Int128 units, int scale) : units_(units), scale_(scale) {}
   Int128 units_ = 0;
   int scale_ = 0;
};

// A sum of many values: one integer per scale, so that adding a value is one integer step.
class Total {
public:
   static constexpr int max_scale = 36;
   void add(const Exact& x);  // throws std::overflow_error beyond 36 digits
   void add(const Total& t);
   Exact value() const;

private:
   Int128 sums_[max_scale + 1] = {};
};

// How often each change occurred, for the median. Exact while the changes take at most `limit`
// distinct values: a policy change usually moves pay in few steps (a new cap, a new row, a new
// rate), so a count per value holds a whole population's changes in constant memory and gives
// the true median. Beyond the limit, neighbouring entries merge into ranges that keep memory
// bounded: the entries stay disjoint and sorted (a value inside a range is counted there), so the
// range that holds the middle rank holds the true median, and the median is given as that range.
// Values wait in a short list and are counted a sorted run at a time, which is several times
// faster than a tree insert each.
class Histogram {
public:
   explicit Histogram(std::size_t limit = std::size_t{1} << 16) : limit_(limit) {}
   void add(const Exact& x);
   void merge(const Histogram& o);
   // The lower median of everything added (the middle value; of the two middle ones, the lower):
   // exactly when low == high, else somewhere in [low, high].
   struct Median {
      Exact low, high;
   };
   std::optional<Median> median();
   bool exact();  // every entry is one value

private:
   struct Entry {
      Exact low, high;  // every value counted here lies in [low, high]; both at `scale_`
      std::uint64_t count;
   };
   void count_pending();
   void join_overlaps();
   void rescale(int scale);
   std::vector<Exact> pending_;  // at `scale_`
   std::vector<Entry> entries_;  // sorted and disjoint
   int scale_ = 0;
   std::size_t limit_;
};

}  // namespace pol::cli
