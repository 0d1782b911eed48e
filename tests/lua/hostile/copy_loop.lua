-- Hostile strategy: copying a 16 MB string once per instruction or two. Each copy is one
-- VM instruction, so the budget counts little; the wall-clock backstop (checked by the
-- hook every 1000 instructions) stops it.
-- Expected: Fault::WallClock (or Fault::Budget on a fast machine) on the first call; the
-- next call places one order (stake 1 TAO on SN1).
local calls = 0

function on_tick(w)
  calls = calls + 1
  if calls == 1 then
    local s = string.rep(string.rep("x", 2 ^ 12), 2 ^ 12)
    while true do
      local t = s .. "y"
    end
  end
  dtao.stake(1, 1)
end
