//! Tournaments: many headless matches of the same strategies, run in parallel on worker
//! threads, ranked by ROI.
//!
//! Reproducible to the bit: match `i` plays map `i % maps` with seed
//! `blake3(tournament seed, i)`; seats rotate with `i` so no strategy always sits first;
//! each match is built and played entirely inside one worker thread (it owns its actors,
//! e.g. Lua states), and results are stored by match index, so the leaderboard does not
//! depend on `--jobs` or on which thread finished first.
//!
//! Uses `engine`, `scenario` and `session`; actors come from a factory supplied by the
//! caller (the CLI plugs in Lua strategies).

use serde::Serialize;

use crate::engine::AccountId;
use crate::scenario::Map;
use crate::session::{Actor, Session, report};

/// A strategy in the tournament.
#[derive(Clone, Debug)]
pub struct Entrant {
    /// Name shown in the leaderboard (unique; options after a colon).
    pub name: String,
    /// Source text (a Lua strategy), handed to the factory.
    pub source: String,
    /// The file as the user named it, for messages (`bots/my_bot.lua:12: ...`).
    pub file: String,
    /// For the second copy of a strategy given twice (`name` `momentum#2`), the name its
    /// seat asks for (`momentum`): the world numbers copies by seat, as `sim` with the
    /// same `--bot` twice does, so that a match is played again to the same state hash
    /// whichever copy sits first.
    pub seat_name: Option<String>,
}

impl Entrant {
    /// A strategy named `name`, whose messages call it `name.lua`.
    #[must_use]
    pub fn new(name: impl Into<String>, source: impl Into<String>) -> Self {
        let name = name.into();
        let base = name.split(':').next().unwrap_or_default();
        Self { file: format!("{base}.lua"), name, source: source.into(), seat_name: None }
    }

    /// The name its seat asks the world for.
    #[must_use]
    pub fn seat_name(&self) -> &str {
        self.seat_name.as_deref().unwrap_or(&self.name)
    }
}

/// What to play.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Maps, used in turn.
    pub maps: Vec<Map>,
    /// Number of matches.
    pub matches: usize,
    /// Match length (the map's if `None`).
    pub blocks: Option<u64>,
    /// Tournament seed.
    pub seed: u64,
    /// Strategies; every one plays in every match.
    pub entrants: Vec<Entrant>,
    /// A folder to write each match's replay to (`match-0000.dtrec` for the match numbered
    /// 0 in `matches.csv`, ...), if any.
    pub record_to: Option<std::path::PathBuf>,
}

/// One scheduled match.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatchSpec {
    /// Index (0-based).
    pub index: usize,
    /// Index into `Plan::maps`.
    pub map: usize,
    /// The match seed.
    pub seed: u64,
    /// Entrant indices in seat order.
    pub seating: Vec<usize>,
}

/// The largest match seed: 2^49 - 1, 15 digits, so that a seed read from `matches.csv`
/// or `leaderboard.json` survives a spreadsheet (15 significant digits), a JSON reader
/// that holds numbers as doubles (2^53), and a map's `seed =` (2^63 - 1).
pub const MAX_MATCH_SEED: u64 = (1 << 49) - 1;

/// The seed of match `index` of a tournament seeded with `seed` (at most
/// [`MAX_MATCH_SEED`]).
#[must_use]
pub fn match_seed(seed: u64, index: usize) -> u64 {
    let mut h = blake3::Hasher::new();
    h.update(b"dtao-arena/tournament/v2\0");
    h.update(&seed.to_le_bytes());
    h.update(&(index as u64).to_le_bytes());
    let b = h.finalize();
    u64::from_le_bytes(b.as_bytes()[..8].try_into().unwrap_or([0; 8])) & MAX_MATCH_SEED
}

/// The schedule of a plan.
#[must_use]
pub fn schedule(plan: &Plan) -> Vec<MatchSpec> {
    let n = plan.entrants.len();
    (0..plan.matches)
        .map(|index| MatchSpec {
            index,
            map: index % plan.maps.len().max(1),
            seed: match_seed(plan.seed, index),
            seating: (0..n).map(|k| (k + index) % n.max(1)).collect(),
        })
        .collect()
}

