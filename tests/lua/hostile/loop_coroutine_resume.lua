-- Hostile strategy: an endless loop inside coroutine.resume, which catches errors like pcall.
-- Expected: Fault::Budget on the first call; the next call places one order (stake 1 TAO on SN1).
local calls = 0

function on_tick(w)
  calls = calls + 1
  if calls == 1 then
    while true do
      local co = coroutine.create(function() while true do end end)
      coroutine.resume(co)
    end
  end
  dtao.stake(1, 1)
end
