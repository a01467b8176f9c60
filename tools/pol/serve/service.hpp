// pol serve's HTTP API (docs/http-api.md): the routes, each answered from the registry's current
// policies, with a JSON log line and metrics for every request.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "http.hpp"
#include "metrics.hpp"
#include "pol/pol.hpp"
#include "registry.hpp"

namespace pol::serve {

struct ServiceOptions {
   Limits limits;                            // of each evaluation
   std::size_t max_record = 1 << 20;         // bytes of one batch line
   bool log_inputs = false;                  // log request bodies (personal data): off unless asked
};

class Service {
public:
   Service(Registry& registry, ServiceOptions options, Log log);
   HttpResponse handle(HttpRequest& request);
   // Logs the request and counts it in the metrics.
   void observe(const HttpRequest& request, const HttpResponse& response, std::uint64_t microseconds);
   // The transport, once it runs: for the connection figures of /metrics and /readyz.
   void attach(const HttpServer* server) { server_ = server; }

private:
   HttpResponse list_policies() const;
   HttpResponse describe(const LoadedPolicy& p) const;
   HttpResponse evaluate(const LoadedPolicy& p, const HttpRequest& request);
   HttpResponse batch(std::shared_ptr<const LoadedPolicy> p, HttpRequest& request);
   HttpResponse metrics() const;
   HttpResponse ready() const;

   Registry& registry_;
   ServiceOptions options_;
   Log log_;
   Metrics metrics_;
   const HttpServer* server_ = nullptr;
};

// A member of a JSON object: its name as written and as it reads, and its value's text.
struct JsonMember {
   std::string_view raw_name;  // with its quotes and escapes
   std::string_view value;
   std::string name;
};
// The members of the JSON object that is the whole of `text`, in order, in one pass without
// building a tree (no recursion, numbers kept as text); or what is wrong with the text, and where.
std::variant<std::vector<JsonMember>, std::string> top_members(std::string_view text);

// The calculator's files, built into pol: path ("/static/calculator.js") to content type and text.
struct Asset {
   const char* content_type;
   std::string_view text;
};
std::optional<Asset> web_asset(std::string_view name);

}  // namespace pol::serve
