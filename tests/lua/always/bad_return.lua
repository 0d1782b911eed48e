-- Always hostile: a wrong return type.
function on_tick(w)
  return { stake = 1 }
end
