//! `dtao-arena join`: a shared world in the terminal game (a player, or `--spectate`
//! for a projector), or a Lua strategy playing it headless (`--bot`). The game is the
//! same as `play`: its session follows the server's ticks instead of its own clock, and
//! the player's orders go to the server. The reconnect token is kept in the data folder,
//! so joining again with the same code and name resumes the same account.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use super::{CliError, CliResult};
use crate::net::client::{self, ClientError, Joined};
use crate::net::protocol::{End, Hello, PROTOCOL_VERSION, Role, Token};
use crate::session::Session;
use crate::session::handle::{HandleOptions, Remote, RemoteEvent, SessionHandle, Setup};

/// Options of `join`.
#[derive(Debug, clap::Args)]
pub struct JoinArgs {
    /// The server, as HOST:PORT (the host's screen shows them).
    #[arg(value_name = "HOST:PORT")]
    pub addr: String,
    /// Your name in the room (a bot's defaults to its strategy's name).
    #[arg(long)]
    pub name: Option<String>,
    /// The room code the host gave.
    #[arg(long)]
    pub code: String,
    /// Watch without an account (for a projector).
    #[arg(long, conflicts_with = "bot")]
    pub spectate: bool,
    /// Play a Lua strategy (a .lua file or a shipped name, with options as
    /// NAME:key=value,...) on this machine instead of the game (headless).
    #[arg(long, value_name = "FILE.lua|NAME")]
    pub bot: Option<PathBuf>,
    /// A reconnect token (hex) from an earlier join (default: the one kept in the data
    /// folder for this code, role and name).
    #[arg(long, value_name = "HEX")]
    pub token: Option<String>,
}

const TIMEOUT: Duration = Duration::from_secs(10);

pub fn run(a: &JoinArgs) -> CliResult {
    let code = crate::net::server::normalise_code(&a.code).ok_or_else(|| {
        let why = crate::net::server::code_problem(&a.code).unwrap_or_default();
        CliError::input(format!("'{}' is not a room code: {why}", a.code.escape_debug()))
    })?;
    check_addr(&a.addr)?;
    let bot = a.bot.as_ref().map(|p| super::strategy::read(p)).transpose()?;
    if let Some(entrant) = &bot {
        // A strategy that does not load is the user's to fix before the room sees it.
        super::strategy::actor(entrant, 0, 0)?;
    }
    let name = a.name.clone().or_else(|| bot.as_ref().map(|b| b.name.clone())).unwrap_or_default();
    if !a.spectate && name.trim().is_empty() {
        return Err(CliError::input(
            "give your name with --name NAME (or watch with --spectate, or enter a bot with --bot FILE)",
        ));
    }
    if bot.is_none() {
        // A projector or a student's game is drawn in a terminal; only a bot runs without.
        super::play::need_terminal_else(
            "run it in a terminal window (a projector too), or enter a Lua bot without one: \
             `dtao-arena join HOST:PORT --code CODE --bot FILE.lua`",
        )?;
    }
    let role = match (a.spectate, &bot) {
        (true, _) => Role::Spectator,
        (false, Some(_)) => Role::Bot,
        (false, None) => Role::Player,
    };
    let token_file = token_path(&code, &name, role);
    let token = match &a.token {
        Some(hex) => Some(parse_token(hex)?),
        None => token_file.as_ref().and_then(|p| std::fs::read_to_string(p).ok()).and_then(|t| parse_token(&t).ok()),
    };
    let hello =
        |token| Hello { protocol_version: PROTOCOL_VERSION, room_code: code.clone(), name: name.clone(), token, role };
    note!("joining {} ...", a.addr);
    let joined = match client::connect(&a.addr, hello(token.filter(|_| role != Role::Spectator)), TIMEOUT) {
        // A kept token from another room: join afresh.
        Err(ClientError::Refused(r)) if r.starts_with("unknown token") && a.token.is_none() => {
            client::connect(&a.addr, hello(None), TIMEOUT)
        }
        other => other,
    }
    .map_err(|e| match e {
        // Taken by this student's own account, joined from another computer (whose
        // data folder keeps the token); not when the host's bots or the map's accounts
        // have the name ("is taken in this room by ...").
        ClientError::Refused(ref r) if r.contains("is taken in this room:") && role != Role::Spectator => {
            CliError::input(format!(
                "{e}\nif that is you, joined from another computer: pass its token with --token HEX (the 32 hex \
                 digits in tokens/{} in that computer's dtao-arena data folder)",
                token_file_name(&code, &name, role)
            ))
        }
        ClientError::Refused(_) => CliError::input(e.to_string()),
        other => CliError::runtime(other.to_string()),
    })?;
    if let (Some(t), Some(path)) = (joined.welcome.token, &token_file) {
        let hex: String = t.iter().map(|b| format!("{b:02x}")).collect();
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let _ = crate::record::fs::write_atomic(path, |w| w.write_all(hex.as_bytes()));
    }
    note!("joined as '{}'; catching up with the match ...", crate::text::printable(joined.welcome.name.clone()));
    match bot {
        Some(entrant) => {
            // A lost connection comes back on the same account, by its token.
            let token = joined.welcome.token;
            play_bot(joined, &entrant, || client::connect(&a.addr, hello(token), TIMEOUT))
        }
        None => {
            // The way back, for a student who leaves before the end.
            let who = if role == Role::Spectator {
                " --spectate".to_string()
            } else {
                format!(" --name {}", super::shell_word(&joined.welcome.name))
            };
            let back = format!("dtao-arena join {} --code {code}{who}", super::shell_word(&a.addr));
            // A lost connection comes back on the same account, by its token.
            let again = hello(joined.welcome.token);
            let addr = a.addr.clone();
            play_game(joined, &back, role, move || client::connect(&addr, again.clone(), TIMEOUT))
        }
    }
}

