//! The terminal game without a terminal: snapshots of every screen and dialog at 80×24
//! and 160×48 (ratatui `TestBackend` + insta), and whole flows driven by keys against a
//! real match behind a session handle (paused, stepped explicitly, so every frame is
//! deterministic).
//!
//! Snapshots live in `tests/snapshots/`. After a deliberate change to the screens, run
//! `INSTA_UPDATE=always cargo test --test tui_snapshots` (or `cargo insta review`) and
//! review the diff; with `CI` set, a mismatch fails instead of writing a new file.

use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use dtao_arena::engine::{AccountId, Event, Order, Tao, World};
use dtao_arena::session::handle::{Command, HandleOptions, SessionHandle, Setup, Snapshot};
use dtao_arena::session::{Actor, Decision, Session};
use dtao_arena::tui::app::Overlay;
use dtao_arena::tui::{Action, App, Options, Screen, Theme, layout};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// A deterministic Rust bot: stakes 5 TAO on SN1 every tempo until it has staked 50.
pub struct Buyer {
    left: u32,
}

impl Actor for Buyer {
    fn cadence(&self) -> u64 {
        360
    }
    fn decide(&mut self, _w: &World, _me: AccountId, _r: &[Event]) -> Decision {
        if self.left == 0 {
            return Decision::default();
        }
        self.left -= 1;
        Decision {
            orders: vec![Order::Stake { netuid: 1, tao: Tao(5_000_000_000), limit: None }],
            log: vec!["buying SN1".into()],
            fault: None,
        }
    }
}

/// A match on `map` (seed 7), the human "you" and one scripted bot, paused.
pub fn spawn(map: &str, blocks: Option<u64>) -> SessionHandle {
    spawn_match(map, blocks, false)
}

/// The same, as a lesson (narration pauses the clock) when `lesson`.
pub fn spawn_match(map: &str, blocks: Option<u64>, lesson: bool) -> SessionHandle {
    let map = dtao_arena::scenario::load(map).expect("map");
    SessionHandle::spawn(
        move || {
            let mut s = Session::new(&map, Some(7), blocks).map_err(|e| e.to_string())?;
            let h = s.add_human("you");
            s.add_bot("buyer", Box::new(Buyer { left: 10 }));
            Ok(Setup { lesson, ..Setup::new(s, Some(h)) })
        },
        HandleOptions::default(),
    )
    .expect("spawn")
}

/// A fixed wall-clock time for recordings (nothing on screen depends on it).
fn recorded_at() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(1_750_000_000, 0).expect("a date")
}

/// `blocks` of `map` (seed 7) recorded: "you" stake 25 TAO on SN1 at the start, the
/// buyer bot buys every tempo.
fn record(map: &str, blocks: u64) -> dtao_arena::record::Recording {
    let map = dtao_arena::scenario::load(map).expect("map");
    let mut s = Session::new(&map, Some(7), Some(blocks)).expect("session");
    // Before the seats, so that the recording has them.
    s.start_recording(recorded_at());
    let h = s.add_human("you");
    s.add_bot("buyer", Box::new(Buyer { left: 10 }));
    s.submit(h, Order::Stake { netuid: 1, tao: Tao(25 * TAO), limit: None });
    while !s.is_over() {
        s.step().expect("a block");
    }
    s.recording(recorded_at()).expect("a recording")
}

/// A read-only replay of three recorded days of the tutorial, paused at block 0, once
/// the background pass has indexed all of it (so marks, charts and the strip are final).
pub fn spawn_replay() -> SessionHandle {
    let handle = replay_of(record("tutorial", 3 * 7200));
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let s = handle.latest();
        let r = s.replay.as_ref().expect("a replay's status");
        #[allow(clippy::cast_precision_loss)]
        let charted = s.history.network.series(0).last().is_some_and(|p| p.0 >= r.end as f64);
        if r.indexed_to >= r.end && charted {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the replay was not indexed in time");
        std::thread::sleep(Duration::from_millis(20));
    }
    handle
}

/// A replay of `rec`, following "you".
fn replay_of(rec: dtao_arena::record::Recording) -> SessionHandle {
    SessionHandle::spawn(
        move || {
            let s = Session::from_recording(&rec, None).map_err(|e| e.to_string())?;
            let human = s.world().accounts.iter().find(|a| a.name == "you").map(|a| a.id);
            Ok(Setup { replay: Some(Arc::new(rec)), ..Setup::new(s, human) })
        },
        HandleOptions::default(),
    )
    .expect("spawn a replay")
}

/// The game and its match.
pub struct Game {
    pub handle: SessionHandle,
    pub app: App,
}

impl Game {
    pub fn new(map: &str, blocks: Option<u64>, theme: Theme) -> Self {
        Self::on(spawn(map, blocks), theme)
    }

    /// The game on a running handle.
    pub fn on(handle: SessionHandle, theme: Theme) -> Self {
        let app = App::new(
            handle.info(),
            handle.latest(),
            theme,
            Options { narration_guard: std::time::Duration::ZERO, ..Options::default() },
        );
        let mut g = Self { handle, app };
        g.resize(80, 24);
        g.pump();
        g
    }

    /// Presses a key and returns the commands the app sent for it (then applies them).
    pub fn press(&mut self, code: KeyCode, modifiers: KeyModifiers) -> Vec<Command> {
        self.app.on_key(KeyEvent::new(code, modifiers));
        let cmds = self.app.take_commands();
        for c in &cmds {
            self.handle.send(c.clone());
        }
        self.pump();
        cmds
    }

    /// Types `s` and returns every command it sent.
    pub fn typed(&mut self, s: &str) -> Vec<Command> {
        s.chars()
            .flat_map(|c| {
                let code = match c {
                    '\n' => KeyCode::Enter,
                    '\x1b' => KeyCode::Esc,
                    c => KeyCode::Char(c),
                };
                self.press(code, KeyModifiers::NONE)
            })
            .collect()
    }

    fn toast(&self) -> String {
        self.app.toast().map(|t| t.text.clone()).unwrap_or_default()
    }

