//! The game's state and [`App::update`]: no terminal, no threads, no clock. Actions
//! come in; [`Command`]s for the session handle pile up in an outbox; the views draw
//! from `&App`.

use std::sync::Arc;

use crossterm::event::KeyEvent;

use super::action::{Action, Input, Screen};
use super::form::{Form, OrderKind, Queued};
use super::format;
use super::keymap::{self, HelpRow, KeySet, Mode};
use super::layout;
use super::replay;
use super::theme::Theme;
use crate::engine::math::to_f64;
use crate::engine::params::BLOCKS_PER_DAY;
use crate::engine::view::SubnetView;
use crate::engine::{Netuid, Order};
use crate::session::handle::{Command, JournalKind, JournalLine, MatchInfo, SaveStatus, Snapshot, series};

/// The words of the note that the speed is at its end (`7,200 blocks a second is the
/// fastest speed`).
const SPEED_LIMIT_NOTE: &str = "a second is the";
/// The start of the note for a full form field.
const FIELD_FULL: &str = "this field takes at most ";
/// The end of the note for a key that does nothing.
const NOTHING_HERE: &str = " does nothing here: ? lists the keys";

/// How long a toast stays, in ticks (about ten a second).
const TOAST_TICKS: u16 = 60;

/// How long a replay's message about a position stays once the replay plays on from
/// there, in ticks: time to read it, not to mislead (it goes at once when the replay is
/// paused elsewhere).
const MOVED_ON_TICKS: u16 = 30;

/// Settings of the game screen.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Options {
    /// Price impact (a fraction) above which a quote warns.
    pub slippage_warn: f64,
    /// Show the welcome box at the start.
    pub welcome: bool,
    /// How long a narration ignores keys once it shows: a key pressed for the running
    /// game (space to pause) as the box comes up does not close it unread.
    pub narration_guard: std::time::Duration,
}

impl Default for Options {
    fn default() -> Self {
        Self { slippage_warn: 0.02, welcome: true, narration_guard: std::time::Duration::from_millis(300) }
    }
}

/// A market column to sort by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SortKey {
    /// Netuid.
    #[default]
    Netuid,
    /// Name.
    Name,
    /// Mechanism (holder, revenue, utility), each group by netuid.
    Mechanism,
    /// Spot price.
    Price,
    /// Price change over the last day.
    Change,
    /// Moving price.
    Moving,
    /// Emission share.
    Emission,
    /// Root proportion.
    RootProp,
    /// Pool TAO.
    Depth,
    /// The player's position value.
    Position,
}

impl SortKey {
    /// In the order `o` cycles them.
    pub const ALL: [SortKey; 10] = [
        SortKey::Netuid,
        SortKey::Name,
        SortKey::Mechanism,
        SortKey::Price,
        SortKey::Change,
        SortKey::Moving,
        SortKey::Emission,
        SortKey::RootProp,
        SortKey::Depth,
        SortKey::Position,
    ];

    /// Column label.
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            SortKey::Netuid => "SN",
            SortKey::Name => "Name",
            SortKey::Mechanism => "Mech",
            SortKey::Price => "Price τ",
            SortKey::Change => "24h",
            SortKey::Moving => "Moving",
            SortKey::Emission => "Emission",
            SortKey::RootProp => "Root",
            SortKey::Depth => "Pool τ",
            SortKey::Position => "Yours τ",
        }
    }

    /// The narrowest terminal whose Market shows this column (`o` skips the hidden ones).
    #[must_use]
    pub const fn min_width(self) -> u16 {
        match self {
            SortKey::Mechanism => 100,
            SortKey::Moving => 110,
            _ => 0,
        }
    }

    /// Whether it sorts largest first by default.
    #[must_use]
    pub const fn descending(self) -> bool {
        !matches!(self, SortKey::Netuid | SortKey::Name | SortKey::Mechanism)
    }
}

/// The market table's state.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MarketState {
    /// Sort column.
    pub sort: SortKey,
    /// Largest first.
    pub descending: bool,
    /// Filter text.
    pub filter: String,
    /// Typing the filter.
    pub editing_filter: bool,
    /// First row shown.
    pub offset: usize,
}

/// What the log screen shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LogFilter {
    /// Everything.
    #[default]
    All,
    /// Map events.
    Map,
    /// Notable trades and bots.
    Trades,
    /// Your orders.
    Mine,
    /// Rejected orders.
    Rejected,
}

impl LogFilter {
    const ALL: [LogFilter; 5] =
        [LogFilter::All, LogFilter::Map, LogFilter::Trades, LogFilter::Mine, LogFilter::Rejected];

    /// Label.
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            LogFilter::All => "all",
            LogFilter::Map => "map",
            LogFilter::Trades => "trades & bots",
            LogFilter::Mine => "mine",
            LogFilter::Rejected => "rejected",
        }
    }

    /// Whether a journal line of `kind` passes.
    #[must_use]
    pub fn admits(self, kind: JournalKind) -> bool {
        match self {
            LogFilter::All => true,
            LogFilter::Map => kind == JournalKind::Map,
            LogFilter::Trades => matches!(kind, JournalKind::Trade | JournalKind::Bot),
            LogFilter::Mine => kind == JournalKind::Mine,
            LogFilter::Rejected => kind == JournalKind::Rejected,
        }
    }
}

/// A box over the screen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Overlay {
    /// The map, its objectives, and how to start.
    Welcome,
    /// Every key.
    Help,
    /// "Quit this match?"
    ConfirmQuit,
    /// An order form.
    Order(Form),
    /// A replay's "go to" prompt: what has been typed.
    GoTo(String),
    /// The final standings.
    Results,
    /// The simulation stopped with an error.
    Error(String),
}

/// A short message on the status line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Toast {
    /// Text.
    pub text: String,
    /// Good news (`Some(true)`), bad news (`Some(false)`), or neither.
    pub ok: Option<bool>,
    ticks_left: u16,
    /// A replay's message about a position ("this is the start of the match", "going to
    /// block N") or about what a key did there ("nothing to save"): it goes once the
    /// replay is somewhere else (playing on from there, after [`MOVED_ON_TICKS`]).
    at: Option<u64>,
    /// Says that the clock runs again after the command numbered so (see
    /// `Snapshot::acked`): it goes as soon as the clock stops after it (a narration, the
    /// host's or the player's pause).
    running: Option<u64>,
    /// Says that the clock is paused after the command numbered so: it goes as soon as
    /// the clock runs after it (not before: until the handle has applied the pause, a
    /// narration holds the clock with the player's pause off).
    paused: Option<u64>,
}

/// Rows a page key scrolls the help by.
const HELP_PAGE: usize = 10;

/// The game.
pub struct App {
    info: Arc<MatchInfo>,
    snap: Arc<Snapshot>,
    /// Styles.
    pub theme: Theme,
    /// Settings.
    pub options: Options,
    size: (u16, u16),
    screen: Screen,
    /// The market table.
    pub market: MarketState,
    focus: Option<Netuid>,
    portfolio_row: usize,
    log_filter: LogFilter,
    /// The bottom log row shown, counted back from the newest line.
    log_scroll: usize,
    /// The selected log line, counted back from the newest (0 follows the newest).
    log_sel: usize,
    /// The selected log line (when it is not the newest), to keep it selected as new
    /// lines come in: `(block, text)`.
    log_pin: Option<(u64, String)>,
    /// The game paused the clock because the terminal became too small (it runs again
    /// when the terminal is large enough).
    paused_small: bool,
    /// While the terminal is too small: the clock state last asked for (running?) and
    /// `issued` after it. The game pauses the clock once; space toggles it from there.
    small_clock: Option<(bool, u64)>,
    /// The quit box paused the clock: answering no runs it again.
    quit_resume: bool,
    help_scroll: usize,
    objectives_scroll: usize,
    overlay: Option<Overlay>,
    outbox: Vec<Command>,
    toast: Option<Toast>,
    seen_notice: u64,
    results_shown: bool,
    error_shown: bool,
    watched: Option<Netuid>,
    should_quit: bool,
    /// Commands put in the outbox so far (to know when the handle has applied one).
    issued: u64,
    /// A seek sent and not yet applied: its target, and `issued` after it. Days and
    /// marks count from there, so keys pressed faster than snapshots arrive add up.
    seeking: Option<(u64, u64)>,
    /// The mark `n`/`N` went to last: the replay's position it took it to, and its index
    /// among the replay's marks. Several marks of one block are visited one by one from
    /// there, while the replay stays at that position.
    mark_cursor: Option<(u64, usize)>,
    /// The last narration the player closed, `(block, text, n)`: hidden until the handle
    /// has applied the `n` commands sent up to its Dismiss (after that, a narration in a
    /// snapshot is one the handle holds the clock on: a replay's jump back to it, say).
    dismissed: Option<(u64, String, u64)>,
    /// The last narration shown: `(block, text)`.
    narration_seen: Option<(u64, String)>,
    /// When the narration on screen first showed.
    narration_since: Option<std::time::Instant>,
    /// The selection before the shown narration selected the subnet it names (put back
    /// unless the player opens that subnet).
    before_narration: Option<Option<Netuid>>,
    /// Orders submitted and not yet applied, each with `issued` after it was sent.
    submitted: Vec<(u64, Order)>,
    /// `issued` after the last cancellation was sent: until the handle has applied it,
    /// the snapshot's queued orders are the cancelled ones.
    cancel_sent: u64,
    /// The objectives' state in the last snapshot (`None` before the first).
    objectives_seen: Option<Vec<Option<u64>>>,
    /// Good news waiting for the status line (an objective reached by the block that
    /// filled an order): said when the order's outcome has gone.
    /// Objectives reached while an order's outcome was on the status line (their
    /// texts), said together once it has gone; a seek forgets them.
    toast_next: Vec<String>,
    /// The save last reported, and whether the player asked for one since.
    saved: Option<SaveStatus>,
    save_asked: bool,
}

impl App {
    /// The game on a match, showing `snap` first, for a terminal of `size`.
    #[must_use]
    pub fn new(info: Arc<MatchInfo>, snap: Arc<Snapshot>, theme: Theme, options: Options) -> Self {
        let mut app = Self {
            info,
            seen_notice: snap.notices.last().map_or(0, |n| n.id),
            snap,
            theme,
            options,
            size: (layout::MIN_WIDTH, layout::MIN_HEIGHT),
            screen: Screen::Market,
            market: MarketState { descending: SortKey::Netuid.descending(), ..MarketState::default() },
            focus: None,
            portfolio_row: 0,
            log_filter: LogFilter::All,
            log_scroll: 0,
            log_sel: 0,
            log_pin: None,
            paused_small: false,
            small_clock: None,
            quit_resume: false,
            help_scroll: 0,
            objectives_scroll: 0,
            overlay: options.welcome.then_some(Overlay::Welcome),
            outbox: Vec::new(),
            toast: None,
            results_shown: false,
            error_shown: false,
            watched: None,
            should_quit: false,
            issued: 0,
            seeking: None,
            mark_cursor: None,
            dismissed: None,
            narration_seen: None,
            narration_since: None,
            before_narration: None,
            submitted: Vec::new(),
            cancel_sent: 0,
            objectives_seen: None,
            toast_next: Vec::new(),
            saved: None,
            save_asked: false,
        };
        app.saved.clone_from(&app.snap.saved);
        app.fix_focus();
        app.after_update();
        app
    }

    // ---- reading -------------------------------------------------------------------

    /// The match's fixed facts.
    #[must_use]
    pub fn info(&self) -> &MatchInfo {
        &self.info
    }
    /// The latest snapshot.
    #[must_use]
    pub fn snap(&self) -> &Snapshot {
        &self.snap
    }
    /// The screen shown.
    #[must_use]
    pub fn screen(&self) -> Screen {
        self.screen
    }
    /// The selected subnet.
    #[must_use]
    pub fn focus(&self) -> Option<Netuid> {
        self.focus
    }
    /// The overlay shown, if any.
    #[must_use]
    pub fn overlay(&self) -> Option<&Overlay> {
        self.overlay.as_ref()
    }
    /// The toast shown, if any.
    #[must_use]
    pub fn toast(&self) -> Option<&Toast> {
        self.toast.as_ref()
    }
    /// The terminal size the app lays out for.
    #[must_use]
    pub fn size(&self) -> (u16, u16) {
        self.size
    }
    /// The selected portfolio row.
    #[must_use]
    pub fn portfolio_row(&self) -> usize {
        self.portfolio_row
    }
    /// The log filter.
    #[must_use]
    pub fn log_filter(&self) -> LogFilter {
        self.log_filter
    }
    /// Lines scrolled back from the newest log line (the bottom row shown).
    #[must_use]
    pub fn log_scroll(&self) -> usize {
        self.log_scroll
    }
    /// The selected log line, counted back from the newest (0: the newest).
    #[must_use]
    pub fn log_selected(&self) -> usize {
        self.log_sel
    }
    /// Whether the game paused the clock because the terminal is too small (it runs
    /// again once the terminal is large enough).
    #[must_use]
    pub fn paused_for_size(&self) -> bool {
        self.paused_small
    }
    /// Lines scrolled in the help.
    #[must_use]
    pub fn help_scroll(&self) -> usize {
        self.help_scroll
    }
    /// Lines scrolled in the Network screen's objectives.
    #[must_use]
    pub fn objectives_scroll(&self) -> usize {
        self.objectives_scroll
    }
    /// Whether the terminal is below the minimum size (the game shows only that, pauses
    /// the clock, and takes only space, Esc, `q` and `^c`).
    #[must_use]
    pub fn too_small(&self) -> bool {
        layout::too_small(ratatui::layout::Rect::new(0, 0, self.size.0, self.size.1))
    }
    /// The player's orders submitted and not yet applied, in order.
    #[must_use]
    pub fn queued(&self) -> Queued {
        Queued { orders: self.submitted.iter().map(|(_, o)| o.clone()).collect() }
    }
    /// How many orders the player has submitted that the match has not applied yet.
    #[must_use]
    pub fn queued_len(&self) -> usize {
        self.submitted.len()
    }

    /// How many of the player's orders wait for the next block: those the snapshot lists
    /// (not once cancelled) or those just submitted, whichever it knows more of.
    #[must_use]
    pub fn pending_len(&self) -> usize {
        if self.info.replay {
            return 0;
        }
        let listed = if self.snap.acked < self.cancel_sent { 0 } else { self.snap.pending.len() };
        listed.max(self.submitted.len())
    }
    /// Whether the player has asked to leave.
    #[must_use]
    pub fn should_quit(&self) -> bool {
        self.should_quit
    }
    /// Takes the commands for the session handle.
    pub fn take_commands(&mut self) -> Vec<Command> {
        std::mem::take(&mut self.outbox)
    }

    /// Whether this is a replay (read-only).
    #[must_use]
    pub fn is_replay(&self) -> bool {
        self.info.replay
    }

    /// Whether the match is watched without a player of one's own (a replay, or a
    /// spectator of a shared world): the Portfolio follows any player's book (p, P).
    #[must_use]
    pub fn watching(&self) -> bool {
        self.info.replay || self.info.human.is_none()
    }

    /// Which keys apply to this match.
    #[must_use]
    pub fn key_set(&self) -> KeySet {
        KeySet {
            replay: self.info.replay,
            spectator: !self.info.replay && self.info.human.is_none(),
            save: self.info.save_path.is_some(),
            lesson: self.info.lesson,
            shared: self.info.shared,
        }
    }

    /// The help's rows for the terminal's width.
    #[must_use]
    pub fn help_rows(&self) -> Vec<HelpRow> {
        let (_, col_w) = layout::help_columns(self.size.0);
        // In a workshop the note (often the answers to its questions) is the host's.
        let note = self.info.teacher_note.as_deref().filter(|_| !self.info.shared);
        keymap::help_rows(self.key_set(), note, col_w.saturating_sub(2))
    }

    /// The narration a lesson is paused on, while it is shown (it waits behind an open
    /// form or dialog).
    #[must_use]
    pub fn narration(&self) -> Option<&JournalLine> {
        let n = self.snap.narration.as_ref()?;
        let closed = self.is_dismissed(n);
        (!closed && self.overlay.is_none()).then_some(n)
    }

    /// Whether `n` is the narration the player closed, and the handle has not yet
    /// applied that.
    fn is_dismissed(&self, n: &JournalLine) -> bool {
        self.dismissed.as_ref().is_some_and(|(b, t, sent)| *b == n.block && *t == n.text && self.snap.acked < *sent)
    }

    /// Whether a lesson's narration holds the clock (shown, or waiting behind a form).
    #[must_use]
    pub fn narration_pending(&self) -> bool {
        self.snap.narration.as_ref().is_some_and(|n| !self.is_dismissed(n))
    }

    /// The subnet the shown narration names, if it exists.
    #[must_use]
    pub fn narration_subnet(&self) -> Option<Netuid> {
        let n = self.narration()?;
        replay::named_subnet(&n.text, |x| self.snap.view.subnets.iter().any(|s| s.netuid == x))
    }

    /// The last block of a replay (the recording's), or of the match.
    #[must_use]
    pub fn end_block(&self) -> u64 {
        self.snap.replay.as_ref().map_or(self.info.end_block, |r| r.end)
    }

    /// Whether this is a replay that stops before the match's planned end (a save, a
    /// room its host ended early): the results name no winner.
    #[must_use]
    pub fn recording_unfinished(&self) -> bool {
        self.info.replay && self.end_block() < self.info.end_block
    }

    /// The frame's parts for a terminal of `area`.
    #[must_use]
    pub fn chrome(&self, area: ratatui::layout::Rect) -> layout::Chrome {
        layout::chrome_for(area, self.info.replay)
    }

    /// The keyboard's mode now.
    #[must_use]
    pub fn mode(&self) -> Mode {
        if self.too_small() {
            // Only the keys the "too small" screen lists.
            return Mode::TooSmall;
        }
        if self.narration().is_some() {
            return Mode::Dismiss;
        }
        match &self.overlay {
            Some(Overlay::Order(_) | Overlay::GoTo(_)) => Mode::Text,
            // The welcome box lists keys of the game (n, [ ], t...): they work from it.
            Some(Overlay::Welcome) => Mode::Normal,
            Some(Overlay::ConfirmQuit) => Mode::Confirm,
            Some(_) => Mode::Dismiss,
            None if self.market.editing_filter => Mode::Text,
            None => Mode::Normal,
        }
    }

    /// Price change of a subnet over the last day (or since the match began, or since
    /// the subnet's launch). `None` when this game's charts do not reach back that far (a
    /// student who joined a room late): a change since joining would pass for a day's.
    #[must_use]
    pub fn change_24h(&self, s: &SubnetView) -> Option<f64> {
        let h = self.snap.history.subnets.get(&s.netuid)?;
        let pts = h.lines.series(series::PRICE);
        #[allow(clippy::cast_precision_loss)]
        let since = self.snap.block().saturating_sub(BLOCKS_PER_DAY) as f64;
        #[allow(clippy::cast_precision_loss)]
        let (launched, stride) = (s.registered_at.max(0) as f64, h.lines.stride() as f64);
        if pts.first().is_some_and(|p| p.0 > since.max(launched) + stride) {
            return None;
        }
        // The price a day ago is the last sample at or before then (the first one if
        // none is): a sample just after it can be another price altogether, a dip an
        // hour later.
        let k = pts.partition_point(|p| p.0 <= since);
        let then = pts.get(k.saturating_sub(1))?.1;
        (then > 0.0).then(|| to_f64(s.price) / then - 1.0)
    }

    /// The player's position value on a subnet, rao.
    #[must_use]
    pub fn position_value(&self, netuid: Netuid) -> u64 {
        self.snap.me.as_ref().and_then(|m| m.positions.iter().find(|p| p.netuid == netuid)).map_or(0, |p| p.value_rao)
    }

    /// The market rows: indices into the view's subnets, filtered and sorted.
    #[must_use]
    pub fn market_rows(&self) -> Vec<usize> {
        let subnets = &self.snap.view.subnets;
        let f = self.market.filter.trim().to_lowercase();
        let mut rows: Vec<usize> = (0..subnets.len())
            .filter(|k| {
                let s = &subnets[*k];
                f.is_empty()
                    || s.name.to_lowercase().contains(&f)
                    || s.netuid.to_string() == f
                    || format!("sn{}", s.netuid) == f
                    || s.mechanism.name().starts_with(&f)
            })
            .collect();
        let key = |k: &usize| -> f64 {
            let s = &subnets[*k];
            match self.market.sort {
                SortKey::Netuid | SortKey::Name | SortKey::Mechanism => f64::from(s.netuid),
                SortKey::Price => to_f64(s.price),
                SortKey::Change => self.change_24h(s).unwrap_or(0.0),
                SortKey::Moving => to_f64(s.moving_price),
                SortKey::Emission => s.emission_share,
                SortKey::RootProp => to_f64(s.root_prop),
                #[allow(clippy::cast_precision_loss)]
                SortKey::Depth => s.tao_rao as f64,
                #[allow(clippy::cast_precision_loss)]
                SortKey::Position => self.position_value(s.netuid) as f64,
            }
        };
        let order = |a: &usize, b: &usize| match self.market.sort {
            SortKey::Name => subnets[*a].name.to_lowercase().cmp(&subnets[*b].name.to_lowercase()),
            SortKey::Mechanism => subnets[*a].mechanism.name().cmp(subnets[*b].mechanism.name()),
            _ => key(a).total_cmp(&key(b)),
        };
        // Ties in netuid order, whichever way the column sorts.
        let netuid = |a: &usize, b: &usize| subnets[*a].netuid.cmp(&subnets[*b].netuid);
        if self.market.descending {
            rows.sort_by(|a, b| order(b, a).then(netuid(a, b)));
        } else {
            rows.sort_by(|a, b| order(a, b).then(netuid(a, b)));
        }
        rows
    }

