-- Always hostile: doubling a string until memory runs out.
function on_tick(w)
  local s = "x"
  while true do s = s .. s end
end
