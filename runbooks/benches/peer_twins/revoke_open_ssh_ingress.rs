//! The peer harness's sample of the same name (`../shared/peers/cdk-ssm-documents/samples/`), rebuilt with the builder by `runbook import`: the per-document workload of the emit benchmark.
//!
//! Removes 0.0.0.0/0 tcp/22 ingress from a security group.

use runbook_dsl::builder::BuildError;
use runbook_dsl::prelude::*;

/// Builds the runbook.
pub fn build() -> Result<Document, BuildError> {
    let mut rb = Runbook::new("Removes 0.0.0.0/0 tcp/22 ingress from a security group.");
    let group_id: Param<Str> =
        rb.param("GroupId", ParamSpec::new("(Required) Security group id.").pattern("^sg-[a-f0-9]{8,17}$"));
    let automation_assume_role: Param<Str> = rb.param(
        "AutomationAssumeRole",
        ParamSpec::new("(Required) ARN of the IAM role Automation assumes to run this document.")
            .pattern(r"^arn:aws[a-z0-9-]*:iam::\d{12}:role/[\w+=,.@/-]+$"),
    );
    rb.set_assume_role(&automation_assume_role);
    let revoke_ssh_ingress = rb.add(
        Step::new(
            "RevokeSshIngress",
            ExecuteAwsApi::new("ec2", "RevokeSecurityGroupIngress").param("GroupId", &group_id).param(
                "IpPermissions",
                json!([
                    {
                        "IpProtocol": "tcp",
                        "FromPort": 22,
                        "ToPort": 22,
                        "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
                    },
                ]),
            ),
        )
        .max_attempts(3),
    );
    rb.output::<Bool>(&revoke_ssh_ingress, "Revoked", "$.Return");
    let list_remaining_rules = rb.add(
        Step::new(
            "ListRemainingRules",
            ExecuteAwsApi::new("ec2", "DescribeSecurityGroupRules")
                .param("Filters", json!([{"Name": "group-id", "Values": [group_id.value()]}])),
        )
        .is_end(true),
    );
    rb.output::<MapList>(&list_remaining_rules, "Rules", "$.SecurityGroupRules");
    rb.build()
}