    /// Forwards the app's commands and waits for the simulation to apply them.
    pub fn pump(&mut self) {
        for _ in 0..4 {
            let cmds = self.app.take_commands();
            for c in cmds {
                self.handle.send(c);
            }
            let s = self.handle.sync(Duration::from_secs(30));
            self.app.set_snapshot(s);
            if !self.has_pending() {
                break;
            }
        }
    }

    fn has_pending(&mut self) -> bool {
        let c = self.app.take_commands();
        let any = !c.is_empty();
        for x in c {
            self.handle.send(x);
        }
        any
    }

    pub fn resize(&mut self, w: u16, h: u16) {
        self.app.update(dtao_arena::tui::Action::Resize { width: w, height: h });
    }

    pub fn key(&mut self, code: KeyCode) {
        self.app.on_key(KeyEvent::new(code, KeyModifiers::NONE));
        self.pump();
    }

    /// Types each character as a key (`\n` is Enter, `\t` Tab, `\x1b` Esc).
    pub fn keys(&mut self, s: &str) {
        for c in s.chars() {
            let code = match c {
                '\n' => KeyCode::Enter,
                '\t' => KeyCode::Tab,
                '\x1b' => KeyCode::Esc,
                '\x08' => KeyCode::Backspace,
                c => KeyCode::Char(c),
            };
            self.app.on_key(KeyEvent::new(code, KeyModifiers::NONE));
        }
        self.pump();
    }

    /// Runs `n` blocks.
    pub fn step(&mut self, n: u64) {
        self.handle.send(Command::Step(n));
        self.pump();
    }

    pub fn snap(&self) -> Arc<Snapshot> {
        self.handle.latest()
    }

    /// Draws at `w`×`h` and returns the terminal.
    pub fn draw(&mut self, w: u16, h: u16) -> Terminal<TestBackend> {
        self.resize(w, h);
        self.pump();
        let mut t = Terminal::new(TestBackend::new(w, h)).expect("terminal");
        t.draw(|f| f.render_widget(&self.app, f.area())).expect("draw");
        t
    }

    /// The screen as text.
    pub fn text(&mut self, w: u16, h: u16) -> String {
        let t = self.draw(w, h);
        let buf = t.backend().buffer();
        let mut out = String::new();
        for y in 0..h {
            for x in 0..w {
                out.push_str(buf[(x, y)].symbol());
            }
            out.push('\n');
        }
        out
    }
}

// ---------------------------------------------------------------------------------------
// Snapshots
// ---------------------------------------------------------------------------------------

/// A game a few hours in, the welcome box closed, SN1 selected.
fn played() -> Game {
    let mut g = Game::new("dtao-launch", None, Theme::colored());
    g.key(KeyCode::Esc);
    g.step(720);
    g
}

fn snap_both(g: &mut Game, name: &str) {
    for (w, h) in [(80, 24), (160, 48)] {
        let t = g.draw(w, h);
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), t.backend());
    }
}

#[test]
fn screens() {
    let mut g = played();
    snap_both(&mut g, "market");
    g.keys("\n");
    snap_both(&mut g, "subnet");
    g.keys("3");
    snap_both(&mut g, "portfolio");
    g.keys("4");
    snap_both(&mut g, "network");
    g.keys("5");
    snap_both(&mut g, "log");
}

#[test]
fn screens_with_a_position() {
    let mut g = played();
    g.keys("s25\n");
    g.step(361);
    g.keys("3");
    snap_both(&mut g, "portfolio_with_position");
    g.keys("\n");
    snap_both(&mut g, "subnet_with_position");
}

#[test]
fn dialogs() {
    let mut g = Game::new("dtao-launch", None, Theme::colored());
    snap_both(&mut g, "welcome");
    g.key(KeyCode::Esc);
    g.keys("?");
    snap_both(&mut g, "help");
    g.key(KeyCode::Esc);
    g.keys("q");
    snap_both(&mut g, "confirm_quit");
    g.keys("n");
    g.keys("s12.5");
    snap_both(&mut g, "stake_form");
    g.key(KeyCode::Esc);
    g.keys("s3000");
    snap_both(&mut g, "stake_form_slippage");
    g.key(KeyCode::Esc);
    g.keys("u");
    snap_both(&mut g, "unstake_form");
    g.key(KeyCode::Esc);
    g.keys("LArena");
    snap_both(&mut g, "launch_form");
    g.key(KeyCode::Esc);
    g.keys("w");
    g.key(KeyCode::Right);
    snap_both(&mut g, "policy_form");
    g.key(KeyCode::Esc);
    g.keys("m28\t50%");
    snap_both(&mut g, "move_form");
    g.key(KeyCode::Esc);
    g.keys("/ta");
    snap_both(&mut g, "market_filter");
}

/// The Log runs in block order: an order applied in block 1 is listed after the map's
/// opening narration (block 0), not above it.
#[test]
fn the_log_is_in_block_order() {
    let mut g = Game::new("tutorial", Some(200), Theme::colored());
    g.key(KeyCode::Esc);
    g.step(1);
    g.typed("s");
    g.typed("20\n");
    g.step(3);
    let journal = &g.snap().journal;
    let blocks: Vec<u64> = journal.iter().map(|l| l.block).collect();
    assert!(blocks.windows(2).all(|w| w[0] <= w[1]), "{blocks:?}");
    let welcome = journal.iter().position(|l| l.text.starts_with("Welcome to dTAO")).expect("the narration");
    let stake = journal.iter().position(|l| l.text.contains("stake 20")).expect("the stake");
    assert!(welcome < stake, "{journal:?}");
}

#[test]
fn results_at_the_end() {
    let mut g = Game::new("dtao-launch", Some(40), Theme::colored());
    g.key(KeyCode::Esc);
    g.step(40);
    assert!(g.snap().over);
    snap_both(&mut g, "results");
    // Esc looks around the final state; orders are refused; q then quits without asking.
    g.key(KeyCode::Esc);
    assert!(g.app.overlay().is_none());
    let status = g.text(80, 24).lines().last().map(str::to_string).unwrap_or_default();
    assert!(!status.contains("stake") && !status.contains("pause") && status.contains("q quit"), "{status}");
    g.keys("s");
    assert!(g.app.overlay().is_none());
    assert_eq!(g.app.toast().map(|t| t.text.as_str()), Some("the match is over"));
    g.keys("q");
    assert!(g.app.should_quit());
}

