//! A hostile neighbour changes nothing for others: for every hostile strategy in
//! `tests/lua/hostile/` that loads, the match finishes within a bounded time, the hostile
//! one faults, and — whenever none of its orders was ever applied (some corpus files
//! misbehave once and then trade, to show the state stays usable) — a well-behaved
//! strategy seated in the same match scores exactly what it scores alone.

use std::time::{Duration, Instant};

use dtao_arena::session::Session;
use dtao_arena::session::lua::LuaActor;

const BLOCKS: u64 = 1500;

fn good() -> String {
    std::fs::read_to_string("strategies/momentum.lua").expect("momentum.lua")
}

/// The well-behaved strategy's score and faults, with an optional neighbour; plus the
/// neighbour's faults and whether any of its orders was applied.
fn play(neighbour: Option<(&str, &str)>) -> (u64, u32, u32, bool) {
    let map = dtao_arena::scenario::load("tutorial").expect("map");
    let mut s = Session::new(&map, Some(4), Some(BLOCKS)).expect("session");
    let me = s.add_bot("momentum", Box::new(LuaActor::load("momentum", &good(), 4, 0).expect("loads")));
    let other = neighbour.map(|(name, src)| {
        let actor = LuaActor::load(name, src, 4, 1).expect("hostile file loads");
        s.add_bot(name, Box::new(actor))
    });
    let mut traded = false;
    while !s.is_over() {
        s.step().expect("step");
        traded |= other.is_some_and(|o| {
            s.world()
                .events()
                .iter()
                .any(|e| matches!(e, dtao_arena::engine::Event::Applied { account, .. } if *account == o))
        });
    }
    let w = s.world();
    let faults = |id| w.account(id).map_or(0, |a| a.faults);
    (w.score(me), faults(me), other.map_or(0, faults), traded)
}

/// The fault each always-hostile strategy must end with (a phrase of its message).
const EXPECTED: &[(&str, &str)] = &[
    ("bad_return", "bad return value"),
    ("forbidden", "error"),
    ("forbidden_load", "error"),
    ("loop", "instruction budget"),
    ("loop_coroutine", "instruction budget"),
    ("loop_index", "instruction budget"),
    ("loop_pcall", "instruction budget"),
    ("loop_sort", "instruction budget"),
    ("loop_xpcall", "instruction budget"),
    ("memory_concat", "memory"),
    ("memory_rep", ""),
    ("memory_table", ""),
    ("order_flood", "more orders"),
    ("order_flood_pcall", "more orders"),
    ("pattern", "error"),
    ("runtime_error", "error"),
];

#[test]
fn always_hostile_neighbours_fault_and_change_nothing() {
    let (alone, alone_faults, _, _) = play(None);
    assert_eq!(alone_faults, 0);
    for (name, phrase) in EXPECTED {
        let src = std::fs::read_to_string(format!("tests/lua/always/{name}.lua")).expect("corpus file");
        let t = Instant::now();
        let (score, faults, hostile_faults, traded) = play(Some((name, &src)));
        assert!(t.elapsed() < Duration::from_secs(60), "{name}: the match took {:?}", t.elapsed());
        assert_eq!(faults, 0, "{name}: the good strategy faulted");
        assert!(!traded, "{name}: an always-hostile strategy got an order applied");
        assert_eq!(hostile_faults, 5, "{name}: expected 5 faults, then forfeit");
        assert_eq!(score, alone, "{name}: the good strategy's score changed");
        let log = fault_log(name, &src);
        assert!(log.iter().all(|l| l.contains(phrase)), "{name}: expected '{phrase}' in {log:?}");
    }
    let files = std::fs::read_dir("tests/lua/always").expect("corpus").count();
    assert_eq!(files, EXPECTED.len(), "every file in tests/lua/always needs an expectation");
}

/// The fault lines of a short match with the hostile strategy alone.
fn fault_log(name: &str, src: &str) -> Vec<String> {
    let map = dtao_arena::scenario::load("tutorial").expect("map");
    let mut s = Session::new(&map, Some(4), Some(BLOCKS)).expect("session");
    s.add_bot(name, Box::new(LuaActor::load(name, src, 4, 0).expect("loads")));
    s.run_to_end(0, |_| {}).expect("run");
    s.log().iter().filter(|l| l.text.starts_with("fault")).map(|l| l.text.clone()).collect()
}

#[test]
fn corpus_neighbours_fault_and_change_nothing_unless_they_trade() {
    let (alone, alone_faults, _, _) = play(None);
    assert_eq!(alone_faults, 0);
    let mut files: Vec<_> =
        std::fs::read_dir("tests/lua/hostile").expect("corpus").filter_map(|e| e.ok().map(|e| e.path())).collect();
    files.sort();
    let (mut seated, mut compared) = (0, 0);
    for path in files.iter().filter(|p| p.extension().is_some_and(|x| x == "lua")) {
        let src = std::fs::read_to_string(path).expect("read");
        let name = path.file_stem().expect("stem").to_string_lossy().into_owned();
        if LuaActor::load(&name, &src, 4, 1).is_err() {
            continue; // refused at load: it never gets a seat (tests/sandbox.rs covers the message)
        }
        seated += 1;
        let t = Instant::now();
        let (score, faults, hostile_faults, traded) = play(Some((&name, &src)));
        assert!(t.elapsed() < Duration::from_secs(60), "{name}: the match took {:?}", t.elapsed());
        assert_eq!(faults, 0, "{name}: the good strategy faulted");
        assert!(hostile_faults > 0, "{name}: the hostile strategy never faulted");
        if !traded {
            compared += 1;
            assert_eq!(score, alone, "{name}: the good strategy's score changed");
        }
    }
    assert!(seated >= 30, "only {seated} hostile files could be seated");
    eprintln!("{seated} corpus files seated; {compared} never traded and left the score unchanged");
}
