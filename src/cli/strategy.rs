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
    if !path.exists() {
        if let Some(b) = path.to_str().and_then(crate::script::builtin::find) {
            return Ok(Entrant { name: b.name.to_string(), source: b.source.to_string() });
        }
        return Err(not_found(path));
    }
    let bytes = super::fsutil::read_input(path, "strategy (.lua)", super::fsutil::MAX_STRATEGY_BYTES)?;
    let source = String::from_utf8(bytes).map_err(|_| {
        CliError::input(format!(
            "{}: not a text file; a strategy is Lua 5.4 source text (precompiled bytecode is refused)",
            path.display()
        ))
    })?;
    let name = path.file_stem().map_or_else(|| "strategy".to_string(), |s| s.to_string_lossy().into_owned());
    Ok(Entrant { name, source })
}

/// Expands files, folders (every `*.lua` except `template.lua`, sorted) and names of
/// shipped strategies (`momentum`) into entrants with unique names.
///
/// # Errors
/// A missing path, an unreadable file, or no strategy at all.
pub fn collect(paths: &[PathBuf]) -> Result<Vec<Entrant>, CliError> {
    let mut files: Vec<PathBuf> = Vec::new();
    let mut builtins: Vec<Entrant> = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(p)
                .map_err(|e| CliError::input(format!("cannot read folder '{}': {e}", p.display())))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| {
                    f.extension().is_some_and(|x| x == "lua") && f.file_name().is_some_and(|n| n != "template.lua")
                })
                .collect();
            found.sort();
            files.extend(found);
        } else if p.exists() {
            files.push(p.clone());
        } else if let Some(b) = p.to_str().and_then(crate::script::builtin::find) {
            builtins.push(Entrant { name: b.name.to_string(), source: b.source.to_string() });
        } else {
            return Err(not_found(p));
        }
    }
    if files.is_empty() && builtins.is_empty() {
        return Err(CliError::input(
            "no strategies: give .lua files or a folder holding them (e.g. --strategies strategies/)",
        ));
    }
    let mut out: Vec<Entrant> = Vec::new();
    let read_all: Vec<Entrant> = files.iter().map(|f| read(f)).collect::<Result<_, _>>()?;
    for mut e in read_all.into_iter().chain(builtins) {
        let base = e.name.clone();
        let mut k = 2;
        while out.iter().any(|o| o.name == e.name) {
            e.name = format!("{base}#{k}");
            k += 1;
        }
        out.push(e);
    }
    Ok(out)
}

/// Loads an entrant as a seated actor, or says why it cannot load (exit code 2).
///
/// # Errors
/// The strategy does not load.
pub fn actor(e: &Entrant, seed: u64, seat: usize) -> Result<LuaActor, CliError> {
    LuaActor::load(&e.name, &e.source, seed, seat).map_err(|err| CliError::input(err.to_string()))
}

fn not_found(p: &Path) -> CliError {
    let names: Vec<&str> = crate::script::builtin::ALL.iter().map(|b| b.name).collect();
    CliError::input(format!(
        "no strategy file or folder at '{}', and no shipped strategy of that name (shipped: {})",
        p.display(),
        names.join(", ")
    ))
}
