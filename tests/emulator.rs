//! The simulator against a stateful AWS emulator (moto, started by the tests on a loopback
//! port): API steps, waits and scripts change the emulator's state, every call (scripts'
//! included) is in the trace, faults fail steps as AWS errors do, and the CLI takes
//! `--endpoint-url`.

use cross_tests::{actions_setup, doc, moto, unique, workspace, ACTIONS, VERSIONING_WITH_SCRIPT as VERSIONING};
use runbook_dsl::simulate::{Fault, Simulation, Status};
use serde_json::json;

#[test]
fn api_steps_and_scripts_change_the_emulator_and_every_call_is_traced() {
    let Some(moto) = moto() else { return };
    let aws = moto.aws();
    let bucket = moto.bucket("versioning");
    let d = doc(VERSIONING);
    let sim = moto.simulation(&d).param("BucketName", bucket.as_str());

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
    let bucket = moto.bucket("faults");
    let d = doc(VERSIONING);
    let sim = || moto.simulation(&d).param("BucketName", bucket.as_str());

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
    let bucket = moto.bucket("cli");
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
    let bucket = moto.bucket("layered");
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

#[test]
fn command_lambda_state_machine_stack_and_image_actions_make_their_calls_against_the_emulator() {
    let Some(moto) = moto() else { return };
    let aws = moto.aws();
    let (params, bucket) = actions_setup(moto, false);
    let d = doc(ACTIONS);
    let mut sim = moto.simulation(&d);
    for (k, v) in &params {
        sim = sim.param(*k, v.as_str());
    }
    let trace = sim.run();
    assert_eq!(trace.status, Status::Success, "{:#}", trace.to_json());
    let apis: Vec<(&str, &str)> = trace.calls.iter().map(|c| (c.step.as_str(), c.api.as_str())).collect();
    for expected in [
        ("Command", "SendCommand"),
        ("Command", "ListCommands"),
        ("Command", "GetCommandInvocation"),
        ("Invoke", "Invoke"),
        ("Execute", "StartExecution"),
        ("Execute", "DescribeExecution"),
        ("Stack", "CreateStack"),
        ("Stack", "DescribeStacks"),
        ("Copy", "CopyImage"),
        ("Copy", "DescribeImages"),
        ("Unstack", "DeleteStack"),
    ] {
        assert!(apis.contains(&expected), "{expected:?} not in {apis:?}");
    }
    let out = |step: &str| trace.step(step).map(|s| s.outputs.clone()).unwrap_or_default();

    // runCommand: the command is moto's, with its document and instance.
    let command = out("Command");
    assert_eq!((command["Status"].as_str(), command["ResponseCode"].as_i64()), (Some("Success"), Some(0)));
    let listed = aws.call("ssm", "ListCommands", json!({"CommandId": command["CommandId"]})).unwrap();
    assert_eq!(listed["Commands"][0]["DocumentName"], "AWS-RunShellScript");
    // (moto 5.2.1 adds every instance it has to a command without Targets: docs/simulate.md.)
    let targets = listed["Commands"][0]["InstanceIds"].as_array().cloned().unwrap_or_default();
    assert!(targets.contains(&json!(params[0].1)), "{targets:?}");

    // invokeLambdaFunction: moto without docker answers with the payload it was sent.
    let invoke = out("Invoke");
    assert_eq!(invoke["StatusCode"], 200);
    let echoed: serde_json::Value = serde_json::from_str(invoke["Echo"].as_str().unwrap_or_default()).unwrap();
    assert_eq!(echoed, json!({"instance": params[0].1}));

    // executeStateMachine: the execution ran its Pass state; its fields are the outputs.
    let execute = out("Execute");
    assert_eq!(execute["status"], "SUCCEEDED");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(execute["output"].as_str().unwrap_or("{}")).unwrap(),
        json!({"tagged": true})
    );
    let described =
        aws.call("stepfunctions", "DescribeExecution", json!({"executionArn": execute["executionArn"]})).unwrap();
    assert_eq!(described["input"], format!("{{\"instance\": \"{}\"}}", params[0].1));
    assert!(execute["startDate"].as_str().is_some_and(|d| d.ends_with('Z')), "{execute:?}");

    // createStack then deleteStack: the stack's bucket came and went; the stack is deleted.
    let stack = out("Stack");
    assert_eq!(stack["StackStatus"], "CREATE_COMPLETE");
    let gone = aws.call("cloudformation", "DescribeStacks", json!({"StackName": stack["StackId"]})).unwrap();
    assert_eq!(gone["Stacks"][0]["StackStatus"], "DELETE_COMPLETE");
    let buckets = aws.call("s3", "ListBuckets", json!({})).unwrap();
    let names: Vec<&str> =
        buckets["Buckets"].as_array().into_iter().flatten().filter_map(|b| b["Name"].as_str()).collect();
    assert!(!names.contains(&bucket.as_str()), "{names:?}");
    assert!(trace.calls.iter().any(|c| c.step == "Stack" && c.api == "CreateStack" && c.error.is_none()));

    // copyImage: a new, available image with the given name.
    let copy = out("Copy");
    assert_eq!(copy["ImageState"], "available");
    assert_ne!(copy["ImageId"], json!(params[1].1));
    let images = aws.call("ec2", "DescribeImages", json!({"ImageIds": [copy["ImageId"]]})).unwrap();
    assert_eq!(images["Images"][0]["Name"], format!("copy-{}", params[4].1));

    // Again: the same state machine runs a second execution, the stack's name is free again.
    let again = sim.run();
    assert_eq!(again.status, Status::Success, "{:#}", again.to_json());
}

