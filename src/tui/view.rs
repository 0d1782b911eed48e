//! Drawing: a pure function of `&App` into a buffer. The frame (title bar, tabs, status
//! line), then the screen, then any overlay.

mod chart;
mod log;
mod market;
mod network;
mod overlay;
mod portfolio;
mod subnet;

use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget};

use super::action::Screen;
use super::app::App;
use super::format;
use super::layout::{self, MIN_HEIGHT, MIN_WIDTH};
use super::replay::{Cell, cell_of, fill_marks};
use crate::engine::params::BLOCKS_PER_DAY;

impl Widget for &App {
    fn render(self, area: Rect, buf: &mut Buffer) {
        draw(self, area, buf);
    }
}

/// Draws the whole game into `buf`.
/// How far the Network screen's objectives scroll at most at the app's size (0 when
/// they fit).
#[must_use]
pub fn objectives_scroll_max(app: &App) -> usize {
    let (w, h) = app.size();
    let area = Rect::new(0, 0, w, h);
    if layout::too_small(area) {
        return 0;
    }
    network::objectives_scroll_max(app, app.chrome(area).body)
}

/// The widths ratatui gives the columns of a table `width` cells wide (inside its
/// borders), with `selection` cells for the highlight symbol: to clip text to its
/// column with an ellipsis rather than let the table cut it.
fn column_widths(
    widths: &[ratatui::layout::Constraint],
    flex: ratatui::layout::Flex,
    width: u16,
    selection: u16,
) -> Vec<u16> {
    use ratatui::layout::{Constraint, Layout};
    let [_, columns] =
        Layout::horizontal([Constraint::Length(selection), Constraint::Fill(0)]).areas(Rect::new(0, 0, width, 1));
    Layout::horizontal(widths.iter().copied()).flex(flex).spacing(1).split(columns).iter().map(|r| r.width).collect()
}

pub fn draw(app: &App, area: Rect, buf: &mut Buffer) {
    if layout::too_small(area) {
        too_small(app, area, buf);
        return;
    }
    let c = app.chrome(area);
    title_bar(app, c.title, buf);
    tab_bar(app, c.tabs, buf);
    status_line(app, c.status, buf);
    if let Some(strip) = c.timeline {
        timeline(app, strip, buf);
    }
    match app.screen() {
        Screen::Market => market::draw(app, c.body, buf),
        Screen::Subnet => subnet::draw(app, c.body, buf),
        Screen::Portfolio => portfolio::draw(app, c.body, buf),
        Screen::Network => network::draw(app, c.body, buf),
        Screen::Log => log::draw(app, c.body, buf),
    }
    if let Some(o) = app.overlay() {
        // The welcome box leaves the title, tabs and status line in view.
        let room = if matches!(o, super::app::Overlay::Welcome) { c.body } else { area };
        overlay::draw(app, o, room, buf);
    }
    if let Some(n) = app.narration() {
        overlay::narration(app, n, area, buf);
    }
}

