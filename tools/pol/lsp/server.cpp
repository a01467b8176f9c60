#include "server.hpp"

#include "clock.hpp"
#include "url.hpp"

#include <charconv>
#include <ctime>
#include <stdexcept>
#include <istream>
#include <ostream>
#include <regex>

#include <fmt/format.h>

namespace pol::lsp {

namespace {

Json position_json(Position p) { return {{"line", p.line}, {"character", p.character}}; }
Json range_json(Range r) { return {{"start", position_json(r.start)}, {"end", position_json(r.end)}}; }
Position position_of(const Json& j) { return {j.value("line", 0u), j.value("character", 0u)}; }

// "file:///a/b%20c.pol" is the path "/a/b c.pol".
std::string path_of(const std::string& uri) { return cli::percent_decode(uri.starts_with("file://") ? std::string_view(uri).substr(7) : std::string_view(uri)); }

// LSP's kinds of symbol and of completion item, for each kind of declaration.
int symbol_kind(const std::string& kind)
{
   if (kind == "input") return 13;     // Variable
   if (kind == "param") return 14;     // Constant
   if (kind == "let") return 13;       // Variable
   if (kind == "function") return 12;  // Function
   if (kind == "output") return 8;     // Field
   if (kind == "rule") return 12;      // Function
   if (kind == "table") return 23;     // Struct
   if (kind == "enum") return 10;      // Enum
   if (kind == "record") return 23;    // Struct
   if (kind == "test") return 24;      // Event
   if (kind == "period" || kind == "row" || kind == "exception") return 7;  // Property
   return 2;                           // Module
}

int completion_kind(const std::string& kind)
{
   if (kind == "function" || kind == "table" || kind == "rule") return 3;  // Function
   if (kind == "param") return 21;                                          // Constant
   if (kind == "enum" || kind == "record") return 7;                        // Class
   return 6;                                                                // Variable
}

std::string today() { return cli::clock_text("%Y-%m-%d", false); }

Json error_response(const Json& id, int code, const std::string& message) { return {{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}}; }

}  // namespace

std::optional<std::string> read_message(std::istream& in)
{
   constexpr std::size_t largest = 64u << 20;  // no document is near this; a larger length is a broken frame
   std::size_t length = 0;
   bool have_length = false;
   std::string line;
   for (;;) {
      if (!std::getline(in, line)) return std::nullopt;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty()) {
         if (have_length) break;
         continue;
      }
      const auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (name == "content-length") {
         std::string_view value = std::string_view(line).substr(colon + 1);
         while (value.starts_with(' ')) value.remove_prefix(1);
         const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), length);
         if (error != std::errc() || end != value.data() + value.size() || length > largest) {
            throw std::runtime_error(fmt::format("a message's Content-Length is not a number of bytes up to {} MiB: \"{}\"", largest >> 20, value));
         }
         have_length = true;
      }
   }
   std::string body(length, '\0');
   if (!in.read(body.data(), static_cast<std::streamsize>(length))) return std::nullopt;
   return body;
}

void write_message(std::ostream& out, const Json& message)
{
   const std::string body = message.dump(-1, ' ', false, Json::error_handler_t::replace);
   out << "Content-Length: " << body.size() << "\r\n\r\n" << body;
   out.flush();
}

std::vector<Json> Server::handle(const Json& message)
{
   std::vector<Json> out;
   const std::string method = message.value("method", "");
   // a member that is missing or of the wrong kind reads as empty, never as undefined behaviour
   const Json params = message.contains("params") && message["params"].is_object() ? message["params"] : Json::object();
   const bool request = message.contains("id");
   try {
      Json result = dispatch(method, params, out);
      if (request) {
         if (result.is_object() && result.contains("__error")) out.push_back(error_response(message["id"], result["__error"]["code"], result["__error"]["message"]));
         else out.push_back({{"jsonrpc", "2.0"}, {"id", message["id"]}, {"result", result}});
      }
   } catch (const std::exception& e) {
      if (request) out.push_back(error_response(message["id"], -32603, e.what()));
   }
   return out;
}

