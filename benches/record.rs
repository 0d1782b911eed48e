//! Recordings (issue 5), on the default map with eight Lua bots:
//! - the size of a year-long (2,628,000-block) recording of a 64-subnet match;
//! - `replay --verify` against `sim` of the same map and length (target: at most 10%
//!   slower), medians of interleaved runs on a 30-day recording;
//! - seeking anywhere in the year-long match through the game's session handle
//!   (target: at most 200 ms), once the background index is built;
//! - resuming a 30-day save in the game (`play --load`: the catch-up watches every
//!   block to rebuild the charts, log and cost basis) against the bare catch-up.
//!
//! `cargo bench --bench record` (about five minutes). `RECORD_BENCH_DAYS=30` shortens
//! the "year" for a quick look.

use std::sync::Arc;
use std::time::{Duration, Instant};

use dtao_arena::record::{Recording, wire};
use dtao_arena::script::builtin;
use dtao_arena::session::Session;
use dtao_arena::session::handle::{Command, HandleOptions, SessionHandle, Setup};
use dtao_arena::session::lua::LuaActor;

const DAY: u64 = 7200;

/// The match with its eight Lua bots, recorded or not.
fn play(blocks: u64, recording: bool) -> Session {
    played(blocks, blocks, recording, false)
}

/// The match of `end` blocks played to `to`, with a (passive) human if `human`.
fn played(end: u64, to: u64, recording: bool, human: bool) -> Session {
    let map = dtao_arena::scenario::load("dtao-launch").expect("map");
    let mut s = Session::new(&map, Some(1), Some(end)).expect("session");
    if recording {
        s.start_recording(chrono::Utc::now());
    }
    if human {
        s.add_human("you");
    }
    let mut bots: Vec<(String, String)> =
        builtin::ALL.iter().map(|b| (b.name.to_string(), b.source.to_string())).collect();
    bots.push(("momentum#2".into(), builtin::find("momentum").expect("momentum").source.to_string()));
    for (seat, (name, src)) in bots.iter().enumerate() {
        s.add_bot(name, Box::new(LuaActor::load(name, src, 1, seat).expect("loads")));
    }
    while s.world().block < to {
        s.step().expect("runs");
    }
    s
}

fn factory() -> dtao_arena::session::BotFactory {
    Box::new(|name: &str, source: &str, seat: usize| {
        LuaActor::load(name, source, 1, seat).map(|a| Box::new(a) as _).map_err(|e| e.to_string())
    })
}

/// Seconds to resume `save` headlessly, and in the game's handle (ready to show).
fn resume_secs(save: &Recording) -> (f64, f64) {
    let t = Instant::now();
    let s = Session::from_recording(save, Some(factory())).expect("resumes");
    let bare = t.elapsed().as_secs_f64();
    assert_eq!(s.world().block, save.block);
    let rec = save.clone();
    let t = Instant::now();
    let h = SessionHandle::spawn(
        move || {
            let s = Session::resume(&rec, factory()).map_err(|e| e.to_string())?;
            let me = s.world().account_by_name("you");
            Ok(Setup::new(s, me))
        },
        HandleOptions { paused: true, ..HandleOptions::default() },
    )
    .expect("the game resumes");
    let game = t.elapsed().as_secs_f64();
    assert_eq!(h.latest().block(), save.block);
    (bare, game)
}

fn record(blocks: u64) -> Recording {
    play(blocks, true).recording(chrono::Utc::now()).expect("recording")
}

fn verify_secs(rec: &Recording) -> f64 {
    let t = Instant::now();
    let mut s = Session::from_recording(rec, None).expect("loads");
    s.run_to_end(0, |_| {}).expect("runs");
    assert_eq!(s.divergence(), None);
    t.elapsed().as_secs_f64()
}

fn sim_secs(blocks: u64) -> f64 {
    let t = Instant::now();
    let _ = play(blocks, false);
    t.elapsed().as_secs_f64()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let days: u64 = std::env::var("RECORD_BENCH_DAYS").ok().and_then(|d| d.parse().ok()).unwrap_or(365);

    // Verify vs the same sim (the eight bots deciding in Lua), and vs a replay that
    // checks no hash (the cost of checking), 30 days, interleaved.
    let month = record(30 * DAY);
    let mut unchecked = month.clone();
    unchecked.checkpoints.clear();
    let (mut v, mut s, mut u) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..5 {
        v.push(verify_secs(&month));
        s.push(sim_secs(30 * DAY));
        u.push(verify_secs(&unchecked));
    }
    let (mv, ms, mu) = (median(v), median(s), median(u));
    println!(
        "30 days, dtao-launch, 8 bots: sim {ms:.3} s, verify {mv:.3} s ({} hashes), replay without checks {mu:.3} s",
        month.checkpoints.len()
    );
    println!("verify/sim = {:.3}, verify/unchecked replay = {:.3}", mv / ms, mv / mu);

    // Resuming a save made at day 30 of a 60-day match, with a human.
    let save = played(60 * DAY, 30 * DAY, true, true).recording(chrono::Utc::now()).expect("save");
    let (mut bare, mut game) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        let (b, g) = resume_secs(&save);
        bare.push(b);
        game.push(g);
    }
    let (mb, mg) = (median(bare), median(game));
    println!(
        "resume a 30-day save: bare catch-up {mb:.3} s, in the game (charts, log, cost basis) {mg:.3} s ({:.2}x)",
        mg / mb
    );

    // The year.
    let t = Instant::now();
    let year = record(days * DAY);
    let rec_secs = t.elapsed().as_secs_f64();
    let bytes = wire::encode(&year);
    println!(
        "{days} days recorded in {rec_secs:.1} s: {} inputs, {} checkpoints, file {} bytes ({:.1} KiB)",
        year.input_count(),
        year.checkpoints.len(),
        bytes.len(),
        bytes.len() as f64 / 1024.0
    );

    // Seeking through the game's handle.
    let end = year.block;
    let rec = Arc::new(year);
    let human = None;
    let r2 = Arc::clone(&rec);
    let mut h = SessionHandle::spawn(
        move || {
            let s = Session::from_recording(&r2, None).map_err(|e| e.to_string())?;
            Ok(Setup { replay: Some(r2), ..Setup::new(s, human) })
        },
        HandleOptions::default(),
    )
    .expect("handle");
    let t = Instant::now();
    while h.latest().replay.as_ref().is_none_or(|r| r.indexed_to < end) {
        std::thread::sleep(Duration::from_millis(50));
    }
    // The charts arrive just after the index; give them a moment.
    std::thread::sleep(Duration::from_millis(200));
    println!("index built in {:.1} s", t.elapsed().as_secs_f64());
    let every = dtao_arena::session::handle::replay::fork_every(end);
    // Worst cases: just before a fork (the most blocks to run), both directions, plus
    // spread targets.
    let mut targets: Vec<u64> = (1..40).map(|k| (k * every - 1).min(end)).collect();
    targets.extend((0..40).map(|k| end / 40 * k + 17));
    targets.extend((0..20).map(|k| end - k * (end / 20)));
    let mut times = Vec::new();
    for b in targets {
        let t = Instant::now();
        h.send(Command::Seek(b));
        let snap = h.sync(Duration::from_secs(30));
        times.push(t.elapsed().as_secs_f64() * 1e3);
        assert_eq!(snap.block(), b, "seek landed");
    }
    let max = times.iter().copied().fold(0.0, f64::max);
    println!(
        "seek ({} seeks, forks every {every} blocks): median {:.1} ms, max {max:.1} ms",
        times.len(),
        median(times)
    );
}
