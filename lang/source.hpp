// Source files and positions inside them.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pol::lang {

// A byte range in one source file.
struct Span {
   std::uint32_t file = 0;
   std::uint32_t begin = 0;
   std::uint32_t end = 0;
};

struct LineCol {
   std::uint32_t line = 1;    // 1-based
   std::uint32_t column = 1;  // 1-based, in characters (UTF-8 code points)
};

class SourceFile {
public:
   SourceFile(std::string path, std::string text);

   const std::string& path() const { return path_; }
   const std::string& text() const { return text_; }
   LineCol line_col(std::uint32_t offset) const;
   // The text of a 1-based line, without its line break.
   std::string_view line_text(std::uint32_t line) const;
   std::uint32_t line_count() const { return static_cast<std::uint32_t>(line_starts_.size()); }
   std::string_view slice(Span span) const;

private:
   std::string path_;
   std::string text_;
   std::vector<std::uint32_t> line_starts_;
};

// Where the first byte of s that is not valid UTF-8 is (an overlong form, a surrogate, a
// stray or missing continuation byte), or nullopt when s is valid UTF-8.
std::optional<std::size_t> invalid_utf8(std::string_view s);

// Reads a whole file; false if it cannot be read.
bool read_file(const std::string& path, std::string& out);

// Every file a compilation read; a Span's file is an index into it.
class SourceSet {
public:
   std::uint32_t add(std::string path, std::string text);
   const SourceFile& file(std::uint32_t id) const { return *files_.at(id); }
   std::size_t size() const { return files_.size(); }
   std::string describe(Span span) const;  // "path:line:col"

private:
   std::vector<std::unique_ptr<SourceFile>> files_;
};

}  // namespace pol::lang
