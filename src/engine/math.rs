//! Fixed-point helpers: 64.64 ratios (`U64F64`, the `fixed` crate) and exact integer
//! rationals in `u128`. Every function is checked; `None` means overflow or a zero
//! divisor.

pub use fixed::types::{I64F64, U64F64};

/// `floor(a * b / c)` in `u128`, or `None` on overflow or `c == 0`.
#[must_use]
#[inline]
pub fn mul_div(a: u128, b: u128, c: u128) -> Option<u128> {
    if c == 0 {
        return None;
    }
    a.checked_mul(b).map(|p| p / c)
}

/// The ratio `num / den` as 64.64 fixed point (truncated), or `None` if it does not fit.
#[must_use]
#[inline]
pub fn ratio(num: u64, den: u64) -> Option<U64F64> {
    if den == 0 {
        return None;
    }
    let bits = (u128::from(num) << 64) / u128::from(den);
    Some(U64F64::from_bits(bits))
}

/// A 64.64 value as a float, for display and reports only.
#[must_use]
pub fn to_f64(r: U64F64) -> f64 {
    r.to_num::<f64>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratio_and_mul_div() {
        let half = ratio(1, 2).unwrap();
        assert_eq!(half, U64F64::from_num(0.5));
        assert_eq!(ratio(1, 0), None);
        assert_eq!(mul_div(10, 10, 3), Some(33));
        assert_eq!(mul_div(1, 1, 0), None);
        assert_eq!(mul_div(u128::MAX, 2, 1), None);
    }
}
