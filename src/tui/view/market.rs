//! The market: every subnet in a sortable, filterable table, and on tall terminals a
//! chart of the selected one.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, StatefulWidget, Table, TableState, Widget};

use super::super::app::{App, SortKey};
use super::super::format;
use super::super::layout;
use super::{chart, column_widths, hidden_rows, panel, sparkline};
use crate::engine::math::to_f64;
use crate::session::handle::series;

/// A column: its sort key (if sortable), header, width and the narrowest terminal that
/// shows it.
struct Col {
    key: Option<SortKey>,
    header: &'static str,
    width: u16,
    min_term: u16,
    right: bool,
}

const COLS: &[Col] = &[
    Col { key: Some(SortKey::Netuid), header: "SN", width: 4, min_term: 0, right: true },
    Col { key: Some(SortKey::Name), header: "Name", width: 0, min_term: 0, right: false },
    Col {
        key: Some(SortKey::Mechanism),
        header: "Mech",
        width: 7,
        min_term: SortKey::Mechanism.min_width(),
        right: false,
    },
    Col { key: Some(SortKey::Price), header: "Price τ", width: 9, min_term: 0, right: true },
    Col { key: Some(SortKey::Change), header: "24h", width: 7, min_term: 0, right: true },
    Col { key: None, header: "Trend", width: 12, min_term: 140, right: false },
    Col { key: Some(SortKey::Moving), header: "Moving", width: 9, min_term: SortKey::Moving.min_width(), right: true },
    Col { key: Some(SortKey::Emission), header: "Emission", width: 8, min_term: 0, right: true },
    Col { key: Some(SortKey::RootProp), header: "Root", width: 6, min_term: 0, right: true },
    Col { key: Some(SortKey::Depth), header: "Pool τ", width: 9, min_term: 0, right: true },
    Col { key: None, header: "Pool α", width: 10, min_term: 150, right: true },
    Col { key: None, header: "Yours α", width: 10, min_term: 125, right: true },
    Col { key: Some(SortKey::Position), header: "Yours τ", width: 9, min_term: 0, right: true },
];

/// A column's width: the name takes what is left (26 at most); the others have room
/// for their header and the sort arrow after it.
fn width(c: &Col) -> Constraint {
    if c.width == 0 {
        return Constraint::Max(26);
    }
    let header = u16::try_from(c.header.chars().count()).unwrap_or(c.width);
    Constraint::Length(c.width.max(header + u16::from(c.key.is_some())))
}

pub fn draw(app: &App, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let m = &app.market;
    let parts = layout::market(area, m.editing_filter || !m.filter.is_empty());
    if let Some(f) = parts.filter {
        let cursor = if m.editing_filter { Span::styled(" ", t.selected) } else { Span::raw("") };
        let hint = if m.editing_filter { "  Enter keeps it, Esc clears it" } else { "  / edits, Esc clears" };
        Line::from(vec![
            Span::styled(" filter: ", t.accent),
            Span::raw(m.filter.clone()),
            cursor,
            Span::styled(hint, t.dim),
        ])
        .render(f, buf);
    }
    let snap = app.snap();
    let rows = app.market_rows();
    let cols: Vec<&Col> = COLS.iter().filter(|c| area.width >= c.min_term).collect();
    let arrow = if m.descending { "▼" } else { "▲" };
    let header = Row::new(cols.iter().map(|c| {
        let label = if c.key == Some(m.sort) { format!("{}{arrow}", c.header) } else { c.header.to_string() };
        let cell = if c.right { Line::raw(label).right_aligned() } else { Line::raw(label) };
        Cell::from(cell)
    }))
    .style(t.header);
    let widths: Vec<Constraint> = cols.iter().map(|c| width(c)).collect();
    // Names longer than their column end in an ellipsis.
    let name_w = cols
        .iter()
        .position(|c| c.header == "Name")
        .and_then(|k| {
            column_widths(&widths, Flex::SpaceBetween, parts.table.width.saturating_sub(2), 2).get(k).copied()
        })
        .map_or(26, usize::from);
    let page = layout::table_rows(parts.table);
    let positions = snap.me.as_ref().map(|me| &me.positions);
    let body: Vec<Row> = rows
        .iter()
        .skip(m.offset)
        .take(page)
        .map(|k| {
            let s = &snap.view.subnets[*k];
            let pos = positions.and_then(|p| p.iter().find(|p| p.netuid == s.netuid && p.alpha_rao > 0));
            let change = app.change_24h(s);
            let cells = cols.iter().map(|c| {
                let (text, style) = match c.header {
                    "SN" => (s.netuid.to_string(), if pos.is_some() { t.you } else { t.text }),
                    "Name" => (format::clip(&s.name, name_w), if pos.is_some() { t.you } else { t.text }),
                    "Mech" => (s.mechanism.name().to_string(), t.dim),
                    "Price τ" => (format::price(to_f64(s.price)), t.text),
                    "24h" => match change {
                        // One precision for the column; no colour for a change too small
                        // to show (`0.0%`).
                        Some(x) => {
                            // From +1000% on, whole percents: "+1275.9%" would not fit.
                            let s = format::signed_pct_fixed(x, if x.abs() >= 10.0 { 0 } else { 1 });
                            let style = if s.starts_with(['+', '-']) { t.signed(x) } else { t.text };
                            (s, style)
                        }
                        None => ("-".into(), t.dim),
                    },
                    "Trend" => {
                        let pts =
                            snap.history.subnets.get(&s.netuid).map_or(&[][..], |h| h.lines.series(series::PRICE));
                        (sparkline(&last_day(pts, snap.block()), 12), t.signed(change.unwrap_or(0.0)))
                    }
                    "Moving" => (format::price(to_f64(s.moving_price)), t.dim),
                    "Emission" => {
                        if s.emitting && snap.block() == 0 {
                            ("-".into(), t.dim)
                        } else if s.emitting {
                            (format::pct_fixed(s.emission_share, 2), t.text)
                        } else {
                            ("not yet".into(), t.dim)
                        }
                    }
                    "Root" => (format!("{:.0}%", to_f64(s.root_prop) * 100.0), t.text),
                    // Whole TAO for every pool (`rao` would give the smaller ones cents).
                    "Pool τ" => (format::fixed(format::units(s.tao_rao), 0), t.text),
                    "Pool α" => (format::column_rao(s.alpha_in_rao), t.dim),
                    "Yours α" => (pos.map_or_else(String::new, |p| format::column_rao(p.alpha_rao)), t.you),
                    "Yours τ" => (pos.map_or_else(String::new, |p| format::column_rao(p.value_rao)), t.you),
                    _ => (String::new(), t.text),
                };
                let line = Line::styled(text, style);
                Cell::from(if c.right { line.right_aligned() } else { line })
            });
            Row::new(cells)
        })
        .collect();
    let sort_label = format!(" sort {}{arrow} (o, O) ", m.sort.label());
    let mut title = vec![
        Span::styled(format!(" Market · {} subnet{} ", rows.len(), format::plural(rows.len())), t.accent),
        Span::styled(sort_label, t.dim),
    ];
    // Before the first block the Emission column reads "-": say why.
    if snap.block() == 0 {
        title.push(Span::styled(" Emission -: no block has run yet ", t.dim));
    }
    // Watching (a replay, a spectator), the Yours columns are the followed player's.
    if let Some(me) = snap.me.as_ref().filter(|_| app.watching()) {
        title.push(Span::styled(format!(" Yours: {} ", format::clip(&me.name, 20)), t.you));
    }
    let title = Line::from(title);
    let sel = app.market_selected(&rows).and_then(|k| k.checked_sub(m.offset));
    let mut state = TableState::default().with_selected(sel);
    StatefulWidget::render(
        Table::new(body, widths)
            .header(header)
            .block(panel(app, title))
            .column_spacing(1)
            .flex(Flex::SpaceBetween)
            .row_highlight_style(t.selected)
            .highlight_symbol("▶ ")
            .highlight_spacing(ratatui::widgets::HighlightSpacing::Always),
        parts.table,
        buf,
        &mut state,
    );
    // Rows hidden above and below the window, on the borders.
    let (above, below) = (m.offset.min(rows.len()), rows.len().saturating_sub(m.offset + page));
    hidden_rows(app, parts.table, above, below, buf);
    if rows.is_empty() {
        let inner = parts.table.inner(ratatui::layout::Margin { horizontal: 2, vertical: 2 });
        Paragraph::new(Span::styled("no subnet matches the filter", t.dim)).render(inner, buf);
    }
    if let Some(p) = parts.preview {
        preview(app, p, buf);
    }
}

