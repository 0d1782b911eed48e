//! World -> Lua: refreshing the strategy's read-only view `w` before each call.
//!
//! The view's tables live for the whole match and are updated in place: the host keeps
//! one data table per subnet (and for `w`, `w.me`, `w.params`...), and a strategy sees
//! read-only proxies of them (see `host.lua`): every read is one extra table lookup
//! through the proxy's `__index` table, no function call. Per call, Rust sends the
//! fields that change every block (pools, prices, shares: 5 floats per subnet, passed as
//! arguments; the strategy's own balances and positions, packed in a binary string) and a
//! Lua loop writes them into the data tables; fields that change rarely (names,
//! mechanisms, owners, params) are sent only when they differ from what was sent before.
//! `w.accounts` is built only when a strategy reads it, and `w.results` only when there
//! are results. This keeps a call on a 64-subnet world within a few microseconds (see
//! `benches/script.rs`).
//!
//! Amounts are floats of whole TAO or alpha (rao / 10^9) and prices floats of TAO per
//! alpha: for reading only. Orders convert amounts back to rao, truncating, and the
//! engine decides everything with exact integers.

use mlua::{Function, Lua, MultiValue, Table, Thread, Value, Variadic};

use super::sandbox::{Host, Shared};
use crate::engine::amount::RAO_PER_TAO;
use crate::engine::math::to_f64;
use crate::engine::params::BLOCKS_PER_DAY;
use crate::engine::world::{AccountId, Netuid, Subnet, World};
use crate::engine::{Event, Fill, Mechanism, Order, Params, Policy, Reject};

/// A TAO (or alpha) float from rao.
#[allow(clippy::cast_precision_loss)]
pub(crate) fn tao_f64(rao: u64) -> f64 {
    rao as f64 / RAO_PER_TAO as f64
}

/// What was last sent of a subnet's rarely changing fields.
#[derive(Clone, Debug, PartialEq)]
struct Meta {
    name: String,
    mechanism: Mechanism,
    emitting: bool,
    registered_at: i64,
    first_emission: i64,
    owner: AccountId,
    npc_miners: usize,
}

impl Meta {
    fn matches(&self, s: &Subnet, emitting: bool) -> bool {
        self.name == s.name
            && self.mechanism == s.mechanism
            && self.emitting == emitting
            && self.registered_at == s.registered_at
            && self.first_emission == s.first_emission
            && self.owner == s.owner
            && self.npc_miners == s.miners.len()
    }
}

/// The Rust side of the view: what the Lua tables currently hold.
#[derive(Default)]
pub(crate) struct ViewState {
    meta: Vec<Option<Meta>>,
    netuids: Vec<Netuid>,
    scratch: Vec<Netuid>,
    params: Option<Params>,
    me: Option<AccountId>,
    buf: Vec<u8>,
    /// The hook-free coroutine running `host.lua`'s refresh loop.
    thread: Option<Thread>,
}

