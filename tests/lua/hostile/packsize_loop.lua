-- Hostile strategy: string.packsize over a 4 MB format string, in a loop. The format is
-- parsed item by item in C without allocating: cheap in instructions, costly in time.
-- Expected: Fault::Budget on the first call (packsize is charged by its format's size);
-- the next call places one order (stake 1 TAO on SN1).
local calls = 0

function on_tick(w)
  calls = calls + 1
  if calls == 1 then
    local fmt = string.rep("i16", 2 ^ 20)
    while true do
      string.packsize(fmt)
      tonumber(fmt)
    end
  end
  dtao.stake(1, 1)
end
