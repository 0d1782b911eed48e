//! The shared-world server: one match (its [`Session`] on a plain thread, the *room*),
//! and a tokio runtime for the sockets.
//!
//! The room thread owns the session, the players and their tokens, and the clock. It
//! learns about joins, orders, bot decisions and host commands from one bounded channel,
//! and every tick runs the blocks due, then hands each client's connection task the
//! encoded [`Tick`] through that client's bounded queue with `try_send`: it never waits
//! on a socket. A client whose queue is full is too slow and is dropped; the others do
//! not notice. Connection tasks (one per client) do the handshake, the catch-up, the
//! rate limit on orders and the timeouts; a frame that is too long or does not decode
//! ends its own connection only, with a line on standard error.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{self as std_mpsc, Receiver, RecvTimeoutError, SyncSender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, mpsc, oneshot};
use tokio_util::codec::{FramedRead, FramedWrite};

use super::protocol::{
    self, BlockInputs, CATCH_UP_CHUNK_BYTES, ClientMsg, Decision, End, Hello, KICKED, MAX_FRAME_BYTES,
    PROTOCOL_VERSION, REPLACED, Role, ServerMsg, Standing, Tick, Token, Welcome,
};
use crate::engine::{AccountId, AccountKind, Order};
use crate::record::wire::WireInput;
use crate::record::{Input, RecordError, Recording};
use crate::scenario::Map;
use crate::session::Session;
use crate::session::lua::LuaActor;
use crate::tournament::Entrant;

/// The letters of room codes: no 0/O, 1/I/L, so a code read off a projector is typed
/// right.
pub const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
/// Letters in a generated room code.
pub const CODE_LEN: usize = 6;
/// The longest player name.
pub const MAX_NAME_CHARS: usize = crate::session::MAX_NAME_CHARS;
/// Joins with a wrong room code allowed per address (an IPv6 /64) per minute. A class
/// behind one router shares an address, and students mistype the code: at 30 a minute
/// it stays open to them (and students coming back with a token get in even past it),
/// while guessing one of the 31^6 codes would still take about 10,000 days on average.
pub const MAX_FAILED_JOINS_PER_MIN: usize = 30;
/// Connections from one address that have not yet said hello, at most: one address
/// cannot fill the server with silent connections (each waits out the handshake
/// timeout) and keep a class from joining. A class behind one router joins in
/// milliseconds each, far below this.
pub const MAX_HANDSHAKES_PER_ADDRESS: usize = 32;
/// Orders in one remote bot decision, at most.
pub const MAX_DECISION_ORDERS: usize = 64;
/// Log lines in one remote bot decision, at most (longer lines are cut to 200 chars).
pub const MAX_DECISION_LOG_LINES: usize = 16;
const MAX_LOG_CHARS: usize = 200;
/// An order's encoding may be at most this long (a subnet name is at most 32 chars).
const MAX_ORDER_BYTES: usize = 1024;
/// Remote bot decisions read per second, at most (a bot decides at most once a block, and
/// the clock runs at most 7,200 blocks a second).
const MAX_DECISIONS_PER_SEC: u32 = 8000;
/// A remote bot's orders per second, at most, as a multiple of a player's (bursts of
/// twice that); more are dropped, so a bot deciding every block cannot swamp the room.
const BOT_ORDERS_FACTOR: u32 = 10;
/// A remote bot's log lines per second, at most (bursts of twice that); more are
/// dropped. Every client receives every log line.
const BOT_LOG_LINES_PER_SEC: u32 = 20;
/// Ticks remembered for the bot deadline.
const SENT_TICKS: usize = 512;
/// A name the room has not accepted (a refused hello) is shown in the host's log cut to
/// this many characters.
const SHOWN_NAME_CHARS: usize = 32;
/// Accounts a room creates at most, as a multiple of `max_players` (at least
/// [`MIN_ACCOUNTS`]): seats are counted among connected players, so accounts of players
/// who left stay in the world (the engine never deletes one), and this bounds them.
const ACCOUNTS_PER_SEAT: usize = 4;
/// See [`ACCOUNTS_PER_SEAT`].
const MIN_ACCOUNTS: usize = 64;

/// Faults after which a remote bot forfeits the match: the same rule and number as a
/// strategy run in the room or in `sim` (`script::Limits::fault_limit`, 5). Every fault
/// counts: its strategy's errors and the decisions that missed the deadline.
#[must_use]
pub fn fault_limit() -> u32 {
    crate::script::Limits::default().fault_limit
}

/// The server's limits.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Players and remote bots connected at once (the seats). One who leaves frees the
    /// seat and keeps the account, which its token brings back even in a full room; the
    /// room makes at most `ACCOUNTS_PER_SEAT` (4) times this many accounts (at least 64).
    pub max_players: usize,
    /// Open connections, including spectators and handshakes in progress.
    pub max_connections: usize,
    /// Frames waiting for one client; a client with a full queue is dropped.
    pub queue_frames: usize,
    /// Time to send the hello after connecting.
    pub handshake_timeout: Duration,
    /// A client silent this long is dropped (clients ping every few seconds).
    pub idle_timeout: Duration,
    /// A write to a client that takes longer ends its connection.
    pub write_timeout: Duration,
    /// Orders per second per player (bursts of twice that); more are dropped.
    pub orders_per_sec: u32,
    /// A remote bot's decision must arrive within this of the tick that carried its
    /// block.
    pub bot_deadline: Duration,
    /// After a late decision's fault, a remote bot's late decisions count no fault for
    /// this long (they are still dropped): a bot that fell behind (a laptop's lid closed
    /// for a while, a busy machine) decides late on every block of its backlog, and one
    /// such episode is one fault, not a forfeit. A bot late all the time still faults
    /// once per interval.
    pub late_fault_every: Duration,
    /// The kernel send buffer of each client socket, bytes.
    pub send_buffer_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_players: 256,
            max_connections: 512,
            queue_frames: 64,
            handshake_timeout: Duration::from_secs(5),
            idle_timeout: Duration::from_secs(30),
            write_timeout: Duration::from_secs(10),
            orders_per_sec: 10,
            bot_deadline: Duration::from_millis(1000),
            late_fault_every: Duration::from_secs(10),
            send_buffer_bytes: 64 * 1024,
        }
    }
}

/// What to host.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// The map.
    pub map: Map,
    /// The seed (the map's if `None`).
    pub seed: Option<u64>,
    /// The match length (the map's if `None`).
    pub blocks: Option<u64>,
    /// Bots seated on the server at block 0.
    pub bots: Vec<Entrant>,
    /// The room code (a random one if `None`).
    pub code: Option<String>,
    /// Clock speed.
    pub blocks_per_sec: u32,
    /// Start with the clock stopped (the host resumes it).
    pub paused: bool,
    /// Time between two ticks.
    pub tick: Duration,
    /// Limits.
    pub limits: Limits,
    /// Write the replay here at the end, and every `autosave_every` while the match runs.
    pub record: Option<PathBuf>,
    /// How often the replay is saved while the match runs ([`AUTOSAVE_EVERY`]).
    pub autosave_every: Duration,
    /// Log connections and problems on standard error.
    pub log: bool,
}

impl ServerConfig {
    /// A room on `map` with the defaults: no bots, a random code, 60 blocks a second,
    /// paused, 100 ms ticks, no replay file, logging on.
    #[must_use]
    pub fn new(map: Map) -> Self {
        Self {
            map,
            seed: None,
            blocks: None,
            bots: Vec::new(),
            code: None,
            blocks_per_sec: 60,
            paused: true,
            tick: Duration::from_millis(100),
            limits: Limits::default(),
            record: None,
            autosave_every: AUTOSAVE_EVERY,
            log: true,
        }
    }
}

/// What the host (the teacher) can do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostCommand {
    /// Stop the clock.
    Pause,
    /// Start the clock.
    Resume,
    /// Blocks per second (1 to 7,200).
    Speed(u32),
    /// List the map's events with their numbers.
    Events,
    /// Apply the map's event number K (1-based, as [`HostCommand::Events`] lists them) now.
    Event(usize),
    /// List the players (students, remote bots and the server's bots) and who is
    /// connected.
    Players,
    /// Disconnect a player, remote bot or named spectator and keep them out for the rest
    /// of the match: their token and name are refused. A player's account stays in the
    /// world and the standings (with what it holds).
    Kick(String),
    /// Let a kicked name (and its token) join again.
    Allow(String),
    /// End the match now.
    End,
}

/// Why a server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The address could not be bound, or the runtime could not start.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The match could not be set up (a strategy that does not load, ...).
    #[error("{0}")]
    Setup(String),
    /// The room code is not made of the code alphabet.
    #[error("the room code '{}': {}", crate::text::escape_hidden(.0), code_problem(.0).unwrap_or_default())]
    Code(String),
}

/// How the match ended.
#[derive(Debug)]
pub struct MatchEnd {
    /// What every client received.
    pub end: End,
    /// The whole match's recording.
    pub recording: Option<Recording>,
    /// The simulation's failure, if it failed.
    pub error: Option<String>,
    /// Why the replay could not be written, if it could not.
    pub replay_error: Option<String>,
}

/// A running server. Dropping it ends the match.
pub struct Server {
    addr: SocketAddr,
    code: String,
    inbox: SyncSender<ToRoom>,
    done: Receiver<MatchEnd>,
    threads: Vec<JoinHandle<()>>,
    end: Option<MatchEnd>,
}

enum ToRoom {
    /// `locked_out`: the address sent too many wrong room codes; only a known token
    /// (a student coming back) may join from it for now.
    Join {
        conn: u64,
        peer: SocketAddr,
        hello: Hello,
        locked_out: bool,
        tx: mpsc::Sender<Bytes>,
        dropped: Arc<AtomicBool>,
        reply: oneshot::Sender<JoinReply>,
    },
    Order {
        conn: u64,
        order: Order,
    },
    Decision {
        conn: u64,
        decision: Decision,
        at: Instant,
    },
    Host {
        cmd: HostCommand,
        reply: std_mpsc::Sender<String>,
    },
}

type JoinReply = Result<(Welcome, Vec<Bytes>), String>;

