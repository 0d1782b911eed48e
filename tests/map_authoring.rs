//! A teacher's workflow of writing a map or a lesson from `maps/README.md`: the mistakes
//! people make get messages that say where the key belongs or what was meant, the
//! lesson features work as documented, the README's tables match the engine, `check`
//! stays fast on a large map and nothing panics on a broken one.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use dtao_arena::engine::params::PARAM_NAMES;
use dtao_arena::engine::{Params, Policy};
use dtao_arena::scenario::{self, MapError};
use dtao_arena::session::Session;

/// A valid map's start: two subnets (SN2 a holder memecoin) and a crowd that trades SN2
/// only. Tests append keys and tables.
const BASE: &str = "name = \"t\"\nblocks = 2000\n";
const SUBNETS: &str = "\n[[subnet]]\nnetuid = 1\ntao = 100.0\nalpha_in = 1000.0\n\n[[subnet]]\nnetuid = 2\nmechanism = \"holder\"\ntao = 100.0\nalpha_in = 1000.0\n";
const MEMERS: &str = "\n[[npc]]\nkind = \"retail\"\nname = \"memers\"\ncount = 5\nbudget = 10.0\nsubnets = [2]\n";

fn problems(source: &str) -> Vec<String> {
    match scenario::parse(source, "m.toml") {
        Ok(_) => Vec::new(),
        Err(MapError { problems }) => problems,
    }
}

fn only_problem(source: &str) -> String {
    let p = problems(source);
    assert_eq!(p.len(), 1, "expected one problem in:\n{source}\ngot:\n{}", p.join("\n"));
    p[0].clone()
}

fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dtao-arena")).args(args).current_dir(dir).output().expect("run binary")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn a_top_level_key_below_a_header_is_told_to_move_up_and_not_also_missing() {
    // `blocks` after [params]: one message, on its line, saying where it belongs.
    let m = only_problem(&format!("name = \"t\"\n[params]\ntempo = 10\nblocks = 100\n{SUBNETS}"));
    assert_eq!(
        m,
        "m.toml:4: params.blocks: blocks is a top-level key, but it is written below a [params] header, so TOML reads it as part of that table; move the line above the first [params], [[subnet]], [[npc]] or [[event]] header of the file"
    );
    // `objectives` and `teacher_note` after an NPC, `start_tao` after a subnet.
    let src = format!(
        "{BASE}{SUBNETS}start_tao = 50.0\n{MEMERS}teacher_note = \"x\"\nobjectives = [\"Watch\"]\n[[event]]\nblock = 1\nnarrate = \"hi\"\nseed = 3\n"
    );
    let p = problems(&src);
    let keys: Vec<&str> = p.iter().map(|m| m.split(": ").nth(1).unwrap_or("")).collect();
    assert_eq!(keys, ["subnet[2].start_tao", "npc[1].teacher_note", "npc[1].objectives", "event[1].seed"], "{p:?}");
    assert!(p.iter().all(|m| m.contains("is a top-level key") && m.contains("move the line above")), "{p:?}");
    // A subnet's own `name` is not mistaken for the map's.
    assert!(problems(&format!("{BASE}{SUBNETS}name = \"Meme\"\n")).is_empty());
    // A top-level key below an NPC of an unknown kind is still reported missing (the NPC's
    // keys are not read until its kind is right).
    let p = problems(&format!("name = \"t\"\n{SUBNETS}\n[[npc]]\nkind = \"retial\"\nblocks = 10\n"));
    assert!(p.iter().any(|m| m.contains("m.toml:1: blocks: missing")), "{p:?}");
}

