//! Shared worlds on loopback: lockstep hashes, the replay, reconnects and misbehaving
//! clients (wrong code, forged token, oversized frame, garbage, a client that never
//! reads), each handled while the others carry on.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use dtao_arena::engine::{AccountId, Order, Tao};
use dtao_arena::net::client::{self, ClientError, Incoming, Joined, Replica};
use dtao_arena::net::protocol::{self, ClientMsg, End, Hello, PROTOCOL_VERSION, Role};
use dtao_arena::net::server::{HostCommand, Limits, Server, ServerConfig};
use dtao_arena::record::Input;
use dtao_arena::session::Session;
use dtao_arena::session::lua::LuaActor;
use dtao_arena::tournament::Entrant;

#[path = "support/relay.rs"]
mod relay;
use relay::relay;

const BOT: &str = "cadence = 10\nfunction on_tick(w)\n  dtao.stake_root(0.5)\n  dtao.log('staked')\nend\n";

fn config(blocks: u64, blocks_per_sec: u32) -> ServerConfig {
    let map = dtao_arena::scenario::load("tutorial").expect("the tutorial map");
    ServerConfig {
        blocks: Some(blocks),
        blocks_per_sec,
        tick: Duration::from_millis(20),
        log: false,
        ..ServerConfig::new(map)
    }
}

fn start(c: ServerConfig) -> Server {
    Server::start(c, "127.0.0.1:0".parse().expect("an address")).expect("the server starts")
}

fn hello(code: &str, name: &str, role: Role) -> Hello {
    Hello { protocol_version: PROTOCOL_VERSION, room_code: code.into(), name: name.into(), token: None, role }
}

fn join(s: &Server, name: &str, role: Role) -> Joined {
    client::connect(&s.local_addr().to_string(), hello(s.code(), name, role), Duration::from_secs(10))
        .unwrap_or_else(|e| panic!("{name} cannot join: {e}"))
}

/// What a following client saw.
#[derive(Debug, Default)]
struct Seen {
    /// `(to_block, hash)` of every tick with a hash.
    hashes: Vec<(u64, [u8; 32])>,
    mismatch: Option<u64>,
    end: Option<End>,
    closed: Option<String>,
    final_hash: Option<[u8; 32]>,
}

/// Follows the ticks with a replica; `act(block, outbox)` runs after every tick.
fn follow(joined: Joined, mut act: impl FnMut(u64, &client::Outbox) + Send + 'static) -> thread::JoinHandle<Seen> {
    thread::spawn(move || {
        let Joined { recording, link, .. } = joined;
        let mut r = Replica::new(&recording).expect("the catch-up loads");
        let out = link.outbox();
        let mut seen = Seen::default();
        while let Some(m) = link.recv_timeout(Duration::from_secs(20)) {
            match m {
                Incoming::Tick(t) => {
                    let ok = r.apply(&t, |_| {}).expect("the replica runs");
                    if let Some(h) = t.hash {
                        seen.hashes.push((t.to_block, h));
                        if ok == Some(false) && seen.mismatch.is_none() {
                            seen.mismatch = Some(t.to_block);
                        }
                    }
                    act(t.to_block, &out);
                }
                Incoming::Notice(_) => {}
                Incoming::End(e) => seen.end = Some(e),
                Incoming::Closed(why) | Incoming::Lost(why) => {
                    seen.closed = Some(why);
                    break;
                }
            }
        }
        seen.final_hash = Some(r.session().world().state_hash());
        seen
    })
}

#[test]
fn two_players_and_a_remote_bot_stay_in_step_and_the_replay_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let replay_path = dir.path().join("workshop.dtrec");
    let c = ServerConfig {
        bots: vec![Entrant::new("server_bot", BOT)],
        paused: true,
        record: Some(replay_path.clone()),
        ..config(400, 500)
    };
    let server = start(c);
    let ana = join(&server, "ana", Role::Player);
    let ana_id = AccountId(ana.welcome.account.unwrap());
    let ben = join(&server, "ben", Role::Player);
    assert_ne!(ben.welcome.account, ana.welcome.account);
    assert!(ana.welcome.token.is_some() && ana.welcome.token != ben.welcome.token);
    let bot = join(&server, "remote_bot", Role::Bot);
    let bot_id = AccountId(bot.welcome.account.unwrap());
    let seed = bot.recording.header.seed;

    let mut sent = 0;
    let ana_t = follow(ana, move |block, out| {
        if block > 0 && sent < 5 {
            assert!(out.order(&Order::StakeRoot { tao: Tao(1_000_000_000) }));
            sent += 1;
        }
    });
    let mut sent_ben = false;
    let ben_t = follow(ben, move |block, out| {
        if block > 100 && !sent_ben {
            assert!(out.order(&Order::Stake { netuid: 1, tao: Tao(5_000_000_000), limit: None }));
            sent_ben = true;
        }
    });
    let bot_t = thread::spawn(move || {
        let actor = LuaActor::load("remote_bot", BOT, seed, 0).unwrap();
        client::run_bot(bot, Box::new(actor), |_| {})
    });
    thread::sleep(Duration::from_millis(100));
    assert!(server.host(HostCommand::Resume).contains("running"));
    let end = server.wait();
    assert!(end.error.is_none(), "{:?}", end.error);

    let ana_seen = ana_t.join().unwrap();
    let ben_seen = ben_t.join().unwrap();
    let bot_end = bot_t.join().unwrap().expect("the remote bot plays to the end");
    for (who, s) in [("ana", &ana_seen), ("ben", &ben_seen)] {
        assert_eq!(s.mismatch, None, "{who} left the server's state");
        assert!(s.hashes.len() >= 10, "{who} checked only {} ticks", s.hashes.len());
        assert!(s.end.is_some(), "{who} got no standings");
    }
    // Both saw the same hash wherever they saw the same block, and the same end.
    for (b, h) in &ana_seen.hashes {
        if let Some((_, h2)) = ben_seen.hashes.iter().find(|(b2, _)| b2 == b) {
            assert_eq!(h, h2, "hashes differ at block {b}");
        }
    }
    assert_eq!(ana_seen.hashes.last().map(|x| x.0), Some(400));
    assert_eq!(ana_seen.final_hash, ben_seen.final_hash);
    let standings = &end.end.standings;
    assert_eq!(bot_end.standings, *standings);
    for name in ["ana", "ben", "remote_bot", "server_bot"] {
        assert!(standings.iter().any(|s| s.name == name), "{name} missing from {standings:?}");
    }
    assert_eq!(standings.iter().find(|s| s.name == "remote_bot").unwrap().faults, 0);

    // The replay: every input is there, and it re-creates the match exactly.
    let rec = end.recording.expect("a recording");
    let orders_of = |id: AccountId| {
        rec.ticks
            .iter()
            .flat_map(|t| &t.inputs)
            .filter(|i| matches!(i, Input::Order { account, .. } if *account == id))
            .count()
    };
    assert_eq!(orders_of(ana_id), 5);
    assert!(orders_of(bot_id) >= 30, "the remote bot decided {} times", orders_of(bot_id));
    let on_disk = std::fs::read(&replay_path).unwrap();
    assert!(on_disk == dtao_arena::record::wire::encode(&rec), "the replay file is the recording");
    let mut replay = Session::from_recording(&rec, None).unwrap();
    replay.run_to_end(0, |_| {}).unwrap();
    assert_eq!(replay.divergence(), None);
    assert_eq!(replay.world().block, 400);
    assert_eq!(Some(replay.world().state_hash()), ana_seen.final_hash);
}

