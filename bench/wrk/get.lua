-- Plain GETs of one path (wrk's -s with the URL's path); prints the latency percentiles.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function done(summary, latency, requests)
  io.write(string.format("RESULT p50_us=%d p99_us=%d\n", latency:percentile(50), latency:percentile(99)))
end
