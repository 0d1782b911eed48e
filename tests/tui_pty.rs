//! End to end: the real binary in a pseudo-terminal. It must draw, take keys, quit when
//! asked, and leave the terminal as it found it (alternate screen left, cursor shown).
//! Every wait is bounded (rexpect's timeout), so a hang fails the test instead of
//! stalling CI.

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_dtao-arena");

/// The game in a 120×40 pty, run by `sh -c "stty ... && SCRIPT"` with `$0` the binary
/// (`exec "$0" play ...`), saving into a temporary data folder (returned, to look in).
#[cfg(unix)]
fn game_in_pty(script: &str) -> (rexpect::session::PtySession, tempfile::TempDir) {
    // A pty starts at 0×0: give it a size before the game asks for it.
    let mut cmd = Command::new("sh");
    cmd.arg("-c").arg(format!("stty cols 120 rows 40 && {script}")).arg(BIN);
    cmd.env("TERM", "xterm-256color");
    // The game saves itself into the user's data folder: keep that in a temporary one.
    let data = tempfile::tempdir().expect("tempdir");
    cmd.env("XDG_DATA_HOME", data.path()).env("HOME", data.path());
    (rexpect::session::spawn_command(cmd, Some(30_000)).expect("spawn the game in a pty"), data)
}

#[cfg(unix)]
#[test]
fn plays_a_few_keys_quits_and_restores_the_terminal() {
    let (mut p, _data) = game_in_pty("exec \"$0\" play --seed 3");
    // rexpect's writer is line-buffered: flush every key.
    fn send(p: &mut rexpect::session::PtySession, keys: &str) {
        p.send(keys).expect("send keys");
        p.flush().expect("flush keys");
    }
    p.exp_string("\x1b[?1049h").expect("enters the alternate screen");
    p.exp_string("Welcome to dTAO Arena").expect("draws the welcome box");
    send(&mut p, "\r");
    // The map's first narration comes up at once, and ignores keys for its first 0.3 s.
    std::thread::sleep(std::time::Duration::from_millis(600));
    send(&mut p, "2");
    p.exp_string("Consensus").expect("the Subnet screen");
    send(&mut p, "+");
    send(&mut p, " ");
    send(&mut p, "?");
    p.exp_string("Keys").expect("the help");
    send(&mut p, "x");
    send(&mut p, "s");
    p.exp_string("Stake:").expect("the stake form");
    send(&mut p, "\x1b");
    // A lone Esc is only Esc if nothing follows at once (else it is Alt+key).
    std::thread::sleep(std::time::Duration::from_millis(200));
    send(&mut p, "q");
    p.exp_string("Quit this match?").expect("asks before quitting");
    send(&mut p, "y");
    p.exp_string("\x1b[?1049l").expect("leaves the alternate screen");
    p.exp_string("\x1b[?25h").expect("shows the cursor");
    p.exp_eof().expect("exits");
    // rexpect does not re-export nix's `WaitStatus`: read its debug form.
    let status = format!("{:?}", p.process().wait().expect("wait"));
    assert!(status.starts_with("Exited(") && status.ends_with(", 0)"), "the game did not exit cleanly: {status}");
}

#[cfg(unix)]
#[test]
fn a_stop_signal_restores_the_terminal_and_saves_the_game() {
    // `exec` keeps the shell's process id: the game's is the one echoed.
    let (mut p, _data) = game_in_pty("echo \"pid=$$;\" && exec \"$0\" play --map tutorial --seed 3");
    let (_, echoed) = p.exp_regex("pid=[0-9]+;").expect("the shell says its process id");
    let pid = echoed.trim_start_matches("pid=").trim_end_matches(';').to_string();
    p.exp_string("\x1b[?1049h").expect("enters the alternate screen");
    p.exp_string("Welcome").expect("draws the welcome box");
    // One block run (a match quit before its first block has nothing to save).
    p.send(".").and_then(|_| p.flush()).expect("steps one block");
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let killed = Command::new("kill").args(["-TERM", &pid]).status().expect("kill runs");
    assert!(killed.success());
    p.exp_string("\x1b[?1049l").expect("leaves the alternate screen");
    p.exp_string("\x1b[?25h").expect("shows the cursor");
    p.exp_string("saved at block").expect("says where the game was saved");
    p.exp_eof().expect("exits");
    let status = format!("{:?}", p.process().wait().expect("wait"));
    assert!(status.starts_with("Exited(") && status.ends_with(", 0)"), "the game did not exit cleanly: {status}");
}

