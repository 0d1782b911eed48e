-- Always hostile: a huge table.
function on_tick(w)
  local t = {}
  for i = 1, 1e12 do t[i] = i end
end