impl Server {
    /// Binds `addr` (port 0: any free port), sets the match up (its bots loaded on the
    /// room thread) and starts serving.
    ///
    /// # Errors
    /// The address cannot be bound, a bot does not load, a bad room code.
    pub fn start(config: ServerConfig, addr: SocketAddr) -> Result<Self, ServerError> {
        let code = match &config.code {
            Some(c) => normalise_code(c).ok_or_else(|| ServerError::Code(c.clone()))?,
            None => random_code().map_err(ServerError::Io)?,
        };
        let std_listener = std::net::TcpListener::bind(addr)?;
        std_listener.set_nonblocking(true)?;
        let addr = std_listener.local_addr()?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("dtao-net")
            .enable_all()
            .build()?;
        let listener = {
            let _guard = runtime.enter();
            TcpListener::from_std(std_listener)?
        };
        let (inbox, rx) = std_mpsc::sync_channel::<ToRoom>(4096);
        let (limits, log) = (config.limits.clone(), config.log);
        let (done_tx, done) = std_mpsc::channel::<MatchEnd>();
        let stop = Arc::new(Notify::new());
        let (ready_tx, ready_rx) = std_mpsc::channel::<Result<(), String>>();
        let room_stop = Arc::clone(&stop);
        let room_thread = std::thread::Builder::new().name("dtao-room".into()).spawn(move || {
            let room = match Room::new(&config) {
                Ok(r) => r,
                Err(e) => {
                    let _ = ready_tx.send(Err(e));
                    return;
                }
            };
            let _ = ready_tx.send(Ok(()));
            let mut room = room;
            let end = match catch_unwind(AssertUnwindSafe(|| room.run(&rx))) {
                Ok(end) => end,
                Err(_) => room.finish("the server failed".into(), Some("the room thread panicked".into())),
            };
            room_stop.notify_one();
            let _ = done_tx.send(end);
        })?;
        match ready_rx.recv() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                let _ = room_thread.join();
                return Err(ServerError::Setup(e));
            }
            Err(_) => {
                let _ = room_thread.join();
                return Err(ServerError::Setup("the match could not be set up".into()));
            }
        }
        let shared = Arc::new(Shared {
            code: code.clone(),
            limits,
            inbox: inbox.clone(),
            next_conn: AtomicU64::new(1),
            connections: AtomicUsize::new(0),
            failures: Mutex::new(HashMap::new()),
            handshakes: Mutex::new(HashMap::new()),
            strangers: Mutex::new(Throttle::default()),
            log,
        });
        let net_thread = std::thread::Builder::new().name("dtao-net-main".into()).spawn(move || {
            runtime.block_on(async {
                let flusher = Arc::clone(&shared);
                tokio::spawn(async move {
                    loop {
                        tokio::time::sleep(STRANGER_WINDOW).await;
                        flusher.flush_strangers(false);
                    }
                });
                tokio::select! {
                    () = accept_loop(listener, Arc::clone(&shared)) => {}
                    () = stop.notified() => {}
                }
                // Let the connections send the end of the match.
                let deadline = Instant::now() + Duration::from_secs(2);
                while shared.connections.load(Ordering::Relaxed) > 0 && Instant::now() < deadline {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                shared.flush_strangers(true);
            });
            runtime.shutdown_timeout(Duration::from_millis(200));
        })?;
        Ok(Self { addr, code, inbox, done, threads: vec![room_thread, net_thread], end: None })
    }

    /// The address the server listens on.
    #[must_use]
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The room code.
    #[must_use]
    pub fn code(&self) -> &str {
        &self.code
    }

    /// Runs a host command; returns what it did, in words.
    pub fn host(&self, cmd: HostCommand) -> String {
        let (tx, rx) = std_mpsc::channel();
        if self.inbox.send(ToRoom::Host { cmd, reply: tx }).is_err() {
            return "the match is over".into();
        }
        rx.recv_timeout(Duration::from_secs(5)).unwrap_or_else(|_| "the match is over".into())
    }

    /// Whether the match has ended (it then waits for [`Server::wait`]).
    pub fn is_finished(&mut self) -> bool {
        if self.end.is_none() {
            self.end = self.done.try_recv().ok();
        }
        self.end.is_some()
    }

    /// Waits for the end of the match (the last block, or the host's `end`) and for the
    /// server to close.
    pub fn wait(mut self) -> MatchEnd {
        let end = self.end.take().or_else(|| self.done.recv().ok());
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
        end.unwrap_or_else(|| MatchEnd {
            end: End { reason: "the server stopped".into(), standings: Vec::new(), replay: None },
            recording: None,
            error: Some("the room thread stopped".into()),
            replay_error: None,
        })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if !self.threads.is_empty() {
            let (tx, _rx) = std_mpsc::channel();
            let _ = self.inbox.send(ToRoom::Host { cmd: HostCommand::End, reply: tx });
            for t in self.threads.drain(..) {
                let _ = t.join();
            }
        }
    }
}

/// A fresh room code from the operating system's randomness.
///
/// # Errors
/// The operating system has no randomness to give.
pub fn random_code() -> std::io::Result<String> {
    let mut out = String::with_capacity(CODE_LEN);
    // Rejection sampling: 31 letters, bytes below 248 (8 * 31) are uniform.
    while out.len() < CODE_LEN {
        let mut b = [0u8; 16];
        getrandom::fill(&mut b).map_err(|e| std::io::Error::other(e.to_string()))?;
        for x in b {
            let n = CODE_ALPHABET.len();
            if usize::from(x) < 256 / n * n && out.len() < CODE_LEN {
                out.push(char::from(CODE_ALPHABET[usize::from(x) % n]));
            }
        }
    }
    Ok(out)
}

/// A room code as typed (any case, spaces and dashes ignored), or `None` if it is not
/// 4 to 12 letters of [`CODE_ALPHABET`].
#[must_use]
pub fn normalise_code(code: &str) -> Option<String> {
    let c: String = code.chars().filter(|c| !c.is_whitespace() && *c != '-').map(|c| c.to_ascii_uppercase()).collect();
    let ok = (4..=12).contains(&c.len()) && c.bytes().all(|b| CODE_ALPHABET.contains(&b));
    ok.then_some(c)
}

/// Why `code` is not a room code, in words (`None` if it is one): which characters are
/// not in [`CODE_ALPHABET`], or the length.
#[must_use]
pub fn code_problem(code: &str) -> Option<String> {
    if normalise_code(code).is_some() {
        return None;
    }
    let c: Vec<char> =
        code.chars().filter(|c| !c.is_whitespace() && *c != '-').map(|c| c.to_ascii_uppercase()).collect();
    let mut bad: Vec<char> = Vec::new();
    for ch in &c {
        if !u8::try_from(*ch).is_ok_and(|b| CODE_ALPHABET.contains(&b)) && !bad.contains(ch) {
            bad.push(*ch);
        }
    }
    let shown: Vec<String> = bad.iter().take(8).map(|ch| format!("'{}'", ch.escape_debug())).collect();
    Some(if !bad.is_empty() {
        format!(
            "{} {} not used in room codes (they are letters and digits without 0, O, 1, I or L, such as K7M2QX)",
            shown.join(", "),
            if bad.len() == 1 { "is" } else { "are" }
        )
    } else {
        format!("a room code has 4 to 12 characters, not {} (such as K7M2QX)", c.len())
    })
}

/// A name the room has not accepted, as the host's log shows it: control and invisible
/// characters as escapes (`\u{1b}`), cut to [`SHOWN_NAME_CHARS`] characters.
#[must_use]
pub fn shown_name(raw: &str) -> String {
    crate::text::escape(raw, crate::text::is_invisible, SHOWN_NAME_CHARS)
}

/// A remote bot's log line or fault text for the match log: control and other hidden
/// characters (see [`crate::text::is_hidden`]) removed, cut to 200 characters.
fn clean_line(line: &str) -> String {
    // Tabs and line breaks become spaces (words stay apart); other hidden characters go.
    line.chars()
        .filter_map(|c| match c {
            '\t' | '\n' | '\r' => Some(' '),
            c if crate::text::is_hidden(c) => None,
            c => Some(c),
        })
        .take(MAX_LOG_CHARS)
        .collect()
}

/// Why an order or input from the other side does not decode, in words (not a
/// recording's).
pub(super) fn order_problem(e: RecordError) -> String {
    match e {
        RecordError::Invalid(why) => why,
        other => other.to_string(),
    }
}

/// A display name cleaned for the projector: control and invisible characters (see
/// [`crate::text::is_invisible`]) removed, trimmed, 1 to [`MAX_NAME_CHARS`] characters.
///
/// # Errors
/// Empty or too long, in words.
pub fn clean_name(name: &str) -> Result<String, String> {
    let n: String = name.chars().filter(|c| !crate::text::is_invisible(*c)).collect();
    let n = n.trim().to_string();
    if n.is_empty() && !name.is_empty() {
        return Err(format!(
            "the name has no visible characters (it was only spaces or invisible marks); a name has 1 to \
             {MAX_NAME_CHARS} visible characters"
        ));
    }
    if n.is_empty() {
        return Err(format!("the name is empty: give 1 to {MAX_NAME_CHARS} visible characters, such as --name ana"));
    }
    if n.chars().count() > MAX_NAME_CHARS {
        return Err(format!("the name is too long: at most {MAX_NAME_CHARS} characters"));
    }
    Ok(n)
}

fn random_token() -> Result<Token, String> {
    let mut t = [0u8; 16];
    getrandom::fill(&mut t).map_err(|e| format!("the server has no randomness for a token ({e})"))?;
    Ok(t)
}

/// Compares tokens in time independent of where they differ.
fn same_token(a: &Token, b: &Token) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The wall clock, microseconds since the Unix epoch.
#[must_use]
pub fn unix_us() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
}

fn frame<T: serde::Serialize>(msg: &T) -> Bytes {
    Bytes::from(protocol::encode(msg))
}

// ---------------------------------------------------------------------------------------
// The room thread
// ---------------------------------------------------------------------------------------

/// Where the broadcast stands in the recording: `(tick index, input index)`.
type Cursor = (usize, usize);

struct Conn {
    tx: mpsc::Sender<Bytes>,
    /// Set when the room drops the connection (and logs why), so that its task does not
    /// log the hang-up that follows as a second, different reason.
    dropped: Arc<AtomicBool>,
    peer: SocketAddr,
    player: Option<usize>,
    name: String,
    /// A new client's own start in the recording (its catch-up already holds the rest).
    since: Option<Cursor>,
    joined: (u64, Instant),
    /// The room's block when this connection's first decision arrived: a remote bot
    /// sends one as soon as it has loaded the match (its start), and the blocks run
    /// meanwhile reach it in a backlog. Its decisions about blocks up to this one are
    /// dropped when late but are not faults, or a slow machine joining a long match
    /// would forfeit while loading it.
    loaded_at: Option<u64>,
}

struct Player {
    name: String,
    token: Token,
    account: AccountId,
    role: Role,
    conn: Option<u64>,
    /// A remote bot's last decision (`after_block`): it decides at most once a block.
    last_decision: Option<u64>,
    /// A remote bot's budgets for orders, log lines and fault notices (see
    /// [`BOT_ORDERS_FACTOR`]).
    orders: Bucket,
    logs: Bucket,
    notices: Bucket,
    /// Whether the bot has been told its orders, or its log lines, are being dropped
    /// (each told once a match).
    told_orders: bool,
    told_logs: bool,
    /// The host kicked it: its token is refused for the rest of the match.
    kicked: bool,
    /// When a late decision last counted a fault (see [`Limits::late_fault_every`]).
    late_fault_at: Option<Instant>,
}

impl Player {
    fn new(name: String, token: Token, account: AccountId, role: Role, limits: &Limits) -> Self {
        Self {
            name,
            token,
            account,
            role,
            conn: None,
            last_decision: None,
            orders: Bucket::new(limits.orders_per_sec.saturating_mul(BOT_ORDERS_FACTOR)),
            logs: Bucket::new(BOT_LOG_LINES_PER_SEC),
            notices: Bucket::new(BOT_LOG_LINES_PER_SEC),
            told_orders: false,
            told_logs: false,
            kicked: false,
            late_fault_at: None,
        }
    }
}

