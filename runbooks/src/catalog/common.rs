//! Pieces every catalog runbook shares, so that each module reads as its own remediation: the
//! approval gate of the manual variant, the step that ends a run on a compliant resource, the
//! resource-id translations AWS Config makes necessary, the tags set at creation, and the
//! sequence of the runbooks that replace an RDS resource by an encrypted copy ([`Rds`]).
//!
//! The shape every runbook follows: read → branch → (compliant: assert and end) → approve (manual
//! variant) → change → verify (end). Undo is declared with each change (`Runbook::mutate`, or
//! `undo {}` in `flow!`): failures and cancellations go to the undo of the last change made so
//! far, the undos run in reverse order of the changes, and the run ends `Failed` because the
//! failed step kept `isCritical: true`.

use runbook_dsl::model::{Action, Value};
use runbook_dsl::prelude::*;

/// `allowedPattern` of a KMS key given as key id, `mrk-` id, alias name, key ARN or alias ARN.
pub(crate) const KMS_KEY_PATTERN: &str = r"^(alias/[a-zA-Z0-9/_-]{1,250}|(mrk-)?[a-f0-9-]{32,36}|arn:aws[a-z0-9-]*:kms:[a-z0-9-]+:\d{12}:(key/(mrk-)?[a-f0-9-]{32,36}|alias/[a-zA-Z0-9/_-]{1,250}))$";

/// `allowedPattern` of each approver: an IAM user name, or a user, role or assumed-role ARN.
pub(crate) const APPROVER_PATTERN: &str =
    r"^([\w+=,.@-]+|arn:aws[a-z0-9-]*:(iam|sts)::\d{12}:(user|role|assumed-role)/[\w+=,.@/-]+)$";

/// `allowedPattern` of an account id (what Config passes for `AWS::::Account` rules).
pub(crate) const ACCOUNT_PATTERN: &str = r"^\d{12}$";

/// `allowedPattern` of an RDS `DbiResourceId` (`db-` and 26 upper-case letters and digits).
pub(crate) const DBI_RESOURCE_ID_PATTERN: &str = r"^db-[A-Z0-9]{26}$";

/// The document parameter holding the SNS topic every `aws:approve` notifies (the shared
/// contract with the templates, which create the topic and pass its ARN).
pub(crate) const NOTIFICATION_PARAM: &str = "NotificationArn";

/// `{{ NotificationArn }}`: what each approval step's `NotificationArn` input holds. The
/// parameter is declared with `Approvers` (see [`approvers_param`]); the validator checks that
/// the reference resolves.
pub(crate) const NOTIFICATION_ARN: &str = "{{ NotificationArn }}";

/// `allowedPattern` of [`NOTIFICATION_PARAM`]: an SNS topic ARN whose name starts with
/// `Automation` (AWS requires it of an approval's topic; topic names are at most 256 characters).
pub(crate) const NOTIFICATION_PATTERN: &str =
    r"^arn:aws[a-z0-9-]*:sns:[a-z0-9-]+:\d{12}:Automation[A-Za-z0-9_-]{0,246}$";

/// Declares the `Approvers` parameter when `approval` is set (the manual variant).
pub(crate) fn approvers(rb: &mut Runbook, approval: bool, what: &str) -> Option<Param<StrList>> {
    approval.then(|| approvers_param(rb, what))
}

/// Declares the `Approvers` parameter unconditionally (runbooks that always ask before a
/// disruptive swap).
/// Declares the `NotificationArn` parameter with it: the topic the approval notifies.
pub(crate) fn approvers_param(rb: &mut Runbook, what: &str) -> Param<StrList> {
    let who = rb.param(
        "Approvers",
        ParamSpec::new(format!("(Required) IAM user names or user/role ARNs (1 to 10) who may approve {what}."))
            .pattern(APPROVER_PATTERN)
            .min_items(1)
            .max_items(10),
    );
    let _topic: Param<Str> = rb.param(
        NOTIFICATION_PARAM,
        ParamSpec::new(
            "(Required) The SNS topic that tells the approvers a run waits for them (its name starts with \
             `Automation`, as AWS requires).",
        )
        .pattern(NOTIFICATION_PATTERN),
    );
    who
}

