-- Hostile strategy: an endless loop inside a table.sort comparator.
-- Expected: Fault::Budget on the first call; the next call places one order (stake 1 TAO on SN1).
local calls = 0

function on_tick(w)
  calls = calls + 1
  if calls == 1 then
    local t = {}
    for i = 1, 100 do t[i] = (i * 37) % 101 end
    while true do
      pcall(table.sort, t, function() while true do end end)
    end
  end
  dtao.stake(1, 1)
end
