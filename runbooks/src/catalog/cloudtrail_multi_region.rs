//! Make sure the account has a logging multi-Region CloudTrail trail that records all management
//! events (read and write, no excluded event sources), with log file validation: fix an existing
//! trail of this Region first (the first copy of management events is free; a second trail
//! recording them is billed), and create one only when there is none. The Config rule evaluates
//! the account: Config passes the account id. Written with the macros.

use super::common;
use super::{ConfigTarget, RuleParameter};
use runbook_dsl::builder::BuildError;
use runbook_dsl::iam::Grants;
use runbook_dsl::prelude::*;

const LOGGING: &str = "$.IsLogging";
/// The tag a created trail carries, holding the execution id, so the undo deletes only its own trail.
const OWNER_TAG: &str = "CreatedByAutomationExecution";

/// The Config finding: `MULTI_REGION_CLOUD_TRAIL_ENABLED`; Config passes the account id.
pub const TARGET: ConfigTarget = ConfigTarget {
    config_rule: "MULTI_REGION_CLOUD_TRAIL_ENABLED",
    resource_type: "AWS::::Account",
    resource_id_param: "AccountId",
};

/// The rule's optional inputs that make it check management events (as Security Hub's
/// CloudTrail.1 does): read and write, included. The runbook always establishes both.
pub const RULE_PARAMETERS: &[RuleParameter] = &[
    RuleParameter::Enforced { key: "includeManagementEvents", value: "true" },
    RuleParameter::Enforced { key: "readWriteType", value: "ALL" },
];

/// The parameters besides `AutomationAssumeRole`, `AccountId` and `Approvers`.
#[derive(Parameters)]
pub struct Params {
    /// (Required) The trail to create when the Region has none to fix; an existing trail of this name
    /// is the one fixed first.
    #[param(allowed_pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]{1,126}[A-Za-z0-9]$")]
    pub trail_name: String,
    /// (Required) The S3 bucket a new trail delivers to; its bucket policy must allow CloudTrail to write.
    /// Not changed on an existing trail.
    #[param(allowed_pattern = r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")]
    pub bucket_name: String,
}

/// What the trail scripts share: management events count as recorded when a basic selector
/// includes them with `ReadWriteType` `All` and no selector excludes an event source, or an
/// advanced selector selects `eventCategory` `Management` with no `readOnly` or `eventSource`
/// filter (CloudTrail's GetEventSelectors/PutEventSelectors; a trail uses either basic or
/// advanced selectors, and is changed in the mode it uses). A macro, so that each script below
/// is one literal (`concat!`) and each step carries only what it runs.
macro_rules! trail_common {
    () => {
        r#"import json
import boto3

MANAGEMENT = {"Field": "eventCategory", "Equals": ["Management"]}


def plain_management(selector):
    fields = selector.get("FieldSelectors", [])
    return MANAGEMENT in fields and len(fields) == 1


def is_management(selector):
    return any(f.get("Field") == "eventCategory" and f.get("Equals") == ["Management"] for f in selector.get("FieldSelectors", []))


def management_events(selectors):
    basic = selectors.get("EventSelectors") or []
    advanced = selectors.get("AdvancedEventSelectors") or []
    if advanced:
        return any(plain_management(s) for s in advanced)
    if any(s.get("ExcludeManagementEventSources") for s in basic):
        return False
    return any(s.get("IncludeManagementEvents") and s.get("ReadWriteType") == "All" for s in basic)


def describe(ct, trail):
    arn = trail["TrailARN"]
    home = trail.get("HomeRegion") or ct.meta.region_name
    # A shadow trail (another Region's multi-Region trail) is read in its home Region.
    there = ct if home == ct.meta.region_name else boto3.client("cloudtrail", region_name=home)
    selectors = there.get_event_selectors(TrailName=arn)
    return {
        "Name": trail["Name"],
        "TrailARN": arn,
        "HomeRegion": home,
        "IsMultiRegionTrail": bool(trail.get("IsMultiRegionTrail")),
        "LogFileValidationEnabled": bool(trail.get("LogFileValidationEnabled")),
        "IncludeGlobalServiceEvents": bool(trail.get("IncludeGlobalServiceEvents")),
        "IsOrganizationTrail": bool(trail.get("IsOrganizationTrail")),
        "IsLogging": bool(there.get_trail_status(Name=arn).get("IsLogging")),
        "ManagementEvents": management_events(selectors),
        "Selectors": {k: selectors.get(k) or [] for k in ("EventSelectors", "AdvancedEventSelectors")},
    }


"#
    };
}