/// One strategy's result in one match.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Row {
    /// Match index.
    #[serde(rename = "match")]
    pub match_index: usize,
    /// Map name.
    pub map: String,
    /// Match seed.
    pub seed: u64,
    /// Strategy name.
    pub strategy: String,
    /// Its seat in the match (0 = first): `sim --map MAP --seed SEED --blocks BLOCKS`
    /// with the match's strategies as `--bot`s in seat order plays the match again.
    pub seat: usize,
    /// Blocks the match ran.
    pub blocks: u64,
    /// The match's final state hash, hex (what `sim --json` reports for the same match).
    pub state_hash: String,
    /// Final score in TAO.
    pub score_tao: f64,
    /// Score over the starting value, minus one.
    pub roi: f64,
    /// 1 = best score in the match (ties share a rank).
    pub rank: usize,
    /// Faults (lost turns).
    pub faults: u32,
    /// Whether it faulted too often and sat the rest of the match out.
    pub forfeited: bool,
    /// Its first fault in this match, `[block B] fault: ...` (from the match log).
    #[serde(skip)]
    pub first_fault: Option<String>,
    /// How many of its faults were the wall-clock backstop (machine-dependent).
    #[serde(skip)]
    pub wall_clock_faults: u32,
}

/// Why a match could not be played.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("match {index} ({map}, seed {seed}): {reason}")]
pub struct MatchError {
    /// Match index.
    pub index: usize,
    /// Map name.
    pub map: String,
    /// Match seed.
    pub seed: u64,
    /// What went wrong.
    pub reason: String,
}

/// Builds an actor for an entrant in a match: `(entrant, match seed, seat)`.
pub type Factory<'a> = dyn Fn(&Entrant, u64, usize) -> Result<Box<dyn Actor>, String> + Sync + 'a;

/// The usual [`Factory`]: the entrant's Lua source in a fresh sandbox.
///
/// # Errors
/// The strategy does not load (a syntax error, or `init` fails).
pub fn lua_actor(e: &Entrant, seed: u64, seat: usize) -> Result<Box<dyn Actor>, String> {
    crate::session::lua::LuaActor::load_file(&e.file, &e.name, &e.source, seed, seat)
        .map(|a| Box::new(a) as Box<dyn Actor>)
        .map_err(|err| err.to_string())
}

/// Plays one match and returns its rows (in entrant order).
///
/// # Errors
/// An actor that cannot be built, or an engine overflow.
pub fn play_match(plan: &Plan, spec: &MatchSpec, factory: &Factory<'_>) -> Result<Vec<Row>, MatchError> {
    let map = &plan.maps[spec.map];
    let fail = |reason: String| MatchError { index: spec.index, map: map.init.name.clone(), seed: spec.seed, reason };
    let mut session = Session::new(map, Some(spec.seed), plan.blocks).map_err(|e| fail(e.to_string()))?;
    if plan.record_to.is_some() {
        session.start_recording(chrono::Utc::now());
    }
    let mut seats: Vec<(usize, AccountId)> = Vec::new();
    for (seat, &e) in spec.seating.iter().enumerate() {
        let entrant = &plan.entrants[e];
        let actor = factory(entrant, spec.seed, seat).map_err(|r| fail(format!("{}: {r}", entrant.name)))?;
        seats.push((e, session.add_bot(entrant.seat_name(), actor)));
    }
    session.run_to_end(0, |_| {}).map_err(|e| fail(e.to_string()))?;
    if let (Some(dir), Some(r)) = (&plan.record_to, session.recording(chrono::Utc::now())) {
        let path = replay_path(dir, spec.index);
        crate::record::fs::write_with_backup(&path, &crate::record::wire::encode(&r))
            .map_err(|e| fail(format!("cannot write the replay '{}': {e}", path.display())))?;
    }
    let w = session.world();
    let mut rows: Vec<Row> = seats
        .iter()
        .enumerate()
        .map(|(k, (e, id))| {
            let f = session.seat_faults(k);
            Row {
                match_index: spec.index,
                map: map.init.name.clone(),
                seed: spec.seed,
                strategy: plan.entrants[*e].name.clone(),
                seat: k,
                blocks: w.block,
                state_hash: w.state_hash_hex(),
                score_tao: crate::engine::Tao(w.score(*id)).as_f64(),
                roi: report::roi(w, *id).unwrap_or(0.0),
                rank: 0,
                faults: f.faults,
                forfeited: f.forfeited,
                first_fault: f.first,
                wall_clock_faults: f.wall_clock,
            }
        })
        .collect();
    let scores: Vec<u64> = seats.iter().map(|(_, id)| w.score(*id)).collect();
    for (k, row) in rows.iter_mut().enumerate() {
        row.rank = 1 + scores.iter().filter(|s| **s > scores[k]).count();
    }
    rows.sort_by_key(|r| plan.entrants.iter().position(|e| e.name == r.strategy));
    Ok(rows)
}

