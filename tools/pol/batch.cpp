// pol batch POLICY --input FILE: one evaluation per JSONL line or CSV row, on all cores, streamed in
// chunks so memory stays flat; output is in input order, one line per input line.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <atomic>
#include <filesystem>
#include <future>
#include <fstream>
#include <iostream>
#include <thread>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "commands.hpp"

namespace pol::cli {

namespace {

enum class Data { jsonl, csv };

struct Totals {
   std::size_t records = 0, errors = 0, violations = 0;
};

// One input record: its first line in the file, and its text (a JSON line or a CSV row).
struct Record {
   std::size_t line = 0;
   std::string text;
};

// Splits one CSV row (RFC 4180: quoted fields, "" for a quote) into its fields.
std::vector<std::string> split_csv(std::string_view row)
{
   std::vector<std::string> fields(1);
   bool quoted = false;
   for (std::size_t i = 0; i < row.size(); ++i) {
      const char c = row[i];
      if (quoted) {
         if (c == '"' && i + 1 < row.size() && row[i + 1] == '"') {
            fields.back() += '"';
            ++i;
         } else if (c == '"') {
            quoted = false;
         } else {
            fields.back() += c;
         }
      } else if (c == '"') {
         quoted = true;
      } else if (c == ',') {
         fields.emplace_back();
      } else {
         fields.back() += c;
      }
   }
   return fields;
}

std::string csv_field(const std::string& s)
{
   if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
   std::string out = "\"";
   for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
   return out + "\"";
}

// A CSV row as the inputs it stands for: cells are read by the declared types, so "25000.00"
// stays exact; an empty cell is an absent input; lists and records are written as JSON.
std::optional<Inputs> csv_record(const std::vector<InputInfo>& info, const std::vector<std::string>& header, std::string_view row, std::string& error)
{
   const auto cells = split_csv(row);
   if (cells.size() != header.size()) {
      error = fmt::format("the row has {} cells, but the header has {} columns", cells.size(), header.size());
      return std::nullopt;
   }
   Inputs inputs;
   for (std::size_t i = 0; i < cells.size(); ++i) {
      if (cells[i].empty()) continue;
      auto it = std::find_if(info.begin(), info.end(), [&](const InputInfo& in) { return in.name == header[i]; });
      const InputShape shape = it == info.end() ? InputShape::scalar : it->shape;
      if (shape == InputShape::structured) {
         try {
            inputs.set_json(header[i], cells[i]);
         } catch (const std::invalid_argument& e) {
            error = fmt::format("column {} is not valid JSON", header[i]);
            return std::nullopt;
         }
      } else if (shape == InputShape::boolean && (cells[i] == "true" || cells[i] == "false")) {
         inputs.set_bool(header[i], cells[i] == "true");
      } else {
         inputs.set_text(header[i], cells[i]);
      }
   }
   return inputs;
}

// One thread's share of a batch: its own evaluator, reused record after record.
class Worker {
public:
   Worker(std::shared_ptr<const Policy> policy, const EvalOptions& options, Data in, Data out, const std::vector<std::string>& header)
      : policy_(policy), evaluator_(policy, options), inputs_(policy->inputs()), outputs_(policy->outputs()), options_(options), in_(in), out_(out), header_(header)
   {
   }

