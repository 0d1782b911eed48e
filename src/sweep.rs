//! Sweeps: one map run over a list of values of one parameter and over seeds, in
//! parallel, with the outcome metrics a lesson asks about (emission shares, prices, the
//! intervention, the strategies' ROI and the world's own figures).
//!
//! Reproducible to the bit: run `i` is value `i / seeds` with seed `i % seeds`; each run
//! is built and played inside one worker thread (it owns its actors), and outcomes are
//! stored by run index, so the results do not depend on `jobs`.
//!
//! Uses `engine`, `scenario`, `session` and `tournament` (its [`Entrant`] and
//! [`Factory`]); the CLI prints and writes the results.

use crate::engine::math::to_f64;
use crate::engine::params::PARAM_NAMES;
use crate::engine::{AccountId, Mechanism, Netuid, Policy, World};
use crate::scenario::Map;
use crate::session::{Session, report};
use crate::tournament::{Entrant, Factory};

/// Most runs a sweep may have (values x seeds).
pub const MAX_RUNS: usize = 100_000;

/// What to sweep.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The map.
    pub map: Map,
    /// The parameter's name (one of [`PARAM_NAMES`]).
    pub param: String,
    /// Its values, as map text (`0.18`, `flow`).
    pub values: Vec<String>,
    /// The seeds each value is run with.
    pub seeds: Vec<u64>,
    /// Run length (the map's if `None`).
    pub blocks: Option<u64>,
    /// Strategies seated in every run, in this order.
    pub entrants: Vec<Entrant>,
}

/// A bad sweep specification: an unknown parameter, a value out of range, a bad range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SpecError(pub String);

/// Why a run failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{param} = {value}, seed {seed}: {reason}")]
pub struct RunError {
    /// The parameter.
    pub param: String,
    /// Its value.
    pub value: String,
    /// The seed.
    pub seed: u64,
    /// What went wrong.
    pub reason: String,
}

/// The moment an intervention took control: an account whose validator policy on a
/// `holder` subnet is `reward_sellers` became (or was) that subnet's controller, the
/// holder of a majority of its stake weight.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Intervention {
    /// Blocks run when it was first seen (the state after block `block - 1`).
    pub block: u64,
    /// The subnet.
    pub netuid: Netuid,
    /// The intervening account.
    pub account: String,
}

/// One subnet's outcome in a run.
#[derive(Clone, Debug, PartialEq)]
pub struct SubnetOutcome {
    /// Netuid.
    pub netuid: Netuid,
    /// Name at the end.
    pub name: String,
    /// Mechanism at the end.
    pub mechanism: Mechanism,
    /// Emission share of the first block.
    pub emission_share_start: f64,
    /// Emission share of the last block.
    pub emission_share: f64,
    /// Spot price at block 0.
    pub price_start: f64,
    /// Spot price at the end.
    pub price: f64,
    /// Highest spot price seen after any block.
    pub peak_price: f64,
    /// The account holding a majority of its stake weight at the end, if any.
    pub controller: Option<String>,
    /// Whether this is the subnet that had the netuid at block 0: not one launched on
    /// it during the run (after a dissolution, or on a netuid that was free), whose
    /// start is not block 0's.
    pub from_start: bool,
}

impl SubnetOutcome {
    /// `price / price_start - 1`; `None` for a subnet launched during the run (block 0's
    /// price on its netuid was another subnet's).
    #[must_use]
    pub fn price_change(&self) -> Option<f64> {
        self.from_start.then(|| ratio_change(self.price, self.price_start))
    }
    /// `peak_price / price_start - 1`; `None` as for [`Self::price_change`].
    #[must_use]
    pub fn peak_price_change(&self) -> Option<f64> {
        self.from_start.then(|| ratio_change(self.peak_price, self.price_start))
    }
    /// The emission share of the first block; `None` as for [`Self::price_change`].
    #[must_use]
    pub fn share_start(&self) -> Option<f64> {
        self.from_start.then_some(self.emission_share_start)
    }
}

