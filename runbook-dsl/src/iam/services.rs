//! Service + operation to IAM actions: the API models, and the project's own table where they
//! are not enough.
//!
//! `Service:` in a document is a boto3 client name and `Api:` an operation name, PascalCase
//! (`PutBucketEncryption`) or snake_case (`put_bucket_encryption`). Both are resolved through the
//! shipped API models ([`super::resolve`]): the client (an alias or another case is the same
//! client), and the operation's model name (`describe_db_instances` is `DescribeDBInstances`).
//! The IAM action is usually `<prefix>:<Operation>`, where the prefix is the name botocore signs
//! the client's requests for, except for the clients in [`PREFIXES`] and the operations in
//! [`IRREGULAR`] (S3's renamed actions, batch calls authorized by the single-item action, ...).
//! Names the models do not know fall back to the name as written (with a note, see [`note`]);
//! IAM matches action names case-insensitively, so such an operation converted word by word
//! authorizes the same action as its PascalCase spelling.

use super::resolve::{resolve, Resolved};
use crate::model::{Map, Value};

/// boto3 clients whose IAM prefix is not the name the models sign their requests for
/// (botocore's `signingName`); each agrees with AWS's Service Authorization Reference (the
/// cross test `aws_models` checks every client of the models against it).
pub const PREFIXES: &[(&str, &str)] = &[
    ("cloudcontrol", "cloudformation"),
    ("cloudwatch", "cloudwatch"),
    ("connectparticipant", "connect"),
    ("iot-data", "iot"),
    ("iot-jobs-data", "iotjobsdata"),
    ("iotevents-data", "iotevents"),
    ("iotsecuretunneling", "iot"),
    ("mturk", "mechanicalturk"),
    ("partnercentral-account", "partnercentral"),
    ("partnercentral-benefits", "partnercentral"),
    ("partnercentral-channel", "partnercentral"),
    ("partnercentral-selling", "partnercentral"),
    ("resourcegroupstaggingapi", "tag"),
    ("sso", "sso"),
];