#[test]
fn too_small() {
    let mut g = played();
    let t = g.draw(60, 20);
    insta::assert_snapshot!("too_small_60x20", t.backend());
}

// ---------------------------------------------------------------------------------------
// Flows
// ---------------------------------------------------------------------------------------

const TAO: u64 = 1_000_000_000;

#[test]
fn buy_see_the_position_sell_see_the_tao_back() {
    let mut g = Game::new("dtao-launch", None, Theme::colored());
    g.key(KeyCode::Esc);
    assert_eq!(g.app.focus(), Some(1));
    g.keys("s10\n");
    assert!(g.app.overlay().is_none());
    assert_eq!(g.snap().pending, vec!["stake 10 TAO on SN1".to_string()]);
    assert!(g.text(80, 24).contains("1 order queued"));
    g.step(1);
    let me = g.snap().me.clone().expect("a player");
    assert_eq!(me.free_rao, 990 * TAO);
    let p = me.positions.iter().find(|p| p.netuid == 1).expect("a position on SN1");
    assert!(p.alpha_rao > 80 * TAO, "{p:?}");
    assert_eq!(p.cost_rao, 10 * TAO);
    let toast = g.app.toast().expect("a toast").text.clone();
    assert!(toast.starts_with("✓ stake 10 TAO on SN1: paid 10.0000 TAO, got"), "{toast}");
    // The portfolio shows it; unstake everything from there.
    g.keys("3");
    let screen = g.text(80, 24);
    assert!(screen.contains("Apex"), "{screen}");
    g.keys("uall\n");
    g.step(1);
    let me = g.snap().me.clone().expect("a player");
    assert!(me.positions.iter().all(|p| p.alpha_rao == 0), "{:?}", me.positions);
    // Back to about 1000 TAO: two fees, the round trip through the pool, and whatever
    // the crowd did to the price in between.
    assert!(me.free_rao.abs_diff(1000 * TAO) < 5 * TAO, "free {}", me.free_rao);
    let p = me.positions.iter().find(|p| p.netuid == 1).expect("a closed position with realised P/L");
    assert_eq!(i128::from(p.realized_rao), i128::from(me.free_rao) - i128::from(1000 * TAO), "{p:?}");
    let toast = g.app.toast().expect("a toast").text.clone();
    assert!(toast.starts_with("✓ unstake"), "{toast}");
    assert!(g.text(160, 48).contains("Realised"));
}

#[test]
fn launch_a_subnet() {
    let mut g = Game::new("dtao-launch", None, Theme::colored());
    g.key(KeyCode::Esc);
    let before = g.snap().view.subnets.len();
    g.keys("L");
    let form = g.text(160, 48);
    assert!(form.contains("Lock cost") && form.contains("1,000.00 τ"), "{form}");
    g.keys("Arena Test");
    g.key(KeyCode::Tab);
    g.key(KeyCode::Right);
    g.key(KeyCode::Enter);
    g.step(1);
    let snap = g.snap();
    let s = snap.view.subnets.iter().find(|s| s.name == "Arena Test").expect("the new subnet");
    assert_eq!(s.mechanism.name(), "holder");
    assert_eq!(snap.view.subnets.len(), before, "at the limit, one subnet makes room");
    let toast = g.app.toast().expect("a toast").text.clone();
    assert!(toast.contains("launched as SN"), "{toast}");
    g.keys("/arena\n");
    let market = g.text(80, 24);
    assert!(market.contains("Arena Test") && market.contains("not yet"), "{market}");
}

#[test]
fn a_rejected_order_says_why() {
    let mut g = Game::new("dtao-launch", None, Theme::colored());
    g.key(KeyCode::Esc);
    g.keys("s5000");
    // The live quote already warns, and Enter does not queue what it marks ✗.
    assert!(g.text(160, 48).contains("not enough free TAO: you have 1,000.00 τ"));
    g.keys("\n");
    assert!(g.app.toast().expect("a toast").text.starts_with("✗ not enough free TAO"));
    g.key(KeyCode::Esc);
    // One the engine rejects all the same (sent past the form: the world can change
    // between the quote and the block), is told with the engine's reason.
    g.handle.send(Command::Submit(Order::Stake { netuid: 1, tao: Tao(5_000_000_000_000), limit: None }));
    g.step(1);
    let n = g.snap().notices.last().cloned().expect("a notice");
    assert!(!n.ok);
    assert_eq!(n.text, "not enough free TAO: have 1000, need 5000");
    let toast = g.app.toast().expect("a toast").text.clone();
    assert_eq!(toast, "✗ rejected: stake 5000 TAO on SN1: not enough free TAO: have 1000, need 5000");
    assert!(g.text(160, 48).contains("rejected: stake 5000 TAO on SN1: not enough free TAO"));
    // The log keeps it, under the "rejected" filter too.
    g.keys("5ffff");
    let log = g.text(160, 48);
    assert!(log.contains("Log · rejected") && log.contains("not enough free TAO: have 1000, need 5000"), "{log}");
    // A form that does not parse says so and stays open.
    g.keys("1sabc\n");
    assert!(matches!(g.app.overlay(), Some(dtao_arena::tui::app::Overlay::Order(_))));
    assert!(g.app.toast().expect("a toast").text.contains("'abc' is not an amount"));
}

