//! Shared worlds over the network, for workshops: a `serve` server that owns one match
//! and a `join` client that follows it. Deterministic lockstep: the server runs the
//! authoritative [`Session`](crate::session::Session) on a plain thread, driven by its
//! clock, and broadcasts every tick the inputs it applied (orders, joins, faults, host
//! events) and the state hash; each client keeps a replica from the recording it
//! received at join and checks the hash every tick. Frames carry orders, not world
//! state, so they stay small.
//!
//! - [`protocol`]: the messages, the framing and the limits (the promise to clients).
//! - [`server`]: the tokio accept loop and connection tasks, and the session thread
//!   that never waits on a socket: per-client bounded queues, a stalled client is
//!   dropped, a bad frame disconnects only its sender.
//! - [`client`]: connecting, the handshake and catch-up, and the [`client::Replica`]
//!   that follows the ticks (for the terminal game, spectators and remote Lua bots).
//!
//! Async stays inside this module (tokio tasks at the sockets); matches and Lua run on
//! plain threads. Uses `engine`, `record`, `scenario`, `script`, `session` and
//! `tournament`; must not import `tui` or `cli`.

pub mod client;
pub mod protocol;
pub mod server;

/// A line for the server's or client's log on standard error, with the time.
pub(crate) fn log(line: &str) {
    note!("{} {line}", chrono::Local::now().format("%H:%M:%S%.3f"));
}

/// The nearest of the game's speeds to `blocks_per_sec`, as an index into
/// [`SPEEDS_BLOCKS_PER_SEC`](crate::session::handle::SPEEDS_BLOCKS_PER_SEC).
#[must_use]
pub fn speed_index(blocks_per_sec: u32) -> usize {
    crate::session::handle::SPEEDS_BLOCKS_PER_SEC
        .iter()
        .enumerate()
        .min_by_key(|(_, s)| s.abs_diff(blocks_per_sec))
        .map_or(0, |(k, _)| k)
}