Json Server::dispatch(const std::string& method, const Json& params, std::vector<Json>& out)
{
   const auto member = [&](const char* name) -> Json {
      const auto it = params.find(name);
      return it != params.end() && it->is_object() ? *it : Json::object();
   };
   const auto doc = [&]() -> Document* {
      const auto it = documents_.find(member("textDocument").value("uri", ""));
      return it == documents_.end() ? nullptr : &it->second;
   };
   if (method == "initialize") {
      return {{"capabilities",
               {{"textDocumentSync", {{"openClose", true}, {"change", 1}}},
                {"hoverProvider", true},
                {"definitionProvider", true},
                {"referencesProvider", true},
                {"renameProvider", true},
                {"documentSymbolProvider", true},
                {"documentFormattingProvider", true},
                {"codeActionProvider", {{"codeActionKinds", {"quickfix"}}}},
                {"completionProvider", {{"triggerCharacters", {"."}}}}}},
              {"serverInfo", {{"name", "pol"}, {"version", "0.1.0"}}}};
   }
   if (method == "shutdown") {
      shutdown_ = true;
      return nullptr;
   }
   if (method == "exit") {
      exited_ = true;
      return nullptr;
   }
   if (method == "textDocument/didOpen" || method == "textDocument/didChange") {
      const Json td = member("textDocument");
      const std::string uri = td.value("uri", "");
      if (uri.empty()) return nullptr;
      Document& d = documents_[uri];
      d.uri = uri;
      d.path = path_of(uri);
      if (method == "textDocument/didOpen") d.text = Text(td.value("text", ""));
      else if (const auto changes = params.find("contentChanges"); changes != params.end() && changes->is_array() && !changes->empty() && changes->back().is_object()) {
         d.text = Text(changes->back().value("text", ""));
      }
      out.push_back(publish(d));
      return nullptr;
   }
   if (method == "textDocument/didClose") {
      const std::string uri = member("textDocument").value("uri", "");
      documents_.erase(uri);
      out.push_back({{"jsonrpc", "2.0"}, {"method", "textDocument/publishDiagnostics"}, {"params", {{"uri", uri}, {"diagnostics", Json::array()}}}});
      return nullptr;
   }
   Document* d = method.starts_with("textDocument/") ? doc() : nullptr;
   if (!d) return nullptr;
   refresh(*d);
   const Position p = position_of(member("position"));
   if (method == "textDocument/hover") return hover(*d, p);
   if (method == "textDocument/definition") return definition(*d, p);
   if (method == "textDocument/references") return references(*d, p, member("context").value("includeDeclaration", false));
   if (method == "textDocument/rename") return rename(*d, p, params.value("newName", ""));
   if (method == "textDocument/completion") return completion(*d, p);
   if (method == "textDocument/documentSymbol") return symbols(*d);
   if (method == "textDocument/formatting") return formatting(*d);
   if (method == "textDocument/codeAction") return code_actions(*d, params);
   return nullptr;
}

// Checks the document as pol check does, and keeps what parsed for the other requests.
// The declarations and the document of the current text, made when a request first needs them:
// diagnostics go out without waiting for them.
void Server::refresh(Document& d)
{
   if (!d.stale) return;
   d.stale = false;
   try {
      d.outline = outline_string(d.path, d.text.str());
   } catch (const CompileError&) {  // it does not parse: the last declarations that did stay
   }
   if (!d.checked_clean) return;
   try {
      CompileOptions compile;
      compile.search_path = search_path_;
      compile.analyse_tables = false;
      d.doc = Json::parse(Policy::compile_string(d.path, d.text.str(), compile)->document_json());
   } catch (const std::exception&) {
   }
}

