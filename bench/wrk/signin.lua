-- Complete sign-ins: each request is one phone sending its form once — its own session cookie,
-- CSRF token and nonce (harvested by harvest.lua from real form GETs) and a distinct child name.
-- Usage: wrk -t THREADS ... -s signin.lua URL -- FORMS_FILE FIRST_LINE NAME_PREFIX THREADS SENT_PREFIX
-- Every form sent is written, with its name, to SENT_PREFIX-<thread>.txt: after the run the
-- bench sends each once more (as a phone whose answer got lost) and counts the rows.
-- Thread i takes lines FIRST_LINE+i, +threads, ... of the file; a thread that runs out sends
-- GET /healthz instead and counts it as "exhausted" (the run is then reported as invalid).
local counter = 0
local threads = {}

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

local function encode(text)
  return (text:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function init(args)
  forms = {}
  local first = tonumber(args[2])
  local threads = tonumber(args[4])
  local index = 0
  for line in io.lines(args[1]) do
    if index >= first and (index - first) % threads == id - 1 then
      table.insert(forms, line)
    end
    index = index + 1
  end
  prefix = args[3]
  sent = io.open(args[5] .. "-" .. id .. ".txt", "w")
  sent:setvbuf("line")
  path = wrk.path
  position = 0
  ok, other, exhausted = 0, 0, 0
end

function request()
  position = position + 1
  local line = forms[position]
  if not line then
    exhausted = exhausted + 1
    return wrk.format("GET", "/healthz")
  end
  local session, csrf, nonce = line:match("([^\t]+)\t([^\t]+)\t([^\t]+)")
  local name = prefix .. id .. "-" .. position
  sent:write(line, "\t", name, "\n")
  local body = "csrf_token=" .. encode(csrf) .. "&nonce=" .. encode(nonce) .. "&child_name=" .. encode(name)
    .. "&consent=y"
  return wrk.format("POST", path, {["Cookie"] = session, ["Content-Type"] = "application/x-www-form-urlencoded"}, body)
end

function response(status, headers, body)
  local location = headers["Location"] or ""
  if status == 302 and location:find("/r/", 1, true) then
    ok = ok + 1
  elseif not (status == 200 and #body < 64) then  -- a short 200 is the /healthz of an exhausted thread
    other = other + 1
  end
end

function done(summary, latency, requests)
  -- used: the most forms one thread took; the next run starts past FIRST_LINE + threads * used,
  -- so no form is sent in two runs, however unevenly the threads went.
  local ok, other, exhausted, used = 0, 0, 0, 0
  for _, thread in ipairs(threads) do
    ok = ok + thread:get("ok")
    other = other + thread:get("other")
    exhausted = exhausted + thread:get("exhausted")
    used = math.max(used, thread:get("position"))
  end
  io.write(string.format("RESULT p50_us=%d p99_us=%d ok=%d other=%d exhausted=%d used=%d\n",
    latency:percentile(50), latency:percentile(99), ok, other, exhausted, used))
end
