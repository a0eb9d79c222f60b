//! Encrypt an Aurora DB cluster that AWS Config found unencrypted
//! (`RDS_CLUSTER_ENCRYPTED_AT_REST`). Encryption cannot be switched on in place: the runbook
//! snapshots the cluster, copies the snapshot with a KMS key, restores an encrypted cluster from
//! the copy, recreates its instances (same identifiers with `-encrypted`, same classes), and after
//! approval swaps the cluster names. The evaluated cluster (Config names it by its
//! `DbClusterResourceId`, which a rename keeps) is then deleted after a second approval (its
//! instances first, as AWS requires; the cluster with a final snapshot), or stopped. Config
//! passes the `DbClusterResourceId` (`cluster-...`), which the runbook translates.

use super::common::{self, guard, routed, Names, OriginalEnd, Rds, KMS_KEY_PATTERN};
use super::ConfigTarget;
use runbook_dsl::builder::BuildError;
use runbook_dsl::iam::Grants;
use runbook_dsl::model::Value;
use runbook_dsl::prelude::*;

/// The runbook's name in the catalog: the value of the tag every resource it creates carries.
const NAME: &str = "Remediate-RDS-EncryptCluster";

const ENCRYPTED: &str = "$.DBClusters[0].StorageEncrypted";
const STATUS: &str = "$.DBClusters[0].Status";

/// `allowedPattern` of a `DbClusterResourceId` (`cluster-` and 26 upper-case letters and digits).
const CLUSTER_RESOURCE_ID_PATTERN: &str = r"^cluster-[A-Z0-9]{26}$";

/// Whether the cluster is gone, encrypted, or one this runbook may replace (an Aurora cluster, provisioned or Serverless
/// v2, not a replica, without replicas, not in a global database, with instances), its
/// instances (writer first) and its deletion protection. Fields the API leaves out when unset
/// are read with defaults, so that no branch depends on a missing output. Each script step gets
/// only its own code (the document stays well under SSM's 64 KB).
const CLASSIFY_SCRIPT: &str = r#"import boto3


def handler(events, context):
    found = boto3.client("rds").describe_db_clusters(
        Filters=[{"Name": "db-cluster-resource-id", "Values": [events["DbClusterResourceId"]]}]
    )["DBClusters"]
    if not found:
        gone = f"no DB cluster has the resource id {events['DbClusterResourceId']} any more (deleted)"
        return {"Remediable": False, "Encrypted": False, "Outcome": gone, "MemberIds": [], "MemberCount": 0,
                "DeletionProtection": False}
    db = found[0]
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
    encrypted = bool(db.get("StorageEncrypted"))
    return {
        "Remediable": not why and not encrypted,
        "Encrypted": encrypted,
        "Outcome": "already encrypted" if encrypted else why or f"{name} can be replaced by an encrypted copy with {len(members)} instance(s)",
        "MemberIds": [m["DBInstanceIdentifier"] for m in members],
        "MemberCount": len(members),
        "DeletionProtection": bool(db.get("DeletionProtection")),
    }
"#;

/// Fails unless the cluster `ClusterId` has `Expected` available instances.
const READY_SCRIPT: &str = r#"import boto3


def handler(events, context):
    rds = boto3.client("rds")
    db = rds.describe_db_clusters(DBClusterIdentifier=events["ClusterId"])["DBClusters"][0]
    ids = [m["DBInstanceIdentifier"] for m in db.get("DBClusterMembers", [])]
    ready = [i for i in ids if rds.describe_db_instances(DBInstanceIdentifier=i)["DBInstances"][0]["DBInstanceStatus"] == "available"]
    if len(ready) != int(events["Expected"]):
        raise Exception(f"{len(ready)} of {events['Expected']} instances of {events['ClusterId']} are available: {ready}")
    return {"Ready": ready}
"#;

/// Waits (up to the step's timeout) until the cluster `ClusterId` has no instance.
const MEMBERS_GONE_SCRIPT: &str = r#"import time

import boto3


def handler(events, context):
    rds = boto3.client("rds")
    while rds.describe_db_clusters(DBClusterIdentifier=events["ClusterId"])["DBClusters"][0].get("DBClusterMembers"):
        time.sleep(30)
    return {"Ready": []}
"#;

/// Fails unless the cluster Config evaluated (by its resource id) is being deleted or gone.
const GONE_SCRIPT: &str = r#"import boto3


def handler(events, context):
    found = boto3.client("rds").describe_db_clusters(
        Filters=[{"Name": "db-cluster-resource-id", "Values": [events["DbClusterResourceId"]]}]
    )["DBClusters"]
    states = [c["Status"] for c in found]
    if any(s != "deleting" for s in states):
        raise Exception(f"the evaluated cluster {events['DbClusterResourceId']} is still there: {states}")
    return {"Ready": []}
