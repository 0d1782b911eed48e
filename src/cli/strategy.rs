//! Finding and loading strategy files for `sim --bot`, `tournament` and `check`.

use std::path::{Path, PathBuf};

use super::CliError;
use crate::session::lua::LuaActor;
use crate::tournament::Entrant;

/// Reads one strategy file (the entrant's name is the file stem), or a shipped strategy
/// by name if no such file exists.
///
/// # Errors
/// The file cannot be read or is not UTF-8 text.
pub fn read(path: &Path) -> Result<Entrant, CliError> {
    // `FILE|NAME:key=value,...`: the strategy with options (its `cfg.options`).
    if !path.exists() {
        if let Some(parsed) = path.to_str().and_then(crate::session::lua::options_in_name) {
            let (base, options) = parsed.map_err(|e| {
                CliError::input(format!(
                    "{}: {e}; write a strategy's options as FILE:key=value,key=value",
                    path.display()
                ))
            })?;
            let e = read(Path::new(base))?;
            let list: Vec<String> = options.iter().map(|(k, v)| format!("{k}={v}")).collect();
            return Ok(Entrant { name: format!("{}:{}", e.name, list.join(",")), ..e });
        }
    }
    if !path.exists() {
        if let Some(b) = path.to_str().and_then(crate::script::builtin::find) {
            return Ok(Entrant::new(b.name, b.source));
        }
        return Err(not_found(path));
    }
    let bytes = super::fsutil::read_input(path, "strategy (.lua)", super::fsutil::MAX_STRATEGY_BYTES)?;
    if bytes.starts_with(b"\x1bLua") {
        return Err(CliError::input(format!(
            "{}: precompiled Lua bytecode, which is refused; give the strategy's Lua 5.4 source text",
            path.display()
        )));
    }
    if let Some((line, byte)) = crate::text::utf8_error_at(&bytes) {
        return Err(CliError::input(format!(
            "{}:{line}: this line is not UTF-8 text (at its byte {byte}); save the strategy as UTF-8",
            path.display()
        )));
    }
    let source = String::from_utf8(bytes).map_err(|e| CliError::input(format!("{}: {e}", path.display())))?;
    // A map given as a strategy would fail as Lua with a puzzling syntax error.
    if path.extension().is_some_and(|x| x.eq_ignore_ascii_case("toml")) && source.parse::<toml::Table>().is_ok() {
        return Err(CliError::input(format!(
            "{}: this is a map (TOML), not a strategy: give maps with --map (a tournament's with --maps), and \
             strategies (.lua) with --bot (a tournament's with --strategies)",
            path.display()
        )));
    }
    // The name is printed in tables and logs: a file name's control characters show as
    // escapes, never as terminal commands. A colon would read as the start of options
    // (`NAME:key=value`) in a seat's name, so it shows as `_`.
    let name = path
        .file_stem()
        .map_or_else(|| "strategy".to_string(), |s| crate::text::escape_hidden(&s.to_string_lossy()).replace(':', "_"));
    Ok(Entrant { name, source, file: path.display().to_string(), seat_name: None })
}

/// Expands files, folders (every `*.lua` except `template.lua`, sorted) and names of
/// shipped strategies (`momentum`) into entrants with unique names.
///
/// # Errors
/// A missing path, an unreadable file, or no strategy at all.
pub fn collect(paths: &[PathBuf]) -> Result<Vec<Entrant>, CliError> {
    // In the order given (a folder's files sorted by name): sweep's `roi_<strategy>`
    // columns follow it.
    let mut found: Vec<Entrant> = Vec::new();
    // Folders that gave nothing: what each held.
    let mut empty: Vec<String> = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(p)
                .map_err(|e| CliError::input(format!("cannot read folder '{}': {e}", p.display())))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.extension().is_some_and(|x| x == "lua"))
                .collect();
            let template = files.iter().any(|f| f.file_name().is_some_and(|n| n == "template.lua"));
            files.retain(|f| f.file_name().is_some_and(|n| n != "template.lua"));
            files.sort();
            if files.is_empty() {
                empty.push(if template {
                    format!(
                        "'{}' holds only template.lua, which is skipped (copy it to a new name to make a \
                         strategy of it)",
                        p.display()
                    )
                } else {
                    format!("'{}' holds no .lua file", p.display())
                });
            }
            for f in &files {
                found.push(read(f)?);
            }
        } else {
            // A file, a shipped name, either with options.
            found.push(read(p)?);
        }
    }
    if found.is_empty() {
        return Err(CliError::input(format!(
            "no strategies: {}; give .lua files or a folder holding them (e.g. --strategies strategies/)",
            empty.join(", and ")
        )));
    }
    unique_names(found)
}

