//! Simulation throughput: step executions per second for a 22-step runbook whose scenario runs
//! 20 steps through six branches, an assert, a sleep, a failing fix and its rollback.
//!
//! ```sh
//! cargo bench -p runbook-dsl --bench simulate            # release build; prints one JSON line per round
//! ```
//!
//! Method: the document is read and the simulation set up once; each round runs it back to back
//! for about one second and counts executed steps (trace entries); the median of 7 rounds is
//! reported, per wall-clock second and per second of CPU time of the benchmark thread (from
//! `/proc/thread-self/stat`, 10 ms ticks), since the machine is shared. The same scenario in the
//! peer's simulator is `benches/simulate_peer.js`.

use runbook_dsl::simulate::{Mock, Simulation, Status};
use serde_json::json;
use std::time::Instant;

/// The benchmark runbook (the peer script builds the same steps).
pub const DOC: &str = r#"
schemaVersion: '0.3'
description: Benchmark runbook with branches and rollback.
parameters:
  BucketName: {type: String, allowedPattern: '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$'}
mainSteps:
  - name: GetEncryption
    action: aws:executeAwsApi
    inputs: {Service: s3, Api: GetBucketEncryption, Bucket: '{{ BucketName }}'}
    outputs: [{Name: Algo, Selector: '$.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm', Type: String}]
  - name: CheckEncryption
    action: aws:branch
    inputs:
      Choices:
        - {NextStep: AlreadyCompliant, Variable: '{{ GetEncryption.Algo }}', StringEquals: AES256}
        - {NextStep: AlreadyCompliant, Variable: '{{ GetEncryption.Algo }}', StringEquals: 'aws:kms'}
      Default: GetVersioning
  - name: GetVersioning
    action: aws:executeAwsApi
    inputs: {Service: s3, Api: GetBucketVersioning, Bucket: '{{ BucketName }}'}
    outputs: [{Name: Status, Selector: $.Status, Type: String}]
  - name: CheckVersioning
    action: aws:branch
    inputs:
      Choices:
        - {NextStep: AlreadyCompliant, Variable: '{{ GetVersioning.Status }}', StringEquals: Disabled}
      Default: GetPolicyStatus
  - name: GetPolicyStatus
    action: aws:executeAwsApi
    inputs: {Service: s3, Api: GetBucketPolicyStatus, Bucket: '{{ BucketName }}'}
    outputs: [{Name: IsPublic, Selector: $.PolicyStatus.IsPublic, Type: Boolean}]
  - name: CheckPublic
    action: aws:branch
    inputs:
      Choices:
        - {NextStep: AlreadyCompliant, Variable: '{{ GetPolicyStatus.IsPublic }}', BooleanEquals: true}
      Default: GetTagging
  - name: GetTagging
    action: aws:executeAwsApi
    inputs: {Service: s3, Api: GetBucketTagging, Bucket: '{{ BucketName }}'}
    outputs: [{Name: Owner, Selector: '$.TagSet[0].Value', Type: String}]
  - name: CheckOwner
    action: aws:branch
    inputs:
      Choices:
        - {NextStep: GetLogging, Variable: '{{ GetTagging.Owner }}', StartsWith: team-}
      Default: AlreadyCompliant
  - name: GetLogging
    action: aws:executeAwsApi
    inputs: {Service: s3, Api: GetBucketLogging, Bucket: '{{ BucketName }}'}
    outputs: [{Name: Target, Selector: $.LoggingEnabled.TargetBucket, Type: String}]
  - name: CheckLogging
    action: aws:branch
    inputs:
      Choices:
        - {NextStep: AssertOwnership, Variable: '{{ GetLogging.Target }}', Contains: logs}
      Default: AlreadyCompliant
  - name: AssertOwnership
    action: aws:assertAwsResourceProperty
    inputs: {Service: s3, Api: GetBucketOwnershipControls, Bucket: '{{ BucketName }}', PropertySelector: '$.OwnershipControls.Rules[0].ObjectOwnership', DesiredValues: [BucketOwnerEnforced]}
  - name: GetAcl
    action: aws:executeAwsApi
    inputs: {Service: s3, Api: GetBucketAcl, Bucket: '{{ BucketName }}'}
    outputs: [{Name: Grants, Selector: $.GrantCount, Type: Integer}]
  - name: CheckAcl
    action: aws:branch
    inputs:
      Choices:
        - {NextStep: TagBeforeChange, Variable: '{{ GetAcl.Grants }}', NumericLesser: 5}
      Default: AlreadyCompliant
  - name: TagBeforeChange
    action: aws:executeAwsApi
    inputs: {Service: s3, Api: PutBucketTagging, Bucket: '{{ BucketName }}', Tagging: {TagSet: [{Key: remediation, Value: '{{ automation:EXECUTION_ID }}'}]}}
  - name: PutEncryption
    action: aws:executeAwsApi
    onFailure: step:RollbackTags
    inputs:
      Service: s3
      Api: PutBucketEncryption
      Bucket: '{{ BucketName }}'
      ServerSideEncryptionConfiguration: {Rules: [{ApplyServerSideEncryptionByDefault: {SSEAlgorithm: AES256}}]}
  - name: VerifyEncryption
    action: aws:assertAwsResourceProperty
    inputs: {Service: s3, Api: GetBucketEncryption, Bucket: '{{ BucketName }}', PropertySelector: '$.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm', DesiredValues: [AES256]}
    isEnd: true
  - name: RollbackTags
    action: aws:executeAwsApi
    inputs: {Service: s3, Api: DeleteBucketTagging, Bucket: '{{ BucketName }}'}
  - name: WaitAfterRollback
    action: aws:sleep
    inputs: {Duration: PT5S}
  - name: GetEncryptionAfter
    action: aws:executeAwsApi
    inputs: {Service: s3, Api: GetBucketEncryption, Bucket: '{{ BucketName }}'}
  - name: AssertUnchanged
    action: aws:assertAwsResourceProperty
    inputs: {Service: s3, Api: GetBucketEncryption, Bucket: '{{ BucketName }}', PropertySelector: '$.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm', DesiredValues: [None]}
  - name: Notify
    action: aws:executeAwsApi
    inputs: {Service: sns, Api: Publish, TopicArn: 'arn:aws:sns:us-east-1:123456789012:AutomationAlerts', Message: 'Rollback on {{ BucketName }}'}
    isEnd: true
  - name: AlreadyCompliant
    action: aws:assertAwsResourceProperty
    inputs: {Service: s3, Api: GetBucketEncryption, Bucket: '{{ BucketName }}', PropertySelector: '$.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm', DesiredValues: [AES256, 'aws:kms']}
    isEnd: true
