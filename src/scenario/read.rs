//! The map schema: reads a parsed TOML tree into an engine [`WorldInit`] plus the match
//! around it, checking every key, value and cross-reference.
//!
//! Reading order: top-level keys, `[params]` (later checks need `subnet_limit` and
//! `min_pool_liquidity`), `[[subnet]]`, `[[npc]]`, `[[event]]`, then the cross-checks
//! (duplicate names, references, supply totals). Every problem goes to [`Cx`]; the map
//! is usable only if there are none.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};

use crate::engine::init::{
    EventInit, EventKind, FoundationInit, MinerInit, NpcInit, RetailInit, RevenueInit, SubnetInit, TeamInit,
};
use crate::engine::math::{U64F64, ratio};
use crate::engine::params::PARAM_NAMES;
use crate::engine::{EmissionMode, Mechanism, Netuid, Params, Policy, Ppb, Tao, WorldInit};

use super::{Goal, Objective};

use super::check::{Cx, Field, SUPPLY_CAP_RAO, Tbl, field, number_of, ranges, suggest, units};
use super::tree::{Node, Value};
use crate::text::is_hidden;

/// The launch of dTAO on mainnet: the default `start_date`.
pub(crate) const DEFAULT_START_DATE: &str = "2025-02-13T00:00:00Z";

/// A map read from TOML (before it gets its source and origin).
#[derive(Clone, Debug)]
pub(crate) struct Parsed {
    pub init: WorldInit,
    pub description: String,
    pub blocks: u64,
    pub start_date: DateTime<Utc>,
    pub start_tao: Tao,
    pub teacher_note: Option<String>,
    pub objectives: Vec<Objective>,
    pub play_bots: bool,
}

const TOP_KEYS: &[&str] = &[
    "name",
    "description",
    "blocks",
    "seed",
    "start_date",
    "start_tao",
    "teacher_note",
    "objectives",
    "play_bots",
    "params",
    "subnet",
    "npc",
    "event",
];
const NAME: Field = field("name", "the map's name", "\"my-map\"");
const DESCRIPTION: Field = field("description", "a one-line description", "\"Four subnets and a meme coin\"");
const BLOCKS: Field = field("blocks", "the match length in blocks", "50400");
const SEED: Field = field("seed", "the default seed", "1");
const START_DATE: Field = field("start_date", "the date of block 0", "\"2025-02-13T00:00:00Z\"");
const START_TAO: Field = field("start_tao", "each player's starting TAO", "1000.0");
const TEACHER_NOTE: Field = field("teacher_note", "a note for the teacher", "\"Pause at block 3600 and ask why.\"");
const PLAY_BOTS: Field = field("play_bots", "whether `play` seats its default bots", "false");
const OBJECTIVE_KEYS: &[&str] = &["text", "when"];
const OBJECTIVE_TEXT: Field = field("text", "what the player should do or notice", "\"Watch SN28's price triple\"");
const GOALS: &[&str] = &[
    "price_multiple",
    "price_fall",
    "emission_share",
    "controller",
    "policy",
    "average_root_prop",
    "you_hold",
    "you_roi",
];
const GOAL_PARTS: &[&str] = &["netuid", "account", "after", "from_block"];
const GOAL_AFTER: Field = field("after", "the number of an earlier objective with a condition", "2");
const GOAL_FROM_BLOCK: Field = field("from_block", "the block from which it is checked", "3600");
const PRICE_MULTIPLE: Field = field("price_multiple", "the multiple of the block-0 price", "3.0");
const PRICE_FALL: Field = field("price_fall", "the fall from the highest price", "0.9");
const EMISSION_SHARE: Field = field("emission_share", "the share of the block's emission", "0.05");
const CONTROLLER: Field = field("controller", "the account that must control the subnet", "\"foundation\"");
const GOAL_POLICY: Field = field("policy", "the validator policy", "\"reward_sellers\"");
const GOAL_ACCOUNT: Field = field("account", "the account's name", "\"foundation\"");
const AVERAGE_ROOT_PROP: Field = field("average_root_prop", "the average root proportion to fall to", "0.5");
const YOU_HOLD: Field = field("you_hold", "whether the player holds alpha", "true");
const YOU_ROI: Field = field("you_roi", "the return the player must beat", "0.05");
const GOAL_NETUID: Field = field("netuid", "the subnet", "28");
/// Largest price multiple or return an objective may ask for.
const MAX_MULTIPLE: f64 = 1_000_000.0;

/// Keys of `[params]` that are not engine parameters but set the world's start.
const WORLD_PARAMS: &[&str] = &["total_issuance", "genesis_root_stake"];
const EMISSION_MODE: Field = field("emission_mode", "how emission is split", "\"price\"");
const TOTAL_ISSUANCE: Field = field("total_issuance", "the TAO issued before block 0", "8200000.0");
const GENESIS_ROOT: Field = field("genesis_root_stake", "the genesis account's root stake", "6000000.0");

const SUBNET_KEYS: &[&str] = &[
    "netuid",
    "name",
    "mechanism",
    "tao",
    "alpha_in",
    "alpha_out",
    "moving_price",
    "first_emission",
    "registered_at",
    "owner",
    "lock",
    "miners",
    "revenue",
];
const NETUID: Field = field("netuid", "the subnet's id", "1");
const SUBNET_NAME: Field = field("name", "the subnet's name", "\"Apex\"");
const MECHANISM: Field = field("mechanism", "the subnet's mechanism", "\"utility\"");
const TAO: Field = field("tao", "the pool's TAO", "5000.0");
const ALPHA_IN: Field = field("alpha_in", "the pool's alpha", "50000.0");
const ALPHA_OUT: Field = field("alpha_out", "the outstanding alpha", "20000.0");
const MOVING_PRICE: Field = field("moving_price", "the moving price", "0.02");
const FIRST_EMISSION: Field = field("first_emission", "the first emitting block", "-100000");
const REGISTERED_AT: Field = field("registered_at", "the registration block", "-150000");
const OWNER: Field = field("owner", "the owner account's name", "\"apex-team\"");
const LOCK: Field = field("lock", "the lock the owner paid", "1000.0");

const MINERS_KEYS: &[&str] = &["count", "quality", "sell_fraction"];
const MINER_COUNT: Field = field("count", "the number of NPC miners", "16");
const MINER_SELL: Field = field("sell_fraction", "the share of new alpha the miners sell", "0.5");
/// Most NPC miners one subnet may have.
const MAX_MINERS: i64 = 1024;

const REVENUE_KEYS: &[&str] = &["tao_per_day", "to_holders"];
const TAO_PER_DAY: Field = field("tao_per_day", "the outside revenue in TAO per day", "50.0");
const TO_HOLDERS: Field = field("to_holders", "whether bought alpha goes to holders", "true");

const NPC_KINDS: &[&str] = &["retail", "foundation", "team"];
const NPC_KIND: Field = field("kind", "the NPC's kind", "\"retail\"");
const RETAIL_KEYS: &[&str] = &[
    "kind",
    "name",
    "count",
    "budget",
    "cadence",
    "subnets",
    "momentum",
    "yield_weight",
    "threshold",
    "trade_fraction",
    "stop_loss",
    "take_profit",
    "noise",
    "hype_keep",
];
const FOUNDATION_KEYS: &[&str] =
    &["kind", "name", "root_stake", "free", "cadence", "share_threshold", "release_share", "act_without_majority"];
const TEAM_KEYS: &[&str] = &["kind", "name", "netuid", "alpha", "free", "cadence", "sell_fraction"];
const CROWD_NAME: Field = field("name", "the crowd's name", "\"retail\"");
const CROWD_COUNT: Field = field("count", "the number of members", "200");
const BUDGET: Field = field("budget", "each member's free TAO", "50.0");
const CADENCE: Field = field("cadence", "the blocks between decisions", "100");
const SUBNETS: Field = field("subnets", "the netuids it trades", "[1, 28]");
const MOMENTUM: Field = field("momentum", "the weight of price momentum", "1.0");
const YIELD_WEIGHT: Field = field("yield_weight", "the weight of emission share", "1.0");
const THRESHOLD: Field = field("threshold", "the signal needed to buy", "0.05");
const TRADE_FRACTION: Field = field("trade_fraction", "the share of free TAO put into one buy", "0.2");
const STOP_LOSS: Field = field("stop_loss", "the loss that makes it sell", "0.3");
const TAKE_PROFIT: Field = field("take_profit", "the gain that makes it sell", "0.5");
const NOISE: Field = field("noise", "the half-width of the signal noise", "0.02");
const HYPE_KEEP: Field = field("hype_keep", "the share of hype kept per decision", "0.9");
const FOUNDATION_NAME: Field = field("name", "the foundation's account name", "\"foundation\"");
const ROOT_STAKE: Field = field("root_stake", "the root stake", "1000000.0");
const FREE: Field = field("free", "the free TAO", "100.0");
const SHARE_THRESHOLD: Field =
    field("share_threshold", "the emission share that makes a holder subnet a target", "0.03");
const RELEASE_SHARE: Field = field(
    "release_share",
    "the emission share to which a subnet it targets must fall to go back to honest (at most share_threshold)",
    "0.015",
);
const ACT_WITHOUT_MAJORITY: Field =
    field("act_without_majority", "whether it intervenes without a majority of stake weight", "true");
const TEAM_NAME: Field = field("name", "the team's account name (usually the subnet's owner)", "\"apex-team\"");
const TEAM_NETUID: Field = field("netuid", "the subnet it sells on", "1");
const TEAM_ALPHA: Field = field("alpha", "the alpha it holds at block 0", "10000.0");
const TEAM_SELL: Field = field("sell_fraction", "the share of its alpha sold each time", "0.1");

