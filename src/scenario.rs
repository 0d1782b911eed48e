//! Maps: TOML to an engine [`WorldInit`], validated with messages that name the file,
//! the line, the key and the fix. Built-in maps from `maps/` are embedded in the binary.
//! Uses only `engine`.
//!
//! Owns the map format (every key is described in `maps/README.md`), its validation and
//! the built-in maps. A map is read in three steps:
//!
//! 1. `tree`: the TOML text becomes a tree of values that remember their byte spans
//!    (a syntax error stops here, with its line);
//! 2. `read`: the schema: every key is read and checked, cross-references are resolved
//!    and the engine's [`WorldInit`] is built, collecting **every** problem;
//! 3. [`parse`] returns the [`Map`], or a [`MapError`] listing the problems in line
//!    order, one per line, each as `FILE:LINE: KEY: what is wrong; how to fix it`.

mod check;
mod read;
mod tree;

use crate::engine::{EngineError, Netuid, Policy, Tao, World, WorldInit};

/// The map `dtao-arena` plays when none is named.
pub const DEFAULT_MAP: &str = "dtao-launch";

/// The built-in maps: name and TOML source, in the order `dtao-arena maps` lists them.
const BUILTINS: &[(&str, &str)] = &[
    ("dtao-launch", include_str!("../maps/dtao-launch.toml")),
    ("tutorial", include_str!("../maps/tutorial.toml")),
    ("sn28-meme", include_str!("../maps/sn28-meme.toml")),
    ("one-year-later", include_str!("../maps/one-year-later.toml")),
    ("btc-revenue", include_str!("../maps/btc-revenue.toml")),
    ("transition", include_str!("../maps/transition.toml")),
    ("regimes", include_str!("../maps/regimes.toml")),
];

/// The lesson maps (built-ins with narration, a teacher's note and objectives).
pub const LESSONS: &[&str] = &["sn28-meme", "one-year-later", "btc-revenue", "transition", "regimes"];

/// A loaded map: the world to build and the match around it.
#[derive(Clone, Debug)]
pub struct Map {
    /// The world at block 0 (with the map's default seed).
    pub init: WorldInit,
    /// One-line description.
    pub description: String,
    /// Match length in blocks.
    pub blocks: u64,
    /// Start of the game clock (block 0).
    pub start_date: chrono::DateTime<chrono::Utc>,
    /// Budget of every player and bot.
    pub start_tao: Tao,
    /// A note for whoever runs the map in a class (`teacher_note`).
    pub teacher_note: Option<String>,
    /// What a player should learn or do (`objectives`), shown by lessons.
    pub objectives: Vec<Objective>,
    /// Whether `play` seats its default bots when none is given (`play_bots`): a lesson
    /// whose narration follows a timed story turns them off.
    pub play_bots: bool,
    /// The TOML source (embedded in replays).
    pub source: String,
    /// Where it came from: a built-in name or a path.
    pub origin: String,
}

impl Map {
    /// The map's `name`.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.init.name
    }

    /// The map's default seed.
    #[must_use]
    pub fn seed(&self) -> u64 {
        self.init.seed
    }

    /// The world's init with the seed overridden (`None`: the map's seed).
    #[must_use]
    pub fn world_init(&self, seed: Option<u64>) -> WorldInit {
        let mut init = self.init.clone();
        if let Some(seed) = seed {
            init.seed = seed;
        }
        init
    }

    /// Builds the world at block 0.
    ///
    /// # Errors
    /// An overflow in the initial holdings (the validation's supply checks make this
    /// unreachable for a map that parsed).
    pub fn build(&self, seed: Option<u64>) -> Result<World, EngineError> {
        World::new(&self.world_init(seed))
    }
}

/// A map that cannot be used: every problem found, each naming the file, the line, the
/// key and the fix. Displays one problem per line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .problems.join("\n"))]
pub struct MapError {
    /// The problems, in line order.
    pub problems: Vec<String>,
}

