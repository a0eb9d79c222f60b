//! Replace an unencrypted EBS volume attached to an instance with an encrypted copy: snapshot,
//! encrypted copy of the snapshot, new volume, then (after approval) stop the instance, swap the
//! volumes at the same device and start it again. Config passes the volume id (`vol-...`).

use super::common::{self, KMS_KEY_PATTERN};
use super::ConfigTarget;
use runbook_dsl::builder::BuildError;
use runbook_dsl::prelude::*;

/// The runbook's name in the catalog: the value of the tag every resource it creates carries.
const NAME: &str = "Remediate-EBS-EncryptVolume";

const ENCRYPTED: &str = "$.Volumes[0].Encrypted";
const STATE: &str = "$.Volumes[0].State";

/// The Config finding: `ENCRYPTED_VOLUMES` (attached volumes must be encrypted); Config passes
/// the volume id.
pub const TARGET: ConfigTarget =
    ConfigTarget { config_rule: "ENCRYPTED_VOLUMES", resource_type: "AWS::EC2::Volume", resource_id_param: "VolumeId" };

/// Builds the runbook; `approval` adds an approval before the first change. Both variants ask
/// before the swap, which stops the instance.
pub fn build(approval: bool) -> Result<Document, BuildError> {
    let mut rb = Runbook::new(
        "Replaces an unencrypted EBS volume attached to an EC2 instance with an encrypted copy, for the \
         AWS Config rule `encrypted-volumes`.\n\n\
         The runbook reads the volume first: an encrypted volume, or one not attached to an \
         instance (the rule only evaluates attached volumes), is left untouched and the run says \
         so. Otherwise it snapshots the volume, copies the snapshot encrypted with `KmsKeyId`, \
         creates an encrypted volume from the copy in the same Availability Zone with the same \
         volume type, and waits until it is available; the snapshots and the volume are tagged \
         `CreatedByRunbook` at creation. Nothing has been disrupted so far. Then it \
         waits for an approver, stops the instance, detaches the old volume, attaches the new one \
         at the same device, starts the instance again if it was running, and verifies that the \
         volume at that device is encrypted. Data written after the snapshot is not in the copy: \
         stop writes before approving. The old volume and both snapshots are kept; delete them when \
         satisfied. Provisioned IOPS and throughput are not copied (io1/io2 volumes fail at the \
         create step and the undo cleans up), and the new attachment keeps the EC2 default for \
         DeleteOnTermination.\n\n\
         If a step fails or the swap is rejected, the undo puts the old volume back at its device, \
         restarts the instance if it was running, snapshots the new volume and waits for that \
         snapshot (the instance may have written to it) before deleting the volume, deletes the two \
         snapshots the run took, and the run ends Failed. If the old volume cannot be attached again, \
         the undo stops there and deletes nothing. A cancellation gets AWS's 2 minutes: before the \
         swap it deletes what the run created (calls only); while the instance stops or the old \
         volume detaches it re-attaches the old volume and starts the instance if it was running \
         (calls only, no waiting); once the new volume is attaching it changes nothing and records \
         the volumes attached; what is left is in the outputs.",
    );
    rb.assume_role();
    let volume: Param<Str> = rb.param(
        "VolumeId",
        ParamSpec::new("(Required) The volume, as AWS Config passes it (RESOURCE_ID).").pattern("^vol-[a-f0-9]{8,17}$"),
    );
    let key: Param<Str> = rb.param(
        "KmsKeyId",
        ParamSpec::new("(Optional) The KMS key that encrypts the copy (key id, key ARN, alias name or alias ARN).")
            .default("alias/aws/ebs")
            .pattern(KMS_KEY_PATTERN),
    );
    let approvers = common::approvers(&mut rb, approval, "encrypting the volume");
    let swap_approvers =
        common::swap_approvers(&mut rb, &approvers, "stopping the instance to swap in the encrypted volume");

    let describe = rb.add(
        Step::new(
            "DescribeVolume",
            ExecuteAwsApi::new("ec2", "DescribeVolumes").param("VolumeIds", vec![volume.value()]),
        )
        .description("Reads whether the volume is encrypted and attached, and its zone and type.")
        .timeout_seconds(20),
    );
    let encrypted: Output<Bool> = rb.output(&describe, "Encrypted", ENCRYPTED);
    let state: Output<Str> = rb.output(&describe, "State", STATE);
    let zone: Output<Str> = rb.output(&describe, "AvailabilityZone", "$.Volumes[0].AvailabilityZone");
    let volume_type: Output<Str> = rb.output(&describe, "VolumeType", "$.Volumes[0].VolumeType");
    rb.add(
        Step::new(
            "CheckVolume",
            Branch::new(vec![
                Choice::new("AlreadyEncrypted", Condition::compare(encrypted.value(), Operator::BooleanEquals, true)),
                Choice::new(
                    "NotAttached",
                    Condition::Not(Box::new(Condition::compare(state.value(), Operator::StringEquals, "in-use"))),
                ),
            ])
            .default("DescribeAttachment"),
        )
        .description("Leaves an encrypted or unattached volume untouched."),
    );
    rb.add(
        common::compliant_end(
            "AlreadyEncrypted",
            AssertAwsResourceProperty::new("ec2", "DescribeVolumes", ENCRYPTED, vec!["True"])
                .param("VolumeIds", vec![volume.value()]),
            "Confirms that the volume is encrypted.",
        )
        .timeout_seconds(20),
    );
    rb.add(
        common::compliant_end(
            "NotAttached",
            AssertAwsResourceProperty::new(
                "ec2",
                "DescribeVolumes",
                STATE,
                vec!["creating", "available", "deleting", "deleted", "error"],
            )
            .param("VolumeIds", vec![volume.value()]),
            "Confirms that the volume is not attached, so the rule does not apply to it.",
        )
        .timeout_seconds(20),
    );
    let attachment = rb.add(
        Step::new(
            "DescribeAttachment",
            ExecuteAwsApi::new("ec2", "DescribeVolumes").param("VolumeIds", vec![volume.value()]),
        )
        .description("Reads the instance and device the volume is attached to.")
        .timeout_seconds(20),
    );
    let instance: Output<Str> = rb.output(&attachment, "InstanceId", "$.Volumes[0].Attachments[0].InstanceId");
    let device: Output<Str> = rb.output(&attachment, "Device", "$.Volumes[0].Attachments[0].Device");
    let describe_instance = rb.add(
        Step::new(
            "DescribeInstance",
            ExecuteAwsApi::new("ec2", "DescribeInstances").param("InstanceIds", vec![instance.value()]),
        )
        .description("Reads whether the instance is running, to restart it after the swap.")
        .timeout_seconds(20),
    );
    let instance_state: Output<Str> =
        rb.output(&describe_instance, "InstanceState", "$.Reservations[0].Instances[0].State.Name");
    let was_running = || Condition::compare(instance_state.value(), Operator::StringEquals, "running");
    common::gate(
        &mut rb,
        &approvers,
        "ApproveEncryption",
        format!(
            "Create an encrypted copy of EBS volume {volume} (attached to {instance} at {device}), flagged by AWS \
             Config? A second approval is asked before the instance is stopped for the swap."
        ),
        "CreateSnapshot",
    );

    // Build the encrypted volume next to the old one. Cancelled here, the undo only makes calls.
    let mut create_snapshot = Step::new(
        "CreateSnapshot",
        ExecuteAwsApi::new("ec2", "CreateSnapshot")
            .param("VolumeId", &volume)
            .param(
                "Description",
                format!("Unencrypted snapshot of {volume} before encryption ({})", Builtin::EXECUTION_ID),
            )
            .param("TagSpecifications", common::tag_specifications("snapshot", NAME)),
    )
    .description("Snapshots the unencrypted volume, tagged as created by this run.")
    .timeout_seconds(20);
    let snapshot_id: Output<Str> = Output::declare(&mut create_snapshot, "SnapshotId", "$.SnapshotId");
    rb.mutate(
        create_snapshot,
        vec![Step::new("UndoSnapshot", ExecuteAwsApi::new("ec2", "DeleteSnapshot").param("SnapshotId", &snapshot_id))
            .description("Undo: deletes the snapshot this run took.")
            .timeout_seconds(20)],
    );
    rb.add(wait_snapshot("WaitSnapshot", &snapshot_id).description("Waits until the snapshot is completed."));
    let mut copy = Step::new(
        "CopySnapshot",
        ExecuteAwsApi::new("ec2", "CopySnapshot")
            .param("SourceSnapshotId", &snapshot_id)
            .param("SourceRegion", Builtin::REGION)
            .param("Encrypted", true)
            .param("KmsKeyId", &key)
            .param("Description", format!("Encrypted copy of {volume} ({})", Builtin::EXECUTION_ID))
            .param("TagSpecifications", common::tag_specifications("snapshot", NAME)),
    )
    .description("Copies the snapshot, encrypted with the KMS key, tagged as created by this run.")
    .timeout_seconds(20);
    let copy_id: Output<Str> = Output::declare(&mut copy, "SnapshotId", "$.SnapshotId");
    rb.mutate(
        copy,
        vec![Step::new("UndoCopy", ExecuteAwsApi::new("ec2", "DeleteSnapshot").param("SnapshotId", &copy_id))
            .description("Undo: deletes the encrypted snapshot this run copied.")
            .timeout_seconds(20)],
    );
    rb.add(wait_snapshot("WaitCopy", &copy_id).description("Waits until the encrypted copy is completed."));
    let mut create = Step::new(
        "CreateVolume",
        ExecuteAwsApi::new("ec2", "CreateVolume")
            .param("SnapshotId", &copy_id)
            .param("AvailabilityZone", &zone)
            .param("VolumeType", &volume_type)
            .param("Encrypted", true)
            .param("KmsKeyId", &key)
            .param("TagSpecifications", common::tag_specifications("volume", NAME)),
    )
    .description(
        "Creates the encrypted volume from the copy, in the same zone with the same type, tagged as created by this \
         run.",
    )
    .timeout_seconds(20);
    let new_volume: Output<Str> = Output::declare(&mut create, "VolumeId", "$.VolumeId");
    let undo_snapshot_description =
        format!("Encrypted volume {new_volume} before its deletion by an undo ({})", Builtin::EXECUTION_ID);
    rb.mutate(
        create,
        vec![
            Step::new(
                "UndoSnapshotNewVolume",
                ExecuteAwsApi::new("ec2", "CreateSnapshot")
                    .param("VolumeId", &new_volume)
                    .param("Description", undo_snapshot_description.as_str())
                    .param("TagSpecifications", common::tag_specifications("snapshot", NAME)),
            )
            .description(
                "Undo: snapshots the encrypted volume before deleting it (the instance may have written to it).",
            )
            .timeout_seconds(20),
            Step::new(
                "UndoWaitNewVolumeSnapshot",
                WaitForAwsResourceProperty::new("ec2", "DescribeSnapshots", "$.Snapshots[0].State", vec!["completed"])
                    .param(
                        "Filters",
                        json!([
                            {"Name": "volume-id", "Values": [new_volume.to_string()]},
                            {"Name": "description", "Values": [undo_snapshot_description]}
                        ]),
                    ),
            )
            .description(
                "Undo: waits until that snapshot is completed; if it does not complete, the undo stops and deletes \
                 nothing.",
            )
            .timeout_seconds(7200)
            .on_failure(OnFailure::Abort),
            Step::new("UndoVolume", ExecuteAwsApi::new("ec2", "DeleteVolume").param("VolumeId", &new_volume))
                .description("Undo: deletes the encrypted volume this run created.")
                .timeout_seconds(20),
        ],
    );
    // Not attached yet: a cancellation or a rejection needs no snapshot of the new volume.
    rb.add(
        wait_volume("WaitVolume", &new_volume, STATE, "available")
            .description("Waits until the new volume is available.")
            .on_cancel(OnCancel::step("UndoVolume")),
    );

    // Swap, after approval. From here a cancellation gets its own quick undo (AWS gives it 2
    // minutes): calls only, no waiting; what is left is in the outputs. A failed call changed
    // nothing, so its undo starts one change earlier.
    rb.add(
        common::approve(
            "ApproveSwap",
            &swap_approvers,
            format!(
                "The encrypted volume {new_volume} (a copy of {volume}) is ready. Stop instance {instance}, swap it in \
                 at {device} and start the instance again? Rejecting deletes the new volume and the snapshots."
            ),
            Some("UndoVolume"),
        )
        .on_cancel(OnCancel::step("UndoVolume")),
    );
    rb.mutate(
        Step::new("StopInstance", ChangeInstanceState::new(vec![instance.value()], "stopped"))
            .description("Stops the instance (nothing happens if it is already stopped).")
            .timeout_seconds(900)
            .on_cancel(OnCancel::step("UndoCancelCheckRestart")),
        vec![
            Step::new(
                "UndoCheckRestart",
                Branch::new(vec![Choice::new("UndoRestart", was_running())]).default("UndoSnapshotNewVolume"),
            )
            .description("Undo: restarts the instance only if it was running."),
            Step::new("UndoRestart", ChangeInstanceState::new(vec![instance.value()], "running"))
                .description("Undo: starts the instance again.")
                .timeout_seconds(900),
        ],
    );
    rb.mutate(
        routed(
            Step::new(
                "DetachOldVolume",
                ExecuteAwsApi::new("ec2", "DetachVolume").param("VolumeId", &volume).param("InstanceId", &instance),
            )
            .description("Detaches the unencrypted volume.")
            .timeout_seconds(20),
            "UndoCheckRestart",
            "UndoCancelReattach",
        ),
        vec![
            attach("UndoDetach", &volume, &instance, &device)
                .description(
                    "Undo: attaches the old volume at its device again; if that fails, the undo stops and deletes \
                     nothing.",
                )
                .on_failure(OnFailure::Abort),
            wait_volume("UndoWaitOldAttached", &volume, "$.Volumes[0].Attachments[0].State", "attached")
                .description(
                    "Undo: waits until the old volume is attached; if it is not, the undo stops and deletes nothing.",
                )
                .on_failure(OnFailure::Abort),
        ],
    );
    rb.add(
        wait_volume("WaitDetached", &volume, STATE, "available")
            .description("Waits until the old volume is detached.")
            .on_cancel(OnCancel::step("UndoCancelReattach")),
    );
    rb.mutate(
        routed(
            attach("AttachNewVolume", &new_volume, &instance, &device)
                .description("Attaches the encrypted volume at the same device."),
            "UndoDetach",
            "UndoCancelRecord",
        ),
        vec![
            Step::new(
                "UndoAttach",
                ExecuteAwsApi::new("ec2", "DetachVolume").param("VolumeId", &new_volume).param("InstanceId", &instance),
            )
            .description("Undo: detaches the encrypted volume.")
            .timeout_seconds(20),
            wait_volume("UndoWaitNewDetached", &new_volume, STATE, "available")
                .description("Undo: waits until the encrypted volume is detached."),
        ],
    );
    rb.add(
        wait_volume("WaitAttached", &new_volume, "$.Volumes[0].Attachments[0].State", "attached")
            .description("Waits until the encrypted volume is attached.")
            .on_cancel(OnCancel::step("UndoCancelRecord")),
    );
    rb.add(
        Step::new(
            "CheckRestart",
            Branch::new(vec![Choice::new("StartInstance", was_running())]).default("VerifyEncrypted"),
        )
        .description("Starts the instance again only if it was running.")
        .on_cancel(OnCancel::step("UndoCancelRecord")),
    );
    rb.mutate(
        Step::new("StartInstance", ChangeInstanceState::new(vec![instance.value()], "running"))
            .description("Starts the instance again and waits until it runs.")
            .timeout_seconds(900)
            .on_cancel(OnCancel::step("UndoCancelRecord")),
        vec![Step::new("UndoStart", ChangeInstanceState::new(vec![instance.value()], "stopped"))
            .description("Undo: stops the instance so the volumes can be swapped back.")
            .timeout_seconds(900)],
    );
    rb.add(
        Step::new(
            "VerifyEncrypted",
            AssertAwsResourceProperty::new("ec2", "DescribeVolumes", ENCRYPTED, vec!["True"]).param(
                "Filters",
                json!([
                    {"Name": "attachment.instance-id", "Values": [instance.to_string()]},
                    {"Name": "attachment.device", "Values": [device.to_string()]}
                ]),
            ),
        )
        .description("Verifies that the volume attached at the device is encrypted.")
        .timeout_seconds(20)
        .on_cancel(OnCancel::step("UndoCancelRecord"))
        .is_end(true),
    );

    // Cancelled during the swap: re-attach the old volume and restart the instance if it was
    // running (calls only, no waiting); cancelled once the new volume is attaching: record.
    rb.add(
        attach("UndoCancelReattach", &volume, &instance, &device)
            .description(
                "Undo of a cancellation during the swap: attaches the old volume at its device again (one call, no \
                 waiting).",
            )
            .on_failure(OnFailure::step("UndoCancelCheckRestart"))
            .on_cancel(OnCancel::Abort)
            .next_step("UndoCancelCheckRestart"),
    );
    rb.add(
        Step::new(
            "UndoCancelCheckRestart",
            Branch::new(vec![Choice::new("UndoCancelRestart", was_running())]).default("UndoCancelRecord"),
        )
        .description("Undo of a cancellation: restarts the instance only if it was running.")
        .on_failure(OnFailure::step("UndoCancelRecord"))
        .on_cancel(OnCancel::Abort),
    );
    rb.add(standalone(
        Step::new(
            "UndoCancelRestart",
            ExecuteAwsApi::new("ec2", "StartInstances").param("InstanceIds", vec![instance.value()]),
        )
        .description("Undo of a cancellation: starts the instance (one call, no waiting).")
        .timeout_seconds(20),
    ));
    rb.add(standalone(
        Step::new(
            "UndoCancelRecord",
            ExecuteAwsApi::new("ec2", "DescribeVolumes")
                .param("Filters", json!([{"Name": "attachment.instance-id", "Values": [instance.to_string()]}])),
        )
        .description(
            "Undo of a cancellation once the encrypted volume is attaching: changes nothing (the rest would outlast \
             the 2 minutes AWS gives a cancellation) and records the volumes attached to the instance; the old \
             volume, the new one and the snapshots are in the outputs.",
        )
        .timeout_seconds(20),
    ));
    rb.document_output(&encrypted);
    rb.document_output(&instance);
    rb.document_output(&device);
    rb.document_output(&snapshot_id);
    rb.document_output(&copy_id);
    rb.document_output(&new_volume);
    rb.build()
}

