-- Hostile strategy: a __gc finalizer, which could run code outside any call.
-- Expected: Fault::Error (__gc refused) on the first call; the next call places one order (stake 1 TAO on SN1).
local calls = 0

function on_tick(w)
  calls = calls + 1
  if calls == 1 then
    setmetatable({}, { __gc = function() while true do end end })
  end
  dtao.stake(1, 1)
end
