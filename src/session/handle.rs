//! A running match on its own thread: the [`SessionHandle`] that front ends (the terminal
//! game, later replays and the shared-world server) talk to instead of the engine.
//!
//! The [`Session`] is *built* on the simulation thread by a setup closure, because Lua
//! states are not `Send`. The thread receives [`Command`]s over a channel and publishes
//! immutable [`Snapshot`]s: the public [`View`], the clock, recent log lines, the human's
//! fills and rejected orders with the engine's reasons, and downsampled chart
//! [`History`]. Publishing swaps one `Arc` under a mutex held for a pointer copy, so the
//! simulation never waits on drawing and drawing never waits on the simulation.
//!
//! The same thread plays replays ([`Setup::replay`]: seek, jump to the next mark, the
//! whole match's charts), pauses lessons at each narration ([`Setup::lesson`]), and
//! autosaves a recorded match ([`Setup::autosave`]).
//!
//! Uses `engine`, `record` and the rest of `session`; must not import `tui`, `cli` or
//! `net`.

pub mod replay;

use std::collections::{BTreeMap, VecDeque};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::{LogLine, Session};
use crate::engine::emission::{emission, until_next_halving};
use crate::engine::epoch::{self, Miner};
use crate::engine::init::EventKind;
use crate::engine::math::to_f64;
use crate::engine::params::BLOCKS_PER_DAY;
use crate::engine::pool::{PoolRules, sale_value};
use crate::engine::registry::prune_candidate;
use crate::engine::{AccountId, AccountKind, Event, Netuid, Order, Params, Policy, View, World};

/// Simulation speeds, in blocks per second, from one block to a day a second.
/// The top speed runs a simulated day a second (20 tempos).
pub const SPEEDS_BLOCKS_PER_SEC: &[u32] = &[1, 2, 5, 10, 30, 60, 120, 360, 720, 1440, 2880, 7200];
/// The speed a match starts at (an index into [`SPEEDS_BLOCKS_PER_SEC`]): 60 blocks/s.
pub const DEFAULT_SPEED_INDEX: usize = 5;
/// Points kept per chart series before its resolution is halved.
pub const HISTORY_POINTS: usize = 512;
/// Shortest time between two snapshots while the match runs.
const PUBLISH_PERIOD: Duration = Duration::from_millis(40);
/// How often a replica looks for its server's ticks while no command arrives.
const REMOTE_POLL: Duration = Duration::from_millis(10);
/// Longest stretch of simulation before the thread looks at its commands again.
const WORK_SLICE: Duration = Duration::from_millis(8);
/// Journal lines kept for the UI: trades, and everything else (map events, bots,
/// the player's orders, rejections), in two rings so trades never crowd the rest out.
const JOURNAL_LINES: usize = 400;
const JOURNAL_TRADES: usize = 400;
const NOTICES: usize = 40;
const TRADES_PER_SUBNET: usize = 24;
/// An NPC trade at least this large (TAO) is notable enough for the log.
const NOTABLE_TRADE_RAO: u64 = 20_000_000_000;

/// What a front end asks of the running match.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// Queue an order for the human player (it applies at the next block).
    Submit(Order),
    /// Withdraw the human player's orders queued for the next block (a local game; a
    /// shared world's orders are the server's as soon as they are sent).
    CancelOrders,
    /// Stop the clock.
    Pause,
    /// Start the clock.
    Resume,
    /// Pause if running, resume if paused.
    TogglePause,
    /// The next speed up.
    Faster,
    /// The next speed down.
    Slower,
    /// Choose a speed by index into [`SPEEDS_BLOCKS_PER_SEC`] (clamped).
    SetSpeed(usize),
    /// Run this many blocks now (works while paused).
    Step(u64),
    /// Publish the detail of this subnet (consensus, miners, trades) in each snapshot.
    Watch(Option<Netuid>),
    /// A replay: go to the state after this many blocks (clamped to the recording).
    Seek(u64),
    /// A replay: go to the end of the next marked block (narration, big trade, event).
    NextMark,
    /// A replay: go to the end of the previous marked block.
    PrevMark,
    /// Watching (a replay, or a spectator without a player): show this player's book
    /// (a human or a bot of the match).
    Follow(AccountId),
    /// Save now (a match with an autosave file).
    Save,
    /// Close the narration a lesson paused on, and resume.
    Dismiss,
    /// Stop the simulation thread.
    Quit,
}

/// The fixed facts of a match, known once it is set up.
#[derive(Clone, Debug, PartialEq)]
pub struct MatchInfo {
    /// Map name.
    pub map: String,
    /// One-line description of the map.
    pub description: String,
    /// The map's objectives for the player.
    pub objectives: Vec<crate::scenario::Objective>,
    /// A note for teachers, if the map has one.
    pub teacher_note: Option<String>,
    /// The match seed.
    pub seed: u64,
    /// Block 0's date.
    pub start_date: chrono::DateTime<chrono::Utc>,
    /// The block at which the match ends: for a replay, the match's planned end (its
    /// recording may stop before it: a save, a room ended early).
    pub end_block: u64,
    /// The human player's account, if there is one.
    pub human: Option<AccountId>,
    /// The bots' display names.
    pub bots: Vec<String>,
    /// Starting budget of every player, rao.
    pub start_rao: u64,
    /// Whether this is a replay (read-only: orders are refused).
    pub replay: bool,
    /// Whether narration pauses the match until dismissed.
    pub lesson: bool,
    /// The autosave file, if the match saves.
    pub save_path: Option<PathBuf>,
    /// A shared world's replica (a `join` client): the host runs the clock.
    pub shared: bool,
    /// A replay's players and bots who joined after block 0 (a workshop's late
    /// students), with the block they joined at, named as the world named them: the
    /// welcome box lists them after those present from the start.
    pub late_joins: Vec<(String, u64)>,
}

/// The players and bots a recording adds after block 0, in order, with the names the
/// world gives them ([`crate::engine::world::unique_name`]), counting the accounts of `w`,
/// the world at block 0.
fn late_joins(r: &crate::record::Recording, w: &World) -> Vec<(String, u64)> {
    let mut taken: std::collections::BTreeSet<String> = w.accounts.iter().map(|a| a.name.clone()).collect();
    let mut out = Vec::new();
    for t in r.ticks.iter().filter(|t| t.block > 0) {
        for i in &t.inputs {
            let crate::record::Input::Join { name, kind, .. } = i else { continue };
            let unique = crate::engine::world::unique_name(name, |n| taken.contains(n));
            taken.insert(unique.clone());
            if *kind != AccountKind::Npc {
                out.push((unique, t.block));
            }
        }
    }
    out
}

/// The Log's line for a validator's change of policy.
fn policy_line(netuid: Netuid, policy: Policy) -> String {
    format!("sets {policy} on SN{netuid}: its validators now {}", policy.meaning())
}

/// A match ready to run, as the setup closure returns it.
pub struct Setup {
    /// The session, built on the simulation thread.
    pub session: Session,
    /// The account whose orders [`Command::Submit`] queues.
    pub human: Option<AccountId>,
    /// Save the (recording) session to this file every [`AUTOSAVE_PERIOD`], on
    /// [`Command::Save`] and when the thread stops; the previous save is kept as `.bak`.
    pub autosave: Option<PathBuf>,
    /// A replay: its recording (the session was made by `Session::from_recording(rec,
    /// None)`). Orders are refused; seeking and marks work.
    pub replay: Option<Arc<crate::record::Recording>>,
    /// Pause at every narration until [`Command::Dismiss`].
    pub lesson: bool,
    /// A replica of a match that runs elsewhere (a `join` client): the clock is the
    /// server's, blocks run as its ticks arrive, and the human's orders go to it.
    pub remote: Option<Remote>,
    /// Told `(block, end)` while a resumed save catches up (every
    /// [`CATCH_UP_PROGRESS_EVERY`] blocks and at its end), before the handle is ready.
    pub on_catch_up: Option<Box<dyn FnMut(u64, u64) + Send>>,
}

/// Blocks between two calls of [`Setup::on_catch_up`].
pub const CATCH_UP_PROGRESS_EVERY: u64 = 2_000;

impl Setup {
    /// A plain match: no autosave, no replay, no lesson pauses.
    #[must_use]
    pub fn new(session: Session, human: Option<AccountId>) -> Self {
        Self { session, human, autosave: None, replay: None, lesson: false, remote: None, on_catch_up: None }
    }
}

/// The link of a replica to the match it follows (the session was made by
/// `Session::follow`). Pause and speed commands are the host's, so they are ignored.
pub struct Remote {
    /// What the server sends, in order.
    pub inbox: Receiver<RemoteEvent>,
    /// Sends one of the human's orders to the server; `false` if it could not.
    pub outbox: Box<dyn FnMut(Order) -> bool + Send>,
}

/// What a replica receives from the match it follows.
#[derive(Clone, Debug)]
pub enum RemoteEvent {
    /// Inputs to apply, each group right before its block runs (increasing blocks),
    /// then run to `to_block`; the state must then hash to `hash`, if given.
    Tick {
        /// `(block, inputs)` groups.
        inputs: Vec<(u64, Vec<crate::record::Input>)>,
        /// Blocks run at the end of the tick.
        to_block: u64,
        /// The server's state hash at that point.
        hash: Option<crate::engine::hash::StateHash>,
        /// Whether the host has paused the clock.
        paused: bool,
        /// The server's speed, an index into [`SPEEDS_BLOCKS_PER_SEC`] (the nearest).
        speed_index: usize,
        /// The server's speed, blocks per second (the host may set any from 1 to 7,200).
        blocks_per_sec: u32,
    },
    /// A line from the server for the log (a dropped order, the final standings).
    Notice(String),
    /// A line about this game's own connection for the log (it dropped and is being
    /// made again, it is back): credited to the connection, not to the server.
    Link(String),
    /// The match ended on the server (its last block ran, or the host ended it): why,
    /// and who won if anyone played. The replica's match is over, whatever its block.
    End {
        /// Why, as the server says it ("the host ended the match").
        reason: String,
        /// The first of the final standings.
        winner: Option<String>,
    },
    /// The link ended: why (the match is over, the host kicked this player, the
    /// server went away).
    Closed(String),
    /// The link was lost and is being made again (`true`), or is back (`false`).
    Reconnecting(bool),
}

/// Wall time between two autosaves.
pub const AUTOSAVE_PERIOD: Duration = Duration::from_secs(30);

/// Blocks a replay's seek runs at least before its target (an hour of the match), so
/// that the Subnet screen's recent trades are there after a jump.
pub const SEEK_LOOKBACK: u64 = 300;

/// Why a match could not start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HandleError {
    /// The setup closure failed (a bad map, a strategy that does not load, ...).
    #[error("{0}")]
    Setup(String),
    /// The simulation thread could not be started or died during setup.
    #[error("the simulation thread failed: {0}")]
    Thread(String),
}

/// Options of the simulation thread.
#[derive(Clone, Copy, Debug)]
pub struct HandleOptions {
    /// Start paused.
    pub paused: bool,
    /// Starting speed, an index into [`SPEEDS_BLOCKS_PER_SEC`].
    pub speed_index: usize,
    /// Points per chart series before halving.
    pub history_points: usize,
}

impl Default for HandleOptions {
    fn default() -> Self {
        Self { paused: true, speed_index: DEFAULT_SPEED_INDEX, history_points: HISTORY_POINTS }
    }
}

/// A handle on a match running on its own thread. Dropping it stops the thread.
pub struct SessionHandle {
    tx: Sender<Command>,
    slot: Arc<Slot>,
    info: Arc<MatchInfo>,
    sent: u64,
    thread: Option<JoinHandle<()>>,
}

struct Slot {
    snap: Mutex<Arc<Snapshot>>,
    changed: Condvar,
}