#[test]
fn a_parameter_under_a_subnet_npc_or_event_is_told_to_move_to_params() {
    let m = only_problem(&format!("{BASE}{SUBNETS}tao_weight = 0.1\n"));
    assert_eq!(
        m,
        "m.toml:14: subnet[2].tao_weight: tao_weight is a parameter, not a key of a [[subnet]]; move it under [params]"
    );
    let m = only_problem(&format!("{BASE}{SUBNETS}{MEMERS}tempo = 100\n"));
    assert!(
        m.contains("npc[1].tempo: tempo is a parameter, not a key of a retail [[npc]]; move it under [params]"),
        "{m}"
    );
    let m =
        only_problem(&format!("{BASE}{SUBNETS}\n[[event]]\nblock = 1\nnarrate = \"x\"\ngenesis_root_stake = 5.0\n"));
    assert!(m.contains("event[1].genesis_root_stake: genesis_root_stake is a parameter"), "{m}");
}

#[test]
fn a_misspelt_required_key_is_one_problem() {
    let m = only_problem(&format!("name = \"t\"\nblokcs = 100\n{SUBNETS}"));
    assert_eq!(m, "m.toml:2: blokcs: unknown key; did you mean 'blocks'?");
    let m = only_problem(&format!("{BASE}\n[[subnet]]\nnetuid = 1\ntao = 1.0\nalpah_in = 10.0\n"));
    assert_eq!(m, "m.toml:7: subnet[1].alpah_in: unknown key; did you mean 'alpha_in'?");
    let m = only_problem(&format!("{BASE}{SUBNETS}\n[[event]]\nblok = 5\nnarrate = \"x\"\n"));
    assert!(m.ends_with("event[1].blok: unknown key; did you mean 'block'?"), "{m}");
    // A plural table name is one problem, not also "the map has no subnets".
    let m = only_problem(&format!("{BASE}\n[[subnets]]\nnetuid = 1\ntao = 1.0\nalpha_in = 10.0\n"));
    assert_eq!(m, "m.toml:4: subnets: unknown key; did you mean [[subnet]]?");
    let m = only_problem(&format!("{BASE}[param]\ntempo = 10\n{SUBNETS}"));
    assert_eq!(m, "m.toml:3: param: unknown key; did you mean [params]?");
    // A key that is only close to a present one is still missing.
    let p = problems(&format!("{BASE}\n[[subnet]]\nnetuid = 1\ntao = 1.0\nalpha_out = 10.0\n"));
    assert!(p.iter().any(|m| m.contains("subnet[1].alpha_in: missing")), "{p:?}");
}

/// TAO cannot be held before it is issued: a `total_issuance` below what the map holds
/// at block 0 (pools, root stake, NPCs) is refused; left out, it is not checked.
#[test]
fn total_issuance_covers_the_tao_held_at_block_0() {
    let m = only_problem(&format!("{BASE}[params]\ntotal_issuance = 1.0\n{SUBNETS}"));
    assert_eq!(
        m,
        "m.toml:4: params.total_issuance: 1 TAO issued is less than the 200 TAO the map holds at block 0 (pools, \
         root stake and NPCs); set it to at least 200 TAO: TAO cannot be held before it is issued"
    );
    assert!(problems(&format!("{BASE}[params]\ntotal_issuance = 200.0\n{SUBNETS}")).is_empty());
    assert!(problems(&format!("{BASE}{SUBNETS}")).is_empty());
}

#[test]
fn rates_written_as_percentages_get_the_fraction_they_meant() {
    let m = only_problem(&format!("{BASE}[params]\nowner_cut = 18\n{SUBNETS}"));
    assert_eq!(
        m,
        "m.toml:4: params.owner_cut: must be between 0 and 1; rates are fractions: if you meant 18%, write 0.18"
    );
    let m =
        only_problem(&format!("{BASE}{SUBNETS}\n[[event]]\nblock = 5\nparam = {{ key = \"kappa\", value = 50 }}\n"));
    assert!(
        m.ends_with(
            "event[1].param.value: kappa must be between 0 and 1; rates are fractions: if you meant 50%, write 0.5"
        ),
        "{m}"
    );
    let m = only_problem(&format!(
        "{BASE}{SUBNETS}\n[[npc]]\nkind = \"foundation\"\nroot_stake = 10.0\nshare_threshold = 3\n"
    ));
    assert!(m.ends_with("(if you meant 3%, write 0.03)"), "{m}");
    let m = only_problem(&format!(
        "name = \"t\"\nblocks = 10\nobjectives = [{{ text = \"x\", when = {{ price_fall = 90, netuid = 1 }} }}]\n{SUBNETS}"
    ));
    assert!(m.ends_with("(if you meant 90%, write 0.9)"), "{m}");
    // A value above 100, or a small one such as 1.5, is not guessed at.
    let m = only_problem(&format!("{BASE}[params]\ntao_weight = 1.5\n{SUBNETS}"));
    assert!(!m.contains("meant"), "{m}");
    let m = only_problem(&format!("{BASE}[params]\ntao_weight = 180\n{SUBNETS}"));
    assert!(!m.contains("meant"), "{m}");
    // Rates that may exceed 1 (momentum up to 100) take 18 as it is.
    assert!(problems(&format!("{BASE}{SUBNETS}{MEMERS}momentum = 18\n")).is_empty());
}

