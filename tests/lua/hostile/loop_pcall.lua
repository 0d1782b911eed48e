-- Hostile strategy: an endless loop whose every budget error is caught by an inner pcall.
-- Expected: Fault::Budget on the first call; the next call places one order (stake 1 TAO on SN1).
local calls = 0

function on_tick(w)
  calls = calls + 1
  if calls == 1 then
    while true do
      pcall(function() while true do end end)
    end
  end
  dtao.stake(1, 1)
end