impl SessionHandle {
    /// Starts a match: `setup` runs on the new simulation thread and builds the session
    /// there. Returns once the first snapshot is published.
    ///
    /// # Errors
    /// `setup` failed, or the thread could not start.
    pub fn spawn<F>(setup: F, options: HandleOptions) -> Result<Self, HandleError>
    where
        F: FnOnce() -> Result<Setup, String> + Send + 'static,
    {
        let (tx, rx) = mpsc::channel::<Command>();
        let (ready_tx, ready_rx) = mpsc::channel::<Result<(MatchInfo, Arc<Slot>), String>>();
        let thread = std::thread::Builder::new()
            .name("dtao-sim".into())
            .spawn(move || {
                let sim = match catch_unwind(AssertUnwindSafe(|| setup().and_then(|s| Sim::new(s, options)))) {
                    Ok(Ok(s)) => s,
                    Ok(Err(e)) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                    Err(p) => {
                        let _ = ready_tx.send(Err(format!("setup panicked: {}", panic_text(&*p))));
                        return;
                    }
                };
                let mut sim = sim;
                let first = Arc::new(sim.snapshot(0));
                let slot = Arc::new(Slot { snap: Mutex::new(first), changed: Condvar::new() });
                if ready_tx.send(Ok((sim.info.clone(), Arc::clone(&slot)))).is_err() {
                    return;
                }
                sim.slot = Some(Arc::clone(&slot));
                if let Err(p) = catch_unwind(AssertUnwindSafe(|| sim.run(&rx))) {
                    // The match cannot go on: say why in a last snapshot.
                    let mut g = slot.snap.lock().unwrap_or_else(PoisonError::into_inner);
                    let mut last = (**g).clone();
                    last.seq += 1;
                    last.stopped = true;
                    last.paused = true;
                    last.error = Some(format!("the simulation thread panicked: {}", panic_text(&*p)));
                    *g = Arc::new(last);
                    drop(g);
                    slot.changed.notify_all();
                }
            })
            .map_err(|e| HandleError::Thread(e.to_string()))?;
        match ready_rx.recv() {
            Ok(Ok((info, slot))) => Ok(Self { tx, slot, info: Arc::new(info), sent: 0, thread: Some(thread) }),
            Ok(Err(e)) => {
                let _ = thread.join();
                Err(HandleError::Setup(e))
            }
            Err(_) => {
                let _ = thread.join();
                Err(HandleError::Thread("it stopped before the match was set up".into()))
            }
        }
    }

    /// The fixed facts of the match.
    #[must_use]
    pub fn info(&self) -> Arc<MatchInfo> {
        Arc::clone(&self.info)
    }

    /// Sends a command; it is applied by the simulation thread as soon as it looks (at
    /// most a few milliseconds later). Returns `false` once the thread has stopped.
    pub fn send(&mut self, command: Command) -> bool {
        let ok = self.tx.send(command).is_ok();
        if ok {
            self.sent += 1;
        }
        ok
    }

    /// The latest snapshot (never waits on the simulation: the lock guards a pointer
    /// copy).
    #[must_use]
    pub fn latest(&self) -> Arc<Snapshot> {
        Arc::clone(&self.slot.snap.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Waits until every command sent so far has been applied and published, or until
    /// `timeout`; returns the latest snapshot either way. For tests and scripted
    /// drivers: an interactive front end polls [`SessionHandle::latest`] instead.
    #[must_use]
    pub fn sync(&self, timeout: Duration) -> Arc<Snapshot> {
        let deadline = Instant::now() + timeout;
        let mut guard = self.slot.snap.lock().unwrap_or_else(PoisonError::into_inner);
        while guard.acked < self.sent && !guard.stopped {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            guard = self.slot.changed.wait_timeout(guard, left).unwrap_or_else(PoisonError::into_inner).0;
        }
        Arc::clone(&guard)
    }

    /// Stops the simulation thread and waits for it.
    pub fn quit(&mut self) {
        let _ = self.tx.send(Command::Quit);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for SessionHandle {
    fn drop(&mut self) {
        self.quit();
    }
}

fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(ToString::to_string)
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

// ---------------------------------------------------------------------------------------
// Snapshot
// ---------------------------------------------------------------------------------------

/// Everything a front end shows, as of one block. Immutable; shared by `Arc`.
#[derive(Clone, Debug)]
pub struct Snapshot {
    /// Publication counter.
    pub seq: u64,
    /// Commands applied so far (see [`SessionHandle::sync`]).
    pub acked: u64,
    /// Whether the simulation thread has stopped.
    pub stopped: bool,
    /// The game clock.
    pub clock: chrono::DateTime<chrono::Utc>,
    /// Whether the match is over (the last block has run).
    pub over: bool,
    /// Whether the clock is stopped.
    pub paused: bool,
    /// Speed, an index into [`SPEEDS_BLOCKS_PER_SEC`].
    pub speed_index: usize,
    /// Speed, blocks per second: the game's speed, or a shared world's (which the host
    /// may set between the game's steps).
    pub blocks_per_sec: u32,
    /// The public picture of the world.
    pub view: View,
    /// The rule parameters now.
    pub params: Params,
    /// Pool rules for live quotes.
    pub pool_rules: PoolRules,
    /// Average root proportion of emitting subnets (the "SN0 share").
    pub average_root_prop: f64,
    /// TAO emitted per block now, rao.
    pub block_emission_rao: u64,
    /// TAO still to issue before the next halving, rao.
    pub until_halving_rao: Option<u64>,
    /// The subnet a launch at the limit would dissolve.
    pub prune_candidate: Option<Netuid>,
    /// Humans and bots, best score first.
    pub players: Vec<PlayerRow>,
    /// The human's book, if there is a human.
    pub me: Option<Book>,
    /// The human's orders waiting for the next block.
    pub pending: Vec<String>,
    /// What happened to the human's orders, newest last.
    pub notices: Vec<Notice>,
    /// Log lines, map events, bots' messages, notable trades, newest last.
    pub journal: Vec<JournalLine>,
    /// Chart series.
    pub history: Arc<History>,
    /// The watched subnet's detail.
    pub detail: Option<SubnetDetail>,
    /// Why the simulation stopped, if it failed.
    pub error: Option<String>,
    /// Why the server ended a shared world's match ("the host ended the match"), once
    /// it has.
    pub end_reason: Option<String>,
    /// Whether a shared world's link was lost and is being made again.
    pub reconnecting: bool,
    /// A replay's position and marks.
    pub replay: Option<Arc<ReplayStatus>>,
    /// The narration a lesson is paused on.
    pub narration: Option<JournalLine>,
    /// When each of the map's objectives was reached (by the human, for a goal about the
    /// player), in the map's order; `None` while open.
    pub objectives: Vec<Option<u64>>,
    /// The last save.
    pub saved: Option<SaveStatus>,
}

/// Where a replay is.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplayStatus {
    /// The recording's last block.
    pub end: u64,
    /// How far the background pass has indexed (seeks below it are quick).
    pub indexed_to: u64,
    /// Marks found so far, in block order.
    pub marks: Vec<replay::Mark>,
    /// Whether the replay has disagreed with a recorded state hash.
    pub diverged: Option<String>,
}

/// The outcome of the last save.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SaveStatus {
    /// The file.
    pub path: String,
    /// The block saved.
    pub block: u64,
    /// Why it failed, if it did.
    pub error: Option<String>,
    /// Saves so far in this game, this one included: two saves at one block differ.
    pub count: u64,
}

impl Snapshot {
    /// The block the world is at (blocks `0..block` have run).
    #[must_use]
    pub fn block(&self) -> u64 {
        self.view.block
    }
    /// Blocks per second at the current speed.
    #[must_use]
    pub fn blocks_per_sec(&self) -> u32 {
        self.blocks_per_sec
    }
}

/// The rank of the `k`-th row of a leaderboard sorted by score, largest first: equal
/// scores share the best rank among them (1, 2, 2, 4).
#[must_use]
pub fn rank(players: &[PlayerRow], k: usize) -> usize {
    rank_by(players, k, |p| p.score_rao)
}

/// [`rank`] for any rows sorted by `score`, largest first (the workshop's standings too).
#[must_use]
pub fn rank_by<T>(rows: &[T], k: usize, score: impl Fn(&T) -> u64) -> usize {
    let Some(s) = rows.get(k).map(&score) else { return 0 };
    rows[..k].iter().rposition(|r| score(r) != s).map_or(1, |j| j + 2)
}

/// A human or a bot on the leaderboard.
#[derive(Clone, Debug, PartialEq)]
pub struct PlayerRow {
    /// Account.
    pub id: AccountId,
    /// Name.
    pub name: String,
    /// Human or bot.
    pub kind: AccountKind,
    /// Score (free + root + positions sold alone), rao.
    pub score_rao: u64,
    /// Score over the starting value, minus one.
    pub roi: f64,
    /// Faults (bots' lost turns).
    pub faults: u32,
    /// Free TAO, rao.
    pub free_rao: u64,
    /// Root stake, rao.
    pub root_rao: u64,
}

/// A player's positions with cost basis and profit, and root dividends: the human's, or
/// in a replay the followed player's.
#[derive(Clone, Debug, PartialEq)]
pub struct Book {
    /// Whose book.
    pub id: AccountId,
    /// Their name.
    pub name: String,
    /// Human or bot.
    pub kind: AccountKind,
    /// Free TAO, rao.
    pub free_rao: u64,
    /// Root stake, rao.
    pub root_rao: u64,
    /// Root stake earned as dividends (not staked by an order), rao.
    pub root_dividends_rao: u64,
    /// Score, rao.
    pub score_rao: u64,
    /// Starting value, rao.
    pub start_rao: u64,
    /// Rank among humans and bots (1 = best).
    pub rank: usize,
    /// Positions, open or with realised profit, by netuid.
    pub positions: Vec<Position>,
    /// Subnets where the human holds a miner slot.
    pub miner_on: Vec<Netuid>,
    /// The human's validator policy where it is not `honest`.
    pub policies: Vec<(Netuid, Policy)>,
    /// Positions were already held when this book started being kept (a client that
    /// joined or rejoined a shared world mid-match): their cost is their value at that
    /// block, so profit counts from there.
    pub basis_from: Option<u64>,
}

/// One subnet position of the human.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Position {
    /// Subnet.
    pub netuid: Netuid,
    /// Subnet name.
    pub name: String,
    /// Alpha held, rao.
    pub alpha_rao: u64,
    /// What it would fetch sold alone now, fee included, rao.
    pub value_rao: u64,
    /// TAO paid for what is still held (average cost), rao.
    pub cost_rao: u64,
    /// Profit taken by selling, rao.
    pub realized_rao: i64,
    /// Alpha received as dividends or incentive over the match (kept once the position
    /// is closed, as its realised profit is), rao.
    pub earned_alpha_rao: u64,
}

impl Position {
    /// Unrealised profit, rao.
    #[must_use]
    pub fn unrealized_rao(&self) -> i64 {
        i64::try_from(i128::from(self.value_rao) - i128::from(self.cost_rao)).unwrap_or(0)
    }
}

/// What happened to one of the human's orders.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    /// Increasing id.
    pub id: u64,
    /// Block it was applied or rejected at.
    pub block: u64,
    /// Applied (`true`) or rejected.
    pub ok: bool,
    /// The order, as the engine spells it.
    pub order: String,
    /// What it did, or why it was rejected (the engine's reason).
    pub text: String,
}

/// What kind of line a journal line is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum JournalKind {
    /// A map event, a launch, a dissolution.
    Map,
    /// A bot's message or fault.
    Bot,
    /// A notable trade.
    Trade,
    /// The human's applied order.
    Mine,
    /// A rejected order (anyone's but the NPCs').
    Rejected,
}

/// One line of the journal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JournalLine {
    /// Block.
    pub block: u64,
    /// Kind.
    pub kind: JournalKind,
    /// Who (account name) or "map".
    pub who: String,
    /// Text.
    pub text: String,
}

impl JournalLine {
    /// The account the line is about, if any: not the map's story ("map"), nor the game's
    /// own notes about its connection, its server or a replay's jumps.
    #[must_use]
    pub fn actor(&self) -> Option<&str> {
        (!matches!(self.who.as_str(), "" | "map" | "connection" | "server" | "replay")).then_some(self.who.as_str())
    }
}

/// A trade on a subnet's pool.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trade {
    /// Block.
    pub block: u64,
    /// Account name.
    pub who: String,
    /// Account kind.
    pub kind: AccountKind,
    /// A buy (stake) or a sell.
    pub buy: bool,
    /// TAO paid or received, rao.
    pub tao_rao: u64,
    /// Alpha received or sold, rao.
    pub alpha_rao: u64,
}

