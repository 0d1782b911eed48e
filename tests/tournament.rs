//! Tournaments are reproducible to the byte: the same tournament twice, and with
//! different `--jobs`, writes identical leaderboard and match files.

use std::path::Path;
use std::process::Command;

fn tournament(out: &Path, jobs: &str) {
    let o = Command::new(env!("CARGO_BIN_EXE_dtao-arena"))
        .args([
            "tournament",
            "--strategies",
            "tests/lua/good",
            "--maps",
            "tutorial",
            "--matches",
            "6",
            "--blocks",
            "2000",
        ])
        .args(["--seed", "5", "--jobs", jobs, "--out"])
        .arg(out)
        .output()
        .expect("run binary");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let board = String::from_utf8_lossy(&o.stdout);
    assert!(board.contains("cheapest") && board.contains("random_walk"), "{board}");
}

#[test]
fn same_files_for_any_jobs_and_any_run() {
    let dir = tempfile::tempdir().expect("tmp");
    let (a, b, c) = (dir.path().join("a"), dir.path().join("b"), dir.path().join("c"));
    tournament(&a, "1");
    tournament(&b, "1");
    tournament(&c, "8");
    for f in ["leaderboard.csv", "leaderboard.json", "matches.csv", "by_map.csv"] {
        let x = std::fs::read(a.join(f)).expect("file");
        assert_eq!(x, std::fs::read(b.join(f)).expect("file"), "{f} differs between runs");
        assert_eq!(x, std::fs::read(c.join(f)).expect("file"), "{f} differs between --jobs 1 and 8");
    }
    let matches = std::fs::read_to_string(a.join("matches.csv")).expect("matches");
    assert!(
        matches.starts_with("match,map,seed,strategy,score_tao,roi,rank,faults,forfeited,seat,blocks,state_hash\n")
    );
    assert_eq!(matches.lines().count(), 1 + 6 * 2);
    // A match is played again by sim with its strategies in seat order, to the same hash.
    let rows: Vec<Vec<&str>> = matches.lines().skip(1).map(|l| l.split(',').collect()).collect();
    let mut third: Vec<&Vec<&str>> = rows.iter().filter(|r| r[0] == "3").collect();
    third.sort_by_key(|r| r[9].parse::<usize>().expect("a seat"));
    assert_eq!(third.len(), 2);
    assert_ne!(third[0][3], "cheapest", "seats rotate: match 3 does not seat the first strategy first");
    let mut sim = Command::new(env!("CARGO_BIN_EXE_dtao-arena"));
    sim.args(["sim", "--map", third[0][1], "--seed", third[0][2], "--blocks", third[0][10], "--json"]);
    for r in &third {
        sim.args(["--bot", &format!("tests/lua/good/{}.lua", r[3])]);
    }
    let o = sim.output().expect("run binary");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(report["state_hash"], third[0][11], "sim did not replay match 3");
    // With one map, its table is the leaderboard with the map's name in front.
    let board = std::fs::read_to_string(a.join("leaderboard.csv")).expect("leaderboard");
    let by_map = std::fs::read_to_string(a.join("by_map.csv")).expect("by_map");
    let expected: Vec<String> = board
        .lines()
        .enumerate()
        .map(|(i, l)| if i == 0 { format!("map,{l}") } else { format!("tutorial,{l}") })
        .collect();
    assert_eq!(by_map.lines().collect::<Vec<_>>(), expected);
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(a.join("leaderboard.json")).expect("json")).expect("parse");
    for k in ["strategy", "matches", "mean_roi", "median_roi", "ci95_low", "ci95_high", "win_rate", "faults"] {
        assert!(json[0].get(k).is_some(), "leaderboard.json lacks {k}");
    }
}

#[test]
fn several_maps_are_also_ranked_one_by_one() {
    let dir = tempfile::tempdir().expect("tmp");
    let o = Command::new(env!("CARGO_BIN_EXE_dtao-arena"))
        .args(["tournament", "--strategies", "tests/lua/good", "--maps", "tutorial,dtao-launch"])
        .args(["--matches", "5", "--blocks", "400", "--jobs", "2", "--out"])
        .arg(dir.path())
        .output()
        .expect("run binary");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let screen = String::from_utf8_lossy(&o.stdout);
    assert!(
        screen.starts_with("5 matches x 2 strategies on tutorial, dtao-launch | 400 blocks a match | seed 1\n"),
        "{screen}"
    );
    let at = screen.find("by map: mean ROI (win rate)").unwrap_or_else(|| panic!("no table by map:\n{screen}"));
    let head = screen[at..].lines().nth(1).expect("the table's head");
    assert!(head.contains("tutorial") && head.contains("dtao-launch"), "{head}");
    assert_eq!(screen[at..].lines().count(), 2 + 2, "one line per strategy:\n{screen}");
    let by_map = std::fs::read_to_string(dir.path().join("by_map.csv")).expect("by_map");
    let rows: Vec<Vec<&str>> = by_map.lines().skip(1).map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 2 * 2, "{by_map}");
    // Matches alternate between the maps: 3 on the first, 2 on the second.
    for r in &rows {
        let expected = if r[0] == "tutorial" { "3" } else { "2" };
        assert_eq!(r[3], expected, "{by_map}");
    }
    // Each map's ranks and wins come from its own matches.
    let matches = std::fs::read_to_string(dir.path().join("matches.csv")).expect("matches");
    for r in &rows {
        let wins = matches
            .lines()
            .skip(1)
            .map(|l| l.split(',').collect::<Vec<_>>())
            .filter(|m| m[1] == r[0] && m[3] == r[2] && m[6] == "1")
            .count();
        let played: f64 = r[3].parse().expect("matches");
        let rate: f64 = r[8].parse().expect("win rate");
        assert!((rate - wins as f64 / played).abs() < 1e-9, "{r:?} against {wins} wins");
    }
}