/// Counts the ticks a spectator receives.
fn counter(joined: Joined) -> (Arc<AtomicU64>, Arc<AtomicBool>, thread::JoinHandle<Seen>) {
    let ticks = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let (t2, s2) = (Arc::clone(&ticks), Arc::clone(&stop));
    let h = follow(joined, move |_, _| {
        t2.fetch_add(1, Ordering::Relaxed);
        let _ = &s2;
    });
    (ticks, stop, h)
}

fn ticks_during(ticks: &AtomicU64, d: Duration) -> u64 {
    let before = ticks.load(Ordering::Relaxed);
    thread::sleep(d);
    ticks.load(Ordering::Relaxed) - before
}

/// Whether the server hangs up on a raw connection within `within` (reading whatever
/// it sends first).
fn hung_up(stream: &mut TcpStream, within: Duration) -> bool {
    stream.set_read_timeout(Some(Duration::from_millis(200))).expect("a timeout");
    let deadline = Instant::now() + within;
    let mut buf = [0u8; 65536];
    while Instant::now() < deadline {
        match stream.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
            Err(_) => return true,
        }
    }
    false
}

fn frame(payload: &[u8]) -> Vec<u8> {
    let mut f = u32::try_from(payload.len()).expect("a small frame").to_be_bytes().to_vec();
    f.extend_from_slice(payload);
    f
}

#[test]
fn reconnects_resume_and_bad_clients_are_handled_while_the_others_carry_on() {
    // A long match, with a server bot whose source makes the catch-up large (so a
    // client that never reads cannot take it).
    let big_bot = format!("-- {}\nfunction on_tick(w) end\n", "x".repeat(600_000));
    let c = ServerConfig {
        bots: vec![Entrant::new("big", big_bot)],
        paused: false,
        limits: Limits {
            queue_frames: 8,
            handshake_timeout: Duration::from_millis(300),
            write_timeout: Duration::from_millis(300),
            ..Limits::default()
        },
        ..config(1_000_000, 50)
    };
    let server = start(c);
    let addr: SocketAddr = server.local_addr();
    let ana = join(&server, "ana", Role::Player);
    let (ana_id, token) = (ana.welcome.account, ana.welcome.token);
    let watcher = join(&server, "projector", Role::Spectator);
    assert_eq!(watcher.welcome.account, None);
    let (ticks, _stop, watcher_t) = counter(watcher);
    let ana_log: Arc<Mutex<Vec<u64>>> = Arc::default();
    let a2 = Arc::clone(&ana_log);
    let ana_t = follow(ana, move |b, _| a2.lock().unwrap().push(b));
    assert!(ticks_during(&ticks, Duration::from_millis(300)) >= 5);

    // A wrong room code and a forged token are refused.
    let code = server.code().to_string();
    let wrong = if code.starts_with('A') { "BBBBBB" } else { "AAAAAA" };
    match client::connect(&addr.to_string(), hello(wrong, "eve", Role::Player), Duration::from_secs(5)) {
        Err(ClientError::Refused(r)) => assert!(r.contains("room code"), "{r}"),
        other => panic!("a wrong code was let in: {:?}", other.map(|j| j.welcome)),
    }
    let forged = Hello { token: Some([0x5a; 16]), ..hello(&code, "eve", Role::Player) };
    match client::connect(&addr.to_string(), forged, Duration::from_secs(5)) {
        Err(ClientError::Refused(r)) => assert!(r.contains("unknown token"), "{r}"),
        other => panic!("a forged token was let in: {:?}", other.map(|j| j.welcome)),
    }
    // A name already taken is refused too.
    match client::connect(&addr.to_string(), hello(&code, "ANA", Role::Player), Duration::from_secs(5)) {
        Err(ClientError::Refused(r)) => assert!(r.contains("the name 'ANA' is taken in this room:"), "{r}"),
        other => panic!("a second 'ana' was let in: {:?}", other.map(|j| j.welcome)),
    }
    // So are the names the log gives to the server and to a game's own connection, the
    // host's bots' and the map's accounts', each refusal saying whose the name is (only
    // a player's name may be the student's own, joined elsewhere: `join` then names the
    // token).
    for (name, why) in [
        ("Server", "the name 'Server' is reserved (it marks the log's own lines)"),
        ("connection", "is reserved"),
        ("BIG", "the name 'BIG' is taken in this room by one of the host's bots: choose another with --name"),
        ("foundation", "the name 'foundation' is taken in this room by one of the map's accounts"),
    ] {
        match client::connect(&addr.to_string(), hello(&code, name, Role::Bot), Duration::from_secs(5)) {
            Err(ClientError::Refused(r)) => {
                assert!(r.contains(why), "{r}");
                assert!(!r.contains("is taken in this room:"), "{r}");
            }
            other => panic!("a player named {name} was let in: {:?}", other.map(|j| j.welcome)),
        }
    }

    // An oversized frame (a header claiming 1 GiB), garbage bytes, a garbage payload,
    // and a client that never says hello: each is hung up on.
    let mut big = TcpStream::connect(addr).unwrap();
    big.write_all(&(1u32 << 30).to_be_bytes()).unwrap();
    let _ = big.write_all(&[0u8; 1024]);
    let mut garbage = TcpStream::connect(addr).unwrap();
    garbage.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let mut bad_payload = TcpStream::connect(addr).unwrap();
    bad_payload.write_all(&frame(&[0xff; 40])).unwrap();
    let mut silent = TcpStream::connect(addr).unwrap();
    assert!(hung_up(&mut big, Duration::from_secs(3)), "an oversized frame was not refused");
    assert!(hung_up(&mut garbage, Duration::from_secs(3)), "garbage was not refused");
    assert!(hung_up(&mut bad_payload, Duration::from_secs(3)), "a garbage payload was not refused");
    assert!(hung_up(&mut silent, Duration::from_secs(3)), "a silent client was kept past the handshake timeout");

    // A client that says hello and never reads: its catch-up cannot be written, its
    // queue fills, and it is dropped.
    let sock = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    sock.set_recv_buffer_size(4096).unwrap();
    sock.connect(&addr.into()).unwrap();
    let mut stalled: TcpStream = sock.into();
    let h = protocol::encode(&ClientMsg::Hello(hello(&code, "sleepy", Role::Spectator)));
    stalled.write_all(&frame(&h)).unwrap();
    let during = ticks_during(&ticks, Duration::from_millis(1500));
    assert!(during >= 30, "the watcher got only {during} ticks while a client stalled");
    assert!(hung_up(&mut stalled, Duration::from_secs(5)), "a client that never reads was kept");

    // A client that floods orders is dropped; its orders over the rate are dropped.
    let flooder = join(&server, "flood", Role::Player);
    let out = flooder.link.outbox();
    for _ in 0..2000 {
        let _ = out.raw(ClientMsg::Ping);
    }
    let mut flood_closed = false;
    while let Some(m) = flooder.link.recv_timeout(Duration::from_secs(3)) {
        if let Incoming::Closed(_) | Incoming::Lost(_) = m {
            flood_closed = true;
            break;
        }
    }
    assert!(flood_closed, "a flooding client was kept");

    // Ana comes back with her token on a new connection: the same account, and her
    // old connection is closed (its thread ends).
    let back = Hello { token, ..hello(&code, "whatever", Role::Player) };
    let again = client::connect(&addr.to_string(), back, Duration::from_secs(10)).expect("the token resumes");
    assert_eq!(again.welcome.account, ana_id);
    assert_eq!(again.welcome.name, "ana");
    let ana2 = follow(again, |_, _| {});
    let old = ana_t.join().unwrap();
    assert!(old.closed.is_some_and(|r| r.contains("same token")));
    assert_eq!(old.mismatch, None);
    assert!(ticks_during(&ticks, Duration::from_millis(300)) >= 5, "the watcher stopped getting ticks");

    assert!(server.host(HostCommand::Players).contains("ana"));
    assert!(server.host(HostCommand::Kick("nobody".into())).contains("nobody"));
    server.host(HostCommand::End);
    let end = server.wait();
    assert!(end.end.reason.contains("host"));
    let w = watcher_t.join().unwrap();
    assert_eq!(w.mismatch, None);
    assert!(w.end.is_some());
    let a = ana2.join().unwrap();
    assert_eq!(a.mismatch, None);
    assert!(a.hashes.len() >= 5);
    assert!(!ana_log.lock().unwrap().is_empty());
}