impl MapError {
    /// An error with one problem.
    #[must_use]
    pub fn new(problem: impl Into<String>) -> Self {
        Self { problems: vec![problem.into()] }
    }
}

/// A map that ships inside the binary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Builtin {
    /// The name to pass to `--map`.
    pub name: &'static str,
    /// Its one-line `description`.
    pub description: String,
    /// Its TOML source.
    pub source: &'static str,
}

/// The built-in maps, in listing order.
#[must_use]
pub fn builtins() -> Vec<Builtin> {
    BUILTINS.iter().map(|(name, source)| Builtin { name, description: description_of(source), source }).collect()
}

/// The `description` of a map source ("" if it has none or does not parse).
fn description_of(source: &str) -> String {
    toml::from_str::<toml::Table>(source)
        .ok()
        .and_then(|t| t.get("description").and_then(|d| d.as_str().map(str::to_string)))
        .unwrap_or_default()
}

/// Loads a built-in map by name, or a map file by path.
///
/// # Errors
/// Unknown name, unreadable file, or an invalid map (every problem).
pub fn load(name_or_path: &str) -> Result<Map, MapError> {
    if let Some((name, source)) = BUILTINS.iter().find(|(n, _)| *n == name_or_path) {
        return parse(source, name);
    }
    let names: Vec<&str> = BUILTINS.iter().map(|(n, _)| *n).collect();
    if name_or_path.trim().is_empty() {
        return Err(MapError::new(format!(
            "the map is empty: give a built-in map's name ({}) or the path of a map file",
            names.join(", ")
        )));
    }
    let path = std::path::Path::new(name_or_path);
    if path.extension().is_some_and(|x| x.eq_ignore_ascii_case(crate::record::EXTENSION)) && path.is_file() {
        return Err(MapError::new(format!(
            "{name_or_path}: this is a recording (.{}), not a map: watch it with `dtao-arena replay {name_or_path}` \
             (its map is inside it)",
            crate::record::EXTENSION
        )));
    }
    match read_map_file(name_or_path) {
        Ok(source) => parse(&source, name_or_path),
        Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => {
            Err(MapError::new(format!("{name_or_path}: {e}; give the path of a map file (.toml)")))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // A built-in map's name in other case (`TUTORIAL`), as `maps --show` takes it.
            if let Some((name, source)) = BUILTINS.iter().find(|(n, _)| n.eq_ignore_ascii_case(name_or_path)) {
                return parse(source, name);
            }
            // A map file named without its extension (`my-map` for my-map.toml).
            let with_toml = format!("{name_or_path}.toml");
            let path = std::path::Path::new(name_or_path);
            let hint = if std::path::Path::new(&with_toml).is_file() {
                format!("did you mean '{with_toml}'? ")
            } else if let Some(near) = (path.extension().is_some()
                || path.parent().is_some_and(|d| !d.as_os_str().is_empty()))
            .then(|| nearby_file(path, None))
            .flatten()
            {
                // A misspelt path, its folder or extension right (maps/tut2.tml).
                format!("did you mean '{}'? ", near.display())
            } else {
                suggest_name(name_or_path, names.iter().copied())
                    .map(|n| format!("did you mean '{n}'? "))
                    .unwrap_or_default()
            };
            Err(MapError::new(format!(
                "{name_or_path}: no built-in map has this name and there is no file at this path; {hint}use a built-in map ({}) or the path of a map file",
                names.join(", ")
            )))
        }
        // `PATH:LINE: ...`, as the map's other messages.
        Err(e) if e.kind() == std::io::ErrorKind::InvalidData => Err(MapError::new(format!("{name_or_path}{e}"))),
        Err(e) => Err(MapError::new(format!(
            "{name_or_path}: cannot read the map ({e}); check the path and that the file is UTF-8 text"
        ))),
    }
}

/// The longest match a map may ask for (see [`crate::engine::params::MAX_BLOCKS`]).
pub use crate::engine::params::MAX_BLOCKS;

