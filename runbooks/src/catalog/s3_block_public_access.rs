//! Block public access on an S3 bucket that AWS Config found allowing it
//! (`S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED`). Config passes the bucket name as the resource
//! id. Written with the macros.

use super::common;
use super::ConfigTarget;
use runbook_dsl::builder::BuildError;
use runbook_dsl::prelude::*;

/// The Config finding: `S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED`; Config passes the bucket name.
pub const TARGET: ConfigTarget = ConfigTarget {
    config_rule: "S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED",
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

/// Reads the bucket's public access block; a bucket without one raises
/// `NoSuchPublicAccessBlockConfiguration`, which counts as nothing blocked.
const READ_BLOCK: &str = r#"import json
import boto3
from botocore.exceptions import ClientError

FLAGS = ["BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"]

def handler(events, context):
    s3 = boto3.client("s3")
    try:
        config = s3.get_public_access_block(Bucket=events["Bucket"])["PublicAccessBlockConfiguration"]
        existed = True
    except ClientError as e:
        if e.response["Error"]["Code"] != "NoSuchPublicAccessBlockConfiguration":
            raise
        config, existed = {}, False
    previous = {f: bool(config.get(f, False)) for f in FLAGS}
    blocked = all(previous.values())
    if blocked:
        plan = "All four public access block settings were already on; nothing was changed."
    else:
        off = [f for f in FLAGS if not previous[f]]
        plan = "Turned on " + ", ".join(off) + "; the previous settings were " + json.dumps(previous) + "."
    return {"AllBlocked": blocked, "Existed": existed, "Previous": json.dumps(previous), "Plan": plan}
"#;

/// Undo: puts back the settings read before the change, or deletes the configuration when the
/// bucket had none.
const RESTORE_BLOCK: &str = r#"import json
import boto3

def handler(events, context):
    s3 = boto3.client("s3")
    if events["Existed"] in (True, "True", "true"):
        previous = json.loads(events["Previous"])
        s3.put_public_access_block(Bucket=events["Bucket"], PublicAccessBlockConfiguration=previous)
        return {"Restored": "previous settings"}
    s3.delete_public_access_block(Bucket=events["Bucket"])
    return {"Restored": "no configuration"}
"#;

/// Builds the runbook; `approval` adds an approval before the change.
pub fn build(approval: bool) -> Result<Document, BuildError> {
    let mut rb = Runbook::new(
        "Blocks public access on an S3 bucket that AWS Config found allowing it \
         (S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED).\n\nThe runbook reads the bucket's public access block \
         first: a bucket with all four settings on (BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, \
         RestrictPublicBuckets) is left untouched and the run says so. Otherwise it turns all four on and \
         verifies each. If the change or a verification fails, or the run is cancelled, it restores the \
         settings it read (or removes the configuration if the bucket had none). Outputs: the settings \
         before the run and what was changed.",
    );
    rb.assume_role();
    let p = rb.params::<Params>();
    let approvers = common::approvers(&mut rb, approval, "the change");
    let verify = |flag: &str| {
        AssertAwsResourceProperty::new(
            "s3",
            "GetPublicAccessBlock",
            format!("$.PublicAccessBlockConfiguration.{flag}"),
            vec!["True"],
        )
        .param("Bucket", &p.bucket_name)
    };
    flow! { rb;
        /// Reads the bucket's public access block settings.
        ReadPublicAccessBlock: script!(
            runtime = "python3.11",
            handler = "handler",
            script = READ_BLOCK,
            input = { Bucket: p.bucket_name },
            outputs = {
                AllBlocked: Bool = "$.Payload.AllBlocked",
                Existed: Bool = "$.Payload.Existed",
                Previous: Str = "$.Payload.Previous",
                Plan: Str = "$.Payload.Plan",
            },
        ), timeout 60;
        /// Leaves a bucket that already blocks all public access untouched.
        CheckPublicAccessBlock: if ReadPublicAccessBlock.AllBlocked { AlreadyBlocked } else { ApproveChange };
        /// The bucket is already compliant; nothing was changed.
        AlreadyBlocked: verify("BlockPublicPolicy"), end;
        /// Waits for an approver; a rejection ends the run without changes.
        #[when(let Some(a) = &approvers)]
        ApproveChange: approve(a, format!("Block all public access on S3 bucket {}?", p.bucket_name), common::NOTIFICATION_ARN);
        /// Turns on all four public access block settings.
        PutPublicAccessBlock: api!(s3.PutPublicAccessBlock {
            Bucket: p.bucket_name,
            PublicAccessBlockConfiguration: {
                BlockPublicAcls: true,
                IgnorePublicAcls: true,
                BlockPublicPolicy: true,
                RestrictPublicBuckets: true,
            },
        }), timeout 20, retries 2, undo {
            /// Undo: restores the settings read before the change.
            UndoPutPublicAccessBlock: script!(
                runtime = "python3.11",
                handler = "handler",
                script = RESTORE_BLOCK,
                input = {
                    Bucket: p.bucket_name,
                    Existed: ReadPublicAccessBlock.Existed,
                    Previous: ReadPublicAccessBlock.Previous,
                },
            ), timeout 60;
        };
        /// Verifies BlockPublicAcls.
        VerifyBlockPublicAcls: verify("BlockPublicAcls"), on_failure UndoPutPublicAccessBlock, on_cancel UndoPutPublicAccessBlock;
        /// Verifies IgnorePublicAcls.
        VerifyIgnorePublicAcls: verify("IgnorePublicAcls"), on_failure UndoPutPublicAccessBlock, on_cancel UndoPutPublicAccessBlock;
        /// Verifies BlockPublicPolicy.
        VerifyBlockPublicPolicy: verify("BlockPublicPolicy"), on_failure UndoPutPublicAccessBlock, on_cancel UndoPutPublicAccessBlock;
        /// Verifies RestrictPublicBuckets.
        VerifyRestrictPublicBuckets: verify("RestrictPublicBuckets"), on_failure UndoPutPublicAccessBlock,
            on_cancel UndoPutPublicAccessBlock, end;
        outputs ReadPublicAccessBlock.Previous, ReadPublicAccessBlock.Plan;
    }
    rb.build()
}

#[cfg(test)]
mod tests {
    use super::super::shared::checks;

    #[test]
    fn is_a_complete_remediation() {
        let (auto, manual) = (super::build(false).expect("builds"), super::build(true).expect("builds"));
        for doc in [&auto, &manual] {
            checks::parameters(doc, "BucketName");
            checks::undo(doc, "PutPublicAccessBlock", "UndoPutPublicAccessBlock");
            for flag in ["BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"] {
                checks::verified(doc, &format!("Verify{flag}"), "UndoPutPublicAccessBlock");
            }
            assert_eq!(doc.outputs, vec!["ReadPublicAccessBlock.Previous", "ReadPublicAccessBlock.Plan"]);
        }
        checks::idempotent(&auto, "CheckPublicAccessBlock", "AlreadyBlocked", "PutPublicAccessBlock");
        checks::idempotent(&manual, "CheckPublicAccessBlock", "AlreadyBlocked", "ApproveChange");
        checks::approval_variants(&auto, &manual, "ApproveChange", "PutPublicAccessBlock");
    }
}