/// Picks the trail: one that meets the rule and validates log files (nothing to do); else a
/// trail of this Region that meets the rule (only validation to turn on); else a trail of
/// another Region that meets the rule (nothing to do here: a second trail would be billed; the
/// plan says to turn validation on in its home Region); else an existing trail of this Region
/// (`TrailName` first, then multi-Region, then logging); else none (create `TrailName`). Any AWS
/// error is raised: the run fails instead of taking a fix path.
const FIND_TRAIL: &str = concat!(
    trail_common!(),
    r#"def rule_ok(t):
    # What the Config rule checks (with includeManagementEvents true and readWriteType ALL).
    return t["IsMultiRegionTrail"] and t["IsLogging"] and t["ManagementEvents"]


def result(t, compliant, plan):
    return dict(t, Selectors=json.dumps(t["Selectors"]), Compliant=compliant, Exists=True, TrailName=t["Name"], Plan=plan)


def find(events, context):
    ct = boto3.client("cloudtrail")
    region = ct.meta.region_name
    trails = [describe(ct, t) for t in ct.describe_trails(includeShadowTrails=True)["trailList"]]
    # Only a trail of this Region can be updated here; organization trails belong to the management account.
    own = [t for t in trails if t["HomeRegion"] == region and not t["IsOrganizationTrail"]]
    done = [t for t in trails if rule_ok(t) and t["LogFileValidationEnabled"]]
    if done:
        plan = "Trail " + done[0]["Name"] + " is multi-Region, logging, records all management events and validates log files; nothing was changed."
        return result(done[0], True, plan)
    near = [t for t in own if rule_ok(t)]
    if near:
        plan = "Trail " + near[0]["Name"] + " satisfies the rule; turning on its log file validation. Settings before the run: " + json.dumps(near[0])
        return result(near[0], False, plan)
    elsewhere = [t for t in trails if rule_ok(t)]
    if elsewhere:
        # The rule is satisfied by a trail this Region cannot change; a second trail would be billed.
        t = elsewhere[0]
        plan = ("Trail " + t["Name"] + " (home Region " + t["HomeRegion"] + ") satisfies the rule; nothing was changed. "
                "Turn on its log file validation in its home Region.")
        return result(t, True, plan)
    own.sort(key=lambda t: (t["Name"] != events["TrailName"], not t["IsMultiRegionTrail"], not t["IsLogging"], t["Name"]))
    if own:
        t = own[0]
        plan = "Fixing the existing trail " + t["Name"] + " instead of creating a second one; its settings before the run: " + json.dumps(t)
        return result(t, False, plan)
    plan = "No trail of this Region to fix; creating " + events["TrailName"] + "."
    return {"Compliant": False, "Exists": False, "TrailName": events["TrailName"], "TrailARN": "", "IsMultiRegionTrail": False,
            "LogFileValidationEnabled": False, "IncludeGlobalServiceEvents": False, "IsLogging": False,
            "Selectors": json.dumps({"EventSelectors": [], "AdvancedEventSelectors": []}), "Plan": plan}


"#
);

