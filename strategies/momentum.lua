-- momentum.lua: buy what has been rising faster than the market, sell what turns down.
--
-- Keeps the last few prices of every subnet in its own memory (the Lua state lives for
-- the whole match). Momentum is relative: a subnet's price change over the lookback
-- window minus the average change of all emitting subnets (alpha prices drift together
-- as emission is sold, so the market as a whole is the benchmark). A subnet that beats
-- the market by more than `entry` is bought; a position that lags it by more than
-- `exit`, or falls `stop` below its entry price, is sold. Retail crowds chase momentum
-- too, which is what makes this work for a while, and what makes it dangerous at the top.
--
-- Options: lookback (calls, default 4), entry (default 0.01), exit (default 0.01),
-- stop (default 0.10), slots (positions at most, default 4), size (fraction of free TAO
-- per buy, default 0.2).

cadence = 60

local lookback, entry, exit, stop, slots, size = 4, 0.01, 0.01, 0.10, 4, 0.2

local history = {}   -- netuid -> ring of the last lookback + 1 prices
local calls = 0      -- how many times we have been called
local bought_at = {} -- netuid -> price paid (roughly)

-- Records this call's price and returns the price `lookback` calls ago (or nil).
local function remember(netuid, price)
  local h = history[netuid]
  if h == nil then
    h = {}
    history[netuid] = h
  end
  local ring = lookback + 1
  h[calls % ring + 1] = price
  return h[(calls + 1) % ring + 1]
end

function init(cfg)
  -- dtao.options checks the options (an unknown name or a bad value is a fault that
  -- names it) and fills in the defaults.
  local o = dtao.options(cfg.options, {
    lookback = { default = lookback, min = 1, max = 10000, integer = true },
    entry = { default = entry, min = 0 },
    exit = { default = exit, min = 0 },
    stop = { default = stop, above = 0, max = 1 },
    slots = { default = slots, min = 1, max = 1000, integer = true },
    size = { default = size, above = 0, max = 1 },
  })
  lookback, entry, exit, stop, slots, size = o.lookback, o.entry, o.exit, o.stop, o.slots, o.size
end

function on_tick(w)
  local me = w.me
  local held = 0
  for _, x in pairs(me.alpha) do
    if x > 0 then held = held + 1 end
  end

  -- Each subnet's change over the window, and the market's average change.
  calls = calls + 1
  local changes, total, count = {}, 0, 0
  for _, s in ipairs(w.subnets) do
    local old = remember(s.netuid, s.price)
    if s.emitting and old and old > 0 then
      changes[s.netuid] = s.price / old - 1
      total, count = total + changes[s.netuid], count + 1
    end
  end
  if count == 0 then return end
  local market = total / count

  -- Sell the laggards; rank the leaders.
  local candidates = {}
  for _, s in ipairs(w.subnets) do
    local change = changes[s.netuid]
    if change then
      local relative = change - market
      if me.alpha[s.netuid] > 0 then
        local paid = bought_at[s.netuid] or s.price
        if relative < -exit or s.price < paid * (1 - stop) then
          dtao.dump(s.netuid)
          bought_at[s.netuid] = nil
          held = held - 1
        end
      elseif relative > entry then
        candidates[#candidates + 1] = { s = s, change = relative }
      end
    end
  end
  table.sort(candidates, function(a, b) return a.change > b.change end)

  -- Buy the strongest while there are free slots, halving an order until it moves the
  -- price by less than 3% (a thin pool would otherwise eat the momentum we pay for).
  for _, c in ipairs(candidates) do
    if held >= slots then break end
    local tao = me.free * size
    while tao > 10 * w.params.min_stake do
      local alpha, _, impact = dtao.quote_stake(c.s.netuid, tao)
      if alpha and impact < 0.03 then
        dtao.stake(c.s.netuid, tao)
        bought_at[c.s.netuid] = tao / alpha
        held = held + 1
        break
      end
      tao = tao / 2
    end
  end
end
