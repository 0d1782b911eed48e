-- Always hostile: a runtime error.
function on_tick(w)
  local x = nil
  return x.field
end
