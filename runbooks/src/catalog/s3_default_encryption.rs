//! Enable default encryption on an S3 bucket that AWS Config found without it: SSE-S3 (AES256) or
//! SSE-KMS with a key given as a parameter. Config passes the bucket name as the resource id.

use super::common::{self, BUCKET_PATTERN, KMS_KEY_PATTERN};
use super::ConfigTarget;
use runbook_dsl::builder::BuildError;
use runbook_dsl::model::Value;
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
        "Enables default encryption on an S3 bucket that AWS Config found unencrypted: SSE-S3 (AES256) \
         or SSE-KMS with the key in `KmsKeyId`.\n\n\
         The runbook reads the bucket's default encryption first. A bucket that already meets the \
         requested level is left untouched and the run says so (with `SSEAlgorithm` AES256 any \
         default encryption is enough; with aws:kms the bucket must already use KMS). Otherwise it \
         sets the default encryption and verifies the algorithm. If the change or its check fails, \
         or the run is cancelled, the undo deletes the bucket's encryption configuration, which \
         returns it to S3's own default, and the run ends Failed.",
    );
    rb.assume_role();
    let bucket: Param<Str> = rb.param(
        "BucketName",
        ParamSpec::new("(Required) The bucket, as AWS Config passes it (RESOURCE_ID).").pattern(BUCKET_PATTERN),
    );
    let algorithm: Param<Str> = rb.param(
        "SSEAlgorithm",
        ParamSpec::new("(Optional) `AES256` for SSE-S3, `aws:kms` for SSE-KMS with `KmsKeyId`.")
            .default("AES256")
            .allowed_values(["AES256", "aws:kms"])
            .pattern("^(AES256|aws:kms)$"),
    );
    let key: Param<Str> = rb.param(
        "KmsKeyId",
        ParamSpec::new(
            "(Optional) The KMS key for SSE-KMS (key id, key ARN, alias name or alias ARN); ignored for AES256.",
        )
        .default("alias/aws/s3")
        .pattern(KMS_KEY_PATTERN),
    );
    let approvers = common::approvers(&mut rb, approval, "enabling default encryption on the bucket");
    let first_change = if approval { "ApproveChange" } else { "ChooseAlgorithm" };

    let get = rb.add(
        Step::new("GetEncryption", ExecuteAwsApi::new("s3", "GetBucketEncryption").param("Bucket", &bucket))
            .description("Reads the bucket's default encryption; a bucket without any goes straight to the fix.")
            .timeout_seconds(20)
            .on_failure(OnFailure::step(first_change))
            .is_critical(false),
    );
    let current: Output<Str> = rb.output(&get, "Algorithm", ALGORITHM);
    let wants = |a: &str| Condition::compare(algorithm.value(), Operator::StringEquals, a);
    let has = |op: Operator, a: &str| Condition::compare(current.value(), op, a);
    rb.add(
        Step::new(
            "CheckEncryption",
            Branch::new(vec![
                Choice::new(
                    "AlreadyEncrypted",
                    Condition::And(vec![wants("aws:kms"), has(Operator::StartsWith, "aws:kms")]),
                ),
                Choice::new(
                    "AlreadyEncrypted",
                    Condition::And(vec![wants("AES256"), has(Operator::StringEquals, "AES256")]),
                ),
                Choice::new(
                    "AlreadyEncrypted",
                    Condition::And(vec![wants("AES256"), has(Operator::StartsWith, "aws:kms")]),
                ),
            ])
            .default(first_change),
        )
        .description("Leaves a bucket that already has the requested default encryption untouched."),
    );
    rb.add(common::compliant_end(
        "AlreadyEncrypted",
        AssertAwsResourceProperty::new(
            "s3",
            "GetBucketEncryption",
            ALGORITHM,
            vec!["AES256", "aws:kms", "aws:kms:dsse"],
        )
        .param("Bucket", &bucket),
        "Confirms that the bucket has default encryption.",
    ));
    common::gate(
        &mut rb,
        &approvers,
        "ApproveChange",
        format!("Enable default encryption ({algorithm}) on S3 bucket {bucket}, flagged by AWS Config?"),
        "ChooseAlgorithm",
    );
    rb.add(
        Step::new(
            "ChooseAlgorithm",
            Branch::new(vec![Choice::new("PutKmsEncryption", wants("aws:kms"))]).default("PutS3Encryption"),
        )
        .description("Picks the SSE-KMS or the SSE-S3 configuration."),
    );
    let put = |name: &str, rule: Value, description: &str| {
        common::undo_to(
            Step::new(
                name,
                ExecuteAwsApi::new("s3", "PutBucketEncryption")
                    .param("Bucket", &bucket)
                    .param("ServerSideEncryptionConfiguration", json!({ "Rules": [rule] })),
            )
            .description(description)
            .timeout_seconds(20),
            "UndoEncryption",
        )
    };
    rb.add(
        put(
            "PutKmsEncryption",
            json!({
                "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key.to_string()},
                "BucketKeyEnabled": true
            }),
            "Sets default encryption to SSE-KMS with the given key (S3 Bucket Key on).",
        )
        .next_step("VerifyEncryption"),
    );
    rb.add(put(
        "PutS3Encryption",
        json!({"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}),
        "Sets default encryption to SSE-S3 (AES256).",
    ));
    rb.add(
        common::undo_to(
            Step::new(
                "VerifyEncryption",
                AssertAwsResourceProperty::new("s3", "GetBucketEncryption", ALGORITHM, vec![algorithm.to_string()])
                    .param("Bucket", &bucket),
            )
            .description("Verifies that the bucket's default encryption is the requested algorithm.")
            .timeout_seconds(20),
            "UndoEncryption",
        )
        .is_end(true),
    );
    common::add_undo_chain(
        &mut rb,
        vec![Step::new("UndoEncryption", ExecuteAwsApi::new("s3", "DeleteBucketEncryption").param("Bucket", &bucket))
            .description("Undo: deletes the encryption configuration this run set; S3 falls back to its own default.")
            .timeout_seconds(20)],
    );
    rb.document_output(&current);
    rb.build()
}
