//! NPC actors (rules.md §8): retail crowds, the foundation and subnet teams.
//!
//! NPCs read only public state (prices, pools, emission shares, stake weights, their own
//! holdings) and act only through orders, which queue for the next block like anyone
//! else's. Their randomness is the match's `npc` stream; all their arithmetic is integer.

use super::amount::Tao;
use super::init::{FoundationInit, RetailInit, TeamInit};
use super::order::Order;
use super::params::{Mechanism, Policy};
use super::pool;
use super::world::{AccountId, Netuid, World};

const PPB: i128 = 1_000_000_000;

/// All NPCs of a world.
#[derive(Clone, Debug, Default)]
pub struct Npcs {
    /// Retail crowds.
    pub retail: Vec<Crowd>,
    /// Foundations.
    pub foundations: Vec<Foundation>,
    /// Subnet teams.
    pub teams: Vec<Team>,
}

/// A retail crowd and its members' memories.
#[derive(Clone, Debug)]
pub struct Crowd {
    /// Configuration.
    pub cfg: RetailInit,
    /// Member accounts.
    pub members: Vec<Member>,
    /// Hype per netuid (ppb of signal), fading by `hype_keep` each cadence.
    pub hype: Vec<i64>,
    /// Next block the hype fades.
    pub next_fade: u64,
}

/// One member of a crowd.
#[derive(Clone, Debug)]
pub struct Member {
    /// Its account.
    pub account: AccountId,
    /// Next decision block.
    pub next: u64,
    /// Price (64.64 bits) it saw per netuid at its last decision.
    pub last_price: Vec<u128>,
    /// TAO paid for its current position per netuid.
    pub cost: Vec<u64>,
}

/// The foundation.
#[derive(Clone, Debug)]
pub struct Foundation {
    /// Configuration.
    pub cfg: FoundationInit,
    /// Its account.
    pub account: AccountId,
}

/// A subnet team.
#[derive(Clone, Debug)]
pub struct Team {
    /// Configuration.
    pub cfg: TeamInit,
    /// Its account.
    pub account: AccountId,
}

impl Npcs {
    pub(super) fn add_retail(&mut self, cfg: RetailInit, accounts: Vec<AccountId>, slots: usize) {
        let cadence = cfg.cadence.max(1);
        let count = accounts.len().max(1) as u64;
        let members = accounts
            .into_iter()
            .enumerate()
            .map(|(k, account)| Member {
                account,
                next: cadence * k as u64 / count,
                last_price: vec![0; slots],
                cost: vec![0; slots],
            })
            .collect();
        self.retail.push(Crowd { cfg, members, hype: vec![0; slots], next_fade: cadence });
    }
    pub(super) fn add_foundation(&mut self, cfg: FoundationInit, account: AccountId) {
        self.foundations.push(Foundation { cfg, account });
    }
    pub(super) fn add_team(&mut self, cfg: TeamInit, account: AccountId) {
        self.teams.push(Team { cfg, account });
    }
    /// A hype shock to a crowd (`*` for all) about a subnet.
    pub fn hype(&mut self, crowd: &str, netuid: Netuid, amount: i64) {
        for c in self.retail.iter_mut().filter(|c| crowd == "*" || c.cfg.name == crowd) {
            if let Some(h) = c.hype.get_mut(usize::from(netuid)) {
                *h = h.saturating_add(amount);
            }
        }
    }
    pub(super) fn forget_subnet(&mut self, netuid: Netuid) {
        let n = usize::from(netuid);
        for c in &mut self.retail {
            c.hype[n] = 0;
            for m in &mut c.members {
                m.last_price[n] = 0;
                m.cost[n] = 0;
            }
        }
        self.teams.retain(|t| t.cfg.netuid != netuid);
    }
}

