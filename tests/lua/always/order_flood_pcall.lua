-- Always hostile: a flood of orders, with the error caught.
function on_tick(w)
  for i = 1, 100000 do pcall(dtao.stake, 1, 1) end
end
