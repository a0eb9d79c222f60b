//! The one module that knows YAML: the canonical writer and the reader.
//!
//! The writer is our own, so that every string stays a string under YAML 1.1 readers (PyYAML,
//! SnakeYAML) and YAML 1.2 readers alike: anything that either could read as a boolean, null,
//! number, date or special float (`yes`, `no`, `on`, `off`, `y`, `n`, `~`, `2024-01-01`, `0755`,
//! `1:30`, `.inf`) is quoted. Multi-line strings are block literals (`|`, `|-`, `|+`).
//! Reading goes through `serde_yaml` into a JSON value with key order preserved.

use serde_json::{Map, Value};
use std::fmt::Write;

/// Writes a value as block-style YAML with two-space indentation and a trailing newline.
///
/// ```
/// use serde_json::json;
/// let y = runbook_dsl::yaml::to_string(&json!({"a": "yes", "b": ["1:30", "x"], "c": "one\ntwo\n"}));
/// assert_eq!(y, "a: 'yes'\nb:\n  - '1:30'\n  - x\nc: |\n  one\n  two\n");
/// ```
pub fn to_string(v: &Value) -> String {
    let mut out = String::new();
    match v {
        Value::Object(m) if !m.is_empty() => write_map(&mut out, m, 0),
        Value::Array(a) if !a.is_empty() => write_seq(&mut out, a, 0),
        scalar => {
            write_scalar(&mut out, scalar, 0);
            out.push('\n');
        }
    }
    out
}

fn indent(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

fn write_map(out: &mut String, m: &Map<String, Value>, ind: usize) {
    let mut first = true;
    for (k, v) in m {
        if !first {
            indent(out, ind);
        }
        first = false;
        let mut key = String::new();
        write_key(&mut key, k);
        if key.chars().count() > MAX_SIMPLE_KEY {
            // Readers refuse implicit keys longer than 1024 characters: an explicit `? key`.
            out.push_str("? ");
            out.push_str(&key);
            out.push('\n');
            indent(out, ind);
        } else {
            out.push_str(&key);
        }
        out.push(':');
        write_value_after_key(out, v, ind);
    }
}

/// After `key:` (or `- ` for sequences the caller handles): nested blocks go on new lines.
fn write_value_after_key(out: &mut String, v: &Value, ind: usize) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            out.push('\n');
            indent(out, ind + 2);
            write_map(out, m, ind + 2);
        }
        Value::Array(a) if !a.is_empty() => {
            out.push('\n');
            indent(out, ind + 2);
            write_seq(out, a, ind + 2);
        }
        scalar => {
            out.push(' ');
            write_scalar(out, scalar, ind + 2);
            out.push('\n');
        }
    }
}

fn write_seq(out: &mut String, a: &[Value], ind: usize) {
    for (i, v) in a.iter().enumerate() {
        if i > 0 {
            indent(out, ind);
        }
        out.push_str("- ");
        match v {
            Value::Object(m) if !m.is_empty() => write_map(out, m, ind + 2),
            Value::Array(inner) if !inner.is_empty() => write_seq(out, inner, ind + 2),
            scalar => {
                write_scalar(out, scalar, ind + 2);
                out.push('\n');
            }
        }
    }
}

/// The longest key written in the implicit `key: value` form (YAML allows 1024 characters).
const MAX_SIMPLE_KEY: usize = 1000;

fn write_key(out: &mut String, k: &str) {
    if k.contains('\n') {
        write_double_quoted(out, k);
    } else {
        write_inline_string(out, k);
    }
}

/// A scalar, an empty map or an empty list; `ind` is the indentation of block literal lines.
fn write_scalar(out: &mut String, v: &Value, ind: usize) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            let _ = write!(out, "{n}");
        }
        Value::String(s) => write_string(out, s, ind),
        Value::Array(_) => out.push_str("[]"),
        Value::Object(_) => out.push_str("{}"),
    }
}

fn write_string(out: &mut String, s: &str, ind: usize) {
    if s.contains('\n') && block_literal_ok(s) {
        write_block_literal(out, s, ind);
    } else {
        write_inline_string(out, s);
    }
}

fn write_inline_string(out: &mut String, s: &str) {
    if s.chars().any(needs_escape) {
        write_double_quoted(out, s);
    } else if is_plain_safe(s) {
        out.push_str(s);
    } else {
        out.push('\'');
        out.push_str(&s.replace('\'', "''"));
        out.push('\'');
    }
}

fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{85}' | '\u{a0}' | '\u{2028}' | '\u{2029}' | '\u{feff}')
}

