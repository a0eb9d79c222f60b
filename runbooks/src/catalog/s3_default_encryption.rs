//! Enable default encryption on an S3 bucket that AWS Config found without it: SSE-S3 (AES256) or
//! SSE-KMS with a key given as a parameter. Config passes the bucket name as the resource id. Written with the macros.

use super::common;
use super::ConfigTarget;
use runbook_dsl::builder::BuildError;
use runbook_dsl::prelude::*;

const ALGORITHM: &str = "$.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm";

/// Reads the bucket's default encryption algorithm. Only
/// `ServerSideEncryptionConfigurationNotFoundError` (the bucket has no configuration) means
/// "unencrypted" (`None`); any other error (access denied, no such bucket, throttling) is raised,
/// so the run fails instead of taking the fix path. A script: an `aws:executeAwsApi` read's
/// failure route cannot tell one error code from another.
const READ_ENCRYPTION: &str = r#"import boto3
from botocore.exceptions import ClientError

def handler(events, context):
    s3 = boto3.client("s3")
    try:
        config = s3.get_bucket_encryption(Bucket=events["Bucket"])["ServerSideEncryptionConfiguration"]
    except ClientError as e:
        if e.response["Error"]["Code"] != "ServerSideEncryptionConfigurationNotFoundError":
            raise
        return {"Algorithm": "None", "Found": False}
    rules = config.get("Rules") or [{}]
    algorithm = rules[0].get("ApplyServerSideEncryptionByDefault", {}).get("SSEAlgorithm", "None")
    return {"Algorithm": algorithm, "Found": True}
"#;

/// The Config finding: `S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED`; Config passes the bucket name.
pub const TARGET: ConfigTarget = ConfigTarget {
    config_rule: "S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED",
    resource_type: "AWS::S3::Bucket",
    resource_id_param: "BucketName",
};

/// The parameters besides `AutomationAssumeRole`.
#[derive(Parameters)]
pub struct Params {
    /// (Required) The bucket, as AWS Config passes it (RESOURCE_ID).
    #[param(allowed_pattern = r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")]
    pub bucket_name: String,
    /// (Optional) `AES256` for SSE-S3, `aws:kms` for SSE-KMS with `KmsKeyId`.
    #[param(name = "SSEAlgorithm", default = "AES256", allowed_values = ["AES256", "aws:kms"], allowed_pattern = "^(AES256|aws:kms)$")]
    pub sse_algorithm: String,
    /// (Optional) The KMS key for SSE-KMS (key id, key ARN, alias name or alias ARN); ignored for AES256.
    #[param(
        default = "alias/aws/s3",
        allowed_pattern = r"^(alias/[a-zA-Z0-9/_-]{1,250}|(mrk-)?[a-f0-9-]{32,36}|arn:aws[a-z0-9-]*:kms:[a-z0-9-]+:\d{12}:(key/(mrk-)?[a-f0-9-]{32,36}|alias/[a-zA-Z0-9/_-]{1,250}))$"
    )]
    pub kms_key_id: String,
}

/// Builds the runbook; `approval` adds an approval before the first change.
pub fn build(approval: bool) -> Result<Document, BuildError> {
    let mut rb = Runbook::new(
        "Enables default encryption on an S3 bucket that AWS Config found unencrypted: SSE-S3 (AES256) \
         or SSE-KMS with the key in `KmsKeyId`.\n\n\
         The runbook reads the bucket's default encryption first; only \
         ServerSideEncryptionConfigurationNotFoundError counts as no encryption, any other error \
         (access denied, no such bucket) fails the run before any change. A bucket that already meets the \
         requested level is left untouched and the run says so (with `SSEAlgorithm` AES256 any \
         default encryption is enough; with aws:kms the bucket must already use KMS). Otherwise it \
         sets the default encryption and verifies the algorithm. If the change or its check fails, \
         or the run is cancelled, the undo deletes the bucket's encryption configuration, which \
         returns it to S3's own default, and the run ends Failed.",
    );
    rb.assume_role();
    let p = rb.params::<Params>();
    let approvers = common::approvers(&mut rb, approval, "enabling default encryption on the bucket");
    flow! { rb;
        /// Reads the bucket's default encryption; only "no configuration" counts as unencrypted, any
        /// other error fails the run.
        ReadEncryption: script!(
            runtime = "python3.11",
            handler = "handler",
            script = READ_ENCRYPTION,
            input = { Bucket: p.bucket_name },
            outputs = { Algorithm: Str = "$.Payload.Algorithm", Found: Bool = "$.Payload.Found" },
        ), timeout 60;
        /// Leaves a bucket that already has the requested default encryption untouched.
        CheckEncryption: if p.sse_algorithm == "aws:kms" && ReadEncryption.Algorithm.starts_with("aws:kms") {
            AlreadyEncrypted
        } else if p.sse_algorithm == "AES256" && ReadEncryption.Algorithm == "AES256" {
            AlreadyEncrypted
        } else if p.sse_algorithm == "AES256" && ReadEncryption.Algorithm.starts_with("aws:kms") {
            AlreadyEncrypted
        } else {
            ApproveChange
        };
        /// Confirms that the bucket has default encryption. The resource is already compliant; nothing was changed.
        AlreadyEncrypted: AssertAwsResourceProperty::new(
            "s3",
            "GetBucketEncryption",
            ALGORITHM,
            vec!["AES256", "aws:kms", "aws:kms:dsse"],
        )
        .param("Bucket", &p.bucket_name), end;
        /// Waits for an approver; a rejection ends the run without any change.
        #[when(let Some(a) = &approvers)]
        ApproveChange: approve(a, format!(
            "Enable default encryption ({}) on S3 bucket {}, flagged by AWS Config?",
            p.sse_algorithm, p.bucket_name,
        ), common::NOTIFICATION_ARN), next ChooseAlgorithm;
        /// Picks the SSE-KMS or the SSE-S3 configuration.
        ChooseAlgorithm: if p.sse_algorithm == "aws:kms" { PutKmsEncryption } else { PutS3Encryption };
        /// Sets default encryption to SSE-KMS with the given key (S3 Bucket Key on).
        PutKmsEncryption: api!(s3.PutBucketEncryption {
            Bucket: p.bucket_name,
            ServerSideEncryptionConfiguration: {
                Rules: [{
                    ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: p.kms_key_id },
                    BucketKeyEnabled: true,
                }],
            },
        }), timeout 20, critical true, next VerifyEncryption, undo {
            /// Undo: deletes the encryption configuration this run set; S3 falls back to its own default.
            UndoEncryption: api!(s3.DeleteBucketEncryption { Bucket: p.bucket_name }), timeout 20;
        };
        /// Sets default encryption to SSE-S3 (AES256).
        PutS3Encryption: api!(s3.PutBucketEncryption {
            Bucket: p.bucket_name,
            ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }] },
        }), timeout 20, on_failure UndoEncryption, on_cancel UndoEncryption, critical true;
        /// Verifies that the bucket's default encryption is the requested algorithm.
        VerifyEncryption: AssertAwsResourceProperty::new("s3", "GetBucketEncryption", ALGORITHM, vec![p.sse_algorithm.to_string()])
            .param("Bucket", &p.bucket_name), timeout 20, on_failure UndoEncryption, on_cancel UndoEncryption, critical true, end;
        outputs ReadEncryption.Algorithm, ReadEncryption.Found;
    }
    rb.build()
}
