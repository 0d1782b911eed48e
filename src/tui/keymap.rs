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
    /// The terminal is below the minimum size: only the keys that screen lists work
    /// (space pauses or runs the clock, Esc closes a hidden box, q quits).
    TooSmall,
}

/// When a line of the key list applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    /// Always.
    Always,
    /// A live match (orders).
    Play,
    /// A replay (marks, seeking).
    Replay,
    /// A live match watched without a player (`join --spectate`).
    Spectate,
    /// A match with a save file.
    Save,
    /// A lesson (narration pauses the clock).
    Lesson,
    /// A lesson in a match whose clock this game runs (a narration holds it).
    LessonOwnClock,
    /// A lesson in a shared world (a narration does not hold the host's clock).
    LessonShared,
    /// A match whose clock this game runs (not a shared world's: the host runs that).
    OwnClock,
    /// A shared world (`join`): the host runs the clock.
    Shared,
}

/// The facts about a match that decide which keys the help lists.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KeySet {
    /// A replay.
    pub replay: bool,
    /// A live match watched without a player (`join --spectate`): no orders.
    pub spectator: bool,
    /// A match with a save file.
    pub save: bool,
    /// A lesson.
    pub lesson: bool,
    /// A shared world joined from a host (`join`): the clock is the host's.
    pub shared: bool,
}

impl KeySet {
    /// Whether lines marked `when` apply.
    #[must_use]
    pub fn shows(self, when: When) -> bool {
        match when {
            When::Always => true,
            When::Play => !self.replay && !self.spectator,
            When::Replay => self.replay,
            When::Spectate => self.spectator,
            When::Save => self.save && !self.replay,
            When::Lesson => self.lesson,
            When::LessonOwnClock => self.lesson && !self.shared,
            When::LessonShared => self.lesson && self.shared,
            When::OwnClock => !self.shared,
            When::Shared => self.shared,
        }
    }

    /// The key list's lines that apply: `(section, keys, what)`.
    pub fn lines(self) -> impl Iterator<Item = &'static (&'static str, &'static str, &'static str, When)> {
        KEYS.iter().filter(move |k| self.shows(k.3))
    }
}

/// Every key of the game, grouped, for the help screen: `(section, keys, what, when)`.
pub const KEYS: &[(&str, &str, &str, When)] = &[
    ("Screens", "1-5  Tab  S-Tab", "Market, Subnet, Portfolio, Network, Log", When::Always),
    ("Screens", "Enter", "open the selected subnet", When::Always),
    ("Screens", "Esc  Backspace", "back, close, clear the filter", When::Always),
    ("Screens", "h l  ← →", "previous / next subnet (Subnet screen)", When::Always),
    ("Move", "j k  ↑ ↓", "select down / up", When::Always),
    ("Move", "PgDn PgUp  ^d ^u", "a page down / up", When::Always),
    ("Move", "g G  Home End", "first / last row", When::Always),
    ("Move", "mouse", "click a tab or a row, wheel to scroll", When::Always),
    ("Market", "o  O", "next sort column / reverse the sort", When::Always),
    ("Market", "/", "filter subnets by name, number or mechanism", When::Always),
    ("Time", "space", "pause / resume", When::OwnClock),
    ("Time", "+ -", "faster / slower (1 block to a day a second)", When::OwnClock),
    ("Time", ".", "run one block", When::OwnClock),
    ("Time", "space + - .", "none: the host runs the clock", When::Shared),
    ("Replay", "n  N", "next / previous mark (narration, event, big trade)", When::Replay),
    ("Replay", "[  ]", "back / forward one day (7,200 blocks)", When::Replay),
    ("Replay", "t", "go to a block (12345) or a day (d3, day 3)", When::Replay),
    ("Replay", "p  P", "Portfolio: the next / previous player's book", When::Replay),
    ("Watch", "p  P", "Portfolio: the next / previous player's book", When::Spectate),
    ("Replay", "timeline", "◆ narration  ◇ event  • big trade  ● now", When::Replay),
    ("Replay", "orders", "off: a replay is read-only", When::Replay),
    ("Lesson", "any key", "close a narration (Enter: its subnet, paused)", When::LessonOwnClock),
    ("Lesson", "Esc", "close a narration and keep the clock paused", When::LessonOwnClock),
    ("Lesson", "+  -", "change the speed, the narration left open", When::LessonOwnClock),
    ("Lesson", "any key", "close a narration (Enter: its subnet)", When::LessonShared),
    ("Lesson", "4", "Network screen: the objectives (↑ ↓ scroll them)", When::Lesson),
    ("Orders", "s  u", "stake TAO / unstake alpha (live quote, limit price)", When::Play),
    ("Orders", "d  D", "dump a subnet / dump everything", When::Play),
    ("Orders", "m", "move alpha from one subnet to another", When::Play),
    ("Orders", "r  R", "stake / unstake root", When::Play),
    ("Orders", "L", "launch a subnet (pays the lock cost)", When::Play),
    ("Orders", "x", "cancel the orders queued for the next block", When::Play),
    ("Orders", "M", "register as a miner", When::Play),
    ("Orders", "w", "set your validator policy on a subnet", When::Play),
    ("Forms", "Tab ↑ ↓  ← →", "next / previous field, change a choice", When::Play),
    ("Forms", "Enter  Esc", "submit / cancel; amounts take 50%, max or all", When::Play),
    ("Log", "f", "filter: all, map, trades, mine, rejected", When::Always),
    ("Log", "j k  ↑ ↓  g G", "select a line: the box below shows it in full", When::Always),
    ("App", "^s  S", "save now (the game also saves itself and on quit)", When::Save),
    ("App", "?  q  ^c", "this help / quit (asks) / quit now", When::Always),
];

