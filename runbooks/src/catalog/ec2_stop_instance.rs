//! Stop an EC2 instance that AWS Config found non-compliant (for example missing required tags
//! or holding a public IP). Config passes the instance id (`i-...`) as the resource id.

use super::ConfigTarget;
use runbook_dsl::builder::BuildError;
use runbook_dsl::prelude::*;

const STATE: &str = "$.Reservations[0].Instances[0].State.Name";

/// The Config finding: an instance that breaks a rule such as `REQUIRED_TAGS` or
/// `EC2_INSTANCE_NO_PUBLIC_IP`; Config passes the instance id.
pub const TARGET: ConfigTarget = ConfigTarget {
    config_rule: "EC2_INSTANCE_NO_PUBLIC_IP",
    resource_type: "AWS::EC2::Instance",
    resource_id_param: "InstanceId",
};

/// Builds the runbook; `approval` adds an approval before the first change.
pub fn build(approval: bool) -> Result<Document, BuildError> {
    let mut rb = Runbook::new(
        "Stops an EC2 instance that AWS Config found non-compliant.\n\n\
         The runbook reads the instance state first: an instance that is already stopped or \
         terminated is left untouched and the run says so. Otherwise it stops the instance and \
         verifies that it reached the `stopped` state.",
    );
    rb.assume_role();
    let instance: Param<Str> = rb.param(
        "InstanceId",
        ParamSpec::new("(Required) The instance to stop, as AWS Config passes it (RESOURCE_ID).")
            .pattern("^i-[a-f0-9]{8,17}$"),
    );
    let approvers: Option<Param<StrList>> = approval.then(|| {
        rb.param(
            "Approvers",
            ParamSpec::new("(Required) IAM users or role ARNs who may approve the stop.").min_items(1).max_items(10),
        )
    });

    let describe = rb.add(
        Step::new(
            "DescribeInstance",
            ExecuteAwsApi::new("ec2", "DescribeInstances").param("InstanceIds", vec![instance.value()]),
        )
        .description("Reads the current state of the instance.")
        .timeout_seconds(20),
    );
    let state: Output<Str> = rb.output(&describe, "State", STATE);

    let first_change = if approval { "ApproveStop" } else { "StopInstance" };
    let stopped_states = ["stopped", "stopping", "terminated", "shutting-down"]
        .into_iter()
        .map(|s| Condition::compare(state.value(), Operator::StringEquals, s))
        .collect();
    rb.add(
        Step::new(
            "CheckState",
            Branch::new(vec![Choice::new("AlreadyStopped", Condition::Or(stopped_states))]).default(first_change),
        )
        .description("Leaves an instance that is already stopped or terminated untouched."),
    );
    rb.add(
        Step::new(
            "AlreadyStopped",
            AssertAwsResourceProperty::new(
                "ec2",
                "DescribeInstances",
                STATE,
                vec!["stopped", "stopping", "terminated", "shutting-down"],
            )
            .param("InstanceIds", vec![instance.value()]),
        )
        .description("The instance is already compliant; nothing was changed.")
        .is_end(true),
    );
    if let Some(approvers) = &approvers {
        rb.add(
            Step::new(
                "ApproveStop",
                Approve::new(approvers)
                    .message(format!("Stop EC2 instance {instance} flagged by AWS Config?"))
                    .min_required_approvals(1),
            )
            .description("Waits for an approver; a rejection ends the run without changes."),
        );
    }
    rb.mutate(
        Step::new("StopInstance", ChangeInstanceState::new(vec![instance.value()], "stopped"))
            .description("Stops the instance and waits until it is stopped.")
            .timeout_seconds(600),
        vec![Step::new("RestartInstance", ChangeInstanceState::new(vec![instance.value()], "running"))
            .description("Rollback: starts the instance again when the stop could not be verified.")
            .timeout_seconds(600)],
    );
    rb.add(
        Step::new(
            "VerifyStopped",
            AssertAwsResourceProperty::new("ec2", "DescribeInstances", STATE, vec!["stopped"])
                .param("InstanceIds", vec![instance.value()]),
        )
        .description("Verifies that the instance is stopped.")
        .is_end(true),
    );
    rb.document_output(&state);
    rb.build()
}
