-- wrk script: cycle through the tile paths in TILES_FILE (one per line), each thread from its
-- own offset.
-- done() prints one JSON line: requests, seconds, statuses, latency percentiles (ms).
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  paths = {}
  for line in io.lines(os.getenv("TILES_FILE")) do
    if #line > 0 then table.insert(paths, line) end
  end
  nthreads = tonumber(args[1]) or 1
  index = 0
  seen = 0
  statuses = {}
end

function request()
  local i = (index * nthreads + id) % #paths + 1
  index = index + 1
  return wrk.format("GET", paths[i], { ["Accept-Encoding"] = "gzip" })
end

function response(status, headers, body)
  statuses[tostring(status)] = (statuses[tostring(status)] or 0) + 1
  seen = seen + 1
end

function done(summary, latency, requests)
  local counts = {}
  for _, t in ipairs(threads) do
    for status, n in pairs(t:get("statuses")) do counts[status] = (counts[status] or 0) + n end
  end
  local parts = {}
  for status, n in pairs(counts) do table.insert(parts, string.format('"%s": %d', status, n)) end
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "seconds": %.3f, "statuses": {%s}, "errors": %d, ' ..
    '"p50_ms": %.3f, "p90_ms": %.3f, "p99_ms": %.3f, "max_ms": %.3f, "mean_ms": %.3f}\n',
    summary.requests, summary.duration / 1e6, table.concat(parts, ", "),
    e.connect + e.read + e.write + e.timeout,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, latency.mean / 1000))
end
