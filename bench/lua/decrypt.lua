-- POST /api/me/decrypt with the token in args[1] and the JSON body in the file args[2].
dofile(os.getenv("WXBASE_BENCH_LUA") .. "/envelope.lua")

function init(args)
  local file = io.open(args[2], "r")
  wrk.method = "POST"
  wrk.path = "/api/me/decrypt"
  wrk.body = file:read("*a")
  file:close()
  wrk.headers["Authorization"] = "Bearer " .. args[1]
  wrk.headers["Content-Type"] = "application/json"
end

function response(status, headers, body)
  record(envelope_ok(status, body), status, body)
end
