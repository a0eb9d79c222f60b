//! Encrypt an Aurora DB cluster that AWS Config found unencrypted
//! (`RDS_CLUSTER_ENCRYPTED_AT_REST`). Encryption cannot be switched on in place: the runbook
//! snapshots the cluster, copies the snapshot with a KMS key, restores an encrypted cluster from
//! the copy, recreates its instances (same identifiers with `-encrypted`, same classes), and after
//! approval swaps the cluster names. The evaluated cluster (Config names it by its
//! `DbClusterResourceId`, which a rename keeps) then ends stopped. Config passes the
//! `DbClusterResourceId` (`cluster-...`), which the runbook translates.

use super::common::{self, KMS_KEY_PATTERN};
use super::ConfigTarget;
use runbook_dsl::builder::BuildError;
use runbook_dsl::model::Value;
use runbook_dsl::prelude::*;

const ENCRYPTED: &str = "$.DBClusters[0].StorageEncrypted";
const STATUS: &str = "$.DBClusters[0].Status";

/// `allowedPattern` of a `DbClusterResourceId` (`cluster-` and 26 upper-case letters and digits).
const CLUSTER_RESOURCE_ID_PATTERN: &str = r"^cluster-[A-Z0-9]{26}$";

/// Reads what the API leaves out when unset, with defaults, so that no branch depends on a
/// missing output. `Mode`:
/// - `classify`: whether this runbook may replace the cluster (an Aurora cluster, provisioned or
///   Serverless v2, not a replica, without replicas, not in a global database, with instances),
///   and its instances, writer first;
/// - `members-ready`: fails unless the restored cluster has one available instance per original;
/// - `members-gone`: waits (up to the step's timeout) until the restored cluster has no instance.
const CLUSTER_SCRIPT: &str = r#"import time

import boto3


def cluster(rds, events):
    if events.get("ClusterId"):
        return rds.describe_db_clusters(DBClusterIdentifier=events["ClusterId"])["DBClusters"][0]
    found = rds.describe_db_clusters(
        Filters=[{"Name": "db-cluster-resource-id", "Values": [events["DbClusterResourceId"]]}]
    )["DBClusters"]
    return found[0]


def classify(db):
    name = db["DBClusterIdentifier"]
    members = sorted(db.get("DBClusterMembers", []), key=lambda m: not m.get("IsClusterWriter"))
    if not db.get("Engine", "").startswith("aurora"):
        why = f"not remediable here: {name} is a Multi-AZ DB cluster ({db.get('Engine')}); restore it encrypted by hand"
    elif db.get("EngineMode", "provisioned") != "provisioned":
        why = f"not remediable here: {name} uses engine mode {db.get('EngineMode')}"
    elif db.get("ReplicationSourceIdentifier") or db.get("ReadReplicaIdentifiers"):
        why = f"not remediable here: {name} is a replica or has replicas"
    elif db.get("GlobalClusterIdentifier"):
        why = f"not remediable here: {name} belongs to global database {db['GlobalClusterIdentifier']}"
    elif not members:
        why = f"not remediable here: {name} has no DB instance to recreate"
    else:
        why = ""
    return {
        "Remediable": not why,
        "Outcome": why or f"{name} can be replaced by an encrypted copy with {len(members)} instance(s)",
        "MemberIds": [m["DBInstanceIdentifier"] for m in members],
        "MemberCount": len(members),
    }


def handler(events, context):
    rds = boto3.client("rds")
    mode = events["Mode"]
    if mode == "classify":
        return classify(cluster(rds, events))
    if mode == "members-ready":
        members = cluster(rds, events).get("DBClusterMembers", [])
        ids = [m["DBInstanceIdentifier"] for m in members]
        ready = [i for i in ids if rds.describe_db_instances(DBInstanceIdentifier=i)["DBInstances"][0]["DBInstanceStatus"] == "available"]
        if len(ready) != int(events["Expected"]):
            raise Exception(f"{len(ready)} of {events['Expected']} instances of {events['ClusterId']} are available: {ready}")
        return {"Ready": ready}
    while cluster(rds, events).get("DBClusterMembers"):
        time.sleep(30)
    return {"Ready": []}
"#;