#[test]
fn a_late_bot_decision_is_a_fault_and_host_events_reach_everyone() {
    let c = ServerConfig {
        paused: true,
        limits: Limits { bot_deadline: Duration::from_millis(50), ..Limits::default() },
        ..config(100_000, 60)
    };
    let server = start(c);
    let bot = join(&server, "slowpoke", Role::Bot);
    let watcher = join(&server, "wall", Role::Spectator);
    let w = follow(watcher, |_, _| {});
    let out = bot.link.outbox();
    let notice = || loop {
        match bot.link.recv_timeout(Duration::from_secs(3)) {
            Some(Incoming::Notice(n)) => return n,
            Some(_) => {}
            None => panic!("the late bot was not told"),
        }
    };
    // The bot's first decision (its start, about the block it joined at) comes late, as
    // from a slow machine loading a long match: dropped, but not a fault.
    thread::sleep(Duration::from_millis(400));
    assert!(out.decision(0, &dtao_arena::session::Decision::default()));
    let n = notice();
    assert!(n.contains("after block 0 came late, while this bot was loading the match") && n.contains("not a fault"));
    server.host(HostCommand::Resume);
    thread::sleep(Duration::from_millis(300));
    // A decision about block 1, long after its tick: a fault, and the server says so.
    assert!(out.decision(1, &dtao_arena::session::Decision::default()));
    let n = notice();
    assert!(n.contains("past the deadline") && n.contains("(turn lost)"), "{n}");
    // The rest of a backlog, as after a laptop's lid was closed: dropped, one fault in all.
    for b in [2, 3] {
        assert!(out.decision(b, &dtao_arena::session::Decision::default()));
        let n = notice();
        assert!(
            n.contains(&format!("after block {b} came late, within 10 s of its last late decision's fault")),
            "{n}"
        );
        assert!(n.contains("not a fault"), "{n}");
    }
    // A player cannot send decisions, a bot cannot trade as a player; and the host
    // triggers a map event.
    let events = server.host(HostCommand::Events);
    assert!(events.contains("block"), "{events}");
    assert!(server.host(HostCommand::Event(1)).contains("applied"));
    assert!(server.host(HostCommand::Event(999)).contains("no event"));
    server.host(HostCommand::End);
    let end = server.wait();
    let s = end.end.standings.iter().find(|s| s.name == "slowpoke").unwrap();
    assert_eq!(s.faults, 1);
    let seen = w.join().unwrap();
    assert_eq!(seen.mismatch, None);
    let rec = end.recording.unwrap();
    assert!(rec.ticks.iter().flat_map(|t| &t.inputs).any(|i| matches!(i, Input::Event(_))));
    assert!(rec.ticks.iter().flat_map(|t| &t.inputs).any(|i| matches!(i, Input::Fault { .. })));
}

#[test]
fn a_remote_bot_decides_once_a_block_and_its_orders_and_log_lines_are_capped() {
    let c = ServerConfig { paused: false, ..config(100_000, 200) };
    let server = start(c);
    let bot = join(&server, "chatty", Role::Bot);
    let bot_id = AccountId(bot.welcome.account.unwrap());
    let out = bot.link.outbox();
    // Every tick, a full decision about the block the tick reached: 16 log lines and
    // 64 orders, far more than a shared room takes a second.
    let turn = dtao_arena::session::Decision {
        orders: vec![Order::StakeRoot { tao: Tao(1_000) }; 64],
        log: vec!["x".repeat(50); 16],
        fault: None,
    };
    let started = Instant::now();
    let (mut told, mut last) = (None, 0);
    while let Some(m) = bot.link.recv_timeout(Duration::from_secs(5)) {
        match m {
            Incoming::Tick(t) if t.to_block > last => {
                last = t.to_block;
                assert!(out.decision(last, &turn));
            }
            Incoming::Notice(n) if n.contains("too many") => {
                told = Some(n);
                break;
            }
            _ => {}
        }
        assert!(started.elapsed() < Duration::from_secs(20), "the bot was never told its decisions were capped");
    }
    let told = told.expect("a notice");
    assert!(told.contains("orders") && told.contains("a second"), "{told}");
    // A second decision about a block already decided: the bot is dropped.
    assert!(out.decision(last, &turn));
    let mut closed = None;
    while let Some(m) = bot.link.recv_timeout(Duration::from_secs(5)) {
        if let Incoming::Closed(why) = m {
            closed = Some(why);
            break;
        }
    }
    let closed = closed.expect("the bot is dropped");
    assert!(closed.contains("once a block"), "{closed}");
    let secs = started.elapsed().as_secs_f64();
    server.host(HostCommand::End);
    let end = server.wait();
    let rec = end.recording.unwrap();
    let inputs = || rec.ticks.iter().flat_map(|t| &t.inputs);
    let lines = inputs().filter(|i| matches!(i, Input::Log { account, .. } if *account == bot_id)).count();
    let orders = inputs().filter(|i| matches!(i, Input::Order { account, .. } if *account == bot_id)).count();
    // Bursts of twice the rate, then the rate: 20 lines and 100 orders a second.
    let max_lines = 40.0 + 20.0 * secs;
    let max_orders = 200.0 + 100.0 * secs;
    assert!(lines >= 16 && (lines as f64) <= max_lines, "{lines} log lines in {secs:.1} s");
    assert!(orders >= 64 && (orders as f64) <= max_orders, "{orders} orders in {secs:.1} s");
}