impl ViewState {
    /// Updates the pool snapshot of the quote helpers and the Lua view for `me`, with
    /// `results` (events; only this account's `Applied`/`Rejected` are used) and the
    /// call's `accounts` builder (a scoped function), and returns `w`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn refresh(
        &mut self,
        lua: &Lua,
        host: &Host,
        shared: &Shared,
        world: &World,
        me: AccountId,
        results: &[Event],
        accounts: Function,
    ) -> mlua::Result<Table> {
        // The view's own allocations are the host's, not the strategy's: lift the memory
        // limit while building it, so that a strategy that filled its memory still gets
        // its view (and a chance to free what it holds) instead of faulting forever.
        let limit = shared.limits.memory_bytes;
        if limit > 0 {
            lua.set_memory_limit(0)?;
        }
        let r = self.refresh_inner(lua, host, shared, world, me, results, accounts);
        if limit > 0 {
            lua.set_memory_limit(limit)?;
        }
        r
    }

    #[allow(clippy::too_many_arguments)]
    fn refresh_inner(
        &mut self,
        lua: &Lua,
        host: &Host,
        shared: &Shared,
        world: &World,
        me: AccountId,
        results: &[Event],
        accounts: Function,
    ) -> mlua::Result<Table> {
        snapshot_pools(shared, world);
        if self.me != Some(me) {
            let name = world.account(me).map(|a| a.name.clone()).unwrap_or_default();
            host.set_me.call::<()>((me.0, name))?;
            self.me = Some(me);
            self.meta.clear();
        }

        // Rarely changing subnet fields, and the set of subnets.
        self.scratch.clear();
        for s in world.subnets() {
            self.scratch.push(s.netuid);
            let i = usize::from(s.netuid);
            if self.meta.len() <= i {
                self.meta.resize(i + 1, None);
            }
            let emitting = s.is_emitting(world.block);
            if self.meta[i].as_ref().is_some_and(|m| m.matches(s, emitting)) {
                continue;
            }
            let owner_name = world.account(s.owner).map(|a| a.name.as_str()).unwrap_or("");
            host.set_subnet_meta.call::<()>((
                s.netuid,
                s.name.as_str(),
                s.mechanism.name(),
                emitting,
                s.registered_at,
                s.first_emission,
                s.owner.0,
                owner_name,
                s.miners.len(),
                s.owner == me,
            ))?;
            self.meta[i] = Some(Meta {
                name: s.name.clone(),
                mechanism: s.mechanism,
                emitting,
                registered_at: s.registered_at,
                first_emission: s.first_emission,
                owner: s.owner,
                npc_miners: s.miners.len(),
            });
        }
        if self.scratch != self.netuids {
            // Only once Lua has the new list: after a failure (out of memory) it is resent.
            host.set_netuids
                .call::<()>(self.scratch.iter().map(|n| Value::Integer(i64::from(*n))).collect::<MultiValue>())?;
            std::mem::swap(&mut self.scratch, &mut self.netuids);
            for (i, m) in self.meta.iter_mut().enumerate() {
                if m.is_some() && !self.netuids.iter().any(|n| usize::from(*n) == i) {
                    *m = None;
                }
            }
        }
        if self.params.as_ref() != Some(&world.params) {
            set_params(&host.params, &world.params)?;
            self.params = Some(world.params.clone());
        }

        // Fields that change every block, for `host.lua`'s refresh: the subnets' rows as
        // arguments, this account's balances and positions packed in a string.
        let mut rows: Vec<f64> = Vec::with_capacity(world.subnets.len() * 5);
        let mut nsub: u32 = 0;
        for s in world.subnets() {
            nsub += 1;
            #[allow(clippy::cast_precision_loss)]
            let share =
                if s.last_block_emission == 0 { 0.0 } else { s.last_emission as f64 / s.last_block_emission as f64 };
            rows.extend([to_f64(s.moving_price), share, tao_f64(s.tao), tao_f64(s.alpha_in), tao_f64(s.alpha_out)]);
        }
        let buf = &mut self.buf;
        buf.clear();
        let account = world.account(me);
        let (free, root, start) = account.map_or((0, 0, 0), |a| (a.free.0, a.root.0, a.start_value_rao));
        for x in [tao_f64(free), tao_f64(root), tao_f64(world.score(me)), tao_f64(start)] {
            buf.extend_from_slice(&x.to_le_bytes());
        }
        let alpha: &[u64] = account.map_or(&[], |a| a.alpha.as_slice());
        let miner: &[bool] = account.map_or(&[], |a| a.miner.as_slice());
        let na = alpha.iter().filter(|x| **x > 0).count();
        let nm = miner.iter().filter(|m| **m).count();
        buf.extend_from_slice(&u16::try_from(na).unwrap_or(u16::MAX).to_le_bytes());
        buf.extend_from_slice(&u16::try_from(nm).unwrap_or(u16::MAX).to_le_bytes());
        for (n, x) in alpha.iter().enumerate().filter(|(_, x)| **x > 0).take(usize::from(u16::MAX)) {
            buf.extend_from_slice(&u16::try_from(n).unwrap_or(0).to_le_bytes());
            buf.extend_from_slice(&tao_f64(*x).to_le_bytes());
        }
        for (n, _) in miner.iter().enumerate().filter(|(_, m)| **m).take(usize::from(u16::MAX)) {
            buf.extend_from_slice(&u16::try_from(n).unwrap_or(0).to_le_bytes());
        }

        let results = results_table(lua, me, results)?;
        let packed = lua.create_string(&self.buf)?;
        let tau_r = world.params.tao_weight.as_f64() * tao_f64(world.total_root);
        let args = (
            packed,
            nsub,
            world.block,
            tao_f64(world.total_root),
            tao_f64(world.total_issuance),
            tao_f64(world.lock_cost().0),
            tau_r,
            results,
            accounts,
            Variadic::from(rows),
        );
        let thread = match &self.thread {
            Some(t) => t.clone(),
            None => {
                let t = lua.create_thread(host.refresh_loop.clone())?;
                t.remove_hook();
                self.thread.insert(t).clone()
            }
        };
        let r = thread.resume::<Table>(args);
        if r.is_err() {
            // The coroutine is dead after an error (e.g. out of memory): make a new one.
            self.thread = None;
        }
        r
    }
}

/// The pools and pool rules that the quote helpers read during the call.
pub(crate) fn snapshot_pools(shared: &Shared, world: &World) {
    let mut pools = shared.pools.borrow_mut();
    pools.clear();
    pools.resize(world.subnets.len(), None);
    for s in world.subnets() {
        if let Some(p) = pools.get_mut(usize::from(s.netuid)) {
            *p = Some((s.tao, s.alpha_in));
        }
    }
    shared.rules.set(world.pool_rules());
}

