-- root_holder.lua: put (almost) everything on root and hold it.
--
-- Root stake has no price risk: it is staked 1:1 and earns a share of every subnet's
-- dividends (as more root stake, in price mode). It is the benchmark every active
-- strategy has to beat. Once a day it restakes any free TAO (e.g. from earlier trades),
-- and in root_vote mode it also votes: weights proportional to each subnet's pool depth.
--
-- Options: keep (TAO to keep free, default 1).

cadence = 7200 -- once a simulated day

local keep = 1

local function stake_free(w)
  local spare = w.me.free - keep
  if spare > w.params.min_stake then
    dtao.stake_root(spare)
  end
end

local function vote(w)
  if w.params.emission_mode ~= "root_vote" then return end
  local weights = {}
  for _, s in ipairs(w.subnets) do
    if s.emitting then weights[s.netuid] = s.tao end
  end
  if next(weights) ~= nil then dtao.set_root_weights(weights) end
end

function init(cfg)
  keep = dtao.options(cfg.options, { keep = { default = keep, min = 0 } }).keep
  stake_free(cfg.w)
  vote(cfg.w)
end

function on_tick(w)
  -- (A rejected order is already in the game's log with its reason.)
  stake_free(w)
  vote(w)
end
