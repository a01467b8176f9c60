// The time now as text, for logs and for "today".
#pragma once

#include <ctime>
#include <string>

namespace pol::cli {

// strftime's `format` of the time now, in UTC or in local time.
inline std::string clock_text(const char* format, bool utc)
{
   const std::time_t now = std::time(nullptr);
   std::tm tm{};
   if (utc) gmtime_r(&now, &tm);
   else localtime_r(&now, &tm);
   char text[64];
   return std::string(text, std::strftime(text, sizeof text, format, &tm));
}

}  // namespace pol::cli