/// Plays every match of the plan on `jobs` worker threads, calling `progress(done)` as
/// matches finish. Rows come back by match index, then entrant order, whatever `jobs`.
///
/// # Errors
/// The first failing match (by index).
pub fn run(
    plan: &Plan,
    jobs: usize,
    factory: &Factory<'_>,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Vec<Row>, MatchError> {
    let specs = schedule(plan);
    let results =
        crate::session::parallel::map_indexed(specs.len(), jobs, &|i| play_match(plan, &specs[i], factory), progress);
    let mut rows = Vec::new();
    for r in results {
        rows.extend(r?);
    }
    Ok(rows)
}

/// A strategy's standing.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Standing {
    /// 1 = the best mean ROI.
    pub rank: usize,
    /// Strategy name.
    pub strategy: String,
    /// Matches played.
    pub matches: usize,
    /// Mean ROI.
    pub mean_roi: f64,
    /// Median ROI.
    pub median_roi: f64,
    /// Lower end of the 95% confidence interval of the mean ROI (none from fewer than two
    /// matches; never below -1, a total loss).
    pub ci95_low: Option<f64>,
    /// Upper end of the 95% confidence interval of the mean ROI.
    pub ci95_high: Option<f64>,
    /// Share of matches won (rank 1, ties included).
    pub win_rate: f64,
    /// Total faults.
    pub faults: u32,
    /// Matches it forfeited (too many faults: it sat the rest out).
    pub forfeits: usize,
}

/// Two-sided 95% Student t critical values for 1..=30 degrees of freedom (to 9 decimals).
const T95: [f64; 30] = [
    12.706_204_736,
    4.302_652_730,
    3.182_446_305,
    2.776_445_105,
    2.570_581_836,
    2.446_911_851,
    2.364_624_252,
    2.306_004_135,
    2.262_157_163,
    2.228_138_852,
    2.200_985_160,
    2.178_812_830,
    2.160_368_656,
    2.144_786_688,
    2.131_449_546,
    2.119_905_299,
    2.109_815_578,
    2.100_922_040,
    2.093_024_054,
    2.085_963_447,
    2.079_613_845,
    2.073_873_068,
    2.068_657_610,
    2.063_898_562,
    2.059_538_553,
    2.055_529_439,
    2.051_830_516,
    2.048_407_142,
    2.045_229_642,
    2.042_272_456,
];

/// The two-sided 95% Student t critical value for `df` degrees of freedom: the table
/// up to 30, then the Cornish-Fisher expansion around the normal quantile (within 1e-7
/// of the exact value from 30 up, where the normal's 1.96 alone is 4% short at 31).
#[allow(clippy::cast_precision_loss)]
fn t95(df: usize) -> f64 {
    if let Some(t) = df.checked_sub(1).and_then(|k| T95.get(k)) {
        return *t;
    }
    let z: f64 = 1.959_963_984_540_054;
    let v = df as f64;
    let (z3, z5, z7, z9) = (z.powi(3), z.powi(5), z.powi(7), z.powi(9));
    z + (z3 + z) / (4.0 * v)
        + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * v * v)
        + (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / (384.0 * v.powi(3))
        + (79.0 * z9 + 776.0 * z7 + 1482.0 * z5 - 1920.0 * z3 - 945.0 * z) / (92_160.0 * v.powi(4))
}