/// Who holds a subnet's stake weight, and who mines it.
#[derive(Clone, Debug, PartialEq)]
pub struct SubnetDetail {
    /// Subnet.
    pub netuid: Netuid,
    /// Owner's name.
    pub owner: String,
    /// Validators by stake weight, largest first.
    pub holders: Vec<Holder>,
    /// Sum of the validators' alpha, rao.
    pub alpha_weight_rao: u64,
    /// Sum of the validators' `tau * root`, rao.
    pub root_weight_rao: u64,
    /// The account holding a majority of the stake weight, if any.
    pub controller: Option<String>,
    /// Miner slots.
    pub miners: Vec<MinerRow>,
    /// Alpha issued so far (in pool + outstanding), rao.
    pub alpha_issuance_rao: u64,
    /// Alpha still to issue before the subnet's next halving, rao.
    pub alpha_until_halving_rao: Option<u64>,
    /// Recent trades, newest last.
    pub trades: Vec<Trade>,
}

/// One validator of a subnet.
#[derive(Clone, Debug, PartialEq)]
pub struct Holder {
    /// Account.
    pub id: AccountId,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: AccountKind,
    /// Alpha held, rao.
    pub alpha_rao: u64,
    /// `tau * root stake`, rao.
    pub root_weight_rao: u64,
    /// Share of the validators' stake weight (0..1).
    pub share: f64,
    /// Its weight policy on the subnet.
    pub policy: Policy,
}

/// One miner slot of a subnet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MinerRow {
    /// "npc miner k" or the account's name.
    pub name: String,
    /// Quality (NPC slots; 0 for accounts).
    pub quality: u64,
    /// Alpha held, rao.
    pub alpha_rao: u64,
    /// Alpha sold this epoch window, rao.
    pub sold_rao: u64,
}

// ---------------------------------------------------------------------------------------
// History
// ---------------------------------------------------------------------------------------

/// Parallel chart series sampled at a common stride, `(block, value)` points. When a
/// series holds more than its cap, every other point goes and the stride doubles, so
/// memory stays bounded over any match length. The last point may be provisional (the
/// value now, between two strides): the next sample replaces it.
/// The chart series of the simulation thread keep the memory bound of `cap` points per
/// series whatever the match length.
#[derive(Clone, Debug, PartialEq)]
pub struct Lines {
    stride: u64,
    cap: usize,
    provisional: Vec<bool>,
    series: Vec<Vec<(f64, f64)>>,
}

impl Lines {
    /// `n` empty series of at most `cap` committed points each.
    #[must_use]
    pub fn new(n: usize, cap: usize) -> Self {
        Self { stride: 1, cap: cap.max(4), provisional: vec![false; n], series: vec![Vec::new(); n] }
    }

    /// Blocks between committed points.
    #[must_use]
    pub fn stride(&self) -> u64 {
        self.stride
    }

    /// Whether a sample at `block` would be committed.
    #[must_use]
    pub fn due(&self, block: u64) -> bool {
        block % self.stride == 0
    }

    /// Series `k`'s points, oldest first.
    #[must_use]
    pub fn series(&self, k: usize) -> &[(f64, f64)] {
        self.series.get(k).map_or(&[], Vec::as_slice)
    }

    /// Number of series.
    #[must_use]
    pub fn len(&self) -> usize {
        self.series.len()
    }

    /// Whether there are no series.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.series.is_empty()
    }

    /// Adds a series (a player joining); it starts empty.
    pub fn add_series(&mut self) {
        self.series.push(Vec::new());
        self.provisional.push(false);
    }

    /// Records the values at `block`: committed if the block falls on the stride,
    /// provisional otherwise. `values` has one value per series; a value that is not
    /// finite is not known yet and is skipped.
    #[allow(clippy::cast_precision_loss)]
    pub fn record(&mut self, block: u64, values: &[f64]) {
        let x = block as f64;
        let committed = self.due(block);
        for (k, (s, v)) in self.series.iter_mut().zip(values).enumerate() {
            if self.provisional[k] {
                s.pop();
                self.provisional[k] = false;
            }
            if !v.is_finite() {
                continue;
            }
            if s.last().is_some_and(|p| p.0 >= x) {
                s.pop();
            }
            s.push((x, *v));
            self.provisional[k] = !committed;
        }
        if committed && self.series.iter().any(|s| s.len() > self.cap) {
            let stride = self.stride.saturating_mul(2);
            for s in &mut self.series {
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                s.retain(|p| (p.0 as u64) % stride == 0);
            }
            self.stride = stride;
        }
    }
}

/// A subnet's chart series: price, moving price, emission share, root proportion.
#[derive(Clone, Debug, PartialEq)]
pub struct SubnetHistory {
    /// Registration block (a new subnet on a reused netuid starts a new history).
    pub registered_at: i64,
    /// Series 0: price, 1: moving price, 2: emission share, 3: root proportion.
    pub lines: Lines,
}

/// Series indices of [`SubnetHistory::lines`].
pub mod series {
    /// Spot price, TAO per alpha.
    pub const PRICE: usize = 0;
    /// Moving price.
    pub const MOVING: usize = 1;
    /// Emission share (0..1).
    pub const SHARE: usize = 2;
    /// Root proportion (0..1).
    pub const ROOT_PROP: usize = 3;
    /// Network series 0: average root proportion of emitting subnets.
    pub const AVG_ROOT_PROP: usize = 0;
    /// Network series 1: total issuance, TAO.
    pub const ISSUANCE: usize = 1;
    /// Network series 2: total root stake, TAO.
    pub const TOTAL_ROOT: usize = 2;
}

/// Every chart series of a match.
#[derive(Clone, Debug, PartialEq)]
pub struct History {
    /// Per subnet.
    pub subnets: BTreeMap<Netuid, SubnetHistory>,
    /// Average root proportion, total issuance, total root stake.
    pub network: Lines,
    /// Score (TAO) of each player, in the order of [`History::players`].
    pub scores: Lines,
    /// The players whose scores are charted, in account order.
    pub players: Vec<(AccountId, String)>,
    /// Accounts looked at for new players so far.
    scanned: usize,
}

impl History {
    fn new(cap: usize) -> Self {
        Self {
            subnets: BTreeMap::new(),
            network: Lines::new(3, cap),
            scores: Lines::new(0, cap),
            players: Vec::new(),
            scanned: 0,
        }
    }

    fn sample(&mut self, w: &World, cap: usize, force: bool) {
        let b = w.block;
        // Every human and bot gets a series, from the block it is first seen (players who
        // join a shared world later included).
        for a in w.accounts.get(self.scanned..).unwrap_or(&[]) {
            if a.kind != AccountKind::Npc && self.players.last().is_none_or(|(id, _)| a.id > *id) {
                self.players.push((a.id, a.name.clone()));
                self.scores.add_series();
            }
        }
        self.scanned = w.accounts.len();
        for s in w.subnets() {
            let h = self
                .subnets
                .entry(s.netuid)
                .or_insert_with(|| SubnetHistory { registered_at: s.registered_at, lines: Lines::new(4, cap) });
            if h.registered_at != s.registered_at {
                *h = SubnetHistory { registered_at: s.registered_at, lines: Lines::new(4, cap) };
            }
            if force || h.lines.due(b) {
                #[allow(clippy::cast_precision_loss)]
                // Unknown before the first block has emitted.
                let share = if s.last_block_emission == 0 {
                    f64::NAN
                } else {
                    s.last_emission as f64 / s.last_block_emission as f64
                };
                h.lines.record(b, &[to_f64(s.price()), to_f64(s.moving_price), share, to_f64(w.root_prop(s.netuid))]);
            }
        }
        self.subnets.retain(|n, _| w.subnet(*n).is_some());
        if force || self.network.due(b) {
            #[allow(clippy::cast_precision_loss)]
            let tao = |rao: u64| rao as f64 / 1e9;
            self.network.record(b, &[w.average_root_prop(), tao(w.total_issuance), tao(w.total_root)]);
        }
        if force || self.scores.due(b) {
            #[allow(clippy::cast_precision_loss)]
            let v: Vec<f64> = self.players.iter().map(|(id, _)| w.score(*id) as f64 / 1e9).collect();
            self.scores.record(b, &v);
        }
    }
}

// ---------------------------------------------------------------------------------------
// The simulation thread
// ---------------------------------------------------------------------------------------

/// The book of player `h` from the world, its view and the player's cost basis.
fn book(w: &World, view: &View, players: &[PlayerRow], h: AccountId, ledger: &Ledger) -> Option<Book> {
    let a = w.account(h)?;
    let mut positions = Vec::new();
    for s in &view.subnets {
        let n = usize::from(s.netuid);
        let alpha = a.alpha.get(n).copied().unwrap_or(0);
        let realized = ledger.realized.get(n).copied().unwrap_or(0);
        if alpha == 0 && realized == 0 {
            continue;
        }
        positions.push(Position {
            netuid: s.netuid,
            name: s.name.clone(),
            alpha_rao: alpha,
            value_rao: sale_value(s.tao_rao, s.alpha_in_rao, alpha, w.params.staking_fee.0),
            cost_rao: ledger.cost.get(n).copied().unwrap_or(0),
            realized_rao: realized,
            earned_alpha_rao: ledger.earned.get(n).copied().unwrap_or(0),
        });
    }
    // Positions on dissolved subnets keep their realised profit.
    positions.extend(ledger.closed.iter().map(|(netuid, name, realized)| Position {
        netuid: *netuid,
        name: format!("{name} (dissolved)"),
        realized_rao: *realized,
        ..Position::default()
    }));
    Some(Book {
        id: h,
        name: a.name.clone(),
        kind: a.kind,
        free_rao: a.free.0,
        root_rao: a.root.0,
        root_dividends_rao: ledger.root_dividends,
        score_rao: w.score(h),
        start_rao: a.start_value_rao,
        rank: players.iter().position(|p| p.id == h).map_or(0, |k| rank(players, k)),
        positions,
        miner_on: a
            .miner
            .iter()
            .enumerate()
            .filter(|(_, m)| **m)
            .filter_map(|(n, _)| Netuid::try_from(n).ok())
            .collect(),
        policies: a
            .policy
            .iter()
            .enumerate()
            .filter(|(n, p)| **p != Policy::Honest && w.subnet(Netuid::try_from(*n).unwrap_or(0)).is_some())
            .filter_map(|(n, p)| Netuid::try_from(n).ok().map(|n| (n, *p)))
            .collect(),
        basis_from: ledger.basis_from,
    })
}

/// Cost basis of the human's positions, kept from the human's fills.
#[derive(Clone, Default)]
struct Ledger {
    alpha_prev: Vec<u64>,
    root_prev: u64,
    cost: Vec<u64>,
    realized: Vec<i64>,
    earned: Vec<u64>,
    root_dividends: u64,
    /// The block the ledger started at, if positions were held then.
    basis_from: Option<u64>,
    /// Positions on subnets since dissolved: netuid, name, realised profit (sales before
    /// and the payout, less the cost). Kept apart, since a launch may reuse the netuid.
    closed: Vec<(Netuid, String, i64)>,
}

impl Ledger {
    /// A ledger that starts from what `me` holds now. What was bought before is unknown
    /// here, so a position held now costs what it would fetch now: its profit counts
    /// from this block (rather than its whole value showing as profit).
    fn starting(w: &World, me: Option<AccountId>) -> Self {
        let mut l = Self::default();
        if let Some(a) = me.and_then(|h| w.account(h)) {
            l.alpha_prev.clone_from(&a.alpha);
            l.root_prev = a.root.0;
            l.cost = a
                .alpha
                .iter()
                .enumerate()
                .map(|(n, x)| {
                    let pool = Netuid::try_from(n).ok().and_then(|n| w.subnet(n));
                    pool.map_or(0, |s| sale_value(s.tao, s.alpha_in, *x, w.params.staking_fee.0))
                })
                .collect();
            if a.alpha.iter().any(|x| *x > 0) {
                l.basis_from = Some(w.block);
            }
        }
        l
    }

    fn fit(&mut self, n: usize) {
        for v in [&mut self.alpha_prev, &mut self.cost, &mut self.earned] {
            if v.len() < n {
                v.resize(n, 0);
            }
        }
        if self.realized.len() < n {
            self.realized.resize(n, 0);
        }
    }

    /// Closes the position on a dissolved subnet `netuid` (`n`, its index), whose alpha
    /// `me` was paid for as `paid`: what it realised moves to [`Ledger::closed`].
    fn close(&mut self, netuid: Netuid, name: &str, paid: &[(AccountId, u64, u64)], me: AccountId) {
        let n = usize::from(netuid);
        let got = paid.iter().find(|p| p.0 == me).map(|p| p.2);
        let (cost, before) = (std::mem::take(&mut self.cost[n]), std::mem::take(&mut self.realized[n]));
        self.earned[n] = 0;
        if got.is_some() || before != 0 || cost > 0 {
            let payout = i64::try_from(i128::from(got.unwrap_or(0)) - i128::from(cost)).unwrap_or(0);
            self.closed.push((netuid, name.to_string(), before.saturating_add(payout)));
        }
    }

