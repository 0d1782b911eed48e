//! The world's state and the block (rules.md §2 and §4).

use super::amount::{Alpha, Ppb, Tao};
use super::event::Event;
use super::init::{EventInit, EventKind, NpcInit, RevenueInit, WorldInit};
use super::math::{I64F64, U64F64, ratio};
use super::npc::Npcs;
use super::order::{Fill, Order, Reject};
use super::params::{Mechanism, Params, Policy};
use super::pool::{self, PoolRules};
use super::rng::Stream;
use super::{EngineError, coinbase, epoch};

/// A subnet id. Root is 0 and has no pool; subnets are `1..=subnet_limit`.
pub type Netuid = u16;

/// An account id: its index, in order of creation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AccountId(pub u32);

impl AccountId {
    /// The passive genesis account, always id 0.
    pub const GENESIS: AccountId = AccountId(0);
    /// As an index.
    #[must_use]
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Who controls an account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AccountKind {
    /// A human player.
    Human,
    /// A Lua strategy.
    Bot,
    /// The engine's own actors and passive holders.
    Npc,
}

impl AccountKind {
    /// The name used in reports.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            AccountKind::Human => "human",
            AccountKind::Bot => "bot",
            AccountKind::Npc => "npc",
        }
    }
}

/// An account (rules.md §2). Per-subnet vectors are indexed by netuid.
#[derive(Clone, Debug)]
pub struct Account {
    /// Id (its index).
    pub id: AccountId,
    /// Unique name.
    pub name: String,
    /// Who controls it.
    pub kind: AccountKind,
    /// Free TAO.
    pub free: Tao,
    /// Root stake.
    pub root: Tao,
    /// Alpha per subnet, in rao.
    pub alpha: Vec<u64>,
    /// Registered as a miner on the subnet.
    pub miner: Vec<bool>,
    /// Validator policy per subnet.
    pub policy: Vec<Policy>,
    /// Alpha sold on the subnet since its last epoch.
    pub sold_window: Vec<u64>,
    /// Root-vote weights (`root_vote` mode).
    pub root_weights: Vec<(Netuid, u32)>,
    /// TAO paid into pools over the match.
    pub tao_in_rao: u64,
    /// TAO received from pools over the match.
    pub tao_out_rao: u64,
    /// The TAO the account started with (free + root + alpha value at block 0).
    pub start_value_rao: u64,
    /// Faults (bots): set by the host, reported in the score.
    pub faults: u32,
}

/// An NPC miner slot of a subnet (not an account: it cannot validate).
#[derive(Clone, Debug, Default)]
pub struct NpcMiner {
    /// Quality (utility and revenue subnets weight it).
    pub quality: u32,
    /// Fraction of new alpha it sells.
    pub sell_fraction: Ppb,
    /// Alpha held.
    pub alpha: u64,
    /// TAO received from its sales.
    pub tao: u64,
    /// Alpha still to sell in this window.
    pub to_sell: u64,
    /// Sales left in this window.
    pub chunks_left: u64,
    /// Alpha sold since the subnet's last epoch.
    pub sold_window: u64,
}

/// The name an account asking for `name` gets: `name` with its control characters and
/// invisible formatting marks as visible escapes (`\u{1b}`; a name is shown on every
/// screen and in every table, never as terminal commands), then `name#2`, `name#3`...
/// while `taken` says the name is in use.
#[must_use]
pub fn unique_name(name: &str, taken: impl Fn(&str) -> bool) -> String {
    let name = crate::text::escape_hidden(name);
    let mut unique = name.to_string();
    let mut k = 2;
    while taken(&unique) {
        unique = format!("{name}#{k}");
        k += 1;
    }
    unique
}