struct Room {
    session: Session,
    tick: Duration,
    limits: Limits,
    record: Option<PathBuf>,
    log: bool,
    conns: BTreeMap<u64, Conn>,
    players: Vec<Player>,
    cursor: Cursor,
    sent: VecDeque<(u64, Instant)>,
    paused: bool,
    blocks_per_sec: u32,
    next_block: Instant,
    error: Option<String>,
    ended: Option<String>,
    /// The host ended the match (`end`, Ctrl-C): its replay ends it where it stopped.
    ended_by_host: bool,
    /// Objectives already told to the host: `(objective, player)` (no player for a goal
    /// about the world).
    objectives_told: BTreeSet<(usize, Option<AccountId>)>,
    /// Faults of each server bot told to the host so far.
    faults_told: Vec<u32>,
    /// The last catch-up sent (see [`Room::catch_up`]).
    catch_up_cache: Option<CatchUp>,
    /// Names the host kicked (lower case): refused for the rest of the match.
    kicked: BTreeSet<String>,
    /// Spectators that joined without a name so far (each is named by its number).
    spectators: u64,
    /// How often, and when next, the replay is saved while the match runs (so that a
    /// crash or a power cut loses at most a minute of a class's match).
    autosave_every: Duration,
    next_autosave: Instant,
    /// Whether the replay file holds this room's own save already: from then on saves
    /// replace it without moving it to the backup (which keeps the file that was there
    /// before the room).
    saved_once: bool,
}

/// How often a room saves its replay while the match runs.
pub const AUTOSAVE_EVERY: Duration = Duration::from_secs(60);

/// A framed catch-up: the recording as it was after `block` blocks, up to `since`.
struct CatchUp {
    block: u64,
    since: Cursor,
    bytes: u64,
    chunks: Vec<Bytes>,
}

impl Room {
    fn new(c: &ServerConfig) -> Result<Self, String> {
        let mut session = Session::new(&c.map, c.seed, c.blocks).map_err(|e| e.to_string())?;
        session.start_recording(chrono::Utc::now());
        let seed = session.world().seed;
        for (seat, e) in c.bots.iter().enumerate() {
            let actor = LuaActor::load_file(&e.file, &e.name, &e.source, seed, seat).map_err(|err| err.to_string())?;
            session.add_bot(&e.name, Box::new(actor));
        }
        Ok(Self {
            session,
            tick: c.tick.max(Duration::from_millis(5)),
            limits: c.limits.clone(),
            record: c.record.clone(),
            log: c.log,
            conns: BTreeMap::new(),
            players: Vec::new(),
            cursor: (0, 0),
            sent: VecDeque::new(),
            paused: c.paused,
            blocks_per_sec: c.blocks_per_sec.clamp(1, 7200),
            next_block: Instant::now(),
            error: None,
            ended: None,
            ended_by_host: false,
            objectives_told: BTreeSet::new(),
            spectators: 0,
            autosave_every: c.autosave_every,
            next_autosave: Instant::now() + c.autosave_every,
            saved_once: false,
            faults_told: Vec::new(),
            catch_up_cache: None,
            kicked: BTreeSet::new(),
        })
    }

    /// Tells the host (on its terminal) each objective reached since the last tick: by
    /// the world, or by each player for a goal about the player. Returns the lines.
    fn tell_objectives(&mut self) -> Vec<String> {
        let objectives = self.session.objectives();
        let mut lines = Vec::new();
        for (k, o) in self.session.map().objectives.iter().enumerate() {
            let Some(goal) = &o.goal else { continue };
            let who: Vec<(Option<AccountId>, Option<&str>)> = if goal.is_personal() {
                self.players.iter().map(|p| (Some(p.account), Some(p.name.as_str()))).collect()
            } else {
                vec![(None, None)]
            };
            for (account, name) in who {
                let Some(block) = objectives.reached(k, account) else { continue };
                if self.objectives_told.insert((k, account)) {
                    let by = name.map(|n| format!(" by '{n}'")).unwrap_or_default();
                    // After `block` blocks (the Log's block is the last of them, counted from 0).
                    let after = crate::text::blocks(block);
                    lines.push(format!("objective {} reached{by} after {after}: {}", k + 1, o.text));
                }
            }
        }
        for l in &lines {
            self.log(l);
        }
        lines
    }

    /// Tells the host each new fault of a bot the server runs (a remote bot's own
    /// terminal tells its author; the host would otherwise see them only in the
    /// standings), with the fault's text and how many it has.
    fn tell_faults(&mut self) -> Vec<String> {
        let mut lines = Vec::new();
        let seats = self.session.seats();
        self.faults_told.resize(seats.len(), 0);
        for (k, seat) in seats.iter().enumerate() {
            let f = self.session.seat_faults(k);
            if f.faults <= self.faults_told[k] {
                continue;
            }
            self.faults_told[k] = f.faults;
            let last = self.session.log().iter().rev().find(|l| l.who == seat.name && l.text.starts_with("fault"));
            let text = last.map_or_else(String::new, |l| format!("[block {}] {}", l.block, l.text));
            // The fault's own text says when it forfeits.
            lines.push(crate::text::escape_controls(&format!(
                "server bot '{}' ({}): {text}",
                seat.name,
                crate::text::count(usize::try_from(f.faults).unwrap_or(usize::MAX), "fault", "faults")
            )));
        }
        for l in &lines {
            self.log(l);
        }
        lines
    }

    fn log(&self, line: &str) {
        if self.log {
            super::log(line);
        }
    }

    fn run(&mut self, inbox: &Receiver<ToRoom>) -> MatchEnd {
        let mut next_tick = Instant::now() + self.tick;
        while self.ended.is_none() {
            match inbox.recv_timeout(next_tick.saturating_duration_since(Instant::now())) {
                Ok(m) => self.handle(m),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => self.ended = Some("the server stopped".into()),
            }
            let now = Instant::now();
            if now >= next_tick {
                self.run_blocks();
                self.tell_objectives();
                self.tell_faults();
                self.broadcast();
                if now >= self.next_autosave {
                    self.next_autosave = now + self.autosave_every;
                    self.autosave();
                }
                next_tick += self.tick;
                if next_tick < now {
                    next_tick = now + self.tick;
                }
                if self.session.is_over() && self.ended.is_none() {
                    // Blocks count from 0: block `end - 1` is the last.
                    self.ended = Some(format!(
                        "the last block ({}) ran",
                        crate::text::thousands(self.session.end_block().saturating_sub(1))
                    ));
                }
            }
        }
        let reason = self.ended.take().unwrap_or_default();
        let error = self.error.take();
        self.finish(reason, error)
    }

    /// Writes the replay as it stands: the first time keeping the file it replaces as its
    /// backup, then over the room's own save.
    fn save(&mut self, path: &std::path::Path, rec: &crate::record::Recording) -> std::io::Result<()> {
        let bytes = crate::record::wire::encode(rec);
        if self.saved_once {
            crate::record::fs::write_atomic(path, |w| w.write_all(&bytes))?;
        } else {
            crate::record::fs::write_with_backup(path, &bytes)?;
        }
        self.saved_once = true;
        Ok(())
    }

    /// Saves the replay of the match so far (a recording that stops short, which
    /// `replay` plays and `replay --verify` checks), and says so only if it fails.
    fn autosave(&mut self) {
        let (Some(path), Some(rec)) = (self.record.clone(), self.session.recording(chrono::Utc::now())) else {
            return;
        };
        if let Err(e) = self.save(&path, &rec) {
            self.log(&format!("the replay could not be saved to {} (trying again in a minute): {e}", path.display()));
        }
    }

    /// Runs the blocks the clock says are due, for at most most of a tick.
    fn run_blocks(&mut self) {
        let now = Instant::now();
        if self.paused || self.error.is_some() {
            self.next_block = now;
            return;
        }
        let period = Duration::from_secs(1) / self.blocks_per_sec.max(1);
        let budget = self.tick * 4 / 5;
        while self.next_block <= Instant::now() && !self.session.is_over() && now.elapsed() < budget {
            match catch_unwind(AssertUnwindSafe(|| self.session.step())) {
                Ok(Ok(())) => {}
                Ok(Err(e)) => self.fail(e.to_string()),
                Err(_) => self.fail("the simulation panicked".into()),
            }
            if self.error.is_some() {
                return;
            }
            self.next_block += period;
        }
        // Falling behind (a slow machine at top speed): drop the debt.
        if Instant::now().saturating_duration_since(self.next_block) > Duration::from_millis(250) {
            self.next_block = Instant::now();
        }
    }

    fn fail(&mut self, why: String) {
        self.log(&format!("the match stops: {why}"));
        self.error = Some(why.clone());
        self.ended = Some(format!("the simulation failed: {why}"));
    }

    fn handle(&mut self, m: ToRoom) {
        match m {
            ToRoom::Join { conn, peer, hello, locked_out, tx, dropped, reply } => {
                let r = if locked_out && !hello.token.as_ref().is_some_and(|t| self.known_token(t)) {
                    Err(locked_out_message())
                } else {
                    self.join(conn, peer, &hello, tx, dropped)
                };
                if let Err(f) = &r {
                    // Not a name of the room yet: shown escaped and cut short.
                    self.log(&format!("{peer}: refused '{}': {}", shown_name(&hello.name), f));
                }
                if reply.send(r).is_err() {
                    self.drop_conn(conn, Some("left during the handshake"));
                }
            }
            ToRoom::Order { conn, order } => self.order(conn, order),
            ToRoom::Decision { conn, decision, at } => self.decision(conn, decision, at),
            ToRoom::Host { cmd, reply } => {
                let text = self.host(cmd);
                let _ = reply.send(text);
            }
        }
    }

    fn known_token(&self, token: &Token) -> bool {
        self.players.iter().any(|p| same_token(&p.token, token))
    }

    /// Why a new player may not take `name`, if it is not free: a player's (whose own
    /// computer may hold its token, as the refusal's hint says), or someone else's.
    fn name_taken(&self, name: &str) -> Option<String> {
        let lower = name.to_lowercase();
        let taken = |by: &str| Some(format!("the name '{name}' is taken in this room{by}: choose another with --name"));
        if ["map", "server", "connection", "genesis"].contains(&lower.as_str()) {
            return Some(format!(
                "the name '{name}' is reserved (it marks the log's own lines): choose another with --name"
            ));
        }
        if self.players.iter().any(|p| p.name.to_lowercase() == lower)
            || self.conns.values().any(|c| c.name.to_lowercase() == lower)
        {
            return taken("");
        }
        match self.session.world().accounts.iter().find(|a| a.name.to_lowercase() == lower).map(|a| a.kind) {
            Some(crate::engine::AccountKind::Bot) => taken(" by one of the host's bots"),
            Some(crate::engine::AccountKind::Npc) => taken(" by one of the map's accounts"),
            Some(crate::engine::AccountKind::Human) => taken(""),
            None => None,
        }
    }

