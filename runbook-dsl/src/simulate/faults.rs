//! Fault injection: make chosen AWS calls fail with an AWS error, to test undo paths against
//! real (emulated) state.

use super::trace::normalized;
use std::collections::HashMap;
use std::fmt;

/// The error code of a fault that names none: AWS's generic server error (HTTP 500).
pub const DEFAULT_FAULT_CODE: &str = "InternalFailure";

/// A call that fails on purpose: every call of `service.Operation`, or only its `N`th
/// (1-based, counted over the whole run, children and scripts included).
///
/// ```
/// use runbook_dsl::simulate::Fault;
/// let f = Fault::parse("s3.PutBucketEncryption=AccessDenied@2").unwrap();
/// assert_eq!((f.service(), f.operation(), f.code(), f.nth()), ("s3", "PutBucketEncryption", "AccessDenied", Some(2)));
/// assert_eq!(Fault::parse("ec2.StopInstances").unwrap().code(), "InternalFailure");
/// assert!(Fault::parse("StopInstances").is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    service: String,
    operation: String,
    code: String,
    nth: Option<u32>,
}

impl Fault {
    /// Every call of `service` `operation` fails with [`DEFAULT_FAULT_CODE`].
    pub fn new(service: impl Into<String>, operation: impl Into<String>) -> Self {
        Fault { service: service.into(), operation: operation.into(), code: DEFAULT_FAULT_CODE.into(), nth: None }
    }
    /// The AWS error code the call fails with (e.g. `AccessDenied`).
    pub fn code(&self) -> &str {
        &self.code
    }
    /// Sets the error code.
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.code = code.into();
        self
    }
    /// Only the `n`th call (1-based) fails.
    pub fn at(mut self, n: u32) -> Self {
        self.nth = Some(n);
        self
    }
    /// The service namespace (`s3`).
    pub fn service(&self) -> &str {
        &self.service
    }
    /// The operation (`PutBucketEncryption`).
    pub fn operation(&self) -> &str {
        &self.operation
    }
    /// Which call fails (`None`: every call).
    pub fn nth(&self) -> Option<u32> {
        self.nth
    }

    /// Reads `service.Operation[=Code][@N]`, the form of `runbook simulate --fail`.
    pub fn parse(spec: &str) -> Result<Fault, String> {
        let usage = "expected service.Operation[=Code][@N], e.g. s3.PutBucketEncryption=AccessDenied@1";
        let (rest, nth) = match spec.rsplit_once('@') {
            Some((r, n)) => {
                let n: u32 = n.trim().parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                    format!("`{spec}`: `@{n}` must be a call number from 1 (the first call); {usage}")
                })?;
                (r, Some(n))
            }
            None => (spec, None),
        };
        let (name, code) = match rest.split_once('=') {
            Some((n, c)) if !c.trim().is_empty() => (n, c.trim().to_string()),
            Some(_) => return Err(format!("`{spec}`: the error code after `=` is empty; {usage}")),
            None => (rest, DEFAULT_FAULT_CODE.to_string()),
        };
        let (service, operation) = name
            .split_once('.')
            .map(|(s, o)| (s.trim(), o.trim()))
            .filter(|(s, o)| !s.is_empty() && !o.is_empty())
            .ok_or_else(|| format!("`{spec}`: no service before the operation; {usage}"))?;
        Ok(Fault { service: service.into(), operation: operation.into(), code, nth })
    }

    /// The message of the injected error, in the SDK's words.
    pub(crate) fn message(&self, api: &str) -> String {
        format!(
            "An error occurred ({}) when calling the {api} operation: injected by the simulator (--fail {})",
            self.code, self
        )
    }

    fn key(&self) -> String {
        call_key(&self.service, &self.operation)
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}={}", self.service, self.operation, self.code)?;
        if let Some(n) = self.nth {
            write!(f, "@{n}")?;
        }
        Ok(())
    }
}

/// `service operation`, without case, `_` and `-`.
pub(crate) fn call_key(service: &str, operation: &str) -> String {
    format!("{} {}", normalized(service), normalized(operation))
}

