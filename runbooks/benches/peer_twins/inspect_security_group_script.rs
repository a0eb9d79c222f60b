//! The peer harness's sample of the same name (`../shared/peers/cdk-ssm-documents/samples/`), rebuilt with the builder by `runbook import`: the per-document workload of the emit benchmark.
//!
//! Describes a security group, counts world-open rules in Python, and branches on the count.

use runbook_dsl::builder::BuildError;
use runbook_dsl::prelude::*;

const COUNT_OPEN_RULES_SCRIPT: &str = r#"def handler(events, context):
    perms = events.get("IpPermissions") or []
    bad = [p for p in perms if any(r.get("CidrIp") == "0.0.0.0/0" for r in p.get("IpRanges", []))]
    return {"OpenRuleCount": len(bad), "Summary": "%d world-open rule(s)" % len(bad)}
"#;

/// Builds the runbook.
pub fn build() -> Result<Document, BuildError> {
    let mut rb =
        Runbook::new("Describes a security group, counts world-open rules in Python, and branches on the count.");
    let group_id: Param<Str> = rb.param("GroupId", ParamSpec::new("(Required) Security group id."));
    let automation_assume_role: Param<Str> = rb.param(
        "AutomationAssumeRole",
        ParamSpec::new("(Required) ARN of the IAM role Automation assumes to run this document.")
            .pattern(r"^arn:aws[a-z0-9-]*:iam::\d{12}:role/[\w+=,.@/-]+$"),
    );
    rb.set_assume_role(&automation_assume_role);
    let describe_group = rb.add(Step::new(
        "DescribeGroup",
        ExecuteAwsApi::new("ec2", "DescribeSecurityGroups").param("GroupIds", json!([group_id.value()])),
    ));
    let ip_permissions: Output<MapList> =
        rb.output(&describe_group, "IpPermissions", "$.SecurityGroups[0].IpPermissions");
    let count_open_rules = rb.add(Step::new(
        "CountOpenRules",
        ExecuteScript::new("python3.11")
            .handler("handler")
            .script(COUNT_OPEN_RULES_SCRIPT)
            .input_payload(json!({"IpPermissions": ip_permissions.value()})),
    ));
    let open_rule_count: Output<Int> = rb.output(&count_open_rules, "OpenRuleCount", "$.Payload.OpenRuleCount");
    let summary: Output<Str> = rb.output(&count_open_rules, "Summary", "$.Payload.Summary");
    rb.add(Step::new(
        "AnyOpenRules",
        Branch::new(vec![Choice::new(
            "NeedsRemediation",
            Condition::compare(&open_rule_count, Operator::NumericGreater, 0),
        )])
        .default("Compliant"),
    ));
    rb.add(Step::new("NeedsRemediation", Sleep::new().duration("PT1S")).is_end(true));
    rb.add(Step::new("Compliant", Sleep::new().duration("PT0S")).is_end(true));
    rb.document_output(&summary);
    rb.build()
}
