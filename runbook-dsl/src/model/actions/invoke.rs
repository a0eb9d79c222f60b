use super::{DataType, Map, Value};

inputs! {
    /// `aws:executeAutomation`: run another runbook as a child automation.
    ///
    /// ```
    /// use runbook_dsl::prelude::*;
    /// let a = ExecuteAutomation::new("AWS-StopEC2Instance").runtime_parameters(json!({"InstanceId": ["i-0123"]}));
    /// assert_eq!(a.document_name, "AWS-StopEC2Instance");
    /// ```
    pub struct ExecuteAutomation {
        /// Runbook name or ARN.
        document_name: Value = "DocumentName",
        ; optional:
        /// Runbook version.
        document_version: Value = "DocumentVersion",
        /// Child parameters.
        runtime_parameters: Value = "RuntimeParameters",
        /// Rate control: concurrency.
        max_concurrency: Value = "MaxConcurrency",
        /// Rate control: error threshold.
        max_errors: Value = "MaxErrors",
        /// Tags of the child execution.
        tags: Value = "Tags",
        /// Accounts and Regions.
        target_locations: Value = "TargetLocations",
        /// Target maps.
        target_maps: Value = "TargetMaps",
        /// The parameter that receives targets.
        target_parameter_name: Value = "TargetParameterName",
        /// Targets.
        targets: Value = "Targets",
    }
    outputs: ["Output" => StringList, "ExecutionId" => String, "Status" => String]
}

inputs! {
    /// `aws:executeScript`: run an inline or attached Python or PowerShell script.
    ///
    /// ```
    /// use runbook_dsl::prelude::*;
    /// let a = ExecuteScript::new("python3.11").handler("handler").script("def handler(events, context):\n    return {}\n");
    /// assert_eq!(a.runtime, "python3.11");
    /// ```
    pub struct ExecuteScript {
        /// `python3.11`, `PowerShell 7.4`, ...
        runtime: Value = "Runtime",
        ; optional:
        /// Python function (`function` or `file.function`).
        handler: Value = "Handler",
        /// Inline script.
        script: Value = "Script",
        /// Attachment file name.
        attachment: Value = "Attachment",
        /// The `events` argument.
        input_payload: Value = "InputPayload",
    }
    outputs: ["Payload" => StringMap]
}

inputs! {
    /// `aws:executeStateMachine`: start a Step Functions execution and wait for it.
    ///
    /// ```
    /// use runbook_dsl::prelude::*;
    /// let a = ExecuteStateMachine::new("arn:aws:states:us-east-1:123456789012:stateMachine:x");
    /// assert!(a.input.is_none());
    /// ```
    pub struct ExecuteStateMachine {
        /// State machine ARN.
        state_machine_arn: Value = "stateMachineArn",
        ; optional:
        /// Execution name.
        name: Value = "name",
        /// JSON input text.
        input: Value = "input",
    }
    outputs: [
        "executionArn" => String, "input" => String, "name" => String, "output" => String,
        "startDate" => String, "stateMachineArn" => String, "status" => String, "stopDate" => String,
    ]
}

inputs! {
    /// `aws:invokeLambdaFunction`: invoke a Lambda function.
    ///
    /// ```
    /// use runbook_dsl::prelude::*;
    /// let a = InvokeLambdaFunction::new("AutomationFix").input_payload(json!({"id": "x"}));
    /// assert_eq!(a.function_name, "AutomationFix");
    /// ```
    pub struct InvokeLambdaFunction {
        /// Function name or ARN.
        function_name: Value = "FunctionName",
        ; optional:
        /// Version or alias.
        qualifier: Value = "Qualifier",
        /// `Event`, `RequestResponse` or `DryRun`.
        invocation_type: Value = "InvocationType",
        /// `None` or `Tail`.
        log_type: Value = "LogType",
        /// Client context.
        client_context: Value = "ClientContext",
        /// The handler's first argument.
        input_payload: Value = "InputPayload",
        /// Legacy JSON text input.
        payload: Value = "Payload",
    }
    outputs: ["StatusCode" => Integer, "FunctionError" => String, "LogResult" => String, "Payload" => String]
}

inputs! {
    /// `aws:invokeWebhook`: call an Automation webhook integration.
    ///
    /// ```
    /// use runbook_dsl::prelude::*;
    /// assert_eq!(InvokeWebhook::new("hook").body("{}").integration_name, "hook");
    /// ```
    pub struct InvokeWebhook {
        /// Integration name.
        integration_name: Value = "IntegrationName",
        ; optional:
        /// Request payload.
        body: Value = "Body",
    }
    outputs: ["Response" => String, "ResponseCode" => Integer]
}

inputs! {
    /// `aws:runCommand`: run a Command document on managed nodes (give `InstanceIds` or
    /// `Targets`).
    ///
    /// ```
    /// use runbook_dsl::prelude::*;
    /// let a = RunCommand::new("AWS-RunShellScript").instance_ids(vec!["i-0123"]).parameters(json!({"commands": ["uptime"]}));
    /// assert!(a.targets.is_none());
    /// ```
    pub struct RunCommand {
        /// Command document.
        document_name: Value = "DocumentName",
        ; optional:
        /// Instance ids (at most 50).
        instance_ids: Value = "InstanceIds",
        /// Targets.
        targets: Value = "Targets",
        /// Command document parameters.
        parameters: Value = "Parameters",
        /// CloudWatch output.
        cloud_watch_output_config: Value = "CloudWatchOutputConfig",
        /// Comment.
        comment: Value = "Comment",
        /// Document hash.
        document_hash: Value = "DocumentHash",
        /// `Sha256` or `Sha1`.
        document_hash_type: Value = "DocumentHashType",
        /// SNS notifications.
        notification_config: Value = "NotificationConfig",
        /// Output bucket.
        output_s3_bucket_name: Value = "OutputS3BucketName",
        /// Output key prefix.
        output_s3_key_prefix: Value = "OutputS3KeyPrefix",
        /// Notification role.
        service_role_arn: Value = "ServiceRoleArn",
        /// Delivery timeout.
        timeout_seconds: Value = "TimeoutSeconds",
    }
    outputs: ["CommandId" => String, "Status" => String, "ResponseCode" => Integer, "Output" => String]
}
