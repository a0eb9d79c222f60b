//! What a simulated run did: each step in order with its status, resolved inputs, outputs,
//! attempts and failure; every AWS call; the final status and the document outputs.

use crate::model::{Map, Value};
use serde_json::json;
use std::fmt;

/// A step's or the automation's terminal status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    /// Finished without a failure that counts.
    Success,
    /// A critical step failed.
    Failed,
    /// The automation was cancelled.
    Cancelled,
    /// A critical step ran out of time.
    TimedOut,
}

impl Status {
    /// The name AWS uses (`Success`, `Failed`, `Cancelled`, `TimedOut`).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Success => "Success",
            Status::Failed => "Failed",
            Status::Cancelled => "Cancelled",
            Status::TimedOut => "TimedOut",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One API call made against the mocks.
#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    /// The step that made it.
    pub step: String,
    /// Service namespace as written (`s3`).
    pub service: String,
    /// Operation as written (`PutBucketEncryption`).
    pub api: String,
    /// The API parameters, resolved.
    pub input: Value,
    /// `Code: message` when the mock answered with an error, or no mock matched.
    pub error: Option<String>,
}

impl Call {
    /// Whether the operation changes something: any operation whose name does not start with
    /// `Get`, `Describe`, `List` or `Head`.
    ///
    /// ```
    /// use runbook_dsl::simulate::Call;
    /// let c = |api: &str| Call { step: "S".into(), service: "s3".into(), api: api.into(), input: Default::default(), error: None };
    /// assert!(c("PutBucketEncryption").is_mutating());
    /// assert!(!c("GetBucketEncryption").is_mutating());
    /// ```
    pub fn is_mutating(&self) -> bool {
        !["Get", "Describe", "List", "Head", "get_", "describe_", "list_", "head_"]
            .iter()
            .any(|p| self.api.starts_with(p))
    }

    /// The call as JSON: `{"service", "api", "input"}` plus `step` and, for failed calls, `error`.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("service".into(), Value::String(self.service.clone()));
        m.insert("api".into(), Value::String(self.api.clone()));
        m.insert("input".into(), self.input.clone());
        m.insert("step".into(), Value::String(self.step.clone()));
        if let Some(e) = &self.error {
            m.insert("error".into(), Value::String(e.clone()));
        }
        Value::Object(m)
    }
}

/// One step execution.
#[derive(Clone, Debug, PartialEq)]
pub struct StepTrace {
    /// Step name.
    pub name: String,
    /// Action, e.g. `aws:executeAwsApi`.
    pub action: String,
    /// How the step ended.
    pub status: Status,
    /// Inputs after `{{ }}` substitution (as far as they could be resolved).
    pub inputs: Value,
    /// Outputs: declared and predefined, by name.
    pub outputs: Map,
    /// Tries made (1 unless `maxAttempts` allowed retries).
    pub attempts: u64,
    /// Why the step failed, timed out or was cancelled.
    pub failure: Option<String>,
    /// Virtual time (seconds since start) when the step started.
    pub started_at: u64,
    /// 1-based iteration of the enclosing `aws:loop`, for nested steps.
    pub iteration: Option<u64>,
    /// The child automation's trace, for `aws:executeAutomation` simulated as a child.
    pub child: Option<Box<Trace>>,
}

impl StepTrace {
    /// The step as JSON: `{"name", "action", "status", "inputs", "outputs", "attempts",
    /// "failure"}` plus `startedAt`, and `iteration`/`child` when present.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("name".into(), Value::String(self.name.clone()));
        m.insert("action".into(), Value::String(self.action.clone()));
        m.insert("status".into(), Value::String(self.status.as_str().into()));
        m.insert("inputs".into(), self.inputs.clone());
        m.insert("outputs".into(), Value::Object(self.outputs.clone()));
        m.insert("attempts".into(), json!(self.attempts));
        m.insert("failure".into(), self.failure.clone().map_or(Value::Null, Value::String));
        m.insert("startedAt".into(), json!(self.started_at));
        if let Some(i) = self.iteration {
            m.insert("iteration".into(), json!(i));
        }
        if let Some(c) = &self.child {
            m.insert("child".into(), c.to_json());
        }
        Value::Object(m)
    }
}

/// The whole run.
#[derive(Clone, Debug, PartialEq)]
pub struct Trace {
    /// Final status of the automation.
    pub status: Status,
    /// Step executions in the order they ran (a retried step appears once, with `attempts`).
    pub steps: Vec<StepTrace>,
    /// Every API call, in order.
    pub calls: Vec<Call>,
    /// Document outputs (`Step.Output` → value) that were produced.
    pub outputs: Map,
    /// Why the run did not start (parameters rejected) or stopped early, if it did.
    pub failure: Option<String>,
    /// Virtual seconds the run took.
    pub elapsed_seconds: u64,
    /// What the simulator could not check, e.g. an `allowedPattern` in Java regex syntax that
    /// Rust's regex engine does not have (lookaround, backreferences).
    pub warnings: Vec<String>,
}

impl Trace {
    /// The last execution of the named step, if it ran.
    pub fn step(&self, name: &str) -> Option<&StepTrace> {
        self.steps.iter().rev().find(|s| s.name == name)
    }

    /// Names of the steps that ran, in order.
    pub fn executed(&self) -> Vec<&str> {
        self.steps.iter().map(|s| s.name.as_str()).collect()
    }

    /// Calls whose operation changes something ([`Call::is_mutating`]).
    pub fn mutating_calls(&self) -> Vec<&Call> {
        self.calls.iter().filter(|c| c.is_mutating()).collect()
    }

    /// Calls to `service`/`api` (compared case-insensitively).
    pub fn calls_to(&self, service: &str, api: &str) -> Vec<&Call> {
        self.calls.iter().filter(|c| same_name(&c.service, service) && same_name(&c.api, api)).collect()
    }

    /// The trace as JSON: `{"status", "steps", "calls", "outputs"}`, plus `failure` when the run
    /// did not start or stopped early, `elapsedSeconds`, and `warnings` when there are some.
    ///
    /// ```
    /// use runbook_dsl::prelude::*;
    /// use runbook_dsl::simulate::Simulation;
    /// let mut rb = Runbook::new("Wait.");
    /// rb.add(Step::new("Wait", Sleep::for_duration("PT1H")));
    /// let doc = rb.build().unwrap();
    /// let j = Simulation::new(&doc).run().to_json();
    /// assert_eq!(j["status"], "Success");
    /// assert_eq!(j["elapsedSeconds"], 3600);
    /// ```
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("status".into(), Value::String(self.status.as_str().into()));
        m.insert("steps".into(), Value::Array(self.steps.iter().map(StepTrace::to_json).collect()));
        m.insert("calls".into(), Value::Array(self.calls.iter().map(Call::to_json).collect()));
        m.insert("outputs".into(), Value::Object(self.outputs.clone()));
        if let Some(f) = &self.failure {
            m.insert("failure".into(), Value::String(f.clone()));
        }
        m.insert("elapsedSeconds".into(), json!(self.elapsed_seconds));
        if !self.warnings.is_empty() {
            m.insert("warnings".into(), json!(self.warnings));
        }
        Value::Object(m)
    }
}

/// Service and operation names compare without case and without `_` (`GetBucketEncryption`
/// equals `get_bucket_encryption`).
pub(crate) fn same_name(a: &str, b: &str) -> bool {
    normalized(a) == normalized(b)
}

/// A service or operation name without case, `_` and `-`.
pub(crate) fn normalized(s: &str) -> String {
    s.chars().filter(|c| *c != '_' && *c != '-').map(|c| c.to_ascii_lowercase()).collect()
}
