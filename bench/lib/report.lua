-- POST /d/<token>/report as the browser form sends it (multipart/form-data, free description, contact
-- details, an empty photo part), rotating over all device tokens; a unique idempotency key per request.
-- Environment:
--   BENCH_LIB, BENCH_TOKENS, BENCH_COOKIE  as in device.lua
--   BENCH_CSRF    the form token (_csrf) of the session in BENCH_COOKIE
--   BENCH_RUN     a prefix unique to this run (keys must never repeat, or the server answers "duplicate")
--   BENCH_CLIENTS "single": one X-Forwarded-For address for every request (one client, as without a
--                 proxy); "distinct": a new address per request from 198.18.0.0/15 (RFC 2544 benchmark
--                 range; header text only, no traffic goes there). Needs TAGDESK_TRUST_PROXY_HEADERS=true.
dofile(os.getenv("BENCH_LIB") .. "/common.lua")

local CRLF = "\r\n"

local function part(boundary, name, value)
  return "--" .. boundary .. CRLF .. 'Content-Disposition: form-data; name="' .. name .. '"' .. CRLF .. CRLF
    .. value .. CRLF
end

function init(args)
  local tokens = read_tokens(os.getenv("BENCH_TOKENS"))
  paths = {}
  for i, token in ipairs(tokens) do paths[i] = "/d/" .. token .. "/report" end
  cookie = os.getenv("BENCH_COOKIE")
  csrf = os.getenv("BENCH_CSRF")
  run = os.getenv("BENCH_RUN")
  distinct = os.getenv("BENCH_CLIENTS") == "distinct"
  boundary = "----tagdeskbench" .. tid
  position = (tid * 397) % #paths
  seq = 0
  statuses = {}
  content_type = "multipart/form-data; boundary=" .. boundary
  -- Everything but the key is the same for every request.
  head = part(boundary, "_csrf", csrf) .. part(boundary, "template", "free")
  tail = part(boundary, "description",
      "The display stays dark after the morning restart. The power LED is green, the fan runs.")
    .. part(boundary, "reporter_name", "Bench Visitor")
    .. part(boundary, "reporter_email", "visitor@example.com")
    .. part(boundary, "reporter_phone", "")
    .. part(boundary, "website", "")
    .. "--" .. boundary .. CRLF
    .. 'Content-Disposition: form-data; name="photos"; filename=""' .. CRLF
    .. "Content-Type: application/octet-stream" .. CRLF .. CRLF .. CRLF
    .. "--" .. boundary .. "--" .. CRLF
end

function request()
  seq = seq + 1
  position = position % #paths + 1
  local key = string.format("%s-%d-%d", run, tid, seq)
  local headers = { ["Cookie"] = cookie, ["Content-Type"] = content_type }
  if distinct then
    -- 130,000 addresses; thread ids interleave so no two requests share one before the range wraps.
    -- (198.19.255.x stays free: the single client below and the script's probe use it.)
    local n = ((seq - 1) * 16 + tid) % 130000
    headers["X-Forwarded-For"] = string.format("198.%d.%d.%d", 18 + math.floor(n / 65536),
      math.floor(n / 256) % 256, n % 256)
  else
    headers["X-Forwarded-For"] = "198.19.255.253"
  end
  return wrk.format("POST", paths[position], headers, head .. part(boundary, "idempotency_key", key) .. tail)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
