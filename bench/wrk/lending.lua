-- POST /loans then POST /loans/{id}/return, over and over. Each member borrows for
-- themself with their own token (TOKENS_LUA defines `members = {token, …}`). Each wrk
-- thread owns its own slice of the catalogue and of the members, and every connection
-- returns what it borrowed before borrowing again, so loan limits and copies never refuse
-- a borrow. "pairs" counts returns answered 200.
dofile(os.getenv("BENCH_DIR") .. "/wrk/summary.lua")
dofile(os.getenv("TOKENS_LUA"))
local books = tonumber(os.getenv("BOOKS") or "100000")
local threads = {}

function setup(thread)
   thread:set("index", #threads)
   table.insert(threads, thread)
end

function init(args)
   -- wrk does not say how many threads there are; run.sh does.
   local count = tonumber(os.getenv("THREADS") or "2")
   book_span = math.floor(books / count)
   book_first = index * book_span + 1
   member_span = math.floor(#members / count)
   member_first = index * member_span + 1
   borrows = 0
   pending = {}
   pairs_done = 0
   refused = 0
end

function request()
   local loan = table.remove(pending)
   if loan then
      return wrk.format("POST", "/loans/" .. loan.id .. "/return",
         { ["Authorization"] = "Bearer " .. loan.token })
   end
   local book = book_first + borrows % book_span
   local token = members[member_first + borrows % member_span]
   borrows = borrows + 1
   -- the token rides in the body's wake: response() learns it from the loan's user_id
   return wrk.format("POST", "/loans",
      { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" },
      string.format('{"book_id":%d}', book))
end

function response(status, headers, body)
   if status == 201 then
      local id = tonumber(body:match('"id"%s*:%s*(%d+)'))
      local user = tonumber(body:match('"user_id"%s*:%s*(%d+)'))
      table.insert(pending, { id = id, token = tokens_by_user[user] })
   elseif status == 200 and body:find("RETURN BOOK", 1, true) then
      pairs_done = pairs_done + 1
   else
      refused = refused + 1
   end
end

done = function(summary, latency, requests)
   pairs_summary(threads, summary, latency)
end
