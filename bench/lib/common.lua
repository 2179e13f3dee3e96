-- Shared by the wrk scripts: thread bookkeeping and one machine-readable summary line per run.
-- Loaded with dofile(); wrk runs setup()/done() in the main Lua state and init()/request()/response()
-- in one Lua state per thread.

local threads = {}
local next_id = 0

-- Gives every thread an id (a global `tid` in its own state) and remembers it for done().
function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

-- Reads one token per line (the device tokens the benchmark seeded).
function read_tokens(path)
  local tokens = {}
  for line in io.lines(path) do
    if #line > 0 then tokens[#tokens + 1] = line end
  end
  assert(#tokens > 0, "no tokens in " .. path)
  return tokens
end

-- Prints `BENCH {json}`: totals, latency percentiles (microseconds) and, when the threads counted them in
-- a global `statuses` table (response() callback), the status codes.
function done(summary, latency, requests)
  local statuses = {}
  for _, thread in ipairs(threads) do
    local counted = thread:get("statuses")
    if type(counted) == "table" then
      for status, n in pairs(counted) do
        statuses[status] = (statuses[status] or 0) + n
      end
    end
  end
  local parts = {}
  for status, n in pairs(statuses) do
    parts[#parts + 1] = string.format('"%d":%d', status, n)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests":%d,"duration_us":%d,"bytes":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},'
      .. '"latency_us":{"mean":%.1f,"p50":%d,"p90":%d,"p99":%d,"max":%d},"statuses":{%s}}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    table.concat(parts, ",")))
end