const EVENT_KEYS: &[&str] = &["block", "narrate", "set_mechanism", "hype", "param", "policy"];
const EVENT_ACTIONS: &[&str] = &["narrate", "set_mechanism", "hype", "param", "policy"];
const EVENT_BLOCK: Field = field("block", "the block it fires at", "100");
const NARRATE: Field = field("narrate", "the text to show", "\"Launch day.\"");
const SET_MECHANISM_KEYS: &[&str] = &["netuid", "mechanism"];
const HYPE_KEYS: &[&str] = &["crowd", "netuid", "amount"];
const HYPE_CROWD: Field = field("crowd", "the crowd's name (or \"*\" for every crowd)", "\"memers\"");
const HYPE_AMOUNT: Field = field("amount", "the hype as a signed fraction of signal", "0.5");
const PARAM_KEYS: &[&str] = &["key", "value"];
const PARAM_KEY: Field = field("key", "the parameter's name", "\"tao_weight\"");
const PARAM_VALUE: Field = field("value", "the new value", "0.5");
const POLICY_KEYS: &[&str] = &["account", "netuid", "policy"];
const POLICY_ACCOUNT: Field = field("account", "the account's name", "\"foundation\"");
const POLICY_NAME: Field = field("policy", "the validator policy", "\"reward_sellers\"");
/// Largest hype shock, as a fraction of signal.
const MAX_HYPE: f64 = 10.0;

/// Where a named thing was defined, for duplicate messages.
#[derive(Clone, Debug)]
struct Place {
    path: String,
    line: usize,
}

/// An NPC account name and what it is.
#[derive(Clone, Debug)]
struct NpcName {
    kind: &'static str,
    netuid: Option<Netuid>,
    place: Place,
}

/// One TAO amount that counts toward the supply total.
struct Holding {
    rao: u128,
    key: String,
    line: usize,
}

/// Everything read so far that later checks refer to.
#[derive(Default)]
struct Known {
    /// Netuid -> where the subnet is.
    netuids: BTreeMap<Netuid, Place>,
    /// Netuids written in a `[[subnet]]` that was refused (out of range, repeated): a
    /// reference to one is not reported again, the subnet's own problem says it.
    refused_netuids: BTreeSet<i64>,
    /// Crowd name -> member count.
    crowds: BTreeMap<String, u32>,
    /// Crowd name -> the netuids it trades (empty: every subnet).
    crowd_subnets: BTreeMap<String, Vec<Netuid>>,
    /// Subnets with a `revenue` table (whether or not it is valid).
    with_revenue: BTreeSet<Netuid>,
    /// Account names an event may name (genesis, owners, foundations, teams).
    accounts: BTreeSet<String>,
    /// NPC names, for duplicate checks.
    npc_names: BTreeMap<String, Vec<NpcName>>,
    /// Subnet owners: netuid -> name.
    owners: Vec<(String, Place)>,
    /// TAO that counts toward the supply cap.
    holdings: Vec<Holding>,
    /// Alpha per subnet at block 0 (pool, outstanding, teams).
    alpha: BTreeMap<Netuid, u128>,
}

/// Reads a whole map. Always returns a value (with defaults where something was
/// wrong); the map is valid only if `cx` has no problems afterwards.
pub(crate) fn read(root: &Node, cx: &mut Cx<'_>) -> Parsed {
    let Value::Table(entries) = &root.value else {
        cx.problems.add(1, "map", "is not a TOML table", "write the map as key = value lines");
        return empty();
    };
    let top = Tbl { path: String::new(), line: 1, entries };
    top_level_unknown_keys(cx, &top);
    misplaced_top_values(cx, &top);

    let name = one_line(cx, &top, &NAME, true).filter(|n| name_fits(cx, &top, n)).unwrap_or_default();
    let description = one_line(cx, &top, &DESCRIPTION, false).unwrap_or_default();
    let blocks = cx.int(&top, &BLOCKS, true, 1, i64::try_from(super::MAX_BLOCKS).unwrap_or(i64::MAX));
    let seed = cx.int(&top, &SEED, false, 0, i64::MAX).unwrap_or(0);
    let start_date = start_date(cx, &top);
    let start_tao = cx.amount_from(&top, &START_TAO, false, Some(1)).unwrap_or(1_000_000_000_000);
    if start_tao == 0 {
        cx.bad(
            &top,
            START_TAO.key,
            "must be more than 0: a player with no TAO can place no order",
            format!("write {} as a positive number such as {}", START_TAO.about, START_TAO.eg),
        );
    }
    let teacher_note = several_lines(cx, &top, &TEACHER_NOTE, false);
    let play_bots = cx.boolean(&top, &PLAY_BOTS).unwrap_or(true);

    let mut known = Known::default();
    known.accounts.insert("genesis".to_string());
    known.holdings.push(Holding {
        rao: u128::from(start_tao),
        key: START_TAO.key.to_string(),
        line: line_of_key(cx, &top, "start_tao"),
    });

    let (params, total_issuance, genesis_root_stake) = params(cx, &top, &mut known);

    let mut subnets = Vec::new();
    let subnet_tables = cx.tables(&top, "subnet");
    let wrong_type = top.get("subnet").is_some_and(|e| !matches!(e.node.value, Value::Array(_)));
    // `[[subnets]]` was reported with "did you mean [[subnet]]?" already.
    if subnet_tables.is_empty() && !wrong_type && !cx.was_suggested("", "subnet") {
        cx.problems.add(
            line_of_key(cx, &top, "subnet"),
            "subnet",
            "the map has no subnets",
            "add at least one [[subnet]] table with netuid, tao and alpha_in",
        );
    }
    for t in &subnet_tables {
        if let Some(s) = subnet(cx, t, &params, &mut known) {
            subnets.push(s);
        }
    }

    let mut npcs = Vec::new();
    for t in &cx.tables(&top, "npc") {
        if let Some(n) = npc(cx, t, &mut known) {
            npcs.push(n);
        }
    }
    npc_name_clashes(cx, &known);

    let mut events = Vec::new();
    let event_tables = cx.tables(&top, "event");
    for t in &event_tables {
        if let Some(e) = event(cx, t, blocks, &params, &known) {
            events.push(e);
        }
    }

    let objectives = objectives(cx, &top, &known, blocks);
    objective_texts(cx, &top);
    revenue_checks(cx, &subnet_tables, &subnets, &events);
    totals(cx, &known, &subnet_tables, &subnets);
    issued_before_held(cx, &top, &known, total_issuance);

    subnets.sort_by_key(|s| s.netuid);
    let init = WorldInit {
        name,
        seed: u64::try_from(seed).unwrap_or(0),
        params,
        total_issuance: Tao(total_issuance),
        genesis_root_stake: Tao(genesis_root_stake),
        subnets,
        npcs,
        events,
    };
    Parsed {
        init,
        description,
        blocks: blocks.and_then(|b| u64::try_from(b).ok()).unwrap_or(1),
        start_date,
        start_tao: Tao(start_tao),
        teacher_note,
        objectives,
        play_bots,
    }
}

/// The longest map name: it titles the game's screen and names the default save and
/// replay files (see `cli::fsutil::file_stem_for`).
pub(crate) const MAX_NAME_CHARS: usize = 64;

/// A string shown on one line (the title bar, `dtao-arena maps`, the log, a table): no
/// line breaks, no other control characters (ESC starts terminal commands) and no
/// invisible formatting characters that reorder or hide text (see [`is_hidden`]).
fn one_line(cx: &mut Cx<'_>, t: &Tbl<'_>, f: &Field, required: bool) -> Option<String> {
    let s = cx.string(t, f, required)?;
    if let Some(c) = s.chars().find(|c| is_hidden(*c)) {
        cx.bad(
            t,
            f.key,
            format!("must be one line of text without control characters (it contains {})", hidden_name(c)),
            format!("write it on one line, such as {} (teacher_note may take several lines)", f.eg),
        );
        return None;
    }
    Some(s)
}

/// A text that may take several lines (`teacher_note`, a narration, which the game
/// shows in a box): line breaks are fine, other control and formatting characters are
/// not.
fn several_lines(cx: &mut Cx<'_>, t: &Tbl<'_>, f: &Field, required: bool) -> Option<String> {
    let s = cx.string(t, f, required)?;
    if let Some(c) = s.replace("\r\n", "\n").chars().find(|c| *c != '\n' && is_hidden(*c)) {
        cx.bad(
            t,
            f.key,
            format!("may take several lines, but no other control characters (it contains {})", hidden_name(c)),
            "write plain text: line breaks are the only control characters it takes (use spaces, not tabs)",
        );
        return None;
    }
    Some(s)
}

/// How a message names a character that [`is_hidden`] refuses.
fn hidden_name(c: char) -> String {
    match c {
        '\n' | '\r' | '\u{2028}' | '\u{2029}' => "a line break".to_string(),
        '\t' => "a tab".to_string(),
        c if c.is_control() => format!("the control character U+{:04X}", u32::from(c)),
        c => format!("U+{:04X}, an invisible character that reorders or hides text", u32::from(c)),
    }
}

/// A name of a subnet or an account (`owner`, a crowd, the foundation, a team): one line
/// of at most `max` characters, as the game's tables show names.
fn short_name(cx: &mut Cx<'_>, t: &Tbl<'_>, f: &Field, required: bool, max: usize) -> Option<String> {
    let s = one_line(cx, t, f, required)?;
    let n = s.chars().count();
    if n > max && !cx.recorded {
        cx.bad(
            t,
            f.key,
            format!("is {n} characters long; {} may have at most {max}", f.about),
            format!("shorten it, such as {}", f.eg),
        );
        return None;
    }
    Some(s)
}

/// Subnet names, as `launch_subnet` takes them.
const MAX_SUBNET_NAME_CHARS: usize = 32;
/// Account names: owners, the foundation, teams.
const MAX_ACCOUNT_NAME_CHARS: usize = 32;
/// Crowd names, whose members are `NAME-1`, `NAME-2`, ...
const MAX_CROWD_NAME_CHARS: usize = 24;

/// Whether the map's name is short enough (a problem if not).
fn name_fits(cx: &mut Cx<'_>, top: &Tbl<'_>, name: &str) -> bool {
    let n = name.chars().count();
    if n > MAX_NAME_CHARS {
        cx.bad(
            top,
            "name",
            format!("is {n} characters long, more than the {MAX_NAME_CHARS} a map's name may have"),
            format!("shorten it, such as {} (a longer text belongs in description)", NAME.eg),
        );
    }
    n <= MAX_NAME_CHARS
}

