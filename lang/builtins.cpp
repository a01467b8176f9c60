#include "builtins.hpp"

#include <algorithm>
#include <array>

namespace pol::lang {

namespace {
constexpr std::array table{
   BuiltinInfo{Builtin::round, "round", 2, 3, "round(x, places | increment, mode = half_up)",
               "x rounded to a number of decimal places (an int) or to a multiple of an increment (£0.01, 0.5, 1 hour)"},
   BuiltinInfo{Builtin::floor, "floor", 1, 1, "floor(x)", "the largest whole number (or whole pounds) not above x"},
   BuiltinInfo{Builtin::ceiling, "ceiling", 1, 1, "ceiling(x)", "the smallest whole number (or whole pounds) not below x"},
   BuiltinInfo{Builtin::min, "min", 1, -1, "min(a, b, …) or min(list)", "the smallest value"},
   BuiltinInfo{Builtin::max, "max", 1, -1, "max(a, b, …) or max(list)", "the largest value"},
   BuiltinInfo{Builtin::clamp, "clamp", 3, 3, "clamp(x, low, high)", "x, but no less than low and no more than high"},
   BuiltinInfo{Builtin::abs, "abs", 1, 1, "abs(x)", "x without its sign"},
   BuiltinInfo{Builtin::sum, "sum", 1, 2, "sum(list) or sum(list, x => value)", "the total of a list"},
   BuiltinInfo{Builtin::count, "count", 1, 2, "count(list) or count(list, x => condition)", "how many items (that meet the condition)"},
   BuiltinInfo{Builtin::all, "all", 1, 2, "all(list, x => condition)", "true when every item meets the condition (true for an empty list)"},
   BuiltinInfo{Builtin::any, "any", 1, 2, "any(list, x => condition)", "true when some item meets the condition"},
   BuiltinInfo{Builtin::filter, "filter", 2, 2, "filter(list, x => condition)", "the items that meet the condition, in order"},
   BuiltinInfo{Builtin::map, "map", 2, 2, "map(list, x => value)", "a value for each item, in order"},
   BuiltinInfo{Builtin::add_years, "add_years", 2, 2, "add_years(date, int)", "the same day n years later; 29 February becomes 28 February in a non-leap year"},
   BuiltinInfo{Builtin::add_months, "add_months", 2, 2, "add_months(date, int)", "the same day n months later, or the month's last day when it is shorter"},
   BuiltinInfo{Builtin::add_days, "add_days", 2, 2, "add_days(date, int)", "the date n days later"},
   BuiltinInfo{Builtin::days_between, "days_between", 2, 2, "days_between(from, to)", "the number of days from one date to another (negative when to is earlier)"},
   BuiltinInfo{Builtin::years_between, "years_between", 2, 2, "years_between(from, to)", "completed years from one date to another"},
   BuiltinInfo{Builtin::months_between, "months_between", 2, 2, "months_between(from, to)", "completed months from one date to another"},
   BuiltinInfo{Builtin::age_on, "age_on", 2, 2, "age_on(date_of_birth, date)", "age in completed years on a date"},
   BuiltinInfo{Builtin::make_date, "date", 3, 3, "date(year, month, day)", "the date with these parts; an invalid date is an error"},
   BuiltinInfo{Builtin::year, "year", 1, 1, "year(date)", "the year of a date"},
   BuiltinInfo{Builtin::month, "month", 1, 1, "month(date)", "the month of a date, 1 to 12"},
   BuiltinInfo{Builtin::day, "day", 1, 1, "day(date)", "the day of the month of a date"},
   BuiltinInfo{Builtin::is_leap_year, "is_leap_year", 1, 1, "is_leap_year(int)", "true for a leap year"},
   BuiltinInfo{Builtin::to_decimal, "decimal", 1, 1, "decimal(x)", "a number or amount of money as a plain decimal"},
   BuiltinInfo{Builtin::to_money, "money", 1, 1, "money(x)", "a number as an amount of money in pounds"},
   BuiltinInfo{Builtin::to_int, "int", 1, 1, "int(x)", "a whole decimal as an int; a fraction is an error (round first)"},
   BuiltinInfo{Builtin::fail, "fail", 1, 1, "fail(message)", "stops the evaluation with an error carrying the message"},
   BuiltinInfo{Builtin::trim, "trim", 1, 1, "trim(text)", "the text without white space at either end"},
   BuiltinInfo{Builtin::range, "range", 2, 3, "range(first, last) or range(first_date, last_date, step)",
               "the ints from first to last, both included; or the dates from the first, a step (1 day, 1 month, 1 year…) at a time, up to the last"},
   BuiltinInfo{Builtin::first, "first", 1, 1, "first(list)", "the first item, or none when the list is empty"},
   BuiltinInfo{Builtin::last, "last", 1, 1, "last(list)", "the last item, or none when the list is empty"},
   BuiltinInfo{Builtin::at, "at", 2, 2, "at(list, n)", "the n-th item, counting from 1, or none when there is none"},
   BuiltinInfo{Builtin::take, "take", 2, 2, "take(list, n)", "the first n items (all of them when there are fewer)"},
   BuiltinInfo{Builtin::drop, "drop", 2, 2, "drop(list, n)", "the items after the first n"},
   BuiltinInfo{Builtin::sort, "sort", 1, 1, "sort(list)", "the items, smallest first (numbers, money, dates, durations, text)"},
   BuiltinInfo{Builtin::sort_by, "sort_by", 2, 2, "sort_by(list, x => key)", "the items in the order of their keys, smallest first; equal keys keep their order"},
   BuiltinInfo{Builtin::distinct, "distinct", 1, 1, "distinct(list)", "the items without repeats, each where it first stands"},
   BuiltinInfo{Builtin::label, "label", 1, 1, "label(enum value)", "the value's label, as the enum declares it (VE \"Voluntary Exit\"), or its name when it has none"},
};
}  // namespace

std::span<const BuiltinInfo> builtins() { return table; }

const BuiltinInfo* find_builtin(std::string_view name)
{
   auto it = std::find_if(table.begin(), table.end(), [&](const BuiltinInfo& b) { return b.name == name; });
   return it == table.end() ? nullptr : &*it;
}

const BuiltinInfo& builtin_info(Builtin id) { return table[static_cast<std::size_t>(id)]; }

}  // namespace pol::lang