/// `w.params`: every rule parameter (amounts in TAO, rates as fractions).
fn set_params(t: &Table, p: &Params) -> mlua::Result<()> {
    t.raw_set("emission_mode", p.emission_mode.name())?;
    t.raw_set("tempo", p.tempo)?;
    t.raw_set("blocks_per_day", BLOCKS_PER_DAY)?;
    t.raw_set("tao_weight", p.tao_weight.as_f64())?;
    t.raw_set("owner_cut", p.owner_cut.as_f64())?;
    t.raw_set("moving_alpha", p.moving_alpha.as_f64())?;
    t.raw_set("ema_halving_blocks", p.ema_halving_blocks)?;
    t.raw_set("flow_alpha", p.flow_alpha.as_f64())?;
    t.raw_set("fee", tao_f64(p.staking_fee.0))?;
    t.raw_set("staking_fee", tao_f64(p.staking_fee.0))?;
    t.raw_set("min_stake", tao_f64(p.min_stake.0))?;
    t.raw_set("min_pool_liquidity", tao_f64(p.min_pool_liquidity.0))?;
    t.raw_set("min_lock", tao_f64(p.min_lock.0))?;
    t.raw_set("initial_lock", tao_f64(p.initial_lock.0))?;
    t.raw_set("lock_reduction_interval", p.lock_reduction_interval)?;
    t.raw_set("start_call_delay", p.start_call_delay)?;
    t.raw_set("subnet_limit", p.subnet_limit)?;
    t.raw_set("network_immunity", p.network_immunity)?;
    t.raw_set("miner_burn", tao_f64(p.miner_burn.0))?;
    t.raw_set("max_validators", p.max_validators)?;
    t.raw_set("kappa", p.kappa.as_f64())?;
    t.raw_set("max_root_voters", p.max_root_voters)?;
    t.raw_set("miner_sell_chunks", p.miner_sell_chunks)?;
    Ok(())
}

/// `w.results`: this account's applied and rejected orders among `events`, in order.
fn results_table(lua: &Lua, me: AccountId, events: &[Event]) -> mlua::Result<Option<Table>> {
    let mut list: Option<Table> = None;
    let mut n = 0;
    for ev in events {
        let (block, order, outcome): (u64, &Order, Result<&Fill, &Reject>) = match ev {
            Event::Applied { block, account, order, fill } if *account == me => (*block, order, Ok(fill)),
            Event::Rejected { block, account, order, reason } if *account == me => (*block, order, Err(reason)),
            _ => continue,
        };
        let t = lua.create_table()?;
        t.raw_set("block", block)?;
        t.raw_set("kind", order.kind())?;
        t.raw_set("text", order.to_string())?;
        t.raw_set("ok", outcome.is_ok())?;
        match order {
            Order::Stake { netuid, tao, limit } => {
                t.raw_set("netuid", *netuid)?;
                t.raw_set("tao", tao.as_f64())?;
                t.raw_set("limit", limit.map(to_f64))?;
            }
            Order::Unstake { netuid, alpha, limit } => {
                t.raw_set("netuid", *netuid)?;
                t.raw_set("alpha", alpha.as_f64())?;
                t.raw_set("limit", limit.map(to_f64))?;
            }
            Order::Dump { netuid } => t.raw_set("netuid", *netuid)?,
            Order::Move { from, to, alpha } => {
                t.raw_set("from", *from)?;
                t.raw_set("to", *to)?;
                t.raw_set("alpha", alpha.as_f64())?;
            }
            Order::StakeRoot { tao } | Order::UnstakeRoot { tao } => t.raw_set("tao", tao.as_f64())?,
            Order::LaunchSubnet { name, mechanism } => {
                t.raw_set("name", name.as_str())?;
                t.raw_set("mechanism", mechanism.name())?;
            }
            Order::RegisterMiner { netuid } => t.raw_set("netuid", *netuid)?,
            Order::SetWeights { netuid, policy } => {
                t.raw_set("netuid", *netuid)?;
                t.raw_set("policy", policy.name())?;
            }
            Order::SetRootWeights { .. } => {}
        }
        match outcome {
            Ok(f) => {
                t.raw_set("tao_in", tao_f64(f.tao_in_rao))?;
                t.raw_set("tao_out", tao_f64(f.tao_out_rao))?;
                t.raw_set("alpha_in", tao_f64(f.alpha_in_rao))?;
                t.raw_set("alpha_out", tao_f64(f.alpha_out_rao))?;
                t.raw_set("fee", tao_f64(f.fee_rao))?;
                if let Some(netuid) = f.netuid {
                    t.raw_set("netuid", netuid)?;
                }
            }
            Err(r) => t.raw_set("reason", r.to_string())?,
        }
        n += 1;
        let l = match &list {
            Some(l) => l,
            None => list.insert(lua.create_table()?),
        };
        l.raw_set(n, t)?;
    }
    Ok(list)
}

