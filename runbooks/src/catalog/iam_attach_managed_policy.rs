//! Attach a managed policy to an IAM role or user that AWS Config found without it (for
//! example `IAM_ROLE_MANAGED_POLICY_CHECK`). Config passes the entity's unique id (`AROA...`
//! for a role, `AIDA...` for a user), not its name; the runbook resolves the name through AWS
//! Config's resource inventory. Written with the macros.

use super::common;
use super::{ConfigTarget, RuleParameter};
use runbook_dsl::builder::BuildError;
use runbook_dsl::prelude::*;

/// The Config finding: `IAM_ROLE_MANAGED_POLICY_CHECK`; Config passes the role's unique id.
/// The runbook also takes user ids (`AIDA...`) for user rules.
pub const TARGET: ConfigTarget = ConfigTarget {
    config_rule: "IAM_ROLE_MANAGED_POLICY_CHECK",
    resource_type: "AWS::IAM::Role",
    resource_id_param: "IAMResourceId",
};

/// The rule checks the policies named in its required `managedPolicyArns`; the runbook attaches
/// `PolicyArn`: both take the one value the deployer gives.
pub const RULE_PARAMETERS: &[RuleParameter] =
    &[RuleParameter::FromParam { key: "managedPolicyArns", param: "PolicyArn" }];

/// The parameters besides `AutomationAssumeRole`.
#[derive(Parameters)]
pub struct Params {
    /// (Required) The unique id of the role (AROA...) or user (AIDA...), as AWS Config passes
    /// it (RESOURCE_ID).
    #[param(name = "IAMResourceId", allowed_pattern = r"^(AROA|AIDA)[A-Z0-9]{12,124}$")]
    pub iam_resource_id: String,
    /// (Required) The ARN of the managed policy to attach.
    #[param(allowed_pattern = r"^arn:aws[a-z0-9-]*:iam::(aws|\d{12}):policy/[\w+=,.@/-]+$")]
    pub policy_arn: String,
}

/// The path of every service-linked role (IAM User Guide, "Using service-linked roles").
const SERVICE_LINKED_PATH: &str = "/aws-service-role/";

/// Lists every managed policy attached to the role or user (all pages) and says whether the
/// policy is among them; with `Require` set it fails unless it is (the verification). A script,
/// not `ListAttached*Policies` and a branch: a branch cannot test a list for an element
/// (`Contains` takes strings), and an entity without policies gives the selector nothing to match.
const ATTACHED: &str = r#"import boto3

def handler(events, context):
    iam = boto3.client("iam")
    kind, name, arn = events["Kind"], events["Name"], events["PolicyArn"]
    if kind == "Role":
        pages = iam.get_paginator("list_attached_role_policies").paginate(RoleName=name)
    else:
        pages = iam.get_paginator("list_attached_user_policies").paginate(UserName=name)
    attached = [p["PolicyArn"] for page in pages for p in page["AttachedPolicies"]]
    if events["Require"] in (True, "True", "true") and arn not in attached:
        raise Exception(arn + " is not attached to IAM " + kind.lower() + " " + name)
    return {"Attached": arn in attached, "PolicyArns": attached}
"#;

