// Resolves every name across the policy and its imports, checks types, and finds cycles,
// wrong arities and unused values. Every problem is reported; checking never stops early.
#pragma once

#include "diagnostics.hpp"
#include "program.hpp"

namespace pol::lang {

void check_program(Program& program, Diagnostics& diagnostics);

}  // namespace pol::lang
