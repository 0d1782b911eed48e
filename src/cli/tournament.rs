//! `dtao-arena tournament`: many matches in parallel; the leaderboard on stdout and
//! CSV/JSON files in `--out`.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::fsutil::{Output, check_outputs, write_with_backup};
use super::{CliError, CliResult, strategy};
use crate::tournament::{self, Plan};

#[derive(Debug, clap::Args)]
pub struct TournamentArgs {
    /// Strategy files, shipped names or folders (every *.lua but template.lua); options as
    /// NAME:key=value,... (momentum:lookback=8 and momentum:lookback=2 are two entrants).
    #[arg(long, num_args = 1.., required = true, value_name = "DIR|FILE")]
    pub strategies: Vec<PathBuf>,
    /// Maps to play, comma-separated (built-in names or paths), used in turn.
    #[arg(long, value_delimiter = ',', default_value = "dtao-launch")]
    pub maps: Vec<String>,
    /// Number of matches.
    #[arg(long, default_value_t = 8, allow_negative_numbers = true, value_parser = parse_matches)]
    pub matches: u64,
    /// Blocks per match (default: each map's length).
    #[arg(long, allow_negative_numbers = true, value_parser = super::parse_blocks)]
    pub blocks: Option<u64>,
    /// Tournament seed; match i plays with a seed derived from it and i.
    #[arg(long, default_value_t = 1, allow_negative_numbers = true, value_parser = super::parse_seed)]
    pub seed: u64,
    /// Worker threads (default: the machine's cores). Never changes the results.
    #[arg(long, allow_negative_numbers = true, value_parser = super::parse_jobs)]
    pub jobs: Option<u64>,
    /// Folder for matches.csv, leaderboard.csv, leaderboard.json and by_map.csv (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Also write every match's replay to DIR/replays/ (needs --out); watch one with
    /// `dtao-arena replay DIR/replays/match-0000.dtrec` (named by the `match` column of
    /// `matches.csv`).
    #[arg(long, requires = "out")]
    pub record: bool,
    /// Play without the strategies that do not load or whose init fails on a map (each
    /// named, with why), rather than refuse the whole tournament: for a folder of many
    /// authors' bots.
    #[arg(long)]
    pub skip_broken: bool,
}

/// The most matches a tournament plays.
const MAX_MATCHES: u64 = 100_000;

/// `--matches`: a whole number from 1 to [`MAX_MATCHES`].
fn parse_matches(s: &str) -> Result<u64, String> {
    match s.trim().parse::<u64>() {
        Ok(n) if (1..=MAX_MATCHES).contains(&n) => Ok(n),
        _ => Err(format!("give a whole number of matches from 1 to {MAX_MATCHES} (such as 32)")),
    }
}

