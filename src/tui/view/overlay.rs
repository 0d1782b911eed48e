//! Boxes over the screen: welcome, help, order forms with live quotes, the quit
//! question, the results, an error.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Padding, Paragraph, Widget, Wrap};

use super::super::app::{App, Overlay};
use super::super::form::{Form, Tone};
use super::super::format;
use super::super::keymap::HelpRow;
use super::super::layout::{help_columns, popup};
use super::super::replay::parse_goto;
use super::panel;
use crate::engine::AccountKind;
use crate::session::handle::JournalLine;

pub fn draw(app: &App, o: &Overlay, area: Rect, buf: &mut Buffer) {
    match o {
        Overlay::Welcome => welcome(app, area, buf),
        Overlay::Help => help(app, area, buf),
        Overlay::ConfirmQuit => {
            let info = app.info();
            let (question, note) = match &info.save_path {
                _ if info.replay => ("Quit this replay?", "(the recording is not changed)".to_string()),
                _ if info.shared && info.human.is_some() => (
                    "Leave this room?",
                    "your account stays in the match: the same join command brings you back".into(),
                ),
                _ if info.shared => ("Leave this room?", "the same join command brings you back".to_string()),
                // Quit before its first block, a new match leaves no file.
                Some(_) if app.snap().block() == 0 && app.snap().saved.is_none() => {
                    ("Quit this match?", "no block has run yet: nothing will be saved".to_string())
                }
                Some(p) => ("Quit this match?", format!("it will be saved to {}", p.display())),
                None => ("Quit this match?", "(it is not saved)".to_string()),
            };
            let w = u16::try_from(note.chars().count() + 6).unwrap_or(u16::MAX).clamp(48, area.width.saturating_sub(4));
            let lines = vec![
                Line::raw(""),
                Line::raw(question).centered(),
                Line::styled(note, app.theme.dim).centered(),
                Line::raw(""),
                Line::from(vec![
                    Span::styled("q", app.theme.accent),
                    Span::raw(" / y / Enter quit    "),
                    Span::styled("n", app.theme.accent),
                    Span::raw(if info.replay { " / Esc keep watching" } else { " / Esc keep playing" }),
                ])
                .centered(),
            ];
            boxed(app, area, buf, " Quit ", w, lines);
        }
        Overlay::Order(f) => form(app, f, area, buf),
        Overlay::GoTo(text) => goto(app, text, area, buf),
        Overlay::Results => results(app, area, buf),
        Overlay::Error(e) => {
            let lines = vec![
                Line::styled("The game stopped:", app.theme.down),
                Line::raw(e.clone()),
                Line::raw(""),
                Line::styled("Esc looks around, q quits", app.theme.dim),
            ];
            padded_box(app, area, buf, " Error ", 70, lines);
        }
    }
}

/// Draws `lines` in a centred box `w` wide (and as tall as they need).
fn boxed(app: &App, area: Rect, buf: &mut Buffer, title: &str, w: u16, lines: Vec<Line<'_>>) {
    boxed_with(app, area, buf, title, w, 0, lines);
}

/// [`boxed`] with a column of space inside each side: for text that wraps (the lines of
/// the other boxes carry their own indent).
fn padded_box(app: &App, area: Rect, buf: &mut Buffer, title: &str, w: u16, lines: Vec<Line<'_>>) {
    boxed_with(app, area, buf, title, w, 1, lines);
}

fn boxed_with(app: &App, area: Rect, buf: &mut Buffer, title: &str, w: u16, pad: u16, lines: Vec<Line<'_>>) {
    let text = Paragraph::new(lines).wrap(Wrap { trim: false });
    let h = u16::try_from(text.line_count(inner_width(w, pad)) + 2).unwrap_or(u16::MAX);
    let r = popup(area, w, h);
    clear(r, buf);
    text.block(panel(app, title.to_string()).padding(Padding::horizontal(pad))).render(r, buf);
}

