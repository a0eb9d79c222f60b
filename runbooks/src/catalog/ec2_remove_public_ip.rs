//! Remove the public IPv4 addresses of an EC2 instance that AWS Config found with one
//! (`EC2_INSTANCE_NO_PUBLIC_IP`): switch off the auto-assigned public IPv4 of its primary network
//! interface (`ModifyNetworkInterfaceAttribute` `AssociatePublicIpAddress: false`), then
//! disassociate its Elastic IPs. Config passes the instance id (`i-...`).
//!
//! Order matters: disassociating an Elastic IP from the primary address of an interface that
//! auto-assigns gives it a new public address (AWS EC2 user guide, public IPv4 addresses), so
//! the attribute goes off first. The undo never associates an address again: that would re-open
//! the exposure the rule reports. What was removed is in the outputs.

use super::common;
use super::ConfigTarget;
use runbook_dsl::builder::BuildError;
use runbook_dsl::prelude::*;

/// The read (and, with `FailIfPublic`, the verification): every public IPv4 address of the
/// instance, the Elastic IP associations on any of its interfaces, and the primary interface.
///
/// `PublicIpAddress` of the instance is what the rule evaluates (the `publicIp` field of the
/// configuration item); an Elastic IP on a secondary interface or address exposes the instance
/// too, so both count. Verification retries for up to 60 seconds: the address can take a moment
/// to go after the call returns.
const FIND_PUBLIC_ADDRESSES: &str = r#"import time

import boto3


def read(ec2, instance_id):
    reservations = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"]
    instance = reservations[0]["Instances"][0]
    interfaces = instance.get("NetworkInterfaces", [])
    interface_ids = [i["NetworkInterfaceId"] for i in interfaces]
    primary = [i for i in interfaces if i.get("Attachment", {}).get("DeviceIndex") == 0]
    elastic = []
    if interface_ids:
        elastic = ec2.describe_addresses(
            Filters=[{"Name": "network-interface-id", "Values": interface_ids}]
        )["Addresses"]
    elastic = [a for a in elastic if a.get("AssociationId")]
    auto = [
        p["Association"]["PublicIp"]
        for i in primary
        for p in i.get("PrivateIpAddresses", [])
        if p.get("Association", {}).get("IpOwnerId") == "amazon"
    ]
    public_ip = instance.get("PublicIpAddress", "")
    return {
        "PublicIp": public_ip,
        "HasPublicIp": bool(public_ip or elastic or auto),
        "ElasticAddressCount": len(elastic),
        "ElasticAssociationIds": [a["AssociationId"] for a in elastic],
        "ElasticAddresses": [
            {k: a.get(k, "") for k in ("AllocationId", "PublicIp", "NetworkInterfaceId", "PrivateIpAddress")}
            for a in elastic
        ],
        "AutoAssignedIp": auto[0] if auto else "",
        "PrimaryNetworkInterfaceId": primary[0]["NetworkInterfaceId"] if primary else "",
    }


def handler(events, context):
    ec2 = boto3.client("ec2")
    found = read(ec2, events["InstanceId"])
    if events.get("FailIfPublic"):
        deadline = time.time() + 60
        while found["HasPublicIp"] and time.time() < deadline:
            time.sleep(5)
            found = read(ec2, events["InstanceId"])
        if found["HasPublicIp"]:
            raise Exception(
                f"{events['InstanceId']} still has a public IPv4 address: {found['PublicIp'] or found['AutoAssignedIp']}"
                f" ({found['ElasticAddressCount']} Elastic IP association(s) left)"
            )
    return found
"#;

/// The Config finding: `EC2_INSTANCE_NO_PUBLIC_IP` (NON_COMPLIANT while the instance's
/// configuration item has a `publicIp`); Config passes the instance id.
pub const TARGET: ConfigTarget = ConfigTarget {
    config_rule: "EC2_INSTANCE_NO_PUBLIC_IP",
    resource_type: "AWS::EC2::Instance",
    resource_id_param: "InstanceId",
};

