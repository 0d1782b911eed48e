//! The shared-world protocol (version [`PROTOCOL_VERSION`]): what a `join` client and a
//! `serve` server say to each other. It is a promise: a change of layout gets a new
//! version number, and both sides refuse a version they do not speak.
//!
//! **Framing.** A TCP stream of frames: a 4-byte big-endian length, then that many bytes
//! of payload, at most [`MAX_FRAME_BYTES`]. A longer frame, or a payload that does not
//! decode, disconnects its sender (and only it). **Payload.** One message in postcard
//! (<https://postcard.jamesmunns.com/wire-format>): [`ClientMsg`] from a client,
//! [`ServerMsg`] from the server. Inputs and orders inside them are encoded exactly as a
//! recording stores them ([`record::wire`](crate::record::wire)).
//!
//! **Session.**
//! 1. The client sends [`ClientMsg::Hello`] within the handshake timeout (5 s). Its
//!    first bytes are always the variant index 0 and the protocol version, both varints,
//!    whatever the version: a server reads them first ([`hello_version`]) and refuses a
//!    version it does not speak with a readable reason.
//! 2. The server answers [`ServerMsg::Refused`] (and closes), or [`ServerMsg::Welcome`]
//!    followed by the match so far as a recording file (`record::wire` format) cut into
//!    [`ServerMsg::CatchUp`] chunks of at most [`CATCH_UP_CHUNK_BYTES`].
//! 3. Every tick (100 ms by default) the server sends [`ServerMsg::Tick`]: the inputs that
//!    reached the match since the last tick, grouped by the block before which they were
//!    applied, the block the world has reached, and the state hash there. A client keeps a
//!    replica (`Session::follow` on the catch-up), applies each group right before its
//!    block, runs to `to_block` and compares hashes: lockstep on orders, never on world
//!    state, so frames stay small.
//! 4. A player sends [`ClientMsg::Order`]s (applied at the server's next block, at most
//!    the server's order rate, 10 a second by default, more are dropped with a
//!    [`ServerMsg::Notice`]); a remote bot sends a [`ClientMsg::Decision`] for each of its
//!    turns; everyone sends [`ClientMsg::Ping`] when idle (the server drops a client
//!    silent for the idle timeout, 30 s). The match ends with [`ServerMsg::End`] (the
//!    standings), then the server closes. [`ServerMsg::Closed`] says why a connection
//!    ends early (kicked, too slow, replaced by a reconnect).
//! 5. A client that leaves says [`ClientMsg::Bye`] before it closes the connection, so
//!    that the host can tell a student who quit from one whose program stopped.

use serde::{Deserialize, Serialize};

use crate::record::wire::{WireInput, WireOrder};

/// The version this build speaks.
pub const PROTOCOL_VERSION: u16 = 1;
/// The largest frame payload either side accepts, bytes.
pub const MAX_FRAME_BYTES: usize = 64 * 1024;
/// The largest catch-up chunk, bytes (leaves room for the message around it).
pub const CATCH_UP_CHUNK_BYTES: usize = 48 * 1024;
/// The largest recording a client accepts at join, bytes.
pub const MAX_CATCH_UP_BYTES: u64 = 512 * 1024 * 1024;

/// The start of [`ServerMsg::Closed`]'s reason for a client the host kicked: its account
/// cannot rejoin the match (a client must not invite the user back).
pub const KICKED: &str = "kicked by the host";
/// The start of [`ServerMsg::Closed`]'s reason for a connection replaced by a reconnect
/// with the same token (the user is back on the other connection).
pub const REPLACED: &str = "replaced by a new connection with the same token";

/// A reconnect token: 16 random bytes from the operating system, secret to its player.
pub type Token = [u8; 16];

/// What a client comes as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Role {
    /// A human player: an account that trades.
    Player,
    /// A watcher (a projector): no account, no orders.
    Spectator,
    /// A Lua strategy running on the client's machine: an account of kind bot that
    /// sends one [`Decision`] per turn, within the server's deadline.
    Bot,
}

/// The first message of a client.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hello {
    /// [`PROTOCOL_VERSION`] of the client. Must stay the first field.
    pub protocol_version: u16,
    /// The room code the host printed (case does not matter).
    pub room_code: String,
    /// The display name asked for (1 to 24 printable characters, unique in the room);
    /// ignored on a reconnect.
    pub name: String,
    /// The token of an earlier [`Welcome`], to resume that account.
    pub token: Option<Token>,
    /// What the client comes as.
    pub role: Role,
}

