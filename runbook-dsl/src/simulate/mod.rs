//! Local simulation: run any [`Document`] against scripted AWS responses, on a virtual clock,
//! and get a [`Trace`] of what happened.
//!
//! The simulator follows the Automation service's rules: parameter defaults and validation
//! (`allowedValues`, `allowedPattern`, item and character counts), `{{ }}` substitution
//! (parameters, variables, step outputs, built-ins with fixed test values), output selectors and
//! their types, `aws:branch`, `nextStep`/`isEnd`, `onFailure`, `onCancel`, `isCritical`,
//! `maxAttempts`, `timeoutSeconds` and the final statuses `Success`, `Failed`, `Cancelled` and
//! `TimedOut`. Waiting (sleep, pause, approve, polling) moves the virtual clock only.
//!
//! ```
//! use runbook_dsl::prelude::*;
//! use runbook_dsl::simulate::{Mock, Simulation, Status};
//!
//! let mut rb = Runbook::new("Enable versioning.");
//! let bucket: Param<Str> = rb.param("BucketName", ParamSpec::new("The bucket."));
//! let get = rb.add(Step::new("Get", ExecuteAwsApi::new("s3", "GetBucketVersioning").param("Bucket", &bucket)));
//! let status: Output<Str> = rb.output(&get, "Status", "$.Status");
//! rb.add(Step::new("Check", Branch::new(vec![
//!     Choice::new("Done", Condition::compare(status.value(), Operator::StringEquals, "Enabled")),
//! ])));
//! rb.add(Step::new("Enable", ExecuteAwsApi::new("s3", "PutBucketVersioning")
//!     .param("Bucket", &bucket)
//!     .param("VersioningConfiguration", json!({"Status": "Enabled"}))).is_end(true));
//! rb.add(Step::new("Done", Pause::new()));
//! let doc = rb.build().unwrap();
//!
//! let trace = Simulation::new(&doc)
//!     .param("BucketName", "b")
//!     .mock(Mock::api("s3", "GetBucketVersioning").when(json!({"Bucket": "b"})).responds(json!({"Status": "Suspended"})))
//!     .mock(Mock::api("s3", "PutBucketVersioning").responds(json!({})))
//!     .run();
//! assert_eq!(trace.status, Status::Success);
//! assert_eq!(trace.executed(), ["Get", "Check", "Enable"]);
//! assert_eq!(trace.mutating_calls()[0].api, "PutBucketVersioning");
//! ```

mod backend;
pub mod clock;
mod conditions;
mod executor;
mod faults;
pub mod jsonpath;
mod mocks;
mod sandbox;
mod script;
pub mod substitution;
mod trace;

pub use backend::{Aws, AwsError};
pub use faults::{Fault, DEFAULT_FAULT_CODE};
pub use mocks::{model_warnings, Mock, MockError, Response, Target};
pub use trace::{Call, Status, StepTrace, Trace};

use crate::model::{Document, Map, Value};
use std::collections::{HashMap, HashSet};

/// Seconds between two polls of `aws:waitForAwsResourceProperty` and
/// `aws:changeInstanceState` (AWS does not document its interval).
pub const POLL_SECONDS: u64 = 5;

/// Most step executions in one run (children included) before the simulator stops it as a
/// runaway flow.
pub const MAX_STEP_EXECUTIONS: usize = 10_000;

/// A simulation being set up: the document, parameters, mocks and the script of human actions
/// (approvals, resumes, cancellation). [`Simulation::run`] can be called any number of times;
/// each run starts from scratch.
#[derive(Clone, Debug)]
pub struct Simulation<'a> {
    pub(crate) doc: &'a Document,
    pub(crate) params: Map,
    pub(crate) mocks: Vec<Mock>,
    pub(crate) approve_all: Option<bool>,
    pub(crate) approvals: HashMap<String, bool>,
    pub(crate) resume_all: bool,
    pub(crate) resumes: HashSet<String>,
    pub(crate) cancel_at: Option<String>,
    pub(crate) children: HashMap<String, &'a Document>,
    pub(crate) run_scripts: bool,
    pub(crate) python: String,
    /// Mocks that disagree with AWS's API models fail the run instead of warning.
    pub(crate) strict_mocks: bool,
    pub(crate) endpoint: Option<String>,
    pub(crate) region: String,
    pub(crate) faults: Vec<Fault>,
    /// `allowedPattern`s of the document's parameters, compiled once.
    pub(crate) patterns: HashMap<String, regex::Regex>,
    /// The document's steps, prepared once.
    pub(crate) prepared: Vec<executor::Prepared<'a>>,
}

