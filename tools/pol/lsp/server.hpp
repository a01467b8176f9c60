// pol lsp: a language server over standard input and output (JSON-RPC with Content-Length
// framing). Every answer comes from the library's own parser and checker, as pol check's does.
#pragma once

#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pol/pol.hpp"
#include "text.hpp"

namespace pol::lsp {

using Json = nlohmann::json;

// One framed message from the stream, or nullopt at its end; throws std::runtime_error when the
// framing is broken (the stream cannot be read on from there).
std::optional<std::string> read_message(std::istream& in);
void write_message(std::ostream& out, const Json& message);

class Server {
public:
   explicit Server(std::vector<std::string> search_path) : search_path_(std::move(search_path)) {}
   // Answers one message: the responses and notifications to send, in order.
   std::vector<Json> handle(const Json& message);
   bool exited() const { return exited_; }
   int exit_status() const { return shutdown_ ? 0 : 1; }

private:
   // What the server knows of an open document: its text, and the last declarations that parsed
   // and the last document that checked, so that hover and completion go on while it is broken.
   struct Document {
      std::string uri, path;
      Text text{""};
      std::vector<Declaration> outline;
      Json doc;  // Policy::document_json, when it last compiled
      bool checked_clean = false;  // the current text has no errors
      bool stale = true;           // outline and doc are not yet of the current text
   };
   void refresh(Document& d);

   Json dispatch(const std::string& method, const Json& params, std::vector<Json>& out);
   Json publish(Document& d);
   Json hover(const Document& d, Position p) const;
   Json definition(const Document& d, Position p) const;
   Json references(const Document& d, Position p, bool declaration) const;
   Json rename(const Document& d, Position p, const std::string& to) const;
   Json completion(const Document& d, Position p) const;
   Json symbols(const Document& d) const;
   Json formatting(const Document& d) const;
   Json code_actions(const Document& d, const Json& params) const;
   const Declaration* declaration_of(const Document& d, const std::string& name) const;
   Range name_range(const Document& d, const Declaration& decl) const;

   std::vector<std::string> search_path_;
   std::map<std::string, Document> documents_;  // by URI
   bool shutdown_ = false, exited_ = false;
};

}  // namespace pol::lsp
