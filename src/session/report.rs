//! The match report: the `sim --json` object of interface.md (also printed by
//! `replay --verify --json`) and the rows of `sim --trace`.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::engine::math::to_f64;
use crate::engine::{AccountId, AccountKind, World};

/// The `sim --json` report.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Report {
    /// Map name.
    pub map: String,
    /// Match seed.
    pub seed: u64,
    /// Blocks run.
    pub block: u64,
    /// State hash, hex.
    pub state_hash: String,
    /// Total issuance, rao.
    pub total_issuance_rao: u64,
    /// Total root stake, rao.
    pub total_root_rao: u64,
    /// Average root proportion over emitting subnets.
    pub average_root_prop: f64,
    /// Lock cost of a launch now, rao.
    pub lock_cost_rao: u64,
    /// Subnets by netuid.
    pub subnets: Vec<SubnetReport>,
    /// Accounts by id.
    pub accounts: Vec<AccountReport>,
    /// The TAO ledger, to check conservation from the report (rules.md §10).
    pub ledger: LedgerReport,
    /// A lesson's story and objectives (only when the map has either; see [`lesson`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lesson: Option<Lesson>,
    /// The run's provenance (a session's report; not a bare world's): what a researcher
    /// needs to tell two runs apart and to redo one.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub run: Option<RunInfo>,
}

/// Where a report comes from: the program, the map's exact source and the game clock.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct RunInfo {
    /// `dtao-arena`'s version.
    pub version: String,
    /// BLAKE3 of the map's TOML source, hex: a modified copy of a map differs from it
    /// (the `map` key is only its `name`).
    pub map_source_hash: String,
    /// The game clock at block 0, RFC 3339.
    pub start_date: String,
    /// The game clock now, after `block` blocks, RFC 3339.
    pub date: String,
}

/// A lesson at the end of a match: the map's narration, launches and dissolutions, and
/// which of its objectives the world reached.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Lesson {
    /// The map's log lines, in order.
    pub story: Vec<StoryLine>,
    /// The map's objectives, in its order.
    pub objectives: Vec<ObjectiveReport>,
}

/// One line of a lesson's story.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct StoryLine {
    /// The block it was told at.
    pub block: u64,
    /// Its text.
    pub text: String,
}

/// One objective and whether it was reached.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ObjectiveReport {
    /// The objective as the map words it.
    pub text: String,
    /// `reached`, `not_reached`, `about_the_player` (a goal each human reaches on their
    /// own, see `reached_by`) or `prompt` (no goal: nothing to check).
    pub status: ObjectiveStatus,
    /// The blocks run when a world goal was reached.
    pub reached_at_block: Option<u64>,
    /// For a goal about the player (and only then): each human who reached it and
    /// when; empty when none did (a `sim` has no humans).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reached_by: Option<BTreeMap<String, u64>>,
}

/// Whether an objective was reached.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ObjectiveStatus {
    Reached,
    NotReached,
    AboutThePlayer,
    Prompt,
}

/// The TAO ledger: `held_rao = genesis_rao + minted_rao - recycled_rao - burned_rao +
/// external_inflow_rao`, where `held_rao` is every account's free TAO and root stake,
/// every pool's TAO, the subnets' pending root TAO and their NPC miners' TAO.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct LedgerReport {
    /// TAO held at block 0.
    pub genesis_rao: u64,
    /// Minted by the coinbase (and lock refunds).
    pub minted_rao: u64,
    /// Recycled (lowers the total issuance).
    pub recycled_rao: u64,
    /// Burned (leaves without lowering the issuance).
    pub burned_rao: u64,
    /// Entered from outside (revenue subnets' buybacks).
    pub external_inflow_rao: u64,
    /// Held now, as summed above (`null` if the sum overflows 64 bits).
    pub held_rao: Option<u64>,
}