    /// The selected market row's index among [`App::market_rows`].
    #[must_use]
    pub fn market_selected(&self, rows: &[usize]) -> Option<usize> {
        let n = self.focus?;
        rows.iter().position(|k| self.snap.view.subnets[*k].netuid == n)
    }

    fn market_table(&self) -> ratatui::layout::Rect {
        let area = ratatui::layout::Rect::new(0, 0, self.size.0, self.size.1);
        let body = self.chrome(area).body;
        layout::market(body, self.market.editing_filter || !self.market.filter.is_empty()).table
    }

    fn page(&self) -> usize {
        match self.screen {
            Screen::Market => layout::table_rows(self.market_table()).max(1),
            Screen::Log => self.log_rows().max(1),
            _ => usize::from(self.size.1.saturating_sub(8)).max(1),
        }
    }

    /// Lines the Log screen's list shows at once.
    fn log_rows(&self) -> usize {
        let area = ratatui::layout::Rect::new(0, 0, self.size.0, self.size.1);
        let (list, _) = layout::log(self.chrome(area).body);
        usize::from(list.height.saturating_sub(2))
    }

    /// The log filter's name for the Log's title: watching, "mine" is the followed
    /// player's ("meme_rider's").
    #[must_use]
    pub fn log_filter_label(&self) -> String {
        match self.snap.me.as_ref() {
            Some(m) if self.log_filter == LogFilter::Mine && self.watching() => {
                format!("{}'s", format::clip(&m.name, 20))
            }
            _ => self.log_filter.label().to_string(),
        }
    }

    /// The log lines the filter lets through, oldest first.
    #[must_use]
    pub fn log_lines(&self) -> Vec<&JournalLine> {
        self.snap.journal.iter().filter(|l| self.shows(l)).collect()
    }

    /// Whether the log's filter shows `l`. Watching (a replay, a spectator), "mine" is
    /// the followed player's lines, whatever their kind.
    fn shows(&self, l: &JournalLine) -> bool {
        if self.log_filter == LogFilter::Mine && self.watching() {
            return self.snap.me.as_ref().is_some_and(|m| m.name == l.who);
        }
        self.log_filter.admits(l.kind)
    }

    /// The most the log scrolls back: until its oldest line is at the top.
    #[must_use]
    pub fn log_scroll_max(&self) -> usize {
        let n = self.snap.journal.iter().filter(|l| self.shows(l)).count();
        n.saturating_sub(self.log_rows())
    }

    /// Selects the log line `sel` back from the newest, and scrolls to show it.
    fn select_log(&mut self, sel: usize) {
        let lines = self.log_lines();
        let n = lines.len();
        let sel = sel.min(n.saturating_sub(1));
        let pin = if sel == 0 { None } else { lines.get(n - 1 - sel).map(|l| (l.block, l.text.clone())) };
        self.log_sel = sel;
        self.log_pin = pin;
        self.show_log_selection();
    }

    /// Scrolls the log so that the selected line is in view, no further than there is.
    fn show_log_selection(&mut self) {
        let rows = self.log_rows().max(1);
        if self.log_sel < self.log_scroll {
            self.log_scroll = self.log_sel;
        } else if self.log_sel >= self.log_scroll + rows {
            self.log_scroll = self.log_sel + 1 - rows;
        }
        self.log_scroll = self.log_scroll.min(self.log_scroll_max());
    }

    /// New log lines came in: the selected line stays selected (and in the same place
    /// on the screen), unless it was the newest, which the selection follows.
    fn follow_log_pin(&mut self) {
        let Some((block, text)) = self.log_pin.clone() else { return };
        let lines = self.log_lines();
        let n = lines.len();
        let found = lines.iter().rposition(|l| l.block == block && l.text == text);
        let sel = found.map_or(n.saturating_sub(1), |p| n - 1 - p);
        if found.is_none() {
            // It left the journal: the oldest line is the nearest.
            self.log_pin = lines.first().filter(|_| n > 1).map(|l| (l.block, l.text.clone()));
        }
        if sel >= self.log_sel {
            self.log_scroll = self.log_scroll.saturating_add(sel - self.log_sel);
        } else {
            self.log_scroll = self.log_scroll.saturating_sub(self.log_sel - sel);
        }
        self.log_sel = sel;
    }

    /// The selected subnet if the market table shows it (a filter may hide it).
    fn market_focus(&self) -> Option<Netuid> {
        let rows = self.market_rows();
        self.market_selected(&rows).and(self.focus)
    }

    // ---- input ---------------------------------------------------------------------