fn ratio_change(x: f64, base: f64) -> f64 {
    if base > 0.0 { x / base - 1.0 } else { 0.0 }
}

/// The outcome of one run.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// Run index (value-major).
    pub index: usize,
    /// The parameter's value.
    pub value: String,
    /// The seed.
    pub seed: u64,
    /// Blocks run.
    pub blocks: u64,
    /// Final state hash, hex.
    pub state_hash: String,
    /// Average root proportion at block 0 and at the end.
    pub average_root_prop_start: f64,
    /// See `average_root_prop_start`.
    pub average_root_prop_end: f64,
    /// Total issuance at the end, rao.
    pub total_issuance_rao: u64,
    /// Total root stake at the end, rao.
    pub total_root_rao: u64,
    /// When an intervention took control, if it did.
    pub intervention: Option<Intervention>,
    /// Subnets at the end, by netuid.
    pub subnets: Vec<SubnetOutcome>,
    /// Each entrant's ROI, in plan order.
    pub rois: Vec<f64>,
    /// Each entrant's faults, in plan order.
    pub faults: Vec<crate::session::SeatFaults>,
}

/// Parses `--values`: a comma-separated list (`0.1,0.2`, `price,flow`) or a range
/// `START..END:STEP` with both ends included (`0.05..0.5:0.05`). Range values are
/// written with as many decimals as the range's own numbers, so `0.1..0.3:0.1` gives
/// `0.1,0.2,0.3`, never `0.30000000000000004`.
///
/// # Errors
/// An empty list, or a range that does not parse, runs backwards, has a step that is
/// not positive, or has more than [`MAX_RUNS`] values.
pub fn parse_values(spec: &str) -> Result<Vec<String>, SpecError> {
    let spec = spec.trim();
    let Some((start, rest)) = spec.split_once("..") else {
        let v: Vec<String> = spec.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect();
        if v.is_empty() {
            return Err(SpecError(
                "--values is empty; give a list such as 0.1,0.2 or a range such as 0.05..0.5:0.05".into(),
            ));
        }
        return Ok(v);
    };
    let bad = |why: &str| {
        SpecError(format!(
            "bad range '{spec}': {why}; write START..END:STEP with both ends included, such as 0.05..0.5:0.05"
        ))
    };
    let (end, step) = rest.split_once(':').ok_or_else(|| bad("the step is missing"))?;
    let num = |s: &str| s.trim().parse::<f64>().ok().filter(|x| x.is_finite());
    let (Some(a), Some(b), Some(d)) = (num(start), num(end), num(step)) else {
        return Err(bad("START, END and STEP must be numbers"));
    };
    if d <= 0.0 {
        return Err(bad("STEP must be more than 0"));
    }
    if b < a {
        return Err(bad("END is below START"));
    }
    let n = ((b - a) / d + 1e-9).floor() + 1.0;
    #[allow(clippy::cast_precision_loss)]
    if n > MAX_RUNS as f64 {
        return Err(bad(&format!("it has more than {MAX_RUNS} values")));
    }
    let decimals = [start, end, step].iter().map(|s| s.trim().split_once('.').map_or(0, |(_, f)| f.len())).max();
    let decimals = decimals.unwrap_or(0);
    // Both ends are included, so the steps must land on END.
    let last = a + d * (n - 1.0);
    if (b - last).abs() > 1e-9 * b.abs().max(d) {
        let (lower, higher) = (last, last + d);
        return Err(bad(&format!(
            "steps of {} from {} miss {}: end at {lower:.decimals$} or {higher:.decimals$}, or choose a step that \
             divides the range",
            step.trim(),
            start.trim(),
            end.trim()
        )));
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let count = n as usize;
    #[allow(clippy::cast_precision_loss)]
    Ok((0..count).map(|k| format!("{:.decimals$}", a + d * k as f64)).collect())
}

/// Parses `--seeds`: a count `N` (the seeds `base`, `base + 1`, ..., `base + N - 1`), or
/// a comma-separated list of seeds (`1,7,9`; a single seed as `7,`).
///
/// # Errors
/// A count of 0, too many seeds, or something that is not a whole number.
pub fn parse_seeds(spec: &str, base: u64) -> Result<Vec<u64>, SpecError> {
    let spec = spec.trim();
    let bad = || {
        SpecError(format!(
            "bad --seeds '{spec}': give a count such as 4 (the map's seed and the next ones) or a list such as 1,7,9"
        ))
    };
    if spec.contains(',') {
        let v: Result<Vec<u64>, _> =
            spec.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::parse::<u64>).collect();
        let v = v.map_err(|_| bad())?;
        if v.is_empty() {
            return Err(bad());
        }
        return Ok(v);
    }
    let n: u64 = spec.parse().map_err(|_| bad())?;
    if n == 0 || n > MAX_RUNS as u64 {
        return Err(SpecError(format!("--seeds {n}: give from 1 to {MAX_RUNS} seeds")));
    }
    (0..n).map(|k| base.checked_add(k)).collect::<Option<Vec<u64>>>().ok_or_else(|| {
        SpecError(format!("--seeds {n} from seed {base} would pass {}; give a smaller --seed", u64::MAX))
    })
}

