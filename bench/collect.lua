-- Lodestone benchmark: tracking page views, as the snippet (/t.js) sends them to
-- POST /collect: a text/plain JSON body with the visitor id, the page URL (some with
-- UTM parameters), the referrer and the title, from a browser's user agent.
--
-- Visitors come back: seven hits in ten come from 3,000 returning visitors per
-- thread, three in ten from a new visitor each.
-- About one hit in five lands from a campaign link (UTM parameters), one in four
-- comes from a search engine or a social site, the rest are internal clicks or
-- direct visits. A run tag given after "--" keeps the ids of each run apart.

local threads = {}

function setup(thread)
   table.insert(threads, thread)
   thread:set("tid", #threads)
end

local counter = 0
local tag = "run"

local pages = {
   { "/", "Lodestone - lead management" },
   { "/pricing", "Pricing" },
   { "/features/forms", "Forms and landing pages" },
   { "/features/scoring", "Lead scoring" },
   { "/blog/2026/lead-scoring-basics", "Lead scoring basics" },
   { "/blog/2026/utm-parameters-explained", "UTM parameters, explained" },
   { "/blog/2026/b2b-funnel-metrics", "B2B funnel metrics that matter" },
   { "/customers/acme", "How Acme doubled its MQLs" },
   { "/docs/getting-started", "Getting started" },
   { "/docs/api/events", "Events API" },
   { "/webinar/2026-q4", "Webinar: pipeline reviews" },
   { "/contact", "Talk to sales" },
}

local utms = {
   "utm_source=google&utm_medium=cpc&utm_campaign=brand-q4&utm_term=lead%20management",
   "utm_source=linkedin&utm_medium=paid_social&utm_campaign=webinar-q4",
   "utm_source=newsletter&utm_medium=email&utm_campaign=nov-digest&utm_content=hero",
   "utm_source=facebook&utm_medium=social&utm_campaign=retargeting",
   "utm_source=partner-blog&utm_medium=referral&utm_campaign=co-marketing",
}

local referrers = {
   "https://www.google.com/",
   "https://www.bing.com/search?q=lead+management+software",
   "https://duckduckgo.com/",
   "https://www.linkedin.com/feed/",
   "https://t.co/abc123",
   "https://news.ycombinator.com/item?id=4242",
}

function init(args)
   if args[1] ~= nil then
      tag = args[1]
   end
   wrk.method = "POST"
   -- What sendBeacon sends: a simple request, no CORS preflight.
   wrk.headers["Content-Type"] = "text/plain;charset=UTF-8"
   wrk.headers["Origin"] = "https://www.example-shop.com"
   wrk.headers["User-Agent"] = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
end

-- json quotes a string that holds no quote, backslash or control character.
local function json(s)
   return '"' .. s .. '"'
end

function request()
   counter = counter + 1
   local n = counter
   -- A visitor id like the snippet's, unique per thread and run: three hits in ten
   -- come from a visitor never seen before, the others from one of the thread's
   -- 3,000 returning visitors.
   local v
   if n % 10 < 3 then
      v = 3000 + n
   else
      v = (n * 7919) % 3000
   end
   local visitor = string.format("%s%02x%08x%08x", tag, tid, v, v * 2654435761 % 4294967296)
   local page = pages[(n * 31) % #pages + 1]
   local url = "https://www.example-shop.com" .. page[1]
   local referrer = ""
   local r = n % 20
   if r < 4 then
      -- From a campaign link.
      url = url .. "?" .. utms[math.floor(n / 20) % #utms + 1]
      if r < 2 then
         referrer = referrers[math.floor(n / 20) % #referrers + 1]
      end
   elseif r < 9 then
      -- From a search engine or a social site.
      referrer = referrers[n % #referrers + 1]
   elseif r < 17 then
      -- An internal click.
      referrer = "https://www.example-shop.com" .. pages[(n * 7) % #pages + 1][1]
   end
   local body = '{"type":"page_view","visitor_id":' .. json(visitor) ..
      ',"page_url":' .. json(url) ..
      ',"referrer":' .. json(referrer) ..
      ',"title":' .. json(page[2]) .. '}'
   return wrk.format(nil, nil, nil, body)
end
