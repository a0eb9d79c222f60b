//! Stop an EC2 instance that AWS Config found non-compliant (for example missing required tags
//! or holding a public IP). Config passes the instance id (`i-...`) as the resource id. Written
//! with the macros.

use super::common;
use super::ConfigTarget;
use runbook_dsl::builder::BuildError;
use runbook_dsl::prelude::*;

const STATE: &str = "$.Reservations[0].Instances[0].State.Name";

/// The Config finding: an instance that breaks a rule such as `EC2_INSTANCE_NO_PUBLIC_IP` or
/// `REQUIRED_TAGS`; Config passes the instance id.
pub const TARGET: ConfigTarget = ConfigTarget {
    config_rule: "EC2_INSTANCE_NO_PUBLIC_IP",
    resource_type: "AWS::EC2::Instance",
    resource_id_param: "InstanceId",
};

/// The parameters besides `AutomationAssumeRole`.
#[derive(Parameters)]
pub struct Params {
    /// (Required) The instance to stop, as AWS Config passes it (RESOURCE_ID).
    #[param(allowed_pattern = "^i-[a-f0-9]{8,17}$")]
    pub instance_id: String,
}

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
    let p = rb.params::<Params>();
    let approvers = common::approvers(&mut rb, approval, "stopping the instance");
    let state_is = |states: Vec<&str>| {
        AssertAwsResourceProperty::new("ec2", "DescribeInstances", STATE, states)
            .param("InstanceIds", vec![p.instance_id.value()])
    };
    flow! { rb;
        /// Reads the current state of the instance.
        DescribeInstance: api!(ec2.DescribeInstances { InstanceIds: [p.instance_id] }
            -> { State: Str = "$.Reservations[0].Instances[0].State.Name" }), timeout 20;
        /// Leaves an instance that is already stopped or terminated untouched.
        CheckState: if DescribeInstance.State.one_of(["stopped", "stopping", "terminated", "shutting-down"]) {
            AlreadyStopped
        } else {
            ApproveStop
        };
        /// Confirms that the instance is stopped or terminated. The resource is already compliant; nothing was changed.
        AlreadyStopped: state_is(vec!["stopped", "stopping", "terminated", "shutting-down"]), end;
        /// Waits for an approver; a rejection ends the run without any change.
        #[when(let Some(a) = &approvers)]
        ApproveStop: approve(a, format!("Stop EC2 instance {}, flagged by AWS Config?", p.instance_id)), next StopInstance;
        /// Stops the instance and waits until it is stopped.
        StopInstance: ChangeInstanceState::new(vec![p.instance_id.value()], "stopped"), timeout 600, critical true, undo {
            /// Undo: starts the instance again.
            UndoStop: api!(ec2.StartInstances { InstanceIds: [p.instance_id] }), timeout 20;
        };
        /// Verifies that the instance is stopped.
        VerifyStopped: state_is(vec!["stopped"]), timeout 20, on_failure UndoStop, on_cancel UndoStop, critical true, end;
        outputs DescribeInstance.State;
    }
    rb.build()
}
