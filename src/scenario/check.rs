//! Problems and typed reading: turns [`Node`]s into numbers, rates, names and tables,
//! and records every problem as `FILE:LINE: KEY: what is wrong; how to fix it`.
//!
//! Readers never stop at the first problem: a bad value is recorded and reading goes on
//! (the caller falls back to a default), so one run reports everything. Keys are written
//! as paths: `blocks`, `params.tempo`, `subnet[2].miners.count`, `event[1].hype.crowd`,
//! where `[n]` counts the `[[subnet]]`, `[[npc]]` or `[[event]]` tables from 1 in file
//! order.

use std::fmt::Display;
use std::ops::Range;

use crate::engine::amount::{AmountError, Ppb, RAO_PER_TAO, format_rao, rao_from_decimal};

use super::tree::{Entry, Node, Value};

/// The supply cap: 21 million TAO (and alpha per subnet), in rao.
pub(crate) const SUPPLY_CAP_RAO: u64 = 21_000_000 * RAO_PER_TAO;

/// Every problem found so far, with its line.
#[derive(Debug)]
pub(crate) struct Problems<'a> {
    file: &'a str,
    /// Byte offsets of the source's newlines, for [`Problems::line`] (a map with
    /// thousands of events asks for a line per table: a scan from the start each time
    /// made a large map take minutes).
    newlines: Vec<usize>,
    /// The source's length in bytes.
    len: usize,
    list: Vec<(usize, String)>,
}

impl<'a> Problems<'a> {
    pub fn new(file: &'a str, source: &str) -> Self {
        let newlines = source.bytes().enumerate().filter(|(_, b)| *b == b'\n').map(|(i, _)| i).collect();
        Self { file, newlines, len: source.len(), list: Vec::new() }
    }

    /// The line of a byte range's start (counted as [`super::tree::line_of`] counts it).
    pub fn line(&self, span: Option<&Range<usize>>) -> Option<usize> {
        span.map(|s| self.line_at(s.start))
    }

    /// The 1-based line of a byte offset, as [`super::tree::line_of`] gives it, by a binary
    /// search.
    pub fn line_at(&self, offset: usize) -> usize {
        let end = offset.min(self.len.saturating_sub(1));
        self.newlines.partition_point(|p| *p < end) + 1
    }

    /// Records `FILE:LINE: KEY: what; fix`. A map's own text quoted in the message (a
    /// misspelt key, a name an event refers to) shows its control and formatting
    /// characters as escapes (`\u{1b}`), so a message never runs terminal commands.
    pub fn add(&mut self, line: usize, key: &str, what: impl Display, fix: impl Display) {
        // A key or a quoted value of 100,000 characters is cut short, not echoed whole.
        let clip = |s: &str, n| crate::text::escape(s, crate::text::is_hidden, n);
        let (key, what) = (clip(key, MAX_KEY_CHARS), clip(&what.to_string(), MAX_WHAT_CHARS));
        let text = crate::text::escape_hidden(&format!("{}:{line}: {key}: {what}; {fix}", self.file));
        self.list.push((line, text));
    }

    /// Whether nothing is wrong so far.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The messages, in line order (problems on one line keep the order they were found).
    pub fn into_messages(mut self) -> Vec<String> {
        self.list.sort_by_key(|(line, _)| *line);
        self.list.into_iter().map(|(_, t)| t).collect()
    }
}

/// The longest key path and problem a message shows (longer ones end in `…`).
const MAX_KEY_CHARS: usize = 120;
const MAX_WHAT_CHARS: usize = 300;

/// A TOML table being read: its entries, its key path and its header's line.
#[derive(Clone, Debug)]
pub(crate) struct Tbl<'n> {
    /// `subnet[2]`, `params`, or empty for the document.
    pub path: String,
    /// The line of its header (or of its first key).
    pub line: usize,
    /// Its entries.
    pub entries: &'n [Entry],
}

impl<'n> Tbl<'n> {
    /// The key path of one of its keys.
    pub fn key(&self, key: &str) -> String {
        if self.path.is_empty() { key.to_string() } else { format!("{}.{key}", self.path) }
    }

    /// The entry for a key.
    pub fn get(&self, key: &str) -> Option<&'n Entry> {
        self.entries.iter().find(|e| e.key == key)
    }

    /// Whether the key is present.
    pub fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// How a problem about the table as a whole names it.
    pub fn name(&self) -> &str {
        if self.path.is_empty() { "map" } else { &self.path }
    }
}

/// One key of a table: its name, what it is (for messages) and an example value.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Field {
    /// The key.
    pub key: &'static str,
    /// What the value means, as a noun phrase: "the pool's TAO".
    pub about: &'static str,
    /// An example value as it would be written in the map: `5000.0`.
    pub eg: &'static str,
}

