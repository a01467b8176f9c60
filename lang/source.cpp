#include "source.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace pol::lang {

SourceFile::SourceFile(std::string path, std::string text)
   : path_(std::move(path)), text_(std::move(text))
{
   line_starts_.push_back(0);
   for (std::uint32_t i = 0; i < text_.size(); ++i) {
      if (text_[i] == '\n') line_starts_.push_back(i + 1);
   }
}

LineCol SourceFile::line_col(std::uint32_t offset) const
{
   offset = std::min<std::uint32_t>(offset, static_cast<std::uint32_t>(text_.size()));
   auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
   const auto line = static_cast<std::uint32_t>(it - line_starts_.begin());
   std::uint32_t column = 1;
   for (std::uint32_t i = line_starts_[line - 1]; i < offset; ++i) {
      // count code points: skip UTF-8 continuation bytes
      if ((static_cast<unsigned char>(text_[i]) & 0xC0) != 0x80) ++column;
   }
   return {line, column};
}

std::string_view SourceFile::line_text(std::uint32_t line) const
{
   if (line == 0 || line > line_starts_.size()) return {};
   const std::uint32_t begin = line_starts_[line - 1];
   std::uint32_t end = line < line_starts_.size() ? line_starts_[line] : static_cast<std::uint32_t>(text_.size());
   while (end > begin && (text_[end - 1] == '\n' || text_[end - 1] == '\r')) --end;
   return std::string_view(text_).substr(begin, end - begin);
}

std::string_view SourceFile::slice(Span span) const
{
   const auto end = std::min<std::size_t>(span.end, text_.size());
   const auto begin = std::min<std::size_t>(span.begin, end);
   return std::string_view(text_).substr(begin, end - begin);
}

std::optional<std::size_t> invalid_utf8(std::string_view s)
{
   std::size_t i = 0;
   while (i < s.size()) {
      const auto c = static_cast<unsigned char>(s[i]);
      if (c < 0x80) {
         ++i;
         continue;
      }
      // the length of the sequence, and the range its second byte must be in (RFC 3629)
      std::size_t length = 0;
      unsigned char low = 0x80, high = 0xBF;
      if (c >= 0xC2 && c <= 0xDF) length = 2;
      else if (c >= 0xE0 && c <= 0xEF) length = 3, low = c == 0xE0 ? 0xA0 : 0x80, high = c == 0xED ? 0x9F : 0xBF;
      else if (c >= 0xF0 && c <= 0xF4) length = 4, low = c == 0xF0 ? 0x90 : 0x80, high = c == 0xF4 ? 0x8F : 0xBF;
      else return i;
      if (i + length > s.size()) return i;
      for (std::size_t k = 1; k < length; ++k) {
         const auto b = static_cast<unsigned char>(s[i + k]);
         if (b < (k == 1 ? low : 0x80) || b > (k == 1 ? high : 0xBF)) return i;
      }
      i += length;
   }
   return std::nullopt;
}

bool read_file(const std::string& path, std::string& out)
{
   std::error_code ec;
   if (std::filesystem::is_directory(path, ec)) return false;  // opens, but reads as nothing
   std::ifstream in(path, std::ios::binary);
   if (!in) return false;
   std::ostringstream text;
   text << in.rdbuf();
   if (in.bad()) return false;
   out = text.str();
   return true;
}

std::uint32_t SourceSet::add(std::string path, std::string text)
{
   files_.push_back(std::make_unique<SourceFile>(std::move(path), std::move(text)));
   return static_cast<std::uint32_t>(files_.size() - 1);
}

std::string SourceSet::describe(Span span) const
{
   if (span.file >= files_.size()) return "<unknown>";
   const auto& f = *files_[span.file];
   const auto lc = f.line_col(span.begin);
   return fmt::format("{}:{}:{}", f.path(), lc.line, lc.column);
}

}  // namespace pol::lang
