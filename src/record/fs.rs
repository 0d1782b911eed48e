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

/// Why an output path cannot be written by a rename (see [`resolve_output`]).
#[derive(Debug)]
pub enum NotWritable {
    /// A folder, or a symbolic link to one.
    Folder,
    /// A device node, a FIFO or a socket (or a symbolic link to one): renaming a new
    /// file over it would replace it (`/dev/null` by a regular file).
    NotRegular,
    /// A symbolic link whose target (shown) does not exist or cannot be resolved.
    Dangling(PathBuf),
    /// A link to a process's open file (`/dev/stdout` -> `/proc/self/fd/1`): its target
    /// is whatever the output was redirected to, and renaming over it would replace that.
    ProcessFile(PathBuf),
    /// A part of the path (shown) is a file where a folder should be.
    InsideFile(PathBuf),
    /// The path could not be examined.
    Io(std::io::Error),
}

impl std::fmt::Display for NotWritable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Folder => write!(f, "is a folder: give a file name"),
            Self::NotRegular => {
                write!(f, "is not a regular file (a device, a pipe or a socket): give a file name")
            }
            Self::Dangling(t) => write!(
                f,
                "is a symbolic link to '{}', which is not an existing file: give a file name, or create the target first",
                t.display()
            ),
            Self::ProcessFile(t) => write!(
                f,
                "is a link to a process's open file ('{}'), not a file: give a file name (to see the output, \
                 write it to a file and read that)",
                t.display()
            ),
            Self::InsideFile(p) => {
                write!(f, "is inside '{}', which is a file, not a folder: give a path in a folder", p.display())
            }
            Self::Io(e) => write!(f, "cannot be examined ({e}); check the path and its folders' permissions"),
        }
    }
}

impl From<NotWritable> for std::io::Error {
    fn from(e: NotWritable) -> Self {
        match e {
            NotWritable::Io(e) => e,
            other => std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("it {other}")),
        }
    }
}

/// The file a write to `path` replaces: `path` itself when it is missing or a regular
/// file, the target of a symbolic link to a regular file (so that the link stays and its
/// target gets the new contents, renamed in the target's folder), and an error for a
/// folder, a device, a pipe, a socket or a dangling link, which a rename would destroy.
///
/// # Errors
/// `path` exists and is not a regular file, or a link to one.
pub fn resolve_output(path: &Path) -> Result<PathBuf, NotWritable> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(path.to_path_buf()),
        Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => {
            let file = path.ancestors().skip(1).find(|p| p.is_file()).unwrap_or(path);
            return Err(NotWritable::InsideFile(file.to_path_buf()));
        }
        Err(e) => return Err(NotWritable::Io(e)),
    };
    if meta.file_type().is_symlink() {
        if let Some(magic) = process_file(path) {
            return Err(NotWritable::ProcessFile(magic));
        }
        let dangling = || NotWritable::Dangling(std::fs::read_link(path).unwrap_or_else(|_| path.to_path_buf()));
        let target = std::fs::canonicalize(path).map_err(|_| dangling())?;
        let meta = std::fs::metadata(&target).map_err(|_| dangling())?;
        return kind(&meta).map(|()| target);
    }
    kind(&meta).map(|()| path.to_path_buf())
}

/// The first link on the way from `path` to its target that names a process's open
/// file (`/proc/...`, `/dev/fd/...`), if any: the kernel resolves those to whatever the
/// file descriptor is (a terminal, a pipe, or a file the shell redirected to).
fn process_file(path: &Path) -> Option<PathBuf> {
    let magic = |p: &Path| p.starts_with("/proc") || p.starts_with("/dev/fd");
    let absolute = |p: &Path| match (p.parent(), p.file_name()) {
        (Some(dir), Some(name)) => std::fs::canonicalize(if dir.as_os_str().is_empty() { Path::new(".") } else { dir })
            .map_or_else(|_| p.to_path_buf(), |d| d.join(name)),
        _ => p.to_path_buf(),
    };
    let mut cur = absolute(path);
    // Linux follows at most 40 links.
    for _ in 0..40 {
        if magic(&cur) {
            return Some(cur);
        }
        let Ok(next) = std::fs::read_link(&cur) else { return None };
        cur = absolute(&folder(&cur).join(next));
    }
    None
}

fn kind(meta: &std::fs::Metadata) -> Result<(), NotWritable> {
    if meta.is_dir() {
        Err(NotWritable::Folder)
    } else if meta.is_file() {
        Ok(())
    } else {
        Err(NotWritable::NotRegular)
    }
}

