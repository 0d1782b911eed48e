//! Lua patterns made safe by construction: a static upper bound on the matcher's work.
//!
//! Lua's pattern matcher (`string.find` without `plain`, `match`, `gmatch`, `gsub`) is a
//! backtracking C function. The instruction hook never runs inside it, so one call such
//! as `string.gsub(("a"):rep(40) .. "b", ("a?"):rep(40) .. ("a"):rep(40), "x")` can run
//! for minutes and no limit can stop it. Before every pattern call the host therefore
//! computes, from the subject length and the pattern text alone, an upper bound on the
//! number of matcher steps:
//!
//! ```text
//! work = starts * branches * (m + 1 + scans * (n + 1))
//! ```
//!
//! - `n` is the subject's length in bytes and `m` the pattern's;
//! - `starts` is 1 for a pattern anchored with `^` (`find`, `match`, `gsub`) and `n + 1`
//!   otherwise (every start position may be tried);
//! - `branches` is the product over the pattern's quantified items of their choices:
//!   2 for `?`, `n + 1` for `*`, `+` and `-`;
//! - `scans` counts the items that scan the subject without branching: `%bxy` and
//!   back-references `%1`..`%9`.
//!
//! A literal search (`find` with `plain`, or a pattern with no special characters) is
//! `(n + 1) * (m + 1)`. Each path through the matcher's search tree visits every pattern
//! item once; a quantified item multiplies the number of paths by its choices; so the
//! bound holds for every subject of that length, whatever its content.
//!
//! A call whose bound exceeds [`WORK_LIMIT`] is refused with an error before any C code
//! runs. An accepted call is charged `ceil(work / WORK_PER_INSTRUCTION)` instructions
//! against the call's budget, so a loop of cheap pattern calls cannot outlast the budget
//! either. Ordinary uses fit easily: `s:match("^(%w+)")` on a 30-byte name is about 200
//! units; `gmatch("%d+")` over 200 bytes is about 160,000.

/// The largest work bound a single pattern call may have.
pub(crate) const WORK_LIMIT: u128 = 4_000_000;

/// Work units charged as one Lua instruction.
pub(crate) const WORK_PER_INSTRUCTION: u128 = 4;

/// Lua's `SPECIALS`: a pattern without any of these is searched for literally.
const SPECIALS: &[u8] = b"^$*+?.([%-";

/// The pattern function being called.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PatternFn {
    /// `string.find`.
    Find,
    /// `string.match`.
    Match,
    /// `string.gmatch` (where `^` is a literal character, not an anchor).
    Gmatch,
    /// `string.gsub`.
    Gsub,
}

impl PatternFn {
    /// From the host's numeric code (1..=4).
    pub(crate) fn from_code(code: i64) -> Option<Self> {
        match code {
            1 => Some(Self::Find),
            2 => Some(Self::Match),
            3 => Some(Self::Gmatch),
            4 => Some(Self::Gsub),
            _ => None,
        }
    }

    /// The name strategies call it by.
    pub(crate) const fn name(self) -> &'static str {
        match self {
            Self::Find => "string.find",
            Self::Match => "string.match",
            Self::Gmatch => "string.gmatch",
            Self::Gsub => "string.gsub",
        }
    }
}

/// Whether `f(subject, pattern)` is a literal search (`find` with `plain`, or a pattern
/// without special characters), which has no pattern items to simplify.
pub(crate) fn is_literal(f: PatternFn, p: &[u8], plain: bool) -> bool {
    f == PatternFn::Find && (plain || !p.iter().any(|c| SPECIALS.contains(c)))
}

/// The upper bound on matcher steps of `f(subject, pattern)` for a subject of `n` bytes.
/// Malformed patterns get a finite bound too; Lua then raises its own error.
pub(crate) fn work_bound(f: PatternFn, n: usize, p: &[u8], plain: bool) -> u128 {
    let n1 = n as u128 + 1;
    let m1 = p.len() as u128 + 1;
    if is_literal(f, p, plain) {
        return n1.saturating_mul(m1);
    }
    let mut i = 0;
    let mut anchored = false;
    if f != PatternFn::Gmatch && p.first() == Some(&b'^') {
        anchored = true;
        i = 1;
    }
    let mut branches: u128 = 1;
    let mut scans: u128 = 0;
    while i < p.len() {
        match p[i] {
            b'(' | b')' => {
                i += 1;
                continue;
            }
            b'$' if i + 1 == p.len() => {
                i += 1;
                continue;
            }
            b'%' => match p.get(i + 1) {
                None => break,
                Some(b'b') => {
                    scans += 1;
                    i += 4;
                    continue;
                }
                Some(b'f') => {
                    i += 2;
                    if p.get(i) != Some(&b'[') {
                        break;
                    }
                    i = set_end(p, i);
                    continue;
                }
                Some(d) if d.is_ascii_digit() => {
                    scans += 1;
                    i += 2;
                    continue;
                }
                Some(_) => {}
            },
            _ => {}
        }
        let end = class_end(p, i);
        match p.get(end) {
            Some(b'?') => {
                branches = branches.saturating_mul(2);
                i = end + 1;
            }
            Some(b'*' | b'+' | b'-') => {
                branches = branches.saturating_mul(n1);
                i = end + 1;
            }
            _ => i = end,
        }
    }
    let starts = if anchored { 1 } else { n1 };
    let per_path = m1.saturating_add(scans.saturating_mul(n1));
    starts.saturating_mul(branches).saturating_mul(per_path)
}

