//! Enable default encryption (SSE-S3) on an S3 bucket that AWS Config found without it. Config
//! passes the bucket name as the resource id.

use super::ConfigTarget;
use runbook_dsl::builder::BuildError;
use runbook_dsl::prelude::*;

const ALGORITHM: &str = "$.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm";

/// The Config finding: `S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED`; Config passes the bucket name.
pub const TARGET: ConfigTarget = ConfigTarget {
    config_rule: "S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED",
    resource_type: "AWS::S3::Bucket",
    resource_id_param: "BucketName",
};

/// Builds the runbook; `approval` adds an approval before the first change.
pub fn build(approval: bool) -> Result<Document, BuildError> {
    let mut rb = Runbook::new(
        "Enables default encryption (SSE-S3, AES256) on an S3 bucket that AWS Config found \
         unencrypted.\n\nThe runbook reads the bucket's encryption first: a bucket that already \
         uses AES256 or aws:kms is left untouched and the run says so. Otherwise it sets the \
         default encryption and verifies it.",
    );
    rb.assume_role();
    let bucket: Param<Str> = rb.param(
        "BucketName",
        ParamSpec::new("(Required) The bucket, as AWS Config passes it (RESOURCE_ID).")
            .pattern(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"),
    );
    let approvers: Option<Param<StrList>> = approval.then(|| {
        rb.param(
            "Approvers",
            ParamSpec::new("(Required) IAM users or role ARNs who may approve the change.").min_items(1).max_items(10),
        )
    });
    let first_change = if approval { "ApproveChange" } else { "PutEncryption" };

    let get = rb.add(
        Step::new("GetEncryption", ExecuteAwsApi::new("s3", "GetBucketEncryption").param("Bucket", &bucket))
            .description("Reads the bucket's default encryption; a bucket without any goes straight to the fix.")
            .timeout_seconds(20)
            .on_failure(OnFailure::step(first_change))
            .is_critical(false),
    );
    let algorithm: Output<Str> = rb.output(&get, "Algorithm", ALGORITHM);
    rb.add(
        Step::new(
            "CheckEncryption",
            Branch::new(vec![Choice::new(
                "AlreadyEncrypted",
                Condition::Or(vec![
                    Condition::compare(algorithm.value(), Operator::StringEquals, "AES256"),
                    Condition::compare(algorithm.value(), Operator::StringEquals, "aws:kms"),
                ]),
            )])
            .default(first_change),
        )
        .description("Leaves a bucket that is already encrypted untouched."),
    );
    rb.add(
        Step::new(
            "AlreadyEncrypted",
            AssertAwsResourceProperty::new("s3", "GetBucketEncryption", ALGORITHM, vec!["AES256", "aws:kms"])
                .param("Bucket", &bucket),
        )
        .description("The bucket is already compliant; nothing was changed.")
        .is_end(true),
    );
    if let Some(approvers) = &approvers {
        rb.add(
            Step::new(
                "ApproveChange",
                Approve::new(approvers)
                    .message(format!("Enable default encryption (AES256) on bucket {bucket}?"))
                    .min_required_approvals(1),
            )
            .description("Waits for an approver; a rejection ends the run without changes."),
        );
    }
    rb.mutate(
        Step::new(
            "PutEncryption",
            ExecuteAwsApi::new("s3", "PutBucketEncryption").param("Bucket", &bucket).param(
                "ServerSideEncryptionConfiguration",
                json!({"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": true}]}),
            ),
        )
        .description("Sets default encryption to SSE-S3 (AES256).")
        .timeout_seconds(20),
        vec![Step::new("RemoveEncryption", ExecuteAwsApi::new("s3", "DeleteBucketEncryption").param("Bucket", &bucket))
            .description("Rollback: removes the default encryption set by this run when it could not be verified.")
            .timeout_seconds(20)],
    );
    rb.add(
        Step::new(
            "VerifyEncryption",
            AssertAwsResourceProperty::new("s3", "GetBucketEncryption", ALGORITHM, vec!["AES256"])
                .param("Bucket", &bucket),
        )
        .description("Verifies that default encryption is AES256.")
        .is_end(true),
    );
    rb.build()
}
