//! Replays and lessons without a terminal: what the "go to" prompt accepts, where marks
//! fall on the timeline strip, and which subnet a narration talks about.

use crate::engine::Netuid;
use crate::engine::params::BLOCKS_PER_DAY;
use crate::session::handle::replay::{Mark, MarkKind};

/// Where the "go to" prompt sends a replay: a block number (`12345`, `12,345`) or the
/// start of a day as the title bar counts them (`d3`, `day 3`: day 1 starts at block 0).
///
/// # Errors
/// What is wrong with `text`, in words, with an example of what works.
pub fn parse_goto(text: &str, end: u64) -> Result<u64, String> {
    let t = text.trim().to_lowercase();
    if t.is_empty() {
        return Err("type a block number (12345) or a day (d3, day 3)".into());
    }
    let days = end.div_ceil(BLOCKS_PER_DAY).max(1);
    if let Some(rest) = t.strip_prefix("day").or_else(|| t.strip_prefix('d')) {
        let rest = rest.trim();
        let Ok(day) = rest.parse::<u64>() else {
            return Err(format!("'{}' is not a day number: write d3 or day 3", rest));
        };
        if day == 0 {
            return Err("days count from 1: day 1 starts at block 0".into());
        }
        if day > days {
            return Err(format!("there is no day {day}: the recording has {days} day{}", plural(days)));
        }
        return Ok((day - 1) * BLOCKS_PER_DAY);
    }
    let digits: String = t.chars().filter(|c| !matches!(c, ',' | '_' | ' ')).collect();
    let Ok(block) = digits.parse::<u64>() else {
        return Err(format!("'{}' is not a block or a day: write 12345, d3 or day 3", text.trim()));
    };
    if block > end {
        return Err(format!(
            "block {} is past the end of the recording (block {})",
            crate::text::thousands(block),
            crate::text::thousands(end)
        ));
    }
    Ok(block)
}

/// The day (from 1) the title bar shows at `block` of a match of `end` blocks: the
/// state after the last block still belongs to the last day.
#[must_use]
pub fn day_of(block: u64, end: u64) -> u64 {
    block.min(end.saturating_sub(1)) / BLOCKS_PER_DAY + 1
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// One cell of the timeline strip.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Cell {
    /// Nothing happened here.
    Empty,
    /// A big trade.
    BigTrade,
    /// A map event, a launch, a dissolution.
    Event,
    /// A narration.
    Narration,
}

impl Cell {
    /// The glyph drawn for it, before (`past`) or after the position.
    #[must_use]
    pub const fn glyph(self, past: bool) -> &'static str {
        match (self, past) {
            (Cell::Empty, true) => "━",
            (Cell::Empty, false) => "─",
            (Cell::BigTrade, _) => "•",
            (Cell::Event, _) => "◇",
            (Cell::Narration, _) => "◆",
        }
    }
}

impl From<MarkKind> for Cell {
    fn from(k: MarkKind) -> Self {
        match k {
            MarkKind::Narration => Cell::Narration,
            MarkKind::Event => Cell::Event,
            MarkKind::BigTrade => Cell::BigTrade,
        }
    }
}

/// The cell (of `width`) that `block` of a match of `end` blocks falls in.
#[must_use]
pub fn cell_of(block: u64, end: u64, width: usize) -> usize {
    if width == 0 {
        return 0;
    }
    let w = width as u128;
    let k = u128::from(block.min(end)) * w / u128::from(end.max(1));
    usize::try_from(k).unwrap_or(width).min(width - 1)
}

/// The marks of a match of `end` blocks on a strip `out.len()` cells wide: each cell
/// keeps its most telling mark (narration, then event, then big trade).
pub fn fill_marks(marks: &[Mark], end: u64, out: &mut [Cell]) {
    out.fill(Cell::Empty);
    let w = out.len();
    for m in marks {
        let c = Cell::from(m.kind);
        let k = cell_of(m.block + 1, end, w);
        if let Some(x) = out.get_mut(k) {
            *x = (*x).max(c);
        }
    }
}

