-- Hostile strategy: a table of ever more 100 kB strings.
-- Expected: Fault::Memory on the first call; the next call places one order (stake 1 TAO on SN1).
local calls = 0

function on_tick(w)
  calls = calls + 1
  if calls == 1 then
    local t = {}
    local chunk = string.rep("x", 100000)
    for i = 1, 1e9 do t[i] = chunk .. i end
  end
  dtao.stake(1, 1)
end
