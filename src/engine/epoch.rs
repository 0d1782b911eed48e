//! The epoch (rules.md §7): who gets a subnet's pending alpha and root TAO.
//!
//! Miners are the subnet's NPC miner slots, the accounts registered as miners and, on a
//! `holder` subnet, every account holding its alpha. Validators are the top
//! `max_validators` accounts by stake weight `S_v = alpha_v + tau * root_v`. Each
//! validator's policy gives a weight vector; the simplified Yuma of rules.md turns them
//! into miner incentive and validator dividends. Every rao of every bucket is paid or
//! recycled, and the ledger says which.

use super::EngineError;
use super::event::Event;
use super::math::mul_div;
use super::params::{EmissionMode, Mechanism, Policy};
use super::pool::{self, feeless_out};
use super::world::{AccountId, Netuid, World};

const ONE: u128 = 1u128 << 64;

/// Runs the epochs due at this block and the NPC miners' sales (step 4 of the block).
pub(super) fn run_due(w: &mut World) -> Result<(), EngineError> {
    // Subnet n is at phase (b + n + 1) % (tempo + 1) of its window: visit only the
    // netuids whose phase is 0 (epoch) or a miners' sale phase.
    let window = w.params.tempo + 1;
    let base = (w.block + 1) % window;
    let limit = w.subnets.len() as u64;
    // Phases and `base` are below `window`: one subtraction instead of a division.
    let first = |phase: u64| {
        let x = phase + window - base;
        if x >= window { x - window } else { x }
    };
    let mut n = first(0);
    while n < limit {
        if n > 0 && w.subnets[usize::try_from(n).unwrap_or(0)].is_some() {
            epoch(w, usize::try_from(n).unwrap_or(0))?;
        }
        n += window;
    }
    for k in 0..w.sale_phases.len() {
        let mut n = first(w.sale_phases[k]);
        while n < limit {
            let k = usize::try_from(n).unwrap_or(0);
            if w.subnets[k].as_ref().is_some_and(|s| !s.miners.is_empty()) {
                miner_sales(w, k);
            }
            n += window;
        }
    }
    Ok(())
}

/// NPC miners sell part of what they are due to sell this window.
fn miner_sales(w: &mut World, n: usize) {
    let rules = w.pool_rules();
    let Some(s) = w.subnets[n].as_mut() else { return };
    for j in 0..s.miners.len() {
        let m = &s.miners[j];
        if m.to_sell == 0 || m.chunks_left == 0 {
            continue;
        }
        let amount = (m.to_sell / m.chunks_left).min(m.alpha);
        s.miners[j].chunks_left -= 1;
        if amount == 0 {
            continue;
        }
        if let Ok(q) = pool::quote_unstake(s.tao, s.alpha_in, amount, None, rules) {
            s.tao = q.new_tao;
            s.alpha_in = q.new_alpha;
            s.alpha_out -= amount;
            s.flow -= i128::from(q.tao_rao);
            let m = &mut s.miners[j];
            m.alpha -= amount;
            m.tao = m.tao.saturating_add(q.tao_rao);
            m.to_sell -= amount;
            m.sold_window = m.sold_window.saturating_add(amount);
        }
    }
}

/// Validators of a subnet: `(account, S_v)`, top `max_validators` by `S_v` (ties: lower
/// id first), positive stake only. Sorted by stake, descending.
#[must_use]
pub fn validators(w: &World, netuid: Netuid) -> Vec<(AccountId, u64)> {
    let mut v = Vec::new();
    validators_into(w, netuid, &mut v);
    v
}

/// [`validators`] into `v` (cleared first).
fn validators_into(w: &World, netuid: Netuid, v: &mut Vec<(AccountId, u64)>) {
    let n = usize::from(netuid);
    let tau = w.params.tao_weight;
    v.clear();
    v.extend(w.accounts.iter().filter_map(|a| {
        let s = a.alpha.get(n).copied().unwrap_or(0).saturating_add(tau.apply(a.root.0));
        (s > 0).then_some((a.id, s))
    }));
    // Only the top `max_validators` need an order: select them first (ids are unique, so
    // the order is total and the result the same as sorting everything).
    let by_stake = |x: &(AccountId, u64), y: &(AccountId, u64)| y.1.cmp(&x.1).then(x.0.cmp(&y.0));
    let k = usize::from(w.params.max_validators);
    if k == 0 {
        v.clear();
    } else if v.len() > k {
        v.select_nth_unstable_by(k - 1, by_stake);
        v.truncate(k);
    }
    v.sort_by(by_stake);
}

/// A miner slot of a subnet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Miner {
    /// The subnet's NPC miner slot `j`.
    Npc(usize),
    /// An account.
    Account(AccountId),
}

/// The miners of a subnet with their quality, holdings and alpha sold this window.
#[must_use]
pub fn miners(w: &World, n: usize) -> Vec<(Miner, u64, u64, u64)> {
    let mut v = Vec::new();
    miners_into(w, n, &mut v);
    v
}

