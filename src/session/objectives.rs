//! Which of the map's objectives have been reached, and at which block.
//!
//! An objective with a goal (the map's `when`) is checked every [`CHECK_EVERY`] blocks
//! (holding alpha, `you_hold`, and a validator's policy, `policy`, every block) and at
//! the match's last block, from the world's public state; once reached it stays
//! reached. Goals about the player (`you_hold`, `you_roi`) are reached per human
//! account. The tracker is part of the [`Session`](super::Session), so a save, a replay
//! and a replay's seek all know it as the match knew it. Values are read as `f64`: this
//! is a report on the world, never an input to it.

use std::collections::BTreeMap;

use crate::engine::math::to_f64;
use crate::engine::{AccountId, AccountKind, World};
use crate::scenario::{Goal, Objective};

/// Blocks between two checks (two minutes of game time): the world's controller is a
/// sort of every account, too costly for every block of a fast match.
pub const CHECK_EVERY: u64 = 10;

/// One objective with a goal.
#[derive(Clone, Debug)]
struct Tracked {
    goal: Goal,
    /// The account the goal names, once it exists.
    account: Option<AccountId>,
    /// The subnet's price at block 0 (`price_multiple`), or its highest so far
    /// (`price_fall`).
    price: f64,
    /// When a world goal was reached (the blocks run by then).
    reached: Option<u64>,
    /// When a personal goal was reached, per human account.
    reached_by: BTreeMap<AccountId, u64>,
    /// The objective that must be reached first (`when.after`), until it is.
    after: Option<usize>,
    /// The block from which it is checked (`when.from_block`), until it has come.
    from: Option<u64>,
}

/// The map's objectives and when each was reached.
#[derive(Clone, Debug, Default)]
pub struct Objectives {
    /// One per objective, in the map's order; `None` for a prompt without a goal.
    tracked: Vec<Option<Tracked>>,
}

impl Objectives {
    /// The tracker for `objectives`, with prices taken from `w` (the world at block 0).
    #[must_use]
    pub fn new(objectives: &[Objective], w: &World) -> Self {
        let tracked = objectives
            .iter()
            .map(|o| {
                let goal = o.goal.clone()?;
                let price = match &goal {
                    Goal::PriceMultiple { netuid, .. } | Goal::PriceFall { netuid, .. } => price(w, *netuid),
                    _ => 0.0,
                };
                Some(Tracked {
                    goal,
                    account: None,
                    price,
                    reached: None,
                    reached_by: BTreeMap::new(),
                    after: o.after,
                    from: o.from_block,
                })
            })
            .collect();
        Self { tracked }
    }

