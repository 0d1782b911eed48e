//! A remote bot stopped by its user (Ctrl-C: `client::leave`) while it is reconnecting
//! stops at once, without rejoining. Its own test binary: `leave` sets a flag for the
//! whole process.

use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use dtao_arena::net::client;
use dtao_arena::net::protocol::{Hello, PROTOCOL_VERSION, Role};
use dtao_arena::net::server::{HostCommand, Server, ServerConfig};
use dtao_arena::session::lua::LuaActor;

#[path = "support/relay.rs"]
mod relay;

#[test]
fn a_bot_stopped_while_it_reconnects_leaves_at_once() {
    let map = dtao_arena::scenario::load("tutorial").expect("the tutorial map");
    let c = ServerConfig { blocks: Some(100_000), blocks_per_sec: 100, log: false, ..ServerConfig::new(map) };
    let server = Server::start(c, "127.0.0.1:0".parse().expect("an address")).expect("the server starts");
    let (addr, cut) = relay::relay(server.local_addr());
    let hello = Hello {
        protocol_version: PROTOCOL_VERSION,
        room_code: server.code().into(),
        name: "robo".into(),
        token: None,
        role: Role::Bot,
    };
    let bot = client::connect(&addr.to_string(), hello, Duration::from_secs(10)).expect("joins");
    let seed = bot.recording.header.seed;
    let (lines_tx, lines) = mpsc::channel();
    let run = thread::spawn(move || {
        let mut actor = LuaActor::load("robo", "function on_tick(w) end\n", seed, 0).expect("loads");
        // Every attempt to come back fails, and they are 3 s apart: 20 would take a minute.
        let again = || Err(client::ClientError::Protocol("no way back".into()));
        let policy = client::Reconnect { attempts: 20, every: Duration::from_secs(3) };
        client::play_bot(bot, &mut actor, again, policy, |e| {
            if let client::BotEvent::Line(l) = e {
                let _ = lines_tx.send(l);
            }
        })
    });
    assert!(server.host(HostCommand::Resume).contains("running"));
    thread::sleep(Duration::from_millis(500));
    cut();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !lines.recv_timeout(Duration::from_secs(1)).is_ok_and(|l| l.ends_with(": reconnecting")) {
        assert!(Instant::now() < deadline, "the bot never noticed the cut");
    }
    let asked = Instant::now();
    client::leave();
    let why = run.join().expect("the bot thread").expect_err("it left");
    assert_eq!(why, client::LEFT);
    assert!(asked.elapsed() < Duration::from_secs(2), "it left after {:?}", asked.elapsed());
    server.host(HostCommand::End);
}