/// Every objective's text (a prompt string, or a table's `text`) is one line: the game
/// lists them, `sim` prints them. (Read apart from [`objectives`], which reads what
/// they mean.)
fn objective_texts(cx: &mut Cx<'_>, top: &Tbl<'_>) {
    let Some(e) = top.get("objectives") else {
        return;
    };
    let Value::Array(items) = &e.node.value else {
        return;
    };
    for (i, n) in items.iter().enumerate() {
        let path = format!("objectives[{}]", i + 1);
        let line = cx.node_line(n, cx.entry_line(e, 1));
        let (text, key, line) = match &n.value {
            Value::String(s) => (s, path, line),
            Value::Table(entries) => {
                let t = Tbl { path, line, entries };
                let Some(Value::String(s)) = t.get("text").map(|x| &x.node.value) else {
                    continue;
                };
                (s, t.key("text"), line_of_key(cx, &t, "text"))
            }
            _ => continue,
        };
        if let Some(c) = text.chars().find(|c| is_hidden(*c)) {
            cx.problems.add(
                line,
                &key,
                format!("must be one line of text without control characters (it contains {})", hidden_name(c)),
                format!("write it on one line, such as {}", OBJECTIVE_TEXT.eg),
            );
        }
    }
}

fn empty() -> Parsed {
    Parsed {
        init: WorldInit::default(),
        description: String::new(),
        blocks: 1,
        start_date: DateTime::<Utc>::UNIX_EPOCH,
        start_tao: Tao::ZERO,
        teacher_note: None,
        objectives: Vec::new(),
        play_bots: true,
    }
}

fn line_of_key(cx: &Cx<'_>, t: &Tbl<'_>, key: &str) -> usize {
    t.get(key).map_or(t.line, |e| cx.entry_line(e, t.line))
}

fn top_level_unknown_keys(cx: &mut Cx<'_>, top: &Tbl<'_>) {
    for e in top.entries {
        let k = e.key.as_str();
        if TOP_KEYS.contains(&k) {
            continue;
        }
        let line = cx.entry_line(e, 1);
        if PARAM_NAMES.contains(&k) || WORLD_PARAMS.contains(&k) {
            cx.problems.add(line, k, "is a parameter, not a top-level key", "move it under [params]");
        } else if let Some(s) = suggest(k, TOP_KEYS.iter().copied()) {
            cx.suggested("", s);
            let s = match s {
                "subnet" | "npc" | "event" => format!("[[{s}]]"),
                "params" => "[params]".to_string(),
                _ => format!("'{s}'"),
            };
            cx.problems.add(line, k, "unknown key", format!("did you mean {s}?"));
        } else {
            cx.problems.add(line, k, "unknown key", format!("a map takes: {}", TOP_KEYS.join(", ")));
        }
    }
}

/// The top-level keys that hold a value (not a table).
const TOP_VALUES: &[&str] =
    &["name", "description", "blocks", "seed", "start_date", "start_tao", "teacher_note", "objectives", "play_bots"];

/// Unknown keys of a table that has a header (`[params]`, `[[subnet]]`, `[[npc]]`,
/// `[[event]]`): a top-level key or a parameter written under it is explained as being
/// in the wrong place, not misspelt. TOML puts every key after a header into that
/// table, so `blocks = 100` below `[params]` is `params.blocks`.
fn header_unknown_keys(cx: &mut Cx<'_>, t: &Tbl<'_>, known: &[&str], what: &str, header: &str) {
    cx.unknown_keys_or(t, known, what, |k| {
        if TOP_VALUES.contains(&k) {
            return Some((
                format!("{k} is a top-level key, but it is written below a {header} header, so TOML reads it as part of that table"),
                "move the line above the first [params], [[subnet]], [[npc]] or [[event]] header of the file".to_string(),
            ));
        }
        if header != "[params]" && (PARAM_NAMES.contains(&k) || WORLD_PARAMS.contains(&k)) {
            return Some((format!("{k} is a parameter, not a key of {what}"), "move it under [params]".to_string()));
        }
        None
    });
}

/// Notes the top-level keys written below a header (see [`header_unknown_keys`]): that
/// message says where the key is, so the key is not also reported missing.
fn misplaced_top_values(cx: &mut Cx<'_>, top: &Tbl<'_>) {
    let mut tables: Vec<(&[&str], &[super::tree::Entry])> = Vec::new();
    for e in top.entries {
        match (e.key.as_str(), &e.node.value) {
            ("params", Value::Table(entries)) => tables.push((&[], entries)),
            ("subnet" | "npc" | "event", Value::Array(items)) => {
                for n in items {
                    if let Value::Table(entries) = &n.value {
                        // An NPC's keys are checked only once its kind is known.
                        let kind = entries.iter().find(|k| k.key == "kind").map(|k| &k.node.value);
                        let checked = matches!(kind, Some(Value::String(k)) if NPC_KINDS.contains(&k.as_str()));
                        if e.key == "npc" && !checked {
                            continue;
                        }
                        // `name` is a key of subnets and NPCs as well.
                        let own: &[&str] = if e.key == "event" { &[] } else { &["name"] };
                        tables.push((own, entries));
                    }
                }
            }
            _ => {}
        }
    }
    for (own, entries) in tables {
        for k in entries.iter().map(|e| e.key.as_str()) {
            if TOP_VALUES.contains(&k) && !own.contains(&k) && !top.has(k) {
                cx.suggested("", k);
            }
        }
    }
}

fn start_date(cx: &mut Cx<'_>, top: &Tbl<'_>) -> DateTime<Utc> {
    let default =
        DateTime::parse_from_rfc3339(DEFAULT_START_DATE).map_or(DateTime::<Utc>::UNIX_EPOCH, |d| d.with_timezone(&Utc));
    let Some(e) = top.get("start_date") else {
        return default;
    };
    let text = match &e.node.value {
        Value::String(s) | Value::Datetime(s) => s.clone(),
        v => {
            cx.bad(
                top,
                "start_date",
                format!("must be a date, not {}", v.kind()),
                format!("write it like start_date = {}", START_DATE.eg),
            );
            return default;
        }
    };
    match DateTime::parse_from_rfc3339(text.trim()) {
        Ok(d) => d.with_timezone(&Utc),
        Err(e) => {
            // chrono says which part is wrong: a day that does not exist ("out of
            // range"), or a form it cannot read (often a missing time zone).
            let (what, fix) = if e.kind() == chrono::format::ParseErrorKind::OutOfRange {
                (
                    format!("'{text}' is not a date that exists (a day or hour out of range)"),
                    format!("write a real date, like start_date = {}", START_DATE.eg),
                )
            } else {
                (
                    format!("'{text}' is not an RFC 3339 date and time"),
                    format!("write it with a time and a time zone, like start_date = {}", START_DATE.eg),
                )
            };
            cx.bad(top, "start_date", what, fix);
            default
        }
    }
}

