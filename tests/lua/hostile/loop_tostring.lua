-- Hostile strategy: an endless loop inside a __tostring metamethod called by dtao.log.
-- Expected: Fault::Budget on the first call; the next call places one order (stake 1 TAO on SN1).
local calls = 0

function on_tick(w)
  calls = calls + 1
  if calls == 1 then
    local t = setmetatable({}, { __tostring = function() while true do end end })
    while true do
      pcall(dtao.log, t)
    end
  end
  dtao.stake(1, 1)
end
