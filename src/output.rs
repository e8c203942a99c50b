//! The one place that writes result files, atomically.
//!
//! Each file is first written in full to a hidden temporary file in the destination
//! folder, flushed to disk, and only then renamed over its final name (a rename within
//! one folder is atomic on POSIX file systems). All temporary files of a run are
//! written before the first rename, so a failure while writing leaves the previous
//! results untouched. Known result files of an earlier run that this run does not
//! produce are removed, so a folder never mixes files from two runs.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Every file name a run may write; stale ones from an earlier run are removed.
pub const KNOWN_OUTPUTS: &[&str] = &[
    "histogram.csv",
    "summary.csv",
    "manifest.json",
    "sensitivity.csv",
    "attribution.csv",
    "chart.svg",
    "chart.png",
    "tally.json",
];

fn temp_name(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!(".{name}.tmp-{}", std::process::id()))
}

/// Make sure `dir` exists (creating it) and that a file can be created in it.
/// Call before sampling so a bad output path fails fast.
pub fn prepare_dir(dir: &Path) -> io::Result<()> {
    if dir.exists() && !dir.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("{} exists and is not a folder", dir.display()),
        ));
    }
    fs::create_dir_all(dir)?;
    let probe = temp_name(dir, "write-test");
    fs::File::create(&probe)?;
    fs::remove_file(&probe)?;
    Ok(())
}

/// Write `files` (name, bytes) into `dir` atomically, as one set.
pub fn write_set(dir: &Path, files: &[(&str, Vec<u8>)]) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    let mut temps = Vec::with_capacity(files.len());
    let result = (|| {
        for (name, bytes) in files {
            let tmp = temp_name(dir, name);
            temps.push(tmp.clone());
            let mut f = fs::File::create(&tmp)?;
            f.write_all(bytes)?;
            f.sync_all()?;
        }
        Ok(())
    })();
    if let Err(e) = result {
        for t in &temps {
            let _ = fs::remove_file(t);
        }
        return Err(e);
    }
    for ((name, _), tmp) in files.iter().zip(&temps) {
        fs::rename(tmp, dir.join(name))?;
    }
    for stale in KNOWN_OUTPUTS {
        if !files.iter().any(|(n, _)| n == stale) {
            let p = dir.join(stale);
            if p.is_file() {
                fs::remove_file(p)?;
            }
        }
    }
    Ok(())
}
