// pol lsp: the language server editors start (docs/editors.md).
#include <iostream>

#include "commands.hpp"
#include "lsp/server.hpp"

namespace pol::cli {

Runner add_lsp(CLI::App& app)
{
   auto* cmd = app.add_subcommand("lsp", "Run the language server on standard input and output, for editors: diagnostics as pol check gives them,\n"
                                         "hover, definitions, references, rename, completion, symbols, formatting and quick fixes (docs/editors.md).");
   auto path = std::make_shared<std::vector<std::string>>();
   cmd->add_option("--path", *path, "Extra folders to search for imported files");
   auto stdio = std::make_shared<bool>(true);
   cmd->add_flag("--stdio", *stdio, "Use standard input and output (the default, and the only way)");
   return [path, stdio] {
      std::ios::sync_with_stdio(false);
      lsp::Server server(*path);
      for (;;) {
         std::optional<std::string> body;
         try {
            body = lsp::read_message(std::cin);
         } catch (const std::runtime_error& e) {
            std::cerr << "pol lsp: " << e.what() << "\n";
            return exit_failed;
         }
         if (!body) break;
         const auto message = lsp::Json::parse(*body, nullptr, false);
         if (message.is_discarded()) {
            lsp::write_message(std::cout, {{"jsonrpc", "2.0"}, {"id", nullptr}, {"error", {{"code", -32700}, {"message", "the message is not JSON"}}}});
            continue;
         }
         for (const auto& reply : server.handle(message)) lsp::write_message(std::cout, reply);
         if (server.exited()) return server.exit_status();
      }
      return exit_ok;
   };
}

}  // namespace pol::cli