/// Operations whose actions are not `<prefix>:<Operation>`: (client, operation, actions).
/// Clients sharing a prefix are listed under the client that owns the operation.
pub const IRREGULAR: &[(&str, &str, &[&str])] = &[
    // S3: bucket sub-resources are authorized by the configuration action, deletes by the put.
    ("s3", "PutBucketEncryption", &["s3:PutEncryptionConfiguration"]),
    ("s3", "GetBucketEncryption", &["s3:GetEncryptionConfiguration"]),
    ("s3", "DeleteBucketEncryption", &["s3:PutEncryptionConfiguration"]),
    ("s3", "PutPublicAccessBlock", &["s3:PutBucketPublicAccessBlock"]),
    ("s3", "GetPublicAccessBlock", &["s3:GetBucketPublicAccessBlock"]),
    ("s3", "DeletePublicAccessBlock", &["s3:PutBucketPublicAccessBlock"]),
    ("s3", "PutBucketLifecycle", &["s3:PutLifecycleConfiguration"]),
    ("s3", "PutBucketLifecycleConfiguration", &["s3:PutLifecycleConfiguration"]),
    ("s3", "GetBucketLifecycle", &["s3:GetLifecycleConfiguration"]),
    ("s3", "GetBucketLifecycleConfiguration", &["s3:GetLifecycleConfiguration"]),
    ("s3", "DeleteBucketLifecycle", &["s3:PutLifecycleConfiguration"]),
    ("s3", "PutBucketReplication", &["s3:PutReplicationConfiguration"]),
    ("s3", "GetBucketReplication", &["s3:GetReplicationConfiguration"]),
    ("s3", "DeleteBucketReplication", &["s3:PutReplicationConfiguration"]),
    ("s3", "DeleteBucketTagging", &["s3:PutBucketTagging"]),
    ("s3", "PutBucketCors", &["s3:PutBucketCORS"]),
    ("s3", "GetBucketCors", &["s3:GetBucketCORS"]),
    ("s3", "DeleteBucketCors", &["s3:PutBucketCORS"]),
    ("s3", "DeleteBucketOwnershipControls", &["s3:PutBucketOwnershipControls"]),
    ("s3", "PutBucketNotificationConfiguration", &["s3:PutBucketNotification"]),
    ("s3", "GetBucketNotificationConfiguration", &["s3:GetBucketNotification"]),
    ("s3", "PutObjectLockConfiguration", &["s3:PutBucketObjectLockConfiguration"]),
    ("s3", "GetObjectLockConfiguration", &["s3:GetBucketObjectLockConfiguration"]),
    ("s3", "PutBucketAccelerateConfiguration", &["s3:PutAccelerateConfiguration"]),
    ("s3", "GetBucketAccelerateConfiguration", &["s3:GetAccelerateConfiguration"]),
    ("s3", "PutBucketAnalyticsConfiguration", &["s3:PutAnalyticsConfiguration"]),
    ("s3", "GetBucketAnalyticsConfiguration", &["s3:GetAnalyticsConfiguration"]),
    ("s3", "ListBucketAnalyticsConfigurations", &["s3:GetAnalyticsConfiguration"]),
    ("s3", "DeleteBucketAnalyticsConfiguration", &["s3:PutAnalyticsConfiguration"]),
    ("s3", "PutBucketInventoryConfiguration", &["s3:PutInventoryConfiguration"]),
    ("s3", "GetBucketInventoryConfiguration", &["s3:GetInventoryConfiguration"]),
    ("s3", "ListBucketInventoryConfigurations", &["s3:GetInventoryConfiguration"]),
    ("s3", "DeleteBucketInventoryConfiguration", &["s3:PutInventoryConfiguration"]),
    ("s3", "PutBucketMetricsConfiguration", &["s3:PutMetricsConfiguration"]),
    ("s3", "GetBucketMetricsConfiguration", &["s3:GetMetricsConfiguration"]),
    ("s3", "ListBucketMetricsConfigurations", &["s3:GetMetricsConfiguration"]),
    ("s3", "DeleteBucketMetricsConfiguration", &["s3:PutMetricsConfiguration"]),
    ("s3", "PutBucketIntelligentTieringConfiguration", &["s3:PutIntelligentTieringConfiguration"]),
    ("s3", "GetBucketIntelligentTieringConfiguration", &["s3:GetIntelligentTieringConfiguration"]),
    ("s3", "ListBucketIntelligentTieringConfigurations", &["s3:GetIntelligentTieringConfiguration"]),
    ("s3", "DeleteBucketIntelligentTieringConfiguration", &["s3:PutIntelligentTieringConfiguration"]),
    ("s3", "ListBuckets", &["s3:ListAllMyBuckets"]),
    ("s3", "HeadBucket", &["s3:ListBucket"]),
    ("s3", "ListObjects", &["s3:ListBucket"]),
    ("s3", "ListObjectsV2", &["s3:ListBucket"]),
    ("s3", "ListObjectVersions", &["s3:ListBucketVersions"]),
    ("s3", "ListMultipartUploads", &["s3:ListBucketMultipartUploads"]),
    ("s3", "ListParts", &["s3:ListMultipartUploadParts"]),
    ("s3", "HeadObject", &["s3:GetObject"]),
    ("s3", "GetObjectAttributes", &["s3:GetObject"]),
    ("s3", "SelectObjectContent", &["s3:GetObject"]),
    ("s3", "UploadPart", &["s3:PutObject"]),
    ("s3", "CreateMultipartUpload", &["s3:PutObject"]),
    ("s3", "CompleteMultipartUpload", &["s3:PutObject"]),
    ("s3", "CopyObject", &["s3:GetObject", "s3:PutObject"]),
    ("s3", "UploadPartCopy", &["s3:GetObject", "s3:PutObject"]),
    ("s3", "DeleteObjects", &["s3:DeleteObject"]),
    // S3 Control: the public access block of the account.
    ("s3control", "PutPublicAccessBlock", &["s3:PutAccountPublicAccessBlock"]),
    ("s3control", "GetPublicAccessBlock", &["s3:GetAccountPublicAccessBlock"]),
    ("s3control", "DeletePublicAccessBlock", &["s3:PutAccountPublicAccessBlock"]),
    // Batch and streaming variants authorized by the plain action.
    ("lambda", "Invoke", &["lambda:InvokeFunction"]),
    ("lambda", "InvokeWithResponseStream", &["lambda:InvokeFunction"]),
    ("lambda", "GetLayerVersionByArn", &["lambda:GetLayerVersion"]),
    ("sqs", "SendMessageBatch", &["sqs:SendMessage"]),
    ("sqs", "DeleteMessageBatch", &["sqs:DeleteMessage"]),
    ("sqs", "ChangeMessageVisibilityBatch", &["sqs:ChangeMessageVisibility"]),
    ("sns", "PublishBatch", &["sns:Publish"]),
    ("kms", "ReEncrypt", &["kms:ReEncryptFrom", "kms:ReEncryptTo"]),
    ("dynamodb", "TransactGetItems", &["dynamodb:GetItem"]),
    ("securityhub", "GetFindingsV2", &["securityhub:GetFindings"]),
    ("securityhub", "BatchUpdateFindingsV2", &["securityhub:BatchUpdateFindings"]),
    ("accessanalyzer", "GetFindingV2", &["access-analyzer:GetFinding"]),
    ("accessanalyzer", "ListFindingsV2", &["access-analyzer:ListFindings"]),
    ("opensearch", "UpdateDomainConfig", &["es:UpdateDomainConfig", "es:UpdateElasticsearchDomainConfig"]),
    ("es", "UpdateElasticsearchDomainConfig", &["es:UpdateDomainConfig", "es:UpdateElasticsearchDomainConfig"]),
    ("glue", "UpdateColumnStatisticsForTable", &["glue:UpdateTable"]),
    ("glue", "DeleteColumnStatisticsForTable", &["glue:UpdateTable"]),
    ("glue", "GetColumnStatisticsForTable", &["glue:GetTable"]),
    ("glue", "UpdateColumnStatisticsForPartition", &["glue:UpdatePartition"]),
    ("glue", "DeleteColumnStatisticsForPartition", &["glue:UpdatePartition"]),
    ("glue", "GetColumnStatisticsForPartition", &["glue:GetPartition"]),
    ("glue", "CreatePartitionIndex", &["glue:UpdateTable"]),
    ("dms", "DescribeDataProviders", &["dms:ListDataProviders"]),
    ("dms", "DescribeMigrationProjects", &["dms:ListMigrationProjects"]),
    ("dms", "ModifyDataProvider", &["dms:UpdateDataProvider"]),
];

