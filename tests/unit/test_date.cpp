#include <catch2/catch.hpp>

#include "date.hpp"

using namespace pol::interp;

namespace {
Date day(const char* s) { return *Date::parse(s); }
}  // namespace

TEST_CASE("dates read and print as YYYY-MM-DD, and reject days that do not exist")
{
   CHECK(day("2024-06-30").to_string() == "2024-06-30");
   CHECK(Date::parse("2024-02-29"));
   CHECK_FALSE(Date::parse("2023-02-29"));
   CHECK_FALSE(Date::parse("2024-13-01"));
   CHECK_FALSE(Date::parse("2024-6-30"));
   CHECK(day("1970-01-01").days() == 0);
   for (const char* bad : {"0000-01-01", "2024-00-10", "2024-01-00", "2024-04-31", "2100-02-29", "+024-01-01", "2024/01/01", "2024-0a-01", "2024-01-1 ",
                           " 2024-01-1", "2024-01-011", "2024-\xC3\xA9-01", "2024-01-0:"}) {
      INFO(bad);
      CHECK_FALSE(Date::parse(bad));
   }
   CHECK(day("0001-01-01").to_string() == "0001-01-01");
   CHECK(day("9999-12-31").to_string() == "9999-12-31");
   CHECK(day("2000-02-29").to_string() == "2000-02-29");
}

TEST_CASE("every day from the year 1 to 9999 prints as it reads")
{
   // every day from 1899 to 2101, and every 13th day of the rest
   const auto first = day("0001-01-01").days(), last = day("9999-12-31").days();
   const auto busy_from = day("1899-01-01").days(), busy_to = day("2101-12-31").days();
   for (auto d = first; d <= last; d += d >= busy_from && d <= busy_to ? 1 : 13) {
      const auto text = Date::from_days(d).to_string();
      const auto back = Date::parse(text);
      if (!back || back->days() != d) FAIL(text);
   }
   CHECK(Date::from_days(last).to_string() == "9999-12-31");
   CHECK(last - first == 3652058);
}

TEST_CASE("add_years: 29 February becomes 28 February in a non-leap year")
{
   CHECK(day("2000-02-29").add_years(65).to_string() == "2065-02-28");
   CHECK(day("2000-02-29").add_years(4).to_string() == "2004-02-29");
   CHECK(day("1980-01-01").add_years(65).to_string() == "2045-01-01");
}

TEST_CASE("add_months keeps the day, or takes the month's last day")
{
   CHECK(day("2024-01-31").add_months(1).to_string() == "2024-02-29");
   CHECK(day("2023-01-31").add_months(1).to_string() == "2023-02-28");
   CHECK(day("2024-03-31").add_months(-1).to_string() == "2024-02-29");
   CHECK(day("2024-11-15").add_months(3).to_string() == "2025-02-15");
}

TEST_CASE("days, completed months and completed years between dates")
{
   CHECK(day("2024-06-30").days() - day("2024-01-01").days() == 181);
   CHECK(months_between(day("2024-01-31"), day("2024-02-29")) == 1);
   CHECK(months_between(day("2024-01-15"), day("2024-02-14")) == 0);
   CHECK(years_between(day("1980-06-30"), day("2024-06-29")) == 43);
   CHECK(years_between(day("1980-06-30"), day("2024-06-30")) == 44);
   // born on 29 February: the birthday in a non-leap year is 28 February
   CHECK(years_between(day("2000-02-29"), day("2001-02-28")) == 1);
   CHECK(years_between(day("2000-02-29"), day("2001-02-27")) == 0);
   CHECK(months_between(day("2024-03-01"), day("2024-01-01")) == -2);
}

TEST_CASE("leap years")
{
   CHECK(is_leap_year(2024));
   CHECK_FALSE(is_leap_year(1900));
   CHECK(is_leap_year(2000));
   CHECK(days_in_month(2023, 2) == 28);
}

TEST_CASE("a date moved by a huge number of years is a range error, not an overflow")
{
   const auto d = *pol::interp::Date::from_civil(2000, 1, 1);
   CHECK_THROWS_AS(d.add_years(3411192480352464371), pol::interp::DateRangeError);
   CHECK_THROWS_AS(d.add_years(-3411192480352464371), pol::interp::DateRangeError);
}
