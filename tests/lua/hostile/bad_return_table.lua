-- Hostile strategy: returning a table of orders instead of calling dtao.
-- Expected: Fault::BadReturn on the first call; the next call places one order (stake 1 TAO on SN1).
local calls = 0

function on_tick(w)
  calls = calls + 1
  if calls == 1 then
    return { { "stake", 1, 1 } }
  end
  dtao.stake(1, 1)
end
