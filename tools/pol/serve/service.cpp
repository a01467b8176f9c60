#include "service.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "../batch_stream.hpp"
#include "../record_errors.hpp"

namespace pol::serve {

namespace {

using Json = nlohmann::ordered_json;

std::string dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

HttpResponse json_response(unsigned status, const Json& body)
{
   HttpResponse r;
   r.status = status;
   r.body = dump(body);
   return r;
}

// A 4xx answer: {"errors": [{"code", "message", "field"?, "help"?}]}, as pol eval writes errors.
HttpResponse problem(unsigned status, const char* code, const std::string& message, const std::string& field = "", const std::string& help = "")
{
   Json e{{"code", code}, {"message", message}};
   if (!field.empty()) e["field"] = field;
   if (!help.empty()) e["help"] = help;
   return json_response(status, Json{{"errors", Json::array({e})}});
}

// Where a request goes: the endpoint's name for logs and metrics, and the policy it names.
struct Route {
   std::string endpoint;  // "evaluate", "batch", "policy", "policies", "calculator", "metrics", …
   std::string policy;
};

Route route_of(const std::string& path)
{
   constexpr std::string_view prefix = "/v1/policies/";
   if (path.starts_with(prefix)) {
      std::string rest = path.substr(prefix.size());
      for (const char* action : {"evaluate", "batch"}) {
         const std::string tail = std::string("/") + action;
         if (rest.ends_with(tail)) return {action, rest.substr(0, rest.size() - tail.size())};
      }
      return {"policy", rest};
   }
   if (path.starts_with("/calculator/")) return {"calculator", path.substr(std::string_view("/calculator/").size())};
   if (path == "/v1/policies") return {"policies", ""};
   if (path == "/metrics" || path == "/healthz" || path == "/readyz") return {path.substr(1), ""};
   if (path == "/" || path.starts_with("/static/")) return {"page", ""};
   return {"unknown", ""};
}

Json links(const std::string& name)
{
   return Json{{"self", "/v1/policies/" + name},
               {"evaluate", "/v1/policies/" + name + "/evaluate"},
               {"batch", "/v1/policies/" + name + "/batch"},
               {"calculator", "/calculator/" + name}};
}

Json summary(const LoadedPolicy& p)
{
   return Json{{"name", p.name},
               {"title", p.about.title},
               {"source", p.about.source},
               {"version", p.about.version.empty() ? Json(nullptr) : Json(p.about.version)},
               {"content_hash", p.content_hash},
               {"revision", p.revision},
               {"loaded_at", p.loaded_at},
               {"file", p.file},
               {"links", links(p.name)}};
}

// The query's parameters; a name given twice keeps the last.
std::map<std::string, std::string> query_params(const std::string& query)
{
   const auto decode = [](std::string_view s) {
      std::string out;
      for (std::size_t i = 0; i < s.size(); ++i) {
         if (s[i] == '+') out += ' ';
         else if (s[i] == '%' && i + 2 < s.size() + 0 && std::isxdigit(static_cast<unsigned char>(s[i + 1])) && std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
            out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
            i += 2;
         } else out += s[i];
      }
      return out;
   };
   std::map<std::string, std::string> out;
   std::size_t at = 0;
   while (at <= query.size() && !query.empty()) {
      const auto end = std::min(query.find('&', at), query.size());
      const std::string_view part(query.data() + at, end - at);
      if (!part.empty()) {
         const auto eq = part.find('=');
         out[decode(part.substr(0, eq))] = eq == std::string_view::npos ? "" : decode(part.substr(eq + 1));
      }
      at = end + 1;
   }
   return out;
}

// Skips one JSON value of valid JSON text from `at`; returns where it ends.
std::size_t skip_value(std::string_view s, std::size_t at)
{
   if (s[at] == '"') {
      for (++at; s[at] != '"'; ++at) {
         if (s[at] == '\\') ++at;
      }
      return at + 1;
   }
   if (s[at] == '{' || s[at] == '[') {
      int depth = 0;
      for (;; ++at) {
         const char c = s[at];
         if (c == '"') {
            at = skip_value(s, at) - 1;
         } else if (c == '{' || c == '[') {
            ++depth;
         } else if ((c == '}' || c == ']') && --depth == 0) {
            return at + 1;
         }
      }
   }
   while (at < s.size() && s[at] != ',' && s[at] != '}' && s[at] != ']' && s[at] != ' ' && s[at] != '\t' && s[at] != '\n' && s[at] != '\r') ++at;
   return at;
}

std::size_t skip_space(std::string_view s, std::size_t at)
{
   while (at < s.size() && (s[at] == ' ' || s[at] == '\t' || s[at] == '\n' || s[at] == '\r')) ++at;
   return at;
}

}  // namespace

std::optional<std::string_view> member_text(std::string_view s, std::string_view key)
{
   std::optional<std::string_view> found;
   std::size_t at = skip_space(s, 0);
   if (at >= s.size() || s[at] != '{') return std::nullopt;
   at = skip_space(s, at + 1);
   while (at < s.size() && s[at] == '"') {
      const std::size_t key_end = skip_value(s, at);
      const std::string_view raw_key = s.substr(at, key_end - at);
      // a key may be written with escapes ("\u0069nput"): compare what it says
      const bool match = raw_key.find('\\') == std::string_view::npos ? raw_key.substr(1, raw_key.size() - 2) == key
                                                                        : Json::parse(raw_key).get<std::string>() == key;
      at = skip_space(s, skip_space(s, key_end) + 1);  // past the colon
      const std::size_t value_end = skip_value(s, at);
      if (match) found = s.substr(at, value_end - at);
      at = skip_space(s, value_end);
      if (at < s.size() && s[at] == ',') at = skip_space(s, at + 1);
   }
   return found;
}

Service::Service(Registry& registry, ServiceOptions options, Log log) : registry_(registry), options_(std::move(options)), log_(std::move(log)) {}

HttpResponse Service::handle(const HttpRequest& request)
{
   const Route route = route_of(request.path);
   const auto method_not_allowed = [&](const char* allow) {
      auto r = problem(405, "H0405", fmt::format("{} takes {} requests, not {}", request.path, allow, request.method));
      r.headers.emplace_back("Allow", allow);
      return r;
   };
   const bool get = request.method == "GET" || request.method == "HEAD";
   if (route.endpoint == "healthz") return get ? json_response(200, Json{{"status", "ok"}}) : method_not_allowed("GET");
   if (route.endpoint == "readyz") return get ? ready() : method_not_allowed("GET");
   if (route.endpoint == "metrics") return get ? metrics() : method_not_allowed("GET");
   if (route.endpoint == "policies") return get ? list_policies() : method_not_allowed("GET");
   if (route.endpoint == "page" || route.endpoint == "calculator") {
      if (!get) return method_not_allowed("GET");
      const bool page = request.path == "/" || route.endpoint == "calculator";
      if (route.endpoint == "calculator" && !registry_.find(route.policy)) {
         return problem(404, "H0404", fmt::format("no policy named \"{}\" is served; GET /v1/policies lists them", route.policy));
      }
      const auto asset = web_asset(page ? "/static/calculator.html" : request.path);
      if (!asset) return problem(404, "H0404", fmt::format("nothing is served at {}", request.path));
      HttpResponse r;
      r.content_type = asset->content_type;
      r.body = std::string(asset->text);
      r.headers.emplace_back("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'");
      r.headers.emplace_back("X-Content-Type-Options", "nosniff");
      r.headers.emplace_back("Cache-Control", "no-cache");
      return r;
   }
   if (route.endpoint == "unknown") return problem(404, "H0404", fmt::format("nothing is served at {}; see GET /v1/policies", request.path));
   const auto policy = registry_.find(route.policy);
   if (!policy) return problem(404, "H0404", fmt::format("no policy named \"{}\" is served; GET /v1/policies lists them", route.policy));
   if (route.endpoint == "policy") return get ? describe(*policy) : method_not_allowed("GET");
   if (request.method != "POST") return method_not_allowed("POST");
   if (route.endpoint == "evaluate") return evaluate(*policy, request);
   return batch(*policy, request);
}

HttpResponse Service::ready() const
{
   const auto s = registry_.snapshot();
   if (server_ && server_->stopping()) return json_response(503, Json{{"status", "stopping"}});
   if (s->policies.empty()) return json_response(503, Json{{"status", "no policy loaded"}, {"failures", s->failures.size()}});
   return json_response(200, Json{{"status", "ready"}, {"policies", s->policies.size()}, {"failures", s->failures.size()}});
}

HttpResponse Service::list_policies() const
{
   const auto s = registry_.snapshot();
   Json policies = Json::array(), failures = Json::array();
   for (const auto& [name, p] : s->policies) policies.push_back(summary(*p));
   for (const auto& f : s->failures) {
      Json diagnostics = Json::array();
      for (const auto& d : f.diagnostics) diagnostics.push_back(Json::parse(d.json));
      failures.push_back(Json{{"file", f.file},
                              {"policy", f.name.empty() ? Json(nullptr) : Json(f.name)},
                              {"content_hash", f.content_hash},
                              {"failed_at", f.failed_at},
                              {"message", f.message},
                              {"diagnostics", std::move(diagnostics)}});
   }
   return json_response(200, Json{{"policies", std::move(policies)}, {"failures", std::move(failures)}});
}

HttpResponse Service::describe(const LoadedPolicy& p) const
{
   Json j = summary(p);
   Json inputs = Json::array(), outputs = Json::array();
   for (const auto& in : p.policy->inputs()) inputs.push_back(Json{{"name", in.name}, {"type", in.type}, {"required", in.required}});
   for (const auto& out : p.policy->output_info()) outputs.push_back(Json{{"name", out.name}, {"type", out.type}});
   j["inputs"] = std::move(inputs);
   j["outputs"] = std::move(outputs);
   j["input_schema"] = Json::parse(p.input_schema);
   j["result_schema"] = Json::parse(p.result_schema);
   return json_response(200, j);
}

HttpResponse Service::evaluate(const LoadedPolicy& p, const HttpRequest& request)
{
   // The body is read as JSON whatever its Content-Type says: curl -d sends a form's type.
   Json body;
   try {
      body = Json::parse(request.body);
   } catch (const Json::parse_error& e) {
      std::string what = e.what();
      if (const auto at = what.find("] "); at != std::string::npos) what = what.substr(at + 2);
      return problem(400, "H0400", "the request body is not valid JSON: " + what, "", R"(send {"input": {…}, "as_of": "YYYY-MM-DD", "explain": false})");
   }
   if (!body.is_object()) return problem(400, "H0400", "the request body should be a JSON object", "", R"(send {"input": {…}, "as_of": "YYYY-MM-DD", "explain": false})");
   for (const auto& [key, value] : body.items()) {
      if (key != "input" && key != "as_of" && key != "explain") {
         return problem(400, "H0400", fmt::format("the request has \"{}\", which is not one of input, as_of and explain", key), key);
      }
   }
   if (!body.contains("input")) return problem(400, "H0400", "the request has no \"input\": give the policy's inputs as an object", "input");
   if (!body["input"].is_object()) return problem(400, "H0400", "\"input\" should be an object of the policy's inputs", "input");
   EvalOptions options;
   options.limits = options_.limits;
   if (body.contains("as_of")) {
      if (!body["as_of"].is_string() || !valid_date(body["as_of"].get<std::string>())) {
         return problem(400, "H0400", fmt::format("\"as_of\" should be a date, \"YYYY-MM-DD\", not {}", dump(body["as_of"])), "as_of");
      }
      options.as_of = body["as_of"].get<std::string>();
   }
   if (body.contains("explain")) {
      if (!body["explain"].is_boolean()) return problem(400, "H0400", fmt::format("\"explain\" should be true or false, not {}", dump(body["explain"])), "explain");
      options.explain = body["explain"].get<bool>();
   }
   const auto input = member_text(request.body, "input");
   const Result result = p.policy->evaluate_json(*input, options);
   HttpResponse r;
   r.status = result.ok() ? 200 : 422;
   r.body = result.json();
   r.body.pop_back();  // the closing brace: the policy's identity goes last
   r.body += fmt::format(R"(,"policy":{}}})", dump(Json{{"name", p.name}, {"content_hash", p.content_hash}, {"revision", p.revision}}));
   return r;
}

HttpResponse Service::batch(const LoadedPolicy& p, const HttpRequest& request)
{
   EvalOptions options;
   options.limits = options_.limits;
   for (const auto& [name, value] : query_params(request.query)) {
      if (name != "as_of") return problem(400, "H0400", fmt::format("the query has \"{}\"; a batch takes only as_of", name), name);
      if (!valid_date(value)) return problem(400, "H0400", fmt::format("as_of should be a date, YYYY-MM-DD, not \"{}\"", value), "as_of");
      options.as_of = value;
   }
   Evaluator evaluator(p.policy, options);
   HttpResponse r;
   r.content_type = "application/x-ndjson";
   std::string& out = r.body;
   out.reserve(request.body.size() * 2);
   std::vector<std::string_view> pending;
   std::vector<std::size_t> lines;
   std::uint64_t records = 0, errors = 0;
   const auto error_line = [&](std::size_t line, std::string_view error) {
      ++errors;
      out += fmt::format(R"({{"line":{},"error":{}}})", line + 1, error);
      out += '\n';
   };
   // Runs of readable records go to the evaluator together, as pol batch sends them.
   const auto evaluate_pending = [&] {
      evaluator.evaluate_json(pending, out, [&](std::size_t k, const Evaluator::Outcome& outcome) {
         if (!outcome.ok) return error_line(lines[k], outcome.error->json);
         out += '\n';
      });
      pending.clear();
      lines.clear();
   };
   cli::for_each_record(request.body, cli::Data::jsonl, options_.max_record, [&](std::string_view record, std::size_t line) {
      ++records;
      if (const auto problem = cli::unreadable_record(record, true, options_.max_record)) {
         evaluate_pending();
         return error_line(line, *problem);
      }
      pending.push_back(record);
      lines.push_back(line);
   });
   evaluate_pending();
   metrics_.record_batch(p.name, records, errors);
   return r;
}

HttpResponse Service::metrics() const
{
   HttpResponse r;
   r.content_type = "text/plain; version=0.0.4; charset=utf-8";
   r.body = metrics_.text(*registry_.snapshot(), server_ ? server_->connections_open() : 0, server_ ? server_->connections_refused() : 0);
   return r;
}

void Service::observe(const HttpRequest& request, const HttpResponse& response, std::uint64_t microseconds)
{
   const Route route = route_of(request.path);
   // Only a policy that is served gets its own series: a made-up name must not grow the metrics.
   const std::string policy = !route.policy.empty() && registry_.find(route.policy) ? route.policy : "";
   metrics_.record(policy, route.endpoint, response.status, microseconds);
   Json line{{"time", utc_now()}, {"method", request.method}, {"path", request.path}, {"policy", policy}, {"status", response.status}, {"us", microseconds}};
   if (options_.log_inputs && !request.body.empty()) line["body"] = request.body;
   log_(dump(line));
}

}  // namespace pol::serve
