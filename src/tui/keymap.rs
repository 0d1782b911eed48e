//! Keys and mouse events to [`Action`]s, per input mode, and the key list that the
//! help screen shows (one table, so the help never drifts from the bindings).

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};

use super::action::{Action, Input, Screen};
use super::form::OrderKind;

/// What the keyboard is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Screens and orders.
    Normal,
    /// Typing in a form or the filter line.
    Text,
    /// A yes/no question.
    Confirm,
    /// An overlay that any key closes (help, messages).
    Dismiss,
}

/// Every key of the game, grouped, for the help screen: `(section, keys, what)`.
pub const KEYS: &[(&str, &str, &str)] = &[
    ("Screens", "1-5  Tab  S-Tab", "Market, Subnet, Portfolio, Network, Log"),
    ("Screens", "Enter", "open the selected subnet"),
    ("Screens", "Esc  Backspace", "back, close, clear the filter"),
    ("Screens", "h l  ← →", "previous / next subnet (Subnet screen)"),
    ("Move", "j k  ↑ ↓", "select down / up"),
    ("Move", "PgDn PgUp  ^d ^u", "a page down / up"),
    ("Move", "g G  Home End", "first / last row"),
    ("Move", "mouse", "click a tab or a row, wheel to scroll"),
    ("Market", "o  O", "next sort column / reverse the sort"),
    ("Market", "/", "filter subnets by name, number or mechanism"),
    ("Time", "space", "pause / resume"),
    ("Time", "+ -", "faster / slower (1 block to a day a second)"),
    ("Time", ".", "run one block"),
    ("Orders", "s  u", "stake TAO / unstake alpha (live quote, limit price)"),
    ("Orders", "d  D", "dump a subnet / dump everything"),
    ("Orders", "m", "move alpha from one subnet to another"),
    ("Orders", "r  R", "stake / unstake root"),
    ("Orders", "L", "launch a subnet (pays the lock cost)"),
    ("Orders", "M", "register as a miner"),
    ("Orders", "w", "set your validator policy on a subnet"),
    ("Forms", "Tab ↑ ↓  ← →", "next / previous field, change a choice"),
    ("Forms", "Enter  Esc", "submit / cancel; amounts take 50% or max"),
    ("Log", "f", "filter: all, map, trades, mine, rejected"),
    ("App", "?  q  ^c", "this help / quit (asks) / quit now"),
];

/// The action of a key in `mode`, if it has one.
#[must_use]
pub fn key(k: KeyEvent, mode: Mode) -> Option<Action> {
    if k.kind == KeyEventKind::Release {
        return None;
    }
    let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && matches!(k.code, KeyCode::Char('c')) {
        return Some(Action::ForceQuit);
    }
    match mode {
        Mode::Normal => normal(k.code, ctrl),
        Mode::Text => text(k.code, ctrl, k.modifiers.contains(KeyModifiers::ALT)),
        Mode::Confirm => match k.code {
            KeyCode::Char('y' | 'Y') | KeyCode::Enter => Some(Action::Confirm(true)),
            KeyCode::Char('n' | 'N' | 'q') | KeyCode::Esc => Some(Action::Confirm(false)),
            _ => None,
        },
        Mode::Dismiss => match k.code {
            KeyCode::Char('q') => Some(Action::Quit),
            KeyCode::Up | KeyCode::Char('k') => Some(Action::Up),
            KeyCode::Down | KeyCode::Char('j') => Some(Action::Down),
            KeyCode::Char(' ') | KeyCode::Enter => Some(Action::Open),
            _ => Some(Action::Back),
        },
    }
}

