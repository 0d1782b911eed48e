//! The log: narrated map events, bots' messages, notable trades, the player's orders
//! and every rejected order with the engine's reason. Newest at the bottom.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::super::app::App;
use super::super::format;
use super::panel;
use crate::session::handle::JournalKind;

pub fn draw(app: &App, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let snap = app.snap();
    let filter = app.log_filter();
    let lines: Vec<_> = snap.journal.iter().filter(|l| filter.admits(l.kind)).collect();
    let height = usize::from(area.height.saturating_sub(2));
    // Never further back than the oldest line at the top (the terminal may have grown).
    let scroll = app.log_scroll().min(lines.len().saturating_sub(height));
    let title = Line::from(vec![
        Span::styled(format!(" Log · {} ", filter.label()), t.accent),
        Span::styled("(f filters) ", t.dim),
        Span::styled(
            if scroll > 0 {
                format!("· {scroll} line{} back (G for newest) ", format::plural(scroll))
            } else {
                String::new()
            },
            t.warn,
        ),
    ]);
    let block = panel(app, title);
    let inner = block.inner(area);
    block.render(area, buf);
    if lines.is_empty() {
        Paragraph::new(Span::styled("nothing yet", t.dim)).render(inner, buf);
        return;
    }
    let end = lines.len().saturating_sub(scroll);
    let start = end.saturating_sub(height);
    let start_date = app.info().start_date;
    let wide = inner.width >= 120;
    let who_w = if wide { 22 } else { 12 };
    let out: Vec<Line> = lines[start..end]
        .iter()
        .map(|l| {
            let (tag, style) = match l.kind {
                JournalKind::Map => ("map ", t.accent),
                JournalKind::Bot => ("bot ", t.text),
                JournalKind::Trade => ("trade", t.dim),
                JournalKind::Mine => ("you ", t.up),
                JournalKind::Rejected => ("rej ", t.down),
            };
            let secs = i64::try_from(l.block.saturating_mul(12)).unwrap_or(i64::MAX);
            let when = start_date + chrono::TimeDelta::try_seconds(secs).unwrap_or_default();
            let stamp = if wide {
                format!(" {} {:>7} ", when.format("%d %b %H:%M"), format::int(l.block))
            } else {
                format!(" {} ", when.format("%a %H:%M"))
            };
            let who = format!(
                "{:<who_w$} ",
                if l.kind == JournalKind::Map { String::new() } else { format::clip(&l.who, who_w) }
            );
            let tag = format!("{tag:<5} ");
            let room = usize::from(inner.width).saturating_sub(stamp.chars().count() + tag.chars().count() + who_w + 1);
            Line::from(vec![
                Span::styled(stamp, t.dim),
                Span::styled(tag, style),
                Span::styled(who, t.dim),
                Span::styled(
                    format::clip(&l.text, room),
                    if l.kind == JournalKind::Rejected { t.down } else { t.text },
                ),
            ])
        })
        .collect();
    Paragraph::new(out).render(inner, buf);
}
