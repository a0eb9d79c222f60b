//! The AWS backend: calls an endpoint (moto, LocalStack) through botocore in one long-lived
//! Python helper per endpoint, speaking JSON lines over pipes. Helpers are kept in a pool and
//! reused by later runs; each ends when the program does (its stdin closes).

use super::sandbox::{clean_command, kill_tree, Drain, PrivateDir};
use crate::model::Value;
use serde_json::json;
use std::fmt;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Stdio};
use std::sync::Mutex;
use std::time::Duration;

const HELPER: &str = include_str!("python/aws_helper.py");

/// Why a call to the endpoint did not succeed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AwsError {
    /// The service answered with an AWS error.
    Aws {
        /// Error code, e.g. `NoSuchBucket`.
        code: String,
        /// Error message.
        message: String,
    },
    /// The request does not fit the API (unknown service or operation, parameters that do
    /// not match botocore's model).
    Invalid(String),
    /// The Python helper could not be started or stopped answering.
    Helper(String),
}

impl AwsError {
    /// The AWS error code, for [`AwsError::Aws`].
    pub fn code(&self) -> Option<&str> {
        match self {
            AwsError::Aws { code, .. } => Some(code),
            _ => None,
        }
    }
}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AwsError::Aws { code, message } => write!(f, "{code}: {message}"),
            AwsError::Invalid(m) => write!(f, "invalid request: {m}"),
            AwsError::Helper(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for AwsError {}

/// Identifies a helper: interpreter, endpoint, region.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct HelperKey {
    pub python: String,
    pub endpoint: String,
    pub region: String,
}

/// One running helper.
pub(crate) struct Helper {
    key: HelperKey,
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    stderr: Drain,
    _dir: PrivateDir,
}

static POOL: Mutex<Vec<Helper>> = Mutex::new(Vec::new());

impl Helper {
    /// A helper for `key` from the pool, or a new one.
    pub(crate) fn take(key: &HelperKey) -> Result<Helper, AwsError> {
        if let Ok(mut pool) = POOL.lock() {
            if let Some(i) = pool.iter().position(|h| h.key == *key) {
                return Ok(pool.swap_remove(i));
            }
        }
        Helper::start(key)
    }

    /// Puts the helper back for the next run.
    pub(crate) fn give_back(self) {
        if let Ok(mut pool) = POOL.lock() {
            pool.push(self);
        }
    }

    fn start(key: &HelperKey) -> Result<Helper, AwsError> {
        let dir = PrivateDir::new("aws").map_err(AwsError::Helper)?;
        dir.write("aws_helper.py", HELPER.as_bytes()).map_err(AwsError::Helper)?;
        let mut cmd = clean_command(&key.python, &dir, Some(&key.endpoint), &key.region).map_err(AwsError::Helper)?;
        cmd.arg("aws_helper.py")
            .arg(&key.endpoint)
            .arg(&key.region)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().map_err(|e| {
            AwsError::Helper(format!(
                "cannot run `{}` for the AWS backend: {e} (give the interpreter with .python(...) / --python)",
                key.python
            ))
        })?;
        let (Some(stdin), Some(stdout), Some(stderr)) = (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            kill_tree(&mut child);
            return Err(AwsError::Helper("the AWS backend's pipes could not be opened".into()));
        };
        let mut helper = Helper {
            key: key.clone(),
            child,
            stdin,
            stdout: BufReader::new(stdout),
            stderr: Drain::new(stderr),
            _dir: dir,
        };
        match helper.read_line() {
            Ok(v) if v.get("ready").is_some() => Ok(helper),
            Ok(v) => Err(AwsError::Helper(format!("the AWS backend said {v} instead of starting"))),
            Err(e) => Err(e),
        }
    }

    fn read_line(&mut self) -> Result<Value, AwsError> {
        let mut line = String::new();
        match self.stdout.read_line(&mut line) {
            Ok(n) if n > 0 => serde_json::from_str(&line).map_err(|e| {
                AwsError::Helper(format!("the AWS backend answered something that is not JSON ({e}): {line}"))
            }),
            _ => Err(self.died()),
        }
    }

    fn died(&mut self) -> AwsError {
        let _ = self.child.kill();
        let _ = self.child.wait();
        std::thread::sleep(Duration::from_millis(20));
        let err = self.stderr.text();
        let last = err.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("no error output");
        let hint = if err.contains("No module named 'botocore'") {
            format!(
                " (install botocore for `{}`, or give an interpreter that has it with .python(...) / --python)",
                self.key.python
            )
        } else {
            String::new()
        };
        AwsError::Helper(format!("the AWS backend (`{}`) stopped: {last}{hint}", self.key.python))
    }

