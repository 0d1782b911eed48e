//! The real terminal: raw mode, the alternate screen and mouse capture on the way in;
//! everything restored on the way out, on error (a guard) and on panic (a hook). And the
//! event loop that ties the terminal, the [`App`] and the [`SessionHandle`] together.

use std::io::{self, Stdout, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crossterm::event::{
    self, DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture, Event,
};
use crossterm::terminal::{EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode};
use crossterm::{cursor, execute};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

use super::action::Action;
use super::app::{App, Options};
use super::theme::Theme;
use crate::session::handle::SessionHandle;

/// Longest wait for input before the loop looks at the simulation again.
const FRAME_PERIOD: Duration = Duration::from_millis(33);
/// Time between two [`Action::Tick`]s.
const TICK_PERIOD: Duration = Duration::from_millis(100);

static ACTIVE: AtomicBool = AtomicBool::new(false);
static STOP: AtomicBool = AtomicBool::new(false);

/// Asks the running game to end as if the player had quit (the terminal restored, the
/// game saved): for a stop signal, which would otherwise leave the terminal raw.
pub fn request_stop() {
    STOP.store(true, Ordering::SeqCst);
}

/// Leaves raw mode and the alternate screen, stops mouse capture and bracketed paste and
/// shows the cursor.
/// Safe to call more than once.
///
/// # Errors
/// Writing to the terminal failed.
pub fn restore() -> io::Result<()> {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return Ok(());
    }
    let raw = disable_raw_mode();
    let mut out = io::stdout();
    let screen = execute!(out, DisableBracketedPaste, DisableMouseCapture, LeaveAlternateScreen, cursor::Show);
    let _ = out.flush();
    raw.and(screen)
}

/// Restores the terminal when dropped (on return, on `?`, and while unwinding).
pub struct Guard {
    /// The terminal (taken when the guard drops).
    terminal: Option<Terminal<CrosstermBackend<Stdout>>>,
    previous_hook: Option<std::sync::Arc<PanicHook>>,
}

