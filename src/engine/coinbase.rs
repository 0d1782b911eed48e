//! The coinbase and the moving prices (rules.md §4 steps 2-3 and §5): the hot loop.
//!
//! Per emitting subnet and block: the TAO share, the capped alpha injection, `a_i` into
//! the pending buckets with the root proportion, the root sale (price mode), and the
//! moving price. All in `u128` integer rationals or 64.64 fixed point; every step
//! truncates toward zero, and what a truncation leaves in a bucket stays accounted.

use super::EngineError;
use super::emission::emission;
use super::math::I64F64;
use super::params::EmissionMode;
use super::pool::feeless_out;
use super::world::{Subnet, World};

const ONE_BITS: u128 = 1u128 << 64;
const PPB: u128 = 1_000_000_000;

/// Per-block constants shared by every subnet.
struct Block {
    b: u64,
    tau_r: u128,
    owner_cut: super::amount::Ppb,
    min_liquidity: u64,
    moving_alpha_bits: u128,
    ema_halving: u128,
    mode: EmissionMode,
}

pub(super) fn run(w: &mut World) -> Result<(), EngineError> {
    let b = w.block;
    let e = emission(w.total_issuance);
    let p = &w.params;
    let blk = Block {
        b,
        tau_r: u128::from(p.tao_weight.0) * u128::from(w.total_root),
        owner_cut: p.owner_cut,
        min_liquidity: p.min_pool_liquidity.0,
        moving_alpha_bits: (u128::from(p.moving_alpha.0) << 64) / PPB,
        ema_halving: u128::from(p.ema_halving_blocks),
        mode: p.emission_mode,
    };
    // Shares are computed from the moving prices (or flows, or votes) before this
    // block's updates: one pass for the totals, one for the injections.
    let mut n_emit: u64 = 0;
    let mut sum: u128 = 0;
    let mut starts = false;
    match blk.mode {
        EmissionMode::Price | EmissionMode::RootVote => {
            for s in w.subnets.iter().flatten() {
                if s.is_emitting(b) {
                    n_emit += 1;
                    sum += s.moving_price.to_bits();
                    starts |= i128::from(s.first_emission) == i128::from(b);
                }
            }
        }
        EmissionMode::Flow => {
            let af = I64F64::from_bits(((i128::from(p.flow_alpha.0)) << 64) / 1_000_000_000);
            for s in w.subnets.iter_mut().flatten() {
                if s.is_emitting(b) {
                    n_emit += 1;
                    let f = I64F64::saturating_from_num(s.flow);
                    s.flow_ema = s.flow_ema.saturating_sub(s.flow_ema.saturating_mul(af)).saturating_add(af.saturating_mul(f));
                    sum += u128::try_from(s.flow_ema.to_bits().max(0)).unwrap_or(0);
                }
                s.flow = 0;
            }
        }
    }
    if n_emit == 0 {
        return Ok(());
    }
    if starts {
        w.root_vote = None;
    }
    let votes = if blk.mode == EmissionMode::RootVote {
        if w.root_vote.is_none() {
            w.root_vote = Some(root_vote_numerators(w));
        }
        w.root_vote.clone()
    } else {
        None
    };
    // Flow sums can exceed what `e * S` fits: scale both down alike.
    let sh = (128 - sum.leading_zeros()).saturating_sub(90);
    let mut minted: u64 = 0;
    let mut beta_cache: (i64, u128) = (i64::MIN, 0);
    let of = || EngineError::Overflow("coinbase");
    for s in w.subnets.iter_mut().flatten() {
        if !s.is_emitting(b) {
            continue;
        }
        let e_i: u64 = match (&votes, blk.mode) {
            (Some(v), _) => {
                let den = v[0];
                if den == 0 { e / n_emit } else { narrow(u128::from(e) * v[usize::from(s.netuid)] / den) }
            }
            (None, EmissionMode::Flow) => {
                let si = u128::try_from(s.flow_ema.to_bits().max(0)).unwrap_or(0);
                if sum == 0 { e / n_emit } else { narrow(u128::from(e) * (si >> sh) / (sum >> sh).max(1)) }
            }
            _ => {
                if sum == 0 { e / n_emit } else { narrow(u128::from(e) * s.moving_price.to_bits() / sum) }
            }
        };
        s.last_emission = e_i;
        s.last_block_emission = e;
        minted = minted.checked_add(inject(s, &blk, e, e_i).ok_or_else(of)?).ok_or_else(of)?;
        update_moving_price(s, &blk, &mut beta_cache);
    }
    w.total_issuance = w.total_issuance.checked_add(minted).ok_or_else(of)?;
    w.ledger.minted = w.ledger.minted.checked_add(minted).ok_or_else(of)?;
    Ok(())
}

#[inline]
fn narrow(x: u128) -> u64 {
    u64::try_from(x).unwrap_or(u64::MAX)
}