#[test]
fn pause_speed_and_step() {
    let mut g = Game::new("dtao-launch", None, Theme::colored());
    assert!(g.snap().paused, "a match starts paused, behind the welcome box");
    g.key(KeyCode::Enter);
    assert!(!g.snap().paused, "Enter on the welcome box starts the clock");
    g.keys(" ");
    assert!(g.snap().paused);
    let speed = g.snap().speed_index;
    g.keys("+");
    assert_eq!(g.snap().speed_index, speed + 1);
    g.keys("--");
    assert_eq!(g.snap().speed_index, speed - 1);
    assert!(g.text(80, 24).contains("30 blk/s"));
    let b = g.snap().block();
    g.keys(".");
    assert_eq!(g.snap().block(), b + 1);
    g.keys("...");
    assert_eq!(g.snap().block(), b + 4);
    // Running, "." explains itself instead.
    g.keys(" ");
    g.keys(".");
    assert!(g.app.toast().expect("a toast").text.contains("pause first"));
    g.keys(" ");
    // Every speed is reachable and clamped.
    g.keys("++++++++++++++++");
    assert_eq!(g.snap().blocks_per_sec(), 7200);
    g.keys("----------------");
    assert_eq!(g.snap().blocks_per_sec(), 1);
}

#[test]
fn the_clock_runs_in_real_time() {
    let mut g = Game::new("dtao-launch", None, Theme::colored());
    g.key(KeyCode::Esc);
    g.keys("++");
    assert_eq!(g.snap().blocks_per_sec(), 360);
    let start = std::time::Instant::now();
    g.keys(" ");
    std::thread::sleep(Duration::from_millis(400));
    g.keys(" ");
    let secs = start.elapsed().as_secs_f64();
    let b = g.snap().block();
    // 360 blocks a second, never faster; slower only on a starved machine.
    assert!(b >= 20, "block {b} after {secs:.2} s");
    assert!(b as f64 <= 360.0 * secs + 10.0, "block {b} after {secs:.2} s");
}

#[test]
fn screens_keys_and_mouse() {
    let mut g = Game::new("dtao-launch", None, Theme::colored());
    g.key(KeyCode::Esc);
    for (k, s) in [
        ('2', Screen::Subnet),
        ('3', Screen::Portfolio),
        ('4', Screen::Network),
        ('5', Screen::Log),
        ('1', Screen::Market),
    ] {
        g.keys(&k.to_string());
        assert_eq!(g.app.screen(), s);
    }
    g.key(KeyCode::Tab);
    assert_eq!(g.app.screen(), Screen::Subnet);
    g.key(KeyCode::BackTab);
    g.key(KeyCode::BackTab);
    assert_eq!(g.app.screen(), Screen::Log);
    g.keys("1");
    // Arrows and vim keys move the same way.
    g.key(KeyCode::Down);
    g.keys("j");
    assert_eq!(g.app.focus(), Some(3));
    g.key(KeyCode::Up);
    g.keys("k");
    assert_eq!(g.app.focus(), Some(1));
    g.keys("G");
    assert_eq!(g.app.focus(), Some(64));
    g.keys("g");
    assert_eq!(g.app.focus(), Some(1));
    // Sorting: by name, then reversed.
    g.keys("o");
    assert_eq!(g.app.market.sort, dtao_arena::tui::app::SortKey::Name);
    g.keys("g");
    let first = g.app.focus();
    g.keys("O");
    g.keys("g");
    assert_ne!(g.app.focus(), first);
    // The detail of the selected subnet is published.
    g.keys("\n");
    assert_eq!(g.app.screen(), Screen::Subnet);
    let focus = g.app.focus();
    assert_eq!(g.snap().detail.as_ref().map(|d| d.netuid), focus);
    g.key(KeyCode::Right);
    assert_ne!(g.app.focus(), focus);
    assert_eq!(g.snap().detail.as_ref().map(|d| d.netuid), g.app.focus());
    // Mouse: a tab, then a row (a second click on it opens it).
    g.resize(80, 24);
    let tabs = layout::tabs(layout::chrome(ratatui::layout::Rect::new(0, 0, 80, 24)).tabs);
    let (_, x0, ..) = tabs[0];
    g.app.update(Action::Click { col: x0 + 1, row: 1 });
    assert_eq!(g.app.screen(), Screen::Market);
    g.keys("OoOOo");
    g.app.update(Action::Click { col: 10, row: 5 });
    g.pump();
    let picked = g.app.focus();
    g.app.update(Action::Click { col: 10, row: 5 });
    assert_eq!(g.app.screen(), Screen::Subnet);
    assert_eq!(g.app.focus(), picked);
    g.app.update(Action::Click { col: tabs[3].1 + 1, row: 1 });
    assert_eq!(g.app.screen(), Screen::Network);
    // q asks; n keeps playing; y quits.
    g.keys("q");
    assert!(!g.app.should_quit());
    g.keys("n");
    assert!(g.app.overlay().is_none());
    g.keys("qy");
    assert!(g.app.should_quit());
}

/// The quit box holds a local match's clock, and a replay's: no block runs behind it,
/// and n lets the clock run again.
#[test]
fn the_clock_waits_behind_the_quit_box() {
    for replay in [false, true] {
        let mut g = if replay {
            Game::on(spawn_replay(), Theme::colored())
        } else {
            Game::new("dtao-launch", None, Theme::colored())
        };
        g.key(KeyCode::Enter);
        assert!(!g.snap().paused, "Enter on the welcome box starts the clock");
        g.keys("q");
        let b = g.snap().block();
        assert!(g.snap().paused, "replay {replay}: the box paused the clock");
        std::thread::sleep(Duration::from_millis(300));
        g.pump();
        assert_eq!(g.snap().block(), b, "replay {replay}: blocks ran behind the quit box");
        g.keys("n");
        assert!(!g.snap().paused, "replay {replay}: staying runs the clock again");
        g.keys(" ");
    }
}

#[test]
fn no_color_draws_without_colours() {
    use ratatui::style::Color;
    let mut g = Game::new("dtao-launch", None, Theme::mono());
    g.key(KeyCode::Esc);
    g.step(10);
    for screen in ["1", "\n", "3", "4", "5", "?"] {
        g.keys(screen);
        let t = g.draw(160, 48);
        let buf = t.backend().buffer();
        assert!(
            buf.content().iter().all(|c| matches!(c.fg, Color::Reset) && matches!(c.bg, Color::Reset)),
            "screen {screen} has a colour"
        );
    }
    let mut c = Game::new("dtao-launch", None, Theme::colored());
    let t = c.draw(160, 48);
    assert!(t.backend().buffer().content().iter().any(|c| !matches!(c.fg, Color::Reset)));
}

