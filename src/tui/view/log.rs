//! The log: narrated map events, bots' messages, notable trades, the player's orders
//! and every rejected order with the engine's reason. Newest at the bottom; ↑ ↓ select
//! a line, and the box under the list shows the selected one in full.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::super::app::App;
use super::super::format;
use super::super::layout;
use super::panel;
use crate::session::handle::{JournalKind, JournalLine};

/// Whose line it is, when the tag does not already say it: map lines and the player's
/// own have none.
fn who<'a>(app: &App, l: &'a JournalLine) -> Option<&'a str> {
    let mine = app.snap().me.as_ref().is_some_and(|m| m.name == l.who) && !app.watching();
    // A map line names its NPC (the foundation switching a policy), not the map itself.
    l.actor().filter(|_| l.kind != JournalKind::Mine && !mine)
}

pub fn draw(app: &App, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let lines = app.log_lines();
    let n = lines.len();
    let (list_area, detail_area) = layout::log(area);
    let height = usize::from(list_area.height.saturating_sub(2));
    // Never further back than the oldest line at the top (the terminal may have grown).
    let scroll = app.log_scroll().min(n.saturating_sub(height));
    let sel = app.log_selected().min(n.saturating_sub(1));
    let back = if sel > 0 {
        format!("· line {} of {n} (G for newest) ", n - sel)
    } else if scroll > 0 {
        format!("· {scroll} line{} back (G for newest) ", format::plural(scroll))
    } else {
        String::new()
    };
    let title = Line::from(vec![
        Span::styled(format!(" Log · {} ", app.log_filter_label()), t.accent),
        Span::styled("(f filters, ↑↓ select) ", t.dim),
        Span::styled(back, t.warn),
    ]);
    let block = panel(app, title);
    let inner = block.inner(list_area);
    block.render(list_area, buf);
    if lines.is_empty() {
        Paragraph::new(Span::styled(" nothing yet", t.dim)).render(inner, buf);
        detail(app, None, detail_area, buf);
        return;
    }
    let end = n.saturating_sub(scroll);
    let start = end.saturating_sub(height);
    let start_date = app.info().start_date;
    let wide = inner.width >= 120;
    let out: Vec<Line> = lines[start..end]
        .iter()
        .enumerate()
        .map(|(k, l)| {
            let selected = start + k + 1 + sel == n;
            let (tag, style) = match l.kind {
                JournalKind::Map => ("map ", t.accent),
                JournalKind::Bot => ("bot ", t.text),
                JournalKind::Trade => ("trade", t.dim),
                JournalKind::Mine => ("you ", t.up),
                JournalKind::Rejected => ("rej ", t.down),
            };
            let secs = i64::try_from(l.block.saturating_mul(12)).unwrap_or(i64::MAX);
            let when = start_date + chrono::TimeDelta::try_seconds(secs).unwrap_or_default();
            let mark = if selected { "▶" } else { " " };
            let stamp = if wide {
                format!("{mark}{} {:>7} ", when.format("%d %b %H:%M"), format::int(l.block))
            } else {
                format!("{mark}{} ", when.format("%a %H:%M"))
            };
            let tag = format!("{tag:<5} ");
            let who = who(app, l).map(|w| format!("{}: ", format::clip(w, 22))).unwrap_or_default();
            let used = stamp.chars().count() + tag.chars().count() + who.chars().count();
            // (One blank column before the right border.)
            let room = usize::from(inner.width).saturating_sub(used + 1);
            let line = Line::from(vec![
                Span::styled(stamp, if selected { t.accent } else { t.dim }),
                Span::styled(tag, style),
                Span::styled(who, t.dim),
                Span::styled(
                    format::clip(&l.text, room),
                    if l.kind == JournalKind::Rejected { t.down } else { t.text },
                ),
            ]);
            if selected { line.style(t.selected) } else { line }
        })
        .collect();
    Paragraph::new(out).render(inner, buf);
    detail(app, lines.get(n - 1 - sel).copied(), detail_area, buf);
}

/// The selected line in full, wrapped, with its date, block and author in the title.
fn detail(app: &App, line: Option<&JournalLine>, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let Some(l) = line else {
        let block = panel(app, " Selected line ");
        let inner = block.inner(area);
        block.render(area, buf);
        Paragraph::new(Span::styled(" ↑ ↓ select a line: it shows here in full", t.dim)).render(inner, buf);
        return;
    };
    let kind = match l.kind {
        JournalKind::Map => "map",
        JournalKind::Bot => "bot",
        JournalKind::Trade => "trade",
        // The player's own lines: orders, and the objectives the player reached.
        JournalKind::Mine if l.text.starts_with("objective reached") => "your objective",
        JournalKind::Mine => "your order",
        JournalKind::Rejected => "rejected",
    };
    let mut title =
        format!(" {} · block {} · {kind}", super::overlay::date(app, l.block, "%a %d %b %H:%M"), format::int(l.block));
    if let Some(w) = who(app, l) {
        title.push_str(&format!(" · {}", format::clip(w, 30)));
    }
    title.push(' ');
    let block = panel(app, title);
    let inner = block.inner(area);
    block.render(area, buf);
    let width = usize::from(inner.width.saturating_sub(2)).max(1);
    let mut text = format::wrap(&l.text, width);
    let rows = usize::from(inner.height);
    if text.len() > rows {
        // Longer than the box (rare: 4 lines at 80 columns): the cut is marked.
        text.truncate(rows);
        if let Some(last) = text.last_mut() {
            let mut cut: String = last.chars().take(width.saturating_sub(1)).collect();
            cut.push('…');
            *last = cut;
        }
    }
    let style = if l.kind == JournalKind::Rejected { t.down } else { t.text };
    let out: Vec<Line> = text.into_iter().map(|s| Line::styled(format!(" {s}"), style)).collect();
    Paragraph::new(out).render(inner, buf);
}

#[cfg(test)]
mod tests {
    use crate::session::handle::{JournalKind, JournalLine};
    use crate::tui::testing::{app_with, keys, text};

    #[test]
    fn a_map_line_names_the_npc_that_acts_but_not_the_map() {
        let line = |who: &str, text: &str| JournalLine {
            block: 7,
            kind: JournalKind::Map,
            who: who.into(),
            text: text.into(),
        };
        let mut app = app_with(|s| {
            s.journal = vec![
                line("map", "Welcome to dTAO."),
                line("foundation", "sets reward_sellers on SN28: its validators now weight miners by alpha sold"),
            ];
        });
        keys(&mut app, "5");
        let shown = text(&mut app, 160, 48);
        assert!(shown.contains("map   foundation: sets reward_sellers on SN28"), "{shown}");
        assert!(shown.contains("map   Welcome to dTAO."), "{shown}");
    }
}
