#include "exact.hpp"

#include <algorithm>

namespace pol::cli {

namespace {

constexpr int max_digits = 36;

Int128 power_of_ten(int n)
{
   Int128 p = 1;
   for (int i = 0; i < n; ++i) p *= 10;
   return p;
}

const Int128 limit = power_of_ten(max_digits);

Int128 checked(Int128 x)
{
   if (x >= limit || x <= -limit) throw std::overflow_error("a total or change has more than 36 digits");
   return x;
}

}  // namespace

std::optional<Exact> Exact::parse(std::string_view json)
{
   if (json.size() >= 2 && json.front() == '"' && json.back() == '"') json = json.substr(1, json.size() - 2);
   bool negative = false;
   if (!json.empty() && (json.front() == '-' || json.front() == '+')) {
      negative = json.front() == '-';
      json.remove_prefix(1);
   }
   Int128 units = 0;
   int digits = 0, scale = -1;
   for (char c : json) {
      if (c == '.' && scale < 0) {
         scale = 0;
         continue;
      }
      if (c < '0' || c > '9' || ++digits > max_digits) return std::nullopt;
      units = units * 10 + (c - '0');
      if (scale >= 0) ++scale;
   }
   if (digits == 0 || scale == 0) return std::nullopt;
   return Exact(negative ? -units : units, std::max(scale, 0));
}

Exact Exact::at_scale(const Exact& x, int scale)
{
   Int128 units = x.units_;
   for (int s = x.scale_; s < scale; ++s) units = checked(units * 10);
   return {units, scale};
}

Exact Exact::operator+(const Exact& o) const
{
   const int scale = std::max(scale_, o.scale_);
   return {checked(at_scale(*this, scale).units_ + at_scale(o, scale).units_), scale};
}

Exact Exact::operator-(const Exact& o) const
{
   const int scale = std::max(scale_, o.scale_);
   return {checked(at_scale(*this, scale).units_ - at_scale(o, scale).units_), scale};
}

std::strong_ordering Exact::operator<=>(const Exact& o) const
{
   const int scale = std::max(scale_, o.scale_);
   return at_scale(*this, scale).units_ <=> at_scale(o, scale).units_;
}

std::string Exact::text(bool signed_) const
{
   // digits from the last, with the point `scale_` digits in; at most 36 digits, a point and a sign
   char buffer[48];
   char* at = buffer + sizeof buffer;
   Int128 u = units_ < 0 ? -units_ : units_;
   for (int place = 0; u > 0 || place <= scale_; ++place) {
      if (place == scale_ && place > 0) *--at = '.';
      *--at = static_cast<char>('0' + static_cast<int>(u % 10));
      u /= 10;
   }
   if (units_ < 0) *--at = '-';
   else if (signed_ && units_ > 0) *--at = '+';
   return std::string(at, static_cast<std::size_t>(buffer + sizeof buffer - at));
}

void Histogram::add(const Exact& x, std::uint64_t count)
{
   counts_[x] += count;
   if (counts_.size() > limit_) shrink();
}

void Histogram::merge(const Histogram& o)
{
   for (const auto& [x, n] : o.counts_) add(x, n);
   exact_ = exact_ && o.exact_;
}

void Histogram::shrink()
{
   // every second value goes into the one below it: half the entries, counts kept
   for (auto it = counts_.begin(); it != counts_.end();) {
      auto next = std::next(it);
      if (next == counts_.end()) break;
      it->second += next->second;
      it = std::next(counts_.erase(next));
   }
   exact_ = false;
}

std::optional<Exact> Histogram::median() const
{
   std::uint64_t total = 0;
   for (const auto& [x, n] : counts_) total += n;
   if (total == 0) return std::nullopt;
   const std::uint64_t rank = (total - 1) / 2;  // the lower middle, counting from 0
   std::uint64_t seen = 0;
   for (const auto& [x, n] : counts_) {
      seen += n;
      if (seen > rank) return x;
   }
   return std::nullopt;
}

}  // namespace pol::cli