/// Adds all management events to the trail's selectors, in the trail's selector mode.
const SET_MANAGEMENT_EVENTS: &str = concat!(
    trail_common!(),
    r#"def set_management_events(events, context):
    ct = boto3.client("cloudtrail")
    name = events["TrailName"]
    selectors = ct.get_event_selectors(TrailName=name)
    advanced = selectors.get("AdvancedEventSelectors") or []
    if advanced:
        # Filtered management selectors give way to one that selects all management events.
        keep = [s for s in advanced if not is_management(s) or plain_management(s)]
        if not any(plain_management(s) for s in keep):
            keep.append({"Name": "All management events", "FieldSelectors": [MANAGEMENT]})
        ct.put_event_selectors(TrailName=name, AdvancedEventSelectors=keep)
        return {"Mode": "advanced", "Selectors": json.dumps(keep)}
    basic = []
    for s in selectors.get("EventSelectors") or []:
        s = dict(s, ExcludeManagementEventSources=[])
        if not s.get("DataResources"):
            # A selector without data resources logs management events only: widen it to all of them.
            s.update(IncludeManagementEvents=True, ReadWriteType="All")
        basic.append(s)
    if not management_events({"EventSelectors": basic}):
        if len(basic) >= 5:
            raise Exception("trail " + name + " has 5 event selectors with data resources; add management events by hand")
        basic.append({"ReadWriteType": "All", "IncludeManagementEvents": True, "DataResources": [], "ExcludeManagementEventSources": []})
    ct.put_event_selectors(TrailName=name, EventSelectors=basic)
    return {"Mode": "basic", "Selectors": json.dumps(basic)}


"#
);

/// Undo: puts the selectors read before the change back.
const RESTORE_SELECTORS: &str = r#"import json
import boto3

def restore_selectors(events, context):
    ct = boto3.client("cloudtrail")
    previous = json.loads(events["Selectors"])
    if previous.get("AdvancedEventSelectors"):
        ct.put_event_selectors(TrailName=events["TrailName"], AdvancedEventSelectors=previous["AdvancedEventSelectors"])
    elif previous.get("EventSelectors"):
        ct.put_event_selectors(TrailName=events["TrailName"], EventSelectors=previous["EventSelectors"])
    else:
        return {"Restored": "the trail reported no event selectors before the run; nothing to put back"}
    return {"Restored": "previous event selectors"}


"#;

/// Verifies every criterion of the rule (and log file validation); raises naming what is missing.
const VERIFY_TRAIL: &str = concat!(
    trail_common!(),
    r#"def verify(events, context):
    ct = boto3.client("cloudtrail")
    trail = ct.get_trail(Name=events["TrailName"])["Trail"]
    t = describe(ct, trail)
    missing = [k for k in ("IsMultiRegionTrail", "IsLogging", "ManagementEvents", "LogFileValidationEnabled") if not t[k]]
    if missing:
        raise Exception("trail " + t["Name"] + " still falls short: " + ", ".join(missing) + " " + json.dumps(t))
    return {"Verified": True}
"#
);

