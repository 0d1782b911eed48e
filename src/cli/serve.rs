//! `dtao-arena serve`: hosts a shared world for a workshop. Prints the room code and
//! the join command, then reads host commands on standard input until the match ends;
//! the standings go to standard output and the replay to the data folder (or
//! `--record`).

use std::io::BufRead;
use std::path::PathBuf;
use std::time::Duration;

use super::{CliError, CliResult};
use crate::net::server::{HostCommand, Limits, Server, ServerConfig};

/// Options of `serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Built-in map name or path to a map file.
    #[arg(long, value_parser = super::map_arg())]
    pub map: String,
    /// TCP port to listen on.
    #[arg(long, default_value_t = 7447, allow_negative_numbers = true)]
    pub port: u16,
    /// Address to listen on (0.0.0.0: every interface of this machine).
    #[arg(long, default_value = "0.0.0.0")]
    pub bind: String,
    /// A Lua strategy seated on the server (repeatable; a file or a shipped name, with
    /// options as NAME:key=value,...).
    #[arg(long = "bot", value_name = "FILE|NAME")]
    pub bots: Vec<PathBuf>,
    /// The room code (default: six random letters).
    #[arg(long)]
    pub code: Option<String>,
    /// Clock speed, blocks per second (1 to 7,200).
    #[arg(long, value_name = "BPS", default_value_t = 60, allow_negative_numbers = true, value_parser = super::parse_speed)]
    pub speed: u32,
    /// Match seed (default: the map's).
    #[arg(long, allow_negative_numbers = true, value_parser = super::parse_seed)]
    pub seed: Option<u64>,
    /// Match length in blocks (default: the map's).
    #[arg(long, allow_negative_numbers = true, value_parser = super::parse_blocks)]
    pub blocks: Option<u64>,
    /// Where to write the replay (default: a new file in the platform's data folder).
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,
    /// Start the clock at once (default: paused until the host types `resume`).
    #[arg(long)]
    pub start: bool,
    /// Milliseconds a remote bot has to send each decision.
    #[arg(long, value_name = "MS", default_value_t = 1000, allow_negative_numbers = true, value_parser = clap::value_parser!(u64).range(10..=600_000))]
    pub bot_deadline_ms: u64,
    /// Players and remote bots connected at once (one who leaves frees the seat and keeps
    /// the account).
    #[arg(long, default_value_t = 256, allow_negative_numbers = true, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub max_players: u64,
}

/// This computer's address on its network, as far as the system tells: the local end
/// of a route out (a UDP socket's `connect` sends nothing). `None` without a network.
fn this_machine() -> Option<std::net::IpAddr> {
    let socket = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    socket.connect("192.0.2.1:9").ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_unspecified() && !ip.is_loopback()).then_some(ip)
}

/// How students join a room listening on `ip`: a listener on every address needs this
/// machine's address on the network (`guess`, when the system tells one); a loopback
/// one reaches only this computer.
fn join_hint(ip: std::net::IpAddr, port: u16, code: &str, guess: Option<std::net::IpAddr>) -> Vec<String> {
    let at = |host: String| format!("students join with:  dtao-arena join {host}:{port} --name NAME --code {code}");
    if ip.is_unspecified() {
        match guess {
            Some(g) => vec![
                at(join_host(g)),
                format!(
                    "({g} is this computer's address on its network; on a machine with several, use the one \
                     the room's network reaches)"
                ),
            ],
            None => vec![
                at("THIS-MACHINE".into()),
                "(THIS-MACHINE is this computer's address on the network, such as 192.168.1.20)".into(),
            ],
        }
    } else if ip.is_loopback() {
        vec![at(join_host(ip)), format!("(--bind {ip} reaches only this computer; --bind 0.0.0.0 lets the room join)")]
    } else {
        vec![at(join_host(ip))]
    }
}

/// An address as `join` takes it: IPv6 in brackets (`[::1]:7447`).
fn join_host(ip: std::net::IpAddr) -> String {
    if ip.is_ipv6() { format!("[{ip}]") } else { ip.to_string() }
}