/// One subnet's alpha ledger: `alpha_in_rao + alpha_out_rao = issued_rao - recycled_rao -
/// burned_rao`, and `alpha_out_rao` is the accounts' alpha on the subnet plus its NPC
/// miners' and its pending buckets.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct SubnetLedger {
    /// Alpha ever issued (pool injections and `a_i`), block 0's included.
    pub issued_rao: u64,
    /// Alpha recycled.
    pub recycled_rao: u64,
    /// Alpha burned by buybacks.
    pub burned_rao: u64,
    /// Pending owner alpha.
    pub pending_owner_rao: u64,
    /// Pending miner alpha.
    pub pending_miner_rao: u64,
    /// Pending validator alpha.
    pub pending_validator_rao: u64,
    /// Pending root dividends in alpha (`flow` mode).
    pub pending_root_alpha_rao: u64,
    /// Pending root dividends in TAO (`price` and `root_vote` modes).
    pub pending_root_tao_rao: u64,
    /// The NPC miners' alpha.
    pub npc_miners_alpha_rao: u64,
    /// The NPC miners' TAO (from their sales).
    pub npc_miners_tao_rao: u64,
}

/// A subnet in the report.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct SubnetReport {
    pub netuid: u16,
    pub name: String,
    pub mechanism: String,
    pub tao_rao: u64,
    pub alpha_in_rao: u64,
    pub alpha_out_rao: u64,
    pub price: f64,
    pub moving_price: f64,
    pub emission_share: f64,
    pub root_prop: f64,
    /// The account holding a majority of stake weight, if any.
    pub controller: Option<String>,
    pub emitting: bool,
    /// Where its alpha is, to check conservation.
    pub ledger: SubnetLedger,
}

/// An account in the report.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct AccountReport {
    pub name: String,
    pub kind: String,
    pub free_rao: u64,
    pub root_stake_rao: u64,
    /// Alpha per netuid, nonzero only (JSON keys are strings, in netuid order).
    pub alpha_rao: BTreeMap<u16, u64>,
    pub score_rao: u64,
    /// Value at block 0 (free + root + alpha at its sale value).
    pub start_rao: u64,
    /// Score relative to the starting value, minus one; `null` for an account that
    /// started with nothing (a subnet team, the genesis account), whose ROI means nothing.
    pub roi: Option<f64>,
    pub faults: u32,
}

fn subnet_ledger(w: &World, netuid: u16) -> SubnetLedger {
    let Some(s) = w.subnet(netuid) else { return SubnetLedger::default() };
    let sum = |f: fn(&crate::engine::world::NpcMiner) -> u64| s.miners.iter().fold(0u64, |t, m| t.saturating_add(f(m)));
    SubnetLedger {
        issued_rao: s.alpha_issued,
        recycled_rao: s.alpha_recycled,
        burned_rao: s.alpha_burned,
        pending_owner_rao: s.pending_owner,
        pending_miner_rao: s.pending_miner,
        pending_validator_rao: s.pending_validator,
        pending_root_alpha_rao: s.pending_root_alpha,
        pending_root_tao_rao: s.pending_root_tao,
        npc_miners_alpha_rao: sum(|m| m.alpha),
        npc_miners_tao_rao: sum(|m| m.tao),
    }
}

/// The controller's name of a subnet.
#[must_use]
pub fn controller_name(w: &World, netuid: u16) -> Option<String> {
    w.controller(netuid).and_then(|a| w.account(a)).map(|a| a.name.clone())
}

/// An account's return on its starting value; `None` for one that started with nothing
/// (a subnet team, the genesis account), whose ROI means nothing (each caller says how
/// it shows that).
#[must_use]
#[allow(clippy::cast_precision_loss)]
pub fn roi(w: &World, id: AccountId) -> Option<f64> {
    let a = w.account(id).filter(|a| a.start_value_rao > 0)?;
    Some(w.score(id) as f64 / a.start_value_rao as f64 - 1.0)
}

