//! Stop signals (Ctrl-C, `kill`, a closed terminal) for commands that must finish
//! their work before they exit: the first signal asks them to stop, a second one quits
//! at once (exit code 130).

/// Calls `stop` on a background thread when the process gets SIGINT, SIGTERM or SIGHUP
/// (Ctrl-C on other systems); a second Ctrl-C or `kill` exits the process (a repeated
/// hangup does not: a closing terminal sends several). `false` if the
/// signals could not be watched (the defaults then apply: the process just ends).
pub(crate) fn on_stop(stop: impl FnOnce() + Send + 'static) -> bool {
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new().name("dtao-signals".into()).spawn(move || {
        let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_io().build() else {
            let _ = ready_tx.send(false);
            return;
        };
        rt.block_on(async move {
            let Some(mut signals) = Signals::new() else {
                let _ = ready_tx.send(false);
                return;
            };
            let _ = ready_tx.send(true);
            signals.next().await;
            stop();
            // A closed terminal sends SIGHUP more than once (the terminal and the kernel's
            // hangup): only a second Ctrl-C or kill means "quit now, unsaved".
            while signals.next().await == Kind::Hangup {}
            remove_registered();
            std::process::exit(130);
        });
    });
    spawned.is_ok() && ready_rx.recv().unwrap_or(false)
}

/// Temporary files to remove when a second signal quits at once (no destructor runs
/// then): a trace streamed to a hidden file can be gigabytes.
static TEMPORARY: std::sync::Mutex<Vec<std::path::PathBuf>> = std::sync::Mutex::new(Vec::new());

/// Removes `path` if the process quits at a second signal.
pub(crate) fn remove_on_quit(path: &std::path::Path) {
    TEMPORARY.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(path.to_path_buf());
}

fn remove_registered() {
    for p in TEMPORARY.lock().unwrap_or_else(std::sync::PoisonError::into_inner).iter() {
        // Gone already when it was renamed into place or dropped.
        let _ = std::fs::remove_file(p);
    }
}

/// What a signal asks.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Ctrl-C or `kill`.
    Stop,
    /// The terminal closed.
    Hangup,
}

#[cfg(unix)]
struct Signals {
    term: tokio::signal::unix::Signal,
    hup: tokio::signal::unix::Signal,
    int: tokio::signal::unix::Signal,
}

#[cfg(unix)]
impl Signals {
    fn new() -> Option<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Some(Self {
            term: signal(SignalKind::terminate()).ok()?,
            hup: signal(SignalKind::hangup()).ok()?,
            int: signal(SignalKind::interrupt()).ok()?,
        })
    }

    async fn next(&mut self) -> Kind {
        tokio::select! {
            _ = self.term.recv() => Kind::Stop,
            _ = self.hup.recv() => Kind::Hangup,
            _ = self.int.recv() => Kind::Stop,
        }
    }
}

#[cfg(not(unix))]
struct Signals;

#[cfg(not(unix))]
impl Signals {
    fn new() -> Option<Self> {
        Some(Self)
    }

    async fn next(&mut self) -> Kind {
        let _ = tokio::signal::ctrl_c().await;
        Kind::Stop
    }
}
