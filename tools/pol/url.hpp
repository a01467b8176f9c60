// Percent-decoding of URLs, for the service's paths and queries and the language server's URIs.
#pragma once

#include <cctype>
#include <string>
#include <string_view>

namespace pol::cli {

// %XX in a URL is the byte it stands for; in a query, '+' is a space.
inline std::string percent_decode(std::string_view s, bool plus_as_space = false)
{
   const auto hex = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; };
   const auto value = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
   std::string out;
   for (std::size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) && hex(s[i + 2])) {
         out += static_cast<char>(value(s[i + 1]) * 16 + value(s[i + 2]));
         i += 2;
      } else {
         out += plus_as_space && s[i] == '+' ? ' ' : s[i];
      }
   }
   return out;
}

}  // namespace pol::cli