    fn join(
        &mut self,
        conn: u64,
        peer: SocketAddr,
        hello: &Hello,
        tx: mpsc::Sender<Bytes>,
        dropped: Arc<AtomicBool>,
    ) -> JoinReply {
        if self.ended.is_some() || self.session.is_over() {
            return Err("the match is over".into());
        }
        let player = if let Some(token) = &hello.token {
            // Not counted as a failed attempt: nobody guesses a 128-bit token, and a room
            // restarted with the same code makes every kept token unknown.
            let Some(k) = self.players.iter().position(|p| same_token(&p.token, token)) else {
                return Err(
                    "unknown token: it is not from this room (join without a token to get a new account)".into()
                );
            };
            if self.players[k].kicked {
                return Err(kicked_out(&self.players[k].name));
            }
            if self.players[k].role != hello.role {
                return Err(format!(
                    "this token is {}'s, who joined as a {}: join as a {} with it, or without a token under another name",
                    self.players[k].name,
                    role_name(self.players[k].role),
                    role_name(self.players[k].role)
                ));
            }
            if let Some(old) = self.players[k].conn.take() {
                self.drop_conn(old, Some(REPLACED));
            }
            self.log(&format!("{peer}: '{}' is back", self.players[k].name));
            Some(k)
        } else if hello.role == Role::Spectator && hello.name.trim().is_empty() {
            // The name the room gives it, which `kick` takes: spectators counted from 1.
            self.spectators += 1;
            self.log(&format!("{peer}: a spectator joined as 'spectator {}'", self.spectators));
            None
        } else {
            let name = clean_name(&hello.name)?;
            if self.kicked.contains(&name.to_lowercase()) {
                return Err(kicked_out(&name));
            }
            if let Some(why) = self.name_taken(&name) {
                return Err(why);
            }
            match hello.role {
                Role::Spectator => {
                    self.log(&format!("{peer}: spectator '{name}' joined"));
                    None
                }
                Role::Player | Role::Bot => {
                    // Seats are for connected players: one who left frees theirs (and
                    // keeps the account, which a token brings back at any time).
                    let connected = self.connected_players();
                    if connected >= self.limits.max_players {
                        return Err(format!(
                            "the room is full: {} connected, the host's limit (--max-players {}); a seat \
                             frees when one of them leaves",
                            crate::text::count(connected, "player or bot is", "players and bots are"),
                            self.limits.max_players
                        ));
                    }
                    let cap = self.limits.max_players.saturating_mul(ACCOUNTS_PER_SEAT).max(MIN_ACCOUNTS);
                    if self.players.len() >= cap {
                        return Err(format!(
                            "the room has made {} accounts, its most (players who left keep theirs): \
                             ask the host for a seat",
                            self.players.len()
                        ));
                    }
                    let token = random_token()?;
                    let account = if hello.role == Role::Bot {
                        let tao = self.session.map().start_tao;
                        self.session.add_account(&name, AccountKind::Bot, tao)
                    } else {
                        self.session.add_human(&name)
                    };
                    self.log(&format!("{peer}: {} '{name}' joined", role_name(hello.role)));
                    self.players.push(Player::new(name, token, account, hello.role, &self.limits));
                    Some(self.players.len() - 1)
                }
            }
        };
        let name = match player {
            Some(k) => self.players[k].name.clone(),
            None => clean_name(&hello.name).unwrap_or_else(|_| format!("spectator {}", self.spectators)),
        };
        let (since, recording_bytes, chunks) = self.catch_up()?;
        let p = player.map(|k| &self.players[k]);
        let welcome = Welcome {
            account: p.map(|p| p.account.0),
            name: name.clone(),
            token: p.map(|p| p.token),
            recording_bytes,
            tick_ms: u32::try_from(self.tick.as_millis()).unwrap_or(u32::MAX),
            bot_deadline_ms: u32::try_from(self.limits.bot_deadline.as_millis()).unwrap_or(u32::MAX),
            orders_per_sec: self.limits.orders_per_sec,
        };
        if let Some(k) = player {
            self.players[k].conn = Some(conn);
        }
        let joined = (self.session.world().block, Instant::now());
        self.conns.insert(conn, Conn { tx, dropped, peer, player, name, since: Some(since), joined, loaded_at: None });
        Ok((welcome, chunks))
    }

    /// The recording so far, framed in chunks, and where it ends. Joiners in the same
    /// block with nothing recorded in between share one copy (a class joining at once
    /// must not hold thirty copies of a long match).
    fn catch_up(&mut self) -> Result<(Cursor, u64, Vec<Bytes>), String> {
        let block = self.session.world().block;
        let Some(rec) = self.session.recorded() else {
            return Err("the match is not recorded".into());
        };
        let since = end_cursor(rec);
        if let Some(c) = self.catch_up_cache.as_ref().filter(|c| c.block == block && c.since == since) {
            return Ok((since, c.bytes, c.chunks.clone()));
        }
        let Some(rec) = self.session.recording(chrono::Utc::now()) else {
            return Err("the match is not recorded".into());
        };
        let bytes = crate::record::wire::encode(&rec);
        let chunks: Vec<Bytes> =
            bytes.chunks(CATCH_UP_CHUNK_BYTES).map(|c| frame(&ServerMsg::CatchUp(c.to_vec()))).collect();
        let len = bytes.len() as u64;
        self.catch_up_cache = Some(CatchUp { block, since, bytes: len, chunks: chunks.clone() });
        Ok((since, len, chunks))
    }

    /// Players and remote bots connected now (the seats taken).
    fn connected_players(&self) -> usize {
        self.players.iter().filter(|p| p.conn.is_some()).count()
    }

    /// The player behind a connection, if it has the role.
    fn account_of(&self, conn: u64, role: Role) -> Option<AccountId> {
        let p = &self.players[self.conns.get(&conn)?.player?];
        (p.role == role).then_some(p.account)
    }

    fn notice(&self, conn: u64, text: String) {
        if let Some(c) = self.conns.get(&conn) {
            let _ = c.tx.try_send(frame(&ServerMsg::Notice(text)));
        }
    }

    fn order(&mut self, conn: u64, order: Order) {
        match self.account_of(conn, Role::Player) {
            Some(a) => self.session.submit(a, order),
            None => self.notice(conn, "only players send orders; this one was dropped".into()),
        }
    }

    /// A remote bot's faults so far (every fault input the world counted).
    fn faults(&self, account: AccountId) -> u32 {
        self.session.world().account(account).map_or(0, |a| a.faults)
    }

    fn decision(&mut self, conn: u64, d: Decision, at: Instant) {
        let Some(k) = self.conns.get(&conn).and_then(|c| c.player).filter(|k| self.players[*k].role == Role::Bot)
        else {
            self.notice(conn, "only bots send decisions; this one was dropped".into());
            return;
        };
        let account = self.players[k].account;
        if self.faults(account) >= fault_limit() {
            // It forfeited (and was told): it is not asked to decide any more.
            return;
        }
        if self.players[k].last_decision.is_some_and(|last| d.after_block <= last) {
            let why = format!(
                "a second decision for block {} (a bot decides at most once a block, in block order)",
                d.after_block
            );
            self.drop_conn(conn, Some(&why));
            return;
        }
        self.players[k].last_decision = Some(d.after_block);
        let block = self.session.world().block;
        let deadline = self.limits.bot_deadline;
        let reference = match self.conns.get(&conn) {
            Some(c) if d.after_block <= c.joined.0 => Some(c.joined.1),
            _ => self.sent.iter().find(|(b, _)| *b >= d.after_block).map(|(_, t)| *t),
        };
        let late = if d.after_block > block {
            Some(format!("a decision after block {} came before the block ran", d.after_block))
        } else {
            match reference.map(|r| at.saturating_duration_since(r)) {
                Some(waited) if waited <= deadline => None,
                waited => Some(format!(
                    "the decision after block {} came {} ms after the block, past the deadline of {} ms",
                    d.after_block,
                    waited.map_or_else(|| "too many".to_string(), |w| w.as_millis().to_string()),
                    deadline.as_millis()
                )),
            }
        };
        let loaded_at = self.conns.get_mut(&conn).map_or(block, |c| *c.loaded_at.get_or_insert(block));
        if let Some(what) = late {
            let every = self.limits.late_fault_every;
            let recent = self.players[k].late_fault_at.is_some_and(|t| at.saturating_duration_since(t) < every);
            let excused = if d.after_block <= loaded_at {
                Some("while this bot was loading the match".to_string())
            } else if recent && d.after_block <= block {
                Some(format!("within {} s of its last late decision's fault", every.as_secs()))
            } else {
                None
            };
            match excused {
                Some(when) => {
                    if self.players[k].notices.take() {
                        let b = d.after_block;
                        self.notice(
                            conn,
                            format!("the decision after block {b} came late, {when}: dropped (not a fault)"),
                        );
                    }
                }
                None => {
                    self.players[k].late_fault_at = Some(at);
                    self.bot_fault(k, conn, &what, true);
                }
            }
            return;
        }
        let mut dropped = Vec::new();
        for line in d.log.iter().take(MAX_DECISION_LOG_LINES) {
            if !self.players[k].logs.take() {
                dropped.push("log lines");
                break;
            }
            let _ = self.session.apply_input(&Input::Log { account, text: clean_line(line) });
        }
        if let Some(f) = d.fault {
            // The bot printed its own fault; the room only records it (and says when it
            // forfeits).
            self.bot_fault(k, conn, &clean_line(&f), false);
            self.tell_dropping(k, conn, &dropped);
            return;
        }
        if d.orders.len() > MAX_DECISION_ORDERS {
            self.notice(conn, format!("a decision has at most {MAX_DECISION_ORDERS} orders; the rest were dropped"));
        }
        for o in d.orders.into_iter().take(MAX_DECISION_ORDERS) {
            if protocol::encode(&o).len() > MAX_ORDER_BYTES {
                continue;
            }
            match o.decode() {
                Ok(order) if self.players[k].orders.take() => self.session.submit(account, order),
                Ok(_) => {
                    dropped.push("orders");
                    break;
                }
                Err(e) => self.notice(conn, format!("an order was dropped: {}", order_problem(e))),
            }
        }
        self.tell_dropping(k, conn, &dropped);
    }

    /// Counts a remote bot's fault (`what`: why its turn was lost), as the match log
    /// words a strategy's fault; at [`fault_limit`] faults it forfeits. Tells the bot
    /// (`notify`, at most [`BOT_LOG_LINES_PER_SEC`] notices a second) and always when it
    /// forfeits.
    fn bot_fault(&mut self, k: usize, conn: u64, what: &str, notify: bool) {
        let (account, limit) = (self.players[k].account, fault_limit());
        let forfeits = self.faults(account).saturating_add(1) >= limit;
        let tail = if forfeits { "; too many faults: it forfeits the match" } else { "" };
        let text = format!("fault: {what} (turn lost{tail})");
        let _ = self.session.apply_input(&Input::Fault { account, text: text.clone() });
        if notify && self.players[k].notices.take() {
            self.notice(conn, text);
        }
        if forfeits {
            self.notice(
                conn,
                format!(
                    "{limit} faults in this match: the bot forfeits; it is not asked to decide again, and what it \
                     holds stays in the world and is scored"
                ),
            );
            self.log(&format!("bot '{}' forfeits the match: {limit} faults", self.players[k].name));
        }
    }

