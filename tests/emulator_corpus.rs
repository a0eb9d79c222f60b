//! Real Automation documents from `../shared/corpus/automation`, not ours, against moto with
//! an endpoint and their scripts run: the resources each needs are made in moto first, the
//! run must succeed, the emulator's state must show the document's effect, and every call the
//! document makes (its scripts' boto3 calls included) must be in the trace.
//!
//! The selection covers `aws:executeAwsApi`, `aws:assertAwsResourceProperty`,
//! `aws:waitForAwsResourceProperty`, `aws:branch`, `aws:changeInstanceState` and
//! `aws:executeScript` with boto3 (IAM paginators, RDS tags, a cross-Region image copy) over six
//! services, from four sources (ASR, ASEA, AWS's user guide, chaos-ssm, awslabs):
//!
//! | document | actions | effect checked in moto |
//! |---|---|---|
//! | `asr/EnableKeyRotation.yaml` | executeAwsApi, assert | the key rotates |
//! | `asr/EnableEncryptionForSQSQueue.yaml` | executeAwsApi ×2, wait | the queue's KMS key |
//! | `asea/ssm-patching-role-tagging.yaml` | script (iam `ListRoles` pages), executeAwsApi | the role's tag |
//! | `awsdocs-ssm-guide/automation-document-backup-maintenance-example.1.yaml` | executeAwsApi, wait, script (ec2 `CopyImage` to another Region) | the image and its copy in us-east-1 |
//! | `chaos-ssm/reboot-rds.yml` | executeAwsApi, script (rds tags), branch, assert, executeAwsApi, wait | the reboot, the instance available |
//! | `awslabs-ssm/aws-StopEC2Instance.json` | changeInstanceState ×2 | the instance stopped |

use cross_tests::{moto, shared, unique, Moto};
use runbook_dsl::simulate::{Aws, Status, Trace};
use serde_json::{json, Value};

const ROLE: &str = "arn:aws:iam::123456789012:role/AutomationRole";

