//! Line charts over game time: `(block, value)` series, dates on the x axis.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Chart, Dataset, GraphType, Paragraph, Widget};

use super::super::app::App;
use super::super::format;
use super::panel;

/// One line of a chart.
pub struct Series<'a> {
    /// Legend.
    pub name: String,
    /// Points, `(block, value)`.
    pub data: &'a [(f64, f64)],
    /// Style.
    pub style: Style,
    /// Marker.
    pub marker: Marker,
}

/// How a chart's values read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fmt {
    /// TAO per alpha.
    Price,
    /// A fraction, shown in percent.
    Pct,
    /// An amount.
    Amount,
}

/// The y axis for values from `y0` to `y1`: a margin around them, never below 0 for
/// values that are not, and never above 100% for a share or a proportion.
fn y_bounds(y0: f64, y1: f64, fmt: Fmt) -> (f64, f64) {
    let pad = if y1 > y0 { (y1 - y0) * 0.08 } else { y1.abs().max(1e-9) * 0.05 };
    let top = if matches!(fmt, Fmt::Pct) && y1 <= 1.0 { (y1 + pad).min(1.0) } else { y1 + pad };
    ((y0 - pad).max(if y0 >= 0.0 { 0.0 } else { f64::NEG_INFINITY }), top)
}

/// Decimals that tell apart values `span` apart.
fn decimals(span: f64) -> usize {
    if !(span.is_finite() && span > 0.0) {
        return 2;
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let d = ((-span.log10()).ceil() + 1.0).clamp(0.0, 8.0) as usize;
    d
}

fn label(fmt: Fmt, v: f64, span: f64) -> String {
    match fmt {
        Fmt::Pct => format!("{:.*}%", decimals(span * 100.0).clamp(1, 6), v * 100.0),
        Fmt::Price => format!("{:.*}", decimals(span).clamp(4, 8), v),
        Fmt::Amount => {
            if span >= 100.0 {
                format::amount(v)
            } else {
                format::fixed(v, decimals(span).clamp(1, 6))
            }
        }
    }
}

/// Blanks each label that repeats the one before it.
fn blank_repeats(labels: &mut [String]) {
    for k in (1..labels.len()).rev() {
        if labels[..k].contains(&labels[k]) {
            labels[k].clear();
        }
    }
}

/// The glyph a marker draws, for legends.
fn glyph(m: Marker) -> &'static str {
    match m {
        Marker::Dot => "•",
        Marker::Block => "█",
        Marker::Bar => "▄",
        Marker::HalfBlock => "▀",
        _ => "⣿",
    }
}

