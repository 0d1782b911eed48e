-- Always hostile: string.rep of 2^40.
function on_tick(w)
  local s = string.rep("x", 2^40)
end
