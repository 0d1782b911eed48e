//! Reading and writing recording files for the commands, with messages that name the
//! file.

use std::path::{Path, PathBuf};

use super::CliError;
use crate::record::{Recording, wire};

/// Reads and checks a recording or save. Every problem is bad input (exit code 2).
///
/// # Errors
/// The file cannot be read or is not a valid recording.
pub fn read(path: &Path) -> Result<Recording, CliError> {
    let bytes = super::fsutil::read_input(path, "recording (.dtrec)", super::fsutil::MAX_RECORDING_BYTES)?;
    wire::decode(&bytes).map_err(|e| CliError::input(format!("'{}' {e}", path.display())))
}

/// Writes a recording atomically, keeping the file it replaces as `.bak`.
///
/// # Errors
/// The folder is missing or not writable.
pub fn write(path: &Path, r: &Recording) -> Result<(), CliError> {
    crate::record::fs::write_with_backup(path, &wire::encode(r))
        .map_err(|e| CliError::input(format!("cannot write '{}': {e}", path.display())))
}

/// The folder for the user's saves: the platform's data folder (`directories`), or
/// `DTAO_ARENA_DATA` when set (tests, portable installs).
#[must_use]
pub fn saves_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("DTAO_ARENA_DATA") {
        return Some(PathBuf::from(d).join("saves"));
    }
    directories::ProjectDirs::from("", "", "dtao-arena").map(|p| p.data_dir().join("saves"))
}