/// [`miners`] into `v` (cleared first).
fn miners_into(w: &World, n: usize, v: &mut Vec<(Miner, u64, u64, u64)>) {
    v.clear();
    let Some(s) = w.subnets[n].as_ref() else { return };
    v.extend(s.miners.iter().enumerate().map(|(j, m)| (Miner::Npc(j), u64::from(m.quality), m.alpha, m.sold_window)));
    for a in &w.accounts {
        if a.miner[n] || (s.mechanism == Mechanism::Holder && a.alpha[n] > 0) {
            v.push((Miner::Account(a.id), 0, a.alpha[n], a.sold_window[n]));
        }
    }
}

/// Whether a policy's row depends on the validator who sets it (`me` in
/// [`policy_weights`]); the others give every validator the same row.
const fn row_is_personal(policy: Policy) -> bool {
    matches!(policy, Policy::SelfOnly)
}

/// A validator's normalised weights over `miners` (64.64 bits), or `None` to abstain.
#[must_use]
pub fn policy_weights(
    policy: Policy,
    mechanism: Mechanism,
    me: AccountId,
    miners: &[(Miner, u64, u64, u64)],
) -> Option<Vec<u128>> {
    let mut row = Vec::new();
    policy_weights_into(policy, mechanism, me, miners, &mut row).then_some(row)
}

/// [`policy_weights`] into `row` (cleared first); `false` to abstain.
fn policy_weights_into(
    policy: Policy,
    mechanism: Mechanism,
    me: AccountId,
    miners: &[(Miner, u64, u64, u64)],
    row: &mut Vec<u128>,
) -> bool {
    let raw = |(m, quality, held, sold): &(Miner, u64, u64, u64)| -> u64 {
        match policy {
            Policy::Honest => match mechanism {
                Mechanism::Utility | Mechanism::Revenue => *quality,
                Mechanism::Holder => *held,
            },
            Policy::RewardSellers => *sold,
            Policy::RewardHolders => *held,
            Policy::Uniform => 1,
            Policy::SelfOnly => u64::from(*m == Miner::Account(me)),
        }
    };
    let total: u128 = miners.iter().map(|x| u128::from(raw(x))).sum();
    row.clear();
    if total == 0 {
        return false;
    }
    row.extend(miners.iter().map(|x| mul_div(u128::from(raw(x)), ONE, total).unwrap_or(0)));
    true
}

/// `(a * b) >> 64` for 64.64 values of at most 1.0 each.
#[inline]
fn mul64(a: u128, b: u128) -> u128 {
    if a >= ONE {
        return b;
    }
    if b >= ONE {
        return a;
    }
    (a * b) >> 64
}

/// The result of the simplified Yuma consensus.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Yuma {
    /// Consensus weight per miner (64.64 bits).
    pub consensus: Vec<u128>,
    /// Unnormalised incentive per miner (64.64 bits).
    pub incentive: Vec<u128>,
    /// Unnormalised dividend per validator (64.64 bits; 0 for abstainers).
    pub dividends: Vec<u128>,
}

/// Distinct weight rows that [`yuma`] merges before it falls back to one entry per validator.
const DISTINCT_ROWS: usize = 8;

/// Simplified Yuma (rules.md §7) for validators with stakes `stakes` and weight rows
/// `weights` (`None` = abstain) over `m` miners, with quantile `kappa_ppb`.
///
/// `c_j` is the largest `x` with `sum_{v: w_vj >= x} s_v >= kappa`; `W' = min(W, c)`;
/// `I_j = sum_v s_v W'_vj`; `D_v = s_v sum_j W'_vj`.
#[must_use]
pub fn yuma(stakes: &[u64], weights: &[Option<Vec<u128>>], m: usize, kappa_ppb: u64) -> Yuma {
    // Each distinct row once, as the epoch hands them over.
    let mut rows: Vec<Vec<u128>> = Vec::new();
    let row_of: Vec<Option<usize>> = weights
        .iter()
        .map(|w| {
            w.as_ref().map(|w| {
                rows.iter().position(|r| r == w).unwrap_or_else(|| {
                    rows.push(w.clone());
                    rows.len() - 1
                })
            })
        })
        .collect();
    let mut out = Yuma::default();
    yuma_into(stakes, &rows, &row_of, m, kappa_ppb, &mut YumaScratch::default(), &mut out);
    out
}

/// [`yuma`]'s working vectors.
#[derive(Clone, Debug, Default)]
struct YumaScratch {
    active: Vec<usize>,
    s: Vec<u128>,
    voters: Vec<(usize, u128)>,
    col: Vec<(u128, u128)>,
}

