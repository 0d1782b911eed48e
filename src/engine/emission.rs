//! The halving schedule (rules.md §3), for TAO and for each subnet's alpha.
//!
//! `k(X)` is the number of halvings: the largest `k` with `X >= 21e15 * (1 - 2^-k)`;
//! the block emission is `1e9 >> k` rao, and 0 once `X >= 21e15`. The thresholds are
//! exact integers: `X >= 21e15 (2^k - 1) / 2^k` iff `X >= ceil(21e15 (2^k - 1) / 2^k)`.

/// The supply cap, 21 million TAO (and 21 million alpha per subnet), in rao.
pub const SUPPLY_CAP_RAO: u64 = 21_000_000_000_000_000;
/// The first block emission, 1 TAO, in rao.
pub const BASE_EMISSION_RAO: u64 = 1_000_000_000;

/// Thresholds: `THRESHOLDS[k-1]` is the issuance at which the k-th halving happens.
/// Past k = 30 the emission `1e9 >> k` is 0, so 30 thresholds are enough.
const THRESHOLDS: [u64; 30] = thresholds();

const fn thresholds() -> [u64; 30] {
    let mut t = [0u64; 30];
    let mut k = 1;
    while k <= 30 {
        let pow = 1u128 << k;
        let num = SUPPLY_CAP_RAO as u128 * (pow - 1);
        t[k - 1] = num.div_ceil(pow) as u64;
        k += 1;
    }
    t
}

/// The number of halvings that have happened at issuance `x` (capped at 30).
#[must_use]
#[inline]
pub fn halvings(x: u64) -> u32 {
    // Most worlds are before the first halving: one comparison.
    let mut k = 0;
    while (k as usize) < THRESHOLDS.len() && x >= THRESHOLDS[k as usize] {
        k += 1;
    }
    k
}

/// The block emission in rao at issuance `x`.
#[must_use]
#[inline]
pub fn emission(x: u64) -> u64 {
    if x < THRESHOLDS[0] {
        return BASE_EMISSION_RAO;
    }
    if x >= SUPPLY_CAP_RAO {
        return 0;
    }
    BASE_EMISSION_RAO >> halvings(x)
}

/// Issuance still to go before the next halving (`None` past the last one).
#[must_use]
pub fn until_next_halving(x: u64) -> Option<u64> {
    let k = halvings(x) as usize;
    THRESHOLDS.get(k).map(|t| t - x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halving_boundaries() {
        // 10.5M TAO: the first halving, exactly.
        assert_eq!(THRESHOLDS[0], 10_500_000_000_000_000);
        assert_eq!(THRESHOLDS[1], 15_750_000_000_000_000);
        assert_eq!(THRESHOLDS[2], 18_375_000_000_000_000);
        assert_eq!(THRESHOLDS[3], 19_687_500_000_000_000);
        assert_eq!(emission(0), 1_000_000_000);
        assert_eq!(emission(10_500_000_000_000_000 - 1), 1_000_000_000);
        assert_eq!(emission(10_500_000_000_000_000), 500_000_000);
        assert_eq!(emission(15_750_000_000_000_000 - 1), 500_000_000);
        assert_eq!(emission(15_750_000_000_000_000), 250_000_000);
        assert_eq!(emission(18_375_000_000_000_000), 125_000_000);
        assert_eq!(emission(SUPPLY_CAP_RAO - 1), 0);
        assert_eq!(emission(SUPPLY_CAP_RAO), 0);
        assert_eq!(emission(u64::MAX), 0);
        assert_eq!(halvings(10_500_000_000_000_000), 1);
        assert_eq!(until_next_halving(10_499_999_999_999_000), Some(1000));
    }

    #[test]
    fn thresholds_match_the_definition() {
        // X >= 21e15 (1 - 2^-k)  <=>  X * 2^k >= 21e15 (2^k - 1)
        for k in 1..=30u32 {
            let t = THRESHOLDS[k as usize - 1];
            let ok = |x: u64| u128::from(x) << k >= u128::from(SUPPLY_CAP_RAO) * ((1u128 << k) - 1);
            assert!(ok(t), "k={k}");
            assert!(!ok(t - 1), "k={k}");
        }
    }
}
