//! Reading documents: YAML or JSON text into the same [`Document`] the builders produce, with
//! a source map ([`parse`]) that locates any field path (`mainSteps[2].inputs.Choices[0]`) in the
//! text, so that errors and diagnostics name the file, the line and the column.

use crate::model::{Document, Value};
use crate::yaml;
pub use crate::yaml::{Pos, SourceMap};
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

/// A YAML syntax error: its line, column and message (the file is added by the callers that
/// read one).
impl From<yaml::YamlError> for ReadError {
    fn from(e: yaml::YamlError) -> Self {
        ReadError { file: None, line: e.line, column: e.column, path: None, message: e.message }
    }
}

/// A document read from text, with the position of each of its fields.
#[derive(Clone, Debug, PartialEq)]
pub struct Parsed {
    /// The document.
    pub document: Document,
    /// Where each field path starts in the text (see [`SourceMap::locate`]).
    pub source_map: SourceMap,
    /// Text fields written as `null` (`description: null`), which the model reads as absent;
    /// reported by [`crate::validate::validate_parsed`].
    pub nulls: Vec<String>,
    /// Keys written twice in one map (the document keeps the last value), by field path;
    /// reported by [`crate::validate::validate_parsed`].
    pub duplicates: Vec<String>,
}

impl Parsed {
    /// Line and column of a field path (or of its nearest ancestor present in the text).
    pub fn locate(&self, field: &str) -> Option<Pos> {
        self.source_map.locate(field)
    }
}

/// Reads a document from YAML or JSON text (JSON is read as YAML, which it is).
///
/// ```
/// let doc = runbook_dsl::read::from_str("schemaVersion: '0.3'\nmainSteps:\n- name: W\n  action: aws:pause\n  inputs: {}\n").unwrap();
/// assert_eq!(doc.main_steps[0].name, "W");
/// ```
pub fn from_str(text: &str) -> Result<Document, ReadError> {
    // Without a source map: only a failure needs places, and then `parse` is run to find them.
    match document_of(yaml::from_str(text)?) {
        Some(doc) => Ok(doc),
        None => parse(text).map(|p| p.document),
    }
}

/// Reads a document and the position of every field, for diagnostics that point into the text.
/// Errors name the line, the column and the field path.
///
/// ```
/// let text = "schemaVersion: '0.3'\nmainSteps:\n  - name: W\n    action: aws:pause\n    maxAttempts: many\n";
/// let err = runbook_dsl::read::parse(text).unwrap_err();
/// assert_eq!(err.path.as_deref(), Some("mainSteps[0].maxAttempts"));
/// assert_eq!((err.line, err.column), (Some(5), Some(5)));
/// let ok = runbook_dsl::read::parse("schemaVersion: '0.3'\nmainSteps:\n  - name: W\n    action: aws:pause\n").unwrap();
/// assert_eq!(ok.locate("mainSteps[0].action").map(|p| p.line), Some(4));
/// ```
pub fn parse(text: &str) -> Result<Parsed, ReadError> {
    // One pass for the value and the position of every field.
    let yaml::Located { value, map: source_map, duplicates } = yaml::read_located(text)?;
    let duplicates = duplicates.into_iter().map(|(path, _)| path).collect();
    let nulls = null_text_fields(&value);
    if let Some(document) = document_of(value) {
        return Ok(Parsed { document, source_map, nulls, duplicates });
    }
    // The fast reading failed: read again, tracking the field path, for the error's place.
    let value = yaml::from_str(text)?;
    match from_value(value) {
        Ok(document) => Ok(Parsed { document, source_map, nulls, duplicates }),
        Err(mut e) => {
            if let Some(pos) = e.path.as_deref().and_then(|p| source_map.locate(p)) {
                e.line = Some(pos.line);
                e.column = Some(pos.column);
            }
            Err(e)
        }
    }
}

/// Paths of text fields (`description`, `assumeRole`) whose value is `null`.
fn null_text_fields(v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let is_null = |m: &crate::model::Map, k: &str| matches!(m.get(k), Some(Value::Null));
    let Some(top) = v.as_object() else { return out };
    for k in ["description", "assumeRole"] {
        if is_null(top, k) {
            out.push(k.to_string());
        }
    }
    if let Some(params) = top.get("parameters").and_then(Value::as_object) {
        for (name, p) in params {
            if p.as_object().is_some_and(|p| is_null(p, "description")) {
                out.push(format!("parameters.{name}.description"));
            }
        }
    }
    fn steps(list: Option<&Value>, base: &str, out: &mut Vec<String>) {
        for (i, s) in list.and_then(Value::as_array).into_iter().flatten().enumerate() {
            let Some(m) = s.as_object() else { continue };
            if matches!(m.get("description"), Some(Value::Null)) {
                out.push(format!("{base}[{i}].description"));
            }
            steps(m.get("inputs").and_then(|i| i.get("Steps")), &format!("{base}[{i}].inputs.Steps"), out);
        }
    }
    steps(top.get("mainSteps"), "mainSteps", &mut out);
    out
}

/// Reads a document from a JSON value; errors name the field path.
pub fn from_value(mut value: Value) -> Result<Document, ReadError> {
    let odd_description = prepare(&mut value)?;
    let mut doc = serde_path_to_error::deserialize::<_, Document>(value).map_err(|e| {
        let path = e.path().to_string();
        let path = if path == "." || path.is_empty() { None } else { Some(path) };
        read_error(path, user_terms(&e.into_inner().to_string()))
    })?;
    doc.extra.extend(odd_description);
    Ok(doc)
}

