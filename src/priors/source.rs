//! Reading a priors file: size guards before anything is read whole (a device such as
//! `/dev/zero` reports a length of 0), and invalid UTF-8 located in lines and columns.

use super::diagnostics::{Diagnostic, PriorsError};
use super::{MAX_FILE_BYTES, parse_model};
use crate::model::Model;

/// Read a priors file from disk (UTF-8) and validate it.
pub fn load_model(path: &std::path::Path) -> Result<Model, PriorsError> {
    load_model_with_text(path).map(|(m, _)| m)
}

/// Read a priors file once, validate it, and return the model with the exact text that
/// was validated (for the manifest: a second read could see a different file).
pub fn load_model_with_text(path: &std::path::Path) -> Result<(Model, String), PriorsError> {
    let file = path.display().to_string();
    let whole = |message: String| PriorsError::whole_file(&file, message);
    let meta = std::fs::metadata(path).map_err(|e| whole(format!("cannot read the file: {e}")))?;
    if meta.is_dir() {
        return Err(whole("this is a folder, not a priors file".into()));
    }
    if meta.len() > MAX_FILE_BYTES as u64 {
        return Err(whole(format!(
            "the file is {} bytes; priors files are limited to {MAX_FILE_BYTES} bytes",
            meta.len()
        )));
    }
    // Read at most one byte past the limit: a device such as /dev/zero reports a
    // length of 0 and would otherwise be read until memory runs out.
    let mut bytes = Vec::new();
    open_to_read(path)
        .and_then(|f| {
            use std::io::Read;
            f.take(MAX_FILE_BYTES as u64 + 1).read_to_end(&mut bytes)
        })
        .map_err(|e| whole(format!("cannot read the file: {e}")))?;
    if bytes.len() > MAX_FILE_BYTES {
        return Err(whole(format!(
            "the file is more than {MAX_FILE_BYTES} bytes; priors files are limited to {MAX_FILE_BYTES} bytes"
        )));
    }
    let model = parse_model_bytes(&file, bytes.clone())?;
    let text = String::from_utf8(bytes).expect("parse_model_bytes checked UTF-8");
    Ok((model, text))
}

/// Open a file to read it without waiting for a writer: a named pipe that no process
/// writes to would block `open` forever; opened non-blocking, it reads as empty.
pub fn open_to_read(path: &std::path::Path) -> std::io::Result<std::fs::File> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        use std::os::unix::fs::OpenOptionsExt;
        let f = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(path)?;
        // Reads block again once open (a pipe being written is read to its end).
        // SAFETY: F_GETFL and F_SETFL on a descriptor this function owns.
        unsafe {
            let fd = f.as_raw_fd();
            let flags = libc::fcntl(fd, libc::F_GETFL);
            if flags >= 0 {
                libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK);
            }
        }
        Ok(f)
    }
    #[cfg(not(target_os = "linux"))]
    {
        std::fs::File::open(path)
    }
}

/// Validate the bytes of a priors file: UTF-8 is checked (and a bad byte located)
/// before [`parse_model`]. `file` is only used in messages.
pub fn parse_model_bytes(file: &str, bytes: Vec<u8>) -> Result<Model, PriorsError> {
    let file = file.to_string();
    let text = String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let before = &e.as_bytes()[..at];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
        // Columns count characters, as everywhere else (`before` is valid UTF-8).
        let column =
            std::str::from_utf8(&before[line_start..]).map_or(0, |s| s.chars().count()) + 1;
        let hint =
            if e.as_bytes().starts_with(&[0xFF, 0xFE]) || e.as_bytes().starts_with(&[0xFE, 0xFF]) {
                "; it looks like UTF-16"
            } else {
                ""
            };
        PriorsError {
            file: file.clone(),
            diagnostics: vec![Diagnostic {
                line,
                column,
                key: String::new(),
                message: format!("the file is not valid UTF-8 text{hint} (save it as UTF-8)"),
                source_line: String::new(),
                caret: 0,
            }],
            more: 0,
        }
    })?;
    parse_model(&file, &text)
}
