//! Make sure the account has a logging multi-Region CloudTrail trail with log file validation:
//! create and start one, or fix and start the existing trail of that name. The Config rule
//! evaluates the account: Config passes the account id.

use super::common::{self, BUCKET_PATTERN};
use super::ConfigTarget;
use runbook_dsl::builder::BuildError;
use runbook_dsl::prelude::*;

const MULTI_REGION: &str = "$.Trail.IsMultiRegionTrail";
const VALIDATION: &str = "$.Trail.LogFileValidationEnabled";
const LOGGING: &str = "$.IsLogging";
/// The tag a created trail carries, holding the execution id, so the undo deletes only its own trail.
const OWNER_TAG: &str = "CreatedByAutomationExecution";

/// The Config finding: `MULTI_REGION_CLOUD_TRAIL_ENABLED`; Config passes the account id.
pub const TARGET: ConfigTarget = ConfigTarget {
    config_rule: "MULTI_REGION_CLOUD_TRAIL_ENABLED",
    resource_type: "AWS::::Account",
    resource_id_param: "AccountId",
};

/// Builds the runbook; `approval` adds an approval before the first change.
pub fn build(approval: bool) -> Result<Document, BuildError> {
    let mut rb = Runbook::new(
        "Makes sure the account has a multi-Region CloudTrail trail that logs, with log file \
         validation on (CIS AWS Foundations 3.1 and 3.2).\n\n\
         The runbook checks that it runs in the account AWS Config named, then reads the trail \
         `TrailName`. If it is multi-Region, validates log files and is logging, nothing is \
         changed and the run says so. If it exists but falls short, the runbook updates it \
         (multi-Region, global service events, log file validation) and starts logging; if it does \
         not exist, the runbook creates it with those settings, delivering to `BucketName` (whose \
         bucket policy must already let CloudTrail write), and starts logging. Each path verifies \
         logging, validation and multi-Region. If a change or a check fails, or the run is \
         cancelled, the undo restores the previous settings and logging state of an existing trail, \
         or stops and deletes the trail it created, and the run ends Failed.",
    );
    rb.assume_role();
    let account = common::account_guard(&mut rb);
    let trail: Param<Str> = rb.param(
        "TrailName",
        ParamSpec::new("(Required) The trail to create, or the existing trail to fix.")
            .pattern(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,126}[A-Za-z0-9]$"),
    );
    let bucket: Param<Str> = rb.param(
        "BucketName",
        ParamSpec::new(
            "(Required) The S3 bucket a new trail delivers to; its bucket policy must allow CloudTrail to write. \
             Not changed on an existing trail.",
        )
        .pattern(BUCKET_PATTERN),
    );
    let approvers = common::approvers(&mut rb, approval, "the CloudTrail change");
    let (update_first, create_first) =
        if approval { ("ApproveUpdate", "ApproveCreate") } else { ("UpdateTrail", "CreateTrail") };

    let get = rb.add(
        Step::new("GetTrail", ExecuteAwsApi::new("cloudtrail", "GetTrail").param("Name", &trail))
            .description("Reads the trail; a trail that does not exist goes to the creation path.")
            .timeout_seconds(20)
            .on_failure(OnFailure::step(create_first))
            .is_critical(false),
    );
    let multi_region: Output<Bool> = rb.output(&get, "IsMultiRegionTrail", MULTI_REGION);
    let validation: Output<Bool> = rb.output(&get, "LogFileValidationEnabled", VALIDATION);
    let global: Output<Bool> = rb.output(&get, "IncludeGlobalServiceEvents", "$.Trail.IncludeGlobalServiceEvents");
    let status = rb.add(
        Step::new("GetTrailStatus", ExecuteAwsApi::new("cloudtrail", "GetTrailStatus").param("Name", &trail))
            .description("Reads whether the trail is logging.")
            .timeout_seconds(20),
    );
    let logging: Output<Bool> = rb.output(&status, "IsLogging", LOGGING);
    let is_true = |o: &Output<Bool>| Condition::compare(o.value(), Operator::BooleanEquals, true);
    rb.add(
        Step::new(
            "CheckTrail",
            Branch::new(vec![Choice::new(
                "AlreadyCompliant",
                Condition::And(vec![is_true(&multi_region), is_true(&validation), is_true(&logging)]),
            )])
            .default(update_first),
        )
        .description("Leaves a trail that is multi-Region, validates log files and is logging untouched."),
    );
    rb.add(common::compliant_end(
        "AlreadyCompliant",
        AssertAwsResourceProperty::new("cloudtrail", "GetTrailStatus", LOGGING, vec!["True"]).param("Name", &trail),
        "Confirms that the multi-Region trail with log file validation is logging.",
    ));

    // An existing trail: update it, start logging, verify.
    common::gate(
        &mut rb,
        &approvers,
        "ApproveUpdate",
        format!("Make CloudTrail trail {trail} multi-Region with log file validation and start logging, in account {account}?"),
        "UpdateTrail",
    );
    rb.add(common::undo_to(
        Step::new(
            "UpdateTrail",
            ExecuteAwsApi::new("cloudtrail", "UpdateTrail")
                .param("Name", &trail)
                .param("IncludeGlobalServiceEvents", true)
                .param("IsMultiRegionTrail", true)
                .param("EnableLogFileValidation", true),
        )
        .description("Makes the trail multi-Region (with global service events) and turns on log file validation.")
        .timeout_seconds(20),
        "UndoUpdateTrail",
    ));
    rb.add(common::undo_to(start_logging("StartLogging", &trail), "UndoCheckLogging"));
    verify(&mut rb, "Updated", &trail, "UndoCheckLogging");

    // No trail of that name: create it, start logging, verify.
    common::gate(
        &mut rb,
        &approvers,
        "ApproveCreate",
        format!("Create the multi-Region CloudTrail trail {trail} (delivering to {bucket}) and start logging, in account {account}?"),
        "CreateTrail",
    );
    let create = rb.add(common::undo_to(
        Step::new(
            "CreateTrail",
            ExecuteAwsApi::new("cloudtrail", "CreateTrail")
                .param("Name", &trail)
                .param("S3BucketName", &bucket)
                .param("IncludeGlobalServiceEvents", true)
                .param("IsMultiRegionTrail", true)
                .param("EnableLogFileValidation", true)
                .param("TagsList", json!([{"Key": OWNER_TAG, "Value": Builtin::EXECUTION_ID.to_string()}])),
        )
        .description(
            "Creates the multi-Region trail with global service events and log file validation, tagged with this \
             run's execution id.",
        )
        .timeout_seconds(20),
        "UndoCheckTrailOwner",
    ));
    let created: Output<Str> = rb.output(&create, "TrailARN", "$.TrailARN");
    rb.add(common::undo_to(start_logging("StartLoggingNew", &trail), "UndoStartLoggingNew"));
    verify(&mut rb, "Created", &trail, "UndoStartLoggingNew");

    // Undo of the update path: stop logging only if the trail was not logging before, then put
    // the previous settings back.
    common::add_undo_chain(
        &mut rb,
        vec![
            Step::new(
                "UndoCheckLogging",
                Branch::new(vec![Choice::new(
                    "UndoUpdateTrail",
                    Condition::compare(logging.value(), Operator::BooleanEquals, true),
                )])
                .default("UndoLogging"),
            )
            .description("Undo: keeps logging on when the trail was logging before the run."),
            Step::new("UndoLogging", ExecuteAwsApi::new("cloudtrail", "StopLogging").param("Name", &trail))
                .description("Undo: stops the logging this run started.")
                .timeout_seconds(20),
            Step::new(
                "UndoUpdateTrail",
                ExecuteAwsApi::new("cloudtrail", "UpdateTrail")
                    .param("Name", &trail)
                    .param("IncludeGlobalServiceEvents", &global)
                    .param("IsMultiRegionTrail", &multi_region)
                    .param("EnableLogFileValidation", &validation),
            )
            .description("Undo: puts the trail's previous multi-Region, global-events and validation settings back.")
            .timeout_seconds(20),
        ],
    );
    // Undo of the creation path.
    common::add_undo_chain(
        &mut rb,
        vec![
            Step::new("UndoStartLoggingNew", ExecuteAwsApi::new("cloudtrail", "StopLogging").param("Name", &trail))
                .description("Undo: stops logging on the trail this run created.")
                .timeout_seconds(20),
            Step::new(
                "UndoCheckTrailOwner",
                AssertAwsResourceProperty::new(
                    "cloudtrail",
                    "ListTags",
                    "$.ResourceTagList[0].TagsList[0].Value",
                    vec![Builtin::EXECUTION_ID.to_string()],
                )
                .param(
                    "ResourceIdList",
                    vec![format!(
                        "arn:{}:cloudtrail:{}:{}:trail/{trail}",
                        Builtin::AWS_PARTITION,
                        Builtin::REGION,
                        Builtin::ACCOUNT_ID
                    )],
                ),
            )
            .description(
                "Undo: makes sure the trail is the one this run created (its tag holds this run's execution id); \
                 otherwise the run ends here and a trail that existed before is never deleted.",
            )
            .timeout_seconds(20)
            .on_failure(OnFailure::Abort),
            Step::new("UndoCreateTrail", ExecuteAwsApi::new("cloudtrail", "DeleteTrail").param("Name", &trail))
                .description("Undo: deletes the trail this run created.")
                .timeout_seconds(20),
        ],
    );
    rb.document_output(&multi_region);
    rb.document_output(&validation);
    rb.document_output(&logging);
    rb.document_output(&created);
    rb.build()
}

fn start_logging(name: &str, trail: &Param<Str>) -> Step {
    Step::new(name, ExecuteAwsApi::new("cloudtrail", "StartLogging").param("Name", trail))
        .description("Starts logging (a no-op on a trail that already logs).")
        .timeout_seconds(20)
}

/// The three checks of a fixed trail: logging, log file validation, multi-Region; the last ends
/// the run.
fn verify(rb: &mut Runbook, path: &str, trail: &Param<Str>, undo: &str) {
    let checks = [
        ("Logging", "GetTrailStatus", LOGGING, "is logging"),
        ("Validation", "GetTrail", VALIDATION, "validates log files"),
        ("MultiRegion", "GetTrail", MULTI_REGION, "is multi-Region"),
    ];
    for (i, (what, api, selector, says)) in checks.into_iter().enumerate() {
        let step = common::undo_to(
            Step::new(
                format!("Verify{path}{what}"),
                AssertAwsResourceProperty::new("cloudtrail", api, selector, vec!["True"]).param("Name", trail),
            )
            .description(format!("Verifies that the trail {says}."))
            .timeout_seconds(20),
            undo,
        );
        rb.add(if i == checks.len() - 1 { step.is_end(true) } else { step });
    }
}
