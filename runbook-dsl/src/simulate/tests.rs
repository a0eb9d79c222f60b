//! Flow rules and actions, each on a small document read from YAML.

use super::*;
use crate::model::Document;
use serde_json::json;

fn doc(yaml: &str) -> Document {
    crate::read::from_str(&format!("schemaVersion: '0.3'\n{yaml}")).expect("test document reads")
}

fn api_ok(service: &str, api: &str) -> Mock {
    Mock::api(service, api).responds(json!({}))
}

// ---- parameters ----

const PARAMS: &str = r#"
parameters:
  Bucket: {type: String, allowedPattern: '^[a-z0-9.-]{3,63}$'}
  Mode: {type: String, default: fast, allowedValues: [fast, slow]}
  Ids: {type: StringList, default: [], maxItems: 2}
  Count: {type: Integer, default: 1}
  Name: {type: String, default: x, minChars: 1, maxChars: 3}
mainSteps:
  - name: Call
    action: aws:executeAwsApi
    inputs: {Service: s3, Api: PutThing, Bucket: '{{ Bucket }}', Mode: '{{ Mode }}', Ids: '{{ Ids }}', Count: '{{ Count }}'}
"#;

#[test]
fn parameters_get_defaults_types_and_validation() {
    let d = doc(PARAMS);
    let t = Simulation::new(&d)
        .param("Bucket", "my-bucket")
        .param("Ids", "i-1, i-2")
        .param("Count", "7")
        .mock(api_ok("s3", "PutThing"))
        .run();
    assert_eq!(t.status, Status::Success, "{t:?}");
    assert_eq!(t.calls[0].input, json!({"Bucket": "my-bucket", "Mode": "fast", "Ids": ["i-1", "i-2"], "Count": 7}));

    let rejected = |sim: Simulation| {
        let t = sim.mock(api_ok("s3", "PutThing")).run();
        assert_eq!(t.status, Status::Failed);
        assert!(t.steps.is_empty() && t.calls.is_empty());
        t.failure.unwrap()
    };
    assert!(rejected(Simulation::new(&d)).contains("parameter Bucket is required"));
    assert!(rejected(Simulation::new(&d).param("Bucket", "B!")).contains("does not match allowedPattern"));
    assert!(rejected(Simulation::new(&d).param("Bucket", "bb1").param("Mode", "medium"))
        .contains("not one of the allowed values"));
    assert!(
        rejected(Simulation::new(&d).param("Bucket", "bb1").param("Ids", json!(["a", "b", "c"]))).contains("3 items")
    );
    assert!(rejected(Simulation::new(&d).param("Bucket", "bb1").param("Count", "many")).contains("is not a Integer"));
    assert!(rejected(Simulation::new(&d).param("Bucket", "bb1").param("Name", "long")).contains("4 characters"));
    assert!(rejected(Simulation::new(&d).param("Bucket", "bb1").param("Other", "x")).contains("Other is not declared"));
}

