// pol batch POLICY --input FILE: one evaluation per JSONL line or CSV row, on all cores, streamed in
// chunks so memory stays flat; output is in input order, one line per input line.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <thread>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "batch_stream.hpp"
#include "commands.hpp"
#include "record_errors.hpp"

namespace pol::cli {

namespace {

// Appends s as a CSV field: quoted when it holds a comma, quote or line end.
void append_csv_field(std::string& out, std::string_view s)
{
   if (s.find_first_of(",\"\n\r") == std::string_view::npos) {
      out += s;
      return;
   }
   out += '"';
   for (const char c : s) {
      if (c == '"') out += '"';
      out += c;
   }
   out += '"';
}

std::string csv_field(std::string_view s)
{
   std::string out;
   append_csv_field(out, s);
   return out;
}

// A cell for an output's JSON text: strings without their quotes, null as nothing, lists and
// records as their JSON.
void append_cell(std::string& out, std::string_view json)
{
   if (json == "null") return;
   if (json.empty() || json.front() != '"') return append_csv_field(out, json);
   append_csv_field(out, json.find('\\') == std::string_view::npos ? std::string(json.substr(1, json.size() - 2)) : nlohmann::json::parse(json).get<std::string>());
}

void append_violations(std::string& out, const std::vector<Violation>& violations)
{
   std::vector<std::string> messages;
   for (const auto& v : violations) messages.push_back(v.message);
   append_csv_field(out, fmt::format("{}", fmt::join(messages, "; ")));
}

// The CSV header's columns, or what is wrong with it: each must name an input, once.
std::optional<std::string> read_header(std::string_view row, const Policy& policy, std::vector<std::string>& columns)
{
   std::size_t count = 0;
   const Row split = split_csv(row, columns, count);
   columns.resize(count);
   if (split == Row::open_quote) return "has a quote (\") that is never closed";
   if (split == Row::lone_cr) return "has a carriage return (CR) that does not end a line: save the input with LF or CR LF line ends";
   std::vector<std::string> inputs;
   for (const auto& in : policy.inputs()) inputs.push_back(in.name);
   for (std::size_t k = 0; k < count; ++k) {
      const auto before = std::find(columns.begin(), columns.begin() + static_cast<std::ptrdiff_t>(k), columns[k]);
      if (before != columns.begin() + static_cast<std::ptrdiff_t>(k)) {
         return fmt::format("names \"{}\" twice, in columns {} and {}: which is meant cannot be told", columns[k], before - columns.begin() + 1, k + 1);
      }
      if (std::find(inputs.begin(), inputs.end(), columns[k]) == inputs.end()) {
         return fmt::format("has the column \"{}\", which is not an input of the policy; its inputs are: {}", columns[k], fmt::join(inputs, ", "));
      }
   }
   return std::nullopt;
}

// One thread's share of a batch: its own evaluator, reused record after record.
class Worker {
public:
   Worker(std::shared_ptr<const Policy> policy, const EvalOptions& options, Data in, Data out, const std::vector<std::string>& header, std::size_t max_record)
      : policy_(policy), evaluator_(policy, options), outputs_(policy->outputs()), in_(in), out_(out), names_(header.begin(), header.end()),
        max_record_(max_record)
   {
   }

   // Evaluates every record of a block into its results, one line each.
   void run(Block& b)
   {
      // a JSON line with a CR is refused; one search of the block spares one a record
      jsonl_cr_ = in_ == Data::jsonl && b.text().find('\r') != std::string_view::npos;
      if (in_ != Data::jsonl || out_ != Data::jsonl) {
         b.lines = for_each_record(b.text(), in_, max_record_, [&](std::string_view record, std::size_t line) {
            ++b.totals.records;
            run(record, line, b);
            end_result(b);
         });
         return;
      }
      // JSON to JSON: runs of readable records go to the evaluator together
      records_.clear();
      lines_.clear();
      b.lines = for_each_record(b.text(), in_, max_record_, [&](std::string_view record, std::size_t line) {
         ++b.totals.records;
         if (!unreadable(record)) {
            records_.push_back(record);
            lines_.push_back(line);
            return;
         }
         evaluate_pending(b);
         run(record, line, b);
         end_result(b);
      });
      evaluate_pending(b);
   }

   // Records this worker's evaluator answered with lowered register code.
   std::uint64_t lowered_records() const { return evaluator_.lowered_records(); }

   std::string csv_header() const
   {
      std::string h;
      for (const auto& name : outputs_) h += csv_field(name) + ",";
      return h + "violations,error";
   }

private:
   static void end_result(Block& b)
   {
      b.out += '\n';
      ++b.totals.written;
   }

   // The error for a record that cannot be evaluated as it stands, if any.
   std::optional<std::string> unreadable(std::string_view text) const { return unreadable_record(text, jsonl_cr_, max_record_); }

