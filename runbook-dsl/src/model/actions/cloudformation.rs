use super::{DataType, Map, Value};

inputs! {
    /// `aws:createStack`: create a CloudFormation stack from `TemplateBody` or `TemplateURL`
    /// (exactly one).
    ///
    /// ```
    /// use runbook_dsl::prelude::*;
    /// let a = CreateStack::new("my-stack").template_url("https://example.com/t.yaml");
    /// assert!(a.template_body.is_none());
    /// ```
    pub struct CreateStack {
        /// Stack name.
        stack_name: Value = "StackName",
        ; optional:
        /// Template text.
        template_body: Value = "TemplateBody",
        /// Template URL in S3.
        template_url: Value = "TemplateURL",
        /// `CAPABILITY_IAM`, `CAPABILITY_NAMED_IAM`, `CAPABILITY_AUTO_EXPAND`.
        capabilities: Value = "Capabilities",
        /// Idempotency token.
        client_request_token: Value = "ClientRequestToken",
        /// Do not roll back on failure.
        disable_rollback: Value = "DisableRollback",
        /// `DO_NOTHING`, `ROLLBACK` or `DELETE`.
        on_failure: Value = "OnFailure",
        /// SNS topics.
        notification_arns: Value = "NotificationARNs",
        /// `[{ParameterKey, ParameterValue}]`.
        parameters: Value = "Parameters",
        /// Resource types allowed.
        resource_types: Value = "ResourceTypes",
        /// Service role.
        role_arn: Value = "RoleARN",
        /// Stack policy text.
        stack_policy_body: Value = "StackPolicyBody",
        /// Stack policy URL.
        stack_policy_url: Value = "StackPolicyURL",
        /// `[{Key, Value}]`.
        tags: Value = "Tags",
        /// Creation timeout.
        timeout_in_minutes: Value = "TimeoutInMinutes",
    }
    outputs: ["StackId" => String, "StackStatus" => String, "StackStatusReason" => String]
}

inputs! {
    /// `aws:deleteStack`: delete a CloudFormation stack.
    ///
    /// ```
    /// use runbook_dsl::prelude::*;
    /// assert_eq!(DeleteStack::new("my-stack").stack_name, "my-stack");
    /// ```
    pub struct DeleteStack {
        /// Stack name or id.
        stack_name: Value = "StackName",
        ; optional:
        /// Idempotency token.
        client_request_token: Value = "ClientRequestToken",
        /// Logical ids to keep (stacks in DELETE_FAILED only).
        retain_resources: Value = "RetainResources",
        /// Service role.
        role_arn: Value = "RoleARN",
    }
    outputs: []
}