/// Shorthand for a [`Field`].
pub(crate) const fn field(key: &'static str, about: &'static str, eg: &'static str) -> Field {
    Field { key, about, eg }
}

/// The reading context: the problems and the source lines.
pub(crate) struct Cx<'a> {
    pub problems: Problems<'a>,
    /// `(table path, key)` for every unknown key whose message already suggested the
    /// key: a misspelt required key is then one problem ("did you mean 'blocks'?"), not
    /// two (that and "blocks: missing").
    suggested: Vec<(String, String)>,
    /// The map comes from a recording: limits added since recordings were first made
    /// (name lengths) are not applied, so that every recording keeps loading.
    pub recorded: bool,
}

impl<'a> Cx<'a> {
    pub fn new(file: &'a str, source: &'a str) -> Self {
        Self { problems: Problems::new(file, source), suggested: Vec::new(), recorded: false }
    }

    /// Notes that an unknown key of table `path` was reported with "did you mean `key`?".
    pub fn suggested(&mut self, path: &str, key: &str) {
        self.suggested.push((path.to_string(), key.to_string()));
    }

    /// The line of a node, or `fallback` when the parser gave it no span.
    pub fn node_line(&self, node: &Node, fallback: usize) -> usize {
        self.problems.line(node.span.as_ref()).unwrap_or(fallback)
    }

    /// The line of an entry's key (or of its value).
    pub fn entry_line(&self, e: &Entry, fallback: usize) -> usize {
        self.problems.line(e.key_span.as_ref()).or_else(|| self.problems.line(e.node.span.as_ref())).unwrap_or(fallback)
    }

    /// Records a problem about `key` of a table, on the key's line (or the table's).
    pub fn bad(&mut self, t: &Tbl<'_>, key: &str, what: impl Display, fix: impl Display) {
        let line = t.get(key).map_or(t.line, |e| self.entry_line(e, t.line));
        self.problems.add(line, &t.key(key), what, fix);
    }

    /// Whether an unknown key of table `path` was reported with "did you mean `key`?".
    pub fn was_suggested(&self, path: &str, key: &str) -> bool {
        self.suggested.iter().any(|(p, k)| p == path && k == key)
    }

    /// Records a missing key (unless a misspelling of it was reported with a suggestion).
    pub fn missing(&mut self, t: &Tbl<'_>, f: &Field) {
        if self.was_suggested(&t.path, f.key) {
            return;
        }
        self.problems.add(t.line, &t.key(f.key), "missing", format!("add {} = {} ({})", f.key, f.eg, f.about));
    }

    /// Reports every key of `t` that is not in `known`, with a suggestion.
    pub fn unknown_keys(&mut self, t: &Tbl<'_>, known: &[&str], what: &str) {
        self.unknown_keys_or(t, known, what, |_| None);
    }

    /// As [`Cx::unknown_keys`], but `misplaced` may explain a key that belongs elsewhere
    /// (`Some((what is wrong, how to fix it))`) before any spelling suggestion is tried.
    pub fn unknown_keys_or(
        &mut self,
        t: &Tbl<'_>,
        known: &[&str],
        what: &str,
        misplaced: impl Fn(&str) -> Option<(String, String)>,
    ) {
        for e in t.entries {
            if known.contains(&e.key.as_str()) {
                continue;
            }
            let line = self.entry_line(e, t.line);
            if let Some((wrong, fix)) = misplaced(&e.key) {
                self.problems.add(line, &t.key(&e.key), wrong, fix);
                continue;
            }
            let fix = match suggest(&e.key, known.iter().copied()) {
                Some(s) => {
                    self.suggested(&t.path, s);
                    format!("did you mean '{s}'?")
                }
                None => format!("{what} takes: {}", known.join(", ")),
            };
            self.problems.add(line, &t.key(&e.key), "unknown key", fix);
        }
    }

