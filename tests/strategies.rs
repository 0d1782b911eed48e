//! The shipped strategies: each passes `check`, each plays a full default-map match
//! without a fault, and the default map's NPC crowd is beatable by some of them but not
//! by all.

use std::path::PathBuf;
use std::process::Command;

use dtao_arena::engine::AccountKind;
use dtao_arena::session::Session;
use dtao_arena::session::lua::LuaActor;
use dtao_arena::session::report::roi;

fn shipped() -> Vec<(String, String)> {
    let mut v: Vec<PathBuf> = std::fs::read_dir("strategies")
        .expect("strategies/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "lua") && p.file_name().is_some_and(|n| n != "template.lua"))
        .collect();
    v.sort();
    v.into_iter()
        .map(|p| {
            (p.file_stem().expect("stem").to_string_lossy().into_owned(), std::fs::read_to_string(&p).expect("read"))
        })
        .collect()
}

#[test]
fn at_least_six_strategies_and_a_template_ship() {
    assert!(shipped().len() >= 6, "{:?}", shipped().iter().map(|s| &s.0).collect::<Vec<_>>());
    assert!(std::path::Path::new("strategies/template.lua").exists());
}

#[test]
fn the_readme_describes_each_shipped_strategy_by_its_first_line() {
    let readme = std::fs::read_to_string("README.md").expect("README.md");
    for (name, src) in shipped() {
        // "-- name.lua: summary" is what `dtao-arena strategies` prints as well.
        let first = src.lines().next().unwrap_or_default();
        let summary = first.split_once(": ").map(|x| x.1).unwrap_or_default();
        assert!(!summary.is_empty(), "{name}.lua: the first line should be '-- {name}.lua: what it does'");
        let row = format!("| `{name}.lua` | {summary} |");
        assert!(readme.contains(&row), "README's strategy table should have the row {row}");
    }
}

#[test]
fn check_runs_a_strategy_for_exactly_five_turns() {
    let dir = std::env::temp_dir().join(format!("dtao-check-turns-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("ticker.lua");
    std::fs::write(&file, "function on_tick(w) dtao.log('tick ' .. w.block) end\n").expect("write");
    let o = Command::new(env!("CARGO_BIN_EXE_dtao-arena")).arg("check").arg(&file).output().expect("run");
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{out}{}", String::from_utf8_lossy(&o.stderr));
    assert!(out.contains("runs 5 turns"), "{out}");
    assert_eq!(out.matches("] tick ").count(), 5, "{out}");
    // Deciding every block, it is not called again in the block where its last turn's
    // orders apply: still 5 turns (and all 5 orders filled).
    std::fs::write(&file, "cadence = 1\nfunction on_tick(w) dtao.log('tick ' .. w.block) dtao.stake_root(1) end\n")
        .expect("write");
    let o = Command::new(env!("CARGO_BIN_EXE_dtao-arena")).arg("check").arg(&file).output().expect("run");
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{out}{}", String::from_utf8_lossy(&o.stderr));
    assert!(out.contains("runs 5 turns (cadence 1)"), "{out}");
    assert_eq!(out.matches("] tick ").count(), 5, "{out}");
    assert!(out.contains("all 5 of its orders filled") || out.contains("its 5 orders filled"), "{out}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn every_shipped_strategy_passes_check() {
    for entry in std::fs::read_dir("strategies").expect("strategies/") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|x| x != "lua") {
            continue;
        }
        let o = Command::new(env!("CARGO_BIN_EXE_dtao-arena")).arg("check").arg(&path).output().expect("run");
        assert!(o.status.success(), "{}: {}", path.display(), String::from_utf8_lossy(&o.stderr));
    }
}

/// One full default-map match with every shipped strategy seated; returns each
/// strategy's ROI and faults, and the NPC crowd's mean ROI.
fn full_match() -> (Vec<(String, f64, u32)>, f64) {
    let map = dtao_arena::scenario::load("dtao-launch").expect("map");
    let mut s = Session::new(&map, Some(1), None).expect("session");
    let mut ids = Vec::new();
    for (seat, (name, src)) in shipped().iter().enumerate() {
        let actor = LuaActor::load(name, src, 1, seat).expect("loads");
        ids.push((name.clone(), s.add_bot(name, Box::new(actor))));
    }
    s.run_to_end(0, |_| {}).expect("run");
    let w = s.world();
    let crowd: Vec<f64> = w
        .accounts
        .iter()
        .filter(|a| {
            a.kind == AccountKind::Npc && w.npcs.retail.iter().any(|c| c.members.iter().any(|m| m.account == a.id))
        })
        .map(|a| roi(w, a.id).unwrap_or(0.0))
        .collect();
    #[allow(clippy::cast_precision_loss)]
    let crowd_roi = crowd.iter().sum::<f64>() / crowd.len().max(1) as f64;
    let out = ids
        .iter()
        .map(|(n, id)| (n.clone(), roi(w, *id).unwrap_or(0.0), w.account(*id).map_or(0, |a| a.faults)))
        .collect();
    for line in s.log().iter().filter(|l| l.text.starts_with("fault")) {
        eprintln!("[{}] {}: {}", line.block, line.who, line.text);
    }
    (out, crowd_roi)
}

#[test]
fn full_default_match_without_faults_and_a_beatable_crowd() {
    let (results, crowd) = full_match();
    eprintln!("NPC crowd mean ROI {:.3}%", crowd * 100.0);
    for (n, r, f) in &results {
        eprintln!("{n:<20} ROI {:>8.3}%  faults {f}", r * 100.0);
    }
    for (n, _, f) in &results {
        assert_eq!(*f, 0, "{n} faulted in a full default-map match");
    }
    assert!(results.iter().any(|(_, r, _)| *r > crowd), "no shipped strategy beats the NPC crowd");
    assert!(results.iter().any(|(_, r, _)| *r < crowd), "every shipped strategy beats the NPC crowd");
}

/// Every shipped file, the template included: (stem, source).
fn shipped_with_template() -> Vec<(String, String)> {
    let mut v = shipped();
    v.push(("template".into(), std::fs::read_to_string("strategies/template.lua").expect("template.lua")));
    v
}

/// A source line without its comment (the shipped files have no `--` inside strings).
fn code(line: &str) -> &str {
    line.split("--").next().unwrap_or_default()
}

/// The names a `local a, b = ...` statement declares (none for `local function`).
fn declared(statement: &str) -> Vec<&str> {
    let Some(rest) = statement.trim_start().strip_prefix("local ") else { return Vec::new() };
    if rest.starts_with("function ") {
        return Vec::new();
    }
    rest.split('=').next().unwrap_or_default().split(',').map(str::trim).filter(|n| !n.is_empty()).collect()
}

#[test]
fn shipped_strategies_do_not_prefix_their_log_lines_with_their_name() {
    // The match log already names the bot: "meme_rider: meme_rider: leaving SN28" reads badly.
    for (name, src) in shipped_with_template() {
        for (i, line) in src.lines().enumerate() {
            for q in ['"', '\''] {
                assert!(
                    !code(line).contains(&format!("{q}{name}: ")),
                    "strategies/{name}.lua:{}: a log line starts with the strategy's own name: {line}",
                    i + 1
                );
            }
        }
    }
}

#[test]
fn shipped_strategies_do_not_shadow_their_module_locals() {
    // e.g. momentum's remember() once declared `local size`, hiding the `size` option.
    for (name, src) in shipped_with_template() {
        let top: Vec<&str> = src.lines().filter(|l| l.starts_with("local ")).flat_map(|l| declared(code(l))).collect();
        for (i, line) in src.lines().enumerate() {
            if !line.starts_with(char::is_whitespace) {
                continue;
            }
            for n in declared(code(line)) {
                assert!(
                    !top.contains(&n),
                    "strategies/{name}.lua:{}: `local {n}` shadows the file's own `{n}`: {line}",
                    i + 1
                );
            }
        }
    }
}

#[test]
fn yield_chaser_describes_its_even_split() {
    let src = std::fs::read_to_string("strategies/yield_chaser.lua").expect("yield_chaser.lua");
    assert!(!src.contains("hold least of"), "the code splits evenly; the comment must say so");
    assert!(src.contains("Split the spendable TAO evenly over the wanted subnets"));
    assert!(src.contains("local each = spendable / slots"), "the comment describes this line");
}

#[test]
fn subnet_launcher_leaves_rejections_to_the_match_log_and_retries_a_launch() {
    use dtao_arena::engine::{Event, Mechanism, Order, Reject, Tao, World, WorldInit};
    use dtao_arena::script::{Limits, Strategy};

    const TAO: u64 = 1_000_000_000;
    let mut init = WorldInit::synthetic(4, 3);
    init.params.initial_lock = Tao(100 * TAO);
    let mut w = World::new(&init).expect("world");
    let me = w.add_account("bot", AccountKind::Bot, Tao(1000 * TAO));
    let path = "strategies/subnet_launcher.lua";
    let src = std::fs::read_to_string(path).expect("subnet_launcher.lua");
    let mut s = Strategy::load(path, &src, 1, Limits::default()).expect("loads");
    assert_eq!(s.init(&w, me, &[]).fault, None);
    let launch = |out: &dtao_arena::script::TickOutcome| {
        out.orders.iter().any(|o| matches!(o, Order::LaunchSubnet { mechanism: Mechanism::Holder, .. }))
    };
    let first = s.on_tick(&w, me, &[]);
    assert!(launch(&first), "{first:?}");
    // Both its launch and another order come back rejected.
    let rejected = |order: Order, reason: Reject| Event::Rejected { block: 1, account: me, order, reason };
    let results = vec![
        rejected(Order::Stake { netuid: 1, tao: Tao(TAO), limit: None }, Reject::TooSmall),
        rejected(Order::LaunchSubnet { name: "Launchpad".into(), mechanism: Mechanism::Holder }, Reject::TooSmall),
    ];
    w.run_until(1).expect("run");
    let out = s.on_tick(&w, me, &results);
    assert_eq!(out.fault, None, "{out:?}");
    assert!(out.log.iter().all(|l| !l.contains("rejected")), "the session logs rejections already: {:?}", out.log);
    assert!(launch(&out), "a rejected launch is tried again: {out:?}");
}

/// One match of `map` with `name` seated alone; returns its ROI and the match log's
/// lines from it.
fn alone(map: &str, name: &str) -> (f64, Vec<String>) {
    let map = dtao_arena::scenario::load(map).expect("map");
    let mut s = Session::new(&map, Some(1), None).expect("session");
    let src = std::fs::read_to_string(format!("strategies/{name}.lua")).expect("read");
    let id = s.add_bot(name, Box::new(LuaActor::load(name, &src, 1, 0).expect("loads")));
    s.run_to_end(0, |_| {}).expect("run");
    let lines = s.log().iter().filter(|l| l.who == name).map(|l| format!("[{}] {}", l.block, l.text)).collect();
    (roi(s.world(), id).unwrap_or(0.0), lines)
}

#[test]
fn meme_rider_joins_a_pump_on_the_tutorial_and_leaves_when_the_foundation_switches() {
    // The tutorial's memecoin starts above the default exit share (its foundation waits
    // for 15% with five subnets): the bot joins the pump instead of sitting out the day.
    let (r, log) = alone("tutorial", "meme_rider");
    assert!(log.iter().any(|l| l.contains("leaving SN28")), "{log:#?}");
    assert!(r > 0.0, "ROI {r}: {log:#?}");
    // Bought above its guess at the threshold, it does not sell on that guess at its
    // next turn (it churned 19 round trips that way): it rides the pump.
    assert!(log.iter().filter(|l| l.contains("leaving")).count() <= 3, "{log:#?}");
    assert!(!log.iter().any(|l| l.contains("can out-vote the holders")), "{log:#?}");
    // On sn28-meme it sees the foundation's reward_sellers (a public policy) and leaves.
    let (r, log) = alone("sn28-meme", "meme_rider");
    assert!(log.iter().any(|l| l.contains("its validators now reward sellers")), "{log:#?}");
    assert!(r > 1.0, "ROI {r}: {log:#?}");
}
