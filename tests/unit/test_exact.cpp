// pol diff's exact totals and its median of changes (tools/pol/exact.hpp).
#include <algorithm>
#include <random>

#include <catch2/catch.hpp>

#include "exact.hpp"

using pol::cli::Exact;
using pol::cli::Histogram;
using pol::cli::Total;

namespace Catch {
template <>
struct StringMaker<Exact> {
   static std::string convert(const Exact& e) { return e.text(); }
};
}  // namespace Catch

namespace {
Exact x(const char* json) { return *Exact::parse(json); }
}  // namespace

TEST_CASE("results' numbers are read exactly, and nothing else is")
{
   CHECK(x("\"25000.00\"").text() == "25000.00");
   CHECK(x("-0.5").text() == "-0.5");
   CHECK(x("12").text(true) == "+12");
   CHECK(x("\"0.10\"") == x("0.1"));
   for (const char* other : {"\"a\"", "null", "\"2024-06-30\"", "1.", ".", "", "1e5", "\"1,000\""}) CHECK_FALSE(Exact::parse(other).has_value());
   CHECK_FALSE(Exact::parse("1234567890123456789012345678901234567").has_value());  // 37 digits
}

TEST_CASE("totals add across scales exactly and refuse to overflow")
{
   Total t;
   t.add(x("0.1"));
   t.add(x("0.2"));
   t.add(x("\"100.00\""));
   CHECK(t.value().text() == "100.30");
   Total u;
   u.add(x("999999999999999999999999999999999999"));
   CHECK_THROWS_AS(u.add(x("1")), std::overflow_error);
}

TEST_CASE("the median of changes is the lower middle, and exact under the limit")
{
   Histogram h;
   for (const char* c : {"5.00", "-1.00", "3.00", "3.00", "100.00", "0.50"}) h.add(x(c));
   CHECK(h.median()->low.text() == "3.00");
   CHECK(h.median()->high.text() == "3.00");
   CHECK(h.exact());
   Histogram one;
   one.add(x("7"));
   CHECK(one.median()->low.text() == "7");
   CHECK_FALSE(Histogram().median().has_value());
}

TEST_CASE("threads' histograms merge into the same median as one")
{
   std::mt19937 random(7);
   Histogram all, a, b;
   for (int i = 0; i < 50'000; ++i) {
      const Exact change = *Exact::parse(std::to_string(static_cast<int>(random() % 2001) - 1000) + ".25");
      all.add(change);
      (i % 3 ? a : b).add(change);
   }
   a.merge(b);
   CHECK(a.median()->low == all.median()->low);
   CHECK(a.exact());
}

namespace {
// The true lower median of `values`.
Exact true_median(std::vector<int> values)
{
   std::sort(values.begin(), values.end());
   return *Exact::parse(std::to_string(values[(values.size() - 1) / 2]));
}
}  // namespace

TEST_CASE("beyond the limit the median is a range that holds the true one")
{
   std::mt19937 random(11);
   for (const std::size_t limit : {std::size_t{1} << 16, std::size_t{1'000}, std::size_t{16}}) {
      for (int round = 0; round < 5; ++round) {
         // 100,000 changes, mostly distinct, in random order; some threads' worth merged
         std::vector<int> values(100'000);
         for (auto& v : values) v = static_cast<int>(random() % 400'000) - 150'000;
         Histogram h(limit), other(limit);
         for (std::size_t i = 0; i < values.size(); ++i) (i % 4 ? h : other).add(*Exact::parse(std::to_string(values[i])));
         h.merge(other);
         const auto m = h.median();
         const Exact truth = true_median(values);
         INFO("limit " << limit << ", round " << round << ": true median " << truth.text());
         CHECK_FALSE(h.exact());
         CHECK(m->low <= truth);
         CHECK(truth <= m->high);
      }
   }
   // 100,000 distinct pennies 0.00 … 999.99 in random order, the default limit: a narrow range
   std::vector<int> pence(100'000);
   for (int i = 0; i < 100'000; ++i) pence[static_cast<std::size_t>(i)] = i;
   std::shuffle(pence.begin(), pence.end(), random);
   Histogram h;
   for (int p : pence) h.add(*Exact::parse(std::to_string(p / 100) + "." + (p % 100 < 10 ? "0" : "") + std::to_string(p % 100)));
   const auto m = h.median();
   CHECK(m->low <= x("499.99"));
   CHECK(x("499.99") <= m->high);
   CHECK(m->high - m->low < x("0.10"));
}