/// The selected subnet's price, moving price and emission share.
fn preview(app: &App, area: Rect, buf: &mut Buffer) {
    let snap = app.snap();
    let Some(s) = app.focus().and_then(|n| snap.view.subnets.iter().find(|s| s.netuid == n)) else { return };
    let Some(h) = snap.history.subnets.get(&s.netuid) else { return };
    let [left, right] = Layout::horizontal([Constraint::Percentage(62), Constraint::Percentage(38)]).areas(area);
    let (price, share) = (super::subnet::price_series(app, h), [super::subnet::share_series(app, h)]);
    // Side by side, on one time axis.
    let from = chart::first_x(&[&price, &share]);
    let title = format!("SN{} {} · τ/α · Enter for more", s.netuid, s.name);
    chart::draw_from(app, left, buf, &title, &price, chart::Fmt::Price, from);
    chart::draw_from(app, right, buf, "emission share", &share, chart::Fmt::Pct, from);
}

/// Twelve values spread evenly over the last day of `pts`.
fn last_day(pts: &[(f64, f64)], block: u64) -> Vec<f64> {
    #[allow(clippy::cast_precision_loss)]
    let since = block.saturating_sub(crate::engine::params::BLOCKS_PER_DAY) as f64;
    let k = pts.partition_point(|p| p.0 < since);
    // A replay charts the whole match: stop at the block shown.
    #[allow(clippy::cast_precision_loss)]
    let now = pts.partition_point(|p| p.0 <= block as f64).max(k);
    let day = &pts[k..now];
    if day.len() <= 12 {
        return day.iter().map(|p| p.1).collect();
    }
    (0..12).map(|i| day[i * (day.len() - 1) / 11].1).collect()
}

#[cfg(test)]
mod tests {
    use crate::tui::testing::{app_with, rows};

    #[test]
    fn a_change_of_a_thousand_percent_keeps_its_sign() {
        // SN1's price now against a day ago: 13.76 times it, +1276%.
        let mut app = app_with(|s| {
            use crate::session::handle::{Lines, SubnetHistory};
            s.view.block = 7_200;
            let now = crate::engine::math::to_f64(s.view.subnets[0].price);
            let mut h = (*s.history).clone();
            let mut lines = Lines::new(4, 64);
            lines.record(0, &[now / 13.76, 0.25, 0.05, 0.9]);
            lines.record(7_200, &[now, 0.25, 0.05, 0.9]);
            h.subnets.insert(1, SubnetHistory { registered_at: -100_000, lines });
            s.history = std::sync::Arc::new(h);
        });
        let screen = rows(&mut app, 80, 24);
        let sn1 = screen.iter().find(|r| r.contains("Apex")).expect("SN1's row");
        assert!(sn1.contains(" +1276%"), "{sn1}");
    }
}
