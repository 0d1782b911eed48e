//! `dtao-arena sweep`: one map over a list or range of values of a parameter and over
//! seeds, in parallel; a table on stdout and one CSV row per value and seed.

use std::path::PathBuf;

use super::fsutil::write_with_backup;
use super::{CliError, CliResult, strategy};
use crate::engine::init::EventKind;
use crate::sweep::{self, Outcome, Plan};

pub const AFTER_HELP: &str = "\
Examples:
  dtao-arena sweep --map one-year-later --param tao_weight --values 0.18..0.9:0.18 --seeds 2
  dtao-arena sweep --map regimes --param emission_mode --values price,flow,root_vote \\
      --seeds 4 --bot momentum --bot root_holder --out regimes.csv
  dtao-arena sweep --map sn28-meme --param moving_alpha --values 0.000003,0.00003 --seeds 1,7,9

--values is a list (0.1,0.2 or price,flow) or a range START..END:STEP with both ends
included. --seeds is a count N (the map's seed, or --seed, and the next N-1) or a list
of seeds (1,7,9; one seed as 7,). Runs are value x seed; the results never depend on
--jobs. The CSV (--out) has one row per value and seed: see README, \"Sweeps\".";

#[derive(Debug, clap::Args)]
pub struct SweepArgs {
    /// Built-in map name or path to a map file.
    #[arg(long, default_value = "dtao-launch", value_parser = super::map_arg())]
    pub map: String,
    /// The parameter to sweep: any rule of [params] (tao_weight, emission_mode, ...; not
    /// total_issuance or genesis_root_stake, the world's starting state).
    #[arg(long, value_name = "NAME")]
    pub param: String,
    /// Its values: a list (0.1,0.2,0.3) or a range START..END:STEP (0.05..0.5:0.05).
    #[arg(long, value_name = "LIST|RANGE", allow_hyphen_values = true)]
    pub values: String,
    /// Seeds: a count (4) or a list (1,7,9).
    #[arg(long, value_name = "N|LIST", default_value = "1", allow_negative_numbers = true)]
    pub seeds: String,
    /// First seed when --seeds is a count (default: the map's seed).
    #[arg(long, allow_negative_numbers = true, value_parser = super::parse_seed)]
    pub seed: Option<u64>,
    /// Blocks per run (default: the map's length).
    #[arg(long, allow_negative_numbers = true, value_parser = super::parse_blocks)]
    pub blocks: Option<u64>,
    /// A Lua strategy (file or shipped name, with options as NAME:key=value,...) seated in
    /// every run (repeatable).
    #[arg(long = "bot", value_name = "FILE|NAME")]
    pub bots: Vec<PathBuf>,
    /// Worker threads (default: the machine's cores). Never changes the results.
    #[arg(long, allow_negative_numbers = true, value_parser = super::parse_jobs)]
    pub jobs: Option<u64>,
    /// Write the results as CSV: one row per value and seed (the previous file is kept as
    /// FILE.bak).
    #[arg(long, value_name = "FILE.csv")]
    pub out: Option<PathBuf>,
}

/// For a fraction refused as above 1 that reads like a percentage (`18`): "(if you meant
/// 18%, write 0.18)", as the map checker says. (A misspelt name gets its suggestion from
/// the parameter itself.)
fn rate_hint(error: &str, values: &[String]) -> String {
    if !error.contains("must be between 0 and 1") {
        return String::new();
    }
    // Only for the value the message names ("tao_weight = 3: ..."): a hint about
    // another would read as if it were about this one.
    values
        .iter()
        .find(|v| error.contains(&format!("= {}:", v.trim())))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .and_then(|x| crate::scenario::percent_hint(x, 1.0))
        .map(|h| format!(" ({h})"))
        .unwrap_or_default()
}

/// The map's own events that set the swept parameter within the run: from each on,
/// every run plays the event's value, whatever `--values` gave.
fn overriding_events(map: &crate::scenario::Map, param: &str, blocks: u64) -> Vec<String> {
    map.init
        .events
        .iter()
        .filter(|e| e.block < blocks)
        .filter_map(|e| match &e.kind {
            crate::engine::init::EventKind::SetParam { key, value } if key == param => {
                Some(format!("to {value} at block {}", crate::text::thousands(e.block)))
            }
            _ => None,
        })
        .collect()
}

/// Whether every pool of the map holds at least `min_pool_liquidity`, as the map
/// checker asks (a smaller pool refuses every trade that would move it).
fn pools_fit(m: &crate::scenario::Map) -> Result<(), String> {
    let min = m.init.params.min_pool_liquidity.0;
    let low = m.init.subnets.iter().find(|s| s.tao.0 < min || s.alpha_in < min);
    low.map_or(Ok(()), |s| {
        let pool = |rao: u64| crate::engine::amount::format_rao(rao);
        Err(format!(
            "SN{}'s pool holds {} TAO and {} alpha, below min_pool_liquidity, {} TAO",
            s.netuid,
            pool(s.tao.0),
            pool(s.alpha_in),
            pool(min)
        ))
    })
}

pub fn run(a: &SweepArgs) -> CliResult {
    let map = crate::scenario::load(&a.map)?;
    if !a.values.contains("..") {
        no_empty_items("--values", &a.values, false)?;
    }
    let values = sweep::parse_values(&a.values).map_err(|e| CliError::input(e.to_string()))?;
    sweep::check(&a.param, &values).map_err(|e| {
        let e = e.to_string();
        CliError::input(format!("{e}{}", rate_hint(&e, &values)))
    })?;
    // `0.1` and `0.10` are one value.
    let value_key = |v: &String| v.parse::<f64>().map_or_else(|_| v.clone(), |x| format!("{:?}", x + 0.0));
    if let Some(v) = repeated(&values, value_key) {
        return Err(CliError::input(format!(
            "--values lists {v} twice; give each value once (for more runs of a value, give more --seeds)"
        )));
    }
    if a.seeds.contains(',') {
        no_empty_items("--seeds", &a.seeds, true)?;
        if let Some(s) = a.seed {
            return Err(CliError::input(format!(
                "--seed {s} sets the first seed of a count (--seeds 4 --seed {s}); with a list of seeds it would do \
                 nothing: drop it, or give a count"
            )));
        }
    }
    let seeds =
        sweep::parse_seeds(&a.seeds, a.seed.unwrap_or(map.seed())).map_err(|e| CliError::input(e.to_string()))?;
    if let Some(s) = repeated(&seeds, |s| *s) {
        return Err(CliError::input(format!(
            "--seeds lists {s} twice; give each seed once (the same seed plays the same run again)"
        )));
    }
    let runs = values.len() * seeds.len();
    if runs > sweep::MAX_RUNS {
        return Err(CliError::input(format!(
            "{} values x {} seeds is {runs} runs; a sweep may have at most {}",
            values.len(),
            seeds.len(),
            sweep::MAX_RUNS
        )));
    }
    // Each value must make a valid world of this map (subnet_limit below its netuids does
    // not), and the CSV must be writable, before the runs start.
    for v in &values {
        let mut m = map.clone();
        m.init.params.set(&a.param, v).map_err(|e| CliError::input(format!("--values: {e}")))?;
        let fits =
            crate::engine::World::new(&m.init).map(|_| ()).map_err(|e| e.to_string()).and_then(|()| pools_fit(&m));
        fits.map_err(|e| {
            CliError::input(format!(
                "--values: {} = {v} does not fit the map '{}' ({e}); choose values that do",
                a.param,
                map.name()
            ))
        })?;
    }
    if let Some(out) = &a.out {
        let inputs: Vec<&std::path::Path> =
            std::iter::once(std::path::Path::new(&a.map)).chain(a.bots.iter().map(PathBuf::as_path)).collect();
        super::fsutil::check_outputs(&inputs, &[super::fsutil::Output::new("--out", out)])?;
    }
    let entrants = if a.bots.is_empty() { Vec::new() } else { strategy::collect(&a.bots)? };
    for e in &entrants {
        strategy::actor(e, 0, 0)?;
    }
    // A bot whose init fails (a mistyped option) would sit out every run.
    strategy::refuse_failing_init(&map, seeds[0], &[], &entrants)?;
    let events = overriding_events(&map, &a.param, a.blocks.unwrap_or(map.blocks));
    if !events.is_empty() {
        note!(
            "the map sets {} itself ({}, an [[event]]): from there every run plays the event's value, whatever \
             --values gave, so the sweep varies only what comes before; to vary it over the whole run, sweep a copy \
             of the map without that event (dtao-arena maps --show NAME > my.toml)",
            a.param,
            crate::text::and_list(&events)
        );
    }
    let plan = Plan { map, param: a.param.clone(), values, seeds, blocks: a.blocks, entrants };
    let jobs = a.jobs.map_or_else(
        || std::thread::available_parallelism().map_or(1, usize::from),
        |j| usize::try_from(j).unwrap_or(1),
    );
    let bar = super::progress_bar(runs as u64, "runs");
    let progress = |done: usize| bar.set_position(done as u64);
    let outcomes = sweep::run(&plan, jobs, &crate::tournament::lua_actor, &progress)
        .map_err(|e| CliError::runtime(e.to_string()))?;
    bar.finish_and_clear();
    print_table(&plan, &outcomes);
    if seeds_change_nothing(&plan, &outcomes) {
        note!(
            "every seed gave the same outcome for each value: over {} this map plays the same \
             whatever the seed (its crowds and events have not yet drawn on it), so the extra seeds add no \
             information; give more --blocks (or another map)",
            crate::text::blocks(outcomes.iter().map(|o| o.blocks).min().unwrap_or(0))
        );
    }
    for (k, e) in plan.entrants.iter().enumerate() {
        let runs = outcomes
            .iter()
            .filter_map(|o| o.faults.get(k).map(|f| (format!("{}={} seed {}", plan.param, o.value, o.seed), f)));
        super::strategy::report_faults(&e.name, outcomes.len(), ("run", "runs"), runs);
    }
    if let Some(path) = &a.out {
        let netuids = sweep::netuids(&outcomes);
        write_with_backup(path, |w| {
            let mut c = csv::Writer::from_writer(w);
            c.write_record(sweep::csv_header(&plan, &netuids)).map_err(std::io::Error::other)?;
            for o in &outcomes {
                c.write_record(sweep::csv_row(&plan, &netuids, o)).map_err(std::io::Error::other)?;
            }
            c.flush()
        })?;
        note!(
            "wrote {} ({} row{})",
            super::shown_path(path),
            outcomes.len(),
            if outcomes.len() == 1 { "" } else { "s" }
        );
    }
    Ok(())
}

/// Whether, with two seeds or more, every value's runs all gave the same outcome (the
/// state hashes differ anyway: each seed's random streams are part of the state).
fn seeds_change_nothing(plan: &sweep::Plan, outcomes: &[Outcome]) -> bool {
    let measured = |o: &Outcome| {
        let subnets: Vec<_> = o
            .subnets
            .iter()
            .map(|s| (s.netuid, s.emission_share.to_bits(), s.price.to_bits(), s.peak_price.to_bits()))
            .collect();
        let rois: Vec<u64> = o.rois.iter().map(|x| x.to_bits()).collect();
        (o.total_issuance_rao, o.total_root_rao, o.average_root_prop_end.to_bits(), rois, subnets)
    };
    plan.seeds.len() >= 2
        && plan.values.iter().all(|v| {
            let mut runs = outcomes.iter().filter(|o| &o.value == v).map(measured);
            runs.next().is_none_or(|first| runs.all(|r| r == first))
        })
}

/// Refuses an empty item in a comma-separated list (`0.1,,0.2`, `,7`), as `tournament
/// --maps` does; `trailing_ok`: one comma at the end is fine (`--seeds 7,`: a list of
/// one seed, not a count).
fn no_empty_items(flag: &str, spec: &str, trailing_ok: bool) -> CliResult {
    let mut items: Vec<&str> = spec.trim().split(',').collect();
    if trailing_ok && items.len() > 1 && items.last().is_some_and(|s| s.trim().is_empty()) {
        items.pop();
    }
    if items.iter().any(|s| s.trim().is_empty()) {
        let eg = if flag == "--seeds" { "1,7,9 (one seed as 7,)" } else { "0.1,0.2" };
        return Err(CliError::input(format!(
            "{flag} '{}' has an empty item: list them with single commas, such as {flag} {eg}",
            spec.escape_debug()
        )));
    }
    Ok(())
}

/// The first item of `list` whose `key` an earlier item has.
fn repeated<T, K: Eq + std::hash::Hash>(list: &[T], key: impl Fn(&T) -> K) -> Option<&T> {
    let mut seen = std::collections::HashSet::new();
    list.iter().find(|x| !seen.insert(key(x)))
}

/// The map's scripted switches to a holder or revenue mechanism: `(block, netuid,
/// mechanism)`.
fn scripted_switches(plan: &Plan) -> Vec<(u64, u16, crate::engine::Mechanism)> {
    plan.map
        .init
        .events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::SetMechanism { netuid, mechanism } if mechanism != crate::engine::Mechanism::Utility => {
                Some((e.block, netuid, mechanism))
            }
            _ => None,
        })
        .collect()
}