/// A subnet (rules.md §2).
#[derive(Clone, Debug)]
pub struct Subnet {
    /// Id.
    pub netuid: Netuid,
    /// Display name.
    pub name: String,
    /// Mechanism.
    pub mechanism: Mechanism,
    /// Pool TAO `T`.
    pub tao: u64,
    /// Pool alpha `A`.
    pub alpha_in: u64,
    /// Outstanding alpha `Out` (accounts, NPC miners and pending alpha buckets).
    pub alpha_out: u64,
    /// Moving price `m` (never above 1).
    pub moving_price: U64F64,
    /// Flow accumulator `F` (TAO in minus out this block).
    pub flow: i128,
    /// Flow EMA `S`.
    pub flow_ema: I64F64,
    /// Registration block.
    pub registered_at: i64,
    /// First emitting block.
    pub first_emission: i64,
    /// Owner account.
    pub owner: AccountId,
    /// Lock the owner paid.
    pub lock: u64,
    /// TAO value of the owner alpha received (at the spot price when paid).
    pub owner_emission_value: u64,
    /// Pending owner alpha.
    pub pending_owner: u64,
    /// Pending miner alpha.
    pub pending_miner: u64,
    /// Pending validator alpha.
    pub pending_validator: u64,
    /// Pending root dividends, TAO (price and root_vote modes).
    pub pending_root_tao: u64,
    /// Pending root dividends, alpha (flow mode).
    pub pending_root_alpha: u64,
    /// NPC miners.
    pub miners: Vec<NpcMiner>,
    /// Outside revenue.
    pub revenue: Option<RevenueInit>,
    /// Alpha ever issued (pool injections and `a_i`) including at genesis.
    pub alpha_issued: u64,
    /// Alpha recycled (lowers `Out`, so issuance).
    pub alpha_recycled: u64,
    /// Alpha burned by buybacks.
    pub alpha_burned: u64,
    /// TAO this subnet was owed by the last block's emission split (`E * share`).
    pub last_emission: u64,
    /// `E` of the last block (to turn `last_emission` into a share).
    pub last_block_emission: u64,
    /// Block of its last epoch.
    pub last_epoch: Option<u64>,
}

impl Subnet {
    /// Spot price `T / A` (0 when `A == 0`).
    #[must_use]
    pub fn price(&self) -> U64F64 {
        ratio(self.tao, self.alpha_in).unwrap_or(U64F64::ZERO)
    }
    /// Alpha issuance `A + Out`.
    #[must_use]
    pub fn alpha_issuance(&self) -> u64 {
        self.alpha_in.saturating_add(self.alpha_out)
    }
    /// Whether it receives emission at block `b`.
    #[must_use]
    pub fn is_emitting(&self, b: u64) -> bool {
        i128::from(self.first_emission) <= i128::from(b)
    }
    /// The alpha ledger: issued - recycled - burned.
    #[must_use]
    pub fn alpha_ledger(&self) -> i128 {
        i128::from(self.alpha_issued) - i128::from(self.alpha_recycled) - i128::from(self.alpha_burned)
    }
}

/// The TAO ledger of rules.md §10.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ledger {
    /// TAO held by accounts and pools at block 0.
    pub genesis: u64,
    /// TAO minted by the coinbase (and lock refunds).
    pub minted: u64,
    /// TAO recycled (lowers total issuance).
    pub recycled: u64,
    /// TAO burned (leaves without lowering issuance).
    pub burned: u64,
    /// TAO entering from outside (revenue).
    pub external_inflow: u64,
}

/// Lock-cost state.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LockState {
    /// Last lock paid.
    pub last_lock: u64,
    /// Block of the last launch, if any in this match.
    pub last_lock_block: Option<u64>,
}