/// Below the minimum size: what is needed, whether the clock runs (the game pauses it
/// while the window is too small), and the keys that work here.
fn too_small(app: &App, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let snap = app.snap();
    let (clock, clock_style) = if snap.over {
        ("■ the match is over", t.dim)
    } else if app.narration_pending() {
        ("⏸ a lesson narration holds the clock", t.warn)
    } else if app.info().shared && app.clock_runs() {
        ("▶ the host's clock is running", t.up)
    } else if app.info().shared {
        ("⏸ the host paused the clock", t.warn)
    } else if app.clock_runs() {
        // Space ran it.
        ("▶ the clock is running", t.up)
    } else if app.paused_for_size() {
        ("⏸ paused while the window is too small: it runs again when you enlarge it", t.warn)
    } else {
        ("⏸ paused", t.warn)
    };
    let mut keys: Vec<&str> = Vec::new();
    if app.narration_pending() && !snap.over {
        // Space would not run a clock the narration holds.
        keys.push("enlarge the window to read the narration");
    } else if !snap.over && !app.info().shared {
        // A shared world's clock is the host's.
        keys.push(if app.clock_runs() { "space pauses" } else { "space runs the clock" });
    }
    let open = match app.overlay() {
        Some(super::app::Overlay::Order(_)) => Some("Esc cancels the open order form"),
        Some(super::app::Overlay::Welcome | super::app::Overlay::Help) => None,
        Some(_) => Some("Esc closes the open box"),
        None => None,
    };
    keys.extend(open);
    keys.push("q quits");
    let text = [
        ("The terminal is too small".to_string(), t.warn),
        (format!("need {MIN_WIDTH}×{MIN_HEIGHT}, have {}×{}: enlarge the window", area.width, area.height), t.text),
        (String::new(), t.text),
        (clock.to_string(), clock_style),
    ];
    // Wrapped here, so that the block is centred on its real height: evenly, since the
    // lines are centred, and the keys whole.
    let width = usize::from(area.width.max(1));
    let mut lines = Vec::new();
    for (s, style) in text {
        if s.is_empty() {
            lines.push(Line::raw(""));
        }
        for l in format::wrap_even(&s, width) {
            lines.push(Line::styled(l, style));
        }
    }
    let mut rows = vec![String::new()];
    for k in keys {
        let row = rows.last_mut().expect("a row");
        if row.is_empty() {
            row.push_str(k);
        } else if row.chars().count() + 3 + k.chars().count() <= width {
            row.push_str(" · ");
            row.push_str(k);
        } else {
            rows.push(k.to_string());
        }
    }
    // A key longer than the line wraps on its own.
    lines.extend(rows.iter().flat_map(|r| format::wrap_even(r, width)).map(|l| Line::styled(l, t.dim)));
    let h = u16::try_from(lines.len()).unwrap_or(u16::MAX).min(area.height);
    let y = area.y + area.height.saturating_sub(h) / 2;
    Paragraph::new(lines).alignment(Alignment::Center).render(Rect::new(area.x, y, area.width, h), buf);
}

/// The cue on a bordered table's border that counts the rows it hides above (`↑`) or
/// below (`↓`) what it shows.
fn hidden_cue(arrow: char, n: usize) -> String {
    format!(" {arrow} {n} more ")
}

/// Counts the rows a bordered table hides above and below its window, on its top and
/// bottom borders, at the right.
fn hidden_rows(app: &App, table: Rect, above: usize, below: usize, buf: &mut Buffer) {
    for (n, arrow, y) in [(above, '↑', table.y), (below, '↓', table.bottom().saturating_sub(1))] {
        if n > 0 && table.height > 1 {
            let s = hidden_cue(arrow, n);
            let w = u16::try_from(s.chars().count()).unwrap_or(0);
            buf.set_string(table.right().saturating_sub(w + 1), y, s, app.theme.warn);
        }
    }
}

/// A bordered block with a title.
fn panel<'a>(app: &App, title: impl Into<Line<'a>>) -> Block<'a> {
    Block::default().borders(Borders::ALL).border_style(app.theme.border).title(title.into().style(app.theme.accent))
}

/// Game time a second at `blocks_per_sec` (12 s a block): `12 s/s`, `12 min/s`, `1.2 h/s`.
fn pace(blocks_per_sec: u32) -> String {
    let game_secs = u64::from(blocks_per_sec) * 12;
    if game_secs >= 3600 {
        format!("{:.1} h/s", game_secs as f64 / 3600.0)
    } else if game_secs >= 60 {
        format!("{} min/s", game_secs / 60)
    } else {
        format!("{game_secs} s/s")
    }
}

/// How many ways the title bar has of saying less (see [`title_pieces`]).
const TITLE_STEPS: usize = 10;

fn title_bar(app: &App, area: Rect, buf: &mut Buffer) {
    let room = usize::from(area.width);
    let width = |(l, r): &(Vec<Span>, Vec<Span>)| l.iter().chain(r).map(Span::width).sum::<usize>();
    // The fullest that fits; at worst the map's name shrinks, with an ellipsis.
    let (mut left, right) = (0..TITLE_STEPS)
        .map(|k| title_pieces(app, area.width, k, None))
        .find(|p| width(p) <= room)
        .unwrap_or_else(|| {
            let tight = title_pieces(app, area.width, TITLE_STEPS, None);
            let map = app.info().map.chars().count();
            let map_room = map.saturating_sub(width(&tight).saturating_sub(room)).max(1);
            title_pieces(app, area.width, TITLE_STEPS, Some(map_room))
        });
    let lw: usize = left.iter().map(Span::width).sum();
    let rw: usize = right.iter().map(Span::width).sum();
    let gap = room.saturating_sub(lw + rw);
    left.push(Span::raw(" ".repeat(gap)));
    left.extend(right);
    Paragraph::new(Line::from(left))
        .style(Style::new().add_modifier(ratatui::style::Modifier::REVERSED))
        .render(area, buf);
}

