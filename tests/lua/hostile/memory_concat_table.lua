-- Hostile strategy: table.concat of a table whose strings add up to more than the memory limit.
-- Expected: Fault::Memory on the first call; the next call places one order (stake 1 TAO on SN1).
local calls = 0

function on_tick(w)
  calls = calls + 1
  if calls == 1 then
    local t = {}
    local chunk = string.rep("y", 1000000)
    for i = 1, 40 do t[i] = chunk end
    while true do
      local s = table.concat(t)
      t[#t + 1] = s
    end
  end
  dtao.stake(1, 1)
end