    /// Handles a key press.
    pub fn on_key(&mut self, key: KeyEvent) {
        use crossterm::event::{KeyCode, KeyEventKind, KeyModifiers};
        if let Some(a) = keymap::key(key, self.mode()) {
            if self.narration_guarded() && a != Action::ForceQuit {
                return;
            }
            // The note about an earlier key is not about this one.
            if self.toast.as_ref().is_some_and(|t| t.text.ends_with(NOTHING_HERE)) {
                self.toast = None;
            }
            self.update(a);
        } else if self.mode() == Mode::Normal && key.kind == KeyEventKind::Press {
            // A key that does nothing says so (it would seem broken otherwise).
            let name = match key.code {
                KeyCode::Char(c) if !key.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) => {
                    Some(c.to_string())
                }
                KeyCode::F(n) => Some(format!("F{n}")),
                _ => None,
            };
            if let Some(name) = name {
                self.say_here(format!("{name}{NOTHING_HERE}"), None);
            }
        }
    }

    /// Handles pasted text (a bracketed paste): typed into the open form field or line,
    /// its first line only and without control characters, so that a paste never
    /// submits a form nor runs the game's keys.
    pub fn on_paste(&mut self, text: &str) {
        match self.mode() {
            Mode::Text => {}
            Mode::Normal => {
                let text =
                    if self.is_replay() { "a replay has no form to paste into" } else { "paste: open a form first" };
                return self.say_here(text, None);
            }
            _ => return,
        }
        let mut lines = text.split(['\n', '\r']).filter(|l| !l.trim().is_empty());
        let first = lines.next().unwrap_or_default();
        for c in first.trim().chars().filter(|c| !c.is_control()) {
            self.update(Action::Input(Input::Char(c)));
        }
        if lines.next().is_some() {
            self.say("pasted one line of several", None);
        }
    }

    /// Handles a mouse event (a click on a narration just come up waits, as a key does).
    pub fn on_mouse(&mut self, m: crossterm::event::MouseEvent) {
        if let Some(a) = keymap::mouse(m) {
            if self.narration_guarded() && matches!(a, Action::Click { .. }) {
                return;
            }
            self.update(a);
        }
    }

    /// Takes a new snapshot from the session handle.
    pub fn set_snapshot(&mut self, snap: Arc<Snapshot>) {
        self.snap = snap;
        self.forget_applied_orders();
        let fresh: Vec<_> = self.snap.notices.iter().filter(|n| n.id > self.seen_notice).cloned().collect();
        if let Some(last) = fresh.last() {
            self.seen_notice = last.id;
            // Watching, the orders are the followed player's: named, never "yours".
            let whose = match self.snap.me.as_ref().filter(|_| self.watching()) {
                Some(m) => format!("{}: ", format::clip(&m.name, 20)),
                None => String::new(),
            };
            let text = if last.ok {
                format!("{whose}✓ {}: {}", last.order, last.text)
            } else {
                format!("{whose}✗ rejected: {}: {}", last.order, last.text)
            };
            self.toast =
                Some(Toast { text, ok: Some(last.ok), ticks_left: TOAST_TICKS, at: None, running: None, paused: None });
        }
        self.take_lesson_and_save();
        self.follow_log_pin();
        if self.seeking.is_some_and(|(_, after)| self.snap.acked >= after) {
            self.seeking = None;
        }
        if let Some(e) = &self.snap.error {
            if !self.error_shown {
                self.error_shown = true;
                self.overlay = Some(Overlay::Error(e.clone()));
            }
        } else if self.snap.over && !self.results_shown && self.overlay != Some(Overlay::ConfirmQuit) {
            self.results_shown = true;
            self.overlay = Some(Overlay::Results);
        }
        self.fix_focus();
        self.after_update();
    }

    /// A new narration selects the subnet it names (so the Subnet screen charts it); a
    /// newly reached objective and a new save outcome are told.
    fn take_lesson_and_save(&mut self) {
        if self.objectives_seen.as_ref() != Some(&self.snap.objectives) {
            let before = self.objectives_seen.replace(self.snap.objectives.clone());
            // Told as the match reaches it, not when a replay seeks past it.
            let newly: Vec<&str> = before
                .filter(|_| self.seeking.is_none())
                .map(|b| {
                    self.snap
                        .objectives
                        .iter()
                        .zip(b.iter().chain(std::iter::repeat(&None)))
                        .zip(&self.info.objectives)
                        .filter(|((now, was), _)| now.is_some() && was.is_none())
                        .map(|(_, o)| o.text.as_str())
                        .collect()
                })
                .unwrap_or_default();
            // An order's outcome is said first (the block that filled a stake can reach
            // an objective about holding alpha): this waits for it to go.
            if self.toast.is_some() {
                self.toast_next.extend(newly.iter().map(|t| (*t).to_string()));
            } else if let Some(text) = reached_message(&newly) {
                self.say(text, Some(true));
            }
        }
        if self.snap.saved != self.saved {
            self.saved.clone_from(&self.snap.saved);
            let asked = std::mem::take(&mut self.save_asked);
            match &self.saved {
                Some(SaveStatus { error: Some(e), .. }) => self.say(format!("✗ {e}"), Some(false)),
                // Autosaves speak only when nothing else is being said.
                // The file's name: a long folder would push it off the status line.
                Some(s) if asked || self.toast.is_none() => {
                    let name = std::path::Path::new(&s.path)
                        .file_name()
                        .map_or_else(|| s.path.clone(), |n| n.to_string_lossy().into_owned());
                    self.say(format!("saved at block {} to {name}", format::int(s.block)), Some(true));
                }
                _ => {}
            }
        }
    }

    /// Keeps only the submitted orders that are still queued: those the handle has not
    /// taken yet, and those it lists as waiting for the next block.
    fn forget_applied_orders(&mut self) {
        let mut waiting: Vec<&str> = self.snap.pending.iter().map(String::as_str).collect();
        let acked = self.snap.acked;
        self.submitted.retain(|(at, order)| {
            if *at > acked {
                return true;
            }
            let text = order.to_string();
            match waiting.iter().position(|w| *w == text) {
                Some(k) => {
                    waiting.remove(k);
                    true
                }
                None => false,
            }
        });
    }

    fn fix_focus(&mut self) {
        let subnets = &self.snap.view.subnets;
        if self.focus.is_some_and(|n| subnets.iter().any(|s| s.netuid == n)) {
            return;
        }
        let rows = self.market_rows();
        self.focus = rows.first().map(|k| self.snap.view.subnets[*k].netuid);
    }

    fn say(&mut self, text: impl Into<String>, ok: Option<bool>) {
        self.toast =
            Some(Toast { text: text.into(), ok, ticks_left: TOAST_TICKS, at: None, running: None, paused: None });
    }

    /// Says what a key did (or why it did nothing): in a replay, it goes when the replay
    /// moves on, like a message about the position.
    fn say_here(&mut self, text: impl Into<String>, ok: Option<bool>) {
        self.say(text, ok);
        if self.info.replay {
            let at = self.position();
            if let Some(t) = &mut self.toast {
                t.at = Some(at);
            }
        }
    }

    /// Says something about the replay's position `block`: it goes when the replay
    /// moves elsewhere.
    fn say_at(&mut self, text: impl Into<String>, block: u64) {
        self.toast = Some(Toast {
            text: text.into(),
            ok: None,
            ticks_left: TOAST_TICKS,
            at: Some(block),
            running: None,
            paused: None,
        });
    }

    fn send(&mut self, c: Command) {
        self.outbox.push(c);
        self.issued += 1;
    }

    /// Applies an action.
    pub fn update(&mut self, action: Action) {
        match action {
            Action::ForceQuit => self.should_quit = true,
            Action::Resize { width, height } => self.size = (width, height),
            Action::Tick => {
                if let Some(t) = &mut self.toast {
                    t.ticks_left = t.ticks_left.saturating_sub(1);
                    if t.ticks_left == 0 {
                        self.toast = None;
                    }
                }
                if self.toast.is_none() && !self.toast_next.is_empty() {
                    let waiting = std::mem::take(&mut self.toast_next);
                    let texts: Vec<&str> = waiting.iter().map(String::as_str).collect();
                    if let Some(text) = reached_message(&texts) {
                        self.say(text, Some(true));
                    }
                }
            }
            // The "too small" screen hides everything else: only the keys it lists work.
            Action::Quit if self.too_small() => self.should_quit = true,
            Action::TogglePause if self.too_small() => self.toggle_small(),
            Action::Back if self.too_small() => self.close_hidden(),
            _ if self.too_small() => {}
            _ => {
                if self.narration().is_some() && matches!(action, Action::Faster | Action::Slower) {
                    // The speed is a setting, not a go: it changes under the open note,
                    // which stays (pressed repeatedly, + used to skip note after note).
                    self.update_screen(action);
                } else if self.narration().is_some() {
                    self.close_narration(action);
                } else if self.overlay.is_some() {
                    // `+` and `-` close other boxes, as any key does.
                    let action = if matches!(action, Action::Faster | Action::Slower) { Action::Close } else { action };
                    self.update_overlay(action);
                } else if self.market.editing_filter {
                    self.update_filter(action);
                } else {
                    self.update_screen(action);
                }
            }
        }
        self.after_update();
    }

    /// A narration, once it shows, selects the subnet it names (so the charts behind it
    /// are that subnet's). One that arrives behind an open form waits for it to close:
    /// the form's subnet stays the one on screen meanwhile.
    fn notice_narration(&mut self) {
        let Some(n) = self.narration() else { return };
        if self.narration_seen.as_ref().is_some_and(|(b, t)| *b == n.block && *t == n.text) {
            return;
        }
        let (block, text) = (n.block, n.text.clone());
        let subnets = &self.snap.view.subnets;
        if let Some(x) = replay::named_subnet(&text, |x| subnets.iter().any(|s| s.netuid == x)) {
            self.before_narration = Some(self.focus);
            self.focus = Some(x);
        } else {
            self.before_narration = None;
        }
        self.narration_seen = Some((block, text));
        self.narration_since = Some(std::time::Instant::now());
    }

    /// Whether a narration that has just come up ignores keys still
    /// ([`Options::narration_guard`]).
    fn narration_guarded(&self) -> bool {
        self.narration().is_some() && self.narration_since.is_some_and(|t| t.elapsed() < self.options.narration_guard)
    }

    /// Whether the clock runs (as last asked on the "too small" screen, until the
    /// handle has applied it).
    #[must_use]
    pub fn clock_runs(&self) -> bool {
        let asked = self.small_clock.filter(|(_, at)| self.snap.acked < *at).map(|(run, _)| run);
        !self.snap.over && asked.unwrap_or(!self.snap.paused)
    }

    /// Space on the "too small" screen: pause or run the clock, as the player says (the
    /// game then leaves it so when the terminal grows).
    fn toggle_small(&mut self) {
        if self.snap.over {
            return;
        }
        let run = !self.clock_runs();
        self.paused_small = false;
        // The player's choice, over the quit box's pause.
        self.quit_resume = false;
        self.send(if run { Command::Resume } else { Command::Pause });
        self.small_clock = Some((run, self.issued));
        // Started from here, the welcome box's "Enter runs the clock" is done with.
        if run && self.overlay == Some(Overlay::Welcome) {
            self.overlay = None;
        }
    }

    /// Esc on the "too small" screen closes the box it hides (a form is cancelled).
    fn close_hidden(&mut self) {
        let action = match &self.overlay {
            Some(Overlay::Order(_) | Overlay::GoTo(_)) => Action::Input(Input::Cancel),
            Some(Overlay::ConfirmQuit) => Action::Confirm(false),
            Some(_) => Action::Back,
            None => {
                self.market.editing_filter = false;
                return;
            }
        };
        self.update_overlay(action);
    }

    /// Below the minimum size the match must not run unseen: the clock pauses (once:
    /// space runs it again), and runs again when the terminal is large enough, if the
    /// game paused it.
    fn pause_while_too_small(&mut self) {
        if self.info.shared {
            // A shared world's clock is the host's: a pause would be ignored.
            return;
        }
        if self.too_small() {
            if self.small_clock.is_none() && !self.snap.paused && !self.snap.over && !self.quit_resume {
                self.send(Command::Pause);
                self.small_clock = Some((false, self.issued));
                self.paused_small = true;
            }
        } else if let Some((_, at)) = self.small_clock.take()
            && std::mem::take(&mut self.paused_small)
            && !self.snap.over
            // The pause took (or is on its way): a shared world's clock is the host's.
            && (self.snap.paused || self.snap.acked < at)
        {
            self.send(Command::Resume);
            self.say("the clock runs again (it paused while the window was too small)", None);
            if let Some(t) = &mut self.toast {
                t.running = Some(self.issued);
            }
        }
    }

    fn after_update(&mut self) {
        self.pause_while_too_small();
        // A narration that waited behind a form shows once the form closes.
        self.notice_narration();
        // A message about a replay's position goes when the replay is elsewhere: moved
        // back before it, moved while paused, or played on from it (once there was time
        // to read it).
        let (position, paused) = (self.position(), self.snap.paused);
        if self.toast.as_ref().is_some_and(|t| {
            let read = t.ticks_left <= TOAST_TICKS.saturating_sub(MOVED_ON_TICKS);
            t.at.is_some_and(|b| position < b || (position != b && (paused || read)))
        }) {
            self.toast = None;
        }
        // "The host paused the clock" is wrong once it runs.
        let acked = self.snap.acked;
        if self.toast.as_ref().and_then(|t| t.paused).is_some_and(|at| !paused && acked >= at) {
            self.toast = None;
        }
        // "The clock runs again" is wrong once a narration or the host stops it.
        if self
            .toast
            .as_ref()
            .and_then(|t| t.running)
            .is_some_and(|at| (paused && acked >= at) || self.narration_pending())
        {
            self.toast = None;
        }
        // Keep the market selection in view.
        let rows = self.market_rows();
        let page = layout::table_rows(self.market_table()).max(1);
        if let Some(sel) = self.market_selected(&rows) {
            if sel < self.market.offset {
                self.market.offset = sel;
            } else if sel >= self.market.offset + page {
                self.market.offset = sel + 1 - page;
            }
        }
        self.market.offset = self.market.offset.min(rows.len().saturating_sub(page));
        let positions = self.snap.me.as_ref().map_or(0, |m| m.positions.len());
        self.portfolio_row = self.portfolio_row.min(positions.saturating_sub(1));
        // Scrolled no further than there is to see (the terminal or the filter changed),
        // and the selected line in view.
        if self.log_sel > 0 || self.log_scroll > 0 {
            let n = self.snap.journal.iter().filter(|l| self.shows(l)).count();
            self.log_sel = self.log_sel.min(n.saturating_sub(1));
            self.show_log_selection();
        }
        if self.objectives_scroll > 0 {
            self.objectives_scroll = self.objectives_scroll.min(super::view::objectives_scroll_max(self));
        }
        // The selected subnet's detail, or the one a miner or policy form names (its
        // quote reads that subnet's validators).
        let watch = match &self.overlay {
            Some(Overlay::Order(f)) => f.watches(&self.snap).or(self.focus),
            _ => self.focus,
        };
        if self.watched != watch {
            self.watched = watch;
            self.send(Command::Watch(watch));
        }
    }

    /// Any key (or click) closes the narration and restarts the clock; Enter instead opens
    /// the subnet it names with the clock still paused (to look at what it told), `q` asks
    /// whether to quit, and a screen's or a sort's key goes there (the subnet it names
    /// still selected). Any other key (space too) only closes it: the selection goes back
    /// to what it was before the narration. Esc closes it and keeps the clock paused (to
    /// look around first).
    fn close_narration(&mut self, action: Action) {
        if matches!(action, Action::ScrollUp | Action::ScrollDown) {
            return;
        }
        let named = self.narration_subnet();
        let closed = self.narration().map(|n| (n.block, n.text.clone()));
        // Esc (and q, which asks whether to quit): paused before the narration lets go of
        // the clock, so no block runs between.
        let opens = action == Action::Open && named.is_some();
        let hold = (opens || matches!(action, Action::Back | Action::Quit | Action::Step)) && !self.info.shared;
        if hold {
            self.send(Command::Pause);
        }
        self.send(Command::Dismiss);
        // `.` runs one block from there, as it does paused.
        if hold && action == Action::Step {
            self.send(Command::Step(1));
        }
        self.dismissed = closed.map(|(b, t)| (b, t, self.issued));
        // Shown again later (a replay's jump back), it selects its subnet again.
        self.narration_seen = None;
        if hold && (action == Action::Back || opens) {
            // (In a replay it also goes when the replay moves elsewhere.)
            match named.filter(|_| opens) {
                Some(n) => self.say_here(format!("paused on SN{n}'s charts: space runs the clock again"), None),
                None => self.say_here("paused on the lesson: space runs the clock again", None),
            }
            // It goes once the clock runs after the pause sent above.
            let issued = self.issued;
            if let Some(t) = self.toast.as_mut() {
                t.paused = Some(issued);
            }
        }
        // Staying in the game after q runs the clock the narration held.
        if hold && action == Action::Quit {
            self.quit_resume = !self.snap.paused;
        }
        let before = self.before_narration.take();
        match (action, named) {
            (Action::Open, Some(n)) => {
                self.focus = Some(n);
                self.screen = Screen::Subnet;
            }
            // Esc looks around: the subnet the narration named stays selected.
            (Action::Back, _) => {}
            // A screen's key, or a sort key, does what it says too (as on the welcome box):
            // pressing 4 to see the Network should not take two presses. The subnet the
            // narration named, highlighted behind it, stays selected (2 charts it).
            (
                Action::Screen(_) | Action::NextScreen | Action::PrevScreen | Action::SortNext | Action::SortReverse,
                _,
            ) => {
                self.update_screen(action);
            }
            _ => {
                if let Some(f) =
                    before.filter(|f| f.is_none_or(|n| self.snap.view.subnets.iter().any(|s| s.netuid == n)))
                {
                    self.focus = f;
                    self.fix_focus();
                }
                if action == Action::Quit {
                    self.update_screen(Action::Quit);
                }
                // In a replay, a jump does what it says too (n to the next mark shows its
                // narration).
                let jump = matches!(
                    action,
                    Action::NextMark | Action::PrevMark | Action::DayBack | Action::DayForward | Action::GoTo
                ) && self.info.replay;
                if jump {
                    self.update_screen(action);
                }
            }
        }
    }

    fn update_overlay(&mut self, action: Action) {
        let Some(overlay) = self.overlay.take() else { return };
        match overlay {
            Overlay::Order(mut form) => {
                let Action::Input(i) = action else {
                    self.overlay = Some(Overlay::Order(form));
                    return;
                };
                match i {
                    Input::Char(c) => {
                        if let Err(max) = form.type_char(c) {
                            self.say(format!("{FIELD_FULL}{max} characters"), None);
                        }
                    }
                    Input::Backspace | Input::Clear => {
                        if i == Input::Backspace {
                            form.backspace();
                        } else {
                            form.clear();
                        }
                        // The field has room again.
                        if self.toast.as_ref().is_some_and(|t| t.text.starts_with(FIELD_FULL)) {
                            self.toast = None;
                        }
                    }
                    Input::Next => form.move_focus(1),
                    Input::Prev => form.move_focus(-1),
                    Input::Left => form.cycle(-1),
                    Input::Right => form.cycle(1),
                    Input::Cancel => {
                        self.say("order cancelled", None);
                        return;
                    }
                    // What the quote marks ✗ the engine would reject: it is not queued.
                    Input::Submit => match form
                        .quote(&self.snap, &self.queued(), self.options.slippage_warn)
                        .problem
                        .map_or_else(|| form.order(&self.snap, &self.queued()), Err)
                    {
                        Ok(order) => {
                            // In a shared world the host runs the clock: the order waits for it.
                            let when = match (self.snap.paused, self.info.shared) {
                                (true, true) => "; it applies when the host runs the clock",
                                (true, false) => "; space or . applies it",
                                (false, _) => "",
                            };
                            let text = crate::session::handle::order_text(&order);
                            self.say(format!("queued: {text}{when}"), None);
                            self.send(Command::Submit(order.clone()));
                            self.submitted.push((self.issued, order));
                            return;
                        }
                        Err(e) => self.say(format!("✗ {e}"), Some(false)),
                    },
                }
                self.overlay = Some(Overlay::Order(form));
            }
            Overlay::GoTo(mut text) => {
                let Action::Input(i) = action else {
                    self.overlay = Some(Overlay::GoTo(text));
                    return;
                };
                match i {
                    Input::Char(c) if text.chars().count() < 24 => text.push(c),
                    Input::Backspace => {
                        text.pop();
                    }
                    Input::Clear => text.clear(),
                    Input::Cancel => return,
                    Input::Submit => match replay::parse_goto(&text, self.end_block()) {
                        Ok(b) => {
                            self.seek(b);
                            let text = format!(
                                "going to block {} (day {})",
                                format::int(b),
                                replay::day_of(b, self.end_block())
                            );
                            self.say_at(text, self.position());
                            return;
                        }
                        Err(e) => self.say(format!("✗ {e}"), Some(false)),
                    },
                    _ => {}
                }
                self.overlay = Some(Overlay::GoTo(text));
            }
            Overlay::ConfirmQuit => match action {
                Action::Confirm(true) => self.should_quit = true,
                Action::Confirm(false) => {
                    // The clock runs again if it ran before the box paused it.
                    if std::mem::take(&mut self.quit_resume) && !self.snap.over {
                        self.send(Command::Resume);
                    }
                    if self.snap.over && !self.results_shown {
                        self.results_shown = true;
                        self.overlay = Some(Overlay::Results);
                    }
                }
                _ => self.overlay = Some(Overlay::ConfirmQuit),
            },
            Overlay::Help => match action {
                Action::Up => {
                    self.help_scroll = self.help_scroll.saturating_sub(1);
                    self.overlay = Some(Overlay::Help);
                }
                Action::Down => {
                    self.help_scroll = (self.help_scroll + 1).min(self.help_rows().len());
                    self.overlay = Some(Overlay::Help);
                }
                Action::PageUp => {
                    self.help_scroll = self.help_scroll.saturating_sub(HELP_PAGE);
                    self.overlay = Some(Overlay::Help);
                }
                Action::PageDown => {
                    self.help_scroll = (self.help_scroll + HELP_PAGE).min(self.help_rows().len());
                    self.overlay = Some(Overlay::Help);
                }
                Action::Quit => self.ask_quit(),
                _ => {}
            },
            Overlay::Welcome => match action {
                Action::Open | Action::TogglePause if self.info.shared => {
                    let clock = match (self.snap.paused, self.snap.block()) {
                        (true, 0) => "the host has not started the clock yet",
                        (true, _) => "the host paused the clock",
                        (false, _) => "the clock runs",
                    };
                    self.say(format!("{clock}: the host starts and pauses it; ? lists every key"), None);
                    // A pause's message goes when the host runs the clock.
                    if let Some(t) = self.toast.as_mut().filter(|_| self.snap.paused) {
                        t.paused = Some(0);
                    }
                }
                Action::Open | Action::TogglePause => {
                    self.send(Command::Resume);
                    if self.info.replay {
                        self.say("the replay plays: space pauses, n jumps to the next mark, t goes to a block", None);
                    } else {
                        self.say("the clock runs: space pauses, + - set the speed, ? every key", None);
                    }
                    // It goes once the clock stops (the lesson's first narration).
                    if let Some(t) = &mut self.toast {
                        t.running = Some(self.issued);
                    }
                }
                Action::Quit => self.ask_quit(),
                // "? every key", as the box says.
                Action::Help => {
                    self.help_scroll = 0;
                    self.overlay = Some(Overlay::Help);
                }
                // Esc looks first, paused.
                Action::Back => {}
                // Any other key of the game closes the box and does what it does (the box
                // lists some: n, [ ], t), instead of being spent on closing it.
                other => self.update_screen(other),
            },
            // Only Esc and Enter close the results (a screen's key closes them and goes
            // there): a key meant for the running match, pressed as it ends, does not
            // take the box away unread.
            Overlay::Results => match action {
                Action::Quit => self.should_quit = true,
                Action::Back | Action::Open => {}
                go @ (Action::Screen(_) | Action::NextScreen | Action::PrevScreen) => self.update_screen(go),
                _ => self.overlay = Some(Overlay::Results),
            },
            Overlay::Error(e) => match action {
                // The game has stopped: nothing is lost by quitting, as the box says.
                Action::Quit => self.should_quit = true,
                Action::Up | Action::Down => self.overlay = Some(Overlay::Error(e)),
                _ => {}
            },
        }
    }

    fn update_filter(&mut self, action: Action) {
        match action {
            Action::Input(Input::Char(c)) if self.market.filter.chars().count() < 24 => self.market.filter.push(c),
            Action::Input(Input::Backspace) => {
                self.market.filter.pop();
            }
            Action::Input(Input::Clear) => self.market.filter.clear(),
            Action::Input(Input::Submit) => self.market.editing_filter = false,
            Action::Input(Input::Cancel) => {
                self.market.filter.clear();
                self.market.editing_filter = false;
            }
            Action::Input(Input::Next) => self.move_market(1),
            Action::Input(Input::Prev) => self.move_market(-1),
            _ => {}
        }
        let rows = self.market_rows();
        if self.market_selected(&rows).is_none() {
            self.focus = rows.first().map(|k| self.snap.view.subnets[*k].netuid).or(self.focus);
        }
    }

    /// Whether `+` (Faster) or `-` (Slower) is at the end of the speeds already.
    fn at_speed_limit(&self, action: Action) -> bool {
        let last = crate::session::handle::SPEEDS_BLOCKS_PER_SEC.len() - 1;
        match action {
            Action::Faster => self.snap.speed_index >= last,
            Action::Slower => self.snap.speed_index == 0,
            _ => false,
        }
    }

    fn update_screen(&mut self, action: Action) {
        match action {
            Action::Quit => {
                if self.snap.over || self.snap.error.is_some() {
                    self.should_quit = true;
                } else {
                    self.ask_quit();
                }
            }
            Action::Help => {
                self.help_scroll = 0;
                self.overlay = Some(Overlay::Help);
            }
            Action::Screen(s) => self.screen = s,
            Action::NextScreen => self.screen = self.screen.cycle(1),
            Action::PrevScreen => self.screen = self.screen.cycle(-1),
            Action::TogglePause | Action::Faster | Action::Slower | Action::Step
                if self.info.shared && !self.snap.over =>
            {
                self.say("the host runs the clock in a shared world: pause and speed are theirs", None);
            }
            Action::TogglePause => {
                if self.info.replay && (self.snap.over || self.position() >= self.end_block()) {
                    self.say_at("this is the end of the recording: [, N or t go back", self.position());
                } else if self.snap.over {
                    self.say("the match is over", None);
                } else {
                    self.send(Command::TogglePause);
                }
            }
            // At either end of the speeds, say so (the key would seem to do nothing).
            Action::Faster | Action::Slower if self.snap.over && !self.info.replay => {
                self.say("the match is over", None)
            }
            Action::Faster | Action::Slower if self.at_speed_limit(action) => {
                let which = if action == Action::Faster { "fastest" } else { "slowest" };
                let bps = u64::from(self.snap.blocks_per_sec());
                let blocks = if bps == 1 { "block" } else { "blocks" };
                self.say(format!("{} {blocks} {SPEED_LIMIT_NOTE} {which} speed", format::int(bps)), None);
            }
            Action::Faster | Action::Slower => {
                // A note that the speed was at its end is wrong once it moves.
                if self.toast.as_ref().is_some_and(|t| t.text.contains(SPEED_LIMIT_NOTE)) {
                    self.toast = None;
                }
                self.send(if action == Action::Faster { Command::Faster } else { Command::Slower });
            }
            Action::Step => {
                if self.snap.paused {
                    self.send(Command::Step(1));
                } else {
                    self.say_here("pause first (space), then . runs one block", None);
                }
            }
            Action::Order(_) if self.info.replay => self.say_here("read-only replay: orders are off", Some(false)),
            Action::Order(kind) => self.open_order(kind),
            Action::CancelOrders => self.cancel_orders(),
            Action::NextMark | Action::PrevMark | Action::DayBack | Action::DayForward | Action::GoTo
                if !self.info.replay =>
            {
                self.say("n N [ ] t move through a replay (dtao-arena replay FILE)", None);
            }
            Action::Follow(_) if !self.watching() => {
                self.say("p P follow another player's book when watching: a replay or join --spectate", None);
            }
            Action::Follow(forward) => self.follow(forward),
            Action::NextMark => self.jump_to_mark(true),
            Action::PrevMark => self.jump_to_mark(false),
            Action::DayBack => {
                let at = self.position();
                if at == 0 {
                    self.say_at("this is the start of the match", 0);
                } else {
                    self.seek(at.saturating_sub(BLOCKS_PER_DAY));
                }
            }
            Action::DayForward => {
                let at = self.position();
                if at >= self.end_block() {
                    self.say_at("this is the end of the recording: [, N or t go back", at);
                } else {
                    self.seek(at.saturating_add(BLOCKS_PER_DAY));
                }
            }
            Action::GoTo => self.overlay = Some(Overlay::GoTo(String::new())),
            Action::Save => self.save(),
            Action::Click { col, row } => self.click(col, row),
            Action::ScrollUp => self.update_screen(Action::Up),
            Action::ScrollDown => self.update_screen(Action::Down),
            _ => self.navigate(action),
        }
    }

    /// Asks whether to quit. A local match's or a replay's clock pauses behind the box
    /// (a shared world's is the host's), and runs again if the player stays.
    fn ask_quit(&mut self) {
        self.overlay = Some(Overlay::ConfirmQuit);
        if !self.quit_resume && !self.info.shared && self.clock_runs() {
            self.send(Command::Pause);
            self.quit_resume = true;
        }
    }

    /// Where a replay is, or will be once the seek sent last is applied.
    fn position(&self) -> u64 {
        self.seeking.map_or(self.snap.block(), |(b, _)| b)
    }

    fn seek(&mut self, block: u64) {
        let b = block.min(self.end_block());
        self.mark_cursor = None;
        // What was reached before the jump is not news at the new block.
        self.toast_next.clear();
        self.send(Command::Seek(b));
        self.seeking = Some((b, self.issued));
    }

    /// Watching: the Portfolio shows the next (previous) player's book, in account order
    /// (the first or the last when it follows nobody yet).
    fn follow(&mut self, forward: bool) {
        let mut ids: Vec<(crate::engine::AccountId, &str)> =
            self.snap.players.iter().map(|p| (p.id, p.name.as_str())).collect();
        ids.sort_unstable();
        if ids.is_empty() {
            self.say("nobody to follow in this match yet", None);
            return;
        }
        let n = ids.len();
        let now = self.snap.me.as_ref().and_then(|m| ids.iter().position(|(id, _)| *id == m.id));
        let next = match now {
            Some(k) if forward => (k + 1) % n,
            Some(k) => (k + n - 1) % n,
            None if forward => 0,
            None => n - 1,
        };
        let Some(&(id, name)) = ids.get(next) else { return };
        let text = format!("Portfolio: following {name}");
        self.send(Command::Follow(id));
        self.screen = Screen::Portfolio;
        self.say_here(text, None);
    }

    /// Goes to the next (previous) mark, and says which one it is. A block can hold
    /// several marks (a narration and the events it starts): they are visited one by one,
    /// the replay staying at the end of that block while only the message changes.
    fn jump_to_mark(&mut self, forward: bool) {
        let at = self.position();
        let Some(r) = self.snap.replay.clone() else { return };
        // The mark said last, while the replay is still where that mark took it.
        let here = self
            .mark_cursor
            .filter(|(pos, k)| *pos == at && r.marks.get(*k).is_some_and(|m| m.block + 1 == at))
            .map(|(_, k)| k);
        let next = match (here, forward) {
            (Some(k), true) => Some(k + 1),
            (Some(k), false) => k.checked_sub(1),
            (None, true) => r.marks.iter().position(|m| m.block + 1 > at),
            (None, false) => r.marks.iter().rposition(|m| m.block + 1 < at),
        };
        let Some((k, m)) = next.and_then(|k| r.marks.get(k).map(|m| (k, m))) else {
            let more =
                if forward && r.indexed_to < r.end { " found yet (the replay is still being indexed)" } else { "" };
            self.say_at(format!("no {} mark{more}", if forward { "later" } else { "earlier" }), at);
            return;
        };
        let glyph = replay::Cell::from(m.kind).glyph(false);
        let text = format!("{glyph} block {}: {}", format::int(m.block), m.text);
        let target = m.block + 1;
        if target != at {
            self.seek(target);
        }
        self.mark_cursor = Some((target, k));
        self.say_at(text, target);
    }

    fn save(&mut self) {
        if self.info.replay {
            self.say_here("a replay is read-only: there is nothing to save", None);
        } else if self.info.save_path.is_none() {
            self.say("this match has no save file", None);
        } else {
            self.save_asked = true;
            self.send(Command::Save);
            self.say("saving…", None);
        }
    }

    fn open_order(&mut self, kind: OrderKind) {
        if self.info.human.is_none() {
            self.say("you are watching: there is no player to place orders", Some(false));
            return;
        }
        if self.snap.over {
            self.say("the match is over", None);
            return;
        }
        let netuid = match self.screen {
            Screen::Portfolio => {
                self.snap.me.as_ref().and_then(|m| m.positions.get(self.portfolio_row)).map(|p| p.netuid).or(self.focus)
            }
            // Not a row the filter hides.
            Screen::Market => self.market_focus(),
            _ => self.focus,
        };
        self.overlay = Some(Overlay::Order(Form::new(kind, netuid, &self.snap).ending_at(self.end_block())));
    }

    fn move_market(&mut self, delta: isize) {
        let rows = self.market_rows();
        if rows.is_empty() {
            return;
        }
        let cur = self.market_selected(&rows).unwrap_or(0);
        let last = rows.len() - 1;
        let next = if delta < 0 {
            cur.saturating_sub(delta.unsigned_abs())
        } else {
            cur.saturating_add(delta.unsigned_abs()).min(last)
        };
        self.focus = Some(self.snap.view.subnets[rows[next]].netuid);
    }

    /// The Subnet screen's ← →: the previous or next subnet in the Market's order and
    /// filter; at either end, it says why nothing moved (a filter is easy to forget).
    fn step_subnet(&mut self, delta: isize) {
        let before = self.focus;
        self.move_market(delta);
        if self.focus != before {
            return;
        }
        let n = self.market_rows().len();
        let end = if delta < 0 { "first" } else { "last" };
        let filter = self.market.filter.trim();
        let text = if filter.is_empty() {
            format!("this is the {end} subnet in the Market's order")
        } else if n == 1 {
            format!("the Market's filter '{filter}' lists only this subnet (Esc on the Market screen clears it)")
        } else {
            format!("the {end} of the {n} subnets the Market's filter '{filter}' lists (Esc on the Market clears it)")
        };
        self.say_here(text, None);
    }

    /// `x`: withdraws the orders queued for the next block, or says why it cannot.
    fn cancel_orders(&mut self) {
        let n = self.pending_len();
        if self.info.replay {
            self.say_here("read-only replay: orders are off", Some(false));
        } else if self.info.shared {
            self.say_here("in a shared world an order goes to the server at once: it cannot be cancelled", None);
        } else if n == 0 {
            self.say_here("no order is queued", None);
        } else {
            self.send(Command::CancelOrders);
            self.cancel_sent = self.issued;
            self.submitted.clear();
            let what = crate::text::count(n, "queued order", "queued orders");
            self.say(format!("cancelled {what}: nothing of it will run"), Some(true));
        }
    }

    /// After a new sort, the table shows its first rows, the top one selected.
    fn market_to_top(&mut self) {
        self.market.offset = 0;
        let rows = self.market_rows();
        if let Some(k) = rows.first() {
            self.focus = Some(self.snap.view.subnets[*k].netuid);
        }
    }

    fn navigate(&mut self, action: Action) {
        let page = isize::try_from(self.page()).unwrap_or(10);
        let delta: isize = match action {
            Action::Up => -1,
            Action::Down => 1,
            Action::PageUp => -page,
            Action::PageDown => page,
            Action::Top => isize::MIN / 2,
            Action::Bottom => isize::MAX / 2,
            _ => 0,
        };
        // A screen's own key pressed on another screen says where it works.
        let elsewhere = match action {
            Action::Filter if self.screen != Screen::Market => Some("/ filters the Market: 1 goes there"),
            Action::SortNext | Action::SortReverse if self.screen != Screen::Market => {
                Some("o and O sort the Market: 1 goes there")
            }
            Action::LogFilter if self.screen != Screen::Log => Some("f filters the Log: 5 goes there"),
            _ => None,
        };
        if let Some(text) = elsewhere {
            return self.say_here(text, None);
        }
        match self.screen {
            Screen::Market => match action {
                Action::Open if self.market_focus().is_some() => self.screen = Screen::Subnet,
                Action::Back => self.market.filter.clear(),
                Action::SortNext => {
                    // The next column shown at this width.
                    let k = SortKey::ALL.iter().position(|s| *s == self.market.sort).unwrap_or(0);
                    let n = SortKey::ALL.len();
                    self.market.sort = (1..=n)
                        .map(|d| SortKey::ALL[(k + d) % n])
                        .find(|s| s.min_width() <= self.size.0)
                        .unwrap_or(SortKey::Netuid);
                    self.market.descending = self.market.sort.descending();
                    self.market_to_top();
                }
                Action::SortReverse => {
                    self.market.descending = !self.market.descending;
                    self.market_to_top();
                }
                Action::Filter => self.market.editing_filter = true,
                _ if delta != 0 => self.move_market(delta),
                _ => {}
            },
            Screen::Subnet => match action {
                Action::Left | Action::Up => self.step_subnet(-1),
                Action::Right | Action::Down => self.step_subnet(1),
                Action::Back => self.screen = Screen::Market,
                _ => {}
            },
            Screen::Portfolio => {
                let n = self.snap.me.as_ref().map_or(0, |m| m.positions.len());
                match action {
                    Action::Open => {
                        let p = self.snap.me.as_ref().and_then(|m| m.positions.get(self.portfolio_row));
                        if let Some(p) = p {
                            self.focus = Some(p.netuid);
                            self.screen = Screen::Subnet;
                        }
                    }
                    Action::Back => self.screen = Screen::Market,
                    _ if delta != 0 && n > 0 => self.portfolio_row = shift(self.portfolio_row, delta, n - 1),
                    _ => {}
                }
            }
            Screen::Network => match action {
                Action::Back => self.screen = Screen::Market,
                // The objectives panel scrolls when it is cut.
                _ if delta != 0 => {
                    let max = super::view::objectives_scroll_max(self);
                    self.objectives_scroll = shift(self.objectives_scroll, delta, max);
                }
                _ => {}
            },
            Screen::Log => match action {
                Action::LogFilter => {
                    let k = LogFilter::ALL.iter().position(|f| *f == self.log_filter).unwrap_or(0);
                    self.log_filter = LogFilter::ALL[(k + 1) % LogFilter::ALL.len()];
                    self.log_scroll = 0;
                    self.select_log(0);
                }
                Action::Back => self.screen = Screen::Market,
                // Up selects back in time: the newest line is at the bottom.
                _ if delta != 0 => {
                    let last = self.log_lines().len().saturating_sub(1);
                    self.select_log(shift(self.log_sel, delta.saturating_neg(), last));
                }
                _ => {}
            },
        }
    }

    fn click(&mut self, col: u16, row: u16) {
        let area = ratatui::layout::Rect::new(0, 0, self.size.0, self.size.1);
        if layout::too_small(area) {
            return;
        }
        let chrome = self.chrome(area);
        if row == chrome.tabs.y {
            if let Some((s, ..)) = layout::tabs(chrome.tabs).into_iter().find(|(_, x0, x1, _)| col >= *x0 && col < *x1)
            {
                self.screen = s;
            }
            return;
        }
        if self.screen == Screen::Log {
            // A click selects a line of the list.
            let (list, _) = layout::log(chrome.body);
            if row > list.y && row + 1 < list.bottom() {
                let n = self.log_lines().len();
                let end = n.saturating_sub(self.log_scroll);
                let start = end.saturating_sub(self.log_rows());
                let k = start + usize::from(row - list.y - 1);
                if k < end {
                    self.select_log(n - 1 - k);
                }
            }
            return;
        }
        if self.screen == Screen::Market {
            let table = self.market_table();
            if col < table.x || col >= table.right() {
                return;
            }
            if let Some(k) = layout::table_hit(table, row) {
                let rows = self.market_rows();
                if let Some(i) = rows.get(self.market.offset + k) {
                    let n = self.snap.view.subnets[*i].netuid;
                    if self.focus == Some(n) {
                        self.screen = Screen::Subnet;
                    } else {
                        self.focus = Some(n);
                    }
                }
            }
        }
    }
}

