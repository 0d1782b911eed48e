//! Replays in the game: a background pass over the whole recording that leaves a
//! [`Fork`] every so many blocks (so a seek anywhere restores the nearest one and runs
//! at most that many blocks), the match's marks (narrated events, big trades, launches)
//! for "jump to the next event", and the chart history of the whole match.

use std::sync::Arc;
use std::sync::mpsc::{self, Receiver};

use super::History;
use crate::engine::{AccountKind, Event, Order};
use crate::record::Recording;
use crate::session::{Fork, Session};

/// Snapshots kept at most (their spacing grows with the match: a year-long match keeps
/// one every ~5,500 blocks).
pub const MAX_FORKS: u64 = 480;
/// A trade is big when it moves at least this share of its pool's TAO (1/50 = 2%) ...
const BIG_TRADE_POOL_DIVISOR: u64 = 50;
/// ... and at least this much TAO.
const BIG_TRADE_MIN_RAO: u64 = 100_000_000_000;

/// Blocks between two index snapshots of a match of `end` blocks: at least a tempo.
#[must_use]
pub fn fork_every(end: u64) -> u64 {
    end.div_ceil(MAX_FORKS).div_ceil(360).max(1) * 360
}

/// What a mark is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarkKind {
    /// A narrated map event.
    Narration,
    /// Another map event, a host's trigger, a launch or a dissolution.
    Event,
    /// A trade of at least 2% of a pool and 100 TAO.
    BigTrade,
}

/// A moment worth jumping to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mark {
    /// The block it happened in (a seek goes to the end of that block).
    pub block: u64,
    /// What.
    pub kind: MarkKind,
    /// One line.
    pub text: String,
    /// The Log line it stands for (who, what), for a line the Log must keep after a jump
    /// past it: an NPC validator's change of policy, the turn of a lesson.
    pub log: Option<(String, String)>,
}

/// What the background pass reports.
pub(super) enum Indexed {
    /// The state after `block` blocks, and the players' cost basis then.
    Fork(u64, Box<Fork>, Box<super::Ledgers>),
    /// Marks found so far (in block order) and how far the pass is.
    Progress(Vec<Mark>, u64),
    /// The pass reached the end: the whole match's charts.
    Done(Box<History>),
    /// The pass failed.
    Failed(String),
}

/// Starts the background pass; results arrive on the returned channel.
pub(super) fn spawn(rec: Arc<Recording>, history_points: usize) -> Receiver<Indexed> {
    let (tx, rx) = mpsc::channel();
    let run = move || {
        let mut s = match Session::from_recording(&rec, None) {
            Ok(s) => s,
            Err(e) => {
                let _ = tx.send(Indexed::Failed(e.to_string()));
                return;
            }
        };
        let every = fork_every(rec.block);
        let mut history = History::new(history_points);
        history.sample(s.world(), history_points, true);
        let mut ledgers = super::Ledgers::starting(s.world(), super::Tracked::Players);
        let mut marks = Vec::new();
        loop {
            let b = s.world().block;
            if b % every == 0 {
                if let Some(f) = s.fork() {
                    if tx.send(Indexed::Fork(b, Box::new(f), Box::new(ledgers.clone()))).is_err() {
                        return;
                    }
                }
            }
            if s.is_over() {
                break;
            }
            if let Err(e) = s.step() {
                let _ = tx.send(Indexed::Failed(e.to_string()));
                return;
            }
            history.sample(s.world(), history_points, false);
            ledgers.update(s.world());
            collect(&s, &mut marks);
            if (b + 1) % 10_000 == 0 && tx.send(Indexed::Progress(std::mem::take(&mut marks), b + 1)).is_err() {
                return;
            }
        }
        history.sample(s.world(), history_points, true);
        let _ = tx.send(Indexed::Progress(marks, s.world().block));
        let _ = tx.send(Indexed::Done(Box::new(history)));
    };
    if std::thread::Builder::new().name("dtao-replay-index".into()).spawn(run).is_err() {
        // Without the pass, seeking runs from the nearest earlier point it can.
    }
    rx
}

