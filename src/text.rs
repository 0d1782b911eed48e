//! Text from users (maps, strategies, network peers) made safe to show in a terminal:
//! which characters hide or reorder what is around them, and their escapes; counts
//! with their words (`1 player`, `2 players`); and numbers with thousands separators.
//!
//! Two sets, one place: [`is_hidden`] is what shown text may not hold (a map's text, a
//! log line, a message), and [`is_invisible`] adds the characters that show nothing by
//! themselves, which a name may not hold (it would pass for another), but which emoji
//! and some scripts need inside text (the zero-width joiners, variation selectors, tags).

/// Whether `c` hides or reorders the text around it: a control character (ESC starts
/// terminal commands; a line break, a tab) or an invisible formatting character (the
/// bidirectional overrides and isolates such as U+202E, the zero-width space, the soft
/// hyphen, the word joiner and invisible operators, the byte-order mark, interlinear
/// annotations).
#[must_use]
pub fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00ad}'
                | '\u{061c}'
                | '\u{180e}'
                | '\u{200b}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{206f}'
                | '\u{feff}'
                | '\u{fff9}'..='\u{fffb}'
        )
}

/// Whether `c` is [`is_hidden`] or shows nothing by itself: the zero-width joiner and
/// non-joiner, variation selectors, tags, fillers and the other Unicode format
/// characters. A name with one (`ana` + U+200B) could pass for another name.
#[must_use]
pub fn is_invisible(c: char) -> bool {
    is_hidden(c)
        || matches!(
            u32::from(c),
            0x34F
                | 0x600..=0x605
                | 0x6DD
                | 0x70F
                | 0x890..=0x891
                | 0x8E2
                | 0x115F..=0x1160
                | 0x17B4..=0x17B5
                | 0x180B..=0x180F
                | 0x200C..=0x200D
                | 0x2065
                | 0x3164
                | 0xFE00..=0xFE0F
                | 0xFFA0
                | 0x110BD
                | 0x110CD
                | 0x13430..=0x1343F
                | 0x1BCA0..=0x1BCA3
                | 0x1D173..=0x1D17A
                | 0xE0000..=0xE0FFF
        )
}

/// `s` with every character for which `escaped` holds written as an escape such as
/// `\u{1b}`, and at most `max_chars` characters of `s` kept (then `…`).
#[must_use]
pub fn escape(s: &str, escaped: impl Fn(char) -> bool, max_chars: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max_chars.saturating_mul(4)) + 8);
    for (k, c) in s.chars().enumerate() {
        if k == max_chars {
            out.push('…');
            break;
        }
        if escaped(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// `s` with its [`is_hidden`] characters as escapes (a line break too: the result is
/// one line).
#[must_use]
pub fn escape_hidden(s: &str) -> String {
    if s.chars().any(is_hidden) { escape(s, is_hidden, usize::MAX) } else { s.to_string() }
}

/// A message for the terminal, which may run over several lines: its line breaks and
/// tabs stay, every other [`is_hidden`] character becomes an escape (a map name, a file
/// name or a server's reason quoted in an error could hold ESC sequences).
#[must_use]
pub fn escape_controls(s: &str) -> String {
    let hidden = |c: char| is_hidden(c) && c != '\n' && c != '\t';
    if s.chars().any(hidden) { escape(s, hidden, usize::MAX) } else { s.to_string() }
}

/// Log text as a terminal may show it, on one line: a tab or a line break (`\n`,
/// `\r\n`, `\r`) becomes a space, and the other [`is_hidden`] characters escapes (ESC
/// sequences could move the cursor, recolour or retitle the screen of whoever reads the
/// log; a bidirectional override could reverse what follows). `sim`'s bot lines,
/// `join --bot`'s lines and the game's Log (a map's multi-line narration) go through it.
#[must_use]
pub fn printable(s: String) -> String {
    if !s.chars().any(is_hidden) {
        return s;
    }
    let spaced = s.replace("\r\n", " ").replace(['\t', '\n', '\r'], " ");
    escape(&spaced, is_hidden, usize::MAX)
}

/// At most `n` characters of `s` (`n >= 1`): cut ones end in `…`.
#[must_use]
pub fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        s.chars().take(n.saturating_sub(1)).chain(std::iter::once('…')).collect()
    }
}

