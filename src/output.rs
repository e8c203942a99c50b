//! The one place that writes: result files, atomically and as one set, and standard
//! output.
//!
//! A run's files are first written in full into a hidden staging folder beside the
//! output folder (`.NAME.agi-timelines-new-PID`), each flushed to disk. Then:
//! - if the output folder does not exist, the staging folder is renamed to it;
//! - on Linux, the staging folder and the output folder are swapped in one atomic
//!   `renameat2(RENAME_EXCHANGE)` call, and the old set (now in the staging folder) is
//!   deleted;
//! - elsewhere (or on a file system without that call, or when the output folder is
//!   the current folder, which must stay where it is) each file is renamed into place
//!   (each rename is atomic, so no file is ever half written).
//!
//! So a run killed at any moment leaves the previous complete results or the new
//! complete results, never a half-written CSV and, where the swap is available, never a
//! mix of the two. An output folder may hold only files this program writes: anything
//! else there is refused before sampling starts, so a swap never moves a user's files.
//!
//! An output path that is a symbolic link is followed: the results go into the folder
//! it points to, and the link stays a link. A link that points nowhere or loops is
//! refused before sampling. While a process prepares and writes a folder it holds a
//! lock on `.NAME.agi-timelines-lock` beside it, so a second process writing the same
//! folder at the same time is refused instead of racing it (the lock file is removed
//! when the writer ends; one left by a killed process is reused).

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Every file name a run, compare or merge may write.
pub const KNOWN_OUTPUTS: &[&str] = &[
    "histogram.csv",
    "summary.csv",
    "manifest.json",
    "sensitivity.csv",
    "attribution.csv",
    "signposts.csv",
    "signposts.svg",
    "signposts.png",
    "chart.svg",
    "chart.png",
    "tally.json",
    "compare-histogram.csv",
    "compare-summary.csv",
    "compare-signposts.csv",
    "compare-chart.svg",
    "compare-chart.png",
];

/// Write `bytes` to stdout. A closed pipe (`| head`) is not an error: the reader has
/// all it wanted. Any other failure (a full disk, `> /dev/full`) is, so that a script
/// never takes lost output for success.
pub fn write_stdout(bytes: &[u8]) -> io::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(e),
        _ => Ok(()),
    }
}

/// Test hook: milliseconds to pause after staging each file, so a test can kill the
/// process mid-write. Unset in normal use.
const SLOW_WRITE_ENV: &str = "AGI_TIMELINES_TEST_SLOW_WRITE_MS";

fn split(dir: &Path) -> (PathBuf, String) {
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let base = dir
        .file_name()
        .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    (parent, base)
}

fn staging_prefix(base: &str) -> String {
    format!(".{base}.agi-timelines-new-")
}

fn staging_dir(dir: &Path) -> PathBuf {
    let (parent, base) = split(dir);
    parent.join(format!("{}{}", staging_prefix(&base), std::process::id()))
}

