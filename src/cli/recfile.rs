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
    let bytes =
        super::fsutil::read_input(path, "recording (.dtrec)", super::fsutil::MAX_RECORDING_BYTES).map_err(|e| {
            match saves_dir().filter(|_| std::fs::symlink_metadata(path).is_err()) {
                Some(dir) => CliError::input(format!("{} (saves are in {})", e.message, dir.display())),
                None => e,
            }
        })?;
    if bytes.is_empty() {
        return Err(CliError::input(format!(
            "'{}' is empty: the game or room that reserved this name has not saved yet (a room writes its \
             replay when it ends), or it stopped before its first save",
            path.display()
        )));
    }
    wire::decode(&bytes).map_err(|e| CliError::input(format!("'{}' {e}{}", path.display(), backup_advice(path, &e))))
}

/// What to do about a cut or damaged file: its backup, when there is one.
fn backup_advice(path: &Path, e: &crate::record::RecordError) -> String {
    use crate::record::RecordError;
    if !matches!(e, RecordError::Truncated { .. } | RecordError::Checksum) {
        return String::new();
    }
    let bak = crate::record::fs::backup_path(path);
    if bak.is_file() {
        format!("; use its backup '{}' (copy it over this file), or record the match again", bak.display())
    } else {
        // A saved game has no command that makes it again; a recorded match has.
        "; there is no '.bak' copy beside it: a recorded match can be made again by the command that recorded \
         it, a saved game cannot be recovered"
            .to_string()
    }
}

/// Writes a recording atomically, keeping the file it replaces as `.bak`.
///
/// # Errors
/// The folder is missing or not writable.
pub fn write(path: &Path, r: &Recording) -> Result<(), CliError> {
    crate::record::fs::write_with_backup(path, &wire::encode(r))
        .map_err(|e| CliError::runtime(format!("cannot write '{}': {e}", path.display())))
}

/// The folder for the user's saves: the platform's data folder (`directories`), or
/// `DTAO_ARENA_DATA` when set (tests, portable installs).
#[must_use]
pub fn saves_dir() -> Option<PathBuf> {
    // An empty value is unset (not the current folder).
    if let Some(d) = std::env::var_os("DTAO_ARENA_DATA").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d).join("saves"));
    }
    directories::ProjectDirs::from("", "", "dtao-arena").map(|p| p.data_dir().join("saves"))
}
