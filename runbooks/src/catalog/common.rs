//! Pieces every catalog runbook shares, so that each module reads as its own remediation: the
//! approval gate of the manual variant, the step that ends a run on a compliant resource, the
//! undo wiring, and the resource-id translations AWS Config makes necessary.
//!
//! The shape every runbook follows: read → branch → (compliant: assert and end) → approve (manual
//! variant) → change → verify (end) → undo chain. Each mutating or verifying step sends failures
//! and cancellations to the undo of the last change made so far; the undo chain runs the undos in
//! reverse order of the changes and ends the run, which ends `Failed` because the failed step kept
//! `isCritical: true`.

use runbook_dsl::model::Value;
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

/// Declares the `Approvers` parameter when `approval` is set (the manual variant).
pub(crate) fn approvers(rb: &mut Runbook, approval: bool, what: &str) -> Option<Param<StrList>> {
    approval.then(|| approvers_param(rb, what))
}

/// Declares the `Approvers` parameter unconditionally (runbooks that always ask before a
/// disruptive swap).
pub(crate) fn approvers_param(rb: &mut Runbook, what: &str) -> Param<StrList> {
    rb.param(
        "Approvers",
        ParamSpec::new(format!("(Required) IAM user names or user/role ARNs (1 to 10) who may approve {what}."))
            .pattern(APPROVER_PATTERN)
            .min_items(1)
            .max_items(10),
    )
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
    let step = Step::new(name, Approve::new(approvers).message(message).min_required_approvals(1));
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

/// Deprecated wiring, kept only until the last modules written with it (`rds_encrypt_instance`,
/// `ebs_encrypt_volume`) move to `Runbook::mutate`, the one way to declare undo.
///
/// Sends a failure or cancellation of `step` (a change or a check of it) to the undo step `undo`,
/// keeping the step critical so the run still ends `Failed` after the undo.
pub(crate) fn undo_to(step: Step, undo: &str) -> Step {
    step.on_failure(OnFailure::step(undo)).on_cancel(OnCancel::step(undo)).is_critical(true)
}

/// Deprecated wiring, kept only until `rds_encrypt_instance` and `ebs_encrypt_volume` move to
/// `Runbook::mutate`.
///
/// Adds the undo chain after the main path. `steps` are in the order they run (the reverse of the
/// changes they undo): a failing undo still hands over to the next one, and the last ends the run.
/// A step that already has an `onFailure` keeps it: a guard before a destructive undo uses
/// `Abort` to end the run rather than destroy something the run did not create.
pub(crate) fn add_undo_chain(rb: &mut Runbook, steps: Vec<Step>) {
    let names: Vec<String> = steps.iter().map(|s| s.name.clone()).collect();
    let last = steps.len().saturating_sub(1);
    for (i, step) in steps.into_iter().enumerate() {
        let step = if i == last {
            step.is_end(true)
        } else {
            let next = &names[i + 1];
            let keep = step.on_failure.is_some();
            match &step.action {
                // A branch chooses its own next step; if it cannot decide, it takes its default.
                Action::Branch(b) if !keep => {
                    let fallback = b.default.clone().unwrap_or_else(|| next.clone());
                    step.on_failure(OnFailure::step(fallback)).is_critical(true)
                }
                Action::Branch(_) => step.is_critical(true),
                _ if keep => step.is_critical(true).next_step(next),
                _ => step.on_failure(OnFailure::step(next)).is_critical(true).next_step(next),
            }
        };
        rb.add(step);
    }
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
