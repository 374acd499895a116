-- Available cars for a random 1-7 day window starting in the next 90 days.
package.path = debug.getinfo(1, "S").source:match("@(.*/)") .. "?.lua;" .. package.path
local common = require("common")

function init(args)
  common.setup()
end

function request()
  local start = math.random(0, 90)
  local path = "/api/cars/available?perPage=100&start=" .. common.day(start)
    .. "&end=" .. common.day(start + math.random(1, 7))
  return wrk.format("GET", path)
end
