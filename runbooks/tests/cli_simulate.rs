//! `runbook simulate` as a user runs it: the binary, files on disk, JSON on stdout, exit codes.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const ROLE: &str = "AutomationAssumeRole=arn:aws:iam::123456789012:role/Fix";

fn generated(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../generated").join(format!("{name}.yaml"))
}

/// A scratch directory for this test.
fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("runbook-cli-simulate-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write fixture");
    p
}

struct Out {
    code: i32,
    json: Value,
    stderr: String,
}

fn simulate(args: &[&str]) -> Out {
    let out = Command::new(env!("CARGO_BIN_EXE_runbook")).arg("simulate").args(args).output().expect("runbook runs");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    Out {
        code: out.status.code().unwrap_or(-1),
        json: serde_json::from_str(&stdout).unwrap_or(Value::Null),
        stderr: String::from_utf8_lossy(&out.stderr).to_string(),
    }
}

/// The bucket has no default encryption. The runbook reads it with a boto3 script (only
/// "configuration not found" means unencrypted), so the read is a step mock; the verification
/// reads it back with the API.
const S3_MOCKS: &str = r#"
- step: ReadEncryption
  outputs: {Payload: {Algorithm: None, Found: false}}
- service: s3
  api: GetBucketEncryption
  when: {Bucket: my-bucket}
  response:
    ServerSideEncryptionConfiguration:
      Rules:
        - ApplyServerSideEncryptionByDefault: {SSEAlgorithm: AES256}
- service: s3
  api: PutBucketEncryption
  response: {}
"#;