fn write_double_quoted(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if needs_escape(c) => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A block literal keeps every character except: other line breaks and control characters,
/// and trailing spaces on a line before a line that is only spaces (folded away by readers).
fn block_literal_ok(s: &str) -> bool {
    if s.chars().any(|c| c != '\n' && needs_escape(c)) || s.chars().any(|c| c == '\r') {
        return false;
    }
    let body = s.trim_end_matches('\n');
    if body.is_empty() {
        return false;
    }
    // A line of only spaces would be read as an empty line when it is the last content line
    // or when the first line starts with spaces (indentation detection). Keep it simple:
    // refuse any line made only of spaces, and any line ending in a space or tab.
    body.split('\n').all(|l| !(l.ends_with(' ') || (!l.is_empty() && l.trim().is_empty())))
}

fn write_block_literal(out: &mut String, s: &str, ind: usize) {
    let trailing = s.len() - s.trim_end_matches('\n').len();
    out.push('|');
    if s.starts_with(' ') {
        out.push('2');
    }
    match trailing {
        0 => out.push('-'),
        1 => {}
        _ => out.push('+'),
    }
    let body = s.trim_end_matches('\n');
    for line in body.split('\n') {
        out.push('\n');
        if !line.is_empty() {
            indent(out, ind);
            out.push_str(line);
        }
    }
    for _ in 1..trailing.max(1) {
        out.push('\n');
    }
}

/// Whether `s` can be written without quotes and is read back as the same string by YAML 1.1
/// and YAML 1.2 readers. Conservative: when in doubt, quote.
pub fn is_plain_safe(s: &str) -> bool {
    let Some(first) = s.chars().next() else { return false };
    if s != s.trim() {
        return false;
    }
    if !(first.is_alphabetic() || matches!(first, '_' | '/' | '$' | '^' | '(')) {
        return false;
    }
    if s.contains(": ") || s.contains(" #") || s.ends_with(':') {
        return false;
    }
    if s.chars().any(|c| {
        matches!(c, '#' | '\'' | '"' | '`' | '|' | '>' | '!' | '%' | '&' | '*' | '[' | ']' | '{' | '}' | ',' | '@')
    }) {
        return false;
    }
    !resolves_to_non_string(s)
}

/// Words YAML 1.1 or 1.2 read as booleans or null, regardless of case variants they accept.
const SPECIAL_WORDS: &[&str] = &[
    "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE", "on",
    "On", "ON", "off", "Off", "OFF", "null", "Null", "NULL", "~",
];

fn resolves_to_non_string(s: &str) -> bool {
    // Numbers, dates, times and sexagesimals all start with a digit, a sign or a dot, and
    // `.inf`/`.nan` with a dot: the first-character rule of `is_plain_safe` refuses those.
    // What is left are the words.
    SPECIAL_WORDS.contains(&s)
}

/// Reads YAML (or JSON, which is YAML) into a JSON value, keeping key order.
///
/// ```
/// let v = runbook_dsl::yaml::from_str("a: 1\nb: [x, 'yes']\n").unwrap();
/// assert_eq!(v, serde_json::json!({"a": 1, "b": ["x", "yes"]}));
/// ```
pub fn from_str(text: &str) -> Result<Value, YamlError> {
    // JSON text is read as JSON first: YAML readers refuse keys longer than 1024 characters in
    // flow mappings, which JSON allows. Anything that is not strict JSON is read as YAML (and
    // its errors are YAML's, with their place).
    if text.trim_start().starts_with('{') {
        if let Ok(v) = serde_json::from_str::<Value>(text) {
            return Ok(v);
        }
    }
    serde_yaml::from_str::<Value>(text).map_err(|e| YamlError {
        line: e.location().map(|l| l.line()),
        column: e.location().map(|l| l.column()),
        message: e.to_string(),
    })
}

/// A YAML syntax or structure error, with its place when known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YamlError {
    /// 1-based line.
    pub line: Option<usize>,
    /// 1-based column.
    pub column: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for YamlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for YamlError {}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_longer_than_yaml_allows_for_implicit_keys_are_written_explicitly() {
        let long = "k".repeat(1500);
        let v = json!({"a": {long.clone(): {"x": [1]}, "b": 2}, long.clone(): "v"});
        let text = to_string(&v);
        assert!(text.contains(&format!("  ? {long}\n  :\n")), "{text}");
        assert_eq!(from_str(&text).unwrap(), v);
    }

    #[test]
    fn json_with_long_keys_reads_as_json_and_other_text_as_yaml() {
        let long = "k".repeat(1500);
        let v = json!({long.clone(): 1, "a": [true, null, 1.5]});
        assert_eq!(from_str(&serde_json::to_string_pretty(&v).unwrap()).unwrap(), v);
        // Not strict JSON (a flow mapping with a plain scalar): read as YAML.
        assert_eq!(from_str("{a: yes}").unwrap(), json!({"a": "yes"}));
        let e = from_str("{a: [1,\n").unwrap_err();
        assert!(e.line.is_some(), "{e:?}");
    }
}
