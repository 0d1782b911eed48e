//! A running match as a service: the engine, the bot seats, the match clock and the
//! log, driven by [`Session::step`]. The same object sits behind `sim`, tournaments,
//! local play, replays and the shared-world server; front ends never touch the engine's
//! internals, only this handle and the engine's public [`View`](crate::engine::View).
//!
//! Uses `engine` and `scenario`; must not import `cli`.

pub mod handle;
pub mod lua;
pub mod report;

use crate::engine::{AccountId, AccountKind, EngineError, Event, Order, Tao, World};
use crate::scenario::Map;

/// What an actor decided on its turn.
#[derive(Clone, Debug, Default)]
pub struct Decision {
    /// Orders for the next block.
    pub orders: Vec<Order>,
    /// Lines for the match log.
    pub log: Vec<String>,
    /// Why the turn was lost, if it was (the orders are then discarded).
    pub fault: Option<String>,
}

/// Something that sits in a seat and decides: a Lua strategy, a scripted test actor.
pub trait Actor {
    /// Blocks between decisions (at least 1).
    fn cadence(&self) -> u64;
    /// Called once when the actor is seated, before block 0 runs (a Lua strategy's
    /// `init`). Its orders queue for the first block.
    fn start(&mut self, _world: &World, _me: AccountId) -> Decision {
        Decision::default()
    }
    /// Decides at the end of a block. `results` are the events about this seat's own
    /// orders since its last turn.
    fn decide(&mut self, world: &World, me: AccountId, results: &[Event]) -> Decision;
    /// Whether the actor has forfeited (it is no longer asked to decide).
    fn forfeited(&self) -> bool {
        false
    }
}

/// A bot's seat.
pub struct Seat {
    /// Display name.
    pub name: String,
    /// Its account.
    pub account: AccountId,
    /// Who decides.
    pub actor: Box<dyn Actor>,
    /// Events about its orders since its last turn.
    results: Vec<Event>,
}

/// One line of the match log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogLine {
    /// Block.
    pub block: u64,
    /// Who (account name) or "map".
    pub who: String,
    /// Text.
    pub text: String,
}

/// A match in progress.
pub struct Session {
    world: World,
    map: Map,
    end_block: u64,
    seats: Vec<Seat>,
    log: Vec<LogLine>,
    log_limit: usize,
}

impl Session {
    /// A match on `map` with `seed` (the map's own seed if `None`) for `blocks` blocks
    /// (the map's length if `None`).
    ///
    /// # Errors
    /// The map's amounts overflow the engine's bookkeeping.
    pub fn new(map: &Map, seed: Option<u64>, blocks: Option<u64>) -> Result<Self, EngineError> {
        let mut init = map.init.clone();
        if let Some(s) = seed {
            init.seed = s;
        }
        Ok(Self {
            world: World::new(&init)?,
            map: map.clone(),
            end_block: blocks.unwrap_or(map.blocks),
            seats: Vec::new(),
            log: Vec::new(),
            log_limit: 10_000,
        })
    }

    /// Seats a bot with the map's starting budget and lets it start (`init`).
    pub fn add_bot(&mut self, name: &str, mut actor: Box<dyn Actor>) -> AccountId {
        let account = self.world.add_account(name, AccountKind::Bot, self.map.start_tao);
        let name = self.world.account(account).map_or_else(|| name.to_string(), |a| a.name.clone());
        let d = actor.start(&self.world, account);
        self.seats.push(Seat { name, account, actor, results: Vec::new() });
        self.apply_decision(self.world.block, self.seats.len() - 1, d);
        account
    }

    /// Adds a human player with the map's starting budget.
    pub fn add_human(&mut self, name: &str) -> AccountId {
        self.world.add_account(name, AccountKind::Human, self.map.start_tao)
    }

    /// Adds an account with a custom budget (tests, lessons).
    pub fn add_account(&mut self, name: &str, kind: AccountKind, tao: Tao) -> AccountId {
        self.world.add_account(name, kind, tao)
    }

    /// Queues an order for the next block.
    pub fn submit(&mut self, account: AccountId, order: Order) {
        self.world.submit(account, order);
    }

    /// The world (read-only).
    #[must_use]
    pub fn world(&self) -> &World {
        &self.world
    }

    /// The map.
    #[must_use]
    pub fn map(&self) -> &Map {
        &self.map
    }

