-- Hostile strategy: doubling a string until memory runs out.
-- Expected: Fault::Memory on the first call; the next call places one order (stake 1 TAO on SN1).
local calls = 0

function on_tick(w)
  calls = calls + 1
  if calls == 1 then
    local s = "x"
    while true do s = s .. s end
  end
  dtao.stake(1, 1)
end
