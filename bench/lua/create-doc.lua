-- POST a small document to the admin collection route args[2] with the admin token args[1]:
-- each creation records one document.created event.
dofile(os.getenv("WXBASE_BENCH_LUA") .. "/envelope.lua")

function init(args)
  wrk.method = "POST"
  wrk.path = args[2]
  wrk.headers["Authorization"] = "Bearer " .. args[1]
  wrk.headers["Content-Type"] = "application/json"
  wrk.body = '{"item":"bench","qty":1}'
end

function response(status, headers, body)
  record(envelope_ok(status, body), status, body)
end
