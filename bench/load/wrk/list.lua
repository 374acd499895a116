-- A reservation list page at a random depth (any of the 500 pages of 20 over 10,000
-- rentals, or as many as PAGES says), sorted by start date half of the time.
package.path = debug.getinfo(1, "S").source:match("@(.*/)") .. "?.lua;" .. package.path
local common = require("common")
local pages = tonumber(os.getenv("PAGES") or "500")

function init(args)
  common.setup()
end

function request()
  local path = "/api/reservations?page=" .. math.random(1, pages)
  if math.random() < 0.5 then path = path .. "&sort=-startDate" end
  return wrk.format("GET", path)
end