/// Writes `path` atomically with what `fill` writes. A symbolic link to a regular file
/// is followed (its target is replaced, the link stays); a folder, a device, a pipe, a
/// socket or a dangling link is refused before anything is written.
///
/// # Errors
/// `path` is not a regular file (see [`resolve_output`]), the folder is missing or not
/// writable, or `fill` fails.
pub fn write_atomic(path: &Path, fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> std::io::Result<()> {
    let mut file = AtomicFile::create(path)?;
    fill(&mut file)?;
    file.commit(false)
}

/// Writes `bytes` to `path` atomically, keeping the file it replaces as
/// [`backup_path`] (unless it is empty: a name reserved for a new save holds nothing to
/// keep). At every moment `path` holds either the old or the new bytes.
///
/// # Errors
/// `path` is not a regular file (see [`resolve_output`]), or the folder is missing or
/// not writable.
pub fn write_with_backup(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = AtomicFile::create(path)?;
    file.write_all(bytes)?;
    file.commit(true)
}

/// A file written as a stream (a long trace, row by row) that replaces its target only
/// when [`AtomicFile::commit`] is called: until then the bytes go to a temporary file in
/// the same folder, which is removed if the writer is dropped (the run failed).
pub struct AtomicFile {
    path: PathBuf,
    out: std::io::BufWriter<tempfile::NamedTempFile>,
}

impl AtomicFile {
    /// Starts writing `path` (resolved and checked as [`write_atomic`] does).
    ///
    /// # Errors
    /// `path` is not a regular file (see [`resolve_output`]), or the folder is missing
    /// or not writable.
    pub fn create(path: &Path) -> std::io::Result<Self> {
        let path = resolve_output(path)?;
        let mut builder = tempfile::Builder::new();
        builder.prefix(".dtao-").suffix(".tmp");
        // A temporary file is private (0600); the user's file gets the usual permissions.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(0o644));
        }
        let tmp = builder.tempfile_in(folder(&path))?;
        Ok(Self { path, out: std::io::BufWriter::with_capacity(1 << 16, tmp) })
    }

    /// The temporary file the bytes go to until the commit.
    #[must_use]
    pub fn temporary_path(&self) -> &Path {
        self.out.get_ref().path()
    }

    /// Flushes the bytes to disk and renames them over the target, first keeping the
    /// file it replaces as [`backup_path`] if `backup` (and that file is not empty).
    ///
    /// # Errors
    /// A write, the flush or a rename failed (the target is then unchanged).
    pub fn commit(self, backup: bool) -> std::io::Result<()> {
        self.sync()?.persist(backup)
    }

    /// Flushes the bytes to disk, ready to replace the target: so that several files
    /// can all be written before any of them replaces its target.
    ///
    /// # Errors
    /// A write or the flush failed.
    pub fn sync(self) -> std::io::Result<Synced> {
        let tmp = self.out.into_inner().map_err(std::io::IntoInnerError::into_error)?;
        tmp.as_file().sync_all()?;
        Ok(Synced { path: self.path, tmp })
    }
}

/// An [`AtomicFile`] whose bytes are on disk, not yet in place.
pub struct Synced {
    path: PathBuf,
    tmp: tempfile::NamedTempFile,
}

