//! A running match as a service: the engine, the bot seats, the match clock and the
//! log, driven by [`Session::step`]. The same object sits behind `sim`, tournaments,
//! local play, replays and the shared-world server; front ends never touch the engine's
//! internals, only this handle and the engine's public [`View`](crate::engine::View).
//!
//! Uses `engine` and `scenario`; must not import `cli`.

pub mod handle;
pub mod lua;
pub mod objectives;
pub mod parallel;
pub mod report;

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::engine::hash::StateHash;
use crate::engine::init::EventKind;
use crate::engine::{AccountId, AccountKind, EngineError, Event, Order, Tao, World};
use crate::record::{Header, Input, Recording, Tick};
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
    /// How many of its faults were a wall-clock limit (whose timing depends on the
    /// machine, unlike every other limit).
    fn wall_clock_faults(&self) -> u32 {
        0
    }
    /// The strategy's source, kept in recordings so that a save resumes with it.
    fn source(&self) -> Option<&str> {
        None
    }
    /// Options it was given that its `init` did not read through `dtao.options`, as
    /// `key=value` (empty when it read them or was given none).
    fn unread_options(&self) -> Vec<String> {
        Vec::new()
    }
}

/// Builds the actor of a bot that joins a match loaded from a recording: `(name,
/// source, seat)`, where `seat` counts the bots seated so far.
pub type BotFactory = Box<dyn FnMut(&str, &str, usize) -> Result<Box<dyn Actor>, String>>;

/// Why a recording cannot be loaded into a session.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    /// Recorded under other rules.
    #[error(
        "it was recorded by engine version {found}, and this build runs engine version {current}: \
         the match would not re-create exactly; open it with the dtao-arena release that recorded it"
    )]
    Engine {
        /// The recording's engine version.
        found: u32,
        /// This build's.
        current: u32,
    },
    /// The embedded map does not load.
    #[error("its embedded map '{name}' does not load: {problem}")]
    Map {
        /// The map's name.
        name: String,
        /// The first problem.
        problem: String,
    },
    /// A bot's embedded strategy does not load.
    #[error("its strategy '{name}' does not load: {problem}")]
    Bot {
        /// The bot.
        name: String,
        /// Why.
        problem: String,
    },
    /// The engine failed while catching up.
    #[error("the simulation failed at block {block}: {problem}")]
    Simulation {
        /// Where.
        block: u64,
        /// What.
        problem: String,
    },
    /// The re-simulated state differs from the recorded one.
    #[error("{0}")]
    Diverged(Divergence),
}

/// Where a re-simulation first disagreed with a recording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Divergence {
    /// The first block whose recorded state hash differs.
    pub block: u64,
    /// The last block whose hash still agreed (`None`: none checked before).
    pub last_good: Option<u64>,
    /// Whether it is the final hash (taken when the file was written).
    pub at_end: bool,
}

impl std::fmt::Display for Divergence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = if self.at_end { "the final state" } else { "the state" };
        write!(f, "{what} at block {} differs from the recording", self.block)?;
        match self.last_good {
            // The same block agreed as a checkpoint: only the final hash itself is off.
            Some(g) if g >= self.block => write!(
                f,
                " (its checkpoint at that block agreed, so the match itself re-created exactly: the file's final \
                 hash was changed or damaged)"
            ),
            Some(g) => {
                write!(f, " (it still agreed at block {g}, so the match diverged in blocks {g}..{})", self.block)
            }
            None => write!(f, " (the first checked block)"),
        }
    }
}

/// Recorded inputs being fed into a session.
#[derive(Clone)]
struct Feed {
    ticks: Arc<[Tick]>,
    next: usize,
    checkpoints: Arc<[crate::record::Checkpoint]>,
    next_check: usize,
    /// The recording's last block and final hash.
    end: u64,
    final_hash: StateHash,
    last_good: Option<u64>,
}

