//! Encrypt an RDS DB instance that AWS Config found unencrypted. Storage encryption cannot be
//! switched on in place, so the runbook snapshots the instance, copies the snapshot with a KMS
//! key, restores an encrypted instance from the copy, waits for it, and (after approval) swaps the
//! names. The evaluated instance (Config names it by its `DbiResourceId`, which a rename keeps)
//! then ends stopped, or deleted with a final snapshot after a second approval, so the rule has
//! nothing unencrypted left to flag. Cluster members, read replicas and sources of read replicas
//! are refused with a clear outcome.

use super::common::{self, routed, Names, OriginalEnd, Rds, DBI_RESOURCE_ID_PATTERN, KMS_KEY_PATTERN};
use super::ConfigTarget;
use runbook_dsl::builder::BuildError;
use runbook_dsl::iam::Grants;
use runbook_dsl::prelude::*;

/// The runbook's name in the catalog: the value of the tag every resource it creates carries.
const NAME: &str = "Remediate-RDS-EncryptInstance";

const ENCRYPTED: &str = "$.DBInstances[0].StorageEncrypted";
const STATUS: &str = "$.DBInstances[0].DBInstanceStatus";

/// The read that decides whether this runbook may replace the instance: not a member of a DB
/// cluster (Aurora or Multi-AZ DB cluster: the cluster is encrypted as a whole, see
/// `Remediate-RDS-EncryptCluster`), not a read replica, and without read replicas (they would
/// keep replicating from the renamed original). Fields absent from the API answer are read here,
/// with defaults, so the branch never depends on a missing output.
const CLASSIFY: &str = r#"import boto3


def replaced(rds, name):
    """Whether an encrypted instance answers under `name` (an earlier run's copy)."""
    try:
        db = rds.describe_db_instances(DBInstanceIdentifier=name)["DBInstances"][0]
    except rds.exceptions.DBInstanceNotFoundFault:
        return False
    return bool(db.get("StorageEncrypted"))


def handler(events, context):
    rds = boto3.client("rds")
    if events.get("Mode") == "gone":
        found = rds.describe_db_instances(
            Filters=[{"Name": "dbi-resource-id", "Values": [events["DbiResourceId"]]}]
        )["DBInstances"]
        states = [d["DBInstanceStatus"] for d in found]
        if any(s != "deleting" for s in states):
            raise Exception(f"the evaluated instance {events['DbiResourceId']} is still there: {states}")
        return {"Remediable": False, "Outcome": f"{events['DbiResourceId']} is deleted or being deleted"}
    found = rds.describe_db_instances(
        Filters=[{"Name": "dbi-resource-id", "Values": [events["DbiResourceId"]]}]
    )["DBInstances"]
    if not found:
        gone = f"no DB instance has the resource id {events['DbiResourceId']} any more (deleted)"
        return {"Remediable": False, "Encrypted": False, "Outcome": gone}
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
    elif name.endswith("-unencrypted") and replaced(rds, name[: -len("-unencrypted")]):
        why = (
            f"already replaced: {name} is the original an earlier run swapped out for the encrypted "
            f"{name[: -len('-unencrypted')]}; delete it (with a final snapshot) instead of encrypting it again"
        )
    else:
        why = ""
    encrypted = bool(db.get("StorageEncrypted"))
    return {
        "Remediable": not why and not encrypted,
        "Encrypted": encrypted,
        "Outcome": "already encrypted" if encrypted else (why or f"{name} can be replaced by an encrypted copy"),
    }
"#;

/// The Config finding: `RDS_STORAGE_ENCRYPTED`; Config passes the `DbiResourceId`. The rule's
/// optional `kmsKeyId` and this runbook's `KmsKeyId` are one setting (`wiring.rs`,
/// `SHARED_SETTINGS`).
pub const TARGET: ConfigTarget = ConfigTarget {
    config_rule: "RDS_STORAGE_ENCRYPTED",
    resource_type: "AWS::RDS::DBInstance",
    resource_id_param: "DbiResourceId",
};

