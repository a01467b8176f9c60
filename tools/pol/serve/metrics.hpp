// Counters and latency histograms of the service, written in the Prometheus text format.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

#include "registry.hpp"

namespace pol::serve {

class Metrics {
public:
   // One request answered: `policy` is "" for requests that name none.
   void record(const std::string& policy, const std::string& endpoint, unsigned status, std::uint64_t microseconds);
   // Records evaluated by a batch request, and how many of them had errors.
   void record_batch(const std::string& policy, std::uint64_t records, std::uint64_t errors);
   // The whole text of GET /metrics.
   std::string text(const Snapshot& policies, std::uint64_t connections_open, std::uint64_t connections_refused) const;

   // Upper bounds of the latency buckets, in seconds.
   static constexpr std::array<double, 12> bounds{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 2.5};

private:
   struct Latency {
      std::array<std::uint64_t, bounds.size()> buckets{};  // not cumulative; summed when written
      std::uint64_t count = 0, micros = 0;
   };
   struct Batch {
      std::uint64_t records = 0, errors = 0;
   };
   mutable std::mutex mutex_;
   std::map<std::tuple<std::string, std::string, unsigned>, std::uint64_t> requests_;  // policy, endpoint, status
   std::map<std::pair<std::string, std::string>, Latency> latency_;                     // policy, endpoint
   std::map<std::string, Batch> batch_;                                                 // policy
};

}  // namespace pol::serve
