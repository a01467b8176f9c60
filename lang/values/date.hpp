// Calendar dates as days since 1970-01-01 in the proleptic Gregorian calendar.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pol::interp {

class Date {
public:
   Date() = default;
   static std::optional<Date> from_civil(int year, int month, int day);  // nullopt if no such day
   static std::optional<Date> parse(std::string_view iso);               // "YYYY-MM-DD"
   static Date from_days(std::int32_t days) { Date d; d.days_ = days; return d; }

   std::int32_t days() const { return days_; }
   int year() const;
   int month() const;
   int day() const;
   struct Parts {
      int year, month, day;
   };
   Parts parts() const;  // the year, month and day, found at once
   std::string to_string() const;  // "YYYY-MM-DD"

   // The same day n months later; the month's last day when that day does not exist
   // (31 January + 1 month is 28 or 29 February).
   Date add_months(std::int64_t months) const;
   // n years later; 29 February becomes 28 February in a non-leap year.
   Date add_years(std::int64_t years) const;
   Date add_days(std::int64_t days) const;

   auto operator<=>(const Date&) const = default;

private:
   std::int32_t days_ = 0;
};

// The current day, by the system clock (UTC).
Date today();

bool is_leap_year(std::int64_t year);
int days_in_month(std::int64_t year, int month);
// Completed whole months from `from` to `to` (negative when `to` is earlier).
std::int64_t months_between(Date from, Date to);
// Completed whole years from `from` to `to`: the age on `to` of someone born on `from`.
std::int64_t years_between(Date from, Date to);

struct DateRangeError {
   std::string message;
};

inline Date Date::add_years(std::int64_t years) const
{
   std::int64_t months;
   if (__builtin_mul_overflow(years, 12, &months)) throw DateRangeError{"the date moves outside the years 0001 to 9999"};
   return add_months(months);
}

}  // namespace pol::interp