/// Where a tag-on-create call also needs a tagging action: (prefix, action) used when the
/// request carries `Tags` / `TagSpecifications`; other prefixes use `<prefix>:TagResource`.
pub const TAG_ACTIONS: &[(&str, &str)] = &[
    ("ec2", "ec2:CreateTags"),
    ("rds", "rds:AddTagsToResource"),
    ("ssm", "ssm:AddTagsToResource"),
    ("elasticloadbalancing", "elasticloadbalancing:AddTags"),
    ("sqs", "sqs:TagQueue"),
    ("cloudtrail", "cloudtrail:AddTags"),
    ("redshift", "redshift:CreateTags"),
    ("elasticache", "elasticache:AddTagsToResource"),
    ("autoscaling", "autoscaling:CreateOrUpdateTags"),
    ("elasticmapreduce", "elasticmapreduce:AddTags"),
];

/// IAM's own tag actions per created resource (`CreateRole` -> `iam:TagRole`, ...).
pub const IAM_TAG_ACTIONS: &[(&str, &str)] = &[
    ("createrole", "iam:TagRole"),
    ("createuser", "iam:TagUser"),
    ("createpolicy", "iam:TagPolicy"),
    ("createinstanceprofile", "iam:TagInstanceProfile"),
    ("createopenidconnectprovider", "iam:TagOpenIDConnectProvider"),
    ("createsamlprovider", "iam:TagSAMLProvider"),
    ("createvirtualmfadevice", "iam:TagMFADevice"),
];

/// The service principal a passed role is handed to, when it is not `<prefix>.amazonaws.com`:
/// (client, operation or `*`, principal).
pub const PASS_ROLE_TO: &[(&str, &str, &str)] = &[
    ("config", "PutRemediationConfigurations", "ssm.amazonaws.com"),
    ("ec2", "CreateFlowLogs", "vpc-flow-logs.amazonaws.com"),
    ("ecs", "*", "ecs-tasks.amazonaws.com"),
    ("rds", "*", "rds.amazonaws.com"),
    ("stepfunctions", "*", "states.amazonaws.com"),
    ("elbv2", "*", "elasticloadbalancing.amazonaws.com"),
    ("emr", "*", "elasticmapreduce.amazonaws.com"),
    ("sso-admin", "*", "sso.amazonaws.com"),
];

