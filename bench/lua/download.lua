-- GET a signed file URL (its path and query in args[1]) with no headers, as <image src> does.
dofile(os.getenv("WXBASE_BENCH_LUA") .. "/envelope.lua")

function init(args)
  wrk.method = "GET"
  wrk.path = args[1]
end

function response(status, headers, body)
  record(status == 200, status, body)
end
