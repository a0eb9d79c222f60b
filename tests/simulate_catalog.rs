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
            // The read is a boto3 script (only "configuration not found" means unencrypted): a step mock.
            let read = |algo: &str| {
                Mock::step("ReadEncryption").outputs(json!({"Payload": {"Algorithm": algo, "Found": algo != "None"}}))
            };
            let encrypted = |algo: &str| json!({"ServerSideEncryptionConfiguration": {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": algo}}]}});
            let get = || api("s3", "GetBucketEncryption").when(json!({"Bucket": "my-bucket"}));
            Some(Fixture {
                params: vec![("BucketName", json!("my-bucket"))],
                compliant: vec![read("aws:kms"), get().responds(encrypted("aws:kms"))],
                noncompliant: vec![
                    read("None"),
                    get().responds(encrypted("AES256")),
                    api("s3", "PutBucketEncryption").responds(json!({})),
                ],
                fix_fails: vec![
                    read("None"),
                    api("s3", "PutBucketEncryption").error("AccessDenied", "Access Denied"),
                    api("s3", "DeleteBucketEncryption").responds(json!({})),
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
            // The trail is found, fixed and verified by boto3 scripts: step mocks.
            let found = |compliant: bool| {
                Mock::step("FindTrail").outputs(json!({"Payload": {
                    "Compliant": compliant, "Exists": true, "TrailName": "org-trail", "IsMultiRegionTrail": compliant,
                    "TrailARN": "arn:aws:cloudtrail:eu-west-1:123456789012:trail/org-trail",
                    "LogFileValidationEnabled": compliant, "IncludeGlobalServiceEvents": compliant, "IsLogging": compliant,
                    "Selectors": "{\"EventSelectors\": [], \"AdvancedEventSelectors\": []}", "Plan": "mocked"}}))
            };
            let get_status = || {
                api("cloudtrail", "GetTrailStatus")
                    .when(json!({"Name": "arn:aws:cloudtrail:eu-west-1:123456789012:trail/org-trail"}))
            };
            Some(Fixture {
                params: vec![
                    ("AccountId", json!(ACCOUNT)),
                    ("TrailName", json!("org-trail")),
                    ("BucketName", json!("org-trail-logs")),
                ],
                compliant: vec![caller(), found(true), get_status().responds(json!({"IsLogging": true}))],
                noncompliant: vec![
                    caller(),
                    found(false),
                    api("cloudtrail", "UpdateTrail").responds(json!({})),
                    Mock::step("SetManagementEvents").outputs(json!({"Payload": {"Mode": "basic", "Selectors": "[]"}})),
                    api("cloudtrail", "StartLogging").responds(json!({})),
                    Mock::step("VerifyUpdatedTrail").outputs(json!({"Payload": {"Verified": true}})),
                ],
                fix_fails: vec![
                    caller(),
                    found(false),
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
            // A customer managed symmetric key with KMS key material: one that can rotate.
            let key = || {
                api("kms", "DescribeKey").responds(json!({"KeyMetadata": {
                    "KeyId": "1234abcd-12ab-34cd-56ef-1234567890ab", "KeySpec": "SYMMETRIC_DEFAULT",
                    "Origin": "AWS_KMS", "KeyManager": "CUSTOMER"}}))
            };
            Some(Fixture {
                params: vec![("KeyId", json!("1234abcd-12ab-34cd-56ef-1234567890ab"))],
                compliant: vec![key(), get().responds(json!({"KeyRotationEnabled": true}))],
                noncompliant: vec![
                    key(),
                    get()
                        .responds(json!({"KeyRotationEnabled": false}))
                        .then_responds(json!({"KeyRotationEnabled": true})),
                    api("kms", "EnableKeyRotation").responds(json!({})),
                ],
                fix_fails: vec![
                    key(),
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
            // An ordinary role (path `/`), not a service-linked one.
            let role = || api("iam", "GetRole").responds(json!({"Role": {"RoleName": "app-role", "Path": "/"}}));
            Some(Fixture {
                params: vec![("IAMResourceId", json!("AROAJQABLZS4A3QDU576Q")), ("PolicyArn", json!(POLICY))],
                compliant: vec![resolve(), list(&[POLICY]), role()],
                noncompliant: vec![
                    resolve(),
                    role(),
                    list(&[]),
                    api("iam", "AttachRolePolicy").responds(json!({})),
                    // The verification lists every page with boto3: a step mock.
                    Mock::step("VerifyRolePolicy").outputs(json!({"Payload": {"Attached": true}})),
                ],
                fix_fails: vec![
                    resolve(),
                    role(),
                    list(&[]),
                    api("iam", "AttachRolePolicy").error("AccessDenied", "not authorized"),
                    api("iam", "DetachRolePolicy").responds(json!({})),
                ],
                fix: ("iam", "AttachRolePolicy"),
            })
        }
        "Remediate-EC2-RemovePublicIp" => Some(ec2_remove_public_ip()),
        "Remediate-EBS-EncryptVolume" => Some(ebs_encrypt_volume()),
        "Remediate-RDS-EncryptInstance" => Some(rds_encrypt_instance()),
        "Remediate-RDS-EncryptCluster" => Some(rds_encrypt_cluster()),
        _ => None,
    }
}

const INSTANCE: &str = "i-0123456789abcdef0";

/// What the address-reading script of `Remediate-EC2-RemovePublicIp` returns (a boto3 script:
/// a step mock): `elastic` association ids, and the auto-assigned address of the primary
/// interface (`""` when none).
fn public_addresses(step: &str, elastic: &[&str], auto: &str) -> Mock {
    let has = !elastic.is_empty() || !auto.is_empty();
    let addresses: Vec<Value> = elastic
        .iter()
        .map(|a| json!({"AllocationId": format!("eipalloc-{a}"), "PublicIp": "203.0.113.7", "NetworkInterfaceId": "eni-0123456789abcdef0", "PrivateIpAddress": "10.0.0.5"}))
        .collect();
    Mock::step(step).outputs(json!({"Payload": {
        "PublicIp": if has { "203.0.113.7" } else { "" }, "HasPublicIp": has, "ElasticAddressCount": elastic.len(),
        "ElasticAssociationIds": elastic, "ElasticAddresses": addresses, "AutoAssignedIp": auto,
        "PrimaryNetworkInterfaceId": "eni-0123456789abcdef0"}}))
}

/// The auto-assigned address switched off, then the Elastic IPs disassociated.
fn ec2_remove_public_ip() -> Fixture {
    let instance =
        api("ec2", "DescribeInstances").responds(json!({"Reservations": [{"Instances": [{"InstanceId": INSTANCE}]}]}));
    Fixture {
        params: vec![("InstanceId", json!(INSTANCE))],
        compliant: vec![public_addresses("FindPublicAddresses", &[], ""), instance],
        noncompliant: vec![
            public_addresses("FindPublicAddresses", &["eipassoc-1", "eipassoc-2"], "198.51.100.9"),
            api("ec2", "ModifyNetworkInterfaceAttribute")
                .when(json!({"NetworkInterfaceId": "eni-0123456789abcdef0", "AssociatePublicIpAddress": false}))
                .responds(json!({})),
            api("ec2", "DisassociateAddress").responds(json!({})),
            public_addresses("VerifyNoPublicIp", &[], ""),
        ],
        fix_fails: vec![
            public_addresses("FindPublicAddresses", &["eipassoc-1"], ""),
            api("ec2", "ModifyNetworkInterfaceAttribute").error("UnauthorizedOperation", "not authorized"),
            public_addresses("UndoRecordAddresses", &["eipassoc-1"], ""),
        ],
        fix: ("ec2", "ModifyNetworkInterfaceAttribute"),
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

/// The DB instance of the RDS fixtures, encrypted or not, in a status.
fn rds_db(encrypted: bool, status: &str) -> Value {
    json!({"DBInstances": [{"DBInstanceIdentifier": "orders-db", "DbiResourceId": DBI, "StorageEncrypted": encrypted, "DBInstanceClass": "db.t3.micro",
        "DBSubnetGroup": {"DBSubnetGroupName": "private"}, "DBParameterGroups": [{"DBParameterGroupName": "default.postgres16"}],
        "VpcSecurityGroups": [{"VpcSecurityGroupId": "sg-0123456789abcdef0"}], "OptionGroupMemberships": [{"OptionGroupName": "default:postgres-16"}],
        "Endpoint": {"Port": 5432}, "MultiAZ": false, "PubliclyAccessible": false, "DBInstanceStatus": status}]})
}

/// The evaluated instance, looked up by its `DbiResourceId` (as Config names it).
fn rds_lookup() -> Mock {
    api("rds", "DescribeDBInstances").when(json!({"Filters": [{"Name": "dbi-resource-id", "Values": [DBI]}]}))
}

/// The classification script of `Remediate-RDS-EncryptInstance` (boto3: a step mock).
fn rds_classified(remediable: bool) -> Mock {
    let outcome = if remediable {
        "orders-db can be replaced by an encrypted copy"
    } else {
        "not remediable here: orders-db is a member of DB cluster orders; encrypt the cluster (Remediate-RDS-EncryptCluster)"
    };
    Mock::step("ClassifyInstance")
        .outputs(json!({"Payload": {"Remediable": remediable, "Encrypted": false, "Outcome": outcome}}))
}

/// The calls every path past the classification makes (each instance looked up by name is
/// available and, after the swap, encrypted).
fn rds_shared() -> Vec<Mock> {
    vec![
        rds_classified(true),
        api("rds", "CreateDBSnapshot")
            .responds(json!({"DBSnapshot": {"DBSnapshotIdentifier": "orders-db-unencrypted"}})),
        api("rds", "DescribeDBSnapshots").responds(json!({"DBSnapshots": [{"Status": "available"}]})),
        api("rds", "CopyDBSnapshot").responds(json!({"DBSnapshot": {"DBSnapshotIdentifier": "orders-db-encrypted"}})),
        api("rds", "RestoreDBInstanceFromDBSnapshot")
            .responds(json!({"DBInstance": {"DbiResourceId": "db-ZYXWVUTSRQPONMLKJIHGFEDCBA"}})),
        api("rds", "ModifyDBInstance").responds(json!({})),
        api("rds", "StopDBInstance").responds(json!({})),
        api("rds", "DeleteDBSnapshot").responds(json!({})),
        api("rds", "DeleteDBInstance").responds(json!({})),
        api("rds", "DescribeDBInstances").responds(rds_db(true, "available")),
    ]
}

/// Snapshot, encrypted copy, restore, swap the names, then stop the original.
fn rds_encrypt_instance() -> Fixture {
    Fixture {
        params: vec![("DbiResourceId", json!(DBI))],
        compliant: vec![
            rds_lookup().responds(rds_db(true, "available")),
            Mock::step("ClassifyInstance")
                .outputs(json!({"Payload": {"Remediable": false, "Encrypted": true, "Outcome": "already encrypted"}})),
        ],
        noncompliant: with(
            vec![
                rds_lookup().responds(rds_db(false, "available")),
                // The original's deletion, verified by a boto3 script (deleting, or gone).
                Mock::step("VerifyOriginalGone")
                    .outputs(json!({"Payload": {"Remediable": false, "Outcome": "deleting"}})),
            ],
            &rds_shared(),
        ),
        fix_fails: with(
            vec![
                rds_lookup().responds(rds_db(false, "available")),
                api("rds", "RestoreDBInstanceFromDBSnapshot").error("InsufficientDBInstanceCapacity", "no capacity"),
            ],
            &rds_shared(),
        ),
        fix: ("rds", "RestoreDBInstanceFromDBSnapshot"),
    }
}

const CLUSTER: &str = "cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// The DB cluster of the RDS cluster fixtures.
fn rds_cluster(encrypted: bool, status: &str) -> Value {
    json!({"DBClusters": [{"DBClusterIdentifier": "orders", "DbClusterResourceId": CLUSTER, "StorageEncrypted": encrypted,
        "Engine": "aurora-postgresql", "EngineVersion": "16.4", "Port": 5432, "DBSubnetGroup": "private",
        "DBClusterParameterGroup": "default.aurora-postgresql16", "VpcSecurityGroups": [{"VpcSecurityGroupId": "sg-0123456789abcdef0"}],
        "Status": status}]})
}

/// The evaluated cluster, looked up by its `DbClusterResourceId`.
fn cluster_lookup() -> Mock {
    api("rds", "DescribeDBClusters").when(json!({"Filters": [{"Name": "db-cluster-resource-id", "Values": [CLUSTER]}]}))
}

/// The classification script of `Remediate-RDS-EncryptCluster` (boto3: a step mock).
fn cluster_classified(remediable: bool) -> Mock {
    cluster_classified_as(remediable, false, false)
}

/// The classification of an encrypted cluster, or of one whose deletion protection is on.
fn cluster_classified_as(remediable: bool, encrypted: bool, protected: bool) -> Mock {
    let members = if remediable { vec!["orders-1", "orders-2"] } else { vec![] };
    Mock::step("ClassifyCluster").outputs(json!({"Payload": {"Remediable": remediable, "Encrypted": encrypted,
        "MemberIds": members, "MemberCount": members.len(), "DeletionProtection": protected,
        "Outcome": if remediable { "orders can be replaced" } else { "not remediable here: orders is a Multi-AZ DB cluster" }}}))
}

fn cluster_shared() -> Vec<Mock> {
    vec![
        cluster_classified(true),
        api("rds", "CreateDBClusterSnapshot")
            .responds(json!({"DBClusterSnapshot": {"DBClusterSnapshotIdentifier": "orders-unencrypted"}})),
        api("rds", "DescribeDBClusterSnapshots").responds(json!({"DBClusterSnapshots": [{"Status": "available"}]})),
        api("rds", "CopyDBClusterSnapshot")
            .responds(json!({"DBClusterSnapshot": {"DBClusterSnapshotIdentifier": "orders-encrypted"}})),
        api("rds", "RestoreDBClusterFromSnapshot")
            .responds(json!({"DBCluster": {"DbClusterResourceId": "cluster-ZYXWVUTSRQPONMLKJIHGFEDCBA"}})),
        api("rds", "DescribeDBInstances")
            .responds(json!({"DBInstances": [{"DBInstanceClass": "db.r6g.large", "DBInstanceStatus": "available"}]})),
        api("rds", "CreateDBInstance").responds(json!({})),
        Mock::step("VerifyNewMembers")
            .outputs(json!({"Payload": {"Ready": ["orders-1-encrypted", "orders-2-encrypted"]}})),
        api("rds", "ModifyDBCluster").responds(json!({})),
        api("rds", "StopDBCluster").responds(json!({})),
        api("rds", "DeleteDBInstance").responds(json!({})),
        Mock::step("UndoWaitMembersGone").outputs(json!({"Payload": {"Ready": []}})),
        Mock::step("WaitOriginalMembersGone").outputs(json!({"Payload": {"Ready": []}})),
        Mock::step("VerifyOriginalGone").outputs(json!({"Payload": {"Ready": []}})),
        api("rds", "DeleteDBCluster").responds(json!({})),
        api("rds", "DeleteDBClusterSnapshot").responds(json!({})),
        api("rds", "DescribeDBClusters").responds(rds_cluster(true, "available")),
    ]
}

/// Cluster snapshot, encrypted copy, restored cluster and instances, swap, the original deleted
/// with a final snapshot.
fn rds_encrypt_cluster() -> Fixture {
    Fixture {
        params: vec![("DbClusterResourceId", json!(CLUSTER))],
        compliant: vec![
            cluster_lookup().responds(rds_cluster(true, "available")),
            cluster_classified_as(false, true, false),
        ],
        noncompliant: with(
            vec![cluster_lookup()
                .responds(rds_cluster(false, "available"))
                .then_responds(rds_cluster(false, "stopped"))],
            &cluster_shared(),
        ),
        fix_fails: with(
            vec![
                cluster_lookup().responds(rds_cluster(false, "available")),
                api("rds", "RestoreDBClusterFromSnapshot").error("InsufficientDBClusterCapacityFault", "no capacity"),
            ],
            &cluster_shared(),
        ),
        fix: ("rds", "RestoreDBClusterFromSnapshot"),
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
        "Remediate-IAM-AttachManagedPolicy" | "Remediate-IAM-AttachManagedPolicy-WithApproval" => vec![Scenario {
            name: "a service-linked role: not remediable, ends without a change (IAM refuses to attach to it)",
            mocks: vec![
                api("config", "ListDiscoveredResources").responds(json!({"resourceIdentifiers": [{
                    "resourceType": "AWS::IAM::Role", "resourceName": "AWSServiceRoleForConfig"}]})),
                api("iam", "GetRole").responds(json!({"Role": {"RoleName": "AWSServiceRoleForConfig",
                    "Path": "/aws-service-role/config.amazonaws.com/"}})),
            ],
            approval: Some(true),
            status: Status::Success,
            check: Box::new(|t| {
                no_mutating_call(t)?;
                let last = t.steps.last().map(|s| s.name.as_str());
                (last == Some("RoleNotRemediable")).then_some(()).ok_or(format!("ended at {last:?}"))
            }),
        }],
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
        "Remediate-EC2-RemovePublicIp" => vec![
            Scenario {
                name: "a disassociation fails: the others go on, the check fails, nothing is associated again",
                mocks: vec![
                    public_addresses("FindPublicAddresses", &["eipassoc-1", "eipassoc-2"], ""),
                    api("ec2", "ModifyNetworkInterfaceAttribute").responds(json!({})),
                    api("ec2", "DisassociateAddress")
                        .error("InvalidAssociationID.NotFound", "gone")
                        .then_responds(json!({})),
                    Mock::step("VerifyNoPublicIp").error("Exception", "eipassoc-2 is left"),
                    public_addresses("UndoRecordAddresses", &["eipassoc-2"], ""),
                ],
                approval: None,
                status: Status::Failed,
                check: Box::new(|t| {
                    let associated = t.calls_to("ec2", "AssociateAddress").len();
                    let attribute: Vec<&Value> = t
                        .calls_to("ec2", "ModifyNetworkInterfaceAttribute")
                        .iter()
                        .map(|c| &c.input["AssociatePublicIpAddress"])
                        .collect();
                    let recorded = t.step("UndoRecordAddresses").is_some_and(|s| s.status == Status::Success);
                    let tried = t.calls_to("ec2", "DisassociateAddress").len();
                    (associated == 0 && attribute == [&json!(false)] && recorded && tried == 2).then_some(()).ok_or(format!(
                        "AssociateAddress calls {associated}, AssociatePublicIpAddress set to {attribute:?}, recorded {recorded}, \
                         disassociations tried {tried}"
                    ))
                }),
            },
            Scenario {
                name: "only an auto-assigned address: the attribute goes off, no disassociation",
                mocks: vec![
                    public_addresses("FindPublicAddresses", &[], "198.51.100.9"),
                    api("ec2", "ModifyNetworkInterfaceAttribute").responds(json!({})),
                    public_addresses("VerifyNoPublicIp", &[], ""),
                ],
                approval: None,
                status: Status::Success,
                check: Box::new(|t| {
                    let counts = (
                        t.calls_to("ec2", "ModifyNetworkInterfaceAttribute").len(),
                        t.calls_to("ec2", "DisassociateAddress").len(),
                    );
                    (counts == (1, 0)).then_some(()).ok_or(format!("(interface changes, disassociations) {counts:?}"))
                }),
            },
            Scenario {
                name: "two Elastic IPs: each association is disassociated by its id",
                mocks: ec2_remove_public_ip().noncompliant,
                approval: None,
                status: Status::Success,
                check: Box::new(|t| {
                    let ids: Vec<&Value> =
                        t.calls_to("ec2", "DisassociateAddress").iter().map(|c| &c.input["AssociationId"]).collect();
                    (ids == [&json!("eipassoc-1"), &json!("eipassoc-2")])
                        .then_some(())
                        .ok_or(format!("disassociated {ids:?}"))
                }),
            },
        ],
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
    // Mocks that disagree with AWS's API models fail the run (strict_mocks).
    let mut sim =
        Simulation::new(&entry.document).param("AutomationAssumeRole", ROLE).mocks(sc.mocks.clone()).strict_mocks(true);
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
        let fx = fixture(base_name(entry)).unwrap_or_else(|| {
            panic!(
                "{}: no simulation fixture; add one for `{}` to fixture() in tests/simulate_catalog.rs (docs/adding-a-runbook.md)",
                entry.name,
                base_name(entry)
            )
        });
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

/// Issue 15, RDS instance encryption: the evaluated instance ends stopped or deleted with a final
/// snapshot; cluster members are refused; the undo never deletes the copy without a snapshot and
/// stops when a rename back fails; a cancellation fits in AWS's 2 minutes.
#[test]
fn rds_encryption_leaves_the_evaluated_instance_out_of_service_and_undoes_safely() {
    let catalog = runbooks::catalog().expect("the catalog builds");
    let entry = catalog.iter().find(|e| e.name == "Remediate-RDS-EncryptInstance").expect("the runbook");
    let sim = |mocks: Vec<Mock>| {
        Simulation::new(&entry.document)
            .param("AutomationAssumeRole", ROLE)
            .param("DbiResourceId", DBI)
            .param("Approvers", json!([APPROVERS]))
            .param("NotificationArn", TOPIC)
            .mocks(mocks)
    };
    let apis = |t: &Trace| -> Vec<String> { t.mutating_calls().iter().map(|c| c.api.clone()).collect() };
    let unencrypted = || rds_lookup().responds(rds_db(false, "available"));

    // Stop: the original, found by its DbiResourceId, ends stopped.
    let mut stopped = vec![unencrypted().then_responds(rds_db(false, "stopped"))];
    stopped.extend(rds_shared());
    let t = sim(stopped.clone()).param("OriginalInstance", "Stop").approve().run();
    assert_eq!(t.status, Status::Success, "{:?} {:?}", t.failure, t.executed());
    let stop = t.calls_to("rds", "StopDBInstance");
    assert_eq!(stop.len(), 1);
    assert_eq!(stop[0].input["DBInstanceIdentifier"], "orders-db-unencrypted");
    assert_eq!(t.executed().last(), Some(&"VerifyOriginalStopped"));

    // Delete (the default): a second approval, then a final snapshot, verified gone.
    let t = sim(rds_encrypt_instance().noncompliant).approve().run();
    assert_eq!(t.status, Status::Success, "{:?} {:?}", t.failure, t.executed());
    let delete = t.calls_to("rds", "DeleteDBInstance");
    assert_eq!(delete.len(), 1, "{:?}", apis(&t));
    assert_eq!(delete[0].input["DBInstanceIdentifier"], "orders-db-unencrypted");
    assert_eq!(delete[0].input["SkipFinalSnapshot"], false);
    assert!(delete[0].input["FinalDBSnapshotIdentifier"]
        .as_str()
        .unwrap_or("")
        .starts_with("orders-db-unencrypted-final-"));
    let approvals = t.steps.iter().filter(|s| s.action == "aws:approve").count();
    assert_eq!(approvals, 2, "the swap and the delete are approved separately");
    assert_eq!(t.executed().last(), Some(&"VerifyOriginalGone"));

    // The delete rejected: the original is stopped instead.
    let t = sim(stopped).approve().decide("ApproveDeleteOriginal", false).run();
    assert_eq!(t.status, Status::Success, "{:?} {:?}", t.failure, t.executed());
    assert!(t.calls_to("rds", "DeleteDBInstance").is_empty());
    assert_eq!(t.calls_to("rds", "StopDBInstance").len(), 1);

    // A cluster member: refused, nothing changed, the outcome says why.
    let t = sim(vec![unencrypted(), rds_classified(false)]).approve().run();
    assert_eq!(t.status, Status::Success, "{:?}", t.failure);
    assert!(t.mutating_calls().is_empty(), "{:?}", apis(&t));
    assert_eq!(t.executed().last(), Some(&"NotRemediable"));
    let outcome = &t.step("ClassifyInstance").expect("classified").outputs["Outcome"];
    assert!(outcome.as_str().unwrap_or("").contains("Remediate-RDS-EncryptCluster"), "{outcome}");

    // The copy under the original name is not encrypted: both renames are undone and the copy is
    // deleted with a final snapshot.
    let mut mocks = vec![
        unencrypted(),
        api("rds", "DescribeDBInstances")
            .when(json!({"DBInstanceIdentifier": "orders-db"}))
            .responds(rds_db(false, "available")),
    ];
    mocks.extend(rds_shared());
    let t = sim(mocks).approve().run();
    assert_eq!(t.status, Status::Failed);
    let renames: Vec<(String, String)> = t
        .calls_to("rds", "ModifyDBInstance")
        .iter()
        .map(|c| {
            (
                c.input["DBInstanceIdentifier"].as_str().unwrap_or("").into(),
                c.input["NewDBInstanceIdentifier"].as_str().unwrap_or("").into(),
            )
        })
        .collect();
    let pair = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(
        renames,
        [
            pair("orders-db", "orders-db-unencrypted"),
            pair("orders-db-encrypted", "orders-db"),
            pair("orders-db", "orders-db-encrypted"),
            pair("orders-db-unencrypted", "orders-db"),
        ]
    );
    let delete = t.calls_to("rds", "DeleteDBInstance");
    assert_eq!(delete.len(), 1);
    assert_eq!(delete[0].input["DBInstanceIdentifier"], "orders-db-encrypted");
    assert_eq!(
        delete[0].input["SkipFinalSnapshot"], false,
        "the copy may hold writes: never deleted without a snapshot"
    );
    assert!(delete[0].input["FinalDBSnapshotIdentifier"].as_str().is_some());
    assert!(t.calls_to("rds", "StopDBInstance").is_empty());

    // A rename back fails: the undo stops there, and deletes nothing.
    let mut mocks = vec![
        unencrypted(),
        api("rds", "DescribeDBInstances")
            .when(json!({"DBInstanceIdentifier": "orders-db"}))
            .responds(rds_db(false, "available")),
        api("rds", "ModifyDBInstance")
            .when(json!({"DBInstanceIdentifier": "orders-db-unencrypted"}))
            .error("InvalidDBInstanceState", "renaming"),
    ];
    mocks.extend(rds_shared());
    let t = sim(mocks).approve().run();
    assert_eq!(t.status, Status::Failed);
    let deletes = t.calls_to("rds", "DeleteDBInstance").len() + t.calls_to("rds", "DeleteDBSnapshot").len();
    assert_eq!(deletes, 0, "deleted after a failed rename back: {:?}", t.executed());

    // Cancelled while the original is being renamed: one call gives it its name back, within
    // AWS's 2 minutes; nothing is deleted, and the run ends Cancelled.
    let t = sim(rds_encrypt_instance().noncompliant).approve().cancel_at("WaitOriginalRenamed").run();
    assert_eq!(t.status, Status::Cancelled, "{:?}", t.executed());
    let after: Vec<&str> = t.executed().into_iter().skip_while(|s| *s != "WaitOriginalRenamed").skip(1).collect();
    assert_eq!(after, ["UndoCancelSwap"]);
    assert_eq!(t.calls_to("rds", "DeleteDBInstance").len() + t.calls_to("rds", "DeleteDBSnapshot").len(), 0);

    // Cancelled while the copy is being built: the deletes are calls only (no waiting).
    let t = sim(rds_encrypt_instance().noncompliant).approve().cancel_at("WaitCopy").run();
    assert_eq!(t.status, Status::Cancelled);
    let after: Vec<&str> = t.executed().into_iter().skip_while(|s| *s != "WaitCopy").skip(1).collect();
    assert_eq!(after, ["UndoCopy", "UndoSnapshot"]);
}

/// Issue 15, EBS volume encryption: a cancellation during the swap puts the old volume back and
/// restarts the instance with calls only (AWS gives a cancellation 2 minutes); an undo deletes
/// the new volume only after a completed snapshot of it, and stops when the old volume cannot be
/// attached again.
#[test]
fn ebs_encryption_cancels_quickly_and_never_deletes_the_new_volume_unsnapshotted() {
    let catalog = runbooks::catalog().expect("the catalog builds");
    let entry = catalog.iter().find(|e| e.name == "Remediate-EBS-EncryptVolume").expect("the runbook");
    let sim = |mocks: Vec<Mock>| {
        Simulation::new(&entry.document)
            .param("AutomationAssumeRole", ROLE)
            .param("VolumeId", "vol-0aaaaaaaaaaaaaaa0")
            .param("Approvers", json!([APPROVERS]))
            .param("NotificationArn", TOPIC)
            .mocks(mocks)
            .approve()
    };
    let fx = ebs_encrypt_volume();

    // Cancelled while the old volume detaches: re-attach it, start the instance, end.
    let t = sim(fx.noncompliant.clone()).cancel_at("WaitDetached").run();
    assert_eq!(t.status, Status::Cancelled, "{:?}", t.executed());
    let after: Vec<&str> = t.executed().into_iter().skip_while(|s| *s != "WaitDetached").skip(1).collect();
    assert_eq!(after, ["UndoCancelReattach", "UndoCancelCheckRestart", "UndoCancelRestart"]);
    let attach = t.calls_to("ec2", "AttachVolume");
    assert_eq!(attach.last().map(|c| c.input["VolumeId"].clone()), Some(json!("vol-0aaaaaaaaaaaaaaa0")));
    assert!(t.calls_to("ec2", "DeleteVolume").is_empty());

    // The check after the swap fails: the new volume is snapshotted, the snapshot completes,
    // then the volume is deleted.
    // (The mocks keep the new volume `attaching`, so the wait times out: a failure all the same.)
    let mut mocks = vec![api("ec2", "DescribeVolumes")
        .when(json!({"Filters": [{"Name": "attachment.instance-id", "Values": ["i-0123456789abcdef0"]}, {"Name": "attachment.device", "Values": ["/dev/xvdf"]}]}))
        .responds(json!({"Volumes": [{"VolumeId": "vol-0bbbbbbbbbbbbbbb0", "Encrypted": false}]}))];
    mocks.extend(fx.fix_fails.iter().filter(|m| !format!("{m:?}").contains("AttachVolume")).cloned());
    mocks.extend(fx.noncompliant.clone());
    let t = sim(mocks).run();
    assert!(matches!(t.status, Status::Failed | Status::TimedOut), "{:?}", t.executed());
    let order: Vec<&str> = t.mutating_calls().iter().map(|c| c.api.as_str()).collect();
    let snap = order.iter().rposition(|a| *a == "CreateSnapshot").expect("a snapshot of the new volume");
    let delete = order.iter().position(|a| *a == "DeleteVolume").expect("the new volume deleted");
    assert!(snap < delete, "{order:?}");
    assert!(t.executed().contains(&"UndoWaitNewVolumeSnapshot"));
}

/// Issue 15, RDS cluster encryption: the same safety rules as the instance runbook.
#[test]
fn rds_cluster_encryption_recreates_the_instances_and_undoes_safely() {
    let catalog = runbooks::catalog().expect("the catalog builds");
    let entry = catalog.iter().find(|e| e.name == "Remediate-RDS-EncryptCluster").expect("the runbook");
    let sim = |mocks: Vec<Mock>| {
        Simulation::new(&entry.document)
            .param("AutomationAssumeRole", ROLE)
            .param("DbClusterResourceId", CLUSTER)
            .param("Approvers", json!([APPROVERS]))
            .param("NotificationArn", TOPIC)
            .mocks(mocks)
            .approve()
    };
    let unencrypted = || cluster_lookup().responds(rds_cluster(false, "available"));

    // Fixed: one instance per original, tagged at creation; after the second approval the
    // original's instances are deleted, then the original with a final cluster snapshot.
    let t = sim(rds_encrypt_cluster().noncompliant).run();
    assert_eq!(t.status, Status::Success, "{:?} {:?}", t.failure, t.executed());
    let created: Vec<&Value> =
        t.calls_to("rds", "CreateDBInstance").iter().map(|c| &c.input["DBInstanceIdentifier"]).collect();
    assert_eq!(created, [&json!("orders-1-encrypted"), &json!("orders-2-encrypted")]);
    for c in t.calls_to("rds", "CreateDBInstance") {
        assert_eq!(c.input["Tags"][0], json!({"Key": "CreatedByRunbook", "Value": "Remediate-RDS-EncryptCluster"}));
    }
    let members: Vec<&Value> =
        t.calls_to("rds", "DeleteDBInstance").iter().map(|c| &c.input["DBInstanceIdentifier"]).collect();
    assert_eq!(members, [&json!("orders-1"), &json!("orders-2")]);
    let delete = t.calls_to("rds", "DeleteDBCluster");
    assert_eq!(delete.len(), 1, "{:?}", t.executed());
    assert_eq!(delete[0].input["DBClusterIdentifier"], "orders-unencrypted");
    assert_eq!(delete[0].input["SkipFinalSnapshot"], false);
    assert!(
        delete[0].input["FinalDBSnapshotIdentifier"]
            .as_str()
            .is_some_and(|s| s.starts_with("orders-unencrypted-final-")),
        "{:?}",
        delete[0].input
    );
    let order = t.executed();
    let pos = |n: &str| order.iter().position(|s| *s == n).unwrap_or_else(|| panic!("{n} not run: {order:?}"));
    assert!(pos("VerifyEncrypted") < pos("ApproveDeleteOriginal"));
    assert!(pos("ApproveDeleteOriginal") < pos("DeleteOriginalMembers"));
    assert!(pos("WaitOriginalMembersGone") < pos("DeleteOriginal"));
    assert_eq!(order.last(), Some(&"VerifyOriginalGone"));
    assert!(t.calls_to("rds", "StopDBCluster").is_empty());

    // The delete rejected, `OriginalCluster: Stop`, or deletion protection on: the original is
    // stopped and nothing of it is deleted.
    let stopped = || {
        let mut m = vec![cluster_lookup()
            .responds(rds_cluster(false, "available"))
            .then_responds(rds_cluster(false, "stopped"))];
        m.extend(cluster_shared());
        m
    };
    let protected = {
        let mut m = vec![cluster_classified_as(true, false, true)];
        m.extend(stopped());
        m
    };
    for (case, t) in [
        ("rejected", sim(stopped()).decide("ApproveDeleteOriginal", false).run()),
        ("Stop", sim(stopped()).param("OriginalCluster", "Stop").run()),
        ("protected", sim(protected).run()),
    ] {
        assert_eq!(t.status, Status::Success, "{case}: {:?}", t.executed());
        assert_eq!(t.calls_to("rds", "StopDBCluster")[0].input["DBClusterIdentifier"], "orders-unencrypted", "{case}");
        assert!(t.calls_to("rds", "DeleteDBCluster").is_empty(), "{case}");
        assert!(t.calls_to("rds", "DeleteDBInstance").is_empty(), "{case}");
        assert_eq!(t.executed().last(), Some(&"VerifyOriginalStopped"), "{case}");
    }

    // Refused: nothing changed.
    let t = sim(vec![unencrypted(), cluster_classified(false)]).run();
    assert_eq!(t.status, Status::Success);
    assert!(t.mutating_calls().is_empty());
    assert_eq!(t.executed().last(), Some(&"NotRemediable"));

    // The copy under the original name is not encrypted: renames undone, instances deleted,
    // the cluster deleted with a final snapshot.
    let mut mocks = vec![
        unencrypted(),
        api("rds", "DescribeDBClusters")
            .when(json!({"DBClusterIdentifier": "orders"}))
            .responds(rds_cluster(false, "available")),
    ];
    mocks.extend(cluster_shared());
    let t = sim(mocks).run();
    assert_eq!(t.status, Status::Failed, "{:?}", t.executed());
    assert_eq!(t.calls_to("rds", "ModifyDBCluster").len(), 4);
    assert_eq!(t.calls_to("rds", "DeleteDBInstance").len(), 2);
    let delete = t.calls_to("rds", "DeleteDBCluster");
    assert_eq!(delete.len(), 1);
    assert_eq!(delete[0].input["DBClusterIdentifier"], "orders-encrypted");
    assert_eq!(delete[0].input["SkipFinalSnapshot"], false);

    // A rename back fails: the undo stops and deletes nothing.
    let mut mocks = vec![
        unencrypted(),
        api("rds", "DescribeDBClusters")
            .when(json!({"DBClusterIdentifier": "orders"}))
            .responds(rds_cluster(false, "available")),
        api("rds", "ModifyDBCluster")
            .when(json!({"DBClusterIdentifier": "orders-unencrypted"}))
            .error("InvalidDBClusterStateFault", "renaming"),
    ];
    mocks.extend(cluster_shared());
    let t = sim(mocks).run();
    assert_eq!(t.status, Status::Failed);
    let deletes = ["DeleteDBInstance", "DeleteDBCluster", "DeleteDBClusterSnapshot"]
        .iter()
        .map(|a| t.calls_to("rds", a).len())
        .sum::<usize>();
    assert_eq!(deletes, 0, "{:?}", t.executed());

    // Cancelled during the swap: one call, the original's name back.
    let t = sim(rds_encrypt_cluster().noncompliant).cancel_at("WaitOriginalRenamed").run();
    assert_eq!(t.status, Status::Cancelled);
    let after: Vec<&str> = t.executed().into_iter().skip_while(|s| *s != "WaitOriginalRenamed").skip(1).collect();
    assert_eq!(after, ["UndoCancelSwap"]);
}
