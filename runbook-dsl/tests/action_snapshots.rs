//! One small document per action, each using every input the action documents; the emitted
//! YAML of each is pinned by a snapshot.

use runbook_dsl::emit;
use runbook_dsl::model::ActionKind;
use runbook_dsl::prelude::*;

/// The step alone in a document. Not `build()`: using every input at once makes some of these
/// documents invalid on purpose (both TemplateBody and TemplateURL, choices pointing at steps
/// that are not there), and `build()` runs the whole validator.
fn doc_with(step: Step) -> Document {
    let mut rb = Runbook::new("One step.");
    rb.assume_role();
    rb.add(step);
    rb.document().clone()
}

/// Every documented input of the action is present in the emitted inputs.
fn assert_all_inputs(doc: &Document) {
    let step = &doc.main_steps[0];
    let kind = step.action.kind().expect("a documented action");
    let inputs = step.action.inputs().expect("inputs serialize");
    for key in kind.known_inputs() {
        assert!(inputs.contains_key(*key), "{}: input {key} is missing from the snapshot document", kind.name());
    }
}

macro_rules! snapshot {
    ($test:ident, $step:expr) => {
        #[test]
        fn $test() {
            let doc = doc_with($step);
            assert_all_inputs(&doc);
            insta::assert_snapshot!(emit::to_yaml(&doc));
        }
    };
}

snapshot!(
    approve,
    Step::new(
        "Approve",
        Approve::new(vec!["arn:aws:iam::123456789012:role/Approver"])
            .min_required_approvals(1)
            .message("Stop the instance?")
            .notification_arn("arn:aws:sns:us-east-1:123456789012:AutomationApprovals"),
    )
    .timeout_seconds(3600)
);

snapshot!(
    assert_aws_resource_property,
    Step::new(
        "AssertStopped",
        AssertAwsResourceProperty::new(
            "ec2",
            "DescribeInstanceStatus",
            "$.InstanceStatuses[0].InstanceState.Name",
            vec!["stopped"]
        )
        .param("InstanceIds", vec!["i-0123456789abcdef0"])
        .param("IncludeAllInstances", true),
    )
);

snapshot!(
    branch,
    Step::new(
        "Choose",
        Branch::new(vec![
            Choice::new("Stop", Condition::compare("{{ Describe.State }}", Operator::StringEquals, "running")),
            Choice::new(
                "Wait",
                Condition::And(vec![
                    Condition::compare("{{ Describe.Count }}", Operator::NumericGreater, 0),
                    Condition::Not(Box::new(Condition::compare("{{ Describe.Ok }}", Operator::BooleanEquals, true))),
                ]),
            ),
        ])
        .default("Done"),
    )
);

snapshot!(
    change_instance_state,
    Step::new(
        "Stop",
        ChangeInstanceState::new(vec!["i-0123456789abcdef0"], "stopped")
            .check_state_only(false)
            .force(true)
            .additional_info("reserved"),
    )
);

snapshot!(
    copy_image,
    Step::new(
        "Copy",
        CopyImage::new("us-east-1", "ami-0123456789abcdef0", "copy-{{ global:DATE_TIME }}")
            .image_description("Encrypted copy")
            .encrypted(true)
            .kms_key_id("arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab")
            .client_token("token-1"),
    )
);

snapshot!(
    create_image,
    Step::new(
        "Image",
        CreateImage::new("i-0123456789abcdef0", "backup-{{ automation:EXECUTION_ID }}")
            .image_description("Backup before remediation")
            .no_reboot(true)
            .block_device_mappings(json!({"/dev/sda1": {"Ebs": {"VolumeSize": 50}}})),
    )
);