#[test]
fn the_log_scrolls_and_filters() {
    let mut g = played();
    g.keys("5");
    // At 160×48 the whole log fits: selecting moves no line (no blank space above the
    // oldest).
    let n = g.app.log_lines().len();
    assert!(n > 5 && n <= 34, "{n} lines: more than 160×48 shows");
    g.keys("kkkkk");
    assert_eq!((g.app.log_selected(), g.app.log_scroll()), (5, 0));
    assert!(g.text(160, 48).contains(&format!("line {} of {n}", n - 5)));
    g.keys("G");
    let newest = g.text(80, 24);
    // At 80×24 the list scrolls once the selection reaches its top.
    g.keys(&"k".repeat(n));
    assert_eq!(g.app.log_selected(), n - 1);
    assert!(g.app.log_scroll() > 0);
    // The oldest line at the top of a full panel, shown in full below it.
    let oldest = g.text(80, 24);
    let first = g.snap().journal.first().map(|l| l.text.clone()).expect("a journal");
    let row = oldest.lines().nth(3).expect("the first log row");
    assert!(row.contains('▶') && row.contains(first.get(..20).unwrap_or(&first)), "{oldest}");
    let last_row = oldest.lines().position(|l| l.starts_with('└')).expect("the list's bottom") - 1;
    assert!(!oldest.lines().nth(last_row).expect("the last log row").trim_matches(['│', ' ']).is_empty(), "{oldest}");
    g.keys("G");
    assert_eq!((g.app.log_selected(), g.app.log_scroll()), (0, 0));
    assert_eq!(g.text(80, 24), newest);
    g.keys("f");
    assert!(g.text(160, 48).contains("Log · map"));
}

// ---------------------------------------------------------------------------------------
// Replays, lessons, saves
// ---------------------------------------------------------------------------------------

/// Commands other than the subnet watch (which follows the selection).
fn orders_and_moves(cmds: &[Command]) -> Vec<Command> {
    cmds.iter().filter(|c| !matches!(c, Command::Watch(_))).cloned().collect()
}

#[test]
fn replay_screens() {
    let mut g = Game::on(spawn_replay(), Theme::colored());
    snap_both(&mut g, "replay_welcome");
    g.key(KeyCode::Esc);
    g.typed("t3600\n");
    assert_eq!(g.snap().block(), 3600);
    snap_both(&mut g, "replay");
    g.typed("4");
    snap_both(&mut g, "replay_network");
    g.typed("td2");
    snap_both(&mut g, "replay_goto");
    g.typed("\x1b?");
    let help = g.text(160, 48);
    assert!(help.contains("next / previous mark") && !help.contains("stake TAO / unstake alpha"), "{help}");
    assert!(help.contains("Teacher's note") && help.contains("Run it with pauses"), "{help}");
}

/// A save (or a room ended early) replayed to its end: the recording ends, the match
/// is not over, and no one has won.
#[test]
fn an_unfinished_recording_ends_without_a_winner() {
    let map = dtao_arena::scenario::load("tutorial").expect("map");
    let mut s = Session::new(&map, Some(7), Some(7200)).expect("session");
    s.start_recording(recorded_at());
    let h = s.add_human("you");
    s.submit(h, Order::Stake { netuid: 1, tao: Tao(25 * TAO), limit: None });
    for _ in 0..300 {
        s.step().expect("a block");
    }
    let mut g = Game::on(replay_of(s.recording(recorded_at()).expect("a recording")), Theme::colored());
    // Its welcome says it is unfinished, as its results do.
    let welcome = g.text(100, 30);
    assert!(welcome.contains("An unfinished match, recorded for 1h 00m (300 of its 7,200 blocks)"), "{welcome}");
    g.key(KeyCode::Esc);
    g.step(300);
    assert!(g.snap().over, "the replay reached the recording's end");
    let end = g.text(160, 48);
    assert!(end.contains("The recording ends at block 300 of 7,200 (unfinished)"), "{end}");
    assert!(end.contains("Standings where the recording stops.") && !end.contains("won the match"), "{end}");
    assert!(!end.contains("Winner") && !end.contains("holding TAO"), "{end}");
    assert!(end.contains("recording ends") && !end.contains("match over"), "{end}");
}