/// The leaderboard: one standing per entrant, best mean ROI first (ties by name). The
/// 95% interval is `mean ± t * sd / sqrt(n)` with Student's t for `n - 1` degrees of freedom.
#[must_use]
#[allow(clippy::cast_precision_loss)]
pub fn leaderboard(entrants: &[Entrant], rows: &[Row]) -> Vec<Standing> {
    let mut out: Vec<Standing> = entrants
        .iter()
        .map(|e| {
            let mine: Vec<&Row> = rows.iter().filter(|r| r.strategy == e.name).collect();
            let n = mine.len();
            let mut rois: Vec<f64> = mine.iter().map(|r| r.roi).collect();
            let mean = if n == 0 { 0.0 } else { rois.iter().sum::<f64>() / n as f64 };
            rois.sort_by(f64::total_cmp);
            let median = match n {
                0 => 0.0,
                _ if n % 2 == 1 => rois[n / 2],
                _ => (rois[n / 2 - 1] + rois[n / 2]) / 2.0,
            };
            let half = (n >= 2).then(|| {
                let var = rois.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1) as f64;
                let t = t95(n - 1);
                t * (var / n as f64).sqrt()
            });
            Standing {
                rank: 0,
                strategy: e.name.clone(),
                matches: n,
                mean_roi: mean,
                median_roi: median,
                ci95_low: half.map(|h| (mean - h).max(-1.0)),
                ci95_high: half.map(|h| mean + h),
                win_rate: if n == 0 { 0.0 } else { mine.iter().filter(|r| r.rank == 1).count() as f64 / n as f64 },
                faults: mine.iter().map(|r| r.faults).sum(),
                forfeits: mine.iter().filter(|r| r.forfeited).count(),
            }
        })
        .collect();
    // Equal mean ROI: fewer forfeits, then fewer faults, rank higher; strategies equal in
    // all three share a rank (1, 2, 2, 4), listed by name.
    let tied =
        |a: &Standing, b: &Standing| a.mean_roi == b.mean_roi && a.forfeits == b.forfeits && a.faults == b.faults;
    out.sort_by(|a, b| {
        b.mean_roi
            .total_cmp(&a.mean_roi)
            .then(a.forfeits.cmp(&b.forfeits))
            .then(a.faults.cmp(&b.faults))
            .then(a.strategy.cmp(&b.strategy))
    });
    for k in 0..out.len() {
        out[k].rank = if k > 0 && tied(&out[k], &out[k - 1]) { out[k - 1].rank } else { k + 1 };
    }
    out
}

/// The leaderboard of each map alone, in the order the maps are given: the matches
/// played on it ranked as [`leaderboard`] ranks them all (a map that no match played
/// gives standings of 0 matches).
#[must_use]
pub fn by_map(entrants: &[Entrant], maps: &[String], rows: &[Row]) -> Vec<(String, Vec<Standing>)> {
    maps.iter()
        .map(|m| {
            let mine: Vec<Row> = rows.iter().filter(|r| r.map == *m).cloned().collect();
            (m.clone(), leaderboard(entrants, &mine))
        })
        .collect()
}