snapshot!(
    create_stack,
    Step::new(
        "Stack",
        CreateStack::new("remediation-stack")
            .template_body("Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n")
            .template_url("https://s3.amazonaws.com/bucket/template.yaml")
            .capabilities(vec!["CAPABILITY_IAM"])
            .client_request_token("token-1")
            .disable_rollback(false)
            .on_failure("DELETE")
            .notification_arns(vec!["arn:aws:sns:us-east-1:123456789012:stack-events"])
            .parameters(json!([{"ParameterKey": "Env", "ParameterValue": "prod"}]))
            .resource_types(vec!["AWS::SNS::*"])
            .role_arn("arn:aws:iam::123456789012:role/CfnRole")
            .stack_policy_body("{}")
            .stack_policy_url("https://s3.amazonaws.com/bucket/policy.json")
            .tags(json!([{"Key": "Owner", "Value": "security"}]))
            .timeout_in_minutes(30),
    )
);

snapshot!(
    create_tags,
    Step::new(
        "Tag",
        CreateTags::new(vec!["i-0123456789abcdef0"], json!([{"Key": "Remediated", "Value": "yes"}]))
            .resource_type("EC2"),
    )
);

snapshot!(delete_image, Step::new("DeleteAmi", DeleteImage::new("ami-0123456789abcdef0")));

snapshot!(
    delete_stack,
    Step::new(
        "DeleteStack",
        DeleteStack::new("remediation-stack")
            .client_request_token("token-2")
            .retain_resources(vec!["Topic"])
            .role_arn("arn:aws:iam::123456789012:role/CfnRole"),
    )
);

snapshot!(
    execute_automation,
    Step::new(
        "Child",
        ExecuteAutomation::new("AWS-StopEC2Instance")
            .document_version("1")
            .runtime_parameters(json!({"InstanceId": ["i-0123456789abcdef0"]}))
            .max_concurrency("10%")
            .max_errors("0")
            .tags(json!([{"Key": "Owner", "Value": "security"}]))
            .target_locations(json!([{"Accounts": ["123456789012"], "Regions": ["us-east-1"]}]))
            .target_maps(json!([{"InstanceId": ["i-0123456789abcdef0"]}]))
            .target_parameter_name("InstanceId")
            .targets(json!([{"Key": "tag:Env", "Values": ["prod"]}])),
    )
);

snapshot!(
    execute_aws_api,
    Step::new("GetEncryption", ExecuteAwsApi::new("s3", "GetBucketEncryption").param("Bucket", "my-bucket"),)
        .timeout_seconds(20)
        .output(
            "Algorithm",
            "$.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm",
            DataType::String
        )
);

snapshot!(
    execute_script,
    Step::new(
        "Script",
        ExecuteScript::new("python3.11")
            .handler("handler")
            .script("def handler(events, context):\n    return {\"ok\": events[\"Id\"] != \"\"}\n")
            .attachment("helpers.zip")
            .input_payload(json!({"Id": "{{ global:ACCOUNT_ID }}"})),
    )
    .output("Ok", "$.Payload.ok", DataType::Boolean)
);

snapshot!(
    execute_state_machine,
    Step::new(
        "StateMachine",
        ExecuteStateMachine::new("arn:aws:states:us-east-1:123456789012:stateMachine:Fix")
            .name("fix-{{ automation:EXECUTION_ID }}")
            .input("{\"id\": \"x\"}"),
    )
);

snapshot!(
    invoke_lambda_function,
    Step::new(
        "Lambda",
        InvokeLambdaFunction::new("AutomationFix")
            .qualifier("$LATEST")
            .invocation_type("RequestResponse")
            .log_type("Tail")
            .client_context("e30=")
            .input_payload(json!({"Id": "x"}))
            .payload("{\"Id\": \"x\"}"),
    )
);

snapshot!(invoke_webhook, Step::new("Notify", InvokeWebhook::new("SlackIntegration").body("{\"text\": \"fixed\"}")));

snapshot!(
    loop_over_items,
    Step::new(
        "ForEach",
        Loop::new(vec![Step::new(
            "TagOne",
            CreateTags::new(vec!["{{ ForEach.CurrentIteratorValue }}"], json!([{"Key": "k", "Value": "v"}]))
        )])
        .iterators(vec!["i-0123456789abcdef0", "i-0fedcba9876543210"])
        .iterator_data_type("String")
        .loop_condition(Condition::compare("{{ ForEach.CurrentIteration }}", Operator::NumericLesser, 3))
        .max_iterations(2),
    )
);