/// The words of the game, for newcomers: the help's last section before the teacher's
/// note.
pub const WORDS: &[(&str, &str)] = &[
    ("τ  TAO", "the network's coin: scores are counted in it"),
    ("α  alpha", "a subnet's own token, traded in its pool"),
    ("pool", "TAO and alpha; the price is TAO / alpha"),
    ("stake  unstake", "buy a subnet's alpha with TAO / sell it"),
    ("slippage", "a large trade moves the price against you"),
    ("emission", "new TAO each block, split by moving price"),
    ("moving price", "a slow average of a subnet's price"),
    ("root  SN0", "TAO staked there weighs on every subnet"),
    ("root proportion", "the part of validators' alpha paid to root"),
    ("validator", "weighs the miners; counts by its stake"),
    ("miner", "paid by the validators' consensus"),
    ("tempo", "an epoch every tempo + 1 blocks: 361 (72 min)"),
    ("epoch", "the pay-out at the end of each tempo"),
    ("✓ ○ ✗ •", "objectives: reached, open, missed, to discuss"),
    ("holder subnet", "a memecoin: holding its alpha is mining"),
    ("revenue subnet", "buys back its alpha with outside income"),
];

/// A row of the help.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HelpRow {
    /// A section title.
    Section(&'static str),
    /// Keys and what they do.
    Key(&'static str, &'static str),
    /// A line of the teacher's note.
    Note(String),
}

/// The help's rows: the keys of `set` by section, then the teacher's note (if any)
/// wrapped to `note_width`.
#[must_use]
pub fn help_rows(set: KeySet, note: Option<&str>, note_width: usize) -> Vec<HelpRow> {
    let mut rows = Vec::with_capacity(KEYS.len() + 16);
    let mut section = "";
    for (sec, keys, what, _) in set.lines() {
        if *sec != section {
            section = sec;
            rows.push(HelpRow::Section(sec));
        }
        rows.push(HelpRow::Key(keys, what));
    }
    rows.push(HelpRow::Section("Words"));
    rows.extend(WORDS.iter().map(|(word, what)| HelpRow::Key(word, what)));
    if let Some(note) = note.map(str::trim).filter(|n| !n.is_empty()) {
        rows.push(HelpRow::Section("Teacher's note"));
        rows.extend(super::format::wrap(note, note_width).into_iter().map(HelpRow::Note));
    }
    rows
}