/// Entrants with names the tables can tell apart: the same strategy given twice plays
/// twice (`momentum`, `momentum#2`); two different strategies of one name are refused.
fn unique_names(found: Vec<Entrant>) -> Result<Vec<Entrant>, CliError> {
    let mut out: Vec<Entrant> = Vec::new();
    for mut e in found {
        if let Some(other) = out.iter().find(|o| o.name == e.name && o.source != e.source) {
            return Err(CliError::input(format!(
                "two different strategies are named '{}': {} and {}, and the tables tell strategies \
                 apart by name; rename one of the files",
                e.name,
                origin(other),
                origin(&e)
            )));
        }
        let base = e.name.clone();
        let mut k = 2;
        while out.iter().any(|o| o.name == e.name) {
            e.name = format!("{base}#{k}");
            e.seat_name = Some(base.clone());
            k += 1;
        }
        out.push(e);
    }
    Ok(out)
}

/// Where an entrant comes from, for messages: its file, or "the shipped strategy".
fn origin(e: &Entrant) -> String {
    let shipped =
        crate::script::builtin::ALL.iter().find(|b| b.source == e.source && e.file == format!("{}.lua", b.name));
    match shipped {
        Some(b) => format!("the shipped strategy '{}'", b.name),
        None => format!("'{}'", e.file),
    }
}

/// Loads an entrant as a seated actor, or says why it cannot load (exit code 2).
///
/// # Errors
/// The strategy does not load.
pub fn actor(e: &Entrant, seed: u64, seat: usize) -> Result<LuaActor, CliError> {
    LuaActor::load_file(&e.file, &e.name, &e.source, seed, seat).map_err(|err| CliError::input(err.to_string()))
}

/// Refuses, before a game or a room starts, a bot whose `init` fails on this match (bad
/// options, most often): seated as the match will seat it (after `humans`, with the same
/// seed), it would forfeit before its first turn and sit the match out. `init` is
/// deterministic, so one block of a copy of the match tells.
pub fn refuse_failing_init(
    map: &crate::scenario::Map,
    seed: u64,
    humans: &[&str],
    bots: &[Entrant],
) -> super::CliResult {
    if bots.is_empty() {
        return Ok(());
    }
    match failing_inits(map, seed, humans, bots)?.first() {
        Some((k, why)) => Err(CliError::input(format!(
            "bot '{}' fails in its init on the map '{}', so it would forfeit before its first turn: {why}; fix it \
             (`dtao-arena check FILE --map MAP` tries a strategy on a map) or leave it out",
            bots[*k].name,
            crate::text::escape_hidden(&map.init.name)
        ))),
        None => Ok(()),
    }
}

/// The bots of `bots` whose `init` fails on `map` with `seed`, by index, with why (a
/// bot that forfeits before its first turn); notes the options a bot's init never read.
///
/// # Errors
/// A strategy that does not load, or a map that does not run.
pub fn failing_inits(
    map: &crate::scenario::Map,
    seed: u64,
    humans: &[&str],
    bots: &[Entrant],
) -> Result<Vec<(usize, String)>, CliError> {
    if bots.is_empty() {
        return Ok(Vec::new());
    }
    let mut session = crate::session::Session::new(map, Some(seed), Some(1))?;
    for h in humans {
        session.add_human(h);
    }
    for (seat, e) in bots.iter().enumerate() {
        session.add_bot(&e.name, Box::new(actor(e, seed, seat)?));
    }
    session.step()?;
    let mut failing = Vec::new();
    for (k, e) in bots.iter().enumerate() {
        if let Some(seat) = session.seats().get(k) {
            warn_unread_options(&e.name, &seat.actor.unread_options());
        }
        let f = session.seat_faults(k);
        if f.forfeited {
            failing.push((k, f.first.unwrap_or_else(|| "its init failed".into())));
        }
    }
    Ok(failing)
}

