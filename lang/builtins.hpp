// The built-in functions, in one table: the checker reads names, arities and signatures
// from it; the interpreter implements each entry by its id.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace pol::lang {

enum class Builtin : std::uint8_t {
   round, floor, ceiling, min, max, clamp, abs,
   sum, count, all, any, filter, map,
   add_years, add_months, add_days, days_between, years_between, months_between, age_on,
   make_date, year, month, day, is_leap_year,
   to_decimal, to_money, to_int, fail, trim, label,
   range, first, last, at, take, drop, sort, sort_by, distinct,
};

struct BuiltinInfo {
   Builtin id;
   std::string_view name;
   int min_args;
   int max_args;  // -1: any number
   std::string_view signature;
   std::string_view summary;
};

std::span<const BuiltinInfo> builtins();
const BuiltinInfo* find_builtin(std::string_view name);
const BuiltinInfo& builtin_info(Builtin id);

// The rounding modes, a built-in enum: round(x, £0.01, half_up).
enum class RoundingMode : std::uint8_t { half_up, half_even, half_down, down, up, floor, ceiling };
inline constexpr std::string_view rounding_mode_names[] = {"half_up", "half_even", "half_down", "down", "up", "floor", "ceiling"};

}  // namespace pol::lang