/// The longest map `name` (checked at load).
pub const MAX_NAME_CHARS: usize = read::MAX_NAME_CHARS;

/// The name of `known` closest to a misspelt `word` ("did you mean ...?"), if one is
/// close enough.
#[must_use]
pub fn suggest_name<'k>(word: &str, known: impl IntoIterator<Item = &'k str>) -> Option<&'k str> {
    check::suggest(word, known)
}

/// A file beside `path` (in its folder) whose name is close to the file name `path`
/// gives, among those ending in `.ext` if `ext` is given: the likely target of a typo
/// (`maps/tut2.tml` for maps/tut2.toml), as a path written like `path`.
#[must_use]
pub fn nearby_file(path: &std::path::Path, ext: Option<&str>) -> Option<std::path::PathBuf> {
    let wanted = path.file_name()?.to_str()?;
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
    let names: Vec<String> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| {
            let p = e.ok()?.path();
            let ok = p.is_file() && ext.is_none_or(|x| p.extension().is_some_and(|e| e == x));
            ok.then(|| p.file_name()?.to_str().map(str::to_string))?
        })
        .collect();
    let best = suggest_name(wanted, names.iter().map(String::as_str))?;
    Some(path.with_file_name(best))
}

/// For a fraction above `max` that reads like a percentage (`18` for `0.18`): "if you
/// meant 18%, write 0.18".
#[must_use]
pub fn percent_hint(x: f64, max: f64) -> Option<String> {
    check::percent_hint(x, max)
}

/// `s` with its control characters and invisible formatting characters (which a map's
/// text may not hold) shown as escapes such as `\u{1b}`.
#[must_use]
pub fn escape_text(s: &str) -> String {
    crate::text::escape_hidden(s)
}

/// The largest map file read (the built-in maps are under 40 KiB).
pub const MAX_MAP_BYTES: u64 = 16 << 20;

/// Reads a map file: a regular file of at most [`MAX_MAP_BYTES`] (a folder or a device
/// such as `/dev/zero` is refused as `InvalidInput` instead of read until memory runs out).
fn read_map_file(path: &str) -> std::io::Result<String> {
    use std::io::Read;
    let meta = std::fs::metadata(path)?;
    let refuse = |what: String| Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, what));
    if meta.is_dir() {
        return refuse("this is a folder".into());
    }
    if !meta.is_file() {
        return refuse("this is not a regular file (a device or a pipe)".into());
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)?.take(MAX_MAP_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_MAP_BYTES {
        return refuse(format!("this file is larger than {} MiB, more than any map needs", MAX_MAP_BYTES >> 20));
    }
    if let Some((line, byte)) = crate::text::utf8_error_at(&bytes) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(":{line}: this line is not UTF-8 text (at its byte {byte}): save the map as UTF-8"),
        ));
    }
    let source = String::from_utf8(bytes).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
    Ok(source)
}

/// Parses and validates a map. `origin` names it in messages (a path or a built-in name)
/// and becomes [`Map::origin`].
///
/// # Errors
/// Every problem in the map, in line order.
pub fn parse(source: &str, origin: &str) -> Result<Map, MapError> {
    parse_with(source, origin, false)
}

/// Parses a map embedded in a recording or a save: as [`parse`], without the limits
/// added after recordings were first made (names of at most 32 characters), so that a
/// recording made before them still loads.
///
/// # Errors
/// Every problem in the map, in line order.
pub fn parse_recorded(source: &str, origin: &str) -> Result<Map, MapError> {
    parse_with(source, origin, true)
}

