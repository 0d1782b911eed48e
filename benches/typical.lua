function on_tick(w)
  local subnets, me = w.subnets, w.me
  local best, best_yield = nil, -1
  for i = 1, #subnets do
    local s = subnets[i]
    local price = s.price
    if s.emitting and price > 0 then
      local y = s.emission_share / price
      if y > best_yield then best, best_yield = s, y end
    end
  end
  if best and me.alpha[best.netuid] == 0 and me.free > 1 then
    dtao.stake(best.netuid, me.free * 0.01)
  end
end
