-- Hostile strategy: fills its memory with a global table it keeps between calls.
-- Expected: Fault::Memory on the first call; the next call (which lets the hoard go)
-- still gets its view and places one order (stake 1 TAO on SN1).
local calls = 0
hoard = {}

function on_tick(w)
  calls = calls + 1
  if calls == 1 then
    local chunk = string.rep("x", 100000)
    local i = 0
    while true do
      i = i + 1
      hoard[i] = chunk .. i
    end
  end
  hoard = nil
  dtao.stake(1, 1)
end
