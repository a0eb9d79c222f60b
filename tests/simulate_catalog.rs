//! Every catalog runbook simulated against mocked AWS: already compliant (no mutating call),
//! non-compliant (fixed and verified), the fixing call fails (the run ends Failed, and the undo
//! step runs where the runbook declares one), and for `-WithApproval` variants a rejection (no
//! mutating call).
//!
//! Adding a runbook to the catalog: add one [`Fixture`] to [`fixture`] (parameters and the mocks
//! of each situation). Extra scenarios for one runbook go into [`extra_scenarios`].

use runbook_dsl::model::Value;
use runbook_dsl::simulate::{Mock, Simulation, Status, Trace};
use runbooks::CatalogEntry;
use serde_json::json;

const ROLE: &str = "arn:aws:iam::123456789012:role/RemediationRole";
const APPROVERS: &str = "arn:aws:iam::123456789012:role/SecurityLead";

/// What the standard scenarios of one runbook need.
struct Fixture {
    /// Parameters (`AutomationAssumeRole`, and `Approvers` for approval variants, are added).
    params: Vec<(&'static str, Value)>,
    /// The resource is already compliant.
    compliant: Vec<Mock>,
    /// The resource is non-compliant and the fix works (reads after the fix see it fixed).
    noncompliant: Vec<Mock>,
    /// The resource is non-compliant and the fixing call fails.
    fix_fails: Vec<Mock>,
    /// The mutating call that fixes the resource.
    fix: (&'static str, &'static str),
}

/// The fixture of a catalog runbook, by its base name (without `-WithApproval`).
fn fixture(base: &str) -> Option<Fixture> {
    match base {
        "Remediate-S3-EnableDefaultEncryption" => {
            let encrypted = |algo: &str| json!({"ServerSideEncryptionConfiguration": {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": algo}}]}});
            let get = || Mock::api("s3", "GetBucketEncryption").when(json!({"Bucket": "my-bucket"}));
            let missing = (
                "ServerSideEncryptionConfigurationNotFoundError",
                "The server side encryption configuration was not found",
            );
            Some(Fixture {
                params: vec![("BucketName", json!("my-bucket"))],
                compliant: vec![get().responds(encrypted("aws:kms"))],
                noncompliant: vec![
                    get().error(missing.0, missing.1).then_responds(encrypted("AES256")),
                    Mock::api("s3", "PutBucketEncryption").responds(json!({})),
                ],
                fix_fails: vec![
                    get().error(missing.0, missing.1),
                    Mock::api("s3", "PutBucketEncryption").error("AccessDenied", "Access Denied"),
                ],
                fix: ("s3", "PutBucketEncryption"),
            })
        }
        "Remediate-EC2-StopInstance" => {
            let described = |state: &str| json!({"Reservations": [{"Instances": [{"InstanceId": "i-0123456789abcdef0", "State": {"Name": state}}]}]});
            let describe =
                || Mock::api("ec2", "DescribeInstances").when(json!({"InstanceIds": ["i-0123456789abcdef0"]}));
            Some(Fixture {
                params: vec![("InstanceId", json!("i-0123456789abcdef0"))],
                compliant: vec![describe().responds(described("stopped"))],
                noncompliant: vec![
                    describe().responds(described("running")).then_responds(described("stopped")),
                    Mock::api("ec2", "StopInstances").responds(json!({"StoppingInstances": []})),
                ],
                fix_fails: vec![
                    describe().responds(described("running")),
                    Mock::api("ec2", "StopInstances").error("UnauthorizedOperation", "not authorized"),
                ],
                fix: ("ec2", "StopInstances"),
            })
        }
        _ => None,
    }
}

/// How a scenario is run and what it must show.
struct Scenario {
    name: &'static str,
    mocks: Vec<Mock>,
    /// `Some(true)` approves every approval, `Some(false)` rejects, `None` decides nothing.
    approval: Option<bool>,
    status: Status,
    /// Checks beyond the status; `Err` says what is wrong.
    check: Check,
}

/// A scenario's own check: `Err` says what is wrong.
type Check = Box<dyn Fn(&Trace) -> Result<(), String>>;

fn no_mutating_call(t: &Trace) -> Result<(), String> {
    match t.mutating_calls().first() {
        None => Ok(()),
        Some(c) => Err(format!("expected no mutating call, but {} {} was called", c.service, c.api)),
    }
}

/// The standard scenarios of a catalog entry.
fn scenarios(entry: &CatalogEntry, fx: Fixture) -> Vec<Scenario> {
    let (service, api) = fx.fix;
    let approve = entry.approval.then_some(true);
    let mut out = vec![
        Scenario {
            name: "already compliant",
            mocks: fx.compliant,
            approval: None,
            status: Status::Success,
            check: Box::new(no_mutating_call),
        },
        Scenario {
            name: "non-compliant: fixed and verified",
            mocks: fx.noncompliant,
            approval: approve,
            status: Status::Success,
            check: Box::new(move |t| {
                let fix = t
                    .calls
                    .iter()
                    .rposition(|c| c.service == service && c.api == api && c.error.is_none())
                    .ok_or(format!("the fix {service} {api} was not called"))?;
                if !t.calls[fix + 1..].iter().any(|c| !c.is_mutating() && c.error.is_none()) {
                    return Err("nothing read the resource after the fix (not verified)".into());
                }
                Ok(())
            }),
        },
        Scenario {
            name: "the fix fails",
            mocks: fx.fix_fails,
            approval: approve,
            status: Status::Failed,
            check: Box::new(move |t| {
                let call = t
                    .calls_to(service, api)
                    .last()
                    .copied()
                    .ok_or(format!("the fix {service} {api} was not attempted"))?;
                let step = t.step(&call.step).ok_or("the failing step is not in the trace")?;
                if step.status != Status::Failed {
                    return Err(format!("step {} ended {}, expected Failed", step.name, step.status));
                }
                Ok(())
            }),
        },
    ];
    if entry.approval {
        out.push(Scenario {
            name: "approval rejected",
            mocks: fix_mocks_for_rejection(entry),
            approval: Some(false),
            status: Status::Failed,
            check: Box::new(no_mutating_call),
        });
    }
    out
}

/// The non-compliant mocks again (a rejection must stop the fix before it is attempted).
fn fix_mocks_for_rejection(entry: &CatalogEntry) -> Vec<Mock> {
    fixture(base_name(entry)).map(|f| f.noncompliant).unwrap_or_default()
}

fn base_name(entry: &CatalogEntry) -> &str {
    entry.name.strip_suffix("-WithApproval").unwrap_or(&entry.name)
}

/// Scenarios beyond the standard ones, by catalog entry name.
fn extra_scenarios(name: &str) -> Vec<Scenario> {
    match name {
        "Remediate-EC2-StopInstance-WithApproval" | "Remediate-S3-EnableDefaultEncryption-WithApproval" => {
            let mocks = fixture(name.trim_end_matches("-WithApproval")).map(|f| f.noncompliant).unwrap_or_default();
            vec![Scenario {
                name: "nobody decides: the approval times out after 7 days",
                mocks,
                approval: None,
                status: Status::TimedOut,
                check: Box::new(|t| {
                    no_mutating_call(t)?;
                    (t.elapsed_seconds == 604_800).then_some(()).ok_or(format!("elapsed {} s", t.elapsed_seconds))
                }),
            }]
        }
        "Remediate-EC2-StopInstance" => vec![Scenario {
            name: "the instance never stops: the step times out after timeoutSeconds 600",
            mocks: vec![
                Mock::api("ec2", "DescribeInstances").responds(
                    json!({"Reservations": [{"Instances": [{"InstanceId": "i-0123456789abcdef0", "State": {"Name": "running"}}]}]}),
                ),
                Mock::api("ec2", "StopInstances").responds(json!({})),
            ],
            approval: None,
            status: Status::TimedOut,
            check: Box::new(|t| {
                let s = t.step("StopInstance").ok_or("StopInstance did not run")?;
                (s.status == Status::TimedOut && t.elapsed_seconds == 600)
                    .then_some(())
                    .ok_or(format!("StopInstance ended {} after {} s", s.status, t.elapsed_seconds))
            }),
        }],
        _ => Vec::new(),
    }
}

fn run(entry: &CatalogEntry, params: &[(&'static str, Value)], sc: &Scenario) -> Trace {
    let mut sim = Simulation::new(&entry.document).param("AutomationAssumeRole", ROLE).mocks(sc.mocks.clone());
    for (k, v) in params {
        sim = sim.param(*k, v.clone());
    }
    if entry.approval {
        sim = sim.param("Approvers", json!([APPROVERS]));
    }
    match sc.approval {
        Some(true) => sim = sim.approve(),
        Some(false) => sim = sim.reject(),
        None => {}
    }
    sim.run()
}

#[test]
fn every_catalog_runbook_behaves_in_every_scenario() {
    let catalog = runbooks::catalog().expect("the catalog builds");
    let mut problems = Vec::new();
    let mut ran = 0;
    for entry in &catalog {
        let Some(fx) = fixture(base_name(entry)) else {
            problems.push(format!(
                "{}: no simulation fixture; add one for `{}` to fixture() in tests/simulate_catalog.rs",
                entry.name,
                base_name(entry)
            ));
            continue;
        };
        let params = fx.params.clone();
        let mut all = scenarios(entry, fx);
        all.extend(extra_scenarios(&entry.name));
        for sc in &all {
            ran += 1;
            let t = run(entry, &params, sc);
            let mut why = Vec::new();
            if t.status != sc.status {
                why.push(format!("status {} (expected {}), failure: {:?}", t.status, sc.status, t.failure));
            }
            if let Err(e) = (sc.check)(&t) {
                why.push(e);
            }
            if let Some(undo) = undo_problem(entry, &t) {
                why.push(undo);
            }
            if !why.is_empty() {
                problems.push(format!("{} / {}: {}\n  steps: {:?}", entry.name, sc.name, why.join("; "), t.executed()));
            }
        }
    }
    assert!(problems.is_empty(), "{} of {ran} scenarios went wrong:\n{}", problems.len(), problems.join("\n"));
    assert!(ran >= catalog.len() * 3, "every runbook has at least three scenarios");
}

/// When a step fails and the runbook declares an undo for it (`onFailure: step:X` on a step
/// that made a mutating call), X must have run.
fn undo_problem(entry: &CatalogEntry, t: &Trace) -> Option<String> {
    for s in t.steps.iter().filter(|s| s.status == Status::Failed) {
        let mutated = t.calls.iter().any(|c| c.step == s.name && c.is_mutating());
        let declared = entry.document.all_steps().into_iter().find(|d| d.name == s.name);
        let on_failure = declared.and_then(|d| d.on_failure.clone());
        if let (true, Some(undo)) = (mutated, on_failure.as_ref().and_then(|f| f.target())) {
            if !t.executed().contains(&undo) {
                return Some(format!("step {} failed but its undo step {undo} did not run", s.name));
            }
        }
    }
    None
}

#[test]
fn the_approval_variant_asks_before_the_first_change() {
    let catalog = runbooks::catalog().expect("the catalog builds");
    for entry in catalog.iter().filter(|e| e.approval) {
        let fx = fixture(base_name(entry)).expect("fixture");
        let t = run(
            entry,
            &fx.params,
            &Scenario {
                name: "",
                mocks: fx.noncompliant,
                approval: Some(true),
                status: Status::Success,
                check: Box::new(|_| Ok(())),
            },
        );
        let approve = t.steps.iter().position(|s| s.action == "aws:approve").expect("an approval step ran");
        let first_change = t.calls.iter().find(|c| c.is_mutating()).expect("a change was made");
        let change_step = t.steps.iter().position(|s| s.name == first_change.step).expect("its step ran");
        assert!(approve < change_step, "{}: the approval must come before {}", entry.name, first_change.step);
    }
}
