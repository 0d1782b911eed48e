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
