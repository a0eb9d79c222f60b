//! Steps per second against moto (issue 14). Run:
//! `cargo bench -p cross-tests --bench emulator --profile dev` (the time is the emulator's and
//! Python's; the simulator itself is measured by runbook-dsl's `simulate` bench).
//!
//! Method: one moto server (as the tests start it), one bucket; each workload is run once to
//! warm up (the AWS helper starts), then N times; the median of 5 rounds is reported.

use cross_tests::{actions_setup, moto, versioning_api_only, ACTIONS, VERSIONING_WITH_SCRIPT};
use serde_json::json;
use std::time::Instant;

fn measure(label: &str, text: &str, params: &[(&str, String)], runs: usize, moto: &cross_tests::Moto) {
    let doc = cross_tests::doc(text);
    let mut sim = moto.simulation(&doc);
    for (k, v) in params {
        sim = sim.param(*k, v.as_str());
    }
    let warm = sim.run();
    assert_eq!(warm.status, runbook_dsl::simulate::Status::Success, "{:#}", warm.to_json());
    let mut rounds: Vec<(f64, usize, usize)> = (0..5)
        .map(|_| {
            let started = Instant::now();
            let (mut steps, mut calls) = (0, 0);
            for _ in 0..runs {
                let t = sim.run();
                assert_eq!(t.status, runbook_dsl::simulate::Status::Success, "{label}: {:#}", t.to_json());
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
    let bucket = [("BucketName", "bench-bucket".to_string())];
    measure("API steps (executeAwsApi, branch, assert)", &versioning_api_only(), &bucket, 100, moto);
    measure("a boto3 script step, a branch and an assert", VERSIONING_WITH_SCRIPT, &bucket, 10, moto);
    let (params, _) = actions_setup(moto, false);
    measure(
        "runCommand, invokeLambdaFunction, executeStateMachine, createStack, copyImage, deleteStack",
        ACTIONS,
        &params,
        10,
        moto,
    );
}