/// Where `--record` writes the replay of the match numbered `index` in `matches.csv`:
/// `DIR/match-0000.dtrec`, ...
#[must_use]
pub fn replay_path(dir: &std::path::Path, index: usize) -> std::path::PathBuf {
    dir.join(format!("match-{index:04}.{}", crate::record::EXTENSION))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_t_critical_values_match_the_exact_quantiles() {
        // scipy.stats.t.ppf(0.975, df), to 9 decimals.
        for (df, exact) in [
            (1, 12.706_204_736),
            (3, 3.182_446_305),
            (30, 2.042_272_456),
            (31, 2.039_513_446),
            (60, 2.000_297_822),
            (120, 1.979_930_405),
            (1000, 1.962_339_081),
        ] {
            assert!((t95(df) - exact).abs() < 1e-7, "df {df}: {} against {exact}", t95(df));
        }
    }

    fn row(strategy: &str, roi: f64, rank: usize) -> Row {
        Row {
            match_index: 0,
            map: "m".into(),
            seed: 0,
            strategy: strategy.into(),
            seat: 0,
            blocks: 0,
            state_hash: String::new(),
            score_tao: 0.0,
            roi,
            rank,
            faults: 1,
            forfeited: roi < -0.2,
            first_fault: None,
            wall_clock_faults: 0,
        }
    }

    #[test]
    fn seeds_and_seats_rotate() {
        assert_ne!(match_seed(1, 0), match_seed(1, 1));
        assert_eq!(match_seed(1, 5), match_seed(1, 5));
        // Every seed fits in 15 digits (a spreadsheet keeps it whole), and they spread.
        let seeds: std::collections::BTreeSet<u64> = (0..1000).map(|k| match_seed(7, k)).collect();
        assert_eq!(seeds.len(), 1000);
        assert!(seeds.iter().all(|s| *s <= MAX_MATCH_SEED && s.to_string().len() <= 15));
        assert!(seeds.iter().any(|s| s.to_string().len() == 15), "the seeds use the range");
        let plan = Plan {
            maps: Vec::new(),
            matches: 3,
            blocks: None,
            seed: 9,
            entrants: (0..3).map(|k| Entrant::new(format!("s{k}"), "")).collect(),
            record_to: None,
        };
        let s = schedule(&plan);
        assert_eq!(s[0].seating, vec![0, 1, 2]);
        assert_eq!(s[1].seating, vec![1, 2, 0]);
        assert_eq!(s[2].seating, vec![2, 0, 1]);
    }

    #[test]
    fn leaderboard_statistics() {
        let entrants = vec![Entrant::new("a", ""), Entrant::new("b", "")];
        let rows = vec![row("a", 0.1, 1), row("a", 0.3, 2), row("a", 0.2, 1), row("b", -0.1, 2)];
        let lb = leaderboard(&entrants, &rows);
        assert_eq!((lb[0].rank, lb[0].strategy.as_str(), lb[1].rank), (1, "a", 2));
        assert!((lb[0].mean_roi - 0.2).abs() < 1e-12);
        assert!((lb[0].median_roi - 0.2).abs() < 1e-12);
        // sd = 0.1, n = 3, t(2) = 4.302652730: half-width 0.2484...
        assert!((lb[0].ci95_high.unwrap() - 0.2 - 4.302_652_730 * 0.1 / 3f64.sqrt()).abs() < 1e-9);
        assert!((lb[0].win_rate - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!((lb[0].faults, lb[0].forfeits), (3, 0));
        // One match: no interval (Student's t needs two).
        assert_eq!((lb[1].matches, lb[1].ci95_low, lb[1].ci95_high), (1, None, None));
        // A wide interval stops at a total loss (an ROI cannot fall below -100%).
        let rows = vec![row("b", -0.9, 2), row("b", 0.8, 1)];
        let lb = leaderboard(&entrants[1..], &rows);
        assert_eq!(lb[0].ci95_low, Some(-1.0));
        assert_eq!(lb[0].forfeits, 1);
    }

    #[test]
    fn equal_mean_rois_rank_by_forfeits_then_faults_and_full_ties_share_a_rank() {
        let entrants: Vec<Entrant> =
            ["clean", "faulty", "loop", "runtime"].iter().map(|n| Entrant::new(*n, "")).collect();
        let row_with = |name: &str, faults: u32, forfeited: bool| Row { faults, forfeited, ..row(name, 0.0, 1) };
        let rows = vec![
            row_with("loop", 10, true),
            row_with("runtime", 10, true),
            row_with("faulty", 2, false),
            row_with("clean", 0, false),
        ];
        let lb = leaderboard(&entrants, &rows);
        let order: Vec<(usize, &str)> = lb.iter().map(|s| (s.rank, s.strategy.as_str())).collect();
        assert_eq!(order, [(1, "clean"), (2, "faulty"), (3, "loop"), (3, "runtime")]);
    }
}