    /// Takes the block's fills of `me` and attributes every other change of its alpha
    /// and root stake to dividends.
    fn update(&mut self, w: &World, me: AccountId) {
        let Some(a) = w.account(me) else { return };
        self.fit(a.alpha.len());
        let mine = |e: &Event| matches!(e, Event::Applied { account, .. } if *account == me);
        if !w.events().iter().any(mine) {
            for e in w.events() {
                if let Event::Dissolved { netuid, name, paid, .. } = e {
                    self.close(*netuid, name, paid, me);
                    self.alpha_prev[usize::from(*netuid)] = 0;
                }
            }
            if a.root.0 == self.root_prev && self.alpha_prev.get(..a.alpha.len()) == Some(a.alpha.as_slice()) {
                // Nothing moved (most blocks between epochs): a replay or a spectator
                // keeps every player's ledger, so this is the common case.
                return;
            }
            // No fill this block (nearly every block): any change is a dividend.
            for (n, now) in a.alpha.iter().enumerate() {
                self.earned[n] = self.earned[n].saturating_add(now.saturating_sub(self.alpha_prev[n]));
                if *now == 0 {
                    self.cost[n] = 0;
                }
            }
            self.root_dividends = self.root_dividends.saturating_add(a.root.0.saturating_sub(self.root_prev));
            self.alpha_prev.clone_from(&a.alpha);
            self.root_prev = a.root.0;
            return;
        }
        let mut run = self.alpha_prev.clone();
        let mut root = self.root_prev;
        let take = |cost: &mut u64, held: u64, x: u64| -> u64 {
            if held == 0 {
                return std::mem::take(cost);
            }
            let c = u64::try_from(u128::from(*cost) * u128::from(x.min(held)) / u128::from(held)).unwrap_or(*cost);
            *cost -= c.min(*cost);
            c
        };
        let gain = |got: u64, c: u64| i64::try_from(i128::from(got) - i128::from(c)).unwrap_or(0);
        for e in w.events() {
            if let Event::Dissolved { netuid, name, paid, .. } = e {
                self.close(*netuid, name, paid, me);
                run[usize::from(*netuid)] = 0;
                continue;
            }
            let Event::Applied { account, order, fill, .. } = e else { continue };
            if *account != me {
                continue;
            }
            match order {
                Order::Stake { netuid, .. } => {
                    let n = usize::from(*netuid);
                    self.cost[n] = self.cost[n].saturating_add(fill.tao_in_rao);
                    run[n] = run[n].saturating_add(fill.alpha_in_rao);
                }
                Order::Unstake { netuid, .. } | Order::Dump { netuid: Some(netuid) } => {
                    let n = usize::from(*netuid);
                    let c = take(&mut self.cost[n], run[n], fill.alpha_out_rao);
                    self.realized[n] = self.realized[n].saturating_add(gain(fill.tao_out_rao, c));
                    run[n] = run[n].saturating_sub(fill.alpha_out_rao);
                }
                Order::Dump { netuid: None } => {
                    // One fill for every subnet: split the TAO by each position's value now.
                    let values: Vec<u64> = (0..run.len())
                        .map(|n| {
                            w.subnet(Netuid::try_from(n).unwrap_or(0))
                                .map_or(0, |s| sale_value(s.tao, s.alpha_in, run[n], w.params.staking_fee.0))
                        })
                        .collect();
                    let total: u128 = values.iter().map(|v| u128::from(*v)).sum();
                    for n in 0..run.len() {
                        if run[n] == 0 {
                            continue;
                        }
                        let got = (u128::from(fill.tao_out_rao) * u128::from(values[n]))
                            .checked_div(total)
                            .and_then(|v| u64::try_from(v).ok())
                            .unwrap_or(0);
                        let c = std::mem::take(&mut self.cost[n]);
                        self.realized[n] = self.realized[n].saturating_add(gain(got, c));
                        run[n] = 0;
                    }
                }
                // A sale then a purchase through TAO (as the rules define a move): the
                // sale realises its profit or loss, and the new position costs what it paid.
                Order::Move { from, to, .. } => {
                    let (f, t) = (usize::from(*from), usize::from(*to));
                    let c = take(&mut self.cost[f], run[f], fill.alpha_out_rao);
                    self.realized[f] = self.realized[f].saturating_add(gain(fill.tao_out_rao, c));
                    run[f] = run[f].saturating_sub(fill.alpha_out_rao);
                    self.cost[t] = self.cost[t].saturating_add(fill.tao_in_rao);
                    run[t] = run[t].saturating_add(fill.alpha_in_rao);
                }
                Order::StakeRoot { .. } => root = root.saturating_add(fill.tao_in_rao),
                Order::UnstakeRoot { .. } => root = root.saturating_sub(fill.tao_out_rao),
                _ => {}
            }
        }
        for (n, now) in a.alpha.iter().enumerate() {
            self.earned[n] = self.earned[n].saturating_add(now.saturating_sub(run[n]));
            // A closed position has no cost left; what it earned and realised stays, on
            // its row, as the match's record of it.
            if *now == 0 {
                self.cost[n] = 0;
            }
        }
        self.root_dividends = self.root_dividends.saturating_add(a.root.0.saturating_sub(root));
        self.alpha_prev.clone_from(&a.alpha);
        self.root_prev = a.root.0;
    }
}

/// The cost basis of several players.
#[derive(Clone)]
struct Ledgers {
    tracked: Tracked,
    by_account: BTreeMap<AccountId, Ledger>,
}

/// Whose cost basis is kept.
#[derive(Clone, Copy)]
enum Tracked {
    /// A game's human.
    Human(Option<AccountId>),
    /// Every human and bot, those who join later included (a replay or a spectator,
    /// which can follow any of them).
    Players,
}

impl Ledgers {
    fn starting(w: &World, tracked: Tracked) -> Self {
        let mut l = Self { tracked, by_account: BTreeMap::new() };
        l.each(w, |l, id| *l = Ledger::starting(w, Some(id)));
        l
    }

    fn each(&mut self, w: &World, mut f: impl FnMut(&mut Ledger, AccountId)) {
        match self.tracked {
            Tracked::Human(None) => {}
            Tracked::Human(Some(id)) => f(self.by_account.entry(id).or_default(), id),
            Tracked::Players => {
                for a in w.accounts.iter().filter(|a| a.kind != AccountKind::Npc) {
                    f(self.by_account.entry(a.id).or_default(), a.id);
                }
            }
        }
    }

    /// Takes the block's fills of every tracked player (one who just joined starts
    /// with nothing).
    fn update(&mut self, w: &World) {
        self.each(w, |l, id| l.update(w, id));
    }

    fn get(&self, id: AccountId) -> Option<&Ledger> {
        self.by_account.get(&id)
    }
}

struct Sim {
    session: Session,
    info: MatchInfo,
    options: HandleOptions,
    slot: Option<Arc<Slot>>,
    paused: bool,
    speed: usize,
    watch: Option<Netuid>,
    acked: u64,
    seq: u64,
    history: History,
    /// The cost basis of each tracked player: the human in a game; every human and bot
    /// in a replay or for a spectator (any of them can be followed).
    ledgers: Ledgers,
    /// Whose book the snapshots show.
    followed: Option<AccountId>,
    notices: VecDeque<Notice>,
    notice_id: u64,
    journal: VecDeque<(u64, JournalLine)>,
    journal_trades: VecDeque<(u64, JournalLine)>,
    /// The validator policy each account last set on each subnet, as seen here (a change
    /// goes to the journal; unseen means honest, the default).
    policies: std::collections::BTreeMap<(AccountId, Netuid), crate::engine::Policy>,
    journal_seq: u64,
    trades: BTreeMap<Netuid, VecDeque<Trade>>,
    log_seen: usize,
    log_last: Option<LogLine>,
    error: Option<String>,
    stopped: bool,
    autosave: Option<PathBuf>,
    last_save: Instant,
    saved: Option<SaveStatus>,
    replay: Option<Replay>,
    lesson: bool,
    narration: Option<JournalLine>,
    /// The charts are the whole match's (a fully indexed replay): no more sampling.
    history_fixed: bool,
    remote: Option<Remote>,
    /// A shared world the server ended (before its last block, when the host ends it).
    remote_ended: bool,
    /// Why the server ended it.
    remote_end_reason: Option<String>,
    reconnecting: bool,
    /// A shared world's speed, as its last tick said.
    remote_bps: Option<u32>,
}

/// A replay's seek state.
struct Replay {
    rec: Arc<crate::record::Recording>,
    index: Option<Receiver<replay::Indexed>>,
    /// Snapshots to seek from, with the players' cost basis at that block.
    forks: Vec<(u64, crate::session::Fork, Ledgers)>,
    /// The whole match's charts, once indexed.
    full_history: Option<History>,
    status: Arc<ReplayStatus>,
}

impl Sim {
    /// The match ready to run. A resumed save catches up here, block by block, so its
    /// charts, journal and cost basis are those of the whole match.
    fn new(setup: Setup, options: HandleOptions) -> Result<Self, String> {
        let Setup { session, human, autosave, replay: replay_rec, lesson, remote, mut on_catch_up } = setup;
        let map = session.map();
        let w = session.world();
        let info = MatchInfo {
            map: w.map.clone(),
            description: map.description.clone(),
            objectives: map.objectives.clone(),
            teacher_note: map.teacher_note.clone(),
            seed: w.seed,
            start_date: map.start_date,
            // A replay's session ends with its recording; the match may have gone on.
            end_block: replay_rec.as_ref().map_or(session.end_block(), |r| r.header.end_block),
            human,
            bots: if replay_rec.is_some() {
                w.accounts.iter().filter(|a| a.kind == AccountKind::Bot).map(|a| a.name.clone()).collect()
            } else {
                session.seats().iter().map(|s| s.name.clone()).collect()
            },
            start_rao: map.start_tao.0,
            replay: replay_rec.is_some(),
            lesson,
            save_path: autosave.clone(),
            shared: remote.is_some(),
            late_joins: replay_rec.as_ref().map_or_else(Vec::new, |r| late_joins(r, w)),
        };
        let mut history = History::new(options.history_points);
        let replay = replay_rec.map(|rec| {
            let end = rec.block;
            Replay {
                index: Some(replay::spawn(Arc::clone(&rec), options.history_points)),
                rec,
                forks: Vec::new(),
                full_history: None,
                status: Arc::new(ReplayStatus { end, indexed_to: 0, marks: Vec::new(), diverged: None }),
            }
        });
        // The charted players are found by sampling (every human and bot, in account order).
        history.sample(w, options.history_points, true);
        // Watching (a replay, or a spectator without a player) can follow anyone.
        let watching = replay.is_some() || human.is_none();
        let ledgers = Ledgers::starting(w, if watching { Tracked::Players } else { Tracked::Human(human) });
        // A replay follows its human, or else its first bot.
        let followed = human.or_else(|| {
            replay.as_ref().and_then(|_| w.accounts.iter().find(|a| a.kind != AccountKind::Npc).map(|a| a.id))
        });
        let mut sim = Self {
            session,
            info,
            options,
            slot: None,
            paused: options.paused,
            speed: options.speed_index.min(SPEEDS_BLOCKS_PER_SEC.len() - 1),
            watch: None,
            acked: 0,
            seq: 0,
            history,
            ledgers,
            followed,
            notices: VecDeque::new(),
            notice_id: 0,
            journal: VecDeque::new(),
            journal_trades: VecDeque::new(),
            policies: std::collections::BTreeMap::new(),
            journal_seq: 0,
            trades: BTreeMap::new(),
            log_seen: 0,
            log_last: None,
            error: None,
            stopped: false,
            autosave,
            last_save: Instant::now(),
            saved: None,
            replay,
            lesson,
            narration: None,
            history_fixed: false,
            remote,
            remote_ended: false,
            remote_end_reason: None,
            reconnecting: false,
            remote_bps: None,
        };
        if let Some(f) = sim.replay.is_some().then(|| sim.session.fork()).flatten() {
            if let Some(r) = sim.replay.as_mut() {
                r.forks.push((sim.session.world().block, f, sim.ledgers.clone()));
            }
        }
        if let Some(end) = sim.session.catching_up() {
            while sim.session.world().block < end && sim.error.is_none() && sim.session.divergence().is_none() {
                sim.step();
                let b = sim.session.world().block;
                if let Some(f) = on_catch_up.as_mut().filter(|_| b % CATCH_UP_PROGRESS_EVERY == 0 || b == end) {
                    f(b, end);
                }
            }
            if let Some(e) = sim.error.take() {
                return Err(e);
            }
            sim.session.finish_catch_up().map_err(|e| {
                if sim.remote.is_some() { format!("the match does not load here: {e}") } else { e.to_string() }
            })?;
            // A lesson saved on a narration (quit while it was open) shows it again.
            sim.narration = None;
            sim.narrate_last_block();
            sim.notices.clear();
        }
        sim.take_log();
        Ok(sim)
    }

