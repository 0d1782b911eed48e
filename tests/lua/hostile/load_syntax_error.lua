-- Hostile strategy: not Lua.
-- Expected: Strategy::load fails with ScriptError::Syntax naming line 4.
function on_tick(w)
  dtao.stake(1 1)
end
