//! The shared-world client: [`connect`] does the handshake and the catch-up on a
//! thread of its own (a small tokio runtime) and then passes the server's messages on a
//! plain channel; a [`Replica`] follows the ticks and checks the state hash; [`run_bot`]
//! plays a Lua strategy (any [`Actor`]) against the replica and sends its decisions.

use std::sync::mpsc as std_mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_util::codec::{FramedRead, FramedWrite};

use super::protocol::{self, ClientMsg, Decision, End, Hello, MAX_CATCH_UP_BYTES, ServerMsg, Welcome};
use crate::engine::hash::StateHash;
use crate::engine::{AccountId, Event, Order};
use crate::record::Input;
use crate::record::Recording;
use crate::record::wire::WireOrder;
use crate::session::{Actor, LoadError, Session};

/// Seconds between two pings from the client.
const PING_EVERY: Duration = Duration::from_secs(5);
/// The server is given up on after this long without a frame (it ticks ten times a
/// second, even when paused).
const SERVER_SILENCE: Duration = Duration::from_secs(15);
/// The start of [`Incoming::Lost`]'s text: this client lost the connection (the server
/// hung up or went silent without a [`ServerMsg::Closed`]).
pub const LOST: &str = "lost the connection to the server";

/// Set by [`leave`]: a running bot says goodbye and stops.
static LEAVING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Asks a bot playing on this process ([`play_bot`]) to say goodbye to the server and
/// stop at its next message (its user pressed Ctrl-C): the host then reads that it
/// quit, not that its program stopped. [`play_bot`] returns [`LEFT`] then.
pub fn leave() {
    LEAVING.store(true, std::sync::atomic::Ordering::SeqCst);
}

fn leaving() -> bool {
    LEAVING.load(std::sync::atomic::Ordering::SeqCst)
}

/// [`play_bot`]'s error after [`leave`].
pub const LEFT: &str = "the bot left the room: its account stays in the match, and the same join command brings it \
                        back";

/// Why joining failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// No connection.
    #[error(
        "cannot reach the server at {addr}: {problem}; check the address and port that the host's `serve` printed, \
         and that the room is still open"
    )]
    Connect {
        /// Where.
        addr: String,
        /// Why.
        problem: String,
    },
    /// The server said no.
    #[error("the server refused: {0}")]
    Refused(String),
    /// The server said something this client does not understand.
    #[error("the server broke the protocol: {0}")]
    Protocol(String),
    /// What answered on the port (or did not) is not a dtao-arena room.
    #[error("{addr} {what}: check the address and port that the host's `serve` printed")]
    NotAServer {
        /// Where.
        addr: String,
        /// What it did instead of answering as a room.
        what: String,
    },
}

/// One tick as received, its inputs decoded.
#[derive(Clone, Debug)]
pub struct TickIn {
    /// `(block, inputs)` groups, to apply right before each block.
    pub inputs: Vec<(u64, Vec<Input>)>,
    /// Blocks run at the end of the tick.
    pub to_block: u64,
    /// The server's state hash there.
    pub hash: Option<StateHash>,
    /// Whether the host has paused the clock.
    pub paused: bool,
    /// The clock's speed.
    pub blocks_per_sec: u32,
    /// The server's wall clock when it made the tick, microseconds since the epoch.
    pub sent_unix_us: u64,
    /// This machine's wall clock when the tick arrived, microseconds since the epoch.
    pub received_unix_us: u64,
}

/// A message from the server.
#[derive(Clone, Debug)]
pub enum Incoming {
    /// A tick.
    Tick(TickIn),
    /// A line for the user.
    Notice(String),
    /// The match is over.
    End(End),
    /// The server ended the connection, for this reason (such as one starting with
    /// [`KICKED`](super::protocol::KICKED)).
    Closed(String),
    /// This client lost the connection without a word from the server (it hung up, went
    /// silent or sent what this build cannot read): the text, starting with [`LOST`],
    /// says how. The server may be gone, so nothing is promised about coming back.
    Lost(String),
}

/// A joined client: the server's welcome, the match so far, and the link.
pub struct Joined {
    /// The welcome (the account and its reconnect token).
    pub welcome: Welcome,
    /// The match so far.
    pub recording: Recording,
    /// Messages to and from the server.
    pub link: Link,
}

/// The connection, running on its own thread. Dropping it hangs up.
pub struct Link {
    events: std_mpsc::Receiver<Incoming>,
    out: Outbox,
    thread: Option<JoinHandle<()>>,
}

/// Sends messages to the server (cheap to clone; never blocks).
#[derive(Clone)]
pub struct Outbox(mpsc::Sender<Out>);

/// What the link thread is asked to do.
enum Out {
    /// Send this message.
    Msg(ClientMsg),
    /// Say goodbye, close the connection, then tell the sender.
    Bye(std_mpsc::Sender<()>),
}