#[test]
fn fixes_an_unencrypted_bucket_and_prints_the_trace() {
    let dir = scratch("fix");
    let mocks = write(&dir, "mocks.yaml", S3_MOCKS);
    let doc = generated("Remediate-S3-EnableDefaultEncryption");
    let out = simulate(&[
        doc.to_str().unwrap(),
        "--param",
        "BucketName=my-bucket",
        "--param",
        ROLE,
        "--mocks",
        mocks.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    insta::assert_snapshot!(serde_json::to_string_pretty(&out.json).unwrap());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_rejected_approval_fails_without_changes() {
    let dir = scratch("reject");
    let mocks = write(&dir, "mocks.yaml", S3_MOCKS);
    let doc = generated("Remediate-S3-EnableDefaultEncryption-WithApproval");
    let base =
        [doc.to_str().unwrap(), "--param", "BucketName=my-bucket", "--param", ROLE, "--mocks", mocks.to_str().unwrap()];
    // The approval variant also takes the topic its approval notifies (the NotificationArn contract).
    let approvers = [
        "--param",
        "Approvers=arn:aws:iam::123456789012:role/Lead",
        "--param",
        "NotificationArn=arn:aws:sns:us-east-1:123456789012:AutomationApprovals",
    ];
    let out = simulate(&[&base[..], &approvers, &["--reject"]].concat());
    assert_eq!(out.code, 1);
    assert_eq!(out.json["status"], "Failed");
    let apis: Vec<&str> = out.json["calls"].as_array().unwrap().iter().map(|c| c["api"].as_str().unwrap()).collect();
    assert!(apis.is_empty(), "a rejected run makes no call after the read: {apis:?}");
    let last = out.json["steps"].as_array().unwrap().last().unwrap().clone();
    assert_eq!((last["name"].as_str(), last["status"].as_str()), (Some("ApproveChange"), Some("Failed")));

    let out = simulate(&[&base[..], &approvers, &["--approve"]].concat());
    assert_eq!((out.code, out.json["status"].as_str()), (0, Some("Success")));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn an_unmocked_call_names_the_missing_mock() {
    let dir = scratch("unmocked");
    let doc = generated("Remediate-S3-EnableDefaultEncryption");
    // Nothing mocked: the first step, a script, names the step mock it needs.
    let out = simulate(&[doc.to_str().unwrap(), "--param", "BucketName=my-bucket", "--param", ROLE]);
    assert_eq!(out.code, 1);
    let failure = out.json["steps"][0]["failure"].as_str().unwrap();
    assert!(failure.contains("step ReadEncryption has no step mock"), "{failure}");
    assert!(failure.contains("{step: ReadEncryption, outputs: {Payload: {...}}}"), "{failure}");
    // The read mocked, the fix not: the API call names the API mock it needs.
    let read =
        write(&dir, "read.yaml", "- step: ReadEncryption\n  outputs: {Payload: {Algorithm: None, Found: false}}\n");
    let out = simulate(&[
        doc.to_str().unwrap(),
        "--param",
        "BucketName=my-bucket",
        "--param",
        ROLE,
        "--mocks",
        read.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 1);
    let failed = out.json["steps"].as_array().unwrap().iter().find(|s| s["status"] == "Failed").unwrap().clone();
    let failure = failed["failure"].as_str().unwrap();
    assert!(failure.starts_with("no mock for s3 PutBucketEncryption"), "{failure}");
    assert!(failure.contains("{service: s3, api: PutBucketEncryption, response: {...}}"), "{failure}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn bad_input_is_reported_with_file_place_and_fix() {
    let dir = scratch("bad");
    let doc = generated("Remediate-S3-EnableDefaultEncryption");
    let d = doc.to_str().unwrap();

    let out = simulate(&[d, "--param", "BucketName=Not_Valid", "--param", ROLE]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("Remediate-S3-EnableDefaultEncryption.yaml: the automation would not start: parameter BucketName: `Not_Valid` does not match allowedPattern"), "{}", out.stderr);

    let out = simulate(&[d, "--param", ROLE]);
    assert!(
        out.stderr.contains("parameter BucketName is required") && out.stderr.contains("--param BucketName="),
        "{}",
        out.stderr
    );

    let bad = write(&dir, "bad-mocks.yaml", "- service: s3\n  api: PutBucketEncryption\n  error: {message: no code}\n");
    let out = simulate(&[d, "--mocks", bad.to_str().unwrap()]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("bad-mocks.yaml: [0].error: needs a string `code`"), "{}", out.stderr);

    let broken = write(&dir, "broken.yaml", "- service: [s3\n");
    let out = simulate(&[d, "--mocks", broken.to_str().unwrap()]);
    assert!(out.code == 2 && out.stderr.contains("broken.yaml:2:"), "{}", out.stderr);

    let out = simulate(&[d, "--param", "BucketName"]);
    assert!(out.code == 2 && out.stderr.contains("expected NAME=VALUE"), "{}", out.stderr);

    let out = simulate(&[dir.join("nope.yaml").to_str().unwrap()]);
    assert!(out.code == 2 && out.stderr.contains("nope.yaml: cannot read the file"), "{}", out.stderr);

    let out = simulate(&[d, "--param", "BucketName=b-1", "--param", ROLE, "--cancel-at", "Nope"]);
    assert!(out.code == 2 && out.stderr.contains("has no step named Nope"), "{}", out.stderr);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn runs_catalog_children_and_local_python_scripts() {
    let dir = scratch("child");
    let parent = write(
        &dir,
        "parent.yaml",
        r#"schemaVersion: '0.3'
parameters:
  Bucket: {type: String}
mainSteps:
  - name: Fix
    action: aws:executeAutomation
    inputs:
      DocumentName: Remediate-S3-EnableDefaultEncryption
      RuntimeParameters:
        BucketName: ['{{ Bucket }}']
        AutomationAssumeRole: ['arn:aws:iam::123456789012:role/Fix']
  - name: Report
    action: aws:executeScript
    inputs:
      Runtime: python3.11
      Handler: report
      InputPayload: {status: '{{ Fix.Status }}', bucket: '{{ Bucket }}'}
      Script: |-
        def report(events, context):
            return {"line": events["bucket"] + " " + events["status"]}
    outputs:
      - {Name: Line, Selector: $.Payload.line, Type: String}
outputs: [Report.Line]
"#,
    );
    let mocks = write(&dir, "mocks.yaml", S3_MOCKS);
    let out = simulate(&[
        parent.to_str().unwrap(),
        "--param",
        "Bucket=my-bucket",
        "--mocks",
        mocks.to_str().unwrap(),
        "--run-scripts",
    ]);
    assert_eq!(out.code, 0, "{}\n{}", out.stderr, out.json);
    assert_eq!(out.json["outputs"]["Report.Line"], "my-bucket Success");
    assert_eq!(out.json["steps"][0]["child"]["status"], "Success");
    let apis: Vec<&str> = out.json["calls"].as_array().unwrap().iter().map(|c| c["api"].as_str().unwrap()).collect();
    assert_eq!(apis, ["PutBucketEncryption", "GetBucketEncryption"], "the child's calls (its read is a step mock)");

    let script = write(&dir, "mocked.yaml", "- step: Report\n  outputs: {Payload: {line: mocked}}\n");
    let with_mock = [&S3_MOCKS[1..], &std::fs::read_to_string(&script).unwrap()].concat();
    let both = write(&dir, "both.yaml", &with_mock);
    let out = simulate(&[parent.to_str().unwrap(), "--param", "Bucket=my-bucket", "--mocks", both.to_str().unwrap()]);
    assert_eq!(out.json["outputs"]["Report.Line"], "mocked");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn cancel_at_runs_the_on_cancel_undo_instead_of_the_change() {
    let dir = scratch("cancel");
    let mocks = write(
        &dir,
        "mocks.yaml",
        "- service: ec2\n  api: DescribeInstances\n  response: {Reservations: [{Instances: [{State: {Name: running}}]}]}\n\
         - service: ec2\n  api: StartInstances\n  response: {}\n",
    );
    let doc = generated("Remediate-EC2-StopInstance");
    let out = simulate(&[
        doc.to_str().unwrap(),
        "--param",
        "InstanceId=i-0123456789abcdef0",
        "--param",
        ROLE,
        "--mocks",
        mocks.to_str().unwrap(),
        "--cancel-at",
        "StopInstance",
    ]);
    assert_eq!((out.code, out.json["status"].as_str()), (1, Some("Cancelled")), "{}", out.stderr);
    let names: Vec<&str> = out.json["steps"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["DescribeInstance", "CheckState", "StopInstance", "UndoStop"]);
    assert_eq!(out.json["steps"][2]["status"], "Cancelled");
    let apis: Vec<&str> = out.json["calls"].as_array().unwrap().iter().map(|c| c["api"].as_str().unwrap()).collect();
    assert_eq!(apis, ["DescribeInstances", "StartInstances"], "the stop is never called; onCancel starts it");
    let _ = std::fs::remove_dir_all(dir);
}
