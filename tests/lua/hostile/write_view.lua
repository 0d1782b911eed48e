-- Hostile strategy: writing to the view, after checking that every other kind of write fails.
-- Expected: Fault::Error (the view is read-only) on the first call; the next call places one order (stake 1 TAO on SN1).
local calls = 0

function on_tick(w)
  calls = calls + 1
  if calls == 1 then
    assert(not pcall(function() w.block = 0 end), "w.block")
    assert(not pcall(function() w.me.free = 1e9 end), "w.me.free")
    assert(not pcall(function() w.me.alpha[1] = 1e9 end), "w.me.alpha")
    assert(not pcall(function() w.subnets[1].name = "mine" end), "subnet.name")
    assert(not pcall(function() w.subnets[1].netuid = 99 end), "subnet.netuid")
    assert(not pcall(function() w.subnets[1].new_field = 1 end), "subnet new field")
    assert(not pcall(function() w.subnets[#w.subnets + 1] = {} end), "append subnet")
    assert(not pcall(table.insert, w.subnets, {}), "table.insert")
    assert(not pcall(function() w.params.tempo = 1 end), "params")
    assert(not pcall(rawset, w, "block", 0), "rawset w")
    assert(not pcall(rawset, w.subnets, 1, 0), "rawset subnets")
    assert(not pcall(rawset, w.subnets[1], "price", 0), "rawset subnet")
    assert(not pcall(setmetatable, w, nil), "setmetatable")
    assert(getmetatable(w) == "read-only", "getmetatable")
    assert(next(w) == nil, "next")
    w.subnets[1].price = -1 -- allowed: lasts until the next refresh
    assert(w.subnets[1].price == -1)
    w.me = nil
  end
  dtao.stake(1, 1)
end