/// Checks a parameter name and every value against the engine's rules.
///
/// # Errors
/// An unknown name (listing the valid ones) or the first bad value, with its range.
pub fn check(param: &str, values: &[String]) -> Result<(), SpecError> {
    if matches!(param, "total_issuance" | "genesis_root_stake") {
        return Err(SpecError(format!(
            "'{param}' is in a map's [params] but sets the world's starting state, not a rule; a sweep varies a rule \
             (one of: {}); to compare starting states, make a map for each and run them with sim or tournament --maps",
            PARAM_NAMES.join(", ")
        )));
    }
    if !PARAM_NAMES.contains(&param) {
        if let Some(near) = crate::scenario::suggest_name(param, PARAM_NAMES.iter().copied()) {
            return Err(SpecError(format!("unknown parameter '{param}'; did you mean '{near}'?")));
        }
        return Err(SpecError(format!("unknown parameter '{param}'; sweep one of: {}", PARAM_NAMES.join(", "))));
    }
    let mut p = crate::engine::Params::default();
    for v in values {
        p.set(param, v).map_err(|e| SpecError(format!("--values: {param} = {v}: {e}")))?;
    }
    Ok(())
}

/// Plays one run: the map with `param = value`, `seed`, and the plan's strategies.
///
/// # Errors
/// A strategy that cannot be built, or an engine overflow.
pub fn play(plan: &Plan, index: usize, factory: &Factory<'_>) -> Result<Outcome, RunError> {
    let seeds = plan.seeds.len().max(1);
    let (value, seed) = (&plan.values[index / seeds], plan.seeds[index % seeds]);
    let fail = |reason: String| RunError { param: plan.param.clone(), value: value.clone(), seed, reason };
    let mut map = plan.map.clone();
    map.init.params.set(&plan.param, value).map_err(|e| fail(e.to_string()))?;
    let mut session = Session::new(&map, Some(seed), plan.blocks).map_err(|e| fail(e.to_string()))?;
    let mut seats: Vec<AccountId> = Vec::new();
    for (seat, e) in plan.entrants.iter().enumerate() {
        let actor = factory(e, seed, seat).map_err(|r| fail(format!("{}: {r}", e.name)))?;
        seats.push(session.add_bot(&e.name, actor));
    }
    let mut watch = Watch::new(session.world());
    while !session.is_over() {
        session.step().map_err(|e| fail(e.to_string()))?;
        watch.observe(session.world());
    }
    let w = session.world();
    Ok(Outcome {
        index,
        value: value.clone(),
        seed,
        blocks: w.block,
        state_hash: w.state_hash_hex(),
        average_root_prop_start: watch.root_prop_start,
        average_root_prop_end: w.average_root_prop(),
        total_issuance_rao: w.total_issuance,
        total_root_rao: w.total_root,
        intervention: watch.intervention,
        subnets: w
            .subnets()
            .filter_map(|s| w.subnet_view(s.netuid))
            .map(|s| {
                let n = usize::from(s.netuid);
                SubnetOutcome {
                    netuid: s.netuid,
                    name: s.name.clone(),
                    mechanism: s.mechanism,
                    emission_share_start: watch.share_start.get(n).copied().unwrap_or(0.0),
                    emission_share: s.emission_share,
                    price_start: watch.price_start.get(n).copied().unwrap_or(0.0),
                    price: to_f64(s.price),
                    peak_price: watch.peak.get(n).copied().unwrap_or(0.0),
                    controller: report::controller_name(w, s.netuid),
                    from_start: watch.registered.get(n) == Some(&Some(s.registered_at)),
                }
            })
            .collect(),
        // Seats start with the map's budget: a ROI always (0 for a map that gives none).
        rois: seats.iter().map(|id| report::roi(w, *id).unwrap_or(0.0)).collect(),
        faults: (0..seats.len()).map(|k| session.seat_faults(k)).collect(),
    })
}