/// The approvers of a swap that both variants ask for: the manual variant's `Approvers`, or the
/// same parameter declared for the automatic variant.
pub(crate) fn swap_approvers(rb: &mut Runbook, approvers: &Option<Param<StrList>>, what: &str) -> Param<StrList> {
    match approvers {
        Some(a) => a.clone(),
        None => approvers_param(rb, what),
    }
}

/// An `aws:approve` step: a rejection fails the step, so the run ends `Failed` before any change
/// (or, when `undo` is given, after undoing what was already created).
pub(crate) fn approve(name: &str, approvers: &Param<StrList>, message: String, undo: Option<&str>) -> Step {
    let step = Step::new(
        name,
        Approve::new(approvers).message(message).min_required_approvals(1).notification_arn(NOTIFICATION_ARN),
    );
    match undo {
        None => step.description("Waits for an approver; a rejection ends the run without any change."),
        Some(u) => step
            .description("Waits for an approver; a rejection undoes what the run created and ends the run.")
            .on_failure(OnFailure::step(u))
            .is_critical(true),
    }
}

/// Adds the approval step when the manual variant asks for one; returns the name of the step
/// that makes the first change (the approval, or `change` itself).
pub(crate) fn gate(
    rb: &mut Runbook,
    approvers: &Option<Param<StrList>>,
    name: &str,
    message: String,
    change: &str,
) -> String {
    match approvers {
        Some(a) => {
            rb.add(approve(name, a, message, None).next_step(change));
            name.to_string()
        }
        None => change.to_string(),
    }
}

/// The step a compliant resource ends on: it re-reads the property that makes the resource
/// compliant, so the run records the evidence, and ends the run without any change.
pub(crate) fn compliant_end(name: &str, assert: AssertAwsResourceProperty, why: &str) -> Step {
    Step::new(name, assert)
        .description(format!("{why} The resource is already compliant; nothing was changed."))
        .is_end(true)
}

/// `Filters` that select the DB instance whose `DbiResourceId` Config passed.
pub(crate) fn dbi_filter(dbi: &Param<Str>) -> Value {
    json!([{"Name": "dbi-resource-id", "Values": [dbi.to_string()]}])
}

/// Reads the DB instance Config named by its `DbiResourceId` (the translation to the
/// `DBInstanceIdentifier` every other RDS API takes).
pub(crate) fn describe_db(name: &str, dbi: &Param<Str>) -> Step {
    Step::new(name, ExecuteAwsApi::new("rds", "DescribeDBInstances").param("Filters", dbi_filter(dbi)))
        .description("Translates the `DbiResourceId` AWS Config passes into the DB instance and reads its settings.")
        .timeout_seconds(20)
}

/// Declares the `AccountId` parameter of account-level rules and adds a first step that makes
/// sure the run happens in that account (Config passes the account id as the resource id).
pub(crate) fn account_guard(rb: &mut Runbook) -> Param<Str> {
    let account: Param<Str> = rb.param(
        "AccountId",
        ParamSpec::new("(Required) The account, as AWS Config passes it (RESOURCE_ID); it must be the account the automation runs in.")
            .pattern(ACCOUNT_PATTERN),
    );
    rb.add(
        Step::new(
            "CheckAccount",
            AssertAwsResourceProperty::new("sts", "GetCallerIdentity", "$.Account", vec![account.to_string()]),
        )
        .description("Stops the run before any change unless it runs in the account AWS Config named.")
        .timeout_seconds(20),
    );
    account
}

// ---- Tags at creation --------------------------------------------------------------------------

/// Tag key naming the runbook that created a resource (set in the creating call, so the
/// generated role may delete only what a run of this runbook created: `aws:ResourceTag`).
pub(crate) const CREATED_BY_TAG: &str = "CreatedByRunbook";

/// Tag key holding the automation execution that created a resource (which run left it).
pub(crate) const EXECUTION_TAG: &str = "CreatedByAutomationExecution";