/// `HOST:PORT` (a name or an IP address, `[v6]:PORT` for IPv6, a port from 1 to 65535).
fn check_addr(addr: &str) -> Result<(), CliError> {
    let bad = |why: &str| {
        CliError::input(format!(
            "'{addr}' is not HOST:PORT ({why}); write it like 192.168.1.20:7447 (the address and port the host's serve printed)"
        ))
    };
    let Some((host, port)) = addr.trim().rsplit_once(':') else { return Err(bad("no port")) };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() {
        return Err(bad("no host"));
    }
    match port.parse::<u16>() {
        Ok(p) if p > 0 => Ok(()),
        _ => Err(bad("the port is a number from 1 to 65535")),
    }
}

fn parse_token(hex: &str) -> Result<Token, CliError> {
    let hex = hex.trim();
    let bad = || CliError::input("a token is 32 hexadecimal digits");
    if hex.len() != 32 {
        return Err(bad());
    }
    let mut t = [0u8; 16];
    for (k, b) in t.iter_mut().enumerate() {
        *b = u8::from_str_radix(hex.get(2 * k..2 * k + 2).ok_or_else(bad)?, 16).map_err(|_| bad())?;
    }
    Ok(t)
}

/// `DATA/tokens/CODE-ROLE-NAME.token`.
fn token_path(code: &str, name: &str, role: Role) -> Option<PathBuf> {
    let dir = super::recfile::saves_dir()?.parent()?.join("tokens");
    Some(dir.join(token_file_name(code, name, role)))
}

/// A token file's name: one per room, role and name (the name spelled so that two
/// names never share a file: ASCII letters and digits as they are, every other byte as
/// `_XX` in hex).
fn token_file_name(code: &str, name: &str, role: Role) -> String {
    // Kept under the name the room shows (invisible characters dropped), so that
    // `--name bob` finds the token of a `bob` once typed with a zero-width space.
    let shown = crate::net::server::clean_name(name).unwrap_or_else(|_| name.to_string());
    let name = shown.as_str();
    let mut safe = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() {
            safe.push(char::from(b));
        } else {
            safe.push_str(&format!("_{b:02x}"));
        }
    }
    let role = match role {
        Role::Player => "player",
        Role::Bot => "bot",
        Role::Spectator => "spectator",
    };
    format!("{code}-{role}-{safe}.token")
}

fn print_end(end: &End) {
    out!("{}", crate::text::printable(end.reason.clone()));
    for s in &end.standings {
        out!(
            "{:>3}. {:<24} {:<5} {:>14} TAO  roi {:>+7.2}%",
            s.rank,
            crate::text::printable(s.name.clone()),
            s.kind,
            crate::text::tao_cents(s.score_rao),
            s.roi * 100.0
        );
    }
}

