-- Hostile strategy: string.rep asked for 2^40 bytes.
-- Expected: Fault::Error (string.rep cap) on the first call; the next call places one order (stake 1 TAO on SN1).
local calls = 0

function on_tick(w)
  calls = calls + 1
  if calls == 1 then
    local s = string.rep("x", 2^40)
    dtao.log(#s)
  end
  dtao.stake(1, 1)
end
