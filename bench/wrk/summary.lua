-- Shared by every benchmark script: one machine-readable line for run.sh to read.
-- Latencies in milliseconds; "errors" counts non-2xx/3xx answers, timeouts and socket errors.
function bench_summary(summary, latency, extra)
   local e = summary.errors
   local seconds = summary.duration / 1e6
   io.write(string.format("BENCH rps=%.1f p50=%.3f p99=%.3f requests=%d errors=%d%s\n",
      summary.requests / seconds, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
      summary.requests, e.status + e.timeout + e.connect + e.read + e.write, extra or ""))
end

done = function(summary, latency, requests)
   bench_summary(summary, latency)
end

-- For scripts that count round trips: each thread keeps `pairs_done` and `refused`, and
-- `threads` lists them (filled in setup()).
function pairs_summary(threads, summary, latency)
   local total, bad = 0, 0
   for _, thread in ipairs(threads) do
      total = total + thread:get("pairs_done")
      bad = bad + thread:get("refused")
   end
   bench_summary(summary, latency,
      string.format(" pairs=%d pairs_per_s=%.1f refused=%d", total, total / (summary.duration / 1e6), bad))
end