    /// Calls `service` `api` with `params` at the helper's endpoint.
    pub(crate) fn call(&mut self, service: &str, api: &str, params: &Value) -> Result<Value, AwsError> {
        let request = json!({"service": service, "api": api, "params": params}).to_string();
        if writeln!(self.stdin, "{request}").and_then(|_| self.stdin.flush()).is_err() {
            return Err(self.died());
        }
        let reply = self.read_line()?;
        if let Some(ok) = reply.get("ok") {
            return Ok(ok.clone());
        }
        if let Some(e) = reply.get("error") {
            let text = |k: &str| e.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
            return Err(AwsError::Aws { code: text("code"), message: text("message") });
        }
        let why = reply.get("invalid").and_then(Value::as_str).map_or_else(|| reply.to_string(), str::to_string);
        Err(AwsError::Invalid(why))
    }
}

impl Drop for Helper {
    fn drop(&mut self) {
        kill_tree(&mut self.child);
    }
}

/// A client of an AWS endpoint through the simulator's backend, for setting up and checking
/// the emulator's state around a simulation (the same botocore calls the simulator makes).
///
/// ```no_run
/// use runbook_dsl::simulate::Aws;
/// use serde_json::json;
/// let aws = Aws::new("http://127.0.0.1:5000").python("/tmp/runbook-moto/bin/python");
/// aws.call("s3", "CreateBucket", json!({"Bucket": "b"})).unwrap();
/// let v = aws.call("s3", "GetBucketVersioning", json!({"Bucket": "b"})).unwrap();
/// assert!(v.get("Status").is_none());
/// ```
pub struct Aws {
    key: HelperKey,
    helper: Mutex<Option<Helper>>,
}

impl fmt::Debug for Aws {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Aws").field("endpoint", &self.key.endpoint).field("region", &self.key.region).finish()
    }
}

impl Aws {
    /// A client of `endpoint` in `us-east-1`, through `python3`.
    pub fn new(endpoint: impl Into<String>) -> Self {
        Aws {
            key: HelperKey {
                python: "python3".into(),
                endpoint: endpoint.into(),
                region: super::substitution::REGION.into(),
            },
            helper: Mutex::new(None),
        }
    }
    /// The Region to call.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.key.region = region.into();
        self
    }
    /// The Python interpreter (with botocore) that makes the calls.
    pub fn python(mut self, python: impl Into<String>) -> Self {
        self.key.python = python.into();
        self
    }
    /// Calls an operation (`CreateBucket` or `create_bucket`) and returns the response as the
    /// simulator sees it.
    pub fn call(&self, service: &str, api: &str, params: Value) -> Result<Value, AwsError> {
        let mut slot = self.helper.lock().map_err(|_| AwsError::Helper("the client was poisoned".into()))?;
        if slot.is_none() {
            *slot = Some(Helper::take(&self.key)?);
        }
        let result = slot.as_mut().map(|h| h.call(service, api, &params));
        if matches!(result, Some(Err(AwsError::Helper(_)))) {
            *slot = None;
        }
        result.unwrap_or_else(|| Err(AwsError::Helper("no helper".into())))
    }
}

impl Drop for Aws {
    fn drop(&mut self) {
        if let Some(h) = self.helper.get_mut().ok().and_then(Option::take) {
            h.give_back();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::{Simulation, Status};

    #[test]
    fn a_backend_that_cannot_start_fails_the_step_naming_the_fix() {
        let doc = crate::read::from_str(
            "schemaVersion: '0.3'\nmainSteps:\n- name: Get\n  action: aws:executeAwsApi\n  inputs: {Service: s3, Api: ListBuckets}\n",
        )
        .unwrap();
        let trace = Simulation::new(&doc).endpoint("http://127.0.0.1:9").python("/nonexistent/python3").run();
        assert_eq!(trace.status, Status::Failed);
        let failure = trace.steps[0].failure.clone().unwrap_or_default();
        assert!(failure.contains("s3 ListBuckets could not be sent to http://127.0.0.1:9"), "{failure}");
        assert!(failure.contains("--python"), "{failure}");
        let err = Aws::new("http://127.0.0.1:9").python("/nonexistent/python3").call("s3", "ListBuckets", json!({}));
        assert!(matches!(err, Err(AwsError::Helper(_))), "{err:?}");
    }
}
