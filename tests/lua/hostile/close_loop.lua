-- Hostile strategy: a to-be-closed variable whose __close handler loops, in a frame the
-- budget stops. mlua raises the budget error from inside the hook after truncating the
-- frame's stack, which runs __close there with Lua's hooks disabled: it would never stop.
-- Expected: Strategy::load fails with ScriptError::Refused naming line 7.
function on_tick(w)
  local trap = setmetatable({}, { __close = function() while true do end end })
  local guard <close> = trap
  while true do end
end