/// What a run watches block by block.
struct Watch {
    root_prop_start: f64,
    price_start: Vec<f64>,
    share_start: Vec<f64>,
    peak: Vec<f64>,
    /// The registration block of each netuid's subnet at block 0 (`None` once that
    /// subnet was dissolved): a subnet launched on the netuid later has another.
    registered: Vec<Option<i64>>,
    intervention: Option<Intervention>,
    started: bool,
}

impl Watch {
    fn new(w: &World) -> Self {
        let mut price_start = vec![0.0; w.subnets.len()];
        let mut registered = vec![None; w.subnets.len()];
        for s in w.subnets() {
            price_start[usize::from(s.netuid)] = to_f64(s.price());
            registered[usize::from(s.netuid)] = Some(s.registered_at);
        }
        Self {
            root_prop_start: w.average_root_prop(),
            peak: price_start.clone(),
            price_start,
            registered,
            share_start: vec![0.0; w.subnets.len()],
            intervention: None,
            started: false,
        }
    }

    fn observe(&mut self, w: &World) {
        // A dissolved subnet's netuid may go to a newcomer in the same block (and with
        // the same registration block, at block 0): it is no longer the one measured.
        for e in w.events() {
            if let crate::engine::Event::Dissolved { netuid, .. } = e {
                if let Some(r) = self.registered.get_mut(usize::from(*netuid)) {
                    *r = None;
                }
            }
        }
        for s in w.subnets() {
            let n = usize::from(s.netuid);
            if n >= self.peak.len() || self.registered[n] != Some(s.registered_at) {
                // Launched during the run: nothing measured from block 0.
                continue;
            }
            let p = to_f64(s.price());
            if p > self.peak[n] {
                self.peak[n] = p;
            }
            if !self.started {
                self.share_start[n] = share(s);
            }
        }
        self.started = true;
        if self.intervention.is_none() {
            self.intervention = intervention(w);
        }
    }
}

/// A subnet's share of the last block's TAO emission.
#[allow(clippy::cast_precision_loss)]
fn share(s: &crate::engine::world::Subnet) -> f64 {
    if s.last_block_emission == 0 { 0.0 } else { s.last_emission as f64 / s.last_block_emission as f64 }
}

