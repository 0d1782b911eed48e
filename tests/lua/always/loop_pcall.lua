-- Always hostile: an endless loop inside pcall, retried forever.
function on_tick(w)
  while true do pcall(function() while true do end end) end
end
