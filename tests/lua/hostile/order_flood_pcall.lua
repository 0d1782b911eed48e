-- Hostile strategy: a flood of orders, each under pcall.
-- Expected: Fault::TooManyOrders on the first call; the next call places one order (stake 1 TAO on SN1).
local calls = 0

function on_tick(w)
  calls = calls + 1
  if calls == 1 then
    for _ = 1, 100000 do pcall(dtao.stake, 1, 1) end
  end
  dtao.stake(1, 1)
end
