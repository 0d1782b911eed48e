-- Hostile strategy: a __tostring that calls tostring on itself, through print.
-- Expected: Fault::Error "C stack overflow" naming tostring_recursion.lua (not the host's
-- own code) on the first call; the next call places one order (stake 1 TAO on SN1).
local calls = 0

function on_tick(w)
  calls = calls + 1
  if calls == 1 then
    local t
    t = setmetatable({}, { __tostring = function() return tostring(t) end })
    print(t)
  end
  dtao.stake(1, 1)
end
