//! Make an RDS DB instance that AWS Config found publicly accessible private. Config passes the
//! instance's `DbiResourceId` (`db-...`), which the runbook translates first. Written with the
//! macros.

use super::common;
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

/// The parameters besides `AutomationAssumeRole`.
#[derive(Parameters)]
pub struct Params {
    /// (Required) The DB instance's resource id (`db-...`), as AWS Config passes it (RESOURCE_ID).
    #[param(allowed_pattern = r"^db-[A-Z0-9]{26}$")]
    pub dbi_resource_id: String,
}

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
    let p = rb.params::<Params>();
    let approvers = common::approvers(&mut rb, approval, "making the DB instance private");
    flow! { rb;
        /// Translates the `DbiResourceId` AWS Config passes into the DB instance and reads its settings.
        DescribeDbInstance: api!(rds.DescribeDBInstances {
            Filters: common::dbi_filter(&p.dbi_resource_id),
        } -> {
            DbInstanceIdentifier: Str = "$.DBInstances[0].DBInstanceIdentifier",
            PubliclyAccessible: Bool = "$.DBInstances[0].PubliclyAccessible",
        }), timeout 20;
        /// Leaves an instance that is already private untouched.
        CheckPublicAccess: if DescribeDbInstance.PubliclyAccessible == false { AlreadyPrivate } else { ApproveChange };
        /// Confirms that the DB instance is not publicly accessible. The resource is already compliant; nothing was changed.
        AlreadyPrivate: AssertAwsResourceProperty::new("rds", "DescribeDBInstances", PUBLIC, vec!["False"])
            .param("Filters", common::dbi_filter(&p.dbi_resource_id)), end;
        /// Waits for an approver; a rejection ends the run without any change.
        #[when(let Some(a) = &approvers)]
        ApproveChange: approve(a, format!(
            "Turn off public access to RDS DB instance {} ({}), flagged by AWS Config?",
            DescribeDbInstance.DbInstanceIdentifier, p.dbi_resource_id,
        ), common::NOTIFICATION_ARN), next DisablePublicAccess;
        /// Sets `PubliclyAccessible: false`, applied immediately.
        DisablePublicAccess: api!(rds.ModifyDBInstance {
            DBInstanceIdentifier: DescribeDbInstance.DbInstanceIdentifier,
            PubliclyAccessible: false,
            ApplyImmediately: true,
        }), timeout 20, critical true, undo {
            /// Undo: makes the instance publicly accessible again.
            UndoPublicAccess: api!(rds.ModifyDBInstance {
                DBInstanceIdentifier: DescribeDbInstance.DbInstanceIdentifier,
                PubliclyAccessible: true,
                ApplyImmediately: true,
            }), timeout 20;
        };
        /// Waits until the instance reports that it is not publicly accessible.
        VerifyPrivate: WaitForAwsResourceProperty::new("rds", "DescribeDBInstances", PUBLIC, vec!["False"])
            .param("DBInstanceIdentifier", &DescribeDbInstance.DbInstanceIdentifier),
            timeout 1800, on_failure UndoPublicAccess, on_cancel UndoPublicAccess, critical true, end;
        outputs DescribeDbInstance.DbInstanceIdentifier, DescribeDbInstance.PubliclyAccessible;
    }
    rb.build()
}