/// Injects `e_i` TAO and the subnet's alpha into its pool and buckets; returns the TAO
/// minted.
#[inline]
fn inject(s: &mut Subnet, blk: &Block, e: u64, e_i: u64) -> Option<u64> {
    let a_i = emission(s.alpha_in.checked_add(s.alpha_out)?);
    let flow = blk.mode == EmissionMode::Flow;
    let cap = if flow { a_i.min(e) } else { a_i };
    let (t, a) = (s.tao, s.alpha_in);
    // alpha_in = tao_in / p = tao_in * A / T
    let (alpha_in, tao_in, excess) = if a == 0 || t == 0 {
        (cap, e_i, 0)
    } else {
        let raw = u128::from(e_i) * u128::from(a) / u128::from(t);
        if raw > u128::from(cap) {
            if flow {
                let tao_in = narrow(u128::from(cap) * u128::from(t) / u128::from(a)).min(e_i);
                (cap, tao_in, e_i - tao_in)
            } else {
                (cap, e_i, 0)
            }
        } else {
            (narrow(raw), e_i, 0)
        }
    };
    s.tao = s.tao.checked_add(tao_in)?;
    s.alpha_in = s.alpha_in.checked_add(alpha_in)?;
    let mut minted = tao_in;
    if excess > 0 {
        // The excess TAO buys alpha from the pool (no fee); that alpha is recycled.
        let bought = feeless_out(s.tao, s.alpha_in, excess);
        if bought > 0 && s.alpha_in - bought >= blk.min_liquidity {
            s.tao = s.tao.checked_add(excess)?;
            s.alpha_in -= bought;
            s.alpha_recycled = s.alpha_recycled.checked_add(bought)?;
            minted = minted.checked_add(excess)?;
        }
    }
    s.alpha_out = s.alpha_out.checked_add(a_i)?;
    s.alpha_issued = s.alpha_issued.checked_add(alpha_in)?.checked_add(a_i)?;
    // 18 / 41 / 41, with the root proportion taken from the validators' half.
    let owner = blk.owner_cut.apply(a_i);
    let r = a_i - owner;
    let half = r / 2;
    let root_alpha = if blk.tau_r == 0 {
        0
    } else {
        let ai = u128::from(s.alpha_in) + u128::from(s.alpha_out);
        narrow(u128::from(half) * blk.tau_r / (blk.tau_r + ai * PPB))
    };
    s.pending_owner = s.pending_owner.checked_add(owner)?;
    s.pending_miner = s.pending_miner.checked_add(half)?;
    s.pending_validator = s.pending_validator.checked_add(r - half - root_alpha)?;
    if root_alpha > 0 {
        if flow {
            s.pending_root_alpha = s.pending_root_alpha.checked_add(root_alpha)?;
        } else {
            let out = feeless_out(s.alpha_in, s.tao, root_alpha);
            s.alpha_out -= root_alpha;
            if out > 0 && s.tao - out >= blk.min_liquidity {
                s.alpha_in = s.alpha_in.checked_add(root_alpha)?;
                s.tao -= out;
                s.pending_root_tao = s.pending_root_tao.checked_add(out)?;
            } else {
                s.alpha_recycled = s.alpha_recycled.checked_add(root_alpha)?;
            }
        }
    }
    Some(minted)
}

/// `m <- beta * min(p, 1) + (1 - beta) * m` with `beta = moving_alpha * n / (n + H)`.
/// The product is truncated, so `m` moves toward the price by at most the exact step.
#[inline]
fn update_moving_price(s: &mut Subnet, blk: &Block, cache: &mut (i64, u128)) {
    if cache.0 != s.first_emission {
        let n = (i128::from(blk.b) - i128::from(s.first_emission) + 1).clamp(1, 1 << 40);
        let n = u128::try_from(n).unwrap_or(1);
        *cache = (s.first_emission, blk.moving_alpha_bits * n / (n + blk.ema_halving));
    }
    let beta = cache.1;
    let pc = if s.tao >= s.alpha_in { ONE_BITS } else { (u128::from(s.tao) << 64) / u128::from(s.alpha_in) };
    let m = s.moving_price.to_bits();
    let new = if pc >= m {
        beta.checked_mul(pc - m).map_or(pc, |d| m + (d >> 64))
    } else {
        beta.checked_mul(m - pc).map_or(pc, |d| m - (d >> 64))
    };
    s.moving_price = super::math::U64F64::from_bits(new);
}

