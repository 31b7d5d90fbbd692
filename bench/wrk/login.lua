-- POST /users/login with the right password, rotating over the accounts run.sh registered
-- (bench-user-1 … bench-user-USERS, password PASSWORD).
dofile(os.getenv("BENCH_DIR") .. "/wrk/summary.lua")
local users = tonumber(os.getenv("USERS") or "1000")
local password = os.getenv("PASSWORD")
local counter = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

function setup(thread)
   counter = counter + 1
   thread:set("seed", counter)
end

function init(args)
   math.randomseed(seed * 15485863)
end

function request()
   local n = math.random(1, users)
   local body = string.format('{"email":"bench-user-%d@example.org","password":"%s"}', n, password)
   return wrk.format(nil, "/users/login", nil, body)
end