/// Options a bot was given and its `init` never read through `dtao.options`: they most
/// likely change nothing, so the run says so (a strategy may read `cfg.options` itself,
/// hence a note and not a refusal).
pub fn warn_unread_options(name: &str, unread: &[String]) {
    if unread.is_empty() {
        return;
    }
    note!(
        "note: bot '{}' was given {} ({}) but its init never calls dtao.options: unless it reads cfg.options \
         itself, they change nothing; declare them with dtao.options (see: dtao-arena strategies --show template)",
        crate::text::escape_hidden(name),
        if unread.len() == 1 { "an option" } else { "options" },
        crate::text::escape_hidden(&unread.join(","))
    );
}

fn not_found(p: &Path) -> CliError {
    let names: Vec<&str> = crate::script::builtin::ALL.iter().map(|b| b.name).collect();
    let given = p.to_string_lossy();
    let stem = p.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let hint = if !given.ends_with(".lua") && Path::new(&format!("{given}.lua")).is_file() {
        // A file named without its extension (`bots/dip` for bots/dip.lua, `dip:size=3`).
        format!("; there is '{given}.lua': name the file, {given}.lua (options after it: {given}.lua:key=value)")
    } else if given.contains(std::path::MAIN_SEPARATOR) || given.ends_with(".lua") {
        // A path to a shipped strategy's file (the README's `strategies/momentum.lua`,
        // run outside the repository): the binary carries it.
        if let Some(n) = names.iter().find(|n| **n == stem) {
            format!("; '{n}' is shipped inside dtao-arena: give its name, --bot {n}")
        } else if stem == "strategies" {
            "; the shipped strategies are inside dtao-arena: give their names".to_string()
        } else {
            // A misspelt file name beside the file meant (a path gets no guess at a
            // shipped name: it names the user's own file).
            crate::scenario::nearby_file(p, Some("lua"))
                .or_else(|| crate::scenario::nearby_file(&p.with_extension("lua"), Some("lua")))
                .map(|near| format!("; did you mean {}?", near.display()))
                .unwrap_or_default()
        }
    } else {
        // A name: a misspelt or miscased shipped strategy.
        crate::scenario::suggest_name(&given, names.iter().copied())
            .map(|n| format!("; did you mean '{n}'?"))
            .unwrap_or_default()
    };
    CliError::input(format!(
        "no strategy file or folder at '{}', and no shipped strategy of that name{hint} (shipped: {})",
        p.display(),
        names.join(", ")
    ))
}

/// Says on stderr why a strategy faulted over `runs` runs (`unit`: what a run is called,
/// one and many: matches, runs): in how many, how many it forfeited, and its first fault
/// (`at` names the run: "match 3", "tao_weight=0.2 seed 1"). Silent for a strategy without
/// faults.
pub fn report_faults<'a>(
    name: &str,
    runs: usize,
    unit: (&str, &str),
    faults: impl IntoIterator<Item = (String, &'a crate::session::SeatFaults)>,
) {
    let faulted: Vec<(String, &crate::session::SeatFaults)> =
        faults.into_iter().filter(|(_, f)| f.faults > 0).collect();
    if faulted.is_empty() {
        return;
    }
    let forfeits = faulted.iter().filter(|(_, f)| f.forfeited).count();
    let first = faulted
        .iter()
        .find_map(|(at, f)| f.first.as_ref().map(|t| format!("; first, in {at}: {t}")))
        .unwrap_or_default();
    note!(
        "{name}: faults in {} of {runs} {}{}{first}",
        faulted.len(),
        if runs == 1 { unit.0 } else { unit.1 },
        if forfeits > 0 { format!(", forfeited {forfeits}") } else { String::new() },
    );
    let wall_clock: u32 = faulted.iter().map(|(_, f)| f.wall_clock).sum();
    if wall_clock > 0 {
        note!(
            "{name}: warning: {} the wall-clock limit, whose timing depends on this machine's speed and \
             load, so these results may differ from run to run and with --jobs. The instruction budget \
             cannot count a single slow Lua operation (comparing, joining or copying strings of megabytes): \
             see the README's 'The sandbox'",
            crate::text::count(usize::try_from(wall_clock).unwrap_or(usize::MAX), "fault was", "faults were")
        );
    }
}
