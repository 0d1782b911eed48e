//! Numbers for people: amounts, prices, percentages, dates.

/// Rao to whole units, for display only.
#[must_use]
#[allow(clippy::cast_precision_loss)]
pub fn units(rao: u64) -> f64 {
    rao as f64 / 1e9
}

/// Signed rao to whole units, for display only.
#[must_use]
#[allow(clippy::cast_precision_loss)]
pub fn signed_units(rao: i64) -> f64 {
    rao as f64 / 1e9
}

use crate::text::{group, thousands};

pub use crate::text::amount;

/// `x` with `decimals` places and thousands separators.
#[must_use]
pub fn fixed(x: f64, decimals: usize) -> String {
    group(&format!("{x:.decimals$}"))
}

/// An amount in rao, as whole units.
pub use crate::text::rao_amount as rao;

/// An amount in rao for a table column, at one precision per magnitude band so that
/// figures line up: hundredths below 10,000 (`25.00`, `211.63`), whole units up to ten
/// million (`12,345`), millions above (`12.35M`); a holding below a hundredth keeps its
/// digits (`0.004500`) rather than read as none.
#[must_use]
pub fn column_rao(r: u64) -> String {
    let a = units(r);
    if r == 0 || !(0.01..1e7).contains(&a) {
        crate::text::rao_amount(r)
    } else if a < 1e4 {
        fixed(a, 2)
    } else {
        fixed(a, 0)
    }
}

/// [`column_rao`] for a signed amount, with its sign: `+25.00`, `-1,234`.
#[must_use]
pub fn column_signed_rao(r: i64) -> String {
    let s = column_rao(r.unsigned_abs());
    match r.signum() {
        1 => format!("+{s}"),
        -1 => format!("-{s}"),
        _ => s,
    }
}

/// Half the last digit that [`rao`] shows of `r`, in rao: an amount at most this far
/// from `r` reads (rounded) as the same figure. `1,234.57` shows hundredths, so 0.005.
#[must_use]
pub fn rao_rounding(r: u64) -> u64 {
    let a = units(r);
    let step: u64 = if a >= 1e7 {
        10_000_000_000_000
    } else if a >= 1e4 {
        1_000_000_000
    } else if a >= 100.0 {
        10_000_000
    } else if a >= 1.0 {
        100_000
    } else {
        1_000
    };
    step / 2
}

/// `"s"` unless `n` is one: `format!("{n} subnet{}", plural(n))`.
#[must_use]
pub fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// A signed amount with its sign: `+1.2345`, `-12,345`.
#[must_use]
pub fn signed(x: f64) -> String {
    let s = amount(x);
    if x > 0.0 { format!("+{s}") } else { s }
}

/// A price in TAO per alpha: at least four significant digits.
#[must_use]
pub fn price(x: f64) -> String {
    if !x.is_finite() {
        return "-".into();
    }
    let a = x.abs();
    if a >= 100.0 {
        group(&format!("{x:.2}"))
    } else if a >= 1.0 {
        format!("{x:.4}")
    } else if a >= 0.001 || a == 0.0 {
        format!("{x:.5}")
    } else {
        format!("{x:.3e}")
    }
}

/// A fraction as a percentage: `12.3%` (`0.04%` below one percent).
#[must_use]
pub fn pct(x: f64) -> String {
    let p = x * 100.0;
    // A pump's change keeps to a column's seven characters: `+4312%`, then the
    // multiple it is (`147x` for +14,554%).
    if x.is_finite() && p >= 9_999.5 {
        return format!("{:.0}x", 1.0 + x);
    }
    pct_fixed(
        x,
        if p.abs() < 1.0 && p != 0.0 {
            2
        } else if p.abs() >= 999.95 {
            0
        } else {
            1
        },
    )
}

/// A fraction as a percentage with `decimals` places whatever its size, for a column
/// that reads at one precision: `12.30%`, `0.04%`, `0.00%`.
#[must_use]
pub fn pct_fixed(x: f64, decimals: usize) -> String {
    if !x.is_finite() {
        return "-".into();
    }
    let s = format!("{:.decimals$}%", x * 100.0);
    // A fall too small to show is no fall: `0.00%`, not `-0.00%`.
    if rounds_to_zero(&s) { s.trim_start_matches('-').to_string() } else { s }
}

