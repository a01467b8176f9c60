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

constexpr std::size_t chunk_lines = 8192;

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

class Evaluator {
public:
   Evaluator(const Policy& policy, const EvalOptions& options, Data in, Data out, const std::vector<std::string>& header)
      : policy_(policy), inputs_(policy.inputs()), outputs_(policy.outputs()), options_(options), in_(in), out_(out), header_(header)
   {
   }

   std::string run(const Record& r, Totals& totals) const
   {
      if (r.text.find_first_not_of(" \t") == std::string::npos) {
         return error(r.line, nlohmann::ordered_json{{"code", "R0002"}, {"message", "the line is blank: expected a record of inputs"}}.dump(), totals);
      }
      Result result;
      if (in_ == Data::jsonl) {
         result = policy_.evaluate_json(r.text, options_);
      } else {
         std::string problem;
         auto inputs = csv_record(inputs_, header_, r.text, problem);
         if (!inputs) return error(r.line, nlohmann::ordered_json{{"code", "R0003"}, {"message", problem}}.dump(), totals);
         result = policy_.evaluate(*inputs, options_);
      }
      if (!result.ok()) return error(r.line, result.errors.front().json, totals);
      totals.violations += result.violations.size();
      if (out_ == Data::jsonl) return result.json();
      std::string row;
      for (const auto& [name, json] : result.outputs) {
         std::string cell = json;
         if (json == "null") cell.clear();
         else if (!json.empty() && json.front() == '"') cell = nlohmann::json::parse(json).get<std::string>();
         row += csv_field(cell) + ",";
      }
      std::vector<std::string> messages;
      for (const auto& v : result.violations) messages.push_back(v.message);
      return row + csv_field(fmt::format("{}", fmt::join(messages, "; "))) + ",";
   }

   std::string csv_header() const
   {
      std::string h;
      for (const auto& name : outputs_) h += csv_field(name) + ",";
      return h + "violations,error";
   }

private:
   std::string error(std::size_t line, const std::string& error_json, Totals& totals) const
   {
      ++totals.errors;
      if (out_ == Data::csv) {
         const auto e = nlohmann::json::parse(error_json);
         const std::string field = e.contains("field") ? fmt::format(" (field {})", e["field"].get<std::string>()) : "";
         return std::string(outputs_.size() + 1, ',') + csv_field(fmt::format("line {}: {}{}", line, e["message"].get<std::string>(), field));
      }
      return fmt::format("{{\"line\":{},\"error\":{}}}", line, error_json);
   }

   const Policy& policy_;
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

// Reads the next record: a line, or for CSV a row whose quoted fields may span lines. Line
// ends may be CRLF, and the file may start with a byte-order mark.
bool next_record(std::istream& in, Data format, std::size_t& line_number, Record& r)
{
   std::string line;
   if (!std::getline(in, line)) return false;
   r.line = ++line_number;
   if (r.line == 1 && line.starts_with("\xEF\xBB\xBF")) line.erase(0, 3);
   auto trim = [](std::string& s) {
      if (!s.empty() && s.back() == '\r') s.pop_back();
   };
   trim(line);
   r.text = std::move(line);
   if (format == Data::csv) {
      while (std::count(r.text.begin(), r.text.end(), '"') % 2 == 1 && std::getline(in, line)) {
         ++line_number;
         trim(line);
         r.text += "\n" + line;
      }
   }
   return true;
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
      const Policy& policy = *loaded;
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
      std::vector<std::string> header;
      std::size_t line_number = 0;
      if (in_format == Data::csv) {
         Record first_row;
         if (!next_record(*in, Data::csv, line_number, first_row)) {
            std::cerr << "error: the CSV input has no header row\n";
            return exit_usage;
         }
         header = split_csv(first_row.text);
      }
      const Evaluator evaluator(policy, options, in_format, out_format, header);
      if (out_format == Data::csv) *out << evaluator.csv_header() << '\n';
      const bool progress = isatty(STDERR_FILENO) != 0;
      std::uintmax_t input_size = 0;
      if (progress && o->input != "-") {
         std::error_code ec;
         input_size = std::filesystem::file_size(o->input, ec);
      }
      std::atomic<std::uintmax_t> bytes_read = 0;
      const auto start = std::chrono::steady_clock::now();
      Totals totals;
      // Reading the next chunk and writing the last one overlap with evaluating this one.
      auto read_chunk = [&] {
         std::vector<Record> chunk;
         chunk.reserve(chunk_lines);
         Record record;
         while (chunk.size() < chunk_lines && next_record(*in, in_format, line_number, record)) {
            bytes_read += record.text.size() + 1;
            chunk.push_back(std::move(record));
         }
         return chunk;
      };
      auto write_chunk = [out](std::vector<std::string> results) {
         std::string block;
         for (const auto& r : results) {
            block += r;
            block += '\n';
         }
         out->write(block.data(), static_cast<std::streamsize>(block.size()));
      };
      std::future<std::vector<Record>> reading = std::async(std::launch::async, read_chunk);
      std::future<void> writing;
      for (;;) {
         std::vector<Record> records = reading.get();
         if (records.empty()) break;
         reading = std::async(std::launch::async, read_chunk);
         std::vector<std::string> results(records.size());
         const unsigned jobs = static_cast<unsigned>(std::min<std::size_t>(o->jobs, records.size()));
         std::vector<Totals> part(jobs);
         std::vector<std::thread> threads;
         for (unsigned j = 0; j < jobs; ++j) {
            // contiguous blocks, so threads do not write to the same cache lines
            threads.emplace_back([&, j] {
               const std::size_t from = records.size() * j / jobs, to = records.size() * (j + 1) / jobs;
               for (std::size_t i = from; i < to; ++i) results[i] = evaluator.run(records[i], part[j]);
            });
         }
         for (auto& t : threads) t.join();
         for (const auto& t : part) {
            totals.errors += t.errors;
            totals.violations += t.violations;
         }
         totals.records += records.size();
         if (writing.valid()) writing.get();
         writing = std::async(std::launch::async, write_chunk, std::move(results));
         if (progress) {
            show_progress(totals.records, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), bytes_read.load(), input_size);
         }
      }
      if (writing.valid()) writing.get();
      if (progress) std::cerr << "\n";
      out->flush();
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::cerr << fmt::format("{} records, {} errors, {} violations in {:.2f} s ({:.0f} records/s)\n", totals.records, totals.errors, totals.violations, seconds,
                               seconds > 0 ? static_cast<double>(totals.records) / seconds : 0.0);
      return (o->fail_on_error && totals.errors > 0) ? exit_failed : exit_ok;
   };
}

}  // namespace pol::cli