impl<'a> Simulation<'a> {
    /// A simulation of `doc` with no parameters, no mocks and nobody approving.
    pub fn new(doc: &'a Document) -> Self {
        Simulation {
            doc,
            params: Map::new(),
            mocks: Vec::new(),
            approve_all: None,
            approvals: HashMap::new(),
            resume_all: false,
            resumes: HashSet::new(),
            cancel_at: None,
            children: HashMap::new(),
            run_scripts: false,
            python: "python3".into(),
            strict_mocks: false,
            endpoint: None,
            region: substitution::REGION.into(),
            faults: Vec::new(),
            patterns: doc
                .parameters
                .values()
                .filter_map(|p| p.allowed_pattern.as_ref())
                .filter_map(|p| regex::Regex::new(p).ok().map(|r| (p.clone(), r)))
                .collect(),
            prepared: executor::prepare(&doc.main_steps),
        }
    }
    /// Gives a parameter. Text is converted to the declared type the way the console does
    /// (`a,b` or a JSON list for StringList, `3` for Integer, `true` for Boolean, JSON for maps).
    pub fn param(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.params.insert(name.into(), value.into());
        self
    }
    /// Adds a mock.
    pub fn mock(mut self, mock: Mock) -> Self {
        self.mocks.push(mock);
        self
    }
    /// Adds mocks, e.g. those of a mocks file.
    pub fn mocks(mut self, mocks: impl IntoIterator<Item = Mock>) -> Self {
        self.mocks.extend(mocks);
        self
    }
    /// Every `aws:approve` step is approved.
    pub fn approve(mut self) -> Self {
        self.approve_all = Some(true);
        self
    }
    /// Every `aws:approve` step is rejected (a rejection fails the step).
    pub fn reject(mut self) -> Self {
        self.approve_all = Some(false);
        self
    }
    /// The named `aws:approve` step is approved (`true`) or rejected; wins over
    /// [`Simulation::approve`]/[`Simulation::reject`]. Without any decision an approval waits
    /// until its timeout.
    pub fn decide(mut self, step: impl Into<String>, approved: bool) -> Self {
        self.approvals.insert(step.into(), approved);
        self
    }
    /// The named `aws:pause` step is resumed at once.
    pub fn resume(mut self, step: impl Into<String>) -> Self {
        self.resumes.insert(step.into());
        self
    }
    /// Every `aws:pause` step is resumed at once.
    pub fn resume_pauses(mut self) -> Self {
        self.resume_all = true;
        self
    }
    /// The automation is cancelled while the named step runs: that step ends `Cancelled`, its
    /// `onCancel` workflow runs (at most 2 virtual minutes) and the run ends `Cancelled`.
    pub fn cancel_at(mut self, step: impl Into<String>) -> Self {
        self.cancel_at = Some(step.into());
        self
    }
    /// A document that `aws:executeAutomation` steps naming `name` run as a child automation.
    pub fn child(mut self, name: impl Into<String>, doc: &'a Document) -> Self {
        self.children.insert(name.into(), doc);
        self
    }
    /// Run the Python handlers of `aws:executeScript` steps that have no step mock with the
    /// local interpreter (`python3`), in a sandbox: a private temporary directory, no AWS
    /// variable, profile or configuration of the user, dummy credentials, the
    /// [`Simulation::endpoint`] (or, without one, an endpoint that refuses every connection, so
    /// boto3 never reaches AWS), the step's time limit. The AWS calls a script makes through
    /// botocore are in the trace.
    pub fn run_scripts(mut self, yes: bool) -> Self {
        self.run_scripts = yes;
        self
    }
    /// The Python interpreter of scripts and of the AWS backend (default `python3`; the
    /// backend needs botocore, scripts that call AWS need boto3).
    pub fn python(mut self, program: impl Into<String>) -> Self {
        self.python = program.into();
        self
    }
    /// Calls AWS at this endpoint (a stateful emulator such as moto or LocalStack) through
    /// botocore, for every API call no mock answers: `aws:executeAwsApi`, assert and wait
    /// steps (a wait asks the endpoint at each poll, on the virtual clock), and every other
    /// action that calls AWS with the calls AWS documents for it (`aws:changeInstanceState`,
    /// `aws:createTags`, `aws:createImage`, `aws:copyImage`, `aws:runInstances`,
    /// `aws:deleteImage`, `aws:runCommand`, `aws:invokeLambdaFunction`,
    /// `aws:executeStateMachine`, `aws:createStack`, `aws:deleteStack`; an
    /// `aws:executeAutomation` without a local child runs the endpoint's document), and the
    /// scripts' boto3 calls.
    ///
    /// ```no_run
    /// # let doc = runbook_dsl::read::from_str("schemaVersion: '0.3'\nmainSteps: []\n").unwrap();
    /// use runbook_dsl::simulate::{Fault, Simulation};
    /// let trace = Simulation::new(&doc)
    ///     .endpoint("http://127.0.0.1:5000")
    ///     .run_scripts(true)
    ///     .fail(Fault::new("s3", "PutBucketVersioning").with_code("AccessDenied"))
    ///     .run();
    /// ```
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into());
        self
    }
    /// The Region the endpoint is called in (default `us-east-1`, also `{{ global:REGION }}`).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = region.into();
        self
    }
    /// Makes calls fail with an AWS error (see [`Fault`]); checked before mocks and the
    /// endpoint, for scripts' calls too.
    pub fn fail(mut self, fault: Fault) -> Self {
        self.faults.push(fault);
        self
    }
    /// Runs the automation and returns its trace. A start request AWS would reject (a missing,
    /// unknown or invalid parameter) gives a `Failed` trace with no steps and the reason in
    /// [`Trace::failure`].
    ///
    /// Mocks are first checked against AWS's API models ([`model_warnings`]): each finding is a
    /// warning of the trace, or, with [`Simulation::strict_mocks`], the reason of a `Failed`
    /// trace with no steps.
    pub fn run(&self) -> Trace {
        let found = model_warnings(&self.mocks);
        if self.strict_mocks && !found.is_empty() {
            return Trace {
                status: Status::Failed,
                steps: Vec::new(),
                calls: Vec::new(),
                outputs: Map::new(),
                failure: Some(format!("mocks disagree with AWS's API models: {}", found.join("; "))),
                elapsed_seconds: 0,
                warnings: found,
            };
        }
        let mut trace = executor::run(self);
        trace.warnings.splice(0..0, found);
        trace
    }
    /// Mocks that disagree with AWS's API models (an operation that does not exist, a response
    /// member the operation never returns) fail the run instead of warning.
    ///
    /// ```
    /// use runbook_dsl::prelude::*;
    /// use runbook_dsl::simulate::{Mock, Simulation, Status};
    /// let mut rb = Runbook::new("d");
    /// rb.add(Step::new("Get", ExecuteAwsApi::new("s3", "ListBuckets")));
    /// let doc = rb.build().unwrap();
    /// let lying = Mock::api("s3", "ListBuckets").responds(json!({"Bucketz": []}));
    /// let warned = Simulation::new(&doc).mock(lying.clone()).run();
    /// assert_eq!((warned.status, warned.warnings.len()), (Status::Success, 1));
    /// let refused = Simulation::new(&doc).mock(lying).strict_mocks(true).run();
    /// assert_eq!(refused.status, Status::Failed);
    /// ```
    pub fn strict_mocks(mut self, yes: bool) -> Self {
        self.strict_mocks = yes;
        self
    }
}

#[cfg(test)]
mod tests;