/// A strategy given twice plays as `NAME` and `NAME#2`; its copies are numbered by seat
/// in each match's world, as `sim` numbers the same `--bot` given twice, so every match
/// is played again by `sim` to its state hash, whichever copy sits first.
#[test]
fn a_strategy_given_twice_is_replayed_by_sim_in_every_seating() {
    let dir = tempfile::tempdir().expect("tmp");
    let good = "tests/lua/good";
    let o = Command::new(env!("CARGO_BIN_EXE_dtao-arena"))
        .args(["tournament", "--strategies"])
        .args([format!("{good}/random_walk.lua"), format!("{good}/random_walk.lua"), format!("{good}/cheapest.lua")])
        .args(["--maps", "tutorial", "--matches", "3", "--blocks", "600", "--seed", "4", "--out"])
        .arg(dir.path())
        .output()
        .expect("run binary");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let matches = std::fs::read_to_string(dir.path().join("matches.csv")).expect("matches");
    let rows: Vec<Vec<&str>> = matches.lines().skip(1).map(|l| l.split(',').collect()).collect();
    let mut second_first = false;
    for m in ["0", "1", "2"] {
        let mut seated: Vec<&Vec<&str>> = rows.iter().filter(|r| r[0] == m).collect();
        seated.sort_by_key(|r| r[9].parse::<usize>().expect("a seat"));
        second_first |=
            seated.iter().position(|r| r[3] == "random_walk#2") < seated.iter().position(|r| r[3] == "random_walk");
        let mut sim = Command::new(env!("CARGO_BIN_EXE_dtao-arena"));
        sim.args(["sim", "--map", seated[0][1], "--seed", seated[0][2], "--blocks", seated[0][10], "--json"]);
        for r in &seated {
            sim.args(["--bot", &format!("{good}/{}.lua", r[3].trim_end_matches("#2"))]);
        }
        let o = sim.output().expect("run binary");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let report: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
        assert_eq!(report["state_hash"], seated[0][11], "sim did not replay match {m}");
    }
    assert!(second_first, "no match seated random_walk#2 before random_walk:\n{matches}");
}

#[test]
fn a_map_without_a_match_is_named_and_left_blank() {
    let dir = tempfile::tempdir().expect("tmp");
    let o = Command::new(env!("CARGO_BIN_EXE_dtao-arena"))
        .args(["tournament", "--strategies", "tests/lua/good", "--maps", "tutorial,dtao-launch"])
        .args(["--matches", "1", "--blocks", "300", "--out"])
        .arg(dir.path())
        .output()
        .expect("run binary");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("note: 1 match for 2 maps, which take the matches in turn: dtao-launch gets no match; give --matches 2 or more"), "{err}");
    assert!(String::from_utf8_lossy(&o.stdout).contains("- (no match)"));
    let by_map = std::fs::read_to_string(dir.path().join("by_map.csv")).expect("by_map");
    let idle: Vec<&str> = by_map.lines().filter(|l| l.starts_with("dtao-launch,")).collect();
    assert_eq!(idle, ["dtao-launch,,cheapest,0,,,,,,0,0", "dtao-launch,,random_walk,0,,,,,,0,0"], "{by_map}");
}

#[test]
fn bad_strategy_paths_exit_2() {
    let o = Command::new(env!("CARGO_BIN_EXE_dtao-arena"))
        .args(["tournament", "--strategies", "no/such/dir"])
        .output()
        .expect("run binary");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no/such/dir"));
}

#[test]
fn every_strategy_that_does_not_load_is_listed_at_once() {
    let d = tempfile::tempdir().expect("tempdir");
    let write = |f: &str, src: &str| std::fs::write(d.path().join(f), src).expect("write");
    write("a.lua", "cadence = 0\nfunction on_tick(w) end\n");
    write("b.lua", "function on_tick(w)\n");
    write("c.lua", "function on_tick(w) end\n");
    let o = Command::new(env!("CARGO_BIN_EXE_dtao-arena"))
        .args(["tournament", "--strategies", ".", "--maps", "tutorial", "--matches", "2"])
        .current_dir(d.path())
        .output()
        .expect("run binary");
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("2 of the 3 strategies do not load (or add --skip-broken to play without them):"), "{err}");
    assert!(err.contains("a.lua:1: cadence must be a whole number of blocks >= 1 (got 0)"), "{err}");
    assert!(err.contains("b.lua:2: 'end' expected"), "{err}");
}
