-- template.lua: a strategy that explains the whole API and does (almost) nothing.
-- Copy it, rename it, and fill in on_tick.
--
-- A strategy is one Lua 5.4 file. It runs in a sandbox, once per match, with the same
-- seed and the same inputs giving the same orders. The engine decides everything with
-- exact integers; amounts you read are floats of whole TAO (or alpha) and amounts you
-- give are truncated to 1 rao (10^-9).
--
-- ===================================================================================
-- The three things the host looks for
-- ===================================================================================
--
-- cadence          (optional global) blocks between two calls of on_tick; a whole
--                  number >= 1. Without it you are called every tempo (360 blocks).
-- init(cfg)        (optional) called once before the first on_tick. cfg has:
--                    cfg.map, cfg.name (your account), cfg.id, cfg.block, cfg.tempo,
--                    cfg.cadence, cfg.options (the key = value pairs given to your bot,
--                    as strings), cfg.w (the view, as in on_tick).
--                  init may place orders and may change `cadence` (read after
--                  loading and after init; a change in on_tick is ignored).
--                  Read options through dtao.options (see "Options" below).
-- on_tick(w)       (required) called every `cadence` blocks with the view `w`. Place
--                  orders with the dtao functions below; return nothing.
--
-- Orders placed in a call are applied in the next block, in an order the engine draws
-- fairly between players. What happened to them is in the next call's w.results.
--
-- ===================================================================================
-- The view w (read-only: writing to it raises an error)
-- ===================================================================================
--
-- Every table of w (w.subnets, each subnet, w.me.alpha, ...) is read-only: read it
-- with `.`, `[]`, `#`, ipairs, pairs and next (rawget and rawlen see nothing),
-- and copy what you want to keep or change into your own tables. A field that w, w.me,
-- a subnet, an account or w.params does not have is an error naming it ("no field
-- 'moving_prcie' in a subnet (did you mean 'moving_price'?)"), not a silent nil.
--
-- w.block            the block about to run
-- w.total_root       all root stake, TAO
-- w.total_issuance   TAO issued so far
--
-- w.me               your account:
--   .id .name
--   .free            TAO you can spend
--   .root            your root stake, TAO
--   .alpha[netuid]   your alpha on a subnet (0 when you hold none)
--   .miner[netuid]   true where you registered a miner
--   .score           what you are worth now: free + root + each position sold alone
--   .start_value     your score at the start of the match
--
-- w.subnets          every subnet, an array sorted by netuid (use ipairs or 1..#)
--   .netuid .name
--   .mechanism       "utility" (AI subnet), "holder" (meme: holding is mining) or
--                    "revenue" (outside revenue buys back alpha)
--   .emitting        whether it receives emission yet
--   .price           spot price, TAO per alpha (pool TAO / pool alpha)
--   .moving_price    the slow moving average of the price the emission split uses
--   .emission_share  its share of the last block's TAO emission (0..1)
--   .root_prop       the root stakers' proportion of its dividends (0..1)
--   .tao .alpha_in   the pool's TAO and alpha
--   .alpha_out       alpha outstanding (held by accounts, miners, pending rewards)
--   .registered_at .first_emission   blocks (negative: before the match)
--   .owner .owner_name .is_mine      its owner (an account id), and whether it is you
--   .npc_miners      number of NPC miners
-- w.by_netuid[n]     the same subnet tables, by netuid
--
-- w.accounts         every account, sorted by id (built when you first read it); ids
--                    count from 0, so the account with id n is w.accounts[n + 1]
--                    (w.me.id, a subnet's .owner)
--   .id .name .kind ("human" | "bot" | "npc") .free .root .score
--   .alpha[netuid]   its alpha there (nil where none)
--   .policy[netuid]  its validator policy there ("honest" unless it set another, as
--                    the foundation sets "reward_sellers" on a memecoin it stops;
--                    pairs() lists only the ones it set)
--
-- w.params           the rules: tempo, blocks_per_day, emission_mode ("price" |
--                    "flow" | "root_vote"), tao_weight, owner_cut, fee (per stake or
--                    unstake, TAO), min_stake, min_pool_liquidity, lock_cost (TAO to
--                    launch a subnet now), min_lock, miner_burn, start_call_delay,
--                    subnet_limit, network_immunity, max_validators, kappa, ...
--
-- w.results          your orders applied since your last call, in order:
--   .block .kind ("stake", "unstake", ...) .text (e.g. "stake 1.5 TAO on SN3")
--   .ok              true if applied; false with .reason if rejected
--   .netuid .from .to .tao .alpha .limit .name .mechanism .policy   (the order)
--   .tao_in          TAO you paid         .tao_out    TAO you received
--   .alpha_in        alpha you received   .alpha_out  alpha you gave
--   .fee             fees paid, TAO       (for launch_subnet, .netuid is the new one)
--
-- ===================================================================================
-- Orders (collected during the call; at most 32 per call)
-- ===================================================================================
--
-- dtao.stake(netuid, tao [, limit_price])      buy alpha with `tao` TAO (fee included);
--                                              with a limit, fill only while the price
--                                              stays at or under it
-- dtao.unstake(netuid, alpha [, limit_price])  sell alpha; with a limit, only while the
--                                              price stays at or above it
-- dtao.dump([netuid])                          sell everything on one subnet (or all)
-- dtao.move(from, to, alpha)                   unstake then stake through TAO
-- dtao.stake_root(tao) / dtao.unstake_root(tao)   root stake, 1:1, no slippage
-- dtao.launch_subnet(name [, mechanism])       pay w.params.lock_cost and launch one
-- dtao.register_miner(netuid)                  burn w.params.miner_burn for a miner slot
-- dtao.set_weights(netuid, policy)             your validator policy there: "honest",
--                                              "reward_sellers", "reward_holders",
--                                              "uniform" or "self"
-- dtao.set_root_weights({[netuid] = w, ...})   root_vote mode only; relative weights
--
-- A wrong argument (a string for a netuid, a negative amount, an unknown policy) raises
-- an error naming your line; pcall can catch it. Whether an order succeeds (enough TAO,
-- pool liquidity, limit price) is decided when it is applied: see w.results. So is an
-- amount of 0 (or one under 1 rao, 1e-9): it is rejected then, "the amount is zero",
-- not raised at the call, since a fraction of an empty balance is often 0.
--
-- Quotes (pure: from the pools as your call began, ignoring your own orders of this call)
-- local alpha, fee, impact, new_price, spent = dtao.quote_stake(netuid, tao [, limit])
-- local tao, fee, impact, new_price, sold     = dtao.quote_unstake(netuid, alpha [, limit])
--   impact is the relative move of the spot price (0.02 = +2%); spent (TAO, fee
--   included) and sold (alpha) are what the trade takes: all you asked, or less when a
--   limit price stops it part of the way. When the pool would
--   refuse the trade (under the minimum stake, a pool left below its minimum liquidity,
--   a limit price not met), they return nil and the reason. They do not look at your
--   balance: an order for more than you hold is rejected when it is applied.
--
-- dtao.log(...) and print(...)   write a line to the match log (8 KiB per call, 1 MiB per match)
--
-- ===================================================================================
-- Options (`--bot my_bot:depth=3,mode=fast`)
-- ===================================================================================
--
-- local o = dtao.options(cfg.options, {
--   depth = { default = 2, min = 1, max = 10, integer = true },  -- a whole number
--   share = { default = 0.5, above = 0, max = 1 },                -- a number in (0, 1]
--   mode = { default = "slow", one_of = { "slow", "fast" } },     -- a text
-- })
--   returns every option as a number (or text), the default where it was not given.
--   An unknown option ("did you mean ...?") or a value out of its range raises an error
--   naming it and what it takes, and the strategy forfeits the match: it would
--   otherwise play settings other than its name says.
--
-- ===================================================================================
-- The sandbox
-- ===================================================================================
--
-- Available: string, table, math, utf8, coroutine and the basic functions. Not
-- available: io, os, require, load, dofile, debug, collectgarbage, string.dump, and
-- to-be-closed variables (<close>).
-- Each call may run 1,000,000 Lua instructions and the state may use 64 MB. A call that
-- raises an error, runs out of budget or memory, places more than 32 orders, or returns
-- a value is a fault: its orders are dropped. After 5 faults the strategy is forfeited
-- (its positions stay).
-- math.random is the match's seeded stream. pairs() and next() visit keys in sorted
-- order (a table keyed by subnets of w goes by netuid; two keys that are other tables
-- or functions are refused), and table.sort is stable, so the same inputs always give
-- the same orders. Pattern
-- functions (find, match, gmatch, gsub) refuse patterns whose worst case is too slow
-- for the subject; keep them simple.

-- A default: called every tempo.
-- cadence = 360

-- A strategy's own state lives in its locals (or globals) between calls.
local rejected = 0
local min_pool = 0 -- option: the smallest pool (TAO) worth reporting

function init(cfg)
  min_pool = dtao.options(cfg.options, { min_pool = { default = min_pool, min = 0 } }).min_pool
  -- (The log already shows which strategy wrote each line: no need to add its name.)
  dtao.log("playing " .. cfg.name .. " on " .. cfg.map .. " from block " .. cfg.block)
end

function on_tick(w)
  -- Read the view...
  local richest, richest_tao = nil, -1
  for _, s in ipairs(w.subnets) do
    if s.tao > richest_tao and s.tao >= min_pool then
      richest, richest_tao = s, s.tao
    end
  end
  -- ...check what happened to earlier orders (the game already logs each rejection with
  -- its reason: react to it rather than repeat it)...
  local new = 0
  for _, r in ipairs(w.results) do
    if not r.ok then new = new + 1 end
  end
  if new > 0 then
    rejected = rejected + new
    dtao.log(rejected .. " of my orders rejected so far")
  end
  -- ...and place orders. This template only reports.
  if richest then
    dtao.log(string.format("block %d: the deepest pool is SN%d (%s) with %.0f TAO at %.5f TAO/alpha",
      w.block, richest.netuid, richest.name, richest.tao, richest.price))
  end
end