fn play_game(
    joined: Joined,
    back: &str,
    role: Role,
    connect: impl FnMut() -> Result<Joined, ClientError> + Send + 'static,
) -> CliResult {
    let Joined { welcome, recording, link } = joined;
    let (events, outbox) = link.split();
    let outbox = Arc::new(Mutex::new(outbox));
    let sender = Arc::clone(&outbox);
    let leaving = Arc::clone(&outbox);
    let (tx, inbox) = std::sync::mpsc::channel::<RemoteEvent>();
    let end: Arc<Mutex<Option<End>>> = Arc::new(Mutex::new(None));
    let end_slot = Arc::clone(&end);
    let start = recording.block;
    std::thread::spawn(move || {
        client::forward_game(events, &outbox, &tx, &end_slot, connect, client::Reconnect::default(), start);
    });
    let human = welcome.account.map(crate::engine::AccountId);
    let mut handle = SessionHandle::spawn(
        move || {
            // The handle runs the catch-up, so the charts and the book start at block 0.
            let session =
                Session::follow_later(&recording).map_err(|e| format!("the match does not load here: {e}"))?;
            let remote = Remote {
                inbox,
                outbox: Box::new(move |o| sender.lock().unwrap_or_else(PoisonError::into_inner).order(&o)),
            };
            // A lesson's narrations show in a box, as in a game of one's own; the host's
            // clock does not wait for it (the world goes on behind the box).
            let lesson = !session.map().objectives.is_empty();
            Ok(Setup { remote: Some(remote), lesson, ..Setup::new(session, human) })
        },
        HandleOptions { paused: false, ..HandleOptions::default() },
    )
    .map_err(|e| CliError::runtime(e.to_string()))?;
    let result = super::play::game(&mut handle, crate::tui::Options::default());
    let last = handle.latest();
    handle.quit();
    if let Some(e) = end.lock().unwrap_or_else(PoisonError::into_inner).as_ref() {
        print_end(e);
        return result;
    }
    result?;
    // Kicked, replaced or cut off: an error, as for a bot (the reason says the way back
    // when there is one).
    if let Some(why) = &last.error {
        return Err(CliError::runtime(why.clone()));
    }
    if !last.over {
        // The host's terminal says this player quit, not that its program stopped.
        leaving.lock().unwrap_or_else(PoisonError::into_inner).bye(Duration::from_secs(1));
        let stays = if role == Role::Spectator { "" } else { "your account stays in the match; " };
        note!("you left the room: {stays}`{back}` brings you back");
    }
    Ok(())
}

fn play_bot(
    joined: Joined,
    entrant: &crate::tournament::Entrant,
    connect: impl FnMut() -> Result<Joined, ClientError>,
) -> CliResult {
    let seed = joined.recording.header.seed;
    let mut actor = super::strategy::actor(entrant, seed, 0)?;
    let me = joined.welcome.name.clone();
    // Strategy lines, faults and server notices as `sim` prints them: control characters
    // as escapes, never as terminal commands.
    let shown = |s: String| crate::text::printable(s);
    // Ctrl-C (or kill, or a closed terminal): the bot says goodbye before it goes, so
    // that the host reads that it quit. A second one quits at once.
    super::signals::on_stop(client::leave);
    let end = client::play_bot(joined, &mut actor, connect, client::Reconnect::default(), |e| match e {
        client::BotEvent::Decided { after_block, orders } if orders > 0 => {
            out!("block {after_block}: {} sent {}", shown(me.clone()), crate::text::count(orders, "order", "orders"));
        }
        client::BotEvent::Decided { .. } => {}
        client::BotEvent::Fault { after_block, text } => out!("[block {after_block}] fault: {}", shown(text)),
        client::BotEvent::Rejected { block, text } => out!("[block {block}] rejected: {}", shown(text)),
        client::BotEvent::Line(l) => out!("{}", shown(l)),
    })
    .map_err(|why| if why == client::LEFT { CliError::stopped(why) } else { CliError::runtime(shown(why)) })?;
    print_end(&end);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_files_never_collide_across_names_or_roles() {
        let names = ["a b", "a_b", "a-b", "ab", "Ana", "ana", "é", "_c3_a9"];
        let mut seen = std::collections::BTreeSet::new();
        for n in names {
            for role in [Role::Player, Role::Bot] {
                let f = token_file_name("K7M2QX", n, role);
                assert!(f.chars().all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c)), "{f}");
                assert!(seen.insert(f.clone()), "{f} is shared");
            }
        }
        assert_eq!(token_file_name("K7M2QX", "a b", Role::Bot), "K7M2QX-bot-a_20b.token");
        assert_eq!(
            token_file_name("K7M2QX", " bob\u{200b}", Role::Player),
            token_file_name("K7M2QX", "bob", Role::Player),
            "the name the room shows"
        );
    }

    #[test]
    fn a_closed_connection_is_told_once_and_promises_only_what_holds() {
        use crate::net::client::{closed_text, lost_text};
        use crate::net::protocol::{KICKED, REPLACED};
        let kicked = closed_text(&format!("{KICKED} for the rest of the match"));
        assert!(kicked.contains("kicked") && !kicked.contains("brings you back"), "{kicked}");
        let replaced = closed_text(REPLACED);
        assert!(!replaced.contains("brings you back"), "{replaced}");
        // The server vanished (a crash, the end of the room): no account promised, and
        // the words are not doubled.
        let lost = lost_text(&format!("{}: it hung up without a word", client::LOST));
        assert!(lost.starts_with("lost the connection to the server: it hung up"), "{lost}");
        assert!(!lost.contains("your account") && lost.contains("if the room is still open"), "{lost}");
        assert_eq!(lost.matches("connection").count(), 1, "{lost}");
        let slow = closed_text("too slow: its queue of ticks was full");
        assert!(slow.contains("brings you back to your account"), "{slow}");
    }
}