/// Builds the runbook; `approval` adds an approval before the change.
pub fn build(approval: bool) -> Result<Document, BuildError> {
    let mut rb = Runbook::new(
        "Attaches a managed IAM policy to the role or user that AWS Config found without it \
         (IAM_ROLE_MANAGED_POLICY_CHECK).\n\nAWS Config passes the entity's unique id (AROA... for a role, \
         AIDA... for a user); the runbook looks its name up in AWS Config's resource inventory \
         (config:ListDiscoveredResources). A service-linked role (path /aws-service-role/) is not \
         remediable: only its service may change it, so the run ends there without a change and \
         outputs the path. Otherwise the runbook lists the policies attached to the entity: an entity that already \
         has the policy is left untouched and the run says so. Otherwise it attaches the policy and \
         verifies the attachment. If attaching or verifying fails, or the run is cancelled, it detaches the \
         policy again. Outputs: the entity's name and the policies attached before the run.",
    );
    rb.assume_role();
    let p = rb.params::<Params>();
    let approvers = common::approvers(&mut rb, approval, "the change");
    // The compliant end re-reads the entity by the name just resolved (the attachment itself was
    // found by the list step; an assert cannot select one element of that list).
    let exists = |api: &str, key: &str, selector: &str, name: &Output<Str>| {
        AssertAwsResourceProperty::new("iam", api, selector, vec![name.to_string()]).param(key, name)
    };
    flow! { rb;
        /// Roles have ids starting AROA, users AIDA.
        CheckEntityType: if p.iam_resource_id.starts_with("AROA") { ResolveRole } else { ResolveUser };

        /// Looks the role's name up from its unique id.
        ResolveRole: api!(config.ListDiscoveredResources {
            "resourceType": "AWS::IAM::Role",
            "resourceIds": [p.iam_resource_id],
        } -> { RoleName: Str = "$.resourceIdentifiers[0].resourceName" }), timeout 20, retries 2;
        /// Reads the role's path: service-linked roles live under `/aws-service-role/`.
        ReadRole: api!(iam.GetRole { RoleName: ResolveRole.RoleName } -> { Path: Str = "$.Role.Path" }), timeout 20;
        /// Sends a service-linked role to a clear "not remediable" end.
        CheckServiceLinked: if ReadRole.Path.starts_with(SERVICE_LINKED_PATH) { RoleNotRemediable } else { ReadRolePolicies };
        /// The role is service-linked: only the service that owns it may change it (IAM refuses
        /// AttachRolePolicy with UnmodifiableEntity), so it is not remediable by this runbook; nothing
        /// was changed. The output `ReadRole.Path` says why.
        RoleNotRemediable: AssertAwsResourceProperty::new("iam", "GetRole", "$.Role.Path", Vec::from([ReadRole.Path.to_string()]))
            .param("RoleName", &ResolveRole.RoleName), timeout 20, end;
        /// Lists the managed policies attached to the role.
        ReadRolePolicies: script!(
            runtime = "python3.11",
            handler = "handler",
            script = ATTACHED,
            input = { Kind: "Role", Name: ResolveRole.RoleName, PolicyArn: p.policy_arn, Require: false },
            outputs = { Attached: Bool = "$.Payload.Attached", PolicyArns: StrList = "$.Payload.PolicyArns" },
        ), timeout 60;
        /// Leaves a role that already has the policy untouched.
        CheckRolePolicy: if ReadRolePolicies.Attached { RoleAlreadyAttached } else { ApproveRoleChange };
        /// The role already has the policy (ReadRolePolicies found it); nothing was changed.
        RoleAlreadyAttached: exists("GetRole", "RoleName", "$.Role.RoleName", &ResolveRole.RoleName), end;

        /// Looks the user's name up from its unique id.
        ResolveUser: api!(config.ListDiscoveredResources {
            "resourceType": "AWS::IAM::User",
            "resourceIds": [p.iam_resource_id],
        } -> { UserName: Str = "$.resourceIdentifiers[0].resourceName" }), timeout 20, retries 2;
        /// Lists the managed policies attached to the user.
        ReadUserPolicies: script!(
            runtime = "python3.11",
            handler = "handler",
            script = ATTACHED,
            input = { Kind: "User", Name: ResolveUser.UserName, PolicyArn: p.policy_arn, Require: false },
            outputs = { Attached: Bool = "$.Payload.Attached", PolicyArns: StrList = "$.Payload.PolicyArns" },
        ), timeout 60;
        /// Leaves a user that already has the policy untouched.
        CheckUserPolicy: if ReadUserPolicies.Attached { UserAlreadyAttached } else { ApproveUserChange };
        /// The user already has the policy (ReadUserPolicies found it); nothing was changed.
        UserAlreadyAttached: exists("GetUser", "UserName", "$.User.UserName", &ResolveUser.UserName), end;

        /// Waits for an approver; a rejection ends the run without changes.
        #[when(let Some(a) = &approvers)]
        ApproveRoleChange: approve(a, format!("Attach {} to IAM role {}?", p.policy_arn, p.iam_resource_id), common::NOTIFICATION_ARN);
        /// Attaches the policy to the role.
        AttachRolePolicy: api!(iam.AttachRolePolicy { RoleName: ResolveRole.RoleName, PolicyArn: p.policy_arn }),
            timeout 20, undo {
            /// Undo: detaches the policy from the role.
            UndoAttachRolePolicy: api!(iam.DetachRolePolicy { RoleName: ResolveRole.RoleName, PolicyArn: p.policy_arn }), timeout 20;
        };
        /// Verifies that the role has the policy.
        VerifyRolePolicy: script!(
            runtime = "python3.11",
            handler = "handler",
            script = ATTACHED,
            input = { Kind: "Role", Name: ResolveRole.RoleName, PolicyArn: p.policy_arn, Require: true },
        ), timeout 60, on_failure UndoAttachRolePolicy, on_cancel UndoAttachRolePolicy, end;

        /// Waits for an approver; a rejection ends the run without changes.
        #[when(let Some(a) = &approvers)]
        ApproveUserChange: approve(a, format!("Attach {} to IAM user {}?", p.policy_arn, p.iam_resource_id), common::NOTIFICATION_ARN);
        /// Attaches the policy to the user.
        AttachUserPolicy: api!(iam.AttachUserPolicy { UserName: ResolveUser.UserName, PolicyArn: p.policy_arn }),
            timeout 20, undo {
            /// Undo: detaches the policy from the user.
            UndoAttachUserPolicy: api!(iam.DetachUserPolicy { UserName: ResolveUser.UserName, PolicyArn: p.policy_arn }), timeout 20;
        };
        /// Verifies that the user has the policy.
        VerifyUserPolicy: script!(
            runtime = "python3.11",
            handler = "handler",
            script = ATTACHED,
            input = { Kind: "User", Name: ResolveUser.UserName, PolicyArn: p.policy_arn, Require: true },
        ), timeout 60, on_failure UndoAttachUserPolicy, on_cancel UndoAttachUserPolicy, end;

        outputs ResolveRole.RoleName, ReadRole.Path, ReadRolePolicies.PolicyArns, ResolveUser.UserName, ReadUserPolicies.PolicyArns;
    }
    rb.build()
}

