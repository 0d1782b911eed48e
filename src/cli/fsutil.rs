//! Files written safely (see [`crate::record::fs`]), with errors as CLI errors.

use std::io::Write;
use std::path::Path;

use super::CliError;

/// Writes `path` atomically with what `fill` writes.
///
/// # Errors
/// The folder is missing or not writable, or `fill` fails.
pub fn write_atomic(path: &Path, fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Result<(), CliError> {
    crate::record::fs::write_atomic(path, fill)
        .map_err(|e| CliError::input(format!("cannot write '{}': {e}", path.display())))
}
