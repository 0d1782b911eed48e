-- Hostile strategy: unbounded recursion.
-- Expected: Fault::Error (stack overflow) or Fault::Budget on the first call; the next call places one order (stake 1 TAO on SN1).
local calls = 0

function on_tick(w)
  calls = calls + 1
  if calls == 1 then
    local function f(n) return 1 + f(n + 1) end
    while true do
      pcall(f, 1)
      f(1)
    end
  end
  dtao.stake(1, 1)
end
