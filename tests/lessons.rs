//! The lesson maps tell the seed article's story (issue 7, "What must hold"), and
//! `sweep` finds where the foundation's rescue starts to work again.

use std::process::{Command, Output};

use dtao_arena::engine::math::to_f64;
use dtao_arena::engine::{Policy, World};
use dtao_arena::scenario::{self, Map};

/// The memecoin subnet of the SN28 lessons.
const MEME: u16 = 28;

fn load(name: &str) -> (Map, World) {
    let m = scenario::load(name).unwrap_or_else(|e| panic!("{name}:\n{e}"));
    let w = m.build(None).unwrap_or_else(|e| panic!("{name}: {e}"));
    (m, w)
}

fn price(w: &World, netuid: u16) -> f64 {
    to_f64(w.subnet(netuid).expect("subnet").price())
}

/// Share of the last block's TAO emission.
#[allow(clippy::cast_precision_loss)]
fn share(w: &World, netuid: u16) -> f64 {
    let s = w.subnet(netuid).expect("subnet");
    s.last_emission as f64 / s.last_block_emission.max(1) as f64
}

fn rewards_sellers(w: &World, account: &str, netuid: u16) -> bool {
    let id = w.account_by_name(account).expect("account");
    w.account(id).expect("account").policy[usize::from(netuid)] == Policy::RewardSellers
}

#[test]
fn every_lesson_map_has_a_note_objectives_and_narration_and_runs_to_the_end() {
    // `transition` runs a year: its own test below runs it to the end.
    for name in scenario::LESSONS {
        let (m, mut w) = load(name);
        assert!(m.teacher_note.as_deref().is_some_and(|n| n.len() > 100), "{name}: teacher_note");
        assert!(m.objectives.len() >= 3, "{name}: objectives");
        let narrations =
            m.init.events.iter().filter(|e| matches!(e.kind, dtao_arena::engine::init::EventKind::Narrate(_))).count();
        assert!(narrations >= 4, "{name}: {narrations} narrate events");
        assert!(scenario::builtins().iter().any(|b| b.name == *name), "{name} is a built-in");
        let end = if *name == "transition" { 7_200 } else { m.blocks };
        w.run_until(end).unwrap_or_else(|e| panic!("{name}: {e}"));
        w.check_invariants().unwrap_or_else(|e| panic!("{name} at block {end}: {e}"));
    }
}

#[test]
fn sn28_meme_pumps_three_fold_then_the_intervention_crashes_it_within_a_day() {
    let (m, mut w) = load("sn28-meme");
    let start = price(&w, MEME);
    let mut peak = start;
    let mut intervention = None;
    while intervention.is_none() && w.block < m.blocks {
        w.step().expect("step");
        if rewards_sellers(&w, "foundation", MEME) {
            intervention = Some(w.block);
        } else {
            peak = peak.max(price(&w, MEME));
        }
    }
    let at = intervention.expect("the foundation intervenes on SN28");
    assert_eq!(w.controller(MEME), w.account_by_name("foundation"), "it controls SN28's consensus when it does");
    assert!(peak >= 3.0 * start, "SN28 rose only from {start} to {peak} before the intervention");
    let day = at + 7_200;
    assert!(day <= m.blocks, "the map must last a day after the intervention (block {at})");
    let mut low = f64::INFINITY;
    while w.block < day {
        w.step().expect("step");
        low = low.min(price(&w, MEME));
    }
    assert!(low <= 0.1 * peak, "SN28 fell only from {peak} to {low} in the day after block {at}");
    w.check_invariants().expect("invariants");
}

#[test]
fn one_year_later_the_foundation_tries_but_never_holds_a_majority_and_sn28_keeps_its_emission() {
    let (m, mut w) = load("one-year-later");
    let foundation = w.account_by_name("foundation");
    w.step().expect("step");
    let first = share(&w, MEME);
    let mut tried = false;
    while w.block < m.blocks {
        assert_ne!(w.controller(MEME), foundation, "the foundation holds a majority of SN28 at block {}", w.block);
        w.step().expect("step");
        tried |= rewards_sellers(&w, "foundation", MEME);
    }
    assert_ne!(w.controller(MEME), foundation);
    assert!(tried, "the foundation never even tried to intervene");
    let last = share(&w, MEME);
    assert!(last > first, "SN28's emission share fell from {first} to {last}");
}

/// A year takes a few seconds in the dev profile (measured: see README, "Testing").
#[test]
fn transition_average_root_proportion_falls_from_above_90_to_about_a_fifth() {
    let (m, mut w) = load("transition");
    assert_eq!(m.blocks, 2_628_000, "a year");
    let start = w.average_root_prop();
    assert!(start > 0.9, "average root proportion starts at {start}");
    w.run_until(m.blocks).expect("a year");
    let end = w.average_root_prop();
    assert!((0.15..=0.3).contains(&end), "average root proportion ends at {end}");
    w.check_invariants().expect("invariants");
}