#[test]
fn a_replay_is_read_only_and_moves_by_marks_days_and_blocks() {
    let mut g = Game::on(spawn_replay(), Theme::colored());
    g.key(KeyCode::Esc);
    let end = g.snap().replay.as_ref().expect("a replay").end;
    assert_eq!(end, 21_600);
    // Order keys say why they do nothing.
    for c in "sudDmrRLMw".chars() {
        let cmds = g.typed(&c.to_string());
        assert!(g.app.overlay().is_none(), "{c} opened {:?}", g.app.overlay());
        assert_eq!(g.toast(), "read-only replay: orders are off", "{c}");
        assert!(orders_and_moves(&cmds).is_empty(), "{c} sent {cmds:?}");
    }
    // n goes to the end of the next marked block, and says what it was (each mark of a
    // block in turn: the second one of the first block, if it has two, stays there).
    let marks = g.snap().replay.as_ref().expect("a replay").marks.clone();
    let first = marks.first().expect("a mark");
    assert_eq!(orders_and_moves(&g.typed("n")), vec![Command::Seek(first.block + 1)]);
    assert_eq!(g.snap().block(), first.block + 1);
    assert!(g.toast().contains(&first.text), "{} / {first:?}", g.toast());
    let second = &marks[1];
    g.typed("n");
    assert_eq!(g.snap().block(), second.block + 1);
    assert!(g.toast().contains(&second.text), "{} / {second:?}", g.toast());
    g.typed("N");
    assert_eq!(g.snap().block(), first.block + 1);
    assert!(g.toast().contains(&first.text), "{} / {first:?}", g.toast());
    // t takes a day (day 1 starts at block 0, as the title bar counts) or a block.
    assert_eq!(orders_and_moves(&g.typed("td2\n")), vec![Command::Seek(7200)]);
    assert_eq!(g.snap().block(), 7200);
    assert!(g.text(160, 48).contains("day 2 · blk 7,200/21,600"));
    assert_eq!(orders_and_moves(&g.typed("tday 1\n")), vec![Command::Seek(0)]);
    assert_eq!(orders_and_moves(&g.typed("t1,234\n")), vec![Command::Seek(1234)]);
    assert_eq!(g.snap().block(), 1234);
    // A bad target says what is wrong and keeps the prompt open.
    assert!(orders_and_moves(&g.typed("td9\n")).is_empty());
    assert!(matches!(g.app.overlay(), Some(Overlay::GoTo(_))));
    assert!(g.toast().contains("there is no day 9: the recording has 3 days"), "{}", g.toast());
    g.typed("\x1b");
    assert!(g.app.overlay().is_none());
    // ] and [ move a day; keys pressed before the snapshot arrives add up.
    assert_eq!(orders_and_moves(&g.typed("[")), vec![Command::Seek(0)]);
    g.app.on_key(KeyEvent::new(KeyCode::Char(']'), KeyModifiers::NONE));
    g.app.on_key(KeyEvent::new(KeyCode::Char('['), KeyModifiers::NONE));
    g.app.on_key(KeyEvent::new(KeyCode::Char(']'), KeyModifiers::NONE));
    let cmds = orders_and_moves(&g.app.take_commands());
    assert_eq!(cmds, vec![Command::Seek(7200), Command::Seek(0), Command::Seek(7200)]);
    // Time still works; saving does not (and the message goes once the replay moves on).
    assert!(orders_and_moves(&g.press(KeyCode::Char('s'), KeyModifiers::CONTROL)).is_empty());
    assert!(g.toast().contains("nothing to save"));
    let b = g.snap().block();
    g.typed(".");
    assert_eq!(g.snap().block(), b + 1);
    assert!(!g.toast().contains("nothing to save"), "a stale message");
    let cmds = g.typed(" ");
    assert_eq!(orders_and_moves(&cmds), vec![Command::TogglePause]);
}

#[test]
fn a_replay_never_shows_a_stale_message_or_queued_orders() {
    let mut g = Game::on(spawn_replay(), Theme::colored());
    // At block 0 the recorded player's first order waits for block 1; a replay is
    // read-only: nothing is "queued".
    assert!(!g.text(80, 24).contains("queued"), "{}", g.text(80, 24));
    g.key(KeyCode::Esc);
    assert_eq!(g.snap().block(), 0);
    assert!(!g.text(80, 24).contains("queued"), "{}", g.text(80, 24));
    // [ at the start says so; once the replay moves on, the message goes.
    g.typed("[");
    assert_eq!(g.toast(), "this is the start of the match");
    g.typed("]");
    assert_eq!(g.snap().block(), 7200);
    assert_eq!(g.toast(), "", "a stale message");
    // "going to block N" stays while the replay is there, and goes when it moves.
    g.typed("t14400\n");
    assert!(g.toast().contains("going to block 14,400"), "{}", g.toast());
    g.typed("[");
    assert_eq!(g.snap().block(), 7200);
    assert_eq!(g.toast(), "", "a stale message");
    // A mark's message goes too.
    g.typed("N");
    assert!(g.toast().contains("block"), "{}", g.toast());
    g.typed("]");
    assert_eq!(g.toast(), "", "a stale message");
    // A replay that plays on from a seek keeps its message a moment, to read it, then
    // it goes (before the message would time out).
    g.typed("t7200\n ");
    std::thread::sleep(Duration::from_millis(300));
    g.pump();
    assert!(g.snap().block() > 7200 && !g.snap().paused, "the replay plays");
    assert!(g.toast().contains("going to block 7,200"), "{:?}", g.toast());
    for _ in 0..30 {
        g.app.update(Action::Tick);
    }
    assert_eq!(g.toast(), "", "a stale message while the replay plays on");
    g.typed(" ");
    // Space at the end says it is the end.
    g.typed("t21600\n");
    assert_eq!(g.snap().block(), 21_600);
    g.app.update(Action::Back);
    g.typed(" ");
    assert!(g.toast().contains("end of the recording"), "{}", g.toast());
    assert!(g.text(80, 24).contains("end of the recording"));
}

#[test]
fn replay_boxes_and_headers_fit_at_80_columns() {
    let mut g = Game::on(spawn_replay(), Theme::colored());
    g.key(KeyCode::Esc);
    g.typed("t7200\n3");
    // The Portfolio's first line keeps the rank whole.
    let screen = g.text(80, 24);
    let first = screen.lines().nth(2).expect("the summary");
    assert!(first.contains("rank 1 of 2") || first.contains("rank 2 of 2"), "{screen}");
    assert!(screen.contains("p P: another player"), "{screen}");
    // The help box leaves the timeline (and the status line) in view.
    g.typed("?");
    let rows: Vec<String> = g.text(80, 24).lines().map(String::from).collect();
    assert!(rows[22].contains("REPLAY") && rows[22].contains("7,200/21,600"), "{}", rows.join("\n"));
    assert!(rows[1].contains("Keys"), "{}", rows.join("\n"));
}

