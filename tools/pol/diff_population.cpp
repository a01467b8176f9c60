// pol diff over a population: both versions evaluate every record, streamed in blocks on every
// thread as pol batch reads them; each thread counts what changed, and the first records of each
// kind of change are kept, in input order, as examples.
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <system_error>

#include <fmt/format.h>

#include "batch_stream.hpp"
#include "commands.hpp"
#include "diff.hpp"
#include "exact.hpp"

namespace pol::cli {

namespace {

// The kinds of change examples are kept for: three per output, then four per record.
const char* const output_kinds[] = {"increased", "decreased", "changed"};
const char* const record_kinds[] = {"new_error", "error_gone", "new_violation", "violation_gone"};
enum RecordKind { new_error, error_gone, new_violation, violation_gone };

bool numeric_type(std::string type)
{
   if (type.ends_with("?")) type.pop_back();
   return type == "money" || type == "decimal" || type == "int";
}

// An output both versions have.
struct OutputPair {
   std::string name, old_type, new_type;
   std::size_t old_index, new_index;
   bool numeric;
};

struct OutputStats {
   std::uint64_t unchanged = 0, increased = 0, decreased = 0, changed = 0;
   Total before, after;  // over the records both versions answered
   std::optional<Exact> smallest, largest;
   Histogram changes;

   void merge(const OutputStats& o)
   {
      unchanged += o.unchanged;
      increased += o.increased;
      decreased += o.decreased;
      changed += o.changed;
      before.add(o.before);
      after.add(o.after);
      if (o.smallest && (!smallest || *o.smallest < *smallest)) smallest = o.smallest;
      if (o.largest && (!largest || *o.largest > *largest)) largest = o.largest;
      changes.merge(o.changes);
   }
};

struct Stats {
   std::uint64_t records = 0, changed = 0, old_errors = 0, new_errors = 0;
   std::uint64_t by_kind[4] = {};  // RecordKind
   std::vector<OutputStats> outputs;

   void merge(const Stats& o)
   {
      records += o.records;
      changed += o.changed;
      old_errors += o.old_errors;
      new_errors += o.new_errors;
      for (int k = 0; k < 4; ++k) by_kind[k] += o.by_kind[k];
      for (std::size_t i = 0; i < outputs.size(); ++i) outputs[i].merge(o.outputs[i]);
   }
};

// What every thread shares: the versions, the outputs compared, the CSV header, and which kinds
// of change have all their examples.
struct Plan {
   std::shared_ptr<const Policy> old_policy, new_policy;
   EvalOptions eval;
   Data format;
   std::vector<std::string> header;
   std::vector<OutputPair> pairs;
   std::size_t examples;
   std::unique_ptr<std::atomic<bool>[]> full;  // per slot: output kinds, then record kinds

   std::size_t slots() const { return pairs.size() * 3 + 4; }
   std::size_t record_slot(RecordKind k) const { return pairs.size() * 3 + k; }
};

// One thread's share: an evaluator per version, reused record after record. A record's old
// outputs are kept (as text, in one buffer per block) while the new version evaluates it.
class Worker {
public:
   explicit Worker(const Plan& plan) : plan_(plan), old_(plan.old_policy, plan.eval), new_(plan.new_policy, plan.eval), names_(plan.header.begin(), plan.header.end())
   {
      stats.outputs.resize(plan.pairs.size());
   }

   void run(Block& b)
   {
      found_.assign(plan_.slots(), 0);
      records_.clear();
      lines_.clear();
      b.lines = for_each_record(b.text(), plan_.format, default_max_record, [&](std::string_view record, std::size_t line) {
         records_.push_back(record);
         lines_.push_back(line);
      });
      old_text_.clear();
      old_ends_.clear();
      old_results_.clear();
      if (plan_.format == Data::jsonl) {
         old_.evaluate_json(records_, [&](std::size_t, const Evaluator::Outcome& o) { keep_old(o); });
         new_.evaluate_json(records_, old_, [&](std::size_t k, const Evaluator::Outcome& o) { compare(k, o, b); });  // each record read once
         return;
      }
      for (std::size_t k = 0; k < records_.size(); ++k) {
         if (!split(records_[k])) {  // a row of the wrong width is an error in both versions
            keep_old({false, 0, nullptr});
            compare(k, {false, 0, nullptr}, b);
            continue;
         }
         keep_old(old_.evaluate_fields(names_, cells_));
         compare(k, new_.evaluate_fields(names_, cells_), b);
      }
   }

