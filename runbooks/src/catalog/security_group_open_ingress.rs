//! Revoke the ingress rules of a security group that are open to the whole internet (`0.0.0.0/0`
//! or `::/0`) on sensitive ports, keeping the revoked rules in the outputs so the undo (or a
//! person) can restore them. Config passes the group id (`sg-...`).

use super::common;
use super::{ConfigTarget, RuleParameter};
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
    """All traffic, or a TCP range over one of the ports (the Config rules check TCP only)."""
    protocol = str(rule["IpProtocol"])
    if protocol == "-1":
        return True
    if protocol not in ("tcp", "6"):
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

/// The Config finding of `restricted-common-ports`: `RESTRICTED_INCOMING_TRAFFIC`; Config passes
/// the group id.
pub const TARGET: ConfigTarget = ConfigTarget {
    config_rule: "RESTRICTED_INCOMING_TRAFFIC",
    resource_type: "AWS::EC2::SecurityGroup",
    resource_id_param: "SecurityGroupId",
};

/// The ports `restricted-common-ports` blocks, as its documented defaults (blockedPort1..5: 20,
/// 21, 3389, 3306, 4333; AWS Config Developer Guide, restricted-common-ports). The template sets
/// them on the rule (defaults are filled in only by the console, not by CloudFormation or the
/// API) and passes the same list to the runbook's `Ports`.
pub const RULE_PARAMETERS: &[RuleParameter] = &[
    RuleParameter::Fixed { key: "blockedPort1", value: "20", param: "Ports" },
    RuleParameter::Fixed { key: "blockedPort2", value: "21", param: "Ports" },
    RuleParameter::Fixed { key: "blockedPort3", value: "3389", param: "Ports" },
    RuleParameter::Fixed { key: "blockedPort4", value: "3306", param: "Ports" },
    RuleParameter::Fixed { key: "blockedPort5", value: "4333", param: "Ports" },
];

/// The Config finding of `restricted-ssh`: `INCOMING_SSH_DISABLED` (TCP port 22); Config passes
/// the group id.
pub const SSH_TARGET: ConfigTarget = ConfigTarget {
    config_rule: "INCOMING_SSH_DISABLED",
    resource_type: "AWS::EC2::SecurityGroup",
    resource_id_param: "SecurityGroupId",
};

/// The tag the undo sets on the group: the id of the run whose outputs list the revoked rules.
const RECORD_TAG: &str = "AutomationRevokedWorldIngress";

/// The `restricted-common-ports` remediation; `approval` adds an approval before the change.
pub fn build(approval: bool) -> Result<Document, BuildError> {
    build_for(approval, &["20", "21", "3389", "3306", "4333"], "restricted-common-ports (RESTRICTED_INCOMING_TRAFFIC)")
}

/// The `restricted-ssh` remediation (port 22); `approval` adds an approval before the change.
pub fn build_ssh(approval: bool) -> Result<Document, BuildError> {
    build_for(approval, &["22"], "restricted-ssh (INCOMING_SSH_DISABLED)")
}