/// Builds the runbook; `approval` adds an approval before the first change.
pub fn build(approval: bool) -> Result<Document, BuildError> {
    let mut rb = Runbook::new(
        "Makes sure the account has a multi-Region CloudTrail trail that logs all management events \
         (read and write, no excluded event sources), with log file validation on (AWS Config \
         multi-region-cloudtrail-enabled; CIS AWS Foundations 3.1 and 3.2).\n\n\
         The runbook checks that it runs in the account AWS Config named, then reads every trail it \
         can see (shadow trails of other Regions included) with their status and event selectors. If \
         one is multi-Region, logging, records all management events and validates log files, nothing \
         is changed and the run says so; nothing is changed either when such a trail of another \
         Region only lacks log file validation (a second trail would be billed; the plan says to \
         turn validation on in its home Region). Otherwise it fixes an existing trail of this Region before \
         creating a second, billable one: `TrailName` if it exists, else the closest one (multi-Region, \
         then logging). It updates that trail (multi-Region, global service events, log file \
         validation), adds management events to its event selectors (basic or advanced, as the trail \
         uses; filtered management selectors are widened) and starts logging. Only when the Region \
         has no trail of its own does it create `TrailName`, delivering to `BucketName` (whose bucket \
         policy must already let CloudTrail write), with a selector for all management events, and \
         start logging. Each path verifies every criterion. If a change or the check fails, or the \
         run is cancelled, the undo restores the previous settings, selectors and logging state of \
         an existing trail, or stops and deletes the trail it created, and the run ends Failed. \
         Organization trails are left to the management account.",
    );
    rb.assume_role();
    // The `AccountId` parameter and the `CheckAccount` step that runs first.
    let account = common::account_guard(&mut rb);
    let p = rb.params::<Params>();
    let approvers = common::approvers(&mut rb, approval, "the CloudTrail change");
    let trail_arn = format!(
        "arn:{}:cloudtrail:{}:{}:trail/{}",
        Builtin::AWS_PARTITION,
        Builtin::REGION,
        Builtin::ACCOUNT_ID,
        p.trail_name
    );
    flow! { rb;
        /// Reads every trail, its status and event selectors, and picks the trail to fix (or none, to
        /// create `TrailName`).
        FindTrail: script!(
            runtime = "python3.11",
            handler = "find",
            script = FIND_TRAIL,
            input = { TrailName: p.trail_name },
            outputs = {
                Compliant: Bool = "$.Payload.Compliant",
                Exists: Bool = "$.Payload.Exists",
                TrailName: Str = "$.Payload.TrailName",
                TrailARN: Str = "$.Payload.TrailARN",
                IsMultiRegionTrail: Bool = "$.Payload.IsMultiRegionTrail",
                LogFileValidationEnabled: Bool = "$.Payload.LogFileValidationEnabled",
                IncludeGlobalServiceEvents: Bool = "$.Payload.IncludeGlobalServiceEvents",
                IsLogging: Bool = "$.Payload.IsLogging",
                Selectors: Str = "$.Payload.Selectors",
                Plan: Str = "$.Payload.Plan",
            },
        ), timeout 60;
        /// Leaves a compliant account untouched; fixes an existing trail before creating one.
        CheckTrail: if FindTrail.Compliant { AlreadyCompliant } else if FindTrail.Exists { ApproveUpdate } else { ApproveCreate };
        /// Confirms that the trail FindTrail found compliant is logging (by ARN: it may be another
        /// Region's). The account is already compliant; nothing was changed.
        AlreadyCompliant: AssertAwsResourceProperty::new("cloudtrail", "GetTrailStatus", LOGGING, vec!["True"])
            .param("Name", &FindTrail.TrailARN), timeout 20, end;

        /// Waits for an approver; a rejection ends the run without any change.
        #[when(let Some(a) = &approvers)]
        ApproveUpdate: approve(a, format!(
            "Fix CloudTrail trail {{{{ FindTrail.TrailName }}}} (multi-Region, all management events, log file validation, \
             logging) in account {account}? {{{{ FindTrail.Plan }}}}"
        ), common::NOTIFICATION_ARN), next UpdateTrail;
        /// Makes the trail multi-Region (with global service events) and turns on log file validation.
        UpdateTrail: api!(cloudtrail.UpdateTrail {
            Name: FindTrail.TrailName,
            IncludeGlobalServiceEvents: true,
            IsMultiRegionTrail: true,
            EnableLogFileValidation: true,
        }), timeout 20, critical true, undo {
            /// Undo: puts the trail's previous multi-Region, global-events and validation settings back.
            UndoUpdateTrail: api!(cloudtrail.UpdateTrail {
                Name: FindTrail.TrailName,
                IncludeGlobalServiceEvents: FindTrail.IncludeGlobalServiceEvents,
                IsMultiRegionTrail: FindTrail.IsMultiRegionTrail,
                EnableLogFileValidation: FindTrail.LogFileValidationEnabled,
            }), timeout 20;
        };
        /// Adds all management events (read and write) to the trail's event selectors.
        SetManagementEvents: script!(
            runtime = "python3.11",
            handler = "set_management_events",
            script = SET_MANAGEMENT_EVENTS,
            input = { TrailName: FindTrail.TrailName },
            outputs = { Selectors: Str = "$.Payload.Selectors" },
        ), timeout 60, critical true, undo {
            /// Undo: puts the trail's previous event selectors back.
            UndoEventSelectors: script!(
                runtime = "python3.11",
                handler = "restore_selectors",
                script = RESTORE_SELECTORS,
                input = { TrailName: FindTrail.TrailName, Selectors: FindTrail.Selectors },
            ), timeout 30;
        };
        /// Starts logging (a no-op on a trail that already logs).
        StartLogging: api!(cloudtrail.StartLogging { Name: FindTrail.TrailName }), timeout 20, critical true, undo {
            /// Undo: keeps logging on when the trail was logging before the run.
            UndoCheckLogging: if FindTrail.IsLogging { UndoEventSelectors } else { UndoLogging },
                on_failure UndoLogging, critical true;
            /// Undo: stops the logging this run started.
            UndoLogging: api!(cloudtrail.StopLogging { Name: FindTrail.TrailName }), timeout 20;
        };
        /// Verifies every criterion: multi-Region, logging, all management events, log file validation.
        VerifyUpdatedTrail: script!(
            runtime = "python3.11",
            handler = "verify",
            script = VERIFY_TRAIL,
            input = { TrailName: FindTrail.TrailName },
        ), timeout 60, critical true, end;

        /// Waits for an approver; a rejection ends the run without any change.
        #[when(let Some(a) = &approvers)]
        ApproveCreate: approve(a, format!(
            "Create the multi-Region CloudTrail trail {} (delivering to {}) and start logging, in account {account}? \
             {{{{ FindTrail.Plan }}}}",
            p.trail_name, p.bucket_name
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
        } -> { TrailARN: Str = "$.TrailARN" }), timeout 20, critical true, undo {
            /// Undo: makes sure the trail is the one this run created (its tag holds this run's execution id);
            /// otherwise the run ends here and a trail that existed before is never deleted.
            UndoCheckTrailOwner: AssertAwsResourceProperty::new(
                "cloudtrail",
                "ListTags",
                "$.ResourceTagList[0].TagsList[0].Value",
                vec![Builtin::EXECUTION_ID.to_string()],
            )
            .param("ResourceIdList", vec![trail_arn.clone()]), timeout 20, on_failure abort, critical true;
            /// Undo: deletes the trail this run created.
            UndoCreateTrail: api!(cloudtrail.DeleteTrail { Name: p.trail_name }), timeout 20;
        };
        /// Records all management events, read and write, with no excluded event source.
        SetNewTrailSelectors: api!(cloudtrail.PutEventSelectors {
            TrailName: p.trail_name,
            EventSelectors: [{ ReadWriteType: "All", IncludeManagementEvents: true, ExcludeManagementEventSources: [] }],
        }), timeout 20, critical true;
        /// Starts logging.
        StartLoggingNew: api!(cloudtrail.StartLogging { Name: p.trail_name }), timeout 20, critical true, undo {
            /// Undo: stops logging on the trail this run created.
            UndoStartLoggingNew: api!(cloudtrail.StopLogging { Name: p.trail_name }), timeout 20;
        };
        /// Verifies every criterion: multi-Region, logging, all management events, log file validation.
        VerifyCreatedTrail: script!(
            runtime = "python3.11",
            handler = "verify",
            script = VERIFY_TRAIL,
            input = { TrailName: p.trail_name },
        ), timeout 60, critical true, end;
        outputs FindTrail.TrailName, FindTrail.Plan, FindTrail.Selectors, CreateTrail.TrailARN;
    }
    rb.build()
}