    /// Whether no objective has a goal (nothing to check).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.tracked.iter().all(Option::is_none)
    }

    /// Checks the goals after a block ran (`w.block` blocks have run) when a check is due,
    /// or now if `last` (the match's final block). Returns the objectives this check
    /// found reached: `(index, None)` for a world goal, `(index, Some(player))` for a
    /// personal one.
    pub fn observe(&mut self, w: &World, last: bool) -> Vec<(usize, Option<AccountId>)> {
        let mut newly = Vec::new();
        // Holding alpha is one look at each player's balances: checked every block, so
        // that a student sees the tick when the stake lands.
        let due = last || w.block % CHECK_EVERY == 0;
        // So is a validator's policy (one look at an account): its switch is reached at
        // the block the Log and the replay's mark give it.
        let every_block = |t: &Tracked| matches!(t.goal, Goal::YouHold { .. } | Goal::Policy { .. });
        if !due && !self.tracked.iter().flatten().any(every_block) {
            return newly;
        }
        let personal_goals = self.tracked.iter().flatten().any(|t| t.goal.is_personal());
        let humans: Vec<AccountId> = if personal_goals {
            w.accounts.iter().filter(|a| a.kind == AccountKind::Human).map(|a| a.id).collect()
        } else {
            Vec::new()
        };
        for k in 0..self.tracked.len() {
            // A goal that waits for an earlier objective, or for a block, starts at the
            // first check that finds that one reached and the block come, its prices
            // measured from then.
            let waits = self.tracked[k].as_ref().and_then(|t| t.after);
            if let Some(j) = waits {
                if self.tracked.get(j).and_then(Option::as_ref).and_then(|t| t.reached).is_none() {
                    continue;
                }
            }
            let Some(t) = self.tracked[k].as_mut() else { continue };
            if !due && !every_block(t) {
                continue;
            }
            if t.from.is_some_and(|b| w.block < b) {
                continue;
            }
            if waits.is_some() || t.from.is_some() {
                t.after = None;
                t.from = None;
                if let Goal::PriceMultiple { netuid, .. } | Goal::PriceFall { netuid, .. } = &t.goal {
                    t.price = price(w, *netuid);
                }
            }
            if t.goal.is_personal() {
                // A return is judged when the match ends (a score above the start at
                // some check is not "getting ahead": it can fall back).
                if matches!(t.goal, Goal::YouRoi { .. }) && !last {
                    continue;
                }
                for &h in &humans {
                    if !t.reached_by.contains_key(&h) && personal(&t.goal, w, h) {
                        t.reached_by.insert(h, w.block);
                        newly.push((k, Some(h)));
                    }
                }
                continue;
            }
            if t.reached.is_some() {
                continue;
            }
            if t.account.is_none() {
                if let Goal::Controller { account, .. } | Goal::Policy { account, .. } = &t.goal {
                    t.account = w.account_by_name(account);
                }
            }
            if reached(t, w) {
                t.reached = Some(w.block);
                newly.push((k, None));
            }
        }
        newly
    }

    /// When objective `k` was reached (for `who`, if its goal is personal); `None` if not
    /// yet, or if it has no goal.
    #[must_use]
    pub fn reached(&self, k: usize, who: Option<AccountId>) -> Option<u64> {
        let t = self.tracked.get(k)?.as_ref()?;
        if t.goal.is_personal() { t.reached_by.get(&who?).copied() } else { t.reached }
    }

    /// When each objective was reached, in the map's order (see [`Objectives::reached`]).
    #[must_use]
    pub fn all_reached(&self, who: Option<AccountId>) -> Vec<Option<u64>> {
        (0..self.tracked.len()).map(|k| self.reached(k, who)).collect()
    }
}

fn price(w: &World, netuid: u16) -> f64 {
    w.subnet(netuid).map_or(0.0, |s| to_f64(s.price()))
}

/// Whether a world goal holds now (updating a `price_fall`'s peak).
fn reached(t: &mut Tracked, w: &World) -> bool {
    match &t.goal {
        Goal::PriceMultiple { netuid, times } => t.price > 0.0 && price(w, *netuid) >= times * t.price,
        Goal::PriceFall { netuid, fraction } => {
            let p = price(w, *netuid);
            t.price = t.price.max(p);
            t.price > 0.0 && p <= (1.0 - fraction) * t.price
        }
        Goal::EmissionShare { netuid, share } => w.subnet(*netuid).is_some_and(|s| {
            #[allow(clippy::cast_precision_loss)]
            let got = s.last_emission as f64 / s.last_block_emission.max(1) as f64;
            s.last_block_emission > 0 && got >= *share
        }),
        Goal::Controller { netuid, .. } => t.account.is_some() && w.controller(*netuid) == t.account,
        Goal::Policy { netuid, policy, .. } => {
            t.account.and_then(|a| w.account(a)).is_some_and(|a| a.policy.get(usize::from(*netuid)) == Some(policy))
        }
        Goal::AverageRootProp { at_most } => w.average_root_prop() <= *at_most,
        Goal::YouHold { .. } | Goal::YouRoi { .. } => false,
    }
}