/// A remote bot's turn: what it decided right after block `after_block - 1` ran.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Decision {
    /// The replica's block when it decided (blocks `0..after_block` had run). The
    /// decision must reach the server within its deadline of the tick that carried that
    /// block, or it is dropped and counts as a fault.
    pub after_block: u64,
    /// The orders (at most 64), applied at the server's next block.
    pub orders: Vec<WireOrder>,
    /// Lines for the match log (at most 16, each cut to 200 characters).
    pub log: Vec<String>,
    /// Why the turn was lost (a strategy error): it counts as a fault; orders are then
    /// ignored.
    pub fault: Option<String>,
}

/// A message from a client.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum ClientMsg {
    /// The handshake; only as the first frame.
    Hello(Hello),
    /// A player's order (not from spectators or bots).
    Order(WireOrder),
    /// A remote bot's turn (only from bots).
    Decision(Decision),
    /// Keeps the connection alive; no answer.
    Ping,
    /// The client leaves (its user quit, or stopped it): its last message. The server
    /// closes the connection and tells the host that it quit, not that it vanished.
    /// Added after version 1's first release, at the end so that no other message's
    /// bytes changed: a server without it reads it as a bad message and hangs up, which
    /// is what it asks for.
    Bye,
}

/// The server's answer to a good [`Hello`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Welcome {
    /// The client's account in the world (`None` for a spectator).
    pub account: Option<u32>,
    /// The name the account has in the world.
    pub name: String,
    /// The secret to give in a later [`Hello`] to come back to this account (`None` for
    /// a spectator).
    pub token: Option<Token>,
    /// The length of the recording that follows in [`ServerMsg::CatchUp`] chunks.
    pub recording_bytes: u64,
    /// Milliseconds between ticks.
    pub tick_ms: u32,
    /// A remote bot's deadline, milliseconds.
    pub bot_deadline_ms: u32,
    /// Orders a player may send per second.
    pub orders_per_sec: u32,
}

/// The inputs applied right before one block ran.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BlockInputs {
    /// The block (the world was at `block`: blocks `0..block` had run).
    pub block: u64,
    /// The inputs, in the order the server applied them.
    pub inputs: Vec<WireInput>,
}

/// One tick of the match: what happened since the previous tick.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Tick {
    /// Inputs by increasing block (only blocks that had some; a block may appear in two
    /// consecutive ticks, whose groups then follow each other).
    pub blocks: Vec<BlockInputs>,
    /// The block the world reached (blocks `0..to_block` have run, and every input listed
    /// so far is applied).
    pub to_block: u64,
    /// The state hash at that point (`None` in the first parts of a tick too large for
    /// one frame).
    pub state_hash: Option<[u8; 32]>,
    /// Whether the host has paused the clock.
    pub paused: bool,
    /// The clock's speed, blocks per second.
    pub blocks_per_sec: u32,
    /// The server's wall clock when it made the tick, microseconds since the Unix epoch
    /// (to measure lag; the clocks of two machines may differ).
    pub sent_unix_us: u64,
}

/// One line of the final standings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Standing {
    /// 1 = best.
    pub rank: u32,
    /// Account name.
    pub name: String,
    /// `human` or `bot`.
    pub kind: String,
    /// Score, rao (free TAO + root stake + every position sold alone).
    pub score_rao: u64,
    /// Score over the starting value, minus one (for reading only).
    pub roi: f64,
    /// Faults (lost turns).
    pub faults: u32,
}

/// The end of the match.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct End {
    /// Why: the last block ran, or the host ended it.
    pub reason: String,
    /// Humans and bots, best first.
    pub standings: Vec<Standing>,
    /// Where the server saved the replay, if it did.
    pub replay: Option<String>,
}

/// A message from the server.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum ServerMsg {
    /// The client is in; the recording follows.
    Welcome(Welcome),
    /// The client is not let in (wrong code, name taken, unknown token, room full,
    /// another protocol version, too many failed attempts); the server closes.
    Refused {
        /// Why, in words for the user.
        reason: String,
    },
    /// The next chunk of the recording announced by [`Welcome::recording_bytes`].
    CatchUp(Vec<u8>),
    /// A tick.
    Tick(Tick),
    /// A line for this client: an order dropped by the rate limit, a late decision.
    Notice(String),
    /// The match is over; the server closes.
    End(End),
    /// This connection ends now: why.
    Closed {
        /// Why.
        reason: String,
    },
}