/// Explicit IAM grants: CreateTrail with `TagsList` also authorizes `cloudtrail:AddTags` (the
/// Service Authorization Reference lists it as a dependent action of CreateTrail); the derivation
/// maps the operation to its own action only.
pub fn grants() -> Grants {
    Grants::new().add(
        "CreateTrail",
        ["cloudtrail:AddTags"],
        "CreateTrail tags the new trail (TagsList), which CloudTrail authorizes as cloudtrail:AddTags",
    )
}

#[cfg(test)]
mod tests {
    use super::super::shared::checks;
    use runbook_dsl::model::{Action, Document, OnCancel, OnFailure, Step};

    fn step<'d>(doc: &'d Document, name: &str) -> &'d Step {
        doc.main_steps.iter().find(|s| s.name == name).unwrap_or_else(|| panic!("no step {name}"))
    }

    #[test]
    fn is_a_complete_remediation_for_an_existing_and_a_new_trail() {
        let (auto, manual) = (super::build(false).expect("builds"), super::build(true).expect("builds"));
        for doc in [&auto, &manual] {
            checks::parameters(doc, "AccountId");
            assert_eq!(doc.main_steps[0].name, "CheckAccount");
            // Each change undoes from the right place: the settings, selectors and logging of an
            // existing trail, the creation of a new one (through the ownership guard).
            for (change, undo) in [
                ("UpdateTrail", "UndoUpdateTrail"),
                ("SetManagementEvents", "UndoEventSelectors"),
                ("StartLogging", "UndoCheckLogging"),
                ("CreateTrail", "UndoCheckTrailOwner"),
                ("SetNewTrailSelectors", "UndoCheckTrailOwner"),
                ("StartLoggingNew", "UndoStartLoggingNew"),
            ] {
                assert_eq!(step(doc, change).on_failure, Some(OnFailure::step(undo)), "{change}");
                assert_eq!(step(doc, change).on_cancel, Some(OnCancel::step(undo)), "{change}");
                assert_eq!(step(doc, change).is_critical, Some(true), "{change}");
            }
            // The undo chains come after the main steps and end the run; the selectors are put
            // back before the trail's settings.
            let at = |name: &str| doc.main_steps.iter().position(|s| s.name == name).expect("step");
            assert!(at("UndoStartLoggingNew") > at("VerifyCreatedTrail"));
            assert!(
                at("UndoCheckLogging") < at("UndoEventSelectors") && at("UndoEventSelectors") < at("UndoUpdateTrail")
            );
            assert_eq!(step(doc, "UndoUpdateTrail").is_end, Some(true));
            checks::verified(doc, "VerifyUpdatedTrail", "UndoCheckLogging");
            checks::verified(doc, "VerifyCreatedTrail", "UndoStartLoggingNew");
            // A trail that was not created by this run is never deleted.
            assert_eq!(step(doc, "UndoCheckTrailOwner").on_failure, Some(OnFailure::Abort));
            assert_eq!(step(doc, "UndoCreateTrail").is_end, Some(true));
            // Any error of the read other than AWS's own fails the run (no failure route).
            assert_eq!(step(doc, "FindTrail").on_failure, None);
            assert_eq!(
                doc.outputs,
                vec!["FindTrail.TrailName", "FindTrail.Plan", "FindTrail.Selectors", "CreateTrail.TrailARN"]
            );
        }
        // An existing trail is fixed before a new one is created.
        let Action::Branch(b) = &step(&auto, "CheckTrail").action else { panic!("CheckTrail is a branch") };
        let targets: Vec<&str> = b.choices.iter().map(|c| c.next_step.as_str()).collect();
        assert_eq!(targets, ["AlreadyCompliant", "UpdateTrail"]);
        checks::idempotent(&auto, "CheckTrail", "AlreadyCompliant", "CreateTrail");
        checks::idempotent(&manual, "CheckTrail", "AlreadyCompliant", "ApproveCreate");
        checks::approval_variants(&auto, &manual, "ApproveUpdate", "UpdateTrail");
        checks::approval_variants(&auto, &manual, "ApproveCreate", "CreateTrail");
    }

    /// The rule's optional inputs the declaration sets are those the runbook establishes.
    #[test]
    fn the_rule_checks_all_management_events() {
        let keys: Vec<(&str, &str)> = super::RULE_PARAMETERS
            .iter()
            .map(|p| match *p {
                super::RuleParameter::Enforced { key, value } => (key, value),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(keys, [("includeManagementEvents", "true"), ("readWriteType", "ALL")]);
    }
}
