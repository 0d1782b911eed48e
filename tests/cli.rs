//! The command line as users call it: outputs, exit codes and messages for bad input.

use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dtao-arena")).args(args).output().expect("run binary")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn maps_lists_the_builtins() {
    let o = run(&["maps"]);
    assert!(o.status.success());
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("dtao-launch") && out.contains("tutorial"), "{out}");
}

#[test]
fn maps_show_prints_a_builtin_source_that_checks() {
    let o = run(&["maps", "--show", "Tutorial"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let source = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(source.trim_end(), include_str!("../maps/tutorial.toml").trim_end());
    // What it prints is a map file a teacher can check and change.
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("mine.toml");
    std::fs::write(&file, &source).expect("write");
    let o = run(&["check", file.to_str().expect("utf-8 path")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run(&["maps", "--show", "tutorail"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains(
            "no built-in map 'tutorail'; did you mean 'tutorial'? the built-in maps are: dtao-launch, tutorial"
        ),
        "{}",
        stderr(&o)
    );
}

#[test]
fn sim_tells_a_lessons_story_and_objectives() {
    let o = run(&["sim", "--map", "tutorial", "--seed", "7"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("story (the map's narration, launches and dissolutions):"), "{out}");
    assert!(out.contains("  block         0  Welcome to dTAO."), "{out}");
    assert!(out.contains("objectives:"), "{out}");
    assert!(
        out.contains("  ?  Stake TAO into a subnet pool")
            && out.contains("play it with `dtao-arena play --map tutorial`)"),
        "{out}"
    );
    // (A map with objectives is played as a lesson without --lesson.)
    assert!(out.contains("  -  Find which subnet gets the most emission"), "{out}");
    assert!(
        out.contains("  ✓  Watch a hyped memecoin pump, and decide when to get out: reached after 3,050 blocks"),
        "{out}"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    // A teacher's renamed copy: the hint plays the file, not the built-in of that name.
    let copy = dir.path().join("my lesson.toml");
    let source = include_str!("../maps/tutorial.toml").replace("name = \"tutorial\"", "name = \"My lesson\"");
    std::fs::write(&copy, source).expect("write");
    let arg = copy.to_str().expect("utf-8 path");
    let o = run(&["sim", "--map", arg, "--blocks", "100"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains(&format!("play --map '{arg}'`)")), "{out}");
    // A map without narration or objectives has neither section.
    let file = dir.path().join("plain.toml");
    std::fs::write(&file, "name = \"plain\"\nblocks = 100\n\n[[subnet]]\nnetuid = 1\ntao = 100.0\nalpha_in = 1000.0\n")
        .expect("write");
    let o = run(&["sim", "--map", file.to_str().expect("utf-8 path")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(!out.contains("story (") && !out.contains("objectives:"), "{out}");
}

#[test]
fn sim_json_has_the_promised_keys() {
    let o = run(&["sim", "--map", "tutorial", "--blocks", "400", "--seed", "3", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    for k in ["map", "seed", "block", "state_hash", "total_issuance_rao", "subnets", "accounts"] {
        assert!(v.get(k).is_some(), "missing {k}");
    }
    assert_eq!(v["block"], 400);
    assert_eq!(v["seed"], 3);
    // Provenance: the program, the map's exact source, and the clock at both ends (400
    // blocks of 12 s from the tutorial's start).
    assert_eq!(v["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(v["start_date"], "2025-02-13T00:00:00Z");
    assert_eq!(v["date"], "2025-02-13T01:20:00Z");
    let map = run(&["maps", "--show", "tutorial"]);
    let hash = blake3::hash(&map.stdout).to_hex().to_string();
    assert_eq!(v["map_source_hash"], hash.as_str(), "the hash of the source `maps --show` prints");
    let s = &v["subnets"][0];
    for k in [
        "netuid",
        "name",
        "mechanism",
        "tao_rao",
        "alpha_in_rao",
        "alpha_out_rao",
        "price",
        "moving_price",
        "emission_share",
        "root_prop",
    ] {
        assert!(s.get(k).is_some(), "subnet missing {k}");
    }
    let a = &v["accounts"][0];
    for k in ["name", "kind", "free_rao", "root_stake_rao", "alpha_rao", "score_rao", "faults"] {
        assert!(a.get(k).is_some(), "account missing {k}");
    }
}

#[test]
fn sim_json_carries_a_lessons_story_and_objectives() {
    let o = run(&["sim", "--map", "tutorial", "--seed", "7", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let story = v["lesson"]["story"].as_array().expect("a story");
    assert_eq!(story[0]["block"], 0);
    assert!(story[0]["text"].as_str().is_some_and(|t| t.starts_with("Welcome to dTAO.")), "{}", story[0]);
    let objectives = v["lesson"]["objectives"].as_array().expect("objectives");
    let statuses: Vec<&str> = objectives.iter().map(|o| o["status"].as_str().expect("a status")).collect();
    assert_eq!(statuses, ["about_the_player", "prompt", "prompt", "reached"]);
    // The same count as the summary's "reached after N blocks".
    let text = run(&["sim", "--map", "tutorial", "--seed", "7"]);
    let reached = objectives[3]["reached_at_block"].as_u64().expect("a block");
    let line = format!("reached after {} blocks", dtao_arena::tui::format::int(reached));
    assert!(String::from_utf8_lossy(&text.stdout).contains(&line), "no '{line}' in the summary");
    // A goal about the player: no block, and the humans who reached it (a sim has none).
    assert!(objectives[0]["reached_at_block"].is_null(), "{}", objectives[0]);
    assert_eq!(objectives[0]["reached_by"], serde_json::json!({}), "{}", objectives[0]);
    assert!(objectives[1..].iter().all(|o| o.get("reached_by").is_none()), "{objectives:?}");
    // A map without narration or objectives has no lesson key.
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("plain.toml");
    std::fs::write(&file, "name = \"plain\"\nblocks = 100\n\n[[subnet]]\nnetuid = 1\ntao = 100.0\nalpha_in = 1000.0\n")
        .expect("write");
    let o = run(&["sim", "--map", file.to_str().expect("utf-8 path"), "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert!(v.get("lesson").is_none(), "{v}");
}

#[test]
fn sim_summary_and_trace_files() {
    let dir = tempfile::tempdir().expect("tmp");
    let trace = dir.path().join("run.csv");
    let o = run(&[
        "sim",
        "--map",
        "tutorial",
        "--blocks",
        "730",
        "--trace",
        trace.to_str().expect("path"),
        "--every",
        "360",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let summary = String::from_utf8_lossy(&o.stdout);
    assert!(summary.contains("tutorial | seed"));
    // Amounts group their thousands, as the game's screens do.
    assert!(summary.contains("issuance 8,20") && summary.contains(" TAO | root stake 1,"), "{summary}");
    let foundation = summary.lines().find(|l| l.starts_with("foundation ")).expect("the foundation's row");
    assert!(foundation.contains("1,000.000"), "{foundation}");
    let text = std::fs::read_to_string(&trace).expect("trace");
    let header = text.lines().next().expect("header");
    assert!(header.starts_with("block,netuid,name,price,moving_price,emission_share,root_prop,tao_rao,alpha_in_rao,alpha_out_rao,controller"), "{header}");
    // Blocks 0, 360, 720 and the last block (730), one row per subnet each.
    let blocks: std::collections::BTreeSet<&str> = text.lines().skip(1).filter_map(|l| l.split(',').next()).collect();
    assert_eq!(blocks.into_iter().collect::<Vec<_>>(), vec!["0", "360", "720", "730"]);
    // Prices carry every digit: the last row agrees with the JSON report's f64 exactly.
    let o = run(&["sim", "--map", "tutorial", "--blocks", "730", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let json = v["subnets"].as_array().expect("subnets").iter().find(|s| s["netuid"] == 9).expect("SN9");
    let row = text.lines().find(|l| l.starts_with("730,9,")).expect("SN9's last row");
    let fields: Vec<&str> = row.split(',').collect();
    for (k, key) in [(3, "price"), (4, "moving_price"), (6, "root_prop")] {
        let traced: f64 = fields[k].parse().expect("a number");
        assert_eq!(Some(traced), json[key].as_f64(), "{key}: {row}");
    }
    let accounts = std::fs::read_to_string(dir.path().join("run.accounts.csv")).expect("accounts trace");
    assert!(accounts.starts_with("block,name,kind,free_rao,root_stake_rao,score_rao,roi,faults\n"), "{accounts}");
    // A subnet team started with nothing: its ROI is empty, not 0.
    let team = accounts.lines().find(|l| l.starts_with("0,apex-team,")).expect("the team's row");
    assert!(team.ends_with(",,0"), "{team}");
    let players = accounts.lines().filter(|l| l.starts_with("0,") && l.contains(",npc,")).count();
    assert!(players > 0);
    let o = run(&["sim", "--map", "tutorial", "--blocks", "10", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let team = v["accounts"].as_array().expect("accounts").iter().find(|a| a["name"] == "apex-team").expect("the team");
    assert!(team["start_rao"] == 0 && team["roi"].is_null(), "{team}");
}

#[test]
fn bad_input_exits_2_with_a_message() {
    let cases: &[(&[&str], &str)] = &[
        (&["sim", "--map", "atlantis"], "atlantis"),
        (&["sim", "--map", "tutorial", "--blocks", "0"], "from 1 to 100000000"),
        (&["sim", "--map", "tutorial", "--blocks", "-5"], "--blocks"),
        (&["sim", "--map", "tutorial", "--seed", "abc"], "--seed"),
        (&["sim", "--map", "tutorial", "--every", "0"], "--every"),
        (&["sim", "--map", "tutorial", "--trace", "t.csv", "--every", "0"], "blocks of at least 1 between two samples"),
        (&["play", "--speed", "0"], "give blocks a second from 1 to 7200"),
        (&["play", "--speed", "9000"], "give blocks a second from 1 to 7200"),
        (&["play", "--slippage-warn", "-5"], "give a percentage of 0 or more, such as 2"),
        (&["play", "--slippage-warn", "abc"], "'abc' for '--slippage-warn <PCT>': give a percentage of 0 or more"),
        (&["sim", "--map", "tutorial", "--bot", "maps/tutorial.toml"], "this is a map (TOML), not a strategy"),
        (&["sim", "--map", "strategies/momentum.lua"], "looks like a Lua strategy, not a map: a strategy is a .lua"),
        (&["replay", "Cargo.toml"], "give a .dtrec file that play, serve"),
        (&["serve", "--map", "tutorial", "--speed", "0"], "give blocks a second from 1 to 7200"),
        (&["tournament", "--strategies", "momentum", "--jobs", "0"], "worker threads from 1 to 256"),
        (
            &["sim", "--map", "tutorial", "--blocks", "10", "--trace", "/nonexistent-dir/x.csv"],
            "'/nonexistent-dir/x.csv': the folder '/nonexistent-dir' does not exist",
        ),
        (
            &["sim", "--map", "tutorial", "--blocks", "10", "--trace", "Cargo.toml/x.csv"],
            "'Cargo.toml/x.csv' is inside 'Cargo.toml', which is a file, not a folder",
        ),
        (
            &["tournament", "--strategies", "momentum", "--maps", "tutorial,maps/tutorial.toml"],
            "are both named 'tutorial'",
        ),
        (&["sim", "--frobnicate"], "--frobnicate"),
        (&["sim", "--map", "", "--blocks", "10"], "the map is empty: give a built-in map's name (dtao-launch, "),
        (
            &["sim", "--map", "tutorial", "--blocks", "10", "--trace", "-"],
            "--trace '-': this option writes a file, not",
        ),
        (
            &["sim", "--map", "tests/records/v1/tutorial-1500.dtrec"],
            "this is a recording (.dtrec), not a map: watch it with `dtao-arena replay tests/records/v1/",
        ),
        // A first run's slips: a game's flag without `play`, a map or a strategy without
        // its flag.
        (&["--map", "tutorial"], "tip: the game's options follow 'play': dtao-arena play --map tutorial"),
        (&["play", "tutorial"], "tip: a map is given with --map: dtao-arena play --map tutorial"),
        (&["sim", "momentum"], "tip: a strategy is given with --bot: dtao-arena sim --bot momentum"),
        (&["nonsense"], "nonsense"),
        (&["check", "tests/maps/invalid/negative-tao.toml"], "negative-tao.toml:"),
        (&["check", "does/not/exist.toml"], "does/not/exist.toml"),
    ];
    for (args, needle) in cases {
        let o = run(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(needle), "{args:?}: {}", stderr(&o));
        assert!(!stderr(&o).contains("panicked"), "{args:?}");
    }
}

#[test]
fn check_accepts_a_good_map() {
    let o = run(&["check", "maps/tutorial.toml"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("ok: map 'tutorial'"));
}

#[test]
fn help_has_examples() {
    let o = run(&["--help"]);
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).contains("Examples:"));
}

/// Runs the binary in `dir`.
fn run_in(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dtao-arena")).args(args).current_dir(dir).output().expect("run binary")
}

/// The binary run with `args`, its data folder (saves) in `data` and no input.
fn run_with_data(data: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dtao-arena"))
        .args(args)
        .current_dir(data)
        .env("DTAO_ARENA_DATA", data)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run binary")
}

fn refused(o: &Output, needle: &str) {
    assert_eq!(o.status.code(), Some(2), "{}", stderr(o));
    assert!(stderr(o).contains(needle), "wanted '{needle}' in: {}", stderr(o));
    assert!(!stderr(o).contains("panicked"), "{}", stderr(o));
}

#[test]
fn outputs_are_checked_before_the_run_and_never_replace_an_input() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let map = std::fs::read_to_string("maps/tutorial.toml").expect("map");
    std::fs::write(d.join("my.toml"), &map).expect("write");
    std::fs::write(d.join("bot.lua"), "function on_tick(w) end\n").expect("write");
    // An output that is one of the inputs.
    refused(&run_in(d, &["sim", "--map", "my.toml", "--blocks", "30", "--trace", "my.toml"]), "same file as the input");
    refused(
        &run_in(d, &["sim", "--map", "tutorial", "--bot", "bot.lua", "--trace", "./bot.lua"]),
        "same file as the input",
    );
    let sweep =
        ["sweep", "--map", "my.toml", "--param", "tempo", "--values", "5", "--blocks", "30", "--out", "my.toml"];
    refused(&run_in(d, &sweep), "same file as the input");
    assert_eq!(std::fs::read_to_string(d.join("my.toml")).expect("map"), map, "the map is untouched");
    // Two outputs naming one file.
    refused(&run_in(d, &["sim", "--map", "tutorial", "--trace", "same", "--record", "same"]), "both name 'same'");
    // An output that cannot be written fails before anything is written.
    std::fs::create_dir(d.join("a.accounts.csv")).expect("mkdir");
    std::fs::write(d.join("a.csv"), "OLD").expect("write");
    refused(&run_in(d, &["sim", "--map", "tutorial", "--blocks", "30", "--trace", "a.csv"]), "is a folder");
    assert_eq!(std::fs::read_to_string(d.join("a.csv")).expect("old"), "OLD");
    let o = run_in(d, &["sim", "--map", "tutorial", "--blocks", "30", "--trace", "b.csv", "--record", "no/r.dtrec"]);
    refused(&o, "the folder 'no' does not exist");
    assert!(!d.join("b.csv").exists(), "no trace written by a run that was refused");
    std::fs::create_dir(d.join("r.dtrec.bak")).expect("mkdir");
    refused(&run_in(d, &["sim", "--map", "tutorial", "--record", "r.dtrec"]), "r.dtrec.bak");
    // Tournaments: --out is a folder; the check comes before the matches.
    std::fs::write(d.join("FILE"), "").expect("write");
    refused(
        &run_in(d, &["tournament", "--strategies", "momentum", "--maps", "tutorial", "--out", "FILE"]),
        "is a file; --out takes a folder",
    );
    refused(
        &run_in(d, &["tournament", "--strategies", "momentum", "--maps", "tutorial", "--out", "/dev/null"]),
        "'/dev/null' is not a folder (a device, a pipe or a socket)",
    );
    std::fs::create_dir_all(d.join("out/leaderboard.json")).expect("mkdir");
    let t = ["tournament", "--strategies", "momentum", "--maps", "tutorial", "--matches", "1", "--out", "out"];
    refused(
        &run_in(d, &t),
        "--out 'out/leaderboard.json' is a folder; move that folder away, or give --out another name",
    );
    assert!(!d.join("out/matches.csv").exists(), "nothing written by a refused tournament");
    // The workshop server's replay, before it starts listening.
    refused(&run_in(d, &["serve", "--map", "tutorial", "--port", "0", "--record", "."]), "is a folder");
}

/// Makes a FIFO with `mkfifo`, or says why the test is skipped.
#[cfg(unix)]
fn mkfifo(path: &std::path::Path) -> bool {
    let ok = Command::new("mkfifo").arg(path).status().is_ok_and(|s| s.success());
    if !ok {
        eprintln!("skipped: mkfifo is missing");
    }
    ok
}

/// Finding: `--record /dev/null` replaced /dev/null by a regular file. Private FIFOs,
/// devices and links in a temporary folder stand in for /dev (never touched here).
#[cfg(unix)]
#[test]
fn outputs_that_are_devices_pipes_or_links_to_them_are_refused_and_kept() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    if !mkfifo(&d.join("pipe")) {
        return;
    }
    std::os::unix::fs::symlink("pipe", d.join("to-pipe")).expect("symlink");
    std::os::unix::fs::symlink("/proc/self/fd/1", d.join("fake_stdout")).expect("symlink");
    std::fs::create_dir(d.join("out")).expect("mkdir");
    let sim = |flag: &str, path: &str| run_in(d, &["sim", "--map", "tutorial", "--blocks", "5", flag, path]);
    for flag in ["--record", "--trace"] {
        refused(&sim(flag, "pipe"), &format!("{flag} 'pipe' is not a regular file"));
        refused(&sim(flag, "to-pipe"), &format!("{flag} 'to-pipe' is not a regular file"));
        // Whatever stdout is (a terminal, a pipe, a file), it is not replaced.
        refused(&sim(flag, "fake_stdout"), &format!("{flag} 'fake_stdout' is a link to a process's open file"));
    }
    refused(
        &run_in(
            d,
            &["sweep", "--map", "tutorial", "--param", "tempo", "--values", "5", "--blocks", "5", "--out", "pipe"],
        ),
        "--out 'pipe' is not a regular file",
    );
    std::os::unix::fs::symlink("../pipe", d.join("out/matches.csv")).expect("symlink");
    refused(
        &run_in(d, &["tournament", "--strategies", "momentum", "--maps", "tutorial", "--matches", "1", "--out", "out"]),
        "matches.csv' is not a regular file",
    );
    refused(&run_in(d, &["serve", "--map", "tutorial", "--port", "0", "--record", "to-pipe"]), "is not a regular file");
    let kind = |name: &str| std::fs::symlink_metadata(d.join(name)).expect("still there").file_type();
    assert!(kind("pipe").is_fifo(), "the FIFO is still a FIFO");
    assert!(kind("to-pipe").is_symlink() && kind("fake_stdout").is_symlink(), "the links are still links");
    assert!(!d.join("fake_stdout.accounts.csv").exists() && !d.join("pipe.accounts.csv").exists());
    // A private copy of the null device, where this user may make one.
    let made = Command::new("mknod")
        .args([d.join("fake_null").as_os_str(), "c".as_ref(), "1".as_ref(), "3".as_ref()])
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if made {
        refused(&sim("--record", "fake_null"), "--record 'fake_null' is not a regular file");
        assert!(kind("fake_null").is_char_device(), "the device is still a device");
    }
}

/// A link to a regular file is followed: the target gets the new contents (and its
/// backup), the link stays a link.
#[cfg(unix)]
#[test]
fn an_output_that_links_to_a_file_writes_the_target() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    std::fs::create_dir(d.join("runs")).expect("mkdir");
    std::fs::write(d.join("runs/run42.csv"), "OLD").expect("write");
    std::os::unix::fs::symlink("runs/run42.csv", d.join("latest.csv")).expect("symlink");
    std::os::unix::fs::symlink("runs/run42.dtrec", d.join("latest.dtrec")).expect("symlink");
    std::fs::write(d.join("runs/run42.dtrec"), "OLD").expect("write");
    let o =
        run_in(d, &["sim", "--map", "tutorial", "--blocks", "5", "--trace", "latest.csv", "--record", "latest.dtrec"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(std::fs::symlink_metadata(d.join("latest.csv")).expect("link").file_type().is_symlink());
    assert!(std::fs::read_to_string(d.join("runs/run42.csv")).expect("target").starts_with("block,"));
    assert_eq!(std::fs::read_to_string(d.join("runs/run42.dtrec.bak")).expect("backup"), "OLD");
    // Every output keeps the file it replaces: a trace over notes loses nothing.
    assert_eq!(std::fs::read_to_string(d.join("runs/run42.csv.bak")).expect("backup"), "OLD");
    let o = run_in(d, &["replay", "latest.dtrec", "--verify"]);
    assert!(o.status.success(), "{}", stderr(&o));
    // A link to an input is that input.
    std::fs::write(d.join("my.toml"), std::fs::read_to_string("maps/tutorial.toml").expect("map")).expect("write");
    std::os::unix::fs::symlink("my.toml", d.join("alias.csv")).expect("symlink");
    refused(&run_in(d, &["sim", "--map", "my.toml", "--trace", "alias.csv"]), "same file as the input");
    // A dangling link says where it points.
    std::os::unix::fs::symlink("gone/x.csv", d.join("dangling.csv")).expect("symlink");
    refused(&run_in(d, &["sim", "--map", "tutorial", "--trace", "dangling.csv"]), "symbolic link to 'gone/x.csv'");
}

#[test]
fn numbers_out_of_range_are_refused_by_every_command() {
    let cases: &[(&[&str], &str)] = &[
        (&["sim", "--map", "tutorial", "--blocks", "100000001"], "from 1 to 100000000"),
        (&["sim", "--map", "tutorial", "--blocks", "18446744073709551615"], "from 1 to 100000000"),
        (&["tournament", "--strategies", "momentum", "--blocks", "100000001"], "from 1 to 100000000"),
        (&["tournament", "--strategies", "momentum", "--matches", "-1"], "--matches"),
        (&["sweep", "--map", "tutorial", "--param", "tempo", "--values", "5", "--blocks", "0"], "from 1 to 100000000"),
        (&["sweep", "--map", "tutorial", "--param", "tempo", "--values", "5", "--seeds", "-1"], "--seeds"),
        (
            &["sweep", "--map", "tutorial", "--param", "subnet_limit", "--values", "1"],
            "does not fit the map 'tutorial'",
        ),
        (&["serve", "--map", "tutorial", "--blocks", "0"], "from 1 to 100000000"),
        (&["serve", "--map", "tutorial", "--max-players", "0"], "--max-players"),
        (&["serve", "--map", "tutorial", "--bot-deadline-ms", "0"], "--bot-deadline-ms"),
        (&["serve", "--map", "tutorial", "--port", "-1"], "--port"),
        (&["serve", "--map", "tutorial", "--bind", "localhost"], "is not an IP address"),
    ];
    for (args, needle) in cases {
        let o = run(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(needle), "{args:?}: {}", stderr(&o));
    }
}

#[test]
fn join_checks_the_address_and_the_strategy_before_connecting() {
    for addr in ["127.0.0.1", "127.0.0.1:99999", "127.0.0.1:abc", ":7447", ""] {
        refused(&run(&["join", addr, "--code", "K7M2QX", "--bot", "momentum"]), "is not HOST:PORT");
    }
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("broken.lua"), "function on_tick(w) x( end\n").expect("write");
    // Port 1 is closed: the strategy's syntax error must be reported, not the connection.
    refused(&run_in(dir.path(), &["join", "127.0.0.1:1", "--code", "K7M2QX", "--bot", "broken.lua"]), "broken");
}

#[test]
fn inputs_that_are_not_files_are_refused_without_reading_them() {
    let dir = tempfile::tempdir().expect("tmp");
    let folder = dir.path().to_str().expect("utf-8");
    refused(&run(&["check", folder]), "is a folder");
    refused(&run(&["sim", "--map", "tutorial", "--bot", folder]), "is a folder");
    refused(&run(&["replay", folder, "--verify"]), "is a folder");
    #[cfg(unix)]
    {
        refused(&run(&["check", "/dev/zero"]), "not a regular file");
        refused(&run(&["sim", "--map", "tutorial", "--bot", "/dev/zero"]), "not a regular file");
        refused(&run(&["replay", "/dev/zero", "--verify"]), "not a regular file");
    }
    refused(&run(&["check", "saves/sn28-meme.dtrec"]), "replay saves/sn28-meme.dtrec --verify");
}

#[test]
fn check_takes_shipped_names_and_any_case_of_lua() {
    let o = run(&["check", "momentum"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("ok: strategy 'momentum'"));
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("LOUD.LUA"), "function on_tick(w) end\n").expect("write");
    let o = run_in(dir.path(), &["check", "LOUD.LUA"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn a_strategys_control_characters_never_reach_the_terminal() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("esc.lua"), "function on_tick(w) dtao.log('\\27[2Jgone\\0') end\n").expect("write");
    let o = run_in(dir.path(), &["check", "esc.lua"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(!out.contains('\u{1b}') && !out.contains('\0'), "{out:?}");
    assert!(out.contains("\\u{1b}[2Jgone\\u{0}"), "{out}");
}

#[test]
fn a_closed_stdout_ends_nothing_early() {
    // `sim --json | head -0`: the reader is gone before the report is printed.
    let mut child = Command::new(env!("CARGO_BIN_EXE_dtao-arena"))
        .args(["sim", "--map", "tutorial", "--blocks", "300", "--json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take());
    let o = child.wait_with_output().expect("wait");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
}

#[test]
fn serve_with_its_input_closed_while_paused_ends_and_writes_its_replay() {
    let dir = tempfile::tempdir().expect("tempdir");
    let started = std::time::Instant::now();
    // `output()` gives the child no standard input: it reads end-of-file at once.
    let o = run_in(
        dir.path(),
        &["serve", "--map", "tutorial", "--port", "0", "--bind", "127.0.0.1", "--record", "r.dtrec"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("standard input closed while the clock is paused"), "{out}");
    assert!(out.contains("replay: dtao-arena replay"), "{out}");
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    let replay = dir.path().join("r.dtrec");
    let v = run(&["replay", replay.to_str().expect("utf-8"), "--verify"]);
    assert!(v.status.success(), "{}", stderr(&v));
}

/// `serve` of the tutorial on a free loopback port in `dir`, with `extra` arguments and
/// every standard stream piped.
fn serve_piped(dir: &std::path::Path, extra: &[&str]) -> std::process::Child {
    use std::process::Stdio;
    Command::new(env!("CARGO_BIN_EXE_dtao-arena"))
        .args(["serve", "--map", "tutorial", "--port", "0", "--bind", "127.0.0.1"])
        .args(extra)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve starts")
}

/// `end`, then standard input closing (a script of host commands): the match ends, and
/// serve does not also say that it runs to its last block.
#[test]
fn serve_ended_by_a_script_says_only_that_it_ends() {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().expect("tempdir");
    let mut child = serve_piped(dir.path(), &["--start"]);
    child.stdin.take().expect("stdin").write_all(b"end\n").expect("the host ends the match");
    let mut out = String::new();
    child.stdout.take().expect("stdout").read_to_string(&mut out).expect("reads");
    let status = child.wait().expect("serve ends");
    assert!(status.success(), "{out}");
    assert!(out.contains("ending the match"), "{out}");
    assert!(!out.contains("runs to its last block"), "{out}");
}

/// A replay that cannot be written at the end (its folder was removed during the class)
/// is a failure, not a success with a log line.
#[test]
fn serve_fails_when_its_replay_is_lost() {
    use std::io::{BufRead, Write};
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("class")).expect("mkdir");
    let mut child = serve_piped(dir.path(), &["--record", "class/r.dtrec"]);
    let mut stdout = std::io::BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    while !line.contains("host commands") {
        line.clear();
        assert!(stdout.read_line(&mut line).expect("reads") > 0, "serve ended before its banner");
    }
    std::fs::remove_dir(dir.path().join("class")).expect("the folder goes");
    child.stdin.take().expect("stdin").write_all(b"end\n").expect("the host ends the match");
    let o = child.wait_with_output().expect("serve ends");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("the replay could not be saved to class/r.dtrec"), "{}", stderr(&o));
}

#[cfg(unix)]
#[test]
fn serve_stopped_by_a_signal_ends_the_match_and_writes_its_replay() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut child = serve_piped(dir.path(), &["--start", "--record", "r.dtrec"]);
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    while !seen.iter().any(|l: &String| l.contains("host commands")) {
        seen.push(rx.recv_timeout(std::time::Duration::from_secs(20)).expect("serve prints its banner"));
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill runs");
    assert!(killed.success());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        assert!(std::time::Instant::now() < deadline, "serve did not stop after SIGTERM");
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    while let Ok(l) = rx.recv_timeout(std::time::Duration::from_secs(2)) {
        seen.push(l);
    }
    let out = seen.join("\n");
    assert!(status.success(), "{status:?}\n{out}");
    assert!(out.contains("stopping") && out.contains("the host ended the match"), "{out}");
    assert!(dir.path().join("r.dtrec").is_file(), "{out}");
}

#[test]
fn a_strategy_file_name_never_reaches_the_terminal_raw() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("ev\u{1b}[2Jil.lua");
    std::fs::write(&file, "function on_tick(w) end\n").expect("write");
    let o = run(&["sim", "--map", "tutorial", "--blocks", "10", "--bot", file.to_str().expect("utf-8")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("ev\\u{1b}[2Jil ") && !out.contains('\u{1b}'), "{out}");
}

#[test]
fn check_reports_a_shipped_strategys_bad_options() {
    let o = run(&["check", "momentum:lookbak=8"]);
    refused(&o, "unknown option 'lookbak' (did you mean 'lookback'?)");
    assert!(stderr(&o).contains("forfeits"), "{}", stderr(&o));
    // It never ran a turn: not "1 fault in 5 turns".
    assert!(stderr(&o).contains("1 fault and forfeited before its first turn"), "{}", stderr(&o));
    // A match refuses it before it starts, quoting the fault (which says that it would
    // forfeit at once, not after "too many faults").
    let o = run(&["sim", "--map", "tutorial", "--blocks", "50", "--bot", "momentum:lookbak=8"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(
            "'lookback'?); the options are entry, exit, lookback, size, slots, stop (in its init; it forfeits the match)"
        ),
        "{}",
        stderr(&o)
    );
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("boom.lua"), "function on_tick(w) error('boom') end\n").expect("write");
    let o = run_in(dir.path(), &["sim", "--map", "tutorial", "--blocks", "2000", "--bot", "boom.lua"]);
    assert!(stderr(&o).contains("boom (turn lost; too many faults: it forfeits the match)"), "{}", stderr(&o));
    // A fault in init loses no turn, and says so.
    std::fs::write(dir.path().join("early.lua"), "function init(cfg) error('early') end\nfunction on_tick(w) end\n")
        .expect("write");
    refused(
        &run_in(dir.path(), &["check", "early.lua"]),
        "early (in its init: its orders are dropped, and it plays on)",
    );
    refused(&run(&["check", "mean_reversion:window=0"]), "unknown option 'window'");
    refused(&run(&["check", "momentum:size=nan"]), "size takes a number above 0 and at most 1");
    // Lua would read hexadecimal ("0x1" is 1), and messages hide what follows "0x".
    // The message names it hexadecimal rather than show "0x?" (the digits are scrubbed).
    refused(&run(&["check", "momentum:size=0x1"]), "bad option size=0x… (hexadecimal): size takes a number");
    refused(
        &run(&["check", "momentum:lookback=0x10"]),
        "bad option lookback=0x… (hexadecimal): lookback takes a whole number from 1 to 10000 (default 4), written in decimal",
    );
    refused(&run(&["check", "momentum:"]), "no options after ':'");
    refused(&run(&["check", "momentum:lookback"]), "is not key=value");
    let o = run(&["check", "momentum:lookback=8"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

/// A strategy whose single Lua operations are slow (comparing two 8 MiB strings): the
/// instruction budget cannot count them, the wall clock stops each call, and a tournament
/// says that such results depend on the machine.
#[test]
fn a_tournament_warns_when_a_result_hung_on_the_wall_clock() {
    let dir = tempfile::tempdir().expect("tempdir");
    let slow = "cadence = 100\n\
                local s, t = string.rep(string.rep('x', 4096), 2048), string.rep(string.rep('x', 4096), 2048)\n\
                function on_tick(w)\n  local n = 0\n  for i = 1, 100000 do if s < t then n = n + 1 end end\nend\n";
    std::fs::write(dir.path().join("slow.lua"), slow).expect("write");
    let args = ["tournament", "--strategies", "slow.lua", "root_holder", "--maps", "tutorial", "--matches", "1"];
    let o = run_in(dir.path(), &[&args[..], &["--blocks", "600"]].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("slow: faults in 1 of 1 match, forfeited 1"), "{err}");
    assert!(
        err.contains("slow: warning: 5 faults were the wall-clock limit, whose timing depends on this machine's speed"),
        "{err}"
    );
    assert!(!err.contains("root_holder: warning"), "{err}");
}

#[test]
fn strategies_the_tables_cannot_tell_apart_are_refused_and_empty_folders_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    std::fs::create_dir_all(d.join("mine")).expect("mkdir");
    std::fs::write(d.join("mine/momentum.lua"), "function on_tick(w) end\n").expect("write");
    let t = ["tournament", "--maps", "tutorial", "--matches", "1", "--blocks", "50", "--strategies"];
    let o = run_in(d, &[&t[..], &["mine/momentum.lua", "momentum"]].concat());
    refused(
        &o,
        "two different strategies are named 'momentum': 'mine/momentum.lua' and the shipped strategy 'momentum'",
    );
    // The same strategy twice plays twice, told apart.
    let o = run_in(d, &[&t[..], &["momentum", "momentum"]].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("momentum#2"));
    std::fs::create_dir_all(d.join("tpl")).expect("mkdir");
    std::fs::write(d.join("tpl/template.lua"), "function on_tick(w) end\n").expect("write");
    std::fs::create_dir_all(d.join("none")).expect("mkdir");
    let o = run_in(d, &[&t[..], &["tpl", "none"]].concat());
    refused(&o, "no strategies: 'tpl' holds only template.lua, which is skipped (copy it to a new name");
    refused(&o, "strategy of it), and 'none' holds no .lua file; give .lua files");
    let o = run_in(d, &[&t[..], &["none"]].concat());
    refused(&o, "no strategies: 'none' holds no .lua file; give .lua files");
}

#[test]
fn a_folder_in_the_way_of_the_traces_accounts_file_is_named_with_a_fix_that_works() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("run.accounts.csv")).expect("mkdir");
    let o = run_in(dir.path(), &["sim", "--map", "tutorial", "--blocks", "10", "--trace", "run.csv", "--every", "5"]);
    refused(
        &o,
        "--trace (its accounts file) 'run.accounts.csv' is a folder; move that folder away, or give --trace another name",
    );
    assert!(!dir.path().join("run.csv").exists(), "nothing written");
}

#[test]
fn the_leaderboard_columns_fit_long_names() {
    let long = "momentum:lookback=8,entry=0.02,exit=0.01";
    let o = run(&[
        "tournament",
        "--strategies",
        long,
        "root_holder",
        "--maps",
        "tutorial",
        "--matches",
        "1",
        "--blocks",
        "50",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    let table: Vec<&str> = out.lines().skip_while(|l| !l.starts_with("rank ")).take(3).collect();
    assert_eq!(table.len(), 3, "{out}");
    assert!(table[1].contains(long) || table[2].contains(long), "{out}");
    // Every line as wide as the header: the name column fits the longest name.
    let width = table[0].chars().count();
    assert!(table.iter().all(|l| l.chars().count() == width), "{out}");
}

#[test]
fn swapped_letters_get_a_did_you_mean_too() {
    refused(&run(&["sim", "--mpa", "tutorial"]), "tip: a similar argument exists: '--map'");
    refused(&run(&["maps", "--show", "tutorail"]), "did you mean 'tutorial'?");
    refused(
        &run(&["sweep", "--map", "tutorial", "--param", "emission_mode", "--values", "price,flw"]),
        "did you mean 'flow'?",
    );
    // Nothing close: no tip.
    assert!(!stderr(&run(&["sim", "--zzzzzz", "1"])).contains("tip"));
}

#[test]
fn check_runs_a_strategy_at_the_cadence_its_init_sets() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bot = "function init(cfg) cadence = 7200 end\nfunction on_tick(w) dtao.log('tick ' .. w.block) end\n";
    std::fs::write(dir.path().join("daily.lua"), bot).expect("write");
    let o = run_in(dir.path(), &["check", "daily.lua"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("runs 5 turns (cadence 7,200)"), "{out}");
    assert_eq!(out.matches("] tick ").count(), 5, "{out}");
    assert!(out.contains("[block 28801] tick 28801"), "{out}");
}

#[test]
fn check_says_how_to_read_the_log_lines_it_leaves_out() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bot = "cadence = 10\nfunction on_tick(w) for i = 1, 20 do dtao.log('line ' .. i) end end\n";
    std::fs::write(dir.path().join("chatty.lua"), bot).expect("write");
    let o = run_in(dir.path(), &["check", "chatty.lua"]);
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    let hint = "... and 90 more log lines (after the first 10, only faults and rejected orders are shown; to read \
                them all, record the same run and print its log: ";
    assert!(out.contains(hint), "{out}");
    // The commands it gives run, headless, and the second prints every line.
    let cmd = out.split("its log: ").nth(1).and_then(|s| s.split(", then").next()).expect("a command");
    let words: Vec<&str> = cmd.split_whitespace().skip(1).collect();
    assert_eq!(words[0], "sim", "{cmd}");
    let o = run_in(dir.path(), &words);
    assert!(o.status.success(), "{cmd}: {}", stderr(&o));
    assert!(dir.path().join("check.dtrec").is_file());
    let then = out.split(", then ").nth(1).and_then(|s| s.split(')').next()).expect("a second command");
    assert_eq!(then, "dtao-arena replay check.dtrec --log");
    let o = run_in(dir.path(), &["replay", "check.dtrec", "--log"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let log = String::from_utf8_lossy(&o.stdout);
    assert_eq!(log.matches("] chatty: line ").count(), 100, "{log}");
    assert!(log.contains("[block 41] chatty: line 20"), "{log}");
    // It is a headless re-run: --json is the other one, not both.
    refused(&run_in(dir.path(), &["replay", "check.dtrec", "--log", "--json"]), "cannot be used with");
}

#[test]
fn check_shows_every_rejection_and_fault_past_its_log_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Twelve lines a turn, then an order that cannot fill: its reason comes after the
    // first ten lines.
    let bot = "cadence = 10\nfunction on_tick(w)\n  for i = 1, 12 do dtao.log('line ' .. i) end\n  \
               dtao.stake(99, 1)\nend\n";
    std::fs::write(dir.path().join("chatty.lua"), bot).expect("write");
    let o = run_in(dir.path(), &["check", "chatty.lua"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(out.matches("] rejected: stake 1 TAO on SN99").count(), 5, "{out}");
    assert!(out.contains("there is no subnet 99"), "{out}");
    assert!(out.contains("... and 50 more log lines (after the first 10"), "{out}");
    // A bot that faults after chatting: the same note, with the command.
    let bot = "cadence = 10\nfunction on_tick(w)\n  for i = 1, 12 do dtao.log('line ' .. i) end\n  \
               if w.block > 20 then error('boom') end\nend\n";
    std::fs::write(dir.path().join("faulty.lua"), bot).expect("write");
    let o = run_in(dir.path(), &["check", "faulty.lua"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("boom"), "{err}");
    assert!(
        err.contains("more log lines (after the first 10, only faults and rejected orders are shown; to read"),
        "{err}"
    );
    assert!(err.contains("dtao-arena sim --map tutorial --bot faulty.lua"), "{err}");
}

#[test]
fn check_counts_the_orders_that_filled_and_those_rejected() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Each turn, one stake it can pay for and one it cannot; the last turn's orders
    // count too (they apply in the block after it).
    let bot = "function on_tick(w)\n  dtao.stake(1, 10)\n  dtao.stake(4, 1000)\nend\n";
    std::fs::write(dir.path().join("half.lua"), bot).expect("write");
    let o = run_in(dir.path(), &["check", "half.lua"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("; 5 of its 10 orders filled, 5 rejected (see below)"), "{out}");
    assert_eq!(out.matches("rejected: stake 1000 TAO on SN4").count(), 5, "{out}");
    std::fs::write(dir.path().join("none.lua"), "function on_tick(w) dtao.stake(4, 1000) end\n").expect("write");
    let out = String::from_utf8_lossy(&run_in(dir.path(), &["check", "none.lua"]).stdout).into_owned();
    assert!(out.contains("; none of its 5 orders filled"), "{out}");
}

#[test]
fn the_sim_summary_shows_whole_bot_names() {
    let (a, b) = ("momentum:lookback=8,entry=0.02", "momentum:lookback=8,entry=0.05");
    let o = run(&["sim", "--map", "tutorial", "--blocks", "100", "--bot", a, "--bot", b]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    for name in [a, b] {
        assert!(out.lines().any(|l| l.starts_with(&format!("{name} bot "))), "{name}:\n{out}");
    }
    // A loss too small to show is no loss.
    assert!(!out.contains("-0.00%"), "{out}");
}

#[test]
fn options_a_bot_never_reads_get_a_note() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("plain.lua"), "function on_tick(w) end\n").expect("write");
    let note = "note: bot 'plain:lookbak=3' was given an option (lookbak=3) but its init never calls dtao.options";
    let o = run_in(dir.path(), &["check", "plain.lua:lookbak=3"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains(note), "{}", stderr(&o));
    let o = run_in(dir.path(), &["sim", "--map", "tutorial", "--blocks", "10", "--bot", "plain.lua:lookbak=3"]);
    assert!(o.status.success() && stderr(&o).contains(note), "{}", stderr(&o));
    // Not for a bot that reads them, nor for one given none.
    for args in [&["check", "momentum:lookback=8"][..], &["check", "plain.lua"]] {
        let o = run_in(dir.path(), args);
        assert!(o.status.success() && !stderr(&o).contains("never calls dtao.options"), "{args:?}: {}", stderr(&o));
    }
}

#[test]
fn sweep_says_when_the_seeds_change_nothing() {
    let args = |blocks: &'static str| {
        [
            "sweep",
            "--map",
            "tutorial",
            "--param",
            "tao_weight",
            "--values",
            "0.1,0.2",
            "--seeds",
            "2",
            "--blocks",
            blocks,
        ]
    };
    // The tutorial's crowds first draw on the seed after a few thousand blocks.
    let o = run(&args("2000"));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("every seed gave the same outcome for each value: over 2,000 blocks"),
        "{}",
        stderr(&o)
    );
    let o = run(&args("7000"));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains("every seed gave the same outcome"), "{}", stderr(&o));
}

#[test]
fn check_runs_a_strategy_on_the_map_given() {
    // A bot that breaks only in a world of more than 20 subnets: the tutorial hides it.
    let dir = tempfile::tempdir().expect("tempdir");
    let bot = "function on_tick(w)\n  if #w.subnets > 20 then error('too many subnets: ' .. #w.subnets) end\nend\n";
    std::fs::write(dir.path().join("small.lua"), bot).expect("write");
    let o = run_in(dir.path(), &["check", "small.lua"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("on the tutorial map without a fault"), "{o:?}");
    let o = run_in(dir.path(), &["check", "small.lua", "--map", "dtao-launch"]);
    refused(&o, "small.lua: 5 faults and forfeited after 5 turns on the map 'dtao-launch':");
    refused(&o, "small.lua:2: too many subnets: 64");
    // A shipped strategy on another map; a map file; an unknown map; --map for a map.
    let o = run(&["check", "momentum", "--map", "dtao-launch"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("on the map 'dtao-launch' without a fault"), "{o:?}");
    let o = run(&["check", "momentum", "--map", "maps/tutorial.toml"]);
    assert!(o.status.success(), "{}", stderr(&o));
    refused(&run(&["check", "momentum", "--map", "tutorail"]), "did you mean 'tutorial'?");
    // (--map tutorial too, although the tutorial is where a strategy's turns run without it.)
    for map in ["dtao-launch", "tutorial"] {
        refused(
            &run(&["check", "maps/tutorial.toml", "--map", map]),
            "maps/tutorial.toml: --map is for a strategy (the map its turns run on); a map is checked on its own: \
             dtao-arena check maps/tutorial.toml",
        );
    }
}

#[test]
fn check_of_an_unknown_name_lists_maps_and_strategies() {
    let o = run(&["check", "momentm"]);
    refused(
        &o,
        "momentm: no file, built-in map or shipped strategy has this name; did you mean the strategy 'momentum'?",
    );
    assert!(stderr(&o).contains("tutorial") && stderr(&o).contains("root_holder"), "{}", stderr(&o));
    refused(&run(&["check", "tutorail"]), "did you mean the map 'tutorial'?");
    let o = run(&["check", "zzzzzzzz"]);
    refused(&o, "the built-in maps are dtao-launch");
    assert!(!stderr(&o).contains("did you mean"), "{}", stderr(&o));
    // A missing file keeps its own message.
    refused(&run(&["check", "no/such/map.toml"]), "no/such/map.toml");
}

#[test]
fn strategies_show_prints_a_shipped_source() {
    let o = run(&["strategies"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("strategies --show template"), "{o:?}");
    let o = run(&["strategies", "--show", "template"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim_end(), include_str!("../strategies/template.lua").trim_end());
    let o = run(&["strategies", "--show", "momentum.lua"]);
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim_end(), include_str!("../strategies/momentum.lua").trim_end());
    // What it prints is a strategy that checks.
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("my_bot.lua"), run(&["strategies", "--show", "template"]).stdout).expect("write");
    let o = run_in(dir.path(), &["check", "my_bot.lua"]);
    assert!(o.status.success(), "{}", stderr(&o));
    refused(&run(&["strategies", "--show", "momentm"]), "no shipped strategy 'momentm'; did you mean 'momentum'?");
}

#[test]
fn a_miscased_map_or_bot_name_gets_a_suggestion() {
    // A map's name in other case is that map (`maps --show` takes it so too).
    assert!(run(&["sim", "--map", "Tutorial", "--blocks", "10"]).status.success());
    refused(&run(&["sim", "--map", "Tutorail", "--blocks", "10"]), "did you mean 'tutorial'? use a built-in map");
    refused(
        &run(&["sim", "--map", "tutorial", "--bot", "Momentum", "--blocks", "10"]),
        "no shipped strategy of that name; did you mean 'momentum'? (shipped:",
    );
    // A path gets no guess at a name, unless it is a shipped strategy's file (the
    // README's examples, run outside the repository).
    let o = run(&["sim", "--map", "tutorial", "--bot", "bots/Momentum.lua", "--blocks", "10"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!stderr(&o).contains("did you mean") && !stderr(&o).contains("is shipped"), "{}", stderr(&o));
    let dir = tempfile::tempdir().expect("tmp");
    let o = run_in(dir.path(), &["sim", "--map", "tutorial", "--bot", "strategies/momentum.lua", "--blocks", "10"]);
    refused(&o, "'momentum' is shipped inside dtao-arena: give its name, --bot momentum");
    // A misspelt file name beside the file meant.
    std::fs::create_dir(dir.path().join("bots")).expect("mkdir");
    std::fs::write(dir.path().join("bots/dip_buyer.lua"), "function on_tick(w) end\n").expect("write");
    let o = run_in(dir.path(), &["sim", "--map", "tutorial", "--bot", "bots/dip_buyr.lua", "--blocks", "10"]);
    refused(
        &o,
        "no strategy file or folder at 'bots/dip_buyr.lua', and no shipped strategy of that name; did you mean bots/dip_buyer.lua?",
    );
    let o = run_in(dir.path(), &["check", "bots/dip_buyr.lua"]);
    refused(&o, "did you mean bots/dip_buyer.lua?");
    // A misspelt extension, for a strategy or a map.
    refused(&run_in(dir.path(), &["check", "bots/dip_buyer.lau"]), "did you mean 'bots/dip_buyer.lua'?");
    refused(&run_in(dir.path(), &["sim", "--bot", "bots/dip_buyer.lau"]), "did you mean bots/dip_buyer.lua?");
    std::fs::create_dir(dir.path().join("maps")).expect("mkdir");
    std::fs::copy("maps/tutorial.toml", dir.path().join("maps/tut2.toml")).expect("copy");
    for args in
        [&["check", "maps/tut2.tml"][..], &["sim", "--map", "maps/tut2.tml"], &["sim", "--map", "maps/tut.toml"]]
    {
        refused(&run_in(dir.path(), args), "did you mean 'maps/tut2.toml'?");
    }
}

#[test]
fn a_short_sweep_still_shows_the_subnet_a_map_switches_and_says_when() {
    let o = run(&["sweep", "--map", "sn28-meme", "--param", "tao_weight", "--values", "0.18", "--blocks", "50"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("SN28 emis"), "{out}");
    assert!(
        out.contains("SN28 becomes a holder subnet at block 3,600 (day 1), after these runs' 50 blocks: sweep with --blocks 10800 or more"),
        "{out}"
    );
}

#[test]
fn sweep_refuses_repeated_values_and_empty_items() {
    let sweep_with = |values: &str, seeds: &str, more: &[&str]| {
        let args = ["sweep", "--map", "tutorial", "--param", "tao_weight", "--values", values, "--seeds", seeds];
        run(&[&args[..], more].concat())
    };
    let sweep = |values: &str, seeds: &str| sweep_with(values, seeds, &["--blocks", "20"]);
    refused(&sweep("0.1,0.2,0.1", "1,2"), "--values lists 0.1 twice");
    refused(&sweep("0.1,0.10", "1"), "--values lists 0.10 twice");
    refused(&sweep("0.1", "7,7"), "--seeds lists 7 twice");
    refused(&sweep("0.1,,0.2", "1"), "--values '0.1,,0.2' has an empty item");
    refused(&sweep("0.1,", "1"), "has an empty item");
    refused(&sweep("0.1", ",7"), "--seeds ',7' has an empty item");
    refused(&sweep("0.1", "1,,7"), "has an empty item");
    // One seed as `7,` stays a list of one seed.
    let o = sweep("0.1,0.2", "7,");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("1 seed(s): 7"), "{o:?}");
    // --seed starts a count; with a list it would be ignored.
    let o = sweep_with("0.1", "1,2", &["--seed", "5"]);
    refused(
        &o,
        "--seed 5 sets the first seed of a count (--seeds 4 --seed 5); with a list of seeds it would do nothing",
    );
}

#[test]
fn tournament_out_keeps_backups_and_refuses_stale_replays() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    refused(
        &run(&["tournament", "--strategies", "momentum", "--matches", "-1"]),
        "give a whole number of matches from 1 to 100000",
    );
    let t = ["tournament", "--strategies", "root_holder", "--maps", "tutorial", "--matches", "1", "--blocks", "20"];
    let with = |extra: &[&str]| {
        let mut args = t.to_vec();
        args.extend_from_slice(extra);
        run_in(d, &args)
    };
    std::fs::create_dir(d.join("out")).expect("mkdir");
    std::fs::write(d.join("out/matches.csv"), "OLD").expect("write");
    let o = with(&["--out", "out"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(d.join("out/matches.csv.bak")).expect("bak"), "OLD");
    assert!(std::fs::read_to_string(d.join("out/matches.csv")).expect("new").starts_with("match,map,seed"));
    // Replays of another run beside a run without --record would pass for its matches.
    let o = with(&["--out", "out", "--record"]);
    assert!(o.status.success(), "{}", stderr(&o));
    refused(&with(&["--out", "out"]), "holds replays of an earlier run");
    assert!(std::fs::read_to_string(d.join("out/leaderboard.json.bak")).is_ok());
}

/// A standard error nobody reads (a pipe whose reader left, a closed terminal): messages
/// are dropped, and the command still ends as it would have, its files written.
#[test]
fn a_closed_standard_error_changes_nothing_but_the_messages() {
    let dir = tempfile::tempdir().expect("tempdir");
    let closed = || {
        let (reader, writer) = std::io::pipe().expect("pipe");
        drop(reader);
        std::process::Stdio::from(writer)
    };
    let run_closed = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_dtao-arena"))
            .args(args)
            .current_dir(dir.path())
            .stdout(std::process::Stdio::null())
            .stderr(closed())
            .status()
            .expect("run binary")
    };
    assert_eq!(run_closed(&["sim", "--map", "nosuch"]).code(), Some(2));
    let status =
        run_closed(&["sim", "--map", "tutorial", "--blocks", "400", "--bot", "momentum", "--record", "r.dtrec"]);
    assert_eq!(status.code(), Some(0));
    let o = run(&["replay", dir.path().join("r.dtrec").to_str().expect("utf-8 path"), "--verify"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

/// An argument quoted in an error message cannot send its escape sequences to the
/// terminal (clear the screen, retitle the window).
#[test]
fn errors_quote_control_characters_as_escapes() {
    let o = run(&["sim", "--map", "\u{1b}[2J\u{1b}]0;pwned\u{7}"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(!err.contains('\u{1b}') && !err.contains('\u{7}'), "{err:?}");
    assert!(err.contains(r"\u{1b}[2J"), "{err}");
}

/// Files that are not UTF-8 text are named by their first bad line, and bytecode as such.
#[test]
fn files_that_are_not_utf8_name_their_line() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    std::fs::write(d.join("bot.lua"), b"function on_tick(w)\n  dtao.log('caf\xe9')\nend\n").expect("write");
    std::fs::write(d.join("code.lua"), b"\x1bLuaT\x00\x19\x93").expect("write");
    std::fs::write(d.join("map.toml"), b"name = \"x\"\ndescription = \"caf\xe9\"\n").expect("write");
    for (args, needle) in [
        (["check", "bot.lua"], "bot.lua:2: this line is not UTF-8 text (at its byte 16); save the strategy as UTF-8"),
        (["check", "code.lua"], "code.lua: precompiled Lua bytecode, which is refused"),
        (["check", "map.toml"], "map.toml:2: this line is not UTF-8 text (at its byte 19): save the map as UTF-8"),
    ] {
        let o = run_in(d, &args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(stderr(&o).contains(needle), "{args:?}: {}", stderr(&o));
    }
}

/// `play --save FILE` onto a game that can still be resumed is refused: the new game
/// would replace it, and its backup would go at the next such run.
#[test]
fn play_does_not_save_over_a_game_that_can_be_resumed() {
    let dir = tempfile::tempdir().expect("tmp");
    let save = dir.path().join("game.dtrec");
    // A game of the tutorial, saved at block 300 with a human player in it.
    let map = dtao_arena::scenario::load("tutorial").expect("map");
    let mut game = dtao_arena::session::Session::new(&map, None, None).expect("session");
    game.start_recording(chrono::DateTime::from_timestamp(1_764_000_000, 0).expect("time"));
    game.add_human("you");
    while game.world().block < 300 {
        game.step().expect("a block");
    }
    let rec = game.recording(chrono::DateTime::from_timestamp(1_764_000_600, 0).expect("time")).expect("recorded");
    std::fs::write(&save, dtao_arena::record::wire::encode(&rec)).expect("write");
    let before = std::fs::read(&save).expect("read");
    let o = run_in(dir.path(), &["play", "--map", "tutorial", "--save", "game.dtrec"]);
    refused(&o, "--save 'game.dtrec' holds a game you can still resume (tutorial, block 300 of 7,200)");
    assert!(stderr(&o).contains("resume it with `dtao-arena play --load game.dtrec`"), "{}", stderr(&o));
    assert_eq!(std::fs::read(&save).expect("read"), before, "the save changed");
    assert!(!dir.path().join("game.dtrec.bak").exists());
}

#[test]
fn load_last_with_no_game_to_resume_says_where_it_looked() {
    let dir = tempfile::tempdir().expect("tmp");
    let o = run_with_data(dir.path(), &["play", "--load", "last"]);
    refused(&o, "--load last: no game to resume in ");
    assert!(stderr(&o).contains("start one with `dtao-arena play`"), "{}", stderr(&o));
}

#[test]
fn a_bot_whose_init_fails_is_refused_before_a_game_a_room_or_a_run_starts() {
    let dir = tempfile::tempdir().expect("tmp");
    for args in [
        &["play", "--map", "tutorial", "--bot", "momentum:sise=3"][..],
        &["serve", "--map", "tutorial", "--bot", "momentum", "--bot", "momentum:sise=3"][..],
        &["sim", "--map", "tutorial", "--bot", "momentum:sise=3"][..],
        &["sweep", "--map", "tutorial", "--param", "tao_weight", "--values", "0.1,0.2", "--bot", "momentum:sise=3"][..],
        &["tournament", "--strategies", "momentum:sise=3", "root_holder", "--maps", "tutorial", "--matches", "2"][..],
    ] {
        let o = run_with_data(dir.path(), args);
        refused(
            &o,
            "bot 'momentum:sise=3' fails in its init on the map 'tutorial', so it would forfeit before its first turn",
        );
        assert!(stderr(&o).contains("unknown option 'sise' (did you mean 'size'?)"), "{}", stderr(&o));
    }
    // Over several maps, the one where it fails.
    let init = "function init(cfg) if #cfg.w.subnets > 20 then dtao.options(cfg.options, 'x') end end\n\
                function on_tick(w) end\n";
    std::fs::write(dir.path().join("small.lua"), init).expect("write");
    let o = run_in(
        dir.path(),
        &["tournament", "--strategies", "small.lua", "momentum", "--maps", "tutorial,sn28-meme", "--matches", "2"],
    );
    refused(&o, "bot 'small' fails in its init on the map 'sn28-meme'");
}

#[test]
fn a_local_strategy_named_without_its_extension_gets_a_hint() {
    let dir = tempfile::tempdir().expect("tmp");
    // A map file too.
    std::fs::write(dir.path().join("mymap.toml"), run(&["maps", "--show", "tutorial"]).stdout).expect("write");
    refused(&run_in(dir.path(), &["sim", "--map", "mymap", "--blocks", "5"]), "did you mean 'mymap.toml'?");
    std::fs::write(dir.path().join("dip.lua"), "function on_tick(w) end\n").expect("write");
    refused(&run_in(dir.path(), &["check", "dip:size=3"]), "there is 'dip.lua': name the file, dip.lua");
    // In a folder too, for check and for --bot.
    std::fs::create_dir(dir.path().join("bots")).expect("mkdir");
    std::fs::write(dir.path().join("bots/dip.lua"), "function on_tick(w) end\n").expect("write");
    refused(&run_in(dir.path(), &["check", "bots/dip"]), "did you mean bots/dip.lua?");
    refused(
        &run_in(dir.path(), &["sim", "--map", "tutorial", "--bot", "bots/dip", "--blocks", "10"]),
        "there is 'bots/dip.lua': name the file, bots/dip.lua",
    );
    let o = run(&["join", "127.0.0.1:1", "--code", "ABCDEF"]);
    refused(&o, "give your name with --name NAME (or watch with --spectate, or enter a bot with --bot FILE)");
}

/// A trace is written as the run goes, to temporary files: Ctrl-C stops the run, exits
/// 130 and leaves neither a partial trace nor a temporary file behind.
#[test]
fn sim_stopped_by_ctrl_c_leaves_no_partial_trace() {
    // One Ctrl-C stops at the next block; two in a row quit at once, removing the
    // temporary files all the same.
    for signals in [1, 2] {
        let dir = tempfile::tempdir().expect("tempdir");
        let trace = dir.path().join("t.csv");
        let child = Command::new(env!("CARGO_BIN_EXE_dtao-arena"))
            .args(["sim", "--map", "dtao-launch", "--blocks", "2000000", "--every", "1", "--trace"])
            .arg(&trace)
            .env("DTAO_ARENA_DATA", dir.path().join("data"))
            .stderr(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("sim starts");
        // The temporary files appear when the run starts.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        let temporary = |d: &std::path::Path| {
            std::fs::read_dir(d)
                .expect("dir")
                .filter_map(Result::ok)
                .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
                .count()
        };
        while temporary(dir.path()) < 2 {
            assert!(std::time::Instant::now() < deadline, "no temporary trace files");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        std::thread::sleep(std::time::Duration::from_millis(300));
        let pid = child.id().to_string();
        let kill = if signals == 1 { vec!["-INT", &pid] } else { vec!["-INT", &pid, &pid] };
        let mut sent = Command::new("kill").args(&kill[..2]).status().expect("kill runs").success();
        if signals == 2 {
            sent &= Command::new("kill").args(["-TERM", &pid]).status().expect("kill runs").success();
        }
        assert!(sent);
        let o = child.wait_with_output().expect("sim ends");
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(130), "{err}");
        if signals == 1 {
            assert!(err.contains("stopped: at block ") && err.contains("of 2,000,000: nothing was written"), "{err}");
        }
        let left: Vec<_> =
            std::fs::read_dir(dir.path()).expect("dir").filter_map(Result::ok).map(|e| e.file_name()).collect();
        assert!(left.iter().all(|n| n == "data"), "{signals} signal(s): {left:?}");
    }
}

/// A sweep's values must make a map the checker accepts: pools at least
/// `min_pool_liquidity` (a smaller pool refuses every trade).
#[test]
fn sweep_refuses_a_min_pool_liquidity_above_the_maps_pools() {
    let o = run(&["sweep", "--map", "tutorial", "--param", "min_pool_liquidity", "--values", "1,100000"]);
    refused(&o, "--values: min_pool_liquidity = 100000 does not fit the map 'tutorial' (SN1's pool holds 14000 TAO");
    // A value below the engine's smallest step would silently be 0.
    let o = run(&["sweep", "--map", "tutorial", "--param", "tao_weight", "--values", "0.18,1e-10"]);
    refused(&o, "tao_weight = 1e-10: 'tao_weight' is below one billionth, 0.000000001, the smallest fraction");
    // A fraction written as a percentage gets the map checker's hint.
    let o = run(&["sweep", "--map", "tutorial", "--param", "tao_weight", "--values", "0.1,18"]);
    refused(&o, "'tao_weight' must be between 0 and 1 (if you meant 18%, write 0.18)");
    // The hint is about the value refused, never another one of the list.
    let o = run(&["sweep", "--map", "tutorial", "--param", "tao_weight", "--values", "0.5,2,40"]);
    refused(&o, "tao_weight = 2: 'tao_weight' must be between 0 and 1");
    assert!(!stderr(&o).contains("if you meant"), "{}", stderr(&o));
    // A misspelt name is suggested once.
    let o = run(&["sweep", "--map", "tutorial", "--param", "emission_mode", "--values", "price,flw"]);
    assert_eq!(stderr(&o).matches("did you mean").count(), 1, "{}", stderr(&o));
}

/// A built-in map's name in other case is that map (as `maps --show` takes it); a
/// one-block recording verifies in words that fit it.
#[test]
fn builtin_names_ignore_case_and_a_one_block_recording_verifies() {
    let o = run(&["sim", "--map", "TUTORIAL", "--blocks", "10"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).starts_with("tutorial | seed "),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let dir = tempfile::tempdir().expect("tmp");
    let o = run_in(dir.path(), &["sim", "--map", "tutorial", "--blocks", "1", "--record", "one.dtrec"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("recorded 1 block to one.dtrec"), "{}", stderr(&o));
    let o = run_in(dir.path(), &["replay", "one.dtrec", "--verify"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("verified: 1 block of 'tutorial' (seed 7), "), "{out}");
    assert!(!out.contains("0 recorded state hashes"), "{out}");
}

/// A map that sets the swept parameter itself (an event) overrides the sweep from there
/// on: the sweep says so, naming the event; a run that ends before it does not.
#[test]
fn sweep_says_when_the_maps_own_event_sets_the_swept_parameter() {
    let dir = tempfile::tempdir().expect("tmp");
    let map = run(&["maps", "--show", "tutorial"]);
    let source = String::from_utf8_lossy(&map.stdout).replace("block = 5760", "block = 100");
    assert!(source.contains("key = \"moving_alpha\""), "the tutorial's moving_alpha event moved");
    std::fs::write(dir.path().join("early.toml"), source).expect("write");
    let sweep = |blocks: &str| {
        let args = ["sweep", "--map", "early.toml", "--param", "moving_alpha", "--values", "0.0001,0.0003"];
        run_in(dir.path(), &[&args[..], &["--blocks", blocks, "--jobs", "1"]].concat())
    };
    let o = sweep("200");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o)
            .contains("the map sets moving_alpha itself (to 0.0006 at block 100, an [[event]]): from there every run"),
        "{}",
        stderr(&o)
    );
    let o = sweep("50");
    assert!(o.status.success() && !stderr(&o).contains("the map sets"), "{}", stderr(&o));
}

/// The JSON report carries the ledgers, so that rules.md §10's conservation laws can be
/// checked from outside, to the rao: TAO held against the ledger, and each subnet's
/// alpha against its issuance and against where it is.
#[test]
fn sim_json_carries_ledgers_that_balance_to_the_rao() {
    let o = run(&["sim", "--map", "tutorial", "--blocks", "1500", "--bot", "momentum", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let n = |x: &serde_json::Value| u128::from(x.as_u64().unwrap_or_else(|| panic!("not a u64: {x}")));
    let l = &v["ledger"];
    let held = n(&l["held_rao"]);
    assert_eq!(
        held + n(&l["recycled_rao"]) + n(&l["burned_rao"]),
        n(&l["genesis_rao"]) + n(&l["minted_rao"]) + n(&l["external_inflow_rao"])
    );
    let accounts = v["accounts"].as_array().expect("accounts");
    let subnets = v["subnets"].as_array().expect("subnets");
    let mut summed: u128 = accounts.iter().map(|a| n(&a["free_rao"]) + n(&a["root_stake_rao"])).sum();
    for s in subnets {
        let sl = &s["ledger"];
        summed += n(&s["tao_rao"]) + n(&sl["pending_root_tao_rao"]) + n(&sl["npc_miners_tao_rao"]);
        assert_eq!(
            n(&s["alpha_in_rao"]) + n(&s["alpha_out_rao"]) + n(&sl["recycled_rao"]) + n(&sl["burned_rao"]),
            n(&sl["issued_rao"]),
            "{s}"
        );
        let key = s["netuid"].to_string();
        let by_accounts: u128 = accounts.iter().map(|a| a["alpha_rao"].get(&key).map_or(0, n)).sum();
        let pending: u128 =
            ["pending_owner_rao", "pending_miner_rao", "pending_validator_rao", "pending_root_alpha_rao"]
                .iter()
                .map(|k| n(&sl[*k]))
                .sum();
        assert_eq!(by_accounts + n(&sl["npc_miners_alpha_rao"]) + pending, n(&s["alpha_out_rao"]), "{s}");
    }
    assert_eq!(summed, held, "held_rao is what the accounts and subnets hold");
    assert!(n(&l["minted_rao"]) > 0 && subnets.iter().any(|s| n(&s["ledger"]["npc_miners_tao_rao"]) > 0));
}

/// A tournament whose matches all come out alike (the tutorial's first hours do not draw
/// on the seed) says that its intervals mean nothing, and how to fix it.
#[test]
fn a_tournament_of_identical_matches_says_so() {
    let t = |blocks: &str| {
        run(&[
            "tournament",
            "--strategies",
            "momentum",
            "root_holder",
            "--maps",
            "tutorial",
            "--matches",
            "3",
            "--blocks",
            blocks,
        ])
    };
    let same = "on tutorial, every match gave every strategy the same score: over 2,000 blocks";
    let o = t("2000");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains(same) && stderr(&o).contains("give more --blocks"), "{}", stderr(&o));
    let o = t("4000");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains("every match gave every strategy the same score"), "{}", stderr(&o));
}

#[cfg(unix)]
#[test]
fn a_map_path_that_is_not_utf8_is_named_as_such() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().expect("tmp");
    let name = std::ffi::OsStr::from_bytes(b"n\xff.toml");
    let path = dir.path().join(name);
    std::fs::write(&path, run(&["maps", "--show", "tutorial"]).stdout).expect("write");
    for args in [
        vec![std::ffi::OsStr::new("check"), path.as_os_str()],
        vec!["sim".as_ref(), "--map".as_ref(), path.as_os_str()],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_dtao-arena")).args(&args).output().expect("run binary");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains("is not UTF-8 text") && err.contains("rename"), "{err}");
    }
}

#[test]
fn npcs_with_equal_scores_are_listed_in_the_worlds_order() {
    // At block 50 of the tutorial the crowds' members still hold what they started with.
    let out = run(&["sim", "--map", "tutorial", "--blocks", "50"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    let members: Vec<u32> = text
        .lines()
        .filter(|l| l.contains(" npc "))
        .filter_map(|l| l.strip_prefix("traders-")?.split_whitespace().next()?.parse().ok())
        .collect();
    assert!(members.len() >= 2, "{text}");
    assert!(members.windows(2).all(|w| w[1] == w[0] + 1), "{members:?}: 1, 2, 3..., not 1, 10, 11");
}

#[test]
fn check_runs_as_many_turns_as_asked() {
    let o = run(&["check", "momentum", "--turns", "12"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("runs 12 turns (cadence 60)"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    refused(&run(&["check", "tutorial", "--turns", "3"]), "--turns is for a strategy; a map is checked on its own");
    for bad in ["0", "1001", "-3", "two"] {
        refused(&run(&["check", "momentum", "--turns", bad]), "give a whole number of turns from 1 to 1000");
    }
    // A name that is nothing at all says so, with or without --turns; a folder is a folder.
    refused(&run(&["check", "no_such_bot", "--turns", "1"]), "no file, built-in map or shipped strategy has this name");
    let dir = tempfile::tempdir().expect("tempdir");
    refused(
        &run_in(dir.path(), &["check", ".", "--turns", "1"]),
        "this is a folder; check takes one map (.toml) or one strategy (.lua) at a time",
    );
}

/// Options follow the last `.lua:`, so a path with a colon keeps it (a Windows drive, or
/// a file name with a colon).
#[test]
fn a_strategy_path_with_a_colon_takes_options() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = "function init(cfg)\n\
               \x20 local o = dtao.options(cfg.options, { size = { default = 1, min = 1, max = 9 } })\n\
               \x20 dtao.log('size ' .. o.size)\n\
               end\n\
               function on_tick(w) end\n";
    std::fs::write(dir.path().join("a:b.lua"), src).expect("write");
    let o = run_in(dir.path(), &["check", "a:b.lua:size=3", "--turns", "1"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("size 3"), "{}", String::from_utf8_lossy(&o.stdout));
    let o = run_in(dir.path(), &["sim", "--map", "tutorial", "--blocks", "10", "--bot", "a:b.lua:size=4"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

/// `check` names globals that look like misspelt hooks, which the game would ignore.
#[test]
fn check_notes_misspelt_hooks() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("bot.lua"), "cadance = 10\nfunction Init(cfg) end\nfunction on_tick(w) end\n")
        .expect("write");
    let o = run_in(dir.path(), &["check", "bot.lua"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("note: bot.lua: 'Init' looks like init misspelt: the game calls the function 'init'"),
        "{err}"
    );
    assert!(
        err.contains("note: bot.lua: 'cadance' looks like cadence misspelt: the game reads the global cadence"),
        "{err}"
    );
}

/// A bot whose every turn faults places no orders and keeps its TAO: a tournament says
/// so when it ranks above one that never faulted.
#[test]
fn a_tournament_explains_a_faulting_bot_above_a_clean_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("typo.lua"), "cadence = 300\nfunction on_tick(w) return w.subnetz[1].price end\n")
        .expect("write");
    let args = ["tournament", "--strategies", "typo.lua", "momentum", "--maps", "tutorial", "--matches", "2"];
    let o = run_in(dir.path(), &[&args[..], &["--blocks", "1200"]].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("faults in 2 of 2 matches"), "{err}");
    assert!(err.contains("ranks above strategies that never faulted"), "{err}");
}
