-- wrk script of the credit-gateway benchmark: POST one body (the file named by WRK_BODY) as JSON,
-- count non-2xx answers, and print the results as one JSON line for cgbench.loadgen to read.
local body_file = os.getenv("WRK_BODY")
local f = assert(io.open(body_file, "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"

local bad = 0
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
