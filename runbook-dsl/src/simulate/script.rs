//! Running an `aws:executeScript` Python handler in the sandbox: a private temporary directory
//! (mode 0700, created exclusively), an environment without the user's AWS variables, profiles
//! or configuration files, dummy credentials, the emulator's endpoint or one that refuses every
//! connection, output pipes read while the script runs, and the step's time limit enforced by
//! killing the script's processes. Every AWS call the script makes through botocore is logged
//! and returned, and injected faults are raised inside the script as the SDK's `ClientError`.

use super::faults::Fault;
use super::sandbox::{clean_command, wait_with_limit, Drain, PrivateDir};
use super::trace::Call;
use crate::model::{Map, Value};
use serde_json::json;
use std::process::Stdio;
use std::time::Duration;

const DRIVER: &str = include_str!("python/script_driver.py");

/// Where and how scripts run.
pub(crate) struct ScriptEnv<'a> {
    pub python: &'a str,
    pub endpoint: Option<&'a str>,
    pub region: &'a str,
}

/// What running a script produced: the `Payload` or why the step fails, the AWS calls the
/// script made (without their step name), the virtual seconds it slept, and whether it ran out
/// of time.
pub(crate) struct ScriptRun {
    pub result: Result<Value, String>,
    pub calls: Vec<Call>,
    pub slept: u64,
    pub timed_out: bool,
}