/// The title bar's left and right pieces for a terminal `width` wide, saying less at
/// each `step` (0 says all that the width calls for), so that the bar can drop or
/// shorten what matters least instead of being cut mid-word: the progress bar, the
/// pace, the seed, the long date, the day, the game's name, the speed's unit, the
/// date, the state's word, in that order. A finished match shows no speed. `map_room`
/// clips the map's name, the last resort.
fn title_pieces(
    app: &App,
    width: u16,
    step: usize,
    map_room: Option<usize>,
) -> (Vec<Span<'static>>, Vec<Span<'static>>) {
    let t = &app.theme;
    let s = app.snap();
    let info = app.info();
    let wide = width >= 120;
    let keep = |k: usize| step < k;
    let end = app.end_block();
    let (icon, word, style) = if s.over && app.recording_unfinished() {
        ("■", "recording ends", t.warn)
    } else if s.over {
        ("■", "match over", t.warn)
    } else if s.error.is_some() {
        // The game failed, or (a shared world) the connection ended: nothing runs.
        ("■", "stopped", t.down)
    } else if app.narration_pending() && !app.info().shared {
        // A lesson's narration holds the clock until it is closed (not a shared world's:
        // that clock is the host's).
        ("⏸", "narration", t.warn)
    } else if s.paused {
        ("⏸", "paused", t.warn)
    } else {
        ("▶", "running", t.up)
    };
    let mut left = Vec::new();
    if keep(6) {
        left.extend([Span::styled(" dTAO Arena ", t.accent), Span::styled("│ ", t.dim)]);
    } else {
        left.push(Span::raw(" "));
    }
    left.push(Span::raw(map_room.map_or_else(|| info.map.clone(), |w| format::clip(&info.map, w))));
    if wide && keep(3) {
        left.push(Span::styled(format!(" seed {}", info.seed), t.dim));
    }
    left.push(Span::styled(" │ ", t.dim));
    if keep(8) {
        let pattern = if wide && keep(4) { "%a %d %b %Y %H:%M UTC" } else { "%d %b %H:%M" };
        left.push(Span::raw(s.clock.format(pattern).to_string()));
        left.push(Span::styled(" │ ", t.dim));
    }
    let blocks = format!("blk {}/{}", format::int(s.block()), format::int(end));
    if wide && keep(5) {
        // A match of whole days ends dated the next midnight: "end of day N", so that
        // the day agrees with the date beside it.
        let day = super::replay::day_of(s.block(), end);
        let midnight = end > 0 && end % BLOCKS_PER_DAY == 0 && s.block() >= end;
        let day = if midnight { format!("end of day {day}") } else { format!("day {day}") };
        left.push(Span::raw(format!("{day} · {blocks}")));
    } else {
        left.push(Span::raw(blocks));
    }
    let mut right = vec![if (wide || s.over) && keep(9) {
        Span::styled(format!(" {icon} {word} "), style)
    } else {
        Span::styled(format!(" {icon} "), style)
    }];
    // A finished match has no speed.
    if !s.over {
        let speed = s.blocks_per_sec();
        let unit = if keep(7) { " blk/s" } else { "/s" };
        right.push(Span::raw(format!("{}{unit}", format::int(u64::from(speed)))));
        if wide && keep(2) {
            right.push(Span::styled(format!(" ({})", pace(speed)), t.dim));
        }
    }
    if wide && keep(1) {
        let frac = if end == 0 { 1.0 } else { s.block() as f64 / end as f64 };
        if right.len() > 1 {
            right.push(Span::raw(" "));
        }
        right.push(Span::styled(bar(frac.clamp(0.0, 1.0), 16), t.accent));
    }
    // The state's own spaces end the bar when nothing follows it.
    if right.len() > 1 {
        right.push(Span::raw(" "));
    }
    (left, right)
}