/// `x * w / 1e9`, truncated toward zero exactly as in `i128`, but in 64 bits when the
/// product fits there: a 64-bit division by a constant is a multiply, a 128-bit one a
/// library call.
#[inline]
fn scale_ppb(x: i128, w: i128) -> i128 {
    if let (Ok(x), Ok(w)) = (i64::try_from(x), i64::try_from(w)) {
        if let Some(p) = x.checked_mul(w) {
            return i128::from(p / 1_000_000_000);
        }
    }
    x * w / PPB
}

/// Emission share of the last block, in ppb.
fn share_ppb(w: &World, n: usize) -> i128 {
    w.subnets[n].as_ref().map_or(0, |s| {
        if s.last_block_emission == 0 {
            0
        } else {
            i128::from(s.last_emission) * PPB / i128::from(s.last_block_emission)
        }
    })
}

/// Step 6 of the block: NPCs whose cadence falls on this block decide.
pub(super) fn decide(w: &mut World) {
    if w.npcs.retail.is_empty() && w.npcs.foundations.is_empty() && w.npcs.teams.is_empty() {
        return;
    }
    let mut npcs = std::mem::take(&mut w.npcs);
    for c in &mut npcs.retail {
        crowd(w, c);
    }
    for f in &npcs.foundations {
        foundation(w, f);
    }
    for t in &npcs.teams {
        team(w, t);
    }
    w.npcs = npcs;
}

/// The subnets a crowd trades: its map's list, or every live subnet.
fn universe_of(w: &World, listed: &[Netuid]) -> Vec<usize> {
    if listed.is_empty() {
        (1..w.subnets.len()).filter(|n| w.subnets[*n].is_some()).collect()
    } else {
        listed.iter().map(|n| usize::from(*n)).filter(|n| w.subnets.get(*n).is_some_and(Option::is_some)).collect()
    }
}

fn crowd(w: &mut World, c: &mut Crowd) {
    let b = w.block;
    let cadence = c.cfg.cadence.max(1);
    if b >= c.next_fade {
        c.next_fade = b + cadence;
        for h in &mut c.hype {
            *h = i64::try_from(scale_ppb(i128::from(*h), i128::from(c.cfg.hype_keep.0))).unwrap_or(0);
        }
    }
    // The subnets the crowd trades, with their yield term (the same for every member this
    // block), listed once a member is due (most blocks, none is).
    let mut universe: Option<Vec<(usize, i128)>> = None;
    let rules = w.pool_rules();
    for m in &mut c.members {
        if b < m.next {
            continue;
        }
        m.next = b + cadence;
        let universe = universe.get_or_insert_with(|| {
            let weight = i128::from(c.cfg.yield_weight.0);
            universe_of(w, &c.cfg.subnets).into_iter().map(|n| (n, scale_ppb(share_ppb(w, n), weight))).collect()
        });
        let me = m.account.index();
        // Exits: stop-loss and take-profit against what the position cost.
        for &(n, _) in universe.iter() {
            let held = w.accounts[me].alpha[n];
            let Some(s) = w.subnets[n].as_ref() else { continue };
            if held == 0 || m.cost[n] == 0 {
                continue;
            }
            let value = i128::from(pool::sale_value(s.tao, s.alpha_in, held, rules.fee));
            let cost = i128::from(m.cost[n]);
            let lo = scale_ppb(cost, PPB - i128::from(c.cfg.stop_loss.0));
            let hi = scale_ppb(cost, PPB + i128::from(c.cfg.take_profit.0));
            if value <= lo || value >= hi {
                let netuid = Netuid::try_from(n).unwrap_or(0);
                w.queue.push((m.account, Order::Dump { netuid: Some(netuid) }));
                m.cost[n] = 0;
            }
        }
        // Entries: momentum, yield and hype, plus seeded noise.
        let mut best: Option<(i128, usize)> = None;
        for &(n, yield_term) in universe.iter() {
            let Some(s) = w.subnets[n].as_ref() else { continue };
            let p = s.price().to_bits();
            let last = m.last_price[n];
            m.last_price[n] = p;
            let momentum = if last == 0 {
                0
            } else {
                ((i128::try_from(p).unwrap_or(i128::MAX) - i128::try_from(last).unwrap_or(0)) * PPB
                    / i128::try_from(last).unwrap_or(1))
                .clamp(-10 * PPB, 10 * PPB)
            };
            let noise = i128::from(w.rng_npc.symmetric(c.cfg.noise.0));
            let signal = scale_ppb(momentum, i128::from(c.cfg.momentum.0)) + yield_term + i128::from(c.hype[n]) + noise;
            if best.is_none_or(|(x, _)| signal > x) {
                best = Some((signal, n));
            }
        }
        if let Some((signal, n)) = best {
            let free = w.accounts[me].free.0;
            let amount = c.cfg.trade_fraction.apply(free);
            if signal >= i128::from(c.cfg.threshold.0) && amount >= rules.min_stake {
                let netuid = Netuid::try_from(n).unwrap_or(0);
                w.queue.push((m.account, Order::Stake { netuid, tao: Tao(amount), limit: None }));
                m.cost[n] = m.cost[n].saturating_add(amount);
            }
        }
    }
}