fn parse_with(source: &str, origin: &str, recorded: bool) -> Result<Map, MapError> {
    let root = match tree::parse(source) {
        Ok(root) => root,
        Err(e) => return Err(MapError::new(syntax_message(source, origin, &e))),
    };
    // Nothing in it (or comments only): one problem that says so, not one per missing key.
    if matches!(&root.value, tree::Value::Table(entries) if entries.is_empty()) {
        return Err(MapError::new(format!(
            "{origin}:1: the file has no keys; a map needs name, blocks and at least one [[subnet]]: start from a \
             built-in one with dtao-arena maps --show tutorial > my-map.toml"
        )));
    }
    let mut cx = check::Cx::new(origin, source);
    cx.recorded = recorded;
    let parsed = read::read(&root, &mut cx);
    if !cx.problems.is_empty() {
        return Err(MapError { problems: cx.problems.into_messages() });
    }
    Ok(Map {
        init: parsed.init,
        description: parsed.description,
        blocks: parsed.blocks,
        start_date: parsed.start_date,
        start_tao: parsed.start_tao,
        teacher_note: parsed.teacher_note,
        objectives: parsed.objectives,
        play_bots: parsed.play_bots,
        source: source.to_string(),
        origin: origin.to_string(),
    })
}

/// One of a map's objectives: a line for the player and, optionally, a condition (the
/// map's `when`) that the game checks as the match runs and that marks it reached.
/// Objectives without one are prompts for discussion and stay open.
#[derive(Clone, Debug, PartialEq)]
pub struct Objective {
    /// What to do or notice.
    pub text: String,
    /// What reaches it, if the game can tell.
    pub goal: Option<Goal>,
    /// The objective (an index into the map's list, always an earlier one with a world
    /// goal) that must be reached before this goal is checked (map key `when.after`);
    /// prices are measured from then.
    pub after: Option<usize>,
    /// The block from which the goal is checked (map key `when.from_block`); prices are
    /// measured from then.
    pub from_block: Option<u64>,
}

impl Objective {
    /// An objective with no condition.
    #[must_use]
    pub fn prompt(text: &str) -> Self {
        Self { text: text.to_string(), goal: None, after: None, from_block: None }
    }
}

/// A condition that reaches an objective (one per objective; map key `when`). Ratios
/// are fractions (`0.03` = 3%).
#[derive(Clone, Debug, PartialEq)]
pub enum Goal {
    /// The subnet's spot price is at least `times` its price at block 0.
    PriceMultiple { netuid: Netuid, times: f64 },
    /// The subnet's spot price has fallen by at least `fraction` from its highest so far.
    PriceFall { netuid: Netuid, fraction: f64 },
    /// The subnet's share of the block's TAO emission is at least `share`.
    EmissionShare { netuid: Netuid, share: f64 },
    /// The account holds more than half of the subnet's validator stake weight.
    Controller { netuid: Netuid, account: String },
    /// The account's validator policy on the subnet is `policy`.
    Policy { netuid: Netuid, account: String, policy: Policy },
    /// The average root proportion of the emitting subnets is at most `at_most`.
    AverageRootProp { at_most: f64 },
    /// The player holds alpha on the subnet (on any subnet without one).
    YouHold { netuid: Option<Netuid> },
    /// The player's return on the starting budget is above `roi` (`0.0`: any profit).
    YouRoi { roi: f64 },
}

impl Goal {
    /// Whether it is about the player (reached per player) rather than the world.
    #[must_use]
    pub fn is_personal(&self) -> bool {
        matches!(self, Goal::YouHold { .. } | Goal::YouRoi { .. })
    }

    /// The condition in a few words, for the screen: "SN28 price at 3x its start".
    #[must_use]
    pub fn describe(&self) -> String {
        let pct = |x: f64| format!("{}%", (x * 1000.0).round() / 10.0);
        match self {
            Goal::PriceMultiple { netuid, times } => format!("SN{netuid} price at {times}x its start"),
            Goal::PriceFall { netuid, fraction } => format!("SN{netuid} price {} below its peak", pct(*fraction)),
            Goal::EmissionShare { netuid, share } => format!("SN{netuid} emission share at {}", pct(*share)),
            Goal::Controller { netuid, account } => format!("{account} controls SN{netuid}"),
            Goal::Policy { netuid, account, policy } => format!("{account} sets {} on SN{netuid}", policy.name()),
            Goal::AverageRootProp { at_most } => format!("average root proportion down to {}", pct(*at_most)),
            Goal::YouHold { netuid: Some(n) } => format!("you hold SN{n} alpha"),
            Goal::YouHold { netuid: None } => "you hold alpha".to_string(),
            // Judged once, on the last block: a return above it now can still fall back.
            Goal::YouRoi { roi } => format!("your return above {} at the end", pct(*roi)),
        }
    }
}

