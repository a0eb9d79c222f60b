//! The `Approvers` parameter of the approval variants of the macro-written runbooks.

use runbook_dsl::prelude::*;

/// The parameters an approval variant adds.
#[derive(Parameters)]
pub struct Approval {
    /// (Required) IAM user or role ARNs who may approve the change (1 to 10).
    #[param(
        allowed_pattern = r"^arn:aws[a-z0-9-]*:iam::\d{12}:(role|user)/[\w+=,.@/-]+$",
        min_items = 1,
        max_items = 10
    )]
    pub approvers: Vec<String>,
}
