//! Workshops through the binary: what `serve` prints on the host's terminal about
//! clients (names cleaned or escaped, never raw), what `join --bot` prints (escaped like
//! `sim`, with word of the host's clock), and `join`'s room-code check.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use dtao_arena::net::protocol::{self, ClientMsg, Hello, PROTOCOL_VERSION, Role};
use dtao_arena::net::server::{HostCommand, Server, ServerConfig};

const BIN: &str = env!("CARGO_BIN_EXE_dtao-arena");

fn frame(msg: &ClientMsg) -> Vec<u8> {
    let payload = protocol::encode(msg);
    let mut f = u32::try_from(payload.len()).expect("a small frame").to_be_bytes().to_vec();
    f.extend_from_slice(&payload);
    f
}

fn hello(code: &str, name: &str, role: Role) -> ClientMsg {
    ClientMsg::Hello(Hello {
        protocol_version: PROTOCOL_VERSION,
        room_code: code.into(),
        name: name.into(),
        token: None,
        role,
    })
}

/// A raw client: says hello, reads the server's first bytes (the welcome or the
/// refusal), and gives the stream back.
fn raw_join(port: u16, code: &str, name: &str, role: Role) -> TcpStream {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.write_all(&frame(&hello(code, name, role))).expect("hello");
    s.set_read_timeout(Some(Duration::from_millis(200))).expect("timeout");
    let mut buf = [0u8; 65536];
    let deadline = Instant::now() + Duration::from_millis(400);
    // The welcome and the catch-up (then ticks, ten a second).
    while Instant::now() < deadline && s.read(&mut buf).is_ok_and(|n| n > 0) {}
    s
}

/// `serve` on a free port of loopback; its standard output line by line, and its
/// input.
struct Serve {
    child: Child,
    stdin: ChildStdin,
    lines: mpsc::Receiver<String>,
    port: u16,
}

impl Serve {
    /// Ends the room (`end`) and waits for `serve` to exit with success; its log.
    fn end(&mut self) -> String {
        self.stdin.write_all(b"end\n").expect("end");
        let mut log = String::new();
        self.child.stderr.take().expect("stderr").read_to_string(&mut log).expect("stderr");
        assert!(self.child.wait().expect("serve ends").success());
        log
    }
}

fn serve(dir: &std::path::Path, code: &str) -> Serve {
    serve_with(dir, code, &["--map", "tutorial"])
}