/// Builds the runbook; `approval` adds an approval before the first change.
pub fn build(approval: bool) -> Result<Document, BuildError> {
    let mut rb = Runbook::new(
        "Removes the public IPv4 addresses of an EC2 instance, for the AWS Config rule \
         `ec2-instance-no-public-ip` (NON_COMPLIANT while the instance has a public IP).\n\n\
         The runbook reads the instance's addresses first: an instance without a public IPv4 address \
         and without an Elastic IP association on any of its network interfaces is left untouched and \
         the run says so. Otherwise it switches off the auto-assigned public IPv4 of the primary network \
         interface (`ModifyNetworkInterfaceAttribute`, `AssociatePublicIpAddress: false`; first, so \
         that disassociating an Elastic IP brings no new address), disassociates every Elastic IP of \
         the instance (the addresses stay allocated to the account, and billed), and verifies that no \
         public IPv4 address is left. Clients that reach \
         the instance through those addresses lose access: use a load balancer, a NAT gateway or \
         Session Manager instead. An auto-assigned address, once removed, is gone for good.\n\n\
         If a step fails or the run is cancelled, the run ends Failed without associating any \
         address again (that would re-open the exposure the rule reports): the removed Elastic IPs \
         (allocation id, address, interface, private address) are in the outputs, for a person to \
         decide.",
    );
    rb.assume_role();
    let instance: Param<Str> = rb.param(
        "InstanceId",
        ParamSpec::new("(Required) The instance, as AWS Config passes it (RESOURCE_ID).").pattern("^i-[a-f0-9]{8,17}$"),
    );
    let approvers = common::approvers(&mut rb, approval, "removing the instance's public IP addresses");

    let find = rb.add(find_step("FindPublicAddresses", &instance, false).description(
        "Reads the instance's public IPv4 address, its Elastic IP associations and its primary interface.",
    ));
    let has_public: Output<Bool> = rb.output(&find, "HasPublicIp", "$.Payload.HasPublicIp");
    let public_ip: Output<Str> = rb.output(&find, "PublicIp", "$.Payload.PublicIp");
    let eip_count: Output<Int> = rb.output(&find, "ElasticAddressCount", "$.Payload.ElasticAddressCount");
    let associations: Output<StrList> = rb.output(&find, "ElasticAssociationIds", "$.Payload.ElasticAssociationIds");
    let addresses: Output<MapList> = rb.output(&find, "ElasticAddresses", "$.Payload.ElasticAddresses");
    let primary: Output<Str> = rb.output(&find, "PrimaryNetworkInterfaceId", "$.Payload.PrimaryNetworkInterfaceId");
    let first_change = if approval { "ApproveRemoval" } else { "DisableAutoAssignedIp" };
    rb.add(
        Step::new(
            "CheckPublicAddresses",
            Branch::new(vec![Choice::new(
                "NoPublicIp",
                Condition::compare(has_public.value(), Operator::BooleanEquals, false),
            )])
            .default(first_change),
        )
        .description("Leaves an instance without any public IPv4 address untouched."),
    );
    rb.add(
        common::compliant_end(
            "NoPublicIp",
            AssertAwsResourceProperty::new(
                "ec2",
                "DescribeInstances",
                "$.Reservations[0].Instances[0].InstanceId",
                vec![instance.to_string()],
            )
            .param("InstanceIds", vec![instance.value()]),
            "The instance has no public IPv4 address and no Elastic IP; this confirms the instance was read.",
        )
        .timeout_seconds(20),
    );
    common::gate(
        &mut rb,
        &approvers,
        "ApproveRemoval",
        format!(
            "Remove the public IPv4 address {public_ip} and the Elastic IP associations of EC2 instance {instance}, \
             flagged by AWS Config? Clients reaching it through those addresses lose access; an auto-assigned \
             address cannot be had back."
        ),
        "DisableAutoAssignedIp",
    );
    // First the attribute, then the Elastic IPs: with the attribute off, disassociating an
    // Elastic IP from the primary address no longer brings a new auto-assigned address.
    rb.add(common::undo_to(
        Step::new(
            "DisableAutoAssignedIp",
            ExecuteAwsApi::new("ec2", "ModifyNetworkInterfaceAttribute")
                .param("NetworkInterfaceId", &primary)
                .param("AssociatePublicIpAddress", false),
        )
        .description(
            "Switches off the auto-assigned public IPv4 address of the primary network interface, which releases it \
             (the attribute applies to the primary interface only; one attribute per call).",
        )
        .timeout_seconds(20),
        "UndoRecordAddresses",
    ));
    rb.add(
        Step::new(
            "CheckElasticIps",
            Branch::new(vec![Choice::new(
                "VerifyNoPublicIp",
                Condition::compare(eip_count.value(), Operator::NumericEquals, 0),
            )])
            .default("DisassociateElasticIps"),
        )
        .description("Skips the disassociation when the instance has no Elastic IP."),
    );
    // AWS refuses onCancel on aws:loop, and a nested step cannot name a step outside its loop:
    // a failed disassociation lets the loop go on with the others (`Continue`, still critical,
    // so the run ends Failed), and the verification after it fails and hands over to the undo.
    let disassociate = rb.for_each("DisassociateElasticIps", &associations, 20, |rb, it| {
        rb.add(
            Step::new(
                "DisassociateAddress",
                ExecuteAwsApi::new("ec2", "DisassociateAddress").param("AssociationId", it.item().value()),
            )
            .description("Disassociates one Elastic IP (it stays allocated to the account).")
            .timeout_seconds(20)
            .on_failure(OnFailure::Continue)
            .is_critical(true),
        );
    });
    let loop_step = rb.step_mut(&disassociate);
    loop_step.on_failure = Some(OnFailure::step("UndoRecordAddresses"));
    loop_step.is_critical = Some(true);
    rb.add(
        common::undo_to(
            find_step("VerifyNoPublicIp", &instance, true).timeout_seconds(120).description(
                "Verifies the fix: re-reads the instance and fails while it still has a public IPv4 address or an \
                 Elastic IP association (retrying for up to 60 seconds).",
            ),
            "UndoRecordAddresses",
        )
        .is_end(true),
    );
    common::add_undo_chain(
        &mut rb,
        vec![find_step("UndoRecordAddresses", &instance, false).description(
            "Undo: associates nothing again on purpose (that would re-open the exposure); re-reads the instance so \
             the run records which public addresses are left. The removed Elastic IPs are in the outputs.",
        )],
    );
    rb.document_output(&public_ip);
    rb.document_output(&associations);
    rb.document_output(&addresses);
    rb.build()
}

fn find_step(name: &str, instance: &Param<Str>, fail_if_public: bool) -> Step {
    Step::new(
        name,
        ExecuteScript::new("python3.11").handler("handler").script(FIND_PUBLIC_ADDRESSES).input_payload(json!({
            "InstanceId": instance.to_string(),
            "FailIfPublic": fail_if_public,
        })),
    )
    .timeout_seconds(60)
}