/// [`yuma`] with the rows given once each: validator `v` votes `rows[row_of[v]]`, or
/// abstains (`None`). The result goes to `out`.
fn yuma_into(
    stakes: &[u64],
    rows: &[Vec<u128>],
    row_of: &[Option<usize>],
    m: usize,
    kappa_ppb: u64,
    sc: &mut YumaScratch,
    out: &mut Yuma,
) {
    let row = |v: usize| row_of[v].and_then(|r| rows.get(r)).map_or(&[][..], |r| &r[..]);
    sc.active.clear();
    sc.active.extend((0..stakes.len()).filter(|v| row_of[*v].is_some()));
    let total: u128 = sc.active.iter().map(|v| u128::from(stakes[*v])).sum();
    for (x, len) in [(&mut out.consensus, m), (&mut out.incentive, m), (&mut out.dividends, stakes.len())] {
        x.clear();
        x.resize(len, 0);
    }
    if total == 0 {
        return;
    }
    let need = u128::from(kappa_ppb) * total;
    sc.s.clear();
    sc.s.extend(stakes.iter().map(|st| mul_div(u128::from(*st), ONE, total).unwrap_or(0)));
    // Validators with the same row vote alike, and a column's median depends only on
    // how much stake stands at or above each weight: so each distinct row enters once,
    // with its validators' stakes summed (most validators share one of a few policy
    // rows). Past a few distinct rows, telling them apart would cost more than it saves.
    sc.voters.clear();
    for &v in &sc.active {
        let r = row_of[v].unwrap_or(0);
        if let Some(g) = sc.voters.iter_mut().find(|(x, _)| *x == r) {
            g.1 += u128::from(stakes[v]);
        } else if sc.voters.len() < DISTINCT_ROWS {
            sc.voters.push((r, u128::from(stakes[v])));
        } else {
            sc.voters.clear();
            sc.voters.extend(sc.active.iter().map(|v| (row_of[*v].unwrap_or(0), u128::from(stakes[*v]))));
            break;
        }
    }
    // One row holds all the active stake (every validator of one policy, the common
    // case): each column's walk would stop at its only entry, so the consensus is that
    // row where its stake reaches kappa, else nothing.
    if let [(r, st)] = sc.voters[..] {
        if st * 1_000_000_000 >= need {
            if let Some(row) = rows.get(r).and_then(|row| row.get(..m)) {
                out.consensus.copy_from_slice(row);
            }
        }
    }
    for j in (0..m).filter(|_| sc.voters.len() != 1) {
        sc.col.clear();
        sc.col.extend(sc.voters.iter().map(|(r, st)| (rows.get(*r).map_or(0, |r| r[j]), *st)));
        sc.col.sort_by_key(|x| std::cmp::Reverse(x.0));
        let mut acc: u128 = 0;
        let mut c = 0;
        for (x, st) in &sc.col {
            acc += *st;
            if acc * 1_000_000_000 >= need {
                c = *x;
                break;
            }
        }
        out.consensus[j] = c;
    }
    for &v in &sc.active {
        let mut kept: u128 = 0;
        for ((w, c), inc) in row(v).iter().zip(&out.consensus).zip(out.incentive.iter_mut()) {
            let clipped = (*w).min(*c);
            kept += clipped;
            *inc += mul64(sc.s[v], clipped);
        }
        out.dividends[v] = mul64(sc.s[v], kept.min(ONE));
    }
}

/// Splits `pot` by `shares` (floor); returns the payments and the dust.
fn split(pot: u64, shares: &[u128]) -> (Vec<u64>, u64) {
    let mut paid = Vec::new();
    let dust = split_into(pot, shares, &mut paid);
    (paid, dust)
}

/// [`split`] into `paid` (cleared first); returns the dust.
fn split_into(pot: u64, shares: &[u128], paid: &mut Vec<u64>) -> u64 {
    let total: u128 = shares.iter().sum();
    paid.clear();
    if total == 0 || pot == 0 {
        paid.resize(shares.len(), 0);
        return pot;
    }
    paid.extend(shares.iter().map(|x| u64::try_from(mul_div(u128::from(pot), *x, total).unwrap_or(0)).unwrap_or(0)));
    pot - paid.iter().sum::<u64>()
}

/// `x += y` on a balance, checked (rules.md §1): an overflow is an error, never a wrap.
fn inc(x: &mut u64, y: u64) -> Result<(), EngineError> {
    *x = x.checked_add(y).ok_or(EngineError::Overflow("epoch"))?;
    Ok(())
}

/// `x -= y` on a balance, checked.
fn dec(x: &mut u64, y: u64) -> Result<(), EngineError> {
    *x = x.checked_sub(y).ok_or(EngineError::Overflow("epoch"))?;
    Ok(())
}

fn recycle_alpha(w: &mut World, n: usize, x: u64) -> Result<(), EngineError> {
    if let Some(s) = w.subnets[n].as_mut() {
        dec(&mut s.alpha_out, x)?;
        inc(&mut s.alpha_recycled, x)?;
    }
    Ok(())
}

/// An epoch's working vectors (see [`World`]'s `epoch_scratch`).
#[derive(Clone, Debug, Default)]
pub(crate) struct Scratch {
    miners: Vec<(Miner, u64, u64, u64)>,
    vals: Vec<(AccountId, u64)>,
    stakes: Vec<u64>,
    /// Weight rows, each once; `rows[..used]` are this epoch's.
    rows: Vec<Vec<u128>>,
    /// Rows of the policies that give every validator the same one (`None`: abstain).
    shared: Vec<(Policy, Option<usize>)>,
    /// Each validator's row.
    row_of: Vec<Option<usize>>,
    yuma: YumaScratch,
    out: Yuma,
    miner_pay: Vec<u64>,
    val_pay: Vec<u64>,
    root_pay: Vec<u64>,
    alpha_parts: Vec<u128>,
    root_parts: Vec<u128>,
}

/// Runs subnet `n`'s epoch.
pub(super) fn epoch(w: &mut World, n: usize) -> Result<(), EngineError> {
    let mut sc = w.epoch_scratch.take().unwrap_or_default();
    let done = epoch_with(w, n, &mut sc);
    w.epoch_scratch = Some(sc);
    done
}