fn sweep(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dtao-arena")).arg("sweep").args(args).output().expect("run binary")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn sweeping_tao_weight_on_one_year_later_finds_where_the_intervention_starts_to_succeed() {
    let dir = tempfile::tempdir().expect("tmp");
    let csv = dir.path().join("sweep.csv");
    let values = ["0.2", "0.4", "0.6", "0.8", "1.0"];
    let o = sweep(&[
        "--map",
        "one-year-later",
        "--param",
        "tao_weight",
        "--values",
        "0.2..1.0:0.2",
        "--seeds",
        "2",
        "--out",
        csv.to_str().expect("path"),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let mut r = csv::Reader::from_path(&csv).expect("csv");
    let header = r.headers().expect("header").clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"));
    let (value, seed, hit) = (col("value"), col("seed"), col("intervention"));
    col("sn28_emission_share");
    col("sn28_price_change");
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.expect("row")).collect();
    assert_eq!(rows.len(), values.len() * 2, "one row per value and seed");
    for (k, v) in values.iter().enumerate() {
        for (j, s) in [1, 2].iter().enumerate() {
            let row = &rows[2 * k + j];
            assert_eq!((&row[value], &row[seed]), (*v, s.to_string().as_str()));
        }
    }
    let took: Vec<bool> = rows.iter().map(|x| &x[hit] == "true").collect();
    // Not at mainnet's weight, and once it works it keeps working as root counts more.
    assert!(!took[0] && !took[1], "the intervention took control at tao_weight 0.2: {took:?}");
    assert!(took[8] && took[9], "the intervention never took control, even at tao_weight 1: {took:?}");
    let first = took.iter().position(|t| *t).expect("a success");
    assert!(took[first..].iter().all(|t| *t), "not monotone in tao_weight: {took:?}");
    let expected = if first % 2 == 0 { values[first / 2] } else { values[first / 2 + 1] };
    let out = text(&o.stdout);
    assert!(
        out.contains(&format!("The intervention took control in every run from tao_weight = {expected} on.")),
        "{out}"
    );
}

#[test]
fn sweep_results_do_not_depend_on_jobs() {
    let dir = tempfile::tempdir().expect("tmp");
    let run = |jobs: &str| {
        let path = dir.path().join(format!("j{jobs}.csv"));
        let o = sweep(&[
            "--map",
            "regimes",
            "--param",
            "emission_mode",
            "--values",
            "price,flow,root_vote",
            "--seeds",
            "3,4",
            "--blocks",
            "1500",
            "--bot",
            "momentum",
            "--jobs",
            jobs,
            "--out",
            path.to_str().expect("path"),
        ]);
        assert!(o.status.success(), "{}", text(&o.stderr));
        (text(&o.stdout), std::fs::read_to_string(&path).expect("csv"))
    };
    let (out1, csv1) = run("1");
    let (out3, csv3) = run("3");
    assert_eq!(csv1, csv3);
    assert_eq!(out1, out3);
    assert_eq!(csv1.lines().count(), 1 + 3 * 2);
    assert!(csv1.lines().next().expect("header").contains(",roi_momentum,"), "{csv1}");
}

#[test]
fn sweep_rejects_bad_flags_with_exit_code_2() {
    let o = sweep(&["--map", "tutorial", "--param", "tao_wieght", "--values", "0.1"]);
    assert_eq!(o.status.code(), Some(2));
    let e = text(&o.stderr);
    assert!(e.contains("unknown parameter 'tao_wieght'; did you mean 'tao_weight'?"), "{e}");
    for (values, why) in [
        ("0.5..0.1:0.1", "END is below START"),
        ("0.1..0.5", "the step is missing"),
        ("0.1..0.5:0", "STEP must be more than 0"),
        ("0.5,2", "'tao_weight' must be between 0 and 1"),
    ] {
        let o = sweep(&["--map", "tutorial", "--param", "tao_weight", "--values", values]);
        assert_eq!(o.status.code(), Some(2), "{values}");
        assert!(text(&o.stderr).contains(why), "{values}: {}", text(&o.stderr));
    }
    let o = sweep(&["--map", "tutorial", "--param", "tao_weight", "--values", "0.1", "--seeds", "0"]);
    assert_eq!(o.status.code(), Some(2));
}

/// The lessons' objectives with goals are reached by the story itself, in its order, and
/// a replay of the match knows them as the match did.
#[test]
fn lesson_objectives_are_reached_as_the_story_unfolds_and_replays_know_them() {
    use dtao_arena::record::wire;
    use dtao_arena::scenario::Goal;
    use dtao_arena::session::Session;

    let map = scenario::load("sn28-meme").expect("map");
    let goal = |f: fn(&Goal) -> bool| map.objectives.iter().position(|o| o.goal.as_ref().is_some_and(f)).expect("goal");
    let (pump, crash) =
        (goal(|g| matches!(g, Goal::PriceMultiple { .. })), goal(|g| matches!(g, Goal::PriceFall { .. })));
    let prompt = map.objectives.iter().position(|o| o.goal.is_none()).expect("a prompt");
    let mut s = Session::new(&map, None, None).expect("session");
    s.start_recording(chrono::DateTime::from_timestamp(1_764_000_000, 0).expect("time"));
    s.run_to_end(0, |_| {}).expect("runs");
    let o = s.objectives();
    let (p, c) = (o.reached(pump, None).expect("the pump is reached"), o.reached(crash, None).expect("the crash too"));
    assert!(p < c, "pump at {p}, crash at {c}");
    assert_eq!(p % dtao_arena::session::objectives::CHECK_EVERY, 0);
    assert_eq!(o.reached(prompt, None), None, "a prompt is never reached");
    // The crash comes within a day of the foundation's switch to reward_sellers.
    let (_, mut w) = load("sn28-meme");
    let mut switched = None;
    while switched.is_none() && w.block < map.blocks {
        w.step().expect("step");
        if rewards_sellers(&w, "foundation", MEME) {
            switched = Some(w.block);
        }
    }
    let switched = switched.expect("the foundation intervenes");
    assert!(c > switched && c <= switched + 7_200, "crash reached at {c}, intervention at {switched}");

    let rec = wire::decode(&wire::encode(&s.recording(chrono::Utc::now()).expect("recording"))).expect("decodes");
    let mut replay = Session::from_recording(&rec, None).expect("loads");
    replay.run_to_end(0, |_| {}).expect("replays");
    assert_eq!(replay.objectives().all_reached(None), o.all_reached(None));
    // The match log says when each was reached; the report's story keeps to the map's own
    // lines (the objectives have their section).
    let said = s.log().iter().filter(|l| l.text.starts_with(dtao_arena::session::OBJECTIVE_REACHED)).count();
    assert!(said >= 2, "{said} objective lines in the log");
    let lesson = dtao_arena::session::report::lesson(&s).expect("a lesson");
    assert!(!lesson.story.iter().any(|l| l.text.starts_with(dtao_arena::session::OBJECTIVE_REACHED)));

    // The crash is measured from the switch (`after`), whoever plays: with the seats of
    // a default `play`, whose bots pump SN28 themselves, the price falls 90% from its peak
    // long before the foundation acts; that fall must not count.
    let switch = map.objectives.iter().position(|o| matches!(o.goal, Some(Goal::Policy { .. }))).expect("the switch");
    assert_eq!(map.objectives[crash].after, Some(switch));
    let mut s = Session::new(&map, None, None).expect("session");
    s.add_human("you");
    for (seat, name) in ["momentum", "meme_rider", "root_holder"].into_iter().enumerate() {
        let src = std::fs::read_to_string(format!("strategies/{name}.lua")).expect("shipped strategy");
        let bot = dtao_arena::session::lua::LuaActor::load(name, &src, map.seed(), seat).expect("loads");
        s.add_bot(name, Box::new(bot));
    }
    s.run_to_end(0, |_| {}).expect("runs");
    let o = s.objectives();
    let (sw, c) = (o.reached(switch, None).expect("the foundation switches"), o.reached(crash, None).expect("a crash"));
    assert!(c > sw, "crash reached at {c}, before the switch at {sw}");

    // A year later the foundation's attempt is an objective too.
    let (m, mut w) = load("one-year-later");
    let k = m.objectives.iter().position(|o| matches!(o.goal, Some(Goal::Policy { .. }))).expect("policy goal");
    let mut t = dtao_arena::session::objectives::Objectives::new(&m.objectives, &w);
    w.run_until(m.blocks).expect("runs");
    t.observe(&w, true);
    assert_eq!(t.reached(k, None), Some(m.blocks), "reached by the end (checked once, at the end)");
}

/// The default map's pump objective waits for the story's pump (block 3,600): a player's
/// own large purchase of SN28 on the first blocks must not tick it.
#[test]
fn the_default_maps_pump_objective_waits_for_the_story() {
    use dtao_arena::engine::{Order, Tao};
    use dtao_arena::scenario::Goal;
    use dtao_arena::session::Session;

    let map = scenario::load("dtao-launch").expect("map");
    let pump = map
        .objectives
        .iter()
        .position(|o| o.goal.as_ref().is_some_and(|g| matches!(g, Goal::PriceMultiple { .. })))
        .expect("the pump objective");
    let mut s = Session::new(&map, None, Some(3_600)).expect("session");
    let me = s.add_human("whale");
    // The player's whole purse on SN28 at block 0: alone, it multiplies SN28's price.
    s.submit(me, Order::Stake { netuid: 28, tao: Tao(1_000 * 1_000_000_000), limit: None });
    while s.world().block < 3_600 {
        s.step().expect("step");
    }
    assert_eq!(s.objectives().reached(pump, None), None, "reached before the story's pump began");
}
