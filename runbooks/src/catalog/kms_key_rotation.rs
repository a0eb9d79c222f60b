//! Turn on automatic rotation of a customer managed KMS key. Config passes the key id. Written
//! with the macros.

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

/// The parameters besides `AutomationAssumeRole`.
#[derive(Parameters)]
pub struct Params {
    /// (Required) The KMS key id, as AWS Config passes it (RESOURCE_ID).
    #[param(allowed_pattern = r"^(mrk-[a-f0-9]{32}|[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12})$")]
    pub key_id: String,
}

/// Builds the runbook; `approval` adds an approval before the first change.
pub fn build(approval: bool) -> Result<Document, BuildError> {
    let mut rb = Runbook::new(
        "Turns on automatic yearly rotation of a customer managed symmetric KMS key that AWS Config \
         found without it (CIS AWS Foundations 3.8, Security Hub KMS.4).\n\n\
         The runbook reads the key's rotation status first: a key that already rotates is left \
         untouched and the run says so. Otherwise it turns rotation on and verifies it. If the \
         change or its check fails, or the run is cancelled, the undo turns rotation off again and \
         the run ends Failed. Keys that cannot rotate (asymmetric, HMAC, imported key material, a \
         custom key store, AWS managed keys) are found first with DescribeKey and end the run as \
         not remediable, without any change; the outputs say why.",
    );
    rb.assume_role();
    let p = rb.params::<Params>();
    let approvers = common::approvers(&mut rb, approval, "turning on rotation of the key");
    let rotating = || {
        AssertAwsResourceProperty::new("kms", "GetKeyRotationStatus", ROTATION, vec!["True"]).param("KeyId", &p.key_id)
    };
    flow! { rb;
        /// Reads what kind of key it is: only symmetric encryption keys with key material from KMS, in
        /// KMS's own key store and managed by the customer, can rotate automatically.
        DescribeKey: api!(kms.DescribeKey { KeyId: p.key_id } -> {
            KeySpec: Str = "$.KeyMetadata.KeySpec",
            Origin: Str = "$.KeyMetadata.Origin",
            KeyManager: Str = "$.KeyMetadata.KeyManager",
        }), timeout 20;
        /// Sends a key that cannot rotate to a clear "not remediable" end.
        CheckRotatable: if DescribeKey.KeySpec == "SYMMETRIC_DEFAULT" && DescribeKey.Origin == "AWS_KMS"
            && DescribeKey.KeyManager == "CUSTOMER" { GetRotationStatus } else { NotRemediable };
        /// The key cannot rotate automatically (asymmetric, HMAC, imported key material, a custom key store or an
        /// AWS managed key): not remediable by this runbook; nothing was changed. DescribeKey's outputs say why.
        NotRemediable: AssertAwsResourceProperty::new("kms", "DescribeKey", "$.KeyMetadata.KeyId", vec![p.key_id.to_string()])
            .param("KeyId", &p.key_id), timeout 20, end;
        /// Reads whether the key rotates automatically.
        GetRotationStatus: api!(kms.GetKeyRotationStatus { KeyId: p.key_id }
            -> { KeyRotationEnabled: Bool = "$.KeyRotationEnabled" }), timeout 20;
        /// Leaves a key that already rotates untouched.
        CheckRotation: if GetRotationStatus.KeyRotationEnabled { AlreadyRotating } else { ApproveChange };
        /// Confirms that the key rotates automatically. The resource is already compliant; nothing was changed.
        AlreadyRotating: rotating(), end;
        /// Waits for an approver; a rejection ends the run without any change.
        #[when(let Some(a) = &approvers)]
        ApproveChange: approve(a, format!("Turn on automatic rotation of KMS key {}, flagged by AWS Config?", p.key_id), common::NOTIFICATION_ARN),
            next EnableRotation;
        /// Turns on automatic rotation of the key.
        EnableRotation: api!(kms.EnableKeyRotation { KeyId: p.key_id }), timeout 20, critical true, undo {
            /// Undo: turns automatic rotation off again.
            UndoRotation: api!(kms.DisableKeyRotation { KeyId: p.key_id }), timeout 20;
        };
        /// Verifies that the key rotates automatically.
        VerifyRotation: rotating(), timeout 20, on_failure UndoRotation, on_cancel UndoRotation, critical true, end;
        outputs GetRotationStatus.KeyRotationEnabled, DescribeKey.KeySpec, DescribeKey.Origin, DescribeKey.KeyManager;
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
            checks::parameters(doc, "KeyId");
            checks::undo(doc, "EnableRotation", "UndoRotation");
            checks::verified(doc, "VerifyRotation", "UndoRotation");
            // A failed change or check still ends the run Failed after the undo.
            for name in ["EnableRotation", "VerifyRotation"] {
                let step = doc.main_steps.iter().find(|s| s.name == name).expect("step");
                assert_eq!(step.is_critical, Some(true), "{name} is not critical");
            }
            assert_eq!(doc.outputs[0], "GetRotationStatus.KeyRotationEnabled");
            // A key that cannot rotate ends "not remediable" before any change.
            let Action::Branch(b) = &doc.step("CheckRotatable").expect("branch").action else { panic!("not a branch") };
            assert_eq!(b.default.as_deref(), Some("NotRemediable"));
            let cond = serde_json::to_string(&b.choices[0]).expect("json");
            for must in ["SYMMETRIC_DEFAULT", "AWS_KMS", "CUSTOMER"] {
                assert!(cond.contains(must), "the rotatable test misses {must}: {cond}");
            }
            let end = doc.step("NotRemediable").expect("step");
            assert_eq!(end.is_end, Some(true));
            assert!(end.description.as_deref().unwrap_or("").contains("not remediable"));
            assert!(
                doc.main_steps.iter().position(|s| s.name == "DescribeKey")
                    < doc.main_steps.iter().position(|s| s.name == "GetRotationStatus")
            );
        }
        checks::idempotent(&auto, "CheckRotation", "AlreadyRotating", "EnableRotation");
        checks::idempotent(&manual, "CheckRotation", "AlreadyRotating", "ApproveChange");
        checks::approval_variants(&auto, &manual, "ApproveChange", "EnableRotation");
    }
}
