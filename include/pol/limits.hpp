// The budgets of one evaluation. Each is generous for real policies and bounds mistaken or
// hostile ones: past a budget the evaluation stops with an error that names it (R0701 to R0704)
// and the option that raises it. docs/language.md, "Limits and budgets", explains them.
#pragma once

#include <cstddef>
#include <cstdint>

namespace pol {

struct Limits {
   std::uint64_t steps = 10'000'000;  // expressions evaluated (R0701); also the bound of pol check (E0602)
   std::size_t text = 1 << 20;        // bytes of one text value (R0702)
   std::size_t list = 100'000;        // items of one list (R0703)
   std::size_t digits = 1'000;        // digits of one number, numerator and denominator together (R0704)
};

}  // namespace pol
