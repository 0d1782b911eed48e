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
    let title = Line::from(vec![
        Span::styled(format!(" Log · {} ", filter.label()), t.accent),
        Span::styled("(f filters) ", t.dim),
        Span::styled(
            if app.log_scroll() > 0 {
                format!("· {} lines back (G for newest) ", app.log_scroll())
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
    let height = usize::from(inner.height);
    let end = lines.len().saturating_sub(app.log_scroll());
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
            Line::from(vec![
                Span::styled(stamp, t.dim),
                Span::styled(format!("{tag:<5} "), style),
                Span::styled(
                    format!(
                        "{:<who_w$} ",
                        if l.kind == JournalKind::Map { String::new() } else { format::clip(&l.who, who_w) }
                    ),
                    t.dim,
                ),
                Span::styled(l.text.clone(), if l.kind == JournalKind::Rejected { t.down } else { t.text }),
            ])
        })
        .collect();
    Paragraph::new(out).render(inner, buf);
}