/// The whole world.
#[derive(Clone, Debug)]
pub struct World {
    /// The map's name.
    pub map: String,
    /// The match seed.
    pub seed: u64,
    /// Rules.
    pub params: Params,
    /// The next block to run (`b`).
    pub block: u64,
    /// Total issuance `TI`.
    pub total_issuance: u64,
    /// Total root stake `R`.
    pub total_root: u64,
    /// Subnets by netuid (index 0, root, is always `None`).
    pub subnets: Vec<Option<Subnet>>,
    /// Accounts by id.
    pub accounts: Vec<Account>,
    /// Account ids by name (names never change): a map with tens of thousands of crowd
    /// members builds in linear time, not quadratic.
    names: std::collections::BTreeMap<String, AccountId>,
    /// The TAO ledger.
    pub ledger: Ledger,
    /// Lock-cost state.
    pub lock: LockState,
    /// NPC actors.
    pub npcs: Npcs,
    /// Scripted events, sorted by block.
    pub(crate) script: Vec<EventInit>,
    pub(crate) script_next: usize,
    /// Orders queued for the next block.
    pub(crate) queue: Vec<(AccountId, Order)>,
    pub(crate) rng_order: Stream,
    pub(crate) rng_npc: Stream,
    /// Events of the last block.
    pub(crate) events: Vec<Event>,
    /// Phases of the epoch window at which NPC miners sell.
    pub(crate) sale_phases: Vec<u64>,
    /// Root-vote emission numerators per netuid (recomputed when dirty).
    pub(crate) root_vote: Option<Vec<u128>>,
    /// The epochs' working vectors, kept between epochs so that one allocates nothing
    /// once they have grown (not part of the state: contents never outlive an epoch).
    pub(crate) epoch_scratch: Option<Box<super::epoch::Scratch>>,
}

impl World {
    /// Builds the world of a map at block 0.
    ///
    /// # Errors
    /// An overflow in the initial holdings.
    pub fn new(init: &WorldInit) -> Result<Self, EngineError> {
        let limit = usize::from(init.params.subnet_limit);
        let mut w = World {
            map: init.name.clone(),
            seed: init.seed,
            params: init.params.clone(),
            block: 0,
            total_issuance: init.total_issuance.0,
            total_root: 0,
            subnets: vec![None; limit + 1],
            accounts: Vec::new(),
            names: std::collections::BTreeMap::new(),
            ledger: Ledger::default(),
            lock: LockState { last_lock: init.params.initial_lock.0 / 2, last_lock_block: None },
            npcs: Npcs::default(),
            script: init.events.clone(),
            script_next: 0,
            queue: Vec::new(),
            rng_order: Stream::new(init.seed, "order"),
            rng_npc: Stream::new(init.seed, "npc"),
            events: Vec::new(),
            sale_phases: Vec::new(),
            root_vote: None,
            epoch_scratch: None,
        };
        w.script.sort_by_key(|e| e.block);
        w.rebuild_sale_phases();
        let genesis = w.add_account("genesis", AccountKind::Npc, Tao::ZERO);
        w.accounts[genesis.index()].root = init.genesis_root_stake;
        w.total_root = init.genesis_root_stake.0;
        let mut subnets = init.subnets.clone();
        subnets.sort_by_key(|s| s.netuid);
        for s in &subnets {
            if s.netuid == 0 || usize::from(s.netuid) > limit || w.subnets[usize::from(s.netuid)].is_some() {
                return Err(EngineError::BadInit(format!(
                    "netuid {} is 0, repeated or above subnet_limit {limit}",
                    s.netuid
                )));
            }
            let owner =
                w.account_by_name(&s.owner).unwrap_or_else(|| w.add_account(&s.owner, AccountKind::Npc, Tao::ZERO));
            let n = usize::from(s.netuid);
            w.accounts[genesis.index()].alpha[n] = s.alpha_out;
            let issued = s.alpha_in.checked_add(s.alpha_out).ok_or(EngineError::Overflow("subnet alpha"))?;
            w.subnets[n] = Some(Subnet {
                netuid: s.netuid,
                name: s.name.clone(),
                mechanism: s.mechanism,
                tao: s.tao.0,
                alpha_in: s.alpha_in,
                alpha_out: s.alpha_out,
                moving_price: s.moving_price.min(U64F64::ONE),
                flow: 0,
                flow_ema: I64F64::ZERO,
                registered_at: s.registered_at,
                first_emission: s.first_emission,
                owner,
                lock: s.lock.0,
                owner_emission_value: 0,
                pending_owner: 0,
                pending_miner: 0,
                pending_validator: 0,
                pending_root_tao: 0,
                pending_root_alpha: 0,
                miners: s
                    .miners
                    .iter()
                    .map(|m| NpcMiner { quality: m.quality, sell_fraction: m.sell_fraction, ..NpcMiner::default() })
                    .collect(),
                revenue: s.revenue,
                alpha_issued: issued,
                alpha_recycled: 0,
                alpha_burned: 0,
                last_emission: 0,
                last_block_emission: 0,
                last_epoch: None,
            });
        }
        for npc in &init.npcs {
            w.add_npc(npc)?;
        }
        w.ledger.genesis = w.tao_held()?;
        for i in 0..w.accounts.len() {
            w.accounts[i].start_value_rao = w.score(AccountId(u32::try_from(i).unwrap_or(u32::MAX)));
        }
        Ok(w)
    }

