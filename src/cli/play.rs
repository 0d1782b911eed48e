//! `dtao-arena play` (and no arguments): the terminal game. Loads the map and the
//! opponents, starts the match on its own thread behind a
//! [`SessionHandle`](crate::session::handle::SessionHandle), and hands the terminal to
//! the [`tui`](crate::tui).

use std::io::IsTerminal;

use super::{CliError, CliResult};
use crate::session::Session;
use crate::session::handle::{HandleOptions, SPEEDS_BLOCKS_PER_SEC, SessionHandle, Setup};
use crate::session::lua::LuaActor;
use crate::tournament::Entrant;

/// The shipped opponents of a match without `--bot`: `(name, Lua source)`: a trend
/// follower, a rider of the default map's memecoin story, and the passive benchmark.
/// Add or remove a line to change them.
const SHIPPED_BOTS: &[(&str, &str)] = &[
    ("momentum", include_str!("../../strategies/momentum.lua")),
    ("meme_rider", include_str!("../../strategies/meme_rider.lua")),
    ("root_holder", include_str!("../../strategies/root_holder.lua")),
];

/// Options of `play`.
#[derive(Debug, clap::Args, Default)]
pub struct PlayArgs {
    /// Built-in map name or path to a map file.
    #[arg(long, default_value = "dtao-launch", value_parser = super::map_arg())]
    pub map: String,
    /// Match seed (default: the map's).
    #[arg(long, allow_negative_numbers = true, value_parser = super::parse_seed)]
    pub seed: Option<u64>,
    /// A Lua strategy to seat as an opponent: a .lua file or a shipped name, with options
    /// as NAME:key=value,... (repeatable; default: three shipped bots, or none on a map that sets play_bots = false,
    /// such as sn28-meme).
    #[arg(long = "bot", value_name = "FILE|NAME")]
    pub bots: Vec<std::path::PathBuf>,
    /// Your player name.
    #[arg(long, default_value = "you")]
    pub name: String,
    /// Starting speed in blocks per second (the nearest of 1, 2, 5, 10, 30, 60, 120,
    /// 360, 720, 1440, 2880, 7200; default 60).
    #[arg(long, value_name = "BLOCKS_PER_SEC", allow_negative_numbers = true, value_parser = super::parse_speed)]
    pub speed: Option<u32>,
    /// Slippage (the average price over the spot), in percent, above which an order's
    /// quote warns (default 2).
    #[arg(long, value_name = "PCT", allow_negative_numbers = true, value_parser = super::parse_slippage)]
    pub slippage_warn: Option<f64>,
    /// Resume a saved game (a `.dtrec` file; the game keeps saving into it), or `last`:
    /// the newest game in the saves folder that can be resumed.
    #[arg(long, value_name = "SAVE", conflicts_with_all = ["map", "seed", "bots", "name"])]
    pub load: Option<std::path::PathBuf>,
    /// Where to save the game (default: a new file in the platform's data folder).
    #[arg(long, value_name = "FILE", conflicts_with = "load")]
    pub save: Option<std::path::PathBuf>,
    /// Pause at every narrated event until you press a key (default for lesson maps).
    #[arg(long)]
    pub lesson: bool,
}