/// The Config finding: `RDS_CLUSTER_ENCRYPTED_AT_REST`; Config passes the `DbClusterResourceId`.
pub const TARGET: ConfigTarget = ConfigTarget {
    config_rule: "RDS_CLUSTER_ENCRYPTED_AT_REST",
    resource_type: "AWS::RDS::DBCluster",
    resource_id_param: "DbClusterResourceId",
};

/// Builds the runbook; `approval` adds an approval before the first change. Both variants ask
/// before the swap.
pub fn build(approval: bool) -> Result<Document, BuildError> {
    let mut rb = Runbook::new(
        "Replaces an unencrypted Aurora DB cluster with an encrypted copy, for the AWS Config rule \
         `rds-cluster-encrypted-at-rest`, and stops the unencrypted original.\n\n\
         The runbook translates the `DbClusterResourceId` AWS Config passes into the cluster and reads it: \
         an encrypted cluster is left untouched and the run says so; a Multi-AZ DB cluster (not Aurora), \
         a Serverless v1 cluster, a replica or a cluster with replicas, a member of a global database and \
         a cluster without instances are refused without a change (`ClassifyCluster.Outcome` says why). \
         Otherwise it takes a cluster snapshot, copies it encrypted with `KmsKeyId`, restores a new \
         cluster `<name>-encrypted` from the copy (same engine version, port, subnet group, security \
         groups and cluster parameter group; backtrack, IAM authentication, log exports, deletion \
         protection and monitoring settings are not copied), creates one instance per original instance \
         (`<instance>-encrypted`, same class), and waits until they are available. Nothing has been \
         disrupted so far. Then it waits for an approver, renames the original cluster to \
         `<name>-unencrypted`, renames the new cluster to `<name>` (the cluster endpoints clients use \
         follow the name; instance endpoints do not) and verifies that the cluster now called `<name>` \
         is encrypted. Writes made after the snapshot are not in the copy: stop writes before approving. \
         Last, the original (the cluster AWS Config evaluated) is stopped (RDS starts it again after 7 \
         days: delete it when satisfied). The snapshots are kept.\n\n\
         If a step fails or the swap is rejected, the undo renames the clusters back (stopping at the \
         first rename back that fails, so that the original name is never left empty while the copy is \
         deleted), deletes the new instances, waits until they are gone, deletes the new cluster with a \
         final snapshot `<name>-encrypted-final-<execution id>`, deletes the two snapshots, and the run \
         ends Failed. A cancellation gets AWS's 2 minutes: during the swap one call gives the original \
         its name back; otherwise nothing changes and the state is recorded; what is left is in the \
         outputs.",
    );
    rb.assume_role();
    let resource: Param<Str> = rb.param(
        "DbClusterResourceId",
        ParamSpec::new(
            "(Required) The DB cluster's resource id (`cluster-...`), as AWS Config passes it (RESOURCE_ID).",
        )
        .pattern(CLUSTER_RESOURCE_ID_PATTERN),
    );
    let key: Param<Str> = rb.param(
        "KmsKeyId",
        ParamSpec::new("(Optional) The KMS key that encrypts the copy (key id, key ARN, alias name or alias ARN).")
            .default("alias/aws/rds")
            .pattern(KMS_KEY_PATTERN),
    );
    let approvers = common::approvers(&mut rb, approval, "encrypting the DB cluster");
    let swap_approvers =
        common::swap_approvers(&mut rb, &approvers, "swapping the encrypted copy in for the original DB cluster");
    let by_resource = || json!([{"Name": "db-cluster-resource-id", "Values": [resource.to_string()]}]);

    let describe = rb.add(
        Step::new("DescribeDbCluster", ExecuteAwsApi::new("rds", "DescribeDBClusters").param("Filters", by_resource()))
            .description(
                "Translates the `DbClusterResourceId` AWS Config passes into the cluster and reads its settings.",
            )
            .timeout_seconds(20),
    );
    let field = |rb: &mut Runbook, name: &str, f: &str| -> Output<Str> {
        rb.output(&describe, name, &format!("$.DBClusters[0].{f}"))
    };
    let id = field(&mut rb, "DbClusterIdentifier", "DBClusterIdentifier");
    let encrypted: Output<Bool> = rb.output(&describe, "StorageEncrypted", ENCRYPTED);
    let engine = field(&mut rb, "Engine", "Engine");
    let engine_version = field(&mut rb, "EngineVersion", "EngineVersion");
    let subnet_group = field(&mut rb, "DbSubnetGroup", "DBSubnetGroup");
    let parameter_group = field(&mut rb, "DbClusterParameterGroup", "DBClusterParameterGroup");
    let port: Output<Int> = rb.output(&describe, "Port", "$.DBClusters[0].Port");
    let security_groups: Output<StrList> =
        rb.output(&describe, "VpcSecurityGroupIds", "$.DBClusters[0].VpcSecurityGroups..VpcSecurityGroupId");
    let classify = rb.add(
        script("ClassifyCluster", json!({"Mode": "classify", "DbClusterResourceId": resource.to_string()}), 60)
            .description("Reads whether this runbook may replace the cluster, and its instances (writer first)."),
    );
    let remediable: Output<Bool> = rb.output(&classify, "Remediable", "$.Payload.Remediable");
    let outcome: Output<Str> = rb.output(&classify, "Outcome", "$.Payload.Outcome");
    let members: Output<StrList> = rb.output(&classify, "MemberIds", "$.Payload.MemberIds");
    let member_count: Output<Int> = rb.output(&classify, "MemberCount", "$.Payload.MemberCount");

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
        .description("Leaves an encrypted cluster untouched, and refuses one this runbook must not replace."),
    );
    rb.add(
        common::compliant_end(
            "AlreadyEncrypted",
            AssertAwsResourceProperty::new("rds", "DescribeDBClusters", ENCRYPTED, vec!["True"])
                .param("Filters", by_resource()),
            "Confirms that the DB cluster is encrypted.",
        )
        .timeout_seconds(20),
    );
    rb.add(
        Step::new(
            "NotRemediable",
            AssertAwsResourceProperty::new(
                "rds",
                "DescribeDBClusters",
                "$.DBClusters[0].DbClusterResourceId",
                vec![resource.to_string()],
            )
            .param("Filters", by_resource()),
        )
        .description(
            "Refuses a cluster this runbook must not replace (the reason is in ClassifyCluster.Outcome): not \
             remediable by this runbook; nothing was changed.",
        )
        .timeout_seconds(20)
        .is_end(true),
    );
    common::gate(
        &mut rb,
        &approvers,
        "ApproveEncryption",
        format!(
            "Create an encrypted copy of RDS DB cluster {id} ({resource}), flagged by AWS Config? A second approval \
             is asked before the copy replaces the original."
        ),
        "CreateSnapshot",
    );

    // Build the encrypted copy next to the original. A cancellation here changes nothing more
    // (deleting instances and a cluster means waiting): it records, and the outputs list what
    // the run created.
    let create = rb.add(guarded(
        Step::new(
            "CreateSnapshot",
            ExecuteAwsApi::new("rds", "CreateDBClusterSnapshot")
                .param("DBClusterIdentifier", &id)
                .param("DBClusterSnapshotIdentifier", snapshot.as_str()),
        )
        .description("Takes a manual snapshot of the unencrypted cluster.")
        .timeout_seconds(20),
        "UndoSnapshot",
        "UndoSnapshot",
    ));
    let snapshot_id: Output<Str> = rb.output(&create, "SnapshotId", "$.DBClusterSnapshot.DBClusterSnapshotIdentifier");
    rb.add(guarded(
        wait_snapshot("WaitSnapshot", &snapshot).description("Waits until the snapshot is available."),
        "UndoSnapshot",
        "UndoSnapshot",
    ));
    let copy_step = rb.add(guarded(
        Step::new(
            "CopySnapshot",
            ExecuteAwsApi::new("rds", "CopyDBClusterSnapshot")
                .param("SourceDBClusterSnapshotIdentifier", snapshot.as_str())
                .param("TargetDBClusterSnapshotIdentifier", copy.as_str())
                .param("KmsKeyId", &key)
                .param("CopyTags", true),
        )
        .description("Copies the snapshot, encrypted with the KMS key.")
        .timeout_seconds(20),
        "UndoCopy",
        "UndoCopy",
    ));
    let copy_id: Output<Str> =
        rb.output(&copy_step, "EncryptedSnapshotId", "$.DBClusterSnapshot.DBClusterSnapshotIdentifier");
    rb.add(guarded(
        wait_snapshot("WaitCopy", &copy).description("Waits until the encrypted copy is available."),
        "UndoCopy",
        "UndoCopy",
    ));
    let restore = rb.add(guarded(
        Step::new(
            "RestoreCluster",
            ExecuteAwsApi::new("rds", "RestoreDBClusterFromSnapshot")
                .param("DBClusterIdentifier", new_id.as_str())
                .param("SnapshotIdentifier", copy.as_str())
                .param("Engine", &engine)
                .param("EngineVersion", &engine_version)
                .param("Port", &port)
                .param("DBSubnetGroupName", &subnet_group)
                .param("VpcSecurityGroupIds", &security_groups)
                .param("DBClusterParameterGroupName", &parameter_group),
        )
        .description(
            "Restores a new, encrypted cluster `<name>-encrypted` from the copy. If the call fails nothing was \
             restored, so the undo starts at the copy.",
        )
        .timeout_seconds(20),
        "UndoCopy",
        "UndoCancelRecord",
    ));
    let new_resource: Output<Str> =
        rb.output(&restore, "EncryptedDbClusterResourceId", "$.DBCluster.DbClusterResourceId");
    rb.add(guarded(
        wait_cluster("WaitRestored", &new_id, 14400).description("Waits until the encrypted cluster is available."),
        "UndoRestore",
        "UndoCancelRecord",
    ));
    // One instance per original instance. AWS refuses onCancel on aws:loop and a nested step
    // cannot name a step outside its loop: a failed creation lets the loop go on (`Continue`),
    // and the check after it fails and hands over to the undo.
    let create_instances = rb.for_each("CreateInstances", &members, 40, |rb, it| {
        let member = it.item();
        let class_step = rb.add(
            Step::new(
                "DescribeMember",
                ExecuteAwsApi::new("rds", "DescribeDBInstances").param("DBInstanceIdentifier", &member),
            )
            .description("Reads the class of one original instance.")
            .timeout_seconds(20)
            .on_failure(OnFailure::Continue),
        );
        let class: Output<Str> = rb.output(&class_step, "DbInstanceClass", "$.DBInstances[0].DBInstanceClass");
        rb.add(
            Step::new(
                "CreateMember",
                ExecuteAwsApi::new("rds", "CreateDBInstance")
                    .param("DBInstanceIdentifier", format!("{member}-encrypted"))
                    .param("DBClusterIdentifier", new_id.as_str())
                    .param("Engine", &engine)
                    .param("DBInstanceClass", &class),
            )
            .description("Creates its counterpart `<instance>-encrypted` in the encrypted cluster.")
            .timeout_seconds(20)
            .on_failure(OnFailure::Continue)
            .is_critical(true),
        );
        rb.add(
            Step::new(
                "WaitMember",
                WaitForAwsResourceProperty::new(
                    "rds",
                    "DescribeDBInstances",
                    "$.DBInstances[0].DBInstanceStatus",
                    vec!["available"],
                )
                .param("DBInstanceIdentifier", format!("{member}-encrypted")),
            )
            .description("Waits until it is available.")
            .timeout_seconds(7200)
            .on_failure(OnFailure::Continue)
            .is_critical(true),
        );
    });
    let loop_step = rb.step_mut(&create_instances);
    loop_step.on_failure = Some(OnFailure::step("UndoRestore"));
    loop_step.is_critical = Some(true);
    rb.add(guarded(
        script(
            "VerifyNewMembers",
            json!({"Mode": "members-ready", "ClusterId": new_id, "Expected": member_count.to_string()}),
            120,
        )
        .description("Verifies that the encrypted cluster has one available instance per original instance."),
        "UndoRestore",
        "UndoCancelRecord",
    ));

    // Swap names, after approval.
    rb.add(
        common::approve(
            "ApproveSwap",
            &swap_approvers,
            format!(
                "The encrypted copy {new_id} of RDS DB cluster {id} and its instances are available. Swap it in? \
                 The original is renamed {old_id} and stopped; the copy takes the name {id} (cluster endpoints \
                 follow the name; writes made since the snapshot are not in the copy). Rejecting deletes the copy \
                 (with a final snapshot) and the snapshots."
            ),
            Some("UndoRestore"),
        )
        .on_cancel(OnCancel::step("UndoCancelRecord")),
    );
    rb.add(guarded(
        rename("RenameOriginal", &id.to_string(), &old_id).description("Renames the original to `<name>-unencrypted`."),
        "UndoRestore",
        "UndoCancelRecord",
    ));
    rb.add(guarded(settle("SettleOriginalRename"), "UndoRenameOriginal", "UndoCancelSwap"));
    rb.add(guarded(
        wait_cluster("WaitOriginalRenamed", &old_id, 3600)
            .description("Waits until the rename of the original is done."),
        "UndoRenameOriginal",
        "UndoCancelSwap",
    ));
    rb.add(guarded(
        rename("RenameEncrypted", &new_id, &id.to_string())
            .description("Gives the encrypted cluster the original name."),
        "UndoRenameOriginal",
        "UndoCancelSwap",
    ));
    rb.add(guarded(settle("SettleEncryptedRename"), "UndoRenameEncrypted", "UndoCancelRecord"));
    rb.add(guarded(
        wait_cluster("WaitEncryptedRenamed", &id.to_string(), 3600)
            .description("Waits until the encrypted cluster answers under the original name."),
        "UndoRenameEncrypted",
        "UndoCancelRecord",
    ));
    rb.add(guarded(
        Step::new(
            "VerifyEncrypted",
            AssertAwsResourceProperty::new("rds", "DescribeDBClusters", ENCRYPTED, vec!["True"])
                .param("DBClusterIdentifier", &id),
        )
        .description("Verifies that the cluster now called `<name>` is encrypted.")
        .timeout_seconds(20),
        "UndoRenameEncrypted",
        "UndoCancelRecord",
    ));
    // The evaluated cluster (the original, by its resource id) is stopped. The copy serves
    // already: a failure here undoes nothing, it records and ends the run Failed.
    rb.add(guarded(
        Step::new(
            "StopOriginal",
            ExecuteAwsApi::new("rds", "StopDBCluster").param("DBClusterIdentifier", old_id.as_str()),
        )
        .description("Stops the unencrypted original (RDS starts it again after 7 days).")
        .timeout_seconds(20),
        "UndoCancelRecord",
        "UndoCancelRecord",
    ));
    rb.add(
        guarded(
            Step::new(
                "VerifyOriginalStopped",
                WaitForAwsResourceProperty::new("rds", "DescribeDBClusters", STATUS, vec!["stopped"])
                    .param("Filters", by_resource()),
            )
            .description("Verifies that the evaluated cluster (by its DbClusterResourceId) is stopped.")
            .timeout_seconds(3600),
            "UndoCancelRecord",
            "UndoCancelRecord",
        )
        .is_end(true),
    );

    common::add_undo_chain(
        &mut rb,
        vec![
            guard(rename("UndoRenameEncrypted", &id.to_string(), &new_id)).description(
                "Undo: gives the encrypted cluster its `-encrypted` name back; if that fails, the undo stops.",
            ),
            settle("UndoSettleEncryptedName"),
            guard(wait_cluster("UndoWaitEncryptedName", &new_id, 1800))
                .description("Undo: waits until the original name is free again; if it does not come, the undo stops."),
            guard(rename("UndoRenameOriginal", &old_id, &id.to_string())).description(
                "Undo: gives the original its name back; if that fails, the undo stops and deletes nothing.",
            ),
            settle("UndoSettleOriginalName"),
            guard(wait_cluster("UndoWaitOriginalName", &id.to_string(), 1800)).description(
                "Undo: waits until the original answers under its name; if it does not, the undo stops and deletes \
                 nothing.",
            ),
            // Deleting the copy: its instances first, then the cluster with a final snapshot.
            Step::new(
                "UndoRestore",
                Loop::new(vec![Step::new(
                    "UndoDeleteMember",
                    ExecuteAwsApi::new("rds", "DeleteDBInstance")
                        .param("DBInstanceIdentifier", "{{ UndoRestore.CurrentIteratorValue }}-encrypted"),
                )
                .description(
                    "Undo: deletes one instance this run created (the cluster's final snapshot keeps the data).",
                )
                .timeout_seconds(20)
                .on_failure(OnFailure::Continue)])
                .iterators(members.value())
                .max_iterations(40),
            )
            .description("Undo: deletes the instances this run created in the encrypted cluster."),
            guard(
                script("UndoWaitMembersGone", json!({"Mode": "members-gone", "ClusterId": new_id}), 600)
                    .max_attempts(3)
                    .description(
                    "Undo: waits until the encrypted cluster has no instance left (a cluster with instances cannot \
                     be deleted; a script runs at most 600 s, so up to 3 attempts); if they do not go, the undo \
                     stops.",
                ),
            ),
            Step::new(
                "UndoDeleteCluster",
                ExecuteAwsApi::new("rds", "DeleteDBCluster")
                    .param("DBClusterIdentifier", new_id.as_str())
                    .param("SkipFinalSnapshot", false)
                    .param("FinalDBSnapshotIdentifier", format!("{new_id}-final-{}", Builtin::EXECUTION_ID)),
            )
            .description(
                "Undo: deletes the encrypted cluster this run restored, with a final snapshot (clients may have \
                 written to it).",
            )
            .timeout_seconds(20),
            delete_snapshot("UndoCopy", &copy).description("Undo: deletes the encrypted snapshot this run copied."),
            delete_snapshot("UndoSnapshot", &snapshot).description("Undo: deletes the snapshot this run took."),
        ],
    );
    common::add_undo_chain(
        &mut rb,
        vec![rename("UndoCancelSwap", &old_id, &id.to_string()).description(
            "Undo of a cancellation during the swap: gives the original its name back (one call, no waiting); the \
             encrypted copy and the snapshots stay, listed in the outputs.",
        )],
    );
    common::add_undo_chain(
        &mut rb,
        vec![Step::new(
            "UndoCancelRecord",
            ExecuteAwsApi::new("rds", "DescribeDBClusters").param("Filters", by_resource()),
        )
        .description(
            "Undoes nothing on purpose (a cancellation has 2 minutes; after the swap the copy serves): re-reads \
                 the original (by its DbClusterResourceId) so the run records its state; what the run created is in \
                 the outputs.",
        )
        .timeout_seconds(20)],
    );
    rb.document_output(&id);
    rb.document_output(&encrypted);
    rb.document_output(&outcome);
    rb.document_output(&members);
    rb.document_output(&snapshot_id);
    rb.document_output(&copy_id);
    rb.document_output(&new_resource);
    rb.build()
}