/// The marks of the block that just ran.
fn collect(s: &Session, marks: &mut Vec<Mark>) {
    let w = s.world();
    for e in w.events() {
        let m = match e {
            Event::Scripted { block, kind } => {
                let narrate = matches!(kind, crate::engine::init::EventKind::Narrate(_));
                let kind_ = if narrate { MarkKind::Narration } else { MarkKind::Event };
                Mark { block: *block, kind: kind_, text: kind.to_string(), log: None }
            }
            Event::Launched { block, netuid, name, .. } => {
                Mark { block: *block, kind: MarkKind::Event, text: format!("SN{netuid} '{name}' launched"), log: None }
            }
            Event::Dissolved { block, netuid, name, .. } => {
                Mark { block: *block, kind: MarkKind::Event, text: format!("SN{netuid} '{name}' dissolved"), log: None }
            }
            // An NPC validator's change of policy (the foundation's switch on a memecoin,
            // the turn of a lesson): NPCs place the order only to change it.
            Event::Applied { block, account, order: Order::SetWeights { netuid, policy }, .. }
                if w.account(*account).is_some_and(|a| a.kind == AccountKind::Npc) =>
            {
                let who = w.account(*account).map_or("?", |a| a.name.as_str());
                Mark {
                    block: *block,
                    kind: MarkKind::Event,
                    text: format!("{who} sets {policy} on SN{netuid}"),
                    log: Some((who.to_string(), super::policy_line(*netuid, *policy))),
                }
            }
            Event::Applied { block, account, order, fill } => {
                let (netuid, tao, verb) = match order {
                    Order::Stake { netuid, .. } => (*netuid, fill.tao_in_rao, "bought"),
                    Order::Unstake { netuid, .. } | Order::Dump { netuid: Some(netuid) } => {
                        (*netuid, fill.tao_out_rao, "sold")
                    }
                    _ => continue,
                };
                let pool = w.subnet(netuid).map_or(u64::MAX, |p| p.tao);
                if tao < BIG_TRADE_MIN_RAO || tao < pool / BIG_TRADE_POOL_DIVISOR {
                    continue;
                }
                let who = w.account(*account).map_or("?", |a| a.name.as_str());
                let npc = if w.account(*account).is_some_and(|a| a.kind == AccountKind::Npc) { " (NPC)" } else { "" };
                // Whole TAO, rounded, with separators: "sold SN28 alpha for 2,008 TAO".
                let t = crate::text::thousands(tao.saturating_add(500_000_000) / 1_000_000_000);
                Mark {
                    block: *block,
                    kind: MarkKind::BigTrade,
                    text: format!("{who}{npc} {verb} SN{netuid} alpha for {t} TAO"),
                    log: None,
                }
            }
            // Every epoch of a revenue subnet: the trades list shows them, not the marks.
            Event::Rejected { .. } | Event::BoughtBack { .. } => continue,
        };
        marks.push(m);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_big_trade_is_marked_with_the_subnet_bought_and_its_price_in_tao() {
        let mut map = crate::scenario::load("tutorial").expect("map");
        map.start_tao = crate::engine::Tao(1_000_000_000_000);
        let mut s = Session::new(&map, None, Some(100)).expect("session");
        let you = s.add_human("you");
        // 500.6 TAO: more than 2% of SN1's pool, and at least 100 TAO.
        s.submit(you, Order::Stake { netuid: 1, tao: crate::engine::Tao(500_600_000_000), limit: None });
        s.step().expect("step");
        let mut marks = Vec::new();
        collect(&s, &mut marks);
        let big: Vec<&str> = marks.iter().filter(|m| m.kind == MarkKind::BigTrade).map(|m| m.text.as_str()).collect();
        assert_eq!(big, ["you bought SN1 alpha for 501 TAO"]);
    }

    #[test]
    fn the_foundations_switch_is_a_mark() {
        let map = crate::scenario::load("sn28-meme").expect("map");
        let mut s = Session::new(&map, None, None).expect("session");
        let mut marks = Vec::new();
        while s.world().block < 30_000 {
            s.step().expect("step");
            collect(&s, &mut marks);
        }
        let switches: Vec<&Mark> = marks.iter().filter(|m| m.text.contains("sets reward_sellers on SN28")).collect();
        assert_eq!(switches.len(), 1, "{switches:?}");
        assert_eq!(
            (switches[0].kind, switches[0].text.as_str()),
            (MarkKind::Event, "foundation sets reward_sellers on SN28")
        );
    }

    #[test]
    fn fork_spacing_is_whole_tempos_and_bounded() {
        assert_eq!(fork_every(7200), 360);
        assert_eq!(fork_every(2_628_000), 5760);
        assert!(2_628_000 / fork_every(2_628_000) <= MAX_FORKS);
    }
}
