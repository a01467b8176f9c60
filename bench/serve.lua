-- wrk script for bench/serve: POST /evaluate with the bodies of BODIES (one per line), 5% of
-- requests malformed JSON; counts answers by status across threads.
local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   bodies = {}
   for line in io.lines(os.getenv("BODIES")) do table.insert(bodies, line) end
   path = os.getenv("EVALUATE_PATH")
   n, ok, bad, other = 0, 0, 0, 0
   malformed = '{"input": {"scheme": "VR", "service_years": 10,'
end

function request()
   n = n + 1
   local body = (n % 20 == 0) and malformed or bodies[(n % #bodies) + 1]
   return wrk.format("POST", path, { ["Content-Type"] = "application/json" }, body)
end

function response(status, headers, body)
   if status == 200 then ok = ok + 1 elseif status == 400 then bad = bad + 1 else other = other + 1 end
end

function done(summary, latency, requests)
   local ok_total, bad_total, other_total = 0, 0, 0
   for _, t in ipairs(threads) do
      ok_total = ok_total + t:get("ok")
      bad_total = bad_total + t:get("bad")
      other_total = other_total + t:get("other")
   end
   io.write(string.format('{"requests": %d, "seconds": %.3f, "ok": %d, "malformed_400": %d, "other": %d, "socket_errors": %d, "p50_ms": %.3f, "p99_ms": %.3f, "max_ms": %.3f}\n',
      summary.requests, summary.duration / 1e6, ok_total, bad_total, other_total,
      summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
      latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
