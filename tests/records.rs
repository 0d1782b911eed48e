//! Recordings and saves (issue 5): record then replay gives the same hashes; a save at
//! any block resumes into the same match as the uninterrupted one; damaged, truncated
//! and newer files are refused with a clear message and leave files untouched.

use dtao_arena::engine::{AccountId, Order, Tao};
use dtao_arena::record::{self, Recording, wire};
use dtao_arena::session::lua::LuaActor;
use dtao_arena::session::{BotFactory, Session};
use proptest::prelude::*;

const BOTS: &[(&str, &str)] = &[
    ("momentum", include_str!("../strategies/momentum.lua")),
    ("mean_reversion", include_str!("../strategies/mean_reversion.lua")),
];

fn factory(seed: u64) -> BotFactory {
    Box::new(move |name: &str, source: &str, seat: usize| {
        LuaActor::load(name, source, seed, seat).map(|a| Box::new(a) as _).map_err(|e| e.to_string())
    })
}

/// The human's scripted orders: a stake every 500 blocks, alternating subnets, and a dump.
fn human_orders(block: u64) -> Vec<Order> {
    match block {
        b if b % 1000 == 10 => {
            vec![Order::Stake { netuid: 1 + (b / 1000 % 4) as u16, tao: Tao(50_000_000_000), limit: None }]
        }
        b if b % 1000 == 510 => vec![Order::Dump { netuid: None }],
        _ => Vec::new(),
    }
}

/// A recorded match on the tutorial map: a human and two Lua bots.
fn start(seed: u64, blocks: u64) -> (Session, AccountId) {
    let map = dtao_arena::scenario::load("tutorial").expect("map");
    let mut s = Session::new(&map, Some(seed), Some(blocks)).expect("session");
    s.start_recording(chrono::DateTime::from_timestamp(1_764_000_000, 0).expect("time"));
    let me = s.add_human("you");
    for (seat, (name, src)) in BOTS.iter().enumerate() {
        s.add_bot(name, Box::new(LuaActor::load(name, src, seed, seat).expect("loads")));
    }
    (s, me)
}

/// Runs blocks until `end`, submitting the human's orders; returns each block's hash.
fn run(s: &mut Session, me: AccountId, end: u64) -> Vec<[u8; 32]> {
    let mut hashes = Vec::new();
    while s.world().block < end {
        for o in human_orders(s.world().block) {
            s.submit(me, o);
        }
        s.step().expect("step");
        hashes.push(s.world().state_hash());
    }
    hashes
}

fn recorded(seed: u64, blocks: u64) -> (Recording, [u8; 32]) {
    let (mut s, me) = start(seed, blocks);
    run(&mut s, me, blocks);
    let r = s.recording(chrono::Utc::now()).expect("recording");
    (r, s.world().state_hash())
}

/// An order withdrawn before its block ran leaves nothing: the world and the recording
/// are those of a match where it was never given, and the recording replays and checks.
#[test]
fn a_cancelled_order_is_as_if_never_given() {
    let (mut plain, me) = start(5, 600);
    run(&mut plain, me, 600);
    let (mut s, me2) = start(5, 600);
    while s.world().block < 600 {
        let b = s.world().block;
        for o in human_orders(b) {
            s.submit(me2, o);
        }
        if b == 250 || b == 510 {
            // Two more (at 250 alone among the human's inputs, at 510 beside a dump the
            // plain match gives too): all withdrawn.
            s.submit(me2, Order::StakeRoot { tao: Tao(2_000_000_000) });
            s.submit(me2, Order::Stake { netuid: 1, tao: Tao(3_000_000_000), limit: None });
            assert_eq!(s.cancel_orders(me2), 2 + human_orders(b).len());
            assert!(s.world().queued().iter().all(|(a, _)| *a != me2));
            // Resubmitted after the cancellation, the plain match's orders go on.
            for o in human_orders(b) {
                s.submit(me2, o);
            }
        }
        s.step().expect("step");
    }
    assert_eq!(s.world().state_hash(), plain.world().state_hash());
    let r = s.recording(chrono::Utc::now()).expect("recording");
    let p = plain.recording(chrono::Utc::now()).expect("recording");
    assert_eq!(r.input_count(), p.input_count());
    let mut replay = Session::from_recording(&r, None).expect("loads");
    replay.run_to_end(0, |_| {}).expect("runs");
    assert_eq!(replay.divergence(), None);
    assert_eq!(replay.world().state_hash(), plain.world().state_hash());
    // Nothing queued: nothing to withdraw.
    assert_eq!(s.cancel_orders(me2), 0);
}

#[test]
fn record_then_replay_gives_the_same_hashes_without_lua() {
    let (r, end_hash) = recorded(3, 2000);
    assert!(r.is_complete());
    assert!(r.input_count() > 10, "{} inputs", r.input_count());
    let r = wire::decode(&wire::encode(&r)).expect("decodes");
    let mut replay = Session::from_recording(&r, None).expect("loads");
    assert!(replay.seats().is_empty(), "a replay never runs Lua");
    replay.run_to_end(0, |_| {}).expect("runs");
    assert_eq!(replay.divergence(), None);
    let (checked, final_checked) = replay.checked();
    assert_eq!(checked, r.checkpoints.len());
    assert!(checked >= 5 && final_checked, "{checked} checkpoints");
    assert_eq!(replay.world().state_hash(), end_hash);
    assert_eq!(replay.log(), {
        let (mut s, me) = start(3, 2000);
        run(&mut s, me, 2000);
        s.log().to_vec()
    });
}

