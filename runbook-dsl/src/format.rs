//! Canonical formatting of document text: read it, write it back with [`crate::emit`], and make
//! sure nothing was lost on the way.
//!
//! The canonical form is the one `emit` writes (key order documented in [`crate::emit`]); keys
//! and actions the model does not know are kept where they were read. Before returning, the
//! formatted text is read again and compared with the input as JSON values: a difference is an
//! error naming the place, so `runbook fmt --write` can never lose or retype a value.
//!
//! Comments are kept in YAML output: each stays with the key or list item it belongs to (see
//! [`crate::yaml::comments`]); a comment that cannot be put back exactly is an error naming its
//! line. JSON output holds no comments.

use crate::model::Value;
use crate::read::{self, ReadError};
use crate::{emit, yaml};

/// The text form to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// Canonical YAML (the form we deploy).
    Yaml,
    /// Canonical JSON (two-space indent, trailing newline).
    Json,
}

/// Formats YAML or JSON document text as canonical YAML.
///
/// ```
/// let text = "mainSteps:\n- {action: aws:pause, name: Wait, inputs: {}}\nschemaVersion: '0.3'\n";
/// let out = runbook_dsl::format::to_yaml(text).unwrap();
/// assert_eq!(out, "schemaVersion: '0.3'\nmainSteps:\n  - name: Wait\n    action: aws:pause\n    inputs: {}\n");
/// assert_eq!(runbook_dsl::format::to_yaml(&out).unwrap(), out); // idempotent
/// ```
pub fn to_yaml(text: &str) -> Result<String, ReadError> {
    format(text, Style::Yaml)
}

/// Formats YAML or JSON document text as canonical JSON.
///
/// ```
/// let out = runbook_dsl::format::to_json("schemaVersion: '0.3'\nmainSteps: []\n").unwrap();
/// assert_eq!(out, "{\n  \"schemaVersion\": \"0.3\",\n  \"mainSteps\": []\n}\n");
/// ```
pub fn to_json(text: &str) -> Result<String, ReadError> {
    format(text, Style::Json)
}

/// Formats document text in the given style, keeping comments in YAML; fails when the text is
/// not a document, when a comment cannot be kept at its key, or when the formatted text would
/// not read back as the same document (a bug, reported with its place).
///
/// ```
/// use runbook_dsl::format::{format, Style};
/// let text = "# Licence: MIT\n\nmainSteps:\n  # the only step\n  - {action: aws:pause, name: Wait, inputs: {}} # waits\nschemaVersion: '0.3'\n";
/// let out = format(text, Style::Yaml).unwrap();
/// assert_eq!(out, "# Licence: MIT\n\nschemaVersion: '0.3'\nmainSteps:\n  # the only step\n  - name: Wait\n    action: aws:pause\n    inputs: {} # waits\n");
/// ```
pub fn format(text: &str, style: Style) -> Result<String, ReadError> {
    let original = yaml::from_str(text)?;
    let doc = read::from_value(original.clone())?;
    let out = match style {
        Style::Yaml => keep_comments(text, emit::to_yaml(&doc))?,
        Style::Json => emit::to_json(&doc),
    };
    let reread = yaml::from_str(&out).map_err(|e| lost(format!("the formatted text does not parse: {e}")))?;
    if let Some(d) = difference(&original, &reread) {
        return Err(lost(format!("formatting would change the document ({d})")));
    }
    Ok(out)
}

/// Puts the comments of `text` into `out`, its canonical YAML (see [`crate::yaml::comments`]).
fn keep_comments(text: &str, out: String) -> Result<String, ReadError> {
    let unkept = |u: yaml::comments::Unkept| ReadError {
        file: None,
        line: Some(u.pos.line),
        column: Some(u.pos.column),
        path: None,
        message: format!(
            "this comment cannot be kept: {}; the file is left as it is (move the comment onto a line of \
             its own just above the key or item it describes, or remove it)",
            u.why
        ),
    };
    let comments = yaml::comments::read(text).map_err(unkept)?;
    yaml::comments::place(&out, &comments).map_err(unkept)
}

/// Refuses text whose rewriting in `style` would lose or change something the document's value
/// does not hold (see [`crate::yaml::losses`]): duplicate keys, anchors and aliases, tags, a
/// second document, numbers with no exact JSON form, and comments when writing JSON (YAML keeps
/// them, see [`format`]). `runbook fmt --write` calls it before writing; the error names the
/// first place and what it is.
///
/// ```
/// use runbook_dsl::format::{check_keepable, Style};
/// let text = "schemaVersion: '0.3' # pinned\nmainSteps: []\n";
/// assert!(check_keepable(text, Style::Yaml).is_ok());
/// let e = check_keepable(text, Style::Json).unwrap_err();
/// assert_eq!((e.line, e.column), (Some(1), Some(22)));
/// assert!(e.message.contains("comment"));
/// assert!(check_keepable("a: &x 1\nb: *x\n", Style::Yaml).unwrap_err().message.contains("anchor"));
/// ```
pub fn check_keepable(text: &str, style: Style) -> Result<(), ReadError> {
    let mut losses = yaml::losses(text);
    if style == Style::Yaml {
        losses.retain(|l| !l.is_comment());
    }
    let Some(first) = losses.first() else { return Ok(()) };
    let more = match losses.len() {
        1 => String::new(),
        n => format!(" (and {} more)", n - 1),
    };
    Err(ReadError {
        file: None,
        line: Some(first.pos.line),
        column: Some(first.pos.column),
        path: None,
        message: format!(
            "the file holds {}{more}, which rewriting would lose or change; the file is left as it is \
             (remove it, or format a copy without --write)",
            first.what
        ),
    })
}

