-- Hostile strategy: an endless loop in the file's top level.
-- Expected: Strategy::load fails with ScriptError::Load { fault: Fault::Budget }.
while true do end

function on_tick(w) end