pub fn run(a: &PlayArgs) -> CliResult {
    if let Some(path) = &a.load {
        // `last` unless a file of that name is here.
        if path.as_os_str() == "last" && std::fs::symlink_metadata(path).is_err() {
            let dir = super::recfile::saves_dir()
                .ok_or_else(|| CliError::input("--load last: this system has no data folder; name the save file"))?;
            return resume(a, &last_save(&dir)?);
        }
        return resume(a, path);
    }
    let map = crate::scenario::load(&a.map)?;
    let seed = a.seed.unwrap_or_else(|| map.seed());
    let entrants = opponents(&a.bots, &map)?;
    // Load each strategy once here so a broken one is a usage error (exit 2) with its
    // message, before the terminal changes mode. The match loads them again on its own
    // thread (Lua states cannot move between threads).
    for (seat, e) in entrants.iter().enumerate() {
        super::strategy::actor(e, seed, seat)?;
    }
    let tui_options = tui_options(a)?;
    // The same rule as a workshop's names: invisible characters dropped, 1 to 24 left.
    let name = crate::net::server::clean_name(&a.name).map_err(|e| CliError::input(format!("--name: {e}")))?;
    super::strategy::refuse_failing_init(&map, seed, &[name.as_str()], &entrants)?;
    if let Some(save) = &a.save {
        let inputs: Vec<&std::path::Path> = std::iter::once(std::path::Path::new(&a.map))
            .chain(a.bots.iter().map(std::path::PathBuf::as_path))
            .collect();
        super::fsutil::check_outputs(&inputs, &[super::fsutil::Output::new("--save", save)])?;
        refuse_to_replace_a_save(save)?;
    }
    need_terminal()?;
    let options = handle_options(a);
    // Held to the end: an unwritten reserved file goes when the game does.
    let reserved = if a.save.is_none() { default_save_path(map.name()) } else { None };
    let save = a.save.clone().or_else(|| reserved.as_ref().map(|r| r.path.clone()));
    let lesson = a.lesson || !map.objectives.is_empty();
    let autosave = save.clone();
    let mut handle = SessionHandle::spawn(
        move || {
            let mut session = Session::new(&map, Some(seed), None).map_err(|e| e.to_string())?;
            session.start_recording(chrono::Utc::now());
            let human = session.add_human(&name);
            for (seat, e) in entrants.iter().enumerate() {
                let actor =
                    LuaActor::load_file(&e.file, &e.name, &e.source, seed, seat).map_err(|err| err.to_string())?;
                session.add_bot(&e.name, Box::new(actor));
            }
            Ok(Setup { autosave, lesson, ..Setup::new(session, Some(human)) })
        },
        options,
    )
    .map_err(|e| CliError::runtime(e.to_string()))?;
    play_out(&mut handle, tui_options)
}

/// The bots `play` seats: those given, else the three shipped ones, unless the map says
/// `play_bots = false` (a lesson whose narration follows a timed story: bots trading it
/// would tell another; meme_rider, for one, brings sn28-meme's crash a day early).
fn opponents(bots: &[std::path::PathBuf], map: &crate::scenario::Map) -> Result<Vec<Entrant>, CliError> {
    if !bots.is_empty() {
        return bots.iter().map(|p| super::strategy::read(p)).collect();
    }
    if !map.play_bots {
        return Ok(Vec::new());
    }
    Ok(SHIPPED_BOTS.iter().map(|(n, s)| Entrant::new(*n, *s)).collect())
}

/// `--save FILE` where FILE holds a game that can still be resumed: refused, since the
/// new game would replace it (its backup would go at the next such run).
fn refuse_to_replace_a_save(path: &std::path::Path) -> Result<(), CliError> {
    if !std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() > 0) {
        return Ok(());
    }
    let Ok(rec) = super::recfile::read(path) else { return Ok(()) };
    if rec.is_complete() || !resumable(&rec) {
        return Ok(());
    }
    let word = super::shell_word(&path.display().to_string());
    Err(CliError::input(format!(
        "--save '{}' holds a game you can still resume ({}, block {} of {}), which a new game would replace; \
         resume it with `dtao-arena play --load {word}`, or save the new game under another name",
        path.display(),
        rec.header.map_name,
        crate::text::thousands(rec.block),
        crate::text::thousands(rec.header.end_block),
    )))
}

/// Whether a recording has a human player to resume as.
fn resumable(rec: &crate::record::Recording) -> bool {
    rec.joins().any(|(_, k, _)| k == crate::engine::AccountKind::Human)
}

