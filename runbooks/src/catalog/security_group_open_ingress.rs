//! Revoke the ingress rules of a security group that are open to the whole internet (`0.0.0.0/0`
//! or `::/0`) on sensitive ports, keeping the revoked rules in the outputs so the undo (or a
//! person) can restore them. Config passes the group id (`sg-...`).

use super::common;
use super::ConfigTarget;
use runbook_dsl::builder::BuildError;
use runbook_dsl::prelude::*;

/// The script that finds the open rules (and, as the verification, fails while any remain).
///
/// It reads the group's rules one CIDR at a time (`DescribeSecurityGroupRules`), so only the
/// world-open entries are revoked, never a neighbouring CIDR of the same permission. A rule counts
/// when it is ingress, its source is `0.0.0.0/0` or `::/0`, and it is all traffic (`-1`) or a TCP or
/// UDP range that covers one of the ports.
const FIND_OPEN_RULES: &str = r#"import boto3

WORLD = ("0.0.0.0/0", "::/0")


def covers(rule, ports):
    protocol = str(rule["IpProtocol"])
    if protocol == "-1":
        return True
    if protocol not in ("tcp", "udp", "6", "17"):
        return False
    return any(rule["FromPort"] <= port <= rule["ToPort"] for port in ports)


def is_open(rule, ports):
    world = rule.get("CidrIpv4") in WORLD or rule.get("CidrIpv6") in WORLD
    return not rule["IsEgress"] and world and covers(rule, ports)


def permission(rule):
    """The IpPermissions entry that authorizes exactly this rule again."""
    out = {"IpProtocol": rule["IpProtocol"]}
    if str(rule["IpProtocol"]) != "-1":
        out["FromPort"] = rule["FromPort"]
        out["ToPort"] = rule["ToPort"]
    if "CidrIpv4" in rule:
        key, entry = "IpRanges", {"CidrIp": rule["CidrIpv4"]}
    else:
        key, entry = "Ipv6Ranges", {"CidrIpv6": rule["CidrIpv6"]}
    if rule.get("Description"):
        entry["Description"] = rule["Description"]
    out[key] = [entry]
    return out


def handler(events, context):
    ec2 = boto3.client("ec2")
    group_id = events["GroupId"]
    ports = sorted({int(p) for p in events["Ports"]})
    rules = []
    pages = ec2.get_paginator("describe_security_group_rules").paginate(
        Filters=[{"Name": "group-id", "Values": [group_id]}]
    )
    for page in pages:
        rules.extend(page["SecurityGroupRules"])
    found = [r for r in rules if is_open(r, ports)]
    if events.get("FailIfOpen") and found:
        ids = ", ".join(r["SecurityGroupRuleId"] for r in found)
        raise Exception(f"{group_id} still has ingress open to the internet on ports {ports}: {ids}")
    return {
        "OpenRuleCount": len(found),
        "RuleIds": [r["SecurityGroupRuleId"] for r in found],
        "IpPermissions": [permission(r) for r in found],
    }
"#;

/// The Config finding: `RESTRICTED_INCOMING_TRAFFIC` (also fits `INCOMING_SSH_DISABLED`); Config
/// passes the group id.
pub const TARGET: ConfigTarget = ConfigTarget {
    config_rule: "RESTRICTED_INCOMING_TRAFFIC",
    resource_type: "AWS::EC2::SecurityGroup",
    resource_id_param: "SecurityGroupId",
};