/// `cur + delta`, clamped to `0..=max`.
fn shift(cur: usize, delta: isize, max: usize) -> usize {
    let cur = isize::try_from(cur).unwrap_or(isize::MAX);
    let max_i = isize::try_from(max).unwrap_or(isize::MAX);
    usize::try_from(cur.saturating_add(delta).clamp(0, max_i)).unwrap_or(0)
}

/// What the game says when objectives are reached in one check: each one, by name.
fn reached_message(texts: &[&str]) -> Option<String> {
    match texts {
        [] => None,
        [one] => Some(format!("✓ objective reached: {one}")),
        many => Some(format!("✓ {} objectives reached: {}", many.len(), many.join("; "))),
    }
}

#[cfg(test)]
mod tests {
    use super::reached_message;
    use super::{App, Overlay, Screen};
    use crate::engine::{Order, Tao};
    use crate::session::handle::{Command, JournalKind, JournalLine};
    use crate::tui::action::Action;
    use crate::tui::testing::{TAO, app_on, app_with, base, keys, rows, text};

    /// Gives `app` its snapshot changed by `change`, as a new one from the match would.
    fn change_snapshot(app: &mut App, change: impl FnOnce(&mut crate::session::handle::Snapshot)) {
        let mut snap = (*app.snap).clone();
        change(&mut snap);
        app.set_snapshot(std::sync::Arc::new(snap));
    }

    fn narration(text: &str) -> JournalLine {
        JournalLine { block: 2880, kind: JournalKind::Map, who: "map".into(), text: text.into() }
    }

    /// A lesson paused on a narration about SN28, with SN1 selected before it came.
    fn on_sn28_narration() -> App {
        let (info, snap) = base();
        let mut app = crate::tui::testing::app_on(info, snap.clone());
        assert_eq!(app.focus(), Some(1));
        let mut paused = snap;
        paused.narration = Some(narration("SN28 turns into a memecoin: holding its alpha is now mining."));
        app.set_snapshot(std::sync::Arc::new(paused));
        assert_eq!(app.focus(), Some(28), "the narration selects the subnet it names, for the charts behind it");
        app.take_commands();
        app
    }

    #[test]
    fn a_narration_behind_a_form_selects_its_subnet_only_once_it_shows() {
        let (info, snap) = base();
        let mut app = crate::tui::testing::app_on(info, snap.clone());
        assert_eq!(app.focus(), Some(1));
        keys(&mut app, "s");
        assert!(matches!(app.overlay(), Some(Overlay::Order(_))));
        let mut paused = snap;
        paused.narration = Some(narration("SN28 turns into a memecoin: holding its alpha is now mining."));
        app.set_snapshot(std::sync::Arc::new(paused));
        assert_eq!(app.focus(), Some(1), "the screen stays on the form's subnet");
        assert!(app.narration().is_none(), "it waits behind the form");
        keys(&mut app, "\u{1b}");
        assert!(app.narration().is_some(), "shown once the form closes");
        assert_eq!(app.focus(), Some(28), "and it selects the subnet it names");
        keys(&mut app, "x");
        assert_eq!(app.focus(), Some(1), "closed, the selection goes back");
    }

    #[test]
    fn a_narration_just_come_up_ignores_keys_for_a_moment() {
        use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
        let (info, snap) = base();
        let guard = std::time::Duration::from_millis(200);
        let options = super::Options { welcome: false, narration_guard: guard, ..super::Options::default() };
        let mut app = App::new(info, std::sync::Arc::new(snap), crate::tui::theme::Theme::mono(), options);
        change_snapshot(&mut app, |s| s.narration = Some(narration("SN28 turns into a memecoin.")));
        app.take_commands();
        // Space, pressed to pause the running game as the box comes up, waits.
        app.on_key(KeyEvent::new(KeyCode::Char(' '), KeyModifiers::NONE));
        assert!(app.narration().is_some() && app.take_commands().is_empty());
        std::thread::sleep(guard + std::time::Duration::from_millis(50));
        app.on_key(KeyEvent::new(KeyCode::Char(' '), KeyModifiers::NONE));
        assert!(app.narration().is_none());
        assert_eq!(app.take_commands().first(), Some(&Command::Dismiss));
    }

    #[test]
    fn plus_and_minus_change_the_speed_under_a_narration_and_leave_it_open() {
        let mut app = on_sn28_narration();
        assert!(text(&mut app, 120, 40).contains("+ - speed"), "the box says so");
        keys(&mut app, "+");
        assert_eq!(sent(&mut app), vec![Command::Faster]);
        keys(&mut app, "-");
        assert_eq!(sent(&mut app), vec![Command::Slower]);
        assert!(app.narration().is_some(), "the note is still open");
        keys(&mut app, "x");
        assert_eq!(sent(&mut app), vec![Command::Dismiss], "any other key closes it");
    }

    #[test]
    fn esc_closes_a_narration_and_keeps_the_clock_paused() {
        let mut app = on_sn28_narration();
        assert!(text(&mut app, 120, 40).contains("Esc closes it and keeps the clock paused"));
        keys(&mut app, "\u{1b}");
        assert_eq!(sent(&mut app), vec![Command::Pause, Command::Dismiss], "paused first: no block runs in between");
        assert!(app.narration().is_none());
        assert_eq!(app.focus(), Some(28), "the subnet it named stays selected, to look at");
        // Its note goes once the clock runs again (it said space runs it).
        let says = |app: &App| app.toast().is_some_and(|t| t.text.starts_with("paused on the lesson"));
        let acked = app.issued;
        change_snapshot(&mut app, |s| {
            s.paused = true;
            s.narration = None;
            s.acked = acked;
        });
        assert!(says(&app));
        change_snapshot(&mut app, |s| s.paused = false);
        assert!(!says(&app), "{:?}", app.toast());
        // Any other key runs the clock again (the narration held it).
        let mut app = on_sn28_narration();
        keys(&mut app, "x");
        assert_eq!(sent(&mut app), vec![Command::Dismiss]);
        // `.` runs one block, and the clock stays paused.
        let mut app = on_sn28_narration();
        keys(&mut app, ".");
        assert_eq!(sent(&mut app), vec![Command::Pause, Command::Dismiss, Command::Step(1)]);
    }

    #[test]
    fn the_paused_note_of_a_narration_closed_while_the_game_ran_stays_until_the_clock_runs() {
        // The game ran (its own pause off) when the narration came and held the clock.
        for (key, note) in [("\n", "paused on SN28's charts"), ("\u{1b}", "paused on the lesson")] {
            let mut app = app_with(|s| s.paused = false);
            change_snapshot(&mut app, |s| {
                s.narration = Some(narration("SN28 turns into a memecoin: holding its alpha is now mining."))
            });
            keys(&mut app, key);
            let says = |app: &App| app.toast().is_some_and(|t| t.text.starts_with(note));
            assert!(says(&app), "before the handle applies the pause: {:?}", app.toast());
            let status = rows(&mut app, 120, 40).pop().unwrap_or_default();
            assert!(status.contains(note), "{status}");
            // The handle applies it: paused, the narration gone.
            let acked = app.issued;
            change_snapshot(&mut app, |s| {
                s.paused = true;
                s.narration = None;
                s.acked = acked;
            });
            assert!(says(&app), "{:?}", app.toast());
            change_snapshot(&mut app, |s| s.paused = false);
            assert!(!says(&app), "the clock runs: {:?}", app.toast());
        }
    }

    #[test]
    fn the_welcomes_clock_runs_message_goes_when_the_first_narration_stops_the_clock() {
        let mut app = welcomed(|i, _| i.lesson = true);
        keys(&mut app, "\n");
        let status = rows(&mut app, 80, 24).remove(23);
        assert!(status.contains("the clock runs: space pauses, + - set the speed, ? every key"), "{status}");
        let mut snap = (*app.snap()).clone();
        snap.narration = Some(narration("Welcome to dTAO."));
        app.set_snapshot(std::sync::Arc::new(snap));
        let status = rows(&mut app, 80, 24).remove(23);
        assert!(!status.contains("the clock runs"), "{status}");
    }

    #[test]
    fn a_long_quote_value_wraps_under_its_own_column() {
        let mut app = app_with(|s| {
            s.paused = true;
            crate::tui::testing::watching(s, 1, crate::engine::Policy::Uniform, 0.2);
        });
        keys(&mut app, "M");
        let screen = rows(&mut app, 80, 24);
        let at = screen.iter().position(|l| l.contains("Weighed by")).expect("a Weighed by line");
        let next = &screen[at + 1];
        let start = screen[at].find("validators").expect("its value");
        assert!(
            next.get(start..).is_some_and(|rest| !rest.starts_with(' '))
                && next[..start].trim_matches(['│', ' ']).is_empty(),
            "the second line starts under the value:\n{}\n{next}",
            screen[at]
        );
    }

    #[test]
    fn figures_say_what_they_are() {
        // The Market says why Emission reads "-" before the first block, and only then.
        let mut app = app_with(|_| {});
        keys(&mut app, "1");
        let said = "Emission -: no block has run yet";
        let market = text(&mut app, 80, 24);
        assert!(market.contains(said), "{market}");
        change_snapshot(&mut app, |s| s.view.block = 1);
        assert!(!text(&mut app, 80, 24).contains(said));
        // The Network names what the issuance's percentage is of.
        keys(&mut app, "4");
        let network = text(&mut app, 80, 24);
        assert!(network.contains("Share of 21M cap"), "{network}");
        let network = text(&mut app, 160, 48);
        assert!(network.contains("% of the 21M cap)"), "{network}");
        // The Subnet's two root figures are told apart.
        let mut app = app_with(|s| crate::tui::testing::watching(s, 1, crate::engine::Policy::Honest, 0.0));
        keys(&mut app, "2");
        for (w, h, weight) in [(80, 24, " weight: root "), (160, 48, " stake weight: root ")] {
            let subnet = text(&mut app, w, h);
            assert!(subnet.contains("of validators' α") && subnet.contains(weight), "{subnet}");
        }
    }

    #[test]
    fn objectives_say_what_they_count_and_the_help_what_their_marks_mean() {
        // At 80 columns the count of objectives reached counts the checked ones (the ○
        // below), in words that read.
        let mut app = app_with(|_| {});
        keys(&mut app, "4");
        let network = text(&mut app, 80, 24);
        assert!(network.contains("Objectives · 0/2 reached ─"), "{network}");
        // The help says how often an epoch runs, and what the objectives' marks mean.
        keys(&mut app, "?");
        let help = text(&mut app, 160, 48);
        assert!(help.contains("an epoch every tempo + 1 blocks: 361"), "{help}");
        assert!(help.contains("objectives: reached, open, missed, to discuss"), "{help}");
        // Once the match is over, the checked ones not reached are marked so.
        change_snapshot(&mut app, |s| s.over = true);
        keys(&mut app, "\x1b\x1b4");
        let network = text(&mut app, 160, 48);
        assert!(network.contains(" ✗ ") && network.contains(": not reached"), "{network}");
        assert!(!network.contains(" ○ "), "{network}");
    }

    #[test]
    fn results_of_a_room_its_host_ended_say_so_and_where() {
        let mut app = app_with(|s| s.view.block = 300);
        let (block, end) = (app.snap().block(), app.info().end_block);
        assert!(block < end, "the test needs a block before the end");
        change_snapshot(&mut app, |snap| {
            snap.over = true;
            snap.end_reason = Some("the host ended the match".into());
        });
        let screen = text(&mut app, 100, 30);
        let head =
            format!("The host ended the match at block {} of {}", super::format::int(block), super::format::int(end));
        assert!(screen.contains(&head), "{screen}");
        assert!(!screen.contains("is over after"), "{screen}");
        // A match that ran to its end says so as before, whatever the server's words.
        change_snapshot(&mut app, |snap| {
            snap.view.block = end;
            snap.end_reason = Some("the last block (50,399) ran".into());
        });
        let screen = text(&mut app, 100, 30);
        assert!(screen.contains(&format!("is over after {} blocks", super::format::int(end))), "{screen}");
    }

    #[test]
    fn a_match_ended_before_its_first_block_has_no_winner() {
        let mut app = app_with(|_| {});
        change_snapshot(&mut app, |snap| snap.over = true);
        let screen = text(&mut app, 100, 30);
        assert!(screen.contains("The match ended before its first block: no one won."), "{screen}");
        assert!(!screen.contains("You won"), "{screen}");
    }

    #[test]
    fn a_day_change_needs_charts_that_reach_a_day_back() {
        use crate::session::handle::{Lines, SubnetHistory};
        let charts_from = |first: u64| {
            let app = app_with(|s| {
                s.view.block = 9_000;
                let mut h = (*s.history).clone();
                let mut lines = Lines::new(4, 64);
                for b in (first..=9_000).step_by(100) {
                    lines.record(b, &[0.25, 0.2, 0.1, 0.8]);
                }
                h.subnets.insert(1, SubnetHistory { registered_at: -100_000, lines });
                s.history = std::sync::Arc::new(h);
            });
            let s = app.snap().view.subnets.iter().find(|s| s.netuid == 1).cloned().expect("SN1");
            app.change_24h(&s)
        };
        // SN1's price is 0.35 against 0.25 a day ago.
        assert!(charts_from(0).is_some_and(|c| (c - 0.4).abs() < 1e-6), "{:?}", charts_from(0));
        // A student who joined at block 4,000 does not know the price at 1,800.
        assert_eq!(charts_from(4_000), None);
        // A day before block 9,001 is block 1,801, between a sample at 1,800 and a dip
        // sampled at 1,900: the price then is the one at 1,800.
        let app = app_with(|s| {
            s.view.block = 9_001;
            let mut h = (*s.history).clone();
            let mut lines = Lines::new(4, 1_000);
            for b in (0..=9_000).step_by(100) {
                let price = if b == 1_900 { 0.0101 } else { 0.25 };
                lines.record(b, &[price, 0.2, 0.1, 0.8]);
            }
            h.subnets.insert(1, SubnetHistory { registered_at: -100_000, lines });
            s.history = std::sync::Arc::new(h);
        });
        let s = app.snap().view.subnets.iter().find(|s| s.netuid == 1).cloned().expect("SN1");
        assert!(app.change_24h(&s).is_some_and(|c| (c - 0.4).abs() < 1e-6), "{:?}", app.change_24h(&s));
    }

    /// The rows of the box titled `title` (its borders included), as char vectors.
    fn boxed_rows(screen: &[String], title: &str) -> Vec<Vec<char>> {
        let top = screen
            .iter()
            .position(|r| r.contains(&format!("┌{title}")) || r.contains(&format!("┌ {title}")))
            .expect("the box");
        let chars: Vec<char> = screen[top].chars().collect();
        let at = screen[top][..screen[top].find(title).unwrap_or(0)].chars().count();
        let left = chars[..at].iter().rposition(|c| *c == '┌').expect("its left corner");
        let right = at + chars[at..].iter().position(|c| *c == '┐').expect("its right corner");
        let mut out = Vec::new();
        for r in &screen[top..] {
            let row: Vec<char> = r.chars().collect();
            out.push(row[left..=right].to_vec());
            if row[left] == '└' {
                break;
            }
        }
        out
    }

    #[test]
    fn a_form_keeps_two_blank_columns_inside_its_right_border() {
        // The policy form with `self` and no miner slot warns at length; so does the
        // miner form on a subnet whose validators cannot see the player.
        use crate::tui::action::Input;
        for (keys_, title) in [("w", "Set your validator policy"), ("M", "Register as a miner"), ("s", "Stake")] {
            for (w, h) in [(80, 30), (100, 40), (120, 40), (160, 48)] {
                let mut app = app_with(|s| s.paused = true);
                keys(&mut app, keys_);
                if keys_ == "w" {
                    // To `self`.
                    app.update(Action::Input(Input::Next));
                    for _ in 0..crate::engine::Policy::ALL.len() {
                        if text(&mut app, w, h).contains("◀ self ▶") {
                            break;
                        }
                        app.update(Action::Input(Input::Right));
                    }
                }
                let screen = rows(&mut app, w, h);
                let boxed = boxed_rows(&screen, title);
                let text: String = boxed.iter().map(|r| r.iter().collect::<String>() + "\n").collect();
                assert!(boxed.len() > 4, "{text}");
                for r in &boxed[1..boxed.len() - 1] {
                    assert_eq!(r[r.len() - 1], '│', "{keys_} at {w}:\n{text}");
                    // Two columns, as on the left.
                    assert_eq!(r[r.len() - 3..r.len() - 1], [' ', ' '], "{keys_} at {w}: text near the border\n{text}");
                }
                if keys_ == "w" {
                    assert!(text.contains('⚠'), "{text}");
                }
            }
        }
    }

    #[test]
    fn a_miner_form_watches_the_subnet_typed_in_it() {
        let mut app = app_with(|s| s.paused = true);
        app.take_commands();
        keys(&mut app, "M");
        app.update(Action::Input(crate::tui::action::Input::Clear));
        keys(&mut app, "9");
        assert!(app.take_commands().contains(&Command::Watch(Some(9))), "its validators are read from SN9's detail");
        keys(&mut app, "\u{1b}");
        assert!(app.take_commands().contains(&Command::Watch(Some(1))), "back to the selection");
    }

    #[test]
    fn plus_and_minus_at_the_end_of_the_speeds_say_so() {
        let last = crate::session::handle::SPEEDS_BLOCKS_PER_SEC.len() - 1;
        let mut app = app_with(|s| {
            s.speed_index = 0;
            s.blocks_per_sec = 1;
        });
        keys(&mut app, "-");
        assert!(app.take_commands().iter().all(|c| !matches!(c, Command::Slower)));
        let shown = text(&mut app, 120, 40);
        assert!(shown.contains("1 block a second is the slowest speed"), "{shown}");
        let mut app = app_with(move |s| s.speed_index = last);
        keys(&mut app, "+");
        assert!(app.take_commands().iter().all(|c| !matches!(c, Command::Faster)));
        assert!(text(&mut app, 120, 40).contains("blocks a second is the fastest speed"));
        // From there, - slows down, and the note goes: it is no longer true.
        keys(&mut app, "-");
        assert!(app.take_commands().contains(&Command::Slower));
        assert!(!text(&mut app, 120, 40).contains("is the fastest speed"));
        // In between, the keys change the speed.
        let mut app = app_with(|s| s.speed_index = 3);
        keys(&mut app, "+");
        assert!(app.take_commands().contains(&Command::Faster));
        // Once the match is over, they say so.
        let mut app = app_with(move |s| {
            s.speed_index = last;
            s.over = true;
        });
        keys(&mut app, "+");
        assert!(text(&mut app, 120, 40).contains("the match is over"));
    }