/// [`from_value`] without tracking the field path (which costs a string per key): `None` where
/// `from_value` would fail, and the callers, which have the text, read it again for the error.
fn document_of(mut value: Value) -> Option<Document> {
    let odd_description = prepare(&mut value).ok()?;
    let mut doc: Document = serde_json::from_value(value).ok()?;
    doc.extra.extend(odd_description);
    Some(doc)
}

/// Checks the top of a document and sets aside a `description` that is not a string, which is
/// kept as written in `Document::extra` (`description:` with no value reads as null), so that
/// reading and writing loses nothing.
fn prepare(value: &mut Value) -> Result<Option<(String, Value)>, ReadError> {
    let odd_description = match value {
        Value::Object(top) if top.get("description").is_some_and(|d| !d.is_string()) => {
            top.shift_remove_entry("description")
        }
        _ => None,
    };
    let Value::Object(top) = &value else {
        return Err(read_error(None, "a document is a map with `schemaVersion` and `mainSteps`".into()));
    };
    if !top.contains_key("schemaVersion") {
        return Err(read_error(None, "missing `schemaVersion`; add `schemaVersion: '0.3'` at the top".into()));
    }
    if !top.contains_key("mainSteps") {
        return Err(read_error(None, "missing `mainSteps`; an Automation document needs at least one step".into()));
    }
    Ok(odd_description)
}

/// A serde message in the terms of the document's author: `invalid type: string "x", expected
/// u64` becomes `expected a whole number (0 or more), found the text "x"`, `unknown variant`
/// becomes `unknown value`.
///
/// ```
/// use runbook_dsl::read::user_terms;
/// assert_eq!(user_terms("invalid type: string \"x\", expected u64"), "expected a whole number (0 or more), found the text \"x\"");
/// assert_eq!(user_terms("unknown variant `Abrt`, expected `Abort` or `Continue`"), "unknown value `Abrt`, expected `Abort` or `Continue`");
/// ```
pub fn user_terms(message: &str) -> String {
    let mut m = message.to_string();
    if let Some(rest) = m.strip_prefix("invalid type: ") {
        if let Some((found, expected)) = rest.split_once(", expected ") {
            let found = match found {
                "sequence" => "a list".to_string(),
                "map" => "a map".to_string(),
                f => f
                    .replacen("string ", "the text ", 1)
                    .replacen("integer ", "the number ", 1)
                    .replacen("floating point ", "the number ", 1)
                    .replacen("boolean ", "", 1),
            };
            m = format!("expected {expected}, found {found}");
        }
    } else if let Some(rest) = m.strip_prefix("invalid value: ") {
        if let Some((found, expected)) = rest.split_once(", expected ") {
            m = format!("expected {expected}, found {}", found.replacen("integer ", "", 1).replacen("string ", "", 1));
        }
    }
    // Only serde's own words change, never the user's text (between backticks or quotes).
    let mut out = String::with_capacity(m.len());
    let mut words = String::new();
    let mut quote = None;
    for c in m.chars() {
        match quote {
            Some(q) => {
                out.push(c);
                if c == q {
                    quote = None;
                }
            }
            None if c == '`' || c == '"' => {
                out.push_str(&serde_words(&std::mem::take(&mut words)));
                out.push(c);
                quote = Some(c);
            }
            None => words.push(c),
        }
    }
    out.push_str(&serde_words(&words));
    out
}

/// serde's vocabulary in the user's terms.
fn serde_words(text: &str) -> String {
    let mut m = text.to_string();
    for (serde, user) in [
        ("unknown variant", "unknown value"),
        ("unknown field", "unknown key"),
        ("missing field", "missing key"),
        ("a sequence", "a list"),
        ("struct ", ""),
        ("enum ", ""),
        ("usize", "a whole number (0 or more)"),
        ("u64", "a whole number (0 or more)"),
        ("u32", "a whole number (0 or more)"),
        ("u16", "a whole number (0 or more)"),
        ("u8", "a whole number (0 or more)"),
        ("i64", "a whole number"),
        ("i32", "a whole number"),
        ("f64", "a number"),
        ("a boolean", "true or false"),
    ] {
        m = m.replace(serde, user);
    }
    m
}

fn read_error(path: Option<String>, message: String) -> ReadError {
    ReadError { file: None, line: None, column: None, path, message }
}

/// Reads a document from a file.
pub fn from_path(path: &Path) -> Result<Document, ReadError> {
    read_file(path, from_str)
}

/// Reads a document and its source map from a file; errors name the file.
pub fn parse_path(path: &Path) -> Result<Parsed, ReadError> {
    read_file(path, parse)
}

/// Reads the file's text and hands it to `read`; every error names the file.
fn read_file<T>(path: &Path, read: impl FnOnce(&str) -> Result<T, ReadError>) -> Result<T, ReadError> {
    let text = crate::files::read_text(path).map_err(|e| ReadError {
        file: Some(path.to_path_buf()),
        line: None,
        column: None,
        path: None,
        message: format!("cannot read the file: {e}"),
    })?;
    read(&text).map_err(|mut e| {
        e.file = Some(path.to_path_buf());
        e
    })
}
