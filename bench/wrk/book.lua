-- GET /books/{id} for ids spread over the whole catalogue (BOOKS, default 100000).
dofile(os.getenv("BENCH_DIR") .. "/wrk/summary.lua")
local books = tonumber(os.getenv("BOOKS") or "100000")
local counter = 0

function setup(thread)
   counter = counter + 1
   thread:set("seed", counter)
end

function init(args)
   math.randomseed(seed * 7919)
end

function request()
   return wrk.format("GET", "/books/" .. math.random(1, books))
end
