// The streaming part of pol batch: the input read in blocks cut at record ends, blocks
// evaluated on every thread, and the results written in input order, in constant memory.
#pragma once

#include <sys/uio.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pol::cli {

enum class Data { jsonl, csv };

struct Totals {
   std::size_t records = 0, written = 0, errors = 0, violations = 0;  // records read, results written
   void add(const Totals& t)
   {
      records += t.records;
      written += t.written;
      errors += t.errors;
      violations += t.violations;
   }
};

// A block of the input, whole records only, and what evaluating them wrote. Blocks are side by
// side and written by different threads record after record: each has its own cache lines.
struct alignas(128) Block {
   std::unique_ptr<char[]> buffer;
   std::size_t capacity = 0, begin = 0, end = 0;  // the text is buffer[begin, end)
   std::string out;
   // Result text can name its record's line before the lines of earlier blocks are counted:
   // it marks the place and the line within this block, and the writer puts the number in.
   struct LineMark {
      std::size_t at, line;
   };
   std::vector<LineMark> marks;
   std::size_t lines = 0;  // line ends in the text
   Totals totals;

   std::string_view text() const { return {buffer.get() + begin, end - begin}; }
   void mark_line(std::size_t line) { marks.push_back({out.size(), line}); }
};

// Where the record that starts at `start` ends: the index of its line end (LF), or text.size()
// when the text is the rest of the input (`at_end`) and has no more line ends; nullopt when more
// input is needed to tell. A JSON record is a line. A CSV record is a row, whose quoted fields may
// span lines; but a quote still open after `max_record` bytes, or at the end of the input, is
// taken to be unterminated: the record is then its first line, which split_csv finds open.
inline std::optional<std::size_t> record_end_at(std::string_view text, std::size_t start, Data format, std::size_t max_record, bool at_end)
{
   const auto first_line_end = [&]() -> std::optional<std::size_t> {
      const auto nl = text.find('\n', start);
      if (nl != std::string_view::npos) return nl;
      if (at_end) return text.size();
      return std::nullopt;
   };
   if (format == Data::jsonl) return first_line_end();
   bool quoted = false;
   for (std::size_t i = start; i < text.size(); ++i) {
      if (text[i] == '"') quoted = !quoted;
      else if (text[i] == '\n' && !quoted) return i;
      if (quoted && i - start > max_record) return first_line_end();
   }
   if (!at_end) return std::nullopt;
   return quoted ? first_line_end() : text.size();
}

// Calls f(record, line) for each record of a block's text (whole records, as BlockReader cuts
// them), in order, `line` counting from 0 within the block. Records come without their line end
// (LF or CRLF); the last may have none. Returns the line ends seen.
template <class F>
std::size_t for_each_record(std::string_view text, Data format, std::size_t max_record, F&& f)
{
   std::size_t line = 0, pos = 0;
   while (pos < text.size()) {
      const std::size_t end = *record_end_at(text, pos, format, max_record, true);
      std::string_view record = text.substr(pos, end - pos);
      if (!record.empty() && record.back() == '\r') record.remove_suffix(1);
      f(record, line);
      if (format == Data::csv) line += static_cast<std::size_t>(std::count(record.begin(), record.end(), '\n'));
      if (end == text.size()) break;
      ++line;
      pos = end + 1;
   }
   return line;
}

// The format --input-format chose, else by the file's extension, else `fallback`.
Data format_of(const std::string& chosen, const std::string& path, Data fallback);

// The longest record read by default (pol batch --max-record): 1 MiB.
inline constexpr std::size_t default_max_record = std::size_t{1} << 20;

// How a CSV row was split: whole, or with a problem that makes it an error.
enum class Row { ok, open_quote, lone_cr };

// Splits one CSV row (RFC 4180: quoted fields, "" for a quote) into its fields: into `fields`,
// reusing their storage from row to row, `count` of them; or as a new list.
Row split_csv(std::string_view row, std::vector<std::string>& fields, std::size_t& count);
std::vector<std::string> split_csv(std::string_view row);

// Reads a file descriptor in blocks of about `block_bytes`, each cut at a record's end (a
// longer record gets a block of its own). Of a line longer than `max_record` bytes it keeps
// only the first max_record + 1, which mark the record as too long, so memory stays bounded.
// Drops a byte-order mark. Not thread-safe. Errors name the input by `name` ("the input file pay.csv").
class BlockReader {
public:
   BlockReader(int fd, std::string name, Data format, std::size_t block_bytes, std::size_t max_record)
      : fd_(fd), name_(std::move(name)), format_(format), block_bytes_(block_bytes), max_record_(max_record)
   {
   }

   // The next block into b; false at the end of the input. Throws std::system_error.
   bool next(Block& b);
   // Takes the first record (a CSV header) off the input, and its line ends; nullopt if empty.
   std::optional<std::string> first_record(std::size_t& lines);
   std::size_t bytes_read() const { return bytes_read_; }  // may be asked from any thread

private:
   std::size_t read_some(char* to, std::size_t room);  // one read; sets eof_ at the end
   bool more_ready() const;  // whether a read would not wait
   std::size_t record_end(std::string_view text) const;  // after the last whole record, or 0
   std::size_t drop_long_line(char* buffer, std::size_t capacity);  // to the line end; the new size

   int fd_;
   std::string name_;
   Data format_;
   std::size_t block_bytes_, max_record_;
   std::string carry_;  // the start of a record cut by the previous block
   bool eof_ = false, first_ = true;
   std::atomic<std::size_t> bytes_read_ = 0;
};

// Writes blocks' results to a file descriptor, in order, putting in the line numbers. Errors
// name where the results go by `name`.
class BlockWriter {
public:
   BlockWriter(int fd, std::string name, std::size_t first_line = 0) : fd_(fd), name_(std::move(name)), lines_(first_line) {}
   virtual ~BlockWriter() = default;
   virtual void write(const Block& b);  // throws std::system_error; others may take blocks in order otherwise
   void write(std::string_view text);

private:
   void write(std::vector<iovec>& pieces);  // all of them, in order

   int fd_;
   std::string name_;
   std::size_t lines_;  // line ends before the next block
   std::string numbers_;          // a block's line numbers, one after another
   std::vector<iovec> pieces_;    // a block's text between its line numbers, and the numbers
};

// Evaluates every block of the reader on `jobs` threads, each calling process(block, job) to
// fill block.out, and writes them in input order. At most `jobs` * 2 + 1 blocks are held at
// once. after_write(totals so far) runs after each block is written. Rethrows the first error
// of any thread (reading, processing or writing), after the others stop.
Totals run_blocks(BlockReader& reader, BlockWriter& writer, unsigned jobs, const std::function<void(Block&, unsigned)>& process,
                  const std::function<void(const Totals&)>& after_write);

}  // namespace pol::cli
