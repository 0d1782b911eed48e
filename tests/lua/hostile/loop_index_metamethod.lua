-- Hostile strategy: an endless loop inside an __index metamethod, retried under pcall.
-- Expected: Fault::Budget on the first call; the next call places one order (stake 1 TAO on SN1).
local calls = 0

function on_tick(w)
  calls = calls + 1
  if calls == 1 then
    local t = setmetatable({}, { __index = function() while true do end end })
    while true do
      pcall(function() return t.x end)
    end
  end
  dtao.stake(1, 1)
end