   Stats stats;

private:
   bool split(std::string_view row)
   {
      std::size_t count = 0;
      if (split_csv(row, cell_text_, count) != Row::ok || count != names_.size()) return false;  // an error for this record
      cells_.assign(cell_text_.begin(), cell_text_.begin() + static_cast<std::ptrdiff_t>(count));
      return true;
   }

   void keep_old(const Evaluator::Outcome& o)
   {
      old_results_.push_back({o.ok, o.ok && o.violations > 0});
      for (const auto& p : plan_.pairs) {
         if (o.ok) old_text_ += old_.output(p.old_index);
         old_ends_.push_back(old_text_.size());
      }
   }

   std::string_view old_output(std::size_t k, std::size_t i) const
   {
      const std::size_t at = k * plan_.pairs.size() + i;
      const std::size_t begin = at == 0 ? 0 : old_ends_[at - 1];
      return std::string_view(old_text_).substr(begin, old_ends_[at] - begin);
   }

   // Compares record k's old result with the new one just evaluated.
   void compare(std::size_t k, const Evaluator::Outcome& now, Block& b)
   {
      ++stats.records;
      const auto [old_ok, old_violated] = old_results_[k];
      stats.old_errors += !old_ok;
      stats.new_errors += !now.ok;
      bool changed = true;
      if (old_ok && !now.ok) record_change(new_error, k, b);
      else if (!old_ok && now.ok) record_change(error_gone, k, b);
      else if (!old_ok) changed = false;
      else {
         const bool violated = now.violations > 0;
         if (!old_violated && violated) record_change(new_violation, k, b);
         else if (old_violated && !violated) record_change(violation_gone, k, b);
         else changed = false;
         for (std::size_t i = 0; i < plan_.pairs.size(); ++i) changed |= compare_output(i, old_output(k, i), new_.output(plan_.pairs[i].new_index), k, b);
      }
      stats.changed += changed;
   }

   void record_change(RecordKind kind, std::size_t k, Block& b)
   {
      ++stats.by_kind[kind];
      candidate(plan_.record_slot(kind), k, b);
   }

   // Counts one output of one record; true when it changed.
   bool compare_output(std::size_t i, std::string_view before, std::string_view after, std::size_t k, Block& b)
   {
      OutputStats& s = stats.outputs[i];
      if (plan_.pairs[i].numeric) {
         const auto x = Exact::parse(before);
         const auto y = before == after ? x : Exact::parse(after);
         if (x) s.before.add(*x);
         if (y) s.after.add(*y);
         if (x && y) {
            const Exact change = *y - *x;
            if (change.sign() == 0) {
               ++s.unchanged;
               return false;
            }
            (change.sign() > 0 ? s.increased : s.decreased) += 1;
            if (!s.smallest || change < *s.smallest) s.smallest = change;
            if (!s.largest || change > *s.largest) s.largest = change;
            s.changes.add(change);
            candidate(i * 3 + (change.sign() > 0 ? 0 : 1), k, b);
            return true;
         }
      }
      if (before == after) {
         ++s.unchanged;
         return false;
      }
      ++s.changed;
      candidate(i * 3 + 2, k, b);
      return true;
   }

   // Offers record k as an example of a kind of change: written to the block's output as
   // "SLOT LINE SIZE\n" and the record, for the collector, which sees blocks in order.
   void candidate(std::size_t slot, std::size_t k, Block& b)
   {
      if (found_[slot] >= plan_.examples || plan_.full[slot].load(std::memory_order_relaxed)) return;
      ++found_[slot];
      fmt::format_to(std::back_inserter(b.out), "{} {} {}\n", slot, lines_[k], records_[k].size());
      b.out += records_[k];
   }

   const Plan& plan_;
   Evaluator old_, new_;
   std::vector<std::string_view> names_;
   std::vector<std::string> cell_text_;
   std::vector<std::string_view> cells_;
   std::vector<std::string_view> records_;
   std::vector<std::size_t> lines_;
   std::vector<std::size_t> found_;  // examples offered from this block, per slot
   struct OldResult {
      bool ok, violated;
   };
   std::vector<OldResult> old_results_;
   std::string old_text_;  // the old outputs of the block's records, one after another
   std::vector<std::size_t> old_ends_;
};

struct Candidate {
   std::size_t line;
   std::string record;
};

// Takes the blocks in input order and keeps the first examples of each kind of change.
class Collector : public BlockWriter {
public:
   Collector(Plan& plan, std::size_t first_line) : BlockWriter(-1, "the examples"), plan_(plan), lines_(first_line), kept(plan.slots()) {}