   void evaluate_pending(Block& b)
   {
      evaluator_.evaluate_json(records_, b.out, [&](std::size_t k, const Evaluator::Outcome& outcome) {
         if (outcome.ok) b.totals.violations += outcome.violations;
         else error(lines_[k], outcome.error->json, b);
         end_result(b);
      });
      records_.clear();
      lines_.clear();
   }

   // Appends the result line for one record (without its line end); `line` is within the block.
   void run(std::string_view text, std::size_t line, Block& b)
   {
      if (const auto problem = unreadable(text)) return error(line, *problem, b);
      if (in_ == Data::csv) return run_csv(text, line, b);
      // JSON in, CSV out (JSON to JSON goes many records at a time: evaluate_pending)
      write_row(evaluator_.evaluate_json(text), line, b);
   }

   // The result of the record just evaluated, as a JSON line or a CSV row.
   void write_row(const Evaluator::Outcome& outcome, std::size_t line, Block& b)
   {
      if (!outcome.ok) return error(line, outcome.error->json, b);
      b.totals.violations += outcome.violations;
      if (out_ == Data::jsonl) return evaluator_.write_json(b.out);
      for (std::size_t i = 0; i < outputs_.size(); ++i) {
         append_cell(b.out, evaluator_.output(i));
         b.out += ',';
      }
      append_violations(b.out, evaluator_.violations());
      b.out += ',';
   }

   // A CSV row: its cells are the inputs the header names.
   void run_csv(std::string_view text, std::size_t line, Block& b)
   {
      std::size_t count = 0;
      const Row split = split_csv(text, cells_, count);
      if (split == Row::open_quote) {
         return error(line, error_json("R0004", "the row has a quote (\") that is never closed: it is read as this line alone; close the quote, and write a quote inside a quoted field as \"\""), b);
      }
      if (split == Row::lone_cr) return error(line, error_json("R0006", lone_cr_message), b);
      if (count != names_.size()) {
         return error(line, error_json("R0003", fmt::format("the row has {} cell{}, but the header has {} column{}", count, count == 1 ? "" : "s", names_.size(), names_.size() == 1 ? "" : "s")), b);
      }
      views_.assign(cells_.begin(), cells_.begin() + static_cast<std::ptrdiff_t>(count));
      write_row(evaluator_.evaluate_fields(names_, views_), line, b);
   }

   // The error object, or CSV row, for a record; the writer puts in its line number.
   void error(std::size_t line, const std::string& error_json, Block& b) const
   {
      ++b.totals.errors;
      if (out_ == Data::csv) {
         const auto e = nlohmann::json::parse(error_json);
         const std::string field = e.contains("field") ? fmt::format(" (field {})", e["field"].get<std::string>()) : "";
         // digits need no quoting, so the number can go into the quoted cell as it is
         const std::string cell = csv_field(fmt::format("line : {}{}", e["message"].get<std::string>(), field));
         const std::size_t number_at = cell.find(':');
         b.out += std::string(outputs_.size() + 1, ',');
         b.out.append(cell, 0, number_at);
         b.mark_line(line);
         b.out.append(cell, number_at);
         return;
      }
      b.out += "{\"line\":";
      b.mark_line(line);
      b.out += ",\"error\":";
      b.out += error_json;
      b.out += '}';
   }

