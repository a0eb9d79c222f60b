//! Encrypt an RDS DB instance that AWS Config found unencrypted. Storage encryption cannot be
//! switched on in place, so the runbook snapshots the instance, copies the snapshot with a KMS
//! key, restores an encrypted instance from the copy, waits for it, and (after approval) swaps the
//! names. The evaluated instance (Config names it by its `DbiResourceId`, which a rename keeps)
//! then ends stopped, or deleted with a final snapshot after a second approval, so the rule has
//! nothing unencrypted left to flag. Cluster members, read replicas and sources of read replicas
//! are refused with a clear outcome.

use super::common::{self, DBI_RESOURCE_ID_PATTERN, KMS_KEY_PATTERN};
use super::ConfigTarget;
use runbook_dsl::builder::BuildError;
use runbook_dsl::prelude::*;

const ENCRYPTED: &str = "$.DBInstances[0].StorageEncrypted";
const STATUS: &str = "$.DBInstances[0].DBInstanceStatus";

/// The read that decides whether this runbook may replace the instance: not a member of a DB
/// cluster (Aurora or Multi-AZ DB cluster: the cluster is encrypted as a whole, see
/// `Remediate-RDS-EncryptCluster`), not a read replica, and without read replicas (they would
/// keep replicating from the renamed original). Fields absent from the API answer are read here,
/// with defaults, so the branch never depends on a missing output.
const CLASSIFY: &str = r#"import boto3


def handler(events, context):
    rds = boto3.client("rds")
    found = rds.describe_db_instances(
        Filters=[{"Name": "dbi-resource-id", "Values": [events["DbiResourceId"]]}]
    )["DBInstances"]
    db = found[0]
    name = db["DBInstanceIdentifier"]
    if db.get("DBClusterIdentifier"):
        why = (
            f"not remediable here: {name} is a member of DB cluster {db['DBClusterIdentifier']}; "
            "encrypt the cluster (Remediate-RDS-EncryptCluster)"
        )
    elif db.get("ReadReplicaSourceDBInstanceIdentifier") or db.get("ReadReplicaSourceDBClusterIdentifier"):
        why = f"not remediable here: {name} is a read replica; encrypt its source, then recreate the replica"
    elif db.get("ReadReplicaDBInstanceIdentifiers") or db.get("ReadReplicaDBClusterIdentifiers"):
        why = f"not remediable here: {name} has read replicas, which would keep replicating from the original"
    else:
        why = ""
    return {"Remediable": not why, "Outcome": why or f"{name} can be replaced by an encrypted copy"}
"#;

/// The Config finding: `RDS_STORAGE_ENCRYPTED`; Config passes the `DbiResourceId`. The rule's
/// optional `kmsKeyId` and this runbook's `KmsKeyId` are one setting (`wiring.rs`,
/// `SHARED_SETTINGS`).
pub const TARGET: ConfigTarget = ConfigTarget {
    config_rule: "RDS_STORAGE_ENCRYPTED",
    resource_type: "AWS::RDS::DBInstance",
    resource_id_param: "DbiResourceId",
};