/// [`serve`] with other arguments (`--map` among them).
fn serve_with(dir: &std::path::Path, code: &str, args: &[&str]) -> Serve {
    let mut child = Command::new(BIN)
        .arg("serve")
        .args(args)
        .args(["--port", "0", "--bind", "127.0.0.1", "--code", code, "--record"])
        .arg(dir.join("room.dtrec"))
        .env("DTAO_ARENA_DATA", dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve starts");
    let stdin = child.stdin.take().expect("stdin");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, lines) = mpsc::channel();
    thread::spawn(move || {
        for l in BufReader::new(stdout).lines() {
            let Ok(l) = l else { break };
            if tx.send(l).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    let port = loop {
        let l = lines.recv_timeout(deadline.saturating_duration_since(Instant::now())).expect("serve prints its port");
        // Bound to loopback, the join command names it (no THIS-MACHINE to fill in).
        if let Some(rest) = l.split("join 127.0.0.1:").nth(1) {
            break rest.split_whitespace().next().and_then(|p| p.parse().ok()).expect("a port");
        }
    };
    Serve { child, stdin, lines, port }
}

/// Lines `serve` printed until `needle` (or five seconds).
fn until(s: &Serve, needle: &str) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut seen = Vec::new();
    while let Ok(l) = s.lines.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        let done = l.contains(needle);
        seen.push(l);
        if done {
            break;
        }
    }
    seen
}

#[test]
fn the_hosts_log_shows_clients_names_cleaned_or_escaped_never_raw() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut s = serve(dir.path(), "ABCDEF");
    // Names that would clear the screen or forge a line; one too long, refused.
    let evil = raw_join(s.port, "ABCDEF", "\u{1b}[2J\u{1b}[31mEVIL", Role::Player);
    let forger = raw_join(s.port, "ABCDEF", "bob\nfake: line", Role::Player);
    let long = format!("\u{1b}]0;PWNED\u{7}{}", "y".repeat(5000));
    drop(raw_join(s.port, "ABCDEF", &long, Role::Player));
    // A projector without a name that vanishes (a reset, not a bad frame).
    let wall = raw_join(s.port, "ABCDEF", "", Role::Spectator);
    socket2::SockRef::from(&wall).set_linger(Some(Duration::ZERO)).expect("linger");
    drop((evil, forger, wall));
    thread::sleep(Duration::from_millis(500));
    // A line that is not UTF-8 is a mistyped command, not the end of the host's input
    // (which, the room being paused, would end the match).
    s.stdin.write_all(b"\xff\xfe\n").expect("host commands");
    s.stdin.write_all(b"players\n").expect("host commands");
    // The start (with the host's help), then the players' table.
    let shown = until(&s, "seats taken").join("\n");
    assert!(shown.contains("[2J[31mEVIL") && shown.contains("bobfake: line"), "{shown}");
    assert!(shown.contains("kick NAME disconnects") && shown.contains("allow NAME"), "{shown}");
    // The map's teacher's note is the host's to read (the students' games hide it), and
    // so is the list of objectives.
    assert!(shown.contains("teacher's note (for you; the students' games do not show it):"), "{shown}");
    assert!(shown.contains("  4 ○ Watch a hyped memecoin pump"), "{shown}");
    assert!(!shown.contains("standard input closed"), "{shown}");
    s.stdin.write_all(b"end\n").expect("end");
    let mut err = String::new();
    s.child.stderr.take().expect("stderr").read_to_string(&mut err).expect("stderr");
    assert!(s.child.wait().expect("serve ends").success());
    assert!(!err.contains('\u{1b}') && !err.contains('\u{7}'), "{err:?}");
    assert!(!err.lines().any(|l| l.starts_with("fake")), "{err}");
    // Closed (a quit) or dropped (a reset): the name is shown cleaned either way.
    assert!(err.contains("'[2J[31mEVIL' disconnected: "), "{err}");
    assert!(err.contains("'bobfake: line' disconnected: "), "{err}");
    // One line per departure (the room used to add "'EVIL' dropped: left").
    assert_eq!(err.lines().filter(|l| l.contains("EVIL' d")).count(), 1, "{err}");
    // The refused name: escaped and cut short.
    let refused = err.lines().find(|l| l.contains("refused")).expect("a refusal");
    assert!(refused.contains(r"refused '\u{1b}]0;PWNED\u{7}yyy"), "{refused}");
    assert!(refused.contains("…': the name is too long") && refused.len() < 200, "{refused}");
    assert!(!err.contains("'' disconnected") && err.contains("'spectator "), "{err}");
    assert!(!err.contains("bad frame"), "{err}");
    // Ended at once: the map's story did not come to pass, and the host is told.
    assert!(err.contains("objective 4 not reached in this match: Watch a hyped memecoin pump"), "{err}");
}