type PanicHook = Box<dyn Fn(&std::panic::PanicHookInfo<'_>) + Sync + Send + 'static>;

impl Guard {
    /// Enters raw mode and the alternate screen, captures the mouse, brackets pastes (so
    /// that pasted text does not arrive as keys), hides the cursor,
    /// and installs a panic hook that restores the terminal before the panic message is
    /// printed (for panics on this thread; the simulation thread reports its own).
    ///
    /// # Errors
    /// The terminal refused.
    pub fn enter() -> io::Result<Self> {
        let ui = std::thread::current().id();
        let previous: std::sync::Arc<PanicHook> = std::sync::Arc::new(std::panic::take_hook());
        let chained = std::sync::Arc::clone(&previous);
        std::panic::set_hook(Box::new(move |info| {
            if std::thread::current().id() == ui {
                let _ = restore();
            }
            chained(info);
        }));
        ACTIVE.store(true, Ordering::SeqCst);
        enable_raw_mode()?;
        let mut out = io::stdout();
        execute!(out, EnterAlternateScreen, EnableMouseCapture, EnableBracketedPaste, cursor::Hide)?;
        let terminal = Terminal::new(CrosstermBackend::new(out))?;
        Ok(Self { terminal: Some(terminal), previous_hook: Some(previous) })
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(t) = self.terminal.take() {
            if tty_present() {
                drop(t);
            } else {
                // Gone: dropping it would print (and panic on) an error about the
                // cursor to a terminal that no longer exists.
                std::mem::forget(t);
            }
        }
        let _ = restore();
        if !std::thread::panicking() {
            if let Some(prev) = self.previous_hook.take() {
                // Put the previous hook back (ours only forwards to it).
                std::panic::set_hook(Box::new(move |info| prev(info)));
            }
        }
    }
}

/// Terminal input, read on a thread of its own: once the terminal is gone (a closed
/// window, a dropped SSH session), crossterm's reader re-reads the hung-up tty forever
/// and never returns, timeout or not (crossterm-rs/crossterm#793). Reading here, the
/// game's loop still runs, sees the stop signal or the missing terminal, saves and exits.
fn spawn_input() -> io::Result<mpsc::Receiver<io::Result<Event>>> {
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new().name("dtao-input".into()).spawn(move || {
        loop {
            let e = event::read();
            let failed = e.is_err();
            if tx.send(e).is_err() || failed {
                break;
            }
        }
    })?;
    Ok(rx)
}

/// Whether the game's terminal still exists: after a hangup the process has no
/// controlling terminal, so `/dev/tty` no longer opens. Looked at once a second, and
/// only if it opened at the start.
struct TtyWatch {
    watched: bool,
    last: Instant,
}

impl TtyWatch {
    fn new() -> Self {
        Self { watched: tty_present(), last: Instant::now() }
    }

    /// The terminal is gone (checked at most once a second).
    fn gone(&mut self) -> bool {
        if !self.watched || self.last.elapsed() < Duration::from_secs(1) {
            return false;
        }
        self.gone_now()
    }

    /// The terminal is gone (checked now).
    fn gone_now(&mut self) -> bool {
        self.last = Instant::now();
        self.watched && !tty_present()
    }
}

#[cfg(unix)]
fn tty_present() -> bool {
    std::fs::File::open("/dev/tty").is_ok()
}

#[cfg(not(unix))]
fn tty_present() -> bool {
    true
}

/// Runs the game on the real terminal until the player quits. The terminal is restored
/// whatever happens.
///
/// # Errors
/// The terminal failed.
pub fn run(handle: &mut SessionHandle, theme: Theme, options: Options) -> io::Result<()> {
    let mut guard = Guard::enter()?;
    let result = match guard.terminal.as_mut() {
        Some(t) => event_loop(t, handle, theme, options),
        None => Ok(()),
    };
    // The game is saved before the terminal is touched again (it may be gone).
    handle.quit();
    drop(guard);
    result
}

fn event_loop(
    terminal: &mut Terminal<CrosstermBackend<Stdout>>,
    handle: &mut SessionHandle,
    theme: Theme,
    options: Options,
) -> io::Result<()> {
    let input = spawn_input()?;
    let mut tty = TtyWatch::new();
    let mut app = App::new(handle.info(), handle.latest(), theme, options);
    let size = terminal.size()?;
    app.update(Action::Resize { width: size.width, height: size.height });
    let mut dirty = true;
    let mut last_tick = Instant::now();
    loop {
        let snap = handle.latest();
        if snap.seq != app.snap().seq {
            let fresh_error = snap.error.is_some() && app.snap().error.is_none();
            app.set_snapshot(snap);
            if fresh_error {
                // Whatever the failing thread printed is on the screen: repaint all of it.
                terminal.clear()?;
            }
            dirty = true;
        }
        for c in app.take_commands() {
            handle.send(c);
        }
        if app.should_quit() || STOP.load(Ordering::SeqCst) || tty.gone() {
            return Ok(());
        }
        if dirty {
            // A terminal that went away mid-draw is not an error of the game's.
            if let Err(e) = terminal.draw(|f| f.render_widget(&app, f.area())) {
                return if tty.gone_now() { Ok(()) } else { Err(e) };
            }
            dirty = false;
        }
        match input.recv_timeout(FRAME_PERIOD) {
            Ok(first) => {
                // Drain everything that is waiting, then draw once.
                let mut next = Some(first);
                while let Some(e) = next.take() {
                    match e? {
                        Event::Key(k) => app.on_key(k),
                        Event::Mouse(m) => app.on_mouse(m),
                        // Bracketed: a paste is text for a field, never keys of the game.
                        Event::Paste(text) => app.on_paste(&text),
                        Event::Resize(width, height) => app.update(Action::Resize { width, height }),
                        _ => {}
                    }
                    dirty = true;
                    if !app.should_quit() {
                        next = input.try_recv().ok();
                    }
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => return Ok(()),
        }
        if last_tick.elapsed() >= TICK_PERIOD {
            last_tick = Instant::now();
            let had = app.toast().is_some();
            app.update(Action::Tick);
            dirty |= had != app.toast().is_some();
        }
    }
}