/// Clears a box's area, and the part of a word the box cuts that would show beside it
/// (the `6` of a `1,456` whose other digits are under the box reads as part of the
/// box's text). Panel borders stay.
pub(super) fn clear(r: Rect, buf: &mut Buffer) {
    let border =
        |s: &str| matches!(s, "│" | "─" | "┃" | "━" | "║" | "═" | "┐" | "┘" | "┌" | "└" | "┤" | "├" | "┬" | "┴");
    let inked = |buf: &Buffer, x: u16, y: u16| {
        let s = buf[(x, y)].symbol();
        s != " " && !border(s)
    };
    let mut cut = Vec::new();
    for y in r.y..r.bottom().min(buf.area.bottom()) {
        if r.x > buf.area.x && r.x < buf.area.right() && inked(buf, r.x, y) {
            // Leftward from the box's left edge while the word goes on.
            let mut x = r.x;
            while x > buf.area.x && inked(buf, x - 1, y) {
                x -= 1;
                cut.push((x, y));
            }
        }
        let last = r.right().saturating_sub(1);
        if r.right() < buf.area.right() && last >= buf.area.x && inked(buf, last, y) {
            let mut x = r.right();
            while x < buf.area.right() && inked(buf, x, y) {
                cut.push((x, y));
                x += 1;
            }
        }
    }
    Clear.render(r, buf);
    for (x, y) in cut {
        buf[(x, y)].reset();
    }
}

/// The text width inside a box `w` wide with `pad` columns of space on each side.
fn inner_width(w: u16, pad: u16) -> u16 {
    w.saturating_sub(2 + 2 * pad).max(1)
}

/// The game date and time of `block`.
pub(super) fn date(app: &App, block: u64, pattern: &str) -> String {
    let secs = i64::try_from(block.saturating_mul(12)).unwrap_or(i64::MAX);
    (app.info().start_date + chrono::TimeDelta::try_seconds(secs).unwrap_or_default()).format(pattern).to_string()
}

/// The narration a lesson is paused on, in a box that any key closes.
pub fn narration(app: &App, n: &JournalLine, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let w = area.width.saturating_sub(4).min(74);
    let mut lines: Vec<Line> = vec![Line::raw("")];
    for l in format::wrap(&n.text, usize::from(w.saturating_sub(6))) {
        lines.push(Line::raw(format!("  {l}")));
    }
    lines.push(Line::raw(""));
    // A shared world's clock is the host's: the box holds nothing, and says so.
    let shared = app.info().shared;
    let mut keys = vec![Span::raw("  ")];
    if let Some(sn) = app.narration_subnet() {
        keys.push(Span::styled("Enter", t.accent));
        let paused = if shared { "" } else { ", paused" };
        keys.push(Span::raw(format!(" opens SN{sn}'s charts{paused} · ")));
        keys.push(Span::styled("any other key", t.accent));
    } else {
        keys.push(Span::styled("any key", t.accent));
    }
    keys.push(Span::raw(if shared { " closes it" } else { " continues" }));
    lines.push(Line::from(keys));
    let mut esc = if shared {
        vec![Span::styled("  the host runs the clock: the match goes on behind this box", t.dim)]
    } else {
        vec![
            Span::raw("  "),
            Span::styled("Esc", t.accent),
            Span::raw(" closes it and keeps the clock paused · "),
            Span::styled("+ -", t.accent),
            Span::raw(" speed"),
        ]
    };
    if app.is_replay() {
        esc.extend([Span::raw(" · "), Span::styled("n", t.accent), Span::raw(" the next mark")]);
    }
    lines.push(Line::from(esc));
    let title = format!(
        " Lesson · day {} · {} · block {} ",
        super::super::replay::day_of(n.block, app.end_block()),
        date(app, n.block, "%a %d %b %H:%M"),
        format::int(n.block)
    );
    boxed(app, area, buf, &title, w, lines);
}

