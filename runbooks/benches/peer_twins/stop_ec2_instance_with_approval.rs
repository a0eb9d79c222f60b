//! The peer harness's sample of the same name (`../shared/peers/cdk-ssm-documents/samples/`), rebuilt with the builder by `runbook import`: the per-document workload of the emit benchmark.
//!
//! Stops an EC2 instance after an approver signs off.

use runbook_dsl::builder::BuildError;
use runbook_dsl::prelude::*;

/// Builds the runbook.
pub fn build() -> Result<Document, BuildError> {
    let mut rb = Runbook::new("Stops an EC2 instance after an approver signs off.");
    let instance_ids: Param<StrList> =
        rb.param("InstanceIds", ParamSpec::new("(Required) Instance(s) to stop.").min_items(1).max_items(1));
    let approvers: Param<StrList> = rb
        .param("Approvers", ParamSpec::new("(Required) IAM principals allowed to approve.").min_items(1).max_items(10));
    let sns_topic_arn: Param<Str> =
        rb.param("SnsTopicArn", ParamSpec::new("(Required) SNS topic (name must start with Automation)."));
    let automation_assume_role: Param<Str> = rb.param(
        "AutomationAssumeRole",
        ParamSpec::new("(Required) ARN of the IAM role Automation assumes to run this document.")
            .pattern(r"^arn:aws[a-z0-9-]*:iam::\d{12}:role/[\w+=,.@/-]+$"),
    );
    rb.set_assume_role(&automation_assume_role);
    rb.add(
        Step::new(
            "ApproveStop",
            Approve::new(&approvers)
                .min_required_approvals(1)
                .message("Approve stopping the non-compliant instance.")
                .notification_arn(&sns_topic_arn),
        )
        .timeout_seconds(86400),
    );
    rb.add(Step::new("StopInstance", ChangeInstanceState::new(&instance_ids, "stopped")));
    rb.add(
        Step::new(
            "VerifyStopped",
            AssertAwsResourceProperty::new(
                "ec2",
                "DescribeInstances",
                "$.Reservations[0].Instances[0].State.Name",
                json!(["stopped"]),
            )
            .param("InstanceIds", &instance_ids),
        )
        .is_end(true),
    );
    rb.build()
}