fn normal(code: KeyCode, ctrl: bool) -> Option<Action> {
    if ctrl {
        return match code {
            KeyCode::Char('d' | 'f') => Some(Action::PageDown),
            KeyCode::Char('u' | 'b') => Some(Action::PageUp),
            _ => None,
        };
    }
    Some(match code {
        KeyCode::Char('q') => Action::Quit,
        KeyCode::Char('?') | KeyCode::F(1) => Action::Help,
        KeyCode::Char(c @ '1'..='5') => {
            let k = usize::from(u8::try_from(c).unwrap_or(b'1') - b'1');
            Action::Screen(Screen::ALL.get(k).copied().unwrap_or_default())
        }
        KeyCode::Tab => Action::NextScreen,
        KeyCode::BackTab => Action::PrevScreen,
        KeyCode::Up | KeyCode::Char('k') => Action::Up,
        KeyCode::Down | KeyCode::Char('j') => Action::Down,
        KeyCode::PageUp => Action::PageUp,
        KeyCode::PageDown => Action::PageDown,
        KeyCode::Home | KeyCode::Char('g') => Action::Top,
        KeyCode::End | KeyCode::Char('G') => Action::Bottom,
        KeyCode::Left | KeyCode::Char('h') => Action::Left,
        KeyCode::Right | KeyCode::Char('l') => Action::Right,
        KeyCode::Enter => Action::Open,
        KeyCode::Esc | KeyCode::Backspace => Action::Back,
        KeyCode::Char('o') => Action::SortNext,
        KeyCode::Char('O') => Action::SortReverse,
        KeyCode::Char('/') => Action::Filter,
        KeyCode::Char('f') => Action::LogFilter,
        KeyCode::Char(' ') => Action::TogglePause,
        KeyCode::Char('+' | '=') => Action::Faster,
        KeyCode::Char('-' | '_') => Action::Slower,
        KeyCode::Char('.') => Action::Step,
        KeyCode::Char('s') => Action::Order(OrderKind::Stake),
        KeyCode::Char('u') => Action::Order(OrderKind::Unstake),
        KeyCode::Char('d') => Action::Order(OrderKind::Dump),
        KeyCode::Char('D') => Action::Order(OrderKind::DumpAll),
        KeyCode::Char('m') => Action::Order(OrderKind::Move),
        KeyCode::Char('r') => Action::Order(OrderKind::StakeRoot),
        KeyCode::Char('R') => Action::Order(OrderKind::UnstakeRoot),
        KeyCode::Char('L') => Action::Order(OrderKind::Launch),
        KeyCode::Char('M') => Action::Order(OrderKind::RegisterMiner),
        KeyCode::Char('w') => Action::Order(OrderKind::SetPolicy),
        _ => return None,
    })
}

fn text(code: KeyCode, ctrl: bool, alt: bool) -> Option<Action> {
    if ctrl {
        return match code {
            KeyCode::Char('u') => Some(Action::Input(Input::Clear)),
            _ => None,
        };
    }
    let i = match code {
        KeyCode::Char(c) if !alt => Input::Char(c),
        KeyCode::Backspace => Input::Backspace,
        KeyCode::Delete => Input::Clear,
        KeyCode::Tab | KeyCode::Down => Input::Next,
        KeyCode::BackTab | KeyCode::Up => Input::Prev,
        KeyCode::Left => Input::Left,
        KeyCode::Right => Input::Right,
        KeyCode::Enter => Input::Submit,
        KeyCode::Esc => Input::Cancel,
        _ => return None,
    };
    Some(Action::Input(i))
}

/// The action of a mouse event, if it has one.
#[must_use]
pub fn mouse(m: MouseEvent) -> Option<Action> {
    match m.kind {
        MouseEventKind::Down(MouseButton::Left) => Some(Action::Click { col: m.column, row: m.row }),
        MouseEventKind::ScrollUp => Some(Action::ScrollUp),
        MouseEventKind::ScrollDown => Some(Action::ScrollDown),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    #[test]
    fn arrows_and_vim_keys_agree() {
        for (a, b) in [
            (KeyCode::Up, KeyCode::Char('k')),
            (KeyCode::Down, KeyCode::Char('j')),
            (KeyCode::Left, KeyCode::Char('h')),
            (KeyCode::Right, KeyCode::Char('l')),
            (KeyCode::Home, KeyCode::Char('g')),
            (KeyCode::End, KeyCode::Char('G')),
        ] {
            assert_eq!(key(k(a), Mode::Normal), key(k(b), Mode::Normal));
            assert!(key(k(a), Mode::Normal).is_some());
        }
    }

    #[test]
    fn text_mode_types_letters_that_are_commands_elsewhere() {
        assert_eq!(key(k(KeyCode::Char('s')), Mode::Text), Some(Action::Input(Input::Char('s'))));
        assert_eq!(key(k(KeyCode::Char('q')), Mode::Text), Some(Action::Input(Input::Char('q'))));
        assert_eq!(key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL), Mode::Text), Some(Action::ForceQuit));
    }

    #[test]
    fn key_releases_are_ignored() {
        let mut e = k(KeyCode::Char('q'));
        e.kind = KeyEventKind::Release;
        assert_eq!(key(e, Mode::Normal), None);
    }
}