/// The newest save in `dir` that can be resumed: a `.dtrec` with a human player and blocks
/// still to play (a reserved empty file, a finished match or a headless recording is
/// passed over).
fn last_save(dir: &std::path::Path) -> Result<std::path::PathBuf, CliError> {
    let ext = crate::record::EXTENSION;
    let mut files: Vec<(std::time::SystemTime, std::path::PathBuf)> = std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .filter(|e| e.path().extension().is_some_and(|x| x == ext))
                .filter_map(|e| {
                    let m = e.metadata().ok().filter(|m| m.is_file() && m.len() > 0)?;
                    Some((m.modified().ok()?, e.path()))
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| b.1.cmp(&a.1)));
    // A newer save that does not load is named, not passed over in silence.
    let mut damaged: Option<String> = None;
    for (_, p) in files {
        match super::recfile::read(&p) {
            Ok(r) if !r.is_complete() && resumable(&r) => {
                if let Some(d) = &damaged {
                    eprintln!("note: {d}; resuming the one before it, {}", p.display());
                }
                return Ok(p);
            }
            Ok(_) => {}
            Err(e) if damaged.is_none() => damaged = Some(format!("the newest save does not load: {}", e.message)),
            Err(_) => {}
        }
    }
    let why = damaged.map_or_else(String::new, |d| format!("; {d}"));
    Err(CliError::input(format!(
        "--load last: no game to resume in {} (finished matches are watched with `dtao-arena replay FILE`){why}; \
         start one with `dtao-arena play`",
        dir.display()
    )))
}

/// `play --load SAVE`: the saved match, caught up (its bots re-run and every recorded
/// state hash checked), then live; it keeps saving into the same file.
fn resume(a: &PlayArgs, path: &std::path::Path) -> CliResult {
    let rec = super::recfile::read(path)?;
    let file = path.display().to_string();
    if rec.is_complete() {
        return Err(CliError::input(format!(
            "'{file}' is a finished match (block {} of {}); watch it with `dtao-arena replay {}`",
            crate::text::thousands(rec.block),
            crate::text::thousands(rec.header.end_block),
            super::shell_word(&file)
        )));
    }
    if !resumable(&rec) {
        return Err(CliError::input(format!(
            "'{file}' has no human player to resume as (a headless recording?); watch it with `dtao-arena replay {}`",
            super::shell_word(&file)
        )));
    }
    let seed = rec.header.seed;
    for (seat, (name, _, source)) in rec.joins().filter(|j| j.2.is_some()).enumerate() {
        LuaActor::load(name, source.unwrap_or_default(), seed, seat)
            .map_err(|e| CliError::input(format!("'{file}': its strategy '{name}' does not load: {e}")))?;
    }
    let tui_options = tui_options(a)?;
    need_terminal()?;
    let autosave = Some(path.to_path_buf());
    let lesson = a.lesson;
    // The catch-up runs before the game's screen opens: a long save shows its progress.
    let bar = super::progress_bar(rec.block, &format!("resuming {}: block", file_name(path)));
    let ticks = bar.clone();
    let spawned = SessionHandle::spawn(
        move || {
            let factory: crate::session::BotFactory = Box::new(move |name: &str, source: &str, seat: usize| {
                LuaActor::load(name, source, seed, seat).map(|x| Box::new(x) as _).map_err(|e| e.to_string())
            });
            // The game catches the save up itself, watching every block (charts, log,
            // cost basis).
            let session = Session::resume(&rec, factory).map_err(|e| e.to_string())?;
            let human = first_human(&session);
            let lesson = lesson || !session.map().objectives.is_empty();
            let on_catch_up: Box<dyn FnMut(u64, u64) + Send> = Box::new(move |b, _| ticks.set_position(b));
            Ok(Setup { autosave, lesson, on_catch_up: Some(on_catch_up), ..Setup::new(session, human) })
        },
        handle_options(a),
    );
    bar.finish_and_clear();
    let mut handle = spawned.map_err(|e| match e {
        crate::session::handle::HandleError::Setup(m) => CliError::input(format!("'{}' {m}", path.display())),
        other => CliError::runtime(other.to_string()),
    })?;
    play_out(&mut handle, tui_options)
}

