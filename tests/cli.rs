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
fn sim_json_has_the_promised_keys() {
    let o = run(&["sim", "--map", "tutorial", "--blocks", "400", "--seed", "3", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    for k in ["map", "seed", "block", "state_hash", "total_issuance_rao", "subnets", "accounts"] {
        assert!(v.get(k).is_some(), "missing {k}");
    }
    assert_eq!(v["block"], 400);
    assert_eq!(v["seed"], 3);
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
    assert!(String::from_utf8_lossy(&o.stdout).contains("tutorial | seed"));
    let text = std::fs::read_to_string(&trace).expect("trace");
    let header = text.lines().next().expect("header");
    assert!(header.starts_with("block,netuid,name,price,moving_price,emission_share,root_prop,tao_rao,alpha_in_rao,alpha_out_rao,controller"), "{header}");
    // Blocks 0, 360, 720 and the last block (730), one row per subnet each.
    let blocks: std::collections::BTreeSet<&str> = text.lines().skip(1).filter_map(|l| l.split(',').next()).collect();
    assert_eq!(blocks.into_iter().collect::<Vec<_>>(), vec!["0", "360", "720", "730"]);
    let accounts = std::fs::read_to_string(dir.path().join("run.accounts.csv")).expect("accounts trace");
    assert!(accounts.starts_with("block,name,kind,free_rao,root_stake_rao,score_rao"));
}

#[test]
fn bad_input_exits_2_with_a_message() {
    let cases: &[(&[&str], &str)] = &[
        (&["sim", "--map", "atlantis"], "atlantis"),
        (&["sim", "--map", "tutorial", "--blocks", "0"], "--blocks must be at least 1"),
        (&["sim", "--map", "tutorial", "--blocks", "-5"], "--blocks"),
        (&["sim", "--map", "tutorial", "--seed", "abc"], "--seed"),
        (&["sim", "--map", "tutorial", "--every", "0"], "--every"),
        (
            &["sim", "--map", "tutorial", "--blocks", "10", "--trace", "/nonexistent-dir/x.csv"],
            "cannot write '/nonexistent-dir/x.csv'",
        ),
        (&["sim", "--frobnicate"], "--frobnicate"),
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