#[test]
fn event_blocks_are_checked_against_the_match() {
    for (block, want) in [
        ("-5", "event[1].block: must be a whole number from 0 to 1999; "),
        ("2.5", "event[1].block: must be a whole number from 0 to 1999; "),
        ("2000", "event[1].block: 2000 is not before the end of the match (blocks = 2000); use a block from 0 to 1999"),
    ] {
        let m = only_problem(&format!("{BASE}{SUBNETS}\n[[event]]\nblock = {block}\nnarrate = \"x\"\n"));
        assert!(m.contains(want), "block {block}: {m}");
    }
    // Events need not be in block order in the file.
    let src =
        format!("{BASE}{SUBNETS}\n[[event]]\nblock = 1999\nnarrate = \"b\"\n[[event]]\nblock = 0\nnarrate = \"a\"\n");
    assert!(problems(&src).is_empty());
    // Without a valid `blocks` the range is open.
    let p = problems(&format!("name = \"t\"\nblocks = 0\n{SUBNETS}\n[[event]]\nblock = -1\nnarrate = \"x\"\n"));
    assert!(p.iter().any(|m| m.contains("event[1].block: must be a whole number 0 or more")), "{p:?}");
}

#[test]
fn a_param_event_cannot_change_the_worlds_start() {
    for key in ["total_issuance", "genesis_root_stake"] {
        let m = only_problem(&format!(
            "{BASE}{SUBNETS}\n[[event]]\nblock = 5\nparam = {{ key = \"{key}\", value = 1.0 }}\n"
        ));
        assert!(m.contains(&format!("param.key: {key} sets the world at block 0 and cannot change during a match; set it under [params] instead")), "{m}");
    }
}

#[test]
fn hype_must_reach_a_crowd_that_trades_the_subnet() {
    let hype = |crowd: &str, netuid: u16| {
        format!("\n[[event]]\nblock = 5\nhype = {{ crowd = \"{crowd}\", netuid = {netuid}, amount = 0.5 }}\n")
    };
    let m = only_problem(&format!("{BASE}{SUBNETS}{MEMERS}{}", hype("memers", 1)));
    assert!(
        m.ends_with("event[1].hype.netuid: crowd 'memers' trades only SN2 (its subnets), so hype about SN1 would change nothing; hype one of its subnets, or add 1 to the crowd's subnets = [2]"),
        "{m}"
    );
    let m = only_problem(&format!("{BASE}{SUBNETS}{MEMERS}{}", hype("*", 1)));
    assert!(m.contains("hype.netuid: no crowd trades SN1"), "{m}");
    let m = only_problem(&format!("{BASE}{SUBNETS}{}", hype("*", 1)));
    assert!(
        m.contains("hype.crowd: the map has no crowds, so this hype would change nothing; add a retail [[npc]]"),
        "{m}"
    );
    // A crowd that trades the subnet, or every subnet, is fine.
    assert!(problems(&format!("{BASE}{SUBNETS}{MEMERS}{}", hype("memers", 2))).is_empty());
    assert!(problems(&format!("{BASE}{SUBNETS}{MEMERS}{}", hype("*", 2))).is_empty());
    let all = "\n[[npc]]\nkind = \"retail\"\nname = \"all\"\ncount = 2\nbudget = 1.0\n";
    assert!(problems(&format!("{BASE}{SUBNETS}{MEMERS}{all}{}{}", hype("all", 1), hype("*", 1))).is_empty());
}