#[test]
fn a_nameless_projector_joins_tokens_keep_their_role_and_stale_tokens_lock_nobody_out() {
    let server = start(ServerConfig { paused: true, ..config(10_000, 60) });
    let addr = server.local_addr().to_string();
    let code = server.code().to_string();
    let early = join(&server, "early", Role::Player);
    let wall = join(&server, "", Role::Spectator);
    assert_eq!(wall.welcome.account, None);
    // Named by their number among the nameless spectators (not their connection's: the
    // first spectator here is the second connection).
    assert_eq!(wall.welcome.name, "spectator 1");
    let second_wall = join(&server, " ", Role::Spectator);
    assert_eq!(second_wall.welcome.name, "spectator 2");
    let ana = join(&server, "ana", Role::Player);
    // Ana's token cannot seat a bot on her account.
    let as_bot = Hello { token: ana.welcome.token, ..hello(&code, "ana", Role::Bot) };
    match client::connect(&addr, as_bot, Duration::from_secs(5)) {
        Err(ClientError::Refused(r)) => assert!(r.contains("joined as a player"), "{r}"),
        other => panic!("a player's token seated a bot: {:?}", other.map(|j| j.welcome)),
    }
    // A room restarted with the same code: everyone's kept token is unknown, and
    // trying it first must not lock the address out.
    for k in 0..8 {
        let stale = Hello { token: Some([k; 16]), ..hello(&code, "stale", Role::Player) };
        assert!(matches!(client::connect(&addr, stale, Duration::from_secs(5)), Err(ClientError::Refused(_))));
    }
    let fresh = join(&server, "ben", Role::Player);
    assert!(fresh.welcome.account.is_some());
    server.host(HostCommand::End);
    drop((early, wall, second_wall, ana, fresh));
    let _ = server.wait();
}

#[test]
fn a_full_server_says_so() {
    let c = ServerConfig {
        paused: true,
        limits: Limits { max_connections: 2, handshake_timeout: Duration::from_secs(20), ..Limits::default() },
        ..config(10_000, 60)
    };
    let server = start(c);
    let addr = server.local_addr();
    // Two connections that never say hello hold both places.
    let _a = TcpStream::connect(addr).unwrap();
    let _b = TcpStream::connect(addr).unwrap();
    thread::sleep(Duration::from_millis(200));
    match client::connect(&addr.to_string(), hello(server.code(), "late", Role::Player), Duration::from_secs(5)) {
        Err(ClientError::Refused(r)) => assert!(r.contains("full"), "{r}"),
        other => panic!("a full server let a client in: {:?}", other.map(|j| j.welcome)),
    }
    server.host(HostCommand::End);
    let _ = server.wait();
}

#[test]
fn one_address_cannot_fill_the_server_with_silent_connections() {
    let c = ServerConfig {
        paused: true,
        limits: Limits { handshake_timeout: Duration::from_secs(20), ..Limits::default() },
        ..config(10_000, 60)
    };
    let server = start(c);
    let addr = server.local_addr();
    let max = dtao_arena::net::server::MAX_HANDSHAKES_PER_ADDRESS;
    let silent: Vec<TcpStream> = (0..max).map(|_| TcpStream::connect(addr).unwrap()).collect();
    thread::sleep(Duration::from_millis(300));
    let r = refused(&addr.to_string(), hello(server.code(), "ana", Role::Player));
    assert!(r.contains("joining at once"), "{r}");
    // Far below the server's 512 connections: the room is not full, and once the silent
    // ones go, the address joins again.
    drop(silent);
    let deadline = Instant::now() + Duration::from_secs(5);
    let joined = loop {
        match client::connect(&addr.to_string(), hello(server.code(), "ana", Role::Player), Duration::from_secs(5)) {
            Ok(j) => break j,
            Err(e) if Instant::now() < deadline => {
                assert!(e.to_string().contains("joining at once"), "{e}");
                thread::sleep(Duration::from_millis(50));
            }
            Err(e) => panic!("{e}"),
        }
    };
    assert_eq!(joined.welcome.name, "ana");
    server.host(HostCommand::End);
    let _ = server.wait();
}

/// Another program on a port: it reads the hello, then does `then` with the connection.
/// Returns what `join` says of it (within `timeout`) and how long that took.
fn join_another_program(
    then: impl FnOnce(std::net::TcpStream) + Send + 'static,
    timeout: Duration,
) -> (String, Duration) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let addr = listener.local_addr().expect("its address");
    let other = thread::spawn(move || {
        let (mut s, _) = listener.accept().expect("a connection");
        let mut buf = [0u8; 256];
        let _ = s.read(&mut buf);
        then(s);
    });
    let started = Instant::now();
    let said = match client::connect(&addr.to_string(), hello("ABCDEF", "ana", Role::Player), timeout) {
        Err(e @ ClientError::NotAServer { .. }) => e.to_string(),
        other => panic!("{:?}", other.map(|j| j.welcome)),
    };
    let took = started.elapsed();
    other.join().expect("the other program ends");
    assert!(said.contains(&addr.to_string()) && said.contains("port that the host's `serve` printed"), "{said}");
    assert!(!said.contains("broke the protocol"), "{said}");
    (said, took)
}

#[test]
fn another_program_on_the_port_is_named_as_such() {
    // A web server (or anything else) where the student expected the room.
    let (said, _) = join_another_program(
        |mut s| {
            let _ = s.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        },
        Duration::from_secs(5),
    );
    assert!(said.contains("answered, but not as a dtao-arena room"), "{said}");
    // One that says nothing: named once the timeout has passed, and not later.
    let (said, took) = join_another_program(|_| thread::sleep(Duration::from_secs(3)), Duration::from_secs(1));
    assert!(said.contains("said nothing for 1 s"), "{said}");
    assert!(took < Duration::from_secs(3), "it waited for the timeout only: {took:?}");
    // One that hangs up at once: named at once, as a hang-up rather than a reset.
    let (said, _) = join_another_program(drop, Duration::from_secs(5));
    assert!(said.contains("closed the connection without a word"), "{said}");
}

