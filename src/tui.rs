//! The terminal game (ratatui + crossterm).
//!
//! - [`app`]: the state and `update(action)`; no terminal inside, testable with a
//!   `TestBackend`.
//! - [`action`] and [`keymap`]: what the player can ask, and which keys ask it.
//! - [`form`]: order forms with live quotes.
//! - [`replay`]: the replay's "go to" prompt and timeline, the subnet a lesson's
//!   narration names.
//! - [`view`]: drawing, a pure function of `&App`; [`layout`] says where things go.
//! - [`theme`] and [`format`](mod@format): colours (and `NO_COLOR`), numbers.
//! - [`terminal`]: raw mode, the alternate screen, restoring on exit, error and panic,
//!   and the event loop.
//!
//! Talks to a running match only through
//! [`SessionHandle`](crate::session::handle::SessionHandle): commands in, snapshots out.
//! Must not import `cli`, and never reaches into the engine's state (it uses the engine's
//! public types, views and pure quote functions).

pub mod action;
pub mod app;
pub mod form;
pub mod format;
pub mod keymap;
pub mod layout;
pub mod replay;
pub mod terminal;
pub mod theme;
pub mod view;

#[cfg(test)]
mod testing;

pub use action::{Action, Screen};
pub use app::{App, Options};
pub use terminal::request_stop;
pub use theme::Theme;

/// Runs the game on the real terminal until the player quits.
///
/// # Errors
/// The terminal failed.
pub fn run(handle: &mut crate::session::handle::SessionHandle, theme: Theme, options: Options) -> std::io::Result<()> {
    terminal::run(handle, theme, options)
}
