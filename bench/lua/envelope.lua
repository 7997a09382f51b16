-- Shared by the workload scripts: count responses that are not a wxbase success.
-- wrk runs one Lua state per thread; done() gathers the per-thread counters.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

failures = 0
first_failure = ""

function record(ok, status, body)
  if not ok then
    failures = failures + 1
    if first_failure == "" then
      first_failure = tostring(status) .. " " .. string.sub(body or "", 1, 200)
    end
  end
end

function envelope_ok(status, body)
  return status == 200 and string.find(body, '"code":1', 1, true) ~= nil
end

function done(summary, latency, requests)
  local total, sample = 0, ""
  for _, thread in ipairs(threads) do
    total = total + thread:get("failures")
    if sample == "" then sample = thread:get("first_failure") end
  end
  io.write(string.format("WXBASE_FAILURES %d\n", total))
  if sample ~= "" then io.write("WXBASE_FIRST_FAILURE " .. sample .. "\n") end
end
