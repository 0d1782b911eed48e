//! `dtao-arena check FILE`: validates a map and reports every problem with its line.

use std::path::Path;

use super::{CliError, CliResult};
use crate::engine::{AccountId, Event, World};
use crate::session::{Actor, Decision};

/// `map`: the `--map` given, if any (a strategy's turns run on the tutorial without it;
/// a map file takes none).
pub fn run(file: &Path, given: Option<&str>, turns: Option<u64>) -> CliResult {
    let map = given.unwrap_or(DEFAULT_MAP);
    let wanted = turns.unwrap_or(TURNS);
    if file.to_str().is_none() {
        return Err(CliError::input(format!(
            "{}: the file name is not UTF-8 text (the � marks bytes that are not): rename the file",
            file.to_string_lossy()
        )));
    }
    // A strategy with options (`momentum:lookback=8`, `bot.lua:x=1`) is checked with them.
    // (`momentum:` or `momentum:x` too: reading it says what is wrong with the options.)
    if !file.exists() {
        if let Some((base, _)) = file.to_str().and_then(crate::session::lua::split_options) {
            let base = Path::new(base);
            let lua = base.extension().is_some_and(|x| x.eq_ignore_ascii_case("lua"));
            // (`dip:size=3` for this folder's dip.lua: reading it says to name the file.)
            let local = base.with_extension("lua").is_file();
            if lua || local || base.to_str().and_then(crate::script::builtin::find).is_some() {
                return check_strategy(file, map, wanted);
            }
        }
    }
    let ext = file.extension().map(|x| x.to_string_lossy().to_ascii_lowercase());
    let shipped = !file.exists() && file.to_str().and_then(crate::script::builtin::find).is_some();
    if ext.as_deref() == Some("lua") || shipped {
        return check_strategy(file, map, wanted);
    }
    if ext.as_deref() == Some(crate::record::EXTENSION) {
        return Err(CliError::input(format!(
            "{}: check takes a map (.toml) or a strategy (.lua); to check a recording, run: dtao-arena replay {} --verify",
            super::shown_path(file),
            super::shell_word(&super::shown_path(file))
        )));
    }
    // `bots/my_bot` for `bots/my_bot.lua`: the file it names, with its extension.
    if !file.exists() && file.extension().is_none() {
        for ext in ["lua", "toml"] {
            let with = file.with_extension(ext);
            if with.is_file() {
                let shown = super::shown_path(&with);
                return Err(CliError::input(format!(
                    "{}: there is no such file; did you mean {shown}? Run: dtao-arena check {}",
                    file.to_string_lossy(),
                    super::shell_word(&shown)
                )));
            }
        }
    }
    let path = file.to_string_lossy();
    if !file.exists() && file.extension().is_none() && file.components().count() == 1 {
        if let Some(name) = file.to_str().filter(|n| !crate::scenario::builtins().iter().any(|b| b.name == *n)) {
            return Err(unknown_name(name));
        }
    }
    if file.is_dir() {
        return Err(CliError::input(format!(
            "{}: this is a folder; check takes one map (.toml) or one strategy (.lua) at a time, such as \
             dtao-arena check {}",
            super::shown_path(file),
            super::shell_word(&super::shown_path(&file.join("my_bot.lua")))
        )));
    }
    if given.is_some() || turns.is_some() {
        let flag = if given.is_some() {
            "--map is for a strategy (the map its turns run on)"
        } else {
            "--turns is for a strategy"
        };
        return Err(CliError::input(format!(
            "{}: {flag}; a map is checked on its own: \
             dtao-arena check {}",
            super::shown_path(file),
            super::shell_word(&super::shown_path(file))
        )));
    }
    let map = crate::scenario::load(&path)?;
    let w = crate::engine::World::new(&map.init).map_err(|e| CliError::input(format!("{path}: {e}")))?;
    let count = crate::text::count;
    let objectives = match (map.objectives.len(), map.objectives.iter().filter(|o| o.goal.is_some()).count()) {
        (0, _) => String::new(),
        (n, 0) => format!(", {}", count(n, "objective", "objectives")),
        (n, g) => format!(", {} ({g} checked by the game)", count(n, "objective", "objectives")),
    };
    out!(
        "ok: map '{}' ({path}): {}, {}, {}, {}{objectives}, {}",
        map.init.name,
        count(map.init.subnets.len(), "subnet", "subnets"),
        count(w.accounts.len(), "account", "accounts"),
        count(map.init.npcs.len(), "NPC group", "NPC groups"),
        count(map.init.events.len(), "event", "events"),
        count(usize::try_from(map.blocks).unwrap_or(usize::MAX), "block", "blocks")
    );
    Ok(())
}