/// Why a payload is not a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    /// Not postcard of the expected message.
    #[error("the frame does not decode as a message ({0})")]
    Decode(String),
    /// Bytes after the message.
    #[error("the frame has {0} bytes after its message")]
    Trailing(usize),
}

/// Encodes a message as a frame payload (without the length prefix).
#[must_use]
pub fn encode<T: Serialize>(msg: &T) -> Vec<u8> {
    // Serialising plain data into a Vec cannot fail.
    postcard::to_stdvec(msg).unwrap_or_default()
}

fn decode<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, ProtocolError> {
    let (msg, rest) = postcard::take_from_bytes(bytes).map_err(|e| ProtocolError::Decode(e.to_string()))?;
    if rest.is_empty() { Ok(msg) } else { Err(ProtocolError::Trailing(rest.len())) }
}

/// Decodes a client's frame payload.
///
/// # Errors
/// Anything but exactly one [`ClientMsg`].
pub fn decode_client(bytes: &[u8]) -> Result<ClientMsg, ProtocolError> {
    decode(bytes)
}

/// Decodes a server's frame payload.
///
/// # Errors
/// Anything but exactly one [`ServerMsg`].
pub fn decode_server(bytes: &[u8]) -> Result<ServerMsg, ProtocolError> {
    decode(bytes)
}

/// The protocol version of a first frame, if it starts as a [`ClientMsg::Hello`] does
/// (variant 0, then the version): readable whatever the rest of the hello holds.
#[must_use]
pub fn hello_version(bytes: &[u8]) -> Option<u16> {
    let ((variant, version), _): ((u32, u16), _) = postcard::take_from_bytes(bytes).ok()?;
    (variant == 0).then_some(version)
}

/// A codec for the framing above.
#[must_use]
pub fn codec() -> tokio_util::codec::LengthDelimitedCodec {
    tokio_util::codec::LengthDelimitedCodec::builder()
        .length_field_length(4)
        .big_endian()
        .max_frame_length(MAX_FRAME_BYTES)
        .new_codec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Order, Tao};
    use crate::record::Input;
    use proptest::prelude::*;

    #[test]
    fn messages_round_trip_and_the_version_is_readable_first() {
        let hello = Hello {
            protocol_version: PROTOCOL_VERSION,
            room_code: "ABC234".into(),
            name: "ana".into(),
            token: Some([7; 16]),
            role: Role::Player,
        };
        let bytes = encode(&ClientMsg::Hello(hello.clone()));
        assert_eq!(hello_version(&bytes), Some(PROTOCOL_VERSION));
        match decode_client(&bytes).unwrap() {
            ClientMsg::Hello(h) => assert_eq!(h, hello),
            other => panic!("{other:?}"),
        }
        let order = Order::StakeRoot { tao: Tao(5) };
        let bytes = encode(&ClientMsg::Order(WireOrder::from(&order)));
        assert_eq!(hello_version(&bytes), None);
        match decode_client(&bytes).unwrap() {
            ClientMsg::Order(o) => assert_eq!(o.decode().unwrap(), order),
            other => panic!("{other:?}"),
        }
        let input = Input::Order { account: crate::engine::AccountId(3), order };
        let tick = Tick {
            blocks: vec![BlockInputs { block: 4, inputs: vec![WireInput::from(&input)] }],
            to_block: 9,
            state_hash: Some([1; 32]),
            paused: false,
            blocks_per_sec: 60,
            sent_unix_us: 1,
        };
        let bytes = encode(&ServerMsg::Tick(tick));
        match decode_server(&bytes).unwrap() {
            ServerMsg::Tick(t) => {
                assert_eq!(t.to_block, 9);
                assert_eq!(t.blocks[0].inputs[0].clone().decode().unwrap(), input);
            }
            other => panic!("{other:?}"),
        }
        let mut extra = bytes.clone();
        extra.push(0);
        assert_eq!(decode_server(&extra).unwrap_err(), ProtocolError::Trailing(1));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn the_decoders_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = decode_client(&bytes);
            let _ = decode_server(&bytes);
            let _ = hello_version(&bytes);
        }

        #[test]
        fn a_valid_prefix_with_garbage_never_panics(
            variant in 0u8..8,
            tail in proptest::collection::vec(any::<u8>(), 0..256),
        ) {
            let mut bytes = vec![variant];
            bytes.extend(tail);
            let _ = decode_client(&bytes);
            let _ = decode_server(&bytes);
        }
    }
}
