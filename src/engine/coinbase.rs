//! The coinbase and the moving prices (rules.md §4 steps 2-3 and §5): the hot loop.
//!
//! Per emitting subnet and block: the TAO share, the capped alpha injection, `a_i` into
//! the pending buckets with the root proportion, the root sale (price and root_vote
//! modes), and the moving price. Integer rationals in `u128` and 64.64 fixed point;
//! every step truncates toward zero, and what a truncation leaves stays accounted.
//!
//! This is the engine's hot path (a simulated year is 168 million subnet-blocks), so it
//! is one pass per block, specialised per emission mode at compile time, with products
//! written as widening 64x64 multiplies wherever the bounds below make that exact:
//! balances are `u64`; per-block emissions are at most 1e9 rao (< 2^30); 64.64 ratios
//! that are at most 1 are at most 2^64.

use super::EngineError;
use super::emission::emission;
use super::math::I64F64;
use super::params::EmissionMode;
use super::world::{Subnet, World};

const ONE_BITS: u128 = 1u128 << 64;
const PPB: u128 = 1_000_000_000;
const PRICE: u8 = 0;
const FLOW: u8 = 1;
const ROOT_VOTE: u8 = 2;

/// Per-block constants shared by every subnet.
struct Block {
    b: i64,
    /// TAO emission of this block, `E`.
    e: u64,
    /// Emitting subnets.
    n_emit: u64,
    /// `tau * R` in rao (truncated): the root side of `root_prop`.
    tau_r: u64,
    owner_cut: super::amount::Ppb,
    min_liquidity: u64,
    moving_alpha_bits: u128,
    ema_halving: u128,
    /// `H` as a `u64` (at most 2^40), and `(a, a H)` in 64-bit words when they fit.
    ema_halving_u64: u64,
    beta_ah: Option<(u64, u64)>,
    /// The share denominator: sum of moving prices (32 fractional bits), of positive
    /// flow EMAs (scaled by `flow_shift`), or of root votes.
    sum: u128,
    flow_shift: u32,
}

/// `(x * y) >> 64` for `x < 2^64` and `y <= 2^64` (a 64.64 value of at most 1): a
/// widening 64x64 multiply, plus `x` itself when `y` is exactly 1.
#[inline]
fn mul_hi(x: u64, y: u128) -> u128 {
    ((u128::from(x) * (y & u128::from(u64::MAX))) >> 64) + u128::from(x) * (y >> 64)
}

/// Exact `floor(n / d)` for many `n < 2^63` and one `d >= 1`: a reciprocal computed
/// once, then a multiply and one branch-free correction per quotient (division by an
/// invariant integer), so that the per-subnet loop does not occupy the divider.
struct Reciprocal {
    d: u64,
    inv: u64,
}

impl Reciprocal {
    /// `inv = min(floor(2^64 / d), 2^64 - 1)`. The estimate `floor(n inv / 2^64)` is then
    /// below `n / d` by less than `n / 2^64 < 1/2`, so it is `q` or `q - 1` (for `d = 1`
    /// too, where it is `n - 1` for `n >= 1`), and one correction makes it exact.
    fn new(d: u64) -> Self {
        debug_assert!(d >= 1);
        Self { d, inv: u64::try_from((1u128 << 64) / u128::from(d.max(1))).unwrap_or(u64::MAX) }
    }
    #[inline]
    #[allow(clippy::cast_possible_truncation)]
    fn div(&self, n: u64) -> u64 {
        debug_assert!(n < 1 << 63);
        let q = ((u128::from(n) * u128::from(self.inv)) >> 64) as u64;
        q + u64::from(n - q * self.d >= self.d)
    }
}

/// `floor(n / d)` for a quotient known to fit in 64 bits (`n < d * 2^64`).
#[inline]
#[allow(clippy::cast_possible_truncation)]
fn div_narrow(n: u128, d: u128) -> u64 {
    debug_assert!(d != 0 && n / d <= u128::from(u64::MAX));
    (n / d) as u64
}