impl Synced {
    /// Renames the bytes over the target, first keeping the file it replaces as
    /// [`backup_path`] if `backup` (and that file is not empty).
    ///
    /// # Errors
    /// A rename failed (the target is then unchanged).
    pub fn persist(self, backup: bool) -> std::io::Result<()> {
        let Self { path, tmp } = self;
        let path = &path;
        let dir = folder(path);
        if backup && std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() > 0) {
            let bak = backup_path(path);
            if std::fs::symlink_metadata(&bak).is_ok_and(|m| !m.is_file()) {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    format!("its backup '{}' is not a regular file; move it away", bak.display()),
                ));
            }
            let old = tempfile::Builder::new()
                .prefix(".dtao-")
                .suffix(".bak.tmp")
                .make_in(dir, |p| std::fs::hard_link(path, p).or_else(|_| std::fs::copy(path, p).map(|_| ())))?;
            old.persist(&bak).map_err(|e| e.error)?;
        }
        // Defence in depth: the path may have changed since it was resolved; a rename
        // never replaces anything but a regular file.
        match std::fs::symlink_metadata(path) {
            Ok(m) if !m.is_file() => {
                return Err(if m.is_dir() { NotWritable::Folder } else { NotWritable::NotRegular }.into());
            }
            _ => {}
        }
        tmp.persist(path).map_err(|e| e.error)?;
        sync_folder(dir);
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.out.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
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
    fn a_streamed_file_replaces_its_target_only_when_committed() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("trace.csv");
        std::fs::write(&p, "old").unwrap();
        let mut f = AtomicFile::create(&p).unwrap();
        f.write_all(b"new rows").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"old", "not before the commit");
        drop(f);
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, ["trace.csv"], "a dropped writer leaves nothing behind");
        let mut f = AtomicFile::create(&p).unwrap();
        f.write_all(b"new rows").unwrap();
        f.commit(true).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"new rows");
        assert_eq!(std::fs::read(backup_path(&p)).unwrap(), b"old");
    }

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

    /// A FIFO made with `mkfifo` in `dir`, or `None` when the tool is missing.
    #[cfg(unix)]
    fn fifo(dir: &Path, name: &str) -> Option<PathBuf> {
        let p = dir.join(name);
        let ok = std::process::Command::new("mkfifo").arg(&p).status().is_ok_and(|s| s.success());
        ok.then_some(p)
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_a_device_or_a_link_to_one_is_never_replaced() {
        use std::os::unix::fs::FileTypeExt;
        let dir = tempfile::tempdir().unwrap();
        let Some(pipe) = fifo(dir.path(), "pipe") else {
            eprintln!("skipped: no mkfifo");
            return;
        };
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&pipe, &link).unwrap();
        for p in [&pipe, &link] {
            let e = write_atomic(p, |w| w.write_all(b"x")).expect_err("refused");
            assert!(e.to_string().contains("not a regular file"), "{e}");
            let e = write_with_backup(p, b"x").expect_err("refused");
            assert!(e.to_string().contains("not a regular file"), "{e}");
        }
        assert!(std::fs::symlink_metadata(&pipe).unwrap().file_type().is_fifo(), "the FIFO is still one");
        // A link to a process's open file, whatever that file is (here: a regular file).
        let out = dir.path().join("out.txt");
        let held = std::fs::File::create(&out).unwrap();
        #[cfg(target_os = "linux")]
        {
            use std::os::fd::AsRawFd;
            let stdout = dir.path().join("stdout");
            std::os::unix::fs::symlink(format!("/proc/self/fd/{}", held.as_raw_fd()), &stdout).unwrap();
            let e = write_atomic(&stdout, |w| w.write_all(b"x")).expect_err("refused");
            assert!(e.to_string().contains("a process's open file"), "{e}");
            assert_eq!(std::fs::read(&out).unwrap(), b"", "the open file is untouched");
        }
        drop(held);
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "the link is still one");
        // A private character device (a copy of the null device), where mknod is allowed.
        let dev = dir.path().join("null");
        let made = std::process::Command::new("mknod")
            .args([dev.as_os_str(), "c".as_ref(), "1".as_ref(), "3".as_ref()])
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if made {
            let e = write_atomic(&dev, |w| w.write_all(b"x")).expect_err("refused");
            assert!(e.to_string().contains("not a regular file"), "{e}");
            assert!(std::fs::symlink_metadata(&dev).unwrap().file_type().is_char_device());
        }
        // A backup that is not a regular file is not replaced either.
        let rec = dir.path().join("rec");
        std::fs::write(&rec, b"old").unwrap();
        let _ = fifo(dir.path(), "rec.bak").unwrap();
        assert!(write_with_backup(&rec, b"new").is_err());
        assert_eq!(std::fs::read(&rec).unwrap(), b"old");
        assert!(std::fs::symlink_metadata(backup_path(&rec)).unwrap().file_type().is_fifo());
    }

    #[cfg(unix)]
    #[test]
    fn a_link_to_a_file_writes_its_target() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("runs");
        std::fs::create_dir(&sub).unwrap();
        let target = sub.join("run42.dtrec");
        std::fs::write(&target, b"one").unwrap();
        let link = dir.path().join("latest.dtrec");
        std::os::unix::fs::symlink("runs/run42.dtrec", &link).unwrap();
        write_with_backup(&link, b"two").unwrap();
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "the link stays");
        assert_eq!(std::fs::read(&target).unwrap(), b"two");
        assert_eq!(std::fs::read(backup_path(&target)).unwrap(), b"one", "the backup is beside the target");
        write_atomic(&link, |w| w.write_all(b"three")).unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"three");
        // A dangling link is refused and stays.
        let dangling = dir.path().join("dangling");
        std::os::unix::fs::symlink("nowhere/x", &dangling).unwrap();
        let e = write_atomic(&dangling, |w| w.write_all(b"x")).expect_err("refused");
        assert!(e.to_string().contains("symbolic link to 'nowhere/x'"), "{e}");
        assert!(std::fs::symlink_metadata(&dangling).unwrap().file_type().is_symlink());
    }

    #[test]
    fn a_missing_folder_is_an_error_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("no/such/folder/a.dtrec");
        assert!(write_with_backup(&p, b"x").is_err());
    }
}