/// The faults of one run and how many calls of each operation were made so far.
#[derive(Default)]
pub(crate) struct FaultState {
    faults: Vec<Fault>,
    counts: HashMap<String, u32>,
}

impl FaultState {
    pub(crate) fn new(faults: &[Fault]) -> Self {
        FaultState { faults: faults.to_vec(), counts: HashMap::new() }
    }

    /// Counts a call and returns the fault that makes it fail, if any.
    pub(crate) fn call(&mut self, service: &str, operation: &str) -> Option<&Fault> {
        let key = call_key(service, operation);
        let n = self.counts.entry(key.clone()).or_default();
        *n += 1;
        let n = *n;
        self.faults.iter().find(|f| f.key() == key && f.nth.is_none_or(|k| k == n))
    }

    /// Counts a call made elsewhere (by a script) without injecting anything.
    pub(crate) fn count(&mut self, service: &str, operation: &str) {
        *self.counts.entry(call_key(service, operation)).or_default() += 1;
    }

    /// The faults as a script sees them: `@N` made relative to the calls counted so far, and
    /// faults whose call is already past left out.
    pub(crate) fn for_script(&self) -> Vec<Fault> {
        self.faults
            .iter()
            .filter_map(|f| {
                let done = self.counts.get(&f.key()).copied().unwrap_or(0);
                match f.nth {
                    None => Some(f.clone()),
                    Some(n) if n > done => Some(Fault { nth: Some(n - done), ..f.clone() }),
                    Some(_) => None,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nth_call_fails_counted_across_scripts() {
        let mut st = FaultState::new(&[Fault::parse("s3.put_x=Boom@3").unwrap()]);
        assert!(st.call("s3", "PutX").is_none());
        st.count("S3", "PutX");
        assert_eq!(st.for_script()[0].nth(), Some(1));
        assert_eq!(st.call("s3", "PutX").map(Fault::code), Some("Boom"));
        assert!(st.call("s3", "PutX").is_none());
        assert!(st.for_script().is_empty());
    }

    #[test]
    fn bad_specs_say_what_is_expected() {
        for bad in ["s3.Put@0", "s3.Put@x", "s3.Put=", ".Put", "s3."] {
            let e = Fault::parse(bad).unwrap_err();
            assert!(e.contains("expected service.Operation[=Code][@N]"), "{e}");
        }
        assert_eq!(
            Fault::parse("ec2.StopInstances=UnauthorizedOperation@1").unwrap().to_string(),
            "ec2.StopInstances=UnauthorizedOperation@1"
        );
    }
}

#[cfg(test)]
mod run_tests {
    use crate::simulate::{Fault, Mock, Simulation, Status};
    use serde_json::json;

    #[test]
    fn faults_win_over_mocks_and_the_region_is_the_simulations() {
        let doc = crate::read::from_str(
            "schemaVersion: '0.3'\nmainSteps:\n- name: Put\n  action: aws:executeAwsApi\n  maxAttempts: 2\n  \
             inputs: {Service: s3, Api: PutBucketTagging, Bucket: 'b-{{ global:REGION }}'}\n",
        )
        .unwrap();
        let sim =
            Simulation::new(&doc).region("eu-west-3").mock(Mock::api("s3", "PutBucketTagging").responds(json!({})));
        let once = sim.clone().fail(Fault::parse("s3.PutBucketTagging=SlowDown@1").unwrap()).run();
        assert_eq!(once.status, Status::Success);
        assert_eq!(once.steps[0].attempts, 2);
        assert_eq!(once.calls[0].input, json!({"Bucket": "b-eu-west-3"}));
        assert!(once.calls[0].error.as_deref().unwrap_or_default().starts_with("An error occurred (SlowDown)"));
        let always = sim.fail(Fault::new("S3", "put_bucket_tagging")).run();
        assert_eq!(always.status, Status::Failed);
        assert!(always.steps[0].failure.as_deref().unwrap_or_default().contains("(InternalFailure)"));
    }
}
