-- Always hostile: an endless __index metamethod.
function on_tick(w)
  local t = setmetatable({}, { __index = function(t, k) while true do end end })
  return t.x
end
