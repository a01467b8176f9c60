// pol diff OLD.pol NEW.pol [--population FILE]: what a change to a policy changes.
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include <fmt/format.h>

#include "commands.hpp"
#include "diff.hpp"

extern char** environ;

namespace pol::cli {

namespace {

struct Options {
   std::vector<std::string> policies;
   std::string base;
   std::string population;
   std::string input_format;
   std::string as_of;
   std::string format = "human";
   std::string output = "-";
   std::size_t examples = 3;
   bool fail_on_change = false;
   std::string max_changed;
   unsigned jobs = std::max(1u, std::thread::hardware_concurrency());
   std::vector<std::string> path;
   std::size_t block_bytes = 64 << 10;
};

// Runs git with its standard output into `out`; its errors go to ours. False if it failed.
bool run_git(const std::vector<std::string>& args, std::string& out)
{
   int pipe_fds[2];
   if (::pipe(pipe_fds) != 0) return false;
   posix_spawn_file_actions_t actions;
   posix_spawn_file_actions_init(&actions);
   posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
   posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
   std::vector<std::string> argv_text{"git"};
   argv_text.insert(argv_text.end(), args.begin(), args.end());
   std::vector<char*> argv;
   for (auto& a : argv_text) argv.push_back(a.data());
   argv.push_back(nullptr);
   pid_t pid = 0;
   const int spawned = posix_spawnp(&pid, "git", &actions, nullptr, argv.data(), environ);
   posix_spawn_file_actions_destroy(&actions);
   ::close(pipe_fds[1]);
   if (spawned != 0) {
      ::close(pipe_fds[0]);
      std::cerr << "error: --base needs git, which cannot be run\n";
      return false;
   }
   char buffer[1 << 16];
   for (ssize_t n; (n = ::read(pipe_fds[0], buffer, sizeof buffer)) != 0;) {
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) break;
      out.append(buffer, static_cast<std::size_t>(n));
   }
   ::close(pipe_fds[0]);
   int status = 0;
   while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
   }
   return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// The two versions' text: from the files, or the old one from git at --base.
bool read_versions(const Options& o, Versions& v)
{
   v.new_path = o.policies.back();
   v.new_label = v.new_path;
   if (const auto problem = read_text(v.new_path, v.new_text)) {
      std::cerr << fmt::format("error: cannot read the policy file {}: {}\n", v.new_path, *problem);
      return false;
   }
   if (o.base.empty()) {
      v.old_path = v.old_label = o.policies.front();
      const auto problem = read_text(v.old_path, v.old_text);
      if (!problem) return true;
      std::cerr << fmt::format("error: cannot read the policy file {}: {}\n", v.old_path, *problem);
      return false;
   }
   // git show REV:./FILE, from the file's folder: the path as git knows it, whatever the cwd
   const std::filesystem::path file(v.new_path);
   const std::string folder = file.has_parent_path() ? file.parent_path().string() : ".";
   v.old_path = v.new_path;
   v.old_label = fmt::format("{} at {}", v.new_path, o.base);
   if (run_git({"-C", folder, "show", fmt::format("{}:./{}", o.base, file.filename().string())}, v.old_text)) return true;
   std::cerr << fmt::format("error: cannot read {} at {} from git\n", v.new_path, o.base);
   return false;
}

std::shared_ptr<const Policy> compile(const std::string& path, const std::string& label, const std::string& text, const Options& o, int& status)
{
   try {
      return Policy::compile_string(path, text, {o.path});
   } catch (const CompileError& e) {
      for (const auto& d : e.diagnostics()) std::cerr << d.rendered << "\n";
      std::cerr << fmt::format("error: {} does not check; fix it with 'pol check'\n", label);
      status = exit_failed;
      return nullptr;
   }
}

std::string today()
{
   const std::chrono::year_month_day d{std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now())};
   return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(d.year()), static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
}

// --max-changed: a count of records ("10") or a share of them ("2.5%").
struct Limit {
   std::uint64_t units = 0;
   int scale = 0;
   bool percent = false;
};

std::optional<Limit> parse_limit(std::string text)
{
   Limit l;
   if (text.ends_with("%")) {
      l.percent = true;
      text.pop_back();
   }
   bool point = false;
   int digits = 0;
   for (char c : text) {
      if (c == '.' && !point && l.percent) {
         point = true;
         continue;
      }
      if (c < '0' || c > '9' || ++digits > 15) return std::nullopt;
      l.units = l.units * 10 + static_cast<std::uint64_t>(c - '0');
      l.scale += point;
   }
   if (digits == 0) return std::nullopt;
   return l;
}

bool exceeds(std::uint64_t changed, std::uint64_t total, const Limit& l)
{
   if (!l.percent) return changed > l.units;
   // changed / total > units / (100 * 10^scale), in integers: 15 digits of limit, 20 of records
   __extension__ typedef unsigned __int128 Wide;
   Wide lhs = changed * Wide{100};
   for (int i = 0; i < l.scale; ++i) lhs *= 10;
   return lhs > Wide{l.units} * total;
}