Json Server::publish(Document& d)
{
   CompileOptions options;
   options.search_path = search_path_;
   const CheckResult check = check_text(d.path, d.text.str(), options);
   Json diagnostics = Json::array();
   for (const auto& diag : check.diagnostics) {
      const Json j = Json::parse(diag.json);
      const auto& at = j["location"];
      Range range;
      if (at.value("file", "") == d.path || diag.file == d.path) {
         range = {d.text.at(at.value("line", 1u), at.value("column", 1u)), d.text.at(at.value("end_line", at.value("line", 1u)), at.value("end_column", at.value("column", 1u)))};
      }
      Json item{{"range", range_json(range)}, {"severity", diag.error ? 1 : 2}, {"code", diag.code}, {"source", "pol"}, {"message", diag.message}};
      if (!diag.help.empty()) {
         item["relatedInformation"] = Json::array({{{"location", {{"uri", d.uri}, {"range", range_json(range)}}}, {"message", "help: " + diag.help}}});
         item["data"] = {{"help", diag.help}};
      }
      diagnostics.push_back(std::move(item));
   }
   d.checked_clean = check.errors() == 0;
   d.stale = true;
   return {{"jsonrpc", "2.0"}, {"method", "textDocument/publishDiagnostics"}, {"params", {{"uri", d.uri}, {"diagnostics", diagnostics}}}};
}

const Declaration* Server::declaration_of(const Document& d, const std::string& name) const
{
   for (const auto& decl : d.outline) {
      if (decl.owner.empty() && decl.name == name && decl.kind != "test" && decl.kind != "require") return &decl;
   }
   return nullptr;
}

// The declared name within its declaration's first line.
Range Server::name_range(const Document& d, const Declaration& decl) const
{
   const unsigned line = decl.line ? decl.line - 1 : 0;
   const std::string_view text = d.text.line(line);
   std::size_t at = 0;
   const std::regex word("\\b" + decl.name + "\\b");
   std::match_results<std::string_view::const_iterator> m;
   if (std::regex_search(text.begin(), text.end(), m, word)) at = static_cast<std::size_t>(m.position(0));
   const auto start = d.text.position(d.text.offset({line, 0}) + at);
   return {start, d.text.position(d.text.offset({line, 0}) + at + decl.name.size())};
}

Json Server::hover(const Document& d, Position p) const
{
   const Occurrence* o = d.text.name_at(p);
   if (!o) return nullptr;
   std::string md;
   if (const Declaration* decl = o->qualified ? nullptr : declaration_of(d, o->name)) {
      md = fmt::format("**{}** `{}`\n\n```pol\n{}\n```", decl->kind, decl->name, decl->text);
      // its comment, type as checked and dated values, from the last document that compiled
      for (const char* section : {"inputs", "params", "rules", "tables", "outputs", "lets", "functions", "enums", "records"}) {
         if (!d.doc.contains(section)) continue;
         for (const auto& item : d.doc[section]) {
            if (item.value("name", "") != decl->name) continue;
            if (!item.value("comment", "").empty()) md += "\n\n" + item.value("comment", "");
            if (item.contains("periods") && !item["periods"].empty()) {
               const std::string now = today();
               md += "\n\n| from | value |\n| --- | --- |";
               std::string in_force;
               for (const auto& period : item["periods"]) {
                  md += fmt::format("\n| {} | `{}` |", period.value("from", ""), period["value"].is_string() ? period["value"].get<std::string>() : "");
                  if (period.value("from", "") <= now) in_force = period["value"].is_string() ? period["value"].get<std::string>() : "";
               }
               if (!in_force.empty()) md += fmt::format("\n\nToday ({}): `{}`", now, in_force);
            }
         }
      }
      if (!decl->source.empty()) md += "\n\nSource: " + decl->source;
   } else {
      for (const auto& f : builtin_functions()) {
         if (f.name == o->name) md = fmt::format("**built-in** `{}`\n\n{}", f.signature, f.summary);
      }
      if (md.empty() && d.doc.contains("enums")) {
         for (const auto& e : d.doc["enums"]) {
            for (const auto& v : e["values"]) {
               if (v.value("name", "") == o->name) md = fmt::format("**{}** value `{}`: {}", e.value("name", ""), o->name, v.value("label", ""));
            }
         }
      }
   }
   if (md.empty()) return nullptr;
   return {{"contents", {{"kind", "markdown"}, {"value", md}}}, {"range", range_json(d.text.range_of(*o))}};
}

