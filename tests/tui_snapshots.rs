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
    let map = dtao_arena::scenario::load(map).expect("map");
    SessionHandle::spawn(
        move || {
            let mut s = Session::new(&map, Some(7), blocks).map_err(|e| e.to_string())?;
            let h = s.add_human("you");
            s.add_bot("buyer", Box::new(Buyer { left: 10 }));
            Ok(Setup { session: s, human: Some(h) })
        },
        HandleOptions::default(),
    )
    .expect("spawn")
}

/// The game and its match.
pub struct Game {
    pub handle: SessionHandle,
    pub app: App,
}

impl Game {
    pub fn new(map: &str, blocks: Option<u64>, theme: Theme) -> Self {
        let handle = spawn(map, blocks);
        let app = App::new(handle.info(), handle.latest(), theme, Options::default());
        let mut g = Self { handle, app };
        g.resize(80, 24);
        g.pump();
        g
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
    assert!(toast.starts_with("✓ stake 10 TAO on SN1: paid 10 TAO, got"), "{toast}");
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
    // The live quote already warns.
    assert!(g.text(160, 48).contains("not enough free TAO: you have 1,000.00 τ"));
    g.keys("\n");
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
    let newest = g.text(160, 48);
    g.keys("kkkkk");
    assert_eq!(g.app.log_scroll(), 5);
    assert!(g.text(160, 48).contains("5 lines back"));
    g.keys("G");
    assert_eq!(g.app.log_scroll(), 0);
    assert_eq!(g.text(160, 48), newest);
    g.keys("f");
    assert!(g.text(160, 48).contains("Log · map"));
}
