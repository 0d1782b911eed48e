//! Colours and emphasis. Two themes: colour, and monochrome for `NO_COLOR`
//! (<https://no-color.org>), which keeps only bold, dim, reversed and underline.

use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::Marker;

/// The styles every view draws with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Theme {
    /// Whether colours are used.
    pub color: bool,
    /// Plain text.
    pub text: Style,
    /// Secondary text.
    pub dim: Style,
    /// Titles, the selected tab, key names.
    pub accent: Style,
    /// Table headers.
    pub header: Style,
    /// The selected row.
    pub selected: Style,
    /// Rising values, applied orders.
    pub up: Style,
    /// Falling values, rejected orders.
    pub down: Style,
    /// Warnings (slippage, a majority holder).
    pub warn: Style,
    /// Borders.
    pub border: Style,
    /// The human player's rows.
    pub you: Style,
    /// Chart series, in order.
    pub series: [Style; 4],
    /// Chart markers, in order (monochrome tells series apart by marker).
    pub markers: [Marker; 4],
}

impl Theme {
    /// The colour theme.
    #[must_use]
    pub fn colored() -> Self {
        Self {
            color: true,
            text: Style::new(),
            dim: Style::new().fg(Color::DarkGray),
            accent: Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            header: Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
            selected: Style::new().bg(Color::Rgb(40, 50, 70)).add_modifier(Modifier::BOLD),
            up: Style::new().fg(Color::Green),
            down: Style::new().fg(Color::Red),
            warn: Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
            border: Style::new().fg(Color::DarkGray),
            you: Style::new().fg(Color::LightCyan).add_modifier(Modifier::BOLD),
            series: [
                Style::new().fg(Color::Cyan),
                Style::new().fg(Color::Yellow),
                Style::new().fg(Color::Magenta),
                Style::new().fg(Color::Green),
            ],
            markers: [Marker::Braille; 4],
        }
    }

    /// The monochrome theme (`NO_COLOR`).
    #[must_use]
    pub fn mono() -> Self {
        let plain = Style::new();
        Self {
            color: false,
            text: plain,
            dim: plain.add_modifier(Modifier::DIM),
            accent: plain.add_modifier(Modifier::BOLD),
            header: plain.add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            selected: plain.add_modifier(Modifier::REVERSED),
            up: plain,
            down: plain.add_modifier(Modifier::BOLD),
            warn: plain.add_modifier(Modifier::BOLD),
            border: plain,
            you: plain.add_modifier(Modifier::BOLD),
            series: [plain; 4],
            markers: [Marker::Braille, Marker::Dot, Marker::Block, Marker::HalfBlock],
        }
    }

    /// `mono` when the `NO_COLOR` variable is set to anything non-empty, else `colored`.
    #[must_use]
    pub fn from_env() -> Self {
        if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) { Self::mono() } else { Self::colored() }
    }

    /// Style for a signed change: up, down or plain.
    #[must_use]
    pub fn signed(&self, x: f64) -> Style {
        if x > 1e-12 {
            self.up
        } else if x < -1e-12 {
            self.down
        } else {
            self.text
        }
    }
}

impl Default for Theme {
    fn default() -> Self {
        Self::colored()
    }
}