fn epoch_with(w: &mut World, n: usize, sc: &mut Scratch) -> Result<(), EngineError> {
    let netuid = Netuid::try_from(n).map_err(|_| EngineError::Overflow("netuid"))?;
    let b = w.block;
    let of = || EngineError::Overflow("epoch");
    // Flow mode: root alpha is sold for root dividends while sum m > 1, else recycled.
    // Root alpha still pending after a map event switched to another mode (which sells it
    // every block) is sold here as those modes would, so the buckets end at zero (§7).
    let flow = w.params.emission_mode == EmissionMode::Flow;
    if flow || w.subnets[n].as_ref().is_some_and(|s| s.pending_root_alpha > 0) {
        let sum_m: u128 = w.subnets().filter(|s| s.is_emitting(b)).map(|s| s.moving_price.to_bits()).sum();
        let min_liq = w.params.min_pool_liquidity.0;
        let s = w.subnets[n].as_mut().ok_or_else(of)?;
        let ra = std::mem::take(&mut s.pending_root_alpha);
        let out = if !flow || sum_m > ONE { feeless_out(s.alpha_in, s.tao, ra) } else { 0 };
        dec(&mut s.alpha_out, ra)?;
        if out > 0 && s.tao - out >= min_liq {
            inc(&mut s.alpha_in, ra)?;
            s.tao -= out;
            inc(&mut s.pending_root_tao, out)?;
        } else {
            inc(&mut s.alpha_recycled, ra)?;
        }
    }
    let s = w.subnets[n].as_ref().ok_or_else(of)?;
    let mechanism = s.mechanism;
    let (p_owner, mut p_miner, mut p_val, p_root) =
        (s.pending_owner, s.pending_miner, s.pending_validator, s.pending_root_tao);
    miners_into(w, n, &mut sc.miners);
    validators_into(w, netuid, &mut sc.vals);
    sc.stakes.clear();
    sc.stakes.extend(sc.vals.iter().map(|v| v.1));
    // Rows that do not depend on the validator are computed once per policy (most
    // validators share one).
    sc.shared.clear();
    sc.row_of.clear();
    let mut used = 0;
    for (id, _) in &sc.vals {
        let policy = w.accounts[id.index()].policy[n];
        let shared = !row_is_personal(policy);
        if let Some((_, row)) = sc.shared.iter().find(|(p, _)| shared && *p == policy) {
            sc.row_of.push(*row);
            continue;
        }
        if sc.rows.len() == used {
            sc.rows.push(Vec::new());
        }
        let row = policy_weights_into(policy, mechanism, *id, &sc.miners, &mut sc.rows[used]).then_some(used);
        used += usize::from(row.is_some());
        if shared {
            sc.shared.push((policy, row));
        }
        sc.row_of.push(row);
    }
    yuma_into(&sc.stakes, &sc.rows[..used], &sc.row_of, sc.miners.len(), w.params.kappa.0, &mut sc.yuma, &mut sc.out);
    let incentive_total: u128 = sc.out.incentive.iter().sum();
    sc.miner_pay.clear();
    sc.miner_pay.resize(sc.miners.len(), 0);
    if incentive_total == 0 {
        // No incentive at all: the miners' alpha goes to the validators, by stake.
        p_val = p_val.checked_add(p_miner).ok_or_else(of)?;
        p_miner = 0;
        sc.out.dividends.clear();
        sc.out.dividends.extend(sc.stakes.iter().map(|x| u128::from(*x)));
    } else {
        let dust = split_into(p_miner, &sc.out.incentive, &mut sc.miner_pay);
        recycle_alpha(w, n, dust)?;
    }
    // Each dividend splits into an alpha part and a root part by rho = tau root / S.
    let dividends = &sc.out.dividends;
    sc.alpha_parts.clear();
    sc.root_parts.clear();
    for (k, (id, st)) in sc.vals.iter().enumerate() {
        let held = w.accounts[id.index()].alpha[n];
        let ap = mul_div(dividends[k], u128::from(held), u128::from(*st).max(1)).unwrap_or(0).min(dividends[k]);
        sc.alpha_parts.push(ap);
        sc.root_parts.push(dividends[k] - ap);
    }
    if sc.alpha_parts.iter().all(|x| *x == 0) {
        sc.alpha_parts.clone_from(dividends);
    }
    let val_dust = split_into(p_val, &sc.alpha_parts, &mut sc.val_pay);
    let root_dust = split_into(p_root, &sc.root_parts, &mut sc.root_pay);
    // Apply.
    let _ = p_miner;
    for (k, (m, ..)) in sc.miners.iter().enumerate() {
        let x = sc.miner_pay[k];
        if x == 0 {
            continue;
        }
        match m {
            Miner::Npc(j) => {
                let chunks = w.params.miner_sell_chunks.max(1);
                if let Some(s) = w.subnets[n].as_mut() {
                    let mm = &mut s.miners[*j];
                    inc(&mut mm.alpha, x)?;
                    inc(&mut mm.to_sell, mm.sell_fraction.apply(x))?;
                    mm.chunks_left = chunks;
                }
            }
            Miner::Account(id) => inc(&mut w.accounts[id.index()].alpha[n], x)?,
        }
    }
    for (k, (id, _)) in sc.vals.iter().enumerate() {
        let a = &mut w.accounts[id.index()];
        inc(&mut a.alpha[n], sc.val_pay[k])?;
        inc(&mut a.root.0, sc.root_pay[k])?;
    }
    let root_paid: u64 = sc.root_pay.iter().sum();
    w.total_root = w.total_root.checked_add(root_paid).ok_or_else(of)?;
    if root_paid > 0 {
        w.root_vote = None;
    }
    recycle_alpha(w, n, val_dust)?;
    w.recycle_tao(root_dust);
    // The owner's cut, valued at the spot price for a possible lock refund.
    let s = w.subnets[n].as_mut().ok_or_else(of)?;
    let owner = s.owner;
    let value =
        u64::try_from(mul_div(u128::from(p_owner), u128::from(s.tao), u128::from(s.alpha_in.max(1))).unwrap_or(0))
            .unwrap_or(u64::MAX);
    s.owner_emission_value = s.owner_emission_value.saturating_add(value);
    s.pending_owner = 0;
    s.pending_miner = 0;
    s.pending_validator = 0;
    s.pending_root_tao = 0;
    s.last_epoch = Some(b);
    let revenue = s.revenue;
    for m in &mut s.miners {
        m.sold_window = 0;
    }
    inc(&mut w.accounts[owner.index()].alpha[n], p_owner)?;
    for a in &mut w.accounts {
        a.sold_window[n] = 0;
    }
    if let (Some(r), Mechanism::Revenue) = (revenue, mechanism) {
        buyback(w, n, r)?;
    }
    Ok(())
}

