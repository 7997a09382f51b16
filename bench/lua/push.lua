-- POST safe-mode pushes, each line of the file in args[1] being "PATH?QUERY<TAB>BODY" with its
-- own MsgId; the answer must be "success".
dofile(os.getenv("WXBASE_BENCH_LUA") .. "/envelope.lua")

local pushes, next_push = {}, 1

function init(args)
  for line in io.lines(args[1]) do
    local tab = string.find(line, "\t", 1, true)
    pushes[#pushes + 1] = { string.sub(line, 1, tab - 1), string.sub(line, tab + 1) }
  end
end

function request()
  local push = pushes[next_push] or pushes[1]
  next_push = next_push + 1
  return wrk.format("POST", push[1], { ["Content-Type"] = "application/json" }, push[2])
end

function response(status, headers, body)
  record(status == 200 and body == "success", status, body)
end
