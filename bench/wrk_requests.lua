-- wrk script of bench/gradebook_load.py: many distinct sessions, one request line each.
--   wrk ... -s bench/wrk_requests.lua http://127.0.0.1:PORT -- FILE MODE EXPECTED
-- FILE: one request a line, tab-separated: method, path, headers ("Name: value" joined by "|"), body.
--       In a body every "@" becomes a random mark 2..5 (so a save changes most cells).
-- MODE: "random" (each request a random line) or "once" (each line once, spread over the threads;
--       a thread that runs out starts again and counts a wrap).
-- EXPECTED: the status that counts as success (200, or 302 for a save that redirects; a redirect to the
--           login page never counts).
-- done() prints one line "BENCH {json}" with the counts and latency percentiles (microseconds).

local threads = {}
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("id", next_id)
  table.insert(threads, thread)
end

function init(args)
  local file, nthreads = args[1], 0
  mode, expected = args[2], tonumber(args[3])
  nthreads = tonumber(args[4])
  lines = {}
  for line in io.lines(file) do
    local method, path, headers, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
    local h = {}
    for name, value in headers:gmatch("([^|:]+): ([^|]*)") do h[name] = value end
    if body == "" then body = nil end
    table.insert(lines, {method, path, h, body})
  end
  count, step, position = #lines, nthreads, id - nthreads
  wraps, errors, seen, bad_codes = 0, 0, 0, ""
  math.randomseed(id * 7919 + os.time())
end

local function mark()
  return tostring(math.random(2, 5))
end

function request()
  local r
  if mode == "once" then
    position = position + step
    if position > count then
      position = id
      wraps = wraps + 1
    end
    r = lines[position]
  else
    r = lines[math.random(count)]
  end
  local body = r[4]
  if body then body = body:gsub("@", mark) end
  return wrk.format(r[1], r[2], r[3], body)
end

function response(status, headers, body)
  seen = seen + 1
  local location = headers["Location"] or headers["location"] or ""
  if status ~= expected or location:find("/login", 1, true) then
    errors = errors + 1
    if #bad_codes < 60 then bad_codes = bad_codes .. status .. " " end
  end
end

function done(summary, latency, requests)
  local e, w, s, codes = 0, 0, 0, ""
  for _, t in ipairs(threads) do
    codes = codes .. t:get("bad_codes")
    e = e + t:get("errors")
    w = w + t:get("wraps")
    s = s + t:get("seen")
  end
  local se = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "responses": %d, "micros": %d, "bad_status": %d, "wraps": %d, ' ..
    '"socket_errors": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d, "bad_codes": "%s"}\n',
    summary.requests, s, summary.duration, e, w, se.connect + se.read + se.write + se.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max, codes))
end
