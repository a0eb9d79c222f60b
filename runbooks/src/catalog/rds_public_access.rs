//! Make an RDS DB instance that AWS Config found publicly accessible private. Config passes the
//! instance's `DbiResourceId` (`db-...`), which the runbook translates first.

use super::common::{self, DBI_RESOURCE_ID_PATTERN};
use super::ConfigTarget;
use runbook_dsl::builder::BuildError;
use runbook_dsl::prelude::*;

const PUBLIC: &str = "$.DBInstances[0].PubliclyAccessible";

/// The Config finding: `RDS_INSTANCE_PUBLIC_ACCESS_CHECK`; Config passes the `DbiResourceId`.
pub const TARGET: ConfigTarget = ConfigTarget {
    config_rule: "RDS_INSTANCE_PUBLIC_ACCESS_CHECK",
    resource_type: "AWS::RDS::DBInstance",
    resource_id_param: "DbiResourceId",
};

/// Builds the runbook; `approval` adds an approval before the first change.
pub fn build(approval: bool) -> Result<Document, BuildError> {
    let mut rb = Runbook::new(
        "Turns off public accessibility of an RDS DB instance that AWS Config found publicly \
         accessible (Security Hub RDS.2), so its endpoint resolves to private addresses only.\n\n\
         The runbook translates the `DbiResourceId` AWS Config passes into the DB instance and reads \
         it: a private instance is left untouched and the run says so. Otherwise it modifies the \
         instance with `PubliclyAccessible: false` (applied immediately) and waits until the change \
         shows. If the change or its check fails, or the run is cancelled, the undo makes the \
         instance publicly accessible again and the run ends Failed.",
    );
    rb.assume_role();
    let dbi: Param<Str> = rb.param(
        "DbiResourceId",
        ParamSpec::new("(Required) The DB instance's resource id (`db-...`), as AWS Config passes it (RESOURCE_ID).")
            .pattern(DBI_RESOURCE_ID_PATTERN),
    );
    let approvers = common::approvers(&mut rb, approval, "making the DB instance private");

    let describe = rb.add(common::describe_db("DescribeDbInstance", &dbi));
    let id: Output<Str> = rb.output(&describe, "DbInstanceIdentifier", "$.DBInstances[0].DBInstanceIdentifier");
    let before: Output<Bool> = rb.output(&describe, "PubliclyAccessible", PUBLIC);
    let first_change = if approval { "ApproveChange" } else { "DisablePublicAccess" };
    rb.add(
        Step::new(
            "CheckPublicAccess",
            Branch::new(vec![Choice::new(
                "AlreadyPrivate",
                Condition::compare(before.value(), Operator::BooleanEquals, false),
            )])
            .default(first_change),
        )
        .description("Leaves an instance that is already private untouched."),
    );
    rb.add(common::compliant_end(
        "AlreadyPrivate",
        AssertAwsResourceProperty::new("rds", "DescribeDBInstances", PUBLIC, vec!["False"])
            .param("Filters", common::dbi_filter(&dbi)),
        "Confirms that the DB instance is not publicly accessible.",
    ));
    common::gate(
        &mut rb,
        &approvers,
        "ApproveChange",
        format!("Turn off public access to RDS DB instance {id} ({dbi}), flagged by AWS Config?"),
        "DisablePublicAccess",
    );
    let modify = |name: &str, public: bool| {
        Step::new(
            name,
            ExecuteAwsApi::new("rds", "ModifyDBInstance")
                .param("DBInstanceIdentifier", &id)
                .param("PubliclyAccessible", public)
                .param("ApplyImmediately", true),
        )
        .timeout_seconds(20)
    };
    rb.add(common::undo_to(
        modify("DisablePublicAccess", false).description("Sets `PubliclyAccessible: false`, applied immediately."),
        "UndoPublicAccess",
    ));
    rb.add(
        common::undo_to(
            Step::new(
                "VerifyPrivate",
                WaitForAwsResourceProperty::new("rds", "DescribeDBInstances", PUBLIC, vec!["False"])
                    .param("DBInstanceIdentifier", &id),
            )
            .description("Waits until the instance reports that it is not publicly accessible.")
            .timeout_seconds(1800),
            "UndoPublicAccess",
        )
        .is_end(true),
    );
    common::add_undo_chain(
        &mut rb,
        vec![modify("UndoPublicAccess", true).description("Undo: makes the instance publicly accessible again.")],
    );
    rb.document_output(&id);
    rb.document_output(&before);
    rb.build()
}
