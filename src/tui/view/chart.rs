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
use crate::engine::params::BLOCKS_PER_DAY;

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
    // A share that barely moves keeps a hundredth of a percentage point on each side, so
    // that its labels read in three decimals at most, not in the six that would tell its
    // ends apart.
    let least = if matches!(fmt, Fmt::Pct) { 0.0001 } else { 0.0 };
    let pad = if y1 > y0 { ((y1 - y0) * 0.08).max(least) } else { y1.abs().max(1e-9) * 0.05 };
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

/// An axis's labels for `values` (spread over `span`), all in one precision: the one
/// that tells the axis's ends apart (its middle, half as far from each, reads apart too).
fn axis_labels(fmt: Fmt, values: &[f64], span: f64) -> Vec<String> {
    let top = values.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    values
        .iter()
        .map(|v| match fmt {
            Fmt::Pct => format!("{:.*}%", decimals(span * 100.0).clamp(1, 6), v * 100.0),
            Fmt::Price => format!("{:.*}", decimals(span).clamp(4, 8), v),
            // Millions while hundredths of a million tell the ends apart, else whole units.
            Fmt::Amount if top >= 1e7 && span >= 1e5 => format!("{:.2}M", v / 1e6),
            Fmt::Amount if span >= 100.0 => format::fixed(*v, 0),
            Fmt::Amount => format::fixed(*v, decimals(span).clamp(1, 6)),
        })
        .collect()
}

/// The dates on the x axis of a chart `width` wide over `span` blocks: the time of day
/// over a day or less; over more, the day too (its weekday within a week, its date
/// beyond, where a weekday would repeat), as the narrow charts have room for.
fn date_pattern(width: u16, span: f64) -> &'static str {
    #[allow(clippy::cast_precision_loss)]
    let day = BLOCKS_PER_DAY as f64;
    if width >= 50 {
        "%d %b %H:%M"
    } else if width >= 30 && span < 7.0 * day {
        "%a %H:%M"
    } else if width >= 30 || span > day {
        "%d %b"
    } else {
        "%H:%M"
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
    draw_from(app, area, buf, title, series, fmt, f64::INFINITY);
}

