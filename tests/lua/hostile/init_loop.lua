-- Hostile strategy: an endless loop in init(cfg).
-- Expected: init returns Fault::Budget; on_tick then places one order (stake 1 TAO on SN1).
function init(cfg)
  while true do end
end

function on_tick(w)
  dtao.stake(1, 1)
end
