-- POST /api/auth/login, each request with the next single-use code from the file in args[1].
dofile(os.getenv("WXBASE_BENCH_LUA") .. "/envelope.lua")

local codes, next_code = {}, 1

function init(args)
  for line in io.lines(args[1]) do
    codes[#codes + 1] = line
  end
end

function request()
  local code = codes[next_code] or "exhausted"
  next_code = next_code + 1
  return wrk.format("POST", "/api/auth/login", { ["Content-Type"] = "application/json" },
    '{"code":"' .. code .. '"}')
end

function response(status, headers, body)
  record(envelope_ok(status, body), status, body)
end