/// A revenue subnet's outside income buys back alpha (no fee) and recycles it or pays it
/// to holders pro rata.
fn buyback(w: &mut World, n: usize, r: super::init::RevenueInit) -> Result<(), EngineError> {
    let of = || EngineError::Overflow("revenue");
    let window = w.params.tempo + 1;
    let tao = u64::try_from(
        mul_div(u128::from(r.tao_per_day.0), u128::from(window), u128::from(super::params::BLOCKS_PER_DAY))
            .unwrap_or(0),
    )
    .unwrap_or(0);
    let min_liq = w.params.min_pool_liquidity.0;
    let s = w.subnets[n].as_mut().ok_or_else(of)?;
    let bought = feeless_out(s.tao, s.alpha_in, tao);
    if tao == 0 || bought == 0 || s.alpha_in - bought < min_liq {
        return Ok(());
    }
    s.tao = s.tao.checked_add(tao).ok_or_else(of)?;
    dec(&mut s.alpha_in, bought)?;
    s.flow = s.flow.checked_add(i128::from(tao)).ok_or_else(of)?;
    w.ledger.external_inflow = w.ledger.external_inflow.checked_add(tao).ok_or_else(of)?;
    let netuid = Netuid::try_from(n).map_err(|_| of())?;
    w.events.push(Event::BoughtBack { block: w.block, netuid, tao, alpha: bought, to_holders: r.to_holders });
    if !r.to_holders {
        let s = w.subnets[n].as_mut().ok_or_else(of)?;
        inc(&mut s.alpha_burned, bought)?;
        return Ok(());
    }
    let holders: Vec<(usize, u128)> = w
        .accounts
        .iter()
        .enumerate()
        .filter(|(_, a)| a.alpha[n] > 0)
        .map(|(i, a)| (i, u128::from(a.alpha[n])))
        .collect();
    let shares: Vec<u128> = holders.iter().map(|h| h.1).collect();
    let (paid, dust) = split(bought, &shares);
    for (h, x) in holders.iter().zip(paid) {
        inc(&mut w.accounts[h.0].alpha[n], x)?;
    }
    let s = w.subnets[n].as_mut().ok_or_else(of)?;
    inc(&mut s.alpha_out, bought - dust)?;
    inc(&mut s.alpha_burned, dust)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::math::U64F64;

    fn f(x: f64) -> u128 {
        U64F64::from_num(x).to_bits()
    }

    /// The consensus as the rules state it: every validator's weight for the column,
    /// sorted, walked until the stake at or above reaches kappa.
    fn consensus_reference(stakes: &[u64], weights: &[Option<Vec<u128>>], m: usize, kappa_ppb: u64) -> Vec<u128> {
        let active: Vec<usize> = (0..stakes.len()).filter(|v| weights[*v].is_some()).collect();
        let need = u128::from(kappa_ppb) * active.iter().map(|v| u128::from(stakes[*v])).sum::<u128>();
        (0..m)
            .map(|j| {
                let mut col: Vec<(u128, u64)> =
                    active.iter().map(|v| (weights[*v].as_ref().map_or(0, |r| r[j]), stakes[*v])).collect();
                col.sort_by_key(|x| std::cmp::Reverse(x.0));
                let mut acc = 0u128;
                col.iter()
                    .find(|(_, st)| {
                        acc += u128::from(*st);
                        acc * 1_000_000_000 >= need
                    })
                    .map_or(0, |(x, _)| *x)
            })
            .collect()
    }

    #[test]
    fn merging_identical_rows_keeps_the_consensus() {
        let mut r: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |k: u64| {
            r ^= r << 13;
            r ^= r >> 7;
            r ^= r << 17;
            r % k
        };
        for case in 0..400 {
            let (v, m) = (1 + next(40) as usize, 1 + next(12) as usize);
            // A few distinct rows (or, in some cases, many), abstainers, and ties.
            let distinct = if case % 5 == 0 { 1 + next(30) } else { 1 + next(4) };
            let rows: Vec<Vec<u128>> =
                (0..distinct).map(|_| (0..m).map(|_| f(next(5) as f64 / 4.0)).collect()).collect();
            let weights: Vec<Option<Vec<u128>>> =
                (0..v).map(|_| (next(6) > 0).then(|| rows[next(distinct) as usize].clone())).collect();
            let stakes: Vec<u64> = (0..v).map(|_| next(1_000) * 1_000_000_000).collect();
            for kappa in [1, 500_000_000, 1_000_000_000] {
                let y = yuma(&stakes, &weights, m, kappa);
                let total: u64 = (0..v).filter(|i| weights[*i].is_some()).map(|i| stakes[i]).sum();
                let want = if total == 0 { vec![0; m] } else { consensus_reference(&stakes, &weights, m, kappa) };
                assert_eq!(y.consensus, want, "case {case}, kappa {kappa}");
            }
        }
    }

    #[test]
    fn weighted_median_with_ties() {
        // Three validators with stakes 40/30/30 and weights 0.2, 0.5, 0.5 on one miner:
        // stake with w >= 0.5 is 60% >= 50%, so c = 0.5.
        let w = vec![Some(vec![f(0.2)]), Some(vec![f(0.5)]), Some(vec![f(0.5)])];
        let y = yuma(&[40, 30, 30], &w, 1, 500_000_000);
        assert_eq!(y.consensus, vec![f(0.5)]);
        // Stakes 60/20/20: w >= 0.5 holds 40% only, so c falls to 0.2.
        let y = yuma(&[60, 20, 20], &w, 1, 500_000_000);
        assert_eq!(y.consensus, vec![f(0.2)]);
        // An exact tie at kappa counts: 50/50.
        let w2 = vec![Some(vec![f(1.0)]), Some(vec![f(0.0)])];
        assert_eq!(yuma(&[50, 50], &w2, 1, 500_000_000).consensus, vec![f(1.0)]);
    }

    #[test]
    fn majority_decides_incentive() {
        // Validator 0 (60%) weights miner 0; validator 1 (40%) weights miner 1.
        let w = vec![Some(vec![f(1.0), 0]), Some(vec![0, f(1.0)])];
        let y = yuma(&[60, 40], &w, 2, 500_000_000);
        assert_eq!(y.consensus, vec![f(1.0), 0]);
        assert_eq!(y.incentive[1], 0);
        assert!(y.incentive[0] > 0);
        // The minority validator is clipped to nothing: no dividends.
        assert_eq!(y.dividends[1], 0);
        assert_eq!(y.dividends[0], mul_div(60, ONE, 100).unwrap());
    }

    #[test]
    fn abstainers_do_not_count() {
        let w = vec![None, Some(vec![f(1.0)])];
        let y = yuma(&[90, 10], &w, 1, 500_000_000);
        assert_eq!(y.consensus, vec![f(1.0)]);
        assert_eq!(y.dividends, vec![0, f(1.0)]);
        assert_eq!(yuma(&[1], &[None], 1, 500_000_000).incentive, vec![0]);
    }

    #[test]
    fn policies_give_their_vectors() {
        let me = AccountId(7);
        let m = vec![(Miner::Npc(0), 3, 10, 0), (Miner::Account(me), 0, 30, 5)];
        assert_eq!(policy_weights(Policy::Honest, Mechanism::Utility, me, &m), Some(vec![f(1.0), 0]));
        assert_eq!(policy_weights(Policy::Honest, Mechanism::Holder, me, &m), Some(vec![f(0.25), f(0.75)]));
        assert_eq!(policy_weights(Policy::RewardHolders, Mechanism::Utility, me, &m), Some(vec![f(0.25), f(0.75)]));
        assert_eq!(policy_weights(Policy::RewardSellers, Mechanism::Holder, me, &m), Some(vec![0, f(1.0)]));
        assert_eq!(policy_weights(Policy::Uniform, Mechanism::Holder, me, &m), Some(vec![f(0.5), f(0.5)]));
        assert_eq!(policy_weights(Policy::SelfOnly, Mechanism::Holder, me, &m), Some(vec![0, f(1.0)]));
        assert_eq!(policy_weights(Policy::SelfOnly, Mechanism::Holder, AccountId(1), &m), None);
        assert_eq!(policy_weights(Policy::Honest, Mechanism::Revenue, me, &[(Miner::Account(me), 0, 5, 0)]), None);
    }
}

