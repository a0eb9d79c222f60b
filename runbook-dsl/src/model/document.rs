use super::{Map, Parameter, Step, Value};
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

/// The only schema version of Automation documents.
pub const SCHEMA_VERSION: &str = "0.3";

/// An SSM Automation document (schemaVersion `0.3`).
///
/// ```
/// use runbook_dsl::model::Document;
/// let doc = Document::default();
/// assert_eq!(doc.schema_version, "0.3");
/// assert!(doc.main_steps.is_empty());
/// ```
///
/// A `description` that is not a string (`description:` with no value reads as `null`) is kept
/// as written in [`Document::extra`] by [`crate::read`], so that reading and writing the document
/// loses nothing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Document {
    /// Always `"0.3"` for Automation documents.
    pub schema_version: String,
    /// Free text shown in the console (Markdown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The role the automation runs as, usually `{{ AutomationAssumeRole }}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assume_role: Option<String>,
    /// Inputs accepted when the automation starts.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub parameters: IndexMap<String, Parameter>,
    /// Runbook variables, changed by `aws:updateVariable`.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub variables: IndexMap<String, VariableDef>,
    /// The steps, run in order unless flow properties redirect.
    #[serde(default)]
    pub main_steps: Vec<Step>,
    /// Document outputs, each `Step.Output`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outputs: Vec<String>,
    /// Attachment manifest for `aws:executeScript` attachments.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub files: IndexMap<String, FileDef>,
    /// Top-level keys the model does not know, kept as written.
    #[serde(flatten)]
    pub extra: Map,
}

impl Default for Document {
    fn default() -> Self {
        Document {
            schema_version: SCHEMA_VERSION.to_string(),
            description: None,
            assume_role: None,
            parameters: IndexMap::new(),
            variables: IndexMap::new(),
            main_steps: Vec::new(),
            outputs: Vec::new(),
            files: IndexMap::new(),
            extra: Map::new(),
        }
    }
}

impl Document {
    /// Finds a top-level step by name.
    pub fn step(&self, name: &str) -> Option<&Step> {
        self.main_steps.iter().find(|s| s.name == name)
    }

    /// Every step, nested `aws:loop` steps included, depth first in document order.
    pub fn all_steps(&self) -> Vec<&Step> {
        fn walk<'a>(steps: &'a [Step], out: &mut Vec<&'a Step>) {
            for s in steps {
                out.push(s);
                if let super::Action::Loop(l) = &s.action {
                    walk(&l.steps, out);
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.main_steps, &mut out);
        out
    }

    /// The document as a JSON value in canonical key order.
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// A runbook variable declaration (`variables.<Name>`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VariableDef {
    /// The variable's data type.
    #[serde(rename = "type")]
    pub ty: super::DataType,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Initial value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<Value>,
    /// Keys the model does not know.
    #[serde(flatten)]
    pub extra: Map,
}

/// An attachment entry in `files`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FileDef {
    /// Checksums; `sha256` is required by AWS.
    pub checksums: IndexMap<String, String>,
    /// Size in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// Keys the model does not know.
    #[serde(flatten)]
    pub extra: Map,
}
