//! The simulator against a stateful AWS emulator (moto, started by the tests on a loopback
//! port): API steps, waits and scripts change the emulator's state, every call (scripts'
//! included) is in the trace, faults fail steps as AWS errors do, and the CLI takes
//! `--endpoint-url`.

use cross_tests::{moto, workspace};
use runbook_dsl::model::Document;
use runbook_dsl::simulate::{Fault, Simulation, Status};
use serde_json::json;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A name no other test uses (moto's state is shared by every test of the binary).
pub fn unique(prefix: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    format!("{prefix}-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed))
}

const VERSIONING: &str = r#"
schemaVersion: '0.3'
parameters:
  BucketName: {type: String}
mainSteps:
- name: Read
  action: aws:executeScript
  inputs:
    Runtime: python3.11
    Handler: handler
    Script: |
      import boto3
      def handler(events, context):
          s3 = boto3.client('s3')
          return {'Status': s3.get_bucket_versioning(Bucket=events['Bucket']).get('Status', 'Disabled')}
    InputPayload: {Bucket: '{{ BucketName }}'}
  outputs:
  - {Name: Status, Selector: $.Payload.Status, Type: String}
- name: Check
  action: aws:branch
  inputs:
    Choices:
    - {NextStep: AlreadyEnabled, Variable: '{{ Read.Status }}', StringEquals: Enabled}
    Default: Enable
- name: Enable
  action: aws:executeAwsApi
  inputs: {Service: s3, Api: PutBucketVersioning, Bucket: '{{ BucketName }}', VersioningConfiguration: {Status: Enabled}}
- name: Verify
  action: aws:waitForAwsResourceProperty
  timeoutSeconds: 60
  inputs: {Service: s3, Api: GetBucketVersioning, Bucket: '{{ BucketName }}', PropertySelector: $.Status, DesiredValues: [Enabled]}
  isEnd: true
- name: AlreadyEnabled
  action: aws:assertAwsResourceProperty
  inputs: {Service: s3, Api: GetBucketVersioning, Bucket: '{{ BucketName }}', PropertySelector: $.Status, DesiredValues: [Enabled]}
"#;

fn doc(text: &str) -> Document {
    runbook_dsl::read::from_str(text).expect("the test document reads")
}

#[test]
fn api_steps_and_scripts_change_the_emulator_and_every_call_is_traced() {
    let Some(moto) = moto() else { return };
    let aws = moto.aws();
    let bucket = unique("versioning");
    aws.call("s3", "CreateBucket", json!({"Bucket": bucket})).unwrap();
    let d = doc(VERSIONING);
    let sim = Simulation::new(&d)
        .param("BucketName", bucket.as_str())
        .endpoint(&moto.url)
        .python(&moto.python)
        .run_scripts(true);

    let trace = sim.run();
    assert_eq!(trace.status, Status::Success, "{:#}", trace.to_json());
    assert_eq!(trace.executed(), ["Read", "Check", "Enable", "Verify"]);
    let calls: Vec<(&str, &str)> = trace.calls.iter().map(|c| (c.step.as_str(), c.api.as_str())).collect();
    assert_eq!(
        calls,
        [("Read", "GetBucketVersioning"), ("Enable", "PutBucketVersioning"), ("Verify", "GetBucketVersioning")]
    );
    assert_eq!(aws.call("s3", "GetBucketVersioning", json!({"Bucket": bucket})).unwrap()["Status"], "Enabled");

    // Compliant now: the second run makes no mutating call, the script's read included.
    let again = sim.run();
    assert_eq!(again.status, Status::Success);
    assert_eq!(again.executed(), ["Read", "Check", "AlreadyEnabled"]);
    assert!(again.mutating_calls().is_empty(), "{:?}", again.mutating_calls());
    assert_eq!(again.calls.len(), 2);
}

#[test]
fn injected_faults_fail_api_calls_and_scripts_calls_and_leave_the_state_alone() {
    let Some(moto) = moto() else { return };
    let aws = moto.aws();
    let bucket = unique("faults");
    aws.call("s3", "CreateBucket", json!({"Bucket": bucket})).unwrap();
    let d = doc(VERSIONING);
    let sim = || {
        Simulation::new(&d)
            .param("BucketName", bucket.as_str())
            .endpoint(&moto.url)
            .python(&moto.python)
            .run_scripts(true)
    };

    let trace = sim().fail(Fault::parse("s3.PutBucketVersioning=AccessDenied").unwrap()).run();
    assert_eq!(trace.status, Status::Failed);
    let failure = trace.steps[2].failure.as_deref().unwrap_or_default();
    assert!(
        failure.starts_with("An error occurred (AccessDenied) when calling the PutBucketVersioning operation"),
        "{failure}"
    );
    assert!(aws.call("s3", "GetBucketVersioning", json!({"Bucket": bucket})).unwrap().get("Status").is_none());

    // The first call of GetBucketVersioning is the script's: it fails inside the script.
    let trace = sim().fail(Fault::new("s3", "GetBucketVersioning").with_code("SlowDown").at(1)).run();
    assert_eq!(trace.status, Status::Failed);
    assert_eq!(trace.steps.len(), 1);
    assert!(trace.steps[0].failure.as_deref().unwrap_or_default().contains("SlowDown"), "{:?}", trace.steps[0]);
    assert_eq!(trace.calls[0].error.as_deref().map(|e| e.contains("(SlowDown)")), Some(true));

    // @2 is the wait's first poll, after the script's read: the wait step fails.
    let trace = sim().fail(Fault::parse("s3.GetBucketVersioning=Throttling@2").unwrap()).run();
    assert_eq!(trace.status, Status::Failed);
    assert_eq!(trace.executed(), ["Read", "Check", "Enable", "Verify"]);
}

#[test]
fn aws_errors_timestamps_numbers_and_instance_states_come_from_the_emulator() {
    let Some(moto) = moto() else { return };
    let d = doc(r#"
schemaVersion: '0.3'
parameters:
  BucketName: {type: String}
mainSteps:
- name: Missing
  action: aws:executeAwsApi
  onFailure: Continue
  inputs: {Service: s3, Api: GetBucketEncryption, Bucket: '{{ BucketName }}'}
- name: Run
  action: aws:runInstances
  inputs: {ImageId: ami-12c6146b, InstanceType: t2.micro, MinInstanceCount: '1'}
- name: Describe
  action: aws:executeAwsApi
  inputs: {Service: ec2, Api: DescribeInstances, InstanceIds: '{{ Run.InstanceIds }}'}
  outputs:
  - {Name: LaunchTime, Selector: '$.Reservations[0].Instances[0].LaunchTime', Type: String}
  - {Name: LaunchIndex, Selector: '$.Reservations[0].Instances[0].AmiLaunchIndex', Type: Integer}
- name: Stop
  action: aws:changeInstanceState
  inputs: {InstanceIds: '{{ Run.InstanceIds }}', DesiredState: stopped}
- name: Stopped
  action: aws:assertAwsResourceProperty
  inputs: {Service: ec2, Api: DescribeInstances, InstanceIds: '{{ Run.InstanceIds }}', PropertySelector: '$.Reservations[0].Instances[0].State.Name', DesiredValues: [stopped]}
"#);
    let trace =
        Simulation::new(&d).param("BucketName", unique("nobucket")).endpoint(&moto.url).python(&moto.python).run();
    assert_eq!(trace.status, Status::Success, "{:#}", trace.to_json());
    assert!(
        trace.steps[0].failure.as_deref().unwrap_or_default().contains("(NoSuchBucket)"),
        "{:?}",
        trace.steps[0].failure
    );
    let launch = trace.steps[2].outputs["LaunchTime"].as_str().unwrap_or_default().to_string();
    assert!(launch.len() == 24 && launch.ends_with('Z') && launch.contains('T'), "{launch}");
    assert!(trace.steps[2].outputs["LaunchIndex"].is_i64());
    let apis: Vec<&str> = trace.calls.iter().filter(|c| c.step == "Stop").map(|c| c.api.as_str()).collect();
    assert_eq!(apis.first(), Some(&"StopInstances"));
}

#[test]
fn the_cli_runs_a_document_against_the_emulator() {
    let Some(moto) = moto() else { return };
    let aws = moto.aws();
    let bucket = unique("cli");
    aws.call("s3", "CreateBucket", json!({"Bucket": bucket})).unwrap();
    let dir = std::env::temp_dir().join(unique("runbook-emulator-cli"));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("versioning.yaml");
    std::fs::write(&path, VERSIONING).unwrap();
    let run = |extra: &[&str]| {
        let out = std::process::Command::new(env!("CARGO"))
            .current_dir(workspace())
            .args(["run", "--quiet", "--bin", "runbook", "--", "simulate"])
            .arg(&path)
            .args(["--param", &format!("BucketName={bucket}"), "--endpoint-url", &moto.url, "--python", &moto.python])
            .args(["--run-scripts", "--region", "us-east-1"])
            .args(extra)
            .output()
            .unwrap();
        let trace: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
        (out.status.code(), trace, String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let (code, trace, err) = run(&["--fail", "s3.PutBucketVersioning=AccessDenied@1"]);
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(trace["status"], "Failed");
    let (code, trace, err) = run(&[]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(trace["calls"][0]["step"], "Read");
    assert_eq!(aws.call("s3", "GetBucketVersioning", json!({"Bucket": bucket})).unwrap()["Status"], "Enabled");
    let (code, _, err) = run(&["--fail", "PutBucketVersioning"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("--fail `PutBucketVersioning`: no service before the operation"), "{err}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn image_and_tag_actions_make_their_calls_against_the_emulator() {
    let Some(moto) = moto() else { return };
    let d = doc(r#"
schemaVersion: '0.3'
parameters:
  Name: {type: String}
  InstanceId: {type: String}
mainSteps:
- name: Launch
  action: aws:runInstances
  inputs: {ImageId: ami-12c6146b, InstanceType: t2.micro}
- name: Tag
  action: aws:createTags
  inputs: {ResourceIds: '{{ Launch.InstanceIds }}', Tags: [{Key: Owner, Value: security}]}
- name: Image
  action: aws:createImage
  inputs: {InstanceId: '{{ InstanceId }}', ImageName: '{{ Name }}', NoReboot: true}
- name: Delete
  action: aws:deleteImage
  inputs: {ImageId: '{{ Image.ImageId }}'}
"#);
    let aws = moto.aws();
    let run = json!({"ImageId": "ami-12c6146b", "InstanceType": "t2.micro", "MinCount": 1, "MaxCount": 1});
    let source = aws.call("ec2", "RunInstances", run).unwrap()["Instances"][0]["InstanceId"].clone();
    let trace = Simulation::new(&d)
        .param("Name", unique("image"))
        .param("InstanceId", source)
        .endpoint(&moto.url)
        .python(&moto.python)
        .run();
    assert_eq!(trace.status, Status::Success, "{:#}", trace.to_json());
    let apis: Vec<&str> = trace.calls.iter().map(|c| c.api.as_str()).collect();
    assert_eq!(apis[0], "RunInstances");
    assert!(
        apis.contains(&"CreateTags") && apis.contains(&"CreateImage") && apis.contains(&"DeregisterImage"),
        "{apis:?}"
    );
    let id = trace.steps[0].outputs["InstanceIds"][0].clone();
    assert_eq!(trace.steps[0].outputs["InstanceStates"], json!(["running"]));
    let tags = aws.call("ec2", "DescribeTags", json!({"Filters": [{"Name": "resource-id", "Values": [id]}]})).unwrap();
    assert_eq!(tags["Tags"][0]["Value"], "security");
    assert_eq!(trace.steps[2].outputs["ImageState"], "available");
    let image = trace.steps[2].outputs["ImageId"].clone();
    let images = aws.call("ec2", "DescribeImages", json!({"ImageIds": [image]}));
    assert!(images.map_or(true, |v| v["Images"].as_array().is_none_or(Vec::is_empty)), "the image is deregistered");
}

#[test]
fn a_mock_layered_over_the_endpoint_answers_what_it_matches_and_the_rest_goes_through() {
    let Some(moto) = moto() else { return };
    let aws = moto.aws();
    let bucket = unique("layered");
    aws.call("s3", "CreateBucket", json!({"Bucket": bucket})).unwrap();
    let d = doc(VERSIONING);
    let trace = Simulation::new(&d)
        .param("BucketName", bucket.as_str())
        .endpoint(&moto.url)
        .python(&moto.python)
        .mock(runbook_dsl::simulate::Mock::step("Read").outputs(json!({"Payload": {"Status": "Suspended"}})))
        .mock(
            runbook_dsl::simulate::Mock::api("s3", "PutBucketVersioning")
                .when(json!({"Bucket": "someone-else"}))
                .responds(json!({})),
        )
        .run();
    assert_eq!(trace.status, Status::Success, "{:#}", trace.to_json());
    // The step mock stood in for the script; PutBucketVersioning (no matching mock) reached moto.
    assert_eq!(aws.call("s3", "GetBucketVersioning", json!({"Bucket": bucket})).unwrap()["Status"], "Enabled");
}