/// The index just after the single-character class starting at `p[i]` (Lua's `classEnd`).
fn class_end(p: &[u8], i: usize) -> usize {
    match p.get(i) {
        Some(b'%') => i + 2,
        Some(b'[') => set_end(p, i),
        _ => i + 1,
    }
}

/// The index just after the set `[...]` starting at `p[i] == '['`, or `p.len()` when
/// the set is not closed. Like Lua, the first character of a set (after an optional
/// `^`) is never its end, so `[]]` is the set of `]`.
fn set_end(p: &[u8], i: usize) -> usize {
    let mut j = i + 1;
    if p.get(j) == Some(&b'^') {
        j += 1;
    }
    loop {
        let Some(&c) = p.get(j) else { return p.len() };
        j += 1;
        if c == b'%' && j < p.len() {
            j += 1;
        }
        match p.get(j) {
            Some(b']') => return j + 1,
            None => return p.len(),
            Some(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_searches_are_linear() {
        assert_eq!(work_bound(PatternFn::Find, 100, b"abc", false), 101 * 4);
        assert_eq!(work_bound(PatternFn::Find, 100, b"a.c", true), 101 * 4);
    }

    #[test]
    fn quantifiers_multiply() {
        // %d+ unanchored: starts (n+1) * branches (n+1) * (m+1).
        assert_eq!(work_bound(PatternFn::Gmatch, 10, b"%d+", false), 11 * 11 * 4);
        // Anchored: one start.
        assert_eq!(work_bound(PatternFn::Match, 10, b"^%d+", false), 11 * 5);
        // gmatch does not anchor: '^' is a literal item.
        assert_eq!(work_bound(PatternFn::Gmatch, 10, b"^a", false), 11 * 3);
        // '?' doubles.
        assert_eq!(work_bound(PatternFn::Match, 10, b"^a?b?", false), 4 * 6);
    }

    #[test]
    fn the_catastrophic_pattern_is_refused() {
        let p = format!("{}{}", "a?".repeat(40), "a".repeat(40));
        let w = work_bound(PatternFn::Gsub, 41, p.as_bytes(), false);
        assert!(w > WORK_LIMIT, "{w}");
        let p = "a*".repeat(30) + "b";
        assert!(work_bound(PatternFn::Find, 1000, p.as_bytes(), false) > WORK_LIMIT);
    }

    #[test]
    fn escapes_sets_and_specials_are_parsed_like_lua() {
        // "%*" is a literal star, not a quantifier.
        assert_eq!(work_bound(PatternFn::Match, 10, b"^%*", false), 4);
        // A set containing quantifier characters is one item.
        assert_eq!(work_bound(PatternFn::Match, 10, b"^[*+?-]", false), 8);
        // "[]]" is the set of ']'; then '*' quantifies it.
        assert_eq!(work_bound(PatternFn::Match, 10, b"^[]]*", false), 11 * 6);
        // %b and back-references scan.
        assert_eq!(work_bound(PatternFn::Match, 10, b"^%b()", false), 6 + 11);
        assert_eq!(work_bound(PatternFn::Match, 10, b"^(a)%1", false), 7 + 11);
        // %f[set] neither branches nor scans.
        assert_eq!(work_bound(PatternFn::Match, 10, b"^%f[%w]", false), 8);
        // '$' is an anchor only at the end; elsewhere an item that can be quantified.
        assert_eq!(work_bound(PatternFn::Match, 10, b"^a$", false), 4);
        assert_eq!(work_bound(PatternFn::Match, 10, b"^$*", false), 11 * 4);
    }

    #[test]
    fn malformed_patterns_do_not_panic() {
        for p in [&b"%"[..], b"[", b"[^", b"[%", b"%b", b"%bx", b"%f", b"%fx", b"(", b"((((", b"*", b"-?+*"] {
            let _ = work_bound(PatternFn::Gsub, 5, p, false);
            let _ = work_bound(PatternFn::Find, 5, p, false);
        }
    }
}
