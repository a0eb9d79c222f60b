//! Make sure the account has a logging multi-Region CloudTrail trail with log file validation:
//! create and start one, or fix and start the existing trail of that name. The Config rule
//! evaluates the account: Config passes the account id. Written with the macros.

use super::common;
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

/// The parameters besides `AutomationAssumeRole`, `AccountId` and `Approvers`.
#[derive(Parameters)]
pub struct Params {
    /// (Required) The trail to create, or the existing trail to fix.
    #[param(allowed_pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]{1,126}[A-Za-z0-9]$")]
    pub trail_name: String,
    /// (Required) The S3 bucket a new trail delivers to; its bucket policy must allow CloudTrail to write.
    /// Not changed on an existing trail.
    #[param(allowed_pattern = r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")]
    pub bucket_name: String,
}

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
    // The `AccountId` parameter and the `CheckAccount` step that runs first.
    let account = common::account_guard(&mut rb);
    let p = rb.params::<Params>();
    let approvers = common::approvers(&mut rb, approval, "the CloudTrail change");
    let trail = &p.trail_name;
    let check = |api: &str, selector: &str| {
        AssertAwsResourceProperty::new("cloudtrail", api, selector, vec!["True"]).param("Name", trail)
    };
    // `flow!` nests `a && b && c` as And(And(a, b), c); the document has one And of three.
    let is_true = |o: &Output<Bool>| Condition::compare(o.value(), Operator::BooleanEquals, true);
    let update_first = if approval { "ApproveUpdate" } else { "UpdateTrail" };
    let trail_arn =
        format!("arn:{}:cloudtrail:{}:{}:trail/{trail}", Builtin::AWS_PARTITION, Builtin::REGION, Builtin::ACCOUNT_ID);
    flow! { rb;
        /// Reads the trail; a trail that does not exist goes to the creation path.
        GetTrail: api!(cloudtrail.GetTrail { Name: p.trail_name } -> {
            IsMultiRegionTrail: Bool = "$.Trail.IsMultiRegionTrail",
            LogFileValidationEnabled: Bool = "$.Trail.LogFileValidationEnabled",
            IncludeGlobalServiceEvents: Bool = "$.Trail.IncludeGlobalServiceEvents",
        }), timeout 20, on_failure ApproveCreate, critical false;
        /// Reads whether the trail is logging.
        GetTrailStatus: api!(cloudtrail.GetTrailStatus { Name: p.trail_name } -> { IsLogging: Bool = "$.IsLogging" }),
            timeout 20;
        /// Leaves a trail that is multi-Region, validates log files and is logging untouched.
        // (`Vec::from`, not `vec!`: `flow!` sees `Step.Output` references only outside macro calls.)
        CheckTrail: Branch::new(Vec::from([Choice::new(
            "AlreadyCompliant",
            Condition::And(Vec::from([
                is_true(&GetTrail.IsMultiRegionTrail),
                is_true(&GetTrail.LogFileValidationEnabled),
                is_true(&GetTrailStatus.IsLogging),
            ])),
        )]))
        .default(update_first);
        /// Confirms that the multi-Region trail with log file validation is logging. The resource is already
        /// compliant; nothing was changed.
        AlreadyCompliant: check("GetTrailStatus", LOGGING), end;

        /// Waits for an approver; a rejection ends the run without any change.
        #[when(let Some(a) = &approvers)]
        ApproveUpdate: approve(a, format!(
            "Make CloudTrail trail {trail} multi-Region with log file validation and start logging, in account {account}?"
        ), common::NOTIFICATION_ARN), next UpdateTrail;
        /// Makes the trail multi-Region (with global service events) and turns on log file validation.
        UpdateTrail: api!(cloudtrail.UpdateTrail {
            Name: p.trail_name,
            IncludeGlobalServiceEvents: true,
            IsMultiRegionTrail: true,
            EnableLogFileValidation: true,
        }), timeout 20, on_failure UndoUpdateTrail, on_cancel UndoUpdateTrail, critical true;
        /// Starts logging (a no-op on a trail that already logs).
        StartLogging: api!(cloudtrail.StartLogging { Name: p.trail_name }), timeout 20, critical true, undo {
            /// Undo: keeps logging on when the trail was logging before the run.
            UndoCheckLogging: if GetTrailStatus.IsLogging { UndoUpdateTrail } else { UndoLogging },
                on_failure UndoLogging, critical true;
            /// Undo: stops the logging this run started.
            UndoLogging: api!(cloudtrail.StopLogging { Name: p.trail_name }), timeout 20, on_failure UndoUpdateTrail,
                critical true, next UndoUpdateTrail;
            /// Undo: puts the trail's previous multi-Region, global-events and validation settings back.
            UndoUpdateTrail: api!(cloudtrail.UpdateTrail {
                Name: p.trail_name,
                IncludeGlobalServiceEvents: GetTrail.IncludeGlobalServiceEvents,
                IsMultiRegionTrail: GetTrail.IsMultiRegionTrail,
                EnableLogFileValidation: GetTrail.LogFileValidationEnabled,
            }), timeout 20;
        };
        /// Verifies that the trail is logging.
        VerifyUpdatedLogging: check("GetTrailStatus", LOGGING), timeout 20, on_failure UndoCheckLogging,
            on_cancel UndoCheckLogging, critical true;
        /// Verifies that the trail validates log files.
        VerifyUpdatedValidation: check("GetTrail", VALIDATION), timeout 20, on_failure UndoCheckLogging,
            on_cancel UndoCheckLogging, critical true;
        /// Verifies that the trail is multi-Region.
        VerifyUpdatedMultiRegion: check("GetTrail", MULTI_REGION), timeout 20, on_failure UndoCheckLogging,
            on_cancel UndoCheckLogging, critical true, end;

        /// Waits for an approver; a rejection ends the run without any change.
        #[when(let Some(a) = &approvers)]
        ApproveCreate: approve(a, format!(
            "Create the multi-Region CloudTrail trail {trail} (delivering to {}) and start logging, in account {account}?",
            p.bucket_name
        ), common::NOTIFICATION_ARN), next CreateTrail;
        /// Creates the multi-Region trail with global service events and log file validation, tagged with this
        /// run's execution id.
        CreateTrail: api!(cloudtrail.CreateTrail {
            Name: p.trail_name,
            S3BucketName: p.bucket_name,
            IncludeGlobalServiceEvents: true,
            IsMultiRegionTrail: true,
            EnableLogFileValidation: true,
            TagsList: [{ Key: OWNER_TAG, Value: Builtin::EXECUTION_ID.to_string() }],
        } -> { TrailARN: Str = "$.TrailARN" }), timeout 20, on_failure UndoCheckTrailOwner,
            on_cancel UndoCheckTrailOwner, critical true;
        /// Starts logging (a no-op on a trail that already logs).
        StartLoggingNew: api!(cloudtrail.StartLogging { Name: p.trail_name }), timeout 20, critical true, undo {
            /// Undo: stops logging on the trail this run created.
            UndoStartLoggingNew: api!(cloudtrail.StopLogging { Name: p.trail_name }), timeout 20,
                on_failure UndoCheckTrailOwner, critical true, next UndoCheckTrailOwner;
            /// Undo: makes sure the trail is the one this run created (its tag holds this run's execution id);
            /// otherwise the run ends here and a trail that existed before is never deleted.
            UndoCheckTrailOwner: AssertAwsResourceProperty::new(
                "cloudtrail",
                "ListTags",
                "$.ResourceTagList[0].TagsList[0].Value",
                vec![Builtin::EXECUTION_ID.to_string()],
            )
            .param("ResourceIdList", vec![trail_arn.clone()]), timeout 20, on_failure abort, critical true,
                next UndoCreateTrail;
            /// Undo: deletes the trail this run created.
            UndoCreateTrail: api!(cloudtrail.DeleteTrail { Name: p.trail_name }), timeout 20;
        };
        /// Verifies that the trail is logging.
        VerifyCreatedLogging: check("GetTrailStatus", LOGGING), timeout 20, on_failure UndoStartLoggingNew,
            on_cancel UndoStartLoggingNew, critical true;
        /// Verifies that the trail validates log files.
        VerifyCreatedValidation: check("GetTrail", VALIDATION), timeout 20, on_failure UndoStartLoggingNew,
            on_cancel UndoStartLoggingNew, critical true;
        /// Verifies that the trail is multi-Region.
        VerifyCreatedMultiRegion: check("GetTrail", MULTI_REGION), timeout 20, on_failure UndoStartLoggingNew,
            on_cancel UndoStartLoggingNew, critical true, end;
        outputs GetTrail.IsMultiRegionTrail, GetTrail.LogFileValidationEnabled, GetTrailStatus.IsLogging,
            CreateTrail.TrailARN;
    }
    rb.build()
}