/// Rows a help column may grow past the middle so that no section is cut in two.
const HELP_SLACK: usize = 5;

/// Where two columns of help `rows` split: at the section start nearest the middle, so
/// that a section reads in one column, unless that makes a column more than
/// [`HELP_SLACK`] rows taller than half; then in the middle, but never right after a
/// section's title (which would end the first column alone).
#[must_use]
pub fn help_split(rows: &[HelpRow]) -> usize {
    let n = rows.len();
    let middle = n.div_ceil(2);
    let taller = |i: usize| i.max(n - i);
    let at_section = (1..n).filter(|&i| matches!(rows[i], HelpRow::Section(_))).min_by_key(|&i| taller(i));
    if let Some(i) = at_section.filter(|&i| taller(i) <= middle + HELP_SLACK) {
        return i;
    }
    let mut split = middle;
    if split > 1 && matches!(rows.get(split - 1), Some(HelpRow::Section(_))) {
        split -= 1;
    }
    split
}

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
            // `q` again confirms: q q quits, as the box says.
            KeyCode::Char('y' | 'Y' | 'q') | KeyCode::Enter => Some(Action::Confirm(true)),
            KeyCode::Char('n' | 'N') | KeyCode::Esc => Some(Action::Confirm(false)),
            _ => None,
        },
        Mode::TooSmall => match k.code {
            KeyCode::Char('q') => Some(Action::Quit),
            KeyCode::Char(' ') => Some(Action::TogglePause),
            KeyCode::Esc => Some(Action::Back),
            _ => None,
        },
        Mode::Dismiss => match k.code {
            KeyCode::Char('q') => Some(Action::Quit),
            // `?` on a box (the welcome box says "? every key") opens the key list.
            KeyCode::Char('?') | KeyCode::F(1) => Some(Action::Help),
            KeyCode::Up | KeyCode::Char('k') => Some(Action::Up),
            KeyCode::Down | KeyCode::Char('j') => Some(Action::Down),
            KeyCode::PageUp => Some(Action::PageUp),
            KeyCode::PageDown => Some(Action::PageDown),
            KeyCode::Enter => Some(Action::Open),
            // Space closes a narration without opening the subnet it names (and starts
            // the clock from the welcome box, as Enter does).
            KeyCode::Char(' ') => Some(Action::TogglePause),
            // Esc closes a narration and keeps the clock paused; any other key runs it.
            KeyCode::Esc => Some(Action::Back),
            // A screen's or a sort's key closes the box and does what it says (a
            // narration passes it on; other boxes only close).
            KeyCode::Char(c @ '1'..='5') => Some(screen_key(c)),
            KeyCode::Tab => Some(Action::NextScreen),
            KeyCode::BackTab => Some(Action::PrevScreen),
            KeyCode::Char('o') => Some(Action::SortNext),
            KeyCode::Char('O') => Some(Action::SortReverse),
            // `.` steps one block from a narration (the clock stays paused).
            KeyCode::Char('.') => Some(Action::Step),
            // A replay's jumps, likewise (n from a narration goes on to the next mark).
            KeyCode::Char('n') => Some(Action::NextMark),
            KeyCode::Char('N') => Some(Action::PrevMark),
            KeyCode::Char('[') => Some(Action::DayBack),
            KeyCode::Char(']') => Some(Action::DayForward),
            KeyCode::Char('t') => Some(Action::GoTo),
            // The speed changes under a narration, which stays open (other boxes close).
            KeyCode::Char('+' | '=') => Some(Action::Faster),
            KeyCode::Char('-' | '_') => Some(Action::Slower),
            _ => Some(Action::Close),
        },
    }
}