#[test]
fn a_replay_follows_any_player_in_the_portfolio() {
    let mut g = Game::on(spawn_replay(), Theme::colored());
    g.key(KeyCode::Esc);
    g.typed("t7200\n3");
    let me = g.snap().me.clone().expect("the human's book");
    assert_eq!(me.name, "you");
    let screen = g.text(160, 48);
    assert!(screen.contains("you (human)") && screen.contains("p P: another player"), "{screen}");
    // p: the next player, the scripted bot, with the cost basis of its ten buys.
    let cmds = orders_and_moves(&g.typed("p"));
    let buyer = g.snap().players.iter().find(|p| p.name == "buyer").expect("the bot").id;
    assert_eq!(cmds, vec![Command::Follow(buyer)]);
    assert_eq!(g.toast(), "Portfolio: following buyer");
    let book = g.snap().me.clone().expect("the bot's book");
    assert_eq!((book.id, book.name.as_str()), (buyer, "buyer"));
    let sn1 = book.positions.iter().find(|p| p.netuid == 1).expect("the bot's SN1 position");
    assert_eq!(sn1.cost_rao, 50_000_000_000, "ten buys of 5 TAO");
    snap_both(&mut g, "replay_portfolio_bot");
    // A seek keeps the player and its cost basis (from the index's kept states).
    g.typed("t100\n");
    let early = g.snap().me.clone().expect("the bot's book");
    assert_eq!(early.name, "buyer");
    assert_eq!(early.positions.iter().find(|p| p.netuid == 1).map(|p| p.cost_rao), Some(5_000_000_000));
    // P goes back to the human.
    g.typed("P");
    assert_eq!(g.snap().me.as_ref().map(|m| m.name.as_str()), Some("you"));
    g.typed("p");
    g.typed("t21599\n");
    let last = g.snap().me.clone().expect("the bot's book");
    assert_eq!(last.positions.iter().find(|p| p.netuid == 1).map(|p| p.cost_rao), Some(50_000_000_000));
}

/// The tutorial (seed 7) with the human "ana", who stakes 25 TAO on SN1 at once; `then`
/// finishes the setup and says whose game it is (`None`: a spectator's).
fn spawn_ana(
    then: impl FnOnce(&mut Session, AccountId) -> Result<Option<AccountId>, String> + Send + 'static,
) -> SessionHandle {
    let map = dtao_arena::scenario::load("tutorial").expect("map");
    SessionHandle::spawn(
        move || {
            let mut s = Session::new(&map, Some(7), None).map_err(|e| e.to_string())?;
            let ana = s.add_human("ana");
            s.submit(ana, Order::Stake { netuid: 1, tao: Tao(25 * TAO), limit: None });
            let human = then(&mut s, ana)?;
            Ok(Setup::new(s, human))
        },
        HandleOptions::default(),
    )
    .expect("spawn")
}

/// A spectator (a projector: a live match and no player of one's own) follows any
/// player's book with p and P, with the cost basis of what it sees; orders stay off.
#[test]
fn a_spectator_follows_any_player_in_the_portfolio() {
    let mut g = Game::on(
        spawn_ana(|s, _| {
            s.add_bot("buyer", Box::new(Buyer { left: 10 }));
            Ok(None)
        }),
        Theme::colored(),
    );
    g.key(KeyCode::Esc);
    g.step(4000);
    g.typed("3");
    assert!(g.snap().me.is_none(), "nobody is followed at first");
    assert!(g.text(160, 48).contains("you are watching this match: p P follow a player's book"));
    // The Subnet screen names no one's position while nobody is followed.
    g.typed("2");
    assert!(!g.text(160, 48).contains("you: "), "a spectator has no position of its own");
    g.typed("3");
    // p: the first player in account order, the human.
    let ana = g.snap().players.iter().find(|p| p.name == "ana").expect("the human").id;
    let buyer = g.snap().players.iter().find(|p| p.name == "buyer").expect("the bot").id;
    assert_eq!(orders_and_moves(&g.typed("p")), vec![Command::Follow(ana)]);
    assert_eq!(g.toast(), "Portfolio: following ana");
    let book = g.snap().me.clone().expect("ana's book");
    assert_eq!((book.name.as_str(), book.basis_from), ("ana", None), "watched from block 0");
    assert_eq!(book.positions.iter().find(|p| p.netuid == 1).map(|p| p.cost_rao), Some(25 * TAO));
    let screen = g.text(160, 48);
    assert!(screen.contains("ana (human)") && screen.contains("p P: another player"), "{screen}");
    g.typed("2");
    assert!(g.text(160, 48).contains("ana: "), "the Subnet screen names the followed player's position");
    g.typed("1");
    assert!(g.text(160, 48).contains("Yours: ana"), "the Market says whose the Yours columns are");
    g.typed("3");
    // p again: the bot, its ten buys of 5 TAO watched as they happened.
    assert_eq!(orders_and_moves(&g.typed("p")), vec![Command::Follow(buyer)]);
    let book = g.snap().me.clone().expect("the bot's book");
    assert_eq!(book.positions.iter().find(|p| p.netuid == 1).map(|p| p.cost_rao), Some(50 * TAO));
    // P goes back.
    g.typed("P");
    assert_eq!(g.snap().me.as_ref().map(|m| m.id), Some(ana));
    // Orders stay off, and the help lists p P but no order keys.
    for c in "sudmrLMw".chars() {
        assert!(orders_and_moves(&g.typed(&c.to_string())).is_empty());
        assert!(g.app.overlay().is_none(), "{c} opened a form");
    }
    g.typed("?");
    let help = g.text(160, 48);
    assert!(help.contains("the next / previous player's book"), "{help}");
    assert!(!help.contains("stake TAO / unstake alpha"), "{help}");
    // At the end, the verdict names the followed player instead of saying "you".
    g.typed("?");
    g.step(3200);
    assert!(g.snap().over);
    let end = g.text(160, 48);
    assert!(!end.contains("You won") && !end.contains("You beat"), "{end}");
    assert!(
        ["Winner: ana.", "For ana: better than", "For ana: as good as", "For ana: holding TAO would"]
            .iter()
            .any(|v| end.contains(v)),
        "{end}"
    );
}

/// A book picked up mid-match (a student who rejoins a shared world, a spectator who
/// arrives late) costs the positions held then at their value then, instead of showing
/// all of it as profit, and says from which block.
#[test]
fn a_book_picked_up_mid_match_costs_its_positions_at_their_value_then() {
    let mut g = Game::on(
        spawn_ana(|s, ana| {
            for _ in 0..100 {
                s.step().map_err(|e| e.to_string())?;
            }
            Ok(Some(ana))
        }),
        Theme::colored(),
    );
    g.key(KeyCode::Esc);
    let book = g.snap().me.clone().expect("ana's book");
    assert_eq!(book.basis_from, Some(100));
    let sn1 = book.positions.iter().find(|p| p.netuid == 1).expect("the SN1 position");
    assert_eq!(sn1.cost_rao, sn1.value_rao, "valued at block 100");
    assert!(sn1.cost_rao > 20 * TAO && sn1.cost_rao < 25 * TAO, "{}", sn1.cost_rao);
    g.typed("3");
    assert!(g.text(160, 48).contains("Positions · cost from block 100 ·"));
}