   // Appends the result line for one record (without its line end).
   void run(std::string_view text, std::size_t line, std::string& out, Totals& totals)
   {
      if (text.find_first_not_of(" \t") == std::string_view::npos) {
         return error(line, R"({"code":"R0002","message":"the line is blank: expected a record of inputs"})", out, totals);
      }
      if (in_ == Data::jsonl && out_ == Data::jsonl) {
         const auto outcome = evaluator_.evaluate_json(text, out);
         if (!outcome.ok) return error(line, outcome.error->json, out, totals);
         totals.violations += outcome.violations;
         return;
      }
      Result result;
      if (in_ == Data::jsonl) {
         result = policy_->evaluate_json(text, options_);
      } else {
         std::string problem;
         auto inputs = csv_record(inputs_, header_, text, problem);
         if (!inputs) return error(line, nlohmann::ordered_json{{"code", "R0003"}, {"message", problem}}.dump(), out, totals);
         result = policy_->evaluate(*inputs, options_);
      }
      if (!result.ok()) return error(line, result.errors.front().json, out, totals);
      totals.violations += result.violations.size();
      if (out_ == Data::jsonl) {
         out += result.json();
         return;
      }
      for (const auto& [name, json] : result.outputs) {
         std::string cell = json;
         if (json == "null") cell.clear();
         else if (!json.empty() && json.front() == '"') cell = nlohmann::json::parse(json).get<std::string>();
         out += csv_field(cell) + ",";
      }
      std::vector<std::string> messages;
      for (const auto& v : result.violations) messages.push_back(v.message);
      out += csv_field(fmt::format("{}", fmt::join(messages, "; "))) + ",";
   }

   std::string csv_header() const
   {
      std::string h;
      for (const auto& name : outputs_) h += csv_field(name) + ",";
      return h + "violations,error";
   }

private:
   void error(std::size_t line, const std::string& error_json, std::string& out, Totals& totals) const
   {
      ++totals.errors;
      if (out_ == Data::csv) {
         const auto e = nlohmann::json::parse(error_json);
         const std::string field = e.contains("field") ? fmt::format(" (field {})", e["field"].get<std::string>()) : "";
         out += std::string(outputs_.size() + 1, ',') + csv_field(fmt::format("line {}: {}{}", line, e["message"].get<std::string>(), field));
         return;
      }
      out += fmt::format("{{\"line\":{},\"error\":{}}}", line, error_json);
   }

   std::shared_ptr<const Policy> policy_;
   Evaluator evaluator_;
   std::vector<InputInfo> inputs_;
   std::vector<std::string> outputs_;
   const EvalOptions& options_;
   Data in_, out_;
   const std::vector<std::string>& header_;
};

Data format_of(const std::string& chosen, const std::string& path, Data fallback)
{
   if (chosen == "jsonl") return Data::jsonl;
   if (chosen == "csv") return Data::csv;
   if (path.ends_with(".csv")) return Data::csv;
   return fallback;
}

// A block of the input, cut into records: a JSON line, or a CSV row whose quoted fields may
// span lines. Each record has its first line's number and its text, without the line end (LF
// or CRLF); the input may start with a byte-order mark and end without a line end.
struct Chunk {
   std::string text;
   struct Span {
      std::size_t line, begin, size;
   };
   std::vector<Span> records;
   std::string_view record(std::size_t i) const { return std::string_view(text).substr(records[i].begin, records[i].size); }
};

class ChunkReader {
public:
   ChunkReader(std::istream& in, Data format) : in_(in), format_(format) {}

   // The next block of about `bytes`, cut at a record's end; empty at the end of the input.
   Chunk next(std::size_t bytes = 4 << 20)
   {
      Chunk c;
      c.text = std::move(rest_);
      rest_.clear();
      while (!eof_ && c.text.size() < bytes) {
         const std::size_t had = c.text.size();
         c.text.resize(had + bytes);
         in_.read(c.text.data() + had, static_cast<std::streamsize>(bytes));
         c.text.resize(had + static_cast<std::size_t>(in_.gcount()));
         if (!in_) eof_ = true;
      }
      if (first_ && c.text.starts_with("\xEF\xBB\xBF")) c.text.erase(0, 3);
      first_ = false;
      std::size_t begin = 0, line = line_;
      bool quoted = false;
      for (std::size_t i = 0; i < c.text.size(); ++i) {
         const char ch = c.text[i];
         if (ch == '"' && format_ == Data::csv) quoted = !quoted;
         if (ch != '\n') continue;
         ++line_;
         if (quoted) continue;  // a line end inside a quoted CSV field
         add(c, line, begin, i);
         begin = i + 1;
         line = line_;
      }
      if (eof_) {
         if (begin < c.text.size()) {  // a last record without a line end
            ++line_;
            add(c, line, begin, c.text.size());
         }
      } else {
         rest_ = c.text.substr(begin);
         line_ = line;
         c.text.resize(begin);
      }
      done_ += c.text.size();
      return c;
   }