/// [`pct_fixed`] with its sign: `+1.20%`, `-0.35%`, `0.00%`.
#[must_use]
pub fn signed_pct_fixed(x: f64, decimals: usize) -> String {
    with_sign(x, pct_fixed(x, decimals))
}

/// `s`, the formatted `x`, with a plus sign when `x` is above zero and shows so.
fn with_sign(x: f64, s: String) -> String {
    // A multiple (`147x`) needs no sign.
    if x > 0.0 && !s.starts_with('+') && !s.ends_with('x') && !rounds_to_zero(&s) { format!("+{s}") } else { s }
}

/// Whether a formatted number shows only zeros (`-0.00%`, `0.0`).
fn rounds_to_zero(s: &str) -> bool {
    !s.chars().any(|c| c.is_ascii_digit() && c != '0')
}

/// A signed fraction as a percentage with its sign: `+1.2%`, `-0.35%` (`0.00%` when it
/// rounds to nothing either way).
#[must_use]
pub fn signed_pct(x: f64) -> String {
    with_sign(x, pct(x))
}

/// A number of blocks as a duration of 12-second blocks: `45m`, `6h 12m`, `3d 4h`.
#[must_use]
pub fn duration_blocks(blocks: u64) -> String {
    let mins = blocks.saturating_mul(12) / 60;
    let (d, h, m) = (mins / 1440, mins / 60 % 24, mins % 60);
    // From ten days on, the hours are noise.
    if d >= 10 {
        format!("{d}d")
    } else if d > 0 {
        format!("{d}d {h}h")
    } else if h > 0 {
        format!("{h}h {m:02}m")
    } else {
        format!("{m}m")
    }
}

/// An integer with thousands separators.
#[must_use]
pub fn int(n: u64) -> String {
    thousands(n)
}

/// Truncates `s` to `width` characters, marking the cut with an ellipsis.
#[must_use]
pub fn clip(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        return s.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out: String = s.chars().take(width - 1).collect();
    out.push('…');
    out
}

/// Word-wraps `text` into lines of at most `width` characters (a word longer than a
/// line is cut). A single line break is a space; a blank line starts a new paragraph.
#[must_use]
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out = Vec::new();
    let mut line = String::new();
    let mut len = 0;
    for source in text.lines() {
        if source.trim().is_empty() {
            if len > 0 {
                out.push(std::mem::take(&mut line));
                len = 0;
                out.push(String::new());
            }
            continue;
        }
        for mut word in source.split_whitespace() {
            loop {
                let wl = word.chars().count();
                let gap = usize::from(len > 0);
                if len + gap + wl <= width {
                    if gap == 1 {
                        line.push(' ');
                    }
                    line.push_str(word);
                    len += gap + wl;
                    break;
                }
                if len > 0 {
                    out.push(std::mem::take(&mut line));
                    len = 0;
                    continue;
                }
                // A word longer than the line: cut it.
                let cut = word.char_indices().nth(width).map_or(word.len(), |(k, _)| k);
                out.push(word[..cut].to_string());
                word = &word[cut..];
                if word.is_empty() {
                    break;
                }
            }
        }
    }
    if len > 0 {
        out.push(line);
    }
    out
}