/// Builds the runbook; `approval` adds an approval before the first change. Both variants ask
/// before the swap, the one disruptive step, and again before deleting the original.
pub fn build(approval: bool) -> Result<Document, BuildError> {
    let mut rb = Runbook::new(
        "Replaces an unencrypted RDS DB instance with an encrypted copy, for the AWS Config rule \
         `rds-storage-encrypted`, and takes the unencrypted original out of service.\n\n\
         The runbook translates the `DbiResourceId` AWS Config passes into the DB instance and reads \
         it: an encrypted instance is left untouched and the run says so; a member of a DB cluster \
         (use Remediate-RDS-EncryptCluster), a read replica or an instance with read replicas is \
         refused without a change (`ClassifyInstance.Outcome` says why). Otherwise it takes a \
         snapshot, copies it encrypted with `KmsKeyId`, restores a new instance `<name>-encrypted` from \
         the copy (same class, port, subnet group, security groups, parameter and option groups, \
         Multi-AZ and public access; deletion protection, backup and monitoring settings are not \
         copied: set them on the new instance) and waits until it is available. Nothing has been \
         disrupted so far. Then it waits for an approver, renames the original to \
         `<name>-unencrypted`, renames the new instance to `<name>` (the endpoint name clients use) \
         and verifies that the instance now called `<name>` is encrypted. Writes made to the \
         original after the snapshot are not in the copy: stop writes before approving the swap. \
         Last, the original (the instance AWS Config evaluated) is stopped (`OriginalInstance: \
         Stop`; RDS starts a stopped instance again after 7 days) or, with `OriginalInstance: \
         Delete` and a second approval (a rejection stops it instead), deleted with a final \
         snapshot `<name>-unencrypted-final-<execution id>`. The snapshots are kept.\n\n\
         If a step fails or the approval is rejected, the undo renames the instances back, deletes \
         the restored instance with a final snapshot `<name>-encrypted-final-<execution id>` (clients \
         may have written to it), deletes the two snapshots this run took, and the run ends Failed. \
         The undo stops at the first rename back that fails, so that the original name is never left \
         empty while the copy is deleted. Once the copy is verified under the original name, a \
         failure to stop or delete the original undoes nothing (the copy keeps serving) and the run \
         ends Failed. A cancellation gets AWS's 2 minutes: before the swap it deletes what the run \
         created (calls only, no waiting); during the swap it gives the original its name back; \
         after the swap it records the state; what is left is in the outputs. Names longer than 53 \
         characters leave no room for the suffix; the restore fails and the undo cleans up.",
    );
    rb.assume_role();
    let dbi: Param<Str> = rb.param(
        "DbiResourceId",
        ParamSpec::new("(Required) The DB instance's resource id (`db-...`), as AWS Config passes it (RESOURCE_ID).")
            .pattern(DBI_RESOURCE_ID_PATTERN),
    );
    let key: Param<Str> = rb.param(
        "KmsKeyId",
        ParamSpec::new(
            "(Optional) The KMS key that encrypts the copy (key id, key ARN, alias name or alias ARN); the \
             remediation passes the rule's kmsKeyId when one is set.",
        )
        .default("alias/aws/rds")
        .pattern(KMS_KEY_PATTERN),
    );
    let original_action: Param<Str> = rb.param(
        "OriginalInstance",
        ParamSpec::new(
            "(Optional) What happens to the unencrypted original once the encrypted copy serves under its name: \
             `Stop` (default), or `Delete` with a final snapshot after a second approval.",
        )
        .default("Stop")
        .pattern("^(Stop|Delete)$"),
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
    let classify = rb.add(
        Step::new(
            "ClassifyInstance",
            ExecuteScript::new("python3.11")
                .handler("handler")
                .script(CLASSIFY)
                .input_payload(json!({"DbiResourceId": dbi.to_string()})),
        )
        .description("Reads whether the instance belongs to a DB cluster, is a read replica or has read replicas.")
        .timeout_seconds(60),
    );
    let remediable: Output<Bool> = rb.output(&classify, "Remediable", "$.Payload.Remediable");
    let outcome: Output<Str> = rb.output(&classify, "Outcome", "$.Payload.Outcome");

    let new_id = format!("{id}-encrypted");
    let old_id = format!("{id}-unencrypted");
    let snapshot = format!("{id}-unencrypted-{}", Builtin::EXECUTION_ID);
    let copy = format!("{id}-encrypted-{}", Builtin::EXECUTION_ID);

    let first_change = if approval { "ApproveEncryption" } else { "CreateSnapshot" };
    rb.add(
        Step::new(
            "CheckEncryption",
            Branch::new(vec![
                Choice::new("AlreadyEncrypted", Condition::compare(encrypted.value(), Operator::BooleanEquals, true)),
                Choice::new("NotRemediable", Condition::compare(remediable.value(), Operator::BooleanEquals, false)),
            ])
            .default(first_change),
        )
        .description("Leaves an encrypted instance untouched, and refuses one this runbook must not replace."),
    );
    rb.add(
        common::compliant_end(
            "AlreadyEncrypted",
            AssertAwsResourceProperty::new("rds", "DescribeDBInstances", ENCRYPTED, vec!["True"])
                .param("Filters", common::dbi_filter(&dbi)),
            "Confirms that the DB instance's storage is encrypted.",
        )
        .timeout_seconds(20),
    );
    rb.add(
        Step::new(
            "NotRemediable",
            AssertAwsResourceProperty::new(
                "rds",
                "DescribeDBInstances",
                "$.DBInstances[0].DbiResourceId",
                vec![dbi.to_string()],
            )
            .param("Filters", common::dbi_filter(&dbi)),
        )
        .description(
            "Refuses a member of a DB cluster, a read replica or an instance with read replicas (the reason is in \
             ClassifyInstance.Outcome): not remediable by this runbook; nothing was changed.",
        )
        .timeout_seconds(20)
        .is_end(true),
    );
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

    // Build the encrypted copy next to the original. Cancelled here, the undo only makes calls
    // (deletes of what the run created), well within AWS's 2 minutes.
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
                 renamed {old_id} and then stopped or deleted ({original_action}); the copy takes the name {id} \
                 (clients reconnect; writes made since the snapshot are not in the copy). Rejecting deletes the \
                 copy (with a final snapshot) and the snapshots."
            ),
            Some("UndoRestore"),
        )
        .on_cancel(OnCancel::step("UndoRestore")),
    );
    // A failed rename call renamed nothing: its undo starts one change earlier.
    rb.add(cancel_to(
        common::undo_to(
            rename("RenameOriginal", &id.to_string(), &old_id)
                .description("Renames the original to `<name>-unencrypted`."),
            "UndoRestore",
        ),
        "UndoRestore",
    ));
    rb.add(cancel_to(common::undo_to(settle("SettleOriginalRename"), "UndoRenameOriginal"), "UndoCancelSwap"));
    rb.add(cancel_to(
        common::undo_to(
            wait_available("WaitOriginalRenamed", &old_id, 3600)
                .description("Waits until the rename of the original is done."),
            "UndoRenameOriginal",
        ),
        "UndoCancelSwap",
    ));
    rb.add(cancel_to(
        common::undo_to(
            rename("RenameEncrypted", &new_id, &id.to_string())
                .description("Gives the encrypted instance the original name."),
            "UndoRenameOriginal",
        ),
        "UndoCancelSwap",
    ));
    rb.add(cancel_to(common::undo_to(settle("SettleEncryptedRename"), "UndoRenameEncrypted"), "UndoCancelRecord"));
    rb.add(cancel_to(
        common::undo_to(
            wait_available("WaitEncryptedRenamed", &id.to_string(), 3600)
                .description("Waits until the encrypted instance answers under the original name."),
            "UndoRenameEncrypted",
        ),
        "UndoCancelRecord",
    ));
    rb.add(cancel_to(
        common::undo_to(
            Step::new(
                "VerifyEncrypted",
                AssertAwsResourceProperty::new("rds", "DescribeDBInstances", ENCRYPTED, vec!["True"])
                    .param("DBInstanceIdentifier", &id),
            )
            .description("Verifies that the instance now called `<name>` is encrypted.")
            .timeout_seconds(20),
            "UndoRenameEncrypted",
        ),
        "UndoCancelRecord",
    ));

    // The evaluated instance (the original, by its DbiResourceId) is taken out of service. The
    // copy serves already: a failure here undoes nothing, it records and ends the run Failed.
    rb.add(
        Step::new(
            "CheckOriginalAction",
            Branch::new(vec![Choice::new(
                "ApproveDeleteOriginal",
                Condition::compare(original_action.value(), Operator::StringEquals, "Delete"),
            )])
            .default("StopOriginal"),
        )
        .description("Stops the original, or deletes it after a second approval (`OriginalInstance`)."),
    );
    rb.add(
        Step::new(
            "ApproveDeleteOriginal",
            Approve::new(&swap_approvers)
                .message(format!(
                    "The encrypted copy now serves as RDS DB instance {id}. Delete the unencrypted original {old_id} \
                     ({dbi}), with a final snapshot {old_id}-final-{}? Rejecting stops it instead.",
                    Builtin::EXECUTION_ID
                ))
                .min_required_approvals(1),
        )
        .description("Waits for a second approval before deleting the original; a rejection stops it instead.")
        .on_failure(OnFailure::step("StopOriginal"))
        .on_cancel(OnCancel::step("UndoCancelRecord"))
        .is_critical(false),
    );
    rb.add(common::undo_to(
        Step::new(
            "DeleteOriginal",
            ExecuteAwsApi::new("rds", "DeleteDBInstance")
                .param("DBInstanceIdentifier", old_id.as_str())
                .param("SkipFinalSnapshot", false)
                .param("FinalDBSnapshotIdentifier", format!("{old_id}-final-{}", Builtin::EXECUTION_ID))
                .param("DeleteAutomatedBackups", false),
        )
        .description("Deletes the unencrypted original with a final snapshot (fails if deletion protection is on).")
        .timeout_seconds(20),
        "UndoCancelRecord",
    ));
    rb.add(
        common::undo_to(
            Step::new(
                "VerifyOriginalDeleting",
                WaitForAwsResourceProperty::new("rds", "DescribeDBInstances", STATUS, vec!["deleting"])
                    .param("Filters", common::dbi_filter(&dbi)),
            )
            .description("Verifies that the evaluated instance (by its DbiResourceId) is being deleted.")
            .timeout_seconds(600),
            "UndoCancelRecord",
        )
        .is_end(true),
    );
    rb.add(common::undo_to(
        Step::new(
            "StopOriginal",
            ExecuteAwsApi::new("rds", "StopDBInstance").param("DBInstanceIdentifier", old_id.as_str()),
        )
        .description("Stops the unencrypted original (RDS starts it again after 7 days).")
        .timeout_seconds(20),
        "UndoCancelRecord",
    ));
    rb.add(
        common::undo_to(
            Step::new(
                "VerifyOriginalStopped",
                WaitForAwsResourceProperty::new("rds", "DescribeDBInstances", STATUS, vec!["stopped"])
                    .param("Filters", common::dbi_filter(&dbi)),
            )
            .description("Verifies that the evaluated instance (by its DbiResourceId) is stopped.")
            .timeout_seconds(3600),
            "UndoCancelRecord",
        )
        .is_end(true),
    );

    common::add_undo_chain(
        &mut rb,
        vec![
            guard(rename("UndoRenameEncrypted", &id.to_string(), &new_id)).description(
                "Undo: gives the encrypted instance its `-encrypted` name back; if that fails, the undo stops.",
            ),
            settle("UndoSettleEncryptedName"),
            guard(wait_available("UndoWaitEncryptedName", &new_id, 1800))
                .description("Undo: waits until the original name is free again; if it does not come, the undo stops."),
            guard(rename("UndoRenameOriginal", &old_id, &id.to_string())).description(
                "Undo: gives the original its name back; if that fails, the undo stops and deletes nothing.",
            ),
            settle("UndoSettleOriginalName"),
            guard(wait_available("UndoWaitOriginalName", &id.to_string(), 1800)).description(
                "Undo: waits until the original answers under its name; if it does not, the undo stops and deletes \
                 nothing.",
            ),
            Step::new(
                "UndoRestore",
                ExecuteAwsApi::new("rds", "DeleteDBInstance")
                    .param("DBInstanceIdentifier", new_id.as_str())
                    .param("SkipFinalSnapshot", false)
                    .param("FinalDBSnapshotIdentifier", format!("{new_id}-final-{}", Builtin::EXECUTION_ID))
                    .param("DeleteAutomatedBackups", true),
            )
            .description(
                "Undo: deletes the encrypted instance this run restored, with a final snapshot (clients may have \
                 written to it).",
            )
            .timeout_seconds(20),
            delete_snapshot("UndoCopy", &copy).description("Undo: deletes the encrypted snapshot this run copied."),
            delete_snapshot("UndoSnapshot", &snapshot).description("Undo: deletes the snapshot this run took."),
        ],
    );
    // Cancelled during the swap (AWS gives the cancellation 2 minutes): one call gives the
    // original its name back; the copy and the snapshots stay, listed in the outputs.
    common::add_undo_chain(
        &mut rb,
        vec![rename("UndoCancelSwap", &old_id, &id.to_string()).description(
            "Undo of a cancellation during the swap: gives the original its name back (one call, no waiting); the \
             encrypted copy and the snapshots stay, listed in the outputs.",
        )],
    );
    // Cancelled after the swap, or failed while taking the original out of service: the copy
    // serves; re-read and record, change nothing.
    common::add_undo_chain(
        &mut rb,
        vec![Step::new(
            "UndoCancelRecord",
            ExecuteAwsApi::new("rds", "DescribeDBInstances").param("Filters", common::dbi_filter(&dbi)),
        )
        .description(
            "Undoes nothing on purpose: the encrypted copy already serves under the original name. Re-reads the \
             original (by its DbiResourceId) so the run records its state; stop or delete it yourself.",
        )
        .timeout_seconds(20)],
    );
    rb.document_output(&id);
    rb.document_output(&encrypted);
    rb.document_output(&outcome);
    rb.document_output(&snapshot_id);
    rb.document_output(&copy_id);
    rb.document_output(&new_dbi);
    rb.build()
}

/// Routes a cancellation of `step` to `target` (a quick undo that fits in AWS's 2 minutes).
fn cancel_to(step: Step, target: &str) -> Step {
    step.on_cancel(OnCancel::step(target))
}

/// An undo step whose failure ends the rollback: a failed rename back must not be followed by
/// deleting the copy, or nothing would be left at the original name.
fn guard(step: Step) -> Step {
    step.on_failure(OnFailure::Abort)
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