fn normal(code: KeyCode, ctrl: bool) -> Option<Action> {
    if ctrl {
        return match code {
            KeyCode::Char('d' | 'f') => Some(Action::PageDown),
            KeyCode::Char('u' | 'b') => Some(Action::PageUp),
            KeyCode::Char('s') => Some(Action::Save),
            _ => None,
        };
    }
    Some(match code {
        KeyCode::Char('q') => Action::Quit,
        KeyCode::Char('?') | KeyCode::F(1) => Action::Help,
        KeyCode::Char(c @ '1'..='5') => screen_key(c),
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
        KeyCode::Char('x') => Action::CancelOrders,
        KeyCode::Char('M') => Action::Order(OrderKind::RegisterMiner),
        KeyCode::Char('w') => Action::Order(OrderKind::SetPolicy),
        KeyCode::Char('n') => Action::NextMark,
        KeyCode::Char('N') => Action::PrevMark,
        KeyCode::Char('[') => Action::DayBack,
        KeyCode::Char(']') => Action::DayForward,
        KeyCode::Char('t') => Action::GoTo,
        KeyCode::Char('p') => Action::Follow(true),
        KeyCode::Char('P') => Action::Follow(false),
        KeyCode::Char('S') => Action::Save,
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

/// The screen a digit key names (`1` Market ... `5` Log).
fn screen_key(c: char) -> Action {
    let k = usize::from(u8::try_from(c).unwrap_or(b'1').saturating_sub(b'1'));
    Action::Screen(Screen::ALL.get(k).copied().unwrap_or_default())
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
    fn every_listed_key_line_is_shown_in_some_mode_and_no_key_is_bound_twice() {
        let play = KeySet::default();
        let replay = KeySet { replay: true, ..KeySet::default() };
        assert!(play.lines().any(|k| k.0 == "Orders") && !play.lines().any(|k| k.0 == "Replay"));
        assert!(replay.lines().any(|k| k.0 == "Replay") && !replay.lines().any(|k| k.0 == "Orders"));
        // A spectator follows players but places no orders, and has no replay keys.
        let spectator = KeySet { spectator: true, ..KeySet::default() };
        assert!(spectator.lines().any(|k| k.0 == "Watch" && k.1 == "p  P"));
        assert!(!spectator.lines().any(|k| matches!(k.0, "Orders" | "Forms" | "Replay")));
        assert!(!play.lines().any(|k| k.0 == "Watch") && !replay.lines().any(|k| k.0 == "Watch"));
        // A shared world's clock is the host's: its help offers no time keys.
        let time = |set: KeySet| set.lines().filter(|k| k.0 == "Time").map(|k| k.1).collect::<Vec<_>>();
        assert_eq!(time(play), ["space", "+ -", "."]);
        assert_eq!(time(replay), ["space", "+ -", "."]);
        for set in [KeySet { shared: true, ..play }, KeySet { shared: true, ..spectator }] {
            assert_eq!(time(set), ["space + - ."], "{set:?}");
            assert!(set.lines().any(|k| k.2.contains("the host runs the clock")));
        }
        // A narration holds this game's clock, never the host's.
        let lesson = |set: KeySet| {
            set.lines().filter(|k| k.0 == "Lesson" && k.2.contains("narration")).map(|k| k.2).collect::<Vec<_>>()
        };
        assert_eq!(lesson(KeySet { lesson: true, ..play }).len(), 3);
        assert!(lesson(KeySet { lesson: true, ..play }).iter().any(|l| l.contains("speed, the narration left open")));
        assert!(lesson(KeySet { lesson: true, ..play }).iter().any(|l| l.contains("keep the clock paused")));
        assert_eq!(lesson(KeySet { lesson: true, shared: true, ..play }), ["close a narration (Enter: its subnet)"]);
        // Replay keys and the save key are free in every other binding.
        let mut seen = std::collections::HashSet::new();
        for c in "qsudDmrRLMwnN[]tSofg?/G.+-=_hjkl12345x ".chars() {
            let a = key(k(KeyCode::Char(c)), Mode::Normal).expect("bound");
            if !matches!(c, '=' | '_' | 'h' | 'j' | 'k' | 'l' | 'g' | 'G') {
                assert!(seen.insert(format!("{a:?}")), "{c} repeats {a:?}");
            }
        }
        assert_eq!(key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL), Mode::Normal), Some(Action::Save));
    }

    #[test]
    fn help_columns_split_between_sections_and_never_end_with_a_title() {
        let rows = [
            HelpRow::Section("A"),
            HelpRow::Key("a", "x"),
            HelpRow::Section("B"),
            HelpRow::Key("b", "y"),
            HelpRow::Key("c", "z"),
        ];
        assert_eq!(help_split(&rows), 2, "B goes to the second column with its keys");
        assert_eq!(help_split(&rows[..4]), 2);
        assert_eq!(help_split(&rows[1..]), 1, "{:?}", &rows[1..]);
        // A long single section is split in the middle (no title ends a column).
        let mut long = vec![HelpRow::Section("A")];
        long.extend(std::iter::repeat_n(HelpRow::Key("a", "x"), 30));
        assert_eq!(help_split(&long), 16);
        for set in [
            KeySet::default(),
            KeySet { lesson: true, save: true, ..KeySet::default() },
            KeySet { replay: true, ..KeySet::default() },
            KeySet { shared: true, ..KeySet::default() },
        ] {
            let rows = help_rows(set, Some("a note"), 60);
            let split = help_split(&rows);
            assert!(!matches!(rows[split - 1], HelpRow::Section(_)), "{:?}", rows[split - 1]);
            // The game's own help splits between sections: none is cut in two.
            assert!(matches!(rows[split], HelpRow::Section(_)), "{set:?}: {:?} starts the second column", rows[split]);
        }
    }

    #[test]
    fn q_twice_quits() {
        assert_eq!(key(k(KeyCode::Char('q')), Mode::Normal), Some(Action::Quit));
        assert_eq!(key(k(KeyCode::Char('q')), Mode::Confirm), Some(Action::Confirm(true)));
        assert_eq!(key(k(KeyCode::Esc), Mode::Confirm), Some(Action::Confirm(false)));
        assert_eq!(key(k(KeyCode::Char('n')), Mode::Confirm), Some(Action::Confirm(false)));
    }

    #[test]
    fn space_and_enter_differ_on_a_dismissable_box() {
        assert_eq!(key(k(KeyCode::Enter), Mode::Dismiss), Some(Action::Open));
        assert_eq!(key(k(KeyCode::Char(' ')), Mode::Dismiss), Some(Action::TogglePause));
        assert_eq!(key(k(KeyCode::Esc), Mode::Dismiss), Some(Action::Back));
        assert_eq!(key(k(KeyCode::Char('x')), Mode::Dismiss), Some(Action::Close));
        assert_eq!(key(k(KeyCode::Char('4')), Mode::Dismiss), Some(Action::Screen(Screen::Network)));
        assert_eq!(key(k(KeyCode::Char('o')), Mode::Dismiss), Some(Action::SortNext));
        assert_eq!(key(k(KeyCode::Char('n')), Mode::Dismiss), Some(Action::NextMark));
        assert_eq!(key(k(KeyCode::Char('t')), Mode::Dismiss), Some(Action::GoTo));
    }

    #[test]
    fn the_too_small_screen_takes_only_the_keys_it_lists() {
        assert_eq!(key(k(KeyCode::Char(' ')), Mode::TooSmall), Some(Action::TogglePause));
        assert_eq!(key(k(KeyCode::Esc), Mode::TooSmall), Some(Action::Back));
        assert_eq!(key(k(KeyCode::Char('q')), Mode::TooSmall), Some(Action::Quit));
        for c in [KeyCode::Char('s'), KeyCode::Enter, KeyCode::Char('5'), KeyCode::Up, KeyCode::Char('?')] {
            assert_eq!(key(k(c), Mode::TooSmall), None, "{c:?}");
        }
        // `?` on a box (the welcome box says "? every key") opens the key list.
        assert_eq!(key(k(KeyCode::Char('?')), Mode::Dismiss), Some(Action::Help));
    }

    #[test]
    fn key_releases_are_ignored() {
        let mut e = k(KeyCode::Char('q'));
        e.kind = KeyEventKind::Release;
        assert_eq!(key(e, Mode::Normal), None);
    }
}