    fn period(&self) -> Duration {
        Duration::from_secs(1) / SPEEDS_BLOCKS_PER_SEC.get(self.speed).copied().unwrap_or(1)
    }

    fn running(&self) -> bool {
        // A replica never runs on its own, not even once its server has gone.
        self.remote.is_none()
            && !self.remote_ended
            && !self.paused
            && !self.session.is_over()
            && self.error.is_none()
            && self.narration.is_none()
    }

    /// A replica runs what its server sent; `true` if anything changed.
    fn poll_remote(&mut self) -> bool {
        let mut changed = false;
        loop {
            let Some(r) = self.remote.as_ref() else { return changed };
            let event = match r.inbox.try_recv() {
                Ok(e) => e,
                Err(mpsc::TryRecvError::Empty) => return changed,
                Err(mpsc::TryRecvError::Disconnected) => {
                    RemoteEvent::Closed("the connection to the server ended".into())
                }
            };
            changed = true;
            match event {
                RemoteEvent::Tick { inputs, to_block, hash, paused, speed_index, blocks_per_sec } => {
                    let (now, end) = (self.session.world().block, self.session.end_block());
                    if let Some(what) = super::tick_problem(now, end, inputs.iter().map(|(b, _)| *b), to_block) {
                        self.error.get_or_insert_with(|| format!("the server broke the protocol: {what}"));
                        continue;
                    }
                    self.paused = paused;
                    self.speed = speed_index.min(SPEEDS_BLOCKS_PER_SEC.len() - 1);
                    self.remote_bps = Some(blocks_per_sec);
                    for (block, group) in inputs {
                        self.run_until(block);
                        for i in &group {
                            if let Err(e) = self.session.apply_input(i) {
                                self.error.get_or_insert_with(|| e.to_string());
                            }
                        }
                    }
                    self.run_until(to_block);
                    let own = self.session.world().state_hash();
                    if hash.is_some_and(|h| h != own) && self.error.is_none() {
                        self.error = Some(format!(
                            "this game is out of step with the server at block {to_block}; join again to catch up"
                        ));
                    }
                }
                RemoteEvent::Notice(text) => {
                    // What the server tells a player is about its own orders ("at most 10
                    // orders a second: an order was dropped"): a dropped order is rejected.
                    let block = self.session.world().block;
                    let kind = if text.contains("dropped") { JournalKind::Rejected } else { JournalKind::Map };
                    self.push_journal(JournalLine { block, kind, who: "server".into(), text });
                }
                RemoteEvent::Link(text) => {
                    let block = self.session.world().block;
                    self.push_journal(JournalLine { block, kind: JournalKind::Map, who: "connection".into(), text });
                }
                RemoteEvent::Reconnecting(on) => self.reconnecting = on,
                RemoteEvent::End { reason, winner } => {
                    self.remote_ended = true;
                    let text = match winner {
                        Some(w) => format!("{reason}: {w} wins"),
                        None => reason.clone(),
                    };
                    self.remote_end_reason = Some(reason);
                    let block = self.session.world().block;
                    self.push_journal(JournalLine { block, kind: JournalKind::Map, who: "server".into(), text });
                }
                RemoteEvent::Closed(why) => {
                    if !self.session.is_over() && !self.remote_ended {
                        self.error.get_or_insert(why);
                    }
                    self.remote = None;
                    self.paused = true;
                    return true;
                }
            }
        }
    }

    /// Runs blocks until the world is at `block` (a replica following its server).
    fn run_until(&mut self, block: u64) {
        while self.session.world().block < block && self.error.is_none() {
            self.step();
        }
    }

