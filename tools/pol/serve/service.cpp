#include "service.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "../batch_stream.hpp"
#include "../record_errors.hpp"
#include "../url.hpp"

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
   std::map<std::string, std::string> out;
   std::size_t at = 0;
   while (at < query.size()) {
      const auto end = std::min(query.find('&', at), query.size());
      const std::string_view part(query.data() + at, end - at);
      if (!part.empty()) {
         const auto eq = part.find('=');
         out[cli::percent_decode(part.substr(0, eq), true)] = eq == std::string_view::npos ? "" : cli::percent_decode(part.substr(eq + 1), true);
      }
      at = end + 1;
   }
   return out;
}

// What a JSON value is, for a message: its text when short, else its kind.
std::string kind_of(std::string_view value)
{
   if (value.starts_with('{')) return "an object";
   if (value.starts_with('[')) return "a list";
   if (value.size() > 40) return value.starts_with('"') ? "a long text" : "a long number";
   return std::string(value);
}

}  // namespace

std::variant<std::vector<JsonMember>, std::string> top_members(std::string_view s)
{
   std::size_t i = 0;
   if (s.starts_with("\xEF\xBB\xBF")) i = 3;  // a byte order mark, as JSON readers allow
   const auto error = [&](std::string_view what) { return fmt::format("{} at byte {}", what, i + 1); };
   const auto space = [&] {
      while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
   };
   const auto string = [&]() -> bool {  // at the opening quote
      for (++i; i < s.size(); ++i) {
         const auto c = static_cast<unsigned char>(s[i]);
         if (c == '"') {
            ++i;
            return true;
         }
         if (c < 0x20) return false;
         if (c != '\\') continue;
         if (++i >= s.size()) return false;
         if (s[i] == 'u') {
            for (int k = 0; k < 4; ++k) {
               if (++i >= s.size() || !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
            }
         } else if (std::string_view("\"\\/bfnrt").find(s[i]) == std::string_view::npos) {
            return false;
         }
      }
      return false;
   };
   const auto digits = [&] {
      const std::size_t from = i;
      while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
      return i > from;
   };
   const auto scalar = [&]() -> bool {
      if (s[i] == '"') return string();
      for (std::string_view word : {"true", "false", "null"}) {
         if (s.substr(i).starts_with(word)) {
            i += word.size();
            return true;
         }
      }
      if (s[i] == '-') ++i;
      if (i < s.size() && s[i] == '0') ++i;
      else if (!digits()) return false;
      if (i < s.size() && s[i] == '.' && (++i, !digits())) return false;
      if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
         ++i;
         if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
         if (!digits()) return false;
      }
      return true;
   };
   std::vector<JsonMember> members;
   std::string nesting;  // the open '{' and '[', innermost last
   std::size_t key_at = 0, key_end = 0, value_at = 0;
   space();
   if (i >= s.size() || s[i] != '{') return error("expected an object");
   enum class Next { value, key, after_value } next = Next::value;
   for (;;) {
      if (next == Next::after_value && nesting.empty()) break;
      space();
      if (i >= s.size()) return error("unexpected end of the body");
      if (next == Next::key) {
         if (s[i] != '"') return error("expected a member name in quotes");
         const std::size_t at = i;
         if (!string()) return error("a member name is not a well-formed string");
         const std::size_t end = i;
         space();
         if (i >= s.size() || s[i] != ':') return error("expected ':' after a member name");
         ++i;
         space();
         if (nesting.size() == 1) {  // a member of the top object
            key_at = at;
            key_end = end;
            value_at = i;
         }
         next = Next::value;
         continue;
      }
      if (next == Next::value) {
         if (s[i] == '{' || s[i] == '[') {
            nesting += s[i++];
            space();
            if (i < s.size() && s[i] == (nesting.back() == '{' ? '}' : ']')) {
               ++i;
               nesting.pop_back();
               next = Next::after_value;
            } else {
               next = nesting.back() == '{' ? Next::key : Next::value;
            }
            continue;
         }
         if (!scalar()) return error("expected a value");
         next = Next::after_value;
      }
      // after a value: a member of the top object ends when only that object is open
      if (nesting.size() == 1 && value_at > 0) {
         members.push_back({s.substr(key_at, key_end - key_at), s.substr(value_at, i - value_at), {}});
         value_at = 0;
      }
      space();
      if (nesting.empty()) break;
      if (i >= s.size()) return error("unexpected end of the body");
      const char close = nesting.back() == '{' ? '}' : ']';
      if (s[i] == ',') {
         ++i;
         next = nesting.back() == '{' ? Next::key : Next::value;
      } else if (s[i] == close) {
         ++i;
         nesting.pop_back();
         next = Next::after_value;
      } else {
         return error(fmt::format("expected ',' or '{}'", close));
      }
   }
   if (i != s.size()) return error("unexpected text after the object");
   // a name written with escapes ("\u0069nput") says what it decodes to
   for (auto& m : members) {
      m.name = m.raw_name.find('\\') == std::string_view::npos ? std::string(m.raw_name.substr(1, m.raw_name.size() - 2))
                                                               : nlohmann::json::parse(m.raw_name).get<std::string>();
   }
   return members;
}

Service::Service(Registry& registry, ServiceOptions options, Log log) : registry_(registry), options_(std::move(options)), log_(std::move(log)) {}