   std::shared_ptr<const Policy> policy_;
   Evaluator evaluator_;
   std::vector<std::string> outputs_;
   Data in_, out_;
   std::vector<std::string_view> names_;    // the CSV header, as evaluate_fields takes it (the caller keeps it)
   std::vector<std::string> cells_;         // a CSV row's cells, their storage reused
   std::vector<std::string_view> views_;
   std::vector<std::string_view> records_;  // JSON records waiting to be evaluated together
   std::vector<std::size_t> lines_;         // and their lines in the block
   std::size_t max_record_;
   bool jsonl_cr_ = true;  // whether the block being run is JSON lines with a CR somewhere
};

// Whether path names the file open as fd (so writing it would truncate it).
bool same_file(int fd, const std::string& path)
{
   struct stat open_file, named;
   return ::fstat(fd, &open_file) == 0 && ::stat(path.c_str(), &named) == 0 && open_file.st_dev == named.st_dev && open_file.st_ino == named.st_ino;
}

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
      std::size_t block_bytes = 64 << 10;  // a block and its results stay in a core's cache
      std::size_t max_record = default_max_record;
      Limits limits;
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
   cmd->add_option("--max-record", o->max_record, "The longest record in bytes (default 1 MiB); a longer one is an error, and reading goes on at the next line")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 30));
   add_limit_options(cmd, o->limits);
   // blocks are read, evaluated and written whole; tests make them small to cross many edges
   cmd->add_option("--block-bytes", o->block_bytes)->check(CLI::Range(std::size_t{1}, std::size_t{1} << 30))->group("");
   return [o] {
      if (!as_of_ok(o->as_of)) return exit_usage;
      EvalOptions options;
      if (!o->as_of.empty()) options.as_of = o->as_of;
      options.limits = o->limits;
      int status = exit_ok;
      const auto loaded = load_policy(o->policy, o->path, o->limits, false, status);
      if (!loaded) return status;
      const OwnedFd input(o->input == "-" ? STDIN_FILENO : ::open(o->input.c_str(), O_RDONLY | O_CLOEXEC));
      const int in_fd = input.get();
      if (in_fd < 0) {
         std::cerr << fmt::format("error: cannot read the input file {}: {}\n", o->input, std::strerror(errno));
         return exit_usage;
      }
      if (o->output != "-" && same_file(in_fd, o->output)) {
         std::cerr << fmt::format("error: the output {} is the input file: writing it would destroy the input; write the results to another file\n", o->output);
         return exit_usage;
      }
      OwnedFd output(o->output == "-" ? STDOUT_FILENO : ::open(o->output.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
      const int out_fd = output.get();
      if (out_fd < 0) {
         std::cerr << fmt::format("error: cannot write {}: {}\n", o->output, std::strerror(errno));
         return exit_usage;
      }
      const Data in_format = format_of(o->input_format, o->input, Data::jsonl);
      const Data out_format = format_of(o->output_format, o->output, in_format);
      const bool progress = isatty(STDERR_FILENO) != 0;
      std::uintmax_t input_size = 0;
      if (progress && o->input != "-") {
         std::error_code ec;
         input_size = std::filesystem::file_size(o->input, ec);
      }
      const auto start = std::chrono::steady_clock::now();
      Totals totals;
      std::uint64_t compiled = 0;  // records answered by lowered register code
      try {
         BlockReader reader(in_fd, o->input == "-" ? "standard input" : "the input file " + o->input, in_format, o->block_bytes, o->max_record);
         std::vector<std::string> header;
         std::size_t header_lines = 0;
         if (in_format == Data::csv) {
            const auto row = reader.first_record(header_lines);
            if (!row) {
               std::cerr << "error: the CSV input has no header row: start it with a row of the policy's input names\n";
               return exit_usage;
            }
            if (const auto problem = read_header(*row, *loaded, header)) {
               std::cerr << fmt::format("error: the CSV header {}\n", *problem);
               return exit_usage;
            }
         }
         std::vector<std::unique_ptr<Worker>> workers;
         for (unsigned j = 0; j < o->jobs; ++j) workers.push_back(std::make_unique<Worker>(loaded, options, in_format, out_format, header, o->max_record));
         BlockWriter writer(out_fd, o->output == "-" ? "standard output" : o->output, header_lines);
         if (out_format == Data::csv) writer.write(workers.front()->csv_header() + "\n");
         auto shown = start;
         totals = run_blocks(
            reader, writer, o->jobs, [&](Block& b, unsigned job) { workers[job]->run(b); },
            [&](const Totals& so_far) {
               const auto now = std::chrono::steady_clock::now();
               if (!progress || now - shown < std::chrono::milliseconds(100)) return;
               shown = now;
               show_progress(so_far.records, std::chrono::duration<double>(now - start).count(), reader.bytes_read(), input_size);
            });
         for (const auto& w : workers) compiled += w->lowered_records();
      } catch (const std::system_error& e) {
         if (progress) std::cerr << "\n";
         std::cerr << fmt::format("error: {}\n", e.what());
         return exit_failed;
      }
      if (progress) {
         show_progress(totals.records, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), input_size, input_size);
         std::cerr << "\n";
      }
      if (!output.close()) {
         std::cerr << fmt::format("error: cannot write {}: {}\n", o->output, std::strerror(errno));
         return exit_failed;
      }
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      // the share compiled is rounded down, so 100.00% means every record
      const double compiled_share = totals.records > 0 ? std::floor(10000.0 * static_cast<double>(compiled) / static_cast<double>(totals.records)) / 100 : 0.0;
      std::cerr << fmt::format("{} records read, {} written, {} errors, {} violations, {} compiled ({:.2f}%) in {:.2f} s ({:.0f} records/s)\n", totals.records, totals.written,
                               totals.errors, totals.violations, compiled, compiled_share, seconds, seconds > 0 ? static_cast<double>(totals.records) / seconds : 0.0);
      if (totals.written != totals.records) {
         std::cerr << fmt::format("error: {} records were read but {} results written: the results are incomplete\n", totals.records, totals.written);
         return exit_failed;
      }
      return (o->fail_on_error && totals.errors > 0) ? exit_failed : exit_ok;
   };
}

}  // namespace pol::cli
