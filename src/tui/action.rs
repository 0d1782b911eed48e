//! What the player can ask of the app. Keys and mouse events become actions
//! ([`keymap`](super::keymap)); [`App::update`](super::App::update) applies them.

use super::form::OrderKind;

/// A screen of the game.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Screen {
    /// Every subnet.
    #[default]
    Market,
    /// One subnet in depth.
    Subnet,
    /// The player's positions and the leaderboard.
    Portfolio,
    /// Emission, root proportion, halving and lock cost.
    Network,
    /// Map events, trades, rejected orders.
    Log,
}

impl Screen {
    /// Every screen, in tab order.
    pub const ALL: [Screen; 5] = [Screen::Market, Screen::Subnet, Screen::Portfolio, Screen::Network, Screen::Log];

    /// Tab title.
    #[must_use]
    pub const fn title(self) -> &'static str {
        match self {
            Screen::Market => "Market",
            Screen::Subnet => "Subnet",
            Screen::Portfolio => "Portfolio",
            Screen::Network => "Network",
            Screen::Log => "Log",
        }
    }

    /// Position in tab order.
    #[must_use]
    pub fn index(self) -> usize {
        Self::ALL.iter().position(|s| *s == self).unwrap_or(0)
    }

    /// The screen `delta` tabs away, wrapping.
    #[must_use]
    pub fn cycle(self, delta: isize) -> Self {
        let n = Self::ALL.len();
        let d = usize::try_from(delta.rem_euclid(isize::try_from(n).unwrap_or(1))).unwrap_or(0);
        Self::ALL[(self.index() + d) % n]
    }
}

/// Editing keys inside a form or the filter line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Input {
    /// Type a character.
    Char(char),
    /// Delete the character before the cursor.
    Backspace,
    /// Clear the field.
    Clear,
    /// Next field.
    Next,
    /// Previous field.
    Prev,
    /// Previous choice.
    Left,
    /// Next choice.
    Right,
    /// Submit.
    Submit,
    /// Cancel.
    Cancel,
}

/// Something the player asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Ask before quitting.
    Quit,
    /// Quit now (Ctrl-C).
    ForceQuit,
    /// Show or hide the key list.
    Help,
    /// Go to a screen.
    Screen(Screen),
    /// Next tab.
    NextScreen,
    /// Previous tab.
    PrevScreen,
    /// Selection up.
    Up,
    /// Selection down.
    Down,
    /// A page up.
    PageUp,
    /// A page down.
    PageDown,
    /// First row.
    Top,
    /// Last row.
    Bottom,
    /// Left (previous subnet on the Subnet screen).
    Left,
    /// Right (next subnet on the Subnet screen).
    Right,
    /// Open the selection (a market row opens its subnet).
    Open,
    /// Back, close, clear.
    Back,
    /// Any key but Esc on a box that any key closes (a narration: close it and run the
    /// clock again; Esc closes it and keeps the clock paused).
    Close,
    /// Next sort column.
    SortNext,
    /// Reverse the sort.
    SortReverse,
    /// Edit the market filter.
    Filter,
    /// Next log filter.
    LogFilter,
    /// Pause or resume the clock.
    TogglePause,
    /// Faster.
    Faster,
    /// Slower.
    Slower,
    /// Run one block.
    Step,
    /// Open an order form.
    Order(OrderKind),
    /// Withdraw the orders queued for the next block.
    CancelOrders,
    /// A replay: the next mark (narration, event, big trade).
    NextMark,
    /// A replay: the previous mark.
    PrevMark,
    /// A replay: back one day.
    DayBack,
    /// A replay: forward one day.
    DayForward,
    /// A replay: ask for a block or a day to go to.
    GoTo,
    /// A replay: show the next player's book (`true`) or the previous one's.
    Follow(bool),
    /// Save the match now.
    Save,
    /// Text entry in a form or the filter.
    Input(Input),
    /// Yes / no in a confirmation.
    Confirm(bool),
    /// A mouse click at a cell.
    Click {
        /// Column.
        col: u16,
        /// Row.
        row: u16,
    },
    /// Mouse wheel up.
    ScrollUp,
    /// Mouse wheel down.
    ScrollDown,
    /// The terminal's new size.
    Resize {
        /// Columns.
        width: u16,
        /// Rows.
        height: u16,
    },
    /// Time passes (about ten a second): toasts fade.
    Tick,
}