/// The state of a replaying session, to jump back to (see [`Session::fork`]).
#[derive(Clone)]
pub struct Fork {
    world: World,
    objectives: objectives::Objectives,
    log: Vec<LogLine>,
    feed: Option<Feed>,
    divergence: Option<Divergence>,
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

/// A bot's faults in a match (see [`Session::seat_faults`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SeatFaults {
    /// Lost turns.
    pub faults: u32,
    /// Whether it faulted too often and sat the rest of the match out.
    pub forfeited: bool,
    /// Its first fault: `[block B] fault: ...`.
    pub first: Option<String>,
    /// How many of its faults were the wall-clock backstop (machine-dependent).
    pub wall_clock: u32,
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

/// The longest player name (in a game, a room, and on the screens that show it whole).
pub const MAX_NAME_CHARS: usize = 24;

/// A bot's log lines kept per match, in bytes: a line a decision every tempo for a year
/// is under half of it, and it keeps a chatty bot's recording readable (a line of 8 KiB
/// at every block made 288 MB in five days).
pub const MAX_LOG_BYTES_PER_MATCH: usize = 1 << 20;

/// The line that stands for a bot's log lines past [`MAX_LOG_BYTES_PER_MATCH`].
pub const LOG_LIMIT_NOTE: &str =
    "(log limit reached: this bot's later log lines in this match are dropped; at most 1 MiB a match is kept)";

/// What is wrong with a shared world's tick that a server keeping to the protocol never
/// sends, for a replica at block `now` of a match ending at `end`: blocks that go back,
/// inputs outside the tick, or a block past the match's last one (a server that sent
/// block 2^64 - 1 had a replica run for ever).
#[must_use]
pub fn tick_problem(now: u64, end: u64, input_blocks: impl Iterator<Item = u64>, to_block: u64) -> Option<String> {
    if to_block < now {
        return Some(format!("it sent a tick to block {to_block}, behind this replica's block {now}"));
    }
    if to_block > end {
        return Some(format!("it sent a tick to block {to_block}, past the match's last block {end}"));
    }
    let mut last = now;
    for block in input_blocks {
        if block < last || block > to_block {
            return Some(format!(
                "it sent inputs for block {block} in a tick from block {now} to {to_block}, out of order"
            ));
        }
        last = block;
    }
    None
}

/// How the match log starts a reached objective's line.
pub const OBJECTIVE_REACHED: &str = "objective reached: ";

/// A match in progress.
pub struct Session {
    world: World,
    objectives: objectives::Objectives,
    map: Map,
    end_block: u64,
    seats: Vec<Seat>,
    log: Vec<LogLine>,
    log_limit: usize,
    recording: Option<Recording>,
    feed: Option<Feed>,
    factory: Option<BotFactory>,
    /// A replica still to be run to this block ([`Session::follow_later`]).
    follow_to: Option<u64>,
    live: Vec<AccountId>,
    divergence: Option<Divergence>,
    /// Bytes of log lines kept per bot this match (see [`MAX_LOG_BYTES_PER_MATCH`]).
    log_bytes: BTreeMap<AccountId, usize>,
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
        let world = World::new(&init)?;
        Ok(Self {
            objectives: objectives::Objectives::new(&map.objectives, &world),
            world,
            map: map.clone(),
            end_block: blocks.unwrap_or(map.blocks),
            seats: Vec::new(),
            log: Vec::new(),
            log_limit: 10_000,
            recording: None,
            feed: None,
            factory: None,
            follow_to: None,
            live: Vec::new(),
            divergence: None,
            log_bytes: BTreeMap::new(),
        })
    }

    /// Starts recording every input from now on (call it before seating anyone, so the
    /// recording has the whole match). `created` is the wall-clock start of the match.
    pub fn start_recording(&mut self, created: chrono::DateTime<chrono::Utc>) {
        self.recording = Some(Recording::new(Header {
            engine_version: crate::engine::ENGINE_VERSION,
            app_version: env!("CARGO_PKG_VERSION").to_string(),
            created,
            saved: created,
            map_name: self.map.name().to_string(),
            map_source: self.map.source.clone(),
            seed: self.world.seed,
            end_block: self.end_block,
            hash_every: crate::record::default_hash_every(self.end_block),
        }));
    }