   void write(const Block& b) override
   {
      std::string_view out = b.out;
      while (!out.empty()) {
         const std::size_t nl = out.find('\n');
         std::size_t slot = 0, line = 0, size = 0;
         std::sscanf(std::string(out.substr(0, nl)).c_str(), "%zu %zu %zu", &slot, &line, &size);
         const std::string_view record = out.substr(nl + 1, size);
         out.remove_prefix(nl + 1 + size);
         if (kept[slot].size() >= plan_.examples) continue;
         kept[slot].push_back({lines_ + line + 1, std::string(record)});
         if (kept[slot].size() == plan_.examples) plan_.full[slot] = true;
      }
      lines_ += b.lines;
   }
   void skip_lines(std::size_t n) { lines_ += n; }

private:
   Plan& plan_;
   std::size_t lines_;

public:
   std::vector<std::vector<Candidate>> kept;  // per slot, in input order
};

// Notes on inputs, before anything is evaluated: inputs one version does not declare, types
// that differ, and the population's fields against each version's inputs.
Json input_notes(const Policy& old_policy, const Policy& new_policy, const std::optional<std::vector<std::string>>& fields, const std::string& where)
{
   Json notes = Json::array();
   const auto note = [&](const std::string& name, const std::string& problem, const std::string& message) {
      notes.push_back({{"input", name}, {"problem", problem}, {"message", message}});
   };
   const auto old_inputs = old_policy.inputs(), new_inputs = new_policy.inputs();
   const auto find = [](const std::vector<InputInfo>& in, const std::string& name) -> const InputInfo* {
      for (const auto& i : in) {
         if (i.name == name) return &i;
      }
      return nullptr;
   };
   for (const auto& o : old_inputs) {
      const InputInfo* n = find(new_inputs, o.name);
      if (!n) note(o.name, "only_old", fmt::format("input {} ({}) is only in the old version", o.name, o.type));
      else if (n->type != o.type) note(o.name, "type_differs", fmt::format("input {} is {} in the old version and {} in the new", o.name, o.type, n->type));
   }
   for (const auto& n : new_inputs) {
      if (!find(old_inputs, n.name)) note(n.name, "only_new", fmt::format("input {} ({}{}) is only in the new version", n.name, n.type, n.required ? ", required" : ""));
   }
   if (!fields) return notes;
   for (const auto& f : *fields) {
      const bool in_old = find(old_inputs, f) != nullptr, in_new = find(new_inputs, f) != nullptr;
      if (in_old && in_new) continue;
      const char* version = in_old ? "new" : in_new ? "old" : "old or the new";
      note(f, in_old ? "unknown_to_new" : in_new ? "unknown_to_old" : "unknown", fmt::format("{} has the field {}, which the {} version does not declare: those records are errors there", where, f, version));
   }
   for (const auto* inputs : {&old_inputs, &new_inputs}) {
      for (const auto& i : *inputs) {
         if (!i.required || std::find(fields->begin(), fields->end(), i.name) != fields->end()) continue;
         note(i.name, inputs == &old_inputs ? "missing_for_old" : "missing_for_new",
              fmt::format("the {} version requires input {}, which {} does not have", inputs == &old_inputs ? "old" : "new", i.name, where));
      }
   }
   return notes;
}

// The input's fields: the CSV header, or the first JSON record's names.
std::optional<std::vector<std::string>> fields_of(Data format, const std::string& first)
{
   if (format == Data::csv) return split_csv(first);
   const auto record = Json::parse(first, nullptr, false);
   if (!record.is_object()) return std::nullopt;
   std::vector<std::string> names;
   for (const auto& [name, value] : record.items()) names.push_back(name);
   return names;
}

Json number_or_null(const std::optional<Exact>& x) { return x ? Json(x->text(true)) : Json(nullptr); }

Json output_json(const OutputPair& p, OutputStats& s)
{
   Json o{{"name", p.name}, {"type", p.new_type}, {"status", p.old_type == p.new_type ? "compared" : "type_changed"}};
   if (p.old_type != p.new_type) o["old_type"] = p.old_type;
   o["unchanged"] = s.unchanged;
   o["increased"] = s.increased;
   o["decreased"] = s.decreased;
   o["changed"] = s.changed;
   if (p.numeric) {
      o["total_before"] = s.before.value().text();
      o["total_after"] = s.after.value().text();
      o["total_change"] = (s.after.value() - s.before.value()).text(true);
      o["smallest_change"] = number_or_null(s.smallest);
      const auto median = s.changes.median();
      o["median_change"] = number_or_null(median ? std::optional(median->low) : std::nullopt);
      o["largest_change"] = number_or_null(s.largest);
      o["median_exact"] = !median || median->low == median->high;
      if (!o["median_exact"].get<bool>()) o["median_range"] = Json::array({median->low.text(true), median->high.text(true)});
   }
   o["examples"] = Json::array();
   return o;
}

// Both results of an example record, with explanations, and why they differ.
class Explainer {
public:
   Explainer(const Plan& plan) : plan_(plan), old_(plan.old_policy, explained(plan.eval)), new_(plan.new_policy, explained(plan.eval)) {}

