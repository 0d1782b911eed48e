-- Test strategy: every 100 blocks, puts 2 TAO into the cheapest subnet.
cadence = 100

function on_tick(w)
  local best
  for _, s in ipairs(w.subnets) do
    if best == nil or s.price < best.price then best = s end
  end
  if best and w.me.free > 2 then dtao.stake(best.netuid, 2.0) end
end