/// `objectives`: a list of strings (prompts) and `{ text, when }` tables (objectives the
/// game checks), in any mix.
fn objectives(cx: &mut Cx<'_>, top: &Tbl<'_>, known: &Known, blocks: Option<i64>) -> Vec<Objective> {
    let Some(e) = top.get("objectives") else {
        return Vec::new();
    };
    let fix =
        "write each objective as a string, or as { text = \"...\", when = { price_multiple = 3.0, netuid = 28 } }";
    let Value::Array(items) = &e.node.value else {
        cx.bad(
            top,
            "objectives",
            format!("must be a list, not {}", e.node.value.kind()),
            format!("write objectives = [...]: {fix}"),
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    // Per position: whether the objective has a world goal (what `after` may name);
    // `None` for one that was refused (its problem is reported: not again at each
    // `after` that names it).
    let mut world_goal: Vec<Option<bool>> = Vec::new();
    for (i, n) in items.iter().enumerate() {
        let path = format!("objectives[{}]", i + 1);
        let line = cx.node_line(n, cx.entry_line(e, 1));
        let parsed = match &n.value {
            Value::String(s) if !s.trim().is_empty() => Some(Objective::prompt(s)),
            Value::String(_) => {
                cx.problems.add(line, &path, "must not be empty", fix);
                None
            }
            Value::Table(entries) => objective(cx, &Tbl { path, line, entries }, known, &world_goal, blocks),
            v => {
                cx.problems.add(line, &path, format!("must be a string or a table, not {}", v.kind()), fix);
                None
            }
        };
        world_goal.push(parsed.as_ref().map(|o| o.goal.as_ref().is_some_and(|g| !g.is_personal())));
        out.extend(parsed);
    }
    out
}

/// `{ text = "...", when = { ... } }`; `world_goal` says which of the objectives before
/// it have a world goal (what its `after` may name); `blocks` is the match's length.
fn objective(
    cx: &mut Cx<'_>,
    t: &Tbl<'_>,
    known: &Known,
    world_goal: &[Option<bool>],
    blocks: Option<i64>,
) -> Option<Objective> {
    cx.unknown_keys(t, OBJECTIVE_KEYS, "an objective");
    let text = cx.string(t, &OBJECTIVE_TEXT, true).filter(|s| {
        let ok = !s.trim().is_empty();
        if !ok {
            cx.bad(t, "text", "must not be empty", format!("write text = {}", OBJECTIVE_TEXT.eg));
        }
        ok
    });
    let (goal, after, from_block) = match t.get("when") {
        // A table says "the game checks this": without a condition it would silently be
        // a prompt.
        None => {
            let eg = text.as_deref().map_or_else(|| "\"...\"".to_string(), |x| format!("{x:?}"));
            cx.bad(
                t,
                "text",
                "is in a table without when: the game has nothing to check",
                format!("add when = {{ ... }} with a condition, or write the prompt as a plain string: {eg}"),
            );
            return None;
        }
        Some(_) => {
            let w = cx.table(t, "when", "{ price_multiple = 3.0, netuid = 28 }")?;
            let after = if w.has("after") { Some(after(cx, &w, world_goal)?) } else { None };
            let from = if w.has("from_block") { Some(from_block(cx, &w, blocks)?) } else { None };
            let goal = goal(cx, &w, known)?;
            // Judged once, when the match ends: a starting block or an earlier objective
            // would change nothing.
            for (key, present) in [("from_block", from.is_some()), ("after", after.is_some())] {
                if present && matches!(goal, Goal::YouRoi { .. }) {
                    cx.bad(
                        &w,
                        key,
                        "has no effect on you_roi, which is judged once, when the match ends",
                        format!("remove {key}"),
                    );
                    return None;
                }
            }
            (Some(goal), after, from)
        }
    };
    Some(Objective { text: text?, goal, after, from_block })
}

/// A `when`'s `from_block = N`: a block of the match.
fn from_block(cx: &mut Cx<'_>, w: &Tbl<'_>, blocks: Option<i64>) -> Option<u64> {
    let range = blocks.map_or_else(|| "0 or more".to_string(), |end| format!("from 0 to {}", end - 1));
    let fix = "write the block from which the game checks it (7200 blocks are a day)";
    let x = w.get("from_block").and_then(|e| number_of(&e.node.value));
    if x.is_some_and(|x| x.is_finite() && (x < 0.0 || x.fract() != 0.0)) {
        cx.bad(w, "from_block", format!("must be a whole number {range}"), fix);
        return None;
    }
    let b = cx.int(w, &GOAL_FROM_BLOCK, true, 0, i64::MAX)?;
    if let Some(end) = blocks.filter(|end| b >= *end) {
        cx.bad(
            w,
            "from_block",
            format!("{b} is not before the end of the match (blocks = {end}): it would never be checked"),
            format!("use a block from 0 to {}", end - 1),
        );
        return None;
    }
    u64::try_from(b).ok()
}

/// A `when`'s `after = N`: an earlier objective (numbered from 1) with a world goal;
/// returned as its index.
fn after(cx: &mut Cx<'_>, w: &Tbl<'_>, world_goal: &[Option<bool>]) -> Option<usize> {
    let this = world_goal.len() + 1;
    let n = cx.int(w, &GOAL_AFTER, true, 1, i64::from(u16::MAX))?;
    let k = usize::try_from(n).ok()?.checked_sub(1)?;
    if k + 1 >= this {
        let problem = if this == 1 {
            "the first objective has no objective before it to wait for".to_string()
        } else {
            let earlier = if this == 2 { "objective 1".to_string() } else { format!("one of 1 to {}", this - 1) };
            format!("objective {this} can only wait for an earlier objective ({earlier}), not {n}")
        };
        cx.bad(w, "after", problem, "name an earlier objective: they are numbered from 1 in the list's order");
        return None;
    }
    // `None`: refused itself, and its own problem says why.
    let named = world_goal.get(k).copied().flatten()?;
    if !named {
        cx.bad(
            w,
            "after",
            format!("objective {n} has no condition about the world to wait for"),
            "name an earlier objective whose when is about the world (not a prompt, you_hold or you_roi)",
        );
        return None;
    }
    Some(k)
}

/// An objective's `when`: one condition and the keys it needs.
fn goal(cx: &mut Cx<'_>, w: &Tbl<'_>, known: &Known) -> Option<Goal> {
    let mut keys: Vec<&str> = GOALS.to_vec();
    keys.extend_from_slice(GOAL_PARTS);
    cx.unknown_keys(w, &keys, "when");
    let present: Vec<&str> = GOALS.iter().copied().filter(|g| w.has(g)).collect();
    let misspelt = w.entries.iter().any(|e| !keys.contains(&e.key.as_str()));
    let kind = match present.as_slice() {
        // An unknown key was reported already (a misspelt condition, most likely).
        [] if misspelt => return None,
        [] => {
            cx.problems.add(w.line, w.name(), "has no condition", format!("add one of: {}", GOALS.join(", ")));
            return None;
        }
        [one] => *one,
        [first, second, ..] => {
            cx.bad(
                w,
                second,
                format!("an objective has one condition, but this one has {first} and {second}"),
                "give each condition its own objective",
            );
            return None;
        }
    };
    // Which of netuid and account the condition takes.
    let (wants_netuid, wants_account) = match kind {
        "average_root_prop" | "you_roi" => (false, false),
        "policy" => (true, true),
        _ => (true, false),
    };
    let netuid_needed = wants_netuid && kind != "you_hold";
    let netuid = if wants_netuid && (netuid_needed || w.has("netuid")) {
        Some(netuid_ref(cx, w, &GOAL_NETUID, known)?)
    } else {
        if w.has("netuid") {
            cx.bad(w, "netuid", format!("{kind} is not about one subnet"), "delete netuid");
            return None;
        }
        None
    };
    if !wants_account && w.has("account") {
        let fix = if kind == "controller" { "name the account in controller = \"...\"" } else { "delete account" };
        cx.bad(w, "account", format!("{kind} takes no account"), fix);
        return None;
    }
    let fraction = |cx: &mut Cx<'_>, f: &Field| cx.rate(w, f, true, 1.0).map(|p| p.0 as f64 / 1e9);
    // A condition reached at once or never: refused, with the field's example.
    let refuse = |cx: &mut Cx<'_>, f: &Field, why: &str| -> Option<Goal> {
        cx.bad(w, f.key, why, format!("write {} such as {}", f.about, f.eg));
        None
    };
    match kind {
        "price_multiple" => {
            let times = multiple(cx, w, &PRICE_MULTIPLE)?;
            Some(Goal::PriceMultiple { netuid: netuid?, times })
        }
        "price_fall" => {
            let fall = fraction(cx, &PRICE_FALL)?;
            if fall <= 0.0 {
                return refuse(
                    cx,
                    &PRICE_FALL,
                    "must be above 0: a fall of 0 from the highest price is reached at once",
                );
            }
            if fall >= 1.0 {
                let why = "must be below 1: a pool's price never falls to 0, so this would never be reached";
                return refuse(cx, &PRICE_FALL, why);
            }
            Some(Goal::PriceFall { netuid: netuid?, fraction: fall })
        }
        "emission_share" => {
            let share = fraction(cx, &EMISSION_SHARE)?;
            if share <= 0.0 {
                return refuse(cx, &EMISSION_SHARE, "must be above 0: a share of 0 or more is reached at once");
            }
            Some(Goal::EmissionShare { netuid: netuid?, share })
        }
        "average_root_prop" => {
            let at_most = fraction(cx, &AVERAGE_ROOT_PROP)?;
            if at_most >= 1.0 {
                return refuse(cx, &AVERAGE_ROOT_PROP, "must be below 1: a proportion of at most 1 is reached at once");
            }
            Some(Goal::AverageRootProp { at_most })
        }
        "controller" => {
            let a = cx.string(w, &CONTROLLER, true)?;
            let account = if a == "genesis" { a } else { account_ref_as(cx, w, "controller", a, known)? };
            Some(Goal::Controller { netuid: netuid?, account })
        }
        "policy" => {
            let policy = cx.choice(w, &GOAL_POLICY, true, &choices(Policy::ALL, Policy::name));
            let account = cx.string(w, &GOAL_ACCOUNT, true).and_then(|a| account_ref(cx, w, a, known));
            Some(Goal::Policy { netuid: netuid?, account: account?, policy: policy? })
        }
        "you_hold" => match cx.boolean(w, &YOU_HOLD)? {
            true => Some(Goal::YouHold { netuid }),
            false => {
                cx.bad(w, "you_hold", "must be true", "write you_hold = true (with netuid = N for one subnet)");
                None
            }
        },
        _ => {
            #[allow(clippy::cast_precision_loss)]
            let roi = cx.rate(w, &YOU_ROI, true, MAX_MULTIPLE)?.0 as f64 / 1e9;
            Some(Goal::YouRoi { roi })
        }
    }
}

/// A price multiple: above 1 (the price starts at 1x, so a multiple up to 1 would be
/// reached at the first check), at most [`MAX_MULTIPLE`].
fn multiple(cx: &mut Cx<'_>, t: &Tbl<'_>, f: &Field) -> Option<f64> {
    let x = cx.rate(t, f, true, MAX_MULTIPLE)?;
    if x <= Ppb::ONE {
        cx.bad(
            t,
            f.key,
            "must be above 1: the price starts at 1x, so this would be reached at once",
            format!("write {} such as {} (for a fall, use price_fall = 0.5)", f.about, f.eg),
        );
        return None;
    }
    #[allow(clippy::cast_precision_loss)]
    Some(x.0 as f64 / 1e9)
}

/// `[params]`: engine parameters through `Params::set`, plus the two world amounts.
fn params(cx: &mut Cx<'_>, top: &Tbl<'_>, known: &mut Known) -> (Params, u64, u64) {
    let mut p = Params::default();
    let (mut issuance, mut genesis_root) = (0, 0);
    let Some(t) = cx.table(top, "params", "{ tempo = 360 }") else {
        return (p, issuance, genesis_root);
    };
    let mut names: Vec<&str> = PARAM_NAMES.to_vec();
    names.extend_from_slice(WORLD_PARAMS);
    header_unknown_keys(cx, &t, &names, "[params]", "[params]");
    for e in t.entries {
        let key = e.key.as_str();
        if key == TOTAL_ISSUANCE.key {
            issuance = cx.amount(&t, &TOTAL_ISSUANCE, false).unwrap_or(0);
            continue;
        }
        if key == GENESIS_ROOT.key {
            genesis_root = cx.amount(&t, &GENESIS_ROOT, false).unwrap_or(0);
            let line = cx.entry_line(e, t.line);
            known.holdings.push(Holding { rao: u128::from(genesis_root), key: t.key(key), line });
            continue;
        }
        if !PARAM_NAMES.contains(&key) {
            continue;
        }
        if key == "emission_mode" {
            let modes = choices(EmissionMode::ALL, EmissionMode::name);
            if let Some(mode) = cx.choice(&t, &EMISSION_MODE, false, &modes) {
                p.emission_mode = mode;
            }
            continue;
        }
        if let Err(why) = set_param(&mut p, key, &e.node.value) {
            let fix = rate_hint(&why, &e.node.value).unwrap_or_else(|| {
                param_fix(key, &e.node.value, "change the value, or delete the line to keep the default")
            });
            cx.bad(&t, key, why, fix);
        }
    }
    (p, issuance, genesis_root)
}

/// Applies one parameter from its TOML value; `Err` is what is wrong with it.
fn set_param(p: &mut Params, key: &str, v: &Value) -> Result<(), String> {
    // Names for `emission_mode`, numbers for everything else: `Params::set` parses both
    // from text, so a quoted number or an unquoted name is caught here.
    let wanted = if key == "emission_mode" { "a name such as \"price\"" } else { "a number" };
    let ok = match v {
        Value::String(_) => key == "emission_mode",
        Value::Integer(_) | Value::Float(_) => key != "emission_mode",
        _ => false,
    };
    if !ok {
        return Err(format!("must be {wanted}, not {}", v.kind()));
    }
    p.set(key, &param_text(v)).map_err(|e| match e {
        crate::engine::params::ParamError::Bad { why, .. } => why,
        other => other.to_string(),
    })
}

/// The fix for a rate parameter written as a percentage (`tao_weight = 18`).
fn rate_hint(why: &str, v: &Value) -> Option<String> {
    if why != "must be between 0 and 1" {
        return None;
    }
    super::check::percent_hint(number_of(v)?, 1.0).map(|h| format!("rates are fractions: {h}"))
}

/// How to fix a parameter value: the type first, then the range (`otherwise`).
fn param_fix(key: &str, v: &Value, otherwise: &str) -> String {
    match (key == "emission_mode", v) {
        (false, Value::String(_)) => "write the number without quotes".to_string(),
        (false, Value::Integer(_) | Value::Float(_)) | (true, Value::String(_)) => otherwise.to_string(),
        (false, _) => "write a number".to_string(),
        (true, _) => "write the name in quotes, such as \"price\"".to_string(),
    }
}

fn choices<T: Copy>(all: &[T], name: fn(T) -> &'static str) -> Vec<(&'static str, T)> {
    all.iter().map(|x| (name(*x), *x)).collect()
}

fn subnet(cx: &mut Cx<'_>, t: &Tbl<'_>, params: &Params, known: &mut Known) -> Option<SubnetInit> {
    header_unknown_keys(cx, t, SUBNET_KEYS, "a [[subnet]]", "[[subnet]]");
    let limit = i64::from(params.subnet_limit);
    let written = cx.int(t, &NETUID, true, i64::MIN, i64::MAX);
    if let Some(n) = written {
        known.refused_netuids.insert(n);
    }
    let netuid = match written {
        Some(0) => {
            cx.bad(t, "netuid", "0 is the root network and has no pool", "number subnets from 1");
            None
        }
        Some(n) if n < 0 || n > limit => {
            cx.bad(
                t,
                "netuid",
                if n < 0 { format!("{n} is negative") } else { format!("{n} is above subnet_limit ({limit})") },
                format!("use a netuid from 1 to {limit}, or raise params.subnet_limit"),
            );
            None
        }
        Some(n) => Netuid::try_from(n).ok(),
        None => None,
    };
    let line = line_of_key(cx, t, "netuid");
    if let Some(n) = netuid {
        if let Some(first) = known.netuids.get(&n) {
            cx.bad(
                t,
                "netuid",
                format!("{n} is already used by {} (line {})", first.path, first.line),
                "give every subnet its own netuid",
            );
        } else {
            known.netuids.insert(n, Place { path: t.path.clone(), line });
            known.refused_netuids.remove(&i64::from(n));
        }
    }
    let name = short_name(cx, t, &SUBNET_NAME, false, MAX_SUBNET_NAME_CHARS)
        .unwrap_or_else(|| netuid.map_or_else(String::new, |n| format!("SN{n}")));
    let mechanism = cx.choice(t, &MECHANISM, false, &choices(Mechanism::ALL, Mechanism::name)).unwrap_or_default();
    let min_liq = params.min_pool_liquidity.0;
    let tao = cx.amount_from(t, &TAO, true, Some(min_liq));
    let alpha_in = cx.amount_from(t, &ALPHA_IN, true, Some(min_liq));
    for (key, v, unit) in [("tao", tao, "TAO"), ("alpha_in", alpha_in, "alpha")] {
        if let Some(v) = v.filter(|v| *v < min_liq) {
            cx.bad(
                t,
                key,
                format!("{} {unit} is below params.min_pool_liquidity ({} TAO)", units(v), units(min_liq)),
                format!("give the pool at least {} {unit}", units(min_liq)),
            );
        }
    }
    let alpha_out = cx.amount(t, &ALPHA_OUT, false).unwrap_or(0);
    let moving_price = cx.rate(t, &MOVING_PRICE, false, 1.0).unwrap_or(Ppb::ZERO);
    let first_emission = cx.int(t, &FIRST_EMISSION, false, -1_000_000_000_000, 1_000_000_000_000).unwrap_or(0);
    let registered_at =
        cx.int(t, &REGISTERED_AT, false, -1_000_000_000_000, 1_000_000_000_000).unwrap_or(first_emission);
    if registered_at > first_emission {
        cx.bad(
            t,
            "registered_at",
            format!("{registered_at} is after first_emission ({first_emission})"),
            "a subnet emits only after it is registered: make registered_at at most first_emission",
        );
    }
    let owner = short_name(cx, t, &OWNER, false, MAX_ACCOUNT_NAME_CHARS).unwrap_or_else(|| "genesis".to_string());
    known.accounts.insert(owner.clone());
    known.owners.push((owner.clone(), Place { path: t.key("owner"), line: line_of_key(cx, t, "owner") }));
    let lock = cx.amount(t, &LOCK, false).unwrap_or(0);
    let miners = cx
        .table(t, "miners", "{ count = 16, quality = [1, 10], sell_fraction = 0.5 }")
        .map(|m| miners(cx, &m))
        .unwrap_or_default();
    let revenue = cx.table(t, "revenue", "{ tao_per_day = 50.0 }").and_then(|r| revenue(cx, &r));

    if let Some(tao) = tao {
        known.holdings.push(Holding { rao: u128::from(tao), key: t.key("tao"), line: line_of_key(cx, t, "tao") });
    }
    let netuid = netuid?;
    if t.has("revenue") {
        known.with_revenue.insert(netuid);
    }
    *known.alpha.entry(netuid).or_default() += u128::from(alpha_in.unwrap_or(0)) + u128::from(alpha_out);
    Some(SubnetInit {
        netuid,
        name,
        mechanism,
        tao: Tao(tao?),
        alpha_in: alpha_in?,
        alpha_out,
        moving_price: ratio(moving_price.0, Ppb::ONE.0).unwrap_or(U64F64::ZERO),
        first_emission,
        registered_at,
        owner,
        lock: Tao(lock),
        miners,
        revenue,
    })
}

fn miners(cx: &mut Cx<'_>, t: &Tbl<'_>) -> Vec<MinerInit> {
    cx.unknown_keys(t, MINERS_KEYS, "miners");
    let count = cx.int(t, &MINER_COUNT, true, 1, MAX_MINERS).and_then(|c| u32::try_from(c).ok());
    let sell_fraction = cx.rate(t, &MINER_SELL, false, 1.0).unwrap_or(Ppb(500_000_000));
    let (lo, hi) = quality(cx, t).unwrap_or((1, 1));
    let Some(count) = count else {
        return Vec::new();
    };
    spread(count, lo, hi).into_iter().map(|quality| MinerInit { quality, sell_fraction }).collect()
}

/// `quality = N` or `quality = [min, max]`.
fn quality(cx: &mut Cx<'_>, t: &Tbl<'_>) -> Option<(u32, u32)> {
    let e = t.get("quality")?;
    let fix = "write quality = 5 or a range such as quality = [1, 10] (whole numbers, min first)";
    let whole = |v: &Value| match v {
        Value::Integer(i) => u32::try_from(*i).ok(),
        _ => None,
    };
    match &e.node.value {
        Value::Array(items) => {
            let vals: Vec<Option<u32>> = items.iter().map(|n| whole(&n.value)).collect();
            match vals.as_slice() {
                [Some(lo), Some(hi)] if lo <= hi => Some((*lo, *hi)),
                [Some(lo), Some(hi)] => {
                    cx.bad(t, "quality", format!("the range [{lo}, {hi}] is backwards"), fix);
                    None
                }
                _ => {
                    cx.bad(t, "quality", "must be two whole numbers from 0 to 4294967295", fix);
                    None
                }
            }
        }
        v => match whole(v) {
            Some(q) => Some((q, q)),
            None => {
                cx.bad(
                    t,
                    "quality",
                    format!("must be a whole number from 0 to 4294967295 or a [min, max] list, not {}", v.kind()),
                    fix,
                );
                None
            }
        },
    }
}

/// `count` qualities spread evenly over `[lo, hi]`, both ends included, rounding down;
/// a single miner gets the middle of the range. No randomness: the same map always
/// gives the same miners.
pub(crate) fn spread(count: u32, lo: u32, hi: u32) -> Vec<u32> {
    if count <= 1 {
        return vec![lo + (hi - lo) / 2; count as usize];
    }
    let width = u64::from(hi - lo);
    let steps = u64::from(count - 1);
    (0..u64::from(count)).map(|k| lo + u32::try_from(width * k / steps).unwrap_or(0)).collect()
}

fn revenue(cx: &mut Cx<'_>, t: &Tbl<'_>) -> Option<RevenueInit> {
    cx.unknown_keys(t, REVENUE_KEYS, "revenue");
    let tao_per_day = cx.amount_from(t, &TAO_PER_DAY, true, Some(1));
    if tao_per_day == Some(0) {
        cx.bad(
            t,
            TAO_PER_DAY.key,
            "must be more than 0: a revenue of nothing buys nothing back",
            format!("write {} as a positive number such as {}", TAO_PER_DAY.about, TAO_PER_DAY.eg),
        );
    }
    let to_holders = cx.boolean(t, &TO_HOLDERS).unwrap_or(false);
    Some(RevenueInit { tao_per_day: Tao(tao_per_day?), to_holders })
}

/// Records an NPC account name for the duplicate checks.
fn npc_name(cx: &Cx<'_>, known: &mut Known, t: &Tbl<'_>, name: &str, kind: &'static str, netuid: Option<Netuid>) {
    let place = Place { path: t.key("name"), line: line_of_key(cx, t, "name") };
    known.npc_names.entry(name.to_string()).or_default().push(NpcName { kind, netuid, place });
}

fn npc(cx: &mut Cx<'_>, t: &Tbl<'_>, known: &mut Known) -> Option<NpcInit> {
    let kinds: Vec<(&str, &str)> = NPC_KINDS.iter().map(|k| (*k, *k)).collect();
    let kind = cx.choice(t, &NPC_KIND, true, &kinds)?;
    match kind {
        "retail" => retail(cx, t, known).map(NpcInit::Retail),
        "foundation" => foundation(cx, t, known).map(NpcInit::Foundation),
        _ => team(cx, t, known).map(NpcInit::Team),
    }
}

fn cadence(cx: &mut Cx<'_>, t: &Tbl<'_>, default: u64) -> u64 {
    cx.int(t, &CADENCE, false, 1, 1_000_000_000).and_then(|c| u64::try_from(c).ok()).unwrap_or(default)
}

fn retail(cx: &mut Cx<'_>, t: &Tbl<'_>, known: &mut Known) -> Option<RetailInit> {
    header_unknown_keys(cx, t, RETAIL_KEYS, "a retail [[npc]]", "[[npc]]");
    let name = short_name(cx, t, &CROWD_NAME, true, MAX_CROWD_NAME_CHARS);
    let count = cx.int(t, &CROWD_COUNT, true, 1, 10_000).and_then(|c| u32::try_from(c).ok());
    let budget = cx.amount(t, &BUDGET, true);
    if budget == Some(0) {
        cx.bad(t, "budget", "must be more than 0", format!("write {} as a number such as {}", BUDGET.about, BUDGET.eg));
    }
    let cadence = cadence(cx, t, 100);
    let subnets = netuid_list(cx, t, known);
    let r = RetailInit {
        name: name.clone().unwrap_or_default(),
        count: count.unwrap_or(0),
        budget: Tao(budget.unwrap_or(0)),
        cadence,
        subnets,
        momentum: cx.rate(t, &MOMENTUM, false, 100.0).unwrap_or(Ppb::ONE),
        yield_weight: cx.rate(t, &YIELD_WEIGHT, false, 100.0).unwrap_or(Ppb::ONE),
        threshold: cx.rate(t, &THRESHOLD, false, 100.0).unwrap_or(Ppb(50_000_000)),
        trade_fraction: cx.rate(t, &TRADE_FRACTION, false, 1.0).unwrap_or(Ppb(200_000_000)),
        stop_loss: cx.rate(t, &STOP_LOSS, false, 1.0).unwrap_or(Ppb(300_000_000)),
        take_profit: cx.rate(t, &TAKE_PROFIT, false, 100.0).unwrap_or(Ppb(500_000_000)),
        noise: cx.rate(t, &NOISE, false, 10.0).unwrap_or(Ppb(20_000_000)),
        hype_keep: cx.rate(t, &HYPE_KEEP, false, 1.0).unwrap_or(Ppb(900_000_000)),
    };
    // The name is known even if other keys are wrong, so events that name the crowd
    // do not report it missing as well.
    let name = name?;
    npc_name(cx, known, t, &name, "crowd", None);
    known.crowd_subnets.insert(name.clone(), r.subnets.clone());
    known.crowds.insert(name, count.unwrap_or(0));
    let (count, budget) = (count?, budget?);
    let line = line_of_key(cx, t, "budget");
    known.holdings.push(Holding { rao: u128::from(count) * u128::from(budget), key: t.key("budget"), line });
    Some(r)
}

/// `subnets = [1, 28]`: every netuid must be a subnet of the map.
fn netuid_list(cx: &mut Cx<'_>, t: &Tbl<'_>, known: &Known) -> Vec<Netuid> {
    let Some(e) = t.get("subnets") else {
        return Vec::new();
    };
    let Value::Array(items) = &e.node.value else {
        cx.bad(
            t,
            "subnets",
            format!("must be a list of netuids, not {}", e.node.value.kind()),
            format!("write subnets = {}", SUBNETS.eg),
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, n) in items.iter().enumerate() {
        let line = cx.node_line(n, cx.entry_line(e, t.line));
        let key = format!("{}[{}]", t.key("subnets"), i + 1);
        match &n.value {
            Value::Integer(x) => match Netuid::try_from(*x).ok().filter(|x| known.netuids.contains_key(x)) {
                Some(x) if out.contains(&x) => {
                    cx.problems.add(line, &key, format!("SN{x} is listed twice"), "list each subnet once")
                }
                Some(x) => out.push(x),
                None => cx.problems.add(line, &key, format!("SN{x} is not in this map"), netuid_fix(known)),
            },
            v => cx.problems.add(
                line,
                &key,
                format!("must be a netuid, not {}", v.kind()),
                format!("write subnets = {}", SUBNETS.eg),
            ),
        }
    }
    out
}

fn netuid_fix(known: &Known) -> String {
    let all: Vec<Netuid> = known.netuids.keys().copied().collect();
    if all.is_empty() {
        "add the [[subnet]] it refers to".to_string()
    } else {
        format!("use the netuid of a [[subnet]] (this map has {})", ranges(&all))
    }
}

/// A netuid that must name one of the map's subnets.
fn netuid_ref(cx: &mut Cx<'_>, t: &Tbl<'_>, f: &Field, known: &Known) -> Option<Netuid> {
    let n = cx.int(t, f, true, i64::MIN, i64::MAX)?;
    match Netuid::try_from(n).ok().filter(|x| known.netuids.contains_key(x)) {
        Some(x) => Some(x),
        // The subnet is there but was refused (its problem is reported), or the map has
        // no subnet that loads at all (a misspelt [[subnet]] header): not one more
        // problem per reference.
        None if known.refused_netuids.contains(&n) || known.netuids.is_empty() => None,
        None => {
            cx.bad(t, f.key, format!("SN{n} is not in this map"), netuid_fix(known));
            None
        }
    }
}

fn foundation(cx: &mut Cx<'_>, t: &Tbl<'_>, known: &mut Known) -> Option<FoundationInit> {
    header_unknown_keys(cx, t, FOUNDATION_KEYS, "a foundation [[npc]]", "[[npc]]");
    let name =
        short_name(cx, t, &FOUNDATION_NAME, false, MAX_ACCOUNT_NAME_CHARS).unwrap_or_else(|| "foundation".to_string());
    let root_stake = cx.amount(t, &ROOT_STAKE, true);
    let free = cx.amount(t, &FREE, false).unwrap_or(0);
    let cadence = cadence(cx, t, 360);
    let share_threshold = cx.rate(t, &SHARE_THRESHOLD, false, 1.0).unwrap_or(Ppb(30_000_000));
    let release_share = cx.rate(t, &RELEASE_SHARE, false, 1.0);
    if let Some(r) = release_share.filter(|r| *r > share_threshold) {
        cx.bad(
            t,
            RELEASE_SHARE.key,
            format!(
                "is {} but must be at most share_threshold ({}): a subnet is released at a share no higher than the one that made it a target",
                r.as_f64(),
                share_threshold.as_f64()
            ),
            format!("write a share at most {}, such as {}", share_threshold.as_f64(), share_threshold.as_f64() / 2.0),
        );
    }
    let act_without_majority = cx.boolean(t, &ACT_WITHOUT_MAJORITY).unwrap_or(false);
    npc_name(cx, known, t, &name, "foundation", None);
    known.accounts.insert(name.clone());
    let root_stake = root_stake?;
    known.holdings.push(Holding {
        rao: u128::from(root_stake),
        key: t.key("root_stake"),
        line: line_of_key(cx, t, "root_stake"),
    });
    known.holdings.push(Holding { rao: u128::from(free), key: t.key("free"), line: line_of_key(cx, t, "free") });
    Some(FoundationInit {
        name,
        root_stake: Tao(root_stake),
        free: Tao(free),
        cadence,
        share_threshold,
        release_share: release_share.unwrap_or(share_threshold),
        act_without_majority,
    })
}

fn team(cx: &mut Cx<'_>, t: &Tbl<'_>, known: &mut Known) -> Option<TeamInit> {
    header_unknown_keys(cx, t, TEAM_KEYS, "a team [[npc]]", "[[npc]]");
    let name = short_name(cx, t, &TEAM_NAME, true, MAX_ACCOUNT_NAME_CHARS);
    let netuid = netuid_ref(cx, t, &TEAM_NETUID, known);
    let alpha = cx.amount(t, &TEAM_ALPHA, false).unwrap_or(0);
    let free = cx.amount(t, &FREE, false).unwrap_or(0);
    let cadence = cadence(cx, t, 7_200);
    let sell_fraction = cx.rate(t, &TEAM_SELL, false, 1.0).unwrap_or(Ppb(100_000_000));
    let name = name?;
    npc_name(cx, known, t, &name, "team", netuid);
    known.accounts.insert(name.clone());
    known.holdings.push(Holding { rao: u128::from(free), key: t.key("free"), line: line_of_key(cx, t, "free") });
    let netuid = netuid?;
    *known.alpha.entry(netuid).or_default() += u128::from(alpha);
    Some(TeamInit { name, netuid, alpha, free: Tao(free), cadence, sell_fraction })
}

/// Duplicate NPC names, the reserved `genesis`, and names that clash with crowd members.
fn npc_name_clashes(cx: &mut Cx<'_>, known: &Known) {
    for (name, uses) in &known.npc_names {
        if name == "genesis" {
            for u in uses {
                cx.problems.add(
                    u.place.line,
                    &u.place.path,
                    "'genesis' is the passive genesis account",
                    "give the NPC another name",
                );
            }
            continue;
        }
        for (i, u) in uses.iter().enumerate() {
            // A team may sell on several subnets from one account; anything else is a clash.
            let earlier = uses[..i].iter().find(|p| !(u.kind == "team" && p.kind == "team" && u.netuid != p.netuid));
            if let Some(p) = earlier {
                cx.problems.add(
                    u.place.line,
                    &u.place.path,
                    format!("'{name}' is already the name of a {} ({}, line {})", p.kind, p.place.path, p.place.line),
                    "give each crowd, foundation and team its own name",
                );
            }
        }
    }
    // Crowd members are `crowd-1`, `crowd-2`, ...: no other account may take those names.
    let mut others: Vec<(&str, &Place)> = known.owners.iter().map(|(n, p)| (n.as_str(), p)).collect();
    for (n, uses) in &known.npc_names {
        for u in uses.iter().filter(|u| u.kind != "crowd") {
            others.push((n.as_str(), &u.place));
        }
    }
    for (name, place) in others {
        let Some((crowd, k)) = name.rsplit_once('-') else {
            continue;
        };
        let member = k.parse::<u32>().ok().filter(|k| *k >= 1);
        if let (Some(k), Some(count)) = (member, known.crowds.get(crowd)) {
            if k <= *count {
                cx.problems.add(
                    place.line,
                    &place.path,
                    format!("'{name}' is the name of a member of crowd '{crowd}'"),
                    "choose another name",
                );
            }
        }
    }
}

fn event(cx: &mut Cx<'_>, t: &Tbl<'_>, blocks: Option<i64>, params: &Params, known: &Known) -> Option<EventInit> {
    header_unknown_keys(cx, t, EVENT_KEYS, "an [[event]]", "[[event]]");
    let block = event_block(cx, t, blocks);
    if let (Some(b), Some(end)) = (block, blocks) {
        if b >= end {
            cx.bad(
                t,
                "block",
                format!("{b} is not before the end of the match (blocks = {end})"),
                format!("use a block from 0 to {}", end - 1),
            );
        }
    }
    let actions: Vec<&str> = EVENT_ACTIONS.iter().copied().filter(|a| t.has(a)).collect();
    let kind = match actions.as_slice() {
        [] => {
            cx.problems.add(t.line, t.name(), "has no action", format!("add one of: {}", EVENT_ACTIONS.join(", ")));
            None
        }
        [action] => event_kind(cx, t, action, params, known),
        [first, second, ..] => {
            cx.bad(
                t,
                second,
                format!("an event has one action, but this one has {first} and {second}"),
                "give each action its own [[event]]",
            );
            None
        }
    };
    Some(EventInit { block: u64::try_from(block?).ok()?, kind: kind? })
}

/// An event's `block`: a whole number from 0 (the end is checked by the caller).
fn event_block(cx: &mut Cx<'_>, t: &Tbl<'_>, blocks: Option<i64>) -> Option<i64> {
    let x = t.get("block").and_then(|e| number_of(&e.node.value));
    if x.is_some_and(|x| x.is_finite() && (x < 0.0 || x.fract() != 0.0)) {
        let range = blocks.map_or_else(|| "0 or more".to_string(), |end| format!("from 0 to {}", end - 1));
        cx.bad(
            t,
            "block",
            format!("must be a whole number {range}"),
            "write the block it fires at (block 0 starts the match; 7200 blocks are a day)",
        );
        return None;
    }
    cx.int(t, &EVENT_BLOCK, true, 0, i64::MAX)
}

fn event_kind(cx: &mut Cx<'_>, t: &Tbl<'_>, action: &str, params: &Params, known: &Known) -> Option<EventKind> {
    let mechanisms = choices(Mechanism::ALL, Mechanism::name);
    match action {
        "narrate" => several_lines(cx, t, &NARRATE, true).map(EventKind::Narrate),
        "set_mechanism" => {
            let s = cx.table(t, action, "{ netuid = 28, mechanism = \"holder\" }")?;
            cx.unknown_keys(&s, SET_MECHANISM_KEYS, "set_mechanism");
            let netuid = netuid_ref(cx, &s, &NETUID, known);
            let mechanism = cx.choice(&s, &MECHANISM, true, &mechanisms);
            if let (Some(n), Some(Mechanism::Revenue)) = (netuid, mechanism) {
                if !known.with_revenue.contains(&n) {
                    let line =
                        known.netuids.get(&n).map_or(String::new(), |p| format!(" ({}, line {})", p.path, p.line));
                    cx.bad(
                        &s,
                        "mechanism",
                        format!("SN{n} has no outside revenue, so as a revenue subnet it would work like a utility subnet"),
                        format!("add revenue = {{ tao_per_day = 50.0 }} to its [[subnet]]{line}: the buybacks start when it turns revenue"),
                    );
                    return None;
                }
            }
            Some(EventKind::SetMechanism { netuid: netuid?, mechanism: mechanism? })
        }
        "hype" => {
            let s = cx.table(t, action, "{ crowd = \"memers\", netuid = 28, amount = 0.5 }")?;
            cx.unknown_keys(&s, HYPE_KEYS, "hype");
            let crowd = cx.string(&s, &HYPE_CROWD, true).and_then(|c| {
                if c == "*" || known.crowds.contains_key(&c) {
                    return Some(c);
                }
                let fix = match suggest(&c, known.crowds.keys().map(String::as_str)) {
                    Some(x) => format!("did you mean '{x}'?"),
                    None if known.crowds.is_empty() => "add a retail [[npc]] with that name".to_string(),
                    None => {
                        format!("use \"*\" or one of: {}", known.crowds.keys().cloned().collect::<Vec<_>>().join(", "))
                    }
                };
                cx.bad(&s, "crowd", format!("there is no crowd named '{c}'"), fix);
                None
            });
            let netuid = netuid_ref(cx, &s, &NETUID, known);
            if let (Some(c), Some(n)) = (&crowd, netuid) {
                if !hype_reaches(cx, &s, c, n, known) {
                    return None;
                }
            }
            let amount = hype_amount(cx, &s);
            Some(EventKind::Hype { crowd: crowd?, netuid: netuid?, amount: amount? })
        }
        "param" => {
            let s = cx.table(t, action, "{ key = \"tao_weight\", value = 0.5 }")?;
            cx.unknown_keys(&s, PARAM_KEYS, "param");
            let key = cx.string(&s, &PARAM_KEY, true).and_then(|k| {
                if PARAM_NAMES.contains(&k.as_str()) {
                    return Some(k);
                }
                if WORLD_PARAMS.contains(&k.as_str()) {
                    cx.bad(
                        &s,
                        "key",
                        format!("{k} sets the world at block 0 and cannot change during a match"),
                        "set it under [params] instead (a param event changes a rule parameter such as tao_weight)",
                    );
                    return None;
                }
                let fix = match suggest(&k, PARAM_NAMES.iter().copied()) {
                    Some(x) => format!("did you mean '{x}'?"),
                    None => format!("use one of: {}", PARAM_NAMES.join(", ")),
                };
                cx.bad(&s, "key", format!("unknown parameter '{k}'"), fix);
                None
            });
            let Some(e) = s.get("value") else {
                cx.missing(&s, &PARAM_VALUE);
                return None;
            };
            let key = key?;
            let mut scratch = params.clone();
            match set_param(&mut scratch, &key, &e.node.value) {
                Ok(()) if key == "subnet_limit" && scratch.subnet_limit > params.subnet_limit => {
                    // The subnet table is sized at block 0: a higher limit could not be used.
                    cx.bad(
                        &s,
                        "value",
                        format!(
                            "subnet_limit can only be lowered during a match (the subnet table is sized at block 0, for {})",
                            params.subnet_limit
                        ),
                        "raise it under [params] instead",
                    );
                    None
                }
                Ok(()) => Some(EventKind::SetParam { key, value: param_text(&e.node.value) }),
                Err(why) => {
                    // "...; did you mean 'flow'?" is the fix itself.
                    let (why, fix) = match why.split_once("; did you mean ") {
                        Some((what, name)) => (what.to_string(), format!("did you mean {name}")),
                        None => {
                            let fix = rate_hint(&why, &e.node.value)
                                .unwrap_or_else(|| param_fix(&key, &e.node.value, "change the value"));
                            (why, fix)
                        }
                    };
                    cx.bad(&s, "value", format!("{key} {why}"), fix);
                    None
                }
            }
        }
        _ => {
            let s = cx.table(t, action, "{ account = \"foundation\", netuid = 28, policy = \"reward_sellers\" }")?;
            cx.unknown_keys(&s, POLICY_KEYS, "policy");
            let account = cx.string(&s, &POLICY_ACCOUNT, true).and_then(|a| account_ref(cx, &s, a, known));
            let netuid = netuid_ref(cx, &s, &NETUID, known);
            let policy = cx.choice(&s, &POLICY_NAME, true, &choices(Policy::ALL, Policy::name));
            Some(EventKind::SetPolicy { account: account?, netuid: netuid?, policy: policy? })
        }
    }
}

/// Whether a hype about SN`n` reaches a crowd that trades it (a crowd with a `subnets`
/// list looks at those subnets only, so hype about another one would change nothing);
/// a problem if not.
fn hype_reaches(cx: &mut Cx<'_>, s: &Tbl<'_>, crowd: &str, n: Netuid, known: &Known) -> bool {
    let trades = |list: &Vec<Netuid>| list.is_empty() || list.contains(&n);
    if crowd == "*" {
        if known.crowds.is_empty() {
            cx.bad(s, "crowd", "the map has no crowds, so this hype would change nothing", "add a retail [[npc]]");
            return false;
        }
        if !known.crowd_subnets.values().any(trades) {
            cx.bad(
                s,
                "netuid",
                format!(
                    "no crowd trades SN{n} (each has a subnets list without it), so this hype would change nothing"
                ),
                format!("add {n} to a crowd's subnets, or hype one of the subnets the crowds trade"),
            );
            return false;
        }
        return true;
    }
    match known.crowd_subnets.get(crowd) {
        Some(list) if !trades(list) => {
            let list: Vec<String> = list.iter().map(u16::to_string).collect();
            cx.bad(
                s,
                "netuid",
                format!(
                    "crowd '{crowd}' trades only SN{} (its subnets), so hype about SN{n} would change nothing",
                    list.join(", SN")
                ),
                format!("hype one of its subnets, or add {n} to the crowd's subnets = [{}]", list.join(", ")),
            );
            false
        }
        _ => true,
    }
}

/// The text an engine parameter event carries (what `Params::set` parses).
fn param_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Integer(i) => i.to_string(),
        Value::Float(x) => format!("{x}"),
        other => format!("{other:?}"),
    }
}