/// Builds the report of a world now.
#[must_use]
pub fn report(w: &World) -> Report {
    let v = w.view();
    Report {
        map: w.map.clone(),
        seed: w.seed,
        block: w.block,
        state_hash: w.state_hash_hex(),
        total_issuance_rao: w.total_issuance,
        total_root_rao: w.total_root,
        average_root_prop: w.average_root_prop(),
        lock_cost_rao: v.lock_cost_rao,
        subnets: v
            .subnets
            .iter()
            .map(|s| SubnetReport {
                netuid: s.netuid,
                name: s.name.clone(),
                mechanism: s.mechanism.name().to_string(),
                tao_rao: s.tao_rao,
                alpha_in_rao: s.alpha_in_rao,
                alpha_out_rao: s.alpha_out_rao,
                price: to_f64(s.price),
                moving_price: to_f64(s.moving_price),
                emission_share: s.emission_share,
                root_prop: to_f64(s.root_prop),
                controller: controller_name(w, s.netuid),
                emitting: s.emitting,
                ledger: subnet_ledger(w, s.netuid),
            })
            .collect(),
        accounts: v
            .accounts
            .iter()
            .map(|a| AccountReport {
                name: a.name.clone(),
                kind: a.kind.name().to_string(),
                free_rao: a.free_rao,
                root_stake_rao: a.root_stake_rao,
                alpha_rao: a.alpha_rao.iter().map(|(n, x)| (*n, *x)).collect(),
                score_rao: a.score_rao,
                start_rao: w.account(a.id).map_or(0, |x| x.start_value_rao),
                roi: roi(w, a.id),
                faults: a.faults,
            })
            .collect(),
        ledger: LedgerReport {
            genesis_rao: w.ledger.genesis,
            minted_rao: w.ledger.minted,
            recycled_rao: w.ledger.recycled,
            burned_rao: w.ledger.burned,
            external_inflow_rao: w.ledger.external_inflow,
            held_rao: w.tao_held().ok(),
        },
        lesson: None,
        run: None,
    }
}

/// The report of a session now, with its lesson (when the map tells a story or sets
/// objectives).
#[must_use]
pub fn session_report(session: &super::Session) -> Report {
    let map = session.map();
    let run = RunInfo {
        version: env!("CARGO_PKG_VERSION").to_string(),
        map_source_hash: blake3::hash(map.source.as_bytes()).to_hex().to_string(),
        start_date: map.start_date.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        date: session.clock().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    };
    Report { lesson: lesson(session), run: Some(run), ..report(session.world()) }
}

/// A session's story and objectives so far; `None` when the map has neither.
#[must_use]
pub fn lesson(session: &super::Session) -> Option<Lesson> {
    let story: Vec<StoryLine> = session
        .log()
        .iter()
        // The objectives have their own section: their log lines are not the story.
        .filter(|l| l.who == "map" && !l.text.starts_with(super::OBJECTIVE_REACHED))
        .map(|l| StoryLine { block: l.block, text: l.text.clone() })
        .collect();
    let tracker = session.objectives();
    let w = session.world();
    let objectives: Vec<ObjectiveReport> = session
        .map()
        .objectives
        .iter()
        .enumerate()
        .map(|(k, o)| {
            let (status, reached_at_block, reached_by) = match &o.goal {
                None => (ObjectiveStatus::Prompt, None, None),
                Some(g) if g.is_personal() => {
                    let by = w
                        .accounts
                        .iter()
                        .filter(|a| a.kind == AccountKind::Human)
                        .filter_map(|a| Some((a.name.clone(), tracker.reached(k, Some(a.id))?)))
                        .collect();
                    (ObjectiveStatus::AboutThePlayer, None, Some(by))
                }
                Some(_) => match tracker.reached(k, None) {
                    Some(b) => (ObjectiveStatus::Reached, Some(b), None),
                    None => (ObjectiveStatus::NotReached, None, None),
                },
            };
            ObjectiveReport { text: o.text.clone(), status, reached_at_block, reached_by }
        })
        .collect();
    (!story.is_empty() || !objectives.is_empty()).then_some(Lesson { story, objectives })
}

