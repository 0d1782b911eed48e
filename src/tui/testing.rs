//! Test helpers: the game on a real match's snapshot (the tutorial, a human "you", paused
//! at block 0), changed field by field to set up each case, drawn to a `TestBackend`.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::action::Action;
use super::app::{App, Options};
use super::theme::Theme;
use crate::engine::Policy;
use crate::session::Session;
use crate::session::handle::{HandleOptions, MatchInfo, SessionHandle, Setup, Snapshot};

pub const TAO: u64 = 1_000_000_000;

/// The tutorial's match facts and its first snapshot (made once per test binary).
pub fn base() -> (Arc<MatchInfo>, Snapshot) {
    static BASE: OnceLock<(MatchInfo, Snapshot)> = OnceLock::new();
    let (info, snap) = BASE.get_or_init(|| {
        let map = crate::scenario::load("tutorial").expect("the tutorial map");
        let mut handle = SessionHandle::spawn(
            move || {
                let mut s = Session::new(&map, Some(7), None).map_err(|e| e.to_string())?;
                let h = s.add_human("you");
                Ok(Setup::new(s, Some(h)))
            },
            HandleOptions::default(),
        )
        .expect("a match");
        let snap = handle.sync(Duration::from_secs(30));
        let info = handle.info();
        handle.quit();
        ((*info).clone(), (*snap).clone())
    });
    (Arc::new(info.clone()), snap.clone())
}

/// The game on `snap` (no welcome box), laid out for 80×24.
pub fn app_on(info: Arc<MatchInfo>, snap: Snapshot) -> App {
    let mut app = App::new(
        info,
        Arc::new(snap),
        Theme::mono(),
        Options { welcome: false, narration_guard: Duration::ZERO, ..Options::default() },
    );
    app.update(Action::Resize { width: 80, height: 24 });
    app
}

/// The game on the tutorial's first snapshot changed by `change`.
pub fn app_with(change: impl FnOnce(&mut Snapshot)) -> App {
    let (info, mut snap) = base();
    change(&mut snap);
    app_on(info, snap)
}

/// Presses keys: each character (`\n` Enter, `\x1b` Esc, `\t` Tab).
pub fn keys(app: &mut App, s: &str) {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    for c in s.chars() {
        let code = match c {
            '\n' => KeyCode::Enter,
            '\x1b' => KeyCode::Esc,
            '\t' => KeyCode::Tab,
            c => KeyCode::Char(c),
        };
        app.on_key(KeyEvent::new(code, KeyModifiers::NONE));
    }
}

/// The screen at `w`×`h`, one string per row.
pub fn rows(app: &mut App, w: u16, h: u16) -> Vec<String> {
    app.update(Action::Resize { width: w, height: h });
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("a terminal");
    t.draw(|f| f.render_widget(&*app, f.area())).expect("draw");
    let buf = t.backend().buffer();
    (0..h).map(|y| (0..w).map(|x| buf[(x, y)].symbol()).collect::<String>()).collect()
}

/// The screen at `w`×`h` as one string.
pub fn text(app: &mut App, w: u16, h: u16) -> String {
    rows(app, w, h).join("\n")
}

/// `snap` watching SN`netuid`, whose validators are the foundation (honest) with
/// `1 - mine` of the stake weight and the player with `mine`.
pub fn watching(snap: &mut Snapshot, netuid: crate::engine::Netuid, foundation: Policy, mine: f64) {
    use crate::engine::AccountKind;
    use crate::session::handle::{Holder, SubnetDetail};
    let me = snap.me.as_ref().expect("a player").id;
    let holder = |id, name: &str, kind, share, policy| Holder {
        id,
        name: name.into(),
        kind,
        alpha_rao: 0,
        root_weight_rao: 0,
        share,
        policy,
    };
    let mut holders =
        vec![holder(crate::engine::AccountId(me.0 + 100), "foundation", AccountKind::Npc, 1.0 - mine, foundation)];
    if mine > 0.0 {
        holders.push(holder(me, "you", AccountKind::Human, mine, Policy::Honest));
    }
    snap.detail = Some(SubnetDetail {
        netuid,
        owner: "team".into(),
        holders,
        alpha_weight_rao: 0,
        root_weight_rao: 0,
        controller: None,
        miners: Vec::new(),
        alpha_issuance_rao: 0,
        alpha_until_halving_rao: None,
        trades: Vec::new(),
    });
}
