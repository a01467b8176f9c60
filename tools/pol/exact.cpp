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

Exact Exact::at_scale(int scale) const
{
   if (scale <= scale_) return *this;
   Int128 units = units_;
   for (int s = scale_; s < scale; ++s) units = checked(units * 10);
   return {units, scale};
}

Exact Exact::operator+(const Exact& o) const
{
   if (scale_ == o.scale_) return {checked(units_ + o.units_), scale_};  // the usual case: money and money
   const int scale = std::max(scale_, o.scale_);
   return {checked(at_scale(scale).units_ + o.at_scale(scale).units_), scale};
}

Exact Exact::operator-(const Exact& o) const
{
   if (scale_ == o.scale_) return {checked(units_ - o.units_), scale_};
   const int scale = std::max(scale_, o.scale_);
   return {checked(at_scale(scale).units_ - o.at_scale(scale).units_), scale};
}

std::strong_ordering Exact::compare_scaled(const Exact& o) const
{
   const int scale = std::max(scale_, o.scale_);
   return at_scale(scale).units_ <=> o.at_scale(scale).units_;
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

void Total::add(const Exact& x) { sums_[x.scale_] = checked(sums_[x.scale_] + x.units_); }

void Total::add(const Total& t)
{
   for (int s = 0; s <= max_scale; ++s) add(Exact(t.sums_[s], s));
}

Exact Total::value() const
{
   Exact sum;
   for (int s = 0; s <= max_scale; ++s) {
      if (sums_[s] != 0) sum += Exact(sums_[s], s);
   }
   return sum;
}

void Histogram::add(const Exact& x)
{
   if (x.scale() > scale_) rescale(x.scale());
   pending_.push_back(x.at_scale(scale_));
   if (pending_.size() >= 4096) count_pending();
}

void Histogram::merge(const Histogram& o)
{
   for (const auto& x : o.pending_) add(x);
   count_pending();
   for (const auto& [x, n] : o.counts_) {
      if (x.scale() > scale_) rescale(x.scale());
      counts_.emplace_back(x.at_scale(scale_), n);
   }
   std::sort(counts_.begin(), counts_.end());
   count_pending();  // joins equal values, and keeps to the limit
   exact_ = exact_ && o.exact_;
}

void Histogram::rescale(int scale)
{
   for (auto& x : pending_) x = x.at_scale(scale);
   for (auto& c : counts_) c.first = c.first.at_scale(scale);
   scale_ = scale;
}

void Histogram::count_pending()
{
   std::sort(pending_.begin(), pending_.end());
   const std::size_t before = counts_.size();
   for (const auto& x : pending_) {
      if (counts_.size() > before && counts_.back().first == x) ++counts_.back().second;
      else counts_.emplace_back(x, 1);
   }
   pending_.clear();
   std::inplace_merge(counts_.begin(), counts_.begin() + static_cast<std::ptrdiff_t>(before), counts_.end());
   // equal values side by side become one count
   std::size_t kept = 0;
   for (std::size_t i = 0; i < counts_.size(); ++i) {
      if (kept > 0 && counts_[kept - 1].first == counts_[i].first) counts_[kept - 1].second += counts_[i].second;
      else counts_[kept++] = counts_[i];
   }
   counts_.resize(kept);
   // beyond the limit, every second value goes into the one below it: half the entries, counts kept
   while (counts_.size() > limit_) {
      std::size_t half = 0;
      for (std::size_t i = 0; i < counts_.size(); i += 2) {
         counts_[half] = counts_[i];
         if (i + 1 < counts_.size()) counts_[half].second += counts_[i + 1].second;
         ++half;
      }
      counts_.resize(half);
      exact_ = false;
   }
}

std::optional<Exact> Histogram::median()
{
   count_pending();
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
