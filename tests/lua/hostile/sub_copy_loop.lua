-- Hostile strategy: copying a 16 MB string with string.sub in a loop. The result is
-- charged to the budget by its size (16 MB / 64 bytes = 262,144 instructions), so the
-- budget stops it after a few copies, on any machine (not the wall clock, which depends
-- on the machine's speed).
-- Expected: Fault::Budget on the first call; the next call places one order (stake 1
-- TAO on SN1).
local calls = 0

function on_tick(w)
  calls = calls + 1
  if calls == 1 then
    local s = string.rep(string.rep("x", 2 ^ 12), 2 ^ 12)
    while true do
      local t = s:sub(2)
    end
  end
  dtao.stake(1, 1)
end
