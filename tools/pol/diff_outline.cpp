// pol diff without a population: the declarations added, removed or changed, by name, as a
// changelog lists them. Declarations are compared by their syntax trees without positions or
// comments, so a change of layout alone reports nothing.
#include <algorithm>
#include <map>

#include "diff.hpp"

namespace pol::cli {

namespace {

// The order a changelog reads in: what a policy takes, what it decides with, what it gives.
const char* const kind_order[] = {"import", "enum", "record", "input", "param", "period", "table", "row", "rule", "exception", "let", "function", "output", "require", "test"};

std::size_t rank(const std::string& kind)
{
   const auto it = std::find(std::begin(kind_order), std::end(kind_order), kind);
   return static_cast<std::size_t>(it - std::begin(kind_order));
}

// A part is listed with its declaration: a param's periods after the param, a table's rows after
// the table, a rule's exceptions after the rule.
std::string group(const Declaration& d)
{
   if (d.owner.empty()) return (d.kind == "period" ? "param" : d.kind) + " " + d.name;
   const std::string parent = d.kind == "period" ? "param" : d.kind == "row" ? "table" : "rule";
   return parent + " " + d.owner;
}

using Key = std::tuple<std::string, std::string, std::string>;  // kind, owner, key
Key key_of(const Declaration& d) { return {d.kind, d.owner, d.key}; }

Json side(const Declaration& d)
{
   return {{"text", d.text}, {"source", d.source.empty() ? Json(nullptr) : Json(d.source)}, {"line", d.line}};
}

}  // namespace

Json diff_outline(const Versions& v)
{
   const auto before = outline_string(v.old_path, v.old_text), after = outline_string(v.new_path, v.new_text);
   std::map<Key, const Declaration*> old_by_key, new_by_key;
   for (const auto& d : before) old_by_key.emplace(key_of(d), &d);
   for (const auto& d : after) new_by_key.emplace(key_of(d), &d);
   struct Change {
      const Declaration* old;
      const Declaration* now;
      const Declaration& either() const { return now ? *now : *old; }
   };
   std::vector<Change> changes;
   for (const auto& d : after) {
      const auto it = old_by_key.find(key_of(d));
      if (it == old_by_key.end()) changes.push_back({nullptr, &d});
      else if (it->second->shape != d.shape) changes.push_back({it->second, &d});
   }
   for (const auto& d : before) {
      if (!new_by_key.contains(key_of(d))) changes.push_back({&d, nullptr});
   }
   // by declaration (in the changelog's order of kinds), each followed by its parts, in the
   // order the new version has them
   std::stable_sort(changes.begin(), changes.end(), [](const Change& a, const Change& b) {
      const Declaration &x = a.either(), &y = b.either();
      const auto owner_rank = [](const Declaration& d) { return rank(d.owner.empty() ? d.kind : d.kind == "period" ? "param" : d.kind == "row" ? "table" : "rule"); };
      return std::tuple(owner_rank(x), group(x), !x.owner.empty()) < std::tuple(owner_rank(y), group(y), !y.owner.empty());
   });
   Json list = Json::array();
   for (const auto& c : changes) {
      const Declaration& d = c.either();
      list.push_back({{"kind", d.kind},
                      {"owner", d.owner.empty() ? Json(nullptr) : Json(d.owner)},
                      {"name", d.name},
                      {"change", !c.old ? "added" : !c.now ? "removed" : "changed"},
                      {"before", c.old ? side(*c.old) : Json(nullptr)},
                      {"after", c.now ? side(*c.now) : Json(nullptr)}});
   }
   return {{"format", "pol-diff/1"}, {"kind", "structure"}, {"old", v.old_label}, {"new", v.new_label}, {"changes", std::move(list)}};
}

}  // namespace pol::cli