/// The replay's "go to" prompt, with where it would go or what is wrong.
fn goto(app: &App, text: &str, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let end = app.end_block();
    let verdict = if text.trim().is_empty() {
        Line::styled("  a block (12345) or a day (d3, day 3)", t.dim)
    } else {
        match parse_goto(text, end) {
            Ok(b) => Line::styled(
                format!(
                    "  → block {} · day {} · {}",
                    format::int(b),
                    super::super::replay::day_of(b, end),
                    date(app, b, "%a %d %b %H:%M")
                ),
                t.up,
            ),
            Err(e) => Line::styled(format!("  ✗ {e}"), t.down),
        }
    };
    let lines = vec![
        Line::from(vec![
            Span::styled("  Go to ", t.accent),
            Span::raw(text.to_string()),
            Span::styled(" ", t.selected.add_modifier(ratatui::style::Modifier::REVERSED)),
        ]),
        verdict,
        Line::raw(""),
        Line::from(vec![
            Span::styled("  Enter", t.accent),
            Span::raw(" goes · "),
            Span::styled("Esc", t.accent),
            Span::raw(" cancels"),
            Span::styled(format!(" · now block {} of {}", format::int(app.snap().block()), format::int(end)), t.dim),
        ]),
    ];
    let w = area.width.saturating_sub(4).min(72);
    boxed(app, area, buf, " Go to ", w, lines);
}

/// Keys and what they do on one line: `s stake  u unstake`.
fn key_hints<'a>(app: &App, pairs: &[(&'a str, &'a str)]) -> Line<'a> {
    let mut spans = Vec::with_capacity(pairs.len() * 2);
    for (k, (key, what)) in pairs.iter().enumerate() {
        spans.push(Span::styled(*key, app.theme.accent));
        spans.push(Span::raw(if k + 1 < pairs.len() { format!(" {what}  ") } else { format!(" {what}") }));
    }
    Line::from(spans)
}

