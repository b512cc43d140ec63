-- Like post.lua, but cycles through many bodies (one JSON document per line of WRK_BODIES), so
-- that a latency run visits many subjects rather than one cached row.
local bodies = {}
for line in io.lines(os.getenv("WRK_BODIES")) do
  if #line > 0 then bodies[#bodies + 1] = line end
end
local next_body = 0
local bad = 0

function request()
  next_body = next_body % #bodies + 1
  return wrk.format("POST", nil, { ["Content-Type"] = "application/json" }, bodies[next_body])
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local out = string.format(
    '{"requests": %d, "duration_us": %d, "bytes": %d, "errors_connect": %d, "errors_read": %d, ' ..
    '"errors_write": %d, "errors_status": %d, "errors_timeout": %d, "latency_mean_us": %.1f, ' ..
    '"latency_max_us": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "p999_us": %d}',
    summary.requests, summary.duration, summary.bytes, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout, latency.mean, latency.max,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9))
  io.write("WRK_JSON " .. out .. "\n")
end
