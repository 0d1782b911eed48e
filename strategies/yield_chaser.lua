-- yield_chaser.lua: hold the subnets that pay the most emission per TAO staked.
--
-- Each emitting subnet receives a share of the block's TAO emission (emission_share).
-- Stakers are paid in alpha, in proportion to their stake, so what a TAO staked earns
-- is roughly the subnet's emission share over its market value (price * alpha_out),
-- less what root stakers take (root_prop). Every tempo the strategy ranks subnets by
-- that yield, keeps the best few, and moves out of the others. Trades that would move a
-- price by more than a few percent are scaled down: a big order into a thin pool pays
-- away the yield it is chasing.
--
-- Options: top (subnets to hold, default 3), reserve (fraction of wealth kept free,
-- default 0.05), max_impact (largest price move per trade, default 0.02).

cadence = 360

local top, reserve, max_impact = 3, 0.05, 0.02

local function yield_of(s)
  local cap = s.price * s.alpha_out
  if not s.emitting or cap <= 0 then return 0 end
  return s.emission_share * (1 - s.root_prop) / cap
end

-- The largest stake (up to `tao`) whose price impact stays under max_impact, by halving.
local function sized_stake(netuid, tao, min_stake)
  for _ = 1, 8 do
    if tao < min_stake then return nil end
    local alpha, _, impact = dtao.quote_stake(netuid, tao)
    if alpha and impact <= max_impact then return tao end
    tao = tao / 2
  end
  return nil
end

function init(cfg)
  local o = dtao.options(cfg.options, {
    top = { default = top, min = 1, max = 1000, integer = true },
    reserve = { default = reserve, min = 0, max = 1 },
    max_impact = { default = max_impact, above = 0 },
  })
  top, reserve, max_impact = o.top, o.reserve, o.max_impact
end

function on_tick(w)
  local me, min_stake = w.me, w.params.min_stake

  -- Rank emitting subnets by yield (ties keep netuid order: table.sort is stable).
  -- Compute each yield once; a comparator that recomputed it would do so n log n times.
  local ranked = {}
  for _, s in ipairs(w.subnets) do
    local y = yield_of(s)
    if y > 0 then ranked[#ranked + 1] = { netuid = s.netuid, y = y } end
  end
  table.sort(ranked, function(a, b) return a.y > b.y end)
  local wanted = {}
  for i = 1, math.min(top, #ranked) do wanted[ranked[i].netuid] = true end

  -- Leave subnets that dropped out of the top.
  for netuid, alpha in pairs(me.alpha) do
    if not wanted[netuid] and alpha > 0 then dtao.dump(netuid) end
  end

  -- Split the spendable TAO evenly over the wanted subnets (each share is halved as
  -- needed to keep its price impact under max_impact).
  local spendable = me.free - reserve * me.score
  local slots = 0
  for _ in pairs(wanted) do slots = slots + 1 end
  if spendable <= min_stake or slots == 0 then return end
  local each = spendable / slots
  for netuid in pairs(wanted) do
    local tao = sized_stake(netuid, each, min_stake)
    if tao then dtao.stake(netuid, tao) end
  end
end
