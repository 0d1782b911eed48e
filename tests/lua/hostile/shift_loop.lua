-- Hostile strategy: inserting at and removing from the front of a 400,000-element table
-- shifts every element in C, each call one instruction for the hook; the host charges
-- the shifts. (Loading builds the table: string.byte and string.rep are charged by
-- their counts too, within the budget.)
-- Expected: Fault::Budget on the first call; the next call places one order (stake 1 TAO
-- on SN1).
local calls = 0
local t = { string.byte(string.rep("a", 400000), 1, -1) }

function on_tick(w)
  calls = calls + 1
  if calls == 1 then
    while true do
      table.insert(t, 1, 0)
      table.remove(t, 1)
    end
  end
  dtao.stake(1, 1)
end
