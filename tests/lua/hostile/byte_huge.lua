-- Hostile strategy: string.byte over a whole 900,000-byte string returns 900,000 values
-- from one C call (and string.rep builds the string one piece at a time); both are
-- charged by their counts, so the call runs out of budget instead of the wall clock.
-- Expected: Fault::Budget on the first call; the next call places one order (stake 1 TAO
-- on SN1).
local calls = 0

function on_tick(w)
  calls = calls + 1
  if calls == 1 then
    local s = string.rep("a", 900000)
    local t = { s:byte(1, -1) }
    local u = { table.unpack(t) }
  end
  dtao.stake(1, 1)
end