/// The per-block constants, before the totals.
fn block_constants(w: &World) -> Block {
    let p = &w.params;
    let moving_alpha_bits = (u128::from(p.moving_alpha.0) << 64) / PPB;
    let ema_halving = u128::from(p.ema_halving_blocks);
    let ah = moving_alpha_bits.checked_mul(ema_halving).and_then(|ah| u64::try_from(ah).ok());
    Block {
        b: i64::try_from(w.block).unwrap_or(i64::MAX),
        e: emission(w.total_issuance),
        n_emit: 0,
        tau_r: p.tao_weight.apply(w.total_root),
        owner_cut: p.owner_cut,
        min_liquidity: p.min_pool_liquidity.0,
        moving_alpha_bits,
        ema_halving,
        ema_halving_u64: p.ema_halving_blocks.min(1 << 40),
        beta_ah: match (u64::try_from(moving_alpha_bits), ah) {
            (Ok(a), Some(ah)) if ema_halving <= 1 << 40 => Some((a, ah)),
            _ => None,
        },
        sum: 0,
        flow_shift: 0,
    }
}

pub(super) fn run(w: &mut World) -> Result<(), EngineError> {
    let mut blk = block_constants(w);
    let p = &w.params;
    let mode = p.emission_mode;
    // Shares come from the moving prices (or flows, or votes) before this block's
    // updates: one pass for the totals, then the main pass.
    let mut starts = false;
    match mode {
        EmissionMode::Price | EmissionMode::RootVote => {
            for s in w.subnets.iter().flatten() {
                if s.first_emission <= blk.b {
                    blk.n_emit += 1;
                    blk.sum += m32(s);
                    starts |= s.first_emission == blk.b;
                }
            }
        }
        EmissionMode::Flow => {
            let af = I64F64::from_bits((i128::from(p.flow_alpha.0) << 64) / 1_000_000_000);
            for s in w.subnets.iter_mut().flatten() {
                if s.first_emission <= blk.b {
                    blk.n_emit += 1;
                    let f = I64F64::saturating_from_num(s.flow);
                    s.flow_ema =
                        s.flow_ema.saturating_sub(s.flow_ema.saturating_mul(af)).saturating_add(af.saturating_mul(f));
                    blk.sum += positive_flow(s);
                }
                s.flow = 0;
            }
            // Scale so that `E * S_i` fits in 128 bits.
            blk.flow_shift = (128 - blk.sum.leading_zeros()).saturating_sub(90);
        }
    }
    if blk.n_emit == 0 {
        return Ok(());
    }
    // The common case, shares by moving prices with root stake present, runs without the
    // per-subnet tests for an empty share denominator and a zero root weight.
    let fast = blk.sum != 0 && blk.tau_r != 0;
    let minted = match mode {
        EmissionMode::Price if fast => pass::<PRICE, true>(w, &blk, None),
        EmissionMode::Price => pass::<PRICE, false>(w, &blk, None),
        EmissionMode::Flow => pass::<FLOW, false>(w, &blk, None),
        EmissionMode::RootVote => {
            if starts || w.root_vote.is_none() {
                w.root_vote = Some(root_vote_numerators(w));
            }
            let votes = w.root_vote.take().unwrap_or_default();
            blk.sum = votes.first().copied().unwrap_or(0);
            let minted = pass::<ROOT_VOTE, false>(w, &blk, Some(&votes));
            w.root_vote = Some(votes);
            minted
        }
    }
    .ok_or(EngineError::Overflow("coinbase"))?;
    w.total_issuance = w.total_issuance.checked_add(minted).ok_or(EngineError::Overflow("coinbase"))?;
    w.ledger.minted = w.ledger.minted.checked_add(minted).ok_or(EngineError::Overflow("coinbase"))?;
    Ok(())
}

/// A moving price with 32 fractional bits (`m <= 1`, so at most 2^32): what shares are
/// computed from, so that `E * m` fits in 64 bits.
#[inline]
fn m32(s: &Subnet) -> u128 {
    s.moving_price.to_bits() >> 32
}

/// [`m32`] as a `u64`: exact, since `m <= 1` makes it at most 2^32.
#[inline]
#[allow(clippy::cast_possible_truncation)]
fn m32_u64(s: &Subnet) -> u64 {
    debug_assert!(m32(s) <= 1 << 32);
    (s.moving_price.to_bits() >> 32) as u64
}

#[inline]
fn positive_flow(s: &Subnet) -> u128 {
    u128::try_from(s.flow_ema.to_bits().max(0)).unwrap_or(0)
}

#[inline]
fn narrow(x: u128) -> u64 {
    u64::try_from(x).unwrap_or(u64::MAX)
}