/// The first subnet a narration names (`SN28`, `sn 28`) among `known`, if any.
#[must_use]
pub fn named_subnet(text: &str, known: impl Fn(Netuid) -> bool) -> Option<Netuid> {
    let b = text.as_bytes();
    let mut i = 0;
    while i + 1 < b.len() {
        let at_word = i == 0 || !b[i - 1].is_ascii_alphanumeric();
        if at_word && b[i..i + 2].eq_ignore_ascii_case(b"sn") {
            let mut j = i + 2;
            while j < b.len() && b[j] == b' ' {
                j += 1;
            }
            let start = j;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            let end_word = j == b.len() || !b[j].is_ascii_alphanumeric();
            if j > start && end_word {
                if let Some(n) = text[start..j].parse::<Netuid>().ok().filter(|n| known(*n)) {
                    return Some(n);
                }
            }
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn goto_takes_blocks_and_days_and_says_what_is_wrong() {
        let end = 3 * BLOCKS_PER_DAY;
        // Every block a prompt accepts reads as a day the prompt accepts.
        for b in [0, 7199, 7200, end - 1, end] {
            let day = day_of(b, end);
            assert!(parse_goto(&format!("d{day}"), end).is_ok(), "block {b} is day {day}");
        }
        assert_eq!(day_of(end, end), 3);
        assert_eq!(parse_goto("12345", end), Ok(12_345));
        assert_eq!(parse_goto(" 12,345 ", end), Ok(12_345));
        assert_eq!(parse_goto("0", end), Ok(0));
        assert_eq!(parse_goto("d1", end), Ok(0));
        assert_eq!(parse_goto("d2", end), Ok(7200));
        assert_eq!(parse_goto("Day 3", end), Ok(14_400));
        assert_eq!(parse_goto("d 3", end), Ok(14_400));
        assert_eq!(parse_goto(&end.to_string(), end), Ok(end));
        let err = |t: &str| parse_goto(t, end).expect_err(t);
        assert!(err("").contains("type a block number"));
        assert!(err("abc").contains("'abc' is not a block or a day"));
        assert!(err("dx").contains("'x' is not a day number"));
        assert!(err("d0").contains("days count from 1"));
        assert!(err("d4").contains("there is no day 4: the recording has 3 days"));
        assert!(err("99999").contains("block 99,999 is past the end of the recording (block 21,600)"));
        assert!(err("-5").contains("is not a block"));
    }

    #[test]
    fn marks_land_in_their_cells_and_the_most_telling_wins() {
        let m = |block, kind| Mark { block, kind, text: String::new(), log: None };
        let marks = [m(0, MarkKind::BigTrade), m(1, MarkKind::Narration), m(98, MarkKind::Event)];
        let mut cells = [Cell::Empty; 10];
        fill_marks(&marks, 100, &mut cells);
        assert_eq!(cells[0], Cell::Narration);
        assert_eq!(cells[9], Cell::Event);
        assert_eq!(cells[1..9], [Cell::Empty; 8]);
        assert_eq!(cell_of(100, 100, 10), 9);
        assert_eq!(cell_of(50, 100, 10), 5);
        assert_eq!(cell_of(5, 0, 10), 0, "an empty match does not divide by zero");
    }

    #[test]
    fn a_narration_names_a_known_subnet() {
        let known = |n: Netuid| n == 28 || n == 9;
        assert_eq!(named_subnet("SN28 'TAO Accumulation Corp' is a memecoin", known), Some(28));
        assert_eq!(named_subnet("Compare SN9's spot price", known), Some(9));
        assert_eq!(named_subnet("chase sn 28 now", known), Some(28));
        assert_eq!(named_subnet("SN5 then SN28", known), Some(28));
        assert_eq!(named_subnet("ASN28 SN280 snow", known), None);
        assert_eq!(named_subnet("", known), None);
        assert_eq!(named_subnet("SN", known), None);
    }
}