/// The first x (block) of any point of `groups`: charts drawn side by side start at it
/// together, although a series may begin later (the emission share, unknown before the
/// first block has emitted).
#[must_use]
pub fn first_x(groups: &[&[Series<'_>]]) -> f64 {
    groups.iter().flat_map(|g| g.iter()).filter_map(|s| s.data.first().map(|p| p.0)).fold(f64::INFINITY, f64::min)
}

/// [`draw`] with the x axis starting at `x_from` or at the first point, whichever is
/// earlier.
pub fn draw_from(app: &App, area: Rect, buf: &mut Buffer, title: &str, series: &[Series<'_>], fmt: Fmt, x_from: f64) {
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
        Paragraph::new(Span::styled(" no data yet", app.theme.dim)).render(inner, buf);
        return;
    }
    let (mut x0, mut x1) = (x_from, f64::NEG_INFINITY);
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
    let pattern = date_pattern(area.width, x1 - x0);
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
    let ticks = if area.height >= 10 { vec![y0, (y0 + y1) / 2.0, y1] } else { vec![y0, y1] };
    let y_labels: Vec<Line> = axis_labels(fmt, &ticks, y1 - y0).into_iter().map(Line::raw).collect();
    let mut datasets: Vec<Dataset> = series
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
    // A replay's charts span the whole recorded match: a dim line marks where it is.
    #[allow(clippy::cast_precision_loss)]
    let now = app.snap().block() as f64;
    let cursor = [(now, y0), (now, y1)];
    if app.is_replay() && now > x0 && now < x1 {
        datasets.insert(
            0,
            Dataset::default().data(&cursor).marker(Marker::Braille).graph_type(GraphType::Line).style(t.dim),
        );
    }
    Chart::new(datasets)
        .block(block)
        .x_axis(Axis::default().bounds([x0, x1]).labels(x_labels).style(t.dim))
        .y_axis(Axis::default().bounds([y0, y1]).labels(y_labels).style(t.dim))
        .legend_position(None)
        .render(area, buf);
}

#[cfg(test)]
mod tests {
    use super::{Fmt, axis_labels, blank_repeats, date_pattern, y_bounds};
    use crate::tui::testing::{app_with, keys, rows, text};

    #[test]
    fn a_narrow_chart_over_days_says_the_days() {
        let day = 7200.0;
        assert_eq!(date_pattern(23, 0.5 * day), "%H:%M");
        assert_eq!(date_pattern(23, 3.0 * day), "%d %b", "not 00:25 … 00:00 over three days");
        assert_eq!(date_pattern(46, 3.0 * day), "%a %H:%M");
        assert_eq!(date_pattern(46, 7.0 * day), "%d %b", "a weekday would repeat");
        assert_eq!(date_pattern(60, 30.0 * day), "%d %b %H:%M");
        // The Subnet screen's small charts over three days, at 80x24 and 100x30.
        let mut app = app_with(|s| {
            use crate::session::handle::{Lines, SubnetHistory};
            s.view.block = 21_600;
            let mut h = (*s.history).clone();
            let mut lines = Lines::new(4, 64);
            for b in (125..=21_600).step_by(360) {
                #[allow(clippy::cast_precision_loss)]
                let x = b as f64 / 21_600.0;
                lines.record(b, &[0.25 + 0.1 * x, 0.25, 0.043_69 + 0.000_18 * x, 0.9 - 0.1 * x]);
            }
            h.subnets.insert(1, SubnetHistory { registered_at: -100_000, lines });
            s.history = std::sync::Arc::new(h);
        });
        keys(&mut app, "2");
        for (w, h) in [(80, 24), (100, 30)] {
            let screen = rows(&mut app, w, h);
            let at = screen.iter().position(|r| r.contains("emission share")).expect("the small charts");
            let below = screen[at..].join("\n");
            assert!(below.contains("13 Feb") && below.contains("15 Feb"), "{w}x{h}:\n{below}");
            assert!(!below.contains(":00") && !below.contains(":25"), "{w}x{h}:\n{below}");
        }
    }

    #[test]
    fn charts_side_by_side_share_their_time_axis() {
        // The emission share is unknown at block 0 (nothing has emitted yet): its chart
        // still starts where the price chart next to it does.
        let mut app = app_with(|s| {
            use crate::session::handle::{Lines, SubnetHistory};
            s.view.block = 7_200;
            let mut h = (*s.history).clone();
            let mut lines = Lines::new(4, 64);
            for b in (0..=7_200).step_by(360) {
                let share = if b == 0 { f64::NAN } else { 0.05 };
                lines.record(b, &[0.25, 0.25, share, 0.9]);
            }
            h.subnets.insert(1, SubnetHistory { registered_at: -100_000, lines });
            s.history = std::sync::Arc::new(h);
        });
        for screen in ["1", "2"] {
            keys(&mut app, screen);
            let shown = text(&mut app, 160, 48);
            assert!(!shown.contains("01:12"), "screen {screen}: an axis starting at block 360:\n{shown}");
        }
    }

    #[test]
    fn a_replay_marks_the_current_block_on_its_charts() {
        // Flat lines over three days, at day 1: only the marker draws a vertical stroke.
        let snap = |s: &mut crate::session::handle::Snapshot| {
            use crate::session::handle::{Lines, SubnetHistory};
            s.view.block = 7_200;
            let mut h = (*s.history).clone();
            let mut lines = Lines::new(4, 64);
            for b in (0..=21_600).step_by(360) {
                lines.record(b, &[0.25, 0.25, 0.05, 0.9]);
            }
            h.subnets.insert(1, SubnetHistory { registered_at: -100_000, lines });
            s.history = std::sync::Arc::new(h);
        };
        let strokes = |replay: bool| {
            let mut app = app_with(snap);
            let (mut info, snap) = ((*app.info()).clone(), app.snap().clone());
            info.replay = replay;
            app = crate::tui::testing::app_on(std::sync::Arc::new(info), snap);
            keys(&mut app, "2");
            let screen = rows(&mut app, 120, 40);
            let cols: Vec<usize> =
                screen.iter().filter_map(|r| r.chars().position(|c| matches!(c, '⡇' | '⢸'))).collect();
            (cols.len(), cols.first().copied())
        };
        assert_eq!(strokes(false).0, 0, "a game's charts end at the current block: no marker");
        let (n, at) = strokes(true);
        assert!(n >= 4, "the marker is a vertical line: {n} rows");
        // A third of the way across the first chart (its plot starts after the y labels).
        let at = at.expect("a column");
        assert!((20..60).contains(&at), "column {at}");
    }

    #[test]
    fn an_axis_has_one_precision() {
        let decimals = |l: &String| l.trim_end_matches('%').split('.').nth(1).map_or(0, str::len);
        let (y0, y1) = (0.043_69, 0.043_87);
        let labels = axis_labels(Fmt::Pct, &[y0, (y0 + y1) / 2.0, y1], y1 - y0);
        assert_eq!(labels, ["4.369%", "4.378%", "4.387%"]);
        for (fmt, ticks) in [
            (Fmt::Price, [0.1, 0.15, 0.2]),
            (Fmt::Amount, [95.3, 100.55, 105.8]),
            (Fmt::Amount, [900.0, 5_000.0, 15_000.0]),
            (Fmt::Amount, [1.0e7, 2.0e7, 3.0e7]),
        ] {
            let labels = axis_labels(fmt, &ticks, ticks[2] - ticks[0]);
            assert!(labels.iter().all(|l| decimals(l) == decimals(&labels[0])), "{labels:?}");
            assert!(labels[0] != labels[1] && labels[1] != labels[2], "{labels:?}");
        }
    }

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
        // One that barely moves reads in three decimals at most.
        let (lo, hi) = y_bounds(0.912_688_3, 0.912_689_0, Fmt::Pct);
        let labels = axis_labels(Fmt::Pct, &[lo, (lo + hi) / 2.0, hi], hi - lo);
        assert_eq!(labels, ["91.259%", "91.269%", "91.279%"]);
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