    /// Whether inputs are being recorded.
    #[must_use]
    pub fn is_recording(&self) -> bool {
        self.recording.is_some()
    }

    /// The recording so far, ready to write (`saved` is the wall-clock time of writing):
    /// a finished match's replay, or a save to resume.
    #[must_use]
    pub fn recording(&self, saved: chrono::DateTime<chrono::Utc>) -> Option<Recording> {
        let mut r = self.recording.clone()?;
        r.header.saved = saved;
        r.block = self.world.block;
        r.final_hash = self.world.state_hash();
        Some(r)
    }

    /// Loads a recording. With `bots`, a save is *resumed*: bots are seated live with
    /// their recorded strategies, the other inputs are fed until the recorded block,
    /// every state hash is checked on the way, and the session records on (the result
    /// is at the save's block and carries on live). Without, the session *replays*:
    /// every input comes from the recording, no Lua runs, and [`Session::step`] checks
    /// each recorded hash as it passes it (see [`Session::divergence`]).
    ///
    /// # Errors
    /// Another engine version, an embedded map or strategy that does not load, or (when
    /// resuming) a state that differs from the recorded one.
    pub fn from_recording(rec: &Recording, bots: Option<BotFactory>) -> Result<Self, LoadError> {
        let mut s = Self::load(rec, bots)?;
        if let Some(end) = s.catching_up() {
            while s.world.block < end && s.divergence.is_none() {
                s.step().map_err(|e| LoadError::Simulation { block: s.world.block, problem: e.to_string() })?;
            }
            s.finish_catch_up()?;
        }
        Ok(s)
    }

    /// A save to resume, at block 0: as [`Session::from_recording`] with bots, but the
    /// caller runs the catch-up (to watch every block on the way: a game rebuilds its
    /// charts, journal and cost basis). Step until [`Session::catching_up`]'s block,
    /// then call [`Session::finish_catch_up`].
    ///
    /// # Errors
    /// As [`Session::from_recording`].
    pub fn resume(rec: &Recording, bots: BotFactory) -> Result<Self, LoadError> {
        Self::load(rec, Some(bots))
    }

    /// While a resumed save or a replica catches up: the block it runs to.
    #[must_use]
    pub fn catching_up(&self) -> Option<u64> {
        self.follow_to.or_else(|| self.factory.as_ref().and(self.feed.as_ref()).map(|f| f.end))
    }

    /// Ends a resumed save's or a replica's catch-up: from here the session runs live
    /// (a save) or on the inputs it is given (a replica).
    ///
    /// # Errors
    /// The catch-up differs from the recording, or stopped before its block.
    pub fn finish_catch_up(&mut self) -> Result<(), LoadError> {
        let Some(end) = self.catching_up() else { return Ok(()) };
        if let Some(d) = self.divergence {
            return Err(LoadError::Diverged(d));
        }
        if self.world.block != end {
            return Err(LoadError::Simulation {
                block: self.world.block,
                problem: format!("the catch-up stopped before block {end}"),
            });
        }
        if self.follow_to.take().is_none() {
            self.feed = None;
            self.factory = None;
        }
        Ok(())
    }

    fn load(rec: &Recording, bots: Option<BotFactory>) -> Result<Self, LoadError> {
        let h = &rec.header;
        if h.engine_version != crate::engine::ENGINE_VERSION {
            return Err(LoadError::Engine { found: h.engine_version, current: crate::engine::ENGINE_VERSION });
        }
        let origin = format!("{} (in the recording)", h.map_name);
        let map = crate::scenario::parse_recorded(&h.map_source, &origin).map_err(|e| LoadError::Map {
            name: h.map_name.clone(),
            problem: e.problems.first().cloned().unwrap_or_default(),
        })?;
        let mut s = Self::new(&map, Some(h.seed), Some(h.end_block))
            .map_err(|e| LoadError::Simulation { block: 0, problem: e.to_string() })?;
        let resuming = bots.is_some();
        if resuming {
            s.recording = Some(Recording::new(h.clone()));
        }
        s.factory = bots;
        s.feed = Some(Feed {
            ticks: rec.ticks.clone().into(),
            next: 0,
            checkpoints: rec.checkpoints.clone().into(),
            next_check: 0,
            end: rec.block,
            final_hash: rec.final_hash,
            last_good: None,
        });
        if !resuming {
            // A replay ends where the recording does (a save's replay stops there).
            s.end_block = rec.block;
        }
        s.feed_now()?;
        Ok(s)
    }