    #[test]
    fn a_screens_key_closes_a_narration_and_goes_there() {
        let mut app = on_sn28_narration();
        keys(&mut app, "4");
        assert_eq!(sent(&mut app), vec![Command::Dismiss], "the clock runs again, as for any key");
        assert!(app.narration().is_none());
        assert_eq!(app.screen(), Screen::Network, "one press, not two");
        // A sort key sorts.
        let mut app = on_sn28_narration();
        let before = text(&mut app, 120, 40);
        keys(&mut app, "o");
        assert!(app.narration().is_none());
        assert!(before.contains("sort SN▲") && !text(&mut app, 120, 40).contains("sort SN▲"), "the Market is sorted");
        // 2 charts the subnet the narration named, which it highlighted behind it (not the
        // one selected before it came).
        let mut app = on_sn28_narration();
        keys(&mut app, "2");
        assert_eq!((app.screen(), app.focus()), (Screen::Subnet, Some(28)));
    }

    #[test]
    fn space_closes_a_narration_without_opening_its_subnet() {
        let mut app = on_sn28_narration();
        keys(&mut app, " ");
        assert_eq!(sent(&mut app), vec![Command::Dismiss], "space only dismisses: no pause toggle");
        assert!(app.narration().is_none());
        assert_eq!(app.screen(), Screen::Market);
        assert_eq!(app.focus(), Some(1), "the selection is back where it was");
        // Enter still opens the subnet it names, with the clock kept paused to look at it
        // (paused first: no block runs in between), as the box says.
        let mut app = on_sn28_narration();
        assert!(text(&mut app, 120, 40).contains("Enter opens SN28's charts, paused · any other key continues"));
        keys(&mut app, "\n");
        assert_eq!(app.screen(), Screen::Subnet);
        assert_eq!(app.focus(), Some(28));
        assert_eq!(sent(&mut app), vec![Command::Pause, Command::Dismiss]);
        assert!(app.toast().is_some_and(|t| t.text == "paused on SN28's charts: space runs the clock again"));
        let status = rows(&mut app, 120, 40).pop().unwrap_or_default();
        assert!(status.contains("paused on SN28's charts: space runs the clock again"), "{status}");
        // The note goes once the clock runs.
        let acked = app.issued;
        change_snapshot(&mut app, |s| {
            s.paused = true;
            s.narration = None;
            s.acked = acked;
        });
        change_snapshot(&mut app, |s| s.paused = false);
        assert!(app.toast().is_none_or(|t| !t.text.starts_with("paused on SN28")), "{:?}", app.toast());
    }

    #[test]
    fn the_too_small_screen_under_a_narration_offers_no_clock_key() {
        let mut app = app_with(|s| {
            s.paused = false;
            s.narration = Some(narration("Subnets run an epoch every 361 blocks."));
        });
        let screen = text(&mut app, 60, 20);
        assert!(screen.contains("narration holds the clock") && screen.contains("enlarge the window"), "{screen}");
        assert!(!screen.contains("space pauses") && !screen.contains("space runs"), "{screen}");
    }

    #[test]
    fn the_too_small_screen_of_a_shared_world_offers_no_clock_key() {
        let mut app = welcomed(|i, s| {
            i.shared = true;
            s.paused = false;
        });
        keys(&mut app, "\u{1b}");
        let screen = text(&mut app, 60, 20);
        assert!(screen.contains("the host's clock is running") && screen.contains("q quits"), "{screen}");
        assert!(!screen.contains("space pauses") && !screen.contains("space runs"), "{screen}");
    }

    #[test]
    fn the_portfolio_shows_a_long_subnet_name_when_there_is_room() {
        let mut app = app_with(|s| {
            if let Some(me) = s.me.as_mut() {
                me.positions = vec![crate::session::handle::Position {
                    netuid: 28,
                    name: "TAO Accumulation Corporation".into(),
                    alpha_rao: 20_000_000_000,
                    ..Default::default()
                }];
            }
        });
        keys(&mut app, "3");
        assert!(text(&mut app, 120, 36).contains("TAO Accumulation Corporation"));
        let narrow = text(&mut app, 80, 24);
        assert!(narrow.contains("TAO Accum") && narrow.contains('…'), "clipped where it must be: {narrow}");
    }

    #[test]
    fn the_portfolio_names_the_subnets_the_player_launched() {
        let mut app = app_with(|s| {
            let me = s.me.as_ref().expect("a player").id;
            let sn = s.view.subnets.iter_mut().find(|v| v.netuid == 4).expect("SN4");
            sn.owner = me;
            sn.first_emission = 50_400;
        });
        keys(&mut app, "3");
        let shown = text(&mut app, 120, 36);
        assert!(shown.contains("Owner of SN4 Targon (emits from block 50,400, in 7d 0h)"), "{shown}");
        assert!(shown.contains("lock spent; earns the owner's cut"), "{shown}");
        // Narrow: the subnet stays, the hint goes whole rather than cut.
        let narrow = text(&mut app, 80, 24);
        assert!(narrow.contains("Owner of SN4 Targon") && !narrow.contains("lock spent"), "{narrow}");
        // Someone else's subnet: no such line.
        let mut app = app_with(|_| {});
        keys(&mut app, "3");
        assert!(!text(&mut app, 120, 36).contains("Owner of"));
    }

    #[test]
    fn an_order_form_says_a_narration_waits_behind_it() {
        let mut app = app_with(|s| s.paused = false);
        keys(&mut app, "s");
        change_snapshot(&mut app, |snap| {
            snap.narration = Some(narration("The foundation switches to reward_sellers."))
        });
        let screen = text(&mut app, 100, 30);
        assert!(screen.contains("a narration waits: applies after it"), "{screen}");
        assert!(!screen.contains("applies at the next block"), "{screen}");
        // In a shared world a narration does not hold the host's clock.
        let (info, mut snap) = crate::tui::testing::base();
        snap.paused = false;
        let mut info = (*info).clone();
        info.shared = true;
        let mut app = crate::tui::testing::app_on(std::sync::Arc::new(info), snap);
        keys(&mut app, "s");
        change_snapshot(&mut app, |snap| {
            snap.narration = Some(narration("The foundation switches to reward_sellers."))
        });
        let screen = text(&mut app, 100, 30);
        assert!(!screen.contains("a narration waits") && screen.contains("applies at the next block"), "{screen}");
    }

    #[test]
    fn the_title_bar_says_a_narration_holds_the_clock() {
        let mut app = app_with(|s| {
            s.paused = false;
            s.narration = Some(narration("Subnets run an epoch every 361 blocks."));
        });
        let title = rows(&mut app, 160, 48).remove(0);
        assert!(title.contains("⏸ narration") && !title.contains('▶'), "{title}");
        let title = rows(&mut app, 80, 24).remove(0);
        assert!(title.contains('⏸') && !title.contains('▶'), "{title}");
        // Closed, the clock runs again.
        keys(&mut app, "x");
        let title = rows(&mut app, 160, 48).remove(0);
        assert!(title.contains("▶ running"), "{title}");
    }

    /// Commands other than the subnet watch (which follows the selection).
    fn sent(app: &mut App) -> Vec<Command> {
        app.take_commands().into_iter().filter(|c| !matches!(c, Command::Watch(_))).collect()
    }

    #[test]
    fn the_too_small_screen_pauses_the_clock_and_runs_it_again() {
        let mut app = app_with(|s| {
            s.paused = false;
            s.acked = 0;
        });
        app.take_commands();
        app.update(Action::Resize { width: 60, height: 20 });
        assert_eq!(sent(&mut app), vec![Command::Pause], "the match must not run unseen");
        assert!(app.paused_for_size());
        let screen = text(&mut app, 60, 20);
        assert!(screen.contains("paused while the window is") && screen.contains("too small"), "{screen}");
        assert!(screen.contains("space runs the clock") && screen.contains("q quits"), "{screen}");
        // Another size still too small: no second pause.
        app.update(Action::Resize { width: 40, height: 12 });
        assert!(sent(&mut app).is_empty());
        // Large enough again: it runs, as it did before, and the status line says why.
        app.update(Action::Resize { width: 80, height: 24 });
        assert_eq!(sent(&mut app), vec![Command::Resume]);
        assert!(!app.paused_for_size());
        assert!(app.toast().is_some_and(|t| t.text.contains("the clock runs again")), "{:?}", app.toast());
        // A shared world's clock is the host's: the pause does not take, and the screen
        // says that the match runs on (nor is it "resumed" later).
        let (info, mut snap) = crate::tui::testing::base();
        snap.paused = false;
        snap.acked = 0;
        let mut app = crate::tui::testing::app_on(info, snap.clone());
        app.update(Action::Resize { width: 60, height: 20 });
        assert_eq!(sent(&mut app), vec![Command::Pause]);
        snap.acked = 1000;
        app.set_snapshot(std::sync::Arc::new(snap));
        assert!(text(&mut app, 60, 20).contains("▶ the clock is running"));
        app.update(Action::Resize { width: 80, height: 24 });
        assert!(sent(&mut app).is_empty());
    }

    #[test]
    fn the_clock_runs_again_message_goes_when_the_clock_stops() {
        let mut app = app_with(|s| {
            s.paused = false;
            s.acked = 0;
        });
        app.update(Action::Resize { width: 60, height: 20 });
        let mut snap = (*app.snap).clone();
        snap.paused = true;
        snap.acked = app.issued;
        app.set_snapshot(std::sync::Arc::new(snap.clone()));
        app.update(Action::Resize { width: 80, height: 24 });
        let says = |app: &App| app.toast().is_some_and(|t| t.text.contains("the clock runs again"));
        assert!(says(&app), "{:?}", app.toast());
        // The resume is on its way: the snapshot still paused keeps the message.
        app.set_snapshot(std::sync::Arc::new(snap.clone()));
        assert!(says(&app), "{:?}", app.toast());
        // Applied, then a narration stops the clock: the message would be wrong.
        snap.acked = app.issued;
        snap.paused = false;
        app.set_snapshot(std::sync::Arc::new(snap.clone()));
        assert!(says(&app));
        snap.narration = Some(narration("The foundation's validators switch to reward_sellers."));
        app.set_snapshot(std::sync::Arc::new(snap.clone()));
        assert!(!says(&app), "{:?}", app.toast());
        // Or the host's (or the player's) pause.
        let mut app = app_with(|s| {
            s.paused = false;
            s.acked = 0;
        });
        app.update(Action::Resize { width: 60, height: 20 });
        app.update(Action::Resize { width: 80, height: 24 });
        assert!(says(&app));
        let issued = app.issued;
        change_snapshot(&mut app, |snap| {
            snap.acked = issued;
            snap.paused = true;
        });
        assert!(!says(&app), "{:?}", app.toast());
    }

    #[test]
    fn space_on_the_too_small_screen_is_the_players_choice() {
        let mut app = app_with(|s| {
            s.paused = false;
            s.acked = 0;
        });
        app.update(Action::Resize { width: 60, height: 20 });
        app.take_commands();
        // Space runs the paused clock, and then pauses it again.
        keys(&mut app, " ");
        assert_eq!(sent(&mut app), vec![Command::Resume]);
        assert!(app.clock_runs() && !app.paused_for_size());
        assert!(text(&mut app, 60, 20).contains("space pauses"));
        keys(&mut app, " ");
        assert_eq!(sent(&mut app), vec![Command::Pause]);
        assert!(!app.clock_runs());
        // Paused by the player: it stays paused when the window grows.
        app.update(Action::Resize { width: 80, height: 24 });
        assert!(sent(&mut app).is_empty());
        // A clock the player had paused is not touched at all.
        let mut app = app_with(|s| s.paused = true);
        app.take_commands();
        app.update(Action::Resize { width: 60, height: 20 });
        assert!(text(&mut app, 60, 20).contains("⏸ paused"));
        app.update(Action::Resize { width: 80, height: 24 });
        assert!(sent(&mut app).is_empty());
    }

    #[test]
    fn the_too_small_screen_wraps_evenly_and_keeps_each_key_whole() {
        let mut app = app_with(|s| {
            s.paused = false;
            s.narration = Some(narration("Subnets run an epoch every 361 blocks."));
        });
        let screen = rows(&mut app, 38, 12);
        let text = screen.join("\n");
        assert!(screen.iter().any(|l| l.trim() == "q quits"), "{text}");
        assert!(text.contains("enlarge the window to") && text.contains("read the narration"), "{text}");
        assert!(screen.iter().all(|l| l.trim().split(' ').count() > 1 || l.trim().is_empty()), "a word alone: {text}");
    }

    #[test]
    fn only_the_listed_keys_work_on_the_too_small_screen() {
        let mut app = app_with(|_| {});
        keys(&mut app, "s");
        assert!(matches!(app.overlay(), Some(Overlay::Order(_))));
        app.take_commands();
        let form = app.overlay().cloned();
        app.update(Action::Resize { width: 60, height: 20 });
        assert!(text(&mut app, 60, 20).contains("Esc cancels the open order form"));
        keys(&mut app, "12\n2.x");
        app.update(Action::Click { col: 3, row: 1 });
        app.update(Action::ScrollDown);
        assert_eq!(app.overlay().cloned(), form, "the hidden form took no key");
        assert_eq!(app.screen(), Screen::Market);
        assert!(app.take_commands().is_empty());
        // Esc cancels the hidden form (it would otherwise wait, unseen).
        keys(&mut app, "\x1b");
        assert!(app.overlay().is_none());
        assert!(!text(&mut app, 60, 20).contains("Esc"));
        // q quits, as the screen says.
        keys(&mut app, "q");
        assert!(app.should_quit());
        // Large enough again, a form is as it was.
        let mut app = app_with(|_| {});
        keys(&mut app, "s");
        app.update(Action::Resize { width: 60, height: 20 });
        keys(&mut app, "5");
        app.update(Action::Resize { width: 80, height: 24 });
        keys(&mut app, "5");
        let Some(Overlay::Order(f)) = app.overlay() else { panic!("the form") };
        assert_eq!(f.fields[1].value, "5");
    }

    fn journal(n: usize) -> Vec<JournalLine> {
        (0..n)
            .map(|k| JournalLine {
                block: k as u64,
                kind: JournalKind::Trade,
                who: "trader".into(),
                text: format!("line {k:03} bought alpha"),
            })
            .collect()
    }

    /// The log rows of a screen (the list's rows, between its borders).
    fn log_list(screen: &[String]) -> Vec<String> {
        let top = screen.iter().position(|r| r.contains("Log ·")).expect("the log panel");
        screen[top + 1..].iter().take_while(|r| !r.starts_with('└')).cloned().collect()
    }

    #[test]
    fn the_log_selects_back_to_its_oldest_line_with_no_blank_space() {
        let mut app = app_with(|s| s.journal = journal(100));
        keys(&mut app, "5");
        let list = log_list(&rows(&mut app, 80, 24));
        let shown = list.len();
        assert!(shown >= 10, "{list:?}");
        // The newest is selected, at the bottom.
        assert!(list[shown - 1].contains("▶") && list[shown - 1].contains("line 099"), "{list:?}");
        keys(&mut app, "g");
        assert_eq!(app.log_selected(), 99);
        assert_eq!(app.log_scroll(), 100 - shown);
        let list = log_list(&rows(&mut app, 80, 24));
        assert!(list[0].contains("▶") && list[0].contains("line 000"), "{list:?}");
        assert!(list[shown - 1].contains(&format!("line {:03}", shown - 1)), "{list:?}");
        // Up stops there; Down moves the selection, and the window once it reaches its edge.
        keys(&mut app, "k");
        assert_eq!(app.log_selected(), 99);
        keys(&mut app, "j");
        assert_eq!((app.log_selected(), app.log_scroll()), (98, 100 - shown));
        keys(&mut app, "G");
        assert_eq!((app.log_selected(), app.log_scroll()), (0, 0));
        // A click selects the line clicked (row 3 is the list's first).
        app.update(Action::Click { col: 20, row: 5 });
        assert_eq!(app.log_selected(), shown - 3);
        let clicked = format!("block {} · trade · trader", 100 - shown + 2);
        assert!(text(&mut app, 80, 24).contains(&clicked), "{clicked}");
        // A log shorter than the panel does not scroll at all.
        let mut app = app_with(|s| s.journal = journal(5));
        keys(&mut app, "5gk");
        assert_eq!((app.log_selected(), app.log_scroll()), (4, 0));
        assert!(log_list(&rows(&mut app, 80, 24))[0].contains("line 000"));
    }

    #[test]
    fn the_selected_log_line_is_shown_in_full() {
        let long = "Root stake counts on every subnet at 18% of its weight, so the foundation decides who gets \
                    SN28's emission until the memecoin's holders outweigh it: watch the Subnet screen's consensus \
                    panel as they do, and get out before the foundation turns on the sellers.";
        let line = |block, kind, who: &str, text: &str| JournalLine { block, kind, who: who.into(), text: text.into() };
        let mut app = app_with(|s| {
            s.journal = vec![
                line(5, JournalKind::Map, "map", long),
                line(
                    6,
                    JournalKind::Mine,
                    "you",
                    "stake 10 TAO on SN28 (limit 0.101000): paid 3.4913 TAO for 34.1 alpha",
                ),
                line(7, JournalKind::Bot, "momentum", "bought SN28"),
                line(8, JournalKind::Mine, "you", "objective reached: Hold SN28"),
            ];
        });
        keys(&mut app, "5");
        // The newest line, an objective the player reached, is not an order.
        let words = text(&mut app, 80, 24).split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(words.contains("block 8 · your objective"), "{words}");
        keys(&mut app, "k");
        let screen = rows(&mut app, 80, 24);
        // In the list, the long line is cut; no empty column for who says a map line or
        // the player's own; a bot's name is said once.
        let list = log_list(&screen);
        let map_row = list.iter().find(|r| r.contains("Root stake")).expect("the map line");
        assert!(map_row.contains("map   Root stake counts") && map_row.trim_end().ends_with("… │"), "{map_row}");
        let mine = list.iter().find(|r| r.contains("stake 10 TAO")).expect("my line");
        assert!(mine.contains("you   stake 10 TAO") && !mine.contains("you   you"), "{mine}");
        assert!(list.iter().any(|r| r.contains("bot   momentum: bought SN28")), "{list:?}");
        // The selected line (the newest) shows in the box below, with its date and block.
        let all = screen.join("\n");
        assert!(all.contains("block 7 · bot · momentum"), "{all}");
        // Select the map line: the box shows every word of it.
        keys(&mut app, "kk");
        let all = text(&mut app, 80, 24).replace(['│', '\n'], " ");
        let words = all.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(words.contains(&long.split_whitespace().collect::<Vec<_>>().join(" ")), "{all}");
        assert!(words.contains("block 5 · map"), "{words}");
        // And the result of an order, which the list cuts at 80 columns.
        keys(&mut app, "j");
        let words = text(&mut app, 80, 24).split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(words.contains("paid 3.4913 TAO for 34.1 alpha"), "{words}");
        assert!(words.contains("block 6 · your order"), "{words}");
    }

    #[test]
    fn watching_mine_is_the_followed_players_lines() {
        let (info, mut snap) = crate::tui::testing::base();
        let line = |block, kind, who: &str, text: &str| JournalLine { block, kind, who: who.into(), text: text.into() };
        snap.journal = vec![
            line(3, JournalKind::Trade, "ana", "bought 28.551 alpha on SN1 for 10.000 TAO"),
            line(4, JournalKind::Trade, "bob", "bought 9.000 alpha on SN4 for 15.000 TAO"),
            line(5, JournalKind::Rejected, "bob", "rejected: stake 900 TAO on SN1: not enough free TAO"),
            line(6, JournalKind::Trade, "momentum", "sold 1.000 alpha on SN9 for 0.100 TAO"),
        ];
        if let Some(me) = snap.me.as_mut() {
            me.name = "bob".into();
        }
        let mut info = (*info).clone();
        info.replay = true;
        let mut app = crate::tui::testing::app_on(std::sync::Arc::new(info), snap);
        keys(&mut app, "5fff");
        assert_eq!(app.log_filter(), super::LogFilter::Mine);
        let list = log_list(&rows(&mut app, 80, 24));
        let shown: Vec<&String> = list.iter().filter(|r| r.contains(" SN")).collect();
        assert_eq!(shown.len(), 2, "bob's two lines only: {list:?}");
        assert!(shown.iter().all(|r| r.contains("bob: ")), "named, not 'you': {shown:?}");
        assert!(rows(&mut app, 80, 24).iter().any(|r| r.contains(" Log · bob's ")), "the filter is named for bob");
        // bob's orders' outcomes are told with his name: they are not the watcher's.
        let mut snap = (*app.snap).clone();
        snap.notices = vec![crate::session::handle::Notice {
            id: 1,
            block: 6,
            ok: true,
            order: "stake 50 TAO on SN28".into(),
            text: "paid 50.0000 TAO, got 299.46 alpha".into(),
        }];
        app.set_snapshot(std::sync::Arc::new(snap));
        let told = app.toast().map(|t| t.text.clone()).unwrap_or_default();
        assert_eq!(told, "bob: ✓ stake 50 TAO on SN28: paid 50.0000 TAO, got 299.46 alpha");
    }