/// `n` and the word for that many: `1 player`, `2 players`, `0 players`.
#[must_use]
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Items as a sentence's list: `a`, `a and b`, `a, b and c`.
#[must_use]
pub fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// Where `bytes` stop being UTF-8: the line (from 1) and the byte within it (from 1), or
/// `None` when they are UTF-8 text.
#[must_use]
pub fn utf8_error_at(bytes: &[u8]) -> Option<(usize, usize)> {
    let valid = std::str::from_utf8(bytes).err()?.valid_up_to();
    let before = &bytes[..valid];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let column = valid - before.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1) + 1;
    Some((line, column))
}

/// An amount in rao as whole TAO (or alpha) to the hundredth, with separators, as the
/// game's screens show it: `1191116327115` as `1,191.12`. For people reading a terminal
/// (the workshop host's standings); reports and recordings keep exact amounts.
#[must_use]
#[allow(clippy::cast_precision_loss)]
pub fn tao_cents(rao: u64) -> String {
    group(&format!("{:.2}", rao as f64 / 1e9))
}

/// An amount with a precision that suits its size: `12.3M`, `12,345`, `123.45`,
/// `1.2345`, `0.001234` (the game's screens, its forms and its order outcomes).
#[must_use]
pub fn amount(x: f64) -> String {
    let a = x.abs();
    if !x.is_finite() {
        return "-".into();
    }
    if a == 0.0 {
        "0".into()
    } else if a >= 1e7 {
        format!("{:.2}M", x / 1e6)
    } else if a >= 1e4 {
        group(&format!("{x:.0}"))
    } else if a >= 100.0 {
        group(&format!("{x:.2}"))
    } else if a >= 1.0 {
        format!("{x:.4}")
    } else {
        format!("{x:.6}")
    }
}

/// An amount in rao as whole units, as [`amount`] writes it.
#[must_use]
#[allow(clippy::cast_precision_loss)]
pub fn rao_amount(rao: u64) -> String {
    amount(rao as f64 / 1e9)
}

/// A number of blocks: `1 block`, `3,050 blocks`.
#[must_use]
pub fn blocks(n: u64) -> String {
    format!("{} {}", thousands(n), if n == 1 { "block" } else { "blocks" })
}

/// `1234567` as `1,234,567`.
#[must_use]
pub fn thousands(n: u64) -> String {
    group(&n.to_string())
}

/// Thousands separators on the integer part of a plain decimal: `-1234.5` as `-1,234.5`.
#[must_use]
pub fn group(s: &str) -> String {
    let (sign, rest) = s.strip_prefix('-').map_or(("", s), |r| ("-", r));
    let (int, frac) = rest.split_once('.').map_or((rest, None), |(i, f)| (i, Some(f)));
    let mut out = String::with_capacity(s.len() + int.len() / 3);
    for (k, c) in int.chars().enumerate() {
        if k > 0 && (int.len() - k) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{out}.{f}"),
        None => format!("{sign}{out}"),
    }
}

/// Names longer than this are never suggested nor matched: the edit distance costs the
/// product of the lengths, and a strategy chooses both (`dtao.options`).
const SUGGEST_MAX_CHARS: usize = 64;

/// The closest known name to a misspelt one ("did you mean ...?"), if any is close enough: a small edit
/// distance (ignoring case), or a known name that starts with it.
pub fn suggest<'k>(word: &str, known: impl IntoIterator<Item = &'k str>) -> Option<&'k str> {
    if word.chars().count() > SUGGEST_MAX_CHARS {
        return None;
    }
    let known = known.into_iter().filter(|k| k.chars().count() <= SUGGEST_MAX_CHARS);
    let w = word.to_lowercase();
    let limit = match w.chars().count() {
        0..=3 => 1,
        4..=8 => 2,
        _ => 3,
    };
    let mut best: Option<(usize, &str)> = None;
    for k in known {
        let kl = k.to_lowercase();
        let mut d = distance(&w, &kl);
        if d > limit && w.chars().count() >= 3 && (kl.starts_with(&w) || w.starts_with(&kl)) {
            d = limit;
        }
        if d <= limit && best.is_none_or(|(b, _)| d < b) {
            best = Some((d, k));
        }
    }
    best.map(|(_, k)| k)
}

