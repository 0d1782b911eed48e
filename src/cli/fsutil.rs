//! Files read and written safely (see [`crate::record::fs`]), with errors as CLI errors:
//! inputs are regular files of a bounded size, and every output is checked before a
//! command starts its work, so that a run never ends in a write that fails or that
//! destroys one of its own inputs.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use super::CliError;

/// The largest recording a command reads (a year-long recording of the default map with
/// eight bots is 1.5 MB).
pub const MAX_RECORDING_BYTES: u64 = 256 << 20;
/// The largest strategy a command reads (the shipped ones are under 20 KiB).
pub const MAX_STRATEGY_BYTES: u64 = 4 << 20;

/// Writes `path` atomically with what `fill` writes, keeping the file it replaces as
/// `NAME.bak` (see [`crate::record::fs::write_with_backup`]).
///
/// # Errors
/// The folder is missing or not writable, or `fill` fails.
pub fn write_with_backup(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), CliError> {
    let mut bytes = Vec::new();
    fill(&mut bytes)
        .and_then(|()| crate::record::fs::write_with_backup(path, &bytes))
        .map_err(|e| CliError::runtime(format!("cannot write '{}': {e}", path.display())))
}

/// Reads an input file (`what`: "strategy", "recording"): a regular file of at most
/// `max` bytes, so that a folder or a device such as `/dev/zero` is refused
/// with a message instead of being read until memory runs out.
///
/// # Errors
/// The file is missing, not a regular file, too large or unreadable.
pub fn read_input(path: &Path, what: &str, max: u64) -> Result<Vec<u8>, CliError> {
    let meta = std::fs::metadata(path).map_err(|e| {
        let hint = if e.kind() == std::io::ErrorKind::NotFound { "; check the path" } else { "" };
        CliError::input(format!("cannot read '{}': {e}{hint}", path.display()))
    })?;
    if meta.is_dir() {
        return Err(CliError::input(format!("'{}' is a folder; give the path of a {what} file", path.display())));
    }
    if !meta.is_file() {
        return Err(CliError::input(format!(
            "'{}' is not a regular file (a device or a pipe); give the path of a {what} file",
            path.display()
        )));
    }
    if meta.len() > max {
        return Err(too_large(path, what, max));
    }
    let file =
        std::fs::File::open(path).map_err(|e| CliError::input(format!("cannot read '{}': {e}", path.display())))?;
    let mut bytes = Vec::new();
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| CliError::input(format!("cannot read '{}': {e}", path.display())))?;
    if bytes.len() as u64 > max {
        return Err(too_large(path, what, max));
    }
    Ok(bytes)
}

fn too_large(path: &Path, what: &str, max: u64) -> CliError {
    CliError::input(format!(
        "'{}' is larger than {} MiB, more than any {what} needs; check the path",
        path.display(),
        max >> 20
    ))
}

/// The longest stem [`file_stem_for`] gives: with a prefix such as `workshop-`, a date
/// and an extension the file name stays far below the 255 bytes file systems allow.
pub const MAX_FILE_STEM_CHARS: usize = 64;

/// A file-name stem made from a map's (or anyone's) name, for default save and replay
/// files: ASCII letters, digits and `-`, every other character as `_`, at most
/// [`MAX_FILE_STEM_CHARS`] characters, never starting with `-` (it would read as a flag)
/// and never empty (`map` when nothing is left).
#[must_use]
pub fn file_stem_for(name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' })
        .skip_while(|c| *c == '-')
        .take(MAX_FILE_STEM_CHARS)
        .collect();
    if safe.chars().all(|c| c == '_' || c == '-') { "map".to_string() } else { safe }
}

/// One file a command will write (keeping the file it replaces as `.bak`): the flag
/// that names it, and its path.
#[derive(Clone, Debug)]
pub struct Output<'a> {
    pub flag: &'a str,
    pub path: PathBuf,
    /// For a file whose name follows another's (the trace's accounts file), the way out
    /// when a folder has its name (the user cannot choose it).
    pub named_after: Option<&'a str>,
}

