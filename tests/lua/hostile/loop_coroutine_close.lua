-- Hostile strategy: a coroutine with a looping <close> handler, killed by the budget, then
-- closed (by coroutine.wrap at once, and by coroutine.close in the next call). Lua runs
-- the pending handlers of a coroutine killed by the hook with its hooks still disabled.
-- Expected: Strategy::load fails with ScriptError::Refused naming line 9.
local calls = 0
local saved

local function trap()
  local guard <close> = setmetatable({}, { __close = function() while true do end end })
  while true do end
end

function on_tick(w)
  calls = calls + 1
  if calls == 1 then
    saved = coroutine.create(trap)
    pcall(coroutine.resume, saved)
    pcall(coroutine.wrap(trap))
  end
  assert(coroutine.close(saved))
  dtao.stake(1, 1)
end