/// The `Tags` every resource created by `runbook` carries from its creating call: the runbook
/// (a fixed value, which the IAM derivation turns into an `aws:ResourceTag` condition on the
/// deletes of what the run created) and the execution id.
pub(crate) fn creation_tags(runbook: &str) -> Value {
    json!([
        {"Key": CREATED_BY_TAG, "Value": runbook},
        {"Key": EXECUTION_TAG, "Value": Builtin::EXECUTION_ID.to_string()},
    ])
}

/// EC2's form of [`creation_tags`]: `TagSpecifications` for one resource type.
pub(crate) fn tag_specifications(resource_type: &str, runbook: &str) -> Value {
    json!([{"ResourceType": resource_type, "Tags": creation_tags(runbook)}])
}

// ---- Routing helpers of the replace-by-copy runbooks ----------------------------------------

/// Routes a failure of `step` to `undo` and a cancellation to `cancel` (a quick undo that fits in
/// AWS's 2 minutes), where `Runbook::mutate`'s own routing (the latest change's undo) is not the
/// right one. A loop gets no `onCancel` (AWS refuses it there).
pub(crate) fn routed(step: Step, undo: &str, cancel: &str) -> Step {
    let is_loop = matches!(step.action, Action::Loop(_));
    let step = step.on_failure(OnFailure::step(undo)).is_critical(true);
    if is_loop {
        step
    } else {
        step.on_cancel(OnCancel::step(cancel))
    }
}

/// A step of its own that ends the run (a quick cancellation undo, or a record), outside the
/// rollback `Runbook::mutate` writes.
pub(crate) fn standalone(step: Step) -> Step {
    step.on_failure(OnFailure::Abort).on_cancel(OnCancel::Abort).is_end(true)
}

/// An undo step whose failure ends the rollback: a failed rename back must not be followed by
/// deleting the copy, or nothing would be left at the original name.
pub(crate) fn guard(step: Step) -> Step {
    step.on_failure(OnFailure::Abort)
}

/// A minute for a rename to take effect: until then the new name does not resolve.
pub(crate) fn settle(name: &str) -> Step {
    Step::new(name, Sleep::for_duration("PT1M")).description("Gives the rename a minute to take effect.")
}

// ---- RDS: replace an unencrypted resource by an encrypted copy ------------------------------

/// The resource an RDS encryption runbook replaces: a DB instance or a DB cluster. The two share
/// one sequence (snapshot, encrypted copy, restore, swap of names, verification, the original
/// deleted with a final snapshot or stopped); the API names differ only by the resource's name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Rds {
    /// `DBInstance`, `DBSnapshot`.
    Instance,
    /// `DBCluster`, `DBClusterSnapshot`.
    Cluster,
}

/// The steps of [`Rds::original_end`] that are the runbook's own: how the original is deleted
/// (after the second approval) and stopped, and how the run checks the result.
pub(crate) struct OriginalEnd {
    /// `Delete` or `Stop` (the runbook's `OriginalInstance` / `OriginalCluster` parameter).
    pub action: Param<Str>,
    /// When the original is stopped although `action` is `Delete` (its deletion protection is
    /// on: nothing of it is deleted then).
    pub stop_when: Option<Condition>,
    /// Who approves the delete (the swap's approvers).
    pub approvers: Param<StrList>,
    /// The approval's message.
    pub message: String,
    /// The steps that delete the original, in order, each with a final snapshot or behind one.
    pub delete: Vec<Step>,
    /// Ends the run: the evaluated resource (by its resource id) is being deleted or gone.
    pub verify_gone: Step,
    /// Stops the original.
    pub stop: Step,
    /// Ends the run: the evaluated resource is stopped.
    pub verify_stopped: Step,
}

/// The names of the swap: the original's name, the copy's, and the one the original gets.
pub(crate) struct Names {
    /// `<name>`: the original's name, which the copy takes.
    pub id: String,
    /// `<name>-encrypted`: the copy's name until the swap.
    pub new_id: String,
    /// `<name>-unencrypted`: the original's name after the swap.
    pub old_id: String,
}