/// The host's commands, in lines under 100 columns (a classroom terminal).
const HOST_HELP: &str = "host commands: pause | resume | speed BPS | events | event K | players\n  \
     kick NAME | allow NAME | end (or quit: the match ends for everyone) | help\n  \
     kick NAME disconnects a player, remote bot or spectator and keeps that name and account\n  \
     out for the rest of the match (the account stays in the standings); allow NAME lets them back";

pub fn run(a: &ServeArgs) -> CliResult {
    let map = crate::scenario::load(&a.map)?;
    let bots: Vec<crate::tournament::Entrant> =
        a.bots.iter().map(|p| super::strategy::read(p)).collect::<Result<_, _>>()?;
    let seed = a.seed.unwrap_or_else(|| map.seed());
    for (seat, e) in bots.iter().enumerate() {
        super::strategy::actor(e, seed, seat)?;
    }
    super::strategy::refuse_failing_init(&map, seed, &[], &bots)?;
    if let Some(r) = &a.record {
        let inputs: Vec<&std::path::Path> =
            std::iter::once(std::path::Path::new(&a.map)).chain(a.bots.iter().map(PathBuf::as_path)).collect();
        super::fsutil::check_outputs(&inputs, &[super::fsutil::Output::new("--record", r)])?;
    }
    // Held to the end: an unwritten reserved file goes when the room does.
    let reserved =
        if a.record.is_none() { super::play::default_save_path(&format!("workshop-{}", map.name())) } else { None };
    let record = a.record.clone().or_else(|| reserved.as_ref().map(|r| r.path.clone()));
    let ip: std::net::IpAddr = a.bind.trim().trim_start_matches('[').trim_end_matches(']').parse().map_err(|_| {
        CliError::input(format!(
            "--bind '{}' is not an IP address to listen on (such as 0.0.0.0, or :: for IPv6)",
            a.bind
        ))
    })?;
    let addr = std::net::SocketAddr::new(ip, a.port);
    let config = ServerConfig {
        seed: Some(seed),
        blocks: a.blocks,
        bots,
        code: a.code.clone(),
        blocks_per_sec: a.speed,
        paused: !a.start,
        record,
        limits: Limits {
            bot_deadline: Duration::from_millis(a.bot_deadline_ms),
            max_players: usize::try_from(a.max_players).unwrap_or(usize::MAX),
            ..Limits::default()
        },
        ..ServerConfig::new(map.clone())
    };
    let mut server = Server::start(config, addr).map_err(|e| match e {
        crate::net::server::ServerError::Io(io) if io.kind() == std::io::ErrorKind::AddrNotAvailable => {
            CliError::input(format!(
                "cannot listen on {addr}: {io}; --bind takes an address of this machine (0.0.0.0 listens on all of them)"
            ))
        }
        crate::net::server::ServerError::Io(io) => {
            CliError::runtime(format!("cannot listen on {addr}: {io} (is another server on that port? try --port)"))
        }
        other => CliError::input(other.to_string()),
    })?;
    let port = server.local_addr().port();
    out!("dTAO Arena workshop: map '{}', room code {}", map.name(), server.code());
    for line in join_hint(ip, port, server.code(), if ip.is_unspecified() { this_machine() } else { None }) {
        out!("{line}");
    }
    if let Some(note) = map.teacher_note.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        // The students' games do not show it: it often holds the answers.
        out!("teacher's note (for you; the students' games do not show it):");
        for line in note.lines() {
            out!("  {}", crate::text::escape_controls(line));
        }
    }
    if !map.objectives.is_empty() {
        // What the students' welcome boxes list; the ones with a condition are checked, and
        // this terminal says when each is reached (and, at the end, which were not).
        // The marks of the students' Network screen: ○ until reached (then ✓), • a prompt.
        out!("objectives (the students see them; ○ checked by the game, ✓ once reached, • for discussion):");
        for (k, o) in map.objectives.iter().enumerate() {
            let mark = if o.goal.is_some() { "○" } else { "•" };
            out!("  {} {mark} {}", k + 1, crate::text::escape_controls(&o.text));
        }
    }
    out!("{}", if a.start { "the clock runs." } else { "the clock is paused: type `resume` to start." });
    out!("{HOST_HELP}");
    let rx = host_input();
    let mut paused = !a.start;
    let mut stdin_open = true;
    // Once the host has ended the match, nothing more is said about the clock.
    let mut ending = false;
    while !server.is_finished() {
        let input = match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(i) => i,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => continue,
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                std::thread::sleep(Duration::from_millis(200));
                continue;
            }
        };
        match input {
            HostInput::Line(line) => match parse_host(&line) {
                Ok(Some(cmd)) => {
                    match cmd {
                        HostCommand::Pause => paused = true,
                        HostCommand::Resume => paused = false,
                        HostCommand::End => ending = true,
                        _ => {}
                    }
                    out!("{}", server.host(cmd));
                }
                Ok(None) => {}
                Err(e) if e.is_empty() => out!("{HOST_HELP}"),
                // The mistake, and where the commands are (the help is long to repeat).
                Err(e) => out!("{e} (`help` lists the commands)"),
            },
            HostInput::Stop => {
                ending = true;
                out!("stopping: the match ends and its replay is written (a second Ctrl-C quits at once)");
                out!("{}", server.host(HostCommand::End));
            }
            // The match is ending already: nothing to say about the clock.
            HostInput::Closed if stdin_open && ending => stdin_open = false,
            HostInput::Closed if stdin_open => {
                stdin_open = false;
                if paused {
                    out!(
                        "standard input closed while the clock is paused: nothing can resume it, so the match ends \
                         (to host without a terminal, start the clock with --start)"
                    );
                    out!("{}", server.host(HostCommand::End));
                } else {
                    out!(
                        "standard input closed: no more host commands; the match runs to its last block (Ctrl-C ends it)"
                    );
                }
            }
            HostInput::Closed => {}
        }
    }
    let end = server.wait();
    out!("\n{}", end.end.reason);
    for s in &end.end.standings {
        out!(
            "{:>3}. {:<24} {:<5} {:>14} TAO  roi {:>+7.2}%  faults {}",
            s.rank,
            s.name,
            s.kind,
            crate::text::tao_cents(s.score_rao),
            s.roi * 100.0,
            s.faults
        );
    }
    if let Some(p) = &end.end.replay {
        out!("replay: dtao-arena replay {}", super::shell_word(p));
    }
    // A lost replay is a failure: the class's match is gone but for the standings above.
    match (end.error, end.replay_error) {
        (Some(e), _) => Err(CliError::runtime(e)),
        (None, Some(e)) => Err(CliError::runtime(format!("{e} (the standings above are all that is kept)"))),
        (None, None) => Ok(()),
    }
}

