//! The one folder walker, for every subcommand. Its rules:
//!
//! - a path named on the command line is taken as it is: a file whatever its name (hidden,
//!   any extension), a folder walked;
//! - in a folder, entries are taken in byte order of their names; entries whose name starts
//!   with `.` (hidden files and folders such as `.git`) are skipped;
//! - files ending in `.yaml`, `.yml` or `.json`, in any case (`.YAML`), are documents; other
//!   files are ignored;
//! - symbolic links are followed, each folder is walked once (a link cycle or a second link
//!   to the same folder is skipped), and only regular files are taken (a FIFO or a device in a
//!   folder is ignored, so the walk never blocks);
//! - a folder that cannot be listed is reported in [`Walk::problems`] and the walk goes on.

use std::collections::HashSet;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// A document file found by [`walk`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    /// The file.
    pub path: PathBuf,
    /// Named on the command line (not met in a folder): always checked, never skipped as
    /// "not an Automation document".
    pub named: bool,
}

/// What [`walk`] found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Walk {
    /// The documents, in walking order.
    pub files: Vec<Found>,
    /// Paths that do not exist and folders that cannot be listed, one message each (the file
    /// or folder, what is wrong).
    pub problems: Vec<String>,
}

impl Walk {
    /// The paths of the files found.
    pub fn paths(&self) -> Vec<PathBuf> {
        self.files.iter().map(|f| f.path.clone()).collect()
    }
}

/// Whether a file name is a document's: `.yaml`, `.yml` or `.json` in any case.
///
/// ```
/// use std::path::Path;
/// assert!(runbook_dsl::files::is_document_name(Path::new("a/B.YAML")));
/// assert!(!runbook_dsl::files::is_document_name(Path::new("notes.md")));
/// ```
pub fn is_document_name(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| ["yaml", "yml", "json"].iter().any(|x| e.eq_ignore_ascii_case(x)))
}

/// The documents under `paths`, by the rules of the module documentation.
///
/// ```
/// let src = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
/// let w = runbook_dsl::files::walk(&[src]);
/// assert!(w.files.is_empty() && w.problems.is_empty()); // only .rs files there
/// ```
pub fn walk(paths: &[PathBuf]) -> Walk {
    let mut out = Walk::default();
    let mut seen = HashSet::new();
    for p in paths {
        match fs::metadata(p) {
            Ok(m) if m.is_dir() => walk_folder(p, &mut seen, &mut out),
            Ok(_) => out.files.push(Found { path: p.clone(), named: true }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                out.problems.push(format!("{}: no such file or folder", p.display()))
            }
            Err(e) => out.problems.push(format!("{}: cannot read: {e}", p.display())),
        }
    }
    out
}

/// Walks one folder without recursion (a stack of sorted listings), each folder once.
fn walk_folder(root: &Path, seen: &mut HashSet<(u64, u64)>, out: &mut Walk) {
    let mut stack: Vec<std::vec::IntoIter<PathBuf>> = Vec::new();
    if let Some(listing) = list(root, seen, out) {
        stack.push(listing);
    }
    while let Some(top) = stack.last_mut() {
        let Some(p) = top.next() else {
            stack.pop();
            continue;
        };
        // Follows links; an entry that vanished or a dangling link is ignored.
        let Ok(m) = fs::metadata(&p) else { continue };
        if m.is_dir() {
            if let Some(listing) = list(&p, seen, out) {
                stack.push(listing);
            }
        } else if m.is_file() && is_document_name(&p) {
            out.files.push(Found { path: p, named: false });
        }
    }
}

/// A folder's visible entries in name order, or `None` when it was walked already or cannot be
/// listed (reported).
fn list(dir: &Path, seen: &mut HashSet<(u64, u64)>, out: &mut Walk) -> Option<std::vec::IntoIter<PathBuf>> {
    let id = fs::metadata(dir).map(|m| (m.dev(), m.ino())).ok()?;
    if !seen.insert(id) {
        return None;
    }
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            out.problems.push(format!("{}: cannot read the folder: {e}", dir.display()));
            return None;
        }
    };
    let mut names: Vec<PathBuf> =
        entries.flatten().filter(|e| !e.file_name().as_encoded_bytes().starts_with(b".")).map(|e| e.path()).collect();
    names.sort();
    Some(names.into_iter())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn rules_cycles_hidden_case_and_unreadable_folders() {
        let d = std::env::temp_dir().join(format!("files-walk-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(d.join("sub/.hidden")).unwrap();
        fs::create_dir_all(d.join("locked")).unwrap();
        fs::write(d.join("b.YAML"), "").unwrap();
        fs::write(d.join("a.json"), "").unwrap();
        fs::write(d.join("notes.md"), "").unwrap();
        fs::write(d.join(".x.yaml"), "").unwrap();
        fs::write(d.join("sub/c.yml"), "").unwrap();
        fs::write(d.join("sub/.hidden/d.yaml"), "").unwrap();
        fs::write(d.join("locked/e.yaml"), "").unwrap();
        symlink(&d, d.join("sub/loop")).unwrap();
        let fifo = d.join("pipe.yaml");
        let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid C string; mkfifo only creates the node.
        unsafe { libc::mkfifo(c.as_ptr(), 0o600) };
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(d.join("locked"), fs::Permissions::from_mode(0o000)).unwrap();
        let w = walk(std::slice::from_ref(&d));
        let readable = fs::read_dir(d.join("locked")).is_ok(); // root reads anything
        fs::set_permissions(d.join("locked"), fs::Permissions::from_mode(0o755)).unwrap();
        let mut want = vec![d.join("a.json"), d.join("b.YAML")];
        if readable {
            want.push(d.join("locked/e.yaml"));
        } else {
            assert_eq!(w.problems.len(), 1, "{:?}", w.problems);
            assert!(w.problems[0].contains("locked"), "{:?}", w.problems);
        }
        want.push(d.join("sub/c.yml"));
        assert_eq!(w.paths(), want);
        let named = walk(&[d.join(".x.yaml"), d.join("nope.yaml")]);
        assert_eq!(named.paths(), vec![d.join(".x.yaml")]);
        assert!(named.problems[0].contains("no such file or folder"));
        fs::remove_dir_all(&d).unwrap();
    }
}
