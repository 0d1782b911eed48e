-- Hostile strategy: replaces on_tick by a number.
-- Expected: Fault::Error ("on_tick is a number") on the second call and every later one.
function on_tick(w)
  on_tick = 42
  dtao.stake(1, 1)
end