    /// A replica of a live match that follows it input by input (a network client):
    /// the recording so far is replayed to its last block (every recorded state hash
    /// checked), then the session waits for more inputs ([`Session::apply_input`],
    /// [`Session::step`]). Unlike a replay it ends at the match's own last block.
    ///
    /// # Errors
    /// As [`Session::from_recording`], or the catch-up differs from the recording.
    pub fn follow(rec: &Recording) -> Result<Self, LoadError> {
        let mut s = Self::follow_later(rec)?;
        while s.world.block < rec.block && s.divergence.is_none() {
            s.step().map_err(|e| LoadError::Simulation { block: s.world.block, problem: e.to_string() })?;
        }
        s.finish_catch_up()?;
        Ok(s)
    }

    /// [`Session::follow`] without the catch-up: the caller runs it, block by block, to
    /// [`Session::catching_up`] and then calls [`Session::finish_catch_up`] (a game's
    /// handle does, so that its charts and cost basis start at block 0, not where the
    /// player joined).
    ///
    /// # Errors
    /// As [`Session::from_recording`].
    pub fn follow_later(rec: &Recording) -> Result<Self, LoadError> {
        let mut s = Self::from_recording(rec, None)?;
        s.end_block = rec.header.end_block;
        s.follow_to = Some(rec.block);
        Ok(s)
    }

    /// The inputs recorded so far (the recording's `block` and `final_hash` are not
    /// kept up to date here: [`Session::recording`] fills them in). A server reads the
    /// newest ticks to pass them on.
    #[must_use]
    pub fn recorded(&self) -> Option<&Recording> {
        self.recording.as_ref()
    }

    /// Where a replay first disagreed with its recording, if it has.
    #[must_use]
    pub fn divergence(&self) -> Option<Divergence> {
        self.divergence
    }

    /// The map's objectives and when each was reached.
    #[must_use]
    pub fn objectives(&self) -> &objectives::Objectives {
        &self.objectives
    }

    /// The number of recorded hashes checked so far and whether the final one has been.
    #[must_use]
    pub fn checked(&self) -> (usize, bool) {
        self.feed.as_ref().map_or((0, false), |f| (f.next_check, f.next == usize::MAX))
    }

    /// The state of a replaying session, to come back to with [`Session::restore`].
    /// `None` when a live actor sits in the match (its Lua state cannot be copied).
    #[must_use]
    pub fn fork(&self) -> Option<Fork> {
        self.seats.is_empty().then(|| Fork {
            world: self.world.clone(),
            objectives: self.objectives.clone(),
            log: self.log.clone(),
            feed: self.feed.clone(),
            divergence: self.divergence,
        })
    }

    /// Returns to a state taken by [`Session::fork`] of this same match.
    pub fn restore(&mut self, fork: &Fork) {
        self.world.clone_from(&fork.world);
        self.objectives.clone_from(&fork.objectives);
        self.log.clone_from(&fork.log);
        self.feed.clone_from(&fork.feed);
        self.divergence = fork.divergence;
    }

    /// Applies the recorded inputs of the current block, and checks the final hash when
    /// the recording ends here.
    fn feed_now(&mut self) -> Result<(), LoadError> {
        let Some(feed) = &self.feed else { return Ok(()) };
        let block = self.world.block;
        let ticks = Arc::clone(&feed.ticks);
        let mut next = feed.next;
        while let Some(t) = ticks.get(next).filter(|t| t.block <= block) {
            next += 1;
            if t.block < block {
                continue;
            }
            for input in &t.inputs {
                self.feed_input(input)?;
            }
        }
        if let Some(f) = self.feed.as_mut() {
            f.next = next;
            if block == f.end {
                let ok = self.world.state_hash() == f.final_hash;
                if !ok && self.divergence.is_none() {
                    self.divergence = Some(Divergence { block, last_good: f.last_good, at_end: true });
                }
                f.next = usize::MAX;
            }
        }
        Ok(())
    }