impl Outbox {
    /// Says goodbye to the server and closes the connection, waiting at most `wait`
    /// for it to be written; `false` if it was not (the link was already gone).
    pub fn bye(&self, wait: Duration) -> bool {
        let (done, said) = std_mpsc::channel();
        self.0.try_send(Out::Bye(done)).is_ok() && said.recv_timeout(wait).is_ok()
    }

    /// Queues an order; `false` if the link is gone or 256 messages are waiting.
    pub fn order(&self, order: &Order) -> bool {
        self.0.try_send(Out::Msg(ClientMsg::Order(WireOrder::from(order)))).is_ok()
    }

    /// Queues a bot's turn; `false` if it could not.
    pub fn decision(&self, after_block: u64, turn: &crate::session::Decision) -> bool {
        let d = Decision {
            after_block,
            orders: turn.orders.iter().map(WireOrder::from).collect(),
            log: turn.log.clone(),
            fault: turn.fault.clone(),
        };
        self.0.try_send(Out::Msg(ClientMsg::Decision(d))).is_ok()
    }

    /// Queues a raw message (tests of the server's checks).
    pub fn raw(&self, msg: ClientMsg) -> bool {
        self.0.try_send(Out::Msg(msg)).is_ok()
    }
}

impl Link {
    /// The next message, waiting at most `timeout`.
    #[must_use]
    pub fn recv_timeout(&self, timeout: Duration) -> Option<Incoming> {
        self.events.recv_timeout(timeout).ok()
    }

    /// Where to send orders.
    #[must_use]
    pub fn outbox(&self) -> Outbox {
        self.out.clone()
    }

    /// The incoming messages and the outbox, for a consumer on another thread (the link
    /// thread ends when both are dropped).
    #[must_use]
    pub fn split(mut self) -> (std_mpsc::Receiver<Incoming>, Outbox) {
        self.thread = None;
        let (tx, rx) = std_mpsc::channel();
        let events = std::mem::replace(&mut self.events, rx);
        drop(tx);
        (events, self.out.clone())
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        // Closing the outbox ends the thread once every clone is gone; do not wait.
        drop(self.thread.take());
    }
}

/// Connects to `addr` (`HOST:PORT`), says hello, and takes the catch-up. Waits at most
/// `timeout` for each step.
///
/// # Errors
/// No connection, a refusal, or a server that breaks the protocol.
pub fn connect(addr: &str, hello: Hello, timeout: Duration) -> Result<Joined, ClientError> {
    let (ready_tx, ready_rx) = std_mpsc::channel::<Result<(Welcome, Recording), ClientError>>();
    let (events_tx, events) = std_mpsc::channel::<Incoming>();
    let (out_tx, out_rx) = mpsc::channel::<Out>(256);
    let address = addr.to_string();
    let thread = std::thread::Builder::new()
        .name("dtao-link".into())
        .spawn(move || {
            let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = ready_tx.send(Err(ClientError::Connect { addr: address, problem: e.to_string() }));
                    return;
                }
            };
            rt.block_on(run_link(address, hello, timeout, ready_tx, events_tx, out_rx));
        })
        .map_err(|e| ClientError::Connect { addr: addr.to_string(), problem: e.to_string() })?;
    match ready_rx.recv() {
        Ok(Ok((welcome, recording))) => {
            Ok(Joined { welcome, recording, link: Link { events, out: Outbox(out_tx), thread: Some(thread) } })
        }
        Ok(Err(e)) => Err(e),
        Err(_) => Err(ClientError::Protocol("the connection thread stopped".into())),
    }
}

/// Why the server ended the link, for the user: a kick or a reconnect elsewhere as the
/// server says it; any other reason with the way back.
pub fn closed_text(why: &str) -> String {
    use super::protocol::{KICKED, REPLACED};
    if why.starts_with(KICKED) || why.starts_with(REPLACED) {
        format!("the server ended this connection: {why}")
    } else {
        format!("the server ended this connection: {why} (the same join command brings you back to your account)")
    }
}

/// A lost connection, for the user: without a promise (the server may be gone).
pub fn lost_text(why: &str) -> String {
    format!("{why}; if the room is still open, the same join command rejoins it")
}

/// Whether a read error means the other side went away (a reset), not that it sent
/// something else than frames.
fn closed(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted | std::io::ErrorKind::UnexpectedEof
    )
}

type Reader = FramedRead<tokio::net::tcp::OwnedReadHalf, tokio_util::codec::LengthDelimitedCodec>;
type Writer = FramedWrite<tokio::net::tcp::OwnedWriteHalf, tokio_util::codec::LengthDelimitedCodec>;

