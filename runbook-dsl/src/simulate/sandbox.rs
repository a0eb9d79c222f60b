//! Where the simulator's Python runs: a private temporary directory, an environment without
//! the user's AWS credentials or configuration, an AWS endpoint that is the emulator's or one
//! that refuses every connection, output pipes read while the process runs, and a time limit.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

/// The dummy credentials every sandboxed process gets (moto accepts any).
pub(crate) const DUMMY_KEY_ID: &str = "AKIAIOSFODNN7EXAMPLE";
const DUMMY_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

/// How much of each output pipe is kept (the end of it).
const KEEP_BYTES: usize = 64 * 1024;

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A directory only this user can enter, created exclusively (never an existing one), removed
/// with everything in it when dropped.
pub(crate) struct PrivateDir {
    path: PathBuf,
}

impl PrivateDir {
    pub(crate) fn new(purpose: &str) -> Result<PrivateDir, String> {
        let base = std::env::temp_dir();
        let mut last = None;
        for _ in 0..16 {
            let nanos = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let path =
                base.join(format!("runbook-{purpose}-{}-{n}-{:x}", std::process::id(), nanos ^ (n as u128) << 64));
            let mut builder = std::fs::DirBuilder::new();
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
            match builder.create(&path) {
                Ok(()) => return Ok(PrivateDir { path }),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
                Err(e) => return Err(format!("cannot create a private directory in {}: {e}", base.display())),
            }
        }
        Err(format!(
            "cannot create a private directory in {}: {}",
            base.display(),
            last.map(|e| e.to_string()).unwrap_or_default()
        ))
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Writes a new file in the directory (never an existing one), readable by this user only.
    pub(crate) fn write(&self, name: &str, content: &[u8]) -> Result<PathBuf, String> {
        use std::io::Write;
        let path = self.path.join(name);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut f = options.open(&path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
        f.write_all(content).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        Ok(path)
    }
}

impl Drop for PrivateDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// An endpoint that refuses every connection: a loopback port that was free a moment ago.
pub(crate) fn refusing_endpoint() -> String {
    let port =
        std::net::TcpListener::bind("127.0.0.1:0").ok().and_then(|l| l.local_addr().ok()).map_or(9, |a| a.port());
    format!("http://127.0.0.1:{port}")
}

/// A command for `program` in `dir` with nothing of the user's environment but `PATH` and the
/// locale: dummy credentials, `region`, `endpoint` (or one that refuses), empty AWS config and
/// credentials files, no instance metadata, `HOME` and `TMPDIR` in `dir`.
pub(crate) fn clean_command(
    program: &str,
    dir: &PrivateDir,
    endpoint: Option<&str>,
    region: &str,
) -> Result<Command, String> {
    let config = dir.write("aws-config", b"")?;
    let credentials = dir.write("aws-credentials", b"")?;
    let mut cmd = Command::new(program);
    cmd.env_clear().current_dir(dir.path());
    for keep in ["PATH", "LANG", "LC_ALL", "SYSTEMROOT"] {
        if let Some(v) = std::env::var_os(keep) {
            cmd.env(keep, v);
        }
    }
    if endpoint.is_none() {
        // Nothing can answer: fail at once instead of retrying a refused connection.
        cmd.env("AWS_MAX_ATTEMPTS", "1").env("AWS_RETRY_MODE", "standard");
    }
    let endpoint = endpoint.map_or_else(refusing_endpoint, str::to_string);
    cmd.env("HOME", dir.path())
        .env("TMPDIR", dir.path())
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("PYTHONNOUSERSITE", "1")
        .env("PYTHONIOENCODING", "utf-8")
        .env("AWS_ACCESS_KEY_ID", DUMMY_KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", DUMMY_SECRET)
        .env("AWS_SESSION_TOKEN", "runbook-simulate")
        .env("AWS_REGION", region)
        .env("AWS_DEFAULT_REGION", region)
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_CONFIG_FILE", config)
        .env("AWS_SHARED_CREDENTIALS_FILE", credentials)
        .env("AWS_EC2_METADATA_DISABLED", "true");
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    Ok(cmd)
}

/// The end of an output pipe, read by a thread while the process runs (so a process that
/// prints a lot never blocks on a full pipe).
pub(crate) struct Drain {
    kept: Arc<Mutex<Vec<u8>>>,
    total: Arc<Mutex<usize>>,
    thread: Option<JoinHandle<()>>,
}

impl Drain {
    pub(crate) fn new(mut pipe: impl Read + Send + 'static) -> Drain {
        let kept = Arc::new(Mutex::new(Vec::new()));
        let total = Arc::new(Mutex::new(0usize));
        let (k, t) = (kept.clone(), total.clone());
        let thread = std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            loop {
                match pipe.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if let (Ok(mut kept), Ok(mut total)) = (k.lock(), t.lock()) {
                            *total += n;
                            kept.extend_from_slice(&buf[..n]);
                            if kept.len() > 2 * KEEP_BYTES {
                                let cut = kept.len() - KEEP_BYTES;
                                kept.drain(..cut);
                            }
                        }
                    }
                }
            }
        });
        Drain { kept, total, thread: Some(thread) }
    }

    /// Waits (at most `patience`) for the pipe to close, then returns the kept end as text and
    /// the number of bytes read in all.
    pub(crate) fn finish(mut self, patience: Duration) -> (String, usize) {
        let started = Instant::now();
        if let Some(t) = self.thread.take() {
            while !t.is_finished() && started.elapsed() < patience {
                std::thread::sleep(Duration::from_millis(2));
            }
            if t.is_finished() {
                let _ = t.join();
            }
        }
        (self.text(), self.total.lock().map(|t| *t).unwrap_or(0))
    }

    /// The kept end so far, as text.
    pub(crate) fn text(&self) -> String {
        let kept = self.kept.lock().map(|k| k.clone()).unwrap_or_default();
        let start = kept.len().saturating_sub(KEEP_BYTES);
        String::from_utf8_lossy(&kept[start..]).into_owned()
    }
}

/// Kills the child and every process it started (its process group), then reaps it.
pub(crate) fn kill_tree(child: &mut Child) {
    #[cfg(unix)]
    {
        let _ = Command::new("kill")
            .arg("-KILL")
            .arg("--")
            .arg(format!("-{}", child.id()))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Waits for the child to exit, at most `limit`; kills its process tree after that.
/// `Ok(success)`, or `Err` when it ran out of time.
pub(crate) fn wait_with_limit(child: &mut Child, limit: Duration) -> Result<bool, String> {
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Ok(status.success()),
            Ok(None) if started.elapsed() >= limit => {
                kill_tree(child);
                return Err(format!("ran longer than its time limit of {} s and was stopped", limit.as_secs()));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => {
                kill_tree(child);
                return Err(format!("waiting for it failed: {e}"));
            }
        }
    }
}