/// The IAM prefix of a boto3 client (`elbv2` -> `elasticloadbalancing`, `s3` -> `s3`). Client
/// names are matched as the models match them (`SQS` is read as `sqs`, `runtime.sagemaker` as
/// `sagemaker-runtime`); a name the models do not know is its own prefix, in lower case.
///
/// ```
/// use runbook_dsl::iam::services::prefix;
/// assert_eq!(prefix("elbv2"), "elasticloadbalancing");
/// assert_eq!(prefix("stepfunctions"), "states");
/// assert_eq!(prefix("cloudwatch"), "cloudwatch");
/// assert_eq!(prefix("ec2"), "ec2");
/// ```
pub fn prefix(service: &str) -> String {
    prefix_of(&resolve(service, ""))
}

fn prefix_of(r: &Resolved) -> String {
    PREFIXES
        .iter()
        .find(|(c, _)| *c == r.client)
        .map(|(_, p)| p.to_string())
        .or_else(|| r.signing.clone())
        .unwrap_or_else(|| r.client.clone())
}

/// Why the actions of a call are not derived from the models: a `Service` that is not a boto3
/// client name, or an operation the models do not have (the derivation then names the action
/// after what is written).
///
/// ```
/// use runbook_dsl::iam::services::note;
/// assert_eq!(note("ec2", "describe_instances"), None);
/// assert!(note("ec2", "DescribeInstance").unwrap().contains("not an operation"));
/// ```
pub fn note(service: &str, api: &str) -> Option<String> {
    resolve(service, api).note
}

/// The operation name as IAM spells its action: PascalCase stays, snake_case becomes
/// PascalCase word by word (`describe_load_balancers` -> `DescribeLoadBalancers`).
///
/// ```
/// use runbook_dsl::iam::services::operation_name;
/// assert_eq!(operation_name("describe_load_balancers"), "DescribeLoadBalancers");
/// assert_eq!(operation_name("PutBucketEncryption"), "PutBucketEncryption");
/// ```
pub fn operation_name(api: &str) -> String {
    let api = api.trim();
    if !api.contains('_') && api.starts_with(|c: char| c.is_ascii_uppercase()) {
        return api.to_string();
    }
    api.split('_')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut cs = w.chars();
            cs.next().map(|f| f.to_ascii_uppercase().to_string() + cs.as_str()).unwrap_or_default()
        })
        .collect()
}

/// Lower case without `_`: the key under which an operation is matched in either spelling.
fn op_key(api: &str) -> String {
    api.chars().filter(|c| *c != '_').map(|c| c.to_ascii_lowercase()).collect()
}

/// The actions an operation needs regardless of its parameters (the primary action, or the
/// renamed ones).
///
/// ```
/// use runbook_dsl::iam::services::primary_actions;
/// assert_eq!(primary_actions("s3", "PutBucketEncryption"), vec!["s3:PutEncryptionConfiguration"]);
/// assert_eq!(primary_actions("elbv2", "describe_load_balancers"), vec!["elasticloadbalancing:DescribeLoadBalancers"]);
/// assert_eq!(primary_actions("ec2", "StopInstances"), vec!["ec2:StopInstances"]);
/// ```
pub fn primary_actions(service: &str, api: &str) -> Vec<String> {
    let r = resolve(service, api);
    let key = op_key(api);
    if let Some((_, _, actions)) = IRREGULAR.iter().find(|(c, op, _)| *c == r.client && op_key(op) == key) {
        return actions.iter().map(|a| a.to_string()).collect();
    }
    let p = prefix_of(&r);
    if p == "apigateway" {
        return vec![format!("apigateway:{}", http_verb(&key))];
    }
    vec![format!("{p}:{}", r.operation)]
}

/// API Gateway authorizes by HTTP verb on the resource path, not by operation name.
fn http_verb(op_key: &str) -> &'static str {
    const VERBS: &[(&str, &str)] = &[
        ("get", "GET"),
        ("export", "GET"),
        ("create", "POST"),
        ("generate", "POST"),
        ("test", "POST"),
        ("update", "PATCH"),
        ("delete", "DELETE"),
        ("flush", "DELETE"),
        ("untag", "DELETE"),
        ("put", "PUT"),
        ("import", "PUT"),
        ("reimport", "PUT"),
        ("tag", "PUT"),
    ];
    VERBS.iter().find(|(w, _)| op_key.starts_with(w)).map(|(_, v)| *v).unwrap_or("GET")
}