pub fn run(a: &TournamentArgs) -> CliResult {
    let entrants = strategy::collect(&a.strategies)?;
    let mut maps: Vec<crate::scenario::Map> = Vec::new();
    for m in &a.maps {
        if m.trim().is_empty() {
            return Err(CliError::input(format!(
                "--maps '{}' has an empty name: list maps with single commas, such as --maps tutorial,dtao-launch",
                a.maps.join(",")
            )));
        }
        let map = crate::scenario::load(m.trim())?;
        // The tables name a match's map by its `name`: two maps of one name could not
        // be told apart (a copy of dtao-launch, changed but not renamed).
        if let Some((other, _)) = a.maps.iter().zip(&maps).find(|(_, x)| x.init.name == map.init.name) {
            return Err(CliError::input(format!(
                "--maps: '{}' and '{}' are both named '{}', and the results name maps by their name: \
                 give the map file its own name = \"...\" (or list one map once)",
                other.trim(),
                m.trim(),
                map.init.name
            )));
        }
        maps.push(map);
    }
    // Every strategy must load, and every output be writable, before hours of matches
    // start.
    let entrants = playable(a, entrants, &maps)?;
    if let Some(dir) = &a.out {
        check_out_dir(a, dir)?;
    }
    let plan = Plan {
        maps,
        matches: usize::try_from(a.matches).unwrap_or(usize::MAX),
        blocks: a.blocks,
        seed: a.seed,
        entrants,
        record_to: None,
    };
    let mut plan = plan;
    if a.record {
        plan.record_to = a.out.as_ref().map(|dir| dir.join("replays"));
    }
    if plan.matches < plan.maps.len() {
        let idle: Vec<String> = plan.maps[plan.matches..].iter().map(|m| m.init.name.clone()).collect();
        note!(
            "note: {} for {} maps, which take the matches in turn: {} {} no match; give --matches {} or more to play \
             every map",
            crate::text::count(plan.matches, "match", "matches"),
            plan.maps.len(),
            crate::text::and_list(&idle),
            if idle.len() == 1 { "gets" } else { "get" },
            plan.maps.len()
        );
    }
    let jobs = a.jobs.map_or_else(
        || std::thread::available_parallelism().map_or(1, usize::from),
        |j| usize::try_from(j).unwrap_or(1),
    );
    let bar = super::progress_bar(a.matches, "matches");
    let done = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    stop_says_what_was_kept(a, &bar, &done);
    let progress = |n: usize| {
        done.store(n, std::sync::atomic::Ordering::Relaxed);
        bar.set_position(n as u64);
    };
    let rows = tournament::run(&plan, jobs, &tournament::lua_actor, &progress)
        .map_err(|e| CliError::runtime(e.to_string()))?;
    // Every match has run: a stop from here on interrupts the writing of the tables.
    done.store(usize::MAX, std::sync::atomic::Ordering::Relaxed);
    bar.finish_and_clear();
    let board = tournament::leaderboard(&plan.entrants, &rows);
    out!(
        "{} x {} on {} | {} | seed {}\n",
        crate::text::count(plan.matches, "match", "matches"),
        crate::text::count(plan.entrants.len(), "strategy", "strategies"),
        plan.maps.iter().map(|m| m.init.name.as_str()).collect::<Vec<_>>().join(", "),
        match plan.blocks {
            Some(b) => format!("{} blocks a match", crate::text::thousands(b)),
            None if plan.maps.len() == 1 => "the map's length".to_string(),
            None => "each map's length".to_string(),
        },
        a.seed
    );
    // The name column fits the longest name (options make long ones), from 24.
    let nw = board.iter().map(|s| s.strategy.chars().count()).max().unwrap_or(0).max(24);
    out!(
        "{:<4} {:<nw$} {:>7} {:>9} {:>9} {:>21} {:>8} {:>6} {:>8}",
        "rank",
        "strategy",
        "matches",
        "mean ROI",
        "median",
        "95% CI",
        "win rate",
        "faults",
        "forfeits"
    );
    for s in &board {
        let ci = match (s.ci95_low, s.ci95_high) {
            (Some(lo), Some(hi)) => format!("{:>9.2}% .. {:>7.2}%", percent(lo), percent(hi)),
            _ => "- (one match)".to_string(),
        };
        out!(
            "{:<4} {:<nw$} {:>7} {:>8.2}% {:>8.2}% {:>21} {:>7.1}% {:>6} {:>8}",
            s.rank,
            s.strategy,
            s.matches,
            percent(s.mean_roi),
            percent(s.median_roi),
            ci,
            s.win_rate * 100.0,
            s.faults,
            s.forfeits
        );
    }
    // Why a strategy faulted, once per strategy: a forfeited bot scores what it held, so
    // a bot that crashes at once can top a leaderboard of losing ones.
    for e in &plan.entrants {
        let mine: Vec<(String, crate::session::SeatFaults)> = rows
            .iter()
            .filter(|r| r.strategy == e.name)
            .map(|r| {
                let f = crate::session::SeatFaults {
                    faults: r.faults,
                    forfeited: r.forfeited,
                    first: r.first_fault.clone(),
                    wall_clock: r.wall_clock_faults,
                };
                (format!("match {}", r.match_index), f)
            })
            .collect();
        strategy::report_faults(
            &e.name,
            plan.matches,
            ("match", "matches"),
            mine.iter().map(|(at, f)| (at.clone(), f)),
        );
    }
    if let Some(text) = forfeit_above_note(&board) {
        note!("{text}");
    }
    if let Some(text) = fault_above_note(&board) {
        note!("{text}");
    }
    let names: Vec<String> = plan.maps.iter().map(|m| m.init.name.clone()).collect();
    let per_map = tournament::by_map(&plan.entrants, &names, &rows);
    if per_map.len() > 1 {
        print_by_map(&board, &per_map, nw);
    }
    for map in same_every_match(&plan, &rows) {
        note!(
            "on {map}, every match gave every strategy the same score: over {} this map plays the same whatever \
             the seed (its crowds and events have not yet drawn on it), so its matches add no information and the \
             intervals say nothing; give more --blocks (or another map)",
            plan.blocks.map_or_else(|| "its length".to_string(), |b| format!("{} blocks", crate::text::thousands(b)))
        );
    }
    if let Some(dir) = &a.out {
        write_with_backup(&dir.join("matches.csv"), |w| {
            let mut c = csv::Writer::from_writer(w);
            c.write_record([
                "match",
                "map",
                "seed",
                "strategy",
                "score_tao",
                "roi",
                "rank",
                "faults",
                "forfeited",
                "seat",
                "blocks",
                "state_hash",
            ])
            .map_err(std::io::Error::other)?;
            for r in &rows {
                c.write_record([
                    r.match_index.to_string(),
                    r.map.clone(),
                    r.seed.to_string(),
                    r.strategy.clone(),
                    format!("{:.9}", r.score_tao),
                    format!("{:.9}", r.roi),
                    r.rank.to_string(),
                    r.faults.to_string(),
                    r.forfeited.to_string(),
                    r.seat.to_string(),
                    r.blocks.to_string(),
                    r.state_hash.clone(),
                ])
                .map_err(std::io::Error::other)?;
            }
            c.flush()
        })?;
        write_with_backup(&dir.join("leaderboard.csv"), |w| {
            let mut c = csv::Writer::from_writer(w);
            c.write_record(STANDING_COLUMNS).map_err(std::io::Error::other)?;
            for s in &board {
                c.write_record(standing_record(s)).map_err(std::io::Error::other)?;
            }
            c.flush()
        })?;
        let json = serde_json::to_string_pretty(&board).map_err(|e| CliError::runtime(e.to_string()))?;
        write_with_backup(&dir.join("leaderboard.json"), |w| w.write_all(format!("{json}\n").as_bytes()))?;
        write_with_backup(&dir.join("by_map.csv"), |w| {
            let mut c = csv::Writer::from_writer(w);
            c.write_record(std::iter::once("map").chain(STANDING_COLUMNS)).map_err(std::io::Error::other)?;
            for (map, standings) in &per_map {
                for s in standings {
                    c.write_record(std::iter::once(map.clone()).chain(standing_record(s)))
                        .map_err(std::io::Error::other)?;
                }
            }
            c.flush()
        })?;
        note!("wrote {{{}}} in {}", TABLES.join(", "), super::shown_path(dir));
        if a.record {
            let s = if a.matches == 1 { "" } else { "s" };
            note!("wrote {} replay{s} to {}", a.matches, super::shown_path(&dir.join("replays")));
        }
    }
    Ok(())
}