fn tab_bar(app: &App, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    for (s, x0, _, label) in layout::tabs(area) {
        let style = if s == app.screen() { t.selected.patch(t.accent) } else { t.dim };
        buf.set_string(x0, area.y, &label, style);
    }
    let snap = app.snap();
    if let Some(me) = &snap.me {
        let roi = if me.start_rao == 0 { 0.0 } else { me.score_rao as f64 / me.start_rao as f64 - 1.0 };
        let name = me.name.as_str();
        let spans = vec![
            Span::styled(format!("{name} "), t.you),
            Span::raw(format!("{} τ ", format::rao(me.score_rao))),
            Span::styled(format::signed_pct(roi), t.signed(roi)),
            Span::styled(format!("  #{}/{} ", me.rank, snap.players.len()), t.dim),
        ];
        let w = u16::try_from(spans.iter().map(Span::width).sum::<usize>()).unwrap_or(0);
        let last_tab = layout::tabs(area).last().map_or(area.x, |t| t.2);
        if area.right().saturating_sub(w) > last_tab + 1 {
            Line::from(spans).render(Rect::new(area.right() - w, area.y, w, 1), buf);
        }
    }
}

fn status_line(app: &App, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let snap = app.snap();
    // A replay is read-only: the recorded player's orders are not "queued" by anyone.
    // The orders just submitted count at once (the snapshot lists them a moment later).
    let pending = app.pending_len();
    // With a message to show, the right side takes its short form if both do not fit.
    let toast_w = app.toast().map_or(0, |m| m.text.chars().count() + 2);
    let (long, short) = if app.narration().is_some() && app.info().shared {
        (" lesson: any key closes it ".to_string(), " any key ".to_string())
    } else if app.narration().is_some() {
        (" ⏸ lesson: any key continues ".to_string(), " ⏸ any key ".to_string())
    } else if pending > 0 {
        let long = format!(" {pending} order{} queued (x cancels) ", format::plural(pending));
        (long, format!(" {pending} queued "))
    } else if snap.error.is_some() && !snap.over {
        (" ✗ the game stopped: q quits ".to_string(), " ✗ ".to_string())
    } else if snap.reconnecting && !snap.over {
        (" ⟳ the connection dropped: reconnecting ".to_string(), " ⟳ ".to_string())
    } else if snap.paused && !snap.over && app.info().shared {
        (" ⏸ the host paused the clock ".to_string(), " ⏸ ".to_string())
    } else if snap.paused && !snap.over {
        let long = if area.width >= 120 { " paused: space runs, . steps " } else { " ⏸ space runs " };
        (long.to_string(), " ⏸ ".to_string())
    } else {
        (String::new(), String::new())
    };
    let fits = toast_w + long.chars().count() <= usize::from(area.width);
    let right = Span::styled(if fits { long } else { short }, t.warn);
    let rw = u16::try_from(right.width()).unwrap_or(0);
    let left_area = Rect::new(area.x, area.y, area.width.saturating_sub(rw), 1);
    let left = if let Some(toast) = app.toast() {
        let style = match toast.ok {
            Some(true) => t.up,
            Some(false) => t.down,
            None => t.text,
        };
        Line::from(Span::styled(
            format!(" {}", format::clip(&toast.text, usize::from(left_area.width).saturating_sub(1))),
            style,
        ))
    } else if let Some(e) = snap.error.as_ref().filter(|_| !snap.over) {
        // Once the error box is closed, why the game stopped stays in view (no key but
        // q does anything now).
        Line::from(Span::styled(
            format!(" ✗ {}", format::clip(e, usize::from(left_area.width).saturating_sub(3))),
            t.down,
        ))
    } else {
        let hints: &[(&str, &str)] = if app.is_replay() {
            &[
                ("␣", "play"),
                ("n N", "marks"),
                ("[ ]", "day"),
                ("t", "go to"),
                ("+-", "speed"),
                (".", "step"),
                ("?", "keys"),
                ("q", "quit"),
            ]
        } else {
            match app.screen() {
                Screen::Market => &[
                    ("↑↓", "select"),
                    ("⏎", "open"),
                    ("s", "stake"),
                    ("u", "unstake"),
                    ("o", "sort"),
                    ("/", "filter"),
                    ("␣", "pause"),
                    ("?", "keys"),
                    ("q", "quit"),
                ],
                Screen::Subnet => &[
                    ("←→", "subnet"),
                    ("s", "stake"),
                    ("u", "unstake"),
                    ("d", "dump"),
                    ("M", "mine"),
                    ("w", "policy"),
                    ("Esc", "back"),
                    ("?", "keys"),
                ],
                Screen::Portfolio => &[
                    ("↑↓", "select"),
                    ("⏎", "open"),
                    ("u", "unstake"),
                    ("d", "dump"),
                    ("r/R", "root"),
                    ("?", "keys"),
                    ("q", "quit"),
                ],
                Screen::Network => {
                    &[("L", "launch"), ("r/R", "root"), ("+-", "speed"), ("␣", "pause"), ("?", "keys"), ("q", "quit")]
                }
                Screen::Log => {
                    &[("↑↓", "select"), ("f", "filter"), ("g/G", "oldest/newest"), ("?", "keys"), ("q", "quit")]
                }
            }
        };
        // In a shared world the clock is the host's; a spectator places no orders, and
        // nobody does once the match is over (nor runs its clock).
        let over = app.snap().over && !app.is_replay();
        let (shared, spectator) = (app.info().shared || over, (app.watching() && !app.is_replay()) || over);
        let hints: Vec<(&str, &str)> = hints
            .iter()
            .copied()
            .filter(|(k, _)| !(shared && matches!(*k, "␣" | "+-" | ".")))
            .filter(|(k, _)| !(spectator && matches!(*k, "s" | "u" | "d" | "M" | "w" | "r/R" | "L")))
            .collect();
        // Keep the last two (keys, quit) and as many of the others as fit.
        let room = usize::from(left_area.width).saturating_sub(1);
        let width = |h: &(&str, &str)| h.0.chars().count() + h.1.chars().count() + 3;
        let tail = &hints[hints.len().saturating_sub(2)..];
        let mut used: usize = tail.iter().map(width).sum();
        let mut shown: Vec<&(&str, &str)> = Vec::new();
        for h in &hints[..hints.len().saturating_sub(2)] {
            if used + width(h) > room {
                break;
            }
            used += width(h);
            shown.push(h);
        }
        shown.extend(tail);
        let mut spans = vec![Span::raw(" ")];
        for (k, what) in shown {
            spans.push(Span::styled(*k, t.accent));
            spans.push(Span::styled(format!(" {what}  "), t.dim));
        }
        Line::from(spans)
    };
    left.render(left_area, buf);
    Line::from(right).render(Rect::new(area.right().saturating_sub(rw), area.y, rw, 1), buf);
}