/// Side actions an operation needs because of the parameters it is given: tagging on create.
pub fn side_actions(service: &str, api: &str, params: &Map) -> Vec<String> {
    let key = op_key(api);
    let tagged = params.keys().any(|k| matches!(k.to_ascii_lowercase().as_str(), "tags" | "tagspecifications"));
    let creates =
        ["create", "run", "copy", "allocate", "register", "put", "import", "start"].iter().any(|w| key.starts_with(w));
    if !(tagged && creates) {
        return Vec::new();
    }
    let p = prefix(service);
    if p == "iam" {
        return IAM_TAG_ACTIONS.iter().filter(|(op, _)| *op == key).map(|(_, a)| a.to_string()).collect();
    }
    let action = TAG_ACTIONS.iter().find(|(pp, _)| *pp == p).map(|(_, a)| a.to_string());
    vec![action.unwrap_or_else(|| format!("{p}:TagResource"))]
}

/// KMS actions a call needs on a customer managed key given as `KmsKeyId` / `KmsKeyArn`, as
/// `(service the key is used through, actions)`: the policy grants them only with the
/// `kms:ViaService` condition `<service>.*.amazonaws.com`. EBS (ec2) uses grants and data keys
/// for encrypted volumes and snapshots; RDS creates a grant.
///
/// ```
/// use runbook_dsl::iam::services::kms_via;
/// let p = serde_json::json!({"SourceSnapshotId": "snap-1", "Encrypted": true, "KmsKeyId": "{{ KmsKeyId }}"});
/// let (via, actions) = kms_via("ec2", "CopySnapshot", p.as_object().unwrap()).unwrap();
/// assert_eq!(via, "ec2");
/// assert!(actions.contains(&"kms:CreateGrant".to_string()));
/// ```
pub fn kms_via(service: &str, api: &str, params: &Map) -> Option<(String, Vec<String>)> {
    let p = prefix(service);
    if p == "ec2" && op_key(api) == "startinstances" {
        // Volumes encrypted with a customer managed key: EC2 creates a grant for the caller.
        return Some(("ec2".into(), vec!["kms:CreateGrant".into()]));
    }
    if !params.keys().any(|k| matches!(k.to_ascii_lowercase().as_str(), "kmskeyid" | "kmskeyarn")) {
        return None;
    }
    let actions: &[&str] = match p.as_str() {
        "ec2" => &EBS_KMS,
        "rds" => &["kms:CreateGrant", "kms:DescribeKey"],
        _ => return None,
    };
    Some((p, actions.iter().map(|a| a.to_string()).collect()))
}

/// What EC2 needs on a customer managed key to encrypt volumes, snapshots and images.
pub const EBS_KMS: [&str; 6] = [
    "kms:CreateGrant",
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
];

/// The service principals a call hands a role to (for `iam:PassRole` with
/// `iam:PassedToService`), found from parameters that carry a role: `*RoleArn`, `RoleARN`,
/// `ServiceRole`, `IamInstanceProfile`, `DeliverLogsPermissionArn`, at any depth.
///
/// ```
/// use runbook_dsl::iam::services::passed_to;
/// let params = serde_json::json!({"IamInstanceProfile": {"Name": "p"}, "InstanceId": "i-1"});
/// assert_eq!(passed_to("ec2", "AssociateIamInstanceProfile", params.as_object().unwrap()), vec!["ec2.amazonaws.com"]);
/// ```
pub fn passed_to(service: &str, api: &str, params: &Map) -> Vec<String> {
    let mut keys = Vec::new();
    for (k, v) in params {
        role_keys(k, v, &mut keys);
    }
    let r = resolve(service, api);
    let client = r.client.as_str();
    let key = op_key(api);
    let by_call = PASS_ROLE_TO
        .iter()
        .find(|(c, op, _)| *c == client && op_key(op) == key)
        .or_else(|| PASS_ROLE_TO.iter().find(|(c, op, _)| *c == client && *op == "*"))
        .map(|(_, _, p)| p.to_string())
        .unwrap_or_else(|| format!("{}.amazonaws.com", prefix_of(&r)));
    let mut out: Vec<String> = Vec::new();
    for k in keys {
        let principal = PASS_ROLE_BY_KEY
            .iter()
            .find(|(rk, _)| *rk == k)
            .map(|(_, p)| p.to_string())
            .unwrap_or_else(|| by_call.clone());
        if !out.contains(&principal) {
            out.push(principal);
        }
    }
    out
}

/// Role parameters handed to a service other than the one called: (parameter, lower case;
/// principal).
const PASS_ROLE_BY_KEY: &[(&str, &str)] = &[
    ("monitoringrolearn", "monitoring.rds.amazonaws.com"),
    ("cloudwatchlogsrolearn", "cloudtrail.amazonaws.com"),
    ("automationassumerole", "ssm.amazonaws.com"),
];

