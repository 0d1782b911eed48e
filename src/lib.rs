//! dTAO Arena: a terminal game and strategy tournament on an exact simulation of
//! Bittensor's Dynamic TAO economy.
//!
//! Layer map (a layer may use only the layers to its right):
//!
//! ```text
//! engine  <-  scenario, script, record  <-  session  <-  tournament, net, tui  <-  cli  <-  main
//! ```
//!
//! - [`engine`]: PURE. The world and its rules (`rules.md`): state, orders, coinbase,
//!   epochs, NPCs, views and the state hash. No IO, clock, threads, tokio, mlua or ratatui.
//! - [`scenario`]: TOML maps to an engine [`engine::WorldInit`], with validation messages
//!   that name the file, the line, the key and the fix. Built-in maps are embedded.
//! - [`script`]: the sandboxed Lua 5.4 strategy host.
//! - [`record`]: recordings and saves: inputs per block, state hashes, checksummed files.
//! - [`session`]: a running match (engine + actors), the same object behind every front end;
//!   [`session::handle`] runs it on its own thread for the game.
//! - [`tournament`]: many matches in parallel, ranked.
//! - [`sweep`]: one map over values of a parameter and seeds, in parallel, with outcome metrics.
//! - [`net`]: shared worlds over TCP (tokio): the `serve` server, the `join` client and
//!   their versioned protocol; lockstep on orders with a state hash every tick.
//! - [`tui`]: the terminal game (ratatui + crossterm); talks only to a session handle.
//! - [`cli`]: the subcommands; the only place that wires layers together.
//! - [`text`]: a pure leaf any layer may use (the engine escapes account names with it):
//!   which characters of user text hide or reorder what is around them, and their escapes.

/// `eprintln!` that ignores a standard error nobody reads (a pipe whose reader left, a
/// closed terminal or window) instead of panicking, so that a program whose output is
/// gone still ends its work: writes its save or replay, tells its clients.
macro_rules! note {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

pub mod cli;
pub mod engine;
pub mod net;
pub mod record;
pub mod scenario;
pub mod script;
pub mod session;
pub mod sweep;
pub mod text;
pub mod tournament;
pub mod tui;
