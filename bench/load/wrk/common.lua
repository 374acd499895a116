-- Shared by the wrk scripts: the session cookie and the reservation ids come from
-- the environment (COOKIE, IDS_FILE), set by run.sh; each thread seeds its own random.
local common = {}

function common.setup()
  wrk.headers["Cookie"] = os.getenv("COOKIE")
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
end

function common.ids()
  local ids = {}
  for line in io.lines(os.getenv("IDS_FILE")) do ids[#ids + 1] = line end
  return ids
end

-- An RFC 3339 day `days` from now at 09:00 UTC.
function common.day(days)
  return os.date("!%Y-%m-%dT09:00:00Z", os.time() + days * 86400)
end

return common
