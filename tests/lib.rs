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

/// The corpus documents (`../shared/corpus/automation`, every file the one folder walker
/// [`runbook_dsl::files::walk`] reads), sorted; `None` when `../shared` is missing (said loudly by
/// [`shared`]). Checks that all 281 are there.
pub fn corpus() -> Option<Vec<PathBuf>> {
    let dir = shared("corpus/automation")?;
    let mut docs = runbook_dsl::files::walk(std::slice::from_ref(&dir)).paths();
    docs.sort();
    assert_eq!(docs.len(), 281, "the corpus has 281 documents; found {} in {}", docs.len(), dir.display());
    Some(docs)
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

/// The moto server the emulator tests share: started once per test binary on a free loopback
/// port, from the virtual environment `.ci/run` installs (`$RUNBOOK_MOTO_VENV`, default
/// `${TMPDIR:-/tmp}/runbook-moto`), and stopped when the test binary exits (it reads its stdin
/// and ends when that closes). `None` (said loudly) when the virtual environment is missing;
/// panics then under `RUNBOOK_REQUIRE_SHARED=1`.
pub fn moto() -> Option<&'static Moto> {
    static MOTO: std::sync::OnceLock<Option<Moto>> = std::sync::OnceLock::new();
    MOTO.get_or_init(Moto::start).as_ref()
}

/// A running moto server.
pub struct Moto {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The virtual environment's interpreter (botocore, boto3 and moto installed).
    pub python: String,
    _child: std::sync::Mutex<std::process::Child>,
}

impl Moto {
    /// The virtual environment that holds moto.
    pub fn venv() -> PathBuf {
        std::env::var_os("RUNBOOK_MOTO_VENV").map(PathBuf::from).unwrap_or_else(|| {
            std::env::var_os("TMPDIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/tmp")).join("runbook-moto")
        })
    }

    fn start() -> Option<Moto> {
        use std::io::BufRead;
        const SERVER: &str = r#"
import sys, uuid
from moto.server import ThreadedMotoServer
import moto.rds.models as rds

# moto 5.2.1 gives every DB instance the same DbiResourceId; AWS gives each its own.
_init = rds.DBInstance.__init__
def _unique_dbi(self, *args, **kwargs):
    _init(self, *args, **kwargs)
    self.dbi_resource_id = "db-" + uuid.uuid4().hex[:26].upper()
rds.DBInstance.__init__ = _unique_dbi
# ... and DescribeDBClusters lacks AWS's documented `db-cluster-resource-id` filter.
rds.DBCluster.SUPPORTED_FILTERS["db-cluster-resource-id"] = rds.FilterDef(["db_cluster_resource_id"], "DB Cluster Resource Ids")
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print(server.get_host_and_port()[1], flush=True)
sys.stdin.read()
server.stop()
"#;
        let python = Moto::venv().join("bin").join("python");
        if !python.exists() {
            return missing_tool(&format!(
                "the moto virtual environment is missing ({}); create it as .ci/run does: python3 -m venv {0} && {0}/bin/pip install 'moto[server]==5.2.1' boto3==1.43.11 botocore==1.43.11",
                Moto::venv().display()
            ));
        }
        let mut child = std::process::Command::new(&python)
            .arg("-c")
            .arg(SERVER)
            .env_remove("AWS_PROFILE")
            // AWS managed policies (arn:aws:iam::aws:policy/...) exist in every account.
            .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("the moto virtual environment's python starts");
        let mut line = String::new();
        let stdout = child.stdout.take().expect("stdout is piped");
        std::io::BufReader::new(stdout).read_line(&mut line).expect("moto prints its port");
        let port: u16 = line.trim().parse().unwrap_or_else(|_| panic!("moto did not start (it printed {line:?})"));
        Some(Moto {
            url: format!("http://127.0.0.1:{port}"),
            python: python.display().to_string(),
            _child: std::sync::Mutex::new(child),
        })
    }

    /// A client of the server, for setting up and checking state.
    pub fn aws(&self) -> runbook_dsl::simulate::Aws {
        runbook_dsl::simulate::Aws::new(&self.url).python(&self.python)
    }
}