/// Most timeline cells drawn (wider terminals draw the rest of the strip plain).
const TIMELINE_CELLS: usize = 400;

/// A replay's strip: a REPLAY badge, the position, a gauge of the whole match with its
/// marks on it, and how far the indexing is (or a divergence, in red).
fn timeline(app: &App, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let snap = app.snap();
    let Some(r) = &snap.replay else { return };
    let (b, end) = (snap.block(), r.end);
    let day = super::replay::day_of(b, end);
    let days = end.div_ceil(BLOCKS_PER_DAY).max(1);
    let badge = Span::styled(" REPLAY ", t.warn.add_modifier(ratatui::style::Modifier::REVERSED));
    // The block and the day take the width of the largest, so that the strip keeps one
    // width (and its marks their places) for the whole replay.
    let (end_text, days_text) = (format::int(end), days.to_string());
    let (bw, dw) = (end_text.chars().count(), days_text.len());
    let pos = Span::raw(format!(" {:>bw$}/{end_text} · day {day:>dw$}/{days_text} ", format::int(b)));
    let right = if let Some(d) = &r.diverged {
        let room = usize::from(area.width / 2);
        Span::styled(format::clip(&format!(" ⚠ diverged: {d} "), room), t.down)
    } else if r.indexed_to < end {
        #[allow(clippy::cast_precision_loss)]
        let pct = r.indexed_to as f64 / end.max(1) as f64;
        // As wide at 5% as at 99.9% ("0.50%" is as wide as the latter).
        Span::styled(format!(" indexing {:>5} ", format::pct(pct)), t.dim)
    } else {
        Span::raw(" ")
    };
    let head = u16::try_from(badge.width() + pos.width()).unwrap_or(area.width);
    let rw = u16::try_from(right.width()).unwrap_or(0);
    Line::from(vec![badge, pos]).render(area, buf);
    Line::from(right).render(Rect::new(area.right().saturating_sub(rw), area.y, rw, 1), buf);
    let w = usize::from(area.width.saturating_sub(head + rw)).min(TIMELINE_CELLS);
    let mut cells = [Cell::Empty; TIMELINE_CELLS];
    let cells = &mut cells[..w];
    fill_marks(&r.marks, end, cells);
    let now = cell_of(b, end, w);
    for (k, c) in cells.iter().enumerate() {
        let (glyph, style) = if k == now {
            ("●", t.accent)
        } else {
            let style = match c {
                Cell::Empty if k < now => t.accent,
                Cell::Empty => t.dim,
                Cell::BigTrade => t.text,
                Cell::Event => t.up,
                Cell::Narration => t.warn,
            };
            (c.glyph(k < now), style)
        };
        let x = area.x + head + u16::try_from(k).unwrap_or(0);
        buf.set_string(x, area.y, glyph, style);
    }
}