async fn handshake(
    addr: &str,
    hello: Hello,
    timeout: Duration,
) -> Result<(Welcome, Recording, Reader, Writer), ClientError> {
    let connect_err = |problem: String| ClientError::Connect { addr: addr.to_string(), problem };
    let stream = match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => return Err(connect_err(e.to_string())),
        Err(_) => return Err(connect_err("no answer".into())),
    };
    let _ = stream.set_nodelay(true);
    let (rd, wr) = stream.into_split();
    let mut input = FramedRead::new(rd, protocol::codec());
    let mut output = FramedWrite::new(wr, protocol::codec());
    output
        .send(Bytes::from(protocol::encode(&ClientMsg::Hello(hello))))
        .await
        .map_err(|e| connect_err(e.to_string()))?;
    // The first answer tells a dtao-arena server from anything else on that port.
    let first = match tokio::time::timeout(timeout, input.next()).await {
        Err(_) => Err(format!(
            "accepted the connection but said nothing for {} s: it is not a dtao-arena room (or one too busy to answer)",
            timeout.as_secs_f64().ceil()
        )),
        Ok(None) => Err("closed the connection without a word: it is not a dtao-arena room".to_string()),
        Ok(Some(Err(e))) if closed(&e) => {
            Err("closed the connection without a word: it is not a dtao-arena room".to_string())
        }
        Ok(Some(Err(_))) => Err("answered, but not as a dtao-arena room (another program listens there)".to_string()),
        Ok(Some(Ok(f))) => protocol::decode_server(&f).map_err(|e| {
            format!("answered, but not as a dtao-arena room ({e}; another program, or another version of dtao-arena)")
        }),
    }
    .map_err(|what| ClientError::NotAServer { addr: addr.to_string(), what })?;
    let mut next = async || -> Result<ServerMsg, ClientError> {
        match tokio::time::timeout(timeout, input.next()).await {
            Err(_) => Err(ClientError::Protocol(format!("no answer within {} s", timeout.as_secs_f64().ceil()))),
            Ok(None) => Err(ClientError::Protocol("the server closed the connection".into())),
            Ok(Some(Err(e))) if closed(&e) => Err(ClientError::Protocol("the server closed the connection".into())),
            Ok(Some(Err(e))) => Err(ClientError::Protocol(format!("bad frame ({e})"))),
            Ok(Some(Ok(f))) => protocol::decode_server(&f).map_err(|e| ClientError::Protocol(e.to_string())),
        }
    };
    let welcome = match first {
        ServerMsg::Welcome(w) => w,
        ServerMsg::Refused { reason } => return Err(ClientError::Refused(reason)),
        other => return Err(ClientError::Protocol(format!("expected a welcome, got {}", kind(&other)))),
    };
    if welcome.recording_bytes > MAX_CATCH_UP_BYTES {
        return Err(ClientError::Protocol(format!("a catch-up of {} bytes is too large", welcome.recording_bytes)));
    }
    let want = usize::try_from(welcome.recording_bytes).unwrap_or(usize::MAX);
    let mut bytes = Vec::with_capacity(want.min(16 << 20));
    while bytes.len() < want {
        match next().await? {
            ServerMsg::CatchUp(c) if bytes.len() + c.len() <= want => bytes.extend_from_slice(&c),
            ServerMsg::CatchUp(c) => {
                return Err(ClientError::Protocol(format!(
                    "the server sent more catch-up bytes ({} and counting) than the {want} it announced",
                    bytes.len() + c.len()
                )));
            }
            other => return Err(ClientError::Protocol(format!("expected the catch-up, got {}", kind(&other)))),
        }
    }
    let recording =
        crate::record::wire::decode(&bytes).map_err(|e| ClientError::Protocol(format!("the match it sent {e}")))?;
    Ok((welcome, recording, input, output))
}

fn kind(m: &ServerMsg) -> &'static str {
    match m {
        ServerMsg::Welcome(_) => "a welcome",
        ServerMsg::Refused { .. } => "a refusal",
        ServerMsg::CatchUp(_) => "a catch-up chunk",
        ServerMsg::Tick(_) => "a tick",
        ServerMsg::Notice(_) => "a notice",
        ServerMsg::End(_) => "the end",
        ServerMsg::Closed { .. } => "a close",
    }
}

fn decode_tick(t: protocol::Tick) -> Result<TickIn, String> {
    let mut inputs = Vec::with_capacity(t.blocks.len());
    for g in t.blocks {
        let group =
            g.inputs.into_iter().map(|i| i.decode().map_err(super::server::order_problem)).collect::<Result<_, _>>()?;
        inputs.push((g.block, group));
    }
    Ok(TickIn {
        inputs,
        to_block: t.to_block,
        hash: t.state_hash,
        paused: t.paused,
        blocks_per_sec: t.blocks_per_sec,
        sent_unix_us: t.sent_unix_us,
        received_unix_us: super::server::unix_us(),
    })
}

