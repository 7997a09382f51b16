-- POST a webhook delivery as wxbase sends one (a distinct webhook-id each), to measure the
-- bench's receiver alone; the answer must be 204.
dofile(os.getenv("WXBASE_BENCH_LUA") .. "/envelope.lua")

local sent = 0

function request()
  sent = sent + 1
  local id = string.format("evt_bench_%d_%d", math.random(1, 1000000000), sent)
  local body = '{"type":"document.created","id":"' .. id .. '","occurredAt":"2026-01-01T00:00:00Z",'
    .. '"data":{"collection":"hooks","document":{"_id":"' .. id .. '","n":1}}}'
  return wrk.format("POST", "/hooks", {
    ["content-type"] = "application/json",
    ["webhook-id"] = id,
    ["webhook-timestamp"] = "1764720000",
    ["webhook-signature"] = "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=",
  }, body)
end

function response(status, headers, body)
  record(status == 204, status, body)
end