    fn add_npc(&mut self, npc: &NpcInit) -> Result<(), EngineError> {
        match npc {
            NpcInit::Retail(r) => {
                let mut members = Vec::new();
                for k in 1..=r.count {
                    members.push(self.add_account(&format!("{}-{k}", r.name), AccountKind::Npc, r.budget));
                }
                self.npcs.add_retail(r.clone(), members, self.subnets.len());
            }
            NpcInit::Foundation(f) => {
                let id = self
                    .account_by_name(&f.name)
                    .unwrap_or_else(|| self.add_account(&f.name, AccountKind::Npc, Tao::ZERO));
                let a = &mut self.accounts[id.index()];
                a.free = a.free.checked_add(f.free).ok_or(EngineError::Overflow("foundation"))?;
                a.root = a.root.checked_add(f.root_stake).ok_or(EngineError::Overflow("foundation"))?;
                self.total_root = self.total_root.checked_add(f.root_stake.0).ok_or(EngineError::Overflow("root"))?;
                self.npcs.add_foundation(f.clone(), id);
            }
            NpcInit::Team(t) => {
                if t.netuid == 0 || usize::from(t.netuid) >= self.subnets.len() {
                    return Err(EngineError::BadInit(format!(
                        "team '{}' sells on netuid {}, which cannot exist",
                        t.name, t.netuid
                    )));
                }
                let id = self
                    .account_by_name(&t.name)
                    .unwrap_or_else(|| self.add_account(&t.name, AccountKind::Npc, Tao::ZERO));
                let n = usize::from(t.netuid);
                let a = &mut self.accounts[id.index()];
                a.free = a.free.checked_add(t.free).ok_or(EngineError::Overflow("team"))?;
                a.alpha[n] = a.alpha[n].checked_add(t.alpha).ok_or(EngineError::Overflow("team"))?;
                if let Some(s) = self.subnets[n].as_mut() {
                    s.alpha_out = s.alpha_out.checked_add(t.alpha).ok_or(EngineError::Overflow("team"))?;
                    s.alpha_issued = s.alpha_issued.checked_add(t.alpha).ok_or(EngineError::Overflow("team"))?;
                }
                self.npcs.add_team(t.clone(), id);
            }
        }
        Ok(())
    }

    /// Adds an account with `free` TAO (a player joining, a bot's seat). The TAO enters
    /// the ledger as genesis TAO. Names are made unique by [`unique_name`].
    pub fn add_account(&mut self, name: &str, kind: AccountKind, free: Tao) -> AccountId {
        let unique = unique_name(name, |n| self.account_by_name(n).is_some());
        let id = AccountId(u32::try_from(self.accounts.len()).unwrap_or(u32::MAX));
        let n = self.subnets.len();
        self.names.insert(unique.clone(), id);
        self.accounts.push(Account {
            id,
            name: unique,
            kind,
            free,
            root: Tao::ZERO,
            alpha: vec![0; n],
            miner: vec![false; n],
            policy: vec![Policy::Honest; n],
            sold_window: vec![0; n],
            root_weights: Vec::new(),
            tao_in_rao: 0,
            tao_out_rao: 0,
            start_value_rao: free.0,
            faults: 0,
        });
        self.ledger.genesis = self.ledger.genesis.saturating_add(free.0);
        id
    }