/// What the host's terminal says.
enum HostInput {
    /// A line typed.
    Line(String),
    /// Standard input ended (Ctrl-D, or no terminal).
    Closed,
    /// Ctrl-C, `kill` or a closed terminal: end the match properly.
    Stop,
}

/// The host's lines, the end of standard input and stop signals, on one channel.
fn host_input() -> std::sync::mpsc::Receiver<HostInput> {
    let (tx, rx) = std::sync::mpsc::channel::<HostInput>();
    let lines = tx.clone();
    std::thread::spawn(move || {
        // Bytes, not `lines()`: a line that is not UTF-8 (a stray key, another
        // encoding) is a mistyped command, not the end of the host's input.
        let mut stdin = std::io::stdin().lock();
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match stdin.read_until(b'\n', &mut buf) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    let line = String::from_utf8_lossy(&buf).trim_end_matches(['\n', '\r']).to_string();
                    if lines.send(HostInput::Line(line)).is_err() {
                        return;
                    }
                }
            }
        }
        let _ = lines.send(HostInput::Closed);
    });
    super::signals::on_stop(move || {
        let _ = tx.send(HostInput::Stop);
    });
    rx
}

/// One line of the host's terminal.
fn parse_host(line: &str) -> Result<Option<HostCommand>, String> {
    let mut words = line.split_whitespace();
    let Some(verb) = words.next() else { return Ok(None) };
    let rest: Vec<&str> = words.collect();
    let number = |what: &str| -> Result<u64, String> {
        match rest.first() {
            None => Err(format!("`{verb}` needs {what}")),
            Some(w) => w.parse().map_err(|_| {
                let shown = crate::text::escape(&w.escape_debug().to_string(), |_| false, 24);
                format!("`{verb}` takes {what}, not '{shown}'")
            }),
        }
    };
    let lower = verb.to_lowercase();
    let alone = ["pause", "p", "resume", "start", "r", "events", "players", "who", "end", "quit", "help", "?"];
    if alone.contains(&lower.as_str()) && !rest.is_empty() {
        let shown = crate::text::escape(&rest.join(" ").escape_debug().to_string(), |_| false, 24);
        return Err(format!("`{verb}` takes nothing after it, not '{shown}'"));
    }
    Ok(Some(match lower.as_str() {
        "pause" | "p" => HostCommand::Pause,
        "resume" | "start" | "r" => HostCommand::Resume,
        "speed" => match number("a number of blocks a second, 1 to 7200")? {
            bps @ 1..=7200 => HostCommand::Speed(u32::try_from(bps).unwrap_or(7200)),
            bps => return Err(format!("`speed` takes 1 to 7200 blocks a second, not {bps}")),
        },
        "events" => HostCommand::Events,
        "event" => HostCommand::Event(usize::try_from(number("an event number (see `events`)")?).unwrap_or(0)),
        "players" | "who" => HostCommand::Players,
        "kick" if rest.is_empty() => return Err("`kick` needs the name of a player (see `players`)".into()),
        // Names are short (a player's at most 24 characters): a pasted page is not echoed.
        "kick" | "allow" | "unkick" if rest.join(" ").chars().count() > 64 => {
            return Err(format!("`{verb}` takes a name from `players`, and no name is that long"));
        }
        "kick" => HostCommand::Kick(rest.join(" ")),
        "allow" | "unkick" if rest.is_empty() => return Err(format!("`{verb}` needs the name of a kicked player")),
        "allow" | "unkick" => HostCommand::Allow(rest.join(" ")),
        "end" | "quit" => HostCommand::End,
        "help" | "?" => return Err("".into()),
        // Escaped, so that a key's escape sequence (an arrow, End) shows as text.
        _ => {
            let shown = crate::text::escape(&line.trim().escape_debug().to_string(), |_| false, 60);
            let verbs = ["pause", "resume", "start", "speed", "events", "event", "players", "who", "kick", "allow"];
            let verbs = verbs.into_iter().chain(["unkick", "end", "quit", "help"]);
            return Err(match crate::scenario::suggest_name(&lower, verbs) {
                // Not a nudge toward ending the class by mistake (`exit`).
                Some("end" | "quit") => {
                    format!("unknown command '{shown}': `end` (or `quit`) ends the match for everyone, if that is it")
                }
                Some(v) => format!("unknown command '{shown}': did you mean `{v}`?"),
                None => format!("unknown command '{shown}'"),
            });
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_join_hint_follows_the_bind_address() {
        let hint = |ip: &str| join_hint(ip.parse().expect("an address"), 7447, "K7M2QX", None).join("\n");
        let any = hint("0.0.0.0");
        assert!(any.contains("join THIS-MACHINE:7447 --name NAME --code K7M2QX") && any.contains("192.168.1.20"));
        // The system's own address for the network, when it tells one.
        let guessed = join_hint("0.0.0.0".parse().expect("ip"), 7447, "K7M2QX", "10.0.4.7".parse().ok()).join("\n");
        assert!(guessed.contains("join 10.0.4.7:7447 --name NAME --code K7M2QX"), "{guessed}");
        assert!(
            guessed.contains("10.0.4.7 is this computer's address on its network") && !guessed.contains("THIS-MACHINE")
        );
        let v6 = join_hint("::".parse().expect("ip"), 7447, "K7M2QX", "fd00::5".parse().ok()).join("\n");
        assert!(v6.contains("join [fd00::5]:7447 "), "{v6}");
        // Whatever this machine has, the guess is never a loopback or unspecified one.
        assert!(this_machine().is_none_or(|ip| !ip.is_loopback() && !ip.is_unspecified()));
        let lo = hint("127.0.0.1");
        assert!(lo.contains("join 127.0.0.1:7447 ") && lo.contains("reaches only this computer"), "{lo}");
        assert!(!lo.contains("THIS-MACHINE"), "{lo}");
        assert!(hint("::1").contains("join [::1]:7447 "));
        assert_eq!(
            hint("192.168.1.20"),
            "students join with:  dtao-arena join 192.168.1.20:7447 --name NAME --code K7M2QX"
        );
    }

    #[test]
    fn the_host_help_fits_a_classroom_terminal() {
        assert!(HOST_HELP.lines().all(|l| l.chars().count() < 100), "{HOST_HELP}");
        assert!(HOST_HELP.contains("kick NAME disconnects") && HOST_HELP.contains("allow NAME lets them back"));
    }

    #[test]
    fn host_lines_parse() {
        assert_eq!(parse_host("speed 720"), Ok(Some(HostCommand::Speed(720))));
        assert_eq!(parse_host("  event 2 "), Ok(Some(HostCommand::Event(2))));
        assert_eq!(parse_host("kick Ana B"), Ok(Some(HostCommand::Kick("Ana B".into()))));
        assert_eq!(parse_host(""), Ok(None));
        assert!(parse_host("speed fast").is_err());
        assert_eq!(parse_host("speed 0"), Err("`speed` takes 1 to 7200 blocks a second, not 0".into()));
        assert!(parse_host("speed 99999").is_err_and(|e| e.contains("1 to 7200")));
        assert!(parse_host("kick").is_err_and(|e| e.contains("needs the name")));
        assert_eq!(parse_host("allow Ana"), Ok(Some(HostCommand::Allow("Ana".into()))));
        assert_eq!(parse_host("unkick ana"), Ok(Some(HostCommand::Allow("ana".into()))));
        assert!(parse_host("allow").is_err_and(|e| e.contains("kicked player")));
        assert_eq!(parse_host("help"), Err(String::new()));
        assert_eq!(parse_host("dance"), Err("unknown command 'dance'".into()));
        let long = parse_host(&"x".repeat(10_000)).expect_err("unknown");
        assert!(long.len() < 100 && long.ends_with("…'"), "{long}");
        let kick = parse_host(&format!("kick {}", "y".repeat(10_000))).expect_err("too long");
        assert!(kick.contains("no name is that long"), "{kick}");
        assert_eq!(parse_host("\u{1b}[4~"), Err("unknown command '\\u{1b}[4~'".into()));
        // A number that is not one is named; a near miss is suggested.
        assert_eq!(
            parse_host("speed -5"),
            Err("`speed` takes a number of blocks a second, 1 to 7200, not '-5'".into())
        );
        let big = parse_host("event 99999999999999999999999").expect_err("too big");
        assert!(big.starts_with("`event` takes an event number (see `events`), not '9999"), "{big}");
        assert_eq!(parse_host("resum"), Err("unknown command 'resum': did you mean `resume`?".into()));
        // Ending the class is never a guess's nudge.
        assert_eq!(
            parse_host("exit"),
            Err("unknown command 'exit': `end` (or `quit`) ends the match for everyone, if that is it".into())
        );
        assert_eq!(parse_host("quit"), Ok(Some(HostCommand::End)));
        // A command that takes nothing says so rather than drop the rest.
        assert_eq!(parse_host("players extra"), Err("`players` takes nothing after it, not 'extra'".into()));
        assert_eq!(parse_host("end now"), Err("`end` takes nothing after it, not 'now'".into()));
        assert!(HOST_HELP.contains("end (or quit: the match ends for everyone)"));
    }
}
