-- Hostile strategy: table.move walks 2^53 elements in C without allocating, so neither the
-- memory limit nor the instruction hook (which never runs inside a C function) would stop
-- it; the host charges the count to the budget before the move starts.
-- Expected: Fault::Budget on the first call, at once; the next call places one order
-- (stake 1 TAO on SN1).
local calls = 0

function on_tick(w)
  calls = calls + 1
  if calls == 1 then
    table.move({}, 1, 2 ^ 53, 1)
  end
  dtao.stake(1, 1)
end