#[cfg(test)]
mod tests {
    use super::super::shared::checks;
    use runbook_dsl::model::{Document, OnCancel, OnFailure, Step};

    fn step<'d>(doc: &'d Document, name: &str) -> &'d Step {
        doc.main_steps.iter().find(|s| s.name == name).unwrap_or_else(|| panic!("no step {name}"))
    }

    #[test]
    fn is_a_complete_remediation_for_an_existing_and_a_new_trail() {
        let (auto, manual) = (super::build(false).expect("builds"), super::build(true).expect("builds"));
        for doc in [&auto, &manual] {
            checks::parameters(doc, "AccountId");
            assert_eq!(doc.main_steps[0].name, "CheckAccount");
            // Each change undoes from the right place: the settings of an existing trail, the
            // creation of a new one (through the ownership guard).
            for (change, undo) in [
                ("UpdateTrail", "UndoUpdateTrail"),
                ("StartLogging", "UndoCheckLogging"),
                ("CreateTrail", "UndoCheckTrailOwner"),
                ("StartLoggingNew", "UndoStartLoggingNew"),
            ] {
                assert_eq!(step(doc, change).on_failure, Some(OnFailure::step(undo)));
                assert_eq!(step(doc, change).on_cancel, Some(OnCancel::step(undo)));
                assert_eq!(step(doc, change).is_critical, Some(true));
            }
            // Both undo chains come after the main steps and end the run.
            let at = |name: &str| doc.main_steps.iter().position(|s| s.name == name).expect("step");
            assert!(at("UndoCheckLogging") > at("VerifyCreatedMultiRegion"));
            assert_eq!(step(doc, "UndoUpdateTrail").is_end, Some(true));
            for what in ["Logging", "Validation", "MultiRegion"] {
                checks::verified(doc, &format!("VerifyUpdated{what}"), "UndoCheckLogging");
                checks::verified(doc, &format!("VerifyCreated{what}"), "UndoStartLoggingNew");
            }
            // A trail that was not created by this run is never deleted.
            assert_eq!(step(doc, "UndoCheckTrailOwner").on_failure, Some(OnFailure::Abort));
            assert_eq!(step(doc, "UndoCreateTrail").is_end, Some(true));
            assert_eq!(
                doc.outputs,
                vec![
                    "GetTrail.IsMultiRegionTrail",
                    "GetTrail.LogFileValidationEnabled",
                    "GetTrailStatus.IsLogging",
                    "CreateTrail.TrailARN"
                ]
            );
        }
        checks::idempotent(&auto, "CheckTrail", "AlreadyCompliant", "UpdateTrail");
        checks::idempotent(&manual, "CheckTrail", "AlreadyCompliant", "ApproveUpdate");
        assert_eq!(step(&auto, "GetTrail").on_failure, Some(OnFailure::step("CreateTrail")));
        assert_eq!(step(&manual, "GetTrail").on_failure, Some(OnFailure::step("ApproveCreate")));
        checks::approval_variants(&auto, &manual, "ApproveUpdate", "UpdateTrail");
        checks::approval_variants(&auto, &manual, "ApproveCreate", "CreateTrail");
    }
}