fn lost(message: String) -> ReadError {
    ReadError {
        file: None,
        line: None,
        column: None,
        path: None,
        message: format!("{message}; the model cannot keep it exactly, so the file is left as it is"),
    }
}

/// The first place where two JSON values differ (`$.mainSteps[2].inputs.Api: 1 became "1"`),
/// or `None` when they are equal. Key order is not a difference.
///
/// ```
/// use serde_json::json;
/// use runbook_dsl::format::difference;
/// assert_eq!(difference(&json!({"a": 1, "b": 2}), &json!({"b": 2, "a": 1})), None);
/// assert_eq!(difference(&json!({"a": [1]}), &json!({"a": ["1"]})).unwrap(), "$.a[0]: 1 became \"1\"");
/// ```
pub fn difference(a: &Value, b: &Value) -> Option<String> {
    diff_at(a, b, "$")
}

fn diff_at(a: &Value, b: &Value, path: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, v) in x {
                match y.get(k) {
                    None => return Some(format!("{path}.{k}: missing")),
                    Some(w) => {
                        if let Some(d) = diff_at(v, w, &format!("{path}.{k}")) {
                            return Some(d);
                        }
                    }
                }
            }
            y.keys().find(|k| !x.contains_key(*k)).map(|k| format!("{path}.{k}: added"))
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            x.iter().zip(y).enumerate().find_map(|(i, (v, w))| diff_at(v, w, &format!("{path}[{i}]")))
        }
        _ if a == b => None,
        _ => Some(format!("{path}: {a} became {b}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ODD: &str = "\
x-owner: team-a
mainSteps:
  - name: Future
    action: aws:somethingNew
    inputs: {Count: 3, Ratio: 0.5, Flag: true, Text: '3', When: '2024-01-01', Nothing: null}
    x-note: kept
  - name: Sleep
    action: aws:sleep
    inputs: {Duration: 5}
    timeoutSeconds: 60
description:
schemaVersion: '0.3'
parameters:
  P: {type: Integer, default: 7, minValue: 1}
";

    #[test]
    fn unknown_keys_actions_and_value_types_survive_formatting() {
        let out = to_yaml(ODD).unwrap();
        let before = yaml::from_str(ODD).unwrap();
        let after = yaml::from_str(&out).unwrap();
        assert_eq!(difference(&before, &after), None, "{out}");
        assert_eq!(after["description"], Value::Null);
        assert_eq!(after["x-owner"], "team-a");
        assert_eq!(after["parameters"]["P"]["minValue"], 1);
        let inputs = &after["mainSteps"][0]["inputs"];
        assert_eq!(inputs["Count"], 3);
        assert_eq!(inputs["Ratio"], 0.5);
        assert_eq!(inputs["Flag"], true);
        assert_eq!(inputs["Text"], "3");
        assert_eq!(inputs["When"], "2024-01-01");
        assert_eq!(after["mainSteps"][0]["x-note"], "kept");
        assert!(out.contains("When: '2024-01-01'"), "dates stay strings under YAML 1.1:\n{out}");
        assert_eq!(to_yaml(&out).unwrap(), out);
        let json = to_json(ODD).unwrap();
        assert_eq!(difference(&before, &yaml::from_str(&json).unwrap()), None);
        assert_eq!(to_json(&json).unwrap(), json);
    }

    #[test]
    fn canonical_order_is_applied() {
        let out = to_yaml(ODD).unwrap();
        let keys: Vec<&str> =
            out.lines().filter(|l| !l.starts_with(' ')).map(|l| l.split(':').next().unwrap()).collect();
        assert_eq!(keys, ["schemaVersion", "parameters", "mainSteps", "x-owner", "description"]);
    }

    #[test]
    fn formatting_that_would_change_a_value_is_refused_with_the_place() {
        // The model always writes `inputs`; a step without it cannot be kept exactly.
        let e = to_yaml("schemaVersion: '0.3'\nmainSteps:\n- {name: W, action: aws:pause}\n").unwrap_err();
        assert!(e.message.contains("($.mainSteps[0].inputs: added)"), "{e}");
        assert!(e.message.contains("left as it is"), "{e}");
    }

    #[test]
    fn text_that_is_not_a_document_is_an_error_with_its_place() {
        let e = to_yaml("schemaVersion: '0.3'\nmainSteps: [\n").unwrap_err();
        assert!(e.line.is_some(), "{e:?}");
        assert!(to_yaml("- a list\n").is_err());
    }
}