/// On Ctrl-C (or `kill`), says what the stopped tournament leaves behind before it
/// exits (code 130): no tables, and with `--record` the replays of the matches that
/// finished. (Without this the default signal just ended the process in silence.)
fn stop_says_what_was_kept(
    a: &TournamentArgs,
    bar: &indicatif::ProgressBar,
    done: &std::sync::Arc<std::sync::atomic::AtomicUsize>,
) {
    let (bar, done, total) = (bar.clone(), std::sync::Arc::clone(done), a.matches);
    let kept = match (&a.out, a.record) {
        (Some(dir), true) => format!(
            "; the replays of the finished matches are kept in {} (no matches.csv or leaderboard was written)",
            dir.join("replays").display()
        ),
        (Some(dir), false) => format!("; nothing was written to {}", dir.display()),
        (None, _) => String::new(),
    };
    let writing = a.out.as_ref().map_or_else(String::new, |dir| {
        format!(
            " in {}: each table there is whole (written atomically), but the later ones may be missing",
            dir.display()
        )
    });
    super::signals::on_stop(move || {
        bar.abandon();
        let n = done.load(std::sync::atomic::Ordering::Relaxed);
        let _ = if n == usize::MAX {
            writeln!(std::io::stderr(), "stopped after all {total} matches, while writing the tables{writing}")
        } else {
            writeln!(std::io::stderr(), "stopped: {n} of {total} matches had finished{kept}")
        };
        std::process::exit(130);
    });
}

/// A ratio as a percentage for a table of two decimals: a value that rounds to zero is
/// zero (a loss of a millionth printed "-0.00%", where `sweep` prints "0.00%").
fn percent(x: f64) -> f64 {
    let p = x * 100.0;
    if p.abs() < 0.005 { 0.0 } else { p }
}

