//! Launching subnets: the lock cost, the new pool, and pruning at the subnet limit
//! (rules.md §6).

use super::amount::Tao;
use super::event::Event;
use super::math::{I64F64, U64F64, mul_div};
use super::order::{Fill, Reject};
use super::params::{Mechanism, Policy};
use super::world::{AccountId, Netuid, Subnet, World};

/// `max(min_lock, mult * last_lock - last_lock * (b - last_lock_block) / interval)`, with
/// `mult = 2` after the first launch of the match (before it, the cost is `initial_lock`).
#[must_use]
pub fn lock_cost(w: &World) -> Tao {
    let p = &w.params;
    let Some(last_block) = w.lock.last_lock_block else {
        return Tao(p.initial_lock.0.max(p.min_lock.0));
    };
    let last = u128::from(w.lock.last_lock);
    let elapsed = u128::from(w.block.saturating_sub(last_block));
    let decay = mul_div(last, elapsed, u128::from(p.lock_reduction_interval.max(1))).unwrap_or(u128::MAX);
    let cost = (2 * last).saturating_sub(decay);
    Tao(u64::try_from(cost).unwrap_or(u64::MAX).max(p.min_lock.0))
}

/// The subnet a launch at the limit would dissolve: the non-immune one with the lowest
/// moving price (ties: the oldest registration, then the lowest netuid).
#[must_use]
pub fn prune_candidate(w: &World) -> Option<Netuid> {
    let b = i128::from(w.block);
    w.subnets()
        .filter(|s| b - i128::from(s.registered_at) >= i128::from(w.params.network_immunity))
        .min_by_key(|s| (s.moving_price, s.registered_at, s.netuid))
        .map(|s| s.netuid)
}

/// What is wrong with a new subnet's name, if anything (checked again at launch): 1 to
/// 32 printable characters once trimmed.
#[must_use]
pub fn name_problem(name: &str) -> Option<&'static str> {
    let name = name.trim();
    (name.is_empty() || name.chars().count() > 32 || name.chars().any(char::is_control))
        .then_some("use 1 to 32 printable characters")
}

pub(super) fn launch(w: &mut World, owner: AccountId, name: &str, mechanism: Mechanism) -> Result<Fill, Reject> {
    if let Some(p) = name_problem(name) {
        return Err(Reject::BadName(p.into()));
    }
    let name = name.trim();
    let cost = lock_cost(w).0;
    let oi = owner.index();
    let have = w.accounts[oi].free.0;
    if have < cost {
        return Err(Reject::InsufficientTao { have_rao: have, need_rao: cost });
    }
    let count = w.subnets().count();
    let netuid = if count < usize::from(w.params.subnet_limit) {
        let n = (1..w.subnets.len()).find(|n| w.subnets[*n].is_none()).ok_or(Reject::SubnetLimit)?;
        Netuid::try_from(n).map_err(|_| Reject::SubnetLimit)?
    } else {
        let victim = prune_candidate(w).ok_or(Reject::SubnetLimit)?;
        dissolve(w, victim);
        victim
    };
    let b = w.block;
    let min_lock = w.params.min_lock.0;
    w.accounts[oi].free.0 -= cost;
    w.recycle_tao(cost - min_lock);
    let n = usize::from(netuid);
    let at = i64::try_from(b).unwrap_or(i64::MAX);
    w.subnets[n] = Some(Subnet {
        netuid,
        name: name.to_string(),
        mechanism,
        tao: min_lock,
        alpha_in: min_lock,
        alpha_out: 0,
        moving_price: U64F64::ZERO,
        flow: 0,
        flow_ema: I64F64::ZERO,
        registered_at: at,
        first_emission: at.saturating_add(i64::try_from(w.params.start_call_delay).unwrap_or(i64::MAX)),
        owner,
        lock: cost,
        owner_emission_value: 0,
        pending_owner: 0,
        pending_miner: 0,
        pending_validator: 0,
        pending_root_tao: 0,
        pending_root_alpha: 0,
        miners: Vec::new(),
        revenue: None,
        alpha_issued: min_lock,
        alpha_recycled: 0,
        alpha_burned: 0,
        last_emission: 0,
        last_block_emission: 0,
        last_epoch: None,
    });
    w.lock.last_lock = cost;
    w.lock.last_lock_block = Some(b);
    w.root_vote = None;
    w.events.push(Event::Launched { block: b, netuid, name: name.to_string(), owner });
    Ok(Fill { tao_in_rao: cost, netuid: Some(netuid), ..Fill::default() })
}