/// A hype amount: a signed fraction of signal, in ppb.
fn hype_amount(cx: &mut Cx<'_>, t: &Tbl<'_>) -> Option<i64> {
    let e = t.get("amount");
    let x = match e.map(|e| number_of(&e.node.value)) {
        None => {
            cx.missing(t, &HYPE_AMOUNT);
            return None;
        }
        Some(Some(x)) if x.is_finite() && x.abs() <= MAX_HYPE => x,
        Some(_) => {
            cx.bad(
                t,
                "amount",
                format!("must be a number from -{MAX_HYPE} to {MAX_HYPE}"),
                format!("write {} such as {} (or -0.5 to cool it)", HYPE_AMOUNT.about, HYPE_AMOUNT.eg),
            );
            return None;
        }
    };
    let ppb = hype_ppb(x)?;
    // As for every fraction of a map: one that truncates to nothing is refused.
    if ppb == 0 && x != 0.0 {
        cx.bad(
            t,
            "amount",
            super::check::below_a_billionth(x),
            format!("write {} as 0 or at least 0.000000001 (in size)", HYPE_AMOUNT.about),
        );
        return None;
    }
    Some(ppb)
}

/// A signed fraction as ppb, truncated toward zero: `0.5` -> 500_000_000.
pub(crate) fn hype_ppb(x: f64) -> Option<i64> {
    let magnitude = i64::try_from(crate::engine::amount::rao_from_decimal(x.abs()).ok()?).ok()?;
    Some(if x < 0.0 { -magnitude } else { magnitude })
}

