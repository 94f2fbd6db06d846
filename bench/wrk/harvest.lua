-- GET a sign-in form with no cookie, as a new phone does, and keep what the phone would send
-- back: the session cookie (CSRF secret, device id), the form's csrf_token and its one-time
-- nonce, one line per form in <prefix>-<thread>.txt. Usage: wrk ... -s harvest.lua URL -- PREFIX
local counter = 0
local threads = {}

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  out = io.open(args[1] .. "-" .. id .. ".txt", "w")
  out:setvbuf("line")
  kept = 0
  bad = 0
end

local function field(body, name)
  return body:match('name="' .. name .. '"[^>]-value="([^"]*)"') or body:match('value="([^"]*)"[^>]-name="' .. name .. '"')
end

function response(status, headers, body)
  local cookie = headers["Set-Cookie"] or ""
  local session = cookie:match("(session=[^;]+)")
  local csrf = field(body, "csrf_token")
  local nonce = field(body, "nonce")
  if status ~= 200 or not session or not csrf or not nonce then
    bad = bad + 1
    return
  end
  out:write(session, "\t", csrf, "\t", nonce, "\n")
  kept = kept + 1
end

function done(summary, latency, requests)
  local kept, bad = 0, 0
  for _, thread in ipairs(threads) do
    kept = kept + thread:get("kept")
    bad = bad + thread:get("bad")
  end
  io.write(string.format("RESULT p50_us=%d p99_us=%d kept=%d bad=%d\n",
    latency:percentile(50), latency:percentile(99), kept, bad))
end
