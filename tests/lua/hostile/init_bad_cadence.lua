-- Hostile strategy: init sets a cadence of zero.
-- Expected: init returns Fault::Error naming the cadence; the cadence stays 7.
cadence = 7

function init(cfg)
  cadence = 0
end

function on_tick(w)
  dtao.stake(1, 1)
end