impl<'a> Output<'a> {
    #[must_use]
    pub fn new(flag: &'a str, path: impl Into<PathBuf>) -> Self {
        Self { flag, path: path.into(), named_after: None }
    }

    /// A file named after `flag`'s file: `what` is how messages call it.
    #[must_use]
    pub fn named_after(flag: &'a str, what: &'a str, path: impl Into<PathBuf>) -> Self {
        Self { flag: what, path: path.into(), named_after: Some(flag) }
    }
}

/// Checks, before a command runs, that every output can be written: its folder exists
/// and takes new files, it is not a folder, a device, a pipe or a socket (which the
/// atomic rename would replace), and it is neither one of the inputs (a map or a
/// strategy the command reads) nor another output. A symbolic link to a regular file is
/// checked as its target, which is what [`write_with_backup`] writes.
///
/// # Errors
/// The first output that could not be written, and how to fix it.
pub fn check_outputs(inputs: &[&Path], outputs: &[Output<'_>]) -> Result<(), CliError> {
    let inputs: Vec<(PathBuf, &Path)> =
        inputs.iter().filter(|p| p.is_file()).filter_map(|p| Some((std::fs::canonicalize(p).ok()?, *p))).collect();
    // Every file written so far: an output's own (`false`) and its backup (`true`).
    let mut seen: Vec<(PathBuf, &str, bool)> = Vec::new();
    for o in outputs {
        // Not standard output: the outputs are files (a trace is two), written atomically.
        if o.path.as_os_str() == "-" {
            let eg = match o.flag {
                "--record" | "--save" => format!("run.{}", crate::record::EXTENSION),
                _ => "run.csv".to_string(),
            };
            return Err(CliError::input(format!(
                "{} '-': this option writes a file, not standard output; give a file name (such as '{eg}')",
                o.flag
            )));
        }
        if o.path.is_dir() {
            let fix = match o.named_after {
                Some(flag) => format!("move that folder away, or give {flag} another name"),
                None => {
                    // A name of the kind the flag writes: a recording or a table.
                    let eg = match o.flag {
                        "--record" | "--save" => format!("run.{}", crate::record::EXTENSION),
                        _ => "run.csv".to_string(),
                    };
                    format!("give a file name (such as '{}')", o.path.join(eg).display())
                }
            };
            return Err(CliError::input(format!("{} '{}' is a folder; {fix}", o.flag, o.path.display())));
        }
        // A device, a pipe or a socket would be replaced by the rename that writes the
        // file (`--record /dev/null` would turn /dev/null into a regular file); a
        // symbolic link to a regular file is followed, and its target is checked.
        let p = &crate::record::fs::resolve_output(&o.path)
            .map_err(|e| CliError::input(format!("{} '{}' {e}", o.flag, o.path.display())))?;
        let Some(name) = p.file_name() else {
            return Err(CliError::input(format!("{} '{}' has no file name; give one", o.flag, o.path.display())));
        };
        let folder = match p.parent() {
            Some(f) if !f.as_os_str().is_empty() => f,
            _ => Path::new("."),
        };
        if !folder.is_dir() {
            return Err(CliError::input(format!(
                "{} '{}': the folder '{}' does not exist; create it first (mkdir -p {})",
                o.flag,
                o.path.display(),
                folder.display(),
                super::shell_word(&folder.display().to_string())
            )));
        }
        tempfile::Builder::new().prefix(".dtao-check-").tempfile_in(folder).map_err(|e| {
            CliError::input(format!(
                "{} '{}': cannot write in the folder '{}' ({e}); choose another folder",
                o.flag,
                o.path.display(),
                folder.display()
            ))
        })?;
        let bak = crate::record::fs::backup_path(p);
        if bak.is_dir() {
            return Err(CliError::input(format!(
                "{} '{}': its backup '{}' is a folder; move that folder away or choose another name",
                o.flag,
                o.path.display(),
                bak.display()
            )));
        }
        if std::fs::symlink_metadata(&bak).is_ok_and(|m| !m.is_file()) {
            return Err(CliError::input(format!(
                "{} '{}': its backup '{}' is not a regular file (a link, a device or a pipe), which keeping \
                 the backup would replace; move it away or choose another name",
                o.flag,
                o.path.display(),
                bak.display()
            )));
        }
        let canon = std::fs::canonicalize(folder).map_or_else(|_| p.clone(), |f| f.join(name));
        if let Some((_, input)) = inputs.iter().find(|(c, _)| *c == canon) {
            return Err(CliError::input(format!(
                "{} '{}' is the same file as the input '{}'; writing it would destroy that input: choose another name",
                o.flag,
                o.path.display(),
                input.display()
            )));
        }
        let canon_bak = crate::record::fs::backup_path(&canon);
        if let Some((_, input)) = inputs.iter().find(|(c, _)| *c == canon_bak) {
            return Err(CliError::input(format!(
                "{} '{}': its backup would replace the input '{}'; choose another name",
                o.flag,
                o.path.display(),
                input.display()
            )));
        }
        if let Some((_, other, _)) = seen.iter().find(|(c, _, bak)| *c == canon && !bak) {
            return Err(CliError::input(format!(
                "{} and {other} both name '{}'; give them different files",
                o.flag,
                o.path.display()
            )));
        }
        if let Some((_, other, _)) = seen.iter().find(|(c, _, bak)| *c == canon_bak || (*c == canon && *bak)) {
            return Err(CliError::input(format!(
                "{} '{}' and {other}: one is the other's backup (NAME.bak), which writing both would replace; \
                 give them unrelated names",
                o.flag,
                o.path.display()
            )));
        }
        seen.push((canon, o.flag, false));
        seen.push((canon_bak, o.flag, true));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_are_checked_before_a_run() {
        let dir = tempfile::tempdir().expect("temp dir");
        let map = dir.path().join("my.toml");
        std::fs::write(&map, "x").expect("write");
        let err = |inputs: &[&Path], outs: &[Output<'_>]| check_outputs(inputs, outs).expect_err("refused").message;
        // A folder: a file name of the kind the flag writes is suggested.
        let e = err(&[], &[Output::new("--out", dir.path())]);
        assert!(e.contains("is a folder; give a file name (such as '") && e.ends_with("run.csv')"), "{e}");
        let e = err(&[], &[Output::new("--record", dir.path())]);
        assert!(e.ends_with("run.dtrec')"), "{e}");
        // An output that is an input: the map would be destroyed.
        let e = err(&[&map], &[Output::new("--trace", &map)]);
        assert!(e.contains("same file as the input") && e.contains("my.toml"), "{e}");
        // The same file reached by another spelling.
        let e = err(&[&map], &[Output::new("--out", dir.path().join(".").join("my.toml"))]);
        assert!(e.contains("same file as the input"), "{e}");
        // An output's backup is an input, or another output.
        let e = err(
            &[],
            &[Output::new("--trace", dir.path().join("t.csv")), Output::new("--record", dir.path().join("t.csv.bak"))],
        );
        assert!(e.contains("one is the other's backup"), "{e}");
        let e = err(
            &[],
            &[Output::new("--record", dir.path().join("t.csv.bak")), Output::new("--trace", dir.path().join("t.csv"))],
        );
        assert!(e.contains("one is the other's backup"), "{e}");
        let lua_bak = dir.path().join("s.lua.bak");
        std::fs::write(&lua_bak, "x").expect("write");
        let e = err(&[&lua_bak], &[Output::new("--trace", dir.path().join("s.lua"))]);
        assert!(e.contains("its backup would replace the input"), "{e}");
        // Two outputs naming one file.
        let a = dir.path().join("a.csv");
        let e = err(&[], &[Output::new("--trace", &a), Output::new("--record", &a)]);
        assert!(e.contains("--record and --trace both name"), "{e}");
        // A folder, a missing folder, a backup that is a folder.
        let e = err(&[], &[Output::new("--trace", dir.path())]);
        assert!(e.contains("is a folder"), "{e}");
        let e = err(&[], &[Output::new("--out", dir.path().join("missing/x.csv"))]);
        assert!(e.contains("does not exist") && e.contains("mkdir -p"), "{e}");
        std::fs::create_dir(dir.path().join("r.dtrec.bak")).expect("mkdir");
        let e = err(&[], &[Output::new("--record", dir.path().join("r.dtrec"))]);
        assert!(e.contains("backup") && e.contains("r.dtrec.bak"), "{e}");
        // Fine: new files in an existing folder, and a file that only shares a folder.
        check_outputs(&[&map], &[Output::new("--trace", dir.path().join("t.csv")), Output::new("--out", &a)])
            .expect("writable");
    }

    #[test]
    fn file_stems_are_short_safe_and_never_empty() {
        assert_eq!(file_stem_for("tutorial"), "tutorial");
        assert_eq!(file_stem_for("workshop-My lesson!"), "workshop-My_lesson_");
        assert_eq!(file_stem_for(&"x".repeat(5000)).len(), MAX_FILE_STEM_CHARS);
        assert_eq!(file_stem_for(&format!("workshop-{}", "é".repeat(300))).len(), MAX_FILE_STEM_CHARS);
        assert_eq!(file_stem_for("--record"), "record");
        assert_eq!(file_stem_for("日本"), "map");
        assert_eq!(file_stem_for(""), "map");
        assert_eq!(file_stem_for("../../etc/passwd"), "______etc_passwd");
    }

    #[cfg(unix)]
    #[test]
    fn outputs_that_are_pipes_or_links_are_checked_as_what_a_rename_would_replace() {
        let dir = tempfile::tempdir().expect("temp dir");
        let pipe = dir.path().join("pipe");
        if !std::process::Command::new("mkfifo").arg(&pipe).status().is_ok_and(|s| s.success()) {
            eprintln!("skipped: no mkfifo");
            return;
        }
        let e = check_outputs(&[], &[Output::new("--record", &pipe)]).expect_err("a FIFO").message;
        assert!(e.contains("--record '") && e.contains("pipe' is not a regular file"), "{e}");
        let to_pipe = dir.path().join("to-pipe");
        std::os::unix::fs::symlink(&pipe, &to_pipe).expect("symlink");
        let e = check_outputs(&[], &[Output::new("--out", &to_pipe)]).expect_err("a link to a FIFO").message;
        assert!(e.contains("is not a regular file"), "{e}");
        // A link to a file is checked as that file: an input, or another output's file.
        let map = dir.path().join("my.toml");
        std::fs::write(&map, "x").expect("write");
        let alias = dir.path().join("alias.csv");
        std::os::unix::fs::symlink("my.toml", &alias).expect("symlink");
        let e = check_outputs(&[&map], &[Output::new("--trace", &alias)]).expect_err("an input").message;
        assert!(e.contains("same file as the input"), "{e}");
        let e = check_outputs(&[], &[Output::new("--trace", &alias), Output::new("--out", &map)])
            .expect_err("one file")
            .message;
        assert!(e.contains("both name"), "{e}");
        check_outputs(&[], &[Output::new("--record", &alias)]).expect("a link to a file is fine");
        // Its backup must not be a FIFO either.
        let rec = dir.path().join("r.dtrec");
        std::os::unix::fs::symlink(&pipe, dir.path().join("r.dtrec.bak")).expect("symlink");
        let e = check_outputs(&[], &[Output::new("--record", &rec)]).expect_err("bak").message;
        assert!(e.contains("r.dtrec.bak' is not a regular file"), "{e}");
    }

    #[test]
    fn inputs_must_be_regular_files_of_a_bounded_size() {
        let dir = tempfile::tempdir().expect("temp dir");
        let e = read_input(dir.path(), "map", 1 << 20).expect_err("a folder").message;
        assert!(e.contains("is a folder"), "{e}");
        #[cfg(unix)]
        {
            let e = read_input(Path::new("/dev/zero"), "strategy", 1 << 20).expect_err("a device").message;
            assert!(e.contains("not a regular file"), "{e}");
        }
        let f = dir.path().join("s.lua");
        std::fs::write(&f, "x = 1").expect("write");
        assert_eq!(read_input(&f, "strategy", 1 << 20).expect("reads"), b"x = 1");
        let e = read_input(&f, "strategy", 3).expect_err("too large").message;
        assert!(e.contains("larger than"), "{e}");
    }
}
