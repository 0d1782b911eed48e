-- Hostile strategy: a recursion that never ends (not a tail call, so every call stays
-- on the stack).
-- Expected: Fault::Budget on the first call, deep enough to be named a recursion (not
-- a loop); the next call places one order (stake 1 TAO on SN1).
local calls = 0

local function deeper(n)
  return 1 + deeper(n + 1)
end

function on_tick(w)
  calls = calls + 1
  if calls == 1 then
    deeper(1)
  end
  dtao.stake(1, 1)
end
