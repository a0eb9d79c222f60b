//! The `runbook` command line: one module per subcommand, each with its `Args` and `run`.
//!
//! Exit codes, for every subcommand: 0 success, 1 findings (errors in documents), 2 a file
//! cannot be read or parsed, or the command line is wrong.

pub mod fmt;
pub mod graph;
pub mod iam;
pub mod import;
pub mod simulate;
pub mod validate;

use std::path::{Path, PathBuf};

/// The documents named on a command line: each file as given, and every `.yaml`, `.yml` and
/// `.json` file under each folder (recursively, hidden entries skipped), folders sorted by path.
///
/// ```
/// let here = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
/// assert!(runbooks::cli::documents(&[here]).unwrap().is_empty()); // .rs files only there
/// ```
pub fn documents(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
        let mut entries: Vec<PathBuf> =
            std::fs::read_dir(dir)?.map(|e| e.map(|e| e.path())).collect::<Result<_, _>>()?;
        entries.sort();
        for p in entries {
            if p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.')) {
                continue;
            }
            if p.is_dir() {
                walk(&p, out)?;
            } else if p
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| ["yaml", "yml", "json"].contains(&e.to_ascii_lowercase().as_str()))
            {
                out.push(p);
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            walk(p, &mut out).map_err(|e| format!("{}: cannot read the folder: {e}", p.display()))?;
        } else if p.exists() {
            out.push(p.clone());
        } else {
            return Err(format!("{}: no such file or folder", p.display()));
        }
    }
    Ok(out)
}
