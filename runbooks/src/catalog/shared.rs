//! The checks a reviewer makes on each macro-written runbook, as unit tests (the helpers every
//! runbook shares, `Approvers` included, live in `common`).

/// The checks a reviewer makes on a remediation runbook, as assertions.
#[cfg(test)]
pub mod checks {
    use runbook_dsl::model::{Action, DataType, Document, OnCancel, OnFailure, ParameterType, Step};

    fn step<'d>(doc: &'d Document, name: &str) -> &'d Step {
        doc.main_steps.iter().find(|s| s.name == name).unwrap_or_else(|| panic!("no step {name}"))
    }

    /// Takes the role and the resource id; every String parameter has an allowedPattern.
    pub fn parameters(doc: &Document, resource_param: &str) {
        assert_eq!(doc.assume_role.as_deref(), Some("{{ AutomationAssumeRole }}"));
        assert!(doc.parameters.contains_key(resource_param), "no {resource_param}");
        for (name, p) in &doc.parameters {
            if matches!(p.ty, ParameterType::Data(DataType::String | DataType::StringList)) {
                assert!(p.allowed_pattern.is_some(), "parameter {name} has no allowedPattern");
            }
        }
    }

    /// `branch` sends a compliant resource to `compliant`, an assert step that ends the run,
    /// and otherwise to `first_change`.
    pub fn idempotent(doc: &Document, branch: &str, compliant: &str, first_change: &str) {
        let Action::Branch(b) = &step(doc, branch).action else { panic!("{branch} is not a branch") };
        assert!(b.choices.iter().any(|c| c.next_step == compliant), "{branch} never goes to {compliant}");
        assert_eq!(b.default.as_deref(), Some(first_change));
        let ok = step(doc, compliant);
        assert!(matches!(ok.action, Action::AssertAwsResourceProperty(_)), "{compliant} does not assert");
        assert_eq!(ok.is_end, Some(true));
    }

    /// The mutating step jumps to its undo chain on failure and cancel; the chain ends the run.
    pub fn undo(doc: &Document, change: &str, undo: &str) {
        let s = step(doc, change);
        assert_eq!(s.on_failure, Some(OnFailure::step(undo)));
        assert_eq!(s.on_cancel, Some(OnCancel::step(undo)));
        assert_eq!(step(doc, undo).is_end, Some(true));
        let undo_at = doc.main_steps.iter().position(|s| s.name == undo);
        let change_at = doc.main_steps.iter().position(|s| s.name == change);
        assert!(undo_at > change_at, "the undo step comes after the change");
    }

    /// The verification step checks the fix with an assert or wait (or, where the fix is an
    /// element of a list, a read-only script named `Verify...`), undoes on failure.
    pub fn verified(doc: &Document, verify: &str, undo: &str) {
        let s = step(doc, verify);
        let script = matches!(s.action, Action::ExecuteScript(_)) && verify.starts_with("Verify");
        assert!(
            script || matches!(s.action, Action::AssertAwsResourceProperty(_) | Action::WaitForAwsResourceProperty(_))
        );
        assert_eq!(s.on_failure, Some(OnFailure::step(undo)));
    }

    /// The automatic variant has no approval; the approval variant approves right before the
    /// change, and `Approvers` is declared.
    pub fn approval_variants(auto: &Document, manual: &Document, approve: &str, change: &str) {
        assert!(!auto.parameters.contains_key("Approvers"));
        assert!(auto.main_steps.iter().all(|s| !matches!(s.action, Action::Approve(_))));
        assert!(manual.parameters.contains_key("Approvers"));
        let at = manual.main_steps.iter().position(|s| s.name == approve).expect("approval step");
        assert!(matches!(manual.main_steps[at].action, Action::Approve(_)));
        assert_eq!(manual.main_steps[at + 1].name, change);
    }
}
