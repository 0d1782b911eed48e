//! Where things go on the screen. Pure functions of the terminal's size, shared by the
//! views (to draw) and the app (to page, scroll and hit-test mouse clicks).

use ratatui::layout::{Constraint, Layout, Rect};

use super::action::Screen;

/// The smallest terminal the game draws in.
pub const MIN_WIDTH: u16 = 80;
/// The smallest terminal the game draws in.
pub const MIN_HEIGHT: u16 = 24;

/// The frame around every screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Chrome {
    /// Title bar: map, clock, block, speed.
    pub title: Rect,
    /// Tabs and the player's score.
    pub tabs: Rect,
    /// The screen.
    pub body: Rect,
    /// Status line: the last order's outcome or key hints.
    pub status: Rect,
    /// A replay's timeline strip (badge, position, marks), above the status line.
    pub timeline: Option<Rect>,
}

/// Whether `area` is below the minimum size.
#[must_use]
pub fn too_small(area: Rect) -> bool {
    area.width < MIN_WIDTH || area.height < MIN_HEIGHT
}

/// The frame's parts.
#[must_use]
pub fn chrome(area: Rect) -> Chrome {
    chrome_for(area, false)
}

/// The frame's parts, with a replay's timeline strip when `timeline`.
#[must_use]
pub fn chrome_for(area: Rect, timeline: bool) -> Chrome {
    let [title, tabs, body, strip, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(u16::from(timeline)),
        Constraint::Length(1),
    ])
    .areas(area);
    Chrome { title, tabs, body, status, timeline: timeline.then_some(strip) }
}

/// The key list's columns for a terminal `width` wide: two columns or one, and the
/// width of a column.
#[must_use]
pub fn help_columns(width: u16) -> (bool, usize) {
    let two = width >= 154;
    // Two columns share the width (a box of `2 w + 5`, with margins); one is at most 76.
    (two, if two { usize::from((width - 10) / 2).min(80) } else { usize::from(width.saturating_sub(6)).min(76) })
}

/// Each tab's columns `[x0, x1)` on the tab row, in the order of [`Screen::ALL`], and
/// the text drawn for it.
#[must_use]
pub fn tabs(row: Rect) -> Vec<(Screen, u16, u16, String)> {
    let mut x = row.x + 1;
    let mut out = Vec::new();
    for (k, s) in Screen::ALL.iter().enumerate() {
        let label = format!(" {} {} ", k + 1, s.title());
        let w = u16::try_from(label.chars().count()).unwrap_or(0);
        out.push((*s, x, x.saturating_add(w), label));
        x = x.saturating_add(w + 1);
    }
    out
}

/// The market screen's parts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Market {
    /// The filter line, when shown.
    pub filter: Option<Rect>,
    /// The table, with its border.
    pub table: Rect,
    /// A chart of the selected subnet, on tall terminals.
    pub preview: Option<Rect>,
}

/// The market screen's parts.
#[must_use]
pub fn market(body: Rect, filter_shown: bool) -> Market {
    let (filter, rest) = if filter_shown {
        let [f, r] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(body);
        (Some(f), r)
    } else {
        (None, body)
    };
    if rest.height >= 36 {
        let [table, preview] = Layout::vertical([Constraint::Min(10), Constraint::Length(13)]).areas(rest);
        Market { filter, table, preview: Some(preview) }
    } else {
        Market { filter, table: rest, preview: None }
    }
}

/// Rows of data a bordered table with a header shows in `table`.
#[must_use]
pub fn table_rows(table: Rect) -> usize {
    usize::from(table.height.saturating_sub(3))
}

/// The row of data at screen row `y` of a bordered table with a header, if any.
#[must_use]
pub fn table_hit(table: Rect, y: u16) -> Option<usize> {
    let first = table.y + 2;
    (y >= first && y < table.bottom().saturating_sub(1)).then(|| usize::from(y - first))
}

/// The Log screen's parts: the list of lines, and under it a box that shows the
/// selected line in full (6 to 9 rows: 4 to 7 lines of text, so a narration of 300
/// characters fits at 80 columns).
#[must_use]
pub fn log(body: Rect) -> (Rect, Rect) {
    let detail = (body.height * 2 / 7).clamp(6, 9).min(body.height.saturating_sub(3));
    let [list, selected] = Layout::vertical([Constraint::Min(3), Constraint::Length(detail)]).areas(body);
    (list, selected)
}

/// The portfolio screen's parts: summary, positions, leaderboard, score chart.
#[must_use]
pub fn portfolio(body: Rect) -> [Rect; 4] {
    let [summary, rest] = Layout::vertical([Constraint::Length(4), Constraint::Min(6)]).areas(body);
    if body.width >= 140 {
        let [left, right] = Layout::horizontal([Constraint::Percentage(58), Constraint::Percentage(42)]).areas(rest);
        let [board, chart] = Layout::vertical([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(right);
        [summary, left, board, chart]
    } else {
        let [positions, board] = Layout::vertical([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(rest);
        [summary, positions, board, Rect::new(board.x, board.bottom(), board.width, 0)]
    }
}

/// A box of at most `w` by `h` centred in `area`.
#[must_use]
pub fn popup(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(area.x + (area.width - w) / 2, area.y + (area.height - h) / 2, w, h)
}