    /// Applies one recorded input as the recording's session received it (a join, an
    /// order, a fault, a log line, a host event), recording it again if this session
    /// records. For a replica that follows a live match input by input (a network
    /// client): apply a block's inputs, then [`Session::step`].
    ///
    /// # Errors
    /// A bot joins with a strategy that does not load (only with a bot factory).
    pub fn apply_input(&mut self, input: &Input) -> Result<(), LoadError> {
        self.feed_input(input)
    }

    fn feed_input(&mut self, input: &Input) -> Result<(), LoadError> {
        if input.account().is_some_and(|a| self.live.binary_search(&a).is_ok()) {
            return Ok(());
        }
        match input {
            Input::Join { name, kind, tao, source } => {
                let seat = self.seats.len();
                match (self.factory.as_mut(), *kind, source) {
                    (Some(make), AccountKind::Bot, Some(src)) => {
                        let actor =
                            make(name, src, seat).map_err(|problem| LoadError::Bot { name: name.clone(), problem })?;
                        let id = self.seat_bot(name, actor, *tao);
                        if let Err(k) = self.live.binary_search(&id) {
                            self.live.insert(k, id);
                        }
                    }
                    _ => {
                        self.record(Input::Join { name: name.clone(), kind: *kind, tao: *tao, source: source.clone() });
                        self.world.add_account(name, *kind, *tao);
                    }
                }
            }
            Input::Order { account, order } => self.submit(*account, order.clone()),
            Input::Fault { account, text } => self.fault(*account, text),
            Input::Log { account, text } => self.bot_log(*account, text),
            Input::Event(kind) => self.trigger(kind.clone()),
        }
        Ok(())
    }

    fn record(&mut self, input: Input) {
        if let Some(r) = self.recording.as_mut() {
            r.push(self.world.block, input);
        }
    }

    /// Seats a bot with the map's starting budget and lets it start (`init`).
    pub fn add_bot(&mut self, name: &str, actor: Box<dyn Actor>) -> AccountId {
        self.seat_bot(name, actor, self.map.start_tao)
    }

    fn seat_bot(&mut self, name: &str, mut actor: Box<dyn Actor>, tao: Tao) -> AccountId {
        let account = self.world.add_account(name, AccountKind::Bot, tao);
        let source = actor.source().map(str::to_string);
        self.record(Input::Join { name: name.to_string(), kind: AccountKind::Bot, tao, source });
        let name = self.world.account(account).map_or_else(|| name.to_string(), |a| a.name.clone());
        let d = actor.start(&self.world, account);
        self.seats.push(Seat { name, account, actor, results: Vec::new() });
        self.apply_decision(self.seats.len() - 1, d, true);
        account
    }

    /// Adds a human player with the map's starting budget.
    pub fn add_human(&mut self, name: &str) -> AccountId {
        self.add_account(name, AccountKind::Human, self.map.start_tao)
    }

    /// Adds an account with a custom budget (tests, lessons).
    pub fn add_account(&mut self, name: &str, kind: AccountKind, tao: Tao) -> AccountId {
        self.record(Input::Join { name: name.to_string(), kind, tao, source: None });
        self.world.add_account(name, kind, tao)
    }

    /// Queues an order for the next block.
    pub fn submit(&mut self, account: AccountId, order: Order) {
        self.record(Input::Order { account, order: order.clone() });
        self.world.submit(account, order);
    }

    /// Withdraws `account`'s orders queued for the next block, from the world and from
    /// the recording alike (a replay never sees them); returns how many.
    pub fn cancel_orders(&mut self, account: AccountId) -> usize {
        let block = self.world.block;
        if let Some(r) = self.recording.as_mut() {
            r.drop_orders(block, account);
        }
        self.world.unqueue(account)
    }