/// The header of the subnet trace CSV (interface.md's columns first).
pub const SUBNET_TRACE_HEADER: &[&str] = &[
    "block",
    "netuid",
    "name",
    "price",
    "moving_price",
    "emission_share",
    "root_prop",
    "tao_rao",
    "alpha_in_rao",
    "alpha_out_rao",
    "controller",
    "mechanism",
    "emitting",
    "total_issuance_rao",
    "average_root_prop",
    "tao_emission_rao",
    "root_weight_share",
    "top_validator",
    "top_validator_share",
    "top_validator_policy",
];

/// The header of the accounts trace CSV.
pub const ACCOUNT_TRACE_HEADER: &[&str] =
    &["block", "name", "kind", "free_rao", "root_stake_rao", "score_rao", "roi", "faults"];

/// Trace rows of every subnet now.
#[must_use]
pub fn subnet_rows(w: &World) -> Vec<Vec<String>> {
    let avg = w.average_root_prop();
    w.subnets()
        .filter_map(|s| w.subnet_view(s.netuid))
        .map(|s| {
            let c = consensus(w, s.netuid);
            vec![
                w.block.to_string(),
                s.netuid.to_string(),
                s.name.clone(),
                // Prices and the root proportion to every digit an f64 keeps (a young
                // subnet's moving price is below 1e-9); a share is a multiple of 1e-9.
                to_f64(s.price).to_string(),
                to_f64(s.moving_price).to_string(),
                format!("{:.9}", s.emission_share),
                to_f64(s.root_prop).to_string(),
                s.tao_rao.to_string(),
                s.alpha_in_rao.to_string(),
                s.alpha_out_rao.to_string(),
                controller_name(w, s.netuid).unwrap_or_default(),
                s.mechanism.name().to_string(),
                s.emitting.to_string(),
                w.total_issuance.to_string(),
                format!("{avg:.9}"),
                w.subnet(s.netuid).map_or(0, |x| x.last_emission).to_string(),
                format!("{:.9}", c.root_share),
                c.top.and_then(|a| w.account(a)).map(|a| a.name.clone()).unwrap_or_default(),
                format!("{:.9}", c.top_share),
                c.top
                    .and_then(|a| w.account(a))
                    .and_then(|a| a.policy.get(usize::from(s.netuid)))
                    .map(|p| p.name())
                    .unwrap_or_default()
                    .to_string(),
            ]
        })
        .collect()
}

/// Who weighs what in a subnet's consensus: root stake's part of the validators' stake
/// weight (`tau * root` over `alpha + tau * root`, summed over the validators), and the
/// heaviest validator with its share.
struct Consensus {
    root_share: f64,
    top: Option<AccountId>,
    top_share: f64,
}

#[allow(clippy::cast_precision_loss)]
fn consensus(w: &World, netuid: u16) -> Consensus {
    let vals = crate::engine::epoch::validators(w, netuid);
    let total: u128 = vals.iter().map(|(_, s)| u128::from(*s)).sum();
    if total == 0 {
        return Consensus { root_share: 0.0, top: None, top_share: 0.0 };
    }
    let root: u128 =
        vals.iter().map(|(a, _)| u128::from(w.params.tao_weight.apply(w.account(*a).map_or(0, |x| x.root.0)))).sum();
    // Validators come sorted by weight, heaviest first.
    Consensus {
        root_share: root as f64 / total as f64,
        top: vals.first().map(|(a, _)| *a),
        top_share: vals.first().map_or(0.0, |(_, s)| *s as f64 / total as f64),
    }
}

/// Trace rows of every account now.
#[must_use]
pub fn account_rows(w: &World) -> Vec<Vec<String>> {
    w.accounts
        .iter()
        .map(|a| {
            vec![
                w.block.to_string(),
                a.name.clone(),
                a.kind.name().to_string(),
                a.free.0.to_string(),
                a.root.0.to_string(),
                w.score(a.id).to_string(),
                roi(w, a.id).map(|r| format!("{r:.9}")).unwrap_or_default(),
                a.faults.to_string(),
            ]
        })
        .collect()
}