   Json example(const std::string& kind, const std::string* output, const Candidate& c)
   {
      Json e{{"kind", kind}, {"output", output ? Json(*output) : Json(nullptr)}, {"line", c.line}, {"input", input(c.record)}};
      Json before = evaluate(old_, c.record), after = evaluate(new_, c.record);
      e["because"] = because(kind, output, before, after);
      before.erase("explanation");
      after.erase("explanation");
      e["before"] = std::move(before);
      e["after"] = std::move(after);
      return e;
   }

private:
   static EvalOptions explained(EvalOptions o)
   {
      o.explain = true;
      return o;
   }

   Json input(const std::string& record) const
   {
      if (plan_.format == Data::jsonl) {
         auto j = Json::parse(record, nullptr, false);
         return j.is_discarded() ? Json(record) : j;
      }
      Json j = Json::object();
      const auto cells = split_csv(record);
      for (std::size_t i = 0; i < cells.size() && i < plan_.header.size(); ++i) j[plan_.header[i]] = cells[i];
      return j;
   }

   Json evaluate(Evaluator& ev, const std::string& record) const
   {
      Evaluator::Outcome o;
      if (plan_.format == Data::jsonl) {
         o = ev.evaluate_json(record);
      } else {
         const auto cells = split_csv(record);
         if (cells.size() != plan_.header.size()) return {{"error", {{"code", "R0003"}, {"message", fmt::format("the row has {} cells, but the header has {} columns", cells.size(), plan_.header.size())}}}};
         const std::vector<std::string_view> names(plan_.header.begin(), plan_.header.end()), fields(cells.begin(), cells.end());
         o = ev.evaluate_fields(names, fields);
      }
      if (!o.ok) return {{"error", Json::parse(o.error->json)}};
      std::string out;
      ev.write_json(out);
      return Json::parse(out);
   }

   static std::vector<std::string> because(const std::string& kind, const std::string* output, const Json& before, const Json& after)
   {
      if (output) return explain_change(before, after, *output);
      std::vector<std::string> lines;
      if (kind == "new_error") lines.push_back("now an error: " + after["error"].value("message", ""));
      if (kind == "error_gone") lines.push_back("no longer an error: " + before["error"].value("message", ""));
      if (kind == "new_violation" || kind == "violation_gone") {
         for (const auto& v : (kind == "new_violation" ? after : before)["violations"]) {
            lines.push_back(fmt::format("{}: {}", kind == "new_violation" ? "now violated" : "no longer violated", v.value("message", "")));
         }
      }
      return lines;
   }