/// When a strategy that forfeited matches ranks above one that played all of its own:
/// a forfeited bot keeps what it held (often its starting TAO), so it beats every
/// strategy that lost TAO. Said, so that the table is not read as its merit.
fn forfeit_above_note(board: &[tournament::Standing]) -> Option<String> {
    let below = |s: &tournament::Standing| board.iter().filter(|o| o.rank > s.rank && o.forfeits == 0).count();
    let above: Vec<String> = board
        .iter()
        .filter(|s| s.forfeits > 0 && below(s) > 0)
        .map(|s| format!("{} (forfeited {} of {})", s.strategy, s.forfeits, s.matches))
        .collect();
    (!above.is_empty()).then(|| {
        format!(
            "{} {} above strategies that played every match: a forfeited bot keeps what it held when it stopped \
             (its starting TAO, if it never traded), which beats any strategy that lost TAO; such a rank is not \
             merit",
            crate::text::and_list(&above),
            if above.len() == 1 { "ranks" } else { "rank" }
        )
    })
}

/// When a strategy that faulted at least once a match on average (without forfeiting)
/// ranks above one that never faulted: a turn that faults places no orders, so such a
/// bot mostly holds what it started with, which beats any strategy that lost TAO.
fn fault_above_note(board: &[tournament::Standing]) -> Option<String> {
    let clean = |o: &tournament::Standing| o.faults == 0 && o.forfeits == 0;
    let below = |s: &tournament::Standing| board.iter().any(|o| o.rank > s.rank && clean(o));
    let matches = |n: usize| crate::text::count(n, "match", "matches");
    let faults = |s: &tournament::Standing| usize::try_from(s.faults).unwrap_or(usize::MAX);
    let above: Vec<String> = board
        .iter()
        .filter(|s| s.forfeits == 0 && s.faults > 0 && faults(s) >= s.matches && below(s))
        .map(|s| {
            format!("{} ({} in {})", s.strategy, crate::text::count(faults(s), "fault", "faults"), matches(s.matches))
        })
        .collect();
    (!above.is_empty()).then(|| {
        format!(
            "{} {} above strategies that never faulted: a turn that faults places no orders, so a bot that faults \
             often mostly holds what it started with, which beats any strategy that lost TAO; see its faults with \
             dtao-arena check FILE before reading its rank as merit",
            crate::text::and_list(&above),
            if above.len() == 1 { "ranks" } else { "rank" }
        )
    })
}

/// The entrants that can play: each must load and none may forfeit in its `init` on a
/// map; one that cannot refuses the tournament (every one that does not load is named at
/// once, so that a folder of strategies is mended in one go), or with `--skip-broken` is
/// left out, named with why.
fn playable(
    a: &TournamentArgs,
    mut entrants: Vec<tournament::Entrant>,
    maps: &[crate::scenario::Map],
) -> Result<Vec<tournament::Entrant>, CliError> {
    let problems: Vec<(usize, CliError)> =
        entrants.iter().enumerate().filter_map(|(k, e)| strategy::actor(e, 0, 0).err().map(|p| (k, p))).collect();
    if a.skip_broken {
        let bad: Vec<usize> = problems.iter().map(|(k, _)| *k).collect();
        for (k, p) in &problems {
            note!("skipped '{}': it does not load: {}", entrants[*k].name, p.message);
        }
        entrants = drop_entrants(entrants, &bad);
    } else if problems.len() > 1 {
        return Err(CliError::input(format!(
            "{} of the {} strategies do not load (or add --skip-broken to play without them):\n{}",
            problems.len(),
            entrants.len(),
            problems.iter().map(|(_, p)| format!("  {}", p.message)).collect::<Vec<_>>().join("\n")
        )));
    } else if let Some((_, e)) = problems.into_iter().next() {
        return Err(CliError { message: format!("{} (or add --skip-broken to play without it)", e.message), ..e });
    }
    // A strategy whose init fails on a map (a mistyped option) would forfeit every match
    // there: one block of the map's default match tells.
    for m in maps {
        if a.skip_broken {
            let failing = strategy::failing_inits(m, m.seed(), &[], &entrants)?;
            for (k, why) in &failing {
                note!(
                    "skipped '{}': its init fails on the map '{}': {why}",
                    entrants[*k].name,
                    crate::text::escape_hidden(&m.init.name)
                );
            }
            entrants = drop_entrants(entrants, &failing.iter().map(|(k, _)| *k).collect::<Vec<_>>());
        } else {
            strategy::refuse_failing_init(m, m.seed(), &[], &entrants)?;
        }
    }
    if entrants.is_empty() {
        return Err(CliError::input(
            "--skip-broken: none of the strategies can play, so there is no tournament; `dtao-arena check FILE` \
             tells what is wrong with each",
        ));
    }
    Ok(entrants)
}

