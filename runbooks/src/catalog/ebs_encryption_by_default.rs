//! Turn on EBS encryption by default for the account and Region, so that every new volume is
//! encrypted. The Config rule evaluates the account: Config passes the account id.

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
    let account = common::account_guard(&mut rb);
    let approvers = common::approvers(&mut rb, approval, "turning on EBS encryption by default");

    let get = rb.add(
        Step::new("GetEncryptionByDefault", ExecuteAwsApi::new("ec2", "GetEbsEncryptionByDefault"))
            .description("Reads whether EBS encryption by default is on.")
            .timeout_seconds(20),
    );
    let before: Output<Bool> = rb.output(&get, "EbsEncryptionByDefault", ENABLED);
    let first_change = if approval { "ApproveChange" } else { "EnableEncryptionByDefault" };
    rb.add(
        Step::new(
            "CheckEncryptionByDefault",
            Branch::new(vec![Choice::new(
                "AlreadyEnabled",
                Condition::compare(before.value(), Operator::BooleanEquals, true),
            )])
            .default(first_change),
        )
        .description("Leaves an account where the setting is already on untouched."),
    );
    rb.add(common::compliant_end(
        "AlreadyEnabled",
        AssertAwsResourceProperty::new("ec2", "GetEbsEncryptionByDefault", ENABLED, vec!["True"]),
        "Confirms that EBS encryption by default is on.",
    ));
    common::gate(
        &mut rb,
        &approvers,
        "ApproveChange",
        format!("Turn on EBS encryption by default in account {account}, Region {}?", Builtin::REGION),
        "EnableEncryptionByDefault",
    );
    let enable = rb.add(common::undo_to(
        Step::new("EnableEncryptionByDefault", ExecuteAwsApi::new("ec2", "EnableEbsEncryptionByDefault"))
            .description("Turns on EBS encryption by default.")
            .timeout_seconds(20),
        "UndoEnable",
    ));
    let after: Output<Bool> = rb.output(&enable, "EbsEncryptionByDefault", ENABLED);
    rb.add(
        common::undo_to(
            Step::new(
                "VerifyEncryptionByDefault",
                AssertAwsResourceProperty::new("ec2", "GetEbsEncryptionByDefault", ENABLED, vec!["True"]),
            )
            .description("Verifies that EBS encryption by default is on.")
            .timeout_seconds(20),
            "UndoEnable",
        )
        .is_end(true),
    );
    common::add_undo_chain(
        &mut rb,
        vec![Step::new("UndoEnable", ExecuteAwsApi::new("ec2", "DisableEbsEncryptionByDefault"))
            .description("Undo: turns EBS encryption by default off again.")
            .timeout_seconds(20)],
    );
    rb.document_output(&before);
    rb.document_output(&after);
    rb.build()
}
