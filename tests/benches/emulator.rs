//! Steps per second against moto (issue 14). Run:
//! `cargo bench -p cross-tests --bench emulator --profile dev` (the time is the emulator's and
//! Python's; the simulator itself is measured by runbook-dsl's `simulate` bench).
//!
//! Method: one moto server (as the tests start it), one bucket; each workload is run once to
//! warm up (the AWS helper starts), then N times; the median of 5 rounds is reported.

use cross_tests::moto;
use runbook_dsl::simulate::Simulation;
use serde_json::json;
use std::time::Instant;

const API_ONLY: &str = r#"
schemaVersion: '0.3'
parameters:
  BucketName: {type: String}
mainSteps:
- name: Read
  action: aws:executeAwsApi
  inputs: {Service: s3, Api: GetBucketVersioning, Bucket: '{{ BucketName }}'}
  outputs:
  - {Name: Status, Selector: $.Status, Type: String}
- name: Check
  action: aws:branch
  inputs:
    Choices:
    - {NextStep: Done, Variable: '{{ Read.Status }}', StringEquals: Enabled}
    Default: Enable
- name: Enable
  action: aws:executeAwsApi
  inputs: {Service: s3, Api: PutBucketVersioning, Bucket: '{{ BucketName }}', VersioningConfiguration: {Status: Enabled}}
- name: Done
  action: aws:assertAwsResourceProperty
  inputs: {Service: s3, Api: GetBucketVersioning, Bucket: '{{ BucketName }}', PropertySelector: $.Status, DesiredValues: [Enabled]}
"#;

const WITH_SCRIPT: &str = r#"
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
          return {'Status': boto3.client('s3').get_bucket_versioning(Bucket=events['Bucket']).get('Status', 'Disabled')}
    InputPayload: {Bucket: '{{ BucketName }}'}
  outputs:
  - {Name: Status, Selector: $.Payload.Status, Type: String}
- name: Done
  action: aws:assertAwsResourceProperty
  inputs: {Service: s3, Api: GetBucketVersioning, Bucket: '{{ BucketName }}', PropertySelector: $.Status, DesiredValues: [Enabled]}
"#;

fn measure(label: &str, text: &str, runs: usize, url: &str, python: &str) {
    let doc = runbook_dsl::read::from_str(text).expect("reads");
    let sim = Simulation::new(&doc).param("BucketName", "bench-bucket").endpoint(url).python(python).run_scripts(true);
    let warm = sim.run();
    assert_eq!(warm.status, runbook_dsl::simulate::Status::Success, "{:#}", warm.to_json());
    let mut rounds: Vec<(f64, usize, usize)> = (0..5)
        .map(|_| {
            let started = Instant::now();
            let (mut steps, mut calls) = (0, 0);
            for _ in 0..runs {
                let t = sim.run();
                steps += t.steps.len();
                calls += t.calls.len();
            }
            (started.elapsed().as_secs_f64(), steps, calls)
        })
        .collect();
    rounds.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (secs, steps, calls) = rounds[2];
    println!(
        "{label}: {runs} runs in {:.1} ms (median of 5): {:.0} steps/s, {:.0} AWS calls/s, {:.2} ms per run",
        secs * 1000.0,
        steps as f64 / secs,
        calls as f64 / secs,
        secs * 1000.0 / runs as f64
    );
}

fn main() {
    let Some(moto) = moto() else { return };
    let aws = moto.aws();
    aws.call("s3", "CreateBucket", json!({"Bucket": "bench-bucket"})).expect("bucket");
    let enabled = json!({"Bucket": "bench-bucket", "VersioningConfiguration": {"Status": "Enabled"}});
    aws.call("s3", "PutBucketVersioning", enabled).expect("versioning");
    measure("API steps (executeAwsApi, branch, assert)", API_ONLY, 100, &moto.url, &moto.python);
    measure("a boto3 script step and an assert", WITH_SCRIPT, 10, &moto.url, &moto.python);
}
