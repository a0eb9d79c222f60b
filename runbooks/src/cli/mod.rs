//! The `runbook` command line: one module per subcommand, each with its `Args` and `run`.
//!
//! Exit codes, for every subcommand: 0 success, 1 findings (errors in documents), 2 a file
//! cannot be read or parsed, or the command line is wrong.
//!
//! Every subcommand finds its documents with the one folder walker
//! ([`runbook_dsl::files::walk`]: its rules are documented there), reads them with the one
//! bounded reader and writes with the one safe writer ([`runbook_dsl::files`]).

pub mod fmt;
pub mod graph;
pub mod iam;
pub mod import;
pub mod simulate;
pub mod validate;
pub mod workers;

use runbook_dsl::files;
use std::path::{Path, PathBuf};

/// The documents named on a command line ([`files::walk`]); `Err` lists every path that does
/// not exist and every folder that cannot be read (one per line), when nothing else was found.
///
/// ```
/// let here = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
/// assert!(runbooks::cli::documents(&[here]).unwrap().is_empty()); // .rs files only there
/// ```
pub fn documents(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let walk = files::walk(paths);
    if walk.problems.is_empty() {
        Ok(walk.paths())
    } else {
        Err(walk.problems.join("\n"))
    }
}

/// A file's text through the bounded reader; the error names the file.
pub fn read_text(path: &Path) -> Result<String, String> {
    files::read_text(path).map_err(|e| format!("{}: cannot read the file: {e}", path.display()))
}

/// Whether a text found in a folder is meant as an Automation document: it reads as a map with
/// `schemaVersion` or `mainSteps`, or does not read at all (then it is reported, not skipped).
/// CloudFormation templates, IAM policies and other YAML or JSON files are not.
pub fn is_automation_text(text: &str) -> bool {
    match runbook_dsl::yaml::from_str(text) {
        Ok(serde_json::Value::Object(m)) => m.contains_key("schemaVersion") || m.contains_key("mainSteps"),
        Ok(_) => false,
        Err(_) => true,
    }
}

/// Restores the default action of SIGPIPE, so that a command whose output is piped into a
/// program that stops reading (`runbook fmt dir/ | head`) ends quietly, as other Unix tools do,
/// instead of panicking on the failed write.
pub fn quiet_on_closed_pipe() {
    // SAFETY: setting a signal's disposition to its default is async-signal-safe and done once,
    // before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