int run(const Options& o)
{
   if (o.policies.size() != (o.base.empty() ? 2u : 1u)) {
      std::cerr << (o.base.empty() ? "error: give the old and the new policy: pol diff OLD.pol NEW.pol, or pol diff --base REV POLICY.pol\n"
                                   : "error: with --base, give one policy: pol diff --base REV POLICY.pol\n");
      return exit_usage;
   }
   if (!as_of_ok(o.as_of)) return exit_usage;
   std::optional<Limit> limit;
   if (!o.max_changed.empty() && !(limit = parse_limit(o.max_changed))) {
      std::cerr << fmt::format("error: --max-changed {} is not a count of records (10) or a share of them (2.5%)\n", o.max_changed);
      return exit_usage;
   }
   if (limit && limit->percent && o.population.empty()) {
      std::cerr << "error: --max-changed as a share of records needs --population\n";
      return exit_usage;
   }
   Versions v;
   if (!read_versions(o, v)) return exit_usage;
   Json report;
   std::uint64_t changed = 0, total = 0;
   if (o.population.empty()) {
      try {
         report = diff_outline(v);
      } catch (const CompileError& e) {
         for (const auto& d : e.diagnostics()) std::cerr << d.rendered << "\n";
         std::cerr << fmt::format("error: {}\n", e.what());
         return e.unreadable() ? exit_usage : exit_failed;
      }
      changed = total = report["changes"].size();
   } else {
      int status = exit_ok;
      const auto old_policy = compile(v.old_path, v.old_label, v.old_text, o, status);
      const auto new_policy = old_policy ? compile(v.new_path, v.new_label, v.new_text, o, status) : nullptr;
      if (!new_policy) return status;
      PopulationOptions p;
      p.file = o.population;
      p.format = o.input_format;
      p.eval.as_of = o.as_of.empty() ? today() : o.as_of;  // one date for both versions
      p.jobs = o.jobs;
      p.examples = o.examples;
      p.block_bytes = o.block_bytes;
      try {
         report = diff_population(v, old_policy, new_policy, p);
      } catch (const std::system_error& e) {
         std::cerr << fmt::format("error: {}\n", e.what());
         return exit_usage;
      } catch (const std::overflow_error& e) {
         std::cerr << fmt::format("error: {}\n", e.what());
         return exit_failed;
      }
      changed = report["records"]["changed"];
      total = report["records"]["total"];
   }
   if (o.output == "-") {
      std::cout << render_report(report, o.format);
   } else {
      std::ofstream out(o.output, std::ios::binary);
      out << render_report(report, o.format);
      if (!out.flush()) {
         std::cerr << fmt::format("error: cannot write {}\n", o.output);
         return exit_usage;
      }
   }
   if (o.fail_on_change && changed > 0) return exit_failed;
   if (limit && exceeds(changed, total, *limit)) {
      std::cerr << fmt::format("error: {} {} changed, more than --max-changed {}\n", changed, o.population.empty() ? "declarations" : "records", o.max_changed);
      return exit_failed;
   }
   return exit_ok;
}

}  // namespace

Runner add_diff(CLI::App& app)
{
   auto* cmd = app.add_subcommand("diff", "What a change to a policy changes.\n"
                                          "With --population, evaluates both versions for every JSONL line or CSV row and reports, per output, the records\n"
                                          "that changed, totals and changes, new and gone errors and violations, and examples with why they differ.\n"
                                          "Without, lists the inputs, params, tables, rules, outputs and tests added, removed or changed.\n"
                                          "Exit status: 0; 1 with --fail-on-change or --max-changed when exceeded, or when a policy has errors; 2 on usage problems.");
   auto o = std::make_shared<Options>();
   cmd->add_option("policies", o->policies, "OLD.pol NEW.pol, or with --base only the policy")->required();
   cmd->add_option("--base", o->base, "Take the old version from git at this revision (origin/main, HEAD~1)");
   cmd->add_option("--population,-p", o->population, "JSONL or CSV records to evaluate both versions over, or - for standard input");
   cmd->add_option("--input-format", o->input_format, "jsonl or csv; by default from the population's extension (.csv), else jsonl")->check(CLI::IsMember({"jsonl", "csv"}));
   cmd->add_option("--as-of", o->as_of, "The evaluation date (YYYY-MM-DD) for values by date, the same for both versions; default: today");
   cmd->add_option("--examples", o->examples, "Example records to show per kind of change (default 3)")->check(CLI::Range(std::size_t{0}, std::size_t{1000}));
   cmd->add_option("--format", o->format, "human (default), markdown (for a pull request) or json (docs/diff-format.md)")->check(CLI::IsMember({"human", "markdown", "json"}));
   cmd->add_option("--output,-o", o->output, "Where to write the report, or - for standard output");
   cmd->add_flag("--fail-on-change", o->fail_on_change, "Exit with status 1 when anything changed");
   cmd->add_option("--max-changed", o->max_changed, "Exit with status 1 when more records (or declarations) changed than N, or than N% of the records");
   cmd->add_option("--jobs,-j", o->jobs, "Threads to evaluate with (default: all cores)")->check(CLI::Range(1u, 256u));
   cmd->add_option("--path", o->path, "Extra folders to search for imported files");
   cmd->add_option("--block-bytes", o->block_bytes)->check(CLI::Range(std::size_t{1}, std::size_t{1} << 30))->group("");
   return [o] { return run(*o); };
}

}  // namespace pol::cli
