-- Test strategy: stakes or dumps a random subnet, using the match's seeded stream.
cadence = 240

function on_tick(w)
  local s = w.subnets[math.random(#w.subnets)]
  if math.random() < 0.6 then
    if w.me.free > 1 then dtao.stake(s.netuid, 1.0) end
  else
    dtao.dump(s.netuid)
  end
end