#[test]
fn a_subnet_turned_revenue_by_an_event_needs_its_revenue_table() {
    let event = "\n[[event]]\nblock = 5\nset_mechanism = { netuid = 1, mechanism = \"revenue\" }\n";
    let m = only_problem(&format!("{BASE}{SUBNETS}{event}"));
    assert!(
        m.ends_with("event[1].set_mechanism.mechanism: SN1 has no outside revenue, so as a revenue subnet it would work like a utility subnet; add revenue = { tao_per_day = 50.0 } to its [[subnet]] (subnet[1], line 5): the buybacks start when it turns revenue"),
        "{m}"
    );
    let with_income =
        SUBNETS.replacen("alpha_in = 1000.0\n", "alpha_in = 1000.0\nrevenue = { tao_per_day = 5.0 }\n", 1);
    let map = scenario::parse(&format!("{BASE}{with_income}{event}"), "m.toml").expect("valid");
    assert!(map.init.subnets[0].revenue.is_some());
}

#[test]
fn a_price_multiple_must_be_above_one() {
    for x in ["0.5", "1.0", "1"] {
        let m = only_problem(&format!(
            "name = \"t\"\nblocks = 10\nobjectives = [{{ text = \"x\", when = {{ price_multiple = {x}, netuid = 1 }} }}]\n{SUBNETS}"
        ));
        assert!(
            m.contains("price_multiple: must be above 1: the price starts at 1x, so this would be reached at once"),
            "{m}"
        );
    }
    let ok =
        "name = \"t\"\nblocks = 10\nobjectives = [{ text = \"x\", when = { price_multiple = 1.01, netuid = 1 } }]\n";
    assert!(problems(&format!("{ok}{SUBNETS}")).is_empty());
}

#[test]
fn names_and_descriptions_are_one_line_but_notes_and_narration_may_be_long() {
    let m = only_problem(&format!("name = \"a\\tb\"\nblocks = 10\n{SUBNETS}"));
    assert!(m.starts_with("m.toml:1: name: must be one line"), "{m}");
    let m = only_problem(&format!("{BASE}description = \"\"\"one\ntwo\"\"\"\n{SUBNETS}"));
    assert!(m.starts_with("m.toml:3: description: must be one line"), "{m}");
    let src = format!(
        "{BASE}description = \"Ωmega 🚀 日本語\"\nteacher_note = \"\"\"one\ntwo\"\"\"\n{SUBNETS}\n[[event]]\nblock = 1\nnarrate = \"\"\"a\nb\"\"\"\n"
    );
    let map = scenario::parse(&src, "m.toml").expect("valid");
    assert_eq!(map.description, "Ωmega 🚀 日本語");
}

/// The `[params]` table of maps/README.md: every parameter, with the engine's default.
#[test]
fn the_readme_parameter_table_lists_every_parameter_with_its_default() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("maps/README.md")).expect("README");
    let section = readme.split("## `[params]`").nth(1).and_then(|s| s.split("\n## ").next()).expect("[params] section");
    let mut seen = Vec::new();
    for row in section.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = row.split(" | ").map(|c| c.trim_matches(|ch| ch == '|' || ch == ' ')).collect();
        let key = cells[0].trim_matches('`');
        let default = cells[1].trim_matches('`');
        if !PARAM_NAMES.contains(&key) {
            continue;
        }
        seen.push(key.to_string());
        let src = format!(
            "name = \"p\"\nblocks = 1\n[params]\n{key} = {default}\n[[subnet]]\nnetuid = 1\ntao = 10\nalpha_in = 10\n"
        );
        let map = scenario::parse(&src, "p").unwrap_or_else(|e| panic!("{key} = {default}: {e}"));
        assert_eq!(map.init.params, Params::default(), "README's default of {key} ({default}) is not the engine's");
    }
    let missing: Vec<&&str> = PARAM_NAMES.iter().filter(|k| !seen.iter().any(|s| s == *k)).collect();
    assert!(missing.is_empty(), "parameters missing from README's [params] table: {missing:?}");
}