    #[test]
    fn the_selected_log_line_stays_selected_as_new_lines_come() {
        let (info, mut snap) = crate::tui::testing::base();
        snap.journal = journal(30);
        let mut app = crate::tui::testing::app_on(info, snap.clone());
        keys(&mut app, "5kkk");
        let before = log_list(&rows(&mut app, 80, 24));
        let selected = |l: &[String]| l.iter().find(|r| r.contains('▶')).cloned().expect("a selected row");
        assert!(selected(&before).contains("line 026"), "{before:?}");
        // Five new lines: the same line is selected, in the same place.
        snap.journal = journal(35);
        app.set_snapshot(std::sync::Arc::new(snap.clone()));
        assert_eq!(app.log_selected(), 8);
        let after = log_list(&rows(&mut app, 80, 24));
        assert_eq!(after, before);
        // Following the newest line (G), the selection moves with it.
        keys(&mut app, "G");
        snap.journal = journal(36);
        app.set_snapshot(std::sync::Arc::new(snap));
        assert!(selected(&log_list(&rows(&mut app, 80, 24))).contains("line 035"));
    }

    #[test]
    fn the_objectives_scroll_when_they_do_not_fit() {
        let mut app = app_with(|_| {});
        keys(&mut app, "4");
        let screen = text(&mut app, 80, 24);
        assert!(screen.contains("more line") && screen.contains("↑↓ scroll"), "{screen}");
        assert!(!screen.contains("decide when to get out"), "{screen}");
        let max = crate::tui::view::objectives_scroll_max(&app);
        assert!(max > 0);
        for _ in 0..max + 3 {
            keys(&mut app, "j");
        }
        assert_eq!(app.objectives_scroll(), max);
        let screen = text(&mut app, 80, 24);
        assert!(screen.contains("decide when to get out") && screen.contains("↑ scroll back"), "{screen}");
        keys(&mut app, "g");
        assert_eq!(app.objectives_scroll(), 0);
        // On a tall terminal they fit: no scrolling.
        let screen = text(&mut app, 160, 48);
        assert!(screen.contains("decide when to get out") && !screen.contains("↑↓ scroll"), "{screen}");
        assert_eq!(crate::tui::view::objectives_scroll_max(&app), 0);
    }

    #[test]
    fn a_goal_that_waits_for_another_says_from_when() {
        use crate::scenario::{Goal, Objective};
        let (info, snap) = base();
        let mut info = (*info).clone();
        let policy =
            Goal::Policy { netuid: 28, account: "foundation".into(), policy: crate::engine::Policy::RewardSellers };
        info.objectives = vec![
            Objective { text: "The switch".into(), goal: Some(policy), after: None, from_block: None },
            Objective {
                text: "The crash".into(),
                goal: Some(Goal::PriceFall { netuid: 28, fraction: 0.9 }),
                after: Some(0),
                from_block: None,
            },
            Objective {
                text: "The pump".into(),
                goal: Some(Goal::PriceMultiple { netuid: 28, times: 3.0 }),
                after: None,
                from_block: Some(3600),
            },
        ];
        let day_1 = (info.start_date + chrono::TimeDelta::hours(12)).format("%a %d %b %H:%M").to_string();
        let mut app = app_on(std::sync::Arc::new(info), snap);
        keys(&mut app, "4");
        let screen = text(&mut app, 160, 48);
        assert!(
            screen.contains("↳ SN28 price 90% below its peak, from when foundation sets reward_sellers on SN28"),
            "{screen}"
        );
        // Before its block, the price it counts from is still to come.
        assert!(screen.contains(&format!("↳ SN28 price at 3x its price at {day_1}, once that comes")), "{screen}");
        change_snapshot(&mut app, |s| s.view.block = 3601);
        let screen = text(&mut app, 160, 48);
        assert!(screen.contains(&format!("↳ SN28 price at 3x its price of {day_1}")), "{day_1}\n{screen}");
    }

    #[test]
    fn the_subnet_screens_arrows_say_why_they_stop() {
        // A filter that lists one subnet: → has nowhere to go, and says so.
        let mut app = app_with(|_| {});
        keys(
            &mut app, "/apex

",
        );
        assert_eq!((app.screen(), app.focus()), (Screen::Subnet, Some(1)));
        keys(&mut app, "l");
        assert_eq!(app.focus(), Some(1));
        let told = app.toast().map(|t| t.text.clone()).unwrap_or_default();
        assert_eq!(told, "the Market's filter 'apex' lists only this subnet (Esc on the Market screen clears it)");
        // Without a filter, at the first subnet, ← says it is the first; → moves on.
        let mut app = app_with(|_| {});
        keys(
            &mut app, "
",
        );
        let first = app.focus();
        keys(&mut app, "h");
        assert_eq!(app.focus(), first);
        assert!(app.toast().is_some_and(|t| t.text == "this is the first subnet in the Market's order"));
        keys(&mut app, "l");
        assert_ne!(app.focus(), first);
    }

    #[test]
    fn a_filter_that_matches_nothing_acts_on_no_row() {
        let mut app = app_with(|_| {});
        keys(&mut app, "/zzz\n");
        assert!(app.market_rows().is_empty());
        keys(&mut app, "\n");
        assert_eq!(app.screen(), Screen::Market, "Enter opened a hidden subnet");
        keys(&mut app, "s");
        let Some(Overlay::Order(f)) = app.overlay() else { panic!("a stake form") };
        assert_eq!(f.fields[0].value, "", "the form names a hidden subnet");
        keys(&mut app, "\x1b");
        // One match: it is the row acted on, and the title says "1 subnet".
        keys(&mut app, "\x1b/apex\n");
        assert!(text(&mut app, 80, 24).contains("Market · 1 subnet "));
        keys(&mut app, "\n");
        assert_eq!((app.screen(), app.focus()), (Screen::Subnet, Some(1)));
    }

    #[test]
    fn submitted_orders_count_as_queued_until_applied() {
        let (info, mut snap) = base();
        snap.me.as_mut().expect("a player").free_rao = 1000 * TAO;
        let mut app = crate::tui::testing::app_on(info, snap.clone());
        keys(&mut app, "s600\n");
        let stake = Order::Stake { netuid: 1, tao: Tao(600 * TAO), limit: None };
        assert_eq!(app.queued().orders, vec![stake.clone()]);
        // A second stake of 600 sees the first: 400 left of 1,000.
        keys(&mut app, "s600");
        let screen = text(&mut app, 160, 48);
        assert!(
            screen.contains("not enough free TAO after your queued orders: 400.00 τ of your 1,000.00 τ is left"),
            "{screen}"
        );
        keys(&mut app, "\x1b");
        // Taken by the handle and waiting: still queued.
        let sent = app.take_commands().iter().filter(|c| matches!(c, Command::Submit(_))).count();
        assert_eq!(sent, 1);
        let mut waiting = snap.clone();
        waiting.acked = 10;
        waiting.pending = vec![stake.to_string()];
        app.set_snapshot(std::sync::Arc::new(waiting));
        assert_eq!(app.queued().orders, vec![stake]);
        // Applied: forgotten.
        let mut applied = snap;
        applied.acked = 10;
        applied.pending = Vec::new();
        app.set_snapshot(std::sync::Arc::new(applied));
        assert!(app.queued().is_empty());
    }

    #[test]
    fn x_cancels_the_queued_orders_or_says_why_it_cannot() {
        let (info, mut snap) = base();
        snap.me.as_mut().expect("a player").free_rao = 1000 * TAO;
        let mut app = crate::tui::testing::app_on(info.clone(), snap.clone());
        keys(&mut app, "x");
        assert!(app.toast().is_some_and(|t| t.text == "no order is queued"));
        keys(
            &mut app, "s600
",
        );
        assert!(rows(&mut app, 160, 48)[47].contains("1 order queued (x cancels)"));
        // The handle took the order and lists it; x withdraws it.
        app.take_commands();
        let mut waiting = snap.clone();
        waiting.acked = app.issued;
        waiting.pending = vec![Order::Stake { netuid: 1, tao: Tao(600 * TAO), limit: None }.to_string()];
        app.set_snapshot(std::sync::Arc::new(waiting.clone()));
        keys(&mut app, "x");
        assert_eq!(app.take_commands(), vec![Command::CancelOrders]);
        assert!(app.toast().is_some_and(|t| t.text == "cancelled 1 queued order: nothing of it will run"));
        // Until the handle has done it, the snapshot still lists the order: not counted.
        app.set_snapshot(std::sync::Arc::new(waiting));
        assert!(app.queued().is_empty() && app.pending_len() == 0);
        assert!(!rows(&mut app, 160, 48)[47].contains("order queued (x cancels)"));
        // The whole stake is free again for the form.
        keys(&mut app, "s1000");
        assert!(!text(&mut app, 160, 48).contains("after your queued orders"));
        keys(&mut app, "\x1b");
        // A shared world's orders are the server's once sent; a replay has none.
        let mut shared = (*info).clone();
        shared.shared = true;
        let mut app = crate::tui::testing::app_on(std::sync::Arc::new(shared), snap.clone());
        keys(
            &mut app, "s600
x",
        );
        assert!(app.take_commands().iter().all(|c| *c != Command::CancelOrders));
        assert!(app.toast().is_some_and(|t| t.text.contains("goes to the server at once: it cannot be cancelled")));
        let mut replay = (*info).clone();
        replay.replay = true;
        let mut app = crate::tui::testing::app_on(std::sync::Arc::new(replay), snap);
        keys(&mut app, "x");
        assert!(app.toast().is_some_and(|t| t.text.contains("read-only replay")));
    }

    #[test]
    fn question_mark_on_the_welcome_box_opens_the_keys() {
        let (info, snap) = crate::tui::testing::base();
        let options =
            super::Options { welcome: true, narration_guard: std::time::Duration::ZERO, ..super::Options::default() };
        let mut app = App::new(info, std::sync::Arc::new(snap), crate::tui::theme::Theme::mono(), options);
        app.update(Action::Resize { width: 80, height: 24 });
        assert_eq!(app.overlay(), Some(&Overlay::Welcome));
        assert!(text(&mut app, 80, 24).contains("every key"));
        keys(&mut app, "?");
        assert_eq!(app.overlay(), Some(&Overlay::Help), "the box says \"? every key\"");
        assert!(text(&mut app, 80, 24).contains("Keys ·"));
        assert!(!sent(&mut app).contains(&Command::Resume), "the clock stays paused");
        // Any other key still closes it.
        keys(&mut app, "x");
        assert!(app.overlay().is_none());
    }

    #[test]
    fn the_welcome_box_never_shares_its_bottom_edge_with_a_panel_behind_it() {
        // Descriptions of every length move the box's bottom edge over the rows behind
        // it: it must never land on a panel's bottom border (the two would read as one).
        for words in 0..40 {
            for (w, h) in [(160, 48), (140, 44), (120, 40), (100, 30), (80, 24)] {
                let mut app = welcomed(|i, _| i.description = vec!["word"; words * 4].join(" "));
                let screen = rows(&mut app, w, h);
                // (A box as tall as the screen's body has no other row to go to.)
                if screen.iter().position(|r| r.contains("┌ Welcome")).is_none_or(|top| top <= 2) {
                    continue;
                }
                for row in &screen {
                    let merged = ["─└", "┘─"].iter().any(|m| row.contains(m));
                    assert!(!merged, "{words} words at {w}x{h}:\n{}", screen.join("\n"));
                }
            }
        }
    }

    #[test]
    fn a_key_of_the_game_on_the_welcome_box_closes_it_and_does_what_it_does() {
        let mut app = welcomed(|_, _| {});
        keys(&mut app, "z");
        assert_eq!(app.overlay(), Some(&Overlay::Welcome), "a key the game does not use leaves it open");
        keys(&mut app, "2");
        assert!(app.overlay().is_none());
        assert_eq!(app.screen(), Screen::ALL[1], "the first key is not spent on closing the box");
        assert!(!sent(&mut app).contains(&Command::Resume), "the clock stays paused");
        let mut app = welcomed(|_, _| {});
        keys(&mut app, "s");
        assert!(matches!(app.overlay(), Some(Overlay::Order(_))), "s opens the stake form at once");
        let mut app = welcomed(|_, _| {});
        keys(&mut app, "\x1b");
        assert!(app.overlay().is_none() && app.screen() == Screen::Market, "Esc looks first");
        assert!(!sent(&mut app).contains(&Command::Resume));
    }

    /// The game with its welcome box, on the tutorial's first snapshot with `info` and
    /// `snap` changed.
    fn welcomed(
        change: impl FnOnce(&mut crate::session::handle::MatchInfo, &mut crate::session::handle::Snapshot),
    ) -> App {
        let (info, mut snap) = crate::tui::testing::base();
        let mut info = (*info).clone();
        change(&mut info, &mut snap);
        let options =
            super::Options { welcome: true, narration_guard: std::time::Duration::ZERO, ..super::Options::default() };
        let mut app =
            App::new(std::sync::Arc::new(info), std::sync::Arc::new(snap), crate::tui::theme::Theme::mono(), options);
        app.update(Action::Resize { width: 100, height: 30 });
        app
    }

    #[test]
    fn a_narration_behind_the_welcome_box_shows_once_it_closes() {
        for key in ["\x1b", "\n"] {
            let mut app = welcomed(|_, s| {
                s.paused = true;
                s.narration = Some(narration("SN28 turns into a memecoin."));
            });
            assert_eq!(app.overlay(), Some(&Overlay::Welcome));
            keys(&mut app, key);
            let shown = text(&mut app, 120, 40);
            assert!(shown.contains("SN28 turns into a memecoin."), "{key:?}: {shown}");
        }
    }

    #[test]
    fn the_results_table_writes_scores_at_one_precision() {
        let mut app = app_with(|_| {});
        change_snapshot(&mut app, |s| {
            let row = s.players[0].clone();
            s.players = vec![
                crate::session::handle::PlayerRow { name: "bot".into(), score_rao: 125_840_000_000, ..row.clone() },
                crate::session::handle::PlayerRow { score_rao: 48_241_700_000, ..row },
            ];
            s.view.block = 7200;
            s.over = true;
        });
        assert_eq!(app.overlay(), Some(&Overlay::Results));
        let shown = text(&mut app, 120, 40);
        assert!(shown.contains("125.84") && shown.contains(" 48.24 "), "{shown}");
    }

    #[test]
    fn a_replays_welcome_with_many_players_is_drawn() {
        let mut app = welcomed(|i, s| {
            i.replay = true;
            let row = s.players[0].clone();
            s.players = (0..40)
                .map(|k| crate::session::handle::PlayerRow { name: format!("student-{k}"), ..row.clone() })
                .collect();
        });
        let screen = text(&mut app, 160, 48);
        assert!(screen.contains("Replay") && screen.contains("Enter plays"), "{screen}");
    }

    #[test]
    fn a_recording_without_players_says_so_on_the_portfolio() {
        let mut app = welcomed(|i, s| {
            i.replay = true;
            i.human = None;
            s.me = None;
            s.players.clear();
        });
        keys(&mut app, "\u{1b}3");
        let screen = text(&mut app, 100, 30);
        assert!(screen.contains("this recording has no players or bots to follow"), "{screen}");
        assert!(!screen.contains("there is no player yet"), "{screen}");
    }

    #[test]
    fn a_shared_worlds_welcome_says_the_host_paused_and_the_message_goes_when_it_runs() {
        let mut app = welcomed(|i, s| {
            i.shared = true;
            s.paused = true;
        });
        let mut snap = (*app.snap).clone();
        snap.view.block = 4001;
        app.set_snapshot(std::sync::Arc::new(snap.clone()));
        let screen = text(&mut app, 100, 30);
        assert!(
            screen.contains("You are in a shared world at block 4,001") && !screen.contains("You start with"),
            "{screen}"
        );
        keys(&mut app, "\n");
        let status = rows(&mut app, 100, 30).remove(29);
        assert!(status.contains("the host paused the clock: the host starts"), "{status}");
        snap.paused = false;
        snap.view.block = 4002;
        app.set_snapshot(std::sync::Arc::new(snap));
        let status = rows(&mut app, 100, 30).remove(29);
        assert!(!status.contains("paused"), "{status}");
    }

    #[test]
    fn leaving_a_shared_world_says_the_account_stays_and_a_stopped_one_quits_at_once() {
        let mut app = welcomed(|i, _| i.shared = true);
        keys(&mut app, "\u{1b}q");
        let screen = text(&mut app, 100, 30);
        assert!(screen.contains("Leave this room?") && screen.contains("your account stays in the match"), "{screen}");
        assert!(!screen.contains("not saved"), "{screen}");
        assert!(!app.should_quit());
        // Kicked: the error box, then q quits without a question, and the status line
        // says the game stopped (not that the host paused the clock).
        let mut app = welcomed(|i, _| i.shared = true);
        change_snapshot(&mut app, |snap| {
            snap.error = Some("the server ended this connection: kicked by the host for the rest of the match".into());
            snap.paused = true;
        });
        let screen = text(&mut app, 100, 30);
        assert!(screen.contains("The game stopped:") && screen.contains("the game stopped: q quits"), "{screen}");
        assert!(!screen.contains("the host paused the clock") && !screen.contains("paused"), "{screen}");
        let wide = text(&mut app, 160, 48);
        assert!(wide.contains("■ stopped") && !wide.contains("paused"), "{wide}");
        // Esc closes the box: the reason stays on the status line.
        keys(&mut app, "\u{1b}");
        let status = rows(&mut app, 160, 48).remove(47);
        assert!(status.contains("✗ the server ended this connection: kicked by the host"), "{status}");
        keys(&mut app, "q");
        assert!(app.should_quit(), "q did not quit a stopped game");
        // After looking around (Esc), q still quits at once.
        let mut app = welcomed(|i, _| i.shared = true);
        change_snapshot(&mut app, |snap| snap.error = Some("lost the connection to the server".into()));
        keys(&mut app, "\u{1b}");
        assert!(!app.should_quit());
        keys(&mut app, "q");
        assert!(app.should_quit(), "q did not quit a stopped game after Esc");
        // A lost link being made again: the status line says so.
        let mut app = welcomed(|i, _| i.shared = true);
        keys(&mut app, "\u{1b}");
        change_snapshot(&mut app, |snap| snap.reconnecting = true);
        let screen = text(&mut app, 160, 48);
        assert!(screen.contains("the connection dropped: reconnecting"), "{screen}");
    }

    #[test]
    fn a_shared_worlds_welcome_and_clock_keys_are_the_hosts() {
        let mut app = welcomed(|i, _| i.shared = true);
        let screen = text(&mut app, 100, 30);
        assert!(screen.contains("The host starts and pauses the clock"), "{screen}");
        assert!(!screen.contains("Enter starts the clock") && !screen.contains("space pause"), "{screen}");
        assert!(screen.contains("the host paused the clock") && !screen.contains("␣"), "{screen}");
        keys(&mut app, "\n");
        assert!(!sent(&mut app).contains(&Command::Resume));
        assert!(text(&mut app, 100, 30).contains("the host has not started the clock yet"));
        for k in [" ", "+", "-", "."] {
            keys(&mut app, k);
            assert!(sent(&mut app).is_empty(), "{k:?} sent a clock command");
            assert!(text(&mut app, 100, 30).contains("the host runs the clock in a shared world"), "{k:?}");
        }
        // Nor does its help offer the time keys.
        keys(&mut app, "?");
        let help = text(&mut app, 160, 48);
        assert!(help.contains("none: the host runs the clock") && !help.contains("pause / resume"), "{help}");
        // Nor the teacher's note, which is the host's (a game on one's own shows it).
        for shared in [true, false] {
            let mut app = welcomed(|i, _| {
                i.shared = shared;
                i.teacher_note = Some("Ask: what will buyers do?".into());
            });
            keys(&mut app, "?");
            let help = text(&mut app, 160, 48);
            assert_eq!(help.contains("Teacher's note") && help.contains("what will buyers do"), !shared, "{help}");
        }
        // A projector: no budget, no order keys.
        let mut app = welcomed(|i, s| {
            i.shared = true;
            i.human = None;
            s.me = None;
        });
        let screen = text(&mut app, 100, 30);
        assert!(screen.contains("You are watching a shared world") && screen.contains("follow a player"), "{screen}");
        assert!(!screen.contains("You start with") && !screen.contains("stake"), "{screen}");
    }

    #[test]
    fn a_lessons_welcome_says_that_it_narrates() {
        let mut app = welcomed(|i, _| i.lesson = true);
        let screen = text(&mut app, 100, 30);
        assert!(screen.contains("the clock stops at each note"), "{screen}");
        let mut app = welcomed(|i, _| i.lesson = false);
        assert!(!text(&mut app, 100, 30).contains("the clock stops at each note"));
    }

    #[test]
    fn the_welcome_box_leaves_the_title_and_tabs_in_view() {
        let long = "Watch the foundation's validators switch SN28 from rewarding holders to rewarding sellers";
        let mut app = welcomed(|i, _| {
            i.objectives = (0..5).map(|_| crate::scenario::Objective::prompt(long)).collect();
        });
        let screen = rows(&mut app, 80, 24);
        assert!(screen[0].contains("dTAO Arena") && screen[1].contains("1 Market"), "{}", screen.join("\n"));
        let text = screen.join("\n");
        assert!(text.contains("This lesson has 5 objectives: press 4 to see them (Network screen)."), "{text}");
        assert!(text.contains("Enter starts the clock"), "{text}");
        // With room, they are listed.
        let screen = rows(&mut app, 160, 48).join("\n");
        assert!(screen.contains("Objectives") && screen.matches(" • Watch the foundation's").count() == 5, "{screen}");
    }

    #[test]
    fn starting_the_clock_on_the_too_small_screen_closes_the_welcome_box() {
        let mut app = welcomed(|_, _| {});
        app.update(Action::Resize { width: 70, height: 20 });
        assert!(app.too_small());
        keys(&mut app, " ");
        assert!(sent(&mut app).contains(&Command::Resume));
        app.update(Action::Resize { width: 160, height: 48 });
        assert!(app.overlay().is_none(), "the welcome box outlived the clock it offers to start");
    }