/// The subnets the table shows: the holder and revenue subnets (the lessons' subjects,
/// at the end of a run or by a scripted switch the run may stop short of), else the three
/// with the largest mean final emission share.
fn focus(plan: &Plan, outcomes: &[Outcome]) -> Vec<u16> {
    let netuids = sweep::netuids(outcomes);
    let switched = scripted_switches(plan);
    let special: Vec<u16> = netuids
        .iter()
        .copied()
        .filter(|n| {
            switched.iter().any(|(_, m, _)| m == n)
                || outcomes.iter().any(|o| {
                    o.subnets.iter().any(|s| s.netuid == *n && s.mechanism != crate::engine::Mechanism::Utility)
                })
        })
        .take(4)
        .collect();
    if !special.is_empty() {
        return special;
    }
    let mut by_share: Vec<(u16, f64)> =
        netuids.iter().map(|n| (*n, mean(outcomes.iter().map(|o| share_of(o, *n))))).collect();
    by_share.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    by_share.into_iter().take(3).map(|(n, _)| n).collect()
}

fn share_of(o: &Outcome, n: u16) -> f64 {
    o.subnets.iter().find(|s| s.netuid == n).map_or(0.0, |s| s.emission_share)
}

#[allow(clippy::cast_precision_loss)]
fn mean(xs: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = xs.fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    if n == 0 { 0.0 } else { sum / n as f64 }
}