#[test]
fn a_changed_order_is_caught_at_the_next_checkpoint() {
    let (mut r, _) = recorded(3, 2000);
    // Change the human's first stake (tick 10) into a bigger one.
    let t = r.ticks.iter_mut().find(|t| t.block == 10).expect("tick 10");
    for i in &mut t.inputs {
        if let record::Input::Order { order: Order::Stake { tao, .. }, .. } = i {
            *tao = Tao(tao.0 * 2);
        }
    }
    let mut replay = Session::from_recording(&r, None).expect("loads");
    replay.run_to_end(0, |_| {}).expect("runs");
    let d = replay.divergence().expect("diverges");
    assert_eq!(d.block, r.header.hash_every, "the first checkpoint after block 10");
    assert_eq!(d.last_good, None);
    assert!(d.to_string().contains(&format!("block {}", r.header.hash_every)), "{d}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// Save at a random block, load, continue: the same hashes at every block as the
    /// uninterrupted match.
    #[test]
    fn a_save_resumes_into_the_same_match(seed in 0u64..1000, at in 0u64..1500) {
        const END: u64 = 1500;
        let (mut whole, me) = start(seed, END);
        let expected = run(&mut whole, me, END);

        let (mut first, me) = start(seed, END);
        run(&mut first, me, at);
        let save = first.recording(chrono::Utc::now()).expect("recording");
        let save = wire::decode(&wire::encode(&save)).expect("decodes");
        let mut resumed = Session::from_recording(&save, Some(factory(seed))).expect("resumes");
        prop_assert_eq!(resumed.world().block, at);
        prop_assert_eq!(resumed.seats().len(), BOTS.len());
        let me = resumed.world().account_by_name("you").expect("human");
        let rest = run(&mut resumed, me, END);
        prop_assert_eq!(&rest[..], &expected[at as usize..]);
        // And the resumed match's own recording replays to the same end.
        let r = resumed.recording(chrono::Utc::now()).expect("recording");
        let mut replay = Session::from_recording(&r, None).expect("loads");
        replay.run_to_end(0, |_| {}).expect("runs");
        prop_assert_eq!(replay.divergence(), None);
        prop_assert_eq!(replay.world().state_hash(), *expected.last().expect("hashes"));
    }
}

// ---------------------------------------------------------------------------------------
// Files and the command line
// ---------------------------------------------------------------------------------------

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn cli(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dtao-arena"))
        .args(args)
        .env("DTAO_ARENA_DATA", std::env::temp_dir().join("dtao-arena-test-data"))
        .output()
        .expect("run binary")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `sim --record` on the tutorial with two shipped bots: a small real file.
fn small_file(dir: &Path) -> PathBuf {
    let p = dir.join("small.dtrec");
    let o = cli(&[
        "sim",
        "--map",
        "tutorial",
        "--blocks",
        "1500",
        "--bot",
        "momentum",
        "--bot",
        "meme_rider",
        "--record",
        p.to_str().expect("utf-8"),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    p
}

#[test]
fn sim_record_then_replay_verify_agree_on_the_final_hash() {
    let dir = tempfile::tempdir().expect("tmp");
    let p = small_file(dir.path());
    let path = p.to_str().expect("utf-8");
    let sim =
        cli(&["sim", "--map", "tutorial", "--blocks", "1500", "--bot", "momentum", "--bot", "meme_rider", "--json"]);
    let sim: serde_json::Value = serde_json::from_slice(&sim.stdout).expect("json");
    let o = cli(&["replay", path, "--verify", "--json"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let rep: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(rep["state_hash"], sim["state_hash"]);
    assert_eq!(rep["block"], 1500);
    // --json alone is the same headless run.
    let alone = cli(&["replay", path, "--json"]);
    assert!(alone.status.success(), "{}", text(&alone.stderr));
    assert_eq!(alone.stdout, o.stdout);
    let o = cli(&["replay", path, "--verify"]);
    assert!(o.status.success());
    assert!(text(&o.stdout).contains("verified: 1,500 blocks of 'tutorial'"), "{}", text(&o.stdout));
}

#[test]
fn verify_offers_to_resume_only_a_save_with_a_human_player() {
    let dir = tempfile::tempdir().expect("tmp");
    let write = |name: &str, r: &Recording| {
        let p = dir.path().join(name);
        record::fs::write_with_backup(&p, &record::wire::encode(r)).expect("write");
        p.to_str().expect("utf-8").to_string()
    };
    // A save at block 500 of 2,000.
    let (mut s, me) = start(3, 2000);
    run(&mut s, me, 500);
    let save = write("save.dtrec", &s.recording(chrono::Utc::now()).expect("recording"));
    let o = cli(&["replay", &save, "--verify"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains("(a save at block 500 of 2,000: resume it with `dtao-arena play --load"),
        "{}",
        text(&o.stdout)
    );
    // Bots only (a workshop room ended early): nothing to resume as.
    let map = dtao_arena::scenario::load("tutorial").expect("map");
    let mut s = Session::new(&map, Some(3), Some(2000)).expect("session");
    s.start_recording(chrono::DateTime::from_timestamp(1_764_000_000, 0).expect("time"));
    s.add_bot(BOTS[0].0, Box::new(LuaActor::load(BOTS[0].0, BOTS[0].1, 3, 0).expect("loads")));
    while s.world().block < 500 {
        s.step().expect("step");
    }
    let bots = write("bots.dtrec", &s.recording(chrono::Utc::now()).expect("recording"));
    let o = cli(&["replay", &bots, "--verify"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.contains("(the match stopped at block 500 of 2,000: it has no human player to resume as)"), "{out}");
    assert!(!out.contains("play --load"), "{out}");
}

#[test]
fn a_tampered_recording_fails_verification_naming_the_block() {
    let dir = tempfile::tempdir().expect("tmp");
    let p = small_file(dir.path());
    let mut r = wire::decode(&std::fs::read(&p).expect("read")).expect("decodes");
    // Drop the first bot order: a different match from then on, with a valid checksum.
    let (k, j) = r
        .ticks
        .iter()
        .enumerate()
        .find_map(|(k, t)| t.inputs.iter().position(|i| matches!(i, record::Input::Order { .. })).map(|j| (k, j)))
        .expect("an order");
    let at = r.ticks[k].block;
    r.ticks[k].inputs.remove(j);
    let bad = dir.path().join("bad.dtrec");
    std::fs::write(&bad, wire::encode(&r)).expect("write");
    let o = cli(&["replay", bad.to_str().expect("utf-8"), "--verify"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let first = r.checkpoints.iter().find(|c| c.block > at).expect("a later checkpoint").block;
    let err = text(&o.stderr);
    assert!(err.contains(&format!("at block {first} differs")), "{err}");
}

#[test]
fn a_recording_whose_map_does_not_load_names_the_file_and_the_map() {
    let dir = tempfile::tempdir().expect("tmp");
    let p = small_file(dir.path());
    let mut r = wire::decode(&std::fs::read(&p).expect("read")).expect("decodes");
    r.header.map_source.push_str("\n[params]\ntempo = -1\n");
    let bad = dir.path().join("badmap.dtrec");
    std::fs::write(&bad, wire::encode(&r)).expect("write");
    let o = cli(&["replay", bad.to_str().expect("utf-8"), "--verify"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(err.contains("badmap.dtrec': its embedded map '"), "{err}");
    assert!(err.contains("' does not load: "), "{err}");
}

/// Every way to damage a file gives exit code 2 and a message; the saves are untouched.
#[test]
fn damaged_files_are_refused_and_leave_the_save_and_its_backup_alone() {
    let dir = tempfile::tempdir().expect("tmp");
    let good = std::fs::read(small_file(dir.path())).expect("read");
    // A save and its backup.
    let save = dir.path().join("game.dtrec");
    record::fs::write_with_backup(&save, &good).expect("save");
    record::fs::write_with_backup(&save, &good).expect("save again");
    let bak = record::fs::backup_path(&save);
    let before = (std::fs::read(&save).expect("save"), std::fs::read(&bak).expect("bak"));

    // Every truncation and every single-bit flip, through the decoder.
    for n in 0..good.len() {
        assert!(wire::decode(&good[..n]).is_err(), "cut at {n} accepted");
    }
    for k in 0..good.len() {
        for bit in [0x01u8, 0x80] {
            let mut b = good.clone();
            b[k] ^= bit;
            assert!(wire::decode(&b).is_err(), "flip {bit:#x} at {k} accepted");
        }
    }
    // A sample through the command line: exit code 2 and a message naming the file.
    let bad = dir.path().join("bad.dtrec");
    let cuts = [0, 5, 9, 17, 18, 40, good.len() / 2, good.len() - 33, good.len() - 1];
    for n in cuts {
        std::fs::write(&bad, &good[..n]).expect("write");
        for cmd in [
            &["replay", bad.to_str().expect("utf-8"), "--verify"][..],
            &["play", "--load", bad.to_str().expect("utf-8")],
        ] {
            let o = cli(cmd);
            assert_eq!(o.status.code(), Some(2), "cut at {n}: {cmd:?}: {}", text(&o.stderr));
            let err = text(&o.stderr);
            // An empty file is a name reserved for a save that never came.
            let why = if n == 0 {
                err.contains("is empty: the game or room that reserved this name")
            } else {
                err.contains("cut short") || err.contains("not a dTAO Arena")
            };
            assert!(err.contains("bad.dtrec") && why, "{err}");
            assert!(!err.contains("panicked"), "{err}");
        }
    }
    let mut flipped = good.clone();
    flipped[good.len() / 3] ^= 0x10;
    std::fs::write(&bad, &flipped).expect("write");
    let o = cli(&["replay", bad.to_str().expect("utf-8"), "--verify"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("is damaged: its checksum does not match"), "{}", text(&o.stderr));
    // The advice names a backup only when there is one.
    assert!(
        text(&o.stderr).contains("there is no '.bak' copy beside it: a recorded match can be made again"),
        "{}",
        text(&o.stderr)
    );
    std::fs::write(&save, &flipped).expect("damage the save");
    let o = cli(&["replay", save.to_str().expect("utf-8"), "--verify"]);
    assert!(text(&o.stderr).contains(&format!("use its backup '{}'", bak.display())), "{}", text(&o.stderr));
    std::fs::write(&save, &before.0).expect("mend the save");
    let o = cli(&["play", "--load", save.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(2), "a finished match is not a save: {}", text(&o.stderr));
    assert!(text(&o.stderr).contains("finished match"), "{}", text(&o.stderr));
    assert_eq!((std::fs::read(&save).expect("save"), std::fs::read(&bak).expect("bak")), before);
}

#[test]
fn a_large_file_cut_at_200_random_offsets_is_refused() {
    let good = std::fs::read("saves/dtao-launch-week.dtrec").expect("the shipped week");
    assert!(good.len() > 50_000, "{} bytes", good.len());
    assert!(wire::decode(&good).is_ok());
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..200 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let n = (x % good.len() as u64) as usize;
        assert!(matches!(
            wire::decode(&good[..n]),
            Err(record::RecordError::Truncated { .. } | record::RecordError::NotARecording)
        ));
    }
}

#[test]
fn a_newer_format_says_so_and_every_older_format_still_loads() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut b = std::fs::read(small_file(dir.path())).expect("read");
    b[8..10].copy_from_slice(&(record::FORMAT_VERSION + 1).to_le_bytes());
    // A newer file's checksum covers its own version.
    let n = b.len() - 32;
    let sum = *blake3::hash(&b[..n]).as_bytes();
    b[n..].copy_from_slice(&sum);
    let p = dir.path().join("future.dtrec");
    std::fs::write(&p, &b).expect("write");
    let o = cli(&["replay", p.to_str().expect("utf-8"), "--verify"]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(err.contains("newer than this build") && err.contains("update dtao-arena"), "{err}");

    // tests/records/vN/*.dtrec: a file of every format version ever written.
    let mut seen = Vec::new();
    for v in 1..=record::FORMAT_VERSION {
        let folder = PathBuf::from(format!("tests/records/v{v}"));
        let files: Vec<PathBuf> = std::fs::read_dir(&folder)
            .unwrap_or_else(|e| panic!("{}: {e}", folder.display()))
            .map(|e| e.expect("entry").path())
            .collect();
        assert!(!files.is_empty(), "no sample of format {v}");
        for f in files {
            let bytes = std::fs::read(&f).expect("read");
            assert_eq!(wire::version(&bytes), Ok(v), "{}", f.display());
            let r = wire::decode(&bytes).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            let mut s = Session::from_recording(&r, None).expect("loads");
            s.run_to_end(0, |_| {}).expect("runs");
            assert_eq!(s.divergence(), None, "{}", f.display());
            seen.push(f);
        }
    }
    assert!(!seen.is_empty());
}

/// The recordings that ship in `saves/` verify and carry the maps as they ship: a full
/// default-map match and one of each lesson.
#[test]
fn the_shipped_recordings_verify() {
    let mut maps = Vec::new();
    for e in std::fs::read_dir("saves").expect("saves/") {
        let p = e.expect("entry").path();
        if p.extension().is_none_or(|x| x != record::EXTENSION) {
            continue;
        }
        let r = wire::decode(&std::fs::read(&p).expect("read")).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        let mut s = Session::from_recording(&r, None).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        s.run_to_end(0, |_| {}).expect("runs");
        assert_eq!(s.divergence(), None, "{}", p.display());
        assert!(s.checked().1, "{}: the final hash was checked", p.display());
        // It carries the map as it ships now: a replay tells the lesson as the game does
        // (re-record it with the command in saves/README.md when a map's text changes).
        let shipped = dtao_arena::scenario::builtins().into_iter().find(|b| b.name == r.header.map_name);
        let shipped = shipped.unwrap_or_else(|| panic!("{}: not a built-in map", p.display()));
        assert!(r.header.map_source == shipped.source, "{}: recorded with an older {}.toml", p.display(), shipped.name);
        maps.push((r.header.map_name.clone(), r.is_complete()));
    }
    let full_default = maps.iter().any(|(m, done)| m == "dtao-launch" && *done);
    assert!(full_default, "a full dtao-launch match ships: {maps:?}");
    for lesson in dtao_arena::scenario::LESSONS {
        assert!(maps.iter().any(|(m, _)| m == lesson), "a recording of the lesson '{lesson}' ships: {maps:?}");
    }
}

#[test]
fn tournament_record_writes_a_replay_per_match_that_verifies() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("out");
    let o = cli(&[
        "tournament",
        "--strategies",
        "strategies/momentum.lua",
        "strategies/root_holder.lua",
        "--maps",
        "tutorial",
        "--matches",
        "2",
        "--blocks",
        "800",
        "--jobs",
        "2",
        "--out",
        out.to_str().expect("utf-8"),
        "--record",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let matches = std::fs::read_to_string(out.join("matches.csv")).expect("matches.csv");
    for k in 0..2 {
        // The replay of the match numbered k in matches.csv is match-000k.
        let p = out.join(format!("replays/match-000{k}.dtrec"));
        let r = wire::decode(&std::fs::read(&p).expect("replay written")).expect("decodes");
        assert_eq!(r.joins().filter(|j| j.2.is_some()).count(), 2, "both strategies' sources are embedded");
        let o = cli(&["replay", p.to_str().expect("utf-8"), "--verify", "--json"]);
        assert!(o.status.success(), "{}", text(&o.stderr));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
        let seed = matches
            .lines()
            .find(|l| l.starts_with(&format!("{k},")))
            .and_then(|l| l.split(',').nth(2))
            .expect("a row for the match");
        assert_eq!(v["seed"].to_string(), seed, "match {k}: {matches}");
    }
    let o = cli(&["tournament", "--strategies", "strategies/momentum.lua", "--record"]);
    assert_eq!(o.status.code(), Some(2), "--record needs --out");
}

mod handle {
    use std::sync::Arc;
    use std::time::Duration;

    use dtao_arena::session::handle::{
        Command, HandleOptions, JournalKind, JournalLine, SEEK_LOOKBACK, SessionHandle, Setup,
    };

    use super::*;

    const WAIT: Duration = Duration::from_secs(60);

    /// The game's autosave: `Save` writes the recording so far, quitting saves again,
    /// and the file resumes into the same match.
    #[test]
    fn the_game_saves_on_request_and_on_quit_and_the_save_resumes() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("game.dtrec");
        let p2 = path.clone();
        let mut h = SessionHandle::spawn(
            move || {
                let (s, me) = start(11, 3000);
                Ok(Setup { autosave: Some(p2), ..Setup::new(s, Some(me)) })
            },
            HandleOptions::default(),
        )
        .expect("starts");
        h.send(Command::Submit(Order::Stake { netuid: 2, tao: Tao(30_000_000_000), limit: None }));
        h.send(Command::Step(700));
        h.send(Command::Save);
        let snap = h.sync(WAIT);
        let saved = snap.saved.clone().expect("saved");
        assert_eq!((saved.block, saved.error), (700, None));
        let first = wire::decode(&std::fs::read(&path).expect("save")).expect("decodes");
        assert_eq!(first.block, 700);
        h.send(Command::Step(300));
        let _ = h.sync(WAIT);
        h.quit();
        let r = wire::decode(&std::fs::read(&path).expect("save")).expect("decodes");
        assert_eq!(r.block, 1000, "saved again on quit");
        assert_eq!(std::fs::read(record::fs::backup_path(&path)).expect(".bak"), wire::encode(&first));
        let resumed = Session::from_recording(&r, Some(factory(11))).expect("resumes");
        assert_eq!(resumed.world().block, 1000);
        assert_eq!(resumed.world().state_hash(), r.final_hash);
    }

    /// A replay that played to its end stops there: taken back, it waits for space.
    #[test]
    fn a_replay_taken_back_from_its_end_stays_paused() {
        let (rec, _) = recorded(2, 600);
        let rec = Arc::new(rec);
        let mut h = SessionHandle::spawn(
            move || {
                let s = Session::from_recording(&rec, None).map_err(|e| e.to_string())?;
                let me = s.world().account_by_name("you");
                Ok(Setup { replay: Some(rec), ..Setup::new(s, me) })
            },
            HandleOptions::default(),
        )
        .expect("starts");
        h.send(Command::Seek(590));
        h.send(Command::Resume);
        let deadline = std::time::Instant::now() + WAIT;
        while !h.latest().over && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        assert!(h.latest().over, "it played to the end");
        h.send(Command::Seek(100));
        let snap = h.sync(WAIT);
        assert_eq!(snap.block(), 100);
        assert!(snap.paused, "paused after the seek back");
        std::thread::sleep(std::time::Duration::from_millis(300));
        assert_eq!(h.latest().block(), 100, "it did not play on by itself");
        h.quit();
    }

    /// A lesson quit while a narration was open shows it again when it is resumed (the
    /// save's last block is the narrated one's next).
    #[test]
    fn a_lesson_resumed_where_it_was_saved_on_a_narration_shows_it_again() {
        let (mut s, _) = start(7, 7200);
        while s.world().block < 1081 {
            s.step().expect("step");
        }
        let rec = s.recording(chrono::Utc::now()).expect("a save");
        let mut h = SessionHandle::spawn(
            move || {
                let s = Session::resume(&rec, factory(7)).map_err(|e| e.to_string())?;
                let me = s.world().account_by_name("you");
                Ok(Setup { lesson: true, ..Setup::new(s, me) })
            },
            HandleOptions::default(),
        )
        .expect("resumes");
        let snap = h.sync(WAIT);
        assert_eq!(snap.block(), 1081);
        let n = snap.narration.clone().expect("the narration it was saved on");
        assert_eq!(n.block, 1080);
        h.quit();
    }

    /// A workshop client that joins (or rejoins) mid-match: its replica is caught up by
    /// the game's handle, so its charts and its player's cost basis start at block 0
    /// instead of at the block it joined.
    #[test]
    fn a_replica_caught_up_by_the_handle_charts_from_block_0_and_knows_its_costs() {
        let (rec, end_hash) = recorded(5, 800);
        let rec = Arc::new(rec);
        let spawn = |later: bool| {
            let rec = Arc::clone(&rec);
            SessionHandle::spawn(
                move || {
                    let s = if later { Session::follow_later(&rec) } else { Session::follow(&rec) }
                        .map_err(|e| e.to_string())?;
                    let me = s.world().account_by_name("you");
                    Ok(Setup::new(s, me))
                },
                HandleOptions::default(),
            )
            .expect("starts")
        };
        let mut h = spawn(true);
        let snap = h.sync(WAIT);
        assert_eq!(snap.block(), 800);
        assert_eq!(h.info().end_block, 800, "a replica ends where the match does");
        let first = |snap: &dtao_arena::session::handle::Snapshot| {
            snap.history.network.series(0).first().map_or(f64::NAN, |p| p.0)
        };
        assert!(first(&snap) < 50.0, "charted from the start: {}", first(&snap));
        let book = snap.me.clone().expect("the player's book");
        assert_eq!(book.basis_from, None, "its costs are known from block 0");
        // Its SN1 stake was sold before block 800: the loss it took is in its book.
        let realized = |b: &dtao_arena::session::handle::Book| b.positions.iter().map(|p| p.realized_rao).sum::<i64>();
        assert!(realized(&book) < 0, "{:?}", book.positions);
        h.quit();
        // The same replica caught up before the handle (as a headless client does) only
        // knows the match from there.
        let mut h = spawn(false);
        let snap = h.sync(WAIT);
        assert_eq!(realized(&snap.me.clone().expect("book")), 0, "the sale before it joined is not known");
        assert!(first(&snap) >= 800.0, "{}", first(&snap));
        h.quit();
        // Both are the same match.
        let mut s = Session::follow_later(&rec).expect("loads");
        while let Some(end) = s.catching_up().filter(|e| s.world().block < *e) {
            let _ = end;
            s.step().expect("step");
        }
        s.finish_catch_up().expect("caught up");
        assert_eq!(s.world().state_hash(), end_hash);
    }

    #[test]
    fn a_lessons_replay_stops_at_each_narration_and_shows_the_one_a_jump_lands_on() {
        let map = dtao_arena::scenario::load("tutorial").expect("map");
        let mut s = Session::new(&map, Some(7), Some(1200)).expect("session");
        s.start_recording(chrono::DateTime::from_timestamp(1_764_000_000, 0).expect("time"));
        while s.world().block < 1200 {
            s.step().expect("step");
        }
        let rec = Arc::new(s.recording(chrono::Utc::now()).expect("recording"));
        let mut h = SessionHandle::spawn(
            move || {
                let s = Session::from_recording(&rec, None).map_err(|e| e.to_string())?;
                Ok(Setup { replay: Some(rec), lesson: true, ..Setup::new(s, None) })
            },
            HandleOptions::default(),
        )
        .expect("starts");
        // A jump to just after a narrated block (n to the next mark) shows its narration.
        h.send(Command::Seek(361));
        let n = h.sync(WAIT).narration.clone().expect("the narration of block 360");
        assert_eq!(n.block, 360);
        assert!(n.text.contains("split between subnets"), "{}", n.text);
        h.send(Command::Dismiss);
        h.send(Command::Seek(500));
        assert!(h.sync(WAIT).narration.is_none(), "no narration at block 499");
        // A jump to the narrated block itself (`t 360`, or a day's first block) runs it:
        // the narration shows.
        h.send(Command::Seek(360));
        let snap = h.sync(WAIT);
        assert_eq!((snap.narration.as_ref().map(|n| n.block), snap.block()), (Some(360), 361));
        h.send(Command::Dismiss);
        h.send(Command::Seek(500));
        assert!(h.sync(WAIT).narration.is_none());
        // Played on, it stops at the next one (block 1,080) until it is dismissed.
        h.send(Command::SetSpeed(usize::MAX));
        h.send(Command::Resume);
        let deadline = std::time::Instant::now() + WAIT;
        while h.latest().narration.is_none() && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        let snap = h.latest();
        assert_eq!((snap.narration.as_ref().map(|n| n.block), snap.block()), (Some(1080), 1081));
        std::thread::sleep(Duration::from_millis(300));
        assert_eq!(h.latest().block(), 1081, "held by the narration");
        h.send(Command::Dismiss);
        let deadline = std::time::Instant::now() + WAIT;
        while h.latest().block() <= 1081 && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(h.latest().block() > 1081, "it plays on once dismissed");
        h.quit();
    }

    /// Seeking a replay (forward, back, to marks) lands on exactly the state an
    /// uninterrupted replay has at that block.
    #[test]
    fn replay_seeks_land_on_the_recorded_states() {
        let (rec, _) = recorded(4, 7200);
        let rec = Arc::new(rec);
        let r2 = Arc::clone(&rec);
        let mut h = SessionHandle::spawn(
            move || {
                let s = Session::from_recording(&r2, None).map_err(|e| e.to_string())?;
                let me = s.world().account_by_name("you");
                Ok(Setup { replay: Some(r2), ..Setup::new(s, me) })
            },
            HandleOptions::default(),
        )
        .expect("starts");
        assert!(h.info().replay);
        let view_at = |b: u64| {
            let mut s = Session::from_recording(&rec, None).expect("loads");
            while s.world().block < b {
                s.step().expect("step");
            }
            s.world().view()
        };
        for b in [5000, 1234, 7200, 0, 4321] {
            h.send(Command::Seek(b));
            let snap = h.sync(WAIT);
            assert_eq!(snap.block(), b);
            assert_eq!(snap.view, view_at(b), "state after seeking to {b}");
            if b == 1234 {
                // Back from 5000: a kept state carries the whole log (the map's opening
                // line), and the blocks run up to the target bring back their trades.
                assert!(snap.journal.iter().any(|l| l.block == 0 && l.who == "map"), "{:#?}", snap.journal);
                assert!(snap.journal.iter().all(|l| l.block <= 1234 && !l.text.starts_with("jumped")));
                let recent = |l: &&JournalLine| l.kind == JournalKind::Trade && l.block + SEEK_LOOKBACK >= 1234;
                assert!(snap.journal.iter().any(|l| recent(&l)), "{:#?}", snap.journal);
                // Older trades are not there, and the Log says from where they are.
                let note = snap.journal.iter().find(|l| l.text.starts_with("trades before block ")).expect("a note");
                assert!(note.block + SEEK_LOOKBACK <= 1234 && note.block > 0, "{note:?}");
                let first = snap.journal.iter().filter(|l| l.kind == JournalKind::Trade).map(|l| l.block).min();
                assert!(first >= Some(note.block), "{:#?}", snap.journal);
            }
            assert!(snap.replay.as_ref().is_some_and(|r| r.diverged.is_none()));
        }
        // Orders are refused in a replay.
        h.send(Command::Submit(Order::StakeRoot { tao: Tao(1_000_000_000) }));
        assert!(h.sync(WAIT).pending.is_empty());
        // Marks: the tutorial narrates; once indexed, NextMark goes to the first one.
        let deadline = std::time::Instant::now() + WAIT;
        while h.latest().replay.as_ref().is_none_or(|r| r.indexed_to < 7200) && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        let first = h.latest().replay.as_ref().and_then(|r| r.marks.first().cloned()).expect("a mark");
        h.send(Command::Seek(0));
        h.send(Command::NextMark);
        let snap = h.sync(WAIT);
        assert_eq!(snap.block(), first.block + 1, "{first:?}");
        assert_eq!(snap.view, view_at(first.block + 1));
    }

    /// A resumed save and a replay sought to a block show the human's book as the
    /// uninterrupted game did there: cost basis, realised profit, dividends; the resumed
    /// game also has the match's log and charts from block 0.
    #[test]
    fn a_resumed_save_and_a_sought_replay_keep_the_cost_basis_log_and_charts() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("game.dtrec");
        let p2 = path.clone();
        let mut live = SessionHandle::spawn(
            move || {
                let (s, me) = start(11, 3000);
                Ok(Setup { autosave: Some(p2), ..Setup::new(s, Some(me)) })
            },
            HandleOptions::default(),
        )
        .expect("starts");
        live.send(Command::Submit(Order::Stake { netuid: 1, tao: Tao(30_000_000_000), limit: None }));
        live.send(Command::Step(400));
        live.send(Command::Submit(Order::Unstake {
            netuid: 1,
            alpha: dtao_arena::engine::Alpha(1_000_000_000),
            limit: None,
        }));
        live.send(Command::Submit(Order::Stake { netuid: 1, tao: Tao(20_000_000_000), limit: None }));
        live.send(Command::Step(500));
        let at_900 = live.sync(WAIT);
        live.quit();
        let book = at_900.me.clone().expect("a book");
        let sn1 =
            book.positions.iter().find(|p| p.netuid == 1).unwrap_or_else(|| panic!("{book:?} {:?}", at_900.notices));
        assert!(sn1.cost_rao > 0 && sn1.realized_rao != 0 && sn1.earned_alpha_rao > 0, "{sn1:?}");
        assert!(at_900.journal.iter().any(|l| l.text.contains("SN1")));

        let rec = wire::decode(&std::fs::read(&path).expect("save")).expect("decodes");
        assert_eq!(rec.block, 900);
        let r2 = rec.clone();
        // The catch-up tells its progress (the game shows it before its screen opens).
        let told = Arc::new(std::sync::Mutex::new(Vec::new()));
        let tell = Arc::clone(&told);
        let resumed = SessionHandle::spawn(
            move || {
                let s = Session::resume(&r2, factory(11)).map_err(|e| e.to_string())?;
                let me = s.world().account_by_name("you");
                let on_catch_up: Box<dyn FnMut(u64, u64) + Send> =
                    Box::new(move |b, end| tell.lock().expect("lock").push((b, end)));
                Ok(Setup { on_catch_up: Some(on_catch_up), ..Setup::new(s, me) })
            },
            HandleOptions::default(),
        )
        .expect("resumes");
        let every = dtao_arena::session::handle::CATCH_UP_PROGRESS_EVERY;
        let expected: Vec<(u64, u64)> = (1..=900).filter(|b| b % every == 0 || *b == 900).map(|b| (b, 900)).collect();
        assert_eq!(*told.lock().expect("lock"), expected);
        let snap = resumed.latest();
        assert_eq!(snap.block(), 900);
        assert_eq!(snap.view, at_900.view);
        assert_eq!(snap.me, at_900.me, "the resumed book");
        assert_eq!(snap.journal, at_900.journal, "the resumed log");
        assert_eq!(snap.history.network.len(), at_900.history.network.len(), "the resumed charts");
        assert_eq!(snap.history.network.series(1), at_900.history.network.series(1));
        drop(resumed);

        let rec = Arc::new(rec);
        let r3 = Arc::clone(&rec);
        let mut replay = SessionHandle::spawn(
            move || {
                let s = Session::from_recording(&r3, None).map_err(|e| e.to_string())?;
                let me = s.world().account_by_name("you");
                Ok(Setup { replay: Some(r3), ..Setup::new(s, me) })
            },
            HandleOptions::default(),
        )
        .expect("replays");
        let deadline = std::time::Instant::now() + WAIT;
        while replay.latest().replay.as_ref().is_none_or(|r| r.indexed_to < 900) && std::time::Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(20));
        }
        for b in [900, 200, 900] {
            replay.send(Command::Seek(b));
            let snap = replay.sync(WAIT);
            assert_eq!(snap.block(), b);
            if b == 900 {
                assert_eq!(snap.me.as_ref().map(|m| &m.positions), Some(&book.positions), "after seeking to {b}");
            }
        }
    }
}

/// A shared world's replica (a `join` client's game): when the host ends the match
/// early, the game shows it over with the result, not an error; a dropped connection
/// without an end is an error that says why.
#[test]
fn a_replica_ended_by_the_host_is_over_not_failed() {
    use dtao_arena::session::handle::{HandleOptions, Remote, RemoteEvent, SessionHandle, Setup};
    let (mut live, me) = start(5, 3000);
    run(&mut live, me, 300);
    let rec = live.recording(chrono::Utc::now()).expect("recording");
    let replica = |events: Vec<RemoteEvent>| {
        let rec = rec.clone();
        let (tx, inbox) = std::sync::mpsc::channel();
        for e in events {
            tx.send(e).expect("send");
        }
        let h = SessionHandle::spawn(
            move || {
                let s = Session::follow(&rec).map_err(|e| e.to_string())?;
                let me = s.world().account_by_name("you");
                let remote = Remote { inbox, outbox: Box::new(|_| true) };
                Ok(Setup { remote: Some(remote), ..Setup::new(s, me) })
            },
            HandleOptions::default(),
        )
        .expect("starts");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let snap = h.latest();
            if snap.over || snap.error.is_some() || std::time::Instant::now() > deadline {
                return (h, snap);
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    };
    let (handle, ended) = replica(vec![
        // The host's speed, 20 blocks a second, is shown as it is (not the game's nearest
        // step, 10).
        RemoteEvent::Tick {
            inputs: Vec::new(),
            to_block: 300,
            hash: None,
            paused: false,
            speed_index: 1,
            blocks_per_sec: 20,
        },
        RemoteEvent::End { reason: "the host ended the match".into(), winner: Some("ana".into()) },
        RemoteEvent::Closed("the match is over".into()),
    ]);
    assert!(ended.over && ended.error.is_none(), "{:?}", ended.error);
    assert!(ended.journal.iter().any(|l| l.text.contains("the host ended the match: ana wins")));
    // The Results box names why it ended before its last block.
    assert_eq!(ended.end_reason.as_deref(), Some("the host ended the match"));
    assert_eq!(ended.blocks_per_sec(), 20);
    // The game stops where the host ended it: its clock does not run on alone.
    std::thread::sleep(std::time::Duration::from_millis(400));
    assert_eq!(handle.latest().block(), 300, "the replica ran on after the end");
    let (_, dropped) = replica(vec![RemoteEvent::Closed("kicked by the host".into())]);
    assert!(!dropped.over);
    assert!(dropped.error.as_deref().is_some_and(|e| e.contains("kicked")), "{:?}", dropped.error);
}

/// A student's game of a lesson shows its narrations in a box, as a game of one's own
/// does, but the host's clock does not wait for it: the replica follows the server with
/// the box up, until the student closes it.
#[test]
fn a_students_lesson_shows_narrations_without_holding_the_room() {
    use dtao_arena::session::handle::{Command, HandleOptions, Remote, RemoteEvent, SessionHandle, Setup};
    use std::time::Duration;
    const WAIT: Duration = Duration::from_secs(60);
    let (mut live, me) = start(5, 3000);
    run(&mut live, me, 100);
    let rec = live.recording(chrono::Utc::now()).expect("recording");
    let (tx, inbox) = std::sync::mpsc::channel();
    let mut h = SessionHandle::spawn(
        move || {
            let s = Session::follow(&rec).map_err(|e| e.to_string())?;
            let me = s.world().account_by_name("you");
            let remote = Remote { inbox, outbox: Box::new(|_| true) };
            Ok(Setup { remote: Some(remote), lesson: true, ..Setup::new(s, me) })
        },
        HandleOptions::default(),
    )
    .expect("starts");
    let tick = |to_block| RemoteEvent::Tick {
        inputs: Vec::new(),
        to_block,
        hash: None,
        paused: false,
        speed_index: 1,
        blocks_per_sec: 20,
    };
    // Past the tutorial's narration of block 360, then on to 800 with it unread.
    tx.send(tick(400)).expect("send");
    tx.send(tick(800)).expect("send");
    let deadline = std::time::Instant::now() + WAIT;
    while h.latest().block() < 800 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    let snap = h.latest();
    assert_eq!(snap.block(), 800, "the room's clock did not wait");
    assert_eq!(snap.narration.as_ref().map(|n| n.block), Some(360), "the narration shows");
    h.send(Command::Dismiss);
    assert!(h.sync(WAIT).narration.is_none());
    h.quit();
}

/// In a workshop the remote bots are not the game's own bots, but their log lines are
/// still a bot's (not the map's), an order the server dropped (its rate limit) is a
/// rejected order, and a reconnection is the connection's line.
#[test]
fn a_replicas_log_files_remote_bots_as_bots_and_dropped_orders_as_rejected() {
    use dtao_arena::engine::AccountKind;
    use dtao_arena::session::handle::{HandleOptions, JournalKind, Remote, RemoteEvent, SessionHandle, Setup};
    let (mut live, me) = start(5, 3000);
    let robo = live.add_account("robo", AccountKind::Bot, Tao(1_000_000_000));
    run(&mut live, me, 10);
    live.apply_input(&record::Input::Log { account: robo, text: "leaving SN1".into() }).expect("a log line");
    run(&mut live, me, 20);
    let rec = live.recording(chrono::Utc::now()).expect("recording");
    let (tx, inbox) = std::sync::mpsc::channel();
    tx.send(RemoteEvent::Notice("at most 10 orders a second: an order was dropped".into())).expect("send");
    tx.send(RemoteEvent::Link("reconnected at block 30: playing on".into())).expect("send");
    let h = SessionHandle::spawn(
        move || {
            let s = Session::follow(&rec).map_err(|e| e.to_string())?;
            let me = s.world().account_by_name("you");
            Ok(Setup { remote: Some(Remote { inbox, outbox: Box::new(|_| true) }), ..Setup::new(s, me) })
        },
        HandleOptions::default(),
    )
    .expect("starts");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let snap = loop {
        let snap = h.latest();
        let seen = |t: &str| snap.journal.iter().any(|l| l.text.contains(t));
        if (seen("was dropped") && seen("playing on")) || std::time::Instant::now() > deadline {
            break snap;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    assert!(!h.info().bots.contains(&"robo".to_string()), "robo is not one of the game's bots");
    let line = snap.journal.iter().find(|l| l.text == "leaving SN1").expect("the bot's line");
    assert_eq!((line.kind, line.who.as_str()), (JournalKind::Bot, "robo"));
    let dropped = snap.journal.iter().find(|l| l.text.contains("was dropped")).expect("the server's notice");
    assert_eq!(dropped.kind, JournalKind::Rejected);
    // The game's own reconnection is the connection's line, not the server's.
    let back = snap.journal.iter().find(|l| l.text.contains("playing on")).expect("the reconnection's line");
    assert_eq!((back.kind, back.who.as_str()), (JournalKind::Map, "connection"));
}

/// A bot's options ride on its seat name, which the recording keeps: a save resumes
/// with the same options (a bot staking `cfg.options.amount` every call would diverge
/// otherwise).
#[test]
fn a_save_resumes_its_bots_with_their_options() {
    const OPT: &str = "local amount = 1\nfunction init(cfg) amount = tonumber(cfg.options.amount or '1') end\n\
                       cadence = 100\nfunction on_tick(w) dtao.stake(1, amount) end\n";
    let map = dtao_arena::scenario::load("tutorial").expect("map");
    let mut s = Session::new(&map, Some(3), Some(2000)).expect("session");
    s.start_recording(chrono::DateTime::from_timestamp(1_764_000_000, 0).expect("time"));
    s.add_human("you");
    let name = "opt:amount=7";
    let bot = s.add_bot(name, Box::new(LuaActor::load(name, OPT, 3, 0).expect("loads")));
    while s.world().block < 1000 {
        s.step().expect("step");
    }
    let staked = s.world().account(bot).expect("the bot").tao_in_rao;
    assert_eq!(staked, 10 * 7_000_000_000, "ten calls of 7 TAO");
    let save = s.recording(chrono::Utc::now()).expect("recording");
    let resumed = Session::from_recording(&save, Some(factory(3))).expect("resumes with the options");
    assert_eq!(resumed.world().state_hash(), save.final_hash);
}
