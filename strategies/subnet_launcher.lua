-- subnet_launcher.lua: launch a subnet of one's own and pump it.
--
-- The owner of a subnet receives the owner cut (18%) of its alpha emission. So: pay the
-- lock cost to launch a subnet, wait for its emission to start, then buy its alpha to
-- raise its price (the emission split follows the moving price, so a pumped subnet gets
-- a bigger share), and sell some of the owner alpha into the demand.
--
-- On a "utility" subnet the strategy also registers a miner and validates with the
-- "self" policy (a cabal of one); on a "holder" subnet holding is mining already.
--
-- Phases: save (until the lock is affordable) -> launch -> wait (start_call_delay)
-- -> pump (buy in slices) -> harvest (sell owner alpha above the entry price).
--
-- Options: name (default "Launchpad"), mechanism (default "holder"), budget (fraction
-- of free TAO the launch may take, default 0.6), pump (fraction of free TAO per buy,
-- default 0.05), target (the price the pump aims at, TAO per alpha, default 0.05),
-- harvest (fraction of owner alpha sold per call, default 0.1).
--
-- With the default budget it launches where the lock is at most 60% of its TAO: on
-- btc-revenue and regimes (500 TAO locks). On the maps with a 1,000 TAO lock
-- (dtao-launch, sn28-meme, one-year-later, transition) it never can: give it all of its
-- TAO with `--bot subnet_launcher:budget=1`.

cadence = 360

local name, mechanism, budget, pump, harvest, target = "Launchpad", "holder", 0.6, 0.05, 0.1, 0.05
local launching = false -- a launch order is in flight
local mine = nil        -- our netuid once known
local entry = nil       -- average price we paid when pumping
local said_dear = false -- whether the log says why it is not launching

function init(cfg)
  local o = dtao.options(cfg.options, {
    name = { default = name },
    mechanism = { default = mechanism, one_of = { "utility", "holder", "revenue" } },
    budget = { default = budget, above = 0, max = 1 },
    pump = { default = pump, above = 0, max = 1 },
    harvest = { default = harvest, above = 0, max = 1 },
    target = { default = target, above = 0 },
  })
  name, mechanism, budget, pump, harvest, target = o.name, o.mechanism, o.budget, o.pump, o.harvest, o.target
end

function on_tick(w)
  -- What happened to the launch? (The match log already shows every rejected order
  -- with the engine's reason: a rejected launch just lets us try again.)
  for _, r in ipairs(w.results) do
    if r.kind == "launch_subnet" then
      launching = false
      if r.ok then
        mine = r.netuid
        dtao.log(string.format("launched %s as SN%d for %.2f TAO", name, mine, r.tao_in))
      end
    end
  end
  if mine and (w.by_netuid[mine] == nil or not w.by_netuid[mine].is_mine) then
    mine = nil -- pruned, or the netuid went to someone else
  end

  -- Save and launch.
  if mine == nil then
    if not launching and w.params.lock_cost <= w.me.free * budget then
      dtao.launch_subnet(name, mechanism)
      launching = true
    elseif not launching and not said_dear then
      -- Once: a bot that never acts should say why (its score stays its start).
      said_dear = true
      dtao.log(string.format("saving: the lock costs %.2f TAO, more than %.0f%% of my %.2f TAO "
        .. "(give it more with subnet_launcher:budget=1)", w.params.lock_cost, budget * 100, w.me.free))
    end
    return
  end

  local s = w.by_netuid[mine]
  if not s.emitting then return end -- waiting for the start call

  if mechanism == "utility" and not w.me.miner[mine] then
    dtao.register_miner(mine)
    dtao.set_weights(mine, "self")
  end

  -- Pump: buy a slice of our own alpha each call, with a limit price so that the
  -- engine fills only up to the target price and refunds the rest. (A young subnet's
  -- pool is tiny, and the root proportion's alpha sales drain it to the floor until its
  -- moving price, and so its emission share, catch up: any buy moves it a lot.)
  local tao = w.me.free * pump
  if s.price < target and tao > 10 * w.params.min_stake then
    local alpha = dtao.quote_stake(mine, tao, target)
    if alpha then
      dtao.stake(mine, tao, target)
      local price = math.min(tao / alpha, target)
      entry = entry and (entry + price) / 2 or price
    end
  end

  -- Harvest: sell part of what we hold once the price is above what we paid.
  local held = w.me.alpha[mine]
  if entry and held > 0 and s.price > entry * 1.2 then
    dtao.unstake(mine, held * harvest, entry * 1.1)
  end
end
