//! Amounts: [`Tao`] and [`Alpha`] in rao (10^-9), and [`Ppb`] rates.
//!
//! TAO and alpha are different newtypes so they can never be added by mistake. All
//! arithmetic is checked: an overflow is `None`, never a wrap or a panic.

use std::fmt;

/// Rao per whole TAO (and alpha-rao per whole alpha).
pub const RAO_PER_TAO: u64 = 1_000_000_000;

macro_rules! amount {
    ($name:ident, $unit:literal) => {
        #[doc = concat!("An amount of ", $unit, " in rao (10^-9 ", $unit, ").")]
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub u64);

        impl $name {
            /// Zero.
            pub const ZERO: Self = Self(0);
            /// The raw rao count.
            #[must_use]
            pub const fn rao(self) -> u64 {
                self.0
            }
            /// Checked addition.
            #[must_use]
            pub fn checked_add(self, o: Self) -> Option<Self> {
                self.0.checked_add(o.0).map(Self)
            }
            /// Checked subtraction.
            #[must_use]
            pub fn checked_sub(self, o: Self) -> Option<Self> {
                self.0.checked_sub(o.0).map(Self)
            }
            /// Subtraction clamped at zero.
            #[must_use]
            pub fn saturating_sub(self, o: Self) -> Self {
                Self(self.0.saturating_sub(o.0))
            }
            /// Whole units as a float, for display and reports only.
            #[must_use]
            #[allow(clippy::cast_precision_loss)]
            pub fn as_f64(self) -> f64 {
                self.0 as f64 / RAO_PER_TAO as f64
            }
            /// Parses a decimal amount of whole units (as maps and Lua give them),
            /// truncating below one rao. See [`rao_from_decimal`].
            pub fn from_decimal(x: f64) -> Result<Self, AmountError> {
                rao_from_decimal(x).map(Self)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", format_rao(self.0))
            }
        }
    };
}

amount!(Tao, "TAO");
amount!(Alpha, "alpha");

/// A rate in parts per billion: decimal fixed point with 9 places, so that map values
/// such as `0.18` are exact (`180_000_000`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ppb(pub u64);

impl Ppb {
    /// One (100%).
    pub const ONE: Self = Self(1_000_000_000);
    /// Zero.
    pub const ZERO: Self = Self(0);

    /// Parses a decimal rate, truncating below one part per billion.
    pub fn from_decimal(x: f64) -> Result<Self, AmountError> {
        rao_from_decimal(x).map(Self)
    }
    /// `floor(x * self)`, exact.
    #[must_use]
    #[inline]
    pub fn apply(self, x: u64) -> u64 {
        // The common case (x < 2^34, rate <= 1) fits in 64 bits, where division by a
        // constant is a multiply; a 128-bit division would be a library call.
        if x < (1 << 34) && self.0 <= RAO_PER_TAO {
            return x * self.0 / RAO_PER_TAO;
        }
        let v = u128::from(x) * u128::from(self.0) / u128::from(RAO_PER_TAO);
        u64::try_from(v).unwrap_or(u64::MAX)
    }
    /// As a float, for display only.
    #[must_use]
    #[allow(clippy::cast_precision_loss)]
    pub fn as_f64(self) -> f64 {
        self.0 as f64 / 1e9
    }
}

/// Why a decimal amount could not become rao.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    /// The number is negative.
    #[error("must not be negative")]
    Negative,
    /// NaN or infinite.
    #[error("must be a finite number")]
    NotFinite,
    /// More than `u64::MAX` rao.
    #[error("is too large (at most 18446744073.709551615)")]
    TooLarge,
}

