//! Running an `aws:executeScript` Python handler with the local interpreter.

use crate::model::{Map, Value};
use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const MARKER: &str = "__RUNBOOK_SIMULATE_RESULT__";

/// Loads the script as a module, calls `handler(events, context)` and prints the result as
/// JSON after a marker line (the script's own prints go before it).
const DRIVER: &str = r#"
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("runbook_script", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
handler = getattr(module, sys.argv[2], None)
if handler is None:
    sys.stderr.write("the script defines no function %r (the step's Handler)\n" % sys.argv[2])
    sys.exit(3)
events = json.load(sys.stdin)
result = handler(events, {"automation:EXECUTION_ID": sys.argv[3]})
sys.stdout.write("\n" + sys.argv[4] + "\n" + json.dumps(result, default=str))
"#;

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// Runs the step's inline Python `Script` with `InputPayload` as `events`; the returned value
/// is the `Payload`. Stops the process after `timeout` real seconds.
pub(crate) fn run_python(python: &str, inputs: &Map, timeout: u64, execution_id: &str) -> Result<Value, String> {
    let runtime = inputs.get("Runtime").and_then(Value::as_str).unwrap_or_default();
    if !runtime.starts_with("python") {
        return Err(format!("only Python scripts can be run locally (Runtime is `{runtime}`); mock the step instead"));
    }
    let Some(script) = inputs.get("Script").and_then(Value::as_str) else {
        return Err("the script is an attachment, which the simulator does not have; mock the step instead".into());
    };
    let handler = inputs.get("Handler").and_then(Value::as_str).unwrap_or("script_handler");
    let function = handler.rsplit('.').next().unwrap_or(handler);
    let events = inputs.get("InputPayload").cloned().unwrap_or_else(|| Value::Object(Map::new()));

    let path = std::env::temp_dir().join(format!(
        "runbook-simulate-{}-{}.py",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::write(&path, script).map_err(|e| format!("cannot write the script to {}: {e}", path.display()))?;
    let result = run_driver(python, &path, function, &events, timeout, execution_id);
    let _ = std::fs::remove_file(&path);
    result
}

fn run_driver(
    python: &str,
    path: &std::path::Path,
    function: &str,
    events: &Value,
    timeout: u64,
    execution_id: &str,
) -> Result<Value, String> {
    let mut child = Command::new(python)
        .arg("-c")
        .arg(DRIVER)
        .arg(path)
        .arg(function)
        .arg(execution_id)
        .arg(MARKER)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run `{python}` for the script: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(events.to_string().as_bytes());
    }
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if started.elapsed() > Duration::from_secs(timeout) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("the script ran longer than {timeout} s"));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(format!("waiting for the script failed: {e}")),
        }
    }
    let out = child.wait_with_output().map_err(|e| format!("reading the script's output failed: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let last = stderr.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("no error output");
        return Err(format!("the script failed: {last}"));
    }
    let json = stdout.rsplit_once(&format!("\n{MARKER}\n")).map(|(_, j)| j).ok_or("the script printed no result")?;
    serde_json::from_str(json).map_err(|e| format!("the script's result is not JSON: {e}"))
}
