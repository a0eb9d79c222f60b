//! Canonical text of a [`Document`]: YAML (the form we deploy) and JSON.
//!
//! Canonical key order, for every emitted document:
//! - top level: `schemaVersion`, `description`, `assumeRole`, `parameters`, `variables`,
//!   `mainSteps`, `outputs`, `files`, then unknown keys as read;
//! - parameter: `type`, `description`, `default`, `allowedValues`, `allowedPattern`,
//!   `displayType`, `minItems`, `maxItems`, `minChars`, `maxChars`;
//! - step: `name`, `action`, `description`, `maxAttempts`, `timeoutSeconds`, `onFailure`,
//!   `onCancel`, `isCritical`, `inputs`, `outputs`, `nextStep`, `isEnd`;
//! - inputs: the action's own inputs in the order AWS documents them, then the rest (API
//!   parameters) in the order they were given.
//!
//! Output is byte-identical on every run; strings stay strings under YAML 1.1 and 1.2 readers.

use crate::model::Document;
use crate::yaml;

/// The document as canonical YAML.
///
/// ```
/// use runbook_dsl::prelude::*;
/// let mut rb = Runbook::new("Pause.");
/// rb.add(Step::new("Wait", Pause::new()));
/// let yaml = runbook_dsl::emit::to_yaml(&rb.build().unwrap());
/// assert_eq!(yaml, "schemaVersion: '0.3'\ndescription: Pause.\nmainSteps:\n  - name: Wait\n    action: aws:pause\n    inputs: {}\n");
/// ```
pub fn to_yaml(doc: &Document) -> String {
    // Written straight from the model's Serialize implementation; a document always has a
    // YAML form (string keys only), so the error case cannot arise from a `Document`.
    yaml::to_string_from(doc).unwrap_or_default()
}

/// The document as canonical JSON (two-space indent, trailing newline).
///
/// ```
/// use runbook_dsl::prelude::*;
/// let json = runbook_dsl::emit::to_json(&Document::default());
/// assert!(json.starts_with("{\n  \"schemaVersion\": \"0.3\""));
/// ```
pub fn to_json(doc: &Document) -> String {
    let mut s = serde_json::to_string_pretty(&doc.to_value()).unwrap_or_default();
    s.push('\n');
    s
}