#[test]
fn join_bot_prints_like_sim_and_says_when_the_host_pauses_the_clock() {
    let dir = tempfile::tempdir().expect("tmp");
    let bot = dir.path().join("escbot.lua");
    std::fs::write(
        &bot,
        "cadence = 20\nfunction on_tick(w)\n  dtao.log(\"\\27[31mRED\\27[0m\\7bell\\rCR\")\n  \
         if w.block < 30 then dtao.stake(1, 1000000) end\n  \
         if w.block > 30 then error(\"\\27[2Jclear-screen-in-fault\") end\nend\n",
    )
    .expect("write");
    let map = dtao_arena::scenario::load("tutorial").expect("the tutorial map");
    let c = ServerConfig { blocks: Some(200), blocks_per_sec: 400, paused: true, log: false, ..ServerConfig::new(map) };
    let server = Server::start(c, "127.0.0.1:0".parse().expect("an address")).expect("the server starts");
    let addr = server.local_addr().to_string();
    let child = Command::new(BIN)
        .args(["join", &addr, "--code", server.code(), "--bot"])
        .arg(&bot)
        .env("DTAO_ARENA_DATA", dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("join starts");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !server.host(HostCommand::Players).contains("connected") {
        assert!(Instant::now() < deadline, "the bot did not join");
        thread::sleep(Duration::from_millis(50));
    }
    thread::sleep(Duration::from_millis(500));
    server.host(HostCommand::Resume);
    let end = server.wait();
    let o = child.wait_with_output().expect("join ends");
    let out = String::from_utf8_lossy(&o.stdout);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{out}\n{err}");
    assert!(!out.contains('\u{1b}') && !err.contains('\u{1b}') && !out.contains('\r'), "{out:?}\n{err:?}");
    // Escapes for what a terminal would obey; a carriage return breaks the line, so it
    // becomes a space, as a line break does.
    assert!(out.contains(r"\u{1b}[31mRED\u{1b}[0m\u{7}bell CR"), "{out}");
    assert!(out.contains(r"] fault: ") && out.contains(r"\u{1b}[2Jclear-screen-in-fault"), "{out}");
    // Its rejected orders are told, with their block, as `sim` tells them.
    let rejected = out.find("] rejected: stake 1000000 TAO on SN1: not enough free TAO").expect(&out);
    assert!(out[..rejected].rsplit('\n').next().is_some_and(|l| l.starts_with("[block ")), "{out}");
    assert!(out.contains("[block 41] fault: "), "{out}");
    let paused = out.find("the host has paused the clock at block 0: waiting").expect(&out);
    // Resumed where it was paused (not at the end of the tick that said so).
    let resumed = out.find("the host resumed the clock at block 0 (400 blocks a second)").expect(&out);
    assert!(paused < resumed, "{out}");
    // The server recorded the fault without its control characters.
    let rec = end.recording.expect("a recording");
    let faults: Vec<&str> = rec
        .ticks
        .iter()
        .flat_map(|t| &t.inputs)
        .filter_map(|i| match i {
            dtao_arena::record::Input::Fault { text, .. } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    assert!(!faults.is_empty() && faults.iter().all(|f| !f.chars().any(char::is_control)), "{faults:?}");
}

#[test]
fn a_remote_bot_whose_init_fails_leaves_without_a_fault_counted() {
    let dir = tempfile::tempdir().expect("tmp");
    let map = dtao_arena::scenario::load("tutorial").expect("the tutorial map");
    let c = ServerConfig { blocks: Some(200), paused: true, log: false, ..ServerConfig::new(map) };
    let server = Server::start(c, "127.0.0.1:0".parse().expect("an address")).expect("the server starts");
    let addr = server.local_addr().to_string();
    let o = Command::new(BIN)
        .args(["join", &addr, "--code", server.code(), "--bot", "momentum:sise=3"])
        .env("DTAO_ARENA_DATA", dir.path())
        .stdin(Stdio::null())
        .output()
        .expect("join runs");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "{err}");
    assert!(err.contains("the bot's init failed on this match, so it did not play: "), "{err}");
    assert!(err.contains("unknown option 'sise' (did you mean 'size'?)"), "{err}");
    assert!(err.contains("its account has no fault counted"), "{err}");
    let players = server.host(HostCommand::Players);
    assert!(!players.contains("faults 1"), "{players}");
    server.host(HostCommand::End);
    let _ = server.wait();
}

#[test]
fn join_says_which_letters_a_room_code_cannot_have() {
    let o =
        Command::new(BIN).args(["join", "127.0.0.1:1", "--code", "ABC0EF", "--bot", "momentum"]).output().expect("run");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("'ABC0EF' is not a room code: '0' is not used in room codes"), "{err}");
    assert!(err.contains("without 0, O, 1, I or L"), "{err}");
    let o = Command::new(BIN).args(["join", "127.0.0.1:1", "--code", "AB", "--bot", "momentum"]).output().expect("run");
    assert!(String::from_utf8_lossy(&o.stderr).contains("4 to 12 characters, not 2"));
}

/// A name taken by the student's own account, joined from another computer: the
/// refusal says how to bring that account here (its token, and where it is kept).
#[test]
fn a_taken_name_tells_how_to_bring_ones_own_account_from_another_computer() {
    let map = dtao_arena::scenario::load("tutorial").expect("the tutorial map");
    let c = ServerConfig { blocks: Some(10_000), blocks_per_sec: 20, log: false, ..ServerConfig::new(map) };
    let server = Server::start(c, "127.0.0.1:0".parse().expect("an address")).expect("the server starts");
    let addr = server.local_addr().to_string();
    let _first = raw_join(server.local_addr().port(), server.code(), "ana", Role::Bot);
    let data = tempfile::tempdir().expect("tempdir");
    let o = Command::new(BIN)
        .args(["join", &addr, "--code", server.code(), "--bot", "momentum", "--name", "ana"])
        .env("DTAO_ARENA_DATA", data.path())
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("the name 'ana' is taken in this room"), "{err}");
    let file = format!("tokens/{}-bot-ana.token", server.code());
    assert!(err.contains("pass its token with --token HEX") && err.contains(&file), "{err}");
    server.host(HostCommand::End);
}