#[cfg(test)]
mod tests {
    use super::super::shared::checks;
    use runbook_dsl::model::Action;

    #[test]
    fn is_a_complete_remediation_for_roles_and_users() {
        let (auto, manual) = (super::build(false).expect("builds"), super::build(true).expect("builds"));
        for doc in [&auto, &manual] {
            checks::parameters(doc, "IAMResourceId");
            for kind in ["Role", "User"] {
                checks::undo(doc, &format!("Attach{kind}Policy"), &format!("UndoAttach{kind}Policy"));
                checks::verified(doc, &format!("Verify{kind}Policy"), &format!("UndoAttach{kind}Policy"));
            }
        }
        for doc in [&auto, &manual] {
            // A service-linked role ends "not remediable" before any change.
            let Action::Branch(b) = &doc.step("CheckServiceLinked").expect("branch").action else {
                panic!("not a branch")
            };
            assert_eq!(
                (b.choices[0].next_step.as_str(), b.default.as_deref()),
                ("RoleNotRemediable", Some("ReadRolePolicies"))
            );
            assert!(serde_json::to_string(&b.choices[0]).expect("json").contains("/aws-service-role/"));
            let end = doc.step("RoleNotRemediable").expect("step");
            assert_eq!(end.is_end, Some(true));
            assert!(end.description.as_deref().unwrap_or("").contains("not remediable"));
        }
        for kind in ["Role", "User"] {
            let (check, ok) = (format!("Check{kind}Policy"), format!("{kind}AlreadyAttached"));
            checks::idempotent(&auto, &check, &ok, &format!("Attach{kind}Policy"));
            checks::idempotent(&manual, &check, &ok, &format!("Approve{kind}Change"));
            checks::approval_variants(&auto, &manual, &format!("Approve{kind}Change"), &format!("Attach{kind}Policy"));
        }
    }
}