/// The map and how to start: a match (with its objectives), or a replay.
fn welcome(app: &App, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let info = app.info();
    let mut lines = vec![
        Line::styled(format!("{} · seed {}", info.map, info.seed), t.accent),
        Line::raw(info.description.clone()),
        Line::raw(""),
    ];
    let (title, keys, start) = if info.replay {
        let end = app.end_block();
        let players: Vec<&str> = app.snap().players.iter().map(|p| p.name.as_str()).collect();
        // Those who join later (a workshop's late students), with the block they join
        // at; a long list names the first few and counts the rest.
        const NAMED: usize = 6;
        let late = match info.late_joins.len() {
            0 => String::new(),
            n => {
                let mut names: Vec<String> = info
                    .late_joins
                    .iter()
                    .take(if n > NAMED { NAMED - 1 } else { n })
                    .map(|(name, b)| format!("{name} (from block {})", format::int(*b)))
                    .collect();
                if n > NAMED {
                    names.push(format!("{} more", n - (NAMED - 1)));
                }
                format!("later {}", crate::text::and_list(&names))
            }
        };
        let who = match (players.is_empty(), late.is_empty()) {
            (true, true) => "the map's NPCs".to_string(),
            (true, false) => late,
            (false, true) => players.join(", "),
            (false, false) => format!("{}, and {late}", players.join(", ")),
        };
        // A save of a match not played to its end says so (as its results box does).
        let (what, of) = if app.recording_unfinished() {
            ("An unfinished match, recorded for", format!(" of its {}", format::int(info.end_block)))
        } else {
            ("A recorded match of", String::new())
        };
        lines.push(Line::raw(format!(
            "{what} {} ({}{of} blocks): {who}. It is read-only: orders are off.",
            format::duration_blocks(end),
            format::int(end)
        )));
        if info.lesson {
            lines
                .push(Line::raw("It stops at each narration, as the lesson did: any key goes on, n to the next mark."));
        }
        let keys = key_hints(
            app,
            &[("space", "play"), ("n N", "marks"), ("[ ]", "a day"), ("t", "go to"), ("?", "every key")],
        );
        (" Replay ", keys, "Enter plays · Esc looks first (paused)")
    } else {
        let opponents = if info.bots.is_empty() {
            "the map's NPCs".to_string()
        } else {
            format!("{} and the map's NPCs", info.bots.join(", "))
        };
        let length = format!(
            "The match lasts {} ({} blocks)",
            format::duration_blocks(info.end_block),
            format::int(info.end_block)
        );
        let block = app.snap().block();
        let (situation, keys, start): (String, &[(&str, &str)], &str) = if info.shared && app.watching() {
            (
                format!("You are watching a shared world: the host runs the clock. {length}."),
                &[("p P", "follow a player"), ("1-5", "screens"), ("?", "every key")],
                "Enter or Esc closes this",
            )
        } else if info.shared && block > 0 {
            let me = app.snap().me.as_ref();
            (
                format!(
                    "You are in a shared world at block {} of {}, with {} τ free and a score of {} τ, against the \
                     other players, the host's bots and the map's NPCs. The host starts and pauses the clock.",
                    format::int(block),
                    format::int(info.end_block),
                    format::rao(me.map_or(0, |m| m.free_rao)),
                    format::rao(me.map_or(0, |m| m.score_rao)),
                ),
                &[("s", "stake"), ("u", "unstake"), ("1-5", "screens"), ("?", "every key")],
                "Enter or Esc closes this",
            )
        } else if info.shared {
            (
                format!(
                    "You start with {} τ in a shared world, against the other players, the host's bots and the \
                     map's NPCs. The host starts and pauses the clock. {length}.",
                    format::rao(info.start_rao)
                ),
                &[("s", "stake"), ("u", "unstake"), ("1-5", "screens"), ("?", "every key")],
                "Enter or Esc closes this",
            )
        } else if block > 0 {
            let me = app.snap().me.as_ref();
            (
                format!(
                    "Resumed at block {} of {} ({} left), with {} τ free and a score of {} τ; you played against {opponents}.",
                    format::int(block),
                    format::int(info.end_block),
                    format::duration_blocks(info.end_block.saturating_sub(block)),
                    format::rao(me.map_or(0, |m| m.free_rao)),
                    format::rao(me.map_or(0, |m| m.score_rao)),
                ),
                &[("s", "stake"), ("u", "unstake"), ("1-5", "screens"), ("space", "pause"), ("?", "every key")],
                "Enter runs the clock · Esc looks first (paused)",
            )
        } else {
            (
                format!("You start with {} τ against {opponents}. {length}.", format::rao(info.start_rao)),
                &[("s", "stake"), ("u", "unstake"), ("1-5", "screens"), ("space", "pause"), ("?", "every key")],
                "Enter starts the clock · Esc looks first (paused)",
            )
        };
        lines.push(Line::raw(situation));
        if info.lesson && !info.shared {
            lines.push(Line::raw(
                "The map tells its story as it goes: the clock stops at each note until you close it.",
            ));
        }
        (" Welcome to dTAO Arena ", key_hints(app, keys), start)
    };
    lines.push(Line::raw(""));
    lines.push(keys);
    lines.push(Line::raw(""));
    lines.push(Line::styled(start, t.warn).centered());
    if !info.replay && !info.objectives.is_empty() {
        // The objectives, under the description, when the box has room for them (the
        // Network screen always lists them).
        let mut list = vec![Line::styled("Objectives", t.header)];
        // Each objective hangs under its bullet when it wraps.
        let text_w = usize::from(inner_width(welcome_width(area), 1)).saturating_sub(3).max(10);
        // Marked as on the Network screen: ○ checked by the game, ✓ reached, • to discuss.
        for (k, o) in info.objectives.iter().enumerate() {
            for (i, l) in format::wrap(&o.text, text_w).into_iter().enumerate() {
                let lead = if i == 0 { super::network::objective_bullet(app, k) } else { Span::raw("   ") };
                list.push(Line::from(vec![lead, Span::raw(l)]));
            }
        }
        let rows = |ls: &[Line<'_>]| box_rows(ls, welcome_width(area));
        if rows(&lines) + rows(&list) + 1 + 2 > usize::from(area.height) {
            let n = info.objectives.len();
            list = vec![Line::raw(format!("This lesson has {n} objectives: press 4 to see them (Network screen)."))];
        }
        list.push(Line::raw(""));
        lines.splice(3..3, list);
    }
    // Centred, its bottom edge can fall on a panel's border behind it (the Market table's
    // bottom, at 160x48), and the two then read as one line: the nearest row where it
    // does not, from the centre.
    let w = welcome_width(area);
    let h = u16::try_from(box_rows(&lines, w) + 2).unwrap_or(u16::MAX);
    let r = super::super::layout::popup(area, w, h);
    let across = |x: u16, y: u16| {
        (area.x..area.right()).contains(&x) && matches!(buf[(x, y)].symbol(), "─" | "└" | "┘" | "┌" | "┐" | "┴" | "┬")
    };
    let clear = |y: u16| {
        let bottom = y + h - 1;
        y >= area.y && bottom < area.bottom() && !across(r.x.saturating_sub(1), bottom) && !across(r.right(), bottom)
    };
    let y = [0i32, -1, 1, -2, 2]
        .into_iter()
        .filter_map(|d| u16::try_from(i32::from(r.y) + d).ok())
        .find(|y| clear(*y))
        .unwrap_or(r.y);
    padded_box(app, Rect { y, height: h.min(area.height), ..area }, buf, title, w, lines);
}

/// The rows `lines` take inside a padded box `w` wide, wrapped as it wraps them.
fn box_rows(lines: &[Line<'_>], w: u16) -> usize {
    Paragraph::new(lines.to_vec()).wrap(Wrap { trim: false }).line_count(inner_width(w, 1))
}

/// The welcome box's width in `area`.
fn welcome_width(area: Rect) -> u16 {
    if area.width >= 120 { 90 } else { area.width.saturating_sub(4) }
}

fn help(app: &App, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let (two, col_w) = help_columns(area.width);
    let help_rows = app.help_rows();
    let split = super::super::keymap::help_split(&help_rows);
    let mut entries: Vec<Line> = help_rows
        .into_iter()
        .map(|r| match r {
            HelpRow::Section(sec) => Line::styled(sec, t.header),
            HelpRow::Key(keys, what) => Line::from(vec![
                Span::styled(format!("  {keys:<18}"), t.accent),
                Span::raw(format::clip(what, col_w.saturating_sub(21))),
            ]),
            HelpRow::Note(l) => Line::raw(format!("  {l}")),
        })
        .collect();
    let w = u16::try_from(if two { col_w * 2 + 5 } else { col_w + 3 }).unwrap_or(area.width);
    // Between the title bar and the status line (and a replay's timeline): both stay
    // in view.
    let c = app.chrome(area);
    let region = Rect::new(area.x, c.tabs.y, area.width, c.body.bottom().saturating_sub(c.tabs.y));
    let max_h = region.height;
    let rows = if two { split.max(entries.len() - split) } else { entries.len() };
    let r = popup(region, w, u16::try_from(rows + 2).unwrap_or(max_h).min(max_h));
    clear(r, buf);
    let title = if rows + 2 <= usize::from(max_h) {
        " Keys · any key closes "
    } else {
        " Keys · ↑↓ PgUp PgDn scroll · any other key closes "
    };
    let block = panel(app, title);
    let inner = block.inner(r);
    block.render(r, buf);
    // Scrolled by whole rows; two columns scroll together.
    let skip = app.help_scroll().min(rows.saturating_sub(usize::from(inner.height)));
    if two {
        let right: Vec<Line> = entries.split_off(split).into_iter().skip(skip).collect();
        let left: Vec<Line> = entries.into_iter().skip(skip).collect();
        let lw = u16::try_from(col_w).unwrap_or(60);
        Paragraph::new(left).render(Rect::new(inner.x + 1, inner.y, lw, inner.height), buf);
        Paragraph::new(right)
            .render(Rect::new(inner.x + lw + 2, inner.y, inner.width.saturating_sub(lw + 2), inner.height), buf);
    } else {
        let lines: Vec<Line> = entries.into_iter().skip(skip).collect();
        Paragraph::new(lines).render(Rect::new(inner.x + 1, inner.y, inner.width.saturating_sub(1), inner.height), buf);
    }
    // How many rows are above and below the window, on its border, as the tables say.
    let below = rows.saturating_sub(skip + usize::from(inner.height));
    super::hidden_rows(app, r, skip, below, buf);
}

fn form(app: &App, f: &Form, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let snap = app.snap();
    let mut lines = Vec::new();
    for (k, field) in f.fields.iter().enumerate() {
        let focused = k == f.focus;
        let marker = if focused { "▶ " } else { "  " };
        let value = field.display();
        let shown = if field.is_choice() { format!("◀ {value} ▶") } else { value };
        let mut spans = vec![
            Span::styled(marker, t.accent),
            Span::styled(format!("{:<10}", field.label), if focused { t.accent } else { t.dim }),
            Span::styled(format!(" {shown}"), if focused { t.selected } else { t.text }),
        ];
        if focused && !field.is_choice() {
            spans.push(Span::styled(" ", t.selected.add_modifier(ratatui::style::Modifier::REVERSED)));
        }
        // A netuid reads with its subnet's name once it names one.
        if let Some(name) = f.subnet_name(k, snap) {
            spans.push(Span::styled(format!(" ({name})"), t.text));
        }
        spans.push(Span::styled(format!("  {}", field.hint()), t.dim));
        lines.push(Line::from(spans));
    }
    lines.push(Line::raw(""));
    let q = f.quote(snap, &app.queued(), app.options.slippage_warn);
    let w = if area.width >= 120 { 96 } else { area.width.saturating_sub(2) };
    // Text keeps two columns from the right border, as from the left.
    let inner = usize::from(w.saturating_sub(2)).saturating_sub(2);
    // A long value wraps under its own column, not under the box's edge.
    let value_w = inner.saturating_sub(16).max(10);
    for (label, value, tone) in &q.lines {
        let style = match tone {
            Tone::Plain => t.text,
            Tone::Up => t.up,
            Tone::Down => t.down,
            Tone::Warn => t.warn,
        };
        for (k, l) in format::wrap(value, value_w).into_iter().enumerate() {
            let label = if k == 0 { format!("  {label:<14}") } else { " ".repeat(16) };
            lines.push(Line::from(vec![Span::styled(label, t.dim), Span::styled(l, style)]));
        }
    }
    // A long warning or problem wraps under its own text, not under the box's edge.
    let text_w = inner.saturating_sub(4).max(10);
    for (mark, text, style) in [("⚠", &q.warning, t.warn), ("✗", &q.problem, t.down)] {
        for (k, l) in text.as_deref().map(|x| format::wrap(x, text_w)).unwrap_or_default().into_iter().enumerate() {
            let lead = if k == 0 { format!("  {mark} ") } else { "    ".to_string() };
            lines.push(Line::styled(format!("{lead}{l}"), style));
        }
    }
    lines.push(Line::raw(""));
    let when = if app.narration_pending() && !app.info().shared {
        // The narration waits behind the form and holds the clock.
        " · a narration waits: applies after it"
    } else if snap.paused {
        " · paused: applies at the next block"
    } else {
        " · applies at the next block"
    };
    lines.push(Line::from(vec![
        Span::styled("  Enter", t.accent),
        Span::raw(" submit · "),
        Span::styled("Tab", t.accent),
        Span::raw(" next · "),
        Span::styled("Esc", t.accent),
        Span::raw(" cancel"),
        Span::styled(when, t.dim),
    ]));
    boxed(app, area, buf, &format!(" {} ", f.kind.title()), w, lines);
}

/// Players listed in the results box at most.
const RESULT_ROWS: usize = 10;

fn results(app: &App, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let snap = app.snap();
    let info = app.info();
    let unfinished = app.recording_unfinished();
    // A shared world its server ended before the last block: the host's `end`.
    let stopped_early = snap.end_reason.as_deref().filter(|_| !info.replay && snap.block() < info.end_block);
    let head = if unfinished {
        format!(
            "The recording ends at block {} of {} (unfinished)",
            format::int(snap.block()),
            format::int(info.end_block)
        )
    } else if let Some(why) = stopped_early {
        let mut why = why.chars();
        let first = why.next().map(|c| c.to_uppercase().collect::<String>()).unwrap_or_default();
        format!("{first}{} at block {} of {}", why.as_str(), format::int(snap.block()), format::int(info.end_block))
    } else {
        format!("{} is over after {} blocks", info.map, format::int(snap.block()))
    };
    let mut lines = vec![Line::styled(head, t.accent).centered(), Line::raw("")];
    if let Some(me) = &snap.me {
        let roi = if me.start_rao == 0 { 0.0 } else { me.score_rao as f64 / me.start_rao as f64 - 1.0 };
        // Watching, the book is someone else's: name them. A score equal to the start
        // is holding TAO's; an unfinished match has no winner yet.
        let verdict = match (app.watching(), me.rank) {
            // (A save, or a room its host ended early: the match's own end never came.)
            _ if unfinished => "Standings where the recording stops.".to_string(),
            // Ended before a block ran: nobody played.
            _ if snap.block() == 0 => "The match ended before its first block: no one won.".to_string(),
            // (Alone, rank 1 says nothing: holding TAO is the one to beat.)
            (false, 1) if snap.players.len() > 1 => "You won the match.".to_string(),
            (false, _) if roi > 0.0 => "You beat holding TAO.".to_string(),
            (false, _) if me.score_rao == me.start_rao => "You did as well as holding TAO.".to_string(),
            (false, _) => "Holding TAO would have done better.".to_string(),
            // (A sentence never starts with the name: "you" is a name too.)
            (true, 1) if snap.players.len() > 1 => format!("Winner: {}.", me.name),
            (true, _) if roi > 0.0 => format!("For {}: better than holding TAO.", me.name),
            (true, _) if me.score_rao == me.start_rao => format!("For {}: as good as holding TAO.", me.name),
            (true, _) => format!("For {}: holding TAO would have done better.", me.name),
        };
        lines.push(
            Line::from(vec![
                // Watching, the figures are someone else's: named, as the verdict is.
                Span::raw(format!(
                    "{}Rank {} of {} · score {} τ · ",
                    if app.watching() { format!("{}: ", format::clip(&me.name, 22)) } else { String::new() },
                    me.rank,
                    snap.players.len(),
                    format::rao(me.score_rao)
                )),
                // As the table below writes it.
                Span::styled(format::signed_pct_fixed(roi, 2), t.signed(roi)),
            ])
            .centered(),
        );
        lines.push(Line::styled(verdict, t.header).centered());
        lines.push(Line::raw(""));
    }
    if snap.players.is_empty() {
        // A headless run of the map alone (`sim` without bots): a table with no rows.
        lines.push(Line::styled("No player or bot took part: the map's NPCs played it alone.", t.dim).centered());
    } else {
        lines.push(Line::styled(
            format!("{:>3}  {:<22} {:<6} {:>12} {:>9} {:>6}", "#", "Player", "Kind", "Score τ", "ROI", "Faults"),
            t.header,
        ));
    }
    let followed = snap.me.as_ref().map(|m| m.id).or(info.human);
    // A room of students: the first ten, and the player's own line if below them.
    let at = followed.and_then(|h| snap.players.iter().position(|p| p.id == h));
    let shown = super::portfolio::board_rows(snap.players.len(), at, RESULT_ROWS);
    for (k, p) in shown.iter().filter_map(|k| snap.players.get(*k).map(|p| (*k, p))) {
        let style = if Some(p.id) == followed { t.you } else { t.text };
        lines.push(Line::from(vec![
            Span::styled(
                format!(
                    "{:>3}  {:<22} {:<6} {:>12} ",
                    crate::session::handle::rank(&snap.players, k),
                    format::clip(&p.name, 22),
                    if p.kind == AccountKind::Human { "human" } else { "bot" },
                    // One precision down the column (48.24 beside 125.84, not 48.2417).
                    format::column_rao(p.score_rao)
                ),
                style,
            ),
            Span::styled(format!("{:>9}", format::signed_pct_fixed(p.roi, 2)), t.signed(p.roi)),
            Span::raw(format!(" {:>6}", p.faults)),
        ]));
    }
    if snap.players.len() > shown.len() {
        let more = snap.players.len() - shown.len();
        lines.push(Line::styled(format!("… and {more} more"), t.dim).centered());
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled("q quits · Esc or Enter: look around · 1-5: a screen", t.dim).centered());
    boxed(app, area, buf, " Results ", 68, lines);
}