   std::uintmax_t bytes_done() const { return done_; }

private:
   static void add(Chunk& c, std::size_t line, std::size_t begin, std::size_t end)
   {
      if (end > begin && c.text[end - 1] == '\r') --end;
      c.records.push_back({line + 1, begin, end - begin});
   }

   std::istream& in_;
   Data format_;
   std::string rest_;  // an unfinished record, carried to the next block
   std::size_t line_ = 0;  // lines before the next record
   bool eof_ = false, first_ = true;
   std::atomic<std::uintmax_t> done_ = 0;
};

// A progress line on stderr, when it is a terminal.
void show_progress(std::size_t records, double seconds, std::uintmax_t done, std::uintmax_t total)
{
   if (total > 0) {
      const double share = std::min(1.0, static_cast<double>(done) / static_cast<double>(total));
      const int width = 30, filled = static_cast<int>(share * width);
      std::cerr << fmt::format("\r[{}{}] {:3.0f}%  {} records  {:.0f}/s ", std::string(static_cast<std::size_t>(filled), '#'),
                               std::string(static_cast<std::size_t>(width - filled), '.'), share * 100, records, seconds > 0 ? static_cast<double>(records) / seconds : 0.0);
   } else {
      std::cerr << fmt::format("\r{} records  {:.0f}/s ", records, seconds > 0 ? static_cast<double>(records) / seconds : 0.0);
   }
}

}  // namespace

Runner add_batch(CLI::App& app)
{
   auto* cmd = app.add_subcommand("batch", "Evaluate a policy for every record of a JSONL or CSV file, in parallel, streaming in constant memory.\n"
                                           "Writes one result per input record, in input order: the outputs and violations, or {\"line\": N, \"error\": {…}} naming the field.\n"
                                           "CSV input has a header row of input names; CSV output has the outputs, then violations and error.\n"
                                           "A summary goes to stderr. Exit status: 0, or 1 with --fail-on-error when any line had an error; 2 on usage problems.");
   struct Options {
      std::string policy;
      std::string input = "-";
      std::string output = "-";
      std::string input_format;
      std::string output_format;
      std::string as_of;
      unsigned jobs = std::max(1u, std::thread::hardware_concurrency());
      bool fail_on_error = false;
      std::vector<std::string> path;
   };
   auto o = std::make_shared<Options>();
   cmd->add_option("policy", o->policy, "The policy file (.pol)")->required();
   cmd->add_option("--input,-i", o->input, "JSONL input, one JSON object of inputs per line, or - for standard input");
   cmd->add_option("--output,-o", o->output, "Where to write the JSONL results, or - for standard output");
   cmd->add_option("--input-format", o->input_format, "jsonl or csv; by default from the input's extension (.csv), else jsonl")->check(CLI::IsMember({"jsonl", "csv"}));
   cmd->add_option("--output-format", o->output_format, "jsonl or csv; by default from the output's extension, else as the input")->check(CLI::IsMember({"jsonl", "csv"}));
   cmd->add_option("--as-of", o->as_of, "The evaluation date (YYYY-MM-DD) for values by date; default: today");
   cmd->add_option("--jobs,-j", o->jobs, "Threads to evaluate with (default: all cores)")->check(CLI::Range(1u, 256u));
   cmd->add_flag("--fail-on-error", o->fail_on_error, "Exit with status 1 when any line had an error (for CI)");
   cmd->add_option("--path", o->path, "Extra folders to search for imported files");
   return [o] {
      if (!as_of_ok(o->as_of)) return exit_usage;
      EvalOptions options;
      if (!o->as_of.empty()) options.as_of = o->as_of;
      int status = exit_ok;
      const auto loaded = load_policy(o->policy, o->path, false, status);
      if (!loaded) return status;
      std::ifstream file_in;
      std::istream* in = &std::cin;
      if (o->input != "-") {
         file_in.open(o->input, std::ios::binary);
         if (!file_in) {
            std::cerr << fmt::format("error: cannot read the input file {}\n", o->input);
            return exit_usage;
         }
         in = &file_in;
      }
      std::ofstream file_out;
      std::ostream* out = &std::cout;
      if (o->output != "-") {
         file_out.open(o->output, std::ios::binary);
         if (!file_out) {
            std::cerr << fmt::format("error: cannot write {}\n", o->output);
            return exit_usage;
         }
         out = &file_out;
      }
      const Data in_format = format_of(o->input_format, o->input, Data::jsonl);
      const Data out_format = format_of(o->output_format, o->output, in_format);
      ChunkReader reader(*in, in_format);
      Chunk chunk = reader.next();
      std::size_t first = 0;
      std::vector<std::string> header;
      if (in_format == Data::csv) {
         if (chunk.records.empty()) {
            std::cerr << "error: the CSV input has no header row\n";
            return exit_usage;
         }
         header = split_csv(chunk.record(0));
         first = 1;
      }
      const unsigned jobs = o->jobs;
      std::vector<std::unique_ptr<Worker>> workers;
      for (unsigned j = 0; j < jobs; ++j) workers.push_back(std::make_unique<Worker>(loaded, options, in_format, out_format, header));
      if (out_format == Data::csv) *out << workers.front()->csv_header() << '\n';
      const bool progress = isatty(STDERR_FILENO) != 0;
      std::uintmax_t input_size = 0;
      if (progress && o->input != "-") {
         std::error_code ec;
         input_size = std::filesystem::file_size(o->input, ec);
      }
      const auto start = std::chrono::steady_clock::now();
      Totals totals;
      // Each thread writes its contiguous share of a chunk into its own buffer; the buffers are
      // written in order. Reading the next chunk and writing the last overlap with evaluating.
      std::vector<std::string> results(jobs), written(jobs);
      std::future<Chunk> reading = std::async(std::launch::async, [&] { return reader.next(); });
      std::future<void> writing;
      while (chunk.records.size() > first) {
         const std::size_t count = chunk.records.size() - first;
         std::vector<Totals> part(jobs);
         auto work = [&](unsigned j) {
            const std::size_t from = first + count * j / jobs, to = first + count * (j + 1) / jobs;
            std::string& buffer = results[j];
            buffer.clear();
            for (std::size_t i = from; i < to; ++i) {
               workers[j]->run(chunk.record(i), chunk.records[i].line, buffer, part[j]);
               buffer += '\n';
            }
         };
         std::vector<std::thread> threads;
         for (unsigned j = 1; j < jobs; ++j) threads.emplace_back(work, j);
         work(0);
         for (auto& t : threads) t.join();
         for (const auto& t : part) {
            totals.errors += t.errors;
            totals.violations += t.violations;
         }
         totals.records += count;
         if (writing.valid()) writing.get();
         std::swap(results, written);
         writing = std::async(std::launch::async, [&] {
            for (const auto& block : written) out->write(block.data(), static_cast<std::streamsize>(block.size()));
         });
         chunk = reading.get();
         first = 0;
         if (!chunk.records.empty()) reading = std::async(std::launch::async, [&] { return reader.next(); });
         if (progress) {
            show_progress(totals.records, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), reader.bytes_done(), input_size);
         }
      }
      if (writing.valid()) writing.get();
      if (reading.valid()) reading.get();
      if (progress) std::cerr << "\n";
      out->flush();
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::cerr << fmt::format("{} records, {} errors, {} violations in {:.2f} s ({:.0f} records/s)\n", totals.records, totals.errors, totals.violations, seconds,
                               seconds > 0 ? static_cast<double>(totals.records) / seconds : 0.0);
      return (o->fail_on_error && totals.errors > 0) ? exit_failed : exit_ok;
   };
}

}  // namespace pol::cli