fn foundation(w: &mut World, f: &Foundation) {
    let cadence = f.cfg.cadence.max(1);
    if w.block % cadence != 0 {
        return;
    }
    let me = f.account;
    let holder_subnets: Vec<usize> =
        w.subnets().filter(|s| s.mechanism == Mechanism::Holder).map(|s| usize::from(s.netuid)).collect();
    let mut orders = Vec::new();
    for n in holder_subnets {
        let netuid = Netuid::try_from(n).unwrap_or(0);
        let vals = super::epoch::validators(w, netuid);
        let total: u128 = vals.iter().map(|v| u128::from(v.1)).sum();
        let mine = vals.iter().find(|v| v.0 == me).map_or(0, |v| u128::from(v.1));
        let majority = total > 0 && mine * 2 > total;
        let current = w.accounts[me.index()].policy[n];
        let hot = is_target(&f.cfg, current, share_ppb(w, n));
        let want = if hot && (majority || f.cfg.act_without_majority) { Policy::RewardSellers } else { Policy::Honest };
        if current != want {
            orders.push((me, Order::SetWeights { netuid, policy: want }));
        }
    }
    w.queue.extend(orders);
}

/// Whether a holder subnet with emission share `share` (ppb) is the foundation's target,
/// given its policy there now: past the threshold; and one it already rewards sellers on
/// stays a target until its share falls to the release level (hysteresis: no switching
/// back and forth while the share hovers at the threshold; with the release level at
/// the threshold, none).
fn is_target(cfg: &FoundationInit, current: Policy, share: i128) -> bool {
    let level = if current == Policy::RewardSellers { cfg.release_share } else { cfg.share_threshold };
    share > i128::from(level.0)
}