#[test]
fn the_readme_starter_map_checks() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("maps/README.md")).expect("README");
    let section = readme.split("## Writing a map").nth(1).expect("a Writing a map section");
    let toml = section.split("```toml\n").nth(1).and_then(|s| s.split("```").next()).expect("a toml example");
    let map = scenario::parse(toml, "starter").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(map.init.subnets.len(), 2);
}

/// A teacher's lesson: narration, a scripted hype, a policy set by an event on a
/// subnet's owner, and objectives the game checks, reached as the match runs.
#[test]
fn a_lesson_narrates_and_reaches_its_objectives() {
    let src = r#"
name = "lesson"
blocks = 3000
seed = 3
teacher_note = "Stop at block 1000 and ask who sells."
objectives = [
  "Say why SN2 pumps",
  { text = "SN2 doubles", when = { price_multiple = 2.0, netuid = 2 } },
  { text = "The owner rewards sellers", when = { policy = "reward_sellers", account = "meme-inc", netuid = 2 } },
  { text = "Nobody reaches this", when = { price_multiple = 1000.0, netuid = 1 } },
]
[params]
moving_alpha = 0.0003

[[subnet]]
netuid = 1
tao = 1000.0
alpha_in = 5000.0
moving_price = 0.2

[[subnet]]
netuid = 2
name = "Meme"
mechanism = "holder"
tao = 100.0
alpha_in = 1000.0
moving_price = 0.1
owner = "meme-inc"

[[npc]]
kind = "retail"
name = "crowd"
count = 20
budget = 20.0
cadence = 50
subnets = [2]
momentum = 0.0
yield_weight = 0.0
threshold = 0.5

[[event]]
block = 500
narrate = "The crowd discovers SN2."

[[event]]
block = 500
hype = { crowd = "crowd", netuid = 2, amount = 1.0 }

[[event]]
block = 1500
policy = { account = "meme-inc", netuid = 2, policy = "reward_sellers" }
"#;
    let map = scenario::parse(src, "lesson.toml").unwrap_or_else(|e| panic!("{e}"));
    let mut s = Session::new(&map, None, None).expect("session");
    while s.world().block < map.blocks {
        s.step().expect("step");
    }
    assert!(s.log().iter().any(|l| l.block == 500 && l.who == "map" && l.text == "The crowd discovers SN2."));
    let reached = s.objectives().all_reached(None);
    assert_eq!(reached[0], None, "a prompt is never reached");
    let pump = reached[1].expect("SN2 doubles after the hype");
    assert!(pump > 500, "reached at {pump}, before the hype");
    let policy = reached[2].expect("the owner's policy event is seen");
    assert!((1500..=1510).contains(&policy), "policy reached at {policy}");
    assert_eq!(reached[3], None);
    let owner = s.world().account_by_name("meme-inc").expect("owner");
    assert_eq!(s.world().account(owner).expect("owner").policy[2], Policy::RewardSellers, "the event's policy stays");
}

