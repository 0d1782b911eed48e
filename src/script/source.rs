//! Checks on a strategy's source text before it is compiled.
//!
//! To-be-closed variables (`local x <close> = v`) are refused. When the instruction hook
//! stops a call, mlua raises the error from inside the hook and first truncates the
//! running Lua frame's stack (`lua_settop`), which runs the frame's pending `__close`
//! handlers right there, while Lua has hooks disabled: a handler that loops would never
//! be stopped. A strategy file is the only Lua code a state ever compiles (`load`,
//! `loadfile`, `dofile` and `require` are gone), so refusing the attribute in the file
//! makes `__close` unreachable.

/// Where a strategy uses a to-be-closed variable: the 1-based line of the first
/// `<close>` attribute outside strings and comments.
pub(crate) fn find_close_attribute(src: &str) -> Option<usize> {
    let code = code_only(src.as_bytes());
    let mut i = 0;
    while i < code.len() {
        if code[i] == b'<' {
            let mut j = skip_space(&code, i + 1);
            if code[j..].starts_with(b"close")
                && !code.get(j + 5).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
            {
                j = skip_space(&code, j + 5);
                if code.get(j) == Some(&b'>') {
                    return Some(1 + code[..i].iter().filter(|c| **c == b'\n').count());
                }
            }
        }
        i += 1;
    }
    None
}

/// The line of the strategy's one assignment to the global `cadence`, when there is
/// exactly one: where a bad value comes from.
#[cfg(test)]
pub(crate) fn cadence_line(src: &str) -> Option<usize> {
    let lines = cadence_lines(src);
    if lines.len() == 1 { lines.first().copied() } else { None }
}

/// Where a bad `cadence` may come from: `file:line` for its one assignment, or the file
/// and the lines of its assignments when there are several.
pub(crate) fn cadence_origin(file: &str, src: &str) -> String {
    match cadence_lines(src).as_slice() {
        [] => file.to_string(),
        [one] => format!("{file}:{one}"),
        [most @ .., last] => {
            let most: Vec<String> = most.iter().map(ToString::to_string).collect();
            format!("{file} (cadence is set at lines {} and {last})", most.join(", "))
        }
    }
}

/// The lines of the strategy's assignments to the global `cadence` (`cadence = 60`,
/// outside strings and comments; not `local cadence`, `x.cadence` or `cadence ==`).
fn cadence_lines(src: &str) -> Vec<usize> {
    let code = code_only(src.as_bytes());
    let word = |c: Option<&u8>| c.is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_');
    let mut lines: Vec<usize> = Vec::new();
    let mut i = 0;
    while let Some(p) = code[i..].windows(7).position(|w| w == b"cadence") {
        let at = i + p;
        i = at + 7;
        let before = at.checked_sub(1).and_then(|k| code.get(k));
        if word(before) || matches!(before, Some(b'.' | b':')) || word(code.get(at + 7)) {
            continue;
        }
        let j = skip_space(&code, at + 7);
        if code.get(j) != Some(&b'=') || code.get(j + 1) == Some(&b'=') {
            continue;
        }
        // `local cadence = ...` is another variable.
        let start = code[..at].iter().rposition(|c| *c == b'\n').map_or(0, |k| k + 1);
        let head: Vec<u8> = code[start..at].iter().copied().filter(|c| !c.is_ascii_whitespace()).collect();
        if head.ends_with(b"local") {
            continue;
        }
        let line = 1 + code[..at].iter().filter(|c| **c == b'\n').count();
        if !lines.contains(&line) {
            lines.push(line);
        }
    }
    lines
}

fn skip_space(code: &[u8], mut i: usize) -> usize {
    while code.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    i
}

