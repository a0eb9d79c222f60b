//! Enable versioning on an S3 bucket that AWS Config found without it
//! (`S3_BUCKET_VERSIONING_ENABLED`). Config passes the bucket name as the resource id. Written
//! with the macros (`#[derive(Parameters)]`, `script!`, `api!`, `flow!`).

use super::common;
use super::ConfigTarget;
use runbook_dsl::builder::BuildError;
use runbook_dsl::prelude::*;

/// The Config finding: `S3_BUCKET_VERSIONING_ENABLED`; Config passes the bucket name.
pub const TARGET: ConfigTarget = ConfigTarget {
    config_rule: "S3_BUCKET_VERSIONING_ENABLED",
    resource_type: "AWS::S3::Bucket",
    resource_id_param: "BucketName",
};

/// The parameters besides `AutomationAssumeRole`.
#[derive(Parameters)]
pub struct Params {
    /// (Required) The bucket, as AWS Config passes it (RESOURCE_ID).
    #[param(allowed_pattern = r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")]
    pub bucket_name: String,
}

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
    let p = rb.params::<Params>();
    let approvers = common::approvers(&mut rb, approval, "the change");
    flow! { rb;
        /// Reads the bucket's versioning status (Enabled, Suspended, or Disabled if never set).
        ReadVersioning: script!(
            runtime = "python3.11",
            handler = "handler",
            script = READ_STATUS,
            input = { Bucket: p.bucket_name },
            outputs = { Status: Str = "$.Payload.Status", Plan: Str = "$.Payload.Plan" },
        ), timeout 60;
        /// Leaves a bucket whose versioning is already Enabled untouched.
        CheckVersioning: if ReadVersioning.Status == "Enabled" { AlreadyEnabled } else { ApproveChange };
        /// The bucket is already compliant; nothing was changed.
        AlreadyEnabled: AssertAwsResourceProperty::new("s3", "GetBucketVersioning", "$.Status", vec!["Enabled"])
            .param("Bucket", &p.bucket_name), end;
        /// Waits for an approver; a rejection ends the run without changes.
        #[when(let Some(a) = &approvers)]
        ApproveChange: approve(a, format!("Enable versioning on S3 bucket {}?", p.bucket_name), common::NOTIFICATION_ARN);
        /// Enables versioning.
        EnableVersioning: api!(s3.PutBucketVersioning {
            Bucket: p.bucket_name,
            VersioningConfiguration: { Status: "Enabled" },
        }), timeout 20, retries 2, undo {
            /// Undo: only a bucket whose versioning was Suspended before gets it back; a bucket that was
            /// never versioned cannot return to that state, so the undo ends here rather than suspend it.
            UndoCheckPrevious: Branch::new(Vec::from([Choice::new(
                "UndoEnableVersioning",
                Condition::compare(ReadVersioning.Status.value(), Operator::StringEquals, "Suspended"),
            )])), end;
            /// Undo: suspends versioning again, as it was before the run.
            UndoEnableVersioning: api!(s3.PutBucketVersioning {
                Bucket: p.bucket_name,
                VersioningConfiguration: { Status: "Suspended" },
            }), timeout 20;
        };
        /// Verifies that versioning is Enabled.
        VerifyVersioning: WaitForAwsResourceProperty::new("s3", "GetBucketVersioning", "$.Status", vec!["Enabled"])
            .param("Bucket", &p.bucket_name), timeout 60, on_failure UndoCheckPrevious, on_cancel UndoCheckPrevious, end;
        outputs ReadVersioning.Status, ReadVersioning.Plan;
    }
    rb.build()
}

#[cfg(test)]
mod tests {
    use super::super::shared::checks;
    use runbook_dsl::model::Action;

    #[test]
    fn is_a_complete_remediation() {
        let (auto, manual) = (super::build(false).expect("builds"), super::build(true).expect("builds"));
        for doc in [&auto, &manual] {
            checks::parameters(doc, "BucketName");
            checks::undo(doc, "EnableVersioning", "UndoCheckPrevious");
            checks::verified(doc, "VerifyVersioning", "UndoCheckPrevious");
            // The undo suspends versioning only where it was Suspended before the run.
            let guard = doc.step("UndoCheckPrevious").expect("the undo guard");
            let Action::Branch(b) = &guard.action else { panic!("the undo guard is a branch") };
            assert_eq!((b.choices.len(), b.default.as_deref(), guard.is_end), (1, None, Some(true)));
            assert_eq!(b.choices[0].next_step, "UndoEnableVersioning");
            assert_eq!(doc.outputs, vec!["ReadVersioning.Status", "ReadVersioning.Plan"]);
        }
        checks::idempotent(&auto, "CheckVersioning", "AlreadyEnabled", "EnableVersioning");
        checks::idempotent(&manual, "CheckVersioning", "AlreadyEnabled", "ApproveChange");
        checks::approval_variants(&auto, &manual, "ApproveChange", "EnableVersioning");
    }
}