/// The role-carrying parameter names (lower case) in a value, at any depth.
fn role_keys(key: &str, value: &Value, out: &mut Vec<String>) {
    let k = key.to_ascii_lowercase();
    let named = k.ends_with("rolearn")
        || k.ends_with("role_arn")
        || matches!(
            k.as_str(),
            "role" | "servicerole" | "iaminstanceprofile" | "deliverlogspermissionarn" | "automationassumerole"
        );
    if named {
        out.push(k);
        return;
    }
    match value {
        Value::Object(m) => m.iter().for_each(|(k, v)| role_keys(k, v, out)),
        Value::Array(a) => {
            a.iter().filter_map(Value::as_object).for_each(|m| m.iter().for_each(|(k, v)| role_keys(k, v, out)))
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn prefixes_that_differ_from_the_client() {
        for (client, want) in [
            ("elb", "elasticloadbalancing"),
            ("efs", "elasticfilesystem"),
            ("emr", "elasticmapreduce"),
            ("sso-admin", "sso"),
            ("opensearch", "es"),
            ("docdb", "rds"),
            ("sesv2", "ses"),
            ("s3control", "s3"),
            ("SQS", "sqs"),
        ] {
            assert_eq!(prefix(client), want, "{client}");
        }
    }

    #[test]
    fn renamed_and_batch_operations() {
        assert_eq!(primary_actions("s3", "put_bucket_encryption"), ["s3:PutEncryptionConfiguration"]);
        assert_eq!(primary_actions("s3", "HeadBucket"), ["s3:ListBucket"]);
        assert_eq!(primary_actions("s3", "DeleteBucketLifecycle"), ["s3:PutLifecycleConfiguration"]);
        assert_eq!(primary_actions("s3control", "PutPublicAccessBlock"), ["s3:PutAccountPublicAccessBlock"]);
        assert_eq!(primary_actions("s3", "PutPublicAccessBlock"), ["s3:PutBucketPublicAccessBlock"]);
        assert_eq!(primary_actions("lambda", "Invoke"), ["lambda:InvokeFunction"]);
        assert_eq!(primary_actions("sqs", "SendMessageBatch"), ["sqs:SendMessage"]);
        assert_eq!(primary_actions("kms", "ReEncrypt"), ["kms:ReEncryptFrom", "kms:ReEncryptTo"]);
        assert_eq!(primary_actions("apigateway", "UpdateStage"), ["apigateway:PATCH"]);
        assert_eq!(primary_actions("sts", "get_caller_identity"), ["sts:GetCallerIdentity"]);
    }

    #[test]
    fn tags_on_create_add_the_service_tag_action() {
        let p = json!({"TagSpecifications": [{"ResourceType": "volume"}]});
        assert_eq!(side_actions("ec2", "CreateVolume", p.as_object().unwrap()), ["ec2:CreateTags"]);
        let p = json!({"RoleName": "r", "Tags": [{"Key": "k", "Value": "v"}]});
        assert_eq!(side_actions("iam", "CreateRole", p.as_object().unwrap()), ["iam:TagRole"]);
        assert!(side_actions("ec2", "CreateVolume", &Map::new()).is_empty());
        assert!(side_actions("ec2", "DescribeTags", p.as_object().unwrap()).is_empty());
    }

    #[test]
    fn roles_found_in_nested_parameters() {
        let p = json!({"Trail": "t", "CloudWatchLogsRoleArn": "arn:aws:iam::1:role/r"});
        assert_eq!(passed_to("cloudtrail", "UpdateTrail", p.as_object().unwrap()), ["cloudtrail.amazonaws.com"]);
        let p = json!({"RemediationConfigurations": [{"Parameters": {"AutomationAssumeRole": {}}}]});
        assert_eq!(passed_to("config", "PutRemediationConfigurations", p.as_object().unwrap()), ["ssm.amazonaws.com"]);
        assert!(passed_to("ec2", "StopInstances", json!({"InstanceIds": ["i-1"]}).as_object().unwrap()).is_empty());
        let p = json!({"DBInstanceIdentifier": "db", "MonitoringRoleArn": "arn", "DomainIAMRoleName": "x"});
        assert_eq!(passed_to("rds", "ModifyDBInstance", p.as_object().unwrap()), ["monitoring.rds.amazonaws.com"]);
    }
}