#[test]
fn a_failed_execution_a_stack_that_cannot_be_made_and_an_injected_fault_fail_their_steps() {
    let Some(moto) = moto() else { return };
    let (params, _) = actions_setup(moto, true);
    let d = doc(ACTIONS);
    let sim = || {
        let mut sim = moto.simulation(&d);
        for (k, v) in &params {
            sim = sim.param(*k, v.as_str());
        }
        sim
    };
    // The state machine's Fail state: the step fails with the execution's error and cause.
    let trace = sim().run();
    assert_eq!(trace.status, Status::Failed);
    assert_eq!(trace.executed(), ["Command", "Invoke", "Execute"]);
    let failure = trace.steps[2].failure.as_deref().unwrap_or_default();
    assert!(failure.contains("ended FAILED") && failure.contains("Refused"), "{failure}");

    // A fault on SendCommand fails the first step before anything else is called.
    let trace = sim().fail(Fault::parse("ssm.SendCommand=InvalidInstanceId").unwrap()).run();
    assert_eq!(trace.executed(), ["Command"]);
    assert!(trace.steps[0].failure.as_deref().unwrap_or_default().contains("(InvalidInstanceId)"));
    assert_eq!(trace.calls.len(), 1);

    // A template moto cannot read: CreateStack fails with moto's error, after the steps before.
    let mut bad =
        moto.simulation(&d).mock(runbook_dsl::simulate::Mock::step("Execute").outputs(json!({"status": "SUCCEEDED"})));
    for (k, v) in &params {
        bad = bad.param(*k, if *k == "Template" { "{not a template" } else { v.as_str() });
    }
    let trace = bad.run();
    assert_eq!(trace.executed(), ["Command", "Invoke", "Execute", "Stack"]);
    assert_eq!(trace.status, Status::Failed);
    assert!(trace.calls.iter().any(|c| c.api == "CreateStack" && c.error.is_some()), "{:?}", trace.calls);
}

#[test]
fn a_child_automation_is_the_endpoints_document_and_runs_against_it() {
    let Some(moto) = moto() else { return };
    let aws = moto.aws();
    let bucket = moto.bucket("child");
    let name = unique("Child-EnableVersioning");
    let content = VERSIONING.to_string();
    let created = aws.call(
        "ssm",
        "CreateDocument",
        json!({"Name": name, "Content": content, "DocumentType": "Automation", "DocumentFormat": "YAML"}),
    );
    created.unwrap_or_else(|e| panic!("CreateDocument: {e}"));
    let parent = format!(
        "schemaVersion: '0.3'\nmainSteps:\n- name: Child\n  action: aws:executeAutomation\n  inputs: {{DocumentName: {name}, RuntimeParameters: {{BucketName: {bucket}}}}}\n"
    );
    let d = doc(&parent);
    let trace = moto.simulation(&d).run();
    assert_eq!(trace.status, Status::Success, "{:#}", trace.to_json());
    assert_eq!(trace.calls[0].api, "GetDocument");
    let child = trace.steps[0].child.as_deref().map(|c| c.executed()).unwrap_or_default();
    assert_eq!(child, ["Read", "Check", "Enable", "Verify"]);
    assert_eq!(aws.call("s3", "GetBucketVersioning", json!({"Bucket": bucket})).unwrap()["Status"], "Enabled");

    // A document the endpoint does not have fails the step with the endpoint's error.
    let missing = doc(&parent.replace(&name, "No-Such-Document"));
    let trace = moto.simulation(&missing).run();
    assert_eq!(trace.status, Status::Failed);
    assert!(
        trace.steps[0].failure.as_deref().unwrap_or_default().contains("(InvalidDocument)"),
        "{:?}",
        trace.steps[0]
    );
}