    /// The table under `key`: `None` (and a problem) if it is something else.
    pub fn table<'n>(&mut self, t: &Tbl<'n>, key: &str, eg: &str) -> Option<Tbl<'n>> {
        let e = t.get(key)?;
        let line = self.node_line(&e.node, self.entry_line(e, t.line));
        match &e.node.value {
            Value::Table(entries) => Some(Tbl { path: t.key(key), line, entries }),
            // `[[params]]`: a header with double brackets, for a table there is one of.
            v @ Value::Array(items)
                if t.path.is_empty() && items.iter().all(|i| matches!(i.value, Value::Table(_))) =>
            {
                self.bad(
                    t,
                    key,
                    format!("must be a table, not {}", v.kind()),
                    format!("write its header as [{key}] (single brackets): a map has one {key} table"),
                );
                None
            }
            v => {
                self.bad(t, key, format!("must be a table, not {}", v.kind()), format!("write it as {key} = {eg}"));
                None
            }
        }
    }

    /// The `[[key]]` tables (an empty list when absent or wrong, with a problem if wrong).
    pub fn tables<'n>(&mut self, t: &Tbl<'n>, key: &str) -> Vec<Tbl<'n>> {
        let Some(e) = t.get(key) else {
            return Vec::new();
        };
        let fallback = self.entry_line(e, t.line);
        let items = match &e.node.value {
            Value::Array(items) => items,
            v => {
                self.bad(
                    t,
                    key,
                    format!("must be a list of [[{key}]] tables, not {}", v.kind()),
                    format!("write [[{key}]] (double brackets) above each one"),
                );
                return Vec::new();
            }
        };
        let mut out = Vec::new();
        for (i, n) in items.iter().enumerate() {
            let path = format!("{}[{}]", t.key(key), i + 1);
            let line = self.node_line(n, fallback);
            match &n.value {
                Value::Table(entries) => out.push(Tbl { path, line, entries }),
                v => self.problems.add(
                    line,
                    &path,
                    format!("must be a table, not {}", v.kind()),
                    format!("write [[{key}]] tables"),
                ),
            }
        }
        out
    }

    /// A string; `None` if absent (a problem if `required`) or not a string.
    pub fn string(&mut self, t: &Tbl<'_>, f: &Field, required: bool) -> Option<String> {
        let Some(e) = t.get(f.key) else {
            if required {
                self.missing(t, f);
            }
            return None;
        };
        match &e.node.value {
            Value::String(s) if s.trim().is_empty() => {
                self.bad(t, f.key, "must not be empty", format!("write {} such as {}", f.about, f.eg));
                None
            }
            Value::String(s) => Some(s.clone()),
            v => {
                self.bad(
                    t,
                    f.key,
                    format!("must be a string, not {}", v.kind()),
                    format!("write {} in quotes, such as {}", f.about, f.eg),
                );
                None
            }
        }
    }

    /// A name from a fixed list (`mechanism`, `policy`, ...).
    pub fn choice<T: Copy>(&mut self, t: &Tbl<'_>, f: &Field, required: bool, all: &[(&'static str, T)]) -> Option<T> {
        let s = self.string(t, f, required)?;
        if let Some((_, v)) = all.iter().find(|(n, _)| *n == s) {
            return Some(*v);
        }
        let names: Vec<&str> = all.iter().map(|(n, _)| *n).collect();
        let hint = match suggest(&s, names.iter().copied()) {
            Some(x) => format!("did you mean \"{x}\"? The choices are: {}", names.join(" | ")),
            None => format!("use one of: {}", names.join(" | ")),
        };
        self.bad(t, f.key, format!("unknown {} '{s}'", f.key), hint);
        None
    }

    /// A boolean.
    pub fn boolean(&mut self, t: &Tbl<'_>, f: &Field) -> Option<bool> {
        let e = t.get(f.key)?;
        match &e.node.value {
            Value::Boolean(b) => Some(*b),
            v => {
                self.bad(
                    t,
                    f.key,
                    format!("must be true or false, not {}", v.kind()),
                    format!("write {} = {}", f.key, f.eg),
                );
                None
            }
        }
    }

    /// A number (whole or decimal) as f64, with a type problem if it is not one.
    fn number(&mut self, t: &Tbl<'_>, f: &Field, required: bool, shape: &str) -> Option<f64> {
        let Some(e) = t.get(f.key) else {
            if required {
                self.missing(t, f);
            }
            return None;
        };
        match number_of(&e.node.value) {
            Some(x) if x.is_finite() => Some(x),
            Some(_) => {
                self.bad(t, f.key, "must be a finite number", format!("write {} as {shape} such as {}", f.about, f.eg));
                None
            }
            None => {
                let quotes = if matches!(e.node.value, Value::String(_)) { " (no quotes)" } else { "" };
                self.bad(
                    t,
                    f.key,
                    format!("must be a number, not {}", e.node.value.kind()),
                    format!("write {} as {shape} such as {}{quotes}", f.about, f.eg),
                );
                None
            }
        }
    }

    /// An amount of TAO or alpha in rao: finite, not negative, within the supply cap.
    pub fn amount(&mut self, t: &Tbl<'_>, f: &Field, required: bool) -> Option<u64> {
        self.amount_from(t, f, required, None)
    }

    /// An amount whose smallest valid value, when there is one (a pool's minimum
    /// liquidity), the message for a value below 1 rao names instead of "0 or 1 rao".
    pub fn amount_from(&mut self, t: &Tbl<'_>, f: &Field, required: bool, least: Option<u64>) -> Option<u64> {
        let x = self.number(t, f, required, "a number")?;
        match rao_from_decimal(x) {
            Ok(0) if x > 0.0 => {
                let fix = match least {
                    Some(least) => format!("write {} as at least {}", f.about, units(least)),
                    None => format!("write {} as 0 or at least 0.000000001", f.about),
                };
                self.bad(
                    t,
                    f.key,
                    format!("{} is below 1 rao (0.000000001), the smallest amount, so it would be 0", short_number(x)),
                    fix,
                );
                None
            }
            Ok(r) if r <= SUPPLY_CAP_RAO => Some(r),
            Ok(_) | Err(AmountError::TooLarge) => {
                self.bad(
                    t,
                    f.key,
                    format!("{} is more than the supply cap, 21,000,000", short_number(x)),
                    format!("write {} as a smaller number such as {}", f.about, f.eg),
                );
                None
            }
            Err(AmountError::Negative) => {
                self.bad(
                    t,
                    f.key,
                    "must not be negative",
                    format!("write {} as a positive number such as {}", f.about, f.eg),
                );
                None
            }
            Err(AmountError::NotFinite) => {
                self.bad(
                    t,
                    f.key,
                    "must be a finite number",
                    format!("write {} as a number such as {}", f.about, f.eg),
                );
                None
            }
        }
    }

    /// A rate in ppb: not negative and at most `max` (a fraction).
    pub fn rate(&mut self, t: &Tbl<'_>, f: &Field, required: bool, max: f64) -> Option<Ppb> {
        let x = self.number(t, f, required, "a fraction")?;
        if !(0.0..=max).contains(&x) {
            let range = if max == 1.0 { "between 0 and 1".to_string() } else { format!("between 0 and {max}") };
            // (A multiple, such as a price multiple, is no fraction.)
            let noun = if max <= 1.0 { "a fraction" } else { "a number" };
            let mut fix = format!("write {} as {noun} such as {}", f.about, f.eg);
            if let Some(p) = percent_hint(x, max) {
                fix = format!("{fix} ({p})");
            }
            self.bad(t, f.key, format!("must be {range}"), fix);
            return None;
        }
        let r = Ppb::from_decimal(x).ok()?;
        if x > 0.0 && r == Ppb::ZERO {
            self.bad(t, f.key, below_a_billionth(x), format!("write {} as 0 or at least 0.000000001", f.about));
            return None;
        }
        Some(r)
    }

    /// A whole number in `min..=max`.
    pub fn int(&mut self, t: &Tbl<'_>, f: &Field, required: bool, min: i64, max: i64) -> Option<i64> {
        let x = self.number(t, f, required, "a whole number")?;
        #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
        let ok = x.fract() == 0.0 && x >= min as f64 && x <= max as f64;
        if !ok {
            // The full range is the caller's "any whole number" (its own checks follow):
            // no range of nineteen-digit numbers then.
            let what = if min == i64::MIN && max == i64::MAX {
                "must be a whole number".to_string()
            } else {
                format!("must be a whole number from {min} to {max}")
            };
            self.bad(t, f.key, what, format!("write {} such as {}", f.about, f.eg));
            return None;
        }
        #[allow(clippy::cast_possible_truncation)]
        Some(x as i64)
    }
}

