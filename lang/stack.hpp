// Deep work on a stack of its own. The passes over a policy recurse as deep as its expressions
// and values nest; the limits of cost.hpp bound that depth, and these make sure it always fits,
// whatever stack the caller's thread has (and under the sanitizers, whose frames are larger).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

namespace pol::lang {

// Runs `work` on a new thread with a stack of `bytes` (reserved, used only as far as reached) and
// waits for it. Exceptions pass through to the caller. If no thread can be made, runs it here.
void on_large_stack(const std::function<void()>& work, std::size_t bytes = std::size_t{1} << 28);

// The address below which the current thread's stack has less than `margin` bytes left; 0 if
// unknown. Frames grow down: compare with __builtin_frame_address(0).
std::uintptr_t stack_floor(std::size_t margin = std::size_t{256} << 10);

}  // namespace pol::lang