#[cfg(test)]
mod world_tests {
    use super::*;
    use crate::engine::AccountKind;
    use crate::engine::amount::Tao;
    use crate::engine::init::{RevenueInit, WorldInit};

    const TAO: u64 = 1_000_000_000;

    /// One subnet with no pending buckets and no root stake unless asked.
    fn world(mechanism: Mechanism, root: u64, npc_miners: bool) -> World {
        let mut init = WorldInit::synthetic(1, 1);
        init.genesis_root_stake = Tao(root);
        init.subnets[0].mechanism = mechanism;
        init.subnets[0].alpha_out = 300 * TAO;
        if !npc_miners {
            init.subnets[0].miners.clear();
        }
        World::new(&init).unwrap()
    }

    fn set_pending(w: &mut World, miner: u64, validator: u64, root_tao: u64) {
        let s = w.subnets[1].as_mut().unwrap();
        s.pending_miner = miner;
        s.pending_validator = validator;
        s.pending_root_tao = root_tao;
        s.alpha_out += miner + validator;
        s.alpha_issued += miner + validator;
        s.tao -= root_tao; // root TAO came out of the pool
    }

    #[test]
    fn utility_subnets_pay_npc_miners_by_quality() {
        let mut w = world(Mechanism::Utility, 0, true);
        set_pending(&mut w, 360 * TAO, 0, 0);
        epoch(&mut w, 1).unwrap();
        // Qualities 1..=8 sum to 36: miner q pays q * 10 alpha.
        // Weights are 64.64 fractions, so a payment may be a rao short; that dust is
        // recycled, never lost.
        let s = w.subnet(1).unwrap();
        for (q, m) in (1..=8).zip(&s.miners) {
            assert!((q * 10 * TAO - 1..=q * 10 * TAO).contains(&m.alpha), "q{q}: {}", m.alpha);
        }
        let paid: u64 = s.miners.iter().map(|m| m.alpha).sum();
        assert_eq!(paid + s.alpha_recycled, 360 * TAO);
        // Each will sell half over the next window.
        assert_eq!(w.subnet(1).unwrap().miners[7].to_sell, 40 * TAO);
        w.check_invariants().unwrap();
    }