snapshot!(pause, Step::new("Hold", Pause::new()));

snapshot!(
    run_command,
    Step::new(
        "Run",
        RunCommand::new("AWS-RunShellScript")
            .instance_ids(vec!["i-0123456789abcdef0"])
            .targets(json!([{"Key": "tag:Env", "Values": ["prod"]}]))
            .parameters(json!({"commands": ["uptime"]}))
            .cloud_watch_output_config(json!({"CloudWatchOutputEnabled": "true"}))
            .comment("check uptime")
            .document_hash("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
            .document_hash_type("Sha256")
            .notification_config(json!({"NotificationArn": "arn:aws:sns:us-east-1:123456789012:cmd"}))
            .output_s3_bucket_name("logs-bucket")
            .output_s3_key_prefix("runcommand/")
            .service_role_arn("arn:aws:iam::123456789012:role/SnsRole")
            .timeout_seconds(600),
    )
);

snapshot!(
    run_instances,
    Step::new(
        "Launch",
        RunInstances::new("ami-0123456789abcdef0")
            .instance_type("t3.micro")
            .min_instance_count(1)
            .max_instance_count(1)
            .additional_info("reserved")
            .block_device_mappings(json!([{"DeviceName": "/dev/xvda", "Ebs": {"Encrypted": true}}]))
            .client_token("token-3")
            .disable_api_termination(false)
            .ebs_optimized(true)
            .iam_instance_profile_arn("arn:aws:iam::123456789012:instance-profile/Worker")
            .iam_instance_profile_name("Worker")
            .instance_initiated_shutdown_behavior("terminate")
            .kernel_id("aki-12345678")
            .key_name("ops")
            .metadata_options(json!({"HttpTokens": "required"}))
            .monitoring(true)
            .network_interfaces(json!([{"DeviceIndex": 0, "SubnetId": "subnet-0123"}]))
            .placement(json!({"AvailabilityZone": "us-east-1a"}))
            .private_ip_address("10.0.0.10")
            .ramdisk_id("ari-12345678")
            .security_group_ids(vec!["sg-0123"])
            .security_groups(vec!["default"])
            .subnet_id("subnet-0123")
            .tag_specifications(json!([{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "w"}]}]))
            .user_data("IyEvYmluL2Jhc2gK"),
    )
);

snapshot!(sleep, Step::new("Wait", Sleep::for_duration("PT5M").timestamp("2026-01-01T01:00:00Z")));

snapshot!(update_variable, Step::new("Count", UpdateVariable::new("variable:Attempts", 2)));

snapshot!(
    wait_for_aws_resource_property,
    Step::new(
        "WaitAvailable",
        WaitForAwsResourceProperty::new(
            "rds",
            "DescribeDBInstances",
            "$.DBInstances[0].DBInstanceStatus",
            vec!["available"]
        )
        .param("DBInstanceIdentifier", "db-1"),
    )
    .timeout_seconds(3600)
);

#[test]
fn every_action_has_a_snapshot() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots");
    let mut missing = Vec::new();
    for kind in ActionKind::ALL {
        let action = kind.name().trim_start_matches("aws:");
        // Snapshot files are named after the test, which is named after the action in snake case.
        let snake: String = action
            .chars()
            .flat_map(|c| if c.is_uppercase() { vec!['_', c.to_ascii_lowercase()] } else { vec![c] })
            .collect();
        let found = std::fs::read_dir(&dir)
            .map(|rd| rd.flatten().any(|e| e.file_name().to_string_lossy().contains(&format!("__{snake}"))))
            .unwrap_or(false);
        if !found {
            missing.push(kind.name());
        }
    }
    assert!(missing.is_empty(), "actions without a snapshot: {missing:?}");
}