/// Edit distance over chars, where swapping two neighbours is one edit (`mpa` is one
/// from `map`): the optimal string alignment distance.
pub fn distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    // d[i][j]: the distance between a's first i chars and b's first j.
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_read_as_a_sentence() {
        let v = |xs: &[&str]| xs.iter().map(|x| (*x).to_string()).collect::<Vec<_>>();
        assert_eq!(and_list(&v(&[])), "");
        assert_eq!(and_list(&v(&["a"])), "a");
        assert_eq!(and_list(&v(&["a", "b"])), "a and b");
        assert_eq!(and_list(&v(&["a", "b", "c"])), "a, b and c");
    }

    #[test]
    fn amounts_in_rao_read_as_the_forms_show_them() {
        assert_eq!(rao_amount(40_033_379_925), "40.0334");
        assert_eq!(rao_amount(1_040_033_349_999), "1,040.03");
        assert_eq!(rao_amount(10_000_000_000), "10.0000");
        assert_eq!(rao_amount(2_500_000_000), "2.5000");
        assert_eq!(rao_amount(9_999_950_000), "10.0000", "rounded up to the next unit");
        assert_eq!(rao_amount(50_000), "0.000050", "a fee below one unit still shows");
        assert_eq!(rao_amount(0), "0");
        assert_eq!(rao_amount(u64::MAX), "18446.74M");
    }

    #[test]
    fn messages_keep_their_lines_and_lose_their_escape_sequences() {
        assert_eq!(escape_controls("a\n\tb"), "a\n\tb");
        assert_eq!(escape_controls("no map '\u{1b}[2J'"), "no map '\\u{1b}[2J'");
        assert_eq!(escape_controls("x\u{202e}y\r"), "x\\u{202e}y\\u{d}");
    }

    #[test]
    fn the_first_byte_that_is_not_utf8_is_found_by_line() {
        assert_eq!(utf8_error_at("héllo\nok".as_bytes()), None);
        assert_eq!(utf8_error_at(b"\xff"), Some((1, 1)));
        assert_eq!(utf8_error_at(b"a = 1\nname = \"x\xe9y\""), Some((2, 10)));
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_000_000), "1,000,000");
        assert_eq!(thousands(u64::MAX), "18,446,744,073,709,551,615");
        assert_eq!(group("-1234.50"), "-1,234.50");
        assert_eq!(group("123"), "123");
        assert_eq!(tao_cents(1_191_116_327_115), "1,191.12");
        assert_eq!(tao_cents(1_000_000_000_000), "1,000.00");
        assert_eq!(tao_cents(0), "0.00");
    }

    #[test]
    fn hidden_and_invisible_characters() {
        for c in ['\u{1b}', '\n', '\t', '\u{202e}', '\u{200b}', '\u{feff}', '\u{2066}'] {
            assert!(is_hidden(c) && is_invisible(c), "{:?}", c.escape_unicode().to_string());
        }
        // Emoji need these inside text, but a name may not hold them.
        for c in ['\u{200d}', '\u{200c}', '\u{fe0f}', '\u{e0067}'] {
            assert!(!is_hidden(c) && is_invisible(c), "{:?}", c.escape_unicode().to_string());
        }
        for c in ['a', 'Ω', '日', '🚀', ' ', '…'] {
            assert!(!is_invisible(c), "{c}");
        }
    }

    #[test]
    fn printable_text_is_one_line_without_terminal_commands() {
        assert_eq!(printable("plain".to_string()), "plain");
        assert_eq!(printable("day 4:\nthe crowd\r\nsells\tall\rnow".to_string()), "day 4: the crowd sells all now");
        assert_eq!(printable("red \u{1b}[31m and \u{202e}rtl".to_string()), "red \\u{1b}[31m and \\u{202e}rtl");
    }

    #[test]
    fn counts() {
        assert_eq!(count(1, "server bot", "server bots"), "1 server bot");
        assert_eq!(count(0, "spectator", "spectators"), "0 spectators");
    }

    #[test]
    fn escapes() {
        assert_eq!(escape_hidden("Ap\u{1b}[2Jex"), "Ap\\u{1b}[2Jex");
        assert_eq!(escape_hidden("a\nb \u{1f468}\u{200d}\u{1f469}"), "a\\u{a}b \u{1f468}\u{200d}\u{1f469}");
        assert_eq!(printable("\u{1b}[31mRED\tx\u{202e}y".into()), "\\u{1b}[31mRED x\\u{202e}y");
        assert_eq!(printable("plain".into()), "plain");
        assert_eq!(escape("bob\u{200b}\nfake", is_invisible, 4), "bob\\u{200b}…");
        assert_eq!(escape("abc", is_invisible, 3), "abc");
    }
}