/// `replay FILE`: the recorded match in the game's screens, read-only.
pub fn watch(rec: crate::record::Recording) -> CliResult {
    need_terminal()?;
    let rec = std::sync::Arc::new(rec);
    let mut handle = SessionHandle::spawn(
        move || {
            let session = Session::from_recording(&rec, None).map_err(|e| e.to_string())?;
            let human = first_human(&session);
            // A lesson's replay stops at each narration in a box, as the lesson did.
            let lesson = !session.map().objectives.is_empty();
            Ok(Setup { replay: Some(rec), lesson, ..Setup::new(session, human) })
        },
        HandleOptions::default(),
    )
    .map_err(|e| CliError::runtime(e.to_string()))?;
    game(&mut handle, crate::tui::Options::default())
}

/// The game on this terminal until the player quits, or a stop signal (`kill`, a closed
/// terminal) ends it the same way: the terminal restored, the game saved.
pub(super) fn game(handle: &mut SessionHandle, options: crate::tui::Options) -> CliResult {
    super::signals::on_stop(crate::tui::request_stop);
    crate::tui::run(handle, crate::tui::Theme::from_env(), options)
        .map_err(|e| CliError::runtime(format!("the terminal failed: {e}")))
}

/// The file name of `path`, for a short progress line.
fn file_name(path: &std::path::Path) -> String {
    path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
}

/// The recorded match's (first) human player, whose book the screens show.
fn first_human(session: &Session) -> Option<crate::engine::AccountId> {
    session.world().accounts.iter().find(|x| x.kind == crate::engine::AccountKind::Human).map(|x| x.id)
}

fn tui_options(a: &PlayArgs) -> Result<crate::tui::Options, CliError> {
    let slippage = a.slippage_warn.unwrap_or(2.0);
    if !slippage.is_finite() || slippage < 0.0 {
        return Err(CliError::input("--slippage-warn must be a percentage of 0 or more, such as 2"));
    }
    Ok(crate::tui::Options { slippage_warn: slippage / 100.0, ..crate::tui::Options::default() })
}

pub(super) fn need_terminal() -> CliResult {
    need_terminal_else(
        "for a headless run use `dtao-arena sim --map NAME` (or `dtao-arena replay FILE --verify` for a recording)",
    )
}

/// The game's terminal check, with what to do instead (`join` has its own advice).
pub(super) fn need_terminal_else(instead: &str) -> CliResult {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(CliError::input(format!("the game needs an interactive terminal; {instead}")));
    }
    Ok(())
}

fn handle_options(a: &PlayArgs) -> HandleOptions {
    let speed_index = a.speed.map_or(crate::session::handle::DEFAULT_SPEED_INDEX, |bps| {
        SPEEDS_BLOCKS_PER_SEC.iter().enumerate().min_by_key(|(_, s)| s.abs_diff(bps)).map_or(0, |(k, _)| k)
    });
    HandleOptions { speed_index, ..HandleOptions::default() }
}

/// A new save file in the platform's data folder, `MAP-YYYYMMDD-HHMMSS.dtrec`, reserved
/// (see [`NewSave`]); `None`, with a warning, when the folder cannot take one.
pub(super) fn default_save_path(map: &str) -> Option<NewSave> {
    let dir = super::recfile::saves_dir()?;
    let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S").to_string();
    match NewSave::create_in(&dir, map, &stamp) {
        Ok(s) => Some(s),
        Err(e) => {
            note!("warning: cannot create a save file in '{}' ({e}); this game will not be saved", dir.display());
            None
        }
    }
}

/// A new save file's name, reserved by creating it empty, so that two games (or two
/// workshop rooms) started in the same second never write one file: the second gets
/// `MAP-YYYYMMDD-HHMMSS-2.dtrec`. Dropped while still empty (never saved: the game did
/// not start), the file goes.
pub(super) struct NewSave {
    pub path: std::path::PathBuf,
}