/// Whether a personal goal holds now for account `h`.
fn personal(goal: &Goal, w: &World, h: AccountId) -> bool {
    let Some(a) = w.account(h) else { return false };
    match goal {
        Goal::YouHold { netuid: Some(n) } => a.alpha.get(usize::from(*n)).is_some_and(|x| *x > 0),
        Goal::YouHold { netuid: None } => a.alpha.iter().any(|x| *x > 0),
        Goal::YouRoi { roi } => {
            #[allow(clippy::cast_precision_loss)]
            let got = w.score(h) as f64 / a.start_value_rao.max(1) as f64 - 1.0;
            a.start_value_rao > 0 && got > *roi
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Order, Tao};
    use crate::scenario::{self, Objective};
    use crate::session::Session;

    fn objectives(goals: &[Goal]) -> Vec<Objective> {
        let mut v = vec![Objective::prompt("talk about it")];
        v.extend(goals.iter().map(|g| Objective {
            text: g.describe(),
            goal: Some(g.clone()),
            after: None,
            from_block: None,
        }));
        v
    }

    #[test]
    fn a_policy_change_is_reached_at_its_own_block_not_the_next_check() {
        let mut map = scenario::load("tutorial").expect("map");
        map.objectives = objectives(&[Goal::Policy {
            netuid: 4,
            account: "ana".into(),
            policy: crate::engine::Policy::RewardSellers,
        }]);
        let mut s = Session::new(&map, None, Some(100)).expect("session");
        let ana = s.add_human("ana");
        for _ in 0..3 {
            s.step().expect("step");
        }
        s.submit(ana, Order::SetWeights { netuid: 4, policy: crate::engine::Policy::RewardSellers });
        s.step().expect("step");
        // Applied in block 3: four blocks have run, between two checks of every 10.
        assert_eq!(s.objectives().reached(1, None), Some(4));
    }

    #[test]
    fn holding_alpha_is_checked_every_block_per_player() {
        let mut map = scenario::load("tutorial").expect("map");
        map.objectives = objectives(&[Goal::YouHold { netuid: Some(4) }, Goal::YouRoi { roi: 0.5 }]);
        let mut s = Session::new(&map, None, Some(100)).expect("session");
        let (ana, bob) = (s.add_human("ana"), s.add_human("bob"));
        s.submit(ana, Order::Stake { netuid: 4, tao: Tao(10_000_000_000), limit: None });
        let start = s.fork().expect("no Lua seats");
        // Holding alpha is checked every block: the block that bought it reaches it.
        s.step().expect("step");
        assert_eq!(s.objectives().all_reached(Some(ana)), vec![None, Some(1), None]);
        assert_eq!(s.objectives().all_reached(Some(bob)), vec![None, None, None]);
        // The match log says so, under the player's name.
        let said: Vec<_> = s.log().iter().filter(|l| l.text.starts_with("objective reached: ")).collect();
        assert_eq!(said.len(), 1, "{said:?}");
        assert_eq!((said[0].who.as_str(), said[0].block), ("ana", 0));
        // Bob's stake lands at block 5, between two checks of the world's goals.
        for _ in 1..4 {
            s.step().expect("step");
        }
        s.submit(bob, Order::Stake { netuid: 4, tao: Tao(10_000_000_000), limit: None });
        s.step().expect("step");
        assert_eq!(s.objectives().reached(1, Some(bob)), Some(5));
        for _ in 5..10 {
            s.step().expect("step");
        }
        assert_eq!(s.objectives().reached(1, None), None, "a personal goal needs a player");
        s.run_to_end(0, |_| {}).expect("runs");
        assert_eq!(s.world().block, 100);
        assert_eq!(s.objectives().reached(1, Some(ana)), Some(1), "once reached, it stays reached");
        // The JSON report names who reached a personal goal, and when.
        let lesson = crate::session::report::lesson(&s).expect("objectives");
        let statuses: Vec<_> = lesson.objectives.iter().map(|o| o.status).collect();
        use crate::session::report::ObjectiveStatus::{AboutThePlayer, Prompt};
        assert_eq!(statuses, [Prompt, AboutThePlayer, AboutThePlayer]);
        assert_eq!(
            lesson.objectives[1].reached_by,
            Some(BTreeMap::from([("ana".to_string(), 1), ("bob".to_string(), 5)]))
        );
        assert_eq!(lesson.objectives[2].reached_by, Some(BTreeMap::new()), "no one reached it: said so");
        assert!(lesson.objectives[1].reached_at_block.is_none() && lesson.objectives[0].reached_by.is_none());
        // A fork carries the tracker: going back (a replay's seek) forgets what came after.
        s.restore(&start);
        assert_eq!(s.objectives().reached(1, Some(ana)), None);
    }

    #[test]
    fn a_return_is_judged_at_the_last_block_only() {
        let mut map = scenario::load("tutorial").expect("map");
        // Any score above -99%: true from block 0, but only the end counts.
        map.objectives = objectives(&[Goal::YouRoi { roi: -0.99 }]);
        let mut s = Session::new(&map, None, Some(50)).expect("session");
        let ana = s.add_human("ana");
        for _ in 0..40 {
            s.step().expect("step");
        }
        assert_eq!(s.objectives().reached(1, Some(ana)), None, "not at the checks before the end");
        s.run_to_end(0, |_| {}).expect("runs");
        assert_eq!(s.objectives().reached(1, Some(ana)), Some(50), "judged at the last block");
    }

    #[test]
    fn world_goals_and_the_last_block() {
        let map = scenario::load("tutorial").expect("map");
        let w0 = map.build(None).expect("world");
        let mut t = Objectives::new(
            &objectives(&[
                Goal::AverageRootProp { at_most: 1.0 },
                Goal::AverageRootProp { at_most: 0.0 },
                Goal::EmissionShare { netuid: 1, share: 0.0 },
                Goal::Controller { netuid: 1, account: "nobody".into() },
                Goal::PriceMultiple { netuid: 1, times: 1_000.0 },
            ]),
            &w0,
        );
        let mut w = w0.clone();
        w.run_until(7).expect("runs");
        t.observe(&w, false);
        assert_eq!(t.all_reached(None), vec![None; 6], "block 7 is not a check block");
        t.observe(&w, true);
        assert_eq!(t.all_reached(None), vec![None, Some(7), None, Some(7), None, None]);
        assert!(Objectives::new(&[Objective::prompt("x")], &w0).is_empty());
    }

    #[test]
    fn a_goal_with_a_from_block_waits_for_it_and_measures_prices_from_then() {
        let map = scenario::load("tutorial").expect("map");
        let w0 = map.build(None).expect("world");
        let mut list = objectives(&[
            Goal::AverageRootProp { at_most: 1.0 },
            Goal::PriceMultiple { netuid: 1, times: 1_000.0 },
            Goal::AverageRootProp { at_most: 1.0 },
        ]);
        list[2].from_block = Some(25);
        list[3].from_block = Some(25);
        let mut t = Objectives::new(&list, &w0);
        let mut w = w0.clone();
        let mut seen = Vec::new();
        let mut price_at_30 = 0.0;
        while w.block < 40 {
            w.step().expect("step");
            t.observe(&w, false);
            seen.push(t.all_reached(None));
            if w.block == 20 {
                let waiting = t.tracked[2].as_ref().map(|t| t.price);
                assert_eq!(waiting, Some(price(&w0, 1)), "until block 25, the price of block 0");
            }
            if w.block == 30 {
                price_at_30 = price(&w, 1);
            }
        }
        assert_eq!(seen[9], vec![None, Some(10), None, None], "block 10: only the goal without a block");
        assert_eq!(seen[19], vec![None, Some(10), None, None], "block 20 is before block 25");
        assert_eq!(seen[29], vec![None, Some(10), None, Some(30)], "the first check at or after block 25");
        // The multiple counts from the price at that check, not from block 0's.
        let tracked = t.tracked[2].as_ref().expect("a goal");
        assert!(price_at_30 > 0.0 && price_at_30.to_bits() != price(&w0, 1).to_bits(), "the price moved");
        assert_eq!(tracked.price.to_bits(), price_at_30.to_bits());
        assert!(tracked.from.is_none(), "the wait is over");
    }
}
