//! Files that survive crashes: a write goes to a temporary file in the same folder, is
//! flushed to disk and renamed over the target, so the target is always either the old
//! or the new file, never half of one. With a backup, the previous file is first linked
//! (or copied) to `NAME.bak`, also by an atomic rename.

use std::io::Write;
use std::path::{Path, PathBuf};

/// The backup path of `path`: `NAME.EXT.bak`.
#[must_use]
pub fn backup_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".bak");
    PathBuf::from(s)
}

fn folder(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Writes `path` atomically with what `fill` writes.
///
/// # Errors
/// The folder is missing or not writable, or `fill` fails.
pub fn write_atomic(path: &Path, fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> std::io::Result<()> {
    let dir = folder(path);
    let mut builder = tempfile::Builder::new();
    builder.prefix(".dtao-").suffix(".tmp");
    // A temporary file is private (0600); the user's file gets the usual permissions.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o644));
    }
    let mut tmp = builder.tempfile_in(dir)?;
    {
        let mut buf = std::io::BufWriter::new(tmp.as_file_mut());
        fill(&mut buf)?;
        buf.flush()?;
    }
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    sync_folder(dir);
    Ok(())
}

/// Writes `bytes` to `path` atomically, keeping the file it replaces as
/// [`backup_path`]. At every moment `path` holds either the old or the new bytes.
///
/// # Errors
/// The folder is missing or not writable.
pub fn write_with_backup(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if path.is_file() {
        let dir = folder(path);
        let bak = backup_path(path);
        let tmp = tempfile::Builder::new()
            .prefix(".dtao-")
            .suffix(".bak.tmp")
            .make_in(dir, |p| std::fs::hard_link(path, p).or_else(|_| std::fs::copy(path, p).map(|_| ())))?;
        tmp.persist(&bak).map_err(|e| e.error)?;
    }
    write_atomic(path, |w| w.write_all(bytes))
}

/// Makes a rename durable (best effort: not every platform can open a folder).
fn sync_folder(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backup_keeps_the_previous_version() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.dtrec");
        write_with_backup(&p, b"one").unwrap();
        assert!(!backup_path(&p).exists());
        write_with_backup(&p, b"two").unwrap();
        write_with_backup(&p, b"three").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"three");
        assert_eq!(std::fs::read(backup_path(&p)).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names.len(), 2, "no temporary files left behind: {names:?}");
    }

    #[test]
    fn a_missing_folder_is_an_error_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("no/such/folder/a.dtrec");
        assert!(write_with_backup(&p, b"x").is_err());
    }
}