/// `join --bot BOT` into the room of `s`, with `args` after it (its name...).
fn join_bot(s: &Serve, dir: &std::path::Path, code: &str, bot: &std::ffi::OsStr, args: &[&str]) -> std::process::Child {
    Command::new(BIN)
        .args(["join", &format!("127.0.0.1:{}", s.port), "--code", code, "--bot"])
        .arg(bot)
        .args(args)
        .env("DTAO_ARENA_DATA", dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("join starts")
}

/// Waits until the host's table of players lists `name`.
fn until_listed(s: &mut Serve, name: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        s.stdin.write_all(b"players\n").expect("host commands");
        if until(s, "seats taken").iter().any(|l| l.contains(name)) {
            return;
        }
        assert!(Instant::now() < deadline, "{name} never joined");
    }
}

/// A client that quits says goodbye, so the host can tell it from one whose program
/// stopped: a `join --bot` stopped by Ctrl-C says it (and exits 130, its account kept),
/// a raw client that only closes its connection does not.
#[test]
fn the_host_tells_a_client_that_quit_from_one_that_vanished() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut s = serve(dir.path(), "HJK234");
    let mut bot = join_bot(&s, dir.path(), "HJK234", "root_holder".as_ref(), &["--name", "robo"]);
    // In once the host's table of players lists it.
    until_listed(&mut s, "robo");
    let vanished = raw_join(s.port, "HJK234", "ghost", Role::Player);
    drop(vanished);
    thread::sleep(Duration::from_millis(300));
    let stopped = Command::new("kill").args(["-INT", &bot.id().to_string()]).status().expect("kill runs");
    assert!(stopped.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    while bot.try_wait().expect("wait").is_none() && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(20));
    }
    let mut err = String::new();
    bot.stderr.take().expect("stderr").read_to_string(&mut err).expect("stderr");
    assert_eq!(bot.wait().expect("join ends").code(), Some(130), "{err}");
    assert!(err.contains("stopped: the bot left the room: its account stays in the match"), "{err}");
    let log = s.end();
    assert!(log.contains("'robo' disconnected: it quit"), "{log}");
    assert!(log.contains("'ghost' disconnected: closed the connection without a goodbye"), "{log}");
}

/// Ctrl-C while the clock runs (the bot busy catching up with each tick) still says
/// goodbye: the host reads that it quit.
#[test]
fn a_bot_stopped_while_the_clock_runs_says_goodbye() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut s = serve_with(dir.path(), "RUNBYE", &["--map", "dtao-launch", "--start", "--speed", "7200"]);
    let mut bot = join_bot(&s, dir.path(), "RUNBYE", "momentum".as_ref(), &["--name", "busy"]);
    until_listed(&mut s, "busy");
    thread::sleep(Duration::from_millis(700));
    assert!(Command::new("kill").args(["-INT", &bot.id().to_string()]).status().expect("kill runs").success());
    let deadline = Instant::now() + Duration::from_secs(10);
    while bot.try_wait().expect("wait").is_none() && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(bot.wait().expect("join ends").code(), Some(130));
    let log = s.end();
    assert!(log.contains("'busy' disconnected: it quit"), "{log}");
}

/// A remote bot that forfeits (5 faults) says so once, and follows the match to its end.
#[test]
fn a_remote_bot_that_forfeits_says_so_once() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("crash.lua"), "cadence = 10\nfunction on_tick(w) error('boom') end\n")
        .expect("write");
    let mut s = serve_with(dir.path(), "KQWXYZ", &["--map", "tutorial", "--speed", "7200"]);
    let bot = join_bot(&s, dir.path(), "KQWXYZ", dir.path().join("crash.lua").as_os_str(), &[]);
    until_listed(&mut s, "crash");
    s.stdin.write_all(b"resume\n").expect("resume");
    let out = bot.wait_with_output().expect("the bot ends with the match");
    let said = String::from_utf8_lossy(&out.stdout);
    assert_eq!(said.matches("this bot forfeited (5 faults): it follows the match to its end").count(), 1, "{said}");
    assert!(said.find("forfeited") > said.find("fault: "), "{said}");
    let _ = s.child.wait();
}