/// Runs the step's inline Python `Script` with `InputPayload` as `events`; the returned value
/// is the `Payload`. Stops the script's processes after `timeout` real seconds.
pub(crate) fn run_python(
    env: &ScriptEnv,
    inputs: &Map,
    timeout: u64,
    execution_id: &str,
    faults: &[Fault],
) -> ScriptRun {
    let runtime = inputs.get("Runtime").and_then(Value::as_str).unwrap_or_default();
    let fail = |e: String| ScriptRun { result: Err(e), calls: Vec::new(), slept: 0, timed_out: false };
    if !runtime.starts_with("python") {
        return fail(format!("only Python scripts can be run locally (Runtime is `{runtime}`); mock the step instead"));
    }
    let Some(script) = inputs.get("Script").and_then(Value::as_str) else {
        return fail("the script is an attachment, which the simulator does not have; mock the step instead".into());
    };
    let handler = inputs.get("Handler").and_then(Value::as_str).unwrap_or("script_handler");
    let function = handler.rsplit('.').next().unwrap_or(handler);
    let events = inputs.get("InputPayload").cloned().unwrap_or_else(|| Value::Object(Map::new()));
    let dir = match PrivateDir::new("script") {
        Ok(d) => d,
        Err(e) => return fail(e),
    };
    let faults: Vec<Value> = faults
        .iter()
        .map(|f| {
            json!({"service": f.service(), "operation": f.operation(), "code": f.code(), "nth": f.nth(), "spec": f.to_string()})
        })
        .collect();
    let config = json!({"handler": function, "events": events, "execution_id": execution_id, "faults": faults, "timeout": timeout});
    let written = dir
        .write("script.py", script.as_bytes())
        .and_then(|_| dir.write("driver.py", DRIVER.as_bytes()))
        .and_then(|_| dir.write("sandbox.json", config.to_string().as_bytes()));
    if let Err(e) = written {
        return fail(e);
    }
    let (result, killed) = run_driver(env, &dir, timeout);
    let slept = std::fs::read_to_string(dir.path().join("clock.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<Value>(&t).ok())
        .and_then(|v| v.get("slept").and_then(Value::as_f64))
        .map_or(0, |s| s.ceil() as u64);
    let timed_out = killed || slept > timeout;
    ScriptRun { result, calls: read_calls(&dir), slept: slept.min(timeout), timed_out }
}

/// The handler's result, and whether the time limit killed the script.
fn run_driver(env: &ScriptEnv, dir: &PrivateDir, timeout: u64) -> (Result<Value, String>, bool) {
    let mut cmd = match clean_command(env.python, dir, env.endpoint, env.region) {
        Ok(c) => c,
        Err(e) => return (Err(e), false),
    };
    cmd.arg("driver.py").stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => return (Err(format!("cannot run `{}` for the script: {e}", env.python)), false),
    };
    let out = child.stdout.take().map(Drain::new);
    let err = child.stderr.take().map(Drain::new);
    let waited = wait_with_limit(&mut child, Duration::from_secs(timeout));
    let patience = Duration::from_secs(2);
    let _ = out.map(|d| d.finish(patience));
    let stderr = err.map(|d| d.finish(patience).0).unwrap_or_default();
    match waited {
        Err(e) => (Err(format!("the script {e}")), true),
        Ok(false) => {
            let last = stderr.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("no error output");
            (Err(format!("the script failed: {last}")), false)
        }
        Ok(true) => {
            let result = std::fs::read_to_string(dir.path().join("result.json"))
                .map_err(|_| "the script ended without returning from its handler".to_string())
                .and_then(|text| {
                    serde_json::from_str(&text).map_err(|e| format!("the script's result is not JSON: {e}"))
                });
            (result, false)
        }
    }
}

/// The calls the driver logged, in order.
fn read_calls(dir: &PrivateDir) -> Vec<Call> {
    let text = std::fs::read_to_string(dir.path().join("calls.jsonl")).unwrap_or_default();
    text.lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .map(|v| Call {
            step: String::new(),
            service: v.get("service").and_then(Value::as_str).unwrap_or_default().to_string(),
            api: v.get("api").and_then(Value::as_str).unwrap_or_default().to_string(),
            input: v.get("input").cloned().unwrap_or(Value::Null),
            error: v.get("error").and_then(Value::as_str).map(str::to_string),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Map;

    fn have_python() -> bool {
        std::process::Command::new("python3").arg("-c").arg("pass").status().is_ok_and(|s| s.success())
    }

    fn run(script: &str, timeout: u64) -> ScriptRun {
        let mut inputs = Map::new();
        inputs.insert("Runtime".into(), json!("python3.11"));
        inputs.insert("Handler".into(), json!("handler"));
        inputs.insert("Script".into(), json!(script));
        inputs.insert("InputPayload".into(), json!({"n": 3}));
        let env = ScriptEnv { python: "python3", endpoint: None, region: "eu-west-1" };
        run_python(&env, &inputs, timeout, "exec-1", &[])
    }

    #[test]
    fn a_script_that_prints_more_than_a_pipe_holds_finishes() {
        if !have_python() {
            eprintln!("warning: python3 missing; skipped");
            return;
        }
        let r = run("import sys\ndef handler(e, c):\n    sys.stdout.write('x' * 300000)\n    sys.stderr.write('y' * 300000)\n    return {'n': e['n']}\n", 30);
        assert_eq!(r.result, Ok(json!({"n": 3})));
    }

    #[test]
    fn sleeping_moves_the_virtual_clock_and_sleeping_past_the_limit_times_out() {
        if !have_python() {
            return;
        }
        let started = std::time::Instant::now();
        let r = run("import time\ndef handler(e, c):\n    t = time.time()\n    time.sleep(50)\n    return {'waited': round(time.time() - t)}\n", 60);
        assert_eq!(r.result, Ok(json!({"waited": 50})));
        assert_eq!((r.slept, r.timed_out), (50, false));
        let r = run("import time\ndef handler(e, c):\n    while True:\n        time.sleep(5)\n", 60);
        assert!(r.timed_out);
        let e = r.result.unwrap_err();
        assert!(e.contains("slept past the step's time limit of 60 s"), "{e}");
        assert!(started.elapsed() < Duration::from_secs(20), "{:?}", started.elapsed());
    }

    #[test]
    fn the_time_limit_stops_the_script_and_its_children() {
        if !have_python() {
            return;
        }
        let started = std::time::Instant::now();
        let r = run(
            "import subprocess\ndef handler(e, c):\n    subprocess.Popen(['sleep', '30'])\n    while True:\n        pass\n",
            1,
        );
        assert!(r.timed_out);
        let e = r.result.unwrap_err();
        assert!(e.contains("time limit of 1 s"), "{e}");
        assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
    }

    #[test]
    fn the_users_credentials_and_config_are_not_visible() {
        if !have_python() {
            return;
        }
        // The test process's own environment has these (as a user's shell would).
        // SAFETY: no test of this crate reads these two variables, so a concurrent read cannot
        // race with this write.
        unsafe {
            std::env::set_var("AWS_PROFILE", "production");
            std::env::set_var("AWS_SECRET_ACCESS_KEY_REAL_LOOKALIKE", "x");
        }
        let r = run(
            "import os, stat, tempfile\ndef handler(e, c):\n    aws = {k: v for k, v in os.environ.items() if k.startswith('AWS')}\n    \
             mode = stat.S_IMODE(os.stat(os.getcwd()).st_mode)\n    \
             return {'aws': aws, 'home': os.environ['HOME'], 'cwd': os.getcwd(), 'mode': mode, 'tmp': tempfile.gettempdir(), \
             'config': open(aws['AWS_CONFIG_FILE']).read(), 'creds': open(aws['AWS_SHARED_CREDENTIALS_FILE']).read()}\n",
            30,
        );
        let v = r.result.unwrap();
        let aws = v["aws"].as_object().unwrap();
        let mut keys: Vec<&str> = aws.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "AWS_ACCESS_KEY_ID",
                "AWS_CONFIG_FILE",
                "AWS_DEFAULT_REGION",
                "AWS_EC2_METADATA_DISABLED",
                "AWS_ENDPOINT_URL",
                "AWS_MAX_ATTEMPTS",
                "AWS_REGION",
                "AWS_RETRY_MODE",
                "AWS_SECRET_ACCESS_KEY",
                "AWS_SESSION_TOKEN",
                "AWS_SHARED_CREDENTIALS_FILE"
            ]
        );
        assert_eq!(aws["AWS_ACCESS_KEY_ID"], json!(super::super::sandbox::DUMMY_KEY_ID));
        assert_eq!(aws["AWS_REGION"], json!("eu-west-1"));
        assert!(aws["AWS_ENDPOINT_URL"].as_str().unwrap().starts_with("http://127.0.0.1:"));
        assert_eq!((v["config"].as_str(), v["creds"].as_str()), (Some(""), Some("")));
        assert_eq!(v["mode"], json!(0o700));
        assert_eq!(v["home"], v["cwd"]);
        assert_eq!(v["tmp"], v["cwd"]);
        // The directory is gone after the run.
        assert!(!std::path::Path::new(v["cwd"].as_str().unwrap()).exists());
    }

    #[test]
    fn without_an_endpoint_boto3_reaches_nothing_and_the_call_is_traced() {
        if !std::process::Command::new("python3").arg("-c").arg("import boto3").status().is_ok_and(|s| s.success()) {
            eprintln!("warning: python3 with boto3 missing; skipped");
            return;
        }
        let r = run(
            "import boto3\ndef handler(e, c):\n    s3 = boto3.client('s3', endpoint_url='https://s3.amazonaws.com')\n    \
             try:\n        s3.list_buckets()\n    except Exception as x:\n        return {'error': type(x).__name__}\n    return {'error': None}\n",
            60,
        );
        assert_eq!(r.result, Ok(json!({"error": "EndpointConnectionError"})));
        assert_eq!(r.calls.len(), 1);
        assert_eq!((r.calls[0].service.as_str(), r.calls[0].api.as_str()), ("s3", "ListBuckets"));
        assert!(r.calls[0].error.as_deref().unwrap_or_default().contains("127.0.0.1"), "{:?}", r.calls[0].error);
    }
}