fn build_for(approval: bool, default_ports: &[&str], rule: &str) -> Result<Document, BuildError> {
    let mut rb = Runbook::new(format!(
        "Revokes the ingress rules of a security group that are open to the whole internet \
         (`0.0.0.0/0` or `::/0`) for TCP on the sensitive ports (`Ports`, by default {}), for the AWS \
         Config rule {rule}.\n\n\
         The runbook reads the group's rules first and keeps only those the rule flags: ingress, \
         source `0.0.0.0/0` or `::/0`, all traffic or a TCP range that covers one of the ports. \
         Other sources of the same permission, other ports, UDP and egress are not touched. A group \
         without such a rule is left untouched and the run says so. Otherwise it revokes exactly \
         those rules by rule id and re-reads the group to verify that none is left. The revoked \
         rules are in the outputs (`FindOpenRules.IpPermissions`, ready for \
         AuthorizeSecurityGroupIngress). If the revoke or its check fails, or the run is cancelled, \
         the run never opens the group to the internet again: it tags the group \
         `{RECORD_TAG}` with the execution id, so a person can review the revoked rules in that \
         run's outputs, and the run ends Failed. Note that a rule covering a whole port range (for \
         example 0-65535) is revoked as a whole.",
        default_ports.join(", ")
    ));
    rb.assume_role();
    let group: Param<Str> = rb.param(
        "SecurityGroupId",
        ParamSpec::new("(Required) The security group, as AWS Config passes it (RESOURCE_ID).")
            .pattern("^sg-[a-f0-9]{8,17}$"),
    );
    let ports: Param<StrList> = rb.param(
        "Ports",
        ParamSpec::new(
            "(Optional) The sensitive TCP ports: a world-open ingress rule covering any of them is revoked.",
        )
        .default(json!(default_ports))
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
            ExecuteAwsApi::new("ec2", "CreateTags")
                .param("Resources", vec![group.value()])
                .param("Tags", json!([{"Key": RECORD_TAG, "Value": Builtin::EXECUTION_ID.to_string()}])),
        )
        .description(
            "Undo, safely: never authorizes a world-open rule again (that would re-open the exposure). Records on the \
             group which run revoked its rules; the rules are in that run's outputs (FindOpenRules.IpPermissions) \
             for a person to review and restore with a narrower source.",
        )
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

#[cfg(test)]
mod tests {
    use super::super::shared::checks;
    use super::*;
    use runbook_dsl::model::Action;

    #[test]
    fn the_ports_are_the_ones_each_rule_checks() {
        // restricted-common-ports: blockedPort1..5 default to 20, 21, 3389, 3306, 4333 (AWS Config
        // Developer Guide); restricted-ssh: 22.
        let common = build(false).expect("builds");
        assert_eq!(common.parameters["Ports"].default, Some(json!(["20", "21", "3389", "3306", "4333"])));
        let declared: Vec<&str> = RULE_PARAMETERS
            .iter()
            .map(|p| match p {
                RuleParameter::Fixed { value, param: "Ports", .. } => *value,
                other => panic!("unexpected {other:?}"),
            })
            .collect();
        assert_eq!(json!(declared), common.parameters["Ports"].default.clone().unwrap());
        let ssh = build_ssh(true).expect("builds");
        assert_eq!(ssh.parameters["Ports"].default, Some(json!(["22"])));
        assert!(ssh.description.as_deref().unwrap_or("").contains("INCOMING_SSH_DISABLED"));
    }

    #[test]
    fn the_undo_never_opens_the_group_to_the_internet_again() {
        for doc in [build(false), build(true), build_ssh(false), build_ssh(true)] {
            let doc = doc.expect("builds");
            for s in &doc.main_steps {
                if let Action::ExecuteAwsApi(a) = &s.action {
                    assert!(!a.api.starts_with("AuthorizeSecurityGroup"), "{} re-authorizes rules", s.name);
                }
            }
            checks::undo(&doc, "RevokeOpenRules", "UndoRevoke");
            checks::verified(&doc, "VerifyNoOpenRules", "UndoRevoke");
            let undo = doc.step("UndoRevoke").expect("undo");
            let Action::ExecuteAwsApi(a) = &undo.action else { panic!("the undo records with CreateTags") };
            assert_eq!(a.api, "CreateTags");
        }
    }

    #[test]
    fn only_world_open_tcp_or_all_traffic_rules_on_the_ports_are_found() {
        // The rules check TCP only: a UDP rule on port 3389 is not theirs to revoke.
        let probe = format!(
            "{FIND_OPEN_RULES}\nimport json\n\
             r = lambda **k: dict(IsEgress=False, SecurityGroupRuleId='x', **k)\n\
             print(json.dumps([\n\
               is_open(r(IpProtocol='tcp', FromPort=3380, ToPort=3390, CidrIpv4='0.0.0.0/0'), [3389]),\n\
               is_open(r(IpProtocol='-1', FromPort=-1, ToPort=-1, CidrIpv6='::/0'), [22]),\n\
               is_open(r(IpProtocol='udp', FromPort=3389, ToPort=3389, CidrIpv4='0.0.0.0/0'), [3389]),\n\
               is_open(r(IpProtocol='tcp', FromPort=22, ToPort=22, CidrIpv4='10.0.0.0/8'), [22]),\n\
               is_open(r(IpProtocol='tcp', FromPort=80, ToPort=80, CidrIpv4='0.0.0.0/0'), [22]),\n\
             ]))\n"
        );
        let probe = probe.replace("import boto3\n", "");
        let out = std::process::Command::new("python3").args(["-c", &probe]).output();
        let Ok(out) = out else {
            eprintln!("warning: python3 is missing: the rule filter is NOT checked");
            return;
        };
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "[true, true, false, false, false]");
    }
}
