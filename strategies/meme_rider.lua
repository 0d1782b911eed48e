-- meme_rider.lua: ride a holder ("meme") subnet and get out before the foundation does.
--
-- On a holder subnet, holding its alpha is mining: holders are paid the miners' half of
-- its emission, so buying in early pays twice, in emission and in the price rise that
-- other buyers bring. The danger (the seed's SN28 story): once the subnet's emission
-- share passes the foundation's threshold and the foundation's root stake outweighs the
-- holders, the foundation switches its validators to reward_sellers, the holders' income
-- stops, and the price falls. So this strategy:
--   1. buys the holder subnet with the highest emission share while it is still small,
--      or one whose price is running ahead of its moving price (a pump under way);
--   2. watches the foundation (the account named by the option `foundation`): its stake
--      weight there is tao_weight * its root stake, against the subnet's alpha;
--   3. dumps when the emission share nears the threshold while the foundation could take
--      control (when it bought below that guess), as soon as validators holding most of
--      the stake weight reward sellers (policies are public:
--      `w.accounts[i].policy[netuid]`), or on a trailing stop from the best price seen.
--
-- The foundation's threshold is not public (the shipped maps use 0.03 with 64 subnets and
-- 0.15 on the five-subnet tutorial), so exit_share is a guess; the policy check catches
-- the switch wherever the threshold is.
--
-- Options: foundation (account name, default "foundation"), exit_share (default 0.08),
-- pump (default 0.05: a price this far above its moving price is a pump to join), trail
-- (default 0.15), size (fraction of free TAO, default 0.5).

cadence = 60

local foundation_name, exit_share, pump, trail, size = "foundation", 0.08, 0.05, 0.15, 0.5
local riding = nil -- netuid we hold
local peak = 0     -- best price seen while riding
local guessing = false -- whether we bought below exit_share (so the guess applies)

function init(cfg)
  local o = dtao.options(cfg.options, {
    foundation = { default = foundation_name },
    exit_share = { default = exit_share, above = 0, max = 1 },
    pump = { default = pump, above = 0 },
    trail = { default = trail, above = 0, max = 1 },
    size = { default = size, above = 0, max = 1 },
  })
  foundation_name, exit_share, pump, trail, size = o.foundation, o.exit_share, o.pump, o.trail, o.size
end

-- The foundation's stake weight on any subnet (root counts on every subnet), or 0.
local function foundation_weight(w)
  for _, a in ipairs(w.accounts) do
    if a.name == foundation_name then return w.params.tao_weight * a.root end
  end
  return 0
end

-- Whether validators rewarding sellers hold most of the subnet's stake weight (alpha
-- held plus tao_weight * root stake, over every account).
local function sellers_rewarded(w, netuid)
  local tau, all, sellers = w.params.tao_weight, 0, 0
  for _, a in ipairs(w.accounts) do
    local weight = (a.alpha[netuid] or 0) + tau * a.root
    all = all + weight
    if a.policy[netuid] == "reward_sellers" then sellers = sellers + weight end
  end
  return sellers > 0 and sellers * 2 > all
end

local function exit(w, why)
  dtao.log(string.format("leaving SN%d at block %d: %s", riding, w.block, why))
  dtao.dump(riding)
  riding, peak = nil, 0
end

function on_tick(w)
  if riding then
    local s = w.by_netuid[riding]
    if s == nil or w.me.alpha[riding] == 0 then
      riding, peak = nil, 0 -- dissolved, or our buy was rejected
    else
      peak = math.max(peak, s.price)
      -- The exit share is a guess at the foundation's threshold: it means nothing on a
      -- map where we bought above it already (a pump on a map of few subnets).
      local threatened = guessing and s.emission_share >= exit_share and foundation_weight(w) > s.alpha_out
      if sellers_rewarded(w, riding) then
        exit(w, "its validators now reward sellers, not holders")
      elseif threatened then
        exit(w, string.format("emission share %.3f and the foundation can out-vote the holders", s.emission_share))
      elseif s.mechanism ~= "holder" then
        exit(w, "it is no longer a holder subnet")
      elseif s.price < peak * (1 - trail) then
        exit(w, string.format("price %.5f is %.0f%% under its peak", s.price, trail * 100))
      end
    end
    return
  end

  -- Not riding: pick the holder subnet with the highest emission share that is still
  -- safely under the exit share, or that is being pumped, unless its holders are no
  -- longer paid.
  local best
  for _, s in ipairs(w.subnets) do
    local early = s.emission_share < exit_share * 0.75
    local pumped = s.price >= s.moving_price * (1 + pump)
    if s.mechanism == "holder" and s.emitting and (early or pumped) and not sellers_rewarded(w, s.netuid) then
      if best == nil or s.emission_share > best.emission_share then best = s end
    end
  end
  if best then
    local tao = w.me.free * size
    if tao > w.params.min_stake then
      dtao.stake(best.netuid, tao)
      riding, peak, guessing = best.netuid, best.price, best.emission_share < exit_share
    end
  end
end
