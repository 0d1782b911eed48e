-- Hostile strategy: indexing nil.
-- Expected: Fault::Error naming runtime_error.lua:9 on the first call; the next call places one order (stake 1 TAO on SN1).
local calls = 0

function on_tick(w)
  calls = calls + 1
  if calls == 1 then
    local nothing = nil
    return nothing.field
  end
  dtao.stake(1, 1)
end
