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
/// The approval topic the templates create (its name starts with `Automation`, as AWS requires).
const TOPIC: &str = "arn:aws:sns:eu-west-1:123456789012:AutomationApprovals";

/// What the standard scenarios of one runbook need.
struct Fixture {
    /// Parameters (`AutomationAssumeRole`, and `Approvers` where the document declares it, are
    /// added).
    params: Vec<(&'static str, Value)>,
    /// The resource is already compliant.
    compliant: Vec<Mock>,
    /// The resource is non-compliant and the fix works (reads after the fix see it fixed).
    noncompliant: Vec<Mock>,
    /// The resource is non-compliant and the fixing call fails.
    fix_fails: Vec<Mock>,
    /// The mutating call that fixes the resource (in `fix_fails`, its first failed call).
    fix: (&'static str, &'static str),
}

/// `situation` first (its mocks win over the shared ones), then `shared`.
fn with(situation: Vec<Mock>, shared: &[Mock]) -> Vec<Mock> {
    situation.into_iter().chain(shared.iter().cloned()).collect()
}

fn api(service: &str, op: &str) -> Mock {
    Mock::api(service, op)
}

const ACCOUNT: &str = "123456789012";
const DBI: &str = "db-ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// The fixture of a catalog runbook, by its base name (without `-WithApproval`).
fn fixture(base: &str) -> Option<Fixture> {
    let caller = || api("sts", "GetCallerIdentity").responds(json!({"Account": ACCOUNT}));
    match base {
        "Remediate-S3-EnableDefaultEncryption" => {
            let encrypted = |algo: &str| json!({"ServerSideEncryptionConfiguration": {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": algo}}]}});
            let get = || api("s3", "GetBucketEncryption").when(json!({"Bucket": "my-bucket"}));
            let missing = (
                "ServerSideEncryptionConfigurationNotFoundError",
                "The server side encryption configuration was not found",
            );
            Some(Fixture {
                params: vec![("BucketName", json!("my-bucket"))],
                compliant: vec![get().responds(encrypted("aws:kms"))],
                noncompliant: vec![
                    get().error(missing.0, missing.1).then_responds(encrypted("AES256")),
                    api("s3", "PutBucketEncryption").responds(json!({})),
                ],
                fix_fails: vec![
                    get().error(missing.0, missing.1),
                    api("s3", "PutBucketEncryption").error("AccessDenied", "Access Denied"),
                ],
                fix: ("s3", "PutBucketEncryption"),
            })
        }
        "Remediate-EC2-StopInstance" => {
            let described = |state: &str| json!({"Reservations": [{"Instances": [{"InstanceId": "i-0123456789abcdef0", "State": {"Name": state}}]}]});
            let describe = || api("ec2", "DescribeInstances").when(json!({"InstanceIds": ["i-0123456789abcdef0"]}));
            Some(Fixture {
                params: vec![("InstanceId", json!("i-0123456789abcdef0"))],
                compliant: vec![describe().responds(described("stopped"))],
                noncompliant: vec![
                    describe().responds(described("running")).then_responds(described("stopped")),
                    api("ec2", "StopInstances").responds(json!({"StoppingInstances": []})),
                ],
                fix_fails: vec![
                    describe().responds(described("running")),
                    api("ec2", "StopInstances").error("UnauthorizedOperation", "not authorized"),
                ],
                fix: ("ec2", "StopInstances"),
            })
        }
        "Remediate-EC2-RevokeOpenIngress" | "Remediate-EC2-RevokeOpenSsh" => {
            // Both scripts call AWS through boto3, so they are step mocks here.
            let found = |n: usize| {
                let ids: Vec<String> = (0..n).map(|i| format!("sgr-0{i}")).collect();
                let perms: Vec<Value> = (0..n)
                    .map(|_| json!({"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}))
                    .collect();
                json!({"Payload": {"OpenRuleCount": n, "RuleIds": ids, "IpPermissions": perms}})
            };
            let group = api("ec2", "DescribeSecurityGroups")
                .responds(json!({"SecurityGroups": [{"GroupId": "sg-0123456789abcdef0"}]}));
            Some(Fixture {
                params: vec![("SecurityGroupId", json!("sg-0123456789abcdef0"))],
                compliant: vec![Mock::step("FindOpenRules").outputs(found(0)), group],
                noncompliant: vec![
                    Mock::step("FindOpenRules").outputs(found(1)),
                    api("ec2", "RevokeSecurityGroupIngress").responds(json!({"Return": true})),
                    Mock::step("VerifyNoOpenRules").outputs(found(0)),
                ],
                fix_fails: vec![
                    Mock::step("FindOpenRules").outputs(found(2)),
                    api("ec2", "RevokeSecurityGroupIngress").error("UnauthorizedOperation", "not authorized"),
                    // The undo records; it never authorizes the world-open rules again.
                    api("ec2", "CreateTags").responds(json!({})),
                ],
                fix: ("ec2", "RevokeSecurityGroupIngress"),
            })
        }
        "Remediate-EBS-EnableEncryptionByDefault" => {
            let get = || api("ec2", "GetEbsEncryptionByDefault");
            let on = json!({"EbsEncryptionByDefault": true});
            let off = json!({"EbsEncryptionByDefault": false});
            Some(Fixture {
                params: vec![("AccountId", json!(ACCOUNT))],
                compliant: vec![caller(), get().responds(on.clone())],
                noncompliant: vec![
                    caller(),
                    get().responds(off.clone()).then_responds(on.clone()),
                    api("ec2", "EnableEbsEncryptionByDefault").responds(on),
                ],
                fix_fails: vec![
                    caller(),
                    get().responds(off.clone()),
                    api("ec2", "EnableEbsEncryptionByDefault").error("UnauthorizedOperation", "not authorized"),
                    api("ec2", "DisableEbsEncryptionByDefault").responds(off),
                ],
                fix: ("ec2", "EnableEbsEncryptionByDefault"),
            })
        }
        "Remediate-CloudTrail-EnableMultiRegionTrail" => {
            let trail = |on: bool| json!({"Trail": {"Name": "org-trail", "IsMultiRegionTrail": on, "LogFileValidationEnabled": on, "IncludeGlobalServiceEvents": on}});
            let status = |on: bool| json!({"IsLogging": on});
            let get = || api("cloudtrail", "GetTrail").when(json!({"Name": "org-trail"}));
            let get_status = || api("cloudtrail", "GetTrailStatus").when(json!({"Name": "org-trail"}));
            Some(Fixture {
                params: vec![
                    ("AccountId", json!(ACCOUNT)),
                    ("TrailName", json!("org-trail")),
                    ("BucketName", json!("org-trail-logs")),
                ],
                compliant: vec![caller(), get().responds(trail(true)), get_status().responds(status(true))],
                noncompliant: vec![
                    caller(),
                    get().responds(trail(false)).then_responds(trail(true)),
                    get_status().responds(status(false)).then_responds(status(true)),
                    api("cloudtrail", "UpdateTrail").responds(json!({})),
                    api("cloudtrail", "StartLogging").responds(json!({})),
                ],
                fix_fails: vec![
                    caller(),
                    get().responds(trail(false)),
                    get_status().responds(status(false)),
                    // The fix fails; the undo (the same operation with the old values) works.
                    api("cloudtrail", "UpdateTrail")
                        .error("InsufficientS3BucketPolicyException", "bucket policy")
                        .then_responds(json!({})),
                ],
                fix: ("cloudtrail", "UpdateTrail"),
            })
        }
        "Remediate-KMS-EnableKeyRotation" => {
            let get = || api("kms", "GetKeyRotationStatus");
            Some(Fixture {
                params: vec![("KeyId", json!("1234abcd-12ab-34cd-56ef-1234567890ab"))],
                compliant: vec![get().responds(json!({"KeyRotationEnabled": true}))],
                noncompliant: vec![
                    get()
                        .responds(json!({"KeyRotationEnabled": false}))
                        .then_responds(json!({"KeyRotationEnabled": true})),
                    api("kms", "EnableKeyRotation").responds(json!({})),
                ],
                fix_fails: vec![
                    get().responds(json!({"KeyRotationEnabled": false})),
                    api("kms", "EnableKeyRotation").error("AccessDeniedException", "not allowed"),
                    api("kms", "DisableKeyRotation").responds(json!({})),
                ],
                fix: ("kms", "EnableKeyRotation"),
            })
        }
        "Remediate-RDS-DisablePublicAccess" => {
            let db = |public: bool| json!({"DBInstances": [{"DBInstanceIdentifier": "orders-db", "PubliclyAccessible": public}]});
            let describe = || api("rds", "DescribeDBInstances");
            Some(Fixture {
                params: vec![("DbiResourceId", json!(DBI))],
                compliant: vec![describe().responds(db(false))],
                noncompliant: vec![
                    describe().responds(db(true)).then_responds(db(false)),
                    api("rds", "ModifyDBInstance").responds(json!({})),
                ],
                fix_fails: vec![
                    describe().responds(db(true)),
                    api("rds", "ModifyDBInstance")
                        .error("InvalidDBInstanceState", "not available")
                        .then_responds(json!({})),
                ],
                fix: ("rds", "ModifyDBInstance"),
            })
        }
        "Remediate-S3-EnableBucketVersioning" => {
            // The read is a boto3 script (a never-versioned bucket has no `Status`): a step mock.
            let read = |status: &str| {
                Mock::step("ReadVersioning").outputs(json!({"Payload": {"Status": status, "Plan": "mocked"}}))
            };
            let get = || api("s3", "GetBucketVersioning").when(json!({"Bucket": "my-bucket"}));
            Some(Fixture {
                params: vec![("BucketName", json!("my-bucket"))],
                compliant: vec![read("Enabled"), get().responds(json!({"Status": "Enabled"}))],
                noncompliant: vec![
                    read("Disabled"),
                    api("s3", "PutBucketVersioning").responds(json!({})),
                    get().responds(json!({"Status": "Enabled"})),
                ],
                fix_fails: vec![
                    read("Suspended"),
                    // The fix fails on every attempt; the undo (the same operation, `Suspended`) works.
                    api("s3", "PutBucketVersioning")
                        .when(json!({"VersioningConfiguration": {"Status": "Enabled"}}))
                        .error("AccessDenied", "Access Denied"),
                    api("s3", "PutBucketVersioning").responds(json!({})),
                ],
                fix: ("s3", "PutBucketVersioning"),
            })
        }
        "Remediate-S3-BlockPublicAccess" => {
            let read = |blocked: bool| {
                let previous = json!({"BlockPublicAcls": blocked, "IgnorePublicAcls": blocked, "BlockPublicPolicy": blocked, "RestrictPublicBuckets": blocked});
                Mock::step("ReadPublicAccessBlock").outputs(json!({"Payload": {"AllBlocked": blocked, "Existed": blocked, "Previous": previous.to_string(), "Plan": "mocked"}}))
            };
            let all_on = json!({"PublicAccessBlockConfiguration": {"BlockPublicAcls": true, "IgnorePublicAcls": true, "BlockPublicPolicy": true, "RestrictPublicBuckets": true}});
            let get = || api("s3", "GetPublicAccessBlock").when(json!({"Bucket": "my-bucket"}));
            Some(Fixture {
                params: vec![("BucketName", json!("my-bucket"))],
                compliant: vec![read(true), get().responds(all_on.clone())],
                noncompliant: vec![
                    read(false),
                    api("s3", "PutPublicAccessBlock").responds(json!({})),
                    get().responds(all_on),
                ],
                fix_fails: vec![
                    read(false),
                    api("s3", "PutPublicAccessBlock").error("AccessDenied", "Access Denied"),
                    // The undo is a boto3 script (restore or delete): a step mock.
                    Mock::step("UndoPutPublicAccessBlock")
                        .outputs(json!({"Payload": {"Restored": "no configuration"}})),
                ],
                fix: ("s3", "PutPublicAccessBlock"),
            })
        }
        "Remediate-IAM-AttachManagedPolicy" => {
            const POLICY: &str = "arn:aws:iam::aws:policy/SecurityAudit";
            let resolve = || {
                api("config", "ListDiscoveredResources").responds(
                    json!({"resourceIdentifiers": [{"resourceType": "AWS::IAM::Role", "resourceName": "app-role"}]}),
                )
            };
            // The read lists every page with boto3: a step mock.
            let list = |arns: &[&str]| {
                Mock::step("ReadRolePolicies")
                    .outputs(json!({"Payload": {"Attached": arns.contains(&POLICY), "PolicyArns": arns}}))
            };
            Some(Fixture {
                params: vec![("IAMResourceId", json!("AROAJQABLZS4A3QDU576Q")), ("PolicyArn", json!(POLICY))],
                compliant: vec![
                    resolve(),
                    list(&[POLICY]),
                    api("iam", "GetRole").responds(json!({"Role": {"RoleName": "app-role"}})),
                ],
                noncompliant: vec![
                    resolve(),
                    list(&[]),
                    api("iam", "AttachRolePolicy").responds(json!({})),
                    // The verification lists every page with boto3: a step mock.
                    Mock::step("VerifyRolePolicy").outputs(json!({"Payload": {"Attached": true}})),
                ],
                fix_fails: vec![
                    resolve(),
                    list(&[]),
                    api("iam", "AttachRolePolicy").error("AccessDenied", "not authorized"),
                    api("iam", "DetachRolePolicy").responds(json!({})),
                ],
                fix: ("iam", "AttachRolePolicy"),
            })
        }
        "Remediate-EBS-EncryptVolume" => Some(ebs_encrypt_volume()),
        "Remediate-RDS-EncryptInstance" => Some(rds_encrypt_instance()),
        _ => None,
    }
}

/// Snapshot, encrypted copy, new volume, swap at the instance (stopped and restarted).
fn ebs_encrypt_volume() -> Fixture {
    const OLD: &str = "vol-0aaaaaaaaaaaaaaa0";
    const NEW: &str = "vol-0bbbbbbbbbbbbbbb0";
    let instance = "i-0123456789abcdef0";
    let volume = |encrypted: bool, state: &str, attachment: &str| {
        json!({"Volumes": [{"VolumeId": OLD, "Encrypted": encrypted, "State": state, "AvailabilityZone": "us-east-1a",
            "VolumeType": "gp3", "Attachments": [{"InstanceId": instance, "Device": "/dev/xvdf", "State": attachment}]}]})
    };
    let old = || api("ec2", "DescribeVolumes").when(json!({"VolumeIds": [OLD]}));
    let new = || api("ec2", "DescribeVolumes").when(json!({"VolumeIds": [NEW]}));
    let described =
        |state: &str| json!({"Reservations": [{"Instances": [{"InstanceId": instance, "State": {"Name": state}}]}]});
    let completed = json!({"Snapshots": [{"State": "completed"}]});
    let shared = vec![
        api("ec2", "DescribeInstances")
            .responds(described("running"))
            .then_responds(described("stopped"))
            .then_responds(described("running")),
        api("ec2", "CreateSnapshot").responds(json!({"SnapshotId": "snap-0aaaaaaaaaaaaaaa0"})),
        api("ec2", "CopySnapshot").responds(json!({"SnapshotId": "snap-0bbbbbbbbbbbbbbb0"})),
        api("ec2", "DescribeSnapshots").responds(completed),
        api("ec2", "CreateVolume").responds(json!({"VolumeId": NEW})),
        api("ec2", "StopInstances").responds(json!({})),
        api("ec2", "StartInstances").responds(json!({})),
        api("ec2", "DetachVolume").responds(json!({})),
        api("ec2", "DeleteVolume").responds(json!({})),
        api("ec2", "DeleteSnapshot").responds(json!({})),
        // VerifyEncrypted looks the volume up by its attachment (Filters).
        api("ec2", "DescribeVolumes").responds(json!({"Volumes": [{"VolumeId": NEW, "Encrypted": true}]})),
    ];
    let unencrypted = volume(false, "in-use", "attached");
    Fixture {
        params: vec![("VolumeId", json!(OLD))],
        compliant: vec![old().responds(volume(true, "in-use", "attached"))],
        noncompliant: with(
            vec![
                // DescribeVolume, DescribeAttachment, then WaitDetached.
                old().responds(unencrypted.clone()).then_responds(unencrypted.clone()).then_responds(volume(
                    false,
                    "available",
                    "detached",
                )),
                // WaitVolume, then WaitAttached.
                new()
                    .responds(json!({"Volumes": [{"State": "available"}]}))
                    .then_responds(json!({"Volumes": [{"State": "in-use", "Attachments": [{"State": "attached"}]}]})),
                api("ec2", "AttachVolume").responds(json!({})),
            ],
            &shared,
        ),
        fix_fails: with(
            vec![
                // DescribeVolume, DescribeAttachment, WaitDetached, then UndoWaitOldAttached.
                old()
                    .responds(unencrypted.clone())
                    .then_responds(unencrypted.clone())
                    .then_responds(volume(false, "available", "detached"))
                    .then_responds(unencrypted),
                new().responds(json!({"Volumes": [{"State": "available"}]})),
                api("ec2", "AttachVolume").when(json!({"VolumeId": NEW})).error("VolumeInUse", "device in use"),
                api("ec2", "AttachVolume").when(json!({"VolumeId": OLD})).responds(json!({})),
            ],
            &shared,
        ),
        fix: ("ec2", "AttachVolume"),
    }
}

/// Snapshot, encrypted copy, restore, then swap the names.
fn rds_encrypt_instance() -> Fixture {
    let db = |encrypted: bool| {
        json!({"DBInstances": [{"DBInstanceIdentifier": "orders-db", "StorageEncrypted": encrypted, "DBInstanceClass": "db.t3.micro",
            "DBSubnetGroup": {"DBSubnetGroupName": "private"}, "DBParameterGroups": [{"DBParameterGroupName": "default.postgres16"}],
            "VpcSecurityGroups": [{"VpcSecurityGroupId": "sg-0123456789abcdef0"}], "OptionGroupMemberships": [{"OptionGroupName": "default:postgres-16"}],
            "Endpoint": {"Port": 5432}, "MultiAZ": false, "PubliclyAccessible": false, "DBInstanceStatus": "available"}]})
    };
    let lookup =
        || api("rds", "DescribeDBInstances").when(json!({"Filters": [{"Name": "dbi-resource-id", "Values": [DBI]}]}));
    let shared = vec![
        api("rds", "CreateDBSnapshot")
            .responds(json!({"DBSnapshot": {"DBSnapshotIdentifier": "orders-db-unencrypted"}})),
        api("rds", "DescribeDBSnapshots").responds(json!({"DBSnapshots": [{"Status": "available"}]})),
        api("rds", "CopyDBSnapshot").responds(json!({"DBSnapshot": {"DBSnapshotIdentifier": "orders-db-encrypted"}})),
        api("rds", "ModifyDBInstance").responds(json!({})),
        api("rds", "DeleteDBSnapshot").responds(json!({})),
        api("rds", "DeleteDBInstance").responds(json!({})),
        // Every instance looked up by name: available, and (after the swap) encrypted.
        api("rds", "DescribeDBInstances").responds(db(true)),
    ];
    Fixture {
        params: vec![("DbiResourceId", json!(DBI))],
        compliant: vec![lookup().responds(db(true))],
        noncompliant: with(
            vec![
                lookup().responds(db(false)),
                api("rds", "RestoreDBInstanceFromDBSnapshot")
                    .responds(json!({"DBInstance": {"DbiResourceId": "db-ZYXWVUTSRQPONMLKJIHGFEDCBA"}})),
            ],
            &shared,
        ),
        fix_fails: with(
            vec![
                lookup().responds(db(false)),
                api("rds", "RestoreDBInstanceFromDBSnapshot").error("InsufficientDBInstanceCapacity", "no capacity"),
            ],
            &shared,
        ),
        fix: ("rds", "RestoreDBInstanceFromDBSnapshot"),
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
    // Approve every approval on the way (some runbooks ask before a disruptive swap in both
    // variants).
    let approve = Some(true);
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
                let read_after = t.calls[fix + 1..].iter().any(|c| !c.is_mutating() && c.error.is_none());
                // A verification may also be a (mocked) script step after the fix.
                let fix_step = t.steps.iter().position(|s| s.name == t.calls[fix].step).unwrap_or(usize::MAX);
                let script_after = t
                    .steps
                    .iter()
                    .skip(fix_step.saturating_add(1))
                    .any(|s| s.action == "aws:executeScript" && s.status == Status::Success);
                if !read_after && !script_after {
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
                    .into_iter()
                    .find(|c| c.error.is_some())
                    .ok_or(format!("the fix {service} {api} was not attempted, or did not fail"))?;
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
            name: "the instance never stops: the step times out after timeoutSeconds 600 and the undo starts it again",
            mocks: vec![
                Mock::api("ec2", "DescribeInstances").responds(
                    json!({"Reservations": [{"Instances": [{"InstanceId": "i-0123456789abcdef0", "State": {"Name": "running"}}]}]}),
                ),
                Mock::api("ec2", "StopInstances").responds(json!({})),
                Mock::api("ec2", "StartInstances").responds(json!({})),
            ],
            approval: None,
            status: Status::TimedOut,
            check: Box::new(|t| {
                let s = t.step("StopInstance").ok_or("StopInstance did not run")?;
                if s.status != Status::TimedOut || s.started_at + 600 != t.step("UndoStop").map_or(0, |u| u.started_at) {
                    return Err(format!("StopInstance ended {} and UndoStop did not follow after 600 s", s.status));
                }
                (t.calls_to("ec2", "StartInstances").len() == 1).then_some(()).ok_or("the undo did not start the instance".into())
            }),
        }],
        "Remediate-EBS-EncryptVolume" => vec![Scenario {
            name: "the swap is rejected: the new volume and both snapshots are deleted, the instance is untouched",
            mocks: ebs_encrypt_volume().noncompliant,
            approval: Some(false),
            status: Status::Failed,
            check: Box::new(|t| {
                let count = |api: &str| t.calls_to("ec2", api).len();
                let cleaned = (count("DeleteVolume"), count("DeleteSnapshot"));
                let touched = count("StopInstances") + count("DetachVolume") + count("AttachVolume");
                (cleaned == (1, 2) && touched == 0)
                    .then_some(())
                    .ok_or(format!("deleted (volumes, snapshots) {cleaned:?}, instance/attachment calls {touched}"))
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
    if entry.document.parameters.contains_key("Approvers") {
        sim = sim.param("Approvers", json!([APPROVERS]));
    }
    if entry.document.parameters.contains_key("NotificationArn") {
        sim = sim.param("NotificationArn", json!(TOPIC));
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