/// Draws `series` in a bordered chart titled `title` (with a legend when there is more
/// than one series), values read as `fmt`.
pub fn draw(app: &App, area: Rect, buf: &mut Buffer, title: &str, series: &[Series<'_>], fmt: Fmt) {
    let mut spans = vec![Span::styled(format!(" {title} "), app.theme.accent)];
    if series.len() > 1 {
        for s in series {
            spans.push(Span::styled(format!("{} {} ", glyph(s.marker), s.name), s.style));
        }
    }
    let block = panel(app, Line::from(spans));
    let points: usize = series.iter().map(|s| s.data.len()).sum();
    if points == 0 || area.height < 4 {
        let inner = block.inner(area);
        block.render(area, buf);
        Paragraph::new(Span::styled("no data yet", app.theme.dim)).render(inner, buf);
        return;
    }
    let (mut x0, mut x1) = (f64::INFINITY, f64::NEG_INFINITY);
    let (mut y0, mut y1) = (f64::INFINITY, f64::NEG_INFINITY);
    for s in series {
        for (x, y) in s.data {
            x0 = x0.min(*x);
            x1 = x1.max(*x);
            if y.is_finite() {
                y0 = y0.min(*y);
                y1 = y1.max(*y);
            }
        }
    }
    if !y0.is_finite() {
        (y0, y1) = (0.0, 1.0);
    }
    if x1 <= x0 {
        x1 = x0 + 1.0;
    }
    let (y0, y1) = y_bounds(y0, y1, fmt);
    let t = &app.theme;
    let pattern = if area.width >= 50 {
        "%d %b %H:%M"
    } else if area.width >= 30 {
        "%a %H:%M"
    } else {
        "%H:%M"
    };
    let date = |x: f64| -> String {
        #[allow(clippy::cast_possible_truncation)]
        let secs = (x * 12.0) as i64;
        let d = app.info().start_date + chrono::TimeDelta::try_seconds(secs).unwrap_or_default();
        d.format(pattern).to_string()
    };
    let mut x_text: Vec<String> =
        if area.width >= 70 { vec![date(x0), date((x0 + x1) / 2.0), date(x1)] } else { vec![date(x0), date(x1)] };
    // A span too short for the pattern (block 0, a few blocks) reads the same at every
    // tick: say it once.
    blank_repeats(&mut x_text);
    let x_labels: Vec<Line> = x_text.into_iter().map(Line::raw).collect();
    let span = y1 - y0;
    let y_labels: Vec<Line> = if area.height >= 10 {
        vec![
            Line::raw(label(fmt, y0, span)),
            Line::raw(label(fmt, (y0 + y1) / 2.0, span / 2.0)),
            Line::raw(label(fmt, y1, span)),
        ]
    } else {
        vec![Line::raw(label(fmt, y0, span)), Line::raw(label(fmt, y1, span))]
    };
    let datasets: Vec<Dataset> = series
        .iter()
        .map(|s| {
            Dataset::default()
                .name(s.name.clone())
                .data(s.data)
                .marker(s.marker)
                .graph_type(GraphType::Line)
                .style(s.style)
        })
        .collect();
    Chart::new(datasets)
        .block(block)
        .x_axis(Axis::default().bounds([x0, x1]).labels(x_labels).style(t.dim))
        .y_axis(Axis::default().bounds([y0, y1]).labels(y_labels).style(t.dim))
        .legend_position(None)
        .render(area, buf);
}

#[cfg(test)]
mod tests {
    use super::{Fmt, blank_repeats, y_bounds};
    use crate::tui::testing::{app_with, keys, text};

    #[test]
    fn a_proportions_axis_stays_within_100_percent() {
        // A young subnet's root proportion: 100% flat, then falling.
        assert_eq!(y_bounds(1.0, 1.0, Fmt::Pct), (0.95, 1.0));
        let (lo, hi) = y_bounds(0.8, 1.0, Fmt::Pct);
        assert!(hi == 1.0 && (lo - 0.784).abs() < 1e-9, "{lo} {hi}");
        // Other values keep their margin above.
        let (_, hi) = y_bounds(0.8, 1.0, Fmt::Price);
        assert!((hi - 1.016).abs() < 1e-9, "{hi}");
        // A share never goes below 0 either.
        assert_eq!(y_bounds(0.0, 0.5, Fmt::Pct).0, 0.0);
    }

    #[test]
    fn an_axis_says_a_date_once() {
        let mut l: Vec<String> = ["13 Feb 00:00", "13 Feb 00:00", "13 Feb 00:00"].map(String::from).to_vec();
        blank_repeats(&mut l);
        assert_eq!(l, ["13 Feb 00:00", "", ""]);
        let mut l: Vec<String> = ["13 Feb 00:00", "13 Feb 12:00", "14 Feb 00:00"].map(String::from).to_vec();
        blank_repeats(&mut l);
        assert_eq!(l, ["13 Feb 00:00", "13 Feb 12:00", "14 Feb 00:00"]);
        // At block 0, the Subnet screen's charts label their axis once.
        let mut app = app_with(|_| {});
        keys(&mut app, "2");
        let screen = text(&mut app, 160, 48);
        assert!(screen.contains("13 Feb 00:00"), "{screen}");
        for row in screen.lines() {
            let n = row.matches("00:00").count();
            assert!(n <= 2, "a label repeats: {row}");
        }
    }
}