    /// Tells a remote bot, once a match for each, that its orders or log lines are
    /// being dropped.
    fn tell_dropping(&mut self, k: usize, conn: u64, dropped: &[&str]) {
        let p = &mut self.players[k];
        let mut news = Vec::new();
        for &what in dropped {
            let told = if what == "orders" { &mut p.told_orders } else { &mut p.told_logs };
            if !std::mem::replace(told, true) {
                news.push(what);
            }
        }
        if news.is_empty() {
            return;
        }
        let text = format!(
            "too many {} for a shared room (at most {} orders and {BOT_LOG_LINES_PER_SEC} log lines a second for a \
             bot, bursts of twice that): the rest are dropped whenever the rate is over (told once)",
            news.join(" and "),
            self.limits.orders_per_sec.saturating_mul(BOT_ORDERS_FACTOR)
        );
        self.notice(conn, text);
    }

    fn host(&mut self, cmd: HostCommand) -> String {
        match cmd {
            HostCommand::Pause => {
                self.paused = true;
                format!("paused at block {}", crate::text::thousands(self.session.world().block))
            }
            HostCommand::Resume => {
                self.paused = false;
                format!("running at {} blocks a second", self.blocks_per_sec)
            }
            HostCommand::Speed(bps) => {
                self.blocks_per_sec = bps.clamp(1, 7200);
                format!("speed: {} blocks a second", self.blocks_per_sec)
            }
            HostCommand::Events => {
                let events = &self.session.map().init.events;
                if events.is_empty() {
                    return "this map has no events".into();
                }
                let lines: Vec<String> = events
                    .iter()
                    .enumerate()
                    .map(|(k, e)| format!("{:>3}  block {:>7}  {}", k + 1, crate::text::thousands(e.block), e.kind))
                    .collect();
                lines.join("\n")
            }
            HostCommand::Event(k) => {
                let Some(e) = k.checked_sub(1).and_then(|i| self.session.map().init.events.get(i)).cloned() else {
                    return format!("no event {k}: `events` lists them");
                };
                self.session.trigger(e.kind.clone());
                format!("event {k} applied: {}", e.kind)
            }
            HostCommand::Players => self.players_table(),
            HostCommand::Kick(name) => self.kick(name.trim()),
            HostCommand::Allow(name) => {
                let name = name.trim();
                let lower = name.to_lowercase();
                let mut found = self.kicked.remove(&lower);
                for p in self.players.iter_mut().filter(|p| p.name.to_lowercase() == lower) {
                    found |= std::mem::replace(&mut p.kicked, false);
                }
                if found {
                    format!("'{name}' may join again (with the same join command)")
                } else {
                    format!("nobody called '{name}' is kicked")
                }
            }
            HostCommand::End => {
                self.ended = Some("the host ended the match".into());
                self.ended_by_host = true;
                "ending the match".into()
            }
        }
    }

    /// The host's `players`: every account that is not an NPC (students, remote bots,
    /// the server's bots) with whether it is connected, then the seats.
    fn players_table(&self) -> String {
        let w = self.session.world();
        let row = |name: &str, kind: &str, on: &str, account: AccountId| {
            let score = crate::text::tao_cents(w.score(account));
            format!("{name:<24} {kind:<10} {on:<10} {score} TAO")
        };
        let mut lines: Vec<String> = self
            .players
            .iter()
            .map(|p| {
                let on = match (p.kicked, p.conn.is_some()) {
                    (true, _) => "kicked",
                    (false, true) => "connected",
                    (false, false) => "away",
                };
                row(&p.name, role_name(p.role), on, p.account)
            })
            .collect();
        lines.extend(self.session.seats().iter().map(|s| row(&s.name, "server bot", "on server", s.account)));
        // Spectators by the name `kick` takes (the room's `spectator N` for one without).
        let mut watching: Vec<&str> =
            self.conns.values().filter(|c| c.player.is_none() && !c.name.is_empty()).map(|c| c.name.as_str()).collect();
        watching.sort_unstable();
        lines.extend(watching.iter().map(|n| format!("{n:<24} {:<10} {:<10} -", "spectator", "connected")));
        let spectators = self.conns.values().filter(|c| c.player.is_none()).count();
        let away = self.players.iter().filter(|p| p.conn.is_none() && !p.kicked).count();
        let kicked = self.players.iter().filter(|p| p.kicked).count();
        lines.push(format!(
            "{} of {} seats taken (--max-players), {away} away and {kicked} kicked (their accounts stay in the \
             match), {}, {}",
            self.connected_players(),
            self.limits.max_players,
            crate::text::count(self.session.seats().len(), "server bot", "server bots"),
            crate::text::count(spectators, "spectator", "spectators")
        ));
        lines.join("\n")
    }

    /// The host's `kick NAME`: a player or remote bot (connected or away) is disconnected
    /// and kept out for the rest of the match; a named spectator is disconnected and its
    /// name refused (it may come back without one).
    fn kick(&mut self, name: &str) -> String {
        let lower = name.to_lowercase();
        if self.session.seats().iter().any(|s| s.name.to_lowercase() == lower) {
            return format!("'{name}' is one of the server's bots (--bot): they cannot be kicked");
        }
        if let Some(k) = self.players.iter().position(|p| p.name.to_lowercase() == lower) {
            let p = &mut self.players[k];
            let shown = p.name.clone();
            if std::mem::replace(&mut p.kicked, true) {
                return format!("'{shown}' is already kicked (`allow {shown}` lets them back)");
            }
            self.kicked.insert(lower);
            if let Some(c) = p.conn {
                self.drop_conn(c, Some(&format!("{KICKED} for the rest of the match")));
            }
            return format!(
                "'{shown}' kicked: kept out for the rest of the match (their account stays in the standings; \
                 `allow {shown}` lets them back)"
            );
        }
        let spectator = self.conns.iter().find(|(_, c)| c.player.is_none() && c.name.to_lowercase() == lower);
        if let Some((&id, c)) = spectator {
            let shown = c.name.clone();
            self.kicked.insert(lower);
            self.drop_conn(id, Some(&format!("{KICKED} for the rest of the match")));
            return format!(
                "spectator '{shown}' disconnected and that name kept out; a spectator needs no name, so only a new \
                 room code keeps a screen out for good"
            );
        }
        format!("nobody called '{name}' is in this room (`players` lists them)")
    }

    /// Ends a connection: a last message if its queue has room, then its queue closes
    /// and its task hangs up once the queue is written. The host's log gets one line
    /// for it: this one, or (`why` = `None`: its task ended on its own) the task's.
    fn drop_conn(&mut self, conn: u64, why: Option<&str>) {
        let Some(c) = self.conns.remove(&conn) else { return };
        if let Some(p) = c.player {
            if self.players[p].conn == Some(conn) {
                self.players[p].conn = None;
            }
        }
        let Some(why) = why else { return };
        c.dropped.store(true, Ordering::Relaxed);
        let _ = c.tx.try_send(frame(&ServerMsg::Closed { reason: why.to_string() }));
        self.log(&format!("{}: '{}' dropped: {why}", c.peer, c.name));
    }

    /// Sends every client what happened since the last tick.
    fn broadcast(&mut self) {
        let Some(rec) = self.session.recorded() else { return };
        let (blocks, cursor) = inputs_since(rec, self.cursor);
        let to_block = self.session.world().block;
        let head = TickHead {
            to_block,
            hash: self.session.world().state_hash(),
            paused: self.paused,
            blocks_per_sec: self.blocks_per_sec,
        };
        let frames = tick_frames(blocks, &head);
        let mut gone: Vec<(u64, Option<&str>)> = Vec::new();
        for (id, c) in &mut self.conns {
            let own;
            let fs = match c.since.take() {
                Some(since) if since != self.cursor => {
                    own = tick_frames(inputs_since(rec, since).0, &head);
                    &own
                }
                _ => &frames,
            };
            for f in fs {
                match c.tx.try_send(f.clone()) {
                    Ok(()) => {}
                    Err(mpsc::error::TrySendError::Full(_)) => {
                        gone.push((*id, Some("too slow: its queue of ticks was full")));
                        break;
                    }
                    Err(mpsc::error::TrySendError::Closed(_)) => {
                        // Its task ended, and logged why.
                        gone.push((*id, None));
                        break;
                    }
                }
            }
        }
        self.cursor = cursor;
        if self.sent.len() >= SENT_TICKS {
            self.sent.pop_front();
        }
        self.sent.push_back((to_block, Instant::now()));
        for (id, why) in gone {
            self.drop_conn(id, why);
        }
    }

    /// The standings: best score first, ties in account order (the order the clients'
    /// tables use, so a student's rank is the host's).
    fn standings(&self) -> Vec<Standing> {
        let w = self.session.world();
        let mut rows: Vec<(AccountId, Standing)> = w
            .accounts
            .iter()
            .filter(|a| a.kind != AccountKind::Npc)
            .map(|a| {
                let row = Standing {
                    rank: 0,
                    name: a.name.clone(),
                    kind: a.kind.name().to_string(),
                    score_rao: w.score(a.id),
                    roi: crate::session::report::roi(w, a.id).unwrap_or(0.0),
                    faults: a.faults,
                };
                (a.id, row)
            })
            .collect();
        rows.sort_by(|a, b| b.1.score_rao.cmp(&a.1.score_rao).then(a.0.cmp(&b.0)));
        let mut out: Vec<Standing> = rows.into_iter().map(|(_, r)| r).collect();
        // Equal scores share the best rank among them (1, 2, 2, 4), as on the game's
        // leaderboard.
        let ranks: Vec<usize> =
            (0..out.len()).map(|k| crate::session::handle::rank_by(&out, k, |r| r.score_rao)).collect();
        for (r, rank) in out.iter_mut().zip(ranks) {
            r.rank = u32::try_from(rank).unwrap_or(u32::MAX);
        }
        out
    }

    /// The end: a last tick, the standings to everyone, the replay on disk.
    fn finish(&mut self, reason: String, error: Option<String>) -> MatchEnd {
        self.broadcast();
        let mut recording = self.session.recording(chrono::Utc::now());
        // Not a match whose simulation failed (the host's `end` may come in the same pass).
        if let Some(rec) = recording.as_mut().filter(|_| self.ended_by_host && error.is_none()) {
            // The match ended here, as its standings say: its replay is a finished match
            // with a winner, not a recording that stops short (the planned length goes;
            // the checkpoint spacing, and so every recorded hash, stays).
            rec.header.end_block = rec.block;
        }
        let (mut replay, mut replay_error) = (None, None);
        if let (Some(path), Some(rec)) = (self.record.clone(), &recording) {
            match self.save(&path, rec) {
                Ok(()) => {
                    self.log(&format!("replay saved to {}", path.display()));
                    replay = Some(path.display().to_string());
                }
                Err(e) => {
                    let problem = format!("the replay could not be saved to {}: {e}", path.display());
                    self.log(&problem);
                    replay_error = Some(problem);
                }
            }
        }
        // The world's goals this match missed (those reached were told as they were), so
        // that a teacher sees that the story did not come to pass.
        let objectives = self.session.objectives();
        for (k, o) in self.session.map().objectives.iter().enumerate() {
            if o.goal.as_ref().is_some_and(|g| !g.is_personal()) && objectives.reached(k, None).is_none() {
                self.log(&format!("objective {} not reached in this match: {}", k + 1, o.text));
            }
        }
        let end = End { reason, standings: self.standings(), replay };
        let f = frame(&ServerMsg::End(end.clone()));
        for (_, c) in std::mem::take(&mut self.conns) {
            let _ = c.tx.try_send(f.clone());
        }
        // Why, with the standings, is `serve`'s own output (said once).
        self.log(&format!("match over after {}", crate::text::blocks(self.session.world().block)));
        MatchEnd { end, recording, error, replay_error }
    }
}