/// `entrants` without those at the indices `bad`.
fn drop_entrants(entrants: Vec<tournament::Entrant>, bad: &[usize]) -> Vec<tournament::Entrant> {
    entrants.into_iter().enumerate().filter(|(k, _)| !bad.contains(k)).map(|(_, e)| e).collect()
}

/// The columns of `leaderboard.csv` (and of `by_map.csv` after its `map`).
const STANDING_COLUMNS: [&str; 10] = [
    "rank",
    "strategy",
    "matches",
    "mean_roi",
    "median_roi",
    "ci95_low",
    "ci95_high",
    "win_rate",
    "faults",
    "forfeits",
];

/// A standing as a row of [`STANDING_COLUMNS`]; one of no matches (a map that none was
/// played on) has only its name and zeros for its counts.
fn standing_record(s: &tournament::Standing) -> [String; 10] {
    if s.matches == 0 {
        let blank = String::new;
        return [
            blank(),
            s.strategy.clone(),
            "0".into(),
            blank(),
            blank(),
            blank(),
            blank(),
            blank(),
            "0".into(),
            "0".into(),
        ];
    }
    [
        s.rank.to_string(),
        s.strategy.clone(),
        s.matches.to_string(),
        format!("{:.9}", s.mean_roi),
        format!("{:.9}", s.median_roi),
        s.ci95_low.map(|x| format!("{x:.9}")).unwrap_or_default(),
        s.ci95_high.map(|x| format!("{x:.9}")).unwrap_or_default(),
        format!("{:.9}", s.win_rate),
        s.faults.to_string(),
        s.forfeits.to_string(),
    ]
}

/// With several maps, each strategy's mean ROI and win rate on each map alone, in the
/// leaderboard's order: a strategy that wins one world and loses another shows here,
/// where the overall mean blends them.
fn print_by_map(board: &[tournament::Standing], per_map: &[(String, Vec<tournament::Standing>)], nw: usize) {
    let cw = per_map.iter().map(|(m, _)| m.chars().count()).max().unwrap_or(0).max(16);
    out!("\nby map: mean ROI (win rate)");
    let mut head = format!("{:<4} {:<nw$}", "rank", "strategy");
    for (m, _) in per_map {
        head += &format!(" {m:>cw$}");
    }
    out!("{head}");
    for s in board {
        let mut line = format!("{:<4} {:<nw$}", s.rank, s.strategy);
        for (_, standings) in per_map {
            let cell = match standings.iter().find(|x| x.strategy == s.strategy) {
                Some(x) if x.matches > 0 => format!("{:+.2}% ({:.0}%)", percent(x.mean_roi), x.win_rate * 100.0),
                _ => "- (no match)".to_string(),
            };
            line += &format!(" {cell:>cw$}");
        }
        out!("{line}");
    }
}

/// The maps of at least two matches on which each strategy scored the same in every
/// match (the seed changed nothing over the blocks played).
fn same_every_match(plan: &Plan, rows: &[tournament::Row]) -> Vec<String> {
    let mut maps = Vec::new();
    for m in &plan.maps {
        let name = &m.init.name;
        let on: Vec<&tournament::Row> = rows.iter().filter(|r| &r.map == name).collect();
        let matches: std::collections::BTreeSet<usize> = on.iter().map(|r| r.match_index).collect();
        let alike = plan.entrants.iter().all(|e| {
            let scores: std::collections::BTreeSet<u64> =
                on.iter().filter(|r| r.strategy == e.name).map(|r| r.score_tao.to_bits()).collect();
            scores.len() <= 1
        });
        if matches.len() >= 2 && alike {
            maps.push(name.clone());
        }
    }
    maps
}

/// The tables `--out` holds.
const TABLES: [&str; 4] = ["matches.csv", "leaderboard.csv", "leaderboard.json", "by_map.csv"];