#[cfg(unix)]
#[test]
fn a_replay_is_read_only_and_seeks() {
    use rexpect::session::spawn_command;

    let dir = tempfile::tempdir().expect("tempdir");
    let rec = dir.path().join("day.dtrec");
    let o = Command::new(BIN)
        .args(["sim", "--map", "tutorial", "--blocks", "1500", "--record"])
        .arg(&rec)
        .output()
        .expect("record a match");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut cmd = Command::new("sh");
    cmd.arg("-c").arg("stty cols 120 rows 40 && exec \"$0\" replay \"$1\"").arg(BIN).arg(&rec);
    cmd.env("TERM", "xterm-256color");
    let mut p = spawn_command(cmd, Some(30_000)).expect("spawn the replay in a pty");
    fn send(p: &mut rexpect::session::PtySession, keys: &str) {
        p.send(keys).expect("send keys");
        p.flush().expect("flush keys");
    }
    // ratatui only writes the cells that change, so a space may be a cursor move: expect
    // words, not phrases.
    p.exp_string("Replay").expect("the replay's welcome box");
    send(&mut p, "\x1b");
    std::thread::sleep(std::time::Duration::from_millis(200));
    p.exp_string("REPLAY").expect("the replay badge");
    send(&mut p, "s");
    p.exp_string("read-only").expect("orders are refused");
    send(&mut p, "t");
    p.exp_string("cancels").expect("the go-to prompt");
    send(&mut p, "1200\r");
    p.exp_string("1,200/1,500").expect("goes there, and the timeline shows it");
    send(&mut p, "q");
    p.exp_string("replay?").expect("asks before quitting");
    send(&mut p, "y");
    p.exp_string("\x1b[?1049l").expect("leaves the alternate screen");
    p.exp_eof().expect("exits");
    let status = format!("{:?}", p.process().wait().expect("wait"));
    assert!(status.starts_with("Exited(") && status.ends_with(", 0)"), "the replay did not exit cleanly: {status}");
}

#[test]
fn without_a_terminal_it_says_so_and_exits_2() {
    let o = Command::new(BIN).arg("play").output().expect("run");
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("needs an interactive terminal") && err.contains("dtao-arena sim"), "{err}");
    assert!(!String::from_utf8_lossy(&o.stdout).contains("\x1b[?1049h"), "must not touch the terminal");
    // A projector without a terminal is told what works instead (not `sim`).
    let o = Command::new(BIN).args(["join", "127.0.0.1:9", "--code", "ABCDEF", "--spectate"]).output().expect("run");
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("needs an interactive terminal; run it in a terminal window"), "{err}");
    assert!(err.contains("--bot FILE.lua") && !err.contains("dtao-arena sim"), "{err}");
}

#[test]
fn a_bad_map_or_bot_exits_2_before_the_terminal_changes() {
    let o = Command::new(BIN).args(["play", "--map", "no-such-map"]).output().expect("run");
    assert_eq!(o.status.code(), Some(2), "{}", String::from_utf8_lossy(&o.stderr));
    let dir = tempfile::tempdir().expect("tempdir");
    let bot = dir.path().join("broken.lua");
    std::fs::write(&bot, "function on_tick(w) this is not lua end").expect("write");
    let o = Command::new(BIN).args(["play", "--bot"]).arg(&bot).output().expect("run");
    assert_eq!(o.status.code(), Some(2), "{}", String::from_utf8_lossy(&o.stderr));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("broken"), "{err}");
    let o = Command::new(BIN).args(["play", "--bot", "no/such/bot.lua"]).output().expect("run");
    assert_eq!(o.status.code(), Some(2));
    // A name follows a workshop's rule (1 to 24 visible characters).
    let o = Command::new(BIN).args(["play", "--name", &"x".repeat(30)]).output().expect("run");
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("--name: the name is too long: at most 24 characters"), "{err}");
    let o = Command::new(BIN).args(["play", "--name", "\u{200b}\u{202e}"]).output().expect("run");
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("--name: the name has no visible characters"),
        "invisible only"
    );
    // Given empty, it is refused too (it used to become "you").
    let o = Command::new(BIN).args(["play", "--name", ""]).output().expect("run");
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr)
            .contains("--name: the name is empty: give 1 to 24 visible characters, such as --name ana"),
        "empty"
    );
}

/// A closed terminal (a closed window, a dropped SSH session): the game saves and exits.
/// `script` owns the pseudo-terminal here; killing it closes the terminal under the game,
/// which gets SIGHUP (more than once) and a terminal that reads EOF forever. crossterm's
/// reader spins on such a terminal without returning (crossterm-rs/crossterm#793), which
/// used to keep the game at full CPU, unsaved, for good.
#[cfg(unix)]
#[test]
fn a_match_quit_before_its_first_block_leaves_no_save() {
    let (mut p, data) = game_in_pty("exec \"$0\" play --map tutorial --seed 3");
    p.exp_string("Welcome").expect("draws the welcome box");
    p.send("qq").and_then(|_| p.flush()).expect("q q quits");
    p.exp_string("the match had not started: nothing was saved").expect("says so");
    p.exp_eof().expect("exits");
    let saves = data.path().join("dtao-arena").join("saves");
    let files: Vec<_> = std::fs::read_dir(&saves).map(|d| d.flatten().map(|e| e.path()).collect()).unwrap_or_default();
    assert!(files.is_empty(), "{files:?}");
}

