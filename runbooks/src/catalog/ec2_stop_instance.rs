//! Stop an EC2 instance that AWS Config found non-compliant (for example missing required tags
//! or holding a public IP). Config passes the instance id (`i-...`) as the resource id.

use super::common;
use super::ConfigTarget;
use runbook_dsl::builder::BuildError;
use runbook_dsl::prelude::*;

const STATE: &str = "$.Reservations[0].Instances[0].State.Name";
const STOPPED_OR_GOING: [&str; 4] = ["stopped", "stopping", "terminated", "shutting-down"];

/// The Config finding: an instance that breaks a rule such as `EC2_INSTANCE_NO_PUBLIC_IP` or
/// `REQUIRED_TAGS`; Config passes the instance id.
pub const TARGET: ConfigTarget = ConfigTarget {
    config_rule: "EC2_INSTANCE_NO_PUBLIC_IP",
    resource_type: "AWS::EC2::Instance",
    resource_id_param: "InstanceId",
};

/// Builds the runbook; `approval` adds an approval before the first change.
pub fn build(approval: bool) -> Result<Document, BuildError> {
    let mut rb = Runbook::new(
        "Stops an EC2 instance that AWS Config found non-compliant (for example `EC2_INSTANCE_NO_PUBLIC_IP` \
         or `REQUIRED_TAGS`), so that it stops serving until someone fixes it.\n\n\
         The runbook reads the instance state first: an instance that is already stopped, stopping, \
         shutting down or terminated is left untouched and the run says so. Otherwise it stops the \
         instance and verifies that it reached the `stopped` state. If the stop or its check fails, \
         or the run is cancelled, the undo starts the instance again and the run ends Failed.",
    );
    rb.assume_role();
    let instance: Param<Str> = rb.param(
        "InstanceId",
        ParamSpec::new("(Required) The instance to stop, as AWS Config passes it (RESOURCE_ID).")
            .pattern("^i-[a-f0-9]{8,17}$"),
    );
    let approvers = common::approvers(&mut rb, approval, "stopping the instance");

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
    let stopped_states =
        STOPPED_OR_GOING.into_iter().map(|s| Condition::compare(state.value(), Operator::StringEquals, s)).collect();
    rb.add(
        Step::new(
            "CheckState",
            Branch::new(vec![Choice::new("AlreadyStopped", Condition::Or(stopped_states))]).default(first_change),
        )
        .description("Leaves an instance that is already stopped or terminated untouched."),
    );
    rb.add(common::compliant_end(
        "AlreadyStopped",
        AssertAwsResourceProperty::new("ec2", "DescribeInstances", STATE, STOPPED_OR_GOING.to_vec())
            .param("InstanceIds", vec![instance.value()]),
        "Confirms that the instance is stopped or terminated.",
    ));
    common::gate(
        &mut rb,
        &approvers,
        "ApproveStop",
        format!("Stop EC2 instance {instance}, flagged by AWS Config?"),
        "StopInstance",
    );
    rb.add(common::undo_to(
        Step::new("StopInstance", ChangeInstanceState::new(vec![instance.value()], "stopped"))
            .description("Stops the instance and waits until it is stopped.")
            .timeout_seconds(600),
        "UndoStop",
    ));
    rb.add(
        common::undo_to(
            Step::new(
                "VerifyStopped",
                AssertAwsResourceProperty::new("ec2", "DescribeInstances", STATE, vec!["stopped"])
                    .param("InstanceIds", vec![instance.value()]),
            )
            .description("Verifies that the instance is stopped.")
            .timeout_seconds(20),
            "UndoStop",
        )
        .is_end(true),
    );
    common::add_undo_chain(
        &mut rb,
        vec![Step::new(
            "UndoStop",
            ExecuteAwsApi::new("ec2", "StartInstances").param("InstanceIds", vec![instance.value()]),
        )
        .description("Undo: starts the instance again.")
        .timeout_seconds(20)],
    );
    rb.document_output(&state);
    rb.build()
}
