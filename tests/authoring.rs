//! A strategy author's workflow: `check`, `sim --bot`, `tournament` and `sweep` tell why
//! a bot faulted, run what they say they run, and keep the bots in the order given.

use std::path::Path;
use std::process::{Command, Output};

fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dtao-arena")).args(args).current_dir(dir).output().expect("run binary")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn write(dir: &Path, name: &str, source: &str) {
    std::fs::write(dir.join(name), source).expect("write a strategy");
}

/// Logs on every call and fails from block `from` on.
fn late_fault(cadence: u64, from: u64) -> String {
    format!(
        "cadence = {cadence}\nfunction on_tick(w)\n  dtao.log('tick ' .. w.block)\n  \
         if w.block >= {from} then error('late bug at ' .. w.block) end\nend\n"
    )
}

#[test]
fn check_runs_the_turns_it_says_even_for_a_slow_cadence() {
    let d = tempfile::tempdir().expect("tempdir");
    // A daily bot that fails on its second call: the tutorial map (one day) alone would
    // have called it once.
    write(d.path(), "daily.lua", &late_fault(7200, 7200));
    let o = run_in(d.path(), &["check", "daily.lua"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stdout));
    assert!(text(&o.stderr).contains("late bug at 7201"), "{}", text(&o.stderr));
    // A bot deciding every 100,000 blocks gets the turns that fit, and is told so.
    write(d.path(), "rare.lua", "cadence = 100000\nfunction on_tick(w) end\n");
    let o = run_in(d.path(), &["check", "rare.lua"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(
        out.contains("runs 3 turns (cadence 100,000; only 3 fit in the check's 200,001 blocks)")
            && out.contains("it placed no orders"),
        "{out}"
    );
    // The largest cadence: one turn, in the same 200,001 blocks (the count once wrapped
    // to 0 blocks).
    write(d.path(), "never.lua", "cadence = math.maxinteger\nfunction on_tick(w) end\n");
    let o = run_in(d.path(), &["check", "never.lua"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.contains("(cadence 9,223,372,036,854,775,807; only 1 fits in the check's 200,001 blocks)"), "{out}");
}

#[test]
fn a_failing_check_shows_the_bots_own_log_lines_before_its_faults() {
    let d = tempfile::tempdir().expect("tempdir");
    write(
        d.path(),
        "nil_pool.lua",
        "function on_tick(w)\n  dtao.log('looking for SN99')\n  local s = w.by_netuid[99]\n  dtao.log(s.price)\nend\n",
    );
    let o = run_in(d.path(), &["check", "nil_pool.lua"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stdout));
    let err = text(&o.stderr);
    let (said, fault) = (err.find("] looking for SN99"), err.find("] fault: error: nil_pool.lua:4:"));
    assert!(said.is_some() && fault.is_some() && said < fault, "{err}");
}

#[test]
fn sim_always_shows_why_a_bot_faulted() {
    let d = tempfile::tempdir().expect("tempdir");
    // 300 log lines, then faults from block 2000: far past the first 40 lines.
    write(d.path(), "late.lua", &late_fault(10, 2000));
    let o = run_in(d.path(), &["sim", "--map", "tutorial", "--blocks", "3000", "--bot", "late.lua"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(err.contains("late bug at 2001"), "{err}");
    assert!(err.contains("more bot log lines"), "{err}");
}

#[test]
fn sim_cuts_a_long_log_line_and_says_how_long_it_was() {
    let d = tempfile::tempdir().expect("tempdir");
    write(d.path(), "chatty.lua", "function on_tick(w) dtao.log(string.rep('ab', 4000)) end\n");
    let o = run_in(d.path(), &["sim", "--map", "tutorial", "--blocks", "400", "--bot", "chatty.lua"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    let line = err.lines().find(|l| l.contains("chatty: abab")).unwrap_or_else(|| panic!("no log line:\n{err}"));
    assert!(line.ends_with("… (8,000 characters in all)"), "{line}");
    assert!(line.chars().count() < 400, "{} characters", line.chars().count());
}

#[test]
fn skip_broken_plays_without_the_strategies_that_cannot_play() {
    let d = tempfile::tempdir().expect("tempdir");
    write(d.path(), "broken.lua", "function on_tick(w)\n  dtao.stake(1,\n");
    write(
        d.path(),
        "badopt.lua",
        "function init(cfg) dtao.options(cfg.options, { x = { default = 5, max = 1 } }) end\nfunction on_tick(w) end\n",
    );
    write(d.path(), "idle.lua", "function on_tick(w) end\n");
    let base = ["tournament", "--maps", "tutorial", "--matches", "2", "--blocks", "300", "--out", "out"];
    // Without the flag, one broken strategy stops the tournament, and the message says
    // how to play without it.
    let mut args = base.to_vec();
    args.extend(["--strategies", "broken.lua", "idle.lua"]);
    let o = run_in(d.path(), &args);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stdout));
    assert!(
        text(&o.stderr).contains("broken.lua:3:") && text(&o.stderr).contains("add --skip-broken"),
        "{}",
        text(&o.stderr)
    );
    // With it, the others play and each skipped one is named with why.
    args.extend(["badopt.lua", "--skip-broken"]);
    let o = run_in(d.path(), &args);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(err.contains("skipped 'broken': it does not load: broken.lua:3:"), "{err}");
    assert!(err.contains("skipped 'badopt': its init fails on the map 'tutorial'"), "{err}");
    let board = std::fs::read_to_string(d.path().join("out/leaderboard.csv")).expect("leaderboard");
    assert_eq!(board.lines().count(), 2, "only idle plays:\n{board}");
    assert!(board.lines().nth(1).is_some_and(|l| l.contains(",idle,2,")), "{board}");
    // Nothing left to play is an error.
    let mut args = base.to_vec();
    args.extend(["--strategies", "broken.lua", "badopt.lua", "--skip-broken"]);
    let o = run_in(d.path(), &args);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("none of the strategies can play"), "{}", text(&o.stderr));
}

#[test]
fn a_tournament_names_forfeits_and_their_reason() {
    let d = tempfile::tempdir().expect("tempdir");
    write(d.path(), "crash.lua", "function on_tick(w) error('boom') end\n");
    let args = [
        "tournament",
        "--strategies",
        "crash.lua",
        "momentum",
        "--maps",
        "tutorial",
        "--matches",
        "1",
        "--blocks",
        "3000",
        "--out",
        "out",
        "--record",
    ];
    let o = run_in(d.path(), &args);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(err.contains("crash: faults in 1 of 1 match, forfeited 1; first, in match 0: [block "), "{err}");
    assert!(err.contains("boom"), "{err}");
    assert!(text(&o.stdout).contains("forfeits"), "{}", text(&o.stdout));
    let board = std::fs::read_to_string(d.path().join("out/leaderboard.csv")).expect("leaderboard");
    let header = board.lines().next().unwrap_or_default();
    assert!(header.ends_with("faults,forfeits"), "{header}");
    let crash = board.lines().find(|l| l.contains(",crash,")).expect("the crash row");
    // One match: no confidence interval; one forfeit.
    assert!(crash.contains(",,") && crash.ends_with(",1"), "{crash}");
    let json = std::fs::read_to_string(d.path().join("out/leaderboard.json")).expect("json");
    assert!(json.contains("\"ci95_low\": null") && json.contains("\"forfeits\": 1"), "{json}");
    let matches = std::fs::read_to_string(d.path().join("out/matches.csv")).expect("matches");
    assert!(matches.lines().next().unwrap_or_default().contains(",faults,forfeited,seat,"));
    assert!(matches.lines().any(|l| l.contains(",crash,") && l.contains(",true,")), "{matches}");

    // The same folder for a run with fewer matches: the earlier run's extra replays
    // would pass for this run's, so it is refused, and nothing is written.
    let mut two = args;
    two[7] = "2";
    let o = run_in(d.path(), &two);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let o = run_in(d.path(), &args);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("replays of an earlier run"), "{}", text(&o.stderr));
}

#[test]
fn sweep_columns_follow_the_bots_in_the_order_given() {
    let d = tempfile::tempdir().expect("tempdir");
    write(d.path(), "zeta.lua", "function on_tick(w) end\n");
    write(d.path(), "alpha_breaker.lua", "function on_tick(w) error('alpha broke') end\n");
    let o = run_in(
        d.path(),
        &[
            "sweep",
            "--map",
            "tutorial",
            "--param",
            "tao_weight",
            "--values",
            "0.18",
            "--blocks",
            "400",
            "--bot",
            "zeta.lua",
            "--bot",
            "momentum",
            "--bot",
            "alpha_breaker.lua",
            "--out",
            "sw.csv",
        ],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let csv = std::fs::read_to_string(d.path().join("sw.csv")).expect("csv");
    let header = csv.lines().next().unwrap_or_default();
    let cols: Vec<&str> = header.split(',').filter(|c| c.starts_with("roi_")).collect();
    assert_eq!(cols, ["roi_zeta", "roi_momentum", "roi_alpha_breaker"], "{header}");
    // Each bot's lost turns in the run: only the one that raises an error has any.
    let names: Vec<&str> = header.split(',').collect();
    let row: Vec<&str> = csv.lines().nth(1).unwrap_or_default().split(',').collect();
    let faults: Vec<(&str, &str)> =
        names.iter().zip(&row).filter(|(c, _)| c.starts_with("faults_")).map(|(c, v)| (*c, *v)).collect();
    assert_eq!(faults.len(), 3, "{header}");
    assert_eq!(faults[..2], [("faults_zeta", "0"), ("faults_momentum", "0")], "{csv}");
    assert_eq!(faults[2].0, "faults_alpha_breaker");
    assert!(faults[2].1.parse::<u32>().is_ok_and(|n| n >= 1), "{csv}");
    // The table's columns name each bot whole, and its values line up under them.
    let table = text(&o.stdout);
    let head = table.lines().find(|l| l.contains("ROI ")).expect("the table's header");
    assert!(head.ends_with(" ROI zeta ROI momentum ROI alpha_breaker"), "{table}");
    let row = table.lines().find(|l| l.trim_start().starts_with("0.18")).expect("a row");
    assert_eq!(row.chars().count(), head.chars().count(), "{table}");
    // Why a bot faulted is told for sweeps too.
    let err = text(&o.stderr);
    assert!(err.contains("alpha_breaker: faults in 1 of 1 run; first, in tao_weight=0.18 seed"), "{err}");
    assert!(err.contains("alpha broke") && !err.contains("zeta:"), "{err}");
}

#[test]
fn small_flag_mistakes_say_what_to_write() {
    let d = tempfile::tempdir().expect("tempdir");
    for (args, needle) in [
        (&["sim", "--map", "tutorial", "--seed", "-1"][..], "whole number from 0 to"),
        (&["tournament", "--strategies", "momentum", "--seed", "x"][..], "whole number from 0 to"),
        (&["tournament", "--strategies", "momentum", "--maps", "tutorial,,"][..], "has an empty name"),
        (&["sim", "--map", "tutorial", "--every", "10"][..], "--trace"),
    ] {
        let o = run_in(d.path(), args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(text(&o.stderr).contains(needle), "{args:?}: {}", text(&o.stderr));
    }
}

#[test]
fn the_json_report_lists_alpha_in_netuid_order() {
    let d = tempfile::tempdir().expect("tempdir");
    let o = run_in(d.path(), &["sim", "--map", "dtao-launch", "--blocks", "400", "--json"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    // serde_json keeps the file's key order only through the raw text: read the keys
    // of the first account holding alpha on more than nine subnets.
    let out = text(&o.stdout);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let held = v["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .find(|a| a["alpha_rao"].as_object().is_some_and(|m| m.len() > 9));
    let name = held.expect("an account on ten subnets")["name"].as_str().expect("a name").to_string();
    let at = out.find(&format!("\"name\": \"{name}\"")).expect("the account in the text");
    let block = &out[at..];
    let start = block.find("\"alpha_rao\": {").expect("alpha_rao") + 14;
    let end = start + block[start..].find('}').expect("the map's end");
    let keys: Vec<u64> = block[start..end]
        .split(',')
        .filter_map(|kv| kv.split(':').next())
        .map(|k| k.trim().trim_matches('"').parse().expect("a netuid"))
        .collect();
    let mut sorted = keys.clone();
    sorted.sort_unstable();
    assert_eq!(keys, sorted);
}

#[test]
fn a_strategy_takes_options_after_a_colon() {
    let d = tempfile::tempdir().expect("tempdir");
    write(
        d.path(),
        "opt.lua",
        "function init(cfg)\n  dtao.log('amount ' .. tostring(cfg.options.amount) .. ' who ' .. tostring(cfg.options.who))\nend\n\
         function on_tick(w) end\n",
    );
    let o = run_in(d.path(), &["sim", "--map", "tutorial", "--blocks", "10", "--bot", "opt.lua:amount=7,who=me"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("opt:amount=7,who=me: amount 7 who me"), "{}", text(&o.stderr));
    // A shipped strategy too, and two settings of one strategy side by side.
    let o = run_in(
        d.path(),
        &[
            "tournament",
            "--strategies",
            "momentum:lookback=2",
            "momentum:lookback=8",
            "--maps",
            "tutorial",
            "--matches",
            "1",
            "--blocks",
            "720",
        ],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.contains("momentum:lookback=2") && out.contains("momentum:lookback=8"), "{out}");
    // check takes the options too; a launch counts as an order that filled.
    let o = run_in(d.path(), &["check", "subnet_launcher:budget=1"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.contains("; its 1 order filled") && out.contains("launched"), "{out}");
    // A malformed option says how to write one.
    let o = run_in(d.path(), &["sim", "--map", "tutorial", "--bot", "opt.lua:amount"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("FILE:key=value"), "{}", text(&o.stderr));
}

#[test]
fn load_errors_name_the_file_as_given() {
    let d = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(d.path().join("bots")).expect("mkdir");
    write(d.path(), "bots/broken.lua", "function on_tick(w)\n  local x = (1\nend\n");
    let o = run_in(d.path(), &["check", "bots/broken.lua"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("bots/broken.lua:3:"), "{}", text(&o.stderr));
    // A runtime fault in a match names it too.
    write(d.path(), "bots/late.lua", &late_fault(100, 0));
    let o = run_in(d.path(), &["sim", "--map", "tutorial", "--blocks", "200", "--bot", "bots/late.lua"]);
    assert!(text(&o.stderr).contains("bots/late.lua:4: late bug"), "{}", text(&o.stderr));
}

/// A subnet launched during a run on a dissolved subnet's netuid is another subnet: the
/// sweep measures nothing of it from block 0 (the analyst's SN35 "+13,031%" compared
/// the newcomer's price with the dissolved subnet's).
#[test]
fn sweep_measures_no_change_from_block_0_for_a_subnet_launched_during_the_run() {
    let d = tempfile::tempdir().expect("tempdir");
    write(
        d.path(),
        "full.toml",
        "name = \"full\"\nblocks = 200\n\n[params]\nsubnet_limit = 2\nnetwork_immunity = 0\ninitial_lock = 10.0\n\n\
         [[subnet]]\nnetuid = 1\ntao = 100.0\nalpha_in = 1000.0\nmoving_price = 0.1\n\n\
         [[subnet]]\nnetuid = 2\ntao = 100.0\nalpha_in = 100.0\nmoving_price = 0.01\n",
    );
    write(
        d.path(),
        "launcher.lua",
        // Launched by init: the order applies in block 0, so the newcomer's registration
        // block is 0, as the dissolved subnet's was.
        "function init(cfg) dtao.launch_subnet('Fresh', 'utility') end\nfunction on_tick(w) end\n",
    );
    let args = [
        "sweep",
        "--map",
        "full.toml",
        "--param",
        "tao_weight",
        "--values",
        "0.18",
        "--bot",
        "launcher.lua",
        "--out",
        "s.csv",
    ];
    let o = run_in(d.path(), &args);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let csv = std::fs::read_to_string(d.path().join("s.csv")).expect("csv");
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let row: Vec<&str> = lines.next().expect("a row").split(',').collect();
    let cell =
        |name: &str| row[header.iter().position(|h| *h == name).unwrap_or_else(|| panic!("no {name}: {header:?}"))];
    // SN2, the lowest moving price, was dissolved; Fresh took its netuid.
    for c in ["sn2_emission_share_start", "sn2_price_change", "sn2_peak_price_change"] {
        assert_eq!(cell(c), "", "{c}: {csv}");
    }
    assert!(!cell("sn2_emission_share").is_empty(), "{csv}");
    assert!(!cell("sn1_price_change").is_empty(), "{csv}");
    let table = text(&o.stdout);
    let line = table.lines().find(|l| l.trim_start().starts_with("0.18")).expect("the value's line");
    assert!(line.contains(" -"), "SN2's price change is '-': {table}");
}
