//! Encrypt an RDS DB instance that AWS Config found unencrypted. Storage encryption cannot be
//! switched on in place, so the runbook snapshots the instance, copies the snapshot with a KMS
//! key, restores an encrypted instance from the copy, waits for it, and (after approval) swaps the
//! names. Config passes the instance's `DbiResourceId` (`db-...`), which the runbook translates.

use super::common::{self, DBI_RESOURCE_ID_PATTERN, KMS_KEY_PATTERN};
use super::ConfigTarget;
use runbook_dsl::builder::BuildError;
use runbook_dsl::prelude::*;

const ENCRYPTED: &str = "$.DBInstances[0].StorageEncrypted";
const STATUS: &str = "$.DBInstances[0].DBInstanceStatus";

/// The Config finding: `RDS_STORAGE_ENCRYPTED`; Config passes the `DbiResourceId`.
pub const TARGET: ConfigTarget = ConfigTarget {
    config_rule: "RDS_STORAGE_ENCRYPTED",
    resource_type: "AWS::RDS::DBInstance",
    resource_id_param: "DbiResourceId",
};

/// Builds the runbook; `approval` adds an approval before the first change. Both variants ask
/// before the swap, the one disruptive step.
pub fn build(approval: bool) -> Result<Document, BuildError> {
    let mut rb = Runbook::new(
        "Replaces an unencrypted RDS DB instance (not Aurora) with an encrypted copy, for the AWS Config \
         rule `rds-storage-encrypted`.\n\n\
         The runbook translates the `DbiResourceId` AWS Config passes into the DB instance and reads \
         it: an encrypted instance is left untouched and the run says so. Otherwise it takes a \
         snapshot, copies it encrypted with `KmsKeyId`, restores a new instance `<name>-encrypted` from \
         the copy (same class, port, subnet group, security groups, parameter and option groups, \
         Multi-AZ and public access; deletion protection, backup and monitoring settings are not \
         copied: set them on the new instance) and waits until it is available. Nothing has been disrupted so far. Then \
         it waits for an approver, renames the original to `<name>-unencrypted`, renames the new \
         instance to `<name>` (the endpoint name clients use) and verifies that the instance now \
         called `<name>` is encrypted. Writes made to the original after the snapshot are not in \
         the copy: stop writes before approving the swap. The original instance and both snapshots \
         are kept; delete them when satisfied.\n\n\
         If a step fails, the approval is rejected or the run is cancelled, the undo renames the \
         instances back, deletes the restored instance and both snapshots, and the run ends \
         Failed. Names longer than 53 characters leave no room for the suffix; the restore fails \
         and the undo cleans up.",
    );
    rb.assume_role();
    let dbi: Param<Str> = rb.param(
        "DbiResourceId",
        ParamSpec::new("(Required) The DB instance's resource id (`db-...`), as AWS Config passes it (RESOURCE_ID).")
            .pattern(DBI_RESOURCE_ID_PATTERN),
    );
    let key: Param<Str> = rb.param(
        "KmsKeyId",
        ParamSpec::new("(Optional) The KMS key that encrypts the copy (key id, key ARN, alias name or alias ARN).")
            .default("alias/aws/rds")
            .pattern(KMS_KEY_PATTERN),
    );
    let approvers = common::approvers(&mut rb, approval, "encrypting the DB instance");
    let swap_approvers =
        common::swap_approvers(&mut rb, &approvers, "swapping the encrypted copy in for the original DB instance");

    let describe = rb.add(common::describe_db("DescribeDbInstance", &dbi));
    let out = |rb: &mut Runbook, name: &str, field: &str| -> String {
        let o: Output<Str> = rb.output(&describe, name, &format!("$.DBInstances[0].{field}"));
        o.to_string()
    };
    let id: Output<Str> = rb.output(&describe, "DbInstanceIdentifier", "$.DBInstances[0].DBInstanceIdentifier");
    let encrypted: Output<Bool> = rb.output(&describe, "StorageEncrypted", ENCRYPTED);
    let class = out(&mut rb, "DbInstanceClass", "DBInstanceClass");
    let subnet_group = out(&mut rb, "DbSubnetGroupName", "DBSubnetGroup.DBSubnetGroupName");
    let parameter_group = out(&mut rb, "DbParameterGroupName", "DBParameterGroups[0].DBParameterGroupName");
    let security_groups: Output<StrList> =
        rb.output(&describe, "VpcSecurityGroupIds", "$.DBInstances[0].VpcSecurityGroups..VpcSecurityGroupId");
    let option_group = out(&mut rb, "OptionGroupName", "OptionGroupMemberships[0].OptionGroupName");
    let port: Output<Int> = rb.output(&describe, "Port", "$.DBInstances[0].Endpoint.Port");
    let multi_az: Output<Bool> = rb.output(&describe, "MultiAZ", "$.DBInstances[0].MultiAZ");
    let public: Output<Bool> = rb.output(&describe, "PubliclyAccessible", "$.DBInstances[0].PubliclyAccessible");

    let new_id = format!("{id}-encrypted");
    let old_id = format!("{id}-unencrypted");
    let snapshot = format!("{id}-unencrypted-{}", Builtin::EXECUTION_ID);
    let copy = format!("{id}-encrypted-{}", Builtin::EXECUTION_ID);

    let first_change = if approval { "ApproveEncryption" } else { "CreateSnapshot" };
    rb.add(
        Step::new(
            "CheckEncryption",
            Branch::new(vec![Choice::new(
                "AlreadyEncrypted",
                Condition::compare(encrypted.value(), Operator::BooleanEquals, true),
            )])
            .default(first_change),
        )
        .description("Leaves an instance that is already encrypted untouched."),
    );
    rb.add(common::compliant_end(
        "AlreadyEncrypted",
        AssertAwsResourceProperty::new("rds", "DescribeDBInstances", ENCRYPTED, vec!["True"])
            .param("Filters", common::dbi_filter(&dbi)),
        "Confirms that the DB instance's storage is encrypted.",
    ));
    common::gate(
        &mut rb,
        &approvers,
        "ApproveEncryption",
        format!(
            "Create an encrypted copy of RDS DB instance {id} ({dbi}), flagged by AWS Config? A second approval \
             is asked before the copy replaces the original."
        ),
        "CreateSnapshot",
    );

    // Build the encrypted copy next to the original.
    let create = rb.add(common::undo_to(
        Step::new(
            "CreateSnapshot",
            ExecuteAwsApi::new("rds", "CreateDBSnapshot")
                .param("DBInstanceIdentifier", &id)
                .param("DBSnapshotIdentifier", snapshot.as_str()),
        )
        .description("Takes a manual snapshot of the unencrypted instance.")
        .timeout_seconds(20),
        "UndoSnapshot",
    ));
    let snapshot_id: Output<Str> = rb.output(&create, "SnapshotId", "$.DBSnapshot.DBSnapshotIdentifier");
    rb.add(common::undo_to(
        wait_snapshot("WaitSnapshot", &snapshot).description("Waits until the snapshot is available."),
        "UndoSnapshot",
    ));
    let copy_step = rb.add(common::undo_to(
        Step::new(
            "CopySnapshot",
            ExecuteAwsApi::new("rds", "CopyDBSnapshot")
                .param("SourceDBSnapshotIdentifier", snapshot.as_str())
                .param("TargetDBSnapshotIdentifier", copy.as_str())
                .param("KmsKeyId", &key)
                .param("CopyTags", true),
        )
        .description("Copies the snapshot, encrypted with the KMS key.")
        .timeout_seconds(20),
        "UndoCopy",
    ));
    let copy_id: Output<Str> = rb.output(&copy_step, "EncryptedSnapshotId", "$.DBSnapshot.DBSnapshotIdentifier");
    rb.add(common::undo_to(
        wait_snapshot("WaitCopy", &copy).description("Waits until the encrypted copy is available."),
        "UndoCopy",
    ));
    let restore = rb.add(common::undo_to(
        Step::new(
            "RestoreInstance",
            ExecuteAwsApi::new("rds", "RestoreDBInstanceFromDBSnapshot")
                .param("DBInstanceIdentifier", new_id.as_str())
                .param("DBSnapshotIdentifier", copy.as_str())
                .param("DBInstanceClass", class)
                .param("DBSubnetGroupName", subnet_group)
                .param("VpcSecurityGroupIds", &security_groups)
                .param("DBParameterGroupName", parameter_group)
                .param("OptionGroupName", option_group)
                .param("Port", &port)
                .param("MultiAZ", &multi_az)
                .param("PubliclyAccessible", &public),
        )
        .description(
            "Restores a new, encrypted instance `<name>-encrypted` from the copy with the original's settings. If \
             the call fails nothing was restored, so the undo starts at the copy (an instance of that name that \
             already existed is never deleted).",
        )
        .timeout_seconds(20),
        "UndoCopy",
    ));
    let new_dbi: Output<Str> = rb.output(&restore, "EncryptedDbiResourceId", "$.DBInstance.DbiResourceId");
    rb.add(common::undo_to(
        wait_available("WaitRestored", &new_id, 14400).description("Waits until the encrypted instance is available."),
        "UndoRestore",
    ));

    // Swap names, after approval.
    rb.add(
        common::approve(
            "ApproveSwap",
            &swap_approvers,
            format!(
                "The encrypted copy {new_id} of RDS DB instance {id} is available. Swap it in? The original is \
                 renamed {old_id} and the copy takes the name {id} (clients reconnect; writes made since the \
                 snapshot are not in the copy). Rejecting deletes the copy and the snapshots."
            ),
            Some("UndoRestore"),
        )
        .on_cancel(OnCancel::step("UndoRestore")),
    );
    rb.add(common::undo_to(
        rename("RenameOriginal", &id.to_string(), &old_id).description("Renames the original to `<name>-unencrypted`."),
        "UndoRenameOriginal",
    ));
    rb.add(common::undo_to(settle("SettleOriginalRename"), "UndoRenameOriginal"));
    rb.add(common::undo_to(
        wait_available("WaitOriginalRenamed", &old_id, 3600)
            .description("Waits until the rename of the original is done."),
        "UndoRenameOriginal",
    ));
    rb.add(common::undo_to(
        rename("RenameEncrypted", &new_id, &id.to_string())
            .description("Gives the encrypted instance the original name."),
        "UndoRenameEncrypted",
    ));
    rb.add(common::undo_to(settle("SettleEncryptedRename"), "UndoRenameEncrypted"));
    rb.add(common::undo_to(
        wait_available("WaitEncryptedRenamed", &id.to_string(), 3600)
            .description("Waits until the encrypted instance answers under the original name."),
        "UndoRenameEncrypted",
    ));
    rb.add(
        common::undo_to(
            Step::new(
                "VerifyEncrypted",
                AssertAwsResourceProperty::new("rds", "DescribeDBInstances", ENCRYPTED, vec!["True"])
                    .param("DBInstanceIdentifier", &id),
            )
            .description("Verifies that the instance now called `<name>` is encrypted.")
            .timeout_seconds(20),
            "UndoRenameEncrypted",
        )
        .is_end(true),
    );

    common::add_undo_chain(
        &mut rb,
        vec![
            rename("UndoRenameEncrypted", &id.to_string(), &new_id)
                .description("Undo: gives the encrypted instance its `-encrypted` name back."),
            settle("UndoSettleEncryptedName"),
            wait_available("UndoWaitEncryptedName", &new_id, 1800)
                .description("Undo: waits until the original name is free again."),
            rename("UndoRenameOriginal", &old_id, &id.to_string())
                .description("Undo: gives the original its name back."),
            settle("UndoSettleOriginalName"),
            wait_available("UndoWaitOriginalName", &id.to_string(), 1800)
                .description("Undo: waits until the original answers under its name."),
            Step::new(
                "UndoRestore",
                ExecuteAwsApi::new("rds", "DeleteDBInstance")
                    .param("DBInstanceIdentifier", new_id.as_str())
                    .param("SkipFinalSnapshot", true)
                    .param("DeleteAutomatedBackups", true),
            )
            .description("Undo: deletes the encrypted instance this run restored.")
            .timeout_seconds(20),
            delete_snapshot("UndoCopy", &copy).description("Undo: deletes the encrypted snapshot this run copied."),
            delete_snapshot("UndoSnapshot", &snapshot).description("Undo: deletes the snapshot this run took."),
        ],
    );
    rb.document_output(&id);
    rb.document_output(&encrypted);
    rb.document_output(&snapshot_id);
    rb.document_output(&copy_id);
    rb.document_output(&new_dbi);
    rb.build()
}