    #[test]
    fn holder_subnets_pay_holders_by_holdings() {
        let mut w = world(Mechanism::Holder, 0, false);
        let bot = w.add_account("bot", AccountKind::Bot, Tao(0));
        w.accounts[bot.index()].alpha[1] = 100 * TAO;
        w.subnets[1].as_mut().unwrap().alpha_out += 100 * TAO;
        w.subnets[1].as_mut().unwrap().alpha_issued += 100 * TAO;
        set_pending(&mut w, 1000 * TAO, 0, 0);
        epoch(&mut w, 1).unwrap();
        // Holdings 300 (genesis) : 100 (bot); each gets its share of the miner alpha,
        // less at most a rao of truncation, which is recycled.
        let bot_gain = w.accounts[bot.index()].alpha[1] - 100 * TAO;
        let gen_gain = w.accounts[0].alpha[1] - 300 * TAO;
        assert!((250 * TAO - 1..=250 * TAO).contains(&bot_gain), "{bot_gain}");
        assert!((750 * TAO - 1..=750 * TAO).contains(&gen_gain), "{gen_gain}");
        w.check_invariants().unwrap();
    }

    #[test]
    fn reward_sellers_with_a_root_majority_pays_the_sellers() {
        let mut w = world(Mechanism::Holder, 5_000_000 * TAO, false);
        let seller = w.add_account("seller", AccountKind::Bot, Tao(0));
        let holder = w.add_account("holder", AccountKind::Bot, Tao(0));
        for id in [seller, holder] {
            w.accounts[id.index()].alpha[1] = 50 * TAO;
        }
        w.subnets[1].as_mut().unwrap().alpha_out += 100 * TAO;
        w.subnets[1].as_mut().unwrap().alpha_issued += 100 * TAO;
        w.accounts[seller.index()].sold_window[1] = 10 * TAO;
        // Genesis: 300 alpha + 0.18 * 5M root = 900,300 of ~900,400 stake weight.
        assert_eq!(w.controller(1), Some(AccountId::GENESIS));
        w.accounts[0].policy[1] = Policy::RewardSellers;
        set_pending(&mut w, 1000 * TAO, 0, 0);
        epoch(&mut w, 1).unwrap();
        assert!(w.accounts[seller.index()].alpha[1] >= 1050 * TAO - 1);
        assert_eq!(w.accounts[holder.index()].alpha[1], 50 * TAO);
        // The window resets after the epoch.
        assert_eq!(w.accounts[seller.index()].sold_window[1], 0);
        w.check_invariants().unwrap();
    }

    #[test]
    fn dividends_split_into_alpha_and_root_parts() {
        // Genesis holds 300 alpha and 1000 root (180 weight): rho = 180/480.
        let mut w = world(Mechanism::Utility, 1000 * TAO, true);
        set_pending(&mut w, 0, 480 * TAO, 48 * TAO);
        let root0 = w.accounts[0].root;
        epoch(&mut w, 1).unwrap();
        // The only validator takes the whole alpha bucket and the whole root bucket.
        assert!(w.accounts[0].alpha[1] >= 780 * TAO - 1);
        assert_eq!(w.accounts[0].root.0, root0.0 + 48 * TAO);
        assert_eq!(w.total_root, root0.0 + 48 * TAO);
        w.check_invariants().unwrap();
    }

