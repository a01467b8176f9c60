// pol: check, evaluate, test and format pay and HR policies. The whole command is a function
// (pol_cli_main), so that the fuzz harnesses run it in-process; pol.cpp holds main.
#include <iostream>

#include "commands.hpp"

int pol_cli_main(int argc, char** argv)
{
   CLI::App app{"pol: exact, explainable pay and HR policies.\n\nRun 'pol COMMAND --help' for the options of a command.", "pol"};
   app.require_subcommand(1);
   app.set_version_flag("--version", "pol 0.1.0");
   std::vector<std::pair<CLI::App*, pol::cli::Runner>> commands;
   const auto add = [&](pol::cli::Runner (*make)(CLI::App&)) {
      const auto before = app.get_subcommands({}).size();
      auto runner = make(app);
      commands.emplace_back(app.get_subcommands({})[before], std::move(runner));
   };
   add(pol::cli::add_check);
   add(pol::cli::add_eval);
   add(pol::cli::add_test);
   add(pol::cli::add_batch);
   add(pol::cli::add_diff);
   add(pol::cli::add_fmt);
   add(pol::cli::add_schema);
   add(pol::cli::add_serve);
   add(pol::cli::add_doc);
   add(pol::cli::add_lsp);
   try {
      app.parse(argc, argv);
   } catch (const CLI::CallForHelp& e) {
      return app.exit(e);
   } catch (const CLI::CallForAllHelp& e) {
      return app.exit(e);
   } catch (const CLI::CallForVersion& e) {
      return app.exit(e);
   } catch (const CLI::ParseError& e) {
      app.exit(e);
      return pol::cli::exit_usage;
   }
   for (auto& [sub, run] : commands) {
      if (!sub->parsed()) continue;
      const int status = run();
      // results that could not be written (a full disk, a closed pipe) are a failure
      if (!(std::cout << std::flush)) {
         std::cerr << "error: cannot write the results to standard output\n";
         return pol::cli::exit_failed;
      }
      return status;
   }
   return pol::cli::exit_usage;
}