"#;

/// The Config finding: `RDS_CLUSTER_ENCRYPTED_AT_REST`; Config passes the `DbClusterResourceId`.
pub const TARGET: ConfigTarget = ConfigTarget {
    config_rule: "RDS_CLUSTER_ENCRYPTED_AT_REST",
    resource_type: "AWS::RDS::DBCluster",
    resource_id_param: "DbClusterResourceId",
};

/// The deletes of the original (its instances and the cluster) stand in statements of their own
/// (`OverrideDeleteOriginalMember`, `OverrideDeleteOriginal`): the original was not created by
/// the run, so those deletes cannot carry the `aws:ResourceTag` condition that limits the undo's
/// deletes to what the run created.
pub fn grants() -> Grants {
    Grants::new()
        .replace(
            "DeleteOriginalMember",
            ["rds:DeleteDBInstance"],
            "deletes the instances of the unencrypted original the run replaced (not created by the run, so not \
             limited by the CreatedByRunbook tag), after a second approval; the cluster's final snapshot keeps the \
             data",
        )
        .replace(
            "DeleteOriginal",
            ["rds:DeleteDBCluster", "rds:CreateDBClusterSnapshot"],
            "deletes the unencrypted original cluster the run replaced (not created by the run, so not limited by \
             the CreatedByRunbook tag), after a second approval and with a final cluster snapshot",
        )
}

