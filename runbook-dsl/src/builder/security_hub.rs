//! A reusable ending for runbooks started from a Security Hub finding: two final steps that set
//! the finding's workflow status with `securityhub:BatchUpdateFindings`, `RESOLVED` when the
//! remediation succeeded and `NOTIFIED` when it failed (someone must look), each with a note
//! naming the run.
//!
//! Any runbook adds them: declare the finding's parameters ([`Finding::declare`]), build the
//! remediation, send its last step to [`FindingSteps::resolved`] and its failures to
//! [`FindingSteps::notified`].
//!
//! ```
//! use runbook_dsl::prelude::*;
//! use runbook_dsl::builder::security_hub::Finding;
//!
//! let mut rb = Runbook::new("Fix the finding's bucket, then close the finding.");
//! rb.assume_role();
//! let finding = Finding::declare(&mut rb);
//! let bucket: Param<Str> = rb.param("BucketName", ParamSpec::new("The bucket."));
//! let steps = finding.steps("Versioning enabled by the remediation runbook.");
//! rb.add(
//!     Step::new("Enable", ExecuteAwsApi::new("s3", "PutBucketVersioning")
//!         .param("Bucket", &bucket)
//!         .param("VersioningConfiguration", json!({"Status": "Enabled"})))
//!         .next_step(steps.resolved())
//!         .on_failure(OnFailure::step(steps.notified())),
//! );
//! steps.add_to(&mut rb);
//! let doc = rb.build().unwrap();
//! let resolve = &doc.main_steps[1];
//! assert_eq!(resolve.name, "ResolveFinding");
//! assert_eq!(resolve.action.inputs().unwrap()["Workflow"]["Status"], "RESOLVED");
//! assert_eq!(doc.main_steps[2].action.inputs().unwrap()["Workflow"]["Status"], "NOTIFIED");
//! ```

use crate::builder::refs::{Param, Str};
use crate::builder::{ParamSpec, Runbook};
use crate::model::actions::ExecuteAwsApi;
use crate::model::Step;
use serde_json::json;

/// The document parameter holding the finding's `Id`.
pub const FINDING_ID_PARAM: &str = "FindingId";
/// The document parameter holding the finding's `ProductArn`.
pub const PRODUCT_ARN_PARAM: &str = "ProductArn";

/// The finding a run works on: its `Id` and `ProductArn` (together they identify a finding in
/// `BatchUpdateFindings`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// `{{ FindingId }}`.
    pub id: Param<Str>,
    /// `{{ ProductArn }}`.
    pub product_arn: Param<Str>,
}

/// A workflow status a run may set (`Workflow.Status` of `BatchUpdateFindings`; AWS's model
/// also has `NEW` and `SUPPRESSED`, which a remediation never sets).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorkflowStatus {
    /// The remediation fixed the resource.
    Resolved,
    /// The remediation failed: the resource owner has been told, someone must act.
    Notified,
}

impl WorkflowStatus {
    /// As AWS spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            WorkflowStatus::Resolved => "RESOLVED",
            WorkflowStatus::Notified => "NOTIFIED",
        }
    }
}

impl Finding {
    /// Declares `FindingId` and `ProductArn` (required; a Security Hub custom action or an
    /// EventBridge rule passes them from the finding).
    pub fn declare(rb: &mut Runbook) -> Finding {
        let id = rb.param(
            FINDING_ID_PARAM,
            ParamSpec::new("(Required) The Security Hub finding's Id (detail.findings[0].Id of the event).")
                .pattern(r"^\S{1,512}$"),
        );
        let product_arn = rb.param(
            PRODUCT_ARN_PARAM,
            ParamSpec::new(
                "(Required) The Security Hub finding's ProductArn (detail.findings[0].ProductArn of the event).",
            )
            .pattern(r"^arn:aws[a-z0-9-]*:securityhub:[a-z0-9-]+:(\d{12})?:product/\S+$"),
        );
        Finding { id, product_arn }
    }

    /// A step that sets the finding's workflow status, with a note naming the automation
    /// execution.
    pub fn update(&self, name: &str, status: WorkflowStatus, note: &str) -> Step {
        let text = format!("{note} (automation execution {{{{ automation:EXECUTION_ID }}}})");
        let text: String = text.chars().take(512).collect();
        Step::new(
            name,
            ExecuteAwsApi::new("securityhub", "BatchUpdateFindings")
                .param(
                    "FindingIdentifiers",
                    json!([{"Id": self.id.to_string(), "ProductArn": self.product_arn.to_string()}]),
                )
                .param("Workflow", json!({"Status": status.as_str()}))
                .param("Note", json!({"Text": text, "UpdatedBy": "SSM Automation remediation"})),
        )
        .description(format!("Sets the Security Hub finding's workflow status to {}.", status.as_str()))
        .timeout_seconds(25)
        .max_attempts(3)
        .is_end(true)
    }

    /// The two final steps, `ResolveFinding` and `NotifyFinding`, with `resolved_note` on
    /// success.
    pub fn steps(&self, resolved_note: &str) -> FindingSteps {
        FindingSteps {
            resolve: self.update("ResolveFinding", WorkflowStatus::Resolved, resolved_note),
            notify: self.update(
                "NotifyFinding",
                WorkflowStatus::Notified,
                "The remediation runbook failed; the resource was not changed or its change was undone",
            ),
        }
    }
}

/// The final steps of a run started from a finding.
#[derive(Clone, Debug, PartialEq)]
pub struct FindingSteps {
    resolve: Step,
    notify: Step,
}

impl FindingSteps {
    /// The step that sets `RESOLVED`: the `nextStep` of the remediation's last step.
    pub fn resolved(&self) -> &str {
        &self.resolve.name
    }
    /// The step that sets `NOTIFIED`: the `onFailure` of the remediation's steps.
    pub fn notified(&self) -> &str {
        &self.notify.name
    }
    /// Adds both steps (at the end of the document).
    pub fn add_to(self, rb: &mut Runbook) {
        rb.add(self.resolve);
        rb.add(self.notify);
    }
}