/// Converts a decimal number of whole units to rao, truncating toward zero.
///
/// The float is first written as its shortest round-trip decimal (so `1000.1` is the
/// text `1000.1`, not `1000.0999999999999`) and the digits are then converted exactly.
/// This makes `0.1` TAO exactly 100,000,000 rao on every machine.
pub fn rao_from_decimal(x: f64) -> Result<u64, AmountError> {
    if !x.is_finite() {
        return Err(AmountError::NotFinite);
    }
    if x < 0.0 {
        return Err(AmountError::Negative);
    }
    if x == 0.0 {
        // Both zeros (`-0.0` would print a sign the digits below cannot read).
        return Ok(0);
    }
    // `{:e}` gives the shortest round-trip digits with an exponent: "1.0001e3".
    let s = format!("{x:e}");
    let (mantissa, exp) = s.split_once('e').ok_or(AmountError::NotFinite)?;
    let exp: i32 = exp.parse().map_err(|_| AmountError::NotFinite)?;
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits: String = format!("{int_part}{frac_part}");
    // value = digits * 10^(exp - frac_len); rao = value * 10^9.
    let frac_len = i32::try_from(frac_part.len()).map_err(|_| AmountError::TooLarge)?;
    let shift = exp - frac_len + 9;
    let mut v: u128 = digits.parse().map_err(|_| AmountError::TooLarge)?;
    if shift >= 0 {
        for _ in 0..shift {
            v = v.checked_mul(10).ok_or(AmountError::TooLarge)?;
            if v > u128::from(u64::MAX) {
                return Err(AmountError::TooLarge);
            }
        }
    } else {
        for _ in 0..(-shift) {
            v /= 10;
            if v == 0 {
                break;
            }
        }
    }
    u64::try_from(v).map_err(|_| AmountError::TooLarge)
}

/// Formats rao as a decimal of whole units with up to 9 places, trailing zeros removed.
#[must_use]
pub fn format_rao(rao: u64) -> String {
    let whole = rao / RAO_PER_TAO;
    let frac = rao % RAO_PER_TAO;
    if frac == 0 {
        return whole.to_string();
    }
    let f = format!("{frac:09}");
    format!("{whole}.{}", f.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_conversion_is_exact_and_truncates() {
        assert_eq!(rao_from_decimal(0.1), Ok(100_000_000));
        assert_eq!(rao_from_decimal(1000.1), Ok(1_000_100_000_000));
        assert_eq!(rao_from_decimal(0.000_000_001), Ok(1));
        assert_eq!(rao_from_decimal(0.000_000_000_9), Ok(0));
        assert_eq!(rao_from_decimal(1.234_567_891_9), Ok(1_234_567_891));
        assert_eq!(rao_from_decimal(0.18), Ok(180_000_000));
        assert_eq!(rao_from_decimal(3.209e-6), Ok(3209));
        assert_eq!(rao_from_decimal(0.0), Ok(0));
        assert_eq!(rao_from_decimal(-0.0), Ok(0), "minus zero is zero, not too large");
        assert_eq!(rao_from_decimal(-1.0), Err(AmountError::Negative));
        assert_eq!(rao_from_decimal(f64::NAN), Err(AmountError::NotFinite));
        assert_eq!(rao_from_decimal(1e30), Err(AmountError::TooLarge));
        assert_eq!(rao_from_decimal(18_446_744_073.0), Ok(18_446_744_073_000_000_000));
    }

    #[test]
    fn formatting() {
        assert_eq!(format_rao(1_500_000_000), "1.5");
        assert_eq!(format_rao(1), "0.000000001");
        assert_eq!(format_rao(7_000_000_000), "7");
    }

    #[test]
    fn ppb_apply_is_exact() {
        assert_eq!(Ppb(180_000_000).apply(1_000_000_000), 180_000_000);
        assert_eq!(Ppb::ONE.apply(u64::MAX), u64::MAX);
        // Both paths (64 bits for x < 2^34 and a rate of at most 1, else 128) match the wide formula,
        // saturated, at the edges and on 100,000 spread values.
        let wide = |x: u64, r: u64| u64::try_from(u128::from(x) * u128::from(r) / 1_000_000_000).unwrap_or(u64::MAX);
        let edges = [0, 1, 999_999_999, 1_000_000_000, 1_000_000_001, 1 << 34, u64::MAX - 1, u64::MAX];
        let rates = [0, 1, 180_000_000, 999_999_999, 1_000_000_000, 1_000_000_001, 3_000_000_000];
        for r in rates {
            for x in edges {
                assert_eq!(Ppb(r).apply(x), wide(x, r), "x = {x}, rate = {r}");
            }
        }
        let mut v: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..100_000 {
            v ^= v << 13;
            v ^= v >> 7;
            v ^= v << 17;
            let (x, r) = (v >> (v % 64), v % 1_500_000_000);
            assert_eq!(Ppb(r).apply(x), wide(x, r), "x = {x}, rate = {r}");
        }
    }
}
