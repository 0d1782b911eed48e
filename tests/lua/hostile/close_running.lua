-- Hostile strategy: closing the running coroutine (the host's wrapper refuses it).
-- Expected: Fault::Error naming close_running.lua:9 (not the host's own code) on the
-- first call; the next call places one order (stake 1 TAO on SN1).
local calls = 0

function on_tick(w)
  calls = calls + 1
  if calls == 1 then
    coroutine.close(coroutine.running())
  end
  dtao.stake(1, 1)
end
