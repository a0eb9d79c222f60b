//! The builder twin of `catalog/s3_bucket_versioning.rs`: the same runbook written with the
//! plain builder API, for the rebuild benchmark (`runbooks/benches/rebuild_macros.sh` swaps it
//! into the catalog) and for the test that both produce the same document. Not part of the
//! catalog.

use crate::catalog::ConfigTarget;
use runbook_dsl::builder::BuildError;
use runbook_dsl::prelude::*;

/// The Config finding: `S3_BUCKET_VERSIONING_ENABLED`; Config passes the bucket name.
pub const TARGET: ConfigTarget = ConfigTarget {
    config_rule: "S3_BUCKET_VERSIONING_ENABLED",
    resource_type: "AWS::S3::Bucket",
    resource_id_param: "BucketName",
};

/// Reads the versioning status; a bucket that was never versioned has no `Status` in the
/// response, which the script reports as `Disabled`.
const READ_STATUS: &str = r#"import boto3

def handler(events, context):
    s3 = boto3.client("s3")
    status = s3.get_bucket_versioning(Bucket=events["Bucket"]).get("Status", "Disabled")
    if status == "Enabled":
        plan = "Versioning was already Enabled; nothing was changed."
    else:
        plan = "Versioning was " + status + "; it is now Enabled."
    return {"Status": status, "Plan": plan}
"#;

/// Builds the runbook; `approval` adds an approval before the change.
pub fn build(approval: bool) -> Result<Document, BuildError> {
    let mut rb = Runbook::new(
        "Enables versioning on an S3 bucket that AWS Config found without it \
         (S3_BUCKET_VERSIONING_ENABLED).\n\nThe runbook reads the bucket's versioning status first: a \
         bucket whose versioning is already Enabled is left untouched and the run says so. Otherwise it \
         enables versioning and verifies it. If enabling or verifying fails, or the run is cancelled, a \
         bucket whose versioning was Suspended is suspended again; a bucket that was never versioned is \
         left as it is (it cannot go back to never-versioned, and Suspended is a state it never had). \
         Outputs: the status before the run and what was changed.",
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
            ParamSpec::new("(Required) IAM user names or user/role ARNs (1 to 10) who may approve the change.")
                .pattern(r"^([\w+=,.@-]+|arn:aws[a-z0-9-]*:(iam|sts)::\d{12}:(user|role|assumed-role)/[\w+=,.@/-]+)$")
                .min_items(1)
                .max_items(10),
        )
    });
    let topic: Option<Param<Str>> = approval.then(|| {
        rb.param(
            "NotificationArn",
            ParamSpec::new(
                "(Required) The SNS topic that tells the approvers a run waits for them (its name starts with \
                 `Automation`, as AWS requires).",
            )
            .pattern(r"^arn:aws[a-z0-9-]*:sns:[a-z0-9-]+:\d{12}:Automation[A-Za-z0-9_-]{0,246}$"),
        )
    });
    let first_change = if approval { "ApproveChange" } else { "EnableVersioning" };

    let read = rb.add(
        Step::new(
            "ReadVersioning",
            ExecuteScript::new("python3.11")
                .handler("handler")
                .script(READ_STATUS)
                .input_payload(json!({ "Bucket": bucket.to_string() })),
        )
        .description("Reads the bucket's versioning status (Enabled, Suspended, or Disabled if never set).")
        .timeout_seconds(60),
    );
    let status: Output<Str> = rb.output(&read, "Status", "$.Payload.Status");
    let plan: Output<Str> = rb.output(&read, "Plan", "$.Payload.Plan");
    rb.add(
        Step::new(
            "CheckVersioning",
            Branch::new(vec![Choice::new(
                "AlreadyEnabled",
                Condition::compare(status.value(), Operator::StringEquals, "Enabled"),
            )])
            .default(first_change),
        )
        .description("Leaves a bucket whose versioning is already Enabled untouched."),
    );
    rb.add(
        Step::new(
            "AlreadyEnabled",
            AssertAwsResourceProperty::new("s3", "GetBucketVersioning", "$.Status", vec!["Enabled"])
                .param("Bucket", &bucket),
        )
        .description("The bucket is already compliant; nothing was changed.")
        .is_end(true),
    );
    if let (Some(approvers), Some(topic)) = (&approvers, &topic) {
        rb.add(
            Step::new(
                "ApproveChange",
                Approve::new(approvers)
                    .message(format!("Enable versioning on S3 bucket {bucket}?"))
                    .min_required_approvals(1)
                    .notification_arn(topic),
            )
            .description("Waits for an approver; a rejection ends the run without changes."),
        );
    }
    // The change and its undo: `mutate` sends the change's failure and cancellation, and those
    // of every later step, to the undo.
    rb.mutate(
        Step::new(
            "EnableVersioning",
            ExecuteAwsApi::new("s3", "PutBucketVersioning")
                .param("Bucket", &bucket)
                .param("VersioningConfiguration", json!({"Status": "Enabled"})),
        )
        .description("Enables versioning.")
        .timeout_seconds(20)
        .max_attempts(3),
        vec![
            Step::new(
                "UndoCheckPrevious",
                Branch::new(vec![Choice::new(
                    "UndoEnableVersioning",
                    Condition::compare(status.value(), Operator::StringEquals, "Suspended"),
                )]),
            )
            .description(
                "Undo: only a bucket whose versioning was Suspended before gets it back; a bucket that was never \
                 versioned cannot return to that state, so the undo ends here rather than suspend it.",
            )
            .is_end(true),
            Step::new(
                "UndoEnableVersioning",
                ExecuteAwsApi::new("s3", "PutBucketVersioning")
                    .param("Bucket", &bucket)
                    .param("VersioningConfiguration", json!({"Status": "Suspended"})),
            )
            .description("Undo: suspends versioning again, as it was before the run.")
            .timeout_seconds(20),
        ],
    );
    rb.add(
        Step::new(
            "VerifyVersioning",
            WaitForAwsResourceProperty::new("s3", "GetBucketVersioning", "$.Status", vec!["Enabled"])
                .param("Bucket", &bucket),
        )
        .description("Verifies that versioning is Enabled.")
        .timeout_seconds(60)
        .on_failure(OnFailure::step("UndoCheckPrevious"))
        .on_cancel(OnCancel::step("UndoCheckPrevious"))
        .is_end(true),
    );
    rb.document_output(&status);
    rb.document_output(&plan);
    rb.build()
}