    /// The account with this name.
    #[must_use]
    pub fn account_by_name(&self, name: &str) -> Option<AccountId> {
        self.names.get(name).copied()
    }

    /// The subnet with this netuid.
    #[must_use]
    pub fn subnet(&self, netuid: Netuid) -> Option<&Subnet> {
        self.subnets.get(usize::from(netuid)).and_then(Option::as_ref)
    }

    /// Subnets in ascending netuid order.
    pub fn subnets(&self) -> impl Iterator<Item = &Subnet> {
        self.subnets.iter().flatten()
    }

    /// An account.
    #[must_use]
    pub fn account(&self, id: AccountId) -> Option<&Account> {
        self.accounts.get(id.index())
    }

    /// The events of the last block.
    #[must_use]
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// Queues an order for the next block.
    pub fn submit(&mut self, account: AccountId, order: Order) {
        self.queue.push((account, order));
    }

    /// Withdraws `account`'s orders waiting for the next block (the others keep their
    /// order); returns how many there were.
    pub fn unqueue(&mut self, account: AccountId) -> usize {
        let before = self.queue.len();
        self.queue.retain(|(a, _)| *a != account);
        before - self.queue.len()
    }

    /// Orders waiting for the next block.
    #[must_use]
    pub fn queued(&self) -> &[(AccountId, Order)] {
        &self.queue
    }

    /// The pool rules of the current parameters.
    #[must_use]
    pub fn pool_rules(&self) -> PoolRules {
        PoolRules {
            fee: self.params.staking_fee.0,
            min_stake: self.params.min_stake.0,
            min_liquidity: self.params.min_pool_liquidity.0,
        }
    }

    /// Runs block `b = self.block` (rules.md §4) and advances to `b + 1`.
    ///
    /// # Errors
    /// An arithmetic overflow in the world's bookkeeping (never caused by an order).
    pub fn step(&mut self) -> Result<(), EngineError> {
        self.events.clear();
        let b = self.block;
        // 1. Queued actions, in an order drawn from the action-order stream.
        self.apply_queue();
        // 2-3. Coinbase and moving prices.
        coinbase::run(self)?;
        // 4. Epochs, and NPC miners' sales within the window.
        epoch::run_due(self)?;
        // 5. Scripted events.
        self.run_script(b);
        // 6. NPCs decide; their orders queue for b + 1.
        super::npc::decide(self);
        self.block = b + 1;
        Ok(())
    }

    /// Runs blocks until `self.block == end`.
    ///
    /// # Errors
    /// See [`World::step`].
    pub fn run_until(&mut self, end: u64) -> Result<(), EngineError> {
        while self.block < end {
            self.step()?;
        }
        Ok(())
    }

    fn apply_queue(&mut self) {
        if self.queue.is_empty() {
            return;
        }
        let mut queue = std::mem::take(&mut self.queue);
        // Fairness: shuffle seats (accounts), keeping each account's own orders in the
        // order it gave them.
        queue.sort_by_key(|(a, _)| *a);
        let mut seats: Vec<AccountId> = queue.iter().map(|(a, _)| *a).collect();
        seats.dedup();
        self.rng_order.shuffle(&mut seats);
        let b = self.block;
        for seat in seats {
            for (account, order) in queue.iter().filter(|(a, _)| *a == seat) {
                let ev = match self.execute(*account, order) {
                    Ok(fill) => Event::Applied { block: b, account: *account, order: order.clone(), fill },
                    Err(reason) => Event::Rejected { block: b, account: *account, order: order.clone(), reason },
                };
                self.events.push(ev);
            }
        }
    }

