-- GET on the push endpoint with a valid signature (path and query in args[1]); the answer must
-- be the echostr (args[2]).
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
