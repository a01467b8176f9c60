// Money outputs that may not be a whole number of pence, found before any evaluation.
#pragma once

#include "diagnostics.hpp"
#include "program.hpp"

namespace pol::lang {

// Warns (W0406) for each money output whose value can come from an operation that leaves a
// fraction of a penny, with no `round` between: a division, money times a number that may have a
// fraction, money(x) of such a number. Evaluation would stop with R0301 for some inputs. Inputs
// are taken to be whole pence, as data is; so are record fields and values of unknown origin,
// so that the warning is only given where the policy itself makes the fraction.
void check_whole_pence(const Program& program, Diagnostics& diagnostics);

}  // namespace pol::lang