    #[test]
    fn a_resumed_games_welcome_says_where_it_resumes() {
        let mut app = welcomed(|_, s| s.view.block = 3_770);
        let screen = text(&mut app, 100, 30);
        assert!(screen.contains("Resumed at block 3,770 of 7,200"), "{screen}");
        assert!(!screen.contains("You start with"), "{screen}");
        keys(&mut app, "\n");
        assert!(sent(&mut app).contains(&Command::Resume));
    }

    /// The Market table's header row.
    fn market_header(app: &mut App, w: u16, h: u16) -> String {
        rows(app, w, h).into_iter().find(|r| r.contains("Name") && r.contains("SN")).expect("the header")
    }

    #[test]
    fn the_sort_arrow_follows_the_whole_header() {
        let mut app = app_with(|_| {});
        for _ in 0..super::SortKey::ALL.len() {
            let key = app.market.sort;
            for (w, h) in [(80, 24), (160, 48)] {
                // Moving is shown from 110 columns.
                if (key == super::SortKey::Moving && w < 110) || (key == super::SortKey::Mechanism && w < 100) {
                    continue;
                }
                let header = market_header(&mut app, w, h);
                let arrow = if app.market.descending { '▼' } else { '▲' };
                assert!(header.contains(&format!("{}{arrow}", key.label())), "{key:?} at {w}: {header}");
                // Every other column's label is whole.
                for k in super::SortKey::ALL.iter().filter(|k| **k != key && w >= 160) {
                    assert!(header.contains(&format!(" {}", k.label())), "{k:?} at {w}: {header}");
                }
            }
            keys(&mut app, "o");
        }
    }

    /// A game on sixty subnets (more than 80×24 shows), SN1 to SN60 named Net01 to
    /// Net60, each then changed by `f`.
    fn sixty_subnets(f: impl Fn(&mut crate::engine::view::SubnetView)) -> App {
        let (info, mut snap) = crate::tui::testing::base();
        let model = snap.view.subnets[0].clone();
        snap.view.subnets = (1..=60)
            .map(|n| {
                let mut s = model.clone();
                s.netuid = n;
                s.name = format!("Net{n:02}");
                f(&mut s);
                s
            })
            .collect();
        crate::tui::testing::app_on(info, snap)
    }

    #[test]
    fn the_network_facts_keep_a_blank_column_inside_the_border() {
        // The default map's numbers: a halving four years away, 64 subnets of 64.
        let mut app = sixty_subnets(|s| s.emitting = true);
        change_snapshot(&mut app, |s| {
            s.until_halving_rao = Some(5_086_000 * TAO);
            s.block_emission_rao = TAO;
            s.params.subnet_limit = 64;
            s.view.block = 720;
        });
        keys(&mut app, "4");
        for (w, h) in [(80, 24), (100, 30), (119, 36), (120, 36), (160, 48)] {
            let screen = rows(&mut app, w, h);
            let boxed = boxed_rows(&screen, " Network ");
            let text: String = boxed.iter().map(|r| r.iter().collect::<String>() + "\n").collect();
            for r in &boxed[1..boxed.len() - 1] {
                assert_eq!(r[r.len() - 2], ' ', "at {w}: text against the border\n{text}");
            }
            assert!(text.contains("Next halving"), "{text}");
            // The shares fill the rows left: no blank row under them.
            let bars = boxed.iter().filter(|r| r.iter().collect::<String>().contains(" Net")).count();
            let last = boxed.iter().rposition(|r| r.iter().collect::<String>().contains(" Net")).expect("bars");
            assert!(last + 2 == boxed.len() || bars == 60, "at {w}: rows left under the bars\n{text}");
        }
        // Half the emission after a halving reads in the same precision.
        change_snapshot(&mut app, |s| s.block_emission_rao = TAO / 2);
        assert!(text(&mut app, 120, 36).contains("Block emission   0.5000 τ"));
        // Before the first block, no shares to show.
        change_snapshot(&mut app, |s| s.view.block = 0);
        let screen = text(&mut app, 120, 36);
        assert!(screen.contains("none yet: no block has run") && !screen.contains("top "), "{screen}");
    }

    /// The box titled `title` at each of `sizes`, as text, after checking that each of its
    /// inner rows keeps a blank column before the right border.
    fn right_margin_kept(app: &mut App, title: &str, sizes: &[(u16, u16)]) -> Vec<String> {
        let mut shown = Vec::new();
        for (w, h) in sizes {
            let screen = rows(app, *w, *h);
            let boxed = boxed_rows(&screen, title);
            let text: String = boxed.iter().map(|r| r.iter().collect::<String>() + "\n").collect();
            for r in &boxed[1..boxed.len() - 1] {
                assert_eq!(r[r.len() - 2], ' ', "at {w}: text against the border\n{text}");
            }
            shown.push(text);
        }
        shown
    }

    #[test]
    fn objectives_keep_a_blank_column_inside_the_border() {
        let mut app = app_with(|_| {});
        keys(&mut app, "4");
        for text in right_margin_kept(&mut app, "Objectives", &[(80, 24), (100, 30), (120, 36), (160, 48)]) {
            assert!(text.contains("↳"), "{text}");
        }
        // The Log's lines too, cut short with room to spare.
        let mut app = app_with(|s| {
            s.journal = (0..30)
                .map(|k| crate::session::handle::JournalLine {
                    block: k,
                    kind: JournalKind::Map,
                    who: "map".into(),
                    text: "a narration long enough to be cut at the edge of any screen ".repeat(4),
                })
                .collect();
        });
        keys(&mut app, "5");
        for text in right_margin_kept(&mut app, "Log", &[(80, 24), (120, 36)]) {
            assert!(text.contains('…'), "{text}");
        }
    }

    #[test]
    fn the_largest_emission_shares_say_when_they_are_the_top_of_a_longer_list() {
        let mut app = sixty_subnets(|s| {
            s.emitting = true;
            s.emission_share = f64::from(s.netuid) / 1830.0;
        });
        change_snapshot(&mut app, |s| s.view.block = 720);
        keys(&mut app, "4");
        let screen = text(&mut app, 80, 24);
        let shown = screen.lines().filter(|l| l.contains("Net") && l.contains('%')).count();
        assert!(shown > 0, "{screen}");
        assert!(screen.contains(&format!("Largest emission shares · top {shown} of 60")), "{screen}");
        // The largest first.
        assert!(screen.contains(" 60 Net60"), "{screen}");
        // All of a short list: no count.
        let mut app = app_with(|s| s.view.block = 720);
        keys(&mut app, "4");
        let screen = text(&mut app, 160, 48);
        assert!(screen.contains("Largest emission shares") && !screen.contains(" · top "), "{screen}");
    }

    #[test]
    fn the_mechanism_sort_groups_subnets_by_netuid_within_a_group() {
        use crate::engine::params::Mechanism;
        let (info, mut snap) = crate::tui::testing::base();
        let model = snap.view.subnets[0].clone();
        let mechs = [Mechanism::Utility, Mechanism::Holder, Mechanism::Revenue, Mechanism::Holder, Mechanism::Utility];
        snap.view.subnets = (1..=5u16)
            .zip(mechs)
            .map(|(n, mechanism)| {
                let mut s = model.clone();
                s.netuid = n;
                s.name = format!("Net{n}");
                s.mechanism = mechanism;
                s
            })
            .collect();
        let mut app = crate::tui::testing::app_on(info, snap);
        app.update(Action::Resize { width: 120, height: 30 });
        keys(&mut app, "oo");
        assert_eq!(app.market.sort, super::SortKey::Mechanism);
        let order =
            |app: &App| -> Vec<u16> { app.market_rows().iter().map(|k| app.snap.view.subnets[*k].netuid).collect() };
        assert_eq!(order(&app), [2, 4, 3, 1, 5]);
        assert!(market_header(&mut app, 120, 30).contains("Mech▲"));
        // Reversed, ties stay in netuid order.
        keys(&mut app, "O");
        assert_eq!(order(&app), [1, 5, 3, 2, 4]);
        // At 80 columns, where Mech and Moving are not shown, `o` passes them by.
        app.update(Action::Resize { width: 80, height: 24 });
        let mut seen = Vec::new();
        for _ in 0..super::SortKey::ALL.len() {
            keys(&mut app, "o");
            seen.push(app.market.sort);
        }
        assert!(!seen.contains(&super::SortKey::Mechanism) && !seen.contains(&super::SortKey::Moving), "{seen:?}");
        assert!(seen.contains(&super::SortKey::Price) && seen.contains(&super::SortKey::Position), "{seen:?}");
    }

    #[test]
    fn a_new_sort_shows_the_top_and_rows_hidden_above_or_below_are_counted() {
        let mut app = sixty_subnets(|s| s.price = crate::engine::math::U64F64::from_num(f64::from(s.netuid) / 100.0));
        let screen = text(&mut app, 80, 24);
        let top_border = |screen: &str| screen.lines().nth(2).unwrap_or_default().to_string();
        assert!(screen.contains("↓ 42 more") && !top_border(&screen).contains("more"), "{screen}");
        // Down to SN50: rows hidden on both sides.
        keys(&mut app, &"j".repeat(49));
        assert_eq!(app.focus(), Some(50));
        let screen = text(&mut app, 80, 24);
        assert!(top_border(&screen).contains("↑ 32 more") && screen.contains("↓ 10 more"), "{screen}");
        // Sort by price (o o: at 80 columns, past the Mech column that is not shown): the
        // dearest at the top, selected, in view.
        keys(&mut app, "oo");
        assert_eq!(app.market.sort, super::SortKey::Price);
        assert_eq!((app.market.offset, app.focus()), (0, Some(60)));
        let r = rows(&mut app, 80, 24);
        assert!(r[4].contains("▶") && r[4].contains("Net60"), "{}", r.join("\n"));
        assert!(!r[2].contains("more"), "{}", r.join("\n"));
        // Reversed: the cheapest at the top.
        keys(&mut app, "jjjO");
        assert_eq!((app.market.offset, app.focus()), (0, Some(1)));
    }

    #[test]
    fn the_controllers_line_shrinks_its_words_instead_of_cutting_one() {
        use crate::session::handle::{Holder, SubnetDetail};
        let mut app = app_with(|s| {
            let netuid = s.view.subnets[0].netuid;
            let foundation = Holder {
                id: crate::engine::AccountId(1),
                name: "foundation".into(),
                kind: crate::engine::AccountKind::Npc,
                alpha_rao: 0,
                root_weight_rao: 1,
                share: 0.607,
                policy: crate::engine::Policy::Honest,
            };
            s.detail = Some(SubnetDetail {
                netuid,
                owner: "apex-team".into(),
                holders: vec![foundation],
                alpha_weight_rao: 1,
                root_weight_rao: 1,
                controller: Some("foundation".into()),
                miners: Vec::new(),
                alpha_issuance_rao: 0,
                alpha_until_halving_rao: None,
                trades: Vec::new(),
            });
        });
        keys(&mut app, "g2");
        let mut seen = 0;
        for w in 80..=200 {
            for row in rows(&mut app, w, 40) {
                if let Some(at) = row.find("controls it") {
                    seen += 1;
                    let line = row[at..].split('│').next().unwrap_or("").trim_end().to_string();
                    let whole = ["% of the stake weight", "% of the weight", "%", "controls it"];
                    assert!(whole.iter().any(|e| line.ends_with(e)), "{w} columns: {line}");
                }
            }
        }
        assert!(seen > 0, "no subnet of the tutorial is controlled: the test shows nothing");
    }

    #[test]
    fn status_messages_keep_their_meaning_at_80_columns() {
        // A save names its file, not a folder cut short.
        let (info, snap) = crate::tui::testing::base();
        let mut info = (*info).clone();
        info.save_path = Some("/tmp/qa/game/home/.local/share/dtao-arena/saves/tutorial-20261203-082920.dtrec".into());
        let mut app = crate::tui::testing::app_on(std::sync::Arc::new(info), snap.clone());
        let mut saved = snap.clone();
        saved.saved = Some(crate::session::handle::SaveStatus {
            path: "/tmp/qa/game/home/.local/share/dtao-arena/saves/tutorial-20261203-082920.dtrec".into(),
            block: 536,
            error: None,
            count: 1,
        });
        app.set_snapshot(std::sync::Arc::new(saved.clone()));
        let status = rows(&mut app, 80, 24).remove(23);
        assert!(status.contains("saved at block 536 to tutorial-20261203-082920.dtrec"), "{status}");
        // Saved again at the same block (paused): said again, not left at "saving…".
        keys(&mut app, "S");
        assert!(rows(&mut app, 80, 24).remove(23).contains("saving…"));
        if let Some(s) = &mut saved.saved {
            s.count = 2;
        }
        app.set_snapshot(std::sync::Arc::new(saved));
        let status = rows(&mut app, 80, 24).remove(23);
        assert!(status.contains("saved at block 536 to tutorial-20261203-082920.dtrec"), "{status}");
        // A queued order with a limit, paused: the order whole, and how to apply it.
        let mut app = app_with(|s| s.paused = true);
        keys(&mut app, "s10\t0.5\n");
        let status = rows(&mut app, 80, 24).remove(23);
        assert!(status.contains("queued: stake 10 TAO on SN1 (limit 0.500000)"), "{status}");
        assert!(status.contains("space or . applies it") && status.contains("1 queued"), "{status}");
        assert!(!status.contains('…'), "{status}");
        // In a shared world the host runs the clock: the order waits for it.
        let (info, snap) = crate::tui::testing::base();
        let mut info = (*info).clone();
        info.shared = true;
        let mut app = crate::tui::testing::app_on(std::sync::Arc::new(info), snap);
        change_snapshot(&mut app, |s| s.paused = true);
        keys(&mut app, "s10\n");
        let said = app.toast().map(|t| t.text.clone()).unwrap_or_default();
        assert!(said.ends_with("; it applies when the host runs the clock"), "{said}");
        // An order its quote marks ✗ (more TAO than the player has) is not queued.
        let mut app = app_with(|s| s.paused = true);
        keys(&mut app, "s99999\n");
        assert!(app.queued().is_empty(), "a rejected order was queued");
        assert!(matches!(app.overlay(), Some(Overlay::Order(_))), "the form stays open to fix it");
        let status = rows(&mut app, 80, 24).remove(23);
        assert!(status.contains("✗ not enough free TAO"), "{status}");
    }

    #[test]
    fn no_key_line_of_the_help_is_cut_at_80_columns_or_in_two_columns() {
        let words = crate::tui::keymap::WORDS.iter().map(|(k, w)| (*k, *w));
        let lines: Vec<(&str, &str)> =
            crate::tui::keymap::KEYS.iter().map(|(_, keys, what, _)| (*keys, *what)).chain(words).collect();
        for width in [80, 153, 154, 160] {
            let (_, col_w) = crate::tui::layout::help_columns(width);
            for (keys, what) in &lines {
                assert!(keys.chars().count() <= 18, "{keys}");
                assert!(what.chars().count() <= col_w - 21, "cut at {width} columns: {what}");
            }
        }
    }

    #[test]
    fn the_help_scrolls_in_two_columns_when_they_do_not_fit() {
        let long = "Ask what the validators reward. ".repeat(120);
        let (info, snap) = crate::tui::testing::base();
        let mut info = (*info).clone();
        info.teacher_note = Some(format!("{long}The last words."));
        let mut app = crate::tui::testing::app_on(std::sync::Arc::new(info), snap);
        keys(&mut app, "?");
        let first = text(&mut app, 160, 48);
        assert!(first.contains("↑↓ PgUp PgDn scroll") && !first.contains("The last words."), "{first}");
        // The border counts what is below (and, once scrolled, above).
        assert!(first.contains(" more ┘") && !first.contains("↑ 1 more"), "{first}");
        keys(&mut app, "j");
        assert!(text(&mut app, 160, 48).contains("↑ 1 more"));
        for _ in 0..12 {
            app.update(Action::PageDown);
        }
        let last = text(&mut app, 160, 48);
        assert!(last.contains("The last words."), "{last}");
        assert!(!last.contains(" more ┘"), "nothing below: {last}");
        assert!(matches!(app.overlay(), Some(Overlay::Help)));
    }

    #[test]
    fn the_network_screen_keeps_the_unit_of_the_days_emission() {
        let mut app = app_with(|_| {});
        keys(&mut app, "4");
        let screen = text(&mut app, 80, 24);
        let day = screen.lines().find(|l| l.contains("Emission a day")).expect("a line of its own");
        assert!(day.contains("7,200.00 τ"), "{day}");
        let wide = text(&mut app, 160, 48);
        assert!(wide.contains("(7,200.00 τ a day)"), "{wide}");
    }

    #[test]
    fn results_of_a_match_nobody_played_say_so_instead_of_an_empty_table() {
        let mut app = app_with(|s| {
            s.me = None;
            s.players.clear();
        });
        change_snapshot(&mut app, |s| {
            s.view.block = 7200;
            s.over = true;
        });
        assert_eq!(app.overlay(), Some(&Overlay::Results));
        let shown = text(&mut app, 160, 48);
        assert!(shown.contains("No player or bot took part"), "{shown}");
        assert!(!shown.contains("Faults"), "no table header without rows:\n{shown}");
    }

    #[test]
    fn a_player_alone_is_measured_against_holding_tao_not_said_to_have_won() {
        let mut app = app_with(|s| assert_eq!(s.players.len(), 1, "the tutorial with one human"));
        change_snapshot(&mut app, |s| {
            s.view.block = 7200;
            s.over = true;
            if let Some(me) = s.me.as_mut() {
                me.rank = 1;
                me.score_rao = me.start_rao + 5 * TAO;
            }
        });
        let shown = text(&mut app, 160, 48);
        assert!(!shown.contains("You won") && shown.contains("You beat holding TAO."), "{shown}");
        assert!(shown.contains("  q quits · Esc or Enter: look around · 1-5: a screen  "), "{shown}");
    }

    #[test]
    fn the_results_stay_until_esc_enter_or_a_screen_key() {
        let mut app = app_with(|_| {});
        change_snapshot(&mut app, |s| {
            s.view.block = 7200;
            s.over = true;
        });
        assert_eq!(app.overlay(), Some(&Overlay::Results));
        // Keys meant for the running match leave the box up.
        keys(&mut app, " +-.ojkx");
        assert_eq!(app.overlay(), Some(&Overlay::Results));
        keys(&mut app, "\x1b");
        assert_eq!(app.overlay(), None);
        let mut app = app_with(|_| {});
        change_snapshot(&mut app, |s| {
            s.view.block = 7200;
            s.over = true;
        });
        keys(&mut app, "3");
        assert_eq!((app.overlay(), app.screen), (None, Screen::Portfolio));
    }

    #[test]
    fn the_title_bar_says_end_of_day_beside_the_next_midnight() {
        let mut app = app_with(|s| {
            s.view.block = 7200;
            s.over = true;
        });
        let title = rows(&mut app, 160, 48).remove(0);
        assert!(title.contains("end of day 1 · blk 7,200/7,200"), "{title}");
        let mut app = app_with(|s| s.view.block = 7199);
        let title = rows(&mut app, 160, 48).remove(0);
        assert!(title.contains(" day 1 · blk 7,199/7,200") && !title.contains("end of"), "{title}");
    }

    #[test]
    fn objectives_reached_behind_an_orders_outcome_are_said_after_it_unless_a_seek_came() {
        use crate::scenario::{Goal, Objective};
        let goal = |text: &str, netuid| Objective {
            text: text.into(),
            goal: Some(Goal::YouHold { netuid: Some(netuid) }),
            after: None,
            from_block: None,
        };
        for seek in [false, true] {
            let (info, snap) = base();
            let mut info = (*info).clone();
            info.objectives = vec![goal("Hold SN1", 1), goal("Hold SN4", 4)];
            let mut app = app_on(std::sync::Arc::new(info), snap);
            change_snapshot(&mut app, |s| s.objectives = vec![None, None]);
            app.say("✓ stake 10 TAO on SN1: paid 10 TAO", Some(true));
            change_snapshot(&mut app, |s| s.objectives = vec![Some(3), None]);
            change_snapshot(&mut app, |s| s.objectives = vec![Some(3), Some(4)]);
            assert!(app.toast().is_some_and(|t| t.text.starts_with("✓ stake")), "the order's outcome first");
            if seek {
                app.seek(0);
            }
            while app.toast().is_some_and(|t| t.text.starts_with("✓ stake")) {
                app.update(Action::Tick);
            }
            let told = app.toast().map(|t| t.text.clone());
            if seek {
                assert_eq!(told, None, "reached before the jump: not news after it");
            } else {
                assert_eq!(told.as_deref(), Some("✓ 2 objectives reached: Hold SN1; Hold SN4"));
            }
        }
    }

    #[test]
    fn objectives_reached_together_are_all_named() {
        assert_eq!(reached_message(&[]), None);
        assert_eq!(reached_message(&["Hold alpha"]).as_deref(), Some("✓ objective reached: Hold alpha"));
        assert_eq!(
            reached_message(&["Hold alpha", "Double the price"]).as_deref(),
            Some("✓ 2 objectives reached: Hold alpha; Double the price")
        );
    }