/// `check NAME` where NAME is neither a file, a built-in map nor a shipped strategy: both
/// lists, and the closest name.
fn unknown_name(name: &str) -> CliError {
    let maps: Vec<&str> = crate::scenario::builtins().iter().map(|b| b.name).collect();
    let strategies: Vec<&str> = crate::script::builtin::ALL.iter().map(|b| b.name).collect();
    let close = match (
        crate::scenario::suggest_name(name, strategies.iter().copied()),
        crate::scenario::suggest_name(name, maps.iter().copied()),
    ) {
        (Some(s), _) => format!("did you mean the strategy '{s}'? "),
        (None, Some(m)) => format!("did you mean the map '{m}'? "),
        (None, None) => String::new(),
    };
    CliError::input(format!(
        "{}: no file, built-in map or shipped strategy has this name; {close}the built-in maps are {}; \
         the shipped strategies are {}; or give the path of a map (.toml) or strategy (.lua) file",
        crate::scenario::escape_text(name),
        maps.join(", "),
        strategies.join(", ")
    ))
}

/// A `.lua` file that does not load but reads as a map (TOML with `[[subnet]]` tables or
/// `blocks`) was most likely meant to be one: the error says so.
fn map_hint(file: &Path, mut e: CliError) -> CliError {
    let source = std::fs::metadata(file)
        .ok()
        .filter(|m| m.is_file() && m.len() <= crate::scenario::MAX_MAP_BYTES)
        .and_then(|_| std::fs::read_to_string(file).ok());
    let is_map = source
        .and_then(|s| toml::from_str::<toml::Table>(&s).ok())
        .is_some_and(|t| t.contains_key("subnet") || t.contains_key("blocks"));
    if is_map {
        e.message = format!(
            "{}\n{}: this file looks like a map, not a Lua strategy: name it .toml to check it as a map",
            e.message,
            super::shown_path(file)
        );
    }
    e
}

/// An actor that decides `left` more times, then passes: `check` promises a number of
/// turns, and the block after the last (where its orders apply) is not another one.
struct Turns {
    inner: Box<dyn Actor>,
    left: u64,
}

impl Actor for Turns {
    fn cadence(&self) -> u64 {
        self.inner.cadence()
    }
    fn start(&mut self, world: &World, me: AccountId) -> Decision {
        self.inner.start(world, me)
    }
    fn decide(&mut self, world: &World, me: AccountId, results: &[Event]) -> Decision {
        if self.left == 0 {
            return Decision::default();
        }
        self.left -= 1;
        self.inner.decide(world, me, results)
    }
    fn forfeited(&self) -> bool {
        self.inner.forfeited()
    }
    fn wall_clock_faults(&self) -> u32 {
        self.inner.wall_clock_faults()
    }
    fn source(&self) -> Option<&str> {
        self.inner.source()
    }
    fn unread_options(&self) -> Vec<String> {
        self.inner.unread_options()
    }
}

/// The map a strategy's turns run on unless `--map` names another.
const DEFAULT_MAP: &str = "tutorial";

/// Turns `check` runs a strategy for unless `--turns` says otherwise.
const TURNS: u64 = 5;
/// The longest run `check` makes (about 28 days): a strategy deciding less often than
/// every 50,000 blocks gets fewer turns, and `check` says how many.
const CHECK_MAX_BLOCKS: u64 = 200_001;
/// Log lines `check` prints (faults and rejected orders are always printed).
const CHECK_LOG_LINES: usize = 10;