    /// Applies a map event now, on behalf of a host (a teacher's trigger); it is logged
    /// and recorded.
    pub fn trigger(&mut self, kind: EventKind) {
        self.record(Input::Event(kind.clone()));
        self.world.apply_event(&kind);
        let text = match &kind {
            EventKind::Narrate(t) => t.clone(),
            other => format!("host: {other}"),
        };
        self.push_log(self.world.block, "map".into(), text);
    }

    /// Counts a fault against an account (a bot's lost turn) and logs it.
    fn fault(&mut self, account: AccountId, text: &str) {
        self.record(Input::Fault { account, text: text.to_string() });
        if let Some(a) = self.world.accounts.get_mut(account.index()) {
            a.faults += 1;
        }
        let who = self.world.account(account).map(|a| a.name.clone()).unwrap_or_default();
        self.push_log(self.world.block, who, text.to_string());
    }

    /// A bot's log line, kept (logged and recorded) while the bot's lines this match
    /// stay within [`MAX_LOG_BYTES_PER_MATCH`]; the first line past it is replaced by
    /// [`LOG_LIMIT_NOTE`], and the later ones are dropped.
    fn bot_log(&mut self, account: AccountId, text: &str) {
        let used = self.log_bytes.entry(account).or_insert(0);
        if *used >= MAX_LOG_BYTES_PER_MATCH {
            return;
        }
        let text = if *used + text.len() <= MAX_LOG_BYTES_PER_MATCH {
            *used += text.len();
            text
        } else {
            *used = MAX_LOG_BYTES_PER_MATCH;
            LOG_LIMIT_NOTE
        };
        self.record(Input::Log { account, text: text.to_string() });
        let who = self.world.account(account).map(|a| a.name.clone()).unwrap_or_default();
        self.push_log(self.world.block, who, text.to_string());
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

    /// How seat `k`'s bot fared with faults: how many, whether it forfeited, and its
    /// first fault as the log has it (`[block B] fault: ...`), if the log still holds it.
    #[must_use]
    pub fn seat_faults(&self, k: usize) -> SeatFaults {
        let Some(seat) = self.seats.get(k) else { return SeatFaults::default() };
        SeatFaults {
            faults: self.world.account(seat.account).map_or(0, |a| a.faults),
            forfeited: seat.actor.forfeited(),
            wall_clock: seat.actor.wall_clock_faults(),
            first: self
                .log
                .iter()
                .find(|l| l.who == seat.name && l.text.starts_with("fault"))
                .map(|l| format!("[block {}] {}", l.block, l.text)),
        }
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
        self.log.push(LogLine { block, who: crate::text::printable(who), text: crate::text::printable(text) });
    }

    /// Runs one block, then lets the bots whose cadence falls on it decide; their
    /// orders queue for the next block.
    ///
    /// # Errors
    /// An engine overflow (see [`EngineError`]).
    pub fn step(&mut self) -> Result<(), EngineError> {
        let b = self.world.block;
        self.world.step()?;
        self.check_point();
        let newly = self.objectives.observe(&self.world, self.world.block >= self.end_block);
        self.collect_events(b);
        // Reached objectives go to the log too (the game's toast is gone in seconds).
        for (k, who) in newly {
            let Some(text) = self.map.objectives.get(k).map(|o| o.text.clone()) else { continue };
            let who = who.and_then(|h| self.world.account(h)).map_or_else(|| "map".to_string(), |a| a.name.clone());
            self.push_log(b, who, format!("{OBJECTIVE_REACHED}{text}"));
        }
        for k in 0..self.seats.len() {
            let seat = &mut self.seats[k];
            if seat.actor.forfeited() || b % seat.actor.cadence().max(1) != 0 {
                continue;
            }
            let results = std::mem::take(&mut seat.results);
            let d = seat.actor.decide(&self.world, seat.account, &results);
            self.apply_decision(k, d, false);
        }
        if let Err(e) = self.feed_now() {
            // Only a bot joining mid-match can fail here: it stays out, and says why.
            self.push_log(self.world.block, "map".into(), format!("the recording {e}"));
        }
        Ok(())
    }

    /// Takes or checks the state hash right after a block ran, every `hash_every`
    /// blocks.
    fn check_point(&mut self) {
        let block = self.world.block;
        let every = self.recording.as_ref().map(|r| r.header.hash_every);
        let due = self.feed.as_ref().and_then(|f| f.checkpoints.get(f.next_check)).is_some_and(|c| c.block == block);
        if !due && every.is_none_or(|e| block % e != 0) {
            return;
        }
        let hash = self.world.state_hash();
        if let Some(r) = self.recording.as_mut().filter(|r| block % r.header.hash_every == 0) {
            r.checkpoint(block, hash);
        }
        if let Some(f) = self.feed.as_mut().filter(|_| due) {
            if f.checkpoints[f.next_check].hash == hash {
                f.last_good = Some(block);
            } else if self.divergence.is_none() {
                self.divergence = Some(Divergence { block, last_good: f.last_good, at_end: false });
            }
            f.next_check += 1;
        }
    }

    /// Logs a seat's decision (`init`: the one its `init` made), counts its fault or
    /// queues its orders.
    fn apply_decision(&mut self, k: usize, d: Decision, init: bool) {
        let account = self.seats[k].account;
        for line in d.log {
            self.bot_log(account, &line);
        }
        match d.fault {
            Some(f) => {
                // A strategy forfeits at its fifth fault, or at once when it refuses to
                // play (its options are wrong).
                let faults = self.world.account(account).map_or(0, |a| a.faults) + 1;
                let forfeit = match self.seats[k].actor.forfeited() {
                    false => "",
                    true if faults >= crate::script::Limits::default().fault_limit => {
                        "; too many faults: it forfeits the match"
                    }
                    true => "; it forfeits the match",
                };
                // A fault in `init` loses no turn: its orders are dropped and it plays on.
                let what = match (init, forfeit.is_empty()) {
                    (true, true) => "in its init: its orders are dropped, and it plays on",
                    (true, false) => "in its init",
                    (false, _) => "turn lost",
                };
                self.fault(account, &format!("fault: {f} ({what}{forfeit})"));
            }
            None => {
                for o in d.orders {
                    self.submit(account, o);
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
                Event::Dissolved { netuid, name, paid, .. } => {
                    self.push_log(b, "map".into(), format!("SN{netuid} '{name}' dissolved to make room"));
                    // Each holder's payout, on its own line (the pool's TAO, pro rata).
                    for (account, alpha, tao) in paid {
                        let Some(a) = self.world.account(*account).filter(|a| a.kind != AccountKind::Npc) else {
                            continue;
                        };
                        let who = a.name.clone();
                        let text = format!(
                            "SN{netuid} dissolved: its {} alpha were paid out as {} TAO",
                            crate::engine::Alpha(*alpha),
                            crate::engine::Tao(*tao)
                        );
                        self.push_log(b, who, text);
                    }
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

/// A test match of three subnets (netuids 1 to 3) at a limit of three, so that a launch
/// prunes one, with two humans: `(session, ana, bob, the subnet a launch would prune)`.
#[cfg(test)]
pub(crate) fn pruning_match() -> (Session, AccountId, AccountId, crate::engine::Netuid) {
    use crate::engine::Tao;
    let mut map = crate::scenario::load("tutorial").expect("map");
    map.init = crate::engine::init::WorldInit::synthetic(3, 1);
    map.objectives.clear();
    map.init.params.subnet_limit = 3;
    map.init.params.network_immunity = 0;
    map.init.params.initial_lock = Tao(1_000_000_000);
    let mut s = Session::new(&map, None, Some(100)).expect("session");
    let ana = s.add_human("ana");
    let bob = s.add_human("bob");
    let victim = crate::engine::registry::prune_candidate(s.world()).expect("a subnet to prune");
    (s, ana, bob, victim)
}

#[cfg(test)]
mod tests {
    use super::Divergence;

    /// Logs one line of 8,000 bytes at every block.
    struct Chatty;
    impl super::Actor for Chatty {
        fn cadence(&self) -> u64 {
            1
        }
        fn decide(
            &mut self,
            _: &crate::engine::World,
            _: crate::engine::AccountId,
            _: &[crate::engine::Event],
        ) -> super::Decision {
            super::Decision { log: vec!["y".repeat(8000)], ..super::Decision::default() }
        }
    }

    #[test]
    fn a_chatty_bot_keeps_at_most_its_log_budget_and_its_recording_replays_the_same_log() {
        use super::{LOG_LIMIT_NOTE, MAX_LOG_BYTES_PER_MATCH, Session};
        let map = crate::scenario::load("tutorial").expect("map");
        let mut s = Session::new(&map, None, Some(400)).expect("session");
        s.start_recording(chrono::DateTime::from_timestamp(1_764_000_000, 0).expect("time"));
        let bot = s.add_bot("chatty", Box::new(Chatty));
        for _ in 0..300 {
            s.step().expect("step");
        }
        let lines = |s: &Session| -> Vec<String> {
            s.log().iter().filter(|l| l.who == "chatty").map(|l| l.text.clone()).collect()
        };
        let kept = lines(&s);
        // 131 lines of 8,000 bytes fit in 1 MiB; the next one is the note, then nothing.
        assert_eq!(kept.len(), MAX_LOG_BYTES_PER_MATCH / 8000 + 1, "{}", kept.len());
        assert_eq!(kept.last().map(String::as_str), Some(LOG_LIMIT_NOTE));
        assert_eq!(kept.iter().filter(|l| *l == LOG_LIMIT_NOTE).count(), 1);
        let rec = s.recording(chrono::Utc::now()).expect("recording");
        let logged: usize = rec
            .ticks
            .iter()
            .flat_map(|t| t.inputs.iter())
            .filter_map(|i| match i {
                crate::record::Input::Log { account, text } if *account == bot => Some(text.len()),
                _ => None,
            })
            .sum();
        assert!(logged <= MAX_LOG_BYTES_PER_MATCH + LOG_LIMIT_NOTE.len(), "{logged}");
        // The recording replays to the same log.
        let mut again = Session::from_recording(&rec, None).expect("loads");
        while again.world().block < 300 {
            again.step().expect("step");
        }
        assert_eq!(lines(&again), kept);
    }

    #[test]
    fn a_dissolution_tells_each_holder_what_it_was_paid() {
        use crate::engine::{Mechanism, Order, Tao};
        let (mut s, ana, bob, victim) = super::pruning_match();
        s.submit(ana, Order::Stake { netuid: victim, tao: Tao(10_000_000_000), limit: None });
        s.step().expect("step");
        s.submit(bob, Order::LaunchSubnet { name: "Mine".into(), mechanism: Mechanism::Utility });
        s.step().expect("step");
        let lines: Vec<String> = s.log().iter().filter(|l| l.who == "ana").map(|l| l.text.clone()).collect();
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with(&format!("SN{victim} dissolved: its ")) && l.contains("alpha were paid out as")),
            "{lines:#?}"
        );
    }

    #[test]
    fn a_divergence_says_where_the_match_went_apart_or_that_only_the_final_hash_is_off() {
        let d = Divergence { block: 7200, last_good: Some(5760), at_end: true };
        assert_eq!(
            d.to_string(),
            "the final state at block 7200 differs from the recording (it still agreed at block 5760, so the match \
             diverged in blocks 5760..7200)"
        );
        // Every checkpoint agreed, the one at the final block too.
        let d = Divergence { block: 7200, last_good: Some(7200), at_end: true };
        let s = d.to_string();
        assert!(s.contains("the file's final hash was changed or damaged") && !s.contains("7200..7200"), "{s}");
        let d = Divergence { block: 360, last_good: None, at_end: false };
        assert_eq!(d.to_string(), "the state at block 360 differs from the recording (the first checked block)");
    }
}