Json Server::definition(const Document& d, Position p) const
{
   const Occurrence* o = d.text.name_at(p);
   if (!o || o->qualified) return nullptr;
   if (const Declaration* decl = declaration_of(d, o->name)) return {{"uri", d.uri}, {"range", range_json(name_range(d, *decl))}};
   // an enum's value: where its enum declares it
   for (const auto& decl : d.outline) {
      if (decl.kind != "enum" || decl.shape.find('"' + o->name + '"') == std::string::npos) continue;
      for (const auto& occurrence : d.text.names()) {
         const auto at = d.text.position(occurrence.offset);
         if (occurrence.name == o->name && at.line + 1 >= decl.line) return {{"uri", d.uri}, {"range", range_json(d.text.range_of(occurrence))}};
      }
   }
   return nullptr;
}

Json Server::references(const Document& d, Position p, bool declaration) const
{
   const Occurrence* o = d.text.name_at(p);
   if (!o || o->qualified) return Json::array();
   const Declaration* decl = declaration_of(d, o->name);
   // the declaration's own name is left out unless asked for
   const bool skip = decl && !declaration;
   const Range declared = decl ? name_range(d, *decl) : Range{};
   Json out = Json::array();
   for (const auto& occurrence : d.text.names()) {
      if (occurrence.name != o->name || occurrence.qualified) continue;
      const Range r = d.text.range_of(occurrence);
      if (skip && r.start.line == declared.start.line && r.start.character == declared.start.character) continue;
      out.push_back({{"uri", d.uri}, {"range", range_json(r)}});
   }
   return out;
}

Json Server::rename(const Document& d, Position p, const std::string& to) const
{
   static const std::regex name("[A-Za-z_][A-Za-z0-9_]*");
   if (!std::regex_match(to, name) || is_keyword(to)) return {{"__error", {{"code", -32602}, {"message", fmt::format("'{}' cannot be a name: use letters, digits and _, not a keyword", to)}}}};
   const Occurrence* o = d.text.name_at(p);
   if (!o || o->qualified || !declaration_of(d, o->name)) return {{"__error", {{"code", -32602}, {"message", "only a name this policy declares can be renamed here"}}}};
   if (declaration_of(d, to)) return {{"__error", {{"code", -32602}, {"message", fmt::format("the policy already declares '{}'", to)}}}};
   Json edits = Json::array();
   for (const auto& occurrence : d.text.names()) {
      if (occurrence.name == o->name && !occurrence.qualified) edits.push_back({{"range", range_json(d.text.range_of(occurrence))}, {"newText", to}});
   }
   return {{"changes", {{d.uri, edits}}}};
}