/// The folder results for `dir` go to: `dir` itself, or, when `dir` is a symbolic
/// link, the folder it points to (so that the link is followed, not replaced), or
/// the absolute form of a path ending in `.` or `..`. A link that points nowhere or
/// loops, a link to a file, and a path under a file are refused with the reason.
pub fn resolve_dir(dir: &Path) -> io::Result<PathBuf> {
    let refuse = |why: String| io::Error::new(io::ErrorKind::InvalidInput, why);
    match fs::symlink_metadata(dir) {
        Ok(m) if m.file_type().is_symlink() => match fs::canonicalize(dir) {
            Ok(target) if target.is_dir() => Ok(target),
            Ok(target) => Err(refuse(format!(
                "it is a symbolic link to a file ({}), not a folder",
                target.display()
            ))),
            Err(e) if is_loop(&e) => Err(refuse(
                "it is a symbolic link that loops (it points back to itself through other links)"
                    .into(),
            )),
            Err(_) => Err(refuse(format!(
                "it is a symbolic link to {}, which does not exist; create that folder or point the link elsewhere",
                fs::read_link(dir).map_or_else(|_| "?".into(), |t| t.display().to_string())
            ))),
        },
        Ok(_) if dir.file_name().is_none() => fs::canonicalize(dir),
        Ok(_) => Ok(dir.to_path_buf()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(dir.to_path_buf()),
        Err(e) => Err(explain_ancestors(dir).unwrap_or(e)),
    }
}

/// Whether an error is "too many levels of symbolic links".
pub fn is_loop(e: &io::Error) -> bool {
    #[cfg(unix)]
    {
        e.raw_os_error() == Some(libc_eloop())
    }
    #[cfg(not(unix))]
    {
        let _ = e;
        false
    }
}

#[cfg(unix)]
fn libc_eloop() -> i32 {
    #[cfg(target_os = "linux")]
    {
        libc::ELOOP
    }
    // ELOOP on the BSDs and macOS.
    #[cfg(not(target_os = "linux"))]
    {
        62
    }
}

/// Why a folder cannot be made at `dir` because of one of its ancestors: the nearest
/// one that exists but is not a folder (a file, or a link to nowhere or in a loop).
fn explain_ancestors(dir: &Path) -> Option<io::Error> {
    let refuse = |why: String| Some(io::Error::new(io::ErrorKind::InvalidInput, why));
    for a in dir.ancestors().skip(1) {
        if a.as_os_str().is_empty() {
            break;
        }
        let Ok(m) = fs::symlink_metadata(a) else {
            continue;
        };
        if m.file_type().is_symlink() {
            return match fs::metadata(a) {
                Ok(t) if t.is_dir() => None,
                Ok(_) => refuse(format!("{} is a link to a file, not a folder", a.display())),
                Err(e) if is_loop(&e) => {
                    refuse(format!("{} is a symbolic link that loops", a.display()))
                }
                Err(_) => refuse(format!(
                    "{} is a symbolic link to {}, which does not exist",
                    a.display(),
                    fs::read_link(a).map_or_else(|_| "?".into(), |t| t.display().to_string())
                )),
            };
        }
        return if m.is_dir() {
            None
        } else {
            refuse(format!("{} is a file, not a folder", a.display()))
        };
    }
    None
}

/// Check `dir` can receive results, before any work, and return the folder to write
/// (see [`resolve_dir`]): it is a folder (or can be created), holds nothing but this
/// program's outputs, is writable, and no other process is writing it (this process
/// then holds its lock until [`release_locks`]). Leftover staging folders of killed
/// runs are removed.
pub fn prepare_dir(dir: &Path) -> io::Result<PathBuf> {
    let dir = resolve_dir(dir)?;
    let lock = DirLock::acquire(&dir)?;
    check_dir(&dir)?;
    LOCKS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .push(lock);
    Ok(dir)
}

fn check_dir(dir: &Path) -> io::Result<()> {
    if dir.exists() {
        if !dir.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                "it exists and is not a folder",
            ));
        }
        let mut foreign: Vec<String> = Vec::new();
        for entry in fs::read_dir(dir)? {
            let name = entry?.file_name().to_string_lossy().into_owned();
            if !KNOWN_OUTPUTS.contains(&name.as_str()) {
                foreign.push(name);
            }
        }
        if !foreign.is_empty() {
            foreign.sort();
            let shown: Vec<&str> = foreign.iter().take(5).map(String::as_str).collect();
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!(
                    "the folder holds files this program did not write ({}{}); results replace a folder as a whole, so use an empty or new folder",
                    shown.join(", "),
                    if foreign.len() > 5 { ", ..." } else { "" }
                ),
            ));
        }
    }
    let (parent, base) = split(dir);
    // remove staging folders left by killed runs (no other process is writing this
    // folder: this one holds its lock)
    if let Ok(entries) = fs::read_dir(&parent) {
        let prefix = staging_prefix(&base);
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().starts_with(&prefix) {
                let _ = fs::remove_dir_all(e.path());
            }
        }
    }
    // prove we can create the staging folder there
    let probe = staging_dir(dir);
    fs::create_dir(&probe)?;
    fs::remove_dir(&probe)?;
    Ok(())
}

/// The locks this process holds on the folders it writes.
static LOCKS: std::sync::Mutex<Vec<DirLock>> = std::sync::Mutex::new(Vec::new());

/// Release every folder lock this process holds (and remove the lock files). Called
/// once the command is done, whether it succeeded or not.
pub fn release_locks() {
    LOCKS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clear();
}

/// An exclusive lock on `.NAME.agi-timelines-lock` beside a results folder, held while
/// this process prepares and writes the folder.
struct DirLock {
    path: PathBuf,
    _file: fs::File,
}

impl DirLock {
    /// Take the lock of `dir`'s lock file, creating its parent folder if need be; an
    /// error naming the other process if it is taken.
    fn acquire(dir: &Path) -> io::Result<DirLock> {
        let (parent, base) = split(dir);
        fs::create_dir_all(&parent).map_err(|e| explain_ancestors(dir).unwrap_or(e))?;
        let path = parent.join(format!(".{base}.agi-timelines-lock"));
        loop {
            let mut file = fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .read(true)
                .write(true)
                .open(&path)?;
            match file.try_lock() {
                Ok(()) => {}
                Err(fs::TryLockError::WouldBlock) => {
                    let pid = fs::read_to_string(&path).unwrap_or_default();
                    let pid = pid.trim();
                    return Err(io::Error::new(
                        io::ErrorKind::ResourceBusy,
                        format!(
                            "another agi-timelines process{} is writing results there; wait for it to finish, or choose another folder with -o",
                            if pid.is_empty() {
                                String::new()
                            } else {
                                format!(" (pid {pid})")
                            }
                        ),
                    ));
                }
                Err(fs::TryLockError::Error(e)) => return Err(e),
            }
            // The previous holder removes the file when it ends: if it did so between
            // our open and our lock, we hold a lock on a file no longer there. Retry.
            if same_file(&file, &path) {
                file.set_len(0)?;
                file.write_all(std::process::id().to_string().as_bytes())?;
                return Ok(DirLock { path, _file: file });
            }
        }
    }
}