/// The delete of the original stands in a statement of its own (`OverrideDeleteOriginal`): the
/// original was not created by the run, so that delete cannot carry the `aws:ResourceTag`
/// condition that limits the undo's deletes to what the run created.
pub fn grants() -> Grants {
    Grants::new().replace(
        "DeleteOriginal",
        ["rds:DeleteDBInstance", "rds:CreateDBSnapshot"],
        "deletes the unencrypted original the run replaced (not created by the run, so not limited by the \
         CreatedByRunbook tag), after a second approval and with a final snapshot",
    )
}

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
         copied: set them on the new instance) and waits until it is available; the snapshots and the \
         instance are tagged `CreatedByRunbook` at creation. Nothing has been \
         disrupted so far. Then it waits for an approver, renames the original to \
         `<name>-unencrypted`, renames the new instance to `<name>` (the endpoint name clients use) \
         and verifies that the instance now called `<name>` is encrypted. Writes made to the \
         original after the snapshot are not in the copy: stop writes before approving the swap. \
         Last, the original (the instance AWS Config evaluated, which a rename keeps) is deleted \
         after a second approval with a final snapshot `<name>-unencrypted-final-<execution id>` \
         (`OriginalInstance: Delete`, the default; a rejection stops it instead), or stopped \
         (`OriginalInstance: Stop`: it then stays NON_COMPLIANT, and RDS starts it again after 7 \
         days). A later run refuses an original an earlier run already replaced. The snapshots are \
         kept.\n\n\
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
            "(Optional) What happens to the unencrypted original (the instance AWS Config evaluated) once the \
             encrypted copy serves under its name: `Delete` (default) with a final snapshot after a second \
             approval, or `Stop` (it stays NON_COMPLIANT, and RDS starts it again after 7 days).",
        )
        .default("Delete")
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
    let already: Output<Bool> = rb.output(&classify, "Encrypted", "$.Payload.Encrypted");
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
                Choice::new("AlreadyEncrypted", Condition::compare(already.value(), Operator::BooleanEquals, true)),
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
            ExecuteAwsApi::new("rds", "DescribeDBInstances").param("Filters", common::dbi_filter(&dbi)),
        )
        .description(
            "Refuses a member of a DB cluster, a read replica, an instance with read replicas, an original an \
             earlier run already replaced, or an instance that is gone (the reason is in ClassifyInstance.Outcome): \
             not remediable by this runbook; re-reads it for the record; nothing was changed.",
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

    // Build the encrypted copy next to the original, each piece tagged at creation. Cancelled
    // here, the undo only makes calls (deletes of what the run created), well within AWS's 2
    // minutes.
    let tags = common::creation_tags(NAME);
    let (snapshot_id, copy_id) = Rds::Instance.snapshot_and_copy(&mut rb, &id, (&snapshot, &copy), &key, &tags);
    // A failed restore created nothing, and an instance of that name that already existed must
    // never be deleted: its own failure goes to the undo of the copy.
    let restore = rb.mutate(
        routed(
            Step::new(
                "RestoreInstance",
                ExecuteAwsApi::new("rds", "RestoreDBInstanceFromDBSnapshot")
                    .param("DBInstanceIdentifier", new_id.as_str())
                    .param("DBSnapshotIdentifier", &copy_id)
                    .param("DBInstanceClass", class)
                    .param("DBSubnetGroupName", subnet_group)
                    .param("VpcSecurityGroupIds", &security_groups)
                    .param("DBParameterGroupName", parameter_group)
                    .param("OptionGroupName", option_group)
                    .param("Port", &port)
                    .param("MultiAZ", &multi_az)
                    .param("PubliclyAccessible", &public)
                    .param("Tags", tags.clone()),
            )
            .description(
                "Restores a new, encrypted instance `<name>-encrypted` from the copy with the original's settings, \
                 tagged as created by this run. If the call fails nothing was restored, so the undo starts at the \
                 copy (an instance of that name that already existed is never deleted).",
            )
            .timeout_seconds(20),
            "UndoCopy",
            "UndoCopy",
        ),
        vec![Step::new(
            "UndoRestore",
            Rds::Instance
                .delete(&new_id, &format!("{new_id}-final-{}", Builtin::EXECUTION_ID))
                .param("DeleteAutomatedBackups", true),
        )
        .description(
            "Undo: deletes the encrypted instance this run restored, with a final snapshot (clients may have \
             written to it).",
        )
        .timeout_seconds(20)],
    );
    let new_dbi: Output<Str> = rb.output(&restore, "EncryptedDbiResourceId", "$.DBInstance.DbiResourceId");
    rb.add(
        Rds::Instance
            .wait_available("WaitRestored", &new_id, 14400)
            .description("Waits until the encrypted instance is available."),
    );

    // Swap names, after approval. Cancelled before the first rename, the undo deletes what the
    // run created (calls only); during the swap one call gives the original its name back.
    let names = Names { id: id.to_string(), new_id: new_id.clone(), old_id: old_id.clone() };
    Rds::Instance.swap(
        &mut rb,
        &names,
        &swap_approvers,
        format!(
            "The encrypted copy {new_id} of RDS DB instance {id} is available. Swap it in? The original is renamed \
             {old_id} and then stopped or deleted ({original_action}); the copy takes the name {id} (clients \
             reconnect; writes made since the snapshot are not in the copy). Rejecting deletes the copy (with a \
             final snapshot) and the snapshots."
        ),
        "UndoRestore",
    );

    // The evaluated instance (the original, by its DbiResourceId) is taken out of service.
    let final_snapshot = format!("{old_id}-final-{}", Builtin::EXECUTION_ID);
    Rds::Instance.original_end(
        &mut rb,
        OriginalEnd {
            action: original_action,
            stop_when: None,
            approvers: swap_approvers,
            message: format!(
                "The encrypted copy now serves as RDS DB instance {id}. Delete the unencrypted original {old_id} \
                 ({dbi}), with a final snapshot {final_snapshot}? Rejecting stops it instead."
            ),
            delete: vec![Step::new(
                "DeleteOriginal",
                Rds::Instance.delete(&old_id, &final_snapshot).param("DeleteAutomatedBackups", false),
            )
            .description(
                "Deletes the unencrypted original with a final snapshot (fails if deletion protection is on). The \
                 original was not created by this run: its delete is a separate statement of the role's policy.",
            )
            .timeout_seconds(20)],
            verify_gone: Step::new(
                "VerifyOriginalGone",
                ExecuteScript::new("python3.11")
                    .handler("handler")
                    .script(CLASSIFY)
                    .input_payload(json!({"Mode": "gone", "DbiResourceId": dbi.to_string()})),
            )
            .description(
                "Verifies that the evaluated instance (by its DbiResourceId) is being deleted or gone (the rule then \
                 has nothing unencrypted left to evaluate).",
            )
            .timeout_seconds(60),
            stop: Step::new(
                "StopOriginal",
                ExecuteAwsApi::new("rds", "StopDBInstance").param("DBInstanceIdentifier", old_id.as_str()),
            )
            .description("Stops the unencrypted original (RDS starts it again after 7 days).")
            .timeout_seconds(20),
            verify_stopped: Step::new(
                "VerifyOriginalStopped",
                WaitForAwsResourceProperty::new("rds", "DescribeDBInstances", STATUS, vec!["stopped"])
                    .param("Filters", common::dbi_filter(&dbi)),
            )
            .description("Verifies that the evaluated instance (by its DbiResourceId) is stopped.")
            .timeout_seconds(3600),
        },
    );
    // Cancelled after the swap, or failed while taking the original out of service: the copy
    // serves; re-read and record, change nothing.
    Rds::Instance.cancel_paths(
        &mut rb,
        &names,
        Step::new(
            "UndoCancelRecord",
            ExecuteAwsApi::new("rds", "DescribeDBInstances").param("Filters", common::dbi_filter(&dbi)),
        )
        .description(
            "Undoes nothing on purpose: the encrypted copy already serves under the original name. Re-reads the \
             original (by its DbiResourceId) so the run records its state; stop or delete it yourself.",
        )
        .timeout_seconds(20),
    );
    rb.document_output(&id);
    rb.document_output(&encrypted);
    rb.document_output(&outcome);
    rb.document_output(&snapshot_id);
    rb.document_output(&copy_id);
    rb.document_output(&new_dbi);
    rb.build()
}
