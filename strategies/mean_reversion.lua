-- mean_reversion.lua: buy dips below the average price, sell spikes above it.
--
-- Tracks a fast exponential average of each subnet's price (its own, updated every
-- call; `w.subnets[i].moving_price` is the chain's much slower one, which drives the
-- emission split). When the price is more than `band` under its average the subnet is
-- "cheap" and it buys a slice, with a limit price so that its own order cannot push the
-- price back above the average; when the price is `band` over the average it sells, with
-- a limit the other way. Works in ranging markets; a subnet in steady decline keeps
-- looking cheap, so positions are capped.
--
-- Options: band (default 0.03), smoothing (EMA weight of the newest price, default
-- 0.2), slice (fraction of free TAO per buy, default 0.1), max_position (fraction of the
-- score in one subnet, default 0.25).

cadence = 60

local band, smoothing, slice, max_position = 0.03, 0.2, 0.1, 0.25
local average = {} -- netuid -> EMA of the price

function init(cfg)
  local o = dtao.options(cfg.options, {
    band = { default = band, above = 0, max = 1 },
    smoothing = { default = smoothing, above = 0, max = 1 },
    slice = { default = slice, above = 0, max = 1 },
    max_position = { default = max_position, above = 0, max = 1 },
  })
  band, smoothing, slice, max_position = o.band, o.smoothing, o.slice, o.max_position
end

function on_tick(w)
  local me = w.me
  for _, s in ipairs(w.subnets) do
    local p, n = s.price, s.netuid
    local avg = average[n]
    if avg == nil then
      average[n] = p
    elseif p > 0 and s.emitting then
      local held = me.alpha[n]
      if p < avg * (1 - band) then
        -- Cheap: buy a slice, unless this subnet is already a big part of our wealth.
        local value = held * p
        local tao = me.free * slice
        if value < max_position * me.score and tao > w.params.min_stake then
          dtao.stake(n, tao, avg)
        end
      elseif avg > 0 and p > avg * (1 + band) and held > 0 then
        -- Expensive: sell, but not below the average.
        dtao.unstake(n, held, avg)
      end
      average[n] = avg + smoothing * (p - avg)
    end
  end
end
