-- Hostile strategy: the catastrophic backtracking pattern of measured-facts.md (100 s+ in stock Lua).
-- Expected: Fault::Error (pattern too complex) on the first call; the next call places one order (stake 1 TAO on SN1).
local calls = 0

function on_tick(w)
  calls = calls + 1
  if calls == 1 then
    local s = string.gsub(("a"):rep(40) .. "b", ("a?"):rep(40) .. ("a"):rep(40), "x")
    dtao.log(s)
  end
  dtao.stake(1, 1)
end