/// The problem with a nonzero fraction that the engine's billionths would keep as 0.
pub(crate) fn below_a_billionth(x: f64) -> String {
    format!(
        "{} is below one billionth (0.000000001), the smallest fraction the engine keeps, so it would be 0",
        short_number(x)
    )
}

/// A number as written for a message: `0.0000000001`, `21000001`, and in scientific
/// form below a millionth of a billionth or from a million billions (`1e-320`, `1e300`,
/// which would be hundreds of digits).
pub(crate) fn short_number(x: f64) -> String {
    if x != 0.0 && (x.abs() < 1e-15 || x.abs() >= 1e15) { format!("{x:e}") } else { format!("{x}") }
}

/// For a rate that looks written as a percentage (`18` for `0.18`: above `max`, above 2
/// and at most 100): "if you meant 18%, write 0.18".
pub(crate) fn percent_hint(x: f64, max: f64) -> Option<String> {
    if !(x > max && x > 2.0 && x <= 100.0) {
        return None;
    }
    let fraction = format!("{:.9}", x / 100.0);
    let fraction = fraction.trim_end_matches('0').trim_end_matches('.');
    Some(format!("if you meant {x}%, write {fraction}"))
}

/// A TOML number as f64.
#[allow(clippy::cast_precision_loss)]
pub(crate) fn number_of(v: &Value) -> Option<f64> {
    match v {
        Value::Integer(i) => Some(*i as f64),
        Value::Float(x) => Some(*x),
        _ => None,
    }
}