/// An account that acts (the genesis account never does), under the key `account`.
fn account_ref(cx: &mut Cx<'_>, t: &Tbl<'_>, a: String, known: &Known) -> Option<String> {
    if a == "genesis" {
        cx.bad(
            t,
            "account",
            "the genesis account is passive and always validates honestly",
            "name another account: a subnet owner, a foundation, a team or a crowd member",
        );
        return None;
    }
    account_ref_as(cx, t, "account", a, known)
}

/// An account the map makes, named under `key`.
fn account_ref_as(cx: &mut Cx<'_>, t: &Tbl<'_>, key: &str, a: String, known: &Known) -> Option<String> {
    if known.accounts.contains(&a) {
        return Some(a);
    }
    if let Some((crowd, k)) = a.rsplit_once('-') {
        if let (Ok(k), Some(count)) = (k.parse::<u32>(), known.crowds.get(crowd)) {
            if (1..=*count).contains(&k) {
                return Some(a);
            }
        }
    }
    let member = known.crowds.keys().next().map(|c| format!(", or a crowd member such as {c}-1"));
    let member = member.unwrap_or_default();
    let actors: Vec<&str> = known.accounts.iter().map(String::as_str).filter(|n| *n != "genesis").collect();
    let fix = match suggest(&a, actors.iter().copied()) {
        Some(x) => format!("did you mean '{x}'?"),
        None if actors.is_empty() => {
            format!("add a foundation or team [[npc]], or an owner to a [[subnet]]{member}")
        }
        None if actors.len() <= 8 => format!("use one of: {}{member}", actors.join(", ")),
        None => format!("use a subnet owner, a foundation or a team{member}"),
    };
    cx.bad(t, key, format!("there is no account named '{a}'"), fix);
    None
}