/// The refusal of a kicked name or token.
fn kicked_out(name: &str) -> String {
    format!("the host has kicked '{name}' out of this room: this account cannot rejoin this match")
}

fn role_name(r: Role) -> &'static str {
    match r {
        Role::Player => "player",
        Role::Spectator => "watcher",
        Role::Bot => "bot",
    }
}

/// Where a recording ends, as a cursor.
fn end_cursor(rec: &Recording) -> Cursor {
    rec.ticks.last().map_or((0, 0), |t| (rec.ticks.len() - 1, t.inputs.len()))
}

/// The inputs recorded after `from`, and the new end.
fn inputs_since(rec: &Recording, from: Cursor) -> (Vec<BlockInputs>, Cursor) {
    let mut out = Vec::new();
    let (mut t, mut i) = from;
    while let Some(tick) = rec.ticks.get(t) {
        if let Some(rest) = tick.inputs.get(i..).filter(|r| !r.is_empty()) {
            out.push(BlockInputs { block: tick.block, inputs: rest.iter().map(WireInput::from).collect() });
        }
        i = tick.inputs.len();
        if t + 1 >= rec.ticks.len() {
            break;
        }
        t += 1;
        i = 0;
    }
    (out, (t, i))
}

struct TickHead {
    to_block: u64,
    hash: [u8; 32],
    paused: bool,
    blocks_per_sec: u32,
}

/// A tick as frames: one, or (when its inputs do not fit) several whose last carries
/// the hash.
fn tick_frames(blocks: Vec<BlockInputs>, head: &TickHead) -> Vec<Bytes> {
    let tick = |blocks: Vec<BlockInputs>, to_block: u64, last: bool| {
        frame(&ServerMsg::Tick(Tick {
            blocks,
            to_block,
            state_hash: last.then_some(head.hash),
            paused: head.paused,
            blocks_per_sec: head.blocks_per_sec,
            sent_unix_us: unix_us(),
        }))
    };
    let whole = tick(blocks.clone(), head.to_block, true);
    if whole.len() <= MAX_FRAME_BYTES {
        return vec![whole];
    }
    // Pack inputs into parts that fit, with room for the message around them.
    let room = MAX_FRAME_BYTES - 1024;
    let mut frames = Vec::new();
    let mut part: Vec<BlockInputs> = Vec::new();
    let mut size = 0;
    for g in blocks {
        for input in g.inputs {
            let n = protocol::encode(&input).len() + 16;
            if n > room {
                // Cannot happen for orders (their size is capped); a giant log line is left out.
                continue;
            }
            if size + n > room {
                let to = part.last().map_or(0, |p: &BlockInputs| p.block);
                frames.push(tick(std::mem::take(&mut part), to, false));
                size = 0;
            }
            match part.last_mut() {
                Some(p) if p.block == g.block => p.inputs.push(input),
                _ => part.push(BlockInputs { block: g.block, inputs: vec![input] }),
            }
            size += n;
        }
    }
    frames.push(tick(part, head.to_block, true));
    frames
}

// ---------------------------------------------------------------------------------------
// Connections
// ---------------------------------------------------------------------------------------

struct Shared {
    code: String,
    limits: Limits,
    inbox: SyncSender<ToRoom>,
    next_conn: AtomicU64,
    connections: AtomicUsize,
    failures: Mutex<HashMap<IpAddr, VecDeque<Instant>>>,
    /// Connections per address that have not said hello yet.
    handshakes: Mutex<HashMap<IpAddr, usize>>,
    /// Lines about connections that never joined, kept to a few per window.
    strangers: Mutex<Throttle>,
    log: bool,
}

/// How many lines about connections that never joined the log shows per window, and the
/// window: a flood of them (a port scan, a client retrying in a loop, a class behind one
/// full server) would otherwise bury the lines about the players.
const STRANGER_LINES: u32 = 20;
const STRANGER_WINDOW: Duration = Duration::from_secs(10);

/// Shows the first [`STRANGER_LINES`] lines of each [`STRANGER_WINDOW`], counts the rest,
/// and sums them up in one line when the window ends.
#[derive(Default)]
struct Throttle {
    since: Option<Instant>,
    shown: u32,
    hidden: u64,
}

impl Throttle {
    /// Whether a line at `now` is shown, after the summary of a window that ended.
    fn admit(&mut self, now: Instant) -> (Option<String>, bool) {
        let summary = self.roll(now, false);
        self.since.get_or_insert(now);
        if self.shown < STRANGER_LINES {
            self.shown += 1;
            (summary, true)
        } else {
            self.hidden += 1;
            (summary, false)
        }
    }

    /// Ends the window if it is over (or `now`, when the server stops): the line that
    /// sums up what it did not show.
    fn roll(&mut self, now: Instant, stop: bool) -> Option<String> {
        if !stop && self.since.is_none_or(|t| now.saturating_duration_since(t) < STRANGER_WINDOW) {
            return None;
        }
        let hidden = std::mem::take(&mut self.hidden);
        *self = Self::default();
        (hidden > 0).then(|| {
            let what = if hidden == 1 { "connection was" } else { "connections were" };
            format!(
                "{} more {what} refused or dropped before joining (not shown: at most {STRANGER_LINES} such \
                 lines every {} s)",
                crate::text::thousands(hidden),
                STRANGER_WINDOW.as_secs()
            )
        })
    }
}

impl Shared {
    fn log(&self, peer: SocketAddr, line: &str) {
        if self.log {
            super::log(&format!("{peer}: {line}"));
        }
    }

    /// A line about a connection that has not joined (yet): throttled.
    fn log_stranger(&self, peer: SocketAddr, line: &str) {
        if !self.log {
            return;
        }
        let (summary, show) = self.strangers.lock().unwrap_or_else(PoisonError::into_inner).admit(Instant::now());
        if let Some(summary) = summary {
            super::log(&summary);
        }
        if show {
            super::log(&format!("{peer}: {line}"));
        }
    }

    /// Writes the summary of a window that has ended (or of the last one, when the
    /// server stops), if it hid lines.
    fn flush_strangers(&self, stop: bool) {
        let summary = self.strangers.lock().unwrap_or_else(PoisonError::into_inner).roll(Instant::now(), stop);
        if let (Some(summary), true) = (summary, self.log) {
            super::log(&summary);
        }
    }

    /// Failed joins from `ip`'s machine in the last minute.
    fn failures(&self, ip: IpAddr) -> usize {
        let ip = machine(ip);
        let mut f = self.failures.lock().unwrap_or_else(PoisonError::into_inner);
        let q = f.entry(ip).or_default();
        while q.front().is_some_and(|t| t.elapsed() > Duration::from_secs(60)) {
            q.pop_front();
        }
        let n = q.len();
        if n == 0 {
            f.remove(&ip);
        }
        n
    }

    /// Counts a failed join from `ip`'s machine; returns its failures in the last minute.
    fn failed(&self, ip: IpAddr) -> usize {
        let mut f = self.failures.lock().unwrap_or_else(PoisonError::into_inner);
        if f.len() > 10_000 {
            f.clear();
        }
        let q = f.entry(machine(ip)).or_default();
        q.push_back(Instant::now());
        q.len()
    }
}

/// The address one machine joins from: an IPv4 address, or an IPv6 address's /64.
fn machine(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) if v6.to_ipv4_mapped().is_none() => {
            IpAddr::V6(std::net::Ipv6Addr::from(u128::from(v6) & !u128::from(u64::MAX)))
        }
        other => other,
    }
}

/// Counts a connection from `ip` until it has said hello (or gone).
struct Handshake<'a> {
    sh: &'a Shared,
    ip: IpAddr,
}

impl<'a> Handshake<'a> {
    /// `None` when `ip` already has [`MAX_HANDSHAKES_PER_ADDRESS`] in progress. An IPv6
    /// address counts by its /64, the block one machine may take addresses from.
    fn start(sh: &'a Shared, ip: IpAddr) -> Option<Self> {
        let ip = machine(ip);
        let mut h = sh.handshakes.lock().unwrap_or_else(PoisonError::into_inner);
        let n = h.entry(ip).or_default();
        if *n >= MAX_HANDSHAKES_PER_ADDRESS {
            return None;
        }
        *n += 1;
        Some(Self { sh, ip })
    }
}

impl Drop for Handshake<'_> {
    fn drop(&mut self) {
        let mut h = self.sh.handshakes.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(n) = h.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                h.remove(&self.ip);
            }
        }
    }
}

