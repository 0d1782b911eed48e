//! Drawing speed of the terminal game: one full frame at 160×48 of each screen (a day
//! into the default map, with a position, so every chart and table is full), drawn
//! into ratatui's `TestBackend`. The target is at most 2 ms a frame. Also the cost of a
//! snapshot (what the simulation thread publishes about 25 times a second).

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use dtao_arena::session::Session;
use dtao_arena::session::handle::{Command, HandleOptions, SessionHandle, Setup};
use dtao_arena::tui::{Action, App, Options, Theme};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn game() -> (SessionHandle, App) {
    let map = dtao_arena::scenario::load("dtao-launch").expect("map");
    let mut handle = SessionHandle::spawn(
        move || {
            let mut s = Session::new(&map, Some(1), None).map_err(|e| e.to_string())?;
            let h = s.add_human("you");
            Ok(Setup::new(s, Some(h)))
        },
        HandleOptions::default(),
    )
    .expect("spawn");
    let mut app =
        App::new(handle.info(), handle.latest(), Theme::colored(), Options { welcome: false, ..Options::default() });
    app.update(Action::Resize { width: 160, height: 48 });
    for c in "s25\n".chars() {
        let code = if c == '\n' { KeyCode::Enter } else { KeyCode::Char(c) };
        app.on_key(KeyEvent::new(code, KeyModifiers::NONE));
    }
    for c in app.take_commands() {
        handle.send(c);
    }
    handle.send(Command::Step(7200));
    app.set_snapshot(handle.sync(Duration::from_secs(120)));
    for c in app.take_commands() {
        handle.send(c);
    }
    app.set_snapshot(handle.sync(Duration::from_secs(10)));
    (handle, app)
}

fn frames(c: &mut Criterion) {
    let (_handle, mut app) = game();
    let mut g = c.benchmark_group("tui_frame_160x48");
    for (key, name) in [('1', "market"), ('2', "subnet"), ('3', "portfolio"), ('4', "network"), ('5', "log")] {
        app.on_key(KeyEvent::new(KeyCode::Char(key), KeyModifiers::NONE));
        let mut terminal = Terminal::new(TestBackend::new(160, 48)).expect("terminal");
        g.bench_function(name, |b| {
            b.iter(|| {
                // A fresh buffer each time, so the whole frame is drawn and diffed.
                terminal.clear().expect("clear");
                terminal.draw(|f| f.render_widget(&app, f.area())).expect("draw");
            });
        });
    }
    g.finish();
}

fn snapshot(c: &mut Criterion) {
    let (mut handle, _app) = game();
    let mut g = c.benchmark_group("session_handle");
    g.sample_size(20);
    // Step(0) makes the simulation thread publish a snapshot and acknowledge it.
    g.bench_function("publish_snapshot_default_map", |b| {
        b.iter(|| {
            handle.send(Command::Step(0));
            handle.sync(Duration::from_secs(10)).seq
        });
    });
    g.finish();
}

criterion_group!(benches, frames, snapshot);
criterion_main!(benches);
