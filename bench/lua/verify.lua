-- A GET of args[1] whose answer must be exactly args[2]: the push endpoint's signature check
-- (the answer is the echostr), and the bare axum yardstick (the answer is "hello").
dofile(os.getenv("WXBASE_BENCH_LUA") .. "/envelope.lua")

local echostr

function init(args)
  wrk.method = "GET"
  wrk.path = args[1]
  echostr = args[2]
end

function response(status, headers, body)
  record(status == 200 and body == echostr, status, body)
end
