//! Helpers for the cross-crate tests: where `../shared` is, and how to say it is missing.

use std::path::{Path, PathBuf};

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").canonicalize().unwrap_or_else(|_| PathBuf::from(".."))
}

/// `../shared/<rel>` next to the workspace (or under `$RUNBOOK_SHARED`, for git worktrees that
/// live elsewhere), or `None` (after saying so loudly) when it is missing. Panics when
/// `RUNBOOK_REQUIRE_SHARED=1`, so CI cannot skip silently.
pub fn shared(rel: &str) -> Option<PathBuf> {
    let root = std::env::var_os("RUNBOOK_SHARED").map(PathBuf::from);
    let p = root.unwrap_or_else(|| workspace().join("..").join("shared")).join(rel);
    if p.exists() {
        return Some(p);
    }
    let msg = format!("SHARED MISSING: {} is not there; this test cannot run", p.display());
    if std::env::var("RUNBOOK_REQUIRE_SHARED").as_deref() == Ok("1") {
        panic!("{msg} (RUNBOOK_REQUIRE_SHARED=1)");
    }
    eprintln!("warning: {msg}; skipped (set RUNBOOK_REQUIRE_SHARED=1 to make this fail)");
    None
}

/// Whether a program is on PATH.
pub fn have(program: &str) -> bool {
    std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {program}"))
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}
