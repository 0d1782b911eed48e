-- Hostile strategy: string.format with %p, which would print an address.
-- Expected: Fault::Error (%p refused) on the first call; the next call places one order (stake 1 TAO on SN1).
local calls = 0

function on_tick(w)
  calls = calls + 1
  if calls == 1 then
    dtao.log(string.format("%p", {}))
  end
  dtao.stake(1, 1)
end
