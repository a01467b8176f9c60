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
   const int scale = std::max(scale_, o.scale_);
   if (scale > scale_) rescale(scale);
   for (const auto& e : o.entries_) entries_.push_back({e.low.at_scale(scale), e.high.at_scale(scale), e.count});
   std::sort(entries_.begin(), entries_.end(), [](const Entry& a, const Entry& b) { return a.low < b.low; });
   join_overlaps();
   count_pending();  // keeps to the limit
}

void Histogram::rescale(int scale)
{
   for (auto& x : pending_) x = x.at_scale(scale);
   for (auto& e : entries_) e = {e.low.at_scale(scale), e.high.at_scale(scale), e.count};
   scale_ = scale;
}

// Entries sorted by `low` that overlap or touch become one, so that they are disjoint again.
void Histogram::join_overlaps()
{
   std::size_t kept = 0;
   for (std::size_t i = 0; i < entries_.size(); ++i) {
      if (kept > 0 && entries_[i].low <= entries_[kept - 1].high) {
         auto& e = entries_[kept - 1];
         e.high = std::max(e.high, entries_[i].high);
         e.count += entries_[i].count;
      } else {
         entries_[kept++] = entries_[i];
      }
   }
   entries_.resize(kept);
}

void Histogram::count_pending()
{
   std::sort(pending_.begin(), pending_.end());
   std::vector<Entry> merged;
   merged.reserve(entries_.size() + pending_.size());
   std::size_t next = 0;  // the first entry not yet passed
   for (const auto& x : pending_) {
      while (next < entries_.size() && entries_[next].high < x) merged.push_back(entries_[next++]);
      if (next < entries_.size() && entries_[next].low <= x) ++entries_[next].count;  // within its range
      else if (!merged.empty() && merged.back().high == x) ++merged.back().count;  // the same as the last new value
      else merged.push_back({x, x, 1});
   }
   merged.insert(merged.end(), entries_.begin() + static_cast<std::ptrdiff_t>(next), entries_.end());
   entries_ = std::move(merged);
   pending_.clear();
   // beyond the limit, every second entry joins the one below it: half the entries, counts kept
   while (entries_.size() > limit_) {
      std::size_t half = 0;
      for (std::size_t i = 0; i < entries_.size(); i += 2) {
         entries_[half] = entries_[i];
         if (i + 1 < entries_.size()) {
            entries_[half].high = entries_[i + 1].high;
            entries_[half].count += entries_[i + 1].count;
         }
         ++half;
      }
      entries_.resize(half);
   }
}

std::optional<Histogram::Median> Histogram::median()
{
   count_pending();
   std::uint64_t total = 0;
   for (const auto& e : entries_) total += e.count;
   if (total == 0) return std::nullopt;
   const std::uint64_t rank = (total - 1) / 2;  // the lower middle, counting from 0
   std::uint64_t seen = 0;
   for (const auto& e : entries_) {
      seen += e.count;
      if (seen > rank) return Median{e.low, e.high};
   }
   return std::nullopt;
}

bool Histogram::exact()
{
   count_pending();
   return std::all_of(entries_.begin(), entries_.end(), [](const Entry& e) { return e.low == e.high; });
}

}  // namespace pol::cli
