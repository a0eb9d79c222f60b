//! Turn on EBS encryption by default for the account and Region, so that every new volume is
//! encrypted. The Config rule evaluates the account: Config passes the account id. Written with
//! the macros.

use super::common;
use super::ConfigTarget;
use runbook_dsl::builder::BuildError;
use runbook_dsl::prelude::*;

const ENABLED: &str = "$.EbsEncryptionByDefault";

/// The Config finding: `EC2_EBS_ENCRYPTION_BY_DEFAULT`; Config passes the account id.
pub const TARGET: ConfigTarget = ConfigTarget {
    config_rule: "EC2_EBS_ENCRYPTION_BY_DEFAULT",
    resource_type: "AWS::::Account",
    resource_id_param: "AccountId",
};

/// Builds the runbook; `approval` adds an approval before the first change.
pub fn build(approval: bool) -> Result<Document, BuildError> {
    let mut rb = Runbook::new(
        "Turns on EBS encryption by default in the account and Region the automation runs in, so that \
         every new EBS volume and snapshot copy is encrypted (with the account's default EBS key). \
         Existing volumes are not changed.\n\n\
         The runbook first checks that it runs in the account AWS Config named, then reads the \
         setting: if it is already on, nothing is changed and the run says so. Otherwise it turns \
         the setting on and verifies it. If the change or its check fails, or the run is cancelled, \
         the undo turns the setting off again and the run ends Failed.",
    );
    rb.assume_role();
    // The `AccountId` parameter and the `CheckAccount` step that runs first.
    let account = common::account_guard(&mut rb);
    let approvers = common::approvers(&mut rb, approval, "turning on EBS encryption by default");
    let enabled = || AssertAwsResourceProperty::new("ec2", "GetEbsEncryptionByDefault", ENABLED, vec!["True"]);
    flow! { rb;
        /// Reads whether EBS encryption by default is on.
        GetEncryptionByDefault: api!(ec2.GetEbsEncryptionByDefault
            -> { EbsEncryptionByDefault: Bool = "$.EbsEncryptionByDefault" }), timeout 20;
        /// Leaves an account where the setting is already on untouched.
        CheckEncryptionByDefault: if GetEncryptionByDefault.EbsEncryptionByDefault { AlreadyEnabled } else { ApproveChange };
        /// Confirms that EBS encryption by default is on. The resource is already compliant; nothing was changed.
        AlreadyEnabled: enabled(), end;
        /// Waits for an approver; a rejection ends the run without any change.
        #[when(let Some(a) = &approvers)]
        ApproveChange: approve(a, format!("Turn on EBS encryption by default in account {account}, Region {}?", Builtin::REGION), common::NOTIFICATION_ARN),
            next EnableEncryptionByDefault;
        /// Turns on EBS encryption by default.
        EnableEncryptionByDefault: api!(ec2.EnableEbsEncryptionByDefault
            -> { EbsEncryptionByDefault: Bool = "$.EbsEncryptionByDefault" }), timeout 20, critical true, undo {
            /// Undo: turns EBS encryption by default off again.
            UndoEnable: api!(ec2.DisableEbsEncryptionByDefault), timeout 20;
        };
        /// Verifies that EBS encryption by default is on.
        VerifyEncryptionByDefault: enabled(), timeout 20, on_failure UndoEnable, on_cancel UndoEnable, critical true, end;
        outputs GetEncryptionByDefault.EbsEncryptionByDefault, EnableEncryptionByDefault.EbsEncryptionByDefault;
    }
    rb.build()
}

#[cfg(test)]
mod tests {
    use super::super::shared::checks;

    #[test]
    fn is_a_complete_remediation_guarded_by_the_account() {
        let (auto, manual) = (super::build(false).expect("builds"), super::build(true).expect("builds"));
        for doc in [&auto, &manual] {
            checks::parameters(doc, "AccountId");
            // Nothing is read or changed before the run is known to be in the account Config named.
            assert_eq!(doc.main_steps[0].name, "CheckAccount");
            checks::undo(doc, "EnableEncryptionByDefault", "UndoEnable");
            checks::verified(doc, "VerifyEncryptionByDefault", "UndoEnable");
            for name in ["EnableEncryptionByDefault", "VerifyEncryptionByDefault"] {
                let step = doc.main_steps.iter().find(|s| s.name == name).expect("step");
                assert_eq!(step.is_critical, Some(true), "{name} is not critical");
            }
            assert_eq!(
                doc.outputs,
                vec![
                    "GetEncryptionByDefault.EbsEncryptionByDefault",
                    "EnableEncryptionByDefault.EbsEncryptionByDefault"
                ]
            );
        }
        checks::idempotent(&auto, "CheckEncryptionByDefault", "AlreadyEnabled", "EnableEncryptionByDefault");
        checks::idempotent(&manual, "CheckEncryptionByDefault", "AlreadyEnabled", "ApproveChange");
        checks::approval_variants(&auto, &manual, "ApproveChange", "EnableEncryptionByDefault");
    }
}
