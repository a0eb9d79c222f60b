//! Reading documents: YAML or JSON text into the same [`Document`] the builders produce.

use crate::model::{Document, Value};
use crate::yaml;
use std::fmt;
use std::path::{Path, PathBuf};

/// Why a document could not be read: the file, the place and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadError {
    /// The file, when reading from disk.
    pub file: Option<PathBuf>,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
    /// Field path such as `mainSteps[2].inputs`, when known.
    pub path: Option<String>,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{}", file.display())?;
            if let Some(l) = self.line {
                write!(f, ":{l}")?;
                if let Some(c) = self.column {
                    write!(f, ":{c}")?;
                }
            }
            f.write_str(": ")?;
        }
        if let Some(p) = &self.path {
            write!(f, "{p}: ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for ReadError {}

/// Reads a document from YAML or JSON text (JSON is read as YAML, which it is).
///
/// ```
/// let doc = runbook_dsl::read::from_str("schemaVersion: '0.3'\nmainSteps:\n- name: W\n  action: aws:pause\n  inputs: {}\n").unwrap();
/// assert_eq!(doc.main_steps[0].name, "W");
/// ```
pub fn from_str(text: &str) -> Result<Document, ReadError> {
    let value = yaml::from_str(text).map_err(|e| ReadError {
        file: None,
        line: e.line,
        column: e.column,
        path: None,
        message: e.message,
    })?;
    from_value(value)
}

/// Reads a document from a JSON value.
pub fn from_value(value: Value) -> Result<Document, ReadError> {
    if !value.is_object() {
        return Err(ReadError {
            file: None,
            line: None,
            column: None,
            path: None,
            message: "a document is a map with `schemaVersion` and `mainSteps`".into(),
        });
    }
    serde_json::from_value::<Document>(value).map_err(|e| ReadError {
        file: None,
        line: None,
        column: None,
        path: None,
        message: e.to_string(),
    })
}

/// Reads a document from a file.
pub fn from_path(path: &Path) -> Result<Document, ReadError> {
    let text = std::fs::read_to_string(path).map_err(|e| ReadError {
        file: Some(path.to_path_buf()),
        line: None,
        column: None,
        path: None,
        message: format!("cannot read the file: {e}"),
    })?;
    from_str(&text).map_err(|mut e| {
        e.file = Some(path.to_path_buf());
        e
    })
}
