//! The constant-product TAO/alpha pool (rules.md §6): pure quote functions.
//!
//! `out = floor(R_out * in / (R_in + in))` in `u128`, so every swap rounds in the pool's
//! favour and `T * A` never decreases. Quotes never mutate; the world applies a quote
//! only after every check has passed, so a rejected order changes nothing.

use super::math::{U64F64, mul_div};
use super::order::Reject;

/// A priced swap, ready to apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Swap {
    /// TAO that leaves the trader (stake) or reaches the trader (unstake), fee settled.
    pub tao_rao: u64,
    /// Alpha that reaches the trader (stake) or leaves the trader (unstake).
    pub alpha_rao: u64,
    /// The fee, in TAO rao, kept by the pool.
    pub fee_rao: u64,
    /// Pool TAO after the swap.
    pub new_tao: u64,
    /// Pool alpha after the swap.
    pub new_alpha: u64,
}

/// Pool rules that quotes need.
#[derive(Clone, Copy, Debug)]
pub struct PoolRules {
    /// Flat fee in rao.
    pub fee: u64,
    /// Minimum stake / unstake value in rao.
    pub min_stake: u64,
    /// Minimum reserve on either side, in rao.
    pub min_liquidity: u64,
}

/// `floor(r_out * x / (r_in + x))`.
#[inline]
fn swap_out(r_in: u64, r_out: u64, x: u64) -> Option<u64> {
    let den = u128::from(r_in).checked_add(u128::from(x))?;
    mul_div(u128::from(r_out), u128::from(x), den).and_then(|v| u64::try_from(v).ok())
}

/// `floor(x * L)` for a 64.64 `L` and `x < 2^64`, at full width.
fn mul_fixed(x: u64, l: U64F64) -> Option<u128> {
    let bits = l.to_bits();
    let x = u128::from(x);
    let hi = x.checked_mul(bits >> 64)?;
    hi.checked_add((x * (bits & u128::from(u64::MAX))) >> 64)
}

/// Buys alpha with `tao` TAO (fee included) from a pool `(t, a)`.
///
/// With `limit` (TAO per alpha), fills only up to the TAO that moves the swap's price to
/// `limit`: `dT_max = sqrt(limit * T * A) - T` (fee excluded), and takes only what it
/// fills.
pub fn quote_stake(t: u64, a: u64, tao: u64, limit: Option<U64F64>, r: PoolRules) -> Result<Swap, Reject> {
    if tao == 0 {
        return Err(Reject::ZeroAmount);
    }
    if tao < r.min_stake {
        return Err(Reject::BelowMinStake { min_rao: r.min_stake });
    }
    if tao <= r.fee {
        return Err(Reject::BelowMinStake { min_rao: r.fee.saturating_add(1) });
    }
    let mut net = tao - r.fee;
    if let Some(l) = limit {
        // T' = sqrt(T * floor(L * A)) is where the marginal price reaches L.
        let la = mul_fixed(a, l).ok_or(Reject::Overflow)?;
        let target = u128::from(t).checked_mul(la).ok_or(Reject::Overflow)?.isqrt();
        let max_net = target.saturating_sub(u128::from(t));
        if max_net == 0 {
            return Err(Reject::LimitPrice);
        }
        net = net.min(u64::try_from(max_net).unwrap_or(u64::MAX));
        if net.saturating_add(r.fee) < r.min_stake {
            return Err(Reject::LimitPrice);
        }
    }
    let out = swap_out(t, a, net).ok_or(Reject::Overflow)?;
    if out == 0 {
        return Err(Reject::TooSmall);
    }
    let paid = net + r.fee;
    let new_alpha = a - out;
    let new_tao = t.checked_add(paid).ok_or(Reject::Overflow)?;
    if new_alpha < r.min_liquidity {
        return Err(Reject::PoolLiquidity { min_rao: r.min_liquidity });
    }
    Ok(Swap { tao_rao: paid, alpha_rao: out, fee_rao: r.fee, new_tao, new_alpha })
}

/// Sells `alpha` into a pool `(t, a)`; the fee comes out of the TAO received.
///
/// With `limit` (TAO per alpha), sells only down to that price:
/// `dA_max = sqrt(T * A / limit) - A`.
pub fn quote_unstake(t: u64, a: u64, alpha: u64, limit: Option<U64F64>, r: PoolRules) -> Result<Swap, Reject> {
    if alpha == 0 {
        return Err(Reject::ZeroAmount);
    }
    let mut sell = alpha;
    if let Some(l) = limit {
        if l.to_bits() == 0 {
            return Err(Reject::LimitPrice);
        }
        // A' = sqrt(A * floor(T / L)).
        let t_over_l = (u128::from(t) << 64) / l.to_bits();
        let target = u128::from(a).checked_mul(t_over_l).ok_or(Reject::Overflow)?.isqrt();
        let max_sell = target.saturating_sub(u128::from(a));
        if max_sell == 0 {
            return Err(Reject::LimitPrice);
        }
        sell = sell.min(u64::try_from(max_sell).unwrap_or(u64::MAX));
    }
    let gross = swap_out(a, t, sell).ok_or(Reject::Overflow)?;
    if gross < r.min_stake {
        return Err(Reject::BelowMinStake { min_rao: r.min_stake });
    }
    if gross <= r.fee {
        return Err(Reject::TooSmall);
    }
    let received = gross - r.fee;
    let new_tao = t - received;
    if new_tao < r.min_liquidity {
        return Err(Reject::PoolLiquidity { min_rao: r.min_liquidity });
    }
    let new_alpha = a.checked_add(sell).ok_or(Reject::Overflow)?;
    Ok(Swap { tao_rao: received, alpha_rao: sell, fee_rao: r.fee, new_tao, new_alpha })
}