HttpResponse Service::handle(HttpRequest& request)
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
   return batch(policy, request);
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
   // The body is read as JSON whatever its Content-Type says: curl -d sends a form's. It is read
   // without building a tree, so the input's numbers reach the policy as written (exactly, and
   // however large) and no body costs more than a pass over it.
   const char* shape = R"(send {"input": {…}, "as_of": "YYYY-MM-DD", "explain": false})";
   const auto read = top_members(request.body);
   if (const auto* bad = std::get_if<std::string>(&read)) return problem(400, "H0400", "the request body is not a JSON object: " + *bad, "", shape);
   std::optional<std::string_view> input;
   EvalOptions options;
   options.limits = options_.limits;
   for (const auto& m : std::get<std::vector<JsonMember>>(read)) {
      if (m.name == "input") {
         if (!m.value.starts_with('{')) return problem(400, "H0400", fmt::format("\"input\" should be an object of the policy's inputs, not {}", kind_of(m.value)), "input", shape);
         input = m.value;
      } else if (m.name == "as_of") {
         const std::string date = m.value.starts_with('"') ? nlohmann::json::parse(m.value).get<std::string>() : "";
         if (!valid_date(date)) return problem(400, "H0400", fmt::format("\"as_of\" should be a date, \"YYYY-MM-DD\", not {}", kind_of(m.value)), "as_of", shape);
         options.as_of = date;
      } else if (m.name == "explain") {
         if (m.value != "true" && m.value != "false") return problem(400, "H0400", fmt::format("\"explain\" should be true or false, not {}", kind_of(m.value)), "explain", shape);
         options.explain = m.value == "true";
      } else {
         return problem(400, "H0400", fmt::format("the request has \"{}\", which is not one of input, as_of and explain", m.name), m.name, shape);
      }
   }
   if (!input) return problem(400, "H0400", "the request has no \"input\": give the policy's inputs as an object", "input", shape);
   const Result result = p.policy->evaluate_json(*input, options);
   HttpResponse r;
   r.status = result.ok() ? 200 : 422;
   r.body = result.json();
   r.body.pop_back();  // the closing brace: the policy's identity goes last
   r.body += fmt::format(R"(,"policy":{}}})", dump(Json{{"name", p.name}, {"content_hash", p.content_hash}, {"revision", p.revision}}));
   return r;
}

HttpResponse Service::batch(std::shared_ptr<const LoadedPolicy> p, HttpRequest& request)
{
   EvalOptions options;
   options.limits = options_.limits;
   for (const auto& [name, value] : query_params(request.query)) {
      if (name != "as_of") return problem(400, "H0400", fmt::format("the query has \"{}\"; a batch takes only as_of", name), name);
      if (!valid_date(value)) return problem(400, "H0400", fmt::format("as_of should be a date, YYYY-MM-DD, not \"{}\"", value), "as_of");
      options.as_of = value;
   }
   // The answer is made and sent a block of lines at a time, so that it is never held whole;
   // the policy's version is held until the last line.
   struct Batch {
      Batch(std::shared_ptr<const LoadedPolicy> p, const EvalOptions& options, std::string text) : policy(p), evaluator(p->policy, options), body(std::move(text)) {}
      std::shared_ptr<const LoadedPolicy> policy;
      Evaluator evaluator;
      std::string body;
      std::size_t at = 0, lines = 0;
      std::uint64_t records = 0, errors = 0;
      std::vector<std::string_view> pending;
      std::vector<std::size_t> pending_lines;
   };
   auto b = std::make_shared<Batch>(p, options, std::move(request.body));
   HttpResponse r;
   r.content_type = "application/x-ndjson";
   r.next_chunk = [this, b](std::string& out) {
      constexpr std::size_t block = 256 * 1024;
      if (b->at >= b->body.size()) return false;
      // whole lines only: up to the last line end within the block, or past a longer line's end
      std::size_t end = b->body.size();
      if (b->body.size() - b->at > block) {
         const auto last = b->body.rfind('\n', b->at + block);
         end = last != std::string::npos && last >= b->at ? last + 1 : std::min(b->body.find('\n', b->at + block), b->body.size() - 1) + 1;
      }
      const std::string_view text(b->body.data() + b->at, end - b->at);
      const auto error_line = [&](std::size_t line, std::string_view error) {
         ++b->errors;
         out += fmt::format(R"({{"line":{},"error":{}}})", b->lines + line + 1, error);
         out += '\n';
      };
      // runs of readable records go to the evaluator together, as pol batch sends them
      const auto evaluate_pending = [&] {
         b->evaluator.evaluate_json(b->pending, out, [&](std::size_t k, const Evaluator::Outcome& outcome) {
            if (!outcome.ok) return error_line(b->pending_lines[k], outcome.error->json);
            out += '\n';
         });
         b->pending.clear();
         b->pending_lines.clear();
      };
      const std::size_t line_ends = cli::for_each_record(text, cli::Data::jsonl, options_.max_record, [&](std::string_view record, std::size_t line) {
         ++b->records;
         if (const auto bad = cli::unreadable_record(record, true, options_.max_record)) {
            evaluate_pending();
            return error_line(line, *bad);
         }
         b->pending.push_back(record);
         b->pending_lines.push_back(line);
      });
      evaluate_pending();
      b->lines += line_ends;
      b->at = end;
      if (b->at < b->body.size()) return true;
      metrics_.record_batch(b->policy->name, b->records, b->errors);
      return false;
   };
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