/// A `revenue` subnet needs outside revenue, and only a subnet that is (or becomes)
/// `revenue` may have it.
fn revenue_checks(cx: &mut Cx<'_>, tables: &[Tbl<'_>], subnets: &[SubnetInit], events: &[EventInit]) {
    let becomes_revenue: BTreeSet<Netuid> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::SetMechanism { netuid, mechanism: Mechanism::Revenue } => Some(*netuid),
            _ => None,
        })
        .collect();
    for s in subnets {
        let Some(t) = tables.iter().find(|t| subnet_netuid(t) == Some(s.netuid)) else {
            continue;
        };
        if s.mechanism == Mechanism::Revenue && s.revenue.is_none() && !t.has("revenue") {
            cx.bad(
                t,
                "mechanism",
                "a revenue subnet needs outside revenue",
                "add revenue = { tao_per_day = 50.0 } to this [[subnet]]",
            );
        }
        // A mechanism that did not read (a typo, already reported) is no mechanism at all.
        let misread = match t.get("mechanism").map(|e| &e.node.value) {
            Some(Value::String(m)) => m.parse::<Mechanism>().is_err(),
            Some(_) => true,
            None => false,
        };
        if s.revenue.is_some() && s.mechanism != Mechanism::Revenue && !misread && !becomes_revenue.contains(&s.netuid)
        {
            cx.bad(
                t,
                "revenue",
                format!("only a revenue subnet has outside revenue, and this one is {}", s.mechanism),
                "set mechanism = \"revenue\", or remove revenue",
            );
        }
    }
}

