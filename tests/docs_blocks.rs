//! The Rust blocks of docs/ that are not excerpts of the library's own sources, compiled (and run
//! where they need no emulator) here: `runbook-dsl/tests/readme.rs` checks that each block is
//! the text of this file, line for line. The lines between a test's first line and a block are
//! the set-up the block's page takes for granted; after it, the checks. Formatting is left to
//! the page (`rustfmt::skip`), so the text stays the block's.

use runbook_dsl::prelude::*;
use std::error::Error;

/// docs/iam.md, explicit grants.
#[rustfmt::skip]
#[test]
fn iam_grants() {
    use runbook_dsl::iam::Grants;
    let grants =
// runbooks/src/wiring.rs, `grants`: a runbook whose script reads an attachment the scan cannot see.
Grants::new()
    .calls("ApplyPolicy", [("s3", "PutBucketPolicy"), ("s3", "GetBucketPolicy")])
    .replace("Describe", ["ec2:DescribeInstanceStatus"], "only the status is read")
    .pass_role("StartChild", "ssm.amazonaws.com", "the child runbook runs with its own role")
    ;
    for step in ["ApplyPolicy", "Describe", "StartChild"] {
        assert!(grants.step(step).is_some(), "{step} has its grant");
    }
}

/// docs/import.md, the module `import --rust` writes (an excerpt).
#[rustfmt::skip]
#[test]
fn import_output() -> Result<(), Box<dyn Error>> {
    let mut rb = Runbook::new("Encrypt a bucket.");
    let automation_assume_role: Param<Str> = rb.param("AutomationAssumeRole", ParamSpec::new("The role."));
let bucket_name: Param<Str> = rb.param("BucketName", ParamSpec::new("The bucket.").pattern(r"^[a-z0-9.-]{3,63}$"));
rb.set_assume_role(automation_assume_role.compact());            // was '{{AutomationAssumeRole}}'
let get_encryption = rb.add(
    Step::new("GetEncryption", ExecuteAwsApi::new("s3", "GetBucketEncryption").param("Bucket", &bucket_name))
        .on_failure(OnFailure::step("PutEncryption")),
);
let algorithm: Output<Str> = rb.output(&get_encryption, "Algorithm", "$.Rules[0].Algorithm");
rb.add(Step::new("Check", Branch::new(vec![Choice::new("Done",
    Condition::compare(&algorithm, Operator::StringEquals, "AES256"))]).default("PutEncryption")));
rb.document_output(&algorithm);
    rb.add(Step::new("PutEncryption", ExecuteAwsApi::new("s3", "PutBucketEncryption")
        .param("Bucket", &bucket_name)
        .param("ServerSideEncryptionConfiguration",
            json!({"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})))
        .is_end(true));
    rb.add(Step::new("Done", Sleep::for_duration("PT1S")));
    let doc = rb.build()?;
    assert_eq!(doc.assume_role.as_deref(), Some("{{AutomationAssumeRole}}"));
    assert_eq!(doc.outputs, ["GetEncryption.Algorithm"]);
    Ok(())
}

/// A runbook for the simulation example of docs/simulate.md: read the bucket's encryption; when
/// there is none (the call fails), ask, encrypt and read again.
fn encryption_runbook() -> Document {
    let mut rb = Runbook::new("Encrypt a bucket, after approval.");
    rb.assume_role();
    let bucket: Param<Str> = rb.param("BucketName", ParamSpec::new("The bucket."));
    let approvers: Param<StrList> = rb.param("Approvers", ParamSpec::new("Who may approve.").default(json!(["me"])));
    rb.add(
        Step::new("GetEncryption", ExecuteAwsApi::new("s3", "GetBucketEncryption").param("Bucket", &bucket))
            .on_failure(OnFailure::step("Approve"))
            // A bucket without encryption is an expected answer, not a failed run.
            .is_critical(false),
    );
    rb.add(Step::new("Compliant", Sleep::for_duration("PT1S")).is_end(true));
    rb.approve("Approve", Approval::new(&approvers).message("Encrypt the bucket?"), |_| {});
    rb.add(Step::new(
        "Encrypt",
        ExecuteAwsApi::new("s3", "PutBucketEncryption").param("Bucket", &bucket).param(
            "ServerSideEncryptionConfiguration",
            json!({"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}),
        ),
    ));
    rb.add(Step::new(
        "Verify",
        AssertAwsResourceProperty::new(
            "s3",
            "GetBucketEncryption",
            "$.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm",
            vec!["AES256"],
        )
        .param("Bucket", &bucket),
    ));
    rb.build().expect("the example runbook builds")
}

/// docs/simulate.md, against mocked AWS.
#[rustfmt::skip]
#[test]
fn simulate_with_mocks() {
    let doc = encryption_runbook();
use runbook_dsl::simulate::{Mock, Simulation, Status};
use serde_json::json;

let trace = Simulation::new(&doc)
    .param("BucketName", "my-bucket")
    .param("AutomationAssumeRole", "arn:aws:iam::123456789012:role/Fix")
    .mock(Mock::api("s3", "GetBucketEncryption")
        .when(json!({"Bucket": "my-bucket"}))                  // optional: match the input
        .error("ServerSideEncryptionConfigurationNotFoundError", "not found")
        .then_responds(json!({"ServerSideEncryptionConfiguration": {"Rules": [
            {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}})))
    .mock(Mock::api("s3", "PutBucketEncryption").responds(json!({})))
    .approve()                                                 // or .reject(), .decide("Step", bool)
    .run();
assert_eq!(trace.status, Status::Success);
assert_eq!(trace.mutating_calls().len(), 1);
}

/// docs/simulate.md, against a stateful emulator: compiled, not run (it needs an emulator on
/// port 5000; `tests/emulator.rs` starts moto on a free port and runs the same calls).
#[rustfmt::skip]
#[allow(dead_code)]
fn simulate_against_an_emulator(doc: Document) -> Result<runbook_dsl::simulate::Trace, Box<dyn Error>> {
    use serde_json::json;
use runbook_dsl::simulate::{Aws, Fault, Simulation, Status};
let aws = Aws::new("http://127.0.0.1:5000");                 // set up and check state
aws.call("s3", "CreateBucket", json!({"Bucket": "b"}))?;
let trace = Simulation::new(&doc)
    .param("BucketName", "b")
    .endpoint("http://127.0.0.1:5000")                        // .region("eu-west-1"), .python(PATH)
    .run_scripts(true)
    .fail(Fault::parse("s3.PutBucketVersioning=AccessDenied@1")?)
    .run();
    assert_ne!(trace.status, Status::Success, "the injected fault fails the change");
    Ok(trace)
}

/// docs/validate.md, the flow API.
#[rustfmt::skip]
#[test]
fn validate_flow_api() -> Result<(), Box<dyn Error>> {
use runbook_dsl::prelude::*;

let mut rb = Runbook::new("Turn on versioning unless it is on.");
rb.assume_role();
let bucket: Param<Str> = rb.param("BucketName", ParamSpec::new("The bucket.").pattern("^[a-z0-9.-]{3,63}$"));
let approvers: Param<StrList> = rb.param("Approvers", ParamSpec::new("Who may approve.").min_items(1).max_items(10));
let get = rb.add(Step::new("GetVersioning",
    ExecuteAwsApi::new("s3", "GetBucketVersioning").param("Bucket", &bucket)).timeout_seconds(20));
let status: Output<Str> = rb.output(&get, "Status", "$.Status");

rb.if_else(
    "IsEnabled",
    Cond::string_equals(&status, "Enabled"),          // Cond::numeric_greater(&status, 3) does not compile
    |rb| { rb.add(Step::new("AlreadyCompliant", Sleep::for_duration("PT1S"))); },
    |rb| {
        rb.approve("Approve", Approval::new(&approvers).message("Enable versioning?"), |rb| {
            rb.add(Step::new("Rejected", Sleep::for_duration("PT1S")));    // rejected path, ends the run
        });
        rb.mutate(                                                          // a change and its undo
            Step::new("Enable", ExecuteAwsApi::new("s3", "PutBucketVersioning")
                .param("Bucket", &bucket).param("VersioningConfiguration", json!({"Status": "Enabled"}))),
            vec![Step::new("Suspend", ExecuteAwsApi::new("s3", "PutBucketVersioning")
                .param("Bucket", &bucket).param("VersioningConfiguration", json!({"Status": "Suspended"})))],
        );
        rb.add(Step::new("Verify", AssertAwsResourceProperty::new("s3", "GetBucketVersioning", "$.Status", vec!["Enabled"])
            .param("Bucket", &bucket)));
    },
);
let doc = rb.build()?;   // finishes the wiring and checks the flow limits, every problem at once
assert!(runbook_dsl::validate::errors(&doc).is_empty());   // the full validator (emit runs it too)
    let names: Vec<&str> = doc.main_steps.iter().map(|s| s.name.as_str()).collect();
    for step in ["GetVersioning", "IsEnabled", "AlreadyCompliant", "Approve", "Rejected", "Enable", "Suspend", "Verify"] {
        assert!(names.contains(&step), "{step} in {names:?}");
    }
    Ok(())
}

/// docs/security-hub.md, ending a runbook with the finding's workflow status.
#[rustfmt::skip]
#[test]
fn security_hub_finding_steps() -> Result<(), Box<dyn Error>> {
    let mut rb = Runbook::new("Turn on versioning.");
    rb.assume_role();
    let bucket: Param<Str> = rb.param("BucketName", ParamSpec::new("The bucket."));
    let fix = Step::new("Enable", ExecuteAwsApi::new("s3", "PutBucketVersioning")
        .param("Bucket", &bucket).param("VersioningConfiguration", json!({"Status": "Enabled"})));
use runbook_dsl::builder::security_hub::Finding;
let finding = Finding::declare(&mut rb);            // FindingId, ProductArn
let steps = finding.steps("Versioning enabled.");   // ResolveFinding, NotifyFinding
rb.add(fix.next_step(steps.resolved()).on_failure(OnFailure::step(steps.notified())));   // the remediation
steps.add_to(&mut rb);
    let doc = rb.build()?;
    let names: Vec<&str> = doc.main_steps.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["Enable", "ResolveFinding", "NotifyFinding"]);
    Ok(())
}
