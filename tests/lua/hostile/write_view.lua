-- Hostile strategy: writing to the view, after checking that every other kind of write fails.
-- Expected: Fault::Error (the view is read-only) on the first call; the next call places one order (stake 1 TAO on SN1).
local calls = 0

-- The write must raise the view's read-only error, and leave the value as it was.
local function refused(what, f, ...)
  local ok, e = pcall(f, ...)
  assert(not ok, what .. ": the write succeeded")
  assert(type(e) == "string" and e:find("the view is read-only", 1, true), what .. ": " .. tostring(e))
end

function on_tick(w)
  calls = calls + 1
  if calls == 1 then
    local s1 = w.subnets[1]
    local price, tao, name = s1.price, s1.tao, s1.name
    refused("w.block", function() w.block = 0 end)
    refused("w.me.free", function() w.me.free = 1e9 end)
    refused("w.me.alpha", function() w.me.alpha[1] = 1e9 end)
    refused("w.me.miner", function() w.me.miner[1] = true end)
    refused("subnet.price", function() w.subnets[1].price = 1 end)
    refused("subnet.tao", function() w.subnets[1].tao = 0 end)
    refused("subnet.emitting", function() w.subnets[1].emitting = false end)
    refused("subnet.name", function() w.subnets[1].name = "mine" end)
    refused("subnet.netuid", function() w.subnets[1].netuid = 99 end)
    refused("subnet new field", function() w.subnets[1].new_field = 1 end)
    refused("by_netuid subnet", function() w.by_netuid[1].price = 1 end)
    refused("replace subnet", function() w.subnets[1] = w.subnets[2] end)
    refused("remove subnet", function() w.subnets[1] = nil end)
    refused("append subnet", function() w.subnets[#w.subnets + 1] = {} end)
    refused("by_netuid", function() w.by_netuid[1] = nil end)
    refused("by_netuid new", function() w.by_netuid[999] = {} end)
    refused("table.insert", table.insert, w.subnets, {})
    refused("table.remove", table.remove, w.subnets)
    refused("table.sort", table.sort, w.subnets, function(a, b) return a.netuid > b.netuid end)
    refused("params", function() w.params.tempo = 1 end)
    refused("params new", function() w.params.mine = 1 end)
    refused("results", function() w.results[1] = {} end)
    refused("accounts", function() w.accounts[1] = nil end)
    refused("account", function() w.accounts[1].free = 1e9 end)
    refused("account alpha", function() w.accounts[1].alpha[1] = 1e9 end)
    assert(not pcall(rawset, w, "block", 0), "rawset w")
    assert(not pcall(rawset, w.subnets, 1, 0), "rawset subnets")
    assert(not pcall(rawset, w.subnets[1], "price", 0), "rawset subnet")
    assert(not pcall(rawset, w.by_netuid, 1, 0), "rawset by_netuid")
    assert(not pcall(rawset, w.accounts[1], "free", 0), "rawset account")
    assert(not pcall(setmetatable, w, nil), "setmetatable")
    assert(not pcall(setmetatable, w.subnets[1], nil), "setmetatable subnet")
    assert(getmetatable(w) == "read-only", "getmetatable")
    assert(getmetatable(w.subnets[1]) == "read-only", "getmetatable subnet")
    -- next reads the view as pairs does (its values are the same read-only tables).
    assert(next(w) ~= nil and next(w) == pairs(w)(w), "next")
    assert(next(w.subnets[1]) == pairs(w.subnets[1])(w.subnets[1]), "next subnet")
    refused("next's value", function() select(2, next(w.subnets))[1] = 0 end)
    -- pairs hands out the proxy as its state, never the host's data table.
    local _, state = pairs(w.subnets)
    assert(state == w.subnets, "pairs state")
    refused("pairs state", function() state[1] = nil end)
    local _, sstate = pairs(w.subnets[1])
    refused("pairs state of a subnet", function() sstate.price = 1 end)
    -- Nothing changed.
    assert(w.subnets[1] == s1 and w.by_netuid[s1.netuid] == s1, "identity")
    assert(s1.price == price and s1.tao == tao and s1.name == name, "values")
    w.me = nil
  end
  dtao.stake(1, 1)
end