/// A spectator without a name is announced, and listed, under the name `kick` takes;
/// the host's log says the match is over once (the standings say why).
#[test]
fn the_host_sees_an_unnamed_spectators_name_and_the_end_once() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut s = serve(dir.path(), "SPCTTR");
    let _wall = raw_join(s.port, "SPCTTR", "", Role::Spectator);
    s.stdin.write_all(b"players\n").expect("host commands");
    let shown = until(&s, "seats taken").join("\n");
    let row = shown.lines().find(|l| l.starts_with("spectator ")).unwrap_or_else(|| panic!("{shown}"));
    let name = row.split("  ").next().expect("a name").trim().to_string();
    assert!(row.contains(" spectator ") && row.contains("connected"), "{row}");
    let log = s.end();
    assert!(log.contains(&format!("a spectator joined as '{name}'")), "{name}: {log}");
    assert_eq!(log.matches("match over after ").count(), 1, "{log}");
    assert!(!log.contains("the host ended the match"), "the reason is the standings': {log}");
}

/// The last block of a match of N blocks is block N - 1, as maps and `check` count.
#[test]
fn a_match_that_ran_out_names_its_last_block_as_maps_count_them() {
    let map = dtao_arena::scenario::load("tutorial").expect("the tutorial map");
    let c =
        ServerConfig { blocks: Some(50), blocks_per_sec: 7200, log: false, paused: false, ..ServerConfig::new(map) };
    let server = Server::start(c, "127.0.0.1:0".parse().expect("an address")).expect("the server starts");
    assert_eq!(server.wait().end.reason, "the last block (49) ran");
}

/// A remote bot whose init fails says goodbye as it leaves: the host reads that it quit.
#[test]
fn a_remote_bot_whose_init_fails_says_goodbye() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut s = serve(dir.path(), "NTFKDS");
    let o = Command::new(BIN)
        .args(["join", &format!("127.0.0.1:{}", s.port), "--code", "NTFKDS", "--bot", "momentum:sise=3"])
        .env("DTAO_ARENA_DATA", dir.path())
        .stdin(Stdio::null())
        .output()
        .expect("join runs");
    assert!(!o.status.success());
    thread::sleep(Duration::from_millis(200));
    let log = s.end();
    assert!(log.contains("'momentum:sise=3' disconnected: it quit"), "{log}");
}

/// A room saves its replay every `autosave_every` while the match runs, so that a crash
/// loses little of a class's match; the file that was there before the room is kept as
/// the backup, whatever the number of saves.
#[test]
fn a_room_saves_its_replay_while_the_match_runs() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("class.dtrec");
    std::fs::write(&path, b"last week's class").expect("an earlier file");
    let map = dtao_arena::scenario::load("tutorial").expect("the tutorial map");
    let c = ServerConfig {
        blocks_per_sec: 600,
        log: false,
        paused: false,
        record: Some(path.clone()),
        autosave_every: Duration::from_millis(150),
        ..ServerConfig::new(map)
    };
    let server = Server::start(c, "127.0.0.1:0".parse().expect("an address")).expect("the server starts");
    // Saves come while it runs: each a replay of the match so far.
    let mut blocks = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while blocks.len() < 3 && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(200));
        if let Ok(rec) = std::fs::read(&path)
            .map_err(|e| e.to_string())
            .and_then(|b| dtao_arena::record::wire::decode(&b).map_err(|e| e.to_string()))
        {
            if blocks.last() != Some(&rec.block) {
                blocks.push(rec.block);
            }
        }
    }
    assert!(blocks.len() >= 3 && blocks.windows(2).all(|w| w[0] < w[1]), "{blocks:?}");
    assert_eq!(std::fs::read(dir.path().join("class.dtrec.bak")).expect("the backup"), b"last week's class");
    server.host(HostCommand::End);
    let end = server.wait();
    assert!(end.end.replay.is_some(), "{end:?}");
    let last = dtao_arena::record::wire::decode(&std::fs::read(&path).expect("the replay")).expect("a recording");
    assert!(last.block >= *blocks.last().expect("a save") && last.is_complete(), "the end's replay ends the match");
    assert_eq!(std::fs::read(dir.path().join("class.dtrec.bak")).expect("the backup"), b"last week's class");
}
