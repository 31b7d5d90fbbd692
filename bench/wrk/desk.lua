-- The circulation desk: a librarian lends a copy by its barcode to a patron by card number
-- (POST /loans {"barcode", "card_number"}), then checks it in by barcode (POST /returns),
-- over and over. DESK_LUA defines `staff` (a token), `barcodes = {…}` (one copy of each of
-- the first books) and `cards = {…}` (members' card numbers). Each wrk thread owns its own
-- slice of both, and each connection checks in what it lent before lending again, so no
-- limit refuses. "pairs" counts check-ins answered 200.
dofile(os.getenv("BENCH_DIR") .. "/wrk/summary.lua")
dofile(os.getenv("DESK_LUA"))
local threads = {}

function setup(thread)
   thread:set("index", #threads)
   table.insert(threads, thread)
end

function init(args)
   local count = tonumber(os.getenv("THREADS") or "2")
   copy_span = math.floor(#barcodes / count)
   copy_first = index * copy_span + 1
   card_span = math.floor(#cards / count)
   card_first = index * card_span + 1
   lent = 0
   pending = {}
   pairs_done = 0
   refused = 0
   headers = { ["Authorization"] = "Bearer " .. staff, ["Content-Type"] = "application/json" }
end

function request()
   local code = table.remove(pending)
   if code then
      return wrk.format("POST", "/returns", headers, string.format('{"barcode":"%s"}', code))
   end
   local code = barcodes[copy_first + lent % copy_span]
   local card = cards[card_first + lent % card_span]
   lent = lent + 1
   return wrk.format("POST", "/loans", headers,
      string.format('{"barcode":"%s","card_number":"%s"}', code, card))
end

function response(status, headers, body)
   if status == 201 then
      table.insert(pending, body:match('"barcode"%s*:%s*"([^"]+)"'))
   elseif status == 200 and body:find("RETURN ITEM", 1, true) then
      pairs_done = pairs_done + 1
   else
      refused = refused + 1
   end
end

done = function(summary, latency, requests)
   pairs_summary(threads, summary, latency)
end