"#;

fn mocks() -> Vec<Mock> {
    vec![
        Mock::api("s3", "GetBucketEncryption").responds(
            json!({"ServerSideEncryptionConfiguration": {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "None"}}]}}),
        ),
        Mock::api("s3", "GetBucketVersioning").responds(json!({"Status": "Suspended"})),
        Mock::api("s3", "GetBucketPolicyStatus").responds(json!({"PolicyStatus": {"IsPublic": false}})),
        Mock::api("s3", "GetBucketTagging").responds(json!({"TagSet": [{"Key": "owner", "Value": "team-storage"}]})),
        Mock::api("s3", "GetBucketLogging").responds(json!({"LoggingEnabled": {"TargetBucket": "central-logs"}})),
        Mock::api("s3", "GetBucketOwnershipControls")
            .responds(json!({"OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}})),
        Mock::api("s3", "GetBucketAcl").responds(json!({"GrantCount": 1})),
        Mock::api("s3", "PutBucketTagging").responds(json!({})),
        Mock::api("s3", "PutBucketEncryption").error("AccessDenied", "Access Denied"),
        Mock::api("s3", "DeleteBucketTagging").responds(json!({})),
        Mock::api("sns", "Publish").responds(json!({"MessageId": "m-1"})),
    ]
}

/// CPU seconds (user + system) used by this thread so far, when Linux tells.
fn thread_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    let after_name = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // Fields 14 and 15 of stat(5) (utime, stime); `after_name` starts at field 3.
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

fn main() {
    let doc = runbook_dsl::read::from_str(DOC).expect("the benchmark document reads");
    let sim = Simulation::new(&doc).param("BucketName", "my-bucket").mocks(mocks());
    let trace = sim.run();
    assert_eq!(trace.status, Status::Failed, "{:?}", trace.failure);
    assert_eq!(trace.steps.len(), 20, "{:?}", trace.executed());
    assert!(trace.executed().contains(&"RollbackTags"));

    let mut rates = Vec::new();
    let mut cpu_rates = Vec::new();
    for round in 0..7 {
        let cpu0 = thread_cpu_seconds();
        let start = Instant::now();
        let (mut runs, mut steps) = (0u64, 0u64);
        while start.elapsed().as_secs_f64() < 1.0 {
            for _ in 0..100 {
                let t = sim.run();
                steps += t.steps.len() as u64;
                runs += 1;
            }
        }
        let secs = start.elapsed().as_secs_f64();
        let cpu = match (cpu0, thread_cpu_seconds()) {
            (Some(a), Some(b)) if b > a => b - a,
            _ => secs,
        };
        let rate = steps as f64 / secs;
        let cpu_rate = steps as f64 / cpu;
        println!(
            "{{\"round\": {round}, \"runs\": {runs}, \"steps\": {steps}, \"wall_s\": {secs:.3}, \"cpu_s\": {cpu:.2}, \"steps_per_wall_s\": {rate:.0}, \"steps_per_cpu_s\": {cpu_rate:.0}, \"us_per_run_cpu\": {:.2}}}",
            cpu * 1e6 / runs as f64
        );
        rates.push(rate);
        cpu_rates.push(cpu_rate);
    }
    rates.sort_by(|a, b| a.total_cmp(b));
    cpu_rates.sort_by(|a, b| a.total_cmp(b));
    println!(
        "median steps/s: {:.0} per wall-clock second, {:.0} per CPU second (20 steps per run)",
        rates[rates.len() / 2],
        cpu_rates[cpu_rates.len() / 2]
    );
}
