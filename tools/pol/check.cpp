// pol check FILE…: every problem in the policies, at once.
#include <iostream>

#include <fmt/format.h>

#include "commands.hpp"
#include "compile.hpp"

namespace pol::cli {

Runner add_check(CLI::App& app)
{
   auto* cmd = app.add_subcommand("check", "Parse, resolve and type-check policies; report every problem at once.\n"
                                           "Exit status: 0 when there are no errors (warnings allowed), 1 on errors, 2 when a file cannot be read.");
   struct Options {
      std::vector<std::string> files;
      std::string format = "human";
      std::vector<std::string> path;
      bool deny_warnings = false;
   };
   auto o = std::make_shared<Options>();
   cmd->add_option("files", o->files, "Policy files (.pol), or folders to search for them")->required();
   cmd->add_option("--format", o->format, "Output: human (source, caret and help), json, or github (workflow annotations)")
      ->check(CLI::IsMember({"human", "json", "github"}));
   cmd->add_option("--path", o->path, "Extra folders to search for imported files");
   cmd->add_flag("--deny-warnings", o->deny_warnings, "Treat warnings as errors (exit status 1)");
   return [o] {
      const Format format = o->format == "json" ? Format::json : o->format == "github" ? Format::github : Format::human;
      int status = exit_ok;
      std::size_t errors = 0, warnings = 0;
      nlohmann::json all = nlohmann::json::array();
      std::vector<std::string> missing;
      const auto files = policy_files(o->files, missing);
      for (const auto& m : missing) {
         std::cerr << fmt::format("error: cannot read {}\n", m);
         status = exit_usage;
      }
      for (const auto& file : files) {
         lang::CompileOptions options;
         options.search_path = o->path;
         const auto c = interp::compile_file(file, options);
         if (c.io_error) {
            std::cerr << fmt::format("error: cannot read {}\n", file);
            status = exit_usage;
            continue;
         }
         errors += c.diagnostics.error_count();
         warnings += c.diagnostics.warning_count();
         if (format == Format::json) {
            for (const auto& d : c.diagnostics.items()) all.push_back(lang::render_json(c.program->sources, d));
         } else {
            print_diagnostics(c, format);
         }
      }
      if (format == Format::json) std::cout << all.dump(2) << "\n";
      else if (format == Format::human) {
         if (errors + warnings == 0) std::cout << fmt::format("{} checked: no problems\n", files.size() == 1 ? files.front() : fmt::format("{} files", files.size()));
         else std::cout << fmt::format("{} error{}, {} warning{}\n", errors, errors == 1 ? "" : "s", warnings, warnings == 1 ? "" : "s");
      }
      if (status != exit_ok) return status;
      return (errors > 0 || (o->deny_warnings && warnings > 0)) ? exit_failed : exit_ok;
   };
}

}  // namespace pol::cli
