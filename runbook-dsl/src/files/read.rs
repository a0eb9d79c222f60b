//! The one bounded reader of input files: regular files only (a FIFO, a device such as
//! `/dev/zero` or a folder is refused without blocking), at most [`MAX_FILE_BYTES`], UTF-8.

use std::fs::OpenOptions;
use std::io::{self, Read};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// The largest file read (16 MiB). AWS stores Automation documents of at most 64 KB; the
/// largest of the 281 corpus documents is far below this.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Reads a regular file of at most [`MAX_FILE_BYTES`] as UTF-8 text. The error says what is
/// wrong in the user's terms (the caller adds the file name).
///
/// ```
/// assert!(runbook_dsl::files::read_text(std::path::Path::new("/dev/zero")).unwrap_err().to_string().contains("not a regular file"));
/// ```
pub fn read_text(path: &Path) -> io::Result<String> {
    // O_NONBLOCK: opening a FIFO does not wait for a writer (no effect on regular files).
    let mut file = OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK).open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        let kind = if meta.is_dir() { "a folder" } else { "not a regular file (a device, FIFO or socket)" };
        return Err(io::Error::new(io::ErrorKind::InvalidInput, format!("it is {kind}; give a document file")));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(too_big(meta.len()));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // The file may grow while read: never more than the limit.
    (&mut file).take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_big(bytes.len() as u64));
    }
    String::from_utf8(bytes).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("byte {} is not UTF-8 text; save the document as UTF-8", e.utf8_error().valid_up_to()),
        )
    })
}

fn too_big(len: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("the file has {len} bytes, more than the limit of {MAX_FILE_BYTES} (limit L001: file size)"),
    )
}
