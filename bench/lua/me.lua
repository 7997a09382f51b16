-- GET /api/me with the session token in args[1].
dofile(os.getenv("WXBASE_BENCH_LUA") .. "/envelope.lua")

function init(args)
  wrk.method = "GET"
  wrk.path = "/api/me"
  wrk.headers["Authorization"] = "Bearer " .. args[1]
end

function response(status, headers, body)
  record(envelope_ok(status, body), status, body)
end