/// Routes a failure of `step` to `undo` and a cancellation to `cancel` (a quick undo that fits in
/// AWS's 2 minutes), where `Runbook::mutate`'s own routing (this change's undo) is not the right
/// one: a failed call changed nothing.
fn routed(step: Step, undo: &str, cancel: &str) -> Step {
    step.on_failure(OnFailure::step(undo)).on_cancel(OnCancel::step(cancel)).is_critical(true)
}

/// A step of its own that ends the run (a quick cancellation undo, or a record), outside the
/// rollback `Runbook::mutate` writes.
fn standalone(step: Step) -> Step {
    step.on_failure(OnFailure::Abort).on_cancel(OnCancel::Abort).is_end(true)
}

fn wait_snapshot(name: &str, snapshot: &Output<Str>) -> Step {
    Step::new(
        name,
        WaitForAwsResourceProperty::new("ec2", "DescribeSnapshots", "$.Snapshots[0].State", vec!["completed"])
            .param("SnapshotIds", vec![snapshot.value()]),
    )
    .timeout_seconds(7200)
}

fn wait_volume(name: &str, volume: &impl Reference, selector: &str, state: &str) -> Step {
    Step::new(
        name,
        WaitForAwsResourceProperty::new("ec2", "DescribeVolumes", selector, vec![state])
            .param("VolumeIds", vec![volume.value()]),
    )
    .timeout_seconds(1800)
}

fn attach(name: &str, volume: &impl Reference, instance: &Output<Str>, device: &Output<Str>) -> Step {
    Step::new(
        name,
        ExecuteAwsApi::new("ec2", "AttachVolume")
            .param("VolumeId", volume.value())
            .param("InstanceId", instance)
            .param("Device", device),
    )
    .timeout_seconds(20)
}