    fn run_script(&mut self, b: u64) {
        while self.script_next < self.script.len() && self.script[self.script_next].block <= b {
            let e = self.script[self.script_next].clone();
            self.script_next += 1;
            if e.block < b {
                continue;
            }
            self.apply_event(&e.kind);
            self.events.push(Event::Scripted { block: b, kind: e.kind });
        }
    }

    /// Applies a scripted event now (used by the map's script and by hosts).
    pub fn apply_event(&mut self, kind: &EventKind) {
        match kind {
            EventKind::Narrate(_) => {}
            EventKind::SetMechanism { netuid, mechanism } => {
                if let Some(s) = self.subnets.get_mut(usize::from(*netuid)).and_then(Option::as_mut) {
                    s.mechanism = *mechanism;
                }
            }
            EventKind::Hype { crowd, netuid, amount } => self.npcs.hype(crowd, *netuid, *amount),
            EventKind::SetParam { key, value } => {
                // Validated by the map loader; a bad value here is ignored.
                let mode = self.params.emission_mode;
                if self.params.set(key, value).is_ok() {
                    self.rebuild_sale_phases();
                    self.root_vote = None;
                    if self.params.emission_mode != mode {
                        // Only `flow` resets F every block: what other modes left in it
                        // would enter S at once.
                        for s in self.subnets.iter_mut().flatten() {
                            s.flow = 0;
                        }
                    }
                }
            }
            EventKind::SetPolicy { account, netuid, policy } => {
                if let Some(id) = self.account_by_name(account) {
                    if let Some(p) = self.accounts[id.index()].policy.get_mut(usize::from(*netuid)) {
                        *p = *policy;
                    }
                }
            }
        }
    }

    pub(crate) fn rebuild_sale_phases(&mut self) {
        let window = self.params.tempo + 1;
        let chunks = self.params.miner_sell_chunks.clamp(1, window);
        let step = (window / (chunks + 1)).max(1);
        let mut v: Vec<u64> = (1..=chunks).map(|c| c * step).filter(|p| *p < window).collect();
        v.dedup();
        self.sale_phases = v;
    }

    /// Total TAO held: free and root of every account, NPC miners' TAO, pool TAO and
    /// pending root TAO (the left side of rules.md §10's conservation law).
    ///
    /// # Errors
    /// Overflow.
    pub fn tao_held(&self) -> Result<u64, EngineError> {
        let of = || EngineError::Overflow("tao_held");
        let mut sum: u64 = 0;
        for a in &self.accounts {
            sum = sum.checked_add(a.free.0).and_then(|s| s.checked_add(a.root.0)).ok_or_else(of)?;
        }
        for s in self.subnets() {
            sum = sum.checked_add(s.tao).and_then(|x| x.checked_add(s.pending_root_tao)).ok_or_else(of)?;
            for m in &s.miners {
                sum = sum.checked_add(m.tao).ok_or_else(of)?;
            }
        }
        Ok(sum)
    }

    /// Checks rules.md §10's conservation laws; `Err` names the first broken one.
    ///
    /// # Errors
    /// A description of the broken law.
    pub fn check_invariants(&self) -> Result<(), String> {
        let held = self.tao_held().map_err(|e| e.to_string())?;
        let l = &self.ledger;
        let expected = i128::from(l.genesis) + i128::from(l.minted) - i128::from(l.recycled) - i128::from(l.burned)
            + i128::from(l.external_inflow);
        if i128::from(held) != expected {
            return Err(format!("TAO not conserved: held {held}, ledger {expected} ({l:?})"));
        }
        let root: u64 = self.accounts.iter().map(|a| a.root.0).sum();
        if root != self.total_root {
            return Err(format!("root stake {root} != R {}", self.total_root));
        }
        for s in self.subnets() {
            if i128::from(s.alpha_issuance()) != s.alpha_ledger() {
                return Err(format!(
                    "SN{}: A + Out = {} but the ledger says {}",
                    s.netuid,
                    s.alpha_issuance(),
                    s.alpha_ledger()
                ));
            }
            let n = usize::from(s.netuid);
            let held: u128 = self.accounts.iter().map(|a| u128::from(a.alpha[n])).sum::<u128>()
                + s.miners.iter().map(|m| u128::from(m.alpha)).sum::<u128>()
                + u128::from(s.pending_owner)
                + u128::from(s.pending_miner)
                + u128::from(s.pending_validator)
                + u128::from(s.pending_root_alpha);
            if held != u128::from(s.alpha_out) {
                return Err(format!("SN{}: alpha held {held} != Out {}", s.netuid, s.alpha_out));
            }
        }
        Ok(())
    }