/// Root-vote numerators: index 0 holds the denominator, index `netuid` the subnet's
/// `sum_v R_v w_vi` (weights normalised to 2^32 over emitting subnets).
fn root_vote_numerators(w: &World) -> Vec<u128> {
    let b = w.block;
    let emitting: Vec<u16> = w.subnets().filter(|s| s.is_emitting(b)).map(|s| s.netuid).collect();
    let mut voters: Vec<&super::world::Account> = w.accounts.iter().filter(|a| a.root.0 > 0).collect();
    voters.sort_by(|x, y| y.root.cmp(&x.root).then(x.id.cmp(&y.id)));
    voters.truncate(usize::from(w.params.max_root_voters));
    let mut v = vec![0u128; w.subnets.len()];
    for a in voters {
        let mut ws: Vec<(u16, u64)> =
            a.root_weights.iter().filter(|(n, _)| emitting.contains(n)).map(|(n, x)| (*n, u64::from(*x))).collect();
        if ws.iter().all(|(_, x)| *x == 0) {
            ws = emitting.iter().map(|n| (*n, 1)).collect();
        }
        let total: u64 = ws.iter().map(|(_, x)| *x).sum();
        if total == 0 {
            continue;
        }
        let r = u128::from(a.root.0);
        for (n, x) in ws {
            v[usize::from(n)] += r * ((u128::from(x) << 32) / u128::from(total));
        }
        v[0] += r << 32;
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::amount::Tao;
    use crate::engine::init::WorldInit;
    use crate::engine::math::U64F64;

    const TAO: u64 = 1_000_000_000;

    /// One subnet with the given pool, outstanding alpha, moving price and root stake.
    fn world(pools: &[(u64, u64, f64)], root: u64) -> World {
        let mut init = WorldInit::synthetic(u16::try_from(pools.len()).unwrap(), 1);
        init.genesis_root_stake = Tao(root);
        for (s, (t, a, m)) in init.subnets.iter_mut().zip(pools) {
            s.tao = Tao(*t);
            s.alpha_in = *a;
            s.alpha_out = 0;
            s.moving_price = U64F64::from_num(*m);
            s.miners.clear();
        }
        World::new(&init).unwrap()
    }

    #[test]
    fn uncapped_injection_root_proportion_and_root_sale() {
        // p = 2: 1 TAO of emission buys 0.5 alpha < a_i = 1 alpha, so it is not capped.
        let mut w = world(&[(1000 * TAO, 500 * TAO, 0.5)], 1000 * TAO);
        let ti = w.total_issuance;
        run(&mut w).unwrap();
        let s = w.subnet(1).unwrap();
        // Hand-computed: alpha_in = 0.5; AI = 500.5 + 1 = 501.5 alpha; tau R = 180;
        // root_prop = 180 / 681.5; root_alpha = floor(0.41 alpha * 180 / 681.5).
        assert_eq!(s.pending_owner, 180_000_000);
        assert_eq!(s.pending_miner, 410_000_000);
        assert_eq!(s.pending_validator, 410_000_000 - 108_290_535);
        // The root alpha is sold through the pool at once, without a fee.
        assert_eq!(s.pending_root_tao, 216_534_219);
        assert_eq!(s.tao, 1_000_783_465_781);
        assert_eq!(s.alpha_in, 500_608_290_535);
        assert_eq!(s.alpha_out, TAO - 108_290_535);
        assert_eq!(w.total_issuance, ti + TAO);
        assert_eq!(s.last_emission, TAO);
        w.check_invariants().unwrap();
    }

    #[test]
    fn capped_injection_keeps_all_tao() {
        // p = 0.1: 1 TAO would buy 10 alpha; the injection is capped at a_i = 1 alpha and
        // all the TAO still enters the pool, so the price rises.
        let mut w = world(&[(100 * TAO, 1000 * TAO, 0.5)], 0);
        let p0 = w.subnet(1).unwrap().price();
        run(&mut w).unwrap();
        let s = w.subnet(1).unwrap();
        assert_eq!((s.tao, s.alpha_in), (101 * TAO, 1001 * TAO));
        assert!(s.price() > p0);
        // No root stake: no root alpha, the validators keep the whole half.
        assert_eq!((s.pending_root_tao, s.pending_validator), (0, 410_000_000));
    }

    #[test]
    fn shares_follow_moving_prices_and_are_equal_when_all_zero() {
        let mut w = world(&[(100 * TAO, 1000 * TAO, 0.75), (100 * TAO, 1000 * TAO, 0.25)], 0);
        run(&mut w).unwrap();
        assert_eq!(w.subnet(1).unwrap().last_emission, 750_000_000);
        assert_eq!(w.subnet(2).unwrap().last_emission, 250_000_000);
        let mut w = world(&[(100 * TAO, 1000 * TAO, 0.0), (100 * TAO, 1000 * TAO, 0.0)], 0);
        run(&mut w).unwrap();
        assert_eq!(w.subnet(2).unwrap().last_emission, 500_000_000);
    }

    #[test]
    fn subnets_before_first_emission_get_nothing() {
        let mut w = world(&[(100 * TAO, 1000 * TAO, 0.5), (100 * TAO, 1000 * TAO, 0.5)], 0);
        w.subnets[2].as_mut().unwrap().first_emission = 10;
        run(&mut w).unwrap();
        assert_eq!(w.subnet(1).unwrap().last_emission, TAO);
        let s2 = w.subnet(2).unwrap();
        assert_eq!((s2.tao, s2.alpha_out, s2.last_emission), (100 * TAO, 0, 0));
    }

    #[test]
    fn moving_price_ramp() {
        // n = 1: beta = moving_alpha / 201_601; from m = 0 toward min(p, 1) = 1 (p = 2).
        let mut w = world(&[(1000 * TAO, 500 * TAO, 0.0)], 0);
        w.subnets[1].as_mut().unwrap().first_emission = 0;
        run(&mut w).unwrap();
        // alpha_bits = floor(3000 * 2^64 / 1e9) = 55_340_232_221_128; / 201_601
        assert_eq!(w.subnet(1).unwrap().moving_price.to_bits(), 274_503_758);
        // n = 201_600: beta is exactly half of moving_alpha.
        let mut w = world(&[(1000 * TAO, 500 * TAO, 0.0)], 0);
        w.subnets[1].as_mut().unwrap().first_emission = 0;
        w.block = 201_599;
        run(&mut w).unwrap();
        assert_eq!(w.subnet(1).unwrap().moving_price.to_bits(), 55_340_232_221_128 / 2);
        // The input price is capped at 1: a price of 2 pulls no harder than 1.
        let mut w = world(&[(1000 * TAO, 500 * TAO, 1.0)], 0);
        run(&mut w).unwrap();
        assert_eq!(w.subnet(1).unwrap().moving_price, U64F64::ONE);
    }

    #[test]
    fn flow_mode_gives_outflow_subnets_nothing_and_buys_the_excess() {
        let mut w = world(&[(100 * TAO, 1000 * TAO, 0.5), (100 * TAO, 1000 * TAO, 0.5)], 0);
        w.params.emission_mode = EmissionMode::Flow;
        w.subnets[1].as_mut().unwrap().flow = i128::from(100 * TAO);
        w.subnets[2].as_mut().unwrap().flow = -i128::from(50 * TAO);
        run(&mut w).unwrap();
        let (s1, s2) = (w.subnet(1).unwrap(), w.subnet(2).unwrap());
        assert!(s1.flow_ema > I64F64::ZERO && s2.flow_ema < I64F64::ZERO);
        assert_eq!((s1.last_emission, s2.last_emission), (TAO, 0));
        // Cap min(a_i, E) = 1 alpha binds at p = 0.1: tao_in = 0.1 TAO, and the other
        // 0.9 TAO buys 8.919801980 alpha from the pool, which is recycled.
        assert_eq!((s1.tao, s1.alpha_in), (101 * TAO, 992_080_198_020));
        assert_eq!(s1.alpha_recycled, 8_919_801_980);
        assert_eq!(s2.tao, 100 * TAO);
        assert_eq!(s1.flow, 0);
        w.check_invariants().unwrap();
    }

    #[test]
    fn root_vote_mode_follows_root_weights() {
        let mut w = world(&[(100 * TAO, 1000 * TAO, 0.5), (100 * TAO, 1000 * TAO, 0.5)], 3000 * TAO);
        w.params.emission_mode = EmissionMode::RootVote;
        let v = w.add_account("voter", crate::engine::AccountKind::Bot, Tao(1000 * TAO));
        w.execute(v, &crate::engine::Order::StakeRoot { tao: Tao(1000 * TAO) }).unwrap();
        w.execute(v, &crate::engine::Order::SetRootWeights { weights: vec![(2, 1)] }).unwrap();
        run(&mut w).unwrap();
        // genesis (3000, equal weights) and voter (1000, all on SN2):
        // SN1 = 3000 * 0.5 / 4000 = 0.375, SN2 = 0.625.
        assert_eq!(w.subnet(1).unwrap().last_emission, 375_000_000);
        assert_eq!(w.subnet(2).unwrap().last_emission, 625_000_000);
    }

    #[test]
    fn root_sale_that_would_drain_the_pool_is_recycled() {
        // A pool at its minimum liquidity cannot pay root dividends: the alpha is recycled.
        // SN2 gets no TAO this block (m = 0), so its pool stays at the minimum.
        let mut w = world(&[(100 * TAO, 1000 * TAO, 1.0), (10_000_000, 10_000 * TAO, 0.0)], 1_000_000 * TAO);
        run(&mut w).unwrap();
        let s = w.subnet(2).unwrap();
        assert_eq!(s.tao, 10_000_000);
        assert_eq!(s.pending_root_tao, 0);
        assert!(s.alpha_recycled > 0);
        w.check_invariants().unwrap();
    }
}
