//! Attach a managed policy to an IAM role or user that AWS Config found without it (for
//! example `IAM_ROLE_MANAGED_POLICY_CHECK`). Config passes the entity's unique id (`AROA...`
//! for a role, `AIDA...` for a user), not its name; the runbook resolves the name through AWS
//! Config's resource inventory. Written with the macros.

use super::shared::Approval;
use super::ConfigTarget;
use runbook_dsl::builder::BuildError;
use runbook_dsl::prelude::*;

/// The Config finding: `IAM_ROLE_MANAGED_POLICY_CHECK`; Config passes the role's unique id.
/// The runbook also takes user ids (`AIDA...`) for user rules.
pub const TARGET: ConfigTarget = ConfigTarget {
    config_rule: "IAM_ROLE_MANAGED_POLICY_CHECK",
    resource_type: "AWS::IAM::Role",
    resource_id_param: "IAMResourceId",
};

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

const ATTACHED: &str = "$.AttachedPolicies..PolicyArn";

/// Builds the runbook; `approval` adds an approval before the change.
pub fn build(approval: bool) -> Result<Document, BuildError> {
    let mut rb = Runbook::new(
        "Attaches a managed IAM policy to the role or user that AWS Config found without it \
         (IAM_ROLE_MANAGED_POLICY_CHECK).\n\nAWS Config passes the entity's unique id (AROA... for a role, \
         AIDA... for a user); the runbook looks its name up in AWS Config's resource inventory \
         (config:ListDiscoveredResources), then lists the policies attached to it: an entity that already \
         has the policy is left untouched and the run says so. Otherwise it attaches the policy and \
         verifies the attachment. If attaching or verifying fails, or the run is cancelled, it detaches the \
         policy again. Outputs: the entity's name and the policies attached before the run.",
    );
    rb.assume_role();
    let p = rb.params::<Params>();
    let approvers = approval.then(|| rb.params::<Approval>());
    let attached = |api: &str, key: &str, name: &Output<Str>| {
        AssertAwsResourceProperty::new("iam", api, ATTACHED, vec![p.policy_arn.value()])
            .param(key, name)
            .param("MaxItems", 1000)
    };
    flow! { rb;
        /// Roles have ids starting AROA, users AIDA.
        CheckEntityType: if p.iam_resource_id.starts_with("AROA") { ResolveRole } else { ResolveUser };

        /// Looks the role's name up from its unique id.
        ResolveRole: api!(config.ListDiscoveredResources {
            "resourceType": "AWS::IAM::Role",
            "resourceIds": [p.iam_resource_id],
        } -> { RoleName: Str = "$.resourceIdentifiers[0].resourceName" }), timeout 20, retries 2;
        /// Lists the managed policies attached to the role.
        ListRolePolicies: api!(iam.ListAttachedRolePolicies { RoleName: ResolveRole.RoleName, MaxItems: 1000 }
            -> { PolicyArns: StrList = "$.AttachedPolicies..PolicyArn" }), timeout 20, retries 2;
        /// Leaves a role that already has the policy untouched.
        CheckRolePolicy: if ListRolePolicies.PolicyArns.contains(p.policy_arn) { RoleAlreadyAttached } else { ApproveRoleChange };
        /// The role is already compliant; nothing was changed.
        RoleAlreadyAttached: attached("ListAttachedRolePolicies", "RoleName", &ResolveRole.RoleName), end;
        /// Waits for an approver; a rejection ends the run without changes.
        #[when(let Some(a) = &approvers)]
        ApproveRoleChange: approve(a.approvers, format!("Attach {} to IAM role {}?", p.policy_arn, p.iam_resource_id));
        /// Attaches the policy to the role.
        AttachRolePolicy: api!(iam.AttachRolePolicy { RoleName: ResolveRole.RoleName, PolicyArn: p.policy_arn }),
            timeout 20, undo {
            /// Undo: detaches the policy from the role.
            DetachRolePolicy: api!(iam.DetachRolePolicy { RoleName: ResolveRole.RoleName, PolicyArn: p.policy_arn }), timeout 20;
        };
        /// Verifies that the role has the policy.
        VerifyRolePolicy: attached("ListAttachedRolePolicies", "RoleName", &ResolveRole.RoleName),
            on_failure DetachRolePolicy, on_cancel DetachRolePolicy, end;

        /// Looks the user's name up from its unique id.
        ResolveUser: api!(config.ListDiscoveredResources {
            "resourceType": "AWS::IAM::User",
            "resourceIds": [p.iam_resource_id],
        } -> { UserName: Str = "$.resourceIdentifiers[0].resourceName" }), timeout 20, retries 2;
        /// Lists the managed policies attached to the user.
        ListUserPolicies: api!(iam.ListAttachedUserPolicies { UserName: ResolveUser.UserName, MaxItems: 1000 }
            -> { PolicyArns: StrList = "$.AttachedPolicies..PolicyArn" }), timeout 20, retries 2;
        /// Leaves a user that already has the policy untouched.
        CheckUserPolicy: if ListUserPolicies.PolicyArns.contains(p.policy_arn) { UserAlreadyAttached } else { ApproveUserChange };
        /// The user is already compliant; nothing was changed.
        UserAlreadyAttached: attached("ListAttachedUserPolicies", "UserName", &ResolveUser.UserName), end;
        /// Waits for an approver; a rejection ends the run without changes.
        #[when(let Some(a) = &approvers)]
        ApproveUserChange: approve(a.approvers, format!("Attach {} to IAM user {}?", p.policy_arn, p.iam_resource_id));
        /// Attaches the policy to the user.
        AttachUserPolicy: api!(iam.AttachUserPolicy { UserName: ResolveUser.UserName, PolicyArn: p.policy_arn }),
            timeout 20, undo {
            /// Undo: detaches the policy from the user.
            DetachUserPolicy: api!(iam.DetachUserPolicy { UserName: ResolveUser.UserName, PolicyArn: p.policy_arn }), timeout 20;
        };
        /// Verifies that the user has the policy.
        VerifyUserPolicy: attached("ListAttachedUserPolicies", "UserName", &ResolveUser.UserName),
            on_failure DetachUserPolicy, on_cancel DetachUserPolicy, end;

        outputs ResolveRole.RoleName, ListRolePolicies.PolicyArns, ResolveUser.UserName, ListUserPolicies.PolicyArns;
    }
    rb.build()
}

#[cfg(test)]
mod tests {
    use super::super::shared::checks;

    #[test]
    fn is_a_complete_remediation_for_roles_and_users() {
        let (auto, manual) = (super::build(false).expect("builds"), super::build(true).expect("builds"));
        for doc in [&auto, &manual] {
            checks::parameters(doc, "IAMResourceId");
            for kind in ["Role", "User"] {
                checks::undo(doc, &format!("Attach{kind}Policy"), &format!("Detach{kind}Policy"));
                checks::verified(doc, &format!("Verify{kind}Policy"), &format!("Detach{kind}Policy"));
            }
        }
        for kind in ["Role", "User"] {
            let (check, ok) = (format!("Check{kind}Policy"), format!("{kind}AlreadyAttached"));
            checks::idempotent(&auto, &check, &ok, &format!("Attach{kind}Policy"));
            checks::idempotent(&manual, &check, &ok, &format!("Approve{kind}Change"));
            checks::approval_variants(&auto, &manual, &format!("Approve{kind}Change"), &format!("Attach{kind}Policy"));
        }
    }
}
