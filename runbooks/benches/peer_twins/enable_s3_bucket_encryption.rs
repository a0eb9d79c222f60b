//! The peer harness's sample of the same name (`../shared/peers/cdk-ssm-documents/samples/`), rebuilt with the builder by `runbook import`: the per-document workload of the emit benchmark.
//!
//! Enables SSE-KMS default encryption on an S3 bucket; restores the previous setting on failure.

use runbook_dsl::builder::BuildError;
use runbook_dsl::prelude::*;

/// Builds the runbook.
pub fn build() -> Result<Document, BuildError> {
    let mut rb =
        Runbook::new("Enables SSE-KMS default encryption on an S3 bucket; restores the previous setting on failure.");
    let bucket_name: Param<Str> = rb.param(
        "BucketName",
        ParamSpec::new("(Required) Bucket to remediate.").pattern("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"),
    );
    let kms_key_id: Param<Str> =
        rb.param("KmsKeyId", ParamSpec::new("(Optional) KMS key id or ARN.").default("alias/aws/s3"));
    let automation_assume_role: Param<Str> = rb.param(
        "AutomationAssumeRole",
        ParamSpec::new("(Required) ARN of the IAM role Automation assumes to run this document.")
            .pattern(r"^arn:aws[a-z0-9-]*:iam::\d{12}:role/[\w+=,.@/-]+$"),
    );
    rb.set_assume_role(&automation_assume_role);
    let get_current_encryption = rb.add(Step::new(
        "GetCurrentEncryption",
        ExecuteAwsApi::new("s3", "GetBucketEncryption").param("Bucket", &bucket_name),
    ));
    let current_algorithm: Output<Str> = rb.output(
        &get_current_encryption,
        "CurrentAlgorithm",
        "$.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm",
    );
    rb.add(Step::new(
        "CheckAlreadyKms",
        Branch::new(vec![Choice::new(
            "AlreadyCompliant",
            Condition::compare(&current_algorithm, Operator::StringEquals, "aws:kms"),
        )])
        .default("PutKmsEncryption"),
    ));
    rb.add(
        Step::new(
            "PutKmsEncryption",
            ExecuteAwsApi::new("s3", "PutBucketEncryption").param("Bucket", &bucket_name).param(
                "ServerSideEncryptionConfiguration",
                json!({
                    "Rules": [
                        {
                            "ApplyServerSideEncryptionByDefault": {
                                "SSEAlgorithm": "aws:kms",
                                "KMSMasterKeyID": kms_key_id.value(),
                            },
                            "BucketKeyEnabled": true,
                        },
                    ],
                }),
            ),
        )
        .on_failure(OnFailure::step("RollbackEncryption")),
    );
    rb.add(
        Step::new(
            "VerifyKmsEncryption",
            AssertAwsResourceProperty::new(
                "s3",
                "GetBucketEncryption",
                "$.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm",
                json!(["aws:kms"]),
            )
            .param("Bucket", &bucket_name),
        )
        .on_failure(OnFailure::step("RollbackEncryption"))
        .is_end(true),
    );
    rb.add(
        Step::new(
            "RollbackEncryption",
            ExecuteAwsApi::new("s3", "PutBucketEncryption").param("Bucket", &bucket_name).param(
                "ServerSideEncryptionConfiguration",
                json!({
                    "Rules": [
                        {
                            "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": current_algorithm.value()},
                        },
                    ],
                }),
            ),
        )
        .is_end(true),
    );
    rb.add(Step::new("AlreadyCompliant", Sleep::new().duration("PT0S")).is_end(true));
    rb.document_output(&current_algorithm);
    rb.build()
}