#[test]
fn check_tells_a_map_from_a_strategy_and_counts_in_words() {
    let d = tempfile::tempdir().expect("tempdir");
    let map = format!("{BASE}\n[[subnet]]\nnetuid = 1\ntao = 100.0\nalpha_in = 1000.0\n");
    std::fs::write(d.path().join("map.lua"), &map).expect("write");
    let o = run_in(d.path(), &["check", "map.lua"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr)
            .contains("map.lua: this file looks like a map, not a Lua strategy: name it .toml to check it as a map"),
        "{}",
        text(&o.stderr)
    );
    std::fs::write(d.path().join("bot.toml"), "cadence = 10\nfunction on_tick(w)\nend\n").expect("write");
    let o = run_in(d.path(), &["check", "bot.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains(
            "this file looks like a Lua strategy, not a map: a strategy is a .lua file; rename it to bot.lua, then \
             give it with --bot or to check"
        ),
        "{}",
        text(&o.stderr)
    );
    // Without an extension too.
    std::fs::write(d.path().join("mybot"), "cadence = 10\nfunction on_tick(w)\nend\n").expect("write");
    let o = run_in(d.path(), &["check", "mybot"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("rename it to mybot.lua"), "{}", text(&o.stderr));
    // A real strategy error is not mistaken for a map.
    std::fs::write(d.path().join("broken.lua"), "function on_tick(w)\n").expect("write");
    let o = run_in(d.path(), &["check", "broken.lua"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!text(&o.stderr).contains("looks like a map"), "{}", text(&o.stderr));
    std::fs::write(d.path().join("map.toml"), &map).expect("write");
    let o = run_in(d.path(), &["check", "map.toml"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout), "ok: map 't' (map.toml): 1 subnet, 1 account, 0 NPC groups, 0 events, 2000 blocks\n");
    // An empty file and a folder are problems, not panics.
    std::fs::write(d.path().join("empty.toml"), "").expect("write");
    let o = run_in(d.path(), &["check", "empty.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("empty.toml:1: the file has no keys; a map needs name, blocks"),
        "{}",
        text(&o.stderr)
    );
    std::fs::create_dir(d.path().join("folder.toml")).expect("mkdir");
    let o = run_in(d.path(), &["check", "folder.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("folder.toml: this is a folder"), "{}", text(&o.stderr));
}

/// Lines were found by scanning the source from its start for every table: a map with
/// tens of thousands of events took minutes to check. With a line index it is instant.
#[test]
fn a_large_map_checks_in_seconds() {
    let mut src = format!("{BASE}{SUBNETS}");
    for i in 0..40_000 {
        src.push_str(&format!("\n[[event]]\nblock = {}\nnarrate = \"Event {i}: {}\"\n", i % 2000, "x".repeat(80)));
    }
    src.push_str("\n[[event]]\nblock = 1\nnarate = \"typo at the end\"\n");
    let start = Instant::now();
    let p = problems(&src);
    let took = start.elapsed();
    assert_eq!(p.len(), 2, "{:?}", &p[..p.len().min(4)]);
    assert!(p[0].starts_with("m.toml:160015: event[40001]: has no action"), "{}", p[0]);
    assert!(took < Duration::from_secs(15), "checking a {} KiB map took {took:?}", src.len() >> 10);
}

/// Each new account's name was checked against every account before it: a map whose
/// crowds have 100,000 members in all took minutes to build (300,000 never finished).
#[test]
fn a_world_of_many_crowd_members_builds_in_seconds() {
    let mut src = format!("{BASE}{SUBNETS}");
    for c in 0..10 {
        src.push_str(&format!("\n[[npc]]\nkind = \"retail\"\nname = \"crowd{c}\"\ncount = 10000\nbudget = 1.0\n"));
    }
    let map = scenario::parse(&src, "m.toml").expect("a valid map");
    let start = Instant::now();
    let w = dtao_arena::engine::World::new(&map.init).expect("a world");
    let took = start.elapsed();
    assert!(w.accounts.len() > 100_000, "{}", w.accounts.len());
    let last = w.accounts.last().expect("accounts");
    assert_eq!(w.account_by_name(&last.name), Some(last.id));
    assert!(took < Duration::from_secs(10), "building {} accounts took {took:?}", w.accounts.len());
}

/// Every line of the tutorial, removed or given a wrong value, gives problems or a map
/// that builds and runs: never a panic.
#[test]
fn broken_copies_of_the_tutorial_never_panic() {
    let source = scenario::builtins().into_iter().find(|b| b.name == "tutorial").expect("tutorial").source;
    let lines: Vec<&str> = source.lines().collect();
    let values = ["-1", "0", "18", "1e300", "-1e300", "\"x\"", "[]", "{}", "true", "9223372036854775807", "\"\""];
    let mut variants = 0;
    for i in 0..lines.len() {
        let mut copies =
            vec![lines.iter().enumerate().filter(|(k, _)| *k != i).map(|(_, l)| *l).collect::<Vec<_>>().join("\n")];
        if let Some((key, _)) = lines[i].split_once(" = ") {
            for v in values {
                let mut changed = lines.clone();
                let line = format!("{key} = {v}");
                changed[i] = &line;
                copies.push(changed.join("\n"));
            }
        }
        for copy in copies {
            variants += 1;
            let Ok(map) = scenario::parse(&copy, "copy") else { continue };
            let mut w = map.build(None).unwrap_or_else(|e| panic!("line {}: parsed but does not build: {e}", i + 1));
            w.run_until(3).unwrap_or_else(|e| panic!("line {}: {e}", i + 1));
        }
    }
    assert!(variants > 500, "only {variants} variants");
}

/// Control and invisible formatting characters in any text the game prints are refused
/// with the line (a subnet's name that cleared the screen reached `sim`'s table), and a
/// message that quotes the map's own text shows them as escapes.
#[test]
fn printed_texts_take_no_control_characters_and_messages_show_them_escaped() {
    let bad = [
        ("name = \"Ap\\u001b[2Jex\"", "subnet[1].name"),
        ("owner = \"team\\u0007\"", "subnet[1].owner"),
        ("name = \"SN\\u2067one\"", "subnet[1].name"),
    ];
    for (line, key) in bad {
        let src = format!("{BASE}\n[[subnet]]\nnetuid = 1\n{line}\ntao = 100.0\nalpha_in = 1000.0\n");
        let m = only_problem(&src);
        assert!(m.starts_with(&format!("m.toml:6: {key}: must be one line of text without control characters")), "{m}");
    }
    // Objectives are listed one per line; a narration may take several lines, but only
    // line breaks.
    let m = only_problem(&format!("{BASE}objectives = [\"one\\ntwo\"]\n{SUBNETS}"));
    assert!(m.starts_with("m.toml:3: objectives[1]: must be one line of text") && m.contains("a line break"), "{m}");
    let m = only_problem(&format!("{BASE}{SUBNETS}\n[[event]]\nblock = 1\nnarrate = \"a\\tb\"\n"));
    assert!(m.contains("event[1].narrate: may take several lines") && m.contains("a tab"), "{m}");
    // Zero-width joiners (emoji, scripts) are text.
    scenario::parse(&format!("{BASE}objectives = [\"👩\u{200d}🏫 teach\"]\n{SUBNETS}"), "m.toml").expect("valid");
    // A misspelt key or a name an event refers to is quoted with escapes.
    let m = only_problem(&format!("{BASE}\"bl\\u001b[2Jocks\" = 1\n{SUBNETS}"));
    assert!(!m.contains('\u{1b}') && m.contains("\\u{1b}[2J"), "{m}");
    let src = format!(
        "{BASE}{SUBNETS}{MEMERS}\n[[event]]\nblock = 1\nhype = {{ crowd = \"x\\u001b]0;t\\u0007\", netuid = 2, amount = 0.5 }}\n"
    );
    let m = only_problem(&src);
    assert!(!m.contains('\u{1b}') && !m.contains('\u{7}') && m.contains("\\u{1b}]0;t\\u{7}"), "{m}");
}

/// A map's name titles the game and names its save files: at most 64 characters.
#[test]
fn a_map_name_has_a_length_limit() {
    let ok = format!("name = \"{}\"\nblocks = 10\n{SUBNETS}", "é".repeat(scenario::MAX_NAME_CHARS));
    scenario::parse(&ok, "m.toml").expect("64 characters are fine");
    let m = only_problem(&format!("name = \"{}\"\nblocks = 10\n{SUBNETS}", "x".repeat(5000)));
    assert!(m.starts_with("m.toml:1: name: is 5000 characters long, more than the 64"), "{m}");
    assert!(m.contains("shorten it") && m.len() < 300, "{m}");
}
