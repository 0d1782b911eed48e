-- Hostile strategy: cheaper but still exponential patterns, each just under the work cap, called in a loop under pcall (charged to the budget).
-- Expected: Fault::Budget on the first call; the next call places one order (stake 1 TAO on SN1).
local calls = 0

function on_tick(w)
  calls = calls + 1
  if calls == 1 then
    local s = ("a"):rep(30)
    while true do
      pcall(string.find, s, "a*a*b")
      pcall(string.match, s, ("a?"):rep(12) .. "b")
    end
  end
  dtao.stake(1, 1)
end
