//! Turn on automatic rotation of a customer managed KMS key. Config passes the key id.

use super::common;
use super::ConfigTarget;
use runbook_dsl::builder::BuildError;
use runbook_dsl::prelude::*;

const ROTATION: &str = "$.KeyRotationEnabled";

/// The Config finding: `CMK_BACKING_KEY_ROTATION_ENABLED`; Config passes the key id.
pub const TARGET: ConfigTarget = ConfigTarget {
    config_rule: "CMK_BACKING_KEY_ROTATION_ENABLED",
    resource_type: "AWS::KMS::Key",
    resource_id_param: "KeyId",
};

/// Builds the runbook; `approval` adds an approval before the first change.
pub fn build(approval: bool) -> Result<Document, BuildError> {
    let mut rb = Runbook::new(
        "Turns on automatic yearly rotation of a customer managed symmetric KMS key that AWS Config \
         found without it (CIS AWS Foundations 3.8, Security Hub KMS.4).\n\n\
         The runbook reads the key's rotation status first: a key that already rotates is left \
         untouched and the run says so. Otherwise it turns rotation on and verifies it. If the \
         change or its check fails, or the run is cancelled, the undo turns rotation off again and \
         the run ends Failed. Keys that cannot rotate (asymmetric, HMAC, imported material, AWS \
         managed) make the change fail, and the run ends Failed without changes.",
    );
    rb.assume_role();
    let key: Param<Str> = rb.param(
        "KeyId",
        ParamSpec::new("(Required) The KMS key id, as AWS Config passes it (RESOURCE_ID).")
            .pattern(r"^(mrk-[a-f0-9]{32}|[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12})$"),
    );
    let approvers = common::approvers(&mut rb, approval, "turning on rotation of the key");

    let get = rb.add(
        Step::new("GetRotationStatus", ExecuteAwsApi::new("kms", "GetKeyRotationStatus").param("KeyId", &key))
            .description("Reads whether the key rotates automatically.")
            .timeout_seconds(20),
    );
    let before: Output<Bool> = rb.output(&get, "KeyRotationEnabled", ROTATION);
    let first_change = if approval { "ApproveChange" } else { "EnableRotation" };
    rb.add(
        Step::new(
            "CheckRotation",
            Branch::new(vec![Choice::new(
                "AlreadyRotating",
                Condition::compare(before.value(), Operator::BooleanEquals, true),
            )])
            .default(first_change),
        )
        .description("Leaves a key that already rotates untouched."),
    );
    rb.add(common::compliant_end(
        "AlreadyRotating",
        AssertAwsResourceProperty::new("kms", "GetKeyRotationStatus", ROTATION, vec!["True"]).param("KeyId", &key),
        "Confirms that the key rotates automatically.",
    ));
    common::gate(
        &mut rb,
        &approvers,
        "ApproveChange",
        format!("Turn on automatic rotation of KMS key {key}, flagged by AWS Config?"),
        "EnableRotation",
    );
    rb.add(common::undo_to(
        Step::new("EnableRotation", ExecuteAwsApi::new("kms", "EnableKeyRotation").param("KeyId", &key))
            .description("Turns on automatic rotation of the key.")
            .timeout_seconds(20),
        "UndoRotation",
    ));
    rb.add(
        common::undo_to(
            Step::new(
                "VerifyRotation",
                AssertAwsResourceProperty::new("kms", "GetKeyRotationStatus", ROTATION, vec!["True"])
                    .param("KeyId", &key),
            )
            .description("Verifies that the key rotates automatically.")
            .timeout_seconds(20),
            "UndoRotation",
        )
        .is_end(true),
    );
    common::add_undo_chain(
        &mut rb,
        vec![Step::new("UndoRotation", ExecuteAwsApi::new("kms", "DisableKeyRotation").param("KeyId", &key))
            .description("Undo: turns automatic rotation off again.")
            .timeout_seconds(20)],
    );
    rb.document_output(&before);
    rb.build()
}