/// Dissolves a subnet: its pool TAO is paid pro rata to alpha holders (largest
/// remainder), its alpha is destroyed, pending root TAO is recycled, and the owner gets
/// back `max(0, lock - TAO value of owner emission)` (minted).
pub(super) fn dissolve(w: &mut World, netuid: Netuid) {
    let n = usize::from(netuid);
    let Some(s) = w.subnets[n].take() else { return };
    // Holders: accounts by id, then NPC miners by slot.
    let mut holders: Vec<(bool, usize, u64)> = Vec::new();
    for (i, a) in w.accounts.iter().enumerate() {
        if a.alpha[n] > 0 {
            holders.push((true, i, a.alpha[n]));
        }
    }
    for (j, m) in s.miners.iter().enumerate() {
        if m.alpha > 0 {
            holders.push((false, j, m.alpha));
        }
    }
    let total: u128 = holders.iter().map(|h| u128::from(h.2)).sum();
    let pot = u128::from(s.tao);
    let mut paid: Vec<u64> = Vec::with_capacity(holders.len());
    let mut rems: Vec<(u128, usize)> = Vec::with_capacity(holders.len());
    if let Some(total) = std::num::NonZeroU128::new(total) {
        for (k, h) in holders.iter().enumerate() {
            let num = pot * u128::from(h.2);
            paid.push(u64::try_from(num / total).unwrap_or(0));
            rems.push((num % total, k));
        }
        let mut left = s.tao - paid.iter().sum::<u64>();
        rems.sort_by(|x, y| y.0.cmp(&x.0).then(x.1.cmp(&y.1)));
        for (_, k) in rems {
            if left == 0 {
                break;
            }
            paid[k] += 1;
            left -= 1;
        }
    } else {
        w.recycle_tao(s.tao);
    }
    let mut miner_tao = 0u64;
    let mut payouts: Vec<(AccountId, u64, u64)> = Vec::new();
    for (h, amount) in holders.iter().zip(&paid) {
        if h.0 {
            w.accounts[h.1].free.0 = w.accounts[h.1].free.0.saturating_add(*amount);
            payouts.push((w.accounts[h.1].id, h.2, *amount));
        } else {
            // NPC miners leave with the TAO they held: it leaves the tracked economy.
            miner_tao = miner_tao.saturating_add(*amount).saturating_add(s.miners[h.1].tao);
        }
    }
    for m in &s.miners {
        if m.alpha == 0 {
            miner_tao = miner_tao.saturating_add(m.tao);
        }
    }
    w.ledger.burned = w.ledger.burned.saturating_add(miner_tao);
    w.recycle_tao(s.pending_root_tao);
    for a in &mut w.accounts {
        a.alpha[n] = 0;
        a.miner[n] = false;
        a.policy[n] = Policy::Honest;
        a.sold_window[n] = 0;
        a.root_weights.retain(|(x, _)| *x != netuid);
    }
    let refund = s.lock.saturating_sub(s.owner_emission_value);
    if refund > 0 {
        let o = &mut w.accounts[s.owner.index()];
        o.free.0 = o.free.0.saturating_add(refund);
        w.total_issuance = w.total_issuance.saturating_add(refund);
        w.ledger.minted = w.ledger.minted.saturating_add(refund);
    }
    w.npcs.forget_subnet(netuid);
    w.events.push(Event::Dissolved { block: w.block, netuid, name: s.name, paid: payouts });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::init::WorldInit;
    use crate::engine::{AccountKind, Order};

    const TAO: u64 = 1_000_000_000;

    #[test]
    fn lock_cost_doubles_then_decays_linearly_to_the_floor() {
        let mut w = World::new(&WorldInit::synthetic(2, 1)).unwrap();
        let me = w.add_account("me", AccountKind::Human, Tao(10_000 * TAO));
        assert_eq!(lock_cost(&w), Tao(1000 * TAO)); // initial_lock before any launch
        w.block = 100;
        let ti = w.total_issuance;
        let fill = w.execute(me, &Order::LaunchSubnet { name: "Mine".into(), mechanism: Mechanism::Holder }).unwrap();
        assert_eq!(fill.netuid, Some(3));
        assert_eq!(w.accounts[me.index()].free, Tao(9000 * TAO));
        // The pool starts at 1 TAO / 1 alpha; the rest of the lock is recycled.
        let s = w.subnet(3).unwrap();
        assert_eq!((s.tao, s.alpha_in, s.alpha_out, s.moving_price), (TAO, TAO, 0, U64F64::ZERO));
        assert_eq!(s.first_emission, 100 + 50_400);
        assert_eq!(w.total_issuance, ti - 999 * TAO);
        assert_eq!(lock_cost(&w), Tao(2000 * TAO));
        w.block = 100 + 50_400; // half the reduction interval: 2000 - 1000 / 2
        assert_eq!(lock_cost(&w), Tao(1500 * TAO));
        w.block = 100 + 201_600;
        assert_eq!(lock_cost(&w), Tao(TAO)); // min_lock
        w.check_invariants().unwrap();
    }

    #[test]
    fn launch_at_the_limit_prunes_the_lowest_moving_price_unless_immune() {
        let mut init = WorldInit::synthetic(2, 1);
        init.params.subnet_limit = 2;
        let mut w = World::new(&init).unwrap();
        let me = w.add_account("me", AccountKind::Human, Tao(10_000 * TAO));
        let launch = Order::LaunchSubnet { name: "New".into(), mechanism: Mechanism::Utility };
        // Both subnets are younger than network_immunity (864,000 blocks).
        assert_eq!(w.execute(me, &launch), Err(Reject::SubnetLimit));
        w.params.network_immunity = 1000;
        // SN1 has the lower moving price (0.045/1.1 vs 0.080/1.1).
        assert_eq!(prune_candidate(&w), Some(1));
        let genesis_free = w.accounts[0].free;
        let pool_tao = w.subnet(1).unwrap().tao;
        let fill = w.execute(me, &launch).unwrap();
        assert_eq!(fill.netuid, Some(1));
        assert_eq!(w.subnet(1).unwrap().name, "New");
        // The only holder (genesis) gets the whole pool; its alpha is gone.
        assert_eq!(w.accounts[0].free.0, genesis_free.0 + pool_tao);
        assert_eq!(w.accounts[0].alpha[1], 0);
        w.check_invariants().unwrap();
    }

    #[test]
    fn dissolution_pays_pro_rata_with_largest_remainder() {
        let mut init = WorldInit::synthetic(1, 1);
        init.subnets[0].tao = Tao(10_000_000_007);
        init.subnets[0].alpha_out = 0;
        init.subnets[0].miners.clear();
        let mut w = World::new(&init).unwrap();
        let a = w.add_account("a", AccountKind::Bot, Tao(0));
        let b = w.add_account("b", AccountKind::Bot, Tao(0));
        let c = w.add_account("c", AccountKind::Bot, Tao(0));
        for (id, x) in [(a, 1u64), (b, 1), (c, 1)] {
            w.accounts[id.index()].alpha[1] = x;
        }
        w.subnets[1].as_mut().unwrap().alpha_out = 3;
        w.subnets[1].as_mut().unwrap().alpha_issued += 3;
        dissolve(&mut w, 1);
        // 10_000_000_007 / 3 = 3_333_333_335 r 2: the two first (by id) get one more.
        let got: Vec<u64> = [a, b, c].iter().map(|id| w.accounts[id.index()].free.0).collect();
        assert_eq!(got, vec![3_333_333_336, 3_333_333_336, 3_333_333_335]);
        assert!(w.subnet(1).is_none());
        w.check_invariants().unwrap();
    }
}
