#include "program.hpp"

namespace pol::lang {

const char* to_string(GlobalKind k)
{
   switch (k) {
      case GlobalKind::input: return "input";
      case GlobalKind::param: return "param";
      case GlobalKind::let: return "let";
      case GlobalKind::rule: return "rule";
      case GlobalKind::output: return "output";
   }
   return "value";
}

const char* to_string(BinaryOp op)
{
   switch (op) {
      case BinaryOp::add: return "+";
      case BinaryOp::sub: return "-";
      case BinaryOp::mul: return "*";
      case BinaryOp::div: return "/";
      case BinaryOp::and_: return "and";
      case BinaryOp::or_: return "or";
      case BinaryOp::coalesce: return "??";
      case BinaryOp::in: return "in";
   }
   return "?";
}

const char* to_string(CompareOp op)
{
   switch (op) {
      case CompareOp::eq: return "==";
      case CompareOp::ne: return "!=";
      case CompareOp::lt: return "<";
      case CompareOp::le: return "<=";
      case CompareOp::gt: return ">";
      case CompareOp::ge: return ">=";
   }
   return "?";
}

int RecordInfo::field_index(const std::string& field) const
{
   for (std::size_t i = 0; i < field_names.size(); ++i) {
      if (field_names[i] == field) return static_cast<int>(i);
   }
   return -1;
}

std::vector<const Expr*> Program::value_expressions(const Global& g) const
{
   std::vector<const Expr*> out;
   const auto add = [&](const ExprPtr& e) {
      if (e) out.push_back(e.get());
   };
   switch (g.kind) {
      case GlobalKind::input: add(input_decl(g).default_value); break;
      case GlobalKind::param:
         add(param_decl(g).value);
         for (const auto& per : param_decl(g).periods) add(per.value);
         break;
      case GlobalKind::let: add(let_decl(g).value); break;
      case GlobalKind::output: add(output_decl(g).value); break;
      case GlobalKind::rule:
         add(rule_decl(g).default_value);
         for (const auto& x : rule_decl(g).exceptions) {
            add(x.condition);
            add(x.value);
         }
         break;
   }
   return out;
}

int Program::find_global(const std::string& name, GlobalKind kind) const
{
   for (std::size_t i = 0; i < globals.size(); ++i) {
      if (globals[i].module == 0 && globals[i].kind == kind && globals[i].name == name) return static_cast<int>(i);
   }
   return -1;
}

}  // namespace pol::lang
