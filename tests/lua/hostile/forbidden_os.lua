-- Hostile strategy: calling a removed function: os.execute("echo pwned")
-- Expected: Fault::Error (attempt to call or index a nil value) on the first call; the next call places one order (stake 1 TAO on SN1).
local calls = 0

function on_tick(w)
  calls = calls + 1
  if calls == 1 then
    os.execute("echo pwned")
  end
  dtao.stake(1, 1)
end