/// The files `--out DIR` will hold: `DIR` is a folder (created if missing), the
/// tables can be written there and do not replace an input, and with `--record` no
/// replay's name is taken by a folder.
fn check_out_dir(a: &TournamentArgs, dir: &Path) -> CliResult {
    if dir.exists() && !dir.is_dir() {
        let what = if dir.is_file() { "a file" } else { "not a folder (a device, a pipe or a socket)" };
        return Err(CliError::input(format!(
            "--out '{}' is {what}; --out takes a folder (created if missing), such as results/",
            dir.display()
        )));
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| CliError::input(format!("--out: cannot create '{}': {e}", dir.display())))?;
    let inputs: Vec<&Path> =
        a.strategies.iter().map(PathBuf::as_path).chain(a.maps.iter().map(|m| Path::new(m.trim()))).collect();
    let tables = TABLES.map(|f| Output::named_after("--out", "--out", dir.join(f)));
    check_outputs(&inputs, &tables)?;
    if !a.record {
        // Replays of an earlier run would sit beside this run's tables as if they were
        // its matches.
        let replays = dir.join("replays");
        if tournament::replay_path(&replays, 0).exists() {
            return Err(CliError::input(format!(
                "--out: '{}' holds replays of an earlier run, which would pass for this run's matches; add \
                 --record to replace them with this run's, choose another --out, or move them away",
                replays.display()
            )));
        }
    }
    if a.record {
        let replays = dir.join("replays");
        std::fs::create_dir_all(&replays)
            .map_err(|e| CliError::input(format!("--record: cannot create '{}': {e}", replays.display())))?;
        let matches = usize::try_from(a.matches).unwrap_or(usize::MAX);
        if let Some(taken) = (0..matches).map(|i| tournament::replay_path(&replays, i)).find(|p| p.is_dir()) {
            return Err(CliError::input(format!(
                "--record: '{}' is a folder where a replay will be written; move it away",
                taken.display()
            )));
        }
        // Replays of an earlier, longer run would sit beside this run's tables as if they
        // were its matches.
        let stale = tournament::replay_path(&replays, matches);
        if stale.exists() {
            return Err(CliError::input(format!(
                "--record: '{}' holds replays of an earlier run with more matches ({} is there); \
                 choose another --out, or move those replays away",
                replays.display(),
                stale.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default()
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{fault_above_note, forfeit_above_note, percent};
    use crate::tournament::Standing;

    fn standing(rank: usize, strategy: &str, mean_roi: f64, forfeits: usize) -> Standing {
        Standing {
            rank,
            strategy: strategy.into(),
            matches: 2,
            mean_roi,
            median_roi: mean_roi,
            ci95_low: None,
            ci95_high: None,
            win_rate: 0.0,
            faults: u32::try_from(forfeits).unwrap_or(0) * 4,
            forfeits,
        }
    }

    #[test]
    fn a_forfeiting_strategy_above_one_that_played_is_explained() {
        let board = [standing(1, "faulty", 0.0, 2), standing(2, "momentum", -0.0125, 0)];
        let note = forfeit_above_note(&board).expect("said");
        assert!(note.starts_with("faulty (forfeited 2 of 2) ranks above strategies that played every match"), "{note}");
        // Below every strategy that played: nothing to explain.
        let board = [standing(1, "momentum", 0.02, 0), standing(2, "faulty", 0.0, 2)];
        assert_eq!(forfeit_above_note(&board), None);
        // Two of them: the verb agrees.
        let board = [standing(1, "a", 0.0, 1), standing(1, "b", 0.0, 2), standing(3, "c", -0.1, 0)];
        assert!(forfeit_above_note(&board).is_some_and(|n| n.contains("b (forfeited 2 of 2) rank above")));
    }

    #[test]
    fn a_faulting_strategy_above_one_that_never_faulted_is_explained() {
        let faulty = |rank, faults| Standing { faults, ..standing(rank, "typo", 0.0, 0) };
        let board = [faulty(1, 6), standing(2, "momentum", -0.0125, 0)];
        let note = fault_above_note(&board).expect("said");
        assert!(note.starts_with("typo (6 faults in 2 matches) ranks above strategies that never faulted"), "{note}");
        // A fault now and then (fewer than one a match) is not worth a note.
        assert_eq!(fault_above_note(&[faulty(1, 1), standing(2, "momentum", -0.0125, 0)]), None);
        // Below the clean ones, or with none clean below it: nothing to explain.
        assert_eq!(fault_above_note(&[standing(1, "momentum", 0.02, 0), faulty(2, 6)]), None);
        assert_eq!(fault_above_note(&[faulty(1, 6), faulty(2, 4)]), None);
    }

    #[test]
    fn a_percentage_that_rounds_to_zero_prints_without_a_sign() {
        assert_eq!(format!("{:.2}%", percent(-0.000_000_3)), "0.00%");
        assert_eq!(format!("{:+.2}%", percent(-0.000_000_3)), "+0.00%");
        assert_eq!(format!("{:.2}%", percent(-0.000_2)), "-0.02%");
        assert_eq!(format!("{:.2}%", percent(0.123_4)), "12.34%");
    }
}
