#include "metrics.hpp"

#include <fmt/format.h>

namespace pol::serve {

namespace {

// A label value, escaped as the text format asks: backslash, quote and line end.
std::string label(std::string_view value)
{
   std::string out;
   for (const char c : value) {
      if (c == '\\' || c == '"') out += '\\';
      if (c == '\n') {
         out += "\\n";
         continue;
      }
      out += c;
   }
   return out;
}

void help(std::string& out, const char* name, const char* type, const char* text) { out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, text, name, type); }

}  // namespace

void Metrics::record(const std::string& policy, const std::string& endpoint, unsigned status, std::uint64_t microseconds)
{
   std::lock_guard lock(mutex_);
   ++requests_[{policy, endpoint, status}];
   Latency& l = latency_[{policy, endpoint}];
   ++l.count;
   l.micros += microseconds;
   for (std::size_t b = 0; b < bounds.size(); ++b) {
      if (static_cast<double>(microseconds) <= bounds[b] * 1e6) {
         ++l.buckets[b];
         break;
      }
   }
}

void Metrics::record_batch(const std::string& policy, std::uint64_t records, std::uint64_t errors)
{
   std::lock_guard lock(mutex_);
   batch_[policy].records += records;
   batch_[policy].errors += errors;
}

std::string Metrics::text(const Snapshot& policies, std::uint64_t connections_open, std::uint64_t connections_refused) const
{
   std::string out;
   std::lock_guard lock(mutex_);
   help(out, "pol_requests_total", "counter", "HTTP requests answered, by policy, endpoint and status.");
   for (const auto& [key, n] : requests_) {
      const auto& [policy, endpoint, status] = key;
      out += fmt::format("pol_requests_total{{policy=\"{}\",endpoint=\"{}\",status=\"{}\"}} {}\n", label(policy), endpoint, status, n);
   }
   help(out, "pol_request_errors_total", "counter", "HTTP requests answered with a 4xx or 5xx status, by policy and endpoint.");
   std::map<std::pair<std::string, std::string>, std::uint64_t> errors;
   for (const auto& [key, n] : requests_) {
      if (std::get<2>(key) >= 400) errors[{std::get<0>(key), std::get<1>(key)}] += n;
   }
   for (const auto& [key, n] : errors) out += fmt::format("pol_request_errors_total{{policy=\"{}\",endpoint=\"{}\"}} {}\n", label(key.first), key.second, n);
   help(out, "pol_request_duration_seconds", "histogram", "Time from a request's last byte read to its response, by policy and endpoint.");
   for (const auto& [key, l] : latency_) {
      const auto labels = fmt::format("policy=\"{}\",endpoint=\"{}\"", label(key.first), key.second);
      std::uint64_t cumulative = 0;
      for (std::size_t b = 0; b < bounds.size(); ++b) {
         cumulative += l.buckets[b];
         out += fmt::format("pol_request_duration_seconds_bucket{{{},le=\"{}\"}} {}\n", labels, bounds[b], cumulative);
      }
      out += fmt::format("pol_request_duration_seconds_bucket{{{},le=\"+Inf\"}} {}\n", labels, l.count);
      out += fmt::format("pol_request_duration_seconds_sum{{{}}} {}.{:06}\n", labels, l.micros / 1'000'000, l.micros % 1'000'000);
      out += fmt::format("pol_request_duration_seconds_count{{{}}} {}\n", labels, l.count);
   }
   help(out, "pol_batch_records_total", "counter", "Records evaluated by batch requests, by policy.");
   for (const auto& [policy, b] : batch_) out += fmt::format("pol_batch_records_total{{policy=\"{}\"}} {}\n", label(policy), b.records);
   help(out, "pol_batch_record_errors_total", "counter", "Records of batch requests answered with an error, by policy.");
   for (const auto& [policy, b] : batch_) out += fmt::format("pol_batch_record_errors_total{{policy=\"{}\"}} {}\n", label(policy), b.errors);
   help(out, "pol_policy_info", "gauge", "The version of each policy being served: 1 per policy.");
   for (const auto& [name, p] : policies.policies) {
      out += fmt::format("pol_policy_info{{policy=\"{}\",file=\"{}\",content_hash=\"{}\",revision=\"{}\",version=\"{}\"}} 1\n", label(name), label(p->file),
                         p->content_hash, p->revision, label(p->about.version));
   }
   help(out, "pol_policy_load_failed", "gauge", "1 for each policy file whose latest text did not load (the last good version is served).");
   for (const auto& f : policies.failures) {
      out += fmt::format("pol_policy_load_failed{{file=\"{}\",policy=\"{}\",content_hash=\"{}\"}} 1\n", label(f.file), label(f.name), f.content_hash);
   }
   help(out, "pol_policy_loads_total", "counter", "Policy versions loaded since the start.");
   out += fmt::format("pol_policy_loads_total {}\n", policies.reloads);
   help(out, "pol_policy_load_failures_total", "counter", "Policy files that failed to load since the start.");
   out += fmt::format("pol_policy_load_failures_total {}\n", policies.failed_loads);
   help(out, "pol_connections_open", "gauge", "Connections open now.");
   out += fmt::format("pol_connections_open {}\n", connections_open);
   help(out, "pol_connections_refused_total", "counter", "Connections refused with 503 because --max-connections were open.");
   out += fmt::format("pol_connections_refused_total {}\n", connections_refused);
   return out;
}

}  // namespace pol::serve