#[test]
fn replay_keys_are_for_replays_only() {
    let mut g = Game::new("dtao-launch", None, Theme::colored());
    g.key(KeyCode::Esc);
    for c in "nN[]t".chars() {
        assert!(orders_and_moves(&g.typed(&c.to_string())).is_empty());
        assert!(g.app.overlay().is_none());
        assert!(g.toast().contains("move through a replay"), "{}", g.toast());
    }
    for c in "pP".chars() {
        assert!(orders_and_moves(&g.typed(&c.to_string())).is_empty());
        assert!(g.toast().contains("another player's book when watching"), "{}", g.toast());
    }
    let help = g.text(160, 48);
    g.typed("?");
    let help_now = g.text(160, 48);
    assert_ne!(help, help_now);
    assert!(help_now.contains("stake TAO / unstake alpha") && !help_now.contains("next / previous mark"));
}

#[test]
fn a_lesson_pauses_on_each_narration_until_a_key() {
    let mut g = Game::on(spawn_match("tutorial", None, true), Theme::colored());
    g.key(KeyCode::Esc);
    g.step(1);
    let n = g.snap().narration.clone().expect("paused on the first narration");
    assert_eq!(n.block, 0);
    assert!(g.app.narration().is_some());
    snap_both(&mut g, "lesson_narration");
    // Any key closes it (and lets the clock run again) ...
    assert_eq!(orders_and_moves(&g.typed("x")), vec![Command::Dismiss]);
    assert!(g.snap().narration.is_none());
    assert!(g.app.narration().is_none());
    // ... a narration that names a subnet selects it; Enter opens its charts.
    g.step(2880);
    let n = g.snap().narration.clone().expect("the SN28 narration");
    assert!(n.text.starts_with("SN28"), "{n:?}");
    assert_eq!(g.app.focus(), Some(28));
    assert!(g.text(80, 24).contains("Enter opens SN28's charts, paused"));
    // (The clock paused first: no block runs before the charts show.)
    assert_eq!(orders_and_moves(&g.typed("\n")), vec![Command::Pause, Command::Dismiss]);
    assert_eq!(g.app.screen(), Screen::Subnet);
    assert!(g.text(160, 48).contains("SN28 TAO Accumulation Corp"));
    // The objectives are on the Network screen; the teacher's note in the help.
    g.typed("4");
    snap_both(&mut g, "lesson_network");
    g.typed("?");
    assert!(g.text(160, 48).contains("Teacher's note"));
    assert!(g.text(160, 48).contains("close a narration"));
    // `q` on a narration closes it and asks whether to quit, as everywhere else (with the
    // clock paused behind the box, before the narration lets go of it).
    g.typed("\x1b");
    g.step(3600);
    assert!(g.app.narration().is_some(), "paused on a later narration");
    assert_eq!(orders_and_moves(&g.typed("q")), vec![Command::Pause, Command::Dismiss]);
    assert!(g.app.narration().is_none());
    assert!(g.text(80, 24).contains("Quit this match?"));
}

#[test]
fn save_now_and_quit_says_where() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("game.dtrec");
    let save = path.clone();
    let map = dtao_arena::scenario::load("tutorial").expect("map");
    let handle = SessionHandle::spawn(
        move || {
            let mut s = Session::new(&map, Some(7), None).map_err(|e| e.to_string())?;
            s.start_recording(recorded_at());
            let h = s.add_human("you");
            Ok(Setup { autosave: Some(save), ..Setup::new(s, Some(h)) })
        },
        HandleOptions::default(),
    )
    .expect("spawn");
    let mut g = Game::on(handle, Theme::colored());
    g.key(KeyCode::Esc);
    g.step(5);
    assert_eq!(orders_and_moves(&g.press(KeyCode::Char('s'), KeyModifiers::CONTROL)), vec![Command::Save]);
    let saved = g.snap().saved.clone().expect("saved");
    assert_eq!((saved.block, saved.error.as_deref()), (5, None));
    assert!(path.exists());
    assert!(g.toast().starts_with("saved at block 5 to "), "{}", g.toast());
    g.step(3);
    assert_eq!(orders_and_moves(&g.typed("S")), vec![Command::Save]);
    assert!(g.toast().starts_with("saved at block 8 to "), "{}", g.toast());
    g.typed("q");
    let screen = g.text(160, 48);
    assert!(screen.contains("it will be saved to"), "{screen}");
    drop(g);
}

#[test]
fn an_objective_is_ticked_when_the_player_reaches_it() {
    let mut g = Game::new("tutorial", None, Theme::colored());
    g.key(KeyCode::Esc);
    g.keys("4");
    let before = g.text(160, 48);
    assert!(before.contains("Objectives · 0 of 2 checked ones reached · 2 for discussion"), "{before}");
    assert!(before.contains("↳ you hold alpha"), "{before}");
    // Stake: holding alpha is checked every block, so the block that fills the stake
    // ticks it. The fill is told first, then the objective.
    g.keys("s10\n");
    g.step(1);
    assert_eq!(g.snap().objectives.first().copied().flatten(), Some(1));
    assert!(g.toast().starts_with("✓ stake 10 TAO"), "{}", g.toast());
    while g.toast().starts_with("✓ stake") {
        g.app.update(dtao_arena::tui::Action::Tick);
    }
    assert_eq!(
        g.toast(),
        "✓ objective reached: Stake TAO into a subnet pool and watch the price move against you (slippage)"
    );
    let after = g.text(160, 48);
    assert!(after.contains("Objectives · 1 of 2 checked ones reached"), "{after}");
    // Seen after block 0 ran: its time, 00:00:00, as the Log has it.
    assert!(after.contains("↳ you hold alpha: reached Thu 13 Feb 00:00"), "{after}");
    assert!(after.contains(" ✓ Stake TAO"), "{after}");
}
