-- Lodestone benchmark: durable form posts. Each request posts the 8-field benchmark
-- form URL-encoded, with an email (and phone) no other request of the run uses: a
-- per-thread counter plus the thread's id, plus a run tag given after "--".
-- Used unchanged against Lodestone (POST /f/{slug}) and the bare group-commit server.

local threads = {}

function setup(thread)
   table.insert(threads, thread)
   thread:set("tid", #threads)
end

local counter = 0
local tag = "run"
local companies = { "acme", "globex", "initech", "umbrella", "hooli", "vandelay", "stark", "wayne" }

function init(args)
   if args[1] ~= nil then
      tag = args[1]
   end
   wrk.method = "POST"
   wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end

function request()
   counter = counter + 1
   local n = counter
   local company = companies[(n % #companies) + 1]
   -- Unique per request: the tag, the thread and the thread's counter.
   local email = string.format("%s.t%d.n%d%%40%s%d.com", tag, tid, n, company, n % 997)
   -- +1 212 then seven digits starting 2..9; threads start 3,000,000 numbers apart.
   local phone = string.format("%%2B1212%07d", 2000000 + ((tid - 1) * 3000000 + n) % 8000000)
   local body = "email=" .. email ..
      "&first_name=Ann" .. n ..
      "&last_name=Lee" .. tid ..
      "&company=" .. company .. "+Corp" ..
      "&job_title=Head+of+Marketing" ..
      "&phone=" .. phone ..
      "&country=DE" ..
      "&message=Please+call+me+about+pricing+for+our+team"
   return wrk.format(nil, nil, nil, body)
end