    /// The block at which the match ends.
    #[must_use]
    pub fn end_block(&self) -> u64 {
        self.end_block
    }

    /// Whether the last block has run.
    #[must_use]
    pub fn is_over(&self) -> bool {
        self.world.block >= self.end_block
    }

    /// The bot seats.
    #[must_use]
    pub fn seats(&self) -> &[Seat] {
        &self.seats
    }

    /// The match log (bounded: the oldest lines go first).
    #[must_use]
    pub fn log(&self) -> &[LogLine] {
        &self.log
    }

    /// The game clock at the current block (12 s a block from the map's start date).
    #[must_use]
    pub fn clock(&self) -> chrono::DateTime<chrono::Utc> {
        let secs = i64::try_from(self.world.block.saturating_mul(12)).unwrap_or(i64::MAX);
        self.map.start_date + chrono::TimeDelta::try_seconds(secs).unwrap_or(chrono::TimeDelta::zero())
    }

    fn push_log(&mut self, block: u64, who: String, text: String) {
        if self.log.len() >= self.log_limit {
            self.log.drain(..self.log_limit / 10);
        }
        self.log.push(LogLine { block, who, text });
    }

    /// Runs one block, then lets the bots whose cadence falls on it decide; their
    /// orders queue for the next block.
    ///
    /// # Errors
    /// An engine overflow (see [`EngineError`]).
    pub fn step(&mut self) -> Result<(), EngineError> {
        let b = self.world.block;
        self.world.step()?;
        self.collect_events(b);
        for k in 0..self.seats.len() {
            let seat = &mut self.seats[k];
            if seat.actor.forfeited() || b % seat.actor.cadence().max(1) != 0 {
                continue;
            }
            let results = std::mem::take(&mut seat.results);
            let d = seat.actor.decide(&self.world, seat.account, &results);
            self.apply_decision(b, k, d);
        }
        Ok(())
    }

    /// Logs a seat's decision, counts its fault or queues its orders.
    fn apply_decision(&mut self, b: u64, k: usize, d: Decision) {
        let (account, name) = (self.seats[k].account, self.seats[k].name.clone());
        for line in d.log {
            self.push_log(b, name.clone(), line);
        }
        match d.fault {
            Some(f) => {
                if let Some(a) = self.world.accounts.get_mut(account.index()) {
                    a.faults += 1;
                }
                let forfeit =
                    if self.seats[k].actor.forfeited() { "; too many faults: it forfeits the match" } else { "" };
                self.push_log(b, name, format!("fault: {f} (turn lost{forfeit})"));
            }
            None => {
                for o in d.orders {
                    self.world.submit(account, o);
                }
            }
        }
    }

    fn collect_events(&mut self, b: u64) {
        let events = self.world.events().to_vec();
        for e in events {
            match &e {
                Event::Applied { account, .. } | Event::Rejected { account, .. } => {
                    if let Some(seat) = self.seats.iter_mut().find(|s| s.account == *account) {
                        seat.results.push(e.clone());
                    }
                    if let Event::Rejected { order, reason, .. } = &e {
                        let who = self.world.account(*account).map(|a| a.name.clone()).unwrap_or_default();
                        if self.world.account(*account).is_some_and(|a| a.kind != AccountKind::Npc) {
                            self.push_log(b, who, format!("rejected: {order}: {reason}"));
                        }
                    }
                }
                Event::Scripted { kind: crate::engine::init::EventKind::Narrate(text), .. } => {
                    self.push_log(b, "map".into(), text.clone());
                }
                Event::Launched { netuid, name, .. } => {
                    self.push_log(b, "map".into(), format!("SN{netuid} '{name}' launched"))
                }
                Event::Dissolved { netuid, name, .. } => {
                    self.push_log(b, "map".into(), format!("SN{netuid} '{name}' dissolved to make room"));
                }
                _ => {}
            }
        }
    }

    /// Runs to the end of the match, calling `progress(block)` every `every` blocks.
    ///
    /// # Errors
    /// See [`Session::step`].
    pub fn run_to_end(&mut self, every: u64, mut progress: impl FnMut(&Session)) -> Result<(), EngineError> {
        while !self.is_over() {
            self.step()?;
            if every > 0 && self.world.block % every == 0 {
                progress(self);
            }
        }
        Ok(())
    }
}