/// The main pass over emitting subnets; returns the TAO minted. `FAST` promises a
/// non-zero share denominator and root weight (`blk.sum != 0`, `blk.tau_r != 0`).
fn pass<const MODE: u8, const FAST: bool>(w: &mut World, blk: &Block, votes: Option<&[u128]>) -> Option<u64> {
    let e = blk.e;
    let mut minted: u64 = 0;
    // Values shared by many subnets: `a_i` is the same for every subnet before its first
    // halving, and legacy subnets share a first-emission block.
    let mut owner_cache: (u64, u64) = (u64::MAX, 0);
    // Primed with a real entry (not a marker a subnet could match): `i64::MIN`'s beta.
    let mut beta_cache: (i64, u64) = (i64::MIN, beta(blk, i64::MIN));
    let share = Reciprocal::new(narrow(blk.sum).max(1));
    for s in w.subnets.iter_mut().flatten() {
        if s.first_emission > blk.b {
            continue;
        }
        // 1. This subnet's part of E.
        let e_i: u64 = if !FAST && blk.sum == 0 {
            e / blk.n_emit
        } else {
            match MODE {
                // E * m32 <= 2^30 * 2^32 < 2^63, and the sum over <= 1024 subnets < 2^43.
                PRICE => share.div(e * m32_u64(s)),
                FLOW => {
                    narrow(u128::from(e) * (positive_flow(s) >> blk.flow_shift) / (blk.sum >> blk.flow_shift).max(1))
                }
                _ => narrow(u128::from(e) * votes.map_or(0, |v| v[usize::from(s.netuid)]) / blk.sum),
            }
        };
        s.last_emission = e_i;
        s.last_block_emission = e;
        // 2. Injection: alpha_in = tao_in / p = tao_in * A / T, capped.
        let a_i = emission(s.alpha_in.checked_add(s.alpha_out)?);
        let (t, a) = (s.tao, s.alpha_in);
        let cap = if MODE == FLOW { a_i.min(e) } else { a_i };
        let wide_in = u128::from(e_i) * u128::from(a);
        // An empty pool takes the cap (and all the TAO). With `t == 0` the capped test
        // below holds, which gives the same outside flow mode.
        let (alpha_in, tao_in) = if a == 0 || (MODE == FLOW && t == 0) {
            (cap, e_i)
        } else if wide_in >= (u128::from(cap) + 1) * u128::from(t) {
            // Capped (alpha_in > cap, tested without a division). Price and root_vote:
            // all the TAO still enters. Flow: only cap * p does; the rest buys below.
            if MODE == FLOW {
                (cap, narrow(u128::from(cap) * u128::from(t) / u128::from(a)).min(e_i))
            } else {
                (cap, e_i)
            }
        } else {
            // Not capped: the quotient is at most cap.
            (div_narrow(wide_in, u128::from(t)), e_i)
        };
        s.tao = t.checked_add(tao_in)?;
        s.alpha_in = a.checked_add(alpha_in)?;
        minted = minted.checked_add(tao_in)?;
        if MODE == FLOW && tao_in < e_i {
            // The excess TAO buys alpha from the pool (no fee); that alpha is recycled.
            let excess = e_i - tao_in;
            let bought = narrow(u128::from(s.alpha_in) * u128::from(excess) / (u128::from(s.tao) + u128::from(excess)));
            if bought > 0 && s.alpha_in - bought >= blk.min_liquidity {
                s.tao = s.tao.checked_add(excess)?;
                s.alpha_in -= bought;
                s.alpha_recycled = s.alpha_recycled.checked_add(bought)?;
                minted = minted.checked_add(excess)?;
            }
        }
        s.alpha_out = s.alpha_out.checked_add(a_i)?;
        s.alpha_issued = s.alpha_issued.checked_add(alpha_in)?.checked_add(a_i)?;
        // 3. 18% to the owner; the rest half to miners, half to validators, of which
        //    root_prop = tau R / (tau R + AI) goes to root.
        if owner_cache.0 != a_i {
            owner_cache = (a_i, blk.owner_cut.apply(a_i));
        }
        let owner = owner_cache.1;
        let r = a_i - owner;
        let half = r / 2;
        let root_alpha = if !FAST && blk.tau_r == 0 {
            0
        } else {
            let den = u128::from(blk.tau_r) + u128::from(s.alpha_in) + u128::from(s.alpha_out);
            // root_prop <= 1, so the quotient is at most `half`.
            div_narrow(u128::from(half) * u128::from(blk.tau_r), den)
        };
        s.pending_owner = s.pending_owner.checked_add(owner)?;
        s.pending_miner = s.pending_miner.checked_add(half)?;
        s.pending_validator = s.pending_validator.checked_add(r - half - root_alpha)?;
        // 4. Root alpha: kept for the epoch (flow) or sold at once, without a fee, for
        //    root dividends in TAO (recycled if the sale would drain the pool).
        if root_alpha > 0 {
            if MODE == FLOW {
                s.pending_root_alpha = s.pending_root_alpha.checked_add(root_alpha)?;
            } else {
                // A swap's output is less than the pool's reserve.
                let out = div_narrow(
                    u128::from(s.tao) * u128::from(root_alpha),
                    u128::from(s.alpha_in) + u128::from(root_alpha),
                );
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
        // 5. Moving price.
        if beta_cache.0 != s.first_emission {
            beta_cache = (s.first_emission, beta(blk, s.first_emission));
        }
        update_moving_price(s, beta_cache.1);
    }
    Some(minted)
}

/// `beta = moving_alpha * n / (n + H)` in 64.64 bits, `n = b - first_emission + 1`
/// (clamped to `1..=2^40`).
#[inline]
fn beta(blk: &Block, first_emission: i64) -> u64 {
    // b - first_emission + 1, at least 1 (a negative difference is a subnet not yet
    // emitting) and at most 2^40.
    let n = u64::try_from(blk.b.saturating_sub(first_emission)).map_or(1, |x| x.saturating_add(1).min(1 << 40));
    // floor(a n / (n + H)) = a - ceil(a H / (n + H)): one 64-bit division when a H fits.
    match blk.beta_ah {
        Some((a, ah)) => a - ah.div_ceil(n + blk.ema_halving_u64),
        None => {
            let n = u128::from(n);
            // beta < 1 unless moving_alpha = 1 and H = 0; it is kept just below 1 then.
            narrow(blk.moving_alpha_bits * n / (n + blk.ema_halving))
        }
    }
}

/// `m <- beta * min(p, 1) + (1 - beta) * m`, moving `m` toward the price by the
/// truncated step `floor(beta * |min(p, 1) - m|)`.
#[inline]
fn update_moving_price(s: &mut Subnet, beta: u64) {
    let m = s.moving_price.to_bits();
    let new = if s.tao < s.alpha_in && m < ONE_BITS {
        // Both below 1 (the price's quotient fits in 64 bits since T < A): the step in
        // 64-bit words, `floor(beta d / 2^64)` for `d < 2^64`, never past `p`.
        let pc = div_narrow(u128::from(s.tao) << 64, u128::from(s.alpha_in));
        let m = narrow(m);
        let step = |d: u64| narrow((u128::from(beta) * u128::from(d)) >> 64);
        u128::from(if pc >= m { m + step(pc - m) } else { m - step(m - pc) })
    } else {
        let pc = if s.tao >= s.alpha_in {
            ONE_BITS
        } else {
            u128::from(div_narrow(u128::from(s.tao) << 64, u128::from(s.alpha_in)))
        };
        if pc >= m { m + mul_hi(beta, pc - m) } else { m - mul_hi(beta, m - pc) }
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
    fn reciprocal_division_is_exact() {
        let mut rng = crate::engine::rng::Stream::new(7, "reciprocal");
        for d in [1u64, 2, 3, 7, 1000, (1 << 32) + 1, (1 << 43) - 1, (1 << 62) + 3] {
            let r = Reciprocal::new(d);
            for n in [0u64, 1, d - 1, d, d + 1, (1 << 62) - 1, (1 << 63) - 1] {
                assert_eq!(r.div(n), n / d, "{n} / {d}");
            }
            for _ in 0..2000 {
                let n = rng.next_u64() >> 1;
                assert_eq!(r.div(n), n / d, "{n} / {d}");
            }
        }
    }

    #[test]
    fn beta_matches_the_128_bit_formula() {
        let mut w = world(&[(TAO, TAO, 0.5)], 0);
        for (alpha_ppb, h) in [(3_000, 201_600), (1_000_000_000, 0), (1_000_000_000, 5), (999_999_999, 1 << 40), (1, 1)]
        {
            w.params.moving_alpha = crate::engine::amount::Ppb(alpha_ppb);
            w.params.ema_halving_blocks = h;
            for b in [0i64, 1, 201_599, 5_000_000] {
                w.block = u64::try_from(b).unwrap();
                let blk = block_constants(&w);
                for first in [i64::MIN, -100_000, 0, b - 1, b, b + 1, i64::MAX] {
                    let n = (i128::from(b) - i128::from(first) + 1).clamp(1, 1 << 40);
                    let a = (u128::from(alpha_ppb) << 64) / PPB;
                    let n = u128::try_from(n).unwrap();
                    let want = narrow(a * n / (n + u128::from(h)));
                    assert_eq!(beta(&blk, first), want, "alpha {alpha_ppb} H {h} b {b} first {first}");
                }
            }
        }
    }

    #[test]
    fn a_subnet_that_started_at_the_earliest_block_gets_its_beta() {
        // first_emission = i64::MIN: n is clamped to 2^40, so beta is just below
        // moving_alpha and the moving price moves toward the price (p = 2, capped at 1).
        let mut w = world(&[(1000 * TAO, 500 * TAO, 0.0)], 0);
        w.subnets[1].as_mut().unwrap().first_emission = i64::MIN;
        run(&mut w).unwrap();
        let a = (3_000u128 << 64) / PPB;
        let n = 1u128 << 40;
        let want = narrow(a * n / (n + 201_600));
        // m = 0 and p = 1: the step is beta itself.
        assert_eq!(w.subnet(1).unwrap().moving_price.to_bits(), u128::from(want));
    }

    #[test]
    fn all_moving_prices_zero_with_root_stake_share_equally_and_pay_root() {
        let mut w = world(&[(100 * TAO, 1000 * TAO, 0.0), (100 * TAO, 1000 * TAO, 0.0)], 1000 * TAO);
        run(&mut w).unwrap();
        for n in [1, 2] {
            let s = w.subnet(n).unwrap();
            assert_eq!(s.last_emission, 500_000_000);
            assert!(s.pending_root_tao > 0, "SN{n} pays root dividends");
        }
        w.check_invariants().unwrap();
    }

    #[test]
    fn a_pool_without_tao_takes_the_cap_and_all_the_tao() {
        for mode in [EmissionMode::Price, EmissionMode::RootVote, EmissionMode::Flow] {
            let mut w = world(&[(100 * TAO, 1000 * TAO, 0.5)], 0);
            w.params.emission_mode = mode;
            let s = w.subnets[1].as_mut().unwrap();
            s.tao = 0;
            s.flow = i128::from(TAO);
            run(&mut w).unwrap();
            let s = w.subnet(1).unwrap();
            // a_i = 1 alpha (the cap); E = 1 TAO, all of it this subnet's.
            assert_eq!((s.tao, s.alpha_in), (TAO, 1001 * TAO), "{mode:?}");
        }
    }

    /// The moving-price step of rules.md §5 written directly in 128 bits.
    fn reference_moving_price(t: u64, a: u64, m: u128, beta: u64) -> u128 {
        let p = if t >= a { ONE_BITS } else { (u128::from(t) << 64) / u128::from(a) };
        let step = |d: u128| {
            let (hi, lo) = (d >> 64, d & u128::from(u64::MAX));
            u128::from(beta) * hi + ((u128::from(beta) * lo) >> 64)
        };
        if p >= m { m + step(p - m) } else { m - step(m - p) }
    }

    #[test]
    fn moving_price_step_matches_the_128_bit_formula() {
        let mut rng = crate::engine::rng::Stream::new(11, "moving price");
        let mut s = world(&[(TAO, TAO, 0.5)], 0).subnet(1).unwrap().clone();
        let mut cases: Vec<(u64, u64, u128, u64)> = vec![
            (1, 2, 0, u64::MAX),
            (1, 2, ONE_BITS, u64::MAX),
            (2, 1, 0, u64::MAX),
            (2, 1, ONE_BITS, 1 << 63),
            (5, 5, ONE_BITS - 1, 12_345),
            (u64::MAX - 1, u64::MAX, ONE_BITS, u64::MAX),
            (u64::MAX - 1, u64::MAX, 0, u64::MAX),
            (0, 0, 0, u64::MAX),
            (0, 0, ONE_BITS - 5, 1 << 40),
        ];
        for _ in 0..20_000 {
            let a = rng.next_u64() >> (rng.next_u64() % 40);
            let t = rng.next_u64() >> (rng.next_u64() % 40);
            let m = match rng.next_u64() % 4 {
                0 => ONE_BITS,
                1 => 0,
                _ => u128::from(rng.next_u64()),
            };
            cases.push((t, a, m, rng.next_u64() >> (rng.next_u64() % 64)));
        }
        for (t, a, m, beta) in cases {
            (s.tao, s.alpha_in, s.moving_price) = (t, a, U64F64::from_bits(m));
            update_moving_price(&mut s, beta);
            assert_eq!(
                s.moving_price.to_bits(),
                reference_moving_price(t, a, m, beta),
                "T {t} A {a} m {m} beta {beta}"
            );
        }
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