   const Plan& plan_;
   Evaluator old_, new_;
};

int open_population(const std::string& file)
{
   if (file == "-") return STDIN_FILENO;
   const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
   if (fd < 0) throw std::system_error(errno, std::generic_category(), "cannot read the population " + file);
   return fd;
}

}  // namespace

Json diff_population(const Versions& v, std::shared_ptr<const Policy> old_policy, std::shared_ptr<const Policy> new_policy, const PopulationOptions& o)
{
   Plan plan;
   plan.old_policy = old_policy;
   plan.new_policy = new_policy;
   plan.eval = o.eval;
   plan.format = format_of(o.format, o.file, Data::jsonl);
   plan.examples = o.examples;
   Json outputs = Json::array();
   const auto old_outputs = old_policy->output_info(), new_outputs = new_policy->output_info();
   for (std::size_t n = 0; n < new_outputs.size(); ++n) {
      const auto old_at = std::find_if(old_outputs.begin(), old_outputs.end(), [&](const OutputInfo& x) { return x.name == new_outputs[n].name; });
      if (old_at == old_outputs.end()) continue;
      const std::size_t i = static_cast<std::size_t>(old_at - old_outputs.begin());
      plan.pairs.push_back({new_outputs[n].name, old_at->type, new_outputs[n].type, i, n, numeric_type(old_at->type) && numeric_type(new_outputs[n].type)});
   }
   plan.full = std::make_unique<std::atomic<bool>[]>(plan.slots());

   const OwnedFd population(open_population(o.file));  // closed however this ends
   const int fd = population.get();
   const std::string where = o.file == "-" ? "standard input" : "the population " + o.file;
   BlockReader reader(fd, where, plan.format, o.block_bytes, default_max_record);
   std::size_t first_lines = 0;
   const auto first = reader.first_record(first_lines);
   const auto fields = first ? fields_of(plan.format, *first) : std::nullopt;
   if (plan.format == Data::csv && fields) plan.header = *fields;
   Json notes = input_notes(*old_policy, *new_policy, fields, plan.format == Data::csv ? where : where + " (its first record)");
   for (const auto& n : notes) std::cerr << "note: " << n["message"].get<std::string>() << "\n";

   std::vector<std::unique_ptr<Worker>> workers;
   for (unsigned j = 0; j < o.jobs; ++j) workers.push_back(std::make_unique<Worker>(plan));
   Collector collector(plan, plan.format == Data::csv ? first_lines : 0);
   if (first && plan.format == Data::jsonl) {  // the first record, taken off to read its names
      Block b;
      b.capacity = first->size();
      b.buffer = std::make_unique<char[]>(b.capacity);
      std::memcpy(b.buffer.get(), first->data(), first->size());
      b.end = first->size();
      workers.front()->run(b);
      collector.write(b);
      collector.skip_lines(first_lines);
   }
   if (first) run_blocks(reader, collector, o.jobs, [&](Block& b, unsigned job) { workers[job]->run(b); }, {});

   Stats stats;
   stats.outputs.resize(plan.pairs.size());
   for (const auto& w : workers) stats.merge(w->stats);

   Explainer explainer(plan);
   for (std::size_t i = 0; i < plan.pairs.size(); ++i) {
      Json out = output_json(plan.pairs[i], stats.outputs[i]);
      for (std::size_t kind = 0; kind < 3; ++kind) {
         for (const auto& c : collector.kept[i * 3 + kind]) out["examples"].push_back(explainer.example(output_kinds[kind], &plan.pairs[i].name, c));
      }
      outputs.push_back(std::move(out));
   }
   for (const auto& n : new_outputs) {
      if (std::none_of(old_outputs.begin(), old_outputs.end(), [&](const OutputInfo& x) { return x.name == n.name; })) outputs.push_back({{"name", n.name}, {"type", n.type}, {"status", "added"}});
   }
   for (const auto& old : old_outputs) {
      if (std::none_of(new_outputs.begin(), new_outputs.end(), [&](const OutputInfo& x) { return x.name == old.name; })) outputs.push_back({{"name", old.name}, {"type", old.type}, {"status", "removed"}});
   }
   Json record_examples = Json::array();
   for (int kind = 0; kind < 4; ++kind) {
      for (const auto& c : collector.kept[plan.record_slot(static_cast<RecordKind>(kind))]) record_examples.push_back(explainer.example(record_kinds[kind], nullptr, c));
   }
   Json report{{"format", "pol-diff/1"},
               {"kind", "population"},
               {"old", v.old_label},
               {"new", v.new_label},
               {"population", o.file == "-" ? Json(nullptr) : Json(o.file)},
               {"as_of", o.eval.as_of ? Json(*o.eval.as_of) : Json(nullptr)},
               {"inputs", std::move(notes)}};
   report["records"] = {{"total", stats.records},
                        {"changed", stats.changed},
                        {"unchanged", stats.records - stats.changed},
                        {"errors_before", stats.old_errors},
                        {"errors_after", stats.new_errors},
                        {"new_errors", stats.by_kind[new_error]},
                        {"errors_gone", stats.by_kind[error_gone]},
                        {"new_violations", stats.by_kind[new_violation]},
                        {"violations_gone", stats.by_kind[violation_gone]}};
   report["outputs"] = std::move(outputs);
   report["examples"] = std::move(record_examples);
   return report;
}

}  // namespace pol::cli
