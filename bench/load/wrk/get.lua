-- One reservation by id, a random one of IDS_FILE each time.
package.path = debug.getinfo(1, "S").source:match("@(.*/)") .. "?.lua;" .. package.path
local common = require("common")
local ids

function init(args)
  common.setup()
  ids = common.ids()
end

function request()
  return wrk.format("GET", "/api/reservations/" .. ids[math.random(#ids)])
end