/// Builds the runbook; `approval` adds an approval before the first change. Both variants ask
/// before the swap.
pub fn build(approval: bool) -> Result<Document, BuildError> {
    let mut rb = Runbook::new(
        "Replaces an unencrypted Aurora DB cluster with an encrypted copy, for the AWS Config rule \
         `rds-cluster-encrypted-at-rest`, and takes the unencrypted original out of service.\n\n\
         The runbook translates the `DbClusterResourceId` AWS Config passes into the cluster and reads it: \
         an encrypted cluster is left untouched and the run says so; a Multi-AZ DB cluster (not Aurora), \
         a Serverless v1 cluster, a replica or a cluster with replicas, a member of a global database, \
         a cluster without instances and a cluster that is gone are refused without a change \
         (`ClassifyCluster.Outcome` says why). Otherwise it takes a cluster snapshot, copies it encrypted \
         with `KmsKeyId`, restores a new cluster `<name>-encrypted` from the copy (same engine version, \
         port, subnet group, security groups and cluster parameter group; backtrack, IAM authentication, \
         log exports, deletion protection and monitoring settings are not copied), creates one instance \
         per original instance (`<instance>-encrypted`, same class), and waits until they are available; \
         all of them are tagged `CreatedByRunbook` at creation. Nothing has been disrupted so far. Then \
         it waits for an approver, renames the original cluster to `<name>-unencrypted`, renames the new \
         cluster to `<name>` (the cluster endpoints clients use follow the name; instance endpoints do \
         not) and verifies that the cluster now called `<name>` is encrypted. Writes made after the \
         snapshot are not in the copy: stop writes before approving. Last, the original (the cluster \
         AWS Config evaluated) is deleted after a second approval (`OriginalCluster: Delete`, the \
         default): its instances first, then the cluster with a final snapshot \
         `<name>-unencrypted-final-<execution id>`. A rejection, deletion protection on the original, or \
         `OriginalCluster: Stop` stops it instead (it then stays NON_COMPLIANT, and RDS starts it again \
         after 7 days). The snapshots are kept.\n\n\
         If a step fails or the swap is rejected, the undo renames the clusters back (stopping at the \
         first rename back that fails, so that the original name is never left empty while the copy is \
         deleted), deletes the new instances, waits until they are gone, deletes the new cluster with a \
         final snapshot `<name>-encrypted-final-<execution id>`, deletes the two snapshots, and the run \
         ends Failed. Once the copy serves under the original name, a failure undoes nothing and the run \
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
    let original_action: Param<Str> = rb.param(
        "OriginalCluster",
        ParamSpec::new(
            "(Optional) What happens to the unencrypted original (the cluster AWS Config evaluated) once the \
             encrypted copy serves under its name: `Delete` (default) with a final cluster snapshot after a second \
             approval (its instances first), or `Stop` (it stays NON_COMPLIANT, and RDS starts it again after 7 \
             days).",
        )
        .default("Delete")
        .pattern("^(Stop|Delete)$"),
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
        script("ClassifyCluster", CLASSIFY_SCRIPT, json!({"DbClusterResourceId": resource.to_string()}), 60)
            .description("Reads whether this runbook may replace the cluster, and its instances (writer first)."),
    );
    let remediable: Output<Bool> = rb.output(&classify, "Remediable", "$.Payload.Remediable");
    let outcome: Output<Str> = rb.output(&classify, "Outcome", "$.Payload.Outcome");
    let members: Output<StrList> = rb.output(&classify, "MemberIds", "$.Payload.MemberIds");
    let member_count: Output<Int> = rb.output(&classify, "MemberCount", "$.Payload.MemberCount");
    let already: Output<Bool> = rb.output(&classify, "Encrypted", "$.Payload.Encrypted");
    let protected: Output<Bool> = rb.output(&classify, "DeletionProtection", "$.Payload.DeletionProtection");

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
        Step::new("NotRemediable", ExecuteAwsApi::new("rds", "DescribeDBClusters").param("Filters", by_resource()))
            .description(
                "Refuses a cluster this runbook must not replace, or one that is gone (the reason is in \
             ClassifyCluster.Outcome): not remediable by this runbook; re-reads it for the record; nothing was \
             changed.",
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

    // Build the encrypted copy next to the original, each piece tagged at creation. A
    // cancellation once the restore started changes nothing more (deleting instances and a
    // cluster means waiting): it records, and the outputs list what the run created.
    let tags = common::creation_tags(NAME);
    let (snapshot_id, copy_id) = Rds::Cluster.snapshot_and_copy(&mut rb, &id, (&snapshot, &copy), &key, &tags);
    let restore = rb.mutate(
        routed(
            Step::new(
                "RestoreCluster",
                ExecuteAwsApi::new("rds", "RestoreDBClusterFromSnapshot")
                    .param("DBClusterIdentifier", new_id.as_str())
                    .param("SnapshotIdentifier", &copy_id)
                    .param("Engine", &engine)
                    .param("EngineVersion", &engine_version)
                    .param("Port", &port)
                    .param("DBSubnetGroupName", &subnet_group)
                    .param("VpcSecurityGroupIds", &security_groups)
                    .param("DBClusterParameterGroupName", &parameter_group)
                    .param("Tags", tags.clone()),
            )
            .description(
                "Restores a new, encrypted cluster `<name>-encrypted` from the copy, tagged as created by this run. \
                 If the call fails nothing was restored, so the undo starts at the copy.",
            )
            .timeout_seconds(20),
            "UndoCopy",
            "UndoCancelRecord",
        ),
        vec![
            // Deleting the copy: its instances first, then the cluster with a final snapshot.
            delete_members(
                ("UndoRestore", "UndoDeleteMember"),
                &members,
                "-encrypted",
                "Undo: deletes one instance this run created (the cluster's final snapshot keeps the data).",
            )
            .description("Undo: deletes the instances this run created in the encrypted cluster."),
            guard(members_gone("UndoWaitMembersGone", &new_id)).description(
                "Undo: waits until the encrypted cluster has no instance left (a cluster with instances cannot be \
                 deleted; a script runs at most 600 s, so up to 3 attempts); if they do not go, the undo stops.",
            ),
            Step::new(
                "UndoDeleteCluster",
                Rds::Cluster.delete(&new_id, &format!("{new_id}-final-{}", Builtin::EXECUTION_ID)),
            )
            .description(
                "Undo: deletes the encrypted cluster this run restored, with a final snapshot (clients may have \
                 written to it).",
            )
            .timeout_seconds(20),
        ],
    );
    let new_resource: Output<Str> =
        rb.output(&restore, "EncryptedDbClusterResourceId", "$.DBCluster.DbClusterResourceId");
    rb.add(routed(
        Rds::Cluster
            .wait_available("WaitRestored", &new_id, 14400)
            .description("Waits until the encrypted cluster is available."),
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
                    .param("DBInstanceClass", &class)
                    .param("Tags", tags.clone()),
            )
            .description(
                "Creates its counterpart `<instance>-encrypted` in the encrypted cluster, tagged as created by this \
                 run.",
            )
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
    rb.add(routed(
        script(
            "VerifyNewMembers",
            READY_SCRIPT,
            json!({"ClusterId": new_id, "Expected": member_count.to_string()}),
            120,
        )
        .description("Verifies that the encrypted cluster has one available instance per original instance."),
        "UndoRestore",
        "UndoCancelRecord",
    ));

    // Swap names, after approval.
    let names = Names { id: id.to_string(), new_id: new_id.clone(), old_id: old_id.clone() };
    Rds::Cluster.swap(
        &mut rb,
        &names,
        &swap_approvers,
        format!(
            "The encrypted copy {new_id} of RDS DB cluster {id} and its instances are available. Swap it in? The \
             original is renamed {old_id} and then stopped or deleted ({original_action}); the copy takes the name \
             {id} (cluster endpoints follow the name; writes made since the snapshot are not in the copy). \
             Rejecting deletes the copy (with a final snapshot) and the snapshots."
        ),
        "UndoCancelRecord",
    );

    // The evaluated cluster (the original, by its resource id) is taken out of service: deleted
    // after a second approval (its instances first, as AWS requires; the cluster's final
    // snapshot keeps the data), or stopped.
    let final_snapshot = format!("{old_id}-final-{}", Builtin::EXECUTION_ID);
    Rds::Cluster.original_end(
        &mut rb,
        OriginalEnd {
            action: original_action,
            stop_when: Some(Condition::compare(protected.value(), Operator::BooleanEquals, true)),
            approvers: swap_approvers,
            message: format!(
                "The encrypted copy now serves as RDS DB cluster {id}. Delete the unencrypted original {old_id} \
                 ({resource}) and its instances, with a final cluster snapshot {final_snapshot}? Rejecting stops it \
                 instead."
            ),
            delete: vec![
                delete_members(
                    ("DeleteOriginalMembers", "DeleteOriginalMember"),
                    &members,
                    "",
                    "Deletes one instance of the original (an Aurora instance holds no data of its own: the \
                     cluster's final snapshot keeps it).",
                )
                .description("Deletes the original's instances (AWS deletes a cluster only once it has none)."),
                members_gone("WaitOriginalMembersGone", &old_id)
                    .description("Waits until the original has no instance left (up to 3 attempts of 600 s)."),
                Step::new("DeleteOriginal", Rds::Cluster.delete(&old_id, &final_snapshot))
                    .description(
                        "Deletes the unencrypted original with a final cluster snapshot. The original was not \
                         created by this run: its delete is a separate statement of the role's policy.",
                    )
                    .timeout_seconds(20),
            ],
            verify_gone: script(
                "VerifyOriginalGone",
                GONE_SCRIPT,
                json!({"DbClusterResourceId": resource.to_string()}),
                60,
            )
            .description(
                "Verifies that the evaluated cluster (by its DbClusterResourceId) is being deleted or gone (the rule \
                 then has nothing unencrypted left to evaluate).",
            ),
            stop: Step::new(
                "StopOriginal",
                ExecuteAwsApi::new("rds", "StopDBCluster").param("DBClusterIdentifier", old_id.as_str()),
            )
            .description("Stops the unencrypted original (RDS starts it again after 7 days).")
            .timeout_seconds(20),
            verify_stopped: Step::new(
                "VerifyOriginalStopped",
                WaitForAwsResourceProperty::new("rds", "DescribeDBClusters", STATUS, vec!["stopped"])
                    .param("Filters", by_resource()),
            )
            .description("Verifies that the evaluated cluster (by its DbClusterResourceId) is stopped.")
            .timeout_seconds(3600),
        },
    );
    Rds::Cluster.cancel_paths(
        &mut rb,
        &names,
        Step::new("UndoCancelRecord", ExecuteAwsApi::new("rds", "DescribeDBClusters").param("Filters", by_resource()))
            .description(
                "Undoes nothing on purpose (a cancellation has 2 minutes; after the swap the copy serves): re-reads \
                 the original (by its DbClusterResourceId) so the run records its state; what the run created is in \
                 the outputs.",
            )
            .timeout_seconds(20),
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

fn script(name: &str, code: &str, payload: Value, timeout: u64) -> Step {
    Step::new(name, ExecuteScript::new("python3.11").handler("handler").script(code).input_payload(payload))
        .timeout_seconds(timeout)
}

/// Waits until the cluster called `cluster` has no instance left (a script runs at most 600 s,
/// so up to 3 attempts).
fn members_gone(name: &str, cluster: &str) -> Step {
    script(name, MEMBERS_GONE_SCRIPT, json!({"ClusterId": cluster}), 600).max_attempts(3)
}

/// A loop deleting one DB instance per item of `members` (`<item><suffix>`), going on when one
/// delete fails (the wait after it notices); `names` are the loop's and its step's.
fn delete_members(names: (&str, &str), members: &Output<StrList>, suffix: &str, what: &str) -> Step {
    let (loop_name, step_name) = names;
    Step::new(
        loop_name,
        Loop::new(vec![Step::new(
            step_name,
            ExecuteAwsApi::new("rds", "DeleteDBInstance")
                .param("DBInstanceIdentifier", format!("{{{{ {loop_name}.CurrentIteratorValue }}}}{suffix}")),
        )
        .description(what)
        .timeout_seconds(20)
        .on_failure(OnFailure::Continue)])
        .iterators(members.value())
        .max_iterations(40),
    )
}
