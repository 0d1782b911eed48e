-- Always hostile: an endless loop inside a coroutine.
function on_tick(w)
  local co = coroutine.wrap(function() while true do end end)
  while true do pcall(co) end
end
