//! Map fixtures: every invalid map under `tests/maps/invalid/` gives exactly the message
//! in its `.expected` file, and every built-in map parses, builds and runs with the
//! conservation laws intact.
//!
//! To (re)write the expectations after a deliberate change of wording, run
//! `DTAO_BLESS=1 cargo test --test maps` and review the diff of the `.expected` files.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use dtao_arena::engine::init::{EventKind, NpcInit};
use dtao_arena::engine::math::to_f64;
use dtao_arena::engine::{Mechanism, World};
use dtao_arena::scenario::{self, Map};

fn invalid_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/maps/invalid")
}

/// Names (without extension) of the files with the given extension.
fn stems(dir: &Path, ext: &str) -> BTreeSet<String> {
    fs::read_dir(dir)
        .expect("tests/maps/invalid exists")
        .map(|e| e.expect("readable directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .map(|p| p.file_stem().and_then(|s| s.to_str()).expect("UTF-8 file name").to_string())
        .collect()
}

#[test]
fn every_invalid_map_gives_exactly_its_expected_message() {
    let dir = invalid_dir();
    let bless = std::env::var_os("DTAO_BLESS").is_some();
    let maps = stems(&dir, "toml");
    let expected = stems(&dir, "expected");
    assert!(maps.len() >= 18, "only {} invalid maps", maps.len());
    let orphans: Vec<&String> = expected.difference(&maps).collect();
    assert!(orphans.is_empty(), ".expected files without a map: {orphans:?}");

    let mut failures = Vec::new();
    for name in &maps {
        let origin = format!("tests/maps/invalid/{name}.toml");
        let source = fs::read_to_string(dir.join(format!("{name}.toml"))).expect("readable map");
        let message = match scenario::parse(&source, &origin) {
            Ok(_) => {
                failures.push(format!("{origin}: parsed, but it is in the invalid corpus"));
                continue;
            }
            Err(e) => {
                if !name.starts_with("several-") && e.problems.len() != 1 {
                    failures.push(format!("{origin}: should have exactly one problem, got:\n{e}"));
                }
                if name.starts_with("several-") && e.problems.len() < 5 {
                    failures.push(format!("{origin}: should have several problems, got:\n{e}"));
                }
                format!("{e}\n")
            }
        };
        let path = dir.join(format!("{name}.expected"));
        if bless {
            fs::write(&path, &message).expect("write .expected");
            continue;
        }
        match fs::read_to_string(&path) {
            Ok(want) if want == message => {}
            Ok(want) => failures.push(format!("{origin}: message differs\n--- expected\n{want}--- got\n{message}")),
            Err(_) => failures
                .push(format!("{origin}: no {name}.expected (run with DTAO_BLESS=1 to write it)\n--- got\n{message}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn load_reads_a_path_and_names_it_in_messages() {
    let path = invalid_dir().join("zero-blocks.toml");
    let path = path.to_str().expect("UTF-8 path");
    let e = scenario::load(path).expect_err("invalid");
    assert_eq!(e.problems.len(), 1);
    assert!(e.problems[0].starts_with(&format!("{path}:2: blocks: ")), "{e}");
}

#[test]
fn load_reports_a_missing_file_with_the_builtin_names() {
    let e = scenario::load("maps/does-not-exist.toml").expect_err("missing");
    assert_eq!(
        e.to_string(),
        "maps/does-not-exist.toml: no built-in map has this name and there is no file at this path; use a built-in map (dtao-launch, tutorial, sn28-meme, one-year-later, btc-revenue, transition, regimes) or the path of a map file"
    );
}

fn run(map: &Map, blocks: u64) -> World {
    let mut w = map.build(None).unwrap_or_else(|e| panic!("{}: {e}", map.name()));
    w.check_invariants().unwrap_or_else(|e| panic!("{} at block 0: {e}", map.name()));
    w.run_until(blocks).unwrap_or_else(|e| panic!("{}: {e}", map.name()));
    w.check_invariants().unwrap_or_else(|e| panic!("{} at block {blocks}: {e}", map.name()));
    w
}

#[test]
fn every_builtin_map_parses_and_its_source_round_trips() {
    for b in scenario::builtins() {
        let m = scenario::load(b.name).unwrap_or_else(|e| panic!("{}:\n{e}", b.name));
        assert_eq!(m.name(), b.name, "a built-in map's name is its file name");
        assert_eq!(m.source, b.source);
        let again = scenario::parse(&m.source, "copy").expect("the embedded source parses again");
        assert_eq!(again.init.subnets.len(), m.init.subnets.len());
        let w = m.build(None).expect("builds");
        assert!(w.check_invariants().is_ok());
        assert!(m.init.events.iter().all(|e| e.block < m.blocks), "{}: an event after the end", b.name);
    }
}

#[test]
fn the_tutorial_runs_to_the_end() {
    let m = scenario::load("tutorial").expect("tutorial");
    assert!((4..=6).contains(&m.init.subnets.len()));
    assert!(m.init.subnets.iter().any(|s| s.mechanism == Mechanism::Holder));
    assert!(m.init.params.start_call_delay < 50_400);
    assert!(!m.objectives.is_empty() && m.teacher_note.is_some());
    let w = run(&m, m.blocks);
    assert_eq!(w.block, m.blocks);
}

#[test]
fn dtao_launch_looks_like_february_2025() {
    let m = scenario::load(scenario::DEFAULT_MAP).expect("dtao-launch");
    assert_eq!(m.name(), "dtao-launch");
    assert_eq!(m.blocks, 50_400);
    let subnets = &m.init.subnets;
    assert!(subnets.len() >= 60, "{} subnets", subnets.len());
    assert!(subnets.iter().any(|s| s.mechanism == Mechanism::Holder));
    assert!(subnets.iter().any(|s| s.mechanism == Mechanism::Revenue && s.revenue.is_some()));
    assert!(subnets.iter().any(|s| s.netuid == 28 && s.mechanism == Mechanism::Holder));
    let sum_m: f64 = subnets.iter().map(|s| to_f64(s.moving_price)).sum();
    assert!((0.95..=1.05).contains(&sum_m), "sum of moving prices {sum_m}");
    let npcs = &m.init.npcs;
    assert!(npcs.iter().filter(|n| matches!(n, NpcInit::Retail(_))).count() >= 2, "retail crowds");
    assert!(npcs.iter().any(|n| matches!(n, NpcInit::Foundation(_))), "the foundation");
    assert!(npcs.iter().any(|n| matches!(n, NpcInit::Team(_))), "a team");

    let w = m.build(None).expect("builds");
    assert!(w.subnets().all(|s| s.is_emitting(0)), "every launch subnet emits from block 0");
    let root_prop = w.average_root_prop();
    assert!(root_prop > 0.8, "average root_prop at block 0 is {root_prop}");
}

#[test]
fn dtao_launch_runs_and_sn28_pumps_on_hype() {
    let m = scenario::load("dtao-launch").expect("dtao-launch");
    let hype_block = m
        .init
        .events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::Hype { netuid: 28, amount, .. } if *amount > 0 => Some(e.block),
            _ => None,
        })
        .expect("a hype shock on SN28");
    let mut w = run(&m, hype_block);
    let price = |w: &World, n| to_f64(w.subnet(n).expect("subnet").price());
    let before = price(&w, 28);
    let others_before: Vec<f64> = w.subnets().map(|s| to_f64(s.price())).collect();
    w.run_until(hype_block + 3_000).expect("runs");
    w.check_invariants().expect("invariants after the hype");
    let after = price(&w, 28);
    assert!(after > 2.0 * before, "SN28 did not pump: {before} -> {after}");
    let others_after: Vec<f64> = w.subnets().map(|s| to_f64(s.price())).collect();
    let moved = others_before.iter().zip(&others_after).filter(|(a, b)| (*a - *b).abs() > 1e-9).count();
    assert!(moved > 50, "only {moved} subnet prices moved");
}

/// A narration that names a day names the day the game's header shows at its block
/// (block 7,200 is day 2).
#[test]
fn narrations_name_the_day_of_their_block() {
    let mut wrong = Vec::new();
    for b in dtao_arena::scenario::builtins() {
        let mut block = None;
        for line in b.source.lines() {
            let l = line.trim();
            if let Some(v) = l.strip_prefix("block = ").or_else(|| l.strip_prefix("block=")) {
                block = v.split_whitespace().next().and_then(|v| v.parse::<u64>().ok());
            }
            let Some(rest) = l.split("narrate = \"Day ").nth(1) else { continue };
            let day: u64 = rest.chars().take_while(char::is_ascii_digit).collect::<String>().parse().unwrap_or(0);
            if let Some(b0) = block {
                if day != b0 / 7_200 + 1 {
                    wrong.push(format!("{}: block {b0} says day {day}, the header day {}", b.name, b0 / 7_200 + 1));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}
