-- Always hostile: an endless loop every call.
function on_tick(w)
  while true do end
end