/// What `alpha` would fetch if sold alone into `(t, a)`, fee included, with no minimums
/// (the score of rules.md §9). Never fails: 0 when it would fetch nothing.
#[must_use]
pub fn sale_value(t: u64, a: u64, alpha: u64, fee: u64) -> u64 {
    if alpha == 0 {
        return 0;
    }
    swap_out(a, t, alpha).unwrap_or(0).saturating_sub(fee)
}

/// A fee-free sale of `alpha` (the coinbase's root sale and chain buys): TAO out.
#[must_use]
pub fn feeless_out(r_in: u64, r_out: u64, x: u64) -> u64 {
    swap_out(r_in, r_out, x).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::math::ratio;

    const R: PoolRules = PoolRules { fee: 50_000, min_stake: 500_000, min_liquidity: 10_000_000 };
    const TAO: u64 = 1_000_000_000;

    #[test]
    fn stake_rounds_in_the_pools_favour() {
        // T = 100 TAO, A = 1000 alpha; stake 10 TAO: net 9.99995 TAO.
        let s = quote_stake(100 * TAO, 1000 * TAO, 10 * TAO, None, R).unwrap();
        let net = 10 * TAO - 50_000;
        // out = floor(1000e9 * net / (100e9 + net)) = 90_908_677_685 (hand-computed)
        assert_eq!(u128::from(s.alpha_rao), u128::from(1000 * TAO) * u128::from(net) / u128::from(100 * TAO + net));
        assert_eq!(s.alpha_rao, 90_908_677_685);
        assert_eq!(s.tao_rao, 10 * TAO);
        assert_eq!(s.new_tao, 110 * TAO);
        assert_eq!(s.new_alpha, 1000 * TAO - 90_908_677_685);
        assert!(u128::from(s.new_tao) * u128::from(s.new_alpha) >= u128::from(100 * TAO) * u128::from(1000 * TAO));
    }

    #[test]
    fn unstake_takes_fee_from_output() {
        let s = quote_unstake(100 * TAO, 1000 * TAO, 10 * TAO, None, R).unwrap();
        // gross = floor(100e9 * 10e9 / 1010e9) = 990_099_009
        assert_eq!(s.tao_rao, 990_099_009 - 50_000);
        assert_eq!(s.new_tao, 100 * TAO - (990_099_009 - 50_000));
    }

    #[test]
    fn minimums_and_zero() {
        assert_eq!(quote_stake(TAO, TAO, 0, None, R), Err(Reject::ZeroAmount));
        assert_eq!(quote_stake(TAO, TAO, 1, None, R), Err(Reject::BelowMinStake { min_rao: 500_000 }));
        assert_eq!(quote_unstake(TAO, TAO, 0, None, R), Err(Reject::ZeroAmount));
        assert_eq!(quote_unstake(TAO, TAO, 1, None, R), Err(Reject::BelowMinStake { min_rao: 500_000 }));
        // Buying almost the whole pool leaves less than the minimum liquidity.
        assert_eq!(
            quote_stake(TAO, 20_000_000, 1_000 * TAO, None, R),
            Err(Reject::PoolLiquidity { min_rao: 10_000_000 })
        );
        assert!(quote_stake(u64::MAX, u64::MAX, u64::MAX, None, R).is_err());
    }

    #[test]
    fn limit_price_fills_partially() {
        // Price 0.1; limit 0.121 => T' = sqrt(100 * 1210) TAO = 110 TAO: fill 10 TAO net.
        let limit = ratio(121, 1000).unwrap();
        let s = quote_stake(100 * TAO, 1000 * TAO, 50 * TAO, Some(limit), R).unwrap();
        let net = s.tao_rao - 50_000;
        assert!((9_999_999_000..=10_000_000_000).contains(&net), "net {net}");
        // A limit below the current price fills nothing.
        assert_eq!(quote_stake(100 * TAO, 1000 * TAO, TAO, Some(ratio(1, 20).unwrap()), R), Err(Reject::LimitPrice));
        // Unstake down to 0.081: A' = sqrt(1000 * 100/0.081) ~ 1111.1 alpha.
        let u = quote_unstake(100 * TAO, 1000 * TAO, 500 * TAO, Some(ratio(81, 1000).unwrap()), R).unwrap();
        assert!((111 * TAO..112 * TAO).contains(&u.alpha_rao), "{}", u.alpha_rao);
    }

    #[test]
    fn sale_value_is_total() {
        assert_eq!(sale_value(100 * TAO, 1000 * TAO, 0, 50_000), 0);
        assert_eq!(sale_value(100 * TAO, 1000 * TAO, 10 * TAO, 50_000), 990_099_009 - 50_000);
        assert_eq!(sale_value(1, 1, 1, 50_000), 0);
    }
}
