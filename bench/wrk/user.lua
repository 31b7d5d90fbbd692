-- GET /users/{id} with a member's Bearer token (TOKEN), ids spread over USERS accounts.
dofile(os.getenv("BENCH_DIR") .. "/wrk/summary.lua")
local users = tonumber(os.getenv("USERS") or "1000")
local counter = 0
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")

function setup(thread)
   counter = counter + 1
   thread:set("seed", counter)
end

function init(args)
   math.randomseed(seed * 104729)
end

function request()
   return wrk.format("GET", "/users/" .. math.random(1, users))
end