/// Counts a connection while it lives.
struct Slot<'a>(&'a AtomicUsize);

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => {
                if shared.connections.load(Ordering::Relaxed) >= shared.limits.max_connections {
                    shared.log_stranger(peer, "refused: too many connections");
                    // Say why (within a second), so the student does not see a bare hang-up.
                    tokio::spawn(async move {
                        let (_, wr) = stream.into_split();
                        let mut output: Output = FramedWrite::new(wr, protocol::codec());
                        refuse(&mut output, "the server is full (too many connections): try again in a minute".into())
                            .await;
                    });
                    continue;
                }
                shared.connections.fetch_add(1, Ordering::Relaxed);
                let sh = Arc::clone(&shared);
                tokio::spawn(async move {
                    let _slot = Slot(&sh.connections);
                    connection(stream, peer, &sh).await;
                });
            }
            Err(e) => {
                // Out of file descriptors, a reset during accept: wait, then go on.
                super::log(&format!("accept failed: {e}"));
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

type Input_ = FramedRead<tokio::net::tcp::OwnedReadHalf, tokio_util::codec::LengthDelimitedCodec>;
type Output = FramedWrite<tokio::net::tcp::OwnedWriteHalf, tokio_util::codec::LengthDelimitedCodec>;

async fn refuse(output: &mut Output, reason: String) {
    let f = frame(&ServerMsg::Refused { reason });
    let _ = tokio::time::timeout(Duration::from_secs(1), output.send(f)).await;
}

/// Why an address that sent too many wrong room codes waits.
fn locked_out_message() -> String {
    format!(
        "{MAX_FAILED_JOINS_PER_MIN} joins with a wrong room code came from this address in the last minute (yours, \
         or others' on the same network): wait a minute and join again (a student coming back with a kept token \
         is let in)"
    )
}

/// Reads and checks the hello; also whether its address is locked out for sending too
/// many wrong room codes. A locked-out address gets the same answer whether its code is
/// right or wrong (no guessing goes on), except for a right code with a token, which the
/// room lets in if it knows the token: a student coming back.
fn hello(first: &[u8], ip: IpAddr, sh: &Shared) -> Result<(Hello, bool), String> {
    let locked_out = sh.failures(ip) >= MAX_FAILED_JOINS_PER_MIN;
    match protocol::hello_version(first) {
        None => return Err("the first message must be a hello".into()),
        Some(v) if v != PROTOCOL_VERSION => {
            return Err(format!(
                "this server speaks protocol version {PROTOCOL_VERSION} and the client {v}: \
                 use the same dtao-arena release as the host"
            ));
        }
        Some(_) => {}
    }
    let Ok(ClientMsg::Hello(h)) = protocol::decode_client(first) else {
        return Err("the hello does not decode".into());
    };
    let right_code = normalise_code(&h.room_code).as_deref() == Some(sh.code.as_str());
    if locked_out && !(right_code && h.token.is_some()) {
        return Err(locked_out_message());
    }
    if !right_code {
        if sh.failed(ip) == MAX_FAILED_JOINS_PER_MIN && sh.log {
            // Once, when it starts: the reason a class may find itself waiting.
            super::log(&format!(
                "{}: {MAX_FAILED_JOINS_PER_MIN} wrong room codes in a minute: joins from this address wait a \
                 minute (students coming back with a kept token still get in)",
                machine(ip)
            ));
        }
        return Err("wrong room code: ask the host for the code `serve` printed".into());
    }
    Ok((h, locked_out))
}

async fn connection(stream: TcpStream, peer: SocketAddr, sh: &Shared) {
    let _ = stream.set_nodelay(true);
    let _ = socket2::SockRef::from(&stream).set_send_buffer_size(sh.limits.send_buffer_bytes);
    let (rd, wr) = stream.into_split();
    let mut input: Input_ = FramedRead::new(rd, protocol::codec());
    let mut output: Output = FramedWrite::new(wr, protocol::codec());
    let Some(handshake) = Handshake::start(sh, peer.ip()) else {
        sh.log_stranger(peer, "refused: too many connections from this address are still joining");
        return refuse(
            &mut output,
            "too many connections from this address are joining at once: try again in a moment".into(),
        )
        .await;
    };
    let first = match tokio::time::timeout(sh.limits.handshake_timeout, input.next()).await {
        Err(_) => return sh.log_stranger(peer, "no hello within the handshake timeout: disconnected"),
        Ok(None) => return,
        Ok(Some(Err(e))) => return sh.log_stranger(peer, &format!("{}: disconnected", io_error(&e, "bad frame"))),
        Ok(Some(Ok(f))) => f,
    };
    drop(handshake);
    let (hello, locked_out) = match hello(&first, peer.ip(), sh) {
        Ok(h) => h,
        Err(reason) => {
            sh.log_stranger(peer, &format!("refused: {reason}"));
            return refuse(&mut output, reason).await;
        }
    };
    let (tx, mut rx) = mpsc::channel::<Bytes>(sh.limits.queue_frames.max(2));
    let (reply_tx, reply_rx) = oneshot::channel();
    let conn = sh.next_conn.fetch_add(1, Ordering::Relaxed);
    let dropped = Arc::new(AtomicBool::new(false));
    let join = ToRoom::Join { conn, peer, hello, locked_out, tx, dropped: Arc::clone(&dropped), reply: reply_tx };
    if sh.inbox.try_send(join).is_err() {
        return refuse(&mut output, "the server is busy: try again in a moment".into()).await;
    }
    let (welcome, chunks) = match tokio::time::timeout(Duration::from_secs(10), reply_rx).await {
        Ok(Ok(Ok(w))) => w,
        Ok(Ok(Err(refusal))) => {
            return refuse(&mut output, refusal).await;
        }
        _ => return refuse(&mut output, "the server did not answer".into()).await,
    };
    // The name the room gave (cleaned, or `spectator N`): never the hello's raw text.
    let name = welcome.name.clone();
    let catch_up = async {
        SinkExt::<Bytes>::feed(&mut output, frame(&ServerMsg::Welcome(welcome))).await?;
        for c in chunks {
            SinkExt::<Bytes>::feed(&mut output, c).await?;
        }
        SinkExt::<Bytes>::flush(&mut output).await
    };
    match tokio::time::timeout(sh.limits.write_timeout * 3, catch_up).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return sh.log(peer, &format!("'{name}' disconnected: {}", io_error(&e, "catch-up failed"))),
        Err(_) => return sh.log(peer, &format!("'{name}' too slow to take the catch-up: disconnected")),
    }
    let (note_tx, mut note_rx) = mpsc::channel::<Bytes>(8);
    let write_timeout = sh.limits.write_timeout;
    let writer = async {
        loop {
            let f = tokio::select! {
                f = rx.recv() => match f {
                    Some(f) => f,
                    None => break,
                },
                Some(n) = note_rx.recv() => n,
            };
            match tokio::time::timeout(write_timeout, output.send(f)).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => return io_error(&e, "write failed"),
                Err(_) => return "stalled: a write took too long".to_string(),
            }
        }
        let _ = tokio::time::timeout(write_timeout, SinkExt::<Bytes>::close(&mut output)).await;
        "closed by the room".to_string()
    };
    let reader = read_loop(&mut input, conn, sh, &note_tx);
    let why = tokio::select! {
        w = writer => w,
        r = reader => r,
    };
    if !dropped.load(Ordering::Relaxed) {
        sh.log(peer, &format!("'{name}' disconnected: {why}"));
    }
}

/// Why reading or writing a client's frames failed, for the host's log: a client that
/// vanished (reset, aborted, a closed pipe) simply left, whichever side noticed it
/// first; anything else is `what` failing ("bad frame", "write failed").
fn io_error(e: &std::io::Error, what: &str) -> String {
    use std::io::ErrorKind;
    match e.kind() {
        ErrorKind::ConnectionReset
        | ErrorKind::ConnectionAborted
        | ErrorKind::BrokenPipe
        | ErrorKind::UnexpectedEof => "left (the connection dropped)".into(),
        _ => format!("{what} ({e})"),
    }
}

/// A token bucket for orders: `rate` a second, bursts of twice that.
struct Bucket {
    rate: f64,
    level: f64,
    at: Instant,
}

impl Bucket {
    fn new(rate: u32) -> Self {
        let rate = f64::from(rate.max(1));
        Self { rate, level: 2.0 * rate, at: Instant::now() }
    }

