-- Hostile strategy: a cadence that is not a whole number of blocks >= 1.
-- Expected: Strategy::load fails with ScriptError::BadCadence.
cadence = 0.5

function on_tick(w) end