    #[test]
    fn an_epoch_is_the_same_whatever_an_earlier_one_left_in_its_working_vectors() {
        // Holders with three policies (one personal), NPC miners, and every bucket full.
        let build = || {
            let mut w = world(Mechanism::Holder, 1_000 * TAO, true);
            for (k, policy) in [Policy::SelfOnly, Policy::RewardSellers, Policy::Uniform].into_iter().enumerate() {
                let id = w.add_account(&format!("v{k}"), AccountKind::Bot, Tao(0));
                let a = &mut w.accounts[id.index()];
                a.alpha[1] = (k as u64 + 1) * 40 * TAO;
                a.sold_window[1] = k as u64 * TAO;
                a.policy[1] = policy;
                w.subnets[1].as_mut().unwrap().alpha_out += (k as u64 + 1) * 40 * TAO;
                w.subnets[1].as_mut().unwrap().alpha_issued += (k as u64 + 1) * 40 * TAO;
            }
            set_pending(&mut w, 500 * TAO, 400 * TAO, 30 * TAO);
            w
        };
        let mut fresh = build();
        epoch(&mut fresh, 1).unwrap();
        // Vectors longer than this epoch needs, full of other values, as a bigger epoch
        // on another subnet would leave them.
        let junk = Scratch {
            miners: vec![(Miner::Npc(5), 9, 9, 9); 40],
            vals: vec![(AccountId(3), 7); 30],
            stakes: vec![5; 30],
            rows: vec![vec![ONE; 40]; 12],
            shared: vec![(Policy::Uniform, Some(11)), (Policy::RewardSellers, None)],
            row_of: vec![Some(7); 30],
            yuma: YumaScratch { active: vec![9; 30], s: vec![ONE; 30], voters: vec![(3, 1); 9], col: vec![(1, 1); 30] },
            out: Yuma { consensus: vec![ONE; 40], incentive: vec![ONE; 40], dividends: vec![ONE; 30] },
            miner_pay: vec![1; 40],
            val_pay: vec![1; 30],
            root_pay: vec![1; 30],
            alpha_parts: vec![1; 30],
            root_parts: vec![1; 30],
        };
        let mut reused = build();
        reused.epoch_scratch = Some(Box::new(junk));
        epoch(&mut reused, 1).unwrap();
        assert_eq!(reused.state_hash(), fresh.state_hash());
        assert!(fresh.accounts.iter().any(|a| a.name == "v2" && a.alpha[1] > 120 * TAO), "the epoch paid nobody");
        reused.check_invariants().unwrap();
    }

    #[test]
    fn no_miners_sends_miner_alpha_to_validators() {
        let mut w = world(Mechanism::Utility, 0, false);
        set_pending(&mut w, 100 * TAO, 0, 0);
        epoch(&mut w, 1).unwrap();
        assert_eq!(w.accounts[0].alpha[1], 400 * TAO);
        w.check_invariants().unwrap();
    }

    #[test]
    fn revenue_buys_back_and_burns_or_pays_holders() {
        for to_holders in [false, true] {
            let mut w = world(Mechanism::Revenue, 0, true);
            w.subnets[1].as_mut().unwrap().revenue = Some(RevenueInit { tao_per_day: Tao(7200 * TAO), to_holders });
            let (t0, a0) = (w.subnet(1).unwrap().tao, w.subnet(1).unwrap().alpha_in);
            epoch(&mut w, 1).unwrap();
            let s = w.subnet(1).unwrap();
            // 7200 TAO/day = 1 TAO a block; a window is 361 blocks.
            assert_eq!(s.tao, t0 + 361 * TAO);
            assert_eq!(w.ledger.external_inflow, 361 * TAO);
            let bought = a0 - s.alpha_in;
            assert_eq!(bought, pool::feeless_out(t0, a0, 361 * TAO));
            // Told, for the game's trades and log.
            let told = Event::BoughtBack { block: w.block, netuid: 1, tao: 361 * TAO, alpha: bought, to_holders };
            assert!(w.events().contains(&told), "{:?}", w.events());
            if to_holders {
                assert!(w.accounts[0].alpha[1] >= 300 * TAO + bought - 1);
            } else {
                assert_eq!(s.alpha_burned, bought);
            }
            w.check_invariants().unwrap();
        }
    }

    #[test]
    fn npc_miners_sell_over_the_window_and_count_as_sellers() {
        let mut w = world(Mechanism::Utility, 0, true);
        set_pending(&mut w, 360 * TAO, 0, 0);
        epoch(&mut w, 1).unwrap();
        let before = w.subnet(1).unwrap().tao;
        for _ in 0..361 {
            run_due(&mut w).unwrap();
            w.block += 1;
        }
        let s = w.subnet(1).unwrap();
        assert!(s.tao < before, "miners' sales take TAO out of the pool");
        assert!(s.miners.iter().all(|m| m.tao > 0));
        w.check_invariants().unwrap();
    }

    #[test]
    fn only_personal_policies_give_validators_different_rows() {
        // Two account miners and an NPC: a policy that read `me` would tell 7 from 8.
        let m = vec![
            (Miner::Npc(0), 3, 10, 2),
            (Miner::Account(AccountId(7)), 0, 30, 5),
            (Miner::Account(AccountId(8)), 0, 20, 1),
        ];
        for &policy in Policy::ALL {
            for mechanism in [Mechanism::Utility, Mechanism::Holder, Mechanism::Revenue] {
                let same = policy_weights(policy, mechanism, AccountId(7), &m)
                    == policy_weights(policy, mechanism, AccountId(8), &m);
                assert_eq!(same, !row_is_personal(policy), "{policy:?} under {mechanism:?}");
            }
        }
    }
}
