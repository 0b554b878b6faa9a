-- One hot path for wrk: requests cycle through the paths in $PATHS (one per line) with the
-- session cookie in $COOKIE; $BODY, when set, is POSTed (form-encoded) instead of a GET.
-- At the end one JSON line reports throughput, latency percentiles, answers of status 400 or
-- more, and socket errors (connect, read, write, timeout).

local paths = {}
local counter = 0

function init(args)
  for line in io.lines(os.getenv("PATHS")) do
    if line ~= "" then paths[#paths + 1] = line end
  end
  wrk.headers["Cookie"] = os.getenv("COOKIE") or ""
  local body = os.getenv("BODY")
  if body and body ~= "" then
    wrk.method = "POST"
    wrk.body = body
    wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  end
end

function request()
  counter = counter + 1
  return wrk.format(nil, paths[(counter % #paths) + 1])
end

function done(summary, latency, requests)
  io.write(string.format(
    '{"rps": %.1f, "p50": %.2f, "p95": %.2f, "p99": %.2f, "requests": %d, "errors": %d, "socket_errors": %d}\n',
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.requests,
    summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