/// Routes failures of `step` to `undo` and cancellations to `cancel` (a quick undo that fits in
/// AWS's 2 minutes).
fn guarded(step: Step, undo: &str, cancel: &str) -> Step {
    common::undo_to(step, undo).on_cancel(OnCancel::step(cancel))
}

/// An undo step whose failure ends the rollback.
fn guard(step: Step) -> Step {
    step.on_failure(OnFailure::Abort)
}

fn script(name: &str, payload: Value, timeout: u64) -> Step {
    Step::new(name, ExecuteScript::new("python3.11").handler("handler").script(CLUSTER_SCRIPT).input_payload(payload))
        .timeout_seconds(timeout)
}

fn wait_snapshot(name: &str, snapshot: &str) -> Step {
    Step::new(
        name,
        WaitForAwsResourceProperty::new(
            "rds",
            "DescribeDBClusterSnapshots",
            "$.DBClusterSnapshots[0].Status",
            vec!["available"],
        )
        .param("DBClusterSnapshotIdentifier", snapshot),
    )
    .timeout_seconds(7200)
}

/// Waits until the cluster called `id` is available; a few attempts, because right after a
/// rename the new name can take a moment to resolve.
fn wait_cluster(name: &str, id: &str, timeout: u64) -> Step {
    Step::new(
        name,
        WaitForAwsResourceProperty::new("rds", "DescribeDBClusters", STATUS, vec!["available"])
            .param("DBClusterIdentifier", id),
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
        ExecuteAwsApi::new("rds", "ModifyDBCluster")
            .param("DBClusterIdentifier", from)
            .param("NewDBClusterIdentifier", to)
            .param("ApplyImmediately", true),
    )
    .timeout_seconds(20)
}

fn delete_snapshot(name: &str, snapshot: &str) -> Step {
    Step::new(name, ExecuteAwsApi::new("rds", "DeleteDBClusterSnapshot").param("DBClusterSnapshotIdentifier", snapshot))
        .timeout_seconds(20)
}