/// [`wrap`] into as few lines as at `width`, but of even lengths: the narrowest width
/// that still takes that many lines (no word left alone on the last line of a centred
/// message).
#[must_use]
pub fn wrap_even(text: &str, width: usize) -> Vec<String> {
    let lines = wrap(text, width);
    let mut w = width.max(1);
    while w > 1 && wrap(text, w - 1).len() == lines.len() {
        w -= 1;
    }
    if w == width { lines } else { wrap(text, w) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn even_wrapping_leaves_no_word_alone() {
        let text = "paused while the window is too small: it runs again when you enlarge it";
        assert_eq!(wrap(text, 70).last().map(String::as_str), Some("it"));
        let even = wrap_even(text, 70);
        assert_eq!(even.len(), 2);
        let (a, b) = (even[0].chars().count(), even[1].chars().count());
        assert!(a.abs_diff(b) <= 8, "{even:?}");
        assert_eq!(even.join(" "), text);
        assert_eq!(wrap_even("short", 70), vec!["short"]);
    }

    #[test]
    fn amounts_read_well() {
        assert_eq!(amount(0.0), "0");
        assert_eq!(amount(1.5), "1.5000");
        assert_eq!(amount(1234.5), "1,234.50");
        assert_eq!(amount(12_345.6), "12,346");
        assert_eq!(amount(-12_345.6), "-12,346");
        assert_eq!(amount(8_200_000.0), "8,200,000");
        assert_eq!(amount(21_000_000.0), "21.00M");
        assert_eq!(amount(0.00123), "0.001230");
        assert_eq!(signed(2.0), "+2.0000");
        assert_eq!(price(0.1145), "0.11450");
        assert_eq!(pct(0.123), "12.3%");
        assert_eq!(pct(0.0004), "0.04%");
        assert_eq!(signed_pct(0.05), "+5.0%");
        // Tiny moves round to no move, without a sign.
        assert_eq!(signed_pct(-0.000_001), "0.00%");
        assert_eq!(signed_pct(0.000_001), "0.00%");
        assert_eq!(signed_pct(-0.0), "0.0%");
        assert_eq!(signed_pct(-0.0001), "-0.01%");
        assert_eq!(pct(-0.000_04), "0.00%");
        // Large changes keep to a column of seven: whole percents, then a multiple.
        assert_eq!(signed_pct(9.994), "+999.4%");
        assert_eq!(signed_pct(43.12), "+4312%");
        assert_eq!(signed_pct(99.99), "+9999%");
        assert_eq!(signed_pct(145.54), "147x");
        assert_eq!(signed_pct(-0.999), "-99.9%");
        // A column's one precision, whatever the size (and no sign for no move).
        assert_eq!(pct_fixed(0.0, 2), "0.00%");
        // Columns: one precision per band, and no holding reads as none.
        let t = 1_000_000_000;
        assert_eq!(column_rao(25 * t), "25.00");
        assert_eq!(column_rao(211_634_000_000), "211.63");
        assert_eq!(column_rao(9_999_994 * t / 1000), "9,999.99");
        assert_eq!(column_rao(12_345 * t + t / 2), "12,346");
        assert_eq!(column_rao(12_345_678 * t), "12.35M");
        assert_eq!(column_rao(4_500_000), "0.004500");
        assert_eq!(column_rao(0), "0");
        assert_eq!(column_signed_rao(-25 * 1_000_000_000), "-25.00");
        assert_eq!(column_signed_rao(12_345 * 1_000_000_000), "+12,345");
        assert_eq!(column_signed_rao(0), "0");
        assert_eq!(pct_fixed(0.123, 2), "12.30%");
        assert_eq!(signed_pct_fixed(0.0, 1), "0.0%");
        assert_eq!(signed_pct_fixed(0.0004, 1), "0.0%");
        assert_eq!(signed_pct_fixed(-0.0004, 1), "0.0%");
        assert_eq!(signed_pct_fixed(0.0123, 2), "+1.23%");
        assert_eq!(pct_fixed(f64::NAN, 2), "-");
        assert_eq!(duration_blocks(7200), "1d 0h");
        assert_eq!(duration_blocks(7200 * 10 - 1), "9d 23h");
        assert_eq!(duration_blocks(7200 * 1412 + 5000), "1412d");
        assert_eq!(duration_blocks(301), "1h 00m");
        assert_eq!(int(50_400), "50,400");
        assert_eq!(clip("abcdef", 4), "abc…");
        assert_eq!((plural(0), plural(1), plural(2)), ("s", "", "s"));
    }

    #[test]
    fn rounding_matches_the_digits_shown() {
        // 88.12344 shows as 88.1234: four decimals, so half of 0.0001.
        assert_eq!(rao(88_123_440_000), "88.1234");
        assert_eq!(rao_rounding(88_123_440_000), 50_000);
        assert_eq!(rao_rounding(1_234_567_000_000), 5_000_000);
        assert_eq!(rao_rounding(12_345_600_000_000), 500_000_000);
        assert_eq!(rao_rounding(500_000_000), 500);
        assert_eq!(rao_rounding(21_000_000_000_000_000), 5_000_000_000_000);
    }

    #[test]
    fn wrap_breaks_at_words_and_keeps_paragraphs() {
        assert_eq!(wrap("the quick brown fox", 9), ["the quick", "brown fox"]);
        assert_eq!(wrap("a\n\nb", 5), ["a", "", "b"]);
        assert_eq!(wrap("one\ntwo", 9), ["one two"]);
        assert_eq!(wrap("abcdefghij k", 4), ["abcd", "efgh", "ij k"]);
        assert_eq!(wrap("  spaced   out  ", 20), ["spaced out"]);
        assert!(wrap("", 10).is_empty());
    }
}