    fn take(&mut self) -> bool {
        let now = Instant::now();
        self.level = (self.level + now.duration_since(self.at).as_secs_f64() * self.rate).min(2.0 * self.rate);
        self.at = now;
        if self.level >= 1.0 {
            self.level -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Reads a client's frames until it leaves or misbehaves; returns why it ended.
async fn read_loop(input: &mut Input_, conn: u64, sh: &Shared, notes: &mpsc::Sender<Bytes>) -> String {
    let mut bucket = Bucket::new(sh.limits.orders_per_sec);
    let flood = (sh.limits.orders_per_sec.saturating_mul(10)).max(100);
    let (mut window, mut frames, mut decisions) = (Instant::now(), 0u32, 0u32);
    let note = |text: String| {
        let _ = notes.try_send(frame(&ServerMsg::Notice(text)));
    };
    loop {
        let f = match tokio::time::timeout(sh.limits.idle_timeout, input.next()).await {
            Err(_) => return format!("silent for {} s", sh.limits.idle_timeout.as_secs()),
            // A client that quits says goodbye first (older ones did not).
            Ok(None) => return "closed the connection without a goodbye (its program stopped)".into(),
            Ok(Some(Err(e))) => return io_error(&e, "bad frame"),
            Ok(Some(Ok(f))) => f,
        };
        if window.elapsed() >= Duration::from_secs(1) {
            (window, frames, decisions) = (Instant::now(), 0, 0);
        }
        let msg = protocol::decode_client(&f);
        // A bot on a short cadence at top speed decides thousands of times a second.
        if matches!(msg, Ok(ClientMsg::Decision(_))) {
            decisions += 1;
        } else {
            frames += 1;
        }
        if frames > flood || decisions > MAX_DECISIONS_PER_SEC {
            return format!("flooding: more than {flood} messages in a second");
        }
        match msg {
            Err(e) => return format!("bad message ({e})"),
            Ok(ClientMsg::Ping) => {}
            Ok(ClientMsg::Bye) => return "it quit".into(),
            Ok(ClientMsg::Hello(_)) => return "a second hello".into(),
            Ok(ClientMsg::Order(o)) => {
                if f.len() > MAX_ORDER_BYTES {
                    note("an order was too large and was dropped".into());
                    continue;
                }
                if !bucket.take() {
                    note(format!("at most {} orders a second: an order was dropped", sh.limits.orders_per_sec));
                    continue;
                }
                match o.decode() {
                    Ok(order) => {
                        if sh.inbox.try_send(ToRoom::Order { conn, order }).is_err() {
                            note("the server is busy: an order was dropped".into());
                        }
                    }
                    Err(e) => note(format!("an order was dropped: {}", order_problem(e))),
                }
            }
            Ok(ClientMsg::Decision(decision)) => {
                let at = Instant::now();
                if sh.inbox.try_send(ToRoom::Decision { conn, decision, at }).is_err() {
                    note("the server is busy: a decision was dropped".into());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_machine_is_an_ipv4_address_or_an_ipv6_64() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(machine(ip("10.0.0.7")), ip("10.0.0.7"));
        assert_eq!(machine(ip("2001:db8:1:2:aaaa::1")), ip("2001:db8:1:2::"));
        assert_eq!(machine(ip("2001:db8:1:2:ffff::9")), machine(ip("2001:db8:1:2::1")));
        assert_ne!(machine(ip("2001:db8:1:3::1")), machine(ip("2001:db8:1:2::1")));
        assert_eq!(machine(ip("::ffff:10.0.0.7")), ip("::ffff:10.0.0.7"));
    }

    #[test]
    fn codes_use_the_unambiguous_alphabet() {
        for _ in 0..50 {
            let c = random_code().unwrap();
            assert_eq!(c.len(), CODE_LEN);
            assert!(c.bytes().all(|b| CODE_ALPHABET.contains(&b)), "{c}");
        }
        assert_eq!(normalise_code("abc-234"), Some("ABC234".into()));
        assert_eq!(normalise_code("AB0C"), None);
        assert_eq!(normalise_code("ABL2"), None);
        assert_eq!(normalise_code("AB"), None);
    }

    #[test]
    fn the_host_is_told_each_objective_once_with_who_reached_it() {
        let map = crate::scenario::load("tutorial").unwrap();
        let c = ServerConfig { log: false, ..ServerConfig::new(map) };
        let mut room = Room::new(&c).unwrap();
        let ana = room.session.add_human("ana");
        room.players.push(Player::new("ana".into(), [0; 16], ana, Role::Player, &Limits::default()));
        room.session.submit(
            ana,
            crate::engine::Order::Stake { netuid: 1, tao: crate::engine::Tao(5_000_000_000), limit: None },
        );
        let mut told = Vec::new();
        while !room.session.is_over() {
            room.session.step().unwrap();
            told.extend(room.tell_objectives());
        }
        assert_eq!(told.len(), 2, "{told:?}");
        // Holding alpha is checked every block: the stake's block reached it. The pump
        // is a world goal, checked every ten blocks; the numbers read as `sim` says them.
        assert!(told[0].starts_with("objective 1 reached by 'ana' after 1 block: Stake TAO"), "{told:?}");
        assert!(told[1].starts_with("objective 4 reached after 3,050 blocks: "), "{told:?}");
        assert!(room.tell_objectives().is_empty(), "told once");
    }

    #[test]
    fn the_host_is_told_a_server_bots_faults_as_they_come() {
        let map = crate::scenario::load("tutorial").unwrap();
        let c = ServerConfig { log: false, ..ServerConfig::new(map) };
        let mut room = Room::new(&c).unwrap();
        let src = "cadence = 10\nfunction on_tick(w) error('boom') end\n";
        let actor = crate::session::lua::LuaActor::load("boom", src, 1, 0).unwrap();
        room.session.add_bot("boom", Box::new(actor));
        let mut told = Vec::new();
        for _ in 0..100 {
            room.session.step().unwrap();
            told.extend(room.tell_faults());
        }
        assert_eq!(told.len(), 5, "one line per fault, to the forfeit: {told:#?}");
        assert_eq!(told[0], "server bot 'boom' (1 fault): [block 1] fault: error: boom:2: boom (turn lost)");
        assert!(told[4].starts_with("server bot 'boom' (5 faults): [block 41] fault: "), "{told:#?}");
        assert!(told[4].ends_with("it forfeits the match)"), "{told:#?}");
        assert!(room.tell_faults().is_empty(), "told once");
    }

    #[test]
    fn names_are_cleaned() {
        assert_eq!(clean_name("  ana\u{1b}[2J "), Ok("ana[2J".into()));
        assert!(clean_name(" \t").is_err());
        assert!(clean_name(&"x".repeat(25)).is_err());
        // Format characters: bidi overrides, zero-width spaces and joiners, the word
        // joiner, the byte order mark; none can make a name look like another.
        for fake in ["\u{202e}ana", "ana\u{200b}", "a\u{200c}n\u{200d}a", "ana\u{2060}", "\u{feff}ana", "ana\u{fe0f}"] {
            assert_eq!(clean_name(fake), Ok("ana".into()), "{fake:?}");
        }
        assert!(clean_name("\u{200b}\u{202e}").is_err());
        assert_eq!(clean_name("José Ñandú 李"), Ok("José Ñandú 李".into()));
    }

    #[test]
    fn wrong_codes_lock_out_an_address_or_a_64_for_a_minute_and_no_one_else() {
        let (inbox, _rx) = std::sync::mpsc::sync_channel(1);
        let sh = Shared {
            code: "ABCDEF".into(),
            limits: Limits::default(),
            inbox,
            next_conn: AtomicU64::new(1),
            connections: AtomicUsize::new(0),
            failures: Mutex::new(HashMap::new()),
            handshakes: Mutex::new(HashMap::new()),
            strangers: Mutex::new(Throttle::default()),
            log: false,
        };
        let hello_with = |code: &str, token: Option<Token>| {
            protocol::encode(&ClientMsg::Hello(Hello {
                protocol_version: PROTOCOL_VERSION,
                room_code: code.into(),
                name: "ana".into(),
                token,
                role: Role::Player,
            }))
        };
        let (wrong, right) = (hello_with("ZZZZZZ", None), hello_with("abcdef", None));
        let class: IpAddr = "203.0.113.7".parse().unwrap();
        let v6 = |last: &str| -> IpAddr { format!("2001:db8:1:2::{last}").parse().unwrap() };
        for k in 0..MAX_FAILED_JOINS_PER_MIN {
            let e = super::hello(&wrong, if k % 2 == 0 { class } else { v6(&format!("{k:x}")) }, &sh).unwrap_err();
            assert!(e.starts_with("wrong room code"), "{e}");
        }
        // Half the limit from each: neither is locked out yet, and the right code joins.
        assert_eq!(MAX_FAILED_JOINS_PER_MIN % 2, 0);
        assert_eq!(super::hello(&right, class, &sh).map(|(_, locked)| locked), Ok(false));
        for k in 0..MAX_FAILED_JOINS_PER_MIN / 2 {
            let _ = super::hello(&wrong, class, &sh);
            let _ = super::hello(&wrong, v6(&format!("ff{k:x}")), &sh);
        }
        // Now both are: even the right code waits, and the message says why.
        let e = super::hello(&right, class, &sh).unwrap_err();
        let start = format!("{MAX_FAILED_JOINS_PER_MIN} joins with a wrong room code came from this address");
        assert!(e.starts_with(&start) && e.contains("others' on the same network"), "{e}");
        // A student coming back (the right code and a token) goes on to the room, which
        // checks the token; a token with a wrong code gets the same answer as any guess.
        let token: Option<Token> = Some([7; 16]);
        assert_eq!(super::hello(&hello_with("abcdef", token), class, &sh).map(|(_, locked)| locked), Ok(true));
        assert_eq!(super::hello(&hello_with("ZZZZZZ", token), class, &sh).map(|_| ()), Err(e));
        // Another address of the same /64 is the same machine; another /64 is not.
        assert!(super::hello(&right, v6("abcd"), &sh).is_err());
        assert!(super::hello(&right, "2001:db8:1:3::1".parse().unwrap(), &sh).is_ok());
        assert!(super::hello(&right, "203.0.113.8".parse().unwrap(), &sh).is_ok());
    }

    #[test]
    fn a_vanished_client_left_whether_reading_or_writing_noticed() {
        use std::io::{Error, ErrorKind};
        for kind in [ErrorKind::ConnectionReset, ErrorKind::BrokenPipe, ErrorKind::UnexpectedEof] {
            assert_eq!(io_error(&Error::from(kind), "write failed"), "left (the connection dropped)");
        }
        assert_eq!(io_error(&Error::other("frame too big"), "bad frame"), "bad frame (frame too big)");
    }

    #[test]
    fn lines_about_strangers_are_throttled_and_summed_up() {
        let mut t = Throttle::default();
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        // The first lines of a window are shown; the rest are counted.
        let shown = (0..STRANGER_LINES + 5).filter(|&k| t.admit(at(u64::from(k))) == (None, true)).count();
        assert_eq!(shown, STRANGER_LINES as usize);
        assert_eq!(t.hidden, 5);
        // Nothing to sum up before the window ends.
        assert_eq!(t.roll(at(9_999), false), None);
        // The first line after it: the summary, then the line itself, shown.
        let (summary, show) = t.admit(at(10_000));
        let summary = summary.expect("a summary");
        assert!(summary.starts_with("5 more connections were refused or dropped before joining"), "{summary}");
        assert!(summary.contains("at most 20 such lines every 10 s"), "{summary}");
        assert!(show);
        // A window that hid nothing ends without a line; stopping sums up at once.
        assert_eq!(t.roll(at(30_000), false), None);
        for k in 0..=STRANGER_LINES {
            t.admit(at(30_001 + u64::from(k)));
        }
        assert!(t.roll(at(30_100), true).expect("a summary at the stop").starts_with("1 more connection was"));
        assert_eq!(t.roll(at(30_200), true), None);
    }

    #[test]
    fn refused_names_are_shown_escaped_and_cut_short() {
        assert_eq!(shown_name("bob\nfake"), "bob\\u{a}fake");
        // A remote bot's line keeps its words apart and loses what would hide text.
        assert_eq!(clean_line("boom\r\nfake\tx\u{1b}[2J\u{202e}y"), "boom  fake x[2Jy");
        assert_eq!(shown_name("\u{202e}x\u{1b}"), "\\u{202e}x\\u{1b}");
        let long = shown_name(&format!("\u{1b}]0;{}", "y".repeat(60_000)));
        assert!(long.starts_with("\\u{1b}]0;yyy") && long.ends_with('…'), "{long}");
        assert!(long.chars().count() <= SHOWN_NAME_CHARS + 8, "{long}");
        assert!(!long.chars().any(char::is_control));
    }

    #[test]
    fn code_problems_name_the_letters_not_allowed() {
        assert_eq!(code_problem("abc-234"), None);
        let p = code_problem("ABC0EF").unwrap();
        assert!(p.starts_with("'0' is not used in room codes") && p.contains("without 0, O, 1, I or L"), "{p}");
        let p = code_problem("OIL123").unwrap();
        assert!(p.starts_with("'O', 'I', 'L', '1' are not used"), "{p}");
        assert!(code_problem("AB").unwrap().contains("4 to 12 characters, not 2"));
        assert!(code_problem("K7M\u{1b}").unwrap().contains("'\\u{1b}'"));
    }

    #[test]
    fn cursors_follow_the_recording() {
        use crate::record::{Header, Input};
        let t0 = chrono::DateTime::from_timestamp(0, 0).unwrap();
        let mut r = Recording::new(Header {
            engine_version: 1,
            app_version: String::new(),
            created: t0,
            saved: t0,
            map_name: String::new(),
            map_source: String::new(),
            seed: 1,
            end_block: 10,
            hash_every: 360,
        });
        let log = |t: &str| Input::Log { account: AccountId(1), text: t.into() };
        let (b, c) = inputs_since(&r, (0, 0));
        assert!(b.is_empty());
        r.push(0, log("a"));
        r.push(0, log("b"));
        let (b, c) = inputs_since(&r, c);
        assert_eq!((b.len(), b[0].inputs.len(), c), (1, 2, (0, 2)));
        r.push(0, log("c"));
        r.push(3, log("d"));
        let (b, c2) = inputs_since(&r, c);
        assert_eq!(b.iter().map(|g| (g.block, g.inputs.len())).collect::<Vec<_>>(), vec![(0, 1), (3, 1)]);
        assert_eq!(c2, (1, 1));
        assert_eq!(end_cursor(&r), c2);
        assert!(inputs_since(&r, c2).0.is_empty());
    }

    #[test]
    fn a_huge_tick_is_cut_into_frames_that_fit() {
        let input = WireInput::from(&crate::record::Input::Log { account: AccountId(1), text: "x".repeat(150) });
        let blocks: Vec<BlockInputs> =
            (0..40).map(|b| BlockInputs { block: b, inputs: vec![input.clone(); 100] }).collect();
        let head = TickHead { to_block: 50, hash: [9; 32], paused: false, blocks_per_sec: 60 };
        let frames = tick_frames(blocks, &head);
        assert!(frames.len() > 1);
        let mut n = 0;
        for (k, f) in frames.iter().enumerate() {
            assert!(f.len() <= MAX_FRAME_BYTES);
            let ServerMsg::Tick(t) = protocol::decode_server(f).unwrap() else { panic!() };
            assert_eq!(t.state_hash.is_some(), k + 1 == frames.len());
            n += t.blocks.iter().map(|g| g.inputs.len()).sum::<usize>();
        }
        assert_eq!(n, 4000);
    }
}