    /// Records recycled TAO.
    pub(crate) fn recycle_tao(&mut self, rao: u64) {
        self.total_issuance = self.total_issuance.saturating_sub(rao);
        self.ledger.recycled = self.ledger.recycled.saturating_add(rao);
    }

    /// An account's score (rules.md §9): free + root + each position sold alone into
    /// the current pool, fee included.
    #[must_use]
    pub fn score(&self, id: AccountId) -> u64 {
        let Some(a) = self.account(id) else { return 0 };
        let fee = self.params.staking_fee.0;
        let mut v = a.free.0.saturating_add(a.root.0);
        for s in self.subnets() {
            let x = a.alpha[usize::from(s.netuid)];
            v = v.saturating_add(pool::sale_value(s.tao, s.alpha_in, x, fee));
        }
        v
    }

    /// Stake weight of an account on a subnet: `alpha + tau * root` (rao, truncated).
    #[must_use]
    pub fn stake_weight(&self, id: AccountId, netuid: Netuid) -> u64 {
        self.account(id).map_or(0, |a| {
            a.alpha
                .get(usize::from(netuid))
                .copied()
                .unwrap_or(0)
                .saturating_add(self.params.tao_weight.apply(a.root.0))
        })
    }

    /// `root_prop` of a subnet now: `tau R / (tau R + AI)`.
    #[must_use]
    pub fn root_prop(&self, netuid: Netuid) -> U64F64 {
        let Some(s) = self.subnet(netuid) else { return U64F64::ZERO };
        let tr = u128::from(self.params.tao_weight.0) * u128::from(self.total_root);
        let den = tr + u128::from(s.alpha_issuance()) * 1_000_000_000;
        if den == 0 {
            return U64F64::ZERO;
        }
        // tr / den as 64.64: scale both down until the numerator fits in 64 bits.
        let sh = (128 - tr.leading_zeros()).saturating_sub(64);
        let (n, d) = (tr >> sh, den >> sh);
        if d == 0 {
            return U64F64::ZERO;
        }
        U64F64::from_bits(((n << 64) / d).min(1u128 << 64))
    }

    /// The account (if any) holding more than half of the subnet's validator stake
    /// weight: who decides its incentive.
    #[must_use]
    pub fn controller(&self, netuid: Netuid) -> Option<AccountId> {
        let vals = epoch::validators(self, netuid);
        let total: u128 = vals.iter().map(|(_, s)| u128::from(*s)).sum();
        vals.iter().find(|(_, s)| u128::from(*s) * 2 > total && total > 0).map(|(a, _)| *a)
    }

    /// The lock cost of a launch now (rules.md §6).
    #[must_use]
    pub fn lock_cost(&self) -> Tao {
        super::registry::lock_cost(self)
    }

    /// Alpha of an account on a subnet.
    #[must_use]
    pub fn alpha_of(&self, id: AccountId, netuid: Netuid) -> Alpha {
        Alpha(self.account(id).and_then(|a| a.alpha.get(usize::from(netuid)).copied()).unwrap_or(0))
    }

    /// Applies an order immediately (validation, then mutation) and returns its fill.
    /// The block loop calls this for queued orders; tests and tools may call it directly.
    /// A rejected order leaves the world exactly as it was.
    ///
    /// # Errors
    /// Why the order was rejected.
    pub fn execute(&mut self, account: AccountId, order: &Order) -> Result<Fill, Reject> {
        super::actions::execute(self, account, order)
    }
}