#[test]
fn a_java_only_pattern_is_not_checked_and_the_trace_says_so() {
    let d = doc(r#"
parameters:
  Name: {type: String, allowedPattern: '^(?!.*--)[a-z][a-z0-9-]{0,62}(?<!-)$'}
mainSteps:
  - {name: Hold, action: aws:pause, inputs: {}}
"#);
    let t = Simulation::new(&d).param("Name", "a--b").resume_pauses().run();
    assert_eq!(t.status, Status::Success);
    assert_eq!(t.warnings.len(), 1);
    assert!(t.warnings[0].contains("cannot check (lookaround or backreferences)"), "{:?}", t.warnings);
    assert!(t.to_json()["warnings"].is_array());
}

// ---- substitution and outputs ----

#[test]
fn references_builtins_and_string_lists_resolve_in_inputs() {
    let d = doc(r#"
parameters:
  Ids: {type: StringList}
mainSteps:
  - name: Describe
    action: aws:executeAwsApi
    inputs: {Service: ec2, Api: DescribeInstances, InstanceIds: ['{{ Ids }}']}
    outputs:
      - {Name: Ids, Selector: '$..InstanceId', Type: StringList}
      - {Name: First, Selector: '$.Reservations[0].Instances[0]', Type: StringMap}
      - {Name: Count, Selector: '$.Count', Type: Integer}
      - {Name: Ok, Selector: '$.Ok', Type: Boolean}
      - {Name: All, Selector: '$.Reservations[0].Instances', Type: MapList}
  - name: Tag
    action: aws:executeAwsApi
    inputs:
      Service: ec2
      Api: CreateTags
      Resources: '{{ Describe.Ids }}'
      Tags: [{Key: fixed-by, Value: '{{ automation:EXECUTION_ID }} in {{ global:REGION }}/{{ global:ACCOUNT_ID }} ({{ Describe.Count }})'}]
outputs: [Describe.Ids, Describe.First, Describe.Count, Describe.Ok]
"#);
    let resp = json!({"Reservations": [{"Instances": [{"InstanceId": "i-1"}, {"InstanceId": "i-2"}]}], "Count": "2", "Ok": "true"});
    let t = Simulation::new(&d)
        .param("Ids", json!(["i-1", "i-2"]))
        .mock(Mock::api("ec2", "DescribeInstances").when(json!({"InstanceIds": ["i-1", "i-2"]})).responds(resp))
        .mock(api_ok("ec2", "CreateTags"))
        .run();
    assert_eq!(t.status, Status::Success, "{:?}", t.failure);
    assert_eq!(t.calls[1].input["Resources"], json!(["i-1", "i-2"]));
    assert_eq!(
        t.calls[1].input["Tags"][0]["Value"],
        "00000000-0000-4000-8000-000000000001 in us-east-1/123456789012 (2)"
    );
    assert_eq!(
        Value::Object(t.outputs.clone()),
        json!({"Describe.Ids": ["i-1", "i-2"], "Describe.First": {"InstanceId": "i-1"}, "Describe.Count": 2, "Describe.Ok": true})
    );
    assert_eq!(t.step("Describe").unwrap().outputs["All"], json!([{"InstanceId": "i-1"}, {"InstanceId": "i-2"}]));
    assert_eq!(t.step("Tag").unwrap().inputs["Resources"], json!(["i-1", "i-2"]));
}

#[test]
fn an_output_of_the_wrong_type_fails_the_step_and_a_missing_one_fails_its_reader() {
    let d = doc(r#"
mainSteps:
  - name: Get
    action: aws:executeAwsApi
    inputs: {Service: s3, Api: GetThing}
    outputs: [{Name: N, Selector: '$.N', Type: Integer}, {Name: Gone, Selector: '$.Gone', Type: String}]
  - name: Use
    action: aws:executeAwsApi
    inputs: {Service: s3, Api: PutThing, Value: '{{ Get.Gone }}'}
"#);
    let t = Simulation::new(&d).mock(Mock::api("s3", "GetThing").responds(json!({"N": "seven"}))).run();
    assert_eq!(t.status, Status::Failed);
    assert_eq!(
        t.step("Get").unwrap().failure.as_deref(),
        Some("output N (selector `$.N`) selected \"seven\", which is not a Integer")
    );
    let t = Simulation::new(&d)
        .mock(Mock::api("s3", "GetThing").responds(json!({"N": 7})))
        .mock(api_ok("s3", "PutThing"))
        .run();
    assert_eq!(t.executed(), ["Get", "Use"]);
    assert!(t.step("Use").unwrap().failure.as_ref().unwrap().contains("step Get has not produced output Gone"));
    assert!(t.calls_to("s3", "PutThing").is_empty());
}

// ---- branch and flow ----

const BRANCHY: &str = r#"
parameters:
  Algo: {type: String}
  Size: {type: Integer, default: 5}
  Flag: {type: Boolean, default: false}
mainSteps:
  - name: Choose
    action: aws:branch
    inputs:
      Choices:
        - NextStep: Both
          And:
            - {Variable: '{{ Algo }}', StartsWith: aws}
            - {Variable: '{{ Size }}', NumericGreaterOrEquals: 10}
        - NextStep: Either
          Or:
            - {Variable: '{{ Algo }}', EqualsIgnoreCase: aes256}
            - {Variable: '{{ Flag }}', BooleanEquals: true}
        - NextStep: Negated
          Not: {Variable: '{{ Algo }}', Contains: x}
      Default: Fallback
  - name: Both
    action: aws:pause
    inputs: {}
    isEnd: true
  - name: Either
    action: aws:pause
    inputs: {}
    nextStep: Last
  - name: Negated
    action: aws:pause
    inputs: {}
    isEnd: true
  - name: Fallback
    action: aws:pause
    inputs: {}
  - name: Last
    action: aws:pause
    inputs: {}
"#;

#[test]
fn branch_and_or_not_default_next_step_is_end_and_end_of_list() {
    let d = doc(BRANCHY);
    let run = |algo: &str, size: i64, flag: bool| {
        let t = Simulation::new(&d).param("Algo", algo).param("Size", size).param("Flag", flag).resume_pauses().run();
        assert_eq!(t.status, Status::Success, "{:?}", t.failure);
        t.executed().into_iter().map(String::from).collect::<Vec<_>>()
    };
    assert_eq!(run("aws:kms", 10, false), ["Choose", "Both"]);
    assert_eq!(run("aws:kms", 9, false), ["Choose", "Negated"]);
    assert_eq!(run("AES256", 1, false), ["Choose", "Either", "Last"]);
    assert_eq!(run("xx", 1, true), ["Choose", "Either", "Last"]);
    assert_eq!(run("xx", 1, false), ["Choose", "Fallback", "Last"]);
}

#[test]
fn a_branch_without_default_goes_to_the_next_listed_step() {
    let d = doc(r#"
mainSteps:
  - name: Choose
    action: aws:branch
    inputs:
      Choices: [{NextStep: Far, Variable: 'a', StringEquals: b}]
  - name: Near
    action: aws:pause
    inputs: {}
    isEnd: true
  - name: Far
    action: aws:pause
    inputs: {}
"#);
    assert_eq!(Simulation::new(&d).resume_pauses().run().executed(), ["Choose", "Near"]);
}

const FAILING: &str = r#"
mainSteps:
  - name: Fix
    action: aws:executeAwsApi
    inputs: {Service: s3, Api: PutThing}
    ONFAILURE
  - name: After
    action: aws:executeAwsApi
    inputs: {Service: s3, Api: GetThing}
    isEnd: true
  - name: Rollback
    action: aws:executeAwsApi
    inputs: {Service: s3, Api: DeleteThing}
"#;

fn failing(props: &str) -> Trace {
    let d = doc(&FAILING.replace("ONFAILURE", props));
    Simulation::new(&d)
        .mock(Mock::api("s3", "PutThing").error("AccessDenied", "not allowed"))
        .mock(api_ok("s3", "GetThing"))
        .mock(api_ok("s3", "DeleteThing"))
        .run()
}

#[test]
fn on_failure_and_is_critical_follow_the_status_matrix() {
    let t = failing("onFailure: Abort");
    assert_eq!((t.status, t.executed()), (Status::Failed, vec!["Fix"]));
    assert_eq!(
        t.failure.as_deref(),
        Some(
            "step Fix ended Failed: An error occurred (AccessDenied) when calling the PutThing operation: not allowed"
        )
    );
    assert_eq!(t.calls[0].error.as_deref().map(|e| e.contains("AccessDenied")), Some(true));

    let t = failing("onFailure: Continue");
    assert_eq!((t.status, t.executed()), (Status::Success, vec!["Fix", "After"]));
    assert_eq!(t.step("Fix").unwrap().status, Status::Failed);

    let t = failing("onFailure: Continue\n    isCritical: true");
    assert_eq!((t.status, t.executed()), (Status::Failed, vec!["Fix", "After"]));

    let t = failing("onFailure: step:Rollback");
    assert_eq!((t.status, t.executed()), (Status::Failed, vec!["Fix", "Rollback"]));
    assert_eq!(t.step("Rollback").unwrap().status, Status::Success);

    let t = failing("onFailure: step:Rollback\n    isCritical: false");
    assert_eq!((t.status, t.executed()), (Status::Success, vec!["Fix", "Rollback"]));
}

#[test]
fn max_attempts_retries_with_the_next_scripted_response() {
    let d = doc(&FAILING.replace("ONFAILURE", "maxAttempts: 3"));
    let t = Simulation::new(&d)
        .mock(Mock::api("s3", "PutThing").error("Throttling", "slow down").then_responds(json!({})))
        .mock(api_ok("s3", "GetThing"))
        .run();
    assert_eq!(t.status, Status::Success);
    assert_eq!(t.step("Fix").unwrap().attempts, 2);
    assert_eq!(t.calls_to("s3", "PutThing").len(), 2);

    let t = Simulation::new(&d).mock(Mock::api("s3", "PutThing").error("Throttling", "slow down")).run();
    assert_eq!((t.status, t.step("Fix").unwrap().attempts), (Status::Failed, 3));
}

#[test]
fn unmocked_calls_fail_the_step_naming_the_missing_mock() {
    let t = failing("onFailure: Abort").clone();
    assert!(t.status == Status::Failed);
    let d = doc(&FAILING.replace("ONFAILURE", ""));
    let t = Simulation::new(&d).run();
    let f = t.step("Fix").unwrap().failure.clone().unwrap();
    assert!(
        f.starts_with("no mock for s3 PutThing (input {}); add Mock::api(\"s3\", \"PutThing\").responds(...)"),
        "{f}"
    );
    assert_eq!(t.calls[0].error.as_deref(), Some(f.as_str()));
}

#[test]
fn a_flow_that_runs_in_circles_is_stopped() {
    let d = doc(r#"
mainSteps:
  - name: A
    action: aws:pause
    inputs: {}
    nextStep: B
  - name: B
    action: aws:pause
    inputs: {}
    nextStep: A
"#);
    let t = Simulation::new(&d).resume_pauses().run();
    assert_eq!(t.status, Status::Failed);
    assert!(t.failure.unwrap().contains("runs in circles"));
}

// ---- cancellation and timeouts ----

const CANCELLABLE: &str = r#"
mainSteps:
  - name: Fix
    action: aws:executeAwsApi
    inputs: {Service: s3, Api: PutThing}
  - name: Wait
    action: aws:sleep
    inputs: {Duration: PT10M}
    ONCANCEL
  - name: Done
    action: aws:executeAwsApi
    inputs: {Service: s3, Api: GetThing}
    isEnd: true
  - name: Undo
    action: aws:executeAwsApi
    inputs: {Service: s3, Api: DeleteThing}
"#;

#[test]
fn cancel_runs_the_on_cancel_workflow_and_ends_cancelled() {
    let mocks = [api_ok("s3", "PutThing"), api_ok("s3", "GetThing"), api_ok("s3", "DeleteThing")];
    let d = doc(&CANCELLABLE.replace("ONCANCEL", "onCancel: step:Undo"));
    let t = Simulation::new(&d).mocks(mocks.clone()).cancel_at("Wait").run();
    assert_eq!(t.status, Status::Cancelled);
    assert_eq!(t.executed(), ["Fix", "Wait", "Undo"]);
    assert_eq!(t.step("Wait").unwrap().status, Status::Cancelled);
    assert_eq!(t.calls_to("s3", "DeleteThing").len(), 1);

    let d = doc(&CANCELLABLE.replace("ONCANCEL", ""));
    let t = Simulation::new(&d).mocks(mocks).cancel_at("Wait").run();
    assert_eq!((t.status, t.executed()), (Status::Cancelled, vec!["Fix", "Wait"]));
}

#[test]
fn the_cancellation_workflow_stops_after_two_minutes() {
    let d = doc(r#"
mainSteps:
  - {name: Hold, action: aws:pause, inputs: {}, onCancel: 'step:Undo'}
  - {name: Undo, action: aws:executeAwsApi, inputs: {Service: s3, Api: DeleteThing}}
  - {name: SlowUndo, action: aws:sleep, inputs: {Duration: PT5M}}
  - {name: TooLate, action: aws:executeAwsApi, inputs: {Service: s3, Api: DeleteOther}}
"#);
    let t =
        Simulation::new(&d).mock(api_ok("s3", "DeleteThing")).mock(api_ok("s3", "DeleteOther")).cancel_at("Hold").run();
    assert_eq!(t.status, Status::Cancelled);
    assert_eq!(t.executed(), ["Hold", "Undo", "SlowUndo"]);
    assert!(t.calls_to("s3", "DeleteOther").is_empty());
}

#[test]
fn timeouts_run_on_the_virtual_clock() {
    let d = doc(r#"
mainSteps:
  - name: Wait
    action: aws:waitForAwsResourceProperty
    timeoutSeconds: 60
    inputs: {Service: rds, Api: DescribeDBInstances, PropertySelector: '$.DBInstances[0].DBInstanceStatus', DesiredValues: [available]}
"#);
    let creating = json!({"DBInstances": [{"DBInstanceStatus": "creating"}]});
    let start = std::time::Instant::now();
    let t = Simulation::new(&d).mock(Mock::api("rds", "DescribeDBInstances").responds(creating.clone())).run();
    assert!(start.elapsed().as_secs() < 5);
    assert_eq!(t.status, Status::TimedOut);
    assert_eq!(t.elapsed_seconds, 60);
    assert_eq!(t.calls.len(), 13, "a poll at 0, 5, ..., 60 s");
    assert!(t.failure.unwrap().contains("still selected \"creating\""));

    let t = Simulation::new(&d)
        .mock(
            Mock::api("rds", "DescribeDBInstances")
                .responds(creating.clone())
                .then_responds(creating.clone())
                .then_responds(json!({"DBInstances": [{"DBInstanceStatus": "available"}]})),
        )
        .run();
    assert_eq!((t.status, t.elapsed_seconds, t.calls.len()), (Status::Success, 10, 3));

    // With retries, a step is TimedOut only when every try timed out.
    let d = doc(r#"
mainSteps:
  - name: Wait
    action: aws:waitForAwsResourceProperty
    timeoutSeconds: 10
    maxAttempts: 2
    inputs: {Service: rds, Api: DescribeDBInstances, PropertySelector: '$.DBInstances[0].DBInstanceStatus', DesiredValues: [available]}
"#);
    let failing_then_slow =
        Mock::api("rds", "DescribeDBInstances").error("Throttling", "slow").then_responds(creating.clone());
    let t = Simulation::new(&d).mock(failing_then_slow).run();
    assert_eq!((t.status, t.step("Wait").unwrap().attempts), (Status::Failed, 2));
    let t = Simulation::new(&d).mock(Mock::api("rds", "DescribeDBInstances").responds(creating.clone())).run();
    assert_eq!((t.status, t.elapsed_seconds), (Status::TimedOut, 20));

    let d = doc("mainSteps:\n  - {name: Nap, action: aws:sleep, timeoutSeconds: 30, inputs: {Duration: PT1M}, onFailure: 'step:After', isCritical: false}\n  - {name: After, action: aws:pause, inputs: {}}\n");
    let t = Simulation::new(&d).resume_pauses().run();
    assert_eq!(t.step("Nap").unwrap().status, Status::TimedOut);
    assert_eq!((t.status, t.elapsed_seconds), (Status::Success, 30));
}

// ---- actions ----

#[test]
fn assert_passes_or_fails_on_the_selected_value() {
    let d = doc(r#"
mainSteps:
  - name: Check
    action: aws:assertAwsResourceProperty
    inputs: {Service: ec2, Api: DescribeVolumes, VolumeIds: [v-1], PropertySelector: '$.Volumes[0].Encrypted', DesiredValues: ['True']}
"#);
    let with = |enc: bool| {
        Simulation::new(&d)
            .mock(Mock::api("ec2", "DescribeVolumes").responds(json!({"Volumes": [{"Encrypted": enc}]})))
            .run()
    };
    assert_eq!(with(true).status, Status::Success);
    let t = with(false);
    assert_eq!(
        t.step("Check").unwrap().failure.as_deref(),
        Some("`$.Volumes[0].Encrypted` selected false; expected one of [\"True\"]")
    );
    assert_eq!(t.calls[0].input, json!({"VolumeIds": ["v-1"]}));
}

const STOP: &str = r#"
mainSteps:
  - name: Stop
    action: aws:changeInstanceState
    inputs: {InstanceIds: [i-1], DesiredState: stopped, CHECK}
"#;

fn described(state: &str) -> Value {
    json!({"Reservations": [{"Instances": [{"InstanceId": "i-1", "State": {"Name": state}}]}]})
}

#[test]
fn change_instance_state_calls_ec2_and_polls_until_the_state_is_reached() {
    let d = doc(&STOP.replace(", CHECK", ""));
    let t = Simulation::new(&d)
        .mock(api_ok("ec2", "StopInstances"))
        .mock(Mock::api("ec2", "DescribeInstances").responds(described("stopping")).then_responds(described("stopped")))
        .run();
    assert_eq!(t.status, Status::Success, "{:?}", t.failure);
    let apis: Vec<&str> = t.calls.iter().map(|c| c.api.as_str()).collect();
    assert_eq!(apis, ["StopInstances", "DescribeInstances", "DescribeInstances"]);
    assert_eq!(t.calls[0].input, json!({"InstanceIds": ["i-1"]}));
    assert_eq!(t.elapsed_seconds, POLL_SECONDS);

    let d = doc(&STOP.replace("CHECK", "CheckStateOnly: true"));
    let t = Simulation::new(&d).mock(Mock::api("ec2", "DescribeInstances").responds(described("stopped"))).run();
    assert_eq!((t.status, t.mutating_calls().len()), (Status::Success, 0));

    let t = Simulation::new(&d).mock(Mock::step("Stop").outputs(json!({}))).run();
    assert_eq!((t.status, t.calls.len()), (Status::Success, 0));

    let d = doc(&STOP.replace(", CHECK", "").replace("inputs:", "timeoutSeconds: 20\n    inputs:"));
    let t = Simulation::new(&d)
        .mock(api_ok("ec2", "StopInstances"))
        .mock(Mock::api("ec2", "DescribeInstances").responds(described("stopping")))
        .run();
    assert_eq!((t.status, t.elapsed_seconds), (Status::TimedOut, 20));
}

#[test]
fn sleep_pause_and_approve_use_the_virtual_clock_and_the_script() {
    let d = doc(r#"
mainSteps:
  - {name: Nap, action: aws:sleep, inputs: {Duration: PT1H}}
  - {name: Until, action: aws:sleep, inputs: {Timestamp: '2024-01-01T02:00:00Z'}}
  - {name: Hold, action: aws:pause, inputs: {}}
  - name: Ask
    action: aws:approve
    inputs: {Approvers: ['arn:aws:iam::123456789012:role/Boss'], Message: ok?}
    outputs: []
  - {name: Fix, action: aws:executeAwsApi, inputs: {Service: s3, Api: PutThing}}
"#);
    let sim = || Simulation::new(&d).mock(api_ok("s3", "PutThing"));
    let t = sim().resume("Hold").approve().run();
    assert_eq!(t.status, Status::Success, "{:?}", t.failure);
    assert_eq!(t.elapsed_seconds, 7200);
    assert_eq!(t.step("Until").unwrap().started_at, 3600);
    assert_eq!(t.step("Ask").unwrap().outputs["ApprovalStatus"], "Approved");

    let t = sim().resume_pauses().reject().run();
    assert_eq!((t.status, t.mutating_calls().len()), (Status::Failed, 0));
    assert_eq!(
        t.step("Ask").unwrap().failure.as_deref(),
        Some("the approval was rejected by arn:aws:iam::123456789012:role/Boss")
    );

    let t = sim().resume_pauses().reject().decide("Ask", true).run();
    assert_eq!(t.status, Status::Success);

    let t = sim().resume_pauses().run();
    assert_eq!((t.status, t.elapsed_seconds), (Status::TimedOut, 7200 + 604_800));

    let t = sim().approve().run();
    assert_eq!(t.status, Status::Failed);
    assert!(t.step("Hold").unwrap().failure.as_ref().unwrap().contains(".resume(\"Hold\")"));
}

const PARENT: &str = r#"
parameters:
  Id: {type: String}
mainSteps:
  - name: RunChild
    action: aws:executeAutomation
    inputs: {DocumentName: Child-Doc, RuntimeParameters: {Target: ['{{ Id }}']}}
  - name: Use
    action: aws:executeAwsApi
    inputs: {Service: s3, Api: PutThing, From: '{{ RunChild.Output }}', Status: '{{ RunChild.Status }}'}
"#;

const CHILD: &str = r#"
parameters:
  Target: {type: String}
mainSteps:
  - name: Get
    action: aws:executeAwsApi
    inputs: {Service: s3, Api: GetThing, Name: '{{ Target }}'}
    outputs: [{Name: Size, Selector: '$.Size', Type: Integer}]
outputs: [Get.Size]
"#;

#[test]
fn execute_automation_runs_a_child_document_or_a_step_mock() {
    let parent = doc(PARENT);
    let child = doc(CHILD);
    let t = Simulation::new(&parent)
        .param("Id", "abc")
        .child("Child-Doc", &child)
        .mock(Mock::api("s3", "GetThing").when(json!({"Name": "abc"})).responds(json!({"Size": 42})))
        .mock(api_ok("s3", "PutThing"))
        .run();
    assert_eq!(t.status, Status::Success, "{:?}", t.failure);
    let run_child = t.step("RunChild").unwrap();
    assert_eq!(run_child.child.as_ref().unwrap().outputs["Get.Size"], 42);
    assert_eq!(t.calls.last().unwrap().input, json!({"From": ["42"], "Status": "Success"}));

    let t = Simulation::new(&parent).param("Id", "abc").child("Child-Doc", &child).run();
    assert_eq!(t.status, Status::Failed);
    assert!(t
        .step("RunChild")
        .unwrap()
        .failure
        .as_ref()
        .unwrap()
        .starts_with("child automation Child-Doc ended Failed"));

    let t = Simulation::new(&parent)
        .param("Id", "abc")
        .mock(Mock::step("RunChild").outputs(json!({"Status": "Success", "Output": ["1"]})))
        .mock(api_ok("s3", "PutThing"))
        .run();
    assert_eq!(t.calls[0].input["From"], json!(["1"]));

    let t = Simulation::new(&parent).param("Id", "abc").run();
    assert!(t.step("RunChild").unwrap().failure.as_ref().unwrap().contains("no child document `Child-Doc`"));
}

const SCRIPT: &str = r#"
mainSteps:
  - name: Count
    action: aws:executeScript
    inputs:
      Runtime: python3.11
      Handler: handler
      InputPayload: {Rules: [a, b, c]}
      Script: |-
        def handler(events, context):
            print("noise")
            return {"count": len(events["Rules"]), "first": events["Rules"][0]}
    outputs: [{Name: Count, Selector: '$.Payload.count', Type: Integer}]
"#;

#[test]
fn execute_script_uses_a_step_mock_or_runs_python() {
    let d = doc(SCRIPT);
    let t = Simulation::new(&d).mock(Mock::step("Count").outputs(json!({"Payload": {"count": 9}}))).run();
    assert_eq!(t.step("Count").unwrap().outputs["Count"], 9);

    let t = Simulation::new(&d).run();
    assert!(t.step("Count").unwrap().failure.as_ref().unwrap().contains("--run-scripts"));

    let t = Simulation::new(&d).run_scripts(true).run();
    assert_eq!(t.status, Status::Success, "{:?} (python3 is needed for this test)", t.failure);
    let out = &t.step("Count").unwrap().outputs;
    assert_eq!(out["Count"], 3);
    assert_eq!(out["Payload"], json!({"count": 3, "first": "a"}));

    let broken = doc(&SCRIPT.replace("len(events[\"Rules\"])", "1 / 0"));
    let t = Simulation::new(&broken).run_scripts(true).run();
    assert_eq!(
        t.step("Count").unwrap().failure.as_deref(),
        Some("the script failed: ZeroDivisionError: division by zero")
    );
}

#[test]
fn loops_iterate_update_variables_and_stop_on_their_condition() {
    let d = doc(r#"
variables:
  Seen: {type: StringList, default: []}
  Total: {type: Integer, default: 0}
parameters:
  Ids: {type: StringList}
mainSteps:
  - name: Each
    action: aws:loop
    inputs:
      Iterators: '{{ Ids }}'
      Steps:
        - name: Tag
          action: aws:executeAwsApi
          inputs: {Service: ec2, Api: CreateTags, Resources: ['{{ Each.CurrentIteratorValue }}'], N: '{{ Each.CurrentIteration }}'}
  - name: Count
    action: aws:loop
    inputs:
      MaxIterations: 10
      LoopCondition: {Variable: '{{ Count.CurrentIteration }}', NumericLesser: 3}
      Steps:
        - name: Bump
          action: aws:updateVariable
          inputs: {Name: 'variable:Total', Value: '{{ Count.CurrentIteration }}'}
  - name: Report
    action: aws:executeAwsApi
    inputs: {Service: s3, Api: PutThing, Total: '{{ variable:Total }}'}
  - name: Bad
    action: aws:updateVariable
    inputs: {Name: 'variable:Total', Value: three}
"#);
    let t = Simulation::new(&d)
        .param("Ids", "i-1,i-2")
        .mock(api_ok("ec2", "CreateTags"))
        .mock(api_ok("s3", "PutThing"))
        .run();
    let tags: Vec<Value> = t.calls_to("ec2", "CreateTags").iter().map(|c| c.input.clone()).collect();
    assert_eq!(tags, [json!({"Resources": ["i-1"], "N": 1}), json!({"Resources": ["i-2"], "N": 2})]);
    assert_eq!(t.steps.iter().filter(|s| s.name == "Bump").count(), 3);
    assert_eq!(t.calls_to("s3", "PutThing")[0].input, json!({"Total": 3}));
    assert_eq!(t.step("Tag").unwrap().iteration, Some(2));
    assert_eq!(t.status, Status::Failed);
    assert_eq!(
        t.step("Bad").unwrap().failure.as_deref(),
        Some("variable `Total` is a Integer and cannot take \"three\"")
    );
    assert_eq!(t.executed().first(), Some(&"Each"));
}

#[test]
fn other_actions_need_a_step_mock() {
    let d = doc(r#"
mainSteps:
  - name: Run
    action: aws:runCommand
    inputs: {DocumentName: AWS-RunShellScript, InstanceIds: [i-1], Parameters: {commands: [uptime]}}
    outputs: [{Name: Out, Selector: '$.Output', Type: String}]
"#);
    let t = Simulation::new(&d).run();
    assert!(t.step("Run").unwrap().failure.as_ref().unwrap().contains("add Mock::step(\"Run\")"));
    let t =
        Simulation::new(&d).mock(Mock::step("Run").outputs(json!({"Status": "Success", "Output": "up 3 days"}))).run();
    assert_eq!(t.status, Status::Success);
    assert_eq!(t.step("Run").unwrap().outputs["Status"], "Success");
    assert_eq!(t.step("Run").unwrap().outputs["Out"], "up 3 days");
}

#[test]
fn runs_are_repeatable_and_the_trace_is_json() {
    let d = doc(&FAILING.replace("ONFAILURE", "onFailure: step:Rollback"));
    let sim = Simulation::new(&d)
        .mock(Mock::api("s3", "PutThing").error("AccessDenied", "no"))
        .mock(api_ok("s3", "DeleteThing"));
    let a = sim.run();
    assert_eq!(a, sim.run());
    let j = a.to_json();
    assert_eq!(j["status"], "Failed");
    assert_eq!(j["steps"][1]["name"], "Rollback");
    assert_eq!(j["steps"][0]["attempts"], 1);
    assert_eq!(
        j["calls"][0],
        json!({"service": "s3", "api": "PutThing", "input": {}, "step": "Fix", "error": "An error occurred (AccessDenied) when calling the PutThing operation: no"})
    );
}

#[test]
fn stack_command_and_state_machine_actions_make_their_calls_and_poll_on_the_virtual_clock() {
    let d = doc(r#"
mainSteps:
  - name: Stack
    action: aws:createStack
    inputs: {StackName: s, TemplateBody: '{}'}
  - name: Run
    action: aws:runCommand
    inputs: {DocumentName: AWS-RunShellScript, InstanceIds: [i-1], Parameters: {commands: [uptime]}}
  - name: Execute
    action: aws:executeStateMachine
    inputs: {stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:m'}
"#);
    let stack = |status: &str| json!({"Stacks": [{"StackName": "s", "StackId": "id-1", "StackStatus": status}]});
    let sim = Simulation::new(&d)
        .mock(Mock::api("cloudformation", "CreateStack").responds(json!({"StackId": "id-1"})))
        .mock(
            Mock::api("cloudformation", "DescribeStacks")
                .responds(stack("CREATE_IN_PROGRESS"))
                .then_responds(stack("CREATE_COMPLETE")),
        )
        .mock(Mock::api("ssm", "SendCommand").responds(json!({"Command": {"CommandId": "c-1"}})))
        .mock(
            Mock::api("ssm", "ListCommands").responds(json!({"Commands": [{"CommandId": "c-1", "Status": "Success"}]})),
        )
        .mock(
            Mock::api("ssm", "GetCommandInvocation")
                .responds(json!({"ResponseCode": 0, "StandardOutputContent": "up 3 days", "Status": "Success"})),
        )
        .mock(Mock::api("stepfunctions", "StartExecution").responds(json!({"executionArn": "e-1"})))
        .mock(
            Mock::api("stepfunctions", "DescribeExecution")
                .responds(json!({"executionArn": "e-1", "status": "TIMED_OUT"})),
        );
    let t = sim.run();
    assert_eq!(
        t.step("Stack").unwrap().outputs,
        json!({"StackId": "id-1", "StackStatus": "CREATE_COMPLETE"}).as_object().unwrap().clone()
    );
    assert_eq!(t.calls_to("cloudformation", "DescribeStacks").len(), 2);
    let run = &t.step("Run").unwrap().outputs;
    assert_eq!((run["Output"].as_str(), run["ResponseCode"].as_i64()), (Some("up 3 days"), Some(0)));
    assert_eq!(t.status, Status::Failed);
    assert_eq!(t.step("Execute").unwrap().failure.as_deref(), Some("the execution e-1 ended TIMED_OUT"));
    assert!(t.elapsed_seconds >= POLL_SECONDS);
}
