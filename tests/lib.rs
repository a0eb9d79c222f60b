//! Helpers for the cross-crate tests: where `../shared` is, and how to say it is missing.

use std::path::{Path, PathBuf};

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").canonicalize().unwrap_or_else(|_| PathBuf::from(".."))
}

/// `../shared/<rel>` next to the workspace (or under `$RUNBOOK_SHARED` when set, for a worktree
/// that is not next to `shared/`), or `None` (after saying so loudly) when it is missing. Panics
/// when `RUNBOOK_REQUIRE_SHARED=1`, so CI cannot skip silently.
pub fn shared(rel: &str) -> Option<PathBuf> {
    let base = std::env::var_os("RUNBOOK_SHARED").map(PathBuf::from);
    let p = base.unwrap_or_else(|| workspace().join("..").join("shared")).join(rel);
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

/// Loads YAML texts with python3's PyYAML (`yaml.safe_load`, a YAML 1.1 reader) in one process
/// and returns each as JSON. A value PyYAML turns into something JSON cannot hold (a date, a
/// set) comes back as `{"__not_json__": "<repr>"}`, so it shows up in a comparison. `None` (said
/// loudly) when python3 with PyYAML is missing; panics then under `RUNBOOK_REQUIRE_SHARED=1`.
pub fn pyyaml_load_all(texts: &[String]) -> Option<Vec<serde_json::Value>> {
    use std::io::Write;
    const SCRIPT: &str = r#"
import json, sys, yaml
docs = json.load(sys.stdin)
out = [yaml.safe_load(d) for d in docs]
json.dump(out, sys.stdout, default=lambda o: {"__not_json__": repr(o)})
"#;
    let child = std::process::Command::new("python3")
        .arg("-c")
        .arg(SCRIPT)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => return missing_tool(&format!("python3 cannot start: {e}")),
    };
    let input = serde_json::to_vec(texts).expect("strings serialize");
    child.stdin.take().expect("stdin is piped").write_all(&input).expect("python3 reads its input");
    let out = child.wait_with_output().expect("python3 runs");
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        if err.contains("No module named 'yaml'") {
            return missing_tool("PyYAML is not installed (python3 -m pip install pyyaml)");
        }
        panic!("python3 failed reading the YAML: {err}");
    }
    Some(serde_json::from_slice(&out.stdout).expect("python3 prints JSON"))
}

fn missing_tool<T>(msg: &str) -> Option<T> {
    if std::env::var("RUNBOOK_REQUIRE_SHARED").as_deref() == Ok("1") {
        panic!("TOOL MISSING: {msg} (RUNBOOK_REQUIRE_SHARED=1)");
    }
    eprintln!("warning: TOOL MISSING: {msg}; skipped");
    None
}