/// Polls `cond` on the host's `players` table for up to five seconds.
fn wait_players(server: &Server, cond: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let table = server.host(HostCommand::Players);
        if cond(&table) || Instant::now() > deadline {
            return table;
        }
        thread::sleep(Duration::from_millis(20));
    }
}

/// The table line of `name`.
fn row<'a>(table: &'a str, name: &str) -> &'a str {
    table.lines().find(|l| l.split_whitespace().next() == Some(name)).unwrap_or("")
}

fn refused(addr: &str, h: Hello) -> String {
    match client::connect(addr, h, Duration::from_secs(5)) {
        Err(ClientError::Refused(r)) => r,
        other => panic!("let in: {:?}", other.map(|j| j.welcome)),
    }
}

/// The next `Closed` on a link (skipping ticks and notices).
fn closed_reason(j: &Joined) -> String {
    while let Some(m) = j.link.recv_timeout(Duration::from_secs(5)) {
        if let Incoming::Closed(why) = m {
            return why;
        }
    }
    panic!("the link was not closed");
}

/// A class behind one router shares an address: once it has sent too many wrong room
/// codes, new joins wait a minute (the right code gets the same answer as a guess, with
/// or without a made-up token), but a student coming back with a kept token gets in.
#[test]
fn an_address_locked_out_by_wrong_codes_still_lets_students_with_a_token_back() {
    use dtao_arena::net::server::MAX_FAILED_JOINS_PER_MIN;
    let server = start(ServerConfig { paused: true, ..config(10_000, 60) });
    let addr = server.local_addr().to_string();
    let code = server.code().to_string();
    let ana = join(&server, "ana", Role::Player);
    let token = ana.welcome.token;
    drop(ana);
    for k in 0..MAX_FAILED_JOINS_PER_MIN {
        let r = refused(&addr, hello("ZZZZZZ", &format!("s{k}"), Role::Player));
        assert!(r.starts_with("wrong room code"), "{r}");
    }
    let locked = refused(&addr, hello(&code, "ben", Role::Player));
    assert!(locked.contains("joins with a wrong room code came from this address"), "{locked}");
    let made_up = refused(&addr, Hello { token: Some([9; 16]), ..hello(&code, "ben", Role::Player) });
    assert_eq!(made_up, locked);
    let back = client::connect(&addr, Hello { token, ..hello(&code, "ana", Role::Player) }, Duration::from_secs(10))
        .expect("ana comes back with her token");
    assert_eq!(back.welcome.name, "ana");
}

#[test]
fn kick_keeps_the_account_and_name_out_until_the_host_allows_them() {
    let server = start(ServerConfig { paused: true, ..config(10_000, 60) });
    let addr = server.local_addr().to_string();
    let code = server.code().to_string();
    let ana = join(&server, "ana", Role::Player);
    let token = ana.welcome.token;
    let said = server.host(HostCommand::Kick("ANA".into()));
    assert!(said.contains("kicked") && said.contains("rest of the match"), "{said}");
    // Ana is told she is out, and not invited back.
    let why = closed_reason(&ana);
    assert!(why.starts_with(protocol::KICKED) && why.contains("rest of the match"), "{why}");
    assert!(!why.contains("brings you back"), "{why}");
    // Neither her token nor her name gets her back in.
    let r = refused(&addr, Hello { token, ..hello(&code, "ana", Role::Player) });
    assert!(r.contains("kicked") && r.contains("cannot rejoin"), "{r}");
    let r = refused(&addr, hello(&code, " Ana ", Role::Player));
    assert!(r.contains("kicked"), "{r}");
    let r = refused(&addr, hello(&code, "ana", Role::Spectator));
    assert!(r.contains("kicked"), "{r}");
    assert!(row(&wait_players(&server, |_| true), "ana").contains("kicked"));
    // A player who is away can be kicked too: the token no longer seats anyone.
    let ben = join(&server, "ben", Role::Player);
    let ben_token = ben.welcome.token;
    drop(ben);
    assert!(row(&wait_players(&server, |t| row(t, "ben").contains("away")), "ben").contains("away"));
    assert!(server.host(HostCommand::Kick("ben".into())).contains("kicked"));
    let r = refused(&addr, Hello { token: ben_token, ..hello(&code, "x", Role::Player) });
    assert!(r.contains("'ben'") && r.contains("kicked"), "{r}");
    // A named spectator too.
    let wall = join(&server, "wall", Role::Spectator);
    assert!(
        server.host(HostCommand::Kick("wall".into())).contains("spectator 'wall' disconnected and that name kept out")
    );
    assert!(closed_reason(&wall).starts_with(protocol::KICKED));
    assert!(refused(&addr, hello(&code, "wall", Role::Spectator)).contains("kicked"));
    // The host lets Ana back: her token resumes her account.
    assert!(server.host(HostCommand::Allow("ana".into())).contains("may join again"));
    let back = client::connect(&addr, Hello { token, ..hello(&code, "ana", Role::Player) }, Duration::from_secs(5))
        .expect("allowed back");
    assert_eq!(back.welcome.name, "ana");
    assert!(server.host(HostCommand::Kick("nobody".into())).contains("nobody called 'nobody'"));
    server.host(HostCommand::End);
    let end = server.wait();
    // Kicked accounts stay in the standings.
    assert!(end.end.standings.iter().any(|s| s.name == "ben"), "{:?}", end.end.standings);
}

#[test]
fn a_remote_bot_is_told_why_its_connection_ended_as_a_game_is() {
    let server = start(ServerConfig { paused: true, ..config(10_000, 60) });
    let bot = join(&server, "kicked_bot", Role::Bot);
    let seed = bot.recording.header.seed;
    let run = thread::spawn(move || {
        let actor = LuaActor::load("kicked_bot", BOT, seed, 0).unwrap();
        client::run_bot(bot, Box::new(actor), |_| {})
    });
    thread::sleep(Duration::from_millis(200));
    assert!(server.host(HostCommand::Kick("kicked_bot".into())).contains("kicked"));
    let why = run.join().unwrap().expect_err("a kicked bot stops");
    assert!(why.starts_with("the server ended this connection: ") && why.contains(protocol::KICKED), "{why}");
    assert!(!why.contains("brings you back"), "a kicked bot is not invited back: {why}");
    // A connection ended for another reason says the way back, as the game's does.
    let other = client::closed_text("too slow: its queue of ticks was full");
    assert!(other.contains("the same join command brings you back"), "{other}");
    server.host(HostCommand::End);
    let _ = server.wait();
}

