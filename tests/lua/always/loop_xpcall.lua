-- Always hostile: an endless loop inside xpcall with a handler that loops too.
function on_tick(w)
  while true do xpcall(function() while true do end end, function() while true do end end) end
end
