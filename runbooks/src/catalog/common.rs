//! Pieces every catalog runbook shares, so that each module reads as its own remediation: the
//! approval gate of the manual variant, the step that ends a run on a compliant resource, and
//! the resource-id translations AWS Config makes necessary.
//!
//! The shape every runbook follows: read → branch → (compliant: assert and end) → approve (manual
//! variant) → change → verify (end). Undo is declared with each change (`Runbook::mutate`, or
//! `undo {}` in `flow!`): failures and cancellations go to the undo of the last change made so
//! far, the undos run in reverse order of the changes, and the run ends `Failed` because the
//! failed step kept `isCritical: true`.

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

/// Deprecated wiring, kept only until the last modules written with it (`rds_encrypt_instance`,
/// `ebs_encrypt_volume`) move to `Runbook::mutate`, the one way to declare undo.
///
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