/// Builds the runbook; `approval` adds an approval before the first change.
pub fn build(approval: bool) -> Result<Document, BuildError> {
    let mut rb = Runbook::new(
        "Revokes the ingress rules of a security group that are open to the whole internet \
         (`0.0.0.0/0` or `::/0`) on sensitive ports (`Ports`, 22 and 3389 by default), for the \
         AWS Config rules `restricted-common-ports` and `restricted-ssh`.\n\n\
         The runbook reads the group's rules first and keeps only those it will revoke: ingress, \
         source `0.0.0.0/0` or `::/0`, all traffic or a TCP/UDP range that covers one of the ports. \
         Other sources of the same permission, other ports and egress are not touched. A group \
         without such a rule is left untouched and the run says so. Otherwise it revokes exactly \
         those rules by rule id and re-reads the group to verify that none is left. The revoked \
         rules are in the outputs (`FindOpenRules.IpPermissions`, ready for \
         AuthorizeSecurityGroupIngress). If the revoke or its check fails, or the run is cancelled, \
         the undo authorizes those rules again and the run ends Failed. Note that a rule covering \
         a whole port range (for example 0-65535) is revoked as a whole.",
    );
    rb.assume_role();
    let group: Param<Str> = rb.param(
        "SecurityGroupId",
        ParamSpec::new("(Required) The security group, as AWS Config passes it (RESOURCE_ID).")
            .pattern("^sg-[a-f0-9]{8,17}$"),
    );
    let ports: Param<StrList> = rb.param(
        "Ports",
        ParamSpec::new("(Optional) The sensitive ports: a world-open ingress rule covering any of them is revoked.")
            .default(json!(["22", "3389"]))
            .pattern(r"^\d{1,5}$")
            .min_items(1)
            .max_items(20),
    );
    let approvers = common::approvers(&mut rb, approval, "revoking the security group rules");

    let find = rb.add(
        find_step("FindOpenRules", &group, &ports, false)
            .description("Lists the group's ingress rules open to the internet on the sensitive ports."),
    );
    let count: Output<Int> = rb.output(&find, "OpenRuleCount", "$.Payload.OpenRuleCount");
    let rule_ids: Output<StrList> = rb.output(&find, "RuleIds", "$.Payload.RuleIds");
    let permissions: Output<MapList> = rb.output(&find, "IpPermissions", "$.Payload.IpPermissions");
    let first_change = if approval { "ApproveRevoke" } else { "RevokeOpenRules" };
    rb.add(
        Step::new(
            "CheckOpenRules",
            Branch::new(vec![Choice::new(
                "NoOpenRules",
                Condition::compare(count.value(), Operator::NumericEquals, 0),
            )])
            .default(first_change),
        )
        .description("Leaves a group without world-open rules on the sensitive ports untouched."),
    );
    rb.add(common::compliant_end(
        "NoOpenRules",
        AssertAwsResourceProperty::new("ec2", "DescribeSecurityGroups", "$.SecurityGroups[0].GroupId", vec![group.to_string()])
            .param("GroupIds", vec![group.value()]),
        "No ingress rule of the group is open to the internet on the sensitive ports; this confirms the group was read.",
    ));
    common::gate(
        &mut rb,
        &approvers,
        "ApproveRevoke",
        format!(
            "Revoke the ingress rules of security group {group} that are open to the internet on the sensitive \
             ports? The rules are listed in the outputs of step FindOpenRules."
        ),
        "RevokeOpenRules",
    );
    let revoke = rb.mutate(
        Step::new(
            "RevokeOpenRules",
            ExecuteAwsApi::new("ec2", "RevokeSecurityGroupIngress")
                .param("GroupId", &group)
                .param("SecurityGroupRuleIds", &rule_ids),
        )
        .description("Revokes exactly the rules found, by rule id.")
        .timeout_seconds(20),
        vec![Step::new(
            "UndoRevoke",
            ExecuteAwsApi::new("ec2", "AuthorizeSecurityGroupIngress")
                .param("GroupId", &group)
                .param("IpPermissions", &permissions),
        )
        .description("Undo: authorizes the revoked rules again, with their descriptions.")
        .timeout_seconds(20)],
    );
    let revoked: Output<Bool> = rb.output(&revoke, "Return", "$.Return");
    rb.add(
        find_step("VerifyNoOpenRules", &group, &ports, true)
            .description(
                "Verifies the fix: re-reads the group's rules and fails while any ingress rule is still open to the \
                 internet on the sensitive ports (an assert step cannot test that no list element matches).",
            )
            .is_end(true),
    );
    rb.document_output(&count);
    rb.document_output(&rule_ids);
    rb.document_output(&permissions);
    rb.document_output(&revoked);
    rb.build()
}

fn find_step(name: &str, group: &Param<Str>, ports: &Param<StrList>, fail_if_open: bool) -> Step {
    Step::new(
        name,
        ExecuteScript::new("python3.11").handler("handler").script(FIND_OPEN_RULES).input_payload(json!({
            "GroupId": group.to_string(),
            "Ports": ports.to_string(),
            "FailIfOpen": fail_if_open,
        })),
    )
    .timeout_seconds(60)
}
