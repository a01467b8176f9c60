#include "batch_stream.hpp"

#include <limits.h>
#include <poll.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>

namespace pol::cli {

// Splits one CSV row (RFC 4180: quoted fields, "" for a quote) into its fields, reusing their
// storage from row to row.
Row split_csv(std::string_view row, std::vector<std::string>& fields, std::size_t& count)
{
   count = 1;
   const auto field = [&]() -> std::string& {
      if (fields.size() < count) fields.emplace_back();
      return fields[count - 1];
   };
   field().clear();
   bool quoted = false, lone_cr = false;
   for (std::size_t i = 0; i < row.size(); ++i) {
      const char c = row[i];
      if (quoted) {
         if (c == '"' && i + 1 < row.size() && row[i + 1] == '"') {
            field() += '"';
            ++i;
         } else if (c == '"') {
            quoted = false;
         } else {
            field() += c;
         }
      } else if (c == '"') {
         quoted = true;
      } else if (c == ',') {
         ++count;
         field().clear();
      } else {
         // outside quotes a CR only ends a line, with the LF after it
         lone_cr |= c == '\r' && (i + 1 == row.size() || row[i + 1] != '\n');
         field() += c;
      }
   }
   return quoted ? Row::open_quote : lone_cr ? Row::lone_cr : Row::ok;
}

std::vector<std::string> split_csv(std::string_view row)
{
   std::vector<std::string> fields;
   std::size_t count = 0;
   split_csv(row, fields, count);
   fields.resize(count);
   return fields;
}

Data format_of(const std::string& chosen, const std::string& path, Data fallback)
{
   if (chosen == "jsonl") return Data::jsonl;
   if (chosen == "csv") return Data::csv;
   if (path.ends_with(".csv")) return Data::csv;
   if (path.ends_with(".jsonl") || path.ends_with(".ndjson")) return Data::jsonl;
   return fallback;
}

std::size_t BlockReader::read_some(char* to, std::size_t room)
{
   for (;;) {
      const ssize_t n = ::read(fd_, to, room);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw std::system_error(errno, std::generic_category(), "cannot read " + name_);
      if (n == 0) eof_ = true;
      bytes_read_ += static_cast<std::size_t>(n);
      return static_cast<std::size_t>(n);
   }
}

bool BlockReader::more_ready() const
{
   pollfd p{fd_, POLLIN, 0};
   return ::poll(&p, 1, 0) > 0;  // a file always is; a pipe when something is waiting in it
}

std::size_t BlockReader::record_end(std::string_view text) const
{
   if (format_ == Data::jsonl) {
      const auto nl = text.rfind('\n');
      return nl == std::string_view::npos ? 0 : nl + 1;
   }
   // CSV: the end of the last whole row, which only a scan from the start can tell
   std::size_t end = 0;
   while (end < text.size()) {
      const auto row_end = record_end_at(text, end, format_, max_record_, eof_);
      if (!row_end || *row_end == text.size()) break;
      end = *row_end + 1;
   }
   return end;
}

std::size_t BlockReader::drop_long_line(char* buffer, std::size_t capacity)
{
   std::size_t size = max_record_ + 1;
   for (;;) {
      const std::size_t n = read_some(buffer + size, capacity - size);
      if (const void* nl = std::memchr(buffer + size, '\n', n)) {
         const std::size_t rest = static_cast<std::size_t>(buffer + size + n - static_cast<const char*>(nl));
         std::memmove(buffer + max_record_ + 1, nl, rest);
         return max_record_ + 1 + rest;
      }
      if (eof_) return size;
   }
}

bool BlockReader::next(Block& b)
{
   if (eof_ && carry_.empty()) return false;
   if (b.capacity < block_bytes_ + carry_.size()) {
      b.capacity = block_bytes_ + carry_.size();
      b.buffer = std::make_unique_for_overwrite<char[]>(b.capacity);
   }
   std::size_t size = carry_.size();
   std::memcpy(b.buffer.get(), carry_.data(), size);
   carry_.clear();
   // Fill the block; but when the input is a pipe with nothing more waiting, evaluate what has
   // come (whole records) at once, so a program feeding records one by one gets its answers;
   // that includes records that came with the header.
   std::size_t cut = size > 0 && !eof_ && !more_ready() ? record_end({b.buffer.get(), size}) : 0;
   while (cut == 0) {
      size += read_some(b.buffer.get() + size, b.capacity - size);
      if (eof_) {
         cut = size;
         break;
      }
      if (size < b.capacity && more_ready()) continue;
      cut = record_end({b.buffer.get(), size});
      if (cut > 0) break;
      if (size < b.capacity) continue;
      const std::string_view text(b.buffer.get(), size);
      if (size > max_record_ + 1 && text.find('\n') == std::string_view::npos) {
         size = drop_long_line(b.buffer.get(), b.capacity);  // the record is an error: keep what says so
         cut = eof_ ? size : record_end({b.buffer.get(), size});
         continue;
      }
      // one record longer than the block: grow it, keeping what was read
      auto bigger = std::make_unique_for_overwrite<char[]>(b.capacity * 2);
      std::memcpy(bigger.get(), b.buffer.get(), size);
      b.buffer = std::move(bigger);
      b.capacity *= 2;
   }
   carry_.assign(b.buffer.get() + cut, size - cut);
   b.begin = 0;
   b.end = cut;
   if (first_) {
      first_ = false;
      if (b.text().starts_with("\xEF\xBB\xBF")) b.begin = 3;
   }
   return b.end > b.begin;
}

std::optional<std::string> BlockReader::first_record(std::size_t& lines)
{
   Block b;
   if (!next(b)) return std::nullopt;
   std::optional<std::string> first;
   std::optional<std::size_t> second;  // where the second record starts, and its line
   const std::size_t all_lines = for_each_record(b.text(), format_, max_record_, [&](std::string_view record, std::size_t line) {
      if (!first) {
         first = std::string(record);
      } else if (!second) {
         second = static_cast<std::size_t>(record.data() - b.buffer.get());
         lines = line;
      }
   });
   if (!second) lines = all_lines;
   const std::size_t rest = second.value_or(b.end);
   carry_.insert(0, b.buffer.get() + rest, b.end - rest);
   return first;
}

void BlockWriter::write(std::string_view text)
{
   while (!text.empty()) {
      const ssize_t n = ::write(fd_, text.data(), text.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw std::system_error(errno, std::generic_category(), "cannot write the results to " + name_);
      text.remove_prefix(static_cast<std::size_t>(n));
   }
}

void BlockWriter::write(const Block& b)
{
   if (b.marks.empty()) {
      write(b.out);
   } else {
      // records with errors name their line: the numbers go between the pieces of the block's
      // text, written together (writev), not copied in with them
      constexpr std::size_t digits = 20;  // the most a 64-bit count takes
      numbers_.clear();
      numbers_.reserve(b.marks.size() * digits);  // room for all: the pieces point into it
      pieces_.clear();
      std::size_t from = 0;
      for (const auto& m : b.marks) {
         pieces_.push_back({const_cast<char*>(b.out.data() + from), m.at - from});
         char number[digits];
         const std::size_t length = static_cast<std::size_t>(std::to_chars(number, number + digits, lines_ + m.line + 1).ptr - number);
         pieces_.push_back({numbers_.data() + numbers_.size(), length});
         numbers_.append(number, length);
         from = m.at;
      }
      pieces_.push_back({const_cast<char*>(b.out.data() + from), b.out.size() - from});
      write(pieces_);
   }
   lines_ += b.lines;
}

void BlockWriter::write(std::vector<iovec>& pieces)
{
   std::size_t next = 0;
   while (next < pieces.size()) {
      const int count = static_cast<int>(std::min<std::size_t>(pieces.size() - next, IOV_MAX));
      ssize_t n = ::writev(fd_, pieces.data() + next, count);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw std::system_error(errno, std::generic_category(), "cannot write the results to " + name_);
      // past the pieces written whole, and into the one written in part
      while (next < pieces.size() && static_cast<std::size_t>(n) >= pieces[next].iov_len) n -= static_cast<ssize_t>(pieces[next++].iov_len);
      if (next < pieces.size()) {
         pieces[next].iov_base = static_cast<char*>(pieces[next].iov_base) + n;
         pieces[next].iov_len -= static_cast<std::size_t>(n);
      }
   }
}

Totals run_blocks(BlockReader& reader, BlockWriter& writer, unsigned jobs, const std::function<void(Block&, unsigned)>& process,
                  const std::function<void(const Totals&)>& after_write)
{
   enum class State { free, busy, done };
   std::vector<Block> blocks(jobs * 2 + 1);
   std::vector<State> state(blocks.size(), State::free);
   std::size_t next_read = 0, next_write = 0;
   bool writing = false, stop = false;
   std::exception_ptr failure;
   Totals totals;
   std::mutex read_mutex, mutex;  // the reader; and the states, counters and failure
   std::condition_variable freed;

   const auto fail = [&](std::exception_ptr e) {
      std::lock_guard lock(mutex);
      if (!failure) failure = e;
      stop = true;
      freed.notify_all();
   };
   // Writes every finished block that is next in order; only one thread writes at a time.
   const auto write_ready = [&](std::unique_lock<std::mutex>& lock) {
      if (writing) return;  // the thread that is writing will take it
      writing = true;
      while (!stop && state[next_write % blocks.size()] == State::done) {
         Block& b = blocks[next_write % blocks.size()];
         lock.unlock();
         try {
            writer.write(b);
         } catch (...) {
            lock.lock();
            writing = false;
            lock.unlock();
            throw;
         }
         lock.lock();
         totals.add(b.totals);
         state[next_write % blocks.size()] = State::free;
         ++next_write;
         freed.notify_all();
         if (after_write) after_write(totals);
      }
      writing = false;
   };
   const auto work = [&](unsigned job) {
      try {
         for (;;) {
            Block* b = nullptr;
            {
               std::lock_guard read_lock(read_mutex);
               std::size_t slot;
               {
                  std::unique_lock lock(mutex);
                  freed.wait(lock, [&] { return stop || state[next_read % blocks.size()] == State::free; });
                  if (stop) return;
                  slot = next_read % blocks.size();
               }
               b = &blocks[slot];
               if (!reader.next(*b)) return;
               std::lock_guard lock(mutex);
               state[slot] = State::busy;
               ++next_read;
            }
            b->out.clear();
            b->marks.clear();
            b->totals = {};
            process(*b, job);
            std::unique_lock lock(mutex);
            state[static_cast<std::size_t>(b - blocks.data())] = State::done;
            write_ready(lock);
         }
      } catch (...) {
         fail(std::current_exception());
      }
   };
   std::vector<std::thread> threads;
   for (unsigned j = 1; j < jobs; ++j) threads.emplace_back(work, j);
   work(0);
   for (auto& t : threads) t.join();
   if (failure) std::rethrow_exception(failure);
   return totals;
}

}  // namespace pol::cli