#[test]
fn seats_count_connected_players_and_the_host_sees_every_account() {
    let c = ServerConfig {
        paused: true,
        bots: vec![Entrant::new("server_bot", BOT)],
        limits: Limits { max_players: 2, ..Limits::default() },
        ..config(10_000, 60)
    };
    let server = start(c);
    let addr = server.local_addr().to_string();
    let code = server.code().to_string();
    let ana = join(&server, "ana", Role::Player);
    let token = ana.welcome.token;
    drop(ana);
    wait_players(&server, |t| row(t, "ana").contains("away"));
    // Ana left: her seat is free for Ben and Carl, and her account stays.
    let ben = join(&server, "ben", Role::Player);
    let carl = join(&server, "carl", Role::Bot);
    let r = refused(&addr, hello(&code, "dora", Role::Player));
    assert!(r.contains("full") && r.contains("2 players and bots are connected"), "{r}");
    assert!(r.contains("--max-players 2") && r.contains("leaves"), "{r}");
    // A returning player always gets back to the account.
    let back = client::connect(&addr, Hello { token, ..hello(&code, "ana", Role::Player) }, Duration::from_secs(5))
        .expect("a returning player is let back in");
    assert_eq!(back.welcome.name, "ana");
    // The host's table lists the server's bots too.
    let table = wait_players(&server, |_| true);
    assert!(row(&table, "server_bot").contains("server bot"), "{table}");
    assert!(row(&table, "ben").contains("connected"), "{table}");
    assert!(table.contains("3 of 2 seats taken") && table.contains("1 server bot,"), "{table}");
    server.host(HostCommand::End);
    drop((ben, carl, back));
    let end = server.wait();
    assert_eq!(end.end.standings.len(), 4, "{:?}", end.end.standings);
}

#[test]
fn standings_break_ties_in_account_order_as_the_clients_do() {
    let server = start(ServerConfig { paused: true, ..config(10_000, 60) });
    // Nobody trades: equal scores. Zed joined first.
    let zed = join(&server, "zed", Role::Player);
    let amy = join(&server, "amy", Role::Player);
    server.host(HostCommand::End);
    drop((zed, amy));
    let end = server.wait();
    let names: Vec<&str> = end.end.standings.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["zed", "amy"]);
    assert_eq!(end.end.standings[0].score_rao, end.end.standings[1].score_rao);
    // Equal scores share a rank, as on the students' leaderboards.
    let ranks: Vec<u32> = end.end.standings.iter().map(|s| s.rank).collect();
    assert_eq!(ranks, [1, 1]);
}

#[test]
fn invisible_characters_never_make_a_name_pass_for_another() {
    let server = start(ServerConfig { paused: true, ..config(10_000, 60) });
    let addr = server.local_addr().to_string();
    let code = server.code().to_string();
    let _ana = join(&server, "ana", Role::Player);
    for fake in ["ana\u{200b}", "\u{feff}ana", "a\u{200d}na", "ana\u{2060}", "\u{202e}ana"] {
        let r = refused(&addr, hello(&code, fake, Role::Player));
        assert!(r.contains("taken"), "{fake:?}: {r}");
    }
    let evil = join(&server, "\u{202e}evil\u{1b}[2J", Role::Player);
    assert_eq!(evil.welcome.name, "evil[2J");
    server.host(HostCommand::End);
    let _ = server.wait();
}

/// A slow strategy: every decision misses a short deadline.
struct Slow(Arc<AtomicU64>);

impl dtao_arena::session::Actor for Slow {
    fn cadence(&self) -> u64 {
        1
    }
    fn decide(
        &mut self,
        _: &dtao_arena::engine::World,
        _: AccountId,
        _: &[dtao_arena::engine::Event],
    ) -> dtao_arena::session::Decision {
        self.0.fetch_add(1, Ordering::Relaxed);
        thread::sleep(Duration::from_millis(40));
        dtao_arena::session::Decision::default()
    }
}