/// Loads a strategy and runs it for a few of its turns on a map (the tutorial unless
/// `--map` names another); any fault is reported with its message and exit code 2.
fn check_strategy(file: &Path, map_name: &str, wanted: u64) -> CliResult {
    let entrant = super::strategy::read(file).map_err(|e| map_hint(file, e))?;
    let actor = super::strategy::actor(&entrant, 1, 0).map_err(|e| map_hint(file, e))?;
    for (global, hook) in actor.strategy().misspelt_hooks() {
        let what = if hook == "cadence" { "reads the global cadence" } else { "calls the function" };
        note!(
            "note: {}: '{}' looks like {hook} misspelt: the game {what} '{hook}' (lower case, as written here), so \
             '{}' is never used",
            super::shown_path(file),
            crate::text::escape_hidden(&global),
            crate::text::escape_hidden(&global)
        );
    }
    let map = crate::scenario::load(map_name)?;
    let on_map =
        if map_name == DEFAULT_MAP { "the tutorial map".to_string() } else { format!("the map '{}'", map.init.name) };
    // (One block more than the turns need: the last turn's orders apply in it.)
    let mut session = crate::session::Session::new(&map, None, Some(CHECK_MAX_BLOCKS + 1))?;
    let id = session.add_bot(&entrant.name, Box::new(Turns { inner: Box::new(actor), left: wanted }));
    // Its cadence once `init` has run (which may set it). A bot decides after the blocks
    // it has run reach a multiple of its cadence (0, cadence, ...): running up to block
    // `cadence * (turns - 1) + 1` gives `turns` calls (within CHECK_MAX_BLOCKS).
    let cadence = session.seats().first().map_or(1, |s| s.actor.cadence()).max(1);
    let end = cadence.saturating_mul(wanted - 1).saturating_add(1).min(CHECK_MAX_BLOCKS);
    // The calls made: none once it has forfeited (bad options forfeit in `init`). Its
    // orders queue for the block after its turn, so the run goes one block further (where
    // a bot deciding every block is not called again: `Turns`).
    let mut turns: u64 = 0;
    let (mut filled, mut rejected) = (0usize, 0usize);
    while session.world().block <= end {
        if turns < wanted
            && session.seats().first().is_some_and(|s| !s.actor.forfeited() && session.world().block % cadence == 0)
        {
            turns += 1;
        }
        session.step()?;
        for e in session.world().events() {
            match e {
                crate::engine::Event::Applied { account, .. } if *account == id => filled += 1,
                crate::engine::Event::Rejected { account, .. } if *account == id => rejected += 1,
                _ => {}
            }
        }
    }
    if let Some(seat) = session.seats().first() {
        super::strategy::warn_unread_options(&entrant.name, &seat.actor.unread_options());
    }
    let forfeited = session.seat_faults(0).forfeited;
    let faults = session.world().account(id).map_or(0, |a| a.faults);
    let lines: Vec<String> = session
        .log()
        .iter()
        .filter(|l| l.who == entrant.name)
        .map(|l| format!("  [block {}] {}", l.block, l.text))
        .collect();
    let plural = |n: u64| if n == 1 { "" } else { "s" };
    if faults > 0 {
        let when = match (forfeited, turns) {
            (true, 0) => " and forfeited before its first turn".to_string(),
            (true, n) => format!(" and forfeited after {n} turn{}", plural(n)),
            (false, n) => format!(" in {n} turn{}", plural(n)),
        };
        // Its own log lines too, which often say what led to the fault.
        let (shown, hidden) = shown_lines(&lines);
        let more = more_lines(hidden, map_name, file, end).map_or_else(String::new, |m| format!("\n{m}"));
        return Err(CliError::input(format!(
            "{}: {faults} fault{}{when} on {on_map}:\n{}{more}",
            super::shown_path(file),
            plural(u64::from(faults)),
            shown.join("\n")
        )));
    }
    let short = if turns < wanted {
        format!(
            "; only {turns} fit{} in the check's {} blocks",
            if turns == 1 { "s" } else { "" },
            crate::text::thousands(end)
        )
    } else {
        String::new()
    };
    let count = |n: usize| crate::text::count(n, "order", "orders");
    let orders = match (filled, rejected) {
        (0, 0) => "it placed no orders".to_string(),
        (f, 0) => format!("its {} filled", count(f)),
        (0, r) => format!("none of its {} filled", count(r)),
        (f, r) => format!("{} of its {} filled, {r} rejected (see below)", f, count(f + r)),
    };
    out!(
        "ok: strategy '{}' ({}): loads, runs {turns} turn{} (cadence {}{short}) on {on_map} without a fault; {orders}",
        entrant.name,
        super::shown_path(file),
        plural(turns),
        crate::text::thousands(cadence)
    );
    let (shown, hidden) = shown_lines(&lines);
    for l in shown {
        out!("{l}");
    }
    if let Some(m) = more_lines(hidden, map_name, file, end) {
        out!("{m}");
    }
    Ok(())
}

/// The log lines `check` prints: the first [`CHECK_LOG_LINES`], and after them every
/// fault and every rejected order (what went wrong, with its reason); and how many it
/// leaves out.
fn shown_lines(lines: &[String]) -> (Vec<&str>, usize) {
    let telling = |l: &str| l.contains("] fault: ") || l.contains("] rejected: ");
    let shown: Vec<&str> =
        lines.iter().enumerate().filter(|(k, l)| *k < CHECK_LOG_LINES || telling(l)).map(|(_, l)| l.as_str()).collect();
    let hidden = lines.len() - shown.len();
    (shown, hidden)
}

/// The note for log lines left out, with the command that shows them all.
fn more_lines(hidden: usize, map_name: &str, file: &Path, end: u64) -> Option<String> {
    (hidden > 0).then(|| {
        format!(
            "  ... and {hidden} more log line{} (after the first {CHECK_LOG_LINES}, only faults and rejected orders \
             are shown; to read them all, record the same run and print its log: dtao-arena sim --map {} --bot {} \
             --blocks {} --record check.dtrec, then dtao-arena replay check.dtrec --log)",
            if hidden == 1 { "" } else { "s" },
            super::shell_word(map_name),
            super::shell_word(&file.display().to_string()),
            end + 1
        )
    })
}