fn wait_snapshot(name: &str, snapshot: &str) -> Step {
    Step::new(
        name,
        WaitForAwsResourceProperty::new("rds", "DescribeDBSnapshots", "$.DBSnapshots[0].Status", vec!["available"])
            .param("DBSnapshotIdentifier", snapshot),
    )
    .timeout_seconds(7200)
}

/// Waits until the instance called `id` is available; a few attempts, because right after a
/// rename the new name can take a moment to resolve.
fn wait_available(name: &str, id: &str, timeout: u64) -> Step {
    Step::new(
        name,
        WaitForAwsResourceProperty::new("rds", "DescribeDBInstances", STATUS, vec!["available"])
            .param("DBInstanceIdentifier", id),
    )
    .max_attempts(3)
    .timeout_seconds(timeout)
}

/// A minute for a rename to take effect: until then the new name does not resolve.
fn settle(name: &str) -> Step {
    Step::new(name, Sleep::for_duration("PT1M")).description("Gives the rename a minute to take effect.")
}

fn rename(name: &str, from: &str, to: &str) -> Step {
    Step::new(
        name,
        ExecuteAwsApi::new("rds", "ModifyDBInstance")
            .param("DBInstanceIdentifier", from)
            .param("NewDBInstanceIdentifier", to)
            .param("ApplyImmediately", true),
    )
    .timeout_seconds(20)
}

fn delete_snapshot(name: &str, snapshot: &str) -> Step {
    Step::new(name, ExecuteAwsApi::new("rds", "DeleteDBSnapshot").param("DBSnapshotIdentifier", snapshot))
        .timeout_seconds(20)
}