/// One document: where it is, the Region it runs in, the resources it needs (its parameters),
/// the calls it must make (in order, scripts' included) and the state it must leave.
struct Case {
    path: &'static str,
    region: &'static str,
    setup: fn(&Aws) -> Vec<(&'static str, Value)>,
    calls: &'static [&'static str],
    check: fn(&Moto, &Aws, &[(&'static str, Value)], &Trace),
}

fn call(aws: &Aws, service: &str, api: &str, params: Value) -> Value {
    aws.call(service, api, params).unwrap_or_else(|e| panic!("{service} {api}: {e}"))
}

fn instance(aws: &Aws) -> Value {
    let run = json!({"ImageId": "ami-12c6146b", "InstanceType": "t2.micro", "MinCount": 1, "MaxCount": 1});
    call(aws, "ec2", "RunInstances", run)["Instances"][0]["InstanceId"].clone()
}

const CASES: &[Case] = &[
    Case {
        path: "asr/EnableKeyRotation.yaml",
        region: "us-east-1",
        setup: |aws| {
            let key = call(aws, "kms", "CreateKey", json!({"Description": unique("corpus-rotation")}));
            vec![("KeyId", key["KeyMetadata"]["KeyId"].clone())]
        },
        calls: &["EnableKeyRotation", "GetKeyRotationStatus"],
        check: |_, aws, p, _| {
            let status = call(aws, "kms", "GetKeyRotationStatus", json!({"KeyId": p[0].1}));
            assert_eq!(status["KeyRotationEnabled"], true);
        },
    },
    Case {
        path: "asr/EnableEncryptionForSQSQueue.yaml",
        region: "us-east-1",
        setup: |aws| {
            let key = call(aws, "kms", "CreateKey", json!({"Description": unique("corpus-sqs")}));
            let name = unique("corpus-queue");
            call(aws, "sqs", "CreateQueue", json!({"QueueName": name}));
            vec![("SQSQueueName", json!(name)), ("KmsKeyArn", key["KeyMetadata"]["Arn"].clone())]
        },
        calls: &["GetQueueUrl", "SetQueueAttributes", "GetQueueAttributes"],
        check: |_, aws, p, _| {
            let url = call(aws, "sqs", "GetQueueUrl", json!({"QueueName": p[0].1}))["QueueUrl"].clone();
            let attrs = call(aws, "sqs", "GetQueueAttributes", json!({"QueueUrl": url, "AttributeNames": ["All"]}));
            assert_eq!(attrs["Attributes"]["KmsMasterKeyId"], p[1].1);
        },
    },
    Case {
        path: "asea/ssm-patching-role-tagging.yaml",
        region: "us-east-1",
        setup: |aws| {
            let trust = json!({"Version": "2012-10-17", "Statement": []}).to_string();
            let role = call(
                aws,
                "iam",
                "CreateRole",
                json!({"RoleName": unique("corpus-role"), "AssumeRolePolicyDocument": trust}),
            );
            vec![
                ("RoleId", role["Role"]["RoleId"].clone()),
                ("QSConfigID", json!("qs1")),
                ("Name", role["Role"]["RoleName"].clone()),
            ]
        },
        calls: &["ListRoles", "TagRole"],
        check: |_, aws, p, _| {
            let tags = call(aws, "iam", "ListRoleTags", json!({"RoleName": p[2].1}));
            assert_eq!(tags["Tags"], json!([{"Key": "QSConfigId-qs1", "Value": "qs1"}]));
        },
    },
    Case {
        path: "awsdocs-ssm-guide/automation-document-backup-maintenance-example.1.yaml",
        region: "us-west-2",
        setup: |aws| vec![("InstanceId", instance(aws))],
        calls: &["CreateImage", "DescribeImages", "CopyImage"],
        check: |moto, aws, p, trace| {
            let image = trace.step("createImage").map(|s| s.outputs["newImageId"].clone()).unwrap_or_default();
            let own = call(aws, "ec2", "DescribeImages", json!({"ImageIds": [image]}));
            assert_eq!(
                own["Images"][0]["Name"],
                format!("Automation Image for {}", p[0].1.as_str().unwrap_or_default())
            );
            // The script copies the image into us-east-1 (its client's Region).
            let east = moto.aws().region("us-east-1");
            let name = format!("DR Copy for {}", image.as_str().unwrap_or_default());
            let copies = call(&east, "ec2", "DescribeImages", json!({"Filters": [{"Name": "name", "Values": [name]}]}));
            assert_eq!(copies["Images"].as_array().map(Vec::len), Some(1), "{copies}");
        },
    },
    Case {
        path: "chaos-ssm/reboot-rds.yml",
        region: "us-east-1",
        setup: |aws| {
            let name = unique("corpus-db");
            call(
                aws,
                "rds",
                "CreateDBInstance",
                json!({"DBInstanceIdentifier": name, "DBInstanceClass": "db.t3.micro", "Engine": "mysql", "AllocatedStorage": 20,
                       "MasterUsername": "admin", "MasterUserPassword": "password123", "Tags": [{"Key": "chaos", "Value": "allowed"}]}),
            );
            vec![("InstanceId", json!(name)), ("TagName", json!("chaos")), ("TagValue", json!("allowed"))]
        },
        calls: &[
            "DescribeDBInstances",
            "ListTagsForResource",
            "DescribeDBInstances",
            "RebootDBInstance",
            "DescribeDBInstances",
        ],
        check: |_, aws, p, trace| {
            assert_eq!(trace.step("GetRdsTags").map(|s| s.outputs["AssertTag"].clone()), Some(json!(true)));
            let db = call(aws, "rds", "DescribeDBInstances", json!({"DBInstanceIdentifier": p[0].1}));
            assert_eq!(db["DBInstances"][0]["DBInstanceStatus"], "available");
        },
    },
    Case {
        path: "awslabs-ssm/aws-StopEC2Instance.json",
        region: "us-east-1",
        setup: |aws| vec![("InstanceId", instance(aws))],
        calls: &["StopInstances", "DescribeInstances", "StopInstances", "DescribeInstances"],
        check: |_, aws, p, _| {
            let described = call(aws, "ec2", "DescribeInstances", json!({"InstanceIds": [p[0].1]}));
            assert_eq!(described["Reservations"][0]["Instances"][0]["State"]["Name"], "stopped");
        },
    },
];

/// Whether `expected` appears in `apis` in order (other calls may come between).
fn in_order(apis: &[&str], expected: &[&str]) -> bool {
    let mut it = apis.iter();
    expected.iter().all(|e| it.any(|a| a == e))
}

#[test]
fn real_documents_run_against_the_emulator_with_their_scripts_and_leave_their_effect() {
    let Some(moto) = moto() else { return };
    let Some(corpus) = shared("corpus/automation") else { return };
    let mut failures = Vec::new();
    for case in CASES {
        let path = corpus.join(case.path);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let doc = runbook_dsl::read::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", case.path));
        let aws = moto.aws().region(case.region);
        let params = (case.setup)(&aws);
        let mut sim = moto.simulation(&doc).region(case.region);
        for (name, value) in &params {
            if doc.parameters.contains_key(*name) {
                sim = sim.param(*name, value.clone());
            }
        }
        if doc.parameters.contains_key("AutomationAssumeRole") {
            sim = sim.param("AutomationAssumeRole", ROLE);
        }
        let trace = sim.run();
        if trace.status != Status::Success {
            failures.push(format!("{} ended {}: {:?}", case.path, trace.status, trace.failure));
            continue;
        }
        let apis: Vec<&str> = trace.calls.iter().map(|c| c.api.as_str()).collect();
        if !in_order(&apis, case.calls) {
            failures.push(format!("{}: calls {apis:?} lack {:?} in that order", case.path, case.calls));
        }
        if let Some(c) = trace.calls.iter().find(|c| c.error.is_some()) {
            failures.push(format!("{}: a call failed: {c:?}", case.path));
        }
        (case.check)(moto, &aws, &params, &trace);
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
