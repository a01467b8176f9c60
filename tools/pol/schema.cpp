// pol schema POLICY: the JSON Schema of a policy's input, or of its result, for the systems that
// call it (validation, forms, generated clients).
#include <iostream>

#include "commands.hpp"

namespace pol::cli {

Runner add_schema(CLI::App& app)
{
   auto* cmd = app.add_subcommand("schema", "Print a JSON Schema (draft 2020-12) of the policy's input object, or with --result of its result.\n"
                                            "Exit status: 0, 1 when the policy has errors, 2 on usage or I/O problems.");
   struct Options {
      std::string policy;
      bool result = false;
      std::vector<std::string> path;
   };
   auto o = std::make_shared<Options>();
   cmd->add_option("policy", o->policy, "The policy file (.pol)")->required();
   cmd->add_flag("--result", o->result, "The schema of the result (pol eval's output) instead of the input");
   cmd->add_option("--path", o->path, "Extra folders to search for imported files");
   return [o] {
      int status = exit_ok;
      const auto policy = load_policy(o->policy, o->path, Limits{}, false, status);
      if (!policy) return status;
      std::cout << policy->schema_json(o->result ? SchemaPart::result : SchemaPart::input) << "\n";
      return exit_ok;
   };
}

}  // namespace pol::cli