fn subnet_netuid(t: &Tbl<'_>) -> Option<Netuid> {
    match t.get("netuid").map(|e| &e.node.value) {
        Some(Value::Integer(n)) => Netuid::try_from(*n).ok(),
        _ => None,
    }
}

/// The supply cap: all TAO held at block 0, and each subnet's alpha.
fn totals(cx: &mut Cx<'_>, known: &Known, tables: &[Tbl<'_>], subnets: &[SubnetInit]) {
    let cap = u128::from(SUPPLY_CAP_RAO);
    let sum: u128 = known.holdings.iter().map(|h| h.rao).sum();
    if sum > cap {
        if let Some(big) = known.holdings.iter().max_by_key(|h| h.rao) {
            cx.problems.add(
                big.line,
                &big.key,
                format!("the map's TAO adds up to {} TAO, more than the 21000000 TAO supply", units_u128(sum)),
                format!("lower this amount ({} TAO, the largest) or others", units_u128(big.rao)),
            );
        }
    }
    for s in subnets {
        let total = known.alpha.get(&s.netuid).copied().unwrap_or(0);
        if total > cap {
            if let Some(t) = tables.iter().find(|t| subnet_netuid(t) == Some(s.netuid)) {
                cx.bad(
                    t,
                    "alpha_in",
                    format!(
                        "SN{}'s alpha adds up to {} (pool, outstanding and teams), more than the 21000000 alpha supply",
                        s.netuid,
                        units_u128(total)
                    ),
                    "lower alpha_in, alpha_out or the teams' alpha",
                );
            }
        }
    }
}

/// A `total_issuance` set below the TAO the map holds at block 0 (pools, root stake,
/// NPCs; not the players, who join later): TAO cannot be held before it is issued, and
/// the halvings would count from too little.
fn issued_before_held(cx: &mut Cx<'_>, top: &Tbl<'_>, known: &Known, issuance: u64) {
    if issuance == 0 {
        return;
    }
    let held: u128 = known.holdings.iter().filter(|h| h.key != START_TAO.key).map(|h| h.rao).sum();
    if u128::from(issuance) >= held {
        return;
    }
    let Some(t) = cx.table(top, "params", "{ tempo = 360 }") else { return };
    cx.bad(
        &t,
        TOTAL_ISSUANCE.key,
        format!(
            "{} TAO issued is less than the {} TAO the map holds at block 0 (pools, root stake and NPCs)",
            units(issuance),
            units_u128(held)
        ),
        format!("set it to at least {} TAO: TAO cannot be held before it is issued", units_u128(held)),
    );
}

fn units_u128(rao: u128) -> String {
    u64::try_from(rao).map_or_else(|_| format!("{}", rao / u128::from(crate::engine::amount::RAO_PER_TAO)), units)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quality_spreads_evenly_and_includes_both_ends() {
        assert_eq!(spread(5, 1, 9), vec![1, 3, 5, 7, 9]);
        assert_eq!(spread(4, 0, 10), vec![0, 3, 6, 10]);
        assert_eq!(spread(3, 7, 7), vec![7, 7, 7]);
        assert_eq!(spread(1, 2, 10), vec![6]);
        assert_eq!(spread(2, 0, u32::MAX), vec![0, u32::MAX]);
        assert!(spread(0, 1, 2).is_empty());
    }

    #[test]
    fn hype_amounts_are_signed_ppb_truncated() {
        assert_eq!(hype_ppb(0.5), Some(500_000_000));
        assert_eq!(hype_ppb(-0.25), Some(-250_000_000));
        assert_eq!(hype_ppb(0.1), Some(100_000_000));
        assert_eq!(hype_ppb(1.000_000_000_9), Some(1_000_000_000));
        assert_eq!(hype_ppb(-0.0), Some(0));
        assert_eq!(hype_ppb(f64::NAN), None);
    }

    #[test]
    fn params_take_numbers_and_names() {
        let mut p = Params::default();
        assert_eq!(set_param(&mut p, "tempo", &Value::Integer(99)), Ok(()));
        assert_eq!(p.tempo, 99);
        assert_eq!(set_param(&mut p, "tao_weight", &Value::Float(0.25)), Ok(()));
        assert_eq!(p.tao_weight, Ppb(250_000_000));
        assert_eq!(set_param(&mut p, "moving_alpha", &Value::Float(3e-6)), Ok(()));
        assert_eq!(p.moving_alpha, Ppb(3_000));
        assert_eq!(set_param(&mut p, "emission_mode", &Value::String("flow".into())), Ok(()));
        assert_eq!(p.emission_mode, EmissionMode::Flow);
        assert_eq!(
            set_param(&mut p, "tempo", &Value::String("9".into())),
            Err("must be a number, not a string".into())
        );
        assert_eq!(
            set_param(&mut p, "tempo", &Value::Integer(0)),
            Err("must be a whole number from 1 to 100000".into())
        );
    }
}