/// Formats rao as whole units for messages.
pub(crate) fn units(rao: u64) -> String {
    format_rao(rao)
}

pub(crate) use crate::text::suggest;

/// Netuids as compact ranges: `1-12, 14, 20-22`.
pub(crate) fn ranges(netuids: &[u16]) -> String {
    let mut v = netuids.to_vec();
    v.sort_unstable();
    v.dedup();
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < v.len() {
        let start = v[i];
        let mut end = start;
        while i + 1 < v.len() && end.checked_add(1) == Some(v[i + 1]) {
            i += 1;
            end = v[i];
        }
        out.push(if start == end { start.to_string() } else { format!("{start}-{end}") });
        i += 1;
    }
    out.join(", ")
}

#[cfg(test)]
mod tests {
    use super::super::tree::line_of;
    use super::*;

    #[test]
    fn suggestions_are_close_names_only() {
        let keys = ["netuid", "name", "tao", "alpha_in", "alpha_out", "moving_price"];
        assert_eq!(suggest("taoo", keys), Some("tao"));
        assert_eq!(suggest("netiud", keys), Some("netuid"));
        assert_eq!(suggest("Name", keys), Some("name"));
        assert_eq!(suggest("moving", keys), Some("moving_price"));
        assert_eq!(suggest("colour", keys), None);
        assert_eq!(suggest("x", keys), None);
        assert_eq!(suggest("subnets", ["subnet", "npc", "event"]), Some("subnet"));
    }

    #[test]
    fn percentages_are_recognised_only_above_the_range_and_up_to_100() {
        assert_eq!(percent_hint(18.0, 1.0).as_deref(), Some("if you meant 18%, write 0.18"));
        assert_eq!(percent_hint(18.5, 1.0).as_deref(), Some("if you meant 18.5%, write 0.185"));
        assert_eq!(percent_hint(100.0, 1.0).as_deref(), Some("if you meant 100%, write 1"));
        assert_eq!(percent_hint(3.0, 1.0).as_deref(), Some("if you meant 3%, write 0.03"));
        // 1.5 or 2 is as likely a ratio as a percentage.
        assert_eq!(percent_hint(1.5, 1.0), None);
        assert_eq!(percent_hint(2.0, 1.0), None);
        assert_eq!(percent_hint(150.0, 1.0), None);
        assert_eq!(percent_hint(-5.0, 1.0), None);
        assert_eq!(percent_hint(50.0, 100.0), None);
        assert_eq!(percent_hint(f64::NAN, 1.0), None);
    }

    #[test]
    fn distance_is_levenshtein_with_neighbours_swapped_as_one_edit() {
        use crate::text::distance;
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("tao", "tao"), 0);
        assert_eq!(distance("mpa", "map"), 1);
        assert_eq!(distance("flw", "flow"), 1);
        assert_eq!(distance("ca", "abc"), 3, "no edit of a swapped pair");
        assert_eq!(suggest("mpa", ["map", "maps", "blocks"]), Some("map"));
    }

    #[test]
    fn ranges_are_compact() {
        assert_eq!(ranges(&[3, 1, 2, 7, 9, 10]), "1-3, 7, 9-10");
        assert_eq!(ranges(&[]), "");
        assert_eq!(ranges(&[u16::MAX - 1, u16::MAX]), "65534-65535");
    }

    #[test]
    fn the_line_index_counts_as_line_of_does() {
        for src in ["", "a", "a\n", "a\nb\n", "\n\n\nx", "name = \"é\"\r\nblocks = 1\r\n"] {
            let p = Problems::new("f", src);
            for offset in 0..=src.len() + 2 {
                assert_eq!(p.line_at(offset), line_of(src, offset), "{src:?} at {offset}");
            }
        }
    }

    #[test]
    fn problems_sort_by_line_and_keep_order_within_a_line() {
        let mut p = Problems::new("f.toml", "a\nb\nc\n");
        p.add(3, "c", "bad", "fix");
        p.add(1, "a", "bad", "fix one");
        p.add(1, "a", "worse", "fix two");
        assert_eq!(
            p.into_messages(),
            vec!["f.toml:1: a: bad; fix one", "f.toml:1: a: worse; fix two", "f.toml:3: c: bad; fix"]
        );
    }
}