impl Rds {
    /// `DBInstance` or `DBCluster`.
    fn entity(self) -> &'static str {
        match self {
            Rds::Instance => "DBInstance",
            Rds::Cluster => "DBCluster",
        }
    }

    /// `DBSnapshot` or `DBClusterSnapshot`.
    fn snapshot(self) -> &'static str {
        match self {
            Rds::Instance => "DBSnapshot",
            Rds::Cluster => "DBClusterSnapshot",
        }
    }

    /// `instance` or `cluster`, for descriptions.
    fn noun(self) -> &'static str {
        match self {
            Rds::Instance => "instance",
            Rds::Cluster => "cluster",
        }
    }

    /// `DescribeDBInstances` or `DescribeDBClusters`.
    pub(crate) fn describe(self) -> String {
        format!("Describe{}s", self.entity())
    }

    /// The selector of the status in the describe answer.
    pub(crate) fn status(self) -> &'static str {
        match self {
            Rds::Instance => "$.DBInstances[0].DBInstanceStatus",
            Rds::Cluster => "$.DBClusters[0].Status",
        }
    }

    /// The selector of `StorageEncrypted` in the describe answer.
    pub(crate) fn encrypted(self) -> String {
        format!("$.{}s[0].StorageEncrypted", self.entity())
    }

    /// The identifier input of the resource's APIs (`DBInstanceIdentifier`).
    pub(crate) fn identifier(self) -> String {
        format!("{}Identifier", self.entity())
    }

    /// Waits until the snapshot is available.
    pub(crate) fn wait_snapshot(self, name: &str, snapshot: &Output<Str>) -> Step {
        let kind = self.snapshot();
        Step::new(
            name,
            WaitForAwsResourceProperty::new(
                "rds",
                format!("Describe{kind}s"),
                format!("$.{kind}s[0].Status"),
                vec!["available"],
            )
            .param(format!("{kind}Identifier"), snapshot),
        )
        .timeout_seconds(7200)
    }

    /// Waits until the resource called `id` is available; a few attempts, because right after a
    /// rename the new name can take a moment to resolve.
    pub(crate) fn wait_available(self, name: &str, id: &str, timeout: u64) -> Step {
        Step::new(
            name,
            WaitForAwsResourceProperty::new("rds", self.describe(), self.status(), vec!["available"])
                .param(self.identifier(), id),
        )
        .max_attempts(3)
        .timeout_seconds(timeout)
    }

    /// Renames the resource (`ModifyDBInstance` / `ModifyDBCluster`, applied immediately).
    pub(crate) fn rename(self, name: &str, from: &str, to: &str) -> Step {
        let entity = self.entity();
        Step::new(
            name,
            ExecuteAwsApi::new("rds", format!("Modify{entity}"))
                .param(self.identifier(), from)
                .param(format!("New{entity}Identifier"), to)
                .param("ApplyImmediately", true),
        )
        .timeout_seconds(20)
    }

    /// Deletes the resource called `id`, keeping a final snapshot `final_snapshot` (never
    /// `SkipFinalSnapshot`: clients may have written to it).
    pub(crate) fn delete(self, id: &str, final_snapshot: &str) -> ExecuteAwsApi {
        ExecuteAwsApi::new("rds", format!("Delete{}", self.entity()))
            .param(self.identifier(), id)
            .param("SkipFinalSnapshot", false)
            .param("FinalDBSnapshotIdentifier", final_snapshot)
    }

    /// Takes a snapshot of the resource called `id` and copies it encrypted with `key`, each
    /// tagged at creation and undone by deleting it (by the identifier its creating call
    /// returned, so the delete is limited to what the run created). Returns the two snapshot ids.
    pub(crate) fn snapshot_and_copy(
        self,
        rb: &mut Runbook,
        id: &Output<Str>,
        names: (&str, &str),
        key: &Param<Str>,
        tags: &Value,
    ) -> (Output<Str>, Output<Str>) {
        let kind = self.snapshot();
        let (snapshot, copy) = names;
        let selector = format!("$.{kind}.{kind}Identifier");
        let mut create = Step::new(
            "CreateSnapshot",
            ExecuteAwsApi::new("rds", format!("Create{kind}"))
                .param(self.identifier(), id)
                .param(format!("{kind}Identifier"), snapshot)
                .param("Tags", tags.clone()),
        )
        .description(format!(
            "Takes a manual snapshot of the unencrypted {}, tagged as created by this run.",
            self.noun()
        ))
        .timeout_seconds(20);
        let snapshot_id: Output<Str> = Output::declare(&mut create, "SnapshotId", &selector);
        rb.mutate(create, vec![self.delete_snapshot("UndoSnapshot", &snapshot_id, "the snapshot this run took")]);
        rb.add(self.wait_snapshot("WaitSnapshot", &snapshot_id).description("Waits until the snapshot is available."));
        let mut copy_step = Step::new(
            "CopySnapshot",
            ExecuteAwsApi::new("rds", format!("Copy{kind}"))
                .param(format!("Source{kind}Identifier"), &snapshot_id)
                .param(format!("Target{kind}Identifier"), copy)
                .param("KmsKeyId", key)
                .param("Tags", tags.clone()),
        )
        .description("Copies the snapshot, encrypted with the KMS key, tagged as created by this run.")
        .timeout_seconds(20);
        let copy_id: Output<Str> = Output::declare(&mut copy_step, "EncryptedSnapshotId", &selector);
        rb.mutate(
            copy_step,
            vec![self.delete_snapshot("UndoCopy", &copy_id, "the encrypted snapshot this run copied")],
        );
        rb.add(self.wait_snapshot("WaitCopy", &copy_id).description("Waits until the encrypted copy is available."));
        (snapshot_id, copy_id)
    }

    fn delete_snapshot(self, name: &str, snapshot: &Output<Str>, what: &str) -> Step {
        let kind = self.snapshot();
        Step::new(name, ExecuteAwsApi::new("rds", format!("Delete{kind}")).param(format!("{kind}Identifier"), snapshot))
            .description(format!("Undo: deletes {what}."))
            .timeout_seconds(20)
    }

    /// The swap, after approval: the original is renamed `<name>-unencrypted`, the copy takes
    /// `<name>`, and the run verifies that `<name>` is encrypted. Each rename is undone by
    /// renaming back, and a rename back that fails ends the undo (so the copy is never deleted
    /// while the original name is empty). A failure or rejection before the first rename goes
    /// to `UndoRestore` (the undo of the restore); a cancellation to `cancel_before` until the
    /// first rename, then to `UndoCancelSwap` (one call gives the original its name back), and
    /// to `UndoCancelRecord` once the copy has the name.
    pub(crate) fn swap(
        self,
        rb: &mut Runbook,
        names: &Names,
        approvers: &Param<StrList>,
        message: String,
        cancel_before: &str,
    ) {
        let noun = self.noun();
        let Names { id, new_id, old_id } = names;
        rb.add(
            approve("ApproveSwap", approvers, message, Some("UndoRestore")).on_cancel(OnCancel::step(cancel_before)),
        );
        // A failed rename call renamed nothing: its undo starts one change earlier.
        rb.mutate(
            routed(
                self.rename("RenameOriginal", id, old_id).description("Renames the original to `<name>-unencrypted`."),
                "UndoRestore",
                cancel_before,
            ),
            vec![
                guard(self.rename("UndoRenameOriginal", old_id, id)).description(
                    "Undo: gives the original its name back; if that fails, the undo stops and deletes nothing.",
                ),
                settle("UndoSettleOriginalName"),
                guard(self.wait_available("UndoWaitOriginalName", id, 1800)).description(
                    "Undo: waits until the original answers under its name; if it does not, the undo stops and \
                     deletes nothing.",
                ),
            ],
        );
        rb.add(settle("SettleOriginalRename").on_cancel(OnCancel::step("UndoCancelSwap")));
        rb.add(
            self.wait_available("WaitOriginalRenamed", old_id, 3600)
                .description("Waits until the rename of the original is done.")
                .on_cancel(OnCancel::step("UndoCancelSwap")),
        );
        rb.mutate(
            routed(
                self.rename("RenameEncrypted", new_id, id)
                    .description(format!("Gives the encrypted {noun} the original name.")),
                "UndoRenameOriginal",
                "UndoCancelSwap",
            ),
            vec![
                guard(self.rename("UndoRenameEncrypted", id, new_id)).description(format!(
                    "Undo: gives the encrypted {noun} its `-encrypted` name back; if that fails, the undo stops."
                )),
                settle("UndoSettleEncryptedName"),
                guard(self.wait_available("UndoWaitEncryptedName", new_id, 1800)).description(
                    "Undo: waits until the original name is free again; if it does not come, the undo stops.",
                ),
            ],
        );
        rb.add(settle("SettleEncryptedRename").on_cancel(OnCancel::step("UndoCancelRecord")));
        rb.add(
            self.wait_available("WaitEncryptedRenamed", id, 3600)
                .description(format!("Waits until the encrypted {noun} answers under the original name."))
                .on_cancel(OnCancel::step("UndoCancelRecord")),
        );
        rb.add(
            Step::new(
                "VerifyEncrypted",
                AssertAwsResourceProperty::new("rds", self.describe(), self.encrypted(), vec!["True"])
                    .param(self.identifier(), id.as_str()),
            )
            .description(format!("Verifies that the {noun} now called `<name>` is encrypted."))
            .timeout_seconds(20)
            .on_cancel(OnCancel::step("UndoCancelRecord")),
        );
    }

    /// What becomes of the original once the copy serves under its name: deleted after a second
    /// approval (`Delete`, its final snapshot kept), or stopped (`Stop`, or the delete rejected).
    /// The copy serves already, so a failure here undoes nothing: it records the original's
    /// state (`UndoCancelRecord`) and the run ends `Failed`.
    pub(crate) fn original_end(self, rb: &mut Runbook, end: OriginalEnd) {
        let noun = self.noun();
        let first_delete = end.delete.first().map(|s| s.name.clone()).unwrap_or_else(|| "StopOriginal".into());
        rb.add(
            Step::new(
                "CheckOriginalAction",
                Branch::new(
                    end.stop_when
                        .map(|c| Choice::new("StopOriginal", c))
                        .into_iter()
                        .chain([Choice::new(
                            "ApproveDeleteOriginal",
                            Condition::compare(end.action.value(), Operator::StringEquals, "Delete"),
                        )])
                        .collect::<Vec<_>>(),
                )
                .default("StopOriginal"),
            )
            .description(format!("Stops the original {noun}, or deletes it after a second approval."))
            .on_failure(OnFailure::step("StopOriginal"))
            .on_cancel(OnCancel::step("UndoCancelRecord")),
        );
        rb.add(
            Step::new(
                "ApproveDeleteOriginal",
                Approve::new(&end.approvers)
                    .message(end.message)
                    .min_required_approvals(1)
                    .notification_arn(NOTIFICATION_ARN),
            )
            .description("Waits for a second approval before deleting the original; a rejection stops it instead.")
            .on_failure(OnFailure::step("StopOriginal"))
            .on_cancel(OnCancel::step("UndoCancelRecord"))
            .is_critical(false)
            .next_step(&first_delete),
        );
        for step in end.delete {
            rb.add(routed(step, "UndoCancelRecord", "UndoCancelRecord"));
        }
        rb.add(routed(end.verify_gone, "UndoCancelRecord", "UndoCancelRecord").is_end(true));
        rb.add(routed(end.stop, "UndoCancelRecord", "UndoCancelRecord"));
        rb.add(routed(end.verify_stopped, "UndoCancelRecord", "UndoCancelRecord").is_end(true));
    }

    /// The two quick cancellation paths (AWS gives a cancellation 2 minutes): during the swap one
    /// call gives the original its name back (`UndoCancelSwap`); otherwise `record` re-reads the
    /// original and changes nothing (`record`, named `UndoCancelRecord`). What the run created is in
    /// the outputs.
    pub(crate) fn cancel_paths(self, rb: &mut Runbook, names: &Names, record: Step) {
        rb.add(standalone(self.rename("UndoCancelSwap", &names.old_id, &names.id).description(format!(
            "Undo of a cancellation during the swap: gives the original its name back (one call, no waiting); the \
             encrypted {} and the snapshots stay, listed in the outputs.",
            self.noun()
        ))));
        rb.add(standalone(record));
    }
}