impl NewSave {
    /// Reserves `MAP-STAMP.dtrec` in `dir` (created if missing), or the first free
    /// `MAP-STAMP-K.dtrec`.
    pub(super) fn create_in(dir: &std::path::Path, map: &str, stamp: &str) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let safe = super::fsutil::file_stem_for(map);
        let ext = crate::record::EXTENSION;
        for k in 1..=1000 {
            let name = if k == 1 { format!("{safe}-{stamp}.{ext}") } else { format!("{safe}-{stamp}-{k}.{ext}") };
            let path = dir.join(name);
            match std::fs::OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(_) => return Ok(Self { path }),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(e),
            }
        }
        Err(std::io::Error::new(std::io::ErrorKind::AlreadyExists, "1,000 saves were started in this second"))
    }
}

impl Drop for NewSave {
    fn drop(&mut self) {
        if std::fs::symlink_metadata(&self.path).is_ok_and(|m| m.is_file() && m.len() == 0) {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Runs the game, then says where it was saved.
fn play_out(handle: &mut SessionHandle, options: crate::tui::Options) -> CliResult {
    let result = game(handle, options);
    handle.quit();
    let latest = handle.latest();
    if let Some(s) = &latest.saved {
        note!("{}", saved_message(s, latest.over, in_saves_folder(std::path::Path::new(&s.path))));
    } else if latest.block() == 0 && latest.error.is_none() && handle.info().save_path.is_some() {
        note!("the match had not started: nothing was saved");
    }
    result
}

/// Whether `--load last` looks where `path` is: the saves folder.
fn in_saves_folder(path: &std::path::Path) -> bool {
    let canon = |p: &std::path::Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    match (super::recfile::saves_dir(), path.parent()) {
        (Some(dir), Some(parent)) => canon(&dir) == canon(parent),
        _ => false,
    }
}

/// What the game says on exit about its save: how to resume it (`--load last` too when
/// the save is where that looks), or, once the match is over (a finished match cannot be
/// resumed), how to watch it.
fn saved_message(s: &crate::session::handle::SaveStatus, over: bool, last_finds_it: bool) -> String {
    let word = super::shell_word(&s.path);
    match &s.error {
        Some(e) => format!("warning: the game could not be saved to {}: {e}", s.path),
        None if over => format!("saved the finished match to {}\nwatch it: dtao-arena replay {word}", s.path),
        // Written as the game shows blocks (7,188).
        None => format!(
            "saved at block {} to {}\nresume: dtao-arena play --load {word}{}",
            crate::text::thousands(s.block),
            s.path,
            if last_finds_it { " (or --load last)" } else { "" }
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::handle::SaveStatus;

    #[test]
    fn a_lesson_plays_without_the_default_bots_unless_asked() {
        let names = |bots: &[&str], map: &str| -> Vec<String> {
            let map = crate::scenario::load(map).expect("map");
            let bots: Vec<std::path::PathBuf> = bots.iter().map(std::path::PathBuf::from).collect();
            opponents(&bots, &map).expect("bots").into_iter().map(|e| e.name).collect()
        };
        assert_eq!(names(&[], "dtao-launch"), ["momentum", "meme_rider", "root_holder"]);
        assert!(names(&[], "sn28-meme").is_empty());
        assert_eq!(names(&[], "tutorial").len(), 3);
        assert_eq!(names(&["meme_rider"], "sn28-meme"), ["meme_rider"]);
    }

    #[test]
    fn two_games_started_in_one_second_get_two_save_files() {
        let dir = tempfile::tempdir().expect("tmp");
        let saves = dir.path().join("saves");
        let first = NewSave::create_in(&saves, "sn28-meme", "20261203-113240").expect("reserved");
        let second = NewSave::create_in(&saves, "sn28-meme", "20261203-113240").expect("reserved");
        assert_eq!(first.path, saves.join("sn28-meme-20261203-113240.dtrec"));
        assert_eq!(second.path, saves.join("sn28-meme-20261203-113240-2.dtrec"));
        // Saving into a reserved name keeps no empty backup.
        crate::record::fs::write_with_backup(&first.path, b"saved").expect("saved");
        assert!(!crate::record::fs::backup_path(&first.path).exists());
        // A game that never saved leaves no empty file; one that saved keeps its file.
        let (kept, gone) = (first.path.clone(), second.path.clone());
        drop((first, second));
        assert_eq!(std::fs::read(&kept).expect("kept"), b"saved");
        assert!(!gone.exists());
        // A third game in that second, the name free again.
        assert_eq!(NewSave::create_in(&saves, "sn28-meme", "20261203-113240").expect("reserved").path, gone);
    }

    #[test]
    fn load_last_finds_the_newest_game_that_can_be_resumed() {
        let dir = tempfile::tempdir().expect("tmp");
        let err = last_save(dir.path()).expect_err("nothing to resume").message;
        assert!(err.starts_with("--load last: no game to resume in "), "{err}");
        let map = crate::scenario::load("tutorial").expect("map");
        let write = |name: &str, blocks: u64, human: bool, end: Option<u64>| {
            let mut s = crate::session::Session::new(&map, Some(1), end).expect("session");
            s.start_recording(chrono::Utc::now());
            if human {
                s.add_human("ana");
            }
            for _ in 0..blocks {
                s.step().expect("step");
            }
            let bytes = crate::record::wire::encode(&s.recording(chrono::Utc::now()).expect("recorded"));
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).expect("write");
            // A clear order of modification times.
            std::thread::sleep(std::time::Duration::from_millis(20));
            path
        };
        let resumable = write("a.dtrec", 3, true, None);
        write("finished.dtrec", 5, true, Some(5));
        write("headless.dtrec", 3, false, None);
        std::fs::write(dir.path().join("reserved.dtrec"), b"").expect("an empty reserved file");
        assert_eq!(last_save(dir.path()).expect("a save"), resumable);
        let newer = write("b.dtrec", 2, true, None);
        assert_eq!(last_save(dir.path()).expect("a save"), newer);
        // A damaged save is named when nothing else can be resumed.
        let alone = tempfile::tempdir().expect("tmp");
        let mut bytes = std::fs::read(&newer).expect("read");
        let k = bytes.len() / 2;
        bytes[k] ^= 0x10;
        std::fs::write(alone.path().join("broken.dtrec"), &bytes).expect("write");
        let err = last_save(alone.path()).expect_err("damaged").message;
        assert!(err.contains("the newest save does not load: ") && err.contains("broken.dtrec"), "{err}");
    }

    #[test]
    fn the_exit_message_resumes_a_match_and_replays_a_finished_one() {
        let s = SaveStatus { path: "/saves/my game.dtrec".into(), block: 536, error: None, count: 1 };
        assert_eq!(
            saved_message(&s, false, true),
            "saved at block 536 to /saves/my game.dtrec\nresume: dtao-arena play --load '/saves/my game.dtrec' (or \
             --load last)"
        );
        // Saved elsewhere (`--save FILE`), `--load last` would not find it: not offered.
        assert_eq!(
            saved_message(&s, false, false),
            "saved at block 536 to /saves/my game.dtrec\nresume: dtao-arena play --load '/saves/my game.dtrec'"
        );
        assert_eq!(
            saved_message(&s, true, true),
            "saved the finished match to /saves/my game.dtrec\nwatch it: dtao-arena replay '/saves/my game.dtrec'"
        );
        let late = SaveStatus { block: 7188, ..s.clone() };
        assert!(saved_message(&late, false, true).starts_with("saved at block 7,188 to "));
        let failed = SaveStatus { error: Some("disk full".into()), ..s };
        assert_eq!(
            saved_message(&failed, true, true),
            "warning: the game could not be saved to /saves/my game.dtrec: disk full"
        );
    }

    #[test]
    fn shell_words_are_quoted_only_when_needed() {
        use crate::cli::shell_word;
        assert_eq!(shell_word("saves/tutorial-20261203.dtrec"), "saves/tutorial-20261203.dtrec");
        assert_eq!(shell_word("my map.toml"), "'my map.toml'");
        assert_eq!(shell_word("it's.toml"), "'it'\\''s.toml'");
        assert_eq!(shell_word(""), "''");
    }
}
