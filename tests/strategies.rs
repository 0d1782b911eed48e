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
        .map(|a| roi(w, a.id))
        .collect();
    #[allow(clippy::cast_precision_loss)]
    let crowd_roi = crowd.iter().sum::<f64>() / crowd.len().max(1) as f64;
    let out = ids.iter().map(|(n, id)| (n.clone(), roi(w, *id), w.account(*id).map_or(0, |a| a.faults))).collect();
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