/// An intervention in control now: an account rewarding sellers on a holder subnet
/// that it controls (lowest netuid first).
#[must_use]
pub fn intervention(w: &World) -> Option<Intervention> {
    for s in w.subnets().filter(|s| s.mechanism == Mechanism::Holder) {
        let n = usize::from(s.netuid);
        if !w.accounts.iter().any(|a| a.policy.get(n) == Some(&Policy::RewardSellers)) {
            continue;
        }
        let Some(c) = w.controller(s.netuid) else { continue };
        if let Some(a) = w.account(c).filter(|a| a.policy.get(n) == Some(&Policy::RewardSellers)) {
            return Some(Intervention { block: w.block, netuid: s.netuid, account: a.name.clone() });
        }
    }
    None
}

/// Plays every run on `jobs` worker threads, calling `progress(done)` as runs finish.
/// Outcomes come back by run index (value-major, then seed), whatever `jobs`.
///
/// # Errors
/// The first failing run (by index).
pub fn run(
    plan: &Plan,
    jobs: usize,
    factory: &Factory<'_>,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Vec<Outcome>, RunError> {
    let count = plan.values.len() * plan.seeds.len();
    crate::session::parallel::map_indexed(count, jobs, &|i| play(plan, i, factory), progress).into_iter().collect()
}