/// Whether a file that is not TOML reads like a Lua strategy (it defines `on_tick`).
fn looks_like_lua(source: &str) -> bool {
    source.lines().any(|l| {
        let l = l.trim_start();
        l.starts_with("function on_tick") || l.starts_with("function init") || l.starts_with("local function")
    })
}

/// `FILE:LINE: TOML syntax: <toml's message>; <fix>`.
fn syntax_message(source: &str, origin: &str, e: &toml::de::Error) -> String {
    let line = e.span().map_or(1, |s| tree::line_of(source, s.start));
    let what: Vec<&str> = e.message().lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let what = what.join(": ");
    // toml says nothing for some cut-short lines (`blocks =` at the end of the file).
    let what = if what.is_empty() { "a value is missing, or the line is cut short".to_string() } else { what };
    let toml = "(a map is TOML: key = value lines and [[subnet]] tables)";
    let fix = if looks_like_lua(source) && !origin.to_ascii_lowercase().ends_with(".lua") {
        // Named without its extension (`check mybot`, `--map mybot`): say how to name it.
        let stem = std::path::Path::new(origin).file_stem().map_or_else(|| origin.into(), |s| s.to_string_lossy());
        format!(
            "this file looks like a Lua strategy, not a map: a strategy is a .lua file; rename it to {stem}.lua, \
             then give it with --bot or to check {toml}"
        )
    } else if looks_like_lua(source) {
        format!(
            "this file looks like a Lua strategy, not a map: a strategy is a .lua file, given with --bot or to check {toml}"
        )
    } else if source.trim_start().starts_with(['{', '['])
        && source.trim_start()[1..].trim_start().starts_with(['"', '{', ']', '}'])
    {
        // `{"name": ...}` or `[{...}]`: a JSON document, not TOML.
        format!(
            "this file looks like JSON, not a map {toml}; `dtao-arena maps --show tutorial` prints one to start from"
        )
    } else if let Some(fix) = single_bracket_table(source, &what) {
        fix
    } else if what.contains("duplicate key") {
        "a key may appear only once in a table: remove or rename one (each subnet, npc or event is its own [[...]] table)"
            .to_string()
    } else if what.contains("number too large") {
        // TOML's integers are 64-bit signed: a seed copied from a tournament may be larger.
        let text = source.lines().nth(line.saturating_sub(1)).unwrap_or_default();
        let key = text.split('=').next().map(str::trim).filter(|k| !k.is_empty() && text.contains('='));
        let which = key.map_or_else(String::new, |k| format!("{k}: "));
        format!("{which}a whole number in a map is at most 9223372036854775807 (2^63 - 1); write a smaller one")
    } else {
        "correct the TOML on this line (text in quotes, numbers without, lists in [ ])".to_string()
    };
    format!("{origin}:{line}: TOML syntax: {what}; {fix}")
}