Json Server::completion(const Document& d, Position p) const
{
   Json items = Json::array();
   // after "module.": that standard-library module's functions
   const std::size_t at = d.text.offset(p);
   std::size_t start = at;
   while (start > 0 && (std::isalnum(static_cast<unsigned char>(d.text.str()[start - 1])) || d.text.str()[start - 1] == '_')) --start;
   if (start > 0 && d.text.str()[start - 1] == '.') {
      std::size_t module_start = start - 1;
      while (module_start > 0 && (std::isalnum(static_cast<unsigned char>(d.text.str()[module_start - 1])) || d.text.str()[module_start - 1] == '_')) --module_start;
      const std::string module = d.text.str().substr(module_start, start - 1 - module_start);
      for (const auto& f : library_functions()) {
         if (f.name.starts_with(module + ".")) items.push_back({{"label", f.name.substr(module.size() + 1)}, {"kind", 3}, {"detail", f.name + f.signature}});
      }
      return {{"isIncomplete", false}, {"items", items}};
   }
   for (const auto& k : keywords()) items.push_back({{"label", k}, {"kind", 14}});
   for (const auto& decl : d.outline) {
      if (!decl.owner.empty() || decl.kind == "test" || decl.kind == "require" || decl.kind == "import") continue;
      items.push_back({{"label", decl.name}, {"kind", completion_kind(decl.kind)}, {"detail", decl.text}});
   }
   if (d.doc.contains("enums")) {
      for (const auto& e : d.doc["enums"]) {
         for (const auto& v : e["values"]) items.push_back({{"label", v.value("name", "")}, {"kind", 20}, {"detail", fmt::format("{}: {}", e.value("name", ""), v.value("label", ""))}});
      }
   }
   if (d.doc.contains("tables")) {
      for (const auto& t : d.doc["tables"]) {
         for (const auto& c : t["columns"]) items.push_back({{"label", c.get<std::string>()}, {"kind", 5}, {"detail", "column of table " + t.value("name", "")}});
      }
   }
   for (const auto& f : builtin_functions()) {
      items.push_back({{"label", f.name}, {"kind", 3}, {"detail", f.signature}, {"documentation", f.summary}});
   }
   for (const auto& f : library_functions()) items.push_back({{"label", f.name}, {"kind", 3}, {"detail", f.name + f.signature}});
   return {{"isIncomplete", false}, {"items", items}};
}

Json Server::symbols(const Document& d) const
{
   Json out = Json::array();
   std::map<std::string, std::size_t> top;  // name to index in out
   for (std::size_t i = 0; i < d.outline.size(); ++i) {
      const auto& decl = d.outline[i];
      const unsigned line = decl.line ? decl.line - 1 : 0;
      const Range whole{{line, 0}, {line, static_cast<unsigned>(d.text.line(line).size())}};
      const Range name = decl.owner.empty() && decl.kind != "require" && decl.kind != "test" ? name_range(d, decl) : whole;
      Json symbol{{"name", decl.name.empty() ? decl.kind : decl.name}, {"detail", decl.kind}, {"kind", symbol_kind(decl.kind)}, {"range", range_json(whole)}, {"selectionRange", range_json(name)}};
      if (!decl.owner.empty() && top.count(decl.kind == "period" || decl.kind == "exception" || decl.kind == "row" ? decl.owner : "")) {
         Json& parent = out[top[decl.owner]];
         parent["children"].push_back(symbol);
         // the parent's range covers its parts
         if (parent["range"]["end"]["line"].get<unsigned>() < line) parent["range"]["end"] = position_json({line, static_cast<unsigned>(d.text.line(line).size())});
         continue;
      }
      symbol["children"] = Json::array();
      top[decl.name] = out.size();
      out.push_back(std::move(symbol));
   }
   return out;
}

Json Server::formatting(const Document& d) const
{
   const FormatResult f = format_text(d.text.str(), d.path);
   if (!f.ok || f.text == d.text.str()) return Json::array();
   return Json::array({{{"range", range_json(d.text.all())}, {"newText", f.text}}});
}

// Quick fixes: "did you mean 'x'?" replaces the name the diagnostic is on.
Json Server::code_actions(const Document& d, const Json& params) const
{
   Json out = Json::array();
   static const std::regex suggestion("did you mean '([A-Za-z_][A-Za-z0-9_.]*)'");
   const auto context = params.find("context");
   if (context == params.end() || !context->is_object()) return out;
   for (const auto& diag : context->value("diagnostics", Json::array())) {
      if (!diag.is_object() || !diag.contains("range")) continue;
      const std::string help = diag.contains("data") && diag["data"].is_object() ? diag["data"].value("help", "") : "";
      std::smatch m;
      if (!std::regex_search(help, m, suggestion)) continue;
      const std::string to = m[1];
      out.push_back({{"title", fmt::format("Change to '{}'", to)},
                     {"kind", "quickfix"},
                     {"diagnostics", Json::array({diag})},
                     {"isPreferred", true},
                     {"edit", {{"changes", {{d.uri, Json::array({{{"range", diag["range"]}, {"newText", to}}})}}}}}});
   }
   return out;
}

}  // namespace pol::lsp