    /// A replay of `end` blocks at block 0, paused, indexed, with `marks` (block, kind,
    /// text), its welcome box closed.
    fn replay_with_marks(end: u64, marks: &[(u64, crate::session::handle::replay::MarkKind, &str)]) -> App {
        let marks = marks
            .iter()
            .map(|(block, kind, text)| crate::session::handle::replay::Mark {
                block: *block,
                kind: *kind,
                text: (*text).into(),
                log: None,
            })
            .collect();
        let mut app = welcomed(|i, s| {
            i.replay = true;
            s.paused = true;
            s.replay = Some(std::sync::Arc::new(crate::session::handle::ReplayStatus {
                end,
                indexed_to: end,
                marks,
                diverged: None,
            }));
        });
        keys(&mut app, "\u{1b}");
        app.take_commands();
        app
    }

    #[test]
    fn a_narration_closed_and_met_again_after_a_jump_back_shows_again() {
        // A replay held on block 0's narration; the player closes it and plays on.
        let mut app = replay_with_marks(43_200, &[]);
        let first = || JournalLine { block: 0, ..narration("Dynamic TAO is live.") };
        change_snapshot(&mut app, |s| s.narration = Some(first()));
        assert!(app.narration().is_some());
        keys(&mut app, "x");
        assert!(app.narration().is_none(), "closed (until the handle applies it, the snapshot still has it)");
        let closed_at = app.issued;
        // Later a jump back to block 1 lands on it again: the handle holds the clock on it
        // (it applied the Dismiss long ago), so it shows, instead of a clock stopped for
        // no visible reason.
        change_snapshot(&mut app, |s| {
            s.acked = closed_at + 1;
            s.narration = Some(first());
        });
        assert!(app.narration().is_some(), "shown again after the jump");
    }

    #[test]
    fn a_lessons_replay_says_it_stops_at_each_narration() {
        for lesson in [true, false] {
            let mut app = welcomed(|i, s| {
                i.replay = true;
                i.lesson = lesson;
                s.paused = true;
            });
            let says = text(&mut app, 120, 40).contains("It stops at each narration");
            assert_eq!(says, lesson);
        }
    }

    #[test]
    fn a_full_field_says_so_instead_of_dropping_keys_in_silence() {
        use crate::tui::testing::{app_with, keys, text};
        let mut app = app_with(|s| s.view.lock_cost_rao = 1);
        keys(&mut app, "L");
        let long = "A very long subnet name that goes on";
        app.on_paste(long);
        let shown = text(&mut app, 120, 40);
        assert!(shown.contains("this field takes at most 32 characters"), "{shown}");
        assert!(shown.contains(&long[..32]) && !shown.contains(long), "{shown}");
        // Once there is room again, the note goes.
        app.update(Action::Input(crate::tui::action::Input::Backspace));
        assert!(!text(&mut app, 120, 40).contains("this field takes at most"));
    }

    #[test]
    fn a_screens_own_key_on_another_screen_says_where_it_works() {
        use crate::tui::testing::{app_with, keys, text};
        for (screen, key, says) in [
            ("5", "/", "/ filters the Market: 1 goes there"),
            ("3", "o", "o and O sort the Market: 1 goes there"),
            ("1", "f", "f filters the Log: 5 goes there"),
        ] {
            let mut app = app_with(|_| {});
            keys(&mut app, screen);
            keys(&mut app, key);
            assert!(text(&mut app, 120, 40).contains(says), "{screen} {key}");
        }
    }

    #[test]
    fn a_key_that_does_nothing_says_so() {
        use crate::tui::testing::{app_with, keys, text};
        let mut app = app_with(|_| {});
        keys(&mut app, "z");
        assert!(text(&mut app, 120, 40).contains("z does nothing here: ? lists the keys"));
        // A bound key says nothing of the kind, and takes the note about the last one away.
        keys(&mut app, "2");
        assert!(!text(&mut app, 120, 40).contains("does nothing here"));
    }

    #[test]
    fn a_paste_is_typed_into_the_field_and_never_submits_nor_runs_keys() {
        use crate::tui::testing::{app_with, keys, text};
        let mut app = app_with(|_| {});
        keys(&mut app, "s");
        // Two lines with keys of the game in them: only the first line is typed.
        app.on_paste("25\n2q\n");
        assert_eq!(app.mode(), crate::tui::keymap::Mode::Text, "the form is still open");
        assert!(app.take_commands().iter().all(|c| !matches!(c, Command::Submit(_))));
        let screen = text(&mut app, 120, 40);
        assert!(screen.contains("pasted one line of several"), "{screen}");
        assert!(screen.contains("25"), "{screen}");
        keys(&mut app, "\n");
        assert_eq!(app.take_commands().iter().filter(|c| matches!(c, Command::Submit(_))).count(), 1);
        // Outside a field a paste does nothing but say where it goes.
        app.on_paste("q");
        assert!(!app.should_quit());
        assert_eq!(app.mode(), crate::tui::keymap::Mode::Normal);
        assert!(text(&mut app, 120, 40).contains("paste: open a form first"));
    }

    #[test]
    fn a_replays_welcome_names_the_players_who_join_later() {
        let mut app = welcomed(|i, _| {
            i.replay = true;
            i.late_joins = vec![("ana".to_string(), 300), ("bo#2".to_string(), 5_300)];
        });
        let shown = text(&mut app, 160, 48);
        // (The box wraps its lines.)
        assert!(shown.contains("you, and later ana (from block 300) and bo#2"), "{shown}");
        assert!(shown.contains("(from block 5,300). It is read-only"), "{shown}");
        // A room of late students: the first five named, the rest counted.
        let mut app = welcomed(|i, _| {
            i.replay = true;
            i.late_joins = (1..=9).map(|k| (format!("s{k}"), k * 100)).collect();
        });
        let shown = text(&mut app, 160, 48);
        assert!(shown.contains("s5 (from block 500) and 4 more"), "{shown}");
        assert!(!shown.contains("s6"), "{shown}");
        // Its results name whose figures they are.
        keys(&mut app, "\u{1b}");
        change_snapshot(&mut app, |s| {
            s.view.block = 7200;
            s.over = true;
        });
        let shown = text(&mut app, 160, 48);
        assert!(shown.contains("you: Rank 1 of 1 · score"), "{shown}");
    }

    #[test]
    fn a_shared_worlds_narration_box_holds_no_clock_and_says_so() {
        let mut app = welcomed(|i, s| {
            i.shared = true;
            i.lesson = true;
            s.paused = false;
        });
        keys(&mut app, "\u{1b}");
        change_snapshot(&mut app, |s| {
            s.narration = Some(narration("SN28 turns into a memecoin: holding its alpha is now mining."))
        });
        app.take_commands();
        let shown = text(&mut app, 120, 40);
        assert!(shown.contains("Enter opens SN28's charts · any other key closes it"), "{shown}");
        assert!(shown.contains("the host runs the clock: the match goes on behind this box"), "{shown}");
        assert!(!shown.contains("keeps the clock paused") && !shown.contains(", paused"), "{shown}");
        // Nor do the title and the status line say it holds the clock.
        let r = rows(&mut app, 120, 40);
        assert!(!r[0].contains("narration") && r[0].contains("running"), "{}", r[0]);
        assert!(r[39].contains("lesson: any key closes it") && !r[39].contains('⏸'), "{}", r[39]);
        // Esc and Enter close it without asking the host's clock to pause.
        keys(&mut app, "\u{1b}");
        assert!(app.narration().is_none());
        assert!(!app.take_commands().contains(&Command::Pause));
    }

    #[test]
    fn a_replays_paused_note_goes_when_the_replay_moves() {
        let mut app = replay_with_marks(43_200, &[]);
        change_snapshot(&mut app, |s| {
            s.view.block = 7_201;
            s.narration = Some(JournalLine { block: 7_200, ..narration("Day 2: SN28 is trending.") });
        });
        keys(&mut app, "\u{1b}");
        let says = |app: &App| app.toast().is_some_and(|t| t.text.starts_with("paused on the lesson"));
        assert!(says(&app), "{:?}", app.toast());
        // A day forward (the replay still paused): the note is about where it was.
        let acked = app.issued;
        change_snapshot(&mut app, |s| {
            s.view.block = 14_401;
            s.narration = None;
            s.acked = acked;
        });
        assert!(!says(&app), "{:?}", app.toast());
    }

    #[test]
    fn a_replays_narration_box_passes_a_jump_on() {
        use crate::session::handle::replay::MarkKind::Narration;
        let mut app = replay_with_marks(
            43_200,
            &[(0, Narration, "Dynamic TAO is live."), (2_880, Narration, "SN28 turns into a memecoin.")],
        );
        // n goes to the end of block 0, whose narration the replay then shows.
        keys(&mut app, "n");
        assert_eq!(sent(&mut app), vec![Command::Seek(1)]);
        change_snapshot(&mut app, |s| {
            s.narration = Some(JournalLine { block: 0, ..narration("Dynamic TAO is live.") });
        });
        assert!(app.narration().is_some());
        assert!(
            text(&mut app, 120, 40).contains("Esc closes it and keeps the clock paused · + - speed · n the next mark")
        );
        keys(&mut app, "n");
        assert_eq!(sent(&mut app), vec![Command::Dismiss, Command::Seek(2_881)], "closed, then on to the next mark");
        assert!(app.narration().is_none());
    }

    #[test]
    fn every_mark_of_a_block_is_visited_in_turn_both_ways() {
        use crate::session::handle::replay::MarkKind::{BigTrade, Event, Narration};
        let mut app = replay_with_marks(
            43_200,
            &[
                (0, Narration, "Dynamic TAO is live."),
                (3_600, Narration, "SN28's new owner renames it."),
                (3_600, Event, "tac-army hype about SN28"),
                (3_600, Event, "degen-crowd hype about SN28"),
                (3_601, BigTrade, "meme_rider bought 500 TAO of SN28"),
            ],
        );
        fn press(app: &mut App, key: &str) -> (Vec<Command>, String) {
            keys(app, key);
            (sent(app), app.toast().map(|t| t.text.clone()).unwrap_or_default())
        }
        let forward = [
            (vec![Command::Seek(1)], "◆ block 0: Dynamic TAO is live."),
            (vec![Command::Seek(3_601)], "◆ block 3,600: SN28's new owner renames it."),
            (vec![], "◇ block 3,600: tac-army hype about SN28"),
            (vec![], "◇ block 3,600: degen-crowd hype about SN28"),
            (vec![Command::Seek(3_602)], "• block 3,601: meme_rider bought 500 TAO of SN28"),
        ];
        for (cmds, text) in forward {
            assert_eq!(press(&mut app, "n"), (cmds, text.to_string()));
        }
        assert_eq!(press(&mut app, "n").1, "no later mark");
        let backward = [
            (vec![Command::Seek(3_601)], "◇ block 3,600: degen-crowd hype about SN28"),
            (vec![], "◇ block 3,600: tac-army hype about SN28"),
            (vec![], "◆ block 3,600: SN28's new owner renames it."),
            (vec![Command::Seek(1)], "◆ block 0: Dynamic TAO is live."),
        ];
        for (cmds, text) in backward {
            assert_eq!(press(&mut app, "N"), (cmds, text.to_string()));
        }
        assert_eq!(press(&mut app, "N").1, "no earlier mark");
        // Arrived at a block some other way (t), N starts from the block's last mark.
        keys(&mut app, "t3602\n");
        sent(&mut app);
        let last = "◇ block 3,600: degen-crowd hype about SN28";
        assert_eq!(press(&mut app, "N"), (vec![Command::Seek(3_601)], last.into()));
    }

    #[test]
    fn the_title_bar_says_less_instead_of_cutting_a_word() {
        use crate::session::handle::ReplayStatus;
        // (map, block, end of the match, over, the recording's end if a replay, speed)
        let cases = [
            ("dtao-launch", 50_400, 50_400, true, None, 7_200),
            ("sn28-meme", 7_521, 43_200, true, Some(7_521), 60),
            ("one-year-later", 50_399, 50_400, false, None, 7_200),
            ("a-very-long-map-name-for-a-workshop", 99_999_999, 100_000_000, false, None, 7_200),
        ];
        for (map, block, end, over, recording, speed) in cases {
            let (info, mut snap) = crate::tui::testing::base();
            let mut info = (*info).clone();
            info.map = map.into();
            info.end_block = end;
            info.replay = recording.is_some();
            snap.view.block = block;
            snap.over = over;
            snap.blocks_per_sec = speed;
            snap.replay = recording.map(|end| {
                std::sync::Arc::new(ReplayStatus { end, indexed_to: end, marks: Vec::new(), diverged: None })
            });
            let mut app = crate::tui::testing::app_on(std::sync::Arc::new(info), snap);
            let blocks =
                format!("blk {}/{}", crate::tui::format::int(block), crate::tui::format::int(recording.unwrap_or(end)));
            for w in [80, 100, 119, 120, 140, 160] {
                let title = rows(&mut app, w, 30).remove(0);
                assert!(title.ends_with(' '), "cut at {w} columns: {title}");
                assert!(title.contains(&blocks), "{w} columns: {title}");
                let tail = title.trim_end();
                if over {
                    let word = if recording.is_some() { "■ recording ends" } else { "■ match over" };
                    assert!(title.contains(word) && !title.contains("/s"), "{w} columns: {title}");
                } else {
                    assert!(tail.ends_with("/s") || tail.ends_with(')') || tail.ends_with(['░', '█']), "{w}: {title}");
                    assert!(title.contains("7,200"), "{w} columns: {title}");
                }
            }
        }
    }

    #[test]
    fn the_quit_box_pauses_a_running_clock_and_no_runs_it_again() {
        // A local match, running: paused behind the box, running again after no.
        let mut app = app_with(|s| s.paused = false);
        app.take_commands();
        keys(&mut app, "q");
        assert_eq!(sent(&mut app), vec![Command::Pause]);
        keys(&mut app, "n");
        assert_eq!(sent(&mut app), vec![Command::Resume]);
        // Paused already: it stays paused either way.
        let mut app = app_with(|s| s.paused = true);
        app.take_commands();
        keys(&mut app, "q");
        assert!(sent(&mut app).is_empty());
        keys(&mut app, "\u{1b}");
        assert!(sent(&mut app).is_empty(), "the clock was paused before the box");
        // A replay that plays: the same (Esc says no).
        let mut app = replay_with_marks(7_200, &[]);
        change_snapshot(&mut app, |s| s.paused = false);
        app.take_commands();
        keys(&mut app, "q");
        assert_eq!(sent(&mut app), vec![Command::Pause]);
        keys(&mut app, "\u{1b}");
        assert_eq!(sent(&mut app), vec![Command::Resume]);
        // From the help box too.
        let mut app = app_with(|s| s.paused = false);
        keys(&mut app, "?");
        app.take_commands();
        keys(&mut app, "q");
        assert_eq!(sent(&mut app), vec![Command::Pause]);
        // q on a narration: paused before the narration lets go of the clock, and no runs
        // the clock the narration held.
        let mut app = app_with(|s| {
            s.paused = false;
            s.narration = Some(narration("Subnets run an epoch every 361 blocks."));
        });
        app.take_commands();
        keys(&mut app, "q");
        assert_eq!(sent(&mut app), vec![Command::Pause, Command::Dismiss]);
        assert_eq!(app.overlay(), Some(&Overlay::ConfirmQuit));
        keys(&mut app, "n");
        assert_eq!(sent(&mut app), vec![Command::Resume]);
        // A shared world's clock is the host's: the box neither pauses nor resumes it.
        let mut app = welcomed(|i, s| {
            i.shared = true;
            s.paused = false;
        });
        keys(&mut app, "\u{1b}");
        app.take_commands();
        keys(&mut app, "q");
        assert!(sent(&mut app).is_empty());
        assert_eq!(app.overlay(), Some(&Overlay::ConfirmQuit));
        keys(&mut app, "n");
        assert!(sent(&mut app).is_empty());
        assert!(app.overlay().is_none() && !app.should_quit());
    }

    #[test]
    fn the_quit_box_says_a_match_quit_before_its_first_block_is_not_saved() {
        let (info, snap) = crate::tui::testing::base();
        let mut info = (*info).clone();
        info.save_path = Some("/tmp/saves/tutorial-20261203-082920.dtrec".into());
        let info = std::sync::Arc::new(info);
        let mut app = crate::tui::testing::app_on(info.clone(), snap.clone());
        keys(&mut app, "q");
        let screen = text(&mut app, 80, 24);
        assert!(screen.contains("no block has run yet: nothing will be saved"), "{screen}");
        assert!(!screen.contains("it will be saved"), "{screen}");
        // Once a block has run, it is saved.
        let mut later = snap;
        later.view.block = 5;
        let mut app = crate::tui::testing::app_on(info, later);
        keys(&mut app, "q");
        let screen = text(&mut app, 100, 30);
        assert!(screen.contains("it will be saved to /tmp/saves/tutorial-20261203-082920.dtrec"), "{screen}");
    }

    #[test]
    fn a_replays_messages_go_once_it_has_moved_on() {
        let toast = |app: &App| app.toast().map(|t| t.text.clone()).unwrap_or_default();
        // What a key did at a block goes when a step moves the paused replay on.
        let mut app = replay_with_marks(7_200, &[]);
        keys(&mut app, "S");
        assert_eq!(toast(&app), "a replay is read-only: there is nothing to save");
        change_snapshot(&mut app, |s| s.view.block = 1);
        assert_eq!(toast(&app), "", "a stale message after a step");
        keys(&mut app, "s");
        assert_eq!(toast(&app), "read-only replay: orders are off");
        change_snapshot(&mut app, |s| s.view.block = 2);
        assert_eq!(toast(&app), "", "a stale message after a step");
        // "Going to block N" stays while the replay is there, and a moment once it plays
        // on from there, not until it times out.
        keys(&mut app, "t3590\n");
        assert!(toast(&app).starts_with("going to block 3,590"), "{}", toast(&app));
        change_snapshot(&mut app, |s| {
            s.view.block = 3_590;
            s.acked = u64::MAX;
        });
        for _ in 0..10 {
            app.update(Action::Tick);
        }
        assert!(toast(&app).starts_with("going to block 3,590"), "{}", toast(&app));
        change_snapshot(&mut app, |s| {
            s.view.block = 3_700;
            s.paused = false;
        });
        assert!(toast(&app).starts_with("going to block 3,590"), "time to read it: {}", toast(&app));
        for _ in 0..super::MOVED_ON_TICKS {
            app.update(Action::Tick);
        }
        assert_eq!(toast(&app), "", "still there at block 3,700, where the replay played on");
    }

    #[test]
    fn the_replays_strip_keeps_its_width_and_its_marks_their_places() {
        use crate::session::handle::replay::MarkKind::Narration;
        let mut app = replay_with_marks(43_200, &[(10_000, Narration, "one"), (30_000, Narration, "two")]);
        let strip = |app: &mut App, block: u64| {
            change_snapshot(app, |s| s.view.block = block);
            let row = rows(app, 80, 24).remove(22);
            let marks: Vec<usize> = row.chars().enumerate().filter(|(_, c)| *c == '◆').map(|(k, _)| k).collect();
            let start = row.chars().position(|c| matches!(c, '●' | '━' | '─' | '◆'));
            (marks, start, row)
        };
        let (marks, start, row) = strip(&mut app, 0);
        assert_eq!(marks.len(), 2, "{row}");
        for block in [59, 7_200, 43_199, 43_200] {
            let (m, s, r) = strip(&mut app, block);
            assert_eq!((&m, s), (&marks, start), "at block {block}:\n{r}\n{row}");
        }
    }

    #[test]
    fn the_positions_panel_counts_the_rows_it_hides() {
        let mut app = app_with(|s| {
            if let Some(me) = s.me.as_mut() {
                me.positions = (1..=12)
                    .map(|k| crate::session::handle::Position {
                        netuid: k,
                        name: format!("Subnet-{k:02}"),
                        alpha_rao: TAO,
                        ..Default::default()
                    })
                    .collect();
            }
        });
        // The count on a border after `arrow`, if any.
        fn cue(screen: &str, arrow: char) -> Option<usize> {
            let at = screen.find(&format!("{arrow} "))?;
            screen[at + arrow.len_utf8() + 1..].split(' ').next()?.parse().ok()
        }
        keys(&mut app, "3");
        let screen = text(&mut app, 80, 24);
        let shown = screen.matches("Subnet-").count();
        assert!(shown > 0 && shown < 12, "{screen}");
        assert!(screen.contains("Subnet-01") && !screen.contains("Subnet-12"), "{screen}");
        assert_eq!((cue(&screen, '↑'), cue(&screen, '↓')), (None, Some(12 - shown)), "{screen}");
        // At the last row: the rows above are counted, and the keys give way in the title.
        keys(&mut app, "G");
        let screen = text(&mut app, 80, 24);
        assert!(screen.contains("Subnet-12") && !screen.contains("Subnet-01"), "{screen}");
        assert_eq!((cue(&screen, '↑'), cue(&screen, '↓')), (Some(12 - shown), None), "{screen}");
        // Halfway: both.
        keys(&mut app, "g");
        for _ in 0..shown {
            keys(&mut app, "j");
        }
        let screen = text(&mut app, 80, 24);
        assert_eq!((cue(&screen, '↑'), cue(&screen, '↓')), (Some(1), Some(11 - shown)), "{screen}");
        // All of them fit at 160x48: no cue.
        let screen = text(&mut app, 160, 48);
        assert_eq!((cue(&screen, '↑'), cue(&screen, '↓')), (None, None), "{screen}");
        assert!(screen.contains("Subnet-12"), "{screen}");
    }
}
