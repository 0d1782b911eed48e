-- Always hostile: a flood of orders.
function on_tick(w)
  for i = 1, 100000 do dtao.stake(1, 1) end
end
