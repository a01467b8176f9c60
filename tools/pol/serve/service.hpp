// pol serve's HTTP API (docs/http-api.md): the routes, each answered from the registry's current
// policies, with a JSON log line and metrics for every request.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

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
   HttpResponse handle(const HttpRequest& request);
   // Logs the request and counts it in the metrics.
   void observe(const HttpRequest& request, const HttpResponse& response, std::uint64_t microseconds);
   // The transport, once it runs: for the connection figures of /metrics and /readyz.
   void attach(const HttpServer* server) { server_ = server; }

private:
   HttpResponse list_policies() const;
   HttpResponse describe(const LoadedPolicy& p) const;
   HttpResponse evaluate(const LoadedPolicy& p, const HttpRequest& request);
   HttpResponse batch(const LoadedPolicy& p, const HttpRequest& request);
   HttpResponse metrics() const;
   HttpResponse ready() const;

   Registry& registry_;
   ServiceOptions options_;
   Log log_;
   Metrics metrics_;
   const HttpServer* server_ = nullptr;
};

// The raw text of the last member named `key` of a JSON object, given as valid JSON text, so that
// its numbers reach the policy exactly as written; nullopt when it has none.
std::optional<std::string_view> member_text(std::string_view object_json, std::string_view key);

// The calculator's files, built into pol: path ("/static/calculator.js") to content type and text.
struct Asset {
   const char* content_type;
   std::string_view text;
};
std::optional<Asset> web_asset(std::string_view name);

}  // namespace pol::serve