/// The tables of `w.accounts`, made when an account is first seen and updated in place
/// on later calls (only the values that changed are written): a default map's 576
/// accounts would otherwise be made anew, with their names and keys, on every call that
/// reads them. `host.lua` keeps a read-only proxy for each.
#[derive(Default)]
pub(crate) struct AccountTables {
    keys: Option<[mlua::LuaString; 5]>,
    rows: Vec<AccountRow>,
}

/// One account's tables and the values they hold.
struct AccountRow {
    data: Table,
    alpha: Table,
    held: Vec<u64>,
    policy: Vec<Policy>,
    free: u64,
    root: u64,
    score: u64,
}

/// Its validator policies other than the default (`honest`), as a table by netuid, or
/// nil: host.lua answers `honest` for every other subnet.
fn policy_table(lua: &Lua, policy: &[Policy]) -> mlua::Result<Value> {
    let mut set = policy.iter().enumerate().filter(|(_, p)| **p != Policy::Honest).peekable();
    if set.peek().is_none() {
        return Ok(Value::Nil);
    }
    let t = lua.create_table()?;
    for (n, p) in set {
        t.raw_set(n, p.name())?;
    }
    Ok(Value::Table(t))
}

/// `w.accounts`, when a strategy first reads it in a call: brings `tables` up to the
/// world's accounts, and returns the `index, data` pairs host.lua has to wrap.
pub(crate) fn accounts(lua: &Lua, world: &World, tables: &std::cell::RefCell<AccountTables>) -> mlua::Result<Table> {
    let mut tables = tables.borrow_mut();
    let AccountTables { keys, rows } = &mut *tables;
    let [free_key, root_key, score_key, alpha_key, policy_key] = match keys {
        Some(k) => k.clone(),
        None => keys
            .insert([
                lua.create_string("free")?,
                lua.create_string("root")?,
                lua.create_string("score")?,
                lua.create_string("alpha")?,
                lua.create_string("policy")?,
            ])
            .clone(),
    };
    // `index, data` pairs of the accounts whose tables host.lua has to wrap.
    let fresh = lua.create_table()?;
    let wrap = |i: usize, data: &Table| -> mlua::Result<()> {
        fresh.raw_push(i + 1)?;
        fresh.raw_push(data)
    };
    for (i, a) in world.accounts.iter().enumerate() {
        let score = world.score(a.id);
        if let Some(r) = rows.get_mut(i) {
            for (key, now, was) in [
                (&free_key, a.free.0, &mut r.free),
                (&root_key, a.root.0, &mut r.root),
                (&score_key, score, &mut r.score),
            ] {
                if *was != now {
                    r.data.raw_set(key, tao_f64(now))?;
                    *was = now;
                }
            }
            if r.held != a.alpha {
                for n in 0..a.alpha.len().max(r.held.len()) {
                    let (now, was) = (a.alpha.get(n).copied().unwrap_or(0), r.held.get(n).copied().unwrap_or(0));
                    if now != was {
                        r.alpha.raw_set(n, if now > 0 { Value::Number(tao_f64(now)) } else { Value::Nil })?;
                    }
                }
                r.held.clone_from(&a.alpha);
            }
            // Rare (a validator changing its policy): a new table, which host.lua wraps.
            if r.policy != a.policy {
                r.data.raw_set(&policy_key, policy_table(lua, &a.policy)?)?;
                r.policy.clone_from(&a.policy);
                wrap(i, &r.data)?;
            }
        } else {
            let data = lua.create_table_with_capacity(0, 8)?;
            data.raw_set("id", a.id.0)?;
            data.raw_set("name", a.name.as_str())?;
            data.raw_set("kind", a.kind.name())?;
            data.raw_set(&free_key, tao_f64(a.free.0))?;
            data.raw_set(&root_key, tao_f64(a.root.0))?;
            data.raw_set(&score_key, tao_f64(score))?;
            let alpha = lua.create_table()?;
            for (n, x) in a.alpha.iter().enumerate() {
                if *x > 0 {
                    alpha.raw_set(n, tao_f64(*x))?;
                }
            }
            data.raw_set(&alpha_key, &alpha)?;
            data.raw_set(&policy_key, policy_table(lua, &a.policy)?)?;
            wrap(i, &data)?;
            rows.push(AccountRow {
                data,
                alpha,
                held: a.alpha.clone(),
                policy: a.policy.clone(),
                free: a.free.0,
                root: a.root.0,
                score,
            });
        }
    }
    Ok(fresh)
}
