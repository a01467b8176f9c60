#include "date.hpp"

#include <chrono>

#include <fmt/format.h>

namespace pol::interp {

namespace {

// days_from_civil and civil_from_days: Howard Hinnant's public-domain algorithms.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d)
{
   y -= m <= 2;
   const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
   const unsigned yoe = static_cast<unsigned>(y - era * 400);
   const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
   const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
   return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct Civil {
   std::int64_t y;
   unsigned m, d;
};

Civil civil_from_days(std::int64_t z)
{
   z += 719468;
   const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
   const unsigned doe = static_cast<unsigned>(z - era * 146097);
   const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
   const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
   const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
   const unsigned mp = (5 * doy + 2) / 153;
   const unsigned d = doy - (153 * mp + 2) / 5 + 1;
   const unsigned m = mp < 10 ? mp + 3 : mp - 9;
   return {y + (m <= 2), m, d};
}

constexpr std::int64_t min_year = 1, max_year = 9999;

// Out of line and cold: the message is made only when a date leaves the years.
[[noreturn, gnu::cold, gnu::noinline]] void outside_the_years(std::int64_t y)
{
   throw DateRangeError{fmt::format("the date falls in the year {}, outside 0001 to 9999", y)};
}

inline Date make(std::int64_t y, unsigned m, unsigned d)
{
   if (y < min_year || y > max_year) [[unlikely]] outside_the_years(y);
   return Date::from_days(static_cast<std::int32_t>(days_from_civil(y, m, d)));
}

}  // namespace

bool is_leap_year(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(std::int64_t year, int month)
{
   static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
   return days[month - 1] + ((month == 2 && is_leap_year(year)) ? 1 : 0);
}

std::optional<Date> Date::from_civil(int year, int month, int day)
{
   if (year < min_year || year > max_year || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month)) return std::nullopt;
   return make(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
}

std::optional<Date> Date::parse(std::string_view s)
{
   if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
   // each place's digit; above 9 when it is not one
   const auto digit = [&](std::size_t i) { return static_cast<unsigned>(static_cast<unsigned char>(s[i]) - '0'); };
   const unsigned digits[8] = {digit(0), digit(1), digit(2), digit(3), digit(5), digit(6), digit(8), digit(9)};
   for (const unsigned d : digits) {
      if (d > 9) return std::nullopt;
   }
   return from_civil(static_cast<int>(digits[0] * 1000 + digits[1] * 100 + digits[2] * 10 + digits[3]), static_cast<int>(digits[4] * 10 + digits[5]),
                     static_cast<int>(digits[6] * 10 + digits[7]));
}

int Date::year() const { return parts().year; }
int Date::month() const { return parts().month; }
int Date::day() const { return parts().day; }
Date::Parts Date::parts() const
{
   const auto c = civil_from_days(days_);
   return {static_cast<int>(c.y), static_cast<int>(c.m), static_cast<int>(c.d)};
}

Date today()
{
   const auto now = std::chrono::system_clock::now();
   const auto days = std::chrono::floor<std::chrono::days>(now).time_since_epoch().count();
   return Date::from_days(static_cast<std::int32_t>(days));
}

std::string Date::to_string() const
{
   const auto c = civil_from_days(days_);
   return fmt::format("{:04}-{:02}-{:02}", c.y, c.m, c.d);
}

Date Date::add_months(std::int64_t months) const
{
   const auto c = civil_from_days(days_);
   if (months > 12 * max_year || months < -12 * max_year) throw DateRangeError{"the date moves outside the years 0001 to 9999"};
   const std::int64_t total = c.y * 12 + (c.m - 1) + months;
   const std::int64_t y = total >= 0 ? total / 12 : (total - 11) / 12;
   const unsigned m = static_cast<unsigned>(total - y * 12 + 1);
   if (y < min_year || y > max_year) [[unlikely]] outside_the_years(y);
   const unsigned d = std::min<unsigned>(c.d, static_cast<unsigned>(days_in_month(y, static_cast<int>(m))));
   return make(y, m, d);
}

Date Date::add_days(std::int64_t days) const
{
   const std::int64_t z = static_cast<std::int64_t>(days_) + days;
   if (days > 4000000 || days < -4000000) throw DateRangeError{"the date moves outside the years 0001 to 9999"};
   const auto c = civil_from_days(z);
   return make(c.y, c.m, c.d);
}

std::int64_t months_between(Date from, Date to)
{
   if (to < from) return -months_between(to, from);
   const auto a = civil_from_days(from.days());
   const auto b = civil_from_days(to.days());
   std::int64_t n = (b.y - a.y) * 12 + (static_cast<std::int64_t>(b.m) - static_cast<std::int64_t>(a.m));
   // the largest n with from + n months <= to
   while (n > 0 && from.add_months(n) > to) --n;
   return n;
}

std::int64_t years_between(Date from, Date to)
{
   const std::int64_t months = months_between(from, to);
   return months >= 0 ? months / 12 : -((-months) / 12);
}

}  // namespace pol::interp