impl Drop for DirLock {
    fn drop(&mut self) {
        // Remove the file while still holding the lock (the file closes after this).
        let _ = fs::remove_file(&self.path);
    }
}

/// Whether the open `file` is the file at `path`.
fn same_file(file: &fs::File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (file.metadata(), fs::metadata(path)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (file, path);
        path.exists()
    }
}

/// Write `files` (name, bytes) into `dir` as one set (see the module docs).
pub fn write_set(dir: &Path, files: &[(&str, Vec<u8>)]) -> io::Result<()> {
    let staging = staging_dir(dir);
    if staging.exists() {
        fs::remove_dir_all(&staging)?;
    }
    fs::create_dir_all(staging.parent().unwrap_or(Path::new(".")))?;
    fs::create_dir(&staging)?;
    let pause = std::env::var(SLOW_WRITE_ENV)
        .ok()
        .and_then(|v| v.parse::<u64>().ok());
    let staged = (|| {
        for (name, bytes) in files {
            let mut f = fs::File::create(staging.join(name))?;
            f.write_all(bytes)?;
            f.sync_all()?;
            if let Some(ms) = pause {
                std::thread::sleep(std::time::Duration::from_millis(ms));
            }
        }
        sync_dir(&staging)
    })();
    if let Err(e) = staged {
        let _ = fs::remove_dir_all(&staging);
        return Err(e);
    }
    // The current folder is renamed into place file by file: swapping it would leave
    // this process (and the shell that started it) in a deleted folder.
    let is_cwd = std::env::current_dir()
        .and_then(|c| c.canonicalize())
        .is_ok_and(|c| dir.canonicalize().is_ok_and(|d| d == c));
    let result = if !dir.exists() {
        fs::rename(&staging, dir)
    } else if !is_cwd && exchange(&staging, dir).is_ok() {
        // `staging` now holds the previous set
        fs::remove_dir_all(&staging)
    } else {
        per_file(&staging, dir, files)
    };
    if result.is_err() {
        let _ = fs::remove_dir_all(&staging);
    }
    result?;
    let (parent, _) = split(dir);
    let _ = sync_dir(&parent);
    Ok(())
}

/// Fallback: rename each staged file into place, remove stale outputs, drop staging.
fn per_file(staging: &Path, dir: &Path, files: &[(&str, Vec<u8>)]) -> io::Result<()> {
    for (name, _) in files {
        fs::rename(staging.join(name), dir.join(name))?;
    }
    for stale in KNOWN_OUTPUTS {
        if !files.iter().any(|(n, _)| n == stale) {
            let p = dir.join(stale);
            if p.is_file() {
                fs::remove_file(p)?;
            }
        }
    }
    fs::remove_dir_all(staging)
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        fs::File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// Atomically swap two paths (Linux `renameat2` with `RENAME_EXCHANGE`).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let ca = CString::new(a.as_os_str().as_bytes()).map_err(io::Error::other)?;
    let cb = CString::new(b.as_os_str().as_bytes()).map_err(io::Error::other)?;
    // SAFETY: both paths are valid NUL-terminated strings that outlive the call;
    // AT_FDCWD resolves them relative to the current directory like `rename`.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            ca.as_ptr(),
            libc::AT_FDCWD,
            cb.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> io::Result<()> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "no atomic exchange on this platform",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_replaces_the_previous_set_whole() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("r");
        write_set(
            &out,
            &[
                ("summary.csv", b"a\n".to_vec()),
                ("sensitivity.csv", b"s\n".to_vec()),
            ],
        )
        .unwrap();
        prepare_dir(&out).unwrap();
        write_set(&out, &[("summary.csv", b"b\n".to_vec())]).unwrap();
        release_locks();
        assert_eq!(fs::read(out.join("summary.csv")).unwrap(), b"b\n");
        assert!(
            !out.join("sensitivity.csv").exists(),
            "a stale output does not survive"
        );
        let left: Vec<_> = fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(
            left,
            vec![std::ffi::OsString::from("r")],
            "no staging folder left"
        );
    }

    #[test]
    fn a_folder_with_foreign_files_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        fs::write(tmp.path().join("notes.txt"), "mine").unwrap();
        let e = prepare_dir(tmp.path()).unwrap_err();
        assert!(e.to_string().contains("notes.txt"), "{e}");
    }
}
