// The standard library modules, written in pol and embedded at build time.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace pol::stdlib {

std::optional<std::string_view> find(std::string_view module);
std::vector<std::string_view> names();

}  // namespace pol::stdlib