/// One line per value, averaged over its seeds.
fn print_table(plan: &Plan, outcomes: &[Outcome]) {
    let focus = focus(plan, outcomes);
    out!(
        "{} | {} = {} | {} seed(s): {}\n",
        plan.map.name(),
        plan.param,
        plan.values.join(", "),
        plan.seeds.len(),
        plan.seeds.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
    );
    // The first column fits the parameter's name (emission_mode is 13 characters).
    let width = plan.param.chars().count().max(10);
    let mut head = format!("{:>width$} {:>11} {:>10} {:>9}", plan.param, "intervened", "at block", "root end");
    for n in &focus {
        head.push_str(&format!(" {:>10} {:>10}", format!("SN{n} emis"), format!("SN{n} price")));
    }
    // Each bot's column fits its name (momentum and momentum#2 stay apart), up to 24.
    let roi_w: Vec<usize> = plan.entrants.iter().map(|e| (e.name.chars().count().min(24) + 4).max(12)).collect();
    for (e, w) in plan.entrants.iter().zip(&roi_w) {
        head.push_str(&format!(" {:>w$}", format!("ROI {}", crate::text::truncate(&e.name, 24))));
    }
    out!("{head}");
    for v in &plan.values {
        let runs: Vec<&Outcome> = outcomes.iter().filter(|o| &o.value == v).collect();
        let hit: Vec<u64> = runs.iter().filter_map(|o| o.intervention.as_ref().map(|i| i.block)).collect();
        let at = if hit.is_empty() { "-".to_string() } else { format!("{:.0}", mean(hit.iter().map(|b| *b as f64))) };
        let mut line = format!(
            "{:>width$} {:>11} {:>10} {:>8.1}%",
            crate::text::truncate(v, width),
            format!("{}/{}", hit.len(), runs.len()),
            at,
            100.0 * mean(runs.iter().map(|o| o.average_root_prop_end))
        );
        for n in &focus {
            let subs: Vec<&sweep::SubnetOutcome> =
                runs.iter().filter_map(|o| o.subnets.iter().find(|s| s.netuid == *n)).collect();
            // A subnet launched during a run has no price change from block 0.
            let changes: Vec<f64> = subs.iter().filter_map(|s| s.price_change()).collect();
            let change = if changes.is_empty() {
                "-".to_string()
            } else {
                crate::tui::format::signed_pct_fixed(mean(changes.into_iter()), 1)
            };
            line.push_str(&format!(" {:>9.2}% {change:>10}", 100.0 * mean(subs.iter().map(|s| s.emission_share))));
        }
        for (k, &w) in roi_w.iter().enumerate() {
            let roi = crate::tui::format::signed_pct_fixed(mean(runs.iter().map(|o| o.rois[k])), 2);
            line.push_str(&format!(" {roi:>w$}"));
        }
        out!("{line}");
    }
    out!(
        "\nintervened: runs in which an account rewarding sellers on a holder subnet held the majority of its stake weight; at block: the mean block it took control; root end: the average root proportion at the end; SNn emis / price: final emission share and price change (means over seeds; '-' for a subnet launched during the runs)."
    );
    // A switch the runs stopped short of: the table shows that subnet before its story.
    let ran = outcomes.iter().map(|o| o.blocks).min().unwrap_or(0);
    for (block, n, mechanism) in scripted_switches(plan) {
        if block >= ran && focus.contains(&n) {
            out!(
                "SN{n} becomes a {mechanism} subnet at block {} (day {}), after these runs' {} blocks: sweep with \
                 --blocks {} or more to see what follows.",
                crate::text::thousands(block),
                block / 7_200 + 1,
                crate::text::thousands(ran),
                block + 7_200
            );
        }
    }
    match sweep::takeover_value(plan, outcomes) {
        Some(v) => out!("The intervention took control in every run from {} = {v} on.", plan.param),
        None if outcomes.iter().any(|o| o.intervention.is_some()) => {
            out!("The intervention took control in some runs, but not in every run of the last value.");
        }
        None => out!("No intervention took control in any run."),
    }
}