/// A `[event]` (single brackets) among `[[event]]` tables: toml calls the next one a
/// duplicate key; the fix names the line with the single brackets.
fn single_bracket_table(source: &str, what: &str) -> Option<String> {
    let key = what.split("duplicate key `").nth(1)?.split('`').next()?;
    let header = |l: &str, h: &str| l.split('#').next().is_some_and(|l| l.trim() == h);
    let (single, double) = (format!("[{key}]"), format!("[[{key}]]"));
    let at = source.lines().position(|l| header(l, &single))?;
    source.lines().any(|l| header(l, &double)).then(|| {
        format!("line {} writes {single} with single brackets: write {double} (double brackets) above each one", at + 1)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_errors_name_the_line_and_keep_tomls_message() {
        let e = parse("name = \"x\"\nblocks = \n", "m.toml").expect_err("invalid");
        assert_eq!(
            e.to_string(),
            "m.toml:2: TOML syntax: invalid string: expected `\"`, `'`; correct the TOML on this line (text in quotes, numbers without, lists in [ ])"
        );
        let e = parse("a = 1\na = 2\n", "m.toml").expect_err("invalid");
        assert!(e.to_string().starts_with("m.toml:2: TOML syntax: duplicate key `a` in document root; "), "{e}");
        // A single-bracket table among double-bracket ones: the line to fix.
        let src = "name = \"x\"\n[event] # the first\nblock = 1\n[[event]]\nblock = 2\n";
        let e = parse(src, "m.toml").expect_err("invalid");
        assert!(
            e.to_string().ends_with(
                "line 2 writes [event] with single brackets: write [[event]] (double brackets) above each one"
            ),
            "{e}"
        );
        // A JSON document is named as such.
        let e = parse("{\"name\": \"x\", \"blocks\": 10}\n", "m.json").expect_err("invalid");
        assert!(e.to_string().contains("this file looks like JSON, not a map (a map is TOML"), "{e}");
        // An integer past TOML's 64 bits (a tournament's seed): its key and the limit.
        let e = parse("name = \"x\"\nseed = 9327398668254284583\n", "m.toml").expect_err("invalid");
        assert!(e.to_string().starts_with("m.toml:2: TOML syntax: "), "{e}");
        assert!(
            e.to_string().ends_with(
                "seed: a whole number in a map is at most 9223372036854775807 (2^63 - 1); write a smaller one"
            ),
            "{e}"
        );
    }

    #[test]
    fn a_recorded_map_keeps_loading_under_limits_added_later() {
        let src = format!(
            "name = \"old\"\nblocks = 10\n[[subnet]]\nnetuid = 1\ntao = 10.0\nalpha_in = 100.0\nowner = \"{}\"\n",
            "o".repeat(40)
        );
        let e = parse(&src, "old.toml").expect_err("a new map may not");
        assert!(e.to_string().contains("may have at most 32"), "{e}");
        let m = parse_recorded(&src, "old.toml").expect("a recording's map loads");
        assert_eq!(m.name(), "old");
    }

    #[test]
    fn a_minimal_map_parses_with_defaults() {
        let m =
            parse("name = \"mini\"\nblocks = 10\n[[subnet]]\nnetuid = 1\ntao = 10.0\nalpha_in = 100.0\n", "mini.toml")
                .expect("valid");
        assert_eq!(m.name(), "mini");
        assert_eq!(m.blocks, 10);
        assert_eq!(m.start_tao, Tao(1_000_000_000_000));
        assert_eq!(m.start_date.to_rfc3339(), "2025-02-13T00:00:00+00:00");
        let s = &m.init.subnets[0];
        assert_eq!((s.netuid, s.name.as_str(), s.owner.as_str()), (1, "SN1", "genesis"));
        assert_eq!(
            (s.tao, s.alpha_in, s.first_emission, s.registered_at),
            (Tao(10_000_000_000), 100_000_000_000, 0, 0)
        );
        assert_eq!(m.world_init(Some(9)).seed, 9);
        assert_eq!(m.world_init(None).seed, 0);
        let w = m.build(None).expect("valid");
        assert!(w.check_invariants().is_ok());
    }

    #[test]
    fn an_unquoted_toml_date_is_accepted() {
        let m = parse("name = \"d\"\nblocks = 1\nstart_date = 2025-03-01T12:00:00Z\n[[subnet]]\nnetuid = 1\ntao = 1\nalpha_in = 1\n", "d")
            .expect("valid");
        assert_eq!(m.start_date.to_rfc3339(), "2025-03-01T12:00:00+00:00");
    }

    #[test]
    fn problems_come_back_in_line_order_with_paths() {
        let src = "name = \"p\"\nblocks = 0\n[[subnet]]\nnetuid = 1\ntao = -5.0\nalpha_in = 10.0\n[[subnet]]\nnetuid = 1\ntao = 10.0\nalpha_in = 10.0\n";
        let e = parse(src, "p.toml").expect_err("invalid");
        assert_eq!(
            e.problems,
            vec![
                "p.toml:2: blocks: must be a whole number from 1 to 100000000; write the match length in blocks such as 50400",
                "p.toml:5: subnet[1].tao: must not be negative; write the pool's TAO as a positive number such as 5000.0",
                "p.toml:8: subnet[2].netuid: 1 is already used by subnet[1] (line 4); give every subnet its own netuid",
            ]
        );
    }

    #[test]
    fn every_engine_parameter_is_accepted_in_params() {
        for key in crate::engine::params::PARAM_NAMES {
            let rates = ["tao_weight", "owner_cut", "moving_alpha", "flow_alpha", "kappa"];
            let value = match *key {
                "emission_mode" => "\"flow\"",
                k if rates.contains(&k) => "0.25",
                _ => "3",
            };
            let src = format!(
                "name = \"p\"\nblocks = 1\n[params]\n{key} = {value}\n[[subnet]]\nnetuid = 1\ntao = 10\nalpha_in = 10\n"
            );
            let m = parse(&src, "p").unwrap_or_else(|e| panic!("{key}: {e}"));
            assert_ne!(m.init.params, crate::engine::Params::default(), "{key} was not applied");
        }
    }

    #[test]
    fn suggestions_ignore_names_too_long_to_compare_cheaply() {
        let long = "lookback".repeat(20);
        assert_eq!(suggest_name(&long, ["lookback"]), None);
        assert_eq!(suggest_name("lookbak", [long.as_str(), "lookback"]), Some("lookback"));
        // A strategy's million-character option name is refused at once.
        let huge = "x".repeat(1_000_000);
        let t = std::time::Instant::now();
        assert_eq!(suggest_name(&huge, [huge.as_str()]), None);
        assert!(t.elapsed() < std::time::Duration::from_secs(1));
    }

    #[test]
    fn a_misspelt_map_name_gets_a_suggestion_and_a_miscased_one_loads() {
        // In other case, a built-in name is that map (as `maps --show` takes it).
        assert_eq!(load("Tutorial").expect("the tutorial").name(), "tutorial");
        for (given, meant) in [("sn28_meme", "sn28-meme"), ("dtao-lauch", "dtao-launch")] {
            let e = load(given).expect_err("no such map").to_string();
            assert!(e.starts_with(&format!("{given}: no built-in map has this name")), "{e}");
            assert!(e.contains(&format!("did you mean '{meant}'? use a built-in map (")), "{e}");
        }
    }

    #[test]
    fn unknown_names_list_the_builtins() {
        let e = load("no-such-map-anywhere").expect_err("invalid");
        assert_eq!(
            e.to_string(),
            "no-such-map-anywhere: no built-in map has this name and there is no file at this path; use a built-in map (dtao-launch, tutorial, sn28-meme, one-year-later, btc-revenue, transition, regimes) or the path of a map file"
        );
    }

    #[test]
    fn builtins_have_descriptions_and_load_by_name() {
        let b = builtins();
        assert_eq!(
            b.iter().map(|b| b.name).collect::<Vec<_>>(),
            vec!["dtao-launch", "tutorial", "sn28-meme", "one-year-later", "btc-revenue", "transition", "regimes"]
        );
        for m in &b {
            assert!(!m.description.is_empty(), "{} has no description", m.name);
            let map = load(m.name).unwrap_or_else(|e| panic!("{}:\n{e}", m.name));
            assert_eq!(map.origin, m.name);
            assert_eq!(map.description, m.description);
        }
        assert!(builtins().iter().any(|b| b.name == DEFAULT_MAP));
    }
}