    fn run(&mut self, rx: &Receiver<Command>) {
        let mut next_due = Instant::now();
        let mut last_publish = Instant::now();
        let mut dirty = false;
        let mut saved_block = self.session.world().block;
        loop {
            dirty |= self.poll_index();
            if self.autosave.is_some()
                && self.last_save.elapsed() >= AUTOSAVE_PERIOD
                && saved_block != self.session.world().block
            {
                saved_block = self.session.world().block;
                self.save();
                dirty = true;
            }
            let now = Instant::now();
            let idle = if self.replay.as_ref().is_some_and(|r| r.index.is_some()) {
                Duration::from_millis(100)
            } else {
                Duration::from_millis(500)
            };
            let timeout = if self.running() {
                next_due.saturating_duration_since(now).min(PUBLISH_PERIOD)
            } else if dirty {
                Duration::ZERO
            } else if self.remote.is_some() {
                REMOTE_POLL
            } else {
                idle
            };
            let mut commanded = false;
            match rx.recv_timeout(timeout) {
                Ok(c) => {
                    if !self.apply(c) {
                        break;
                    }
                    commanded = true;
                    while let Ok(c) = rx.try_recv() {
                        if !self.apply(c) {
                            self.stop();
                            return;
                        }
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
            dirty |= self.poll_remote();
            if commanded && self.running() && next_due < Instant::now() {
                // Resumed or sped up: start the clock from now, do not catch up.
                next_due = next_due.max(Instant::now().checked_sub(self.period()).unwrap_or_else(Instant::now));
            }
            if self.running() {
                let start = Instant::now();
                let period = self.period();
                while self.running() && next_due <= Instant::now() && start.elapsed() < WORK_SLICE {
                    self.step();
                    next_due += period;
                    dirty = true;
                }
                // The clock stops at the end: a replay taken back from there waits for
                // space instead of playing on by itself.
                if self.session.is_over() {
                    self.paused = true;
                }
                // Falling behind (a slow machine at top speed): drop the debt.
                if Instant::now().saturating_duration_since(next_due) > Duration::from_millis(250) {
                    next_due = Instant::now();
                }
            } else {
                next_due = Instant::now();
            }
            if commanded || (dirty && last_publish.elapsed() >= PUBLISH_PERIOD) {
                self.publish();
                last_publish = Instant::now();
                dirty = false;
            }
        }
        self.stop();
    }

    fn stop(&mut self) {
        self.stopped = true;
        self.paused = true;
        // A new match quit before its first block has nothing to keep.
        if self.session.world().block > 0 || self.saved.is_some() {
            self.save();
        }
        self.publish();
    }

    /// Writes the recording so far to the autosave file (if there is one).
    fn save(&mut self) {
        let Some(path) = self.autosave.clone() else { return };
        let block = self.session.world().block;
        let result = match self.session.recording(chrono::Utc::now()) {
            Some(r) => crate::record::fs::write_with_backup(&path, &crate::record::wire::encode(&r))
                .map_err(|e| format!("cannot save: {e}")),
            None => Err("this match is not recorded, so it cannot be saved".into()),
        };
        let count = self.saved.as_ref().map_or(0, |s| s.count) + 1;
        self.saved = Some(SaveStatus { path: path.display().to_string(), block, error: result.err(), count });
        self.last_save = Instant::now();
    }

    /// Takes what the replay's background pass has found; `true` if anything changed.
    fn poll_index(&mut self) -> bool {
        let Some(r) = self.replay.as_mut() else { return false };
        let Some(rx) = &r.index else { return false };
        let mut changed = false;
        loop {
            match rx.try_recv() {
                Ok(replay::Indexed::Fork(b, f, l)) => {
                    if r.forks.last().is_none_or(|(x, ..)| *x < b) {
                        r.forks.push((b, *f, *l));
                    }
                }
                Ok(replay::Indexed::Progress(marks, to)) => {
                    let st = Arc::make_mut(&mut r.status);
                    st.marks.extend(marks);
                    st.indexed_to = to;
                    changed = true;
                }
                Ok(replay::Indexed::Done(h)) => {
                    r.full_history = Some(*h);
                    changed = true;
                }
                Ok(replay::Indexed::Failed(e)) => {
                    self.error = Some(format!("the replay could not be indexed: {e}"));
                    r.index = None;
                    changed = true;
                    break;
                }
                Err(mpsc::TryRecvError::Empty) => break,
                Err(mpsc::TryRecvError::Disconnected) => {
                    r.index = None;
                    break;
                }
            }
        }
        if let Some(h) = r.full_history.take() {
            self.history = h;
            self.history_fixed = true;
        }
        changed
    }

    /// A replay goes to the state after `target` blocks: from the nearest index fork at
    /// least [`SEEK_LOOKBACK`] blocks before it (or from where it is, when that is
    /// nearer), then block by block, so that the recent trades of those blocks are
    /// shown as a played match shows them. A kept state carries the whole log.
    fn seek(&mut self, target: u64) {
        let Some(r) = self.replay.as_ref() else { return };
        let mut target = target.min(r.rec.block);
        // A lesson's narration at the block a jump lands before (`t d4`: day 4's first
        // block) is told by running that block, so the jump shows it.
        let narrated = |b: u64| {
            self.session.map().init.events.iter().any(|e| e.block == b && matches!(e.kind, EventKind::Narrate(_)))
        };
        if self.lesson && target < r.rec.block && narrated(target) {
            target += 1;
        }
        let cur = self.session.world().block;
        let want = target.saturating_sub(SEEK_LOOKBACK);
        let best = r.forks.iter().rev().find(|(b, ..)| *b <= want);
        if target < cur || best.is_some_and(|(b, ..)| *b > cur) {
            let from = match best {
                Some((b, f, l)) => {
                    self.session.restore(f);
                    self.ledgers = l.clone();
                    *b
                }
                None => return,
            };
            // What was said after the kept state is said again as the blocks run.
            self.journal.clear();
            self.journal_trades.clear();
            self.trades.clear();
            self.policies.clear();
            self.log_seen = 0;
            self.log_last = None;
            self.take_log();
            // The lines that mark the story (an NPC validator's switch) stay; the marks
            // have them for the blocks before the kept state.
            let kept: Vec<JournalLine> = self
                .replay
                .as_ref()
                .map(|r| {
                    r.status
                        .marks
                        .iter()
                        .filter(|m| m.block < from)
                        .filter_map(|m| {
                            let (who, text) = m.log.clone()?;
                            Some(JournalLine { block: m.block, kind: JournalKind::Map, who, text })
                        })
                        .collect()
                })
                .unwrap_or_default();
            for line in kept {
                self.push_journal(line);
            }
            if from > 0 {
                let text = format!(
                    "trades before block {} are not listed after this jump (play on from an earlier block to see \
                     them)",
                    crate::text::thousands(from)
                );
                self.push_journal(JournalLine { block: from, kind: JournalKind::Map, who: "replay".into(), text });
            }
        }
        while self.session.world().block < target && self.error.is_none() {
            if let Err(e) = self.session.step() {
                self.error = Some(e.to_string());
            } else {
                self.ledgers.update(self.session.world());
                self.take_events();
                self.take_log();
            }
        }
        // A jump tells no order's outcome: its fills are in the Log. A lesson's replay
        // shows the narration a jump lands on (the next mark's, say), as playing it would.
        self.notices.clear();
        self.narration = None;
        self.narrate_last_block();
        if !self.history_fixed {
            // Its players are found again by the next sample.
            self.history = History::new(self.options.history_points);
        }
        self.check_replay();
    }

    /// The next (or previous) marked block from here.
    fn mark(&self, forward: bool) -> Option<u64> {
        let r = self.replay.as_ref()?;
        let cur = self.session.world().block;
        let mut blocks = r.status.marks.iter().map(|m| m.block + 1);
        if forward { blocks.find(|b| *b > cur) } else { blocks.rev().find(|b| *b < cur) }
    }

    /// Notes a replay's divergence from its recording.
    fn check_replay(&mut self) {
        if let (Some(r), Some(d)) = (self.replay.as_mut(), self.session.divergence()) {
            if r.status.diverged.is_none() {
                Arc::make_mut(&mut r.status).diverged = Some(d.to_string());
            }
        }
    }

    /// Applies a command; `false` to stop the thread.
    fn apply(&mut self, c: Command) -> bool {
        self.acked += 1;
        let clock = matches!(
            c,
            Command::Step(_)
                | Command::Pause
                | Command::Resume
                | Command::TogglePause
                | Command::Faster
                | Command::Slower
                | Command::SetSpeed(_)
        );
        if clock && self.remote.is_some() {
            // The server's host owns a shared world's clock.
            return true;
        }
        match c {
            Command::Submit(order) => {
                if let Some(r) = self.remote.as_mut() {
                    if self.info.human.is_some() && !(r.outbox)(order) {
                        self.error.get_or_insert_with(|| "the connection to the server ended".into());
                    }
                } else if let Some(h) = self.info.human.filter(|_| self.replay.is_none()) {
                    self.session.submit(h, order);
                }
            }
            Command::Seek(b) => self.seek(b),
            Command::NextMark => {
                if let Some(b) = self.mark(true) {
                    self.seek(b);
                }
            }
            Command::PrevMark => {
                if let Some(b) = self.mark(false) {
                    self.seek(b);
                }
            }
            Command::Follow(id) => {
                let watching = self.replay.is_some() || self.info.human.is_none();
                if watching && self.session.world().account(id).is_some_and(|a| a.kind != AccountKind::Npc) {
                    self.followed = Some(id);
                }
            }
            Command::CancelOrders => {
                if let Some(h) = self.info.human.filter(|_| self.replay.is_none() && self.remote.is_none()) {
                    let n = self.session.cancel_orders(h);
                    if n > 0 {
                        let block = self.session.world().block;
                        let who = self.human_name();
                        let text = format!(
                            "cancelled {} before block {}",
                            crate::text::count(n, "queued order", "queued orders"),
                            crate::text::thousands(block)
                        );
                        self.push_journal(JournalLine { block, kind: JournalKind::Mine, who, text });
                    }
                }
            }
            Command::Save => self.save(),
            Command::Dismiss => self.narration = None,
            Command::Pause => self.paused = true,
            Command::Resume => self.paused = false,
            Command::TogglePause => self.paused = !self.paused,
            Command::Faster => self.speed = (self.speed + 1).min(SPEEDS_BLOCKS_PER_SEC.len() - 1),
            Command::Slower => self.speed = self.speed.saturating_sub(1),
            Command::SetSpeed(k) => self.speed = k.min(SPEEDS_BLOCKS_PER_SEC.len() - 1),
            Command::Step(n) => {
                for _ in 0..n {
                    if self.session.is_over() || self.error.is_some() {
                        break;
                    }
                    self.step();
                }
            }
            Command::Watch(n) => self.watch = n,
            Command::Quit => return false,
        }
        true
    }

    fn step(&mut self) {
        let stepped = catch_unwind(AssertUnwindSafe(|| self.session.step()));
        match stepped {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                self.error = Some(e.to_string());
                return;
            }
            Err(p) => {
                self.error = Some(format!("the simulation panicked: {}", panic_text(&*p)));
                return;
            }
        }
        let cap = self.options.history_points;
        if !self.history_fixed {
            self.history.sample(self.session.world(), cap, false);
        }
        self.ledgers.update(self.session.world());
        self.take_events();
        self.take_log();
        self.narrate_last_block();
        if self.replay.is_some() {
            self.check_replay();
        }
    }

    /// A lesson holds the clock on the narration of the block just run, if it had one.
    fn narrate_last_block(&mut self) {
        if !self.lesson {
            return;
        }
        let w = self.session.world();
        let text = w.events().iter().rev().find_map(|e| match e {
            Event::Scripted { kind: crate::engine::init::EventKind::Narrate(t), .. } => Some(t.clone()),
            _ => None,
        });
        if let Some(text) = text {
            let block = w.block.saturating_sub(1);
            self.narration = Some(JournalLine { block, kind: JournalKind::Map, who: "map".into(), text });
        }
    }

    fn push_journal(&mut self, line: JournalLine) {
        self.journal_seq += 1;
        let (ring, cap) = if line.kind == JournalKind::Trade {
            (&mut self.journal_trades, JOURNAL_TRADES)
        } else {
            (&mut self.journal, JOURNAL_LINES)
        };
        if ring.len() >= cap {
            ring.pop_front();
        }
        ring.push_back((self.journal_seq, line));
    }

    /// Both journal rings, merged in the order the lines were written, then in block
    /// order (stable: lines of one block keep their order). A block's fills are taken
    /// before its log, and the log can name an earlier block (the map's opening
    /// narration is taken with the first block's fills).
    fn merged_journal(&self) -> Vec<JournalLine> {
        let mut out = Vec::with_capacity(self.journal.len() + self.journal_trades.len());
        let (mut a, mut b) = (self.journal.iter().peekable(), self.journal_trades.iter().peekable());
        loop {
            let next = match (a.peek(), b.peek()) {
                (Some(x), Some(y)) => {
                    if x.0 < y.0 {
                        a.next()
                    } else {
                        b.next()
                    }
                }
                (Some(_), None) => a.next(),
                (None, Some(_)) => b.next(),
                (None, None) => break,
            };
            if let Some((_, l)) = next {
                out.push(l.clone());
            }
        }
        // Nearly sorted already: the stable sort is one pass over runs.
        out.sort_by_key(|l| l.block);
        out
    }

    /// The human's fills and rejections, and trades, from the last block's events.
    fn take_events(&mut self) {
        let w = self.session.world();
        let human = self.info.human;
        // Watching (a replay, a spectator) has no "you": every player's trades are
        // named lines, and the toasts follow the player followed.
        let watching = self.replay.is_some() || human.is_none();
        let (human, toasts) = if watching { (None, self.followed) } else { (human, human) };
        let mut notices = Vec::new();
        let mut trades: Vec<(Netuid, Trade)> = Vec::new();
        let mut notable = Vec::new();
        let mut switches = Vec::new();
        for e in w.events() {
            match e {
                Event::Applied { block, account, order, fill } => {
                    let Some(a) = w.account(*account) else { continue };
                    if Some(*account) == toasts {
                        notices.push((*block, true, order_text(order), fill_text(order, fill)));
                    }
                    // The player's own fills are its "you" lines; everyone else's trades
                    // (other students' too) are the log's trade lines.
                    let own = Some(*account) == human;
                    let mut t = |netuid: Netuid, buy: bool, tao: u64, alpha: u64| {
                        let trade = Trade {
                            block: *block,
                            who: a.name.clone(),
                            kind: a.kind,
                            buy,
                            tao_rao: tao,
                            alpha_rao: alpha,
                        };
                        if !own && (a.kind != AccountKind::Npc || tao >= NOTABLE_TRADE_RAO) {
                            notable.push((netuid, trade.clone()));
                        }
                        trades.push((netuid, trade));
                    };
                    match order {
                        Order::Stake { netuid, .. } => t(*netuid, true, fill.tao_in_rao, fill.alpha_in_rao),
                        Order::Unstake { netuid, .. } | Order::Dump { netuid: Some(netuid) } => {
                            t(*netuid, false, fill.tao_out_rao, fill.alpha_out_rao);
                        }
                        Order::Move { from, to, .. } => {
                            t(*from, false, fill.tao_out_rao, fill.alpha_out_rao);
                            t(*to, true, fill.tao_in_rao, fill.alpha_in_rao);
                        }
                        // A validator's policy decides who its stake pays (the foundation's
                        // switch on a memecoin): a change is news, a repeat is not.
                        Order::SetWeights { netuid, policy } => {
                            let before = self.policies.insert((*account, *netuid), *policy).unwrap_or_default();
                            if before != *policy && Some(*account) != human {
                                switches.push((*block, a.name.clone(), a.kind, *netuid, *policy));
                            }
                        }
                        _ => {}
                    }
                }
                // A revenue subnet's buyback is a purchase in its pool, by nobody's account:
                // the trades list shows it (the Log too, when large).
                Event::BoughtBack { block, netuid, tao, alpha, .. } => {
                    let trade = Trade {
                        block: *block,
                        who: format!("SN{netuid} buyback"),
                        kind: AccountKind::Npc,
                        buy: true,
                        tao_rao: *tao,
                        alpha_rao: *alpha,
                    };
                    if *tao >= NOTABLE_TRADE_RAO {
                        notable.push((*netuid, trade.clone()));
                    }
                    trades.push((*netuid, trade));
                }
                Event::Rejected { block, account, order, reason } if Some(*account) == toasts => {
                    notices.push((*block, false, order_text(order), reason.to_string()));
                }
                _ => {}
            }
        }
        for (block, ok, order, text) in notices {
            self.notice_id += 1;
            if self.notices.len() >= NOTICES {
                self.notices.pop_front();
            }
            if ok && !watching {
                let who = self.human_name();
                self.push_journal(JournalLine {
                    block,
                    kind: JournalKind::Mine,
                    who,
                    text: format!("{order}: {text}"),
                });
            }
            self.notices.push_back(Notice { id: self.notice_id, block, ok, order, text });
        }
        for (block, who, kind, netuid, policy) in switches {
            let text = policy_line(netuid, policy);
            let kind = if kind == AccountKind::Npc { JournalKind::Map } else { JournalKind::Bot };
            self.push_journal(JournalLine { block, kind, who, text });
        }
        for (netuid, t) in notable {
            let verb = if t.buy { "bought" } else { "sold" };
            let text = format!("{verb} {} alpha on SN{netuid} for {} TAO", milli(t.alpha_rao), milli(t.tao_rao));
            self.push_journal(JournalLine { block: t.block, kind: JournalKind::Trade, who: t.who, text });
        }
        for (netuid, t) in trades {
            let q = self.trades.entry(netuid).or_default();
            if q.len() >= TRADES_PER_SUBNET {
                q.pop_front();
            }
            q.push_back(t);
        }
    }

    fn human_name(&self) -> String {
        self.info.human.and_then(|h| self.session.world().account(h)).map(|a| a.name.clone()).unwrap_or_default()
    }

    /// New lines of the session's log (which drops its oldest lines when full).
    fn take_log(&mut self) {
        let log = self.session.log();
        let start = match &self.log_last {
            None => 0,
            Some(last) => {
                if log.get(self.log_seen.wrapping_sub(1)) == Some(last) {
                    self.log_seen
                } else {
                    log.iter().rposition(|l| l == last).map_or(0, |k| k + 1)
                }
            }
        };
        // Watching has no "you": the followed player's lines are named like the others.
        let human = if self.replay.is_some() { String::new() } else { self.human_name() };
        let world = self.session.world();
        // The world knows every bot: this game's seats and a workshop's remote bots.
        let is_bot = |who: &str| world.accounts.iter().any(|a| a.kind == AccountKind::Bot && a.name == who);
        let new: Vec<JournalLine> = log[start.min(log.len())..]
            .iter()
            // A player's game shows its own rejected orders, not every bot's (one bot
            // retrying a bad order would bury the log); a replay or a spectator, who
            // follows anyone, keeps them all.
            .filter(|l| human.is_empty() || l.who == human || !l.text.starts_with("rejected:"))
            .map(|l| {
                let kind = if l.who == "map" {
                    JournalKind::Map
                } else if l.text.starts_with("rejected:") {
                    JournalKind::Rejected
                } else if is_bot(&l.who) {
                    JournalKind::Bot
                } else if l.who == human {
                    JournalKind::Mine
                } else {
                    JournalKind::Map
                };
                JournalLine { block: l.block, kind, who: l.who.clone(), text: l.text.clone() }
            })
            .collect();
        self.log_seen = log.len();
        self.log_last = log.last().cloned();
        for l in new {
            self.push_journal(l);
        }
    }

    fn publish(&mut self) {
        let snap = Arc::new(self.snapshot(self.seq + 1));
        self.seq += 1;
        if let Some(slot) = &self.slot {
            let mut g = slot.snap.lock().unwrap_or_else(PoisonError::into_inner);
            *g = snap;
            drop(g);
            slot.changed.notify_all();
        }
    }

    fn snapshot(&mut self, seq: u64) -> Snapshot {
        let cap = self.options.history_points;
        if !self.history_fixed {
            self.history.sample(self.session.world(), cap, true);
        }
        let w = self.session.world();
        let view = w.view();
        let mut players: Vec<PlayerRow> = view
            .accounts
            .iter()
            .filter(|a| a.kind != AccountKind::Npc)
            .map(|a| PlayerRow {
                id: a.id,
                name: a.name.clone(),
                kind: a.kind,
                score_rao: a.score_rao,
                roi: super::report::roi(w, a.id).unwrap_or(0.0),
                faults: a.faults,
                free_rao: a.free_rao,
                root_rao: a.root_stake_rao,
            })
            .collect();
        players.sort_by(|a, b| b.score_rao.cmp(&a.score_rao).then(a.id.cmp(&b.id)));
        let me = self.followed.and_then(|h| self.book(w, &view, &players, h));
        let pending = match self.info.human {
            Some(h) => w.queued().iter().filter(|(a, _)| *a == h).map(|(_, o)| o.to_string()).collect(),
            None => Vec::new(),
        };
        let detail = self.watch.and_then(|n| self.detail(w, n));
        Snapshot {
            seq,
            acked: self.acked,
            stopped: self.stopped,
            clock: self.session.clock(),
            over: self.session.is_over() || self.remote_ended,
            paused: self.paused || self.session.is_over() || self.remote_ended,
            speed_index: self.speed,
            blocks_per_sec: self
                .remote_bps
                .unwrap_or_else(|| SPEEDS_BLOCKS_PER_SEC.get(self.speed).copied().unwrap_or(1)),
            params: w.params.clone(),
            pool_rules: w.pool_rules(),
            average_root_prop: w.average_root_prop(),
            block_emission_rao: emission(w.total_issuance),
            until_halving_rao: until_next_halving(w.total_issuance),
            prune_candidate: prune_candidate(w),
            players,
            me,
            pending,
            notices: self.notices.iter().cloned().collect(),
            journal: self.merged_journal(),
            history: Arc::new(self.history.clone()),
            detail,
            error: self.error.clone(),
            end_reason: self.remote_end_reason.clone(),
            reconnecting: self.reconnecting,
            view,
            replay: self.replay.as_ref().map(|r| Arc::clone(&r.status)),
            narration: self.narration.clone(),
            objectives: self.session.objectives().all_reached(self.info.human),
            saved: self.saved.clone(),
        }
    }

    fn book(&self, w: &World, view: &View, players: &[PlayerRow], h: AccountId) -> Option<Book> {
        let empty = Ledger::default();
        book(w, view, players, h, self.ledgers.get(h).unwrap_or(&empty))
    }

    fn detail(&self, w: &World, netuid: Netuid) -> Option<SubnetDetail> {
        let s = w.subnet(netuid)?;
        let n = usize::from(netuid);
        let vals = epoch::validators(w, netuid);
        let total: u128 = vals.iter().map(|(_, x)| u128::from(*x)).sum();
        let tau = w.params.tao_weight;
        let mut alpha_weight = 0u64;
        let mut root_weight = 0u64;
        let holders: Vec<Holder> = vals
            .iter()
            .filter_map(|(id, weight)| {
                let a = w.account(*id)?;
                let alpha = a.alpha.get(n).copied().unwrap_or(0);
                let rw = tau.apply(a.root.0);
                alpha_weight = alpha_weight.saturating_add(alpha);
                root_weight = root_weight.saturating_add(rw);
                #[allow(clippy::cast_precision_loss)]
                let share = if total == 0 { 0.0 } else { *weight as f64 / total as f64 };
                Some(Holder {
                    id: *id,
                    name: a.name.clone(),
                    kind: a.kind,
                    alpha_rao: alpha,
                    root_weight_rao: rw,
                    share,
                    policy: a.policy.get(n).copied().unwrap_or_default(),
                })
            })
            .collect();
        let miners = epoch::miners(w, n)
            .into_iter()
            .map(|(m, quality, alpha, sold)| MinerRow {
                name: match m {
                    Miner::Npc(j) => format!("npc miner {}", j + 1),
                    Miner::Account(id) => w.account(id).map_or_else(|| format!("#{}", id.0), |a| a.name.clone()),
                },
                quality,
                alpha_rao: alpha,
                sold_rao: sold,
            })
            .collect();
        let issuance = s.alpha_issuance();
        Some(SubnetDetail {
            netuid,
            owner: w.account(s.owner).map_or_else(String::new, |a| a.name.clone()),
            holders,
            alpha_weight_rao: alpha_weight,
            root_weight_rao: root_weight,
            controller: super::report::controller_name(w, netuid),
            miners,
            alpha_issuance_rao: issuance,
            alpha_until_halving_rao: until_next_halving(issuance),
            trades: self.trades.get(&netuid).map(|q| q.iter().cloned().collect()).unwrap_or_default(),
        })
    }
}

/// Whole units to three decimals with thousands separators: `85,438.389`.
fn milli(rao: u64) -> String {
    let whole = (rao / 1_000_000_000).to_string();
    let mut out = String::with_capacity(whole.len() + 8);
    for (k, c) in whole.chars().enumerate() {
        if k > 0 && (whole.len() - k) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("{out}.{:03}", rao % 1_000_000_000 / 1_000_000)
}

/// What an applied order did, in words.
/// An order as the game's messages write it: amounts with the digits that matter
/// (`unstake 1584.1744 alpha on SN28`), where the engine's text keeps every rao
/// (`1584.174387507`) for logs and files.
#[must_use]
pub fn order_text(order: &Order) -> String {
    // The amount rounded to four decimals from 1 up (`1584.1744`, `10`, `2.5`), as the
    // result that follows it rounds (`sold 35.6506 alpha` after `unstake 35.6506`), and
    // written as the engine's reasons write amounts (no separators); below 1 every digit
    // stays.
    let r = |rao: u64| {
        const UNIT: u64 = 100_000;
        let rounded = if rao >= 1_000_000_000 {
            (rao / UNIT + u64::from(rao % UNIT >= UNIT / 2)).saturating_mul(UNIT)
        } else {
            rao
        };
        let exact = crate::engine::amount::format_rao(rounded);
        let (whole, frac) = exact.split_once('.').unwrap_or((&exact, ""));
        let keep = if whole == "0" { frac.len() } else { frac.len().min(4) };
        let frac = frac[..keep].trim_end_matches('0');
        if frac.is_empty() { whole.to_string() } else { format!("{whole}.{frac}") }
    };
    let limit = |l: &Option<crate::engine::math::U64F64>| l.map_or_else(String::new, |l| format!(" (limit {l:.6})"));
    match order {
        Order::Stake { netuid, tao, limit: l } => format!("stake {} TAO on SN{netuid}{}", r(tao.0), limit(l)),
        Order::Unstake { netuid, alpha, limit: l } => format!("unstake {} alpha on SN{netuid}{}", r(alpha.0), limit(l)),
        Order::Move { from, to, alpha } => format!("move {} alpha SN{from} -> SN{to}", r(alpha.0)),
        Order::StakeRoot { tao } => format!("stake {} TAO on root", r(tao.0)),
        Order::UnstakeRoot { tao } => format!("unstake {} TAO from root", r(tao.0)),
        other => other.to_string(),
    }
}

fn fill_text(order: &Order, f: &crate::engine::Fill) -> String {
    use crate::text::rao_amount as r;
    let fee = if f.fee_rao > 0 { format!(" (fee {} TAO)", r(f.fee_rao)) } else { String::new() };
    match order {
        Order::Stake { .. } => format!("paid {} TAO, got {} alpha{fee}", r(f.tao_in_rao), r(f.alpha_in_rao)),
        Order::Unstake { .. } | Order::Dump { .. } => {
            format!("sold {} alpha, got {} TAO{fee}", r(f.alpha_out_rao), r(f.tao_out_rao))
        }
        Order::Move { .. } => format!("moved {} alpha into {} alpha{fee}", r(f.alpha_out_rao), r(f.alpha_in_rao)),
        Order::StakeRoot { .. } => format!("{} TAO now on root", r(f.tao_in_rao)),
        Order::UnstakeRoot { .. } => format!("{} TAO back from root", r(f.tao_out_rao)),
        Order::LaunchSubnet { .. } => match f.netuid {
            Some(n) => format!("launched as SN{n}, locked {} TAO", r(f.tao_in_rao)),
            None => format!("locked {} TAO", r(f.tao_in_rao)),
        },
        Order::RegisterMiner { .. } => format!("burned {} TAO for a miner slot", r(f.tao_in_rao)),
        Order::SetWeights { .. } | Order::SetRootWeights { .. } => "done".into(),
    }
}

/// Days (fractional) for a number of blocks.
#[must_use]
#[allow(clippy::cast_precision_loss)]
pub fn blocks_to_days(blocks: u64) -> f64 {
    blocks as f64 / BLOCKS_PER_DAY as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_revenue_subnets_buyback_is_a_trade_of_its_pool() {
        let map = crate::scenario::load("btc-revenue").expect("map");
        let session = Session::new(&map, None, Some(9000)).expect("session");
        let mut sim = Sim::new(Setup::new(session, None), HandleOptions::default()).expect("sim");
        // SN40 pivots on day 2 (block 7,200) and buys back at each of its epochs after.
        sim.run_until(9000);
        let buybacks: Vec<&Trade> =
            sim.trades.get(&40).map(|q| q.iter().filter(|t| t.who == "SN40 buyback").collect()).unwrap_or_default();
        assert!(!buybacks.is_empty(), "{:?}", sim.trades.get(&40));
        assert!(buybacks.iter().all(|t| t.buy && t.tao_rao > 0 && t.alpha_rao > 0 && t.block >= 7200), "{buybacks:?}");
    }

    #[test]
    fn a_replay_names_the_players_who_joined_after_block_0() {
        let map = crate::scenario::load("tutorial").expect("map");
        let mut s = Session::new(&map, None, Some(100)).expect("session");
        s.start_recording(chrono::DateTime::from_timestamp(1_764_000_000, 0).expect("time"));
        s.add_human("early");
        for _ in 0..10 {
            s.step().expect("step");
        }
        s.add_human("late");
        s.step().expect("step");
        // A second "early" is named as the world names it.
        s.add_human("early");
        s.step().expect("step");
        let names: Vec<String> = s.world().accounts.iter().map(|a| a.name.clone()).collect();
        let rec = Arc::new(s.recording(chrono::Utc::now()).expect("recording"));
        let session = Session::from_recording(&rec, None).expect("loads");
        let setup = Setup { replay: Some(rec), ..Setup::new(session, None) };
        let sim = Sim::new(setup, HandleOptions::default()).expect("sim");
        assert_eq!(sim.info.late_joins, vec![("late".to_string(), 10), ("early#2".to_string(), 11)]);
        assert!(names.contains(&"early#2".to_string()), "{names:?}");
    }

    #[test]
    fn a_jump_past_the_foundations_switch_keeps_its_log_line() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("saves/sn28-meme.dtrec");
        let rec = Arc::new(crate::record::wire::decode(&std::fs::read(path).expect("read")).expect("decodes"));
        let session = Session::from_recording(&rec, None).expect("loads");
        let setup = Setup { replay: Some(rec), ..Setup::new(session, None) };
        let mut sim = Sim::new(setup, HandleOptions::default()).expect("sim");
        // The whole recording indexed (its marks and kept states).
        let start = Instant::now();
        while sim.replay.as_ref().is_some_and(|r| r.index.is_some()) && start.elapsed() < Duration::from_secs(120) {
            sim.poll_index();
            std::thread::sleep(Duration::from_millis(20));
        }
        let switch = sim
            .replay
            .as_ref()
            .and_then(|r| r.status.marks.iter().find(|m| m.text == "foundation sets reward_sellers on SN28").cloned())
            .expect("the switch is marked");
        sim.seek(switch.block + 8_000);
        let lines = sim.merged_journal();
        let kept = lines.iter().find(|l| l.who == "foundation" && l.text.starts_with("sets reward_sellers on SN28"));
        assert!(kept.is_some_and(|l| l.block == switch.block), "{lines:#?}");
        // Told once, also after jumping back before it and forward again.
        sim.seek(switch.block - 100);
        sim.seek(switch.block + 9_000);
        let n = sim.merged_journal().iter().filter(|l| l.text.starts_with("sets reward_sellers on SN28")).count();
        assert_eq!(n, 1);
    }

    #[test]
    fn messages_write_amounts_for_people_and_the_engine_every_rao() {
        use crate::engine::{Alpha, Tao};
        let o = Order::Unstake { netuid: 28, alpha: Alpha(1_584_174_387_507), limit: None };
        assert_eq!(order_text(&o), "unstake 1584.1744 alpha on SN28");
        assert_eq!(o.to_string(), "unstake 1584.174387507 alpha on SN28");
        // Rounded as the result after it is: "unstake 35.6506 alpha ...: sold 35.6506 alpha".
        let half = 35_650_550_000;
        let o = Order::Unstake { netuid: 1, alpha: Alpha(half), limit: None };
        assert_eq!(order_text(&o), "unstake 35.6506 alpha on SN1");
        assert_eq!(crate::text::rao_amount(half), "35.6506");
        let o = Order::Unstake { netuid: 1, alpha: Alpha(u64::MAX), limit: None };
        assert_eq!(order_text(&o), "unstake 18446744073.7095 alpha on SN1");
        let o = Order::Stake { netuid: 1, tao: Tao(2_500_000_000), limit: None };
        assert_eq!(order_text(&o), "stake 2.5 TAO on SN1");
        let o = Order::Stake { netuid: 1, tao: Tao(10_000_000_000), limit: None };
        assert_eq!(order_text(&o), "stake 10 TAO on SN1");
        let o = Order::StakeRoot { tao: Tao(50_000) };
        assert_eq!(order_text(&o), "stake 0.00005 TAO on root");
        let o = Order::Dump { netuid: Some(3) };
        assert_eq!(order_text(&o), o.to_string());
    }

    #[test]
    fn equal_scores_share_a_rank() {
        let row = |score_rao| PlayerRow {
            id: AccountId(0),
            name: String::new(),
            kind: AccountKind::Bot,
            score_rao,
            roi: 0.0,
            faults: 0,
            free_rao: 0,
            root_rao: 0,
        };
        let players: Vec<PlayerRow> = [9, 7, 7, 7, 3, 3, 1].into_iter().map(row).collect();
        let ranks: Vec<usize> = (0..players.len()).map(|k| rank(&players, k)).collect();
        assert_eq!(ranks, [1, 2, 2, 2, 5, 5, 7]);
        assert_eq!(rank(&players, 7), 0);
        assert_eq!(rank(&players[..0], 0), 0);
    }

    #[test]
    fn a_move_realises_the_sale_and_the_new_position_costs_what_it_paid() {
        use crate::engine::{Alpha, Tao};
        let (mut s, ana, _, _) = crate::session::pruning_match();
        let (from, to) = (1, 2);
        let mut ledger = Ledger::starting(s.world(), Some(ana));
        s.submit(ana, Order::Stake { netuid: from, tao: Tao(10_000_000_000), limit: None });
        s.step().expect("step");
        ledger.update(s.world(), ana);
        assert_eq!(ledger.cost[usize::from(from)], 10_000_000_000);
        let held = s.world().account(ana).expect("ana").alpha[usize::from(from)];
        s.submit(ana, Order::Move { from, to, alpha: Alpha(held) });
        s.step().expect("step");
        let fill = s
            .world()
            .events()
            .iter()
            .find_map(|e| match e {
                Event::Applied { account, order: Order::Move { .. }, fill, .. } if *account == ana => {
                    Some(fill.clone())
                }
                _ => None,
            })
            .expect("the move filled");
        ledger.update(s.world(), ana);
        let sold = i64::try_from(fill.tao_out_rao).expect("fits");
        assert_eq!(ledger.realized[usize::from(from)], sold - 10_000_000_000, "the sale's loss (fees) is realised");
        assert_eq!(ledger.cost[usize::from(from)], 0);
        assert_eq!(ledger.cost[usize::from(to)], fill.tao_in_rao, "not the first position's cost");
        // Closed, the first position still shows, with what it realised.
        assert_eq!(s.world().account(ana).expect("ana").alpha[usize::from(from)], 0);
        let w = s.world();
        let book = book(w, &w.view(), &[], ana, &ledger).expect("a book");
        let row = book.positions.iter().find(|p| p.netuid == from).expect("its row");
        assert_eq!((row.alpha_rao, row.realized_rao), (0, sold - 10_000_000_000));
    }

    #[test]
    fn a_dissolved_position_keeps_its_realised_profit_apart_from_the_netuids_next_subnet() {
        use crate::engine::{Mechanism, Tao};
        let (mut s, ana, bob, victim) = crate::session::pruning_match();
        let mut ledger = Ledger::starting(s.world(), Some(ana));
        s.submit(ana, Order::Stake { netuid: victim, tao: Tao(10_000_000_000), limit: None });
        s.step().expect("step");
        ledger.update(s.world(), ana);
        let cost = ledger.cost[usize::from(victim)];
        assert_eq!(cost, 10_000_000_000);
        s.submit(bob, Order::LaunchSubnet { name: "Mine".into(), mechanism: Mechanism::Utility });
        s.step().expect("step");
        ledger.update(s.world(), ana);
        let paid = s
            .world()
            .events()
            .iter()
            .find_map(|e| match e {
                Event::Dissolved { paid, .. } => paid.iter().find(|p| p.0 == ana).map(|p| p.2),
                _ => None,
            })
            .expect("ana was paid");
        let realised = i64::try_from(paid).expect("fits") - i64::try_from(cost).expect("fits");
        assert!(realised < 0, "the stake's fee and the pool's move cost something: {realised}");
        assert_eq!(ledger.closed.len(), 1);
        assert_eq!(ledger.closed[0].2, realised);
        assert_eq!(ledger.cost[usize::from(victim)], 0, "the cost left with the subnet");
        assert_eq!(ledger.realized[usize::from(victim)], 0, "nothing attaches to the netuid's next subnet");
        // The book shows it under its old name, with no alpha.
        let w = s.world();
        let view = w.view();
        let book = book(w, &view, &[], ana, &ledger).expect("a book");
        let row = book.positions.iter().find(|p| p.name.ends_with("(dissolved)")).expect("a dissolved row");
        assert_eq!((row.netuid, row.alpha_rao, row.realized_rao), (victim, 0, realised));
    }

    #[test]
    fn a_validators_policy_switch_is_in_the_log_once() {
        // The tutorial's foundation switches SN28 to reward_sellers once its share passes
        // the threshold, then keeps setting the same policy every cadence.
        let mut h = SessionHandle::spawn(
            move || {
                let map = crate::scenario::load("tutorial").map_err(|e| e.to_string())?;
                let mut s = Session::new(&map, None, None).map_err(|e| e.to_string())?;
                let ana = s.add_human("ana");
                Ok(Setup::new(s, Some(ana)))
            },
            HandleOptions::default(),
        )
        .expect("starts");
        h.send(Command::Step(7_199));
        let snap = h.sync(Duration::from_secs(60));
        h.quit();
        let switches: Vec<&JournalLine> = snap.journal.iter().filter(|l| l.text.starts_with("sets ")).collect();
        assert_eq!(switches.len(), 1, "{switches:?}");
        let line = switches[0];
        assert_eq!((line.kind, line.who.as_str()), (JournalKind::Map, "foundation"));
        assert_eq!(line.text, "sets reward_sellers on SN28: its validators now weight miners by alpha sold");
    }

    /// The snapshot after one block of the tutorial where ana and bob each stake `tao`
    /// rao (on SN1 and SN4), seen by ana's game or, without `follow_ana`, by a spectator.
    fn ana_and_bob_stake(tao: [u64; 2], follow_ana: bool) -> Arc<Snapshot> {
        use crate::engine::Tao;
        let mut h = SessionHandle::spawn(
            move || {
                let map = crate::scenario::load("tutorial").map_err(|e| e.to_string())?;
                let mut s = Session::new(&map, Some(1), None).map_err(|e| e.to_string())?;
                let ana = s.add_human("ana");
                let bob = s.add_human("bob");
                s.submit(ana, Order::Stake { netuid: 1, tao: Tao(tao[0]), limit: None });
                s.submit(bob, Order::Stake { netuid: 4, tao: Tao(tao[1]), limit: None });
                Ok(Setup::new(s, follow_ana.then_some(ana)))
            },
            HandleOptions::default(),
        )
        .expect("starts");
        h.send(Command::Step(1));
        let snap = h.sync(Duration::from_secs(30));
        h.quit();
        snap
    }

    #[test]
    fn a_players_log_keeps_its_own_rejections_and_not_the_others() {
        let rejected = |follow_ana: bool| {
            // Both ask for more TAO than they have.
            let snap = ana_and_bob_stake([500_000_000_000, 600_000_000_000], follow_ana);
            let mut who: Vec<String> =
                snap.journal.iter().filter(|l| l.kind == JournalKind::Rejected).map(|l| l.who.clone()).collect();
            who.sort();
            who
        };
        assert_eq!(rejected(true), ["ana"]);
        // Watching without a player (a spectator, a replay): everyone's.
        assert_eq!(rejected(false), ["ana", "bob"]);
    }

    #[test]
    fn every_players_trades_are_in_the_log_and_only_a_player_has_a_you() {
        let journal = |follow_ana: bool| {
            let snap = ana_and_bob_stake([10_000_000_000, 15_000_000_000], follow_ana);
            let mut lines: Vec<(JournalKind, String, String)> = snap
                .journal
                .iter()
                .filter(|l| matches!(l.kind, JournalKind::Trade | JournalKind::Mine) && l.text.contains(" SN"))
                .map(|l| (l.kind, l.who.clone(), l.text.clone()))
                .collect();
            lines.sort();
            lines
        };
        // Ana's game: her order as "you", bob's trade as a trade line (it was missing:
        // other students' trades never reached anyone's log).
        let ana = journal(true);
        assert_eq!(ana.len(), 2, "{ana:?}");
        assert_eq!((ana[0].0, ana[0].1.as_str()), (JournalKind::Trade, "bob"));
        assert!(ana[0].2.starts_with("bought ") && ana[0].2.ends_with(" alpha on SN4 for 15.000 TAO"), "{ana:?}");
        assert_eq!((ana[1].0, ana[1].1.as_str()), (JournalKind::Mine, "ana"));
        // Watching (a spectator, a replay): both are named trade lines, none is "you".
        let watched = journal(false);
        let who: Vec<(JournalKind, &str)> = watched.iter().map(|l| (l.0, l.1.as_str())).collect();
        assert_eq!(who, [(JournalKind::Trade, "ana"), (JournalKind::Trade, "bob")], "{watched:?}");
    }

    #[test]
    fn lines_stay_bounded_and_keep_the_latest_value() {
        let mut l = Lines::new(1, 8);
        for b in 0..1000u64 {
            #[allow(clippy::cast_precision_loss)]
            l.record(b, &[b as f64]);
            assert!(l.series(0).len() <= 9 + 1, "len {}", l.series(0).len());
        }
        assert_eq!(l.series(0).last(), Some(&(999.0, 999.0)));
        assert!(l.stride() >= 64);
        // Points are in block order.
        assert!(l.series(0).windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn players_who_join_later_get_a_score_series() {
        let map = crate::scenario::load("tutorial").expect("map");
        let mut s = Session::new(&map, Some(1), None).expect("session");
        let ana = s.add_human("ana");
        let mut h = History::new(64);
        h.sample(s.world(), 64, true);
        assert_eq!(h.players, vec![(ana, "ana".to_string())]);
        for _ in 0..10 {
            s.step().expect("a block");
        }
        // A student and a bot join a running world; NPCs never get a series.
        let ben = s.add_human("ben");
        let bot = s.add_account("bot", AccountKind::Bot, crate::engine::Tao(1));
        h.sample(s.world(), 64, true);
        h.sample(s.world(), 64, true);
        assert_eq!(h.players, vec![(ana, "ana".into()), (ben, "ben".into()), (bot, "bot".into())]);
        assert_eq!(h.scores.len(), 3);
        assert_eq!(h.scores.series(1).first().map(|p| p.0), Some(10.0), "ben's line starts when he joined");
        assert_eq!(h.scores.series(0).first().map(|p| p.0), Some(0.0));
    }

    #[test]
    fn amounts_in_the_journal_read_well() {
        assert_eq!(milli(85_438_389_123_456), "85,438.389");
        assert_eq!(milli(20_500_000_000), "20.500");
        assert_eq!(milli(0), "0.000");
    }

    #[test]
    fn provisional_points_are_replaced() {
        let mut l = Lines::new(1, 100);
        l.record(0, &[1.0]);
        l.record(5, &[2.0]);
        assert_eq!(l.series(0), &[(0.0, 1.0), (5.0, 2.0)]);
        l.record(5, &[3.0]);
        assert_eq!(l.series(0), &[(0.0, 1.0), (5.0, 3.0)]);
    }
}