/// Lays `facts` out in lines of at most `width` cells, separated by " · ".
fn flow<'a>(facts: Vec<Vec<Span<'a>>>, width: usize, sep: Style) -> Vec<Line<'a>> {
    let mut lines: Vec<Line<'a>> = Vec::new();
    let mut cur: Vec<Span<'a>> = vec![Span::raw(" ")];
    let mut w = 1;
    for f in facts {
        let fw: usize = f.iter().map(Span::width).sum();
        if w > 1 && w + 3 + fw > width {
            lines.push(Line::from(std::mem::replace(&mut cur, vec![Span::raw(" ")])));
            w = 1;
        }
        if w > 1 {
            cur.push(Span::styled(" · ", sep));
            w += 3;
        }
        cur.extend(f);
        w += fw;
    }
    if w > 1 {
        lines.push(Line::from(cur));
    }
    lines
}

/// A horizontal bar of `width` cells filled to `frac`.
fn bar(frac: f64, width: usize) -> String {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
    let full = ((frac.clamp(0.0, 1.0) * width as f64).round() as usize).min(width);
    format!("{}{}", "█".repeat(full), "░".repeat(width - full))
}

/// A sparkline of `values` in `width` cells (the last `width` values, scaled to their
/// range, but to no less than [`SPARK_MIN_SPAN`] of their level: a move of a tenth of a
/// percent stays a ripple instead of filling the cell's height).
fn sparkline(values: &[f64], width: usize) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let v = &values[values.len().saturating_sub(width)..];
    let (lo, hi) = v.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| (a.min(*x), b.max(*x)));
    let mid = (lo + hi) / 2.0;
    let span = (hi - lo).max(SPARK_MIN_SPAN * mid.abs());
    let lo = mid - span / 2.0;
    v.iter()
        .map(|x| {
            if span <= f64::EPSILON * hi.abs().max(1.0) {
                BARS[3]
            } else {
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                let k = (((x - lo) / span) * 7.0).round() as usize;
                BARS[k.min(7)]
            }
        })
        .collect()
}

/// The smallest range a sparkline spans, relative to its level (2%).
const SPARK_MIN_SPAN: f64 = 0.02;

#[cfg(test)]
mod tests {
    #[test]
    fn the_pace_reads_at_every_speed() {
        assert_eq!(super::pace(1), "12 s/s");
        assert_eq!(super::pace(2), "24 s/s");
        assert_eq!(super::pace(5), "1 min/s");
        assert_eq!(super::pace(60), "12 min/s");
        assert_eq!(super::pace(7200), "24.0 h/s");
    }

    #[test]
    fn a_sparkline_keeps_tiny_moves_small_and_shows_large_ones_in_full() {
        let levels = |s: String| s.chars().map(|c| "▁▂▃▄▅▆▇█".chars().position(|b| b == c)).collect::<Vec<_>>();
        // A 0.02% drift: a line at mid-height (one step at most), not a ramp from the
        // bottom to the top.
        let tiny = levels(super::sparkline(&[1.0, 1.0001, 1.0002, 1.0001], 4));
        assert!(tiny.iter().all(|k| matches!(k, Some(3 | 4))), "{tiny:?}");
        // A 50% rise spans the whole height, and so does a 2% one.
        assert_eq!(super::sparkline(&[1.0, 1.5], 2), "▁█");
        assert_eq!(super::sparkline(&[1.0, 1.02], 2), "▁█");
        // 1% spans half of it, around the middle.
        assert_eq!(levels(super::sparkline(&[1.0, 1.01], 2)), vec![Some(2), Some(5)]);
        assert_eq!(super::sparkline(&[0.0, 0.0], 2), "▄▄");
    }
}