async fn run_link(
    addr: String,
    hello: Hello,
    timeout: Duration,
    ready: std_mpsc::Sender<Result<(Welcome, Recording), ClientError>>,
    events: std_mpsc::Sender<Incoming>,
    mut out: mpsc::Receiver<Out>,
) {
    let (mut input, mut output) = match handshake(&addr, hello, timeout).await {
        Ok((w, r, i, o)) => {
            if ready.send(Ok((w, r))).is_err() {
                return;
            }
            (i, o)
        }
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    let mut ping = tokio::time::interval(PING_EVERY);
    let mut last_frame = Instant::now();
    // This process was stopped (a laptop's lid closed, a suspended terminal) when the
    // loop, which wakes at least every ping, was not woken for long: the server did not
    // go silent, this computer did.
    let mut last_wake = Instant::now();
    let mut slept: Option<(Duration, Instant)> = None;
    let mut woke = |slept: &mut Option<(Duration, Instant)>, last_frame: &mut Instant| {
        let gap = std::mem::replace(&mut last_wake, Instant::now()).elapsed();
        if gap > SERVER_SILENCE {
            *slept = Some((gap, Instant::now()));
            // Hear from the server first: it may still be there.
            *last_frame = Instant::now();
        }
    };
    let closed = loop {
        tokio::select! {
            f = input.next() => {
                woke(&mut slept, &mut last_frame);
                last_frame = Instant::now();
                let msg = match f {
                    None => break lost("it hung up without a word (the room may have ended or stopped)".into()),
                    Some(Err(e)) if matches!(
                        e.kind(),
                        std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted
                    ) => break lost(format!("the connection dropped ({e})")),
                    Some(Err(e)) => break lost(format!("bad frame from the server ({e})")),
                    Some(Ok(f)) => match protocol::decode_server(&f) {
                        Ok(m) => m,
                        Err(e) => break lost(format!("the server sent {e}")),
                    },
                };
                let event = match msg {
                    ServerMsg::Tick(t) => match decode_tick(t) {
                        Ok(t) => Incoming::Tick(t),
                        Err(e) => break lost(format!("the server sent an input this build cannot read: {e}")),
                    },
                    ServerMsg::Notice(n) => Incoming::Notice(n),
                    ServerMsg::End(e) => Incoming::End(e),
                    ServerMsg::Closed { reason } => break Incoming::Closed(reason),
                    other => break lost(format!("the server sent {} out of turn", kind(&other))),
                };
                if events.send(event).is_err() {
                    return;
                }
            }
            m = out.recv() => {
                woke(&mut slept, &mut last_frame);
                let m = match m {
                    Some(Out::Msg(m)) => m,
                    Some(Out::Bye(done)) => {
                        let bye = Bytes::from(protocol::encode(&ClientMsg::Bye));
                        if output.send(bye).await.is_ok() {
                            let _ = SinkExt::<Bytes>::close(&mut output).await;
                            let _ = done.send(());
                        }
                        return;
                    }
                    None => return,
                };
                let f = Bytes::from(protocol::encode(&m));
                if let Err(e) = output.send(f).await {
                    break lost(format!("cannot write to it ({e})"));
                }
            }
            _ = ping.tick() => {
                woke(&mut slept, &mut last_frame);
                if last_frame.elapsed() > SERVER_SILENCE {
                    break lost(format!("it has been silent for {} s", SERVER_SILENCE.as_secs()));
                }
                if let Err(e) = output.send(Bytes::from(protocol::encode(&ClientMsg::Ping))).await {
                    break lost(format!("cannot write to it ({e})"));
                }
            }
        }
    };
    let closed = match (closed, slept) {
        // Soon after waking up: most likely why.
        (Incoming::Lost(why), Some((gap, woke))) if woke.elapsed() < SERVER_SILENCE * 4 => {
            Incoming::Lost(asleep(&why, gap))
        }
        (other, _) => other,
    };
    let _ = events.send(closed);
}

/// A lost connection after this computer slept for `gap`: the likely reason.
fn asleep(why: &str, gap: Duration) -> String {
    format!(
        "{why}; this computer was asleep or stopped for {} s, and a server drops a client it has not heard from \
         for 30 s",
        gap.as_secs()
    )
}

/// [`Incoming::Lost`] for `how`.
fn lost(how: String) -> Incoming {
    Incoming::Lost(format!("{LOST}: {how}"))
}

/// A copy of the server's world that follows its ticks.
pub struct Replica {
    session: Session,
    checked: u64,
    mismatch: Option<u64>,
}

impl Replica {
    /// Catches up with a joined match (re-running it to the recording's last block).
    ///
    /// # Errors
    /// The recording does not load or re-create.
    pub fn new(rec: &Recording) -> Result<Self, LoadError> {
        Ok(Self { session: Session::follow(rec)?, checked: 0, mismatch: None })
    }

    /// The replica's session.
    #[must_use]
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// Hashes compared so far.
    #[must_use]
    pub fn checked(&self) -> u64 {
        self.checked
    }

    /// The first block where the hash differed from the server's.
    #[must_use]
    pub fn mismatch(&self) -> Option<u64> {
        self.mismatch
    }

    /// Runs a tick: each group of inputs right before its block, then to `to_block`,
    /// calling `after_block` after every block; then compares the hash. Returns whether
    /// it agreed (`None`: the tick carried no hash).
    ///
    /// # Errors
    /// The engine failed (an overflow).
    pub fn apply(&mut self, t: &TickIn, mut after_block: impl FnMut(&Session)) -> Result<Option<bool>, String> {
        self.check_tick(t)?;
        for (block, inputs) in &t.inputs {
            self.run_to(*block, &mut after_block)?;
            for i in inputs {
                self.session.apply_input(i).map_err(|e| e.to_string())?;
            }
        }
        self.run_to(t.to_block, &mut after_block)?;
        let Some(h) = t.hash else { return Ok(None) };
        self.checked += 1;
        let ok = self.session.world().state_hash() == h;
        if !ok && self.mismatch.is_none() {
            self.mismatch = Some(t.to_block);
        }
        Ok(Some(ok))
    }

    fn check_tick(&self, t: &TickIn) -> Result<(), String> {
        let (now, end) = (self.session.world().block, self.session.end_block());
        match crate::session::tick_problem(now, end, t.inputs.iter().map(|(b, _)| *b), t.to_block) {
            Some(what) => Err(format!("the server broke the protocol: {what}")),
            None => Ok(()),
        }
    }

    fn run_to(&mut self, block: u64, after_block: &mut impl FnMut(&Session)) -> Result<(), String> {
        while self.session.world().block < block {
            if leaving() {
                return Err(LEFT.into());
            }
            self.session.step().map_err(|e| e.to_string())?;
            after_block(&self.session);
        }
        Ok(())
    }
}

/// What a remote bot did, for its log.
#[derive(Clone, Debug)]
pub enum BotEvent {
    /// It decided after a block (orders sent).
    Decided {
        /// After which block (blocks run).
        after_block: u64,
        /// Orders sent.
        orders: usize,
    },
    /// Its strategy failed its turn after a block (blocks run).
    Fault {
        /// After which block.
        after_block: u64,
        /// What went wrong.
        text: String,
    },
    /// One of its orders was rejected at a block: the order and the reason.
    Rejected {
        /// The block it was applied at.
        block: u64,
        /// `order: reason`, as `sim` says it.
        text: String,
    },
    /// A line from its strategy or the server.
    Line(String),
}

/// Plays `actor` in a joined match as a remote bot until the match ends: the replica
/// follows the server; after every block on the actor's cadence the actor decides on
/// the replica's world and the decision goes to the server at once (its deadline runs
/// from the tick that carried the block). Once the world counts
/// [`fault_limit`](super::server::fault_limit) faults for the bot (its strategy's and
/// its late decisions), it forfeits: it is not asked to decide again, as the server
/// rules. Reports when the host pauses and resumes the clock. Returns the final
/// standings.
///
/// # Errors
/// The connection ended early, or the replica left the server's state.
pub fn run_bot(joined: Joined, mut actor: Box<dyn Actor>, mut report: impl FnMut(BotEvent)) -> Result<End, String> {
    run_bot_once(joined, actor.as_mut(), false, &mut report).map_err(|s| match s {
        BotStop::Lost(why) => lost_text(&why),
        BotStop::Other(why) => why,
    })
}

/// Why a remote bot's run ended before the match did.
#[derive(Debug)]
enum BotStop {
    /// The connection was lost (it may come back).
    Lost(String),
    /// Anything else: the server ended it, the replica failed.
    Other(String),
}

impl From<String> for BotStop {
    fn from(s: String) -> Self {
        BotStop::Other(s)
    }
}

impl From<&str> for BotStop {
    fn from(s: &str) -> Self {
        BotStop::Other(s.to_string())
    }
}

/// How [`play_bot`] reconnects after a lost connection.
#[derive(Clone, Copy, Debug)]
pub struct Reconnect {
    /// Attempts before it gives up.
    pub attempts: u32,
    /// The wait between two attempts (the first is at once).
    pub every: Duration,
}

impl Default for Reconnect {
    /// About a minute: a laptop's wifi coming back after its lid opens.
    fn default() -> Self {
        Self { attempts: 20, every: Duration::from_secs(3) }
    }
}

/// [`run_bot`], and after a lost connection (not a kick, a replacement or the end of the
/// room) it joins again with `connect` (the same account, by its token) and plays on with
/// the same strategy state: `init` is not called again, and the turns of the blocks run
/// while it was away are missed.
///
/// # Errors
/// As [`run_bot`], or the connection could not be made again.
pub fn play_bot(
    mut joined: Joined,
    actor: &mut dyn Actor,
    mut connect: impl FnMut() -> Result<Joined, ClientError>,
    policy: Reconnect,
    mut report: impl FnMut(BotEvent),
) -> Result<End, String> {
    let mut resumed = false;
    loop {
        let why = match run_bot_once(joined, actor, resumed, &mut report) {
            Ok(end) => return Ok(end),
            Err(BotStop::Other(why)) => return Err(why),
            Err(BotStop::Lost(why)) => why,
        };
        if leaving() {
            return Err(LEFT.into());
        }
        report(BotEvent::Line(format!("{why}: reconnecting")));
        let attempt;
        (joined, attempt) = join_again(&mut connect, policy).map_err(|e| match e {
            _ if leaving() => LEFT.to_string(),
            ClientError::Refused(r) => format!("{why}; the server refused to take it back: {r}"),
            e => format!("{}; {} attempts to reconnect failed, the last: {e}", lost_text(&why), policy.attempts),
        })?;
        report(BotEvent::Line(format!("reconnected (attempt {attempt}): playing on")));
        resumed = true;
    }
}

/// Joins again after a lost connection: at once, then every `policy.every`, until it
/// joins (and on which attempt), the server refuses, or the attempts run out (the last
/// error).
fn join_again(
    connect: &mut impl FnMut() -> Result<Joined, ClientError>,
    policy: Reconnect,
) -> Result<(Joined, u32), ClientError> {
    let mut last = ClientError::Protocol("no attempt to reconnect was made".into());
    for attempt in 1..=policy.attempts {
        if attempt > 1 {
            // In short slices, so that a bot's Ctrl-C (see `leave`) is heard at once.
            let until = Instant::now() + policy.every;
            while Instant::now() < until && !leaving() {
                std::thread::sleep((until - Instant::now()).min(Duration::from_millis(50)));
            }
        }
        if leaving() {
            return Err(ClientError::Protocol(LEFT.into()));
        }
        match connect() {
            Ok(j) => return Ok((j, attempt)),
            Err(e @ ClientError::Refused(_)) => return Err(e),
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// Forwards a game's link to its session handle as
/// [`RemoteEvent`](crate::session::handle::RemoteEvent)s until the link ends.
/// A lost connection (not a kick or a replacement) is joined again with `connect` (the
/// same account, by its token: at once, then as `policy` says); the blocks run while it
/// was away come from the new catch-up as one tick, and orders go out on the new link.
/// The final standings, if the match ended, go to `end`.
pub fn forward_game(
    mut events: std::sync::mpsc::Receiver<Incoming>,
    outbox: &std::sync::Mutex<Outbox>,
    tx: &std::sync::mpsc::Sender<crate::session::handle::RemoteEvent>,
    end: &std::sync::Mutex<Option<End>>,
    mut connect: impl FnMut() -> Result<Joined, ClientError>,
    policy: Reconnect,
    start: u64,
) {
    // What the handle has been told: the blocks run, the inputs already given for the
    // next block (a tick may carry inputs that arrived after its last block), the clock.
    let (mut last, mut at_last, mut paused, mut bps) = (start, 0usize, false, 1);
    // Whether the match ended: the server then closes the connection.
    let mut ended = false;
    while let Ok(m) = events.recv() {
        let e = match m {
            Incoming::Tick(t) => {
                let next: usize = t.inputs.iter().filter(|(b, _)| *b == t.to_block).map(|(_, g)| g.len()).sum();
                at_last = if t.to_block == last { at_last + next } else { next };
                (last, paused, bps) = (t.to_block, t.paused, t.blocks_per_sec);
                crate::session::handle::RemoteEvent::Tick {
                    inputs: t.inputs,
                    to_block: t.to_block,
                    hash: t.hash,
                    paused: t.paused,
                    speed_index: crate::net::speed_index(t.blocks_per_sec),
                    blocks_per_sec: t.blocks_per_sec,
                }
            }
            Incoming::Notice(n) => crate::session::handle::RemoteEvent::Notice(n),
            Incoming::End(e) => {
                ended = true;
                let winner = e.standings.first().map(|s| s.name.clone());
                let reason = e.reason.clone();
                *end.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(e);
                crate::session::handle::RemoteEvent::End { reason, winner }
            }
            Incoming::Closed(why) => crate::session::handle::RemoteEvent::Closed(closed_text(&why)),
            // After the end, the server closing the connection is the room closing: there
            // is nothing to come back to.
            Incoming::Lost(_) if ended => {
                let _ = tx.send(crate::session::handle::RemoteEvent::Closed("the match is over".into()));
                break;
            }
            Incoming::Lost(why) => {
                let _ = tx.send(crate::session::handle::RemoteEvent::Link(format!("{why}: reconnecting")));
                let _ = tx.send(crate::session::handle::RemoteEvent::Reconnecting(true));
                let back = join_again(&mut connect, policy).ok().map(|(j, _)| j);
                let Some(joined) = back.filter(|j| j.recording.block >= last) else {
                    let _ = tx.send(crate::session::handle::RemoteEvent::Closed(lost_text(&why)));
                    break;
                };
                // The blocks it missed, as one tick of the new catch-up's inputs (less
                // those of the next block it was given already: the catch-up keeps a
                // block's inputs in the order they came).
                let inputs: Vec<(u64, Vec<crate::record::Input>)> = joined
                    .recording
                    .ticks
                    .iter()
                    .filter(|t| t.block >= last)
                    .map(|t| {
                        let skip = if t.block == last { at_last } else { 0 };
                        (t.block, t.inputs.iter().skip(skip).cloned().collect::<Vec<_>>())
                    })
                    .filter(|(_, g)| !g.is_empty())
                    .collect();
                let caught_up = crate::session::handle::RemoteEvent::Tick {
                    inputs,
                    to_block: joined.recording.block,
                    hash: None,
                    paused,
                    speed_index: crate::net::speed_index(bps),
                    blocks_per_sec: bps,
                };
                at_last = joined
                    .recording
                    .ticks
                    .last()
                    .filter(|t| t.block == joined.recording.block)
                    .map_or(0, |t| t.inputs.len());
                last = joined.recording.block;
                let (new_events, new_outbox) = joined.link.split();
                events = new_events;
                *outbox.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = new_outbox;
                if tx.send(caught_up).is_err()
                    || tx.send(crate::session::handle::RemoteEvent::Reconnecting(false)).is_err()
                {
                    break;
                }
                crate::session::handle::RemoteEvent::Link(format!(
                    "reconnected at block {}: playing on",
                    crate::text::thousands(last)
                ))
            }
        };
        if tx.send(e).is_err() {
            break;
        }
    }
}

/// One connection's part of [`run_bot`]; `resumed`: the strategy already started (its
/// `init` ran on an earlier connection).
fn run_bot_once(
    joined: Joined,
    actor: &mut dyn Actor,
    resumed: bool,
    mut report: &mut dyn FnMut(BotEvent),
) -> Result<End, BotStop> {
    let Joined { welcome, recording, link } = joined;
    let me = AccountId(welcome.account.ok_or("the server gave this bot no account")?);
    let mut replica = Replica::new(&recording).map_err(|e| format!("the match does not load here: {e}"))?;
    let out = link.outbox();
    let send = |after_block: u64, turn: crate::session::Decision, report: &mut dyn FnMut(BotEvent)| {
        for l in &turn.log {
            report(BotEvent::Line(l.clone()));
        }
        if let Some(f) = &turn.fault {
            report(BotEvent::Fault { after_block, text: f.clone() });
        }
        report(BotEvent::Decided { after_block, orders: turn.orders.len() });
        out.decision(after_block, &turn)
    };
    let limit = super::server::fault_limit();
    let out_of_match = |s: &Session| s.world().account(me).is_some_and(|a| a.faults >= limit);
    if out_of_match(replica.session()) {
        report(BotEvent::Line(format!(
            "this bot forfeited earlier in this match ({limit} faults): it follows the match to its end without deciding"
        )));
    } else if !resumed {
        let first = actor.start(replica.session().world(), me);
        if actor.forfeited() {
            // Its init failed: nothing is sent, so the server counts no fault, and the
            // same command joins again once the strategy is fixed.
            let why = first.fault.unwrap_or_else(|| "its init failed".into());
            // The host reads that it quit (not that its program stopped).
            out.bye(Duration::from_secs(1));
            return Err(BotStop::Other(format!(
                "the bot's init failed on this match, so it did not play: {why}; fix it (`dtao-arena check FILE` \
                 tries it) and run the same join command again: its account has no fault counted"
            )));
        }
        send(replica.session().world().block, first, &mut report);
    }
    let mut results: Vec<Event> = Vec::new();
    let mut paused: Option<bool> = None;
    // Whether it said that it forfeited (it goes on following the match, silent).
    let mut told_forfeit = out_of_match(replica.session());
    loop {
        if leaving() {
            out.bye(Duration::from_secs(1));
            return Err(BotStop::Other(LEFT.into()));
        }
        // After this computer slept, the wait is over at once: the link, which wakes
        // too, says what became of the connection.
        let Some(m) = link.recv_timeout(SERVER_SILENCE * 2).or_else(|| link.recv_timeout(Duration::from_secs(3)))
        else {
            return Err(BotStop::Lost(format!("{LOST}: it stopped sending")));
        };
        match m {
            Incoming::Tick(t) => {
                if paused != Some(t.paused) {
                    if t.paused {
                        report(BotEvent::Line(format!(
                            "the host has paused the clock at block {}: waiting for the host to resume it",
                            t.to_block
                        )));
                    } else if paused.is_some() {
                        // Where the clock stood (this tick already carries the blocks
                        // run since).
                        report(BotEvent::Line(format!(
                            "the host resumed the clock at block {} ({} blocks a second)",
                            replica.session().world().block,
                            t.blocks_per_sec
                        )));
                    }
                    paused = Some(t.paused);
                }
                let mut turns: Vec<(u64, crate::session::Decision)> = Vec::new();
                let mut rejected: Vec<(u64, String)> = Vec::new();
                let cadence = actor.cadence().max(1);
                let ok = replica
                    .apply(&t, |s| {
                        let w = s.world();
                        for e in w.events() {
                            match e {
                                Event::Rejected { account, block, order, reason } if *account == me => {
                                    rejected.push((*block, format!("{order}: {reason}")));
                                    results.push(e.clone());
                                }
                                Event::Applied { account, .. } if *account == me => results.push(e.clone()),
                                _ => {}
                            }
                        }
                        let ran = w.block.saturating_sub(1);
                        if !actor.forfeited() && !out_of_match(s) && ran % cadence == 0 {
                            let turn = actor.decide(w, me, &std::mem::take(&mut results));
                            turns.push((w.block, turn));
                        }
                    })
                    .inspect_err(|_| {
                        // Ctrl-C while the replica caught up: the host still reads that it quit.
                        if leaving() {
                            out.bye(Duration::from_secs(1));
                        }
                    })?;
                for (block, text) in rejected {
                    report(BotEvent::Rejected { block, text });
                }
                for (b, turn) in turns {
                    send(b, turn, &mut report);
                }
                if !told_forfeit && (actor.forfeited() || out_of_match(replica.session())) {
                    told_forfeit = true;
                    report(BotEvent::Line(format!(
                        "this bot forfeited ({limit} faults): it follows the match to its end without deciding; \
                         Ctrl-C leaves the room (its account stays)"
                    )));
                }
                if ok == Some(false) {
                    return Err(format!("this replica left the server's state at block {}", t.to_block).into());
                }
            }
            Incoming::Notice(n) => report(BotEvent::Line(format!("server: {n}"))),
            Incoming::End(e) => return Ok(e),
            Incoming::Lost(why) => return Err(BotStop::Lost(why)),
            Incoming::Closed(why) => return Err(BotStop::Other(closed_text(&why))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tick(to_block: u64, inputs: Vec<(u64, Vec<Input>)>) -> TickIn {
        TickIn { inputs, to_block, hash: None, paused: false, blocks_per_sec: 60, sent_unix_us: 0, received_unix_us: 0 }
    }

    #[test]
    fn a_replica_refuses_ticks_no_server_sends_instead_of_running_for_ever() {
        let map = crate::scenario::load("tutorial").expect("map");
        let mut s = Session::new(&map, None, None).expect("session");
        s.start_recording(chrono::DateTime::from_timestamp(1_764_000_000, 0).expect("time"));
        s.step().expect("step");
        let rec = s.recording(chrono::Utc::now()).expect("recording");
        let mut r = Replica::new(&rec).expect("replica");
        let started = std::time::Instant::now();
        let e = r.apply(&tick(u64::MAX, Vec::new()), |_| {}).expect_err("past the end");
        assert_eq!(
            e,
            "the server broke the protocol: it sent a tick to block 18446744073709551615, past the match's last block \
             7200"
        );
        assert!(started.elapsed() < Duration::from_secs(1));
        let e = r.apply(&tick(0, Vec::new()), |_| {}).expect_err("backwards");
        assert!(e.contains("behind this replica's block 1"), "{e}");
        let e = r.apply(&tick(5, vec![(9, Vec::new())]), |_| {}).expect_err("inputs after the tick");
        assert!(e.contains("inputs for block 9 in a tick from block 1 to 5"), "{e}");
        // A good tick runs.
        assert_eq!(r.apply(&tick(3, vec![(2, Vec::new())]), |_| {}), Ok(None));
        assert_eq!(r.session().world().block, 3);
    }

    #[test]
    fn a_connection_lost_after_sleeping_says_so() {
        let why = asleep("lost the connection to the server: it hung up without a word", Duration::from_secs(41));
        assert!(why.starts_with("lost the connection to the server: it hung up without a word; "), "{why}");
        assert!(why.contains("this computer was asleep or stopped for 41 s"), "{why}");
    }
}
