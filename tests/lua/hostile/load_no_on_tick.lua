-- Hostile strategy: no on_tick function.
-- Expected: Strategy::load fails with ScriptError::NoOnTick.
function on_tock(w) end
