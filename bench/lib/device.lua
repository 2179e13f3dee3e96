-- GET /d/<token> with a portal session cookie, rotating over all seeded device tokens.
-- Environment: BENCH_LIB, BENCH_TOKENS (file, one token a line), BENCH_COOKIE (the Cookie header value;
-- empty: no cookie, i.e. the PIN page of a first visit), BENCH_USER_AGENT (optional User-Agent header).
dofile(os.getenv("BENCH_LIB") .. "/common.lua")

function init(args)
  local tokens = read_tokens(os.getenv("BENCH_TOKENS"))
  paths = {}
  for i, token in ipairs(tokens) do paths[i] = "/d/" .. token end
  headers = {}
  local cookie = os.getenv("BENCH_COOKIE")
  if cookie and #cookie > 0 then headers["Cookie"] = cookie end
  -- BENCH_USER_AGENT (optional): e.g. a phone's, so scan tracking takes a person's path, not a bot's.
  local agent = os.getenv("BENCH_USER_AGENT")
  if agent and #agent > 0 then headers["User-Agent"] = agent end
  -- Threads start at different offsets so they do not walk the list in lock-step.
  position = (tid * 397) % #paths
end

function request()
  position = position % #paths + 1
  return wrk.format("GET", paths[position], headers)
end