#[cfg(unix)]
#[test]
fn a_closed_terminal_saves_the_game_and_exits() {
    use std::io::Read;
    use std::process::Stdio;
    use std::time::{Duration, Instant};

    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: util-linux `script` is not installed");
        return;
    }
    let data = tempfile::tempdir().expect("tempdir");
    let inner = format!("stty cols 120 rows 40; echo \"pid=$$;\"; exec '{BIN}' play --map tutorial --seed 3");
    let mut script = Command::new("script")
        .args(["-qfec", &inner, "/dev/null"])
        .env("TERM", "xterm-256color")
        .env("XDG_DATA_HOME", data.path())
        .env("HOME", data.path())
        // Open and silent: the game waits for keys that never come.
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("script runs");
    let mut out = script.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = out.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !String::from_utf8_lossy(&seen).contains("Welcome") {
        assert!(Instant::now() < deadline, "the game did not draw: {}", String::from_utf8_lossy(&seen));
        if let Ok(b) = rx.recv_timeout(Duration::from_millis(100)) {
            seen.extend(b);
        }
    }
    let text = String::from_utf8_lossy(&seen).into_owned();
    let pid = text.split("pid=").nth(1).and_then(|r| r.split(';').next()).expect("the game's pid").to_string();
    // One block run (a match quit before its first block has nothing to save).
    {
        use std::io::Write;
        let mut input = script.stdin.take().expect("stdin");
        input.write_all(b".").and_then(|()| input.flush()).expect("steps one block");
        std::thread::sleep(Duration::from_millis(1500));
        // Kept open: the terminal closes with `script` below.
        std::mem::forget(input);
    }
    script.kill().expect("kill script: the terminal closes");
    let _ = script.wait();
    let saves = data.path().join("dtao-arena").join("saves");
    let alive = || Command::new("kill").args(["-0", &pid]).stderr(Stdio::null()).status().is_ok_and(|s| s.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let saved = std::fs::read_dir(&saves)
            .map(|d| d.flatten().any(|e| e.path().extension().is_some_and(|x| x == "dtrec")))
            .unwrap_or(false);
        if saved && !alive() {
            break;
        }
        if Instant::now() >= deadline {
            let _ = Command::new("kill").args(["-KILL", &pid]).status();
            panic!(
                "20 s after its terminal closed the game has {} and is {}",
                if saved { "saved" } else { "not saved" },
                if alive() { "still running" } else { "gone" }
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A student's game in a shared world: leaving says how to come back (the account
/// stays), and a kicked game stops, quits on `q` at once and exits 1 with the reason.
#[cfg(unix)]
#[test]
fn a_student_who_leaves_is_told_the_way_back_and_a_kicked_one_exits_1() {
    use dtao_arena::net::server::{HostCommand, Server, ServerConfig};
    use rexpect::session::spawn_command;
    use std::time::Duration;

    let map = dtao_arena::scenario::load("tutorial").expect("the tutorial map");
    let c = ServerConfig { blocks: Some(100_000), blocks_per_sec: 20, log: false, ..ServerConfig::new(map) };
    let server = Server::start(c, "127.0.0.1:0".parse().expect("an address")).expect("the server starts");
    let addr = server.local_addr().to_string();
    let code = server.code().to_string();
    let data = tempfile::tempdir().expect("tempdir");
    let student = || {
        let mut cmd = Command::new("sh");
        cmd.arg("-c").arg("stty cols 120 rows 40 && exec \"$0\" join \"$1\" --code \"$2\" --name ana 2>&1").args([
            BIN,
            addr.as_str(),
            code.as_str(),
        ]);
        cmd.env("TERM", "xterm-256color").env("DTAO_ARENA_DATA", data.path());
        spawn_command(cmd, Some(30_000)).expect("spawn the game in a pty")
    };
    fn send(p: &mut rexpect::session::PtySession, keys: &str) {
        p.send(keys).expect("send keys");
        p.flush().expect("flush keys");
    }
    let exit_code = |p: &rexpect::session::PtySession| format!("{:?}", p.process().wait().expect("wait"));

    let mut p = student();
    p.exp_string("Welcome to dTAO Arena").expect("draws the welcome box");
    send(&mut p, "\x1b");
    std::thread::sleep(Duration::from_millis(200));
    send(&mut p, "q");
    // The screen is drawn by differences: words are found one by one.
    p.exp_string("Leave").expect("asks before leaving");
    p.exp_string("stays").expect("says the account stays");
    send(&mut p, "y");
    p.exp_string("you left the room: your account stays in the match;").expect("the way back");
    p.exp_string(&format!("join {addr} --code {code} --name ana` brings you back")).expect("the command");
    p.exp_eof().expect("exits");
    assert!(exit_code(&p).ends_with(", 0)"));

    // Back with the kept token; then the host kicks her.
    let mut p = student();
    p.exp_string("Welcome to dTAO Arena").expect("draws the welcome box");
    let said = server.host(HostCommand::Kick("ana".into()));
    assert!(said.contains("kicked"), "{said}");
    p.exp_string("stopped:").expect("the error box");
    send(&mut p, "q");
    p.exp_string("kicked by the host").expect("the reason after the game");
    p.exp_eof().expect("exits");
    let status = exit_code(&p);
    assert!(status.ends_with(", 1)"), "a kicked game exits 1: {status}");
}
