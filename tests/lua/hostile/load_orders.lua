-- Hostile strategy: placing an order while the file loads (no view, no turn).
-- Expected: Strategy::load fails with ScriptError::Load { fault: Fault::Error(..) }.
dtao.stake(1, 1)

function on_tick(w) end