#[test]
fn late_decisions_count_toward_the_forfeit_and_the_bot_stops_deciding() {
    let c = ServerConfig {
        paused: false,
        // Every late decision counts (by default one a 10 s, which this short match
        // would not reach five times).
        limits: Limits {
            bot_deadline: Duration::from_millis(10),
            late_fault_every: Duration::ZERO,
            ..Limits::default()
        },
        // About as fast as the strategy decides, so the replica does not lag far behind.
        ..config(90, 30)
    };
    let server = start(c);
    let bot = join(&server, "heavy", Role::Bot);
    let bot_id = AccountId(bot.welcome.account.unwrap());
    let calls = Arc::new(AtomicU64::new(0));
    let actor = Slow(Arc::clone(&calls));
    let lines: Arc<Mutex<Vec<String>>> = Arc::default();
    let l2 = Arc::clone(&lines);
    let end = client::run_bot(bot, Box::new(actor), move |e| {
        if let client::BotEvent::Line(l) = e {
            l2.lock().unwrap().push(l);
        }
    })
    .expect("the bot follows the match to its end");
    let me = end.standings.iter().find(|s| s.name == "heavy").unwrap();
    assert_eq!(me.faults, dtao_arena::net::server::fault_limit(), "{:?}", end.standings);
    let lines = lines.lock().unwrap();
    let late = lines.iter().filter(|l| l.contains("past the deadline")).count();
    assert!((1..=5).contains(&late), "{lines:?}");
    assert!(lines.iter().any(|l| l.contains("forfeits")), "{lines:?}");
    // The bot stopped deciding once its replica counted the fifth fault (a few turns
    // may have been under way), instead of deciding at each of the 90 blocks.
    let n = calls.load(Ordering::Relaxed);
    assert!(n <= 30, "the forfeited strategy decided {n} times");
    let rec = server.wait().recording.unwrap();
    let faults: Vec<&str> = rec
        .ticks
        .iter()
        .flat_map(|t| &t.inputs)
        .filter_map(|i| match i {
            Input::Fault { account, text } if *account == bot_id => Some(text.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(faults.len(), 5, "{faults:?}");
    assert!(faults[4].ends_with("(turn lost; too many faults: it forfeits the match)"), "{faults:?}");
}

#[test]
fn a_remote_bots_fault_text_is_cleaned_and_the_rate_notice_comes_once() {
    let c = ServerConfig { paused: false, ..config(100_000, 200) };
    let server = start(c);
    let bot = join(&server, "chatty", Role::Bot);
    let bot_id = AccountId(bot.welcome.account.unwrap());
    let out = bot.link.outbox();
    let loud = dtao_arena::session::Decision { log: vec!["x".into(); 16], ..Default::default() };
    let quiet = dtao_arena::session::Decision::default();
    let (mut told, mut last, mut k) = (0, 0, 0u64);
    let mut faulted = false;
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(3) {
        let Some(m) = bot.link.recv_timeout(Duration::from_secs(5)) else { break };
        match m {
            Incoming::Tick(t) if t.to_block > last => {
                last = t.to_block;
                k += 1;
                let turn = if !faulted {
                    faulted = true;
                    dtao_arena::session::Decision {
                        fault: Some("\u{1b}[2Jboom\r\nfake: line".into()),
                        ..Default::default()
                    }
                } else if k % 2 == 0 {
                    loud.clone()
                } else {
                    quiet.clone()
                };
                assert!(out.decision(last, &turn));
            }
            Incoming::Notice(n) if n.contains("too many") => told += 1,
            _ => {}
        }
    }
    assert_eq!(told, 1, "the bot was told {told} times");
    server.host(HostCommand::End);
    let rec = server.wait().recording.unwrap();
    let fault = rec
        .ticks
        .iter()
        .flat_map(|t| &t.inputs)
        .find_map(|i| match i {
            Input::Fault { account, text } if *account == bot_id => Some(text.clone()),
            _ => None,
        })
        .expect("the fault is recorded");
    assert!(!fault.chars().any(char::is_control), "{fault:?}");
    assert!(fault.contains("[2Jboom") && fault.contains("fake: line"), "{fault:?}");
    // The host ended the match about 600 blocks into 100,000: its replay is a finished
    // match that ends there, and re-creates it exactly.
    assert!(rec.block > 0 && rec.block < 100_000, "{}", rec.block);
    assert_eq!(rec.header.end_block, rec.block);
    assert!(rec.is_complete());
    let mut replay = Session::from_recording(&rec, None).unwrap();
    replay.run_to_end(0, |_| {}).unwrap();
    assert_eq!(replay.divergence(), None);
    assert!(replay.is_over());
    assert_eq!(replay.world().state_hash(), rec.final_hash);
}

#[test]
fn a_bad_order_name_is_not_called_a_recording() {
    use dtao_arena::engine::Policy;
    let server = start(ServerConfig { paused: true, ..config(10_000, 60) });
    let ana = join(&server, "ana", Role::Player);
    let good = protocol::encode(&ClientMsg::Order(dtao_arena::record::wire::WireOrder::from(&Order::SetWeights {
        netuid: 1,
        policy: Policy::Honest,
    })));
    let at = good.windows(6).position(|w| w == b"honest").expect("the policy's name");
    let mut bad = good.clone();
    bad[at..at + 6].copy_from_slice(b"hxnest");
    let ClientMsg::Order(order) = protocol::decode_client(&bad).unwrap() else { panic!() };
    assert!(ana.link.outbox().raw(ClientMsg::Order(order)));
    let mut notice = None;
    while let Some(m) = ana.link.recv_timeout(Duration::from_secs(5)) {
        if let Incoming::Notice(n) = m {
            notice = Some(n);
            break;
        }
    }
    let notice = notice.expect("a notice");
    assert!(notice.starts_with("an order was dropped: ") && notice.contains("hxnest"), "{notice}");
    assert!(!notice.contains("recording"), "{notice}");
    server.host(HostCommand::End);
    let _ = server.wait();
}

#[test]
fn a_remote_bot_whose_connection_is_cut_comes_back_and_plays_on() {
    let server = start(ServerConfig { paused: true, ..config(1_500, 300) });
    let (addr, cut) = relay(server.local_addr());
    let code = server.code().to_string();
    let bot = client::connect(&addr.to_string(), hello(&code, "comeback", Role::Bot), Duration::from_secs(10))
        .expect("joins through the relay");
    let token = bot.welcome.token;
    let seed = bot.recording.header.seed;
    let lines: Arc<Mutex<Vec<String>>> = Arc::default();
    let seen = Arc::clone(&lines);
    let run = thread::spawn(move || {
        let mut actor = LuaActor::load("comeback", BOT, seed, 0).expect("loads");
        let again = || {
            client::connect(
                &addr.to_string(),
                Hello { token, ..hello(&code, "comeback", Role::Bot) },
                Duration::from_secs(10),
            )
        };
        let policy = client::Reconnect { attempts: 20, every: Duration::from_millis(100) };
        client::play_bot(bot, &mut actor, again, policy, |e| {
            if let client::BotEvent::Line(l) = e {
                seen.lock().expect("lock").push(l);
            }
        })
    });
    assert!(server.host(HostCommand::Resume).contains("running"));
    thread::sleep(Duration::from_millis(1_500));
    cut();
    let end = server.wait();
    let ended = run.join().expect("the bot thread").expect("the bot plays to the end");
    assert_eq!(ended.standings, end.end.standings);
    let lines = lines.lock().expect("lock").clone();
    let back = lines.iter().position(|l| l.starts_with("reconnected")).unwrap_or_else(|| panic!("{lines:#?}"));
    assert!(lines[..back].iter().any(|l| l.contains("reconnecting")), "{lines:#?}");
    // It decides again after coming back: init did not run twice, the strategy went on.
    assert!(lines[back..].iter().any(|l| l == "staked"), "{lines:#?}");
    assert_eq!(end.end.standings.iter().filter(|s| s.name == "comeback").count(), 1, "one account, kept");
}

/// Applies a forwarded tick to a game's replica as the game's handle does; whether it
/// carried a hash (which must match).
fn follow_tick(game: &mut Session, inputs: &[(u64, Vec<Input>)], to_block: u64, hash: Option<[u8; 32]>) -> bool {
    for (block, group) in inputs {
        while game.world().block < *block {
            game.step().expect("runs");
        }
        for i in group {
            game.apply_input(i).expect("applies");
        }
    }
    while game.world().block < to_block {
        game.step().expect("runs");
    }
    if let Some(h) = hash {
        assert_eq!(h, game.world().state_hash(), "out of step at block {to_block}");
    }
    hash.is_some()
}

#[test]
fn a_game_whose_connection_is_cut_catches_up_on_a_new_one_and_its_orders_go_out_there() {
    use dtao_arena::session::handle::RemoteEvent;
    let server = start(ServerConfig { paused: true, ..config(100_000, 300) });
    let (addr, cut) = relay(server.local_addr());
    let code = server.code().to_string();
    let ana = client::connect(&addr.to_string(), hello(&code, "ana", Role::Player), Duration::from_secs(10))
        .expect("joins through the relay");
    let me = AccountId(ana.welcome.account.expect("an account"));
    let again = Hello { token: ana.welcome.token, ..hello(&code, "ana", Role::Player) };
    let start_block = ana.recording.block;
    // The game's replica, fed the forwarded events as the game's handle feeds it: the
    // server's hashes check that no input was lost or applied twice across the cut.
    let mut game = Session::follow(&ana.recording).expect("the catch-up loads");
    let mut hashes_checked = 0;
    let (events, outbox) = ana.link.split();
    let outbox = Arc::new(Mutex::new(outbox));
    let sending = Arc::clone(&outbox);
    let (tx, rx) = std::sync::mpsc::channel::<RemoteEvent>();
    let forward = thread::spawn(move || {
        let connect = move || client::connect(&addr.to_string(), again.clone(), Duration::from_secs(10));
        let policy = client::Reconnect { attempts: 20, every: Duration::from_millis(100) };
        client::forward_game(events, &outbox, &tx, &Mutex::new(None), connect, policy, start_block);
    });
    assert!(server.host(HostCommand::Resume).contains("running"));
    // Small orders all along (on whichever link is current), so that some arrive after a
    // tick's last block and ride in that tick for the next one, across the cut too.
    let stop = Arc::new(AtomicBool::new(false));
    let (orders_out, stopping) = (Arc::clone(&sending), Arc::clone(&stop));
    let trickle = thread::spawn(move || {
        while !stopping.load(Ordering::Relaxed) {
            let _ = orders_out.lock().expect("lock").order(&Order::StakeRoot { tao: Tao(1_000_000) });
            thread::sleep(Duration::from_millis(150));
        }
    });
    thread::sleep(Duration::from_millis(800));
    // Paused, orders queue for the block the ticks stop at: the reconnection must not
    // apply those the game was given already a second time.
    assert!(server.host(HostCommand::Pause).contains("paused"));
    thread::sleep(Duration::from_millis(500));
    cut();
    let (mut notices, mut last_to, mut back_at, mut order_seen) = (Vec::new(), 0, None, false);
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline && !order_seen {
        match rx.recv_timeout(Duration::from_secs(5)) {
            Ok(RemoteEvent::Tick { inputs, to_block, hash, .. }) => {
                assert!(to_block >= last_to, "ticks go forward: {to_block} after {last_to}");
                last_to = to_block;
                hashes_checked += usize::from(follow_tick(&mut game, &inputs, to_block, hash));
                // The order sent on the new link comes back in the server's ticks.
                order_seen |= back_at.is_some()
                    && inputs.iter().flat_map(|(_, g)| g).any(
                        |i| matches!(i, Input::Order { account, order: Order::StakeRoot { tao } } if *account == me && tao.0 == 1_000_000_000),
                    );
            }
            Ok(RemoteEvent::Link(n)) => {
                if n.starts_with("reconnected at block") {
                    back_at = Some(last_to);
                    assert!(sending.lock().expect("lock").order(&Order::StakeRoot { tao: Tao(1_000_000_000) }));
                    assert!(server.host(HostCommand::Resume).contains("running"));
                }
                if n.ends_with(": reconnecting") {
                    assert!(hashes_checked > 0, "hashes checked before the cut");
                    hashes_checked = 0;
                }
                notices.push(n);
            }
            Ok(RemoteEvent::Reconnecting(on)) => notices.push(format!("(reconnecting: {on})")),
            Ok(other) => panic!("{other:?}\n{notices:#?}"),
            Err(_) => break,
        }
    }
    // The game's status line is told while it reconnects, and when it is back.
    let status: Vec<&String> = notices.iter().filter(|n| n.starts_with("(reconnecting")).collect();
    assert_eq!(status, ["(reconnecting: true)", "(reconnecting: false)"], "{notices:#?}");
    assert!(notices.iter().any(|n| n.ends_with(": reconnecting")), "{notices:#?}");
    let b = back_at.unwrap_or_else(|| panic!("never reconnected: {notices:#?}"));
    assert!(b > start_block, "the catch-up tick brought the blocks run while it was away");
    assert!(order_seen, "the order sent after reconnecting never came back in a tick: {notices:#?}");
    // Go on until the server's hashes have been checked after the cut too.
    while hashes_checked < 3 {
        match rx.recv_timeout(Duration::from_secs(5)) {
            Ok(RemoteEvent::Tick { inputs, to_block, hash, .. }) => {
                hashes_checked += usize::from(follow_tick(&mut game, &inputs, to_block, hash));
            }
            Ok(_) => {}
            Err(_) => panic!("no more ticks"),
        }
    }
    stop.store(true, Ordering::Relaxed);
    trickle.join().expect("the orders' thread ends");
    server.host(HostCommand::End);
    let _ = server.wait();
    drop(rx);
    forward.join().expect("the forwarding thread ends");
}

/// When the match ends, the server closes the connection: a game's link then says the
/// match is over, and does not try to come back (it used to say "lost the connection:
/// reconnecting" in the student's Log).
#[test]
fn a_game_does_not_reconnect_to_a_match_that_ended() {
    use dtao_arena::session::handle::RemoteEvent;
    let server = start(ServerConfig { paused: false, ..config(200, 2_000) });
    let code = server.code().to_string();
    let ana =
        client::connect(&server.local_addr().to_string(), hello(&code, "ana", Role::Player), Duration::from_secs(10))
            .expect("joins");
    let start_block = ana.recording.block;
    let (events, outbox) = ana.link.split();
    let outbox = Mutex::new(outbox);
    let (tx, rx) = std::sync::mpsc::channel::<RemoteEvent>();
    let tries = Arc::new(AtomicU64::new(0));
    let counted = Arc::clone(&tries);
    let forward = thread::spawn(move || {
        let connect = move || {
            counted.fetch_add(1, Ordering::Relaxed);
            Err(ClientError::Protocol("not called".into()))
        };
        let policy = client::Reconnect { attempts: 3, every: Duration::from_millis(10) };
        client::forward_game(events, &outbox, &tx, &Mutex::new(None), connect, policy, start_block);
    });
    let mut seen = Vec::new();
    while let Ok(e) = rx.recv_timeout(Duration::from_secs(20)) {
        match e {
            RemoteEvent::Tick { .. } => {}
            RemoteEvent::End { reason, .. } => seen.push(format!("end: {reason}")),
            RemoteEvent::Closed(t) => seen.push(format!("closed: {t}")),
            RemoteEvent::Link(t) => seen.push(format!("link: {t}")),
            other => seen.push(format!("{other:?}")),
        }
    }
    forward.join().expect("the forwarding thread");
    let _ = server.wait();
    assert!(seen.first().is_some_and(|e| e.starts_with("end: the last block")), "{seen:#?}");
    assert_eq!(seen.last().map(String::as_str), Some("closed: the match is over"), "{seen:#?}");
    assert!(!seen.iter().any(|e| e.contains("reconnecting")), "{seen:#?}");
    assert_eq!(tries.load(Ordering::Relaxed), 0, "no attempt to come back");
}
