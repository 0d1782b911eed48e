-- Hostile strategy: string.format with a huge field width.
-- Expected: Fault::Error (invalid conversion) on the first call; the next call places one order (stake 1 TAO on SN1).
local calls = 0

function on_tick(w)
  calls = calls + 1
  if calls == 1 then
    local s = string.format("%099999d", 1)
    dtao.log(#s)
  end
  dtao.stake(1, 1)
end
