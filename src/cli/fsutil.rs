//! Files written safely: a temporary file in the same folder, flushed to disk, then
//! renamed over the target, so a crash never leaves a half-written file.

use std::io::Write;
use std::path::Path;

use super::CliError;

/// Writes `path` atomically with what `fill` writes.
///
/// # Errors
/// The folder is missing or not writable, or `fill` fails.
pub fn write_atomic(path: &Path, fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Result<(), CliError> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let fail = |e: std::io::Error| CliError::input(format!("cannot write '{}': {e}", path.display()));
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(fail)?;
    {
        let mut buf = std::io::BufWriter::new(tmp.as_file_mut());
        fill(&mut buf).map_err(fail)?;
        buf.flush().map_err(fail)?;
    }
    tmp.as_file().sync_all().map_err(fail)?;
    tmp.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}