fn team(w: &mut World, t: &Team) {
    let cadence = t.cfg.cadence.max(1);
    if w.block % cadence != cadence - 1 {
        return;
    }
    let n = usize::from(t.cfg.netuid);
    let held = w.accounts[t.account.index()].alpha.get(n).copied().unwrap_or(0);
    let amount = t.cfg.sell_fraction.apply(held);
    let Some(s) = w.subnets.get(n).and_then(Option::as_ref) else { return };
    let value = pool::sale_value(s.tao, s.alpha_in, amount, 0);
    if amount > 0 && value >= w.params.min_stake.0 {
        w.queue.push((
            t.account,
            Order::Unstake { netuid: t.cfg.netuid, alpha: super::amount::Alpha(amount), limit: None },
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::super::amount::Ppb;
    use super::super::init::{FoundationInit, NpcInit, SubnetInit, WorldInit};
    use super::*;

    const TAO: u64 = 1_000_000_000;

    /// One holder subnet whose 1,000 outstanding alpha the genesis account holds, and a
    /// foundation with `root` TAO of root stake that targets it above a 50% share.
    fn world(root: u64, act_without_majority: bool) -> World {
        let init = WorldInit {
            name: "t".into(),
            subnets: vec![SubnetInit {
                netuid: 1,
                mechanism: Mechanism::Holder,
                tao: Tao(100 * TAO),
                alpha_in: 1_000 * TAO,
                alpha_out: 1_000 * TAO,
                owner: "genesis".into(),
                ..SubnetInit::default()
            }],
            npcs: vec![NpcInit::Foundation(FoundationInit {
                name: "foundation".into(),
                root_stake: Tao(root * TAO),
                free: Tao(0),
                cadence: 360,
                share_threshold: Ppb(500_000_000),
                release_share: Ppb(500_000_000),
                act_without_majority,
            })],
            ..WorldInit::default()
        };
        let mut w = World::new(&init).expect("world");
        // Block 0: the only subnet gets all of the emission (share 1 > 0.5), then the
        // foundation decides (0 % 360 == 0); its orders queue for block 1.
        w.step().expect("step");
        w
    }

    fn sets_reward_sellers(w: &World) -> bool {
        w.queued().iter().any(|(_, o)| matches!(o, Order::SetWeights { netuid: 1, policy: Policy::RewardSellers }))
    }

    #[test]
    fn a_target_is_released_only_at_the_release_share() {
        let cfg = FoundationInit {
            share_threshold: Ppb(30_000_000),
            release_share: Ppb(15_000_000),
            ..FoundationInit::default()
        };
        let (honest, sellers) = (Policy::Honest, Policy::RewardSellers);
        // Taken past 3%, kept down to 1.5%, released at 1.5%.
        assert!(!is_target(&cfg, honest, 30_000_000));
        assert!(is_target(&cfg, honest, 30_000_001));
        assert!(is_target(&cfg, sellers, 20_000_000));
        assert!(is_target(&cfg, sellers, 15_000_001));
        assert!(!is_target(&cfg, sellers, 15_000_000));
        assert!(!is_target(&cfg, honest, 20_000_000), "honest between the two levels stays honest");
        // The release level at the threshold: the threshold both ways.
        let same = FoundationInit { release_share: Ppb(30_000_000), ..cfg };
        for share in [29_999_999, 30_000_000, 30_000_001] {
            assert_eq!(is_target(&same, sellers, share), is_target(&same, honest, share), "{share}");
        }
    }

    #[test]
    fn the_foundation_intervenes_with_a_majority_only_unless_told_otherwise() {
        // Root 1,000 TAO weighs 0.18 * 1,000 = 180 against genesis's 1,000 alpha: 15%.
        let w = world(1_000, false);
        let f = w.account_by_name("foundation").expect("foundation");
        assert_eq!(w.stake_weight(f, 1), 180 * TAO);
        assert_eq!(w.controller(1), w.account_by_name("genesis"));
        assert!(!sets_reward_sellers(&w), "no majority: it stays honest");
        // The same minority acting anyway.
        assert!(sets_reward_sellers(&world(1_000, true)));
        // Root 10,000 TAO weighs 1,800 against 1,000: 64%, a majority.
        let w = world(10_000, false);
        assert_eq!(w.controller(1), w.account_by_name("foundation"));
        assert!(sets_reward_sellers(&w));
    }

    #[test]
    fn scale_ppb_matches_the_128_bit_formula() {
        let values =
            [0, 1, -1, 999_999_999, -1_000_000_001, 1 << 40, -(1 << 40), i128::from(i64::MAX), i128::from(i64::MIN)];
        let weights = [0, 1, 180_000_000, 1_000_000_000, 1_900_000_000, -250_000_000, i128::from(i64::MAX)];
        for x in values {
            for w in weights {
                assert_eq!(scale_ppb(x, w), x * w / PPB, "x = {x}, w = {w}");
            }
        }
    }
}