/// The netuids seen in any outcome, ascending.
#[must_use]
pub fn netuids(outcomes: &[Outcome]) -> Vec<Netuid> {
    let mut v: Vec<Netuid> = outcomes.iter().flat_map(|o| o.subnets.iter().map(|s| s.netuid)).collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// The CSV header: run columns, one ROI column per strategy, then five columns per
/// subnet (`snN_...`).
#[must_use]
pub fn csv_header(plan: &Plan, netuids: &[Netuid]) -> Vec<String> {
    let mut h: Vec<String> = [
        "param",
        "value",
        "seed",
        "blocks",
        "state_hash",
        "average_root_prop_start",
        "average_root_prop_end",
        "total_issuance_rao",
        "total_root_rao",
        "intervention",
        "intervention_block",
        "intervention_netuid",
        "intervener",
    ]
    .iter()
    .map(|s| (*s).to_string())
    .collect();
    h.extend(plan.entrants.iter().map(|e| format!("roi_{}", e.name)));
    h.extend(plan.entrants.iter().map(|e| format!("faults_{}", e.name)));
    for n in netuids {
        for c in SUBNET_COLUMNS {
            h.push(format!("sn{n}_{c}"));
        }
    }
    h
}

/// The per-subnet columns, after `snN_`.
pub const SUBNET_COLUMNS: &[&str] =
    &["emission_share_start", "emission_share", "price_change", "peak_price_change", "controller"];

/// One CSV row per outcome, matching [`csv_header`]. A subnet missing from a run (not
/// yet launched, or dissolved) leaves its cells empty; one launched during the run
/// leaves empty those measured from block 0 (its first share and price changes).
#[must_use]
pub fn csv_row(plan: &Plan, netuids: &[Netuid], o: &Outcome) -> Vec<String> {
    let iv = o.intervention.as_ref();
    let mut r = vec![
        plan.param.clone(),
        o.value.clone(),
        o.seed.to_string(),
        o.blocks.to_string(),
        o.state_hash.clone(),
        format!("{:.9}", o.average_root_prop_start),
        format!("{:.9}", o.average_root_prop_end),
        o.total_issuance_rao.to_string(),
        o.total_root_rao.to_string(),
        iv.is_some().to_string(),
        iv.map(|i| i.block.to_string()).unwrap_or_default(),
        iv.map(|i| i.netuid.to_string()).unwrap_or_default(),
        iv.map(|i| i.account.clone()).unwrap_or_default(),
    ];
    r.extend(o.rois.iter().map(|x| format!("{x:.9}")));
    r.extend((0..plan.entrants.len()).map(|k| o.faults.get(k).map_or(0, |f| f.faults).to_string()));
    for n in netuids {
        match o.subnets.iter().find(|s| s.netuid == *n) {
            Some(s) => {
                let cell = |x: Option<f64>| x.map(|x| format!("{x:.9}")).unwrap_or_default();
                r.extend([
                    cell(s.share_start()),
                    format!("{:.9}", s.emission_share),
                    cell(s.price_change()),
                    cell(s.peak_price_change()),
                    s.controller.clone().unwrap_or_default(),
                ]);
            }
            None => r.extend(SUBNET_COLUMNS.iter().map(|_| String::new())),
        }
    }
    r
}

/// The first value from which the intervention took control in every seed of it and
/// of every later value (the values in the order given), if any value had it.
#[must_use]
pub fn takeover_value(plan: &Plan, outcomes: &[Outcome]) -> Option<String> {
    let all = |v: &str| outcomes.iter().filter(|o| o.value == v).all(|o| o.intervention.is_some());
    let k = plan.values.iter().rposition(|v| !all(v)).map_or(0, |k| k + 1);
    plan.values.get(k).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_and_ranges() {
        assert_eq!(parse_values("0.1, 0.2").unwrap(), vec!["0.1", "0.2"]);
        assert_eq!(parse_values("price,flow,root_vote").unwrap(), vec!["price", "flow", "root_vote"]);
        assert_eq!(parse_values("0.1..0.3:0.1").unwrap(), vec!["0.1", "0.2", "0.3"]);
        assert_eq!(parse_values("0.05..0.5:0.05").unwrap().len(), 10);
        assert_eq!(parse_values("0.05..0.5:0.05").unwrap()[9], "0.50");
        assert_eq!(parse_values("100..400:100").unwrap(), vec!["100", "200", "300", "400"]);
        // Both ends are included: a step that misses END is refused, with the ends it hits.
        let e = parse_values("1..2:0.4").unwrap_err().to_string();
        assert!(e.contains("steps of 0.4 from 1 miss 2: end at 1.8 or 2.2"), "{e}");
        assert!(parse_values("0.1..0.5:0.15").is_err());
        assert_eq!(parse_values("0.1..0.4:0.15").unwrap(), vec!["0.10", "0.25", "0.40"]);
        for bad in ["", "0.5..0.1:0.1", "0.1..0.5", "0.1..0.5:0", "a..b:c", "0..1e9:1e-9"] {
            assert!(parse_values(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn seed_counts_and_lists() {
        assert_eq!(parse_seeds("3", 7).unwrap(), vec![7, 8, 9]);
        assert_eq!(parse_seeds("1,5,2", 7).unwrap(), vec![1, 5, 2]);
        assert_eq!(parse_seeds("9,", 7).unwrap(), vec![9]);
        assert!(parse_seeds("0", 1).is_err());
        assert!(parse_seeds("x", 1).is_err());
        assert_eq!(parse_seeds("2", u64::MAX - 1).unwrap(), vec![u64::MAX - 1, u64::MAX]);
        assert!(parse_seeds("2", u64::MAX).unwrap_err().to_string().contains("smaller --seed"));
    }

    #[test]
    fn checks_names_and_values() {
        let e = check("tao_wieght", &["0.2".into()]).unwrap_err().to_string();
        assert_eq!(e, "unknown parameter 'tao_wieght'; did you mean 'tao_weight'?");
        let e = check("colour", &["0.2".into()]).unwrap_err().to_string();
        assert!(e.starts_with("unknown parameter 'colour'; sweep one of: emission_mode, tempo, tao_weight"), "{e}");
        let e = check("total_issuance", &["9000000".into()]).unwrap_err().to_string();
        assert!(e.starts_with("'total_issuance' is in a map's [params] but sets the world's starting state"), "{e}");
        let e = check("tao_weight", &["0.2".into(), "1.5".into()]).unwrap_err().to_string();
        assert!(e.starts_with("--values: tao_weight = 1.5: ") && e.contains("between 0 and 1"), "{e}");
        assert!(check("emission_mode", &["price".into(), "flow".into()]).is_ok());
    }
}
