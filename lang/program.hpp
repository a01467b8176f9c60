// A checked program: the parsed modules and everything the checker resolved, slot-indexed
// so that the interpreter never looks a name up.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ast.hpp"
#include "source.hpp"

namespace pol::lang {

enum class GlobalKind : std::uint8_t { input, param, let, rule, output };
const char* to_string(GlobalKind k);

// A named value of the policy, evaluated at most once per evaluation.
struct Global {
   GlobalKind kind;
   std::uint32_t module;
   std::uint32_t decl;  // index into the module's vector for its kind
   std::string name;
   Span span;
   Type type;
   std::uint32_t frame_size = 0;  // local slots its expressions need (lambdas)
   bool used = false;
};

struct EnumInfo {
   std::string name;
   std::vector<std::string> variants;
   std::vector<std::string> labels;
   const EnumDecl* decl = nullptr;  // null for built-in enums
};

struct RecordInfo {
   std::string name;
   std::vector<std::string> field_names;
   std::vector<Type> field_types;
   const RecordDecl* decl = nullptr;
   std::uint32_t module = 0;
   int field_index(const std::string& name) const;
};

struct FunctionInfo {
   const FnDecl* decl;
   std::uint32_t module;
   std::vector<Type> params;
   Type result;
   std::uint32_t frame_size = 0;
};

struct TableInfo {
   const TableDecl* decl;
   std::uint32_t module;
   std::vector<Type> params;
   Type row_type;   // the output column
   Type call_type;  // what a call returns: the row type, or a list or aggregate under collect
   std::uint32_t frame_size = 0;
};

struct Program {
   SourceSet sources;
   std::vector<std::unique_ptr<Module>> modules;  // modules[0] is the policy being compiled
   std::vector<Global> globals;
   std::vector<EnumInfo> enums;                   // enums[0] is the built-in RoundingMode
   std::vector<RecordInfo> records;
   std::vector<FunctionInfo> functions;
   std::vector<TableInfo> tables;
   std::vector<std::uint32_t> inputs;   // global slots of the main module's inputs, in order
   std::vector<std::uint32_t> outputs;  // global slots of the main module's outputs, in order
   std::uint32_t require_frame_size = 0;
   std::uint64_t step_bound = 0;  // the most steps an evaluation takes when every list has one item (cost.hpp)
   std::vector<std::uint64_t> step_terms;  // the bound for lists of n items: Steps{step_terms}.at(n)

   const Module& main() const { return *modules.front(); }
   const InputDecl& input_decl(const Global& g) const { return modules[g.module]->inputs[g.decl]; }
   const ParamDecl& param_decl(const Global& g) const { return modules[g.module]->params[g.decl]; }
   const LetDecl& let_decl(const Global& g) const { return modules[g.module]->lets[g.decl]; }
   const RuleDecl& rule_decl(const Global& g) const { return modules[g.module]->rules[g.decl]; }
   const OutputDecl& output_decl(const Global& g) const { return modules[g.module]->outputs[g.decl]; }
   int find_global(const std::string& name, GlobalKind kind) const;
   // The expressions a global's value comes from: an input's default (not its `requires`), a
   // param's values by date, a let's or an output's value, a rule's default and exceptions.
   std::vector<const Expr*> value_expressions(const Global& g) const;
};

}  // namespace pol::lang