/// The source with every string literal and comment replaced by spaces (newlines kept).
fn code_only(src: &[u8]) -> Vec<u8> {
    let mut out = src.to_vec();
    let blank = |out: &mut Vec<u8>, from: usize, to: usize| {
        for c in &mut out[from..to.min(src.len())] {
            if *c != b'\n' {
                *c = b' ';
            }
        }
    };
    let mut i = 0;
    while i < src.len() {
        match src[i] {
            b'-' if src.get(i + 1) == Some(&b'-') => {
                let end = match long_bracket(src, i + 2) {
                    Some(level) => close_long_bracket(src, i + 2, level),
                    None => src[i..].iter().position(|c| *c == b'\n').map_or(src.len(), |p| i + p),
                };
                blank(&mut out, i, end);
                i = end;
            }
            b'[' => {
                if let Some(level) = long_bracket(src, i) {
                    let end = close_long_bracket(src, i, level);
                    blank(&mut out, i, end);
                    i = end;
                } else {
                    i += 1;
                }
            }
            q @ (b'"' | b'\'') => {
                let mut j = i + 1;
                while j < src.len() && src[j] != q && src[j] != b'\n' {
                    j += if src[j] == b'\\' { 2 } else { 1 };
                }
                let end = (j + 1).min(src.len());
                blank(&mut out, i, end);
                i = end;
            }
            _ => i += 1,
        }
    }
    out
}

/// If a long bracket `[==[` opens at `i`, its level (the number of `=`).
fn long_bracket(src: &[u8], i: usize) -> Option<usize> {
    if src.get(i) != Some(&b'[') {
        return None;
    }
    let level = src[i + 1..].iter().take_while(|c| **c == b'=').count();
    (src.get(i + 1 + level) == Some(&b'[')).then_some(level)
}

/// The index just after the `]==]` closing the long bracket opened at `i`.
fn close_long_bracket(src: &[u8], i: usize, level: usize) -> usize {
    let mut close = Vec::with_capacity(level + 2);
    close.push(b']');
    close.extend(std::iter::repeat_n(b'=', level));
    close.push(b']');
    let start = i + level + 2;
    src.get(start..)
        .and_then(|rest| rest.windows(close.len()).position(|w| w == close.as_slice()))
        .map_or(src.len(), |p| start + p + close.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_one_cadence_assignment_is_found() {
        assert_eq!(cadence_line("-- cadence = 1\ncadence = 0\nfunction on_tick(w) end"), Some(2));
        assert_eq!(cadence_line("function init(cfg)\n  cadence=cfg.tempo * 0\nend"), Some(2));
        // Not a comparison, a field, a local or a string; none, or two: no line.
        assert_eq!(cadence_line("if cadence == 1 then end\nx.cadence = 2\nlocal cadence = 3\ns = 'cadence = 4'"), None);
        assert_eq!(cadence_line("cadence = 1\nfunction init() cadence = 2 end"), None);
        assert_eq!(cadence_line("my_cadence = 1\ncadence2 = 1"), None);
        assert_eq!(cadence_origin("b.lua", "cadence = 0"), "b.lua:1");
        assert_eq!(cadence_origin("b.lua", "x = 1"), "b.lua");
        assert_eq!(
            cadence_origin("b.lua", "cadence = 1\nfunction init() cadence = 2 end\nfunction f() cadence = 0 end"),
            "b.lua (cadence is set at lines 1, 2 and 3)"
        );
    }

    #[test]
    fn finds_the_attribute_in_code() {
        assert_eq!(find_close_attribute("local x <close> = nil"), Some(1));
        assert_eq!(find_close_attribute("\n\nlocal x < close\n> = nil"), Some(3));
        assert_eq!(find_close_attribute("local a, b <close> = 1, nil"), Some(1));
        assert_eq!(find_close_attribute("local x <--[[ hidden ]] close > = nil"), Some(1));
    }

    #[test]
    fn ignores_strings_comments_and_other_attributes() {
        assert_eq!(find_close_attribute("local x <const> = 1"), None);
        assert_eq!(find_close_attribute("-- local x <close> = nil"), None);
        assert_eq!(find_close_attribute("--[==[ local x <close> = nil ]==] local y = 1"), None);
        assert_eq!(find_close_attribute("local s = 'a <close> b'"), None);
        assert_eq!(find_close_attribute("local s = \"a \\\" <close> b\""), None);
        assert_eq!(find_close_attribute("local s = [[ <close> ]]"), None);
        assert_eq!(find_close_attribute("local s = [=[ ]] <close> ]=]"), None);
        assert_eq!(find_close_attribute("if a < closed then end"), None);
        assert_eq!(find_close_attribute("x = t[ [[k]] ] local y <close> = nil"), Some(1));
    }

    #[test]
    fn malformed_sources_do_not_panic() {
        for s in ["--[[", "[==[", "'", "\"\\", "<", "< close", "--[=", "[=", "x = '\\"] {
            let _ = find_close_attribute(s);
        }
    }
}
