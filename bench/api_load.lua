-- wrk script of `make bench/api-load` (bench/api_load.py runs it; docs/benchmarks.md).
--
-- Environment (set by bench/api_load.py):
--   API_LOAD_FIXTURE  packet JSON; its "packet_id" value is replaced per request
--   API_LOAD_MODE     "fresh": every request carries a new packet id <prefix>-<thread>-<n>;
--                     "resend": the ids in API_LOAD_IDS are posted again, round robin
--   API_LOAD_PREFIX   packet id prefix of this run (fresh mode)
--   API_LOAD_OUT      directory: per thread, the packet id of every 2xx answer (one per line,
--                     "<status> <packet_id>") goes to <dir>/<mode>-<thread>.txt; done() writes
--                     <dir>/<mode>-summary.json
--   API_LOAD_IDS      file of packet ids to resend (resend mode)
local fixture_path = assert(os.getenv("API_LOAD_FIXTURE"), "API_LOAD_FIXTURE is not set")
local mode = os.getenv("API_LOAD_MODE") or "fresh"
local prefix = os.getenv("API_LOAD_PREFIX") or "load"
local out_dir = assert(os.getenv("API_LOAD_OUT"), "API_LOAD_OUT is not set")
-- Packets go to this many patients, <prefix>-pt-<k>, round robin (0: the fixture's
-- own patient_id, i.e. every packet for one patient, whose row lock orders its assessments).
local patients = tonumber(os.getenv("API_LOAD_PATIENTS") or "0")

local f = assert(io.open(fixture_path, "rb"))
local fixture = f:read("*a")
f:close()
-- The body is split around the packet id once; each request only joins three strings.
local s, e = fixture:find('"packet_id"%s*:%s*"[^"]*"')
assert(s, fixture_path .. ": no \"packet_id\" string field")
local head = fixture:sub(1, s - 1) .. '"packet_id": "'
local tail = '"' .. fixture:sub(e + 1)
local tail_before_patient, tail_after_patient
if patients > 0 then
  local ps, pe = tail:find('"patient_id"%s*:%s*"[^"]*"')
  assert(ps, fixture_path .. ": no \"patient_id\" string field after packet_id")
  tail_before_patient = tail:sub(1, ps - 1) .. '"patient_id": "'
  tail_after_patient = '"' .. tail:sub(pe + 1)
end

local threads = {}
local next_thread = 0

function setup(thread)
  next_thread = next_thread + 1
  thread:set("thread_no", next_thread)
  table.insert(threads, thread)
end

-- Globals of each thread's Lua state (done() reads them with thread:get).
sent = 0
statuses = {}
local ids = {}
local log

function init(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  log = assert(io.open(string.format("%s/%s-%d.txt", out_dir, mode, thread_no), "w"))
  log:setvbuf("line")
  if mode == "resend" then
    local path = assert(os.getenv("API_LOAD_IDS"), "API_LOAD_IDS is not set")
    for line in io.lines(path) do
      if line ~= "" then table.insert(ids, line) end
    end
    assert(#ids > 0, path .. ": no packet ids to resend")
  end
end

-- The body of packet <prefix>-<thread>-<n>: the same for a resend as for the first post.
local function body(id)
  if patients > 0 then
    local id_prefix, t, n = id:match("^(.*)-(%d+)-(%d+)$")
    assert(id_prefix, "packet id " .. id .. " is not <prefix>-<thread>-<n>")
    local patient = string.format("%s-pt-%d", id_prefix, (tonumber(n) + tonumber(t)) % patients)
    return head .. id .. tail_before_patient .. patient .. tail_after_patient
  end
  return head .. id .. tail
end

function request()
  sent = sent + 1
  local id
  if mode == "resend" then
    -- Threads start at different offsets so they do not all resend the same id.
    id = ids[((sent - 1 + (thread_no - 1) * 7919) % #ids) + 1]
  else
    id = string.format("%s-%d-%d", prefix, thread_no, sent)
  end
  return wrk.format(nil, nil, nil, body(id))
end

function response(status, headers, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
  if status >= 200 and status < 300 then
    local id = body:match('"packet_id"%s*:%s*"([^"]+)"')
    log:write(status, " ", id or "?", "\n")
  end
end

function done(summary, latency, requests)
  local merged, generated = {}, 0
  for _, thread in ipairs(threads) do
    generated = generated + (thread:get("sent") or 0)
    local counts = thread:get("statuses") or {}
    for status, n in pairs(counts) do merged[status] = (merged[status] or 0) + n end
  end
  local parts = {}
  for status, n in pairs(merged) do table.insert(parts, string.format('"%s": %d', status, n)) end
  table.sort(parts)
  local errors = summary.errors
  local json = string.format(
    '{"mode": "%s", "threads": %d, "duration_us": %d, "requests": %d, "generated": %d, "bytes": %d, ' ..
    '"statuses": {%s}, "errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"p50": %d, "p90": %d, "p99": %d, "max": %d, "mean": %.1f}}',
    mode, #threads, summary.duration, summary.requests, generated, summary.bytes, table.concat(parts, ", "),
    errors.connect, errors.read, errors.write, errors.status, errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean)
  local out = assert(io.open(string.format("%s/%s-summary.json", out_dir, mode), "w"))
  out:write(json, "\n")
  out:close()
end
