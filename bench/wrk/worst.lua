-- The slowest catalogue queries bench/catalogue.py found, in turn: what six anonymous
-- clients could send to keep the server busy (WORD: the most common title word).
dofile(os.getenv("BENCH_DIR") .. "/wrk/summary.lua")
local word = os.getenv("WORD") or "night"
local paths = {
   "/books?available=true&page=10&per_page=100",
   "/books?sort=author&order=desc&page=10&per_page=100",
   "/books?tag=fiction&available=true&sort=title&page=10&per_page=100",
   "/books?tag=fiction&page=10&per_page=100",
   "/books?q=" .. word .. "&page=10&per_page=100",
   "/books?q=the&page=10&per_page=100",
   "/books?q=a",
   "/books?q=" .. word .. "&available=true&per_page=100",
   "/books?q=the%20night%20garden",
}
local n = 0

function request()
   n = n + 1
   return wrk.format("GET", paths[(n % #paths) + 1])
end
