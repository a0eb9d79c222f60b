//! Quarantine an EC2 instance that AWS Config found without its required tags
//! (`REQUIRED_TAGS`): stop it, so that an unowned, unaccounted-for instance stops serving and
//! costing until someone tags it and starts it again. Config passes the instance id (`i-...`).
//! Written with the macros.
//!
//! This is a quarantine, not a fix: the rule stays NON_COMPLIANT until the tags are set (the
//! runbook cannot know the right values), and a rerun finds the instance stopped and ends
//! without a change. A public IP is the business of `ec2_remove_public_ip` (stopping does not
//! remove an Elastic IP, and an auto-assigned address comes back on start).

use super::common;
use super::ConfigTarget;
use runbook_dsl::builder::BuildError;
use runbook_dsl::prelude::*;

const STATE: &str = "$.Reservations[0].Instances[0].State.Name";

/// The Config finding: `REQUIRED_TAGS` on an EC2 instance; Config passes the instance id. The
/// rule's `tag1Key` is set in `wiring.rs` (`RULE_INPUT_PARAMETERS`).
pub const TARGET: ConfigTarget =
    ConfigTarget { config_rule: "REQUIRED_TAGS", resource_type: "AWS::EC2::Instance", resource_id_param: "InstanceId" };

/// The parameters besides `AutomationAssumeRole`.
#[derive(Parameters)]
pub struct Params {
    /// (Required) The instance to quarantine, as AWS Config passes it (RESOURCE_ID).
    #[param(allowed_pattern = "^i-[a-f0-9]{8,17}$")]
    pub instance_id: String,
}

/// Builds the runbook; `approval` adds an approval before the first change.
pub fn build(approval: bool) -> Result<Document, BuildError> {
    let mut rb = Runbook::new(
        "Quarantines an EC2 instance that AWS Config found without its required tags (`required-tags`): \
         stops it, so that it stops serving and costing until someone tags it and starts it again.\n\n\
         This is a quarantine, not a fix: the rule stays NON_COMPLIANT until the tags are set, and a \
         rerun finds the instance stopped and ends without a change. The runbook reads the instance \
         state first: an instance that is already stopped, stopping, shutting down or terminated is \
         left untouched and the run says so. Otherwise it stops the instance (instance store data is \
         lost; an auto-assigned public IPv4 address is released and a new one is assigned on start; \
         an Elastic IP stays) and verifies that it reached the `stopped` state. If the stop or its \
         check fails, or the run is cancelled, the undo starts the instance again and the run ends \
         Failed. Permissions: `aws:changeInstanceState` polls the state with \
         `ec2:DescribeInstanceStatus` besides `ec2:DescribeInstances` (AWS's own \
         AmazonSSMAutomationRole grants it next to StopInstances).",
    );
    rb.assume_role();
    let p = rb.params::<Params>();
    let approvers = common::approvers(&mut rb, approval, "quarantining (stopping) the instance");
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
        AlreadyStopped: state_is(vec!["stopped", "stopping", "terminated", "shutting-down"]), timeout 20, end;
        /// Waits for an approver; a rejection ends the run without any change.
        #[when(let Some(a) = &approvers)]
        ApproveStop: approve(a, format!("Quarantine EC2 instance {}, flagged by AWS Config for missing required tags, by stopping it?", p.instance_id), common::NOTIFICATION_ARN), next StopInstance;
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
