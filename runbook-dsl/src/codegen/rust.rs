//! Rust lexical pieces: string and number literals, identifiers, and rustfmt.

use crate::model::Value;
use std::collections::HashSet;
use std::io::Write;
use std::process::{Command, Stdio};

/// A Rust string literal for `s` on one line: a raw string when that reads better (backslashes,
/// quotes), an escaped one otherwise (always for several lines).
pub(crate) fn str_lit(s: &str) -> String {
    if s.contains('\n') {
        escaped(s)
    } else {
        block_lit(s)
    }
}

/// A Rust string literal for `s` that may span lines: a raw string when that reads better
/// (backslashes, quotes, several lines), an escaped one otherwise.
pub(crate) fn block_lit(s: &str) -> String {
    let raw_ok = !s.chars().any(|c| (c.is_control() && c != '\n' && c != '\t') || is_invisible(c));
    let wants_raw = s.contains('\\') || s.contains('"') || s.contains('\n');
    if raw_ok && wants_raw {
        // The fewest `#` that no `"` followed by `#`s in the text matches; past a few, an
        // escaped literal reads better (and Rust allows at most 255).
        let longest =
            s.split('"').skip(1).map(|after| after.bytes().take_while(|&b| b == b'#').count() + 1).max().unwrap_or(0);
        if longest <= MAX_RAW_HASHES {
            let hashes = "#".repeat(longest);
            return format!("r{hashes}\"{s}\"{hashes}");
        }
    }
    escaped(s)
}

/// The most `#` a raw string literal gets.
const MAX_RAW_HASHES: usize = 4;

/// An escaped literal: `Debug` escapes quotes, backslashes and control characters; the
/// characters a reader would not see are escaped too.
fn escaped(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for piece in format!("{s:?}").chars() {
        if is_invisible(piece) {
            out.push_str(&piece.escape_unicode().to_string());
        } else {
            out.push(piece);
        }
    }
    out
}

/// Characters that must not appear unescaped in Rust source (bidirectional controls are denied by
/// a lint) or that a reader would not see.
pub(crate) fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}' | '\u{85}' | '\u{a0}')
}

/// A number literal that keeps the JSON number's kind: integers that do not fit `i32` get a
/// suffix (an unsuffixed literal is an `i32`), floats always show a `.` or an exponent.
pub(crate) fn num_lit(n: &serde_json::Number) -> String {
    if let Some(i) = n.as_i64() {
        if i32::try_from(i).is_ok() {
            i.to_string()
        } else {
            format!("{i}_i64")
        }
    } else if let Some(u) = n.as_u64() {
        format!("{u}_u64")
    } else {
        let f = n.as_f64().unwrap_or(0.0);
        let s = format!("{f:?}");
        if s.contains(['.', 'e', 'E']) {
            s
        } else {
            format!("{s}.0")
        }
    }
}

/// `GetBucketEncryption` -> `get_bucket_encryption`, `S3BucketARN` -> `s3_bucket_arn`.
pub(crate) fn snake(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            out.push('_');
            continue;
        }
        if c.is_ascii_uppercase() && i > 0 {
            let prev = chars[i - 1];
            // `IDs` stays one word: a lone plural `s` does not start a new one.
            let plural = chars.get(i + 1) == Some(&'s') && !chars.get(i + 2).is_some_and(|n| n.is_ascii_lowercase());
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase()) && !plural;
            if prev.is_ascii_lowercase() || prev.is_ascii_digit() || (prev.is_ascii_uppercase() && next_lower) {
                out.push('_');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    let mut collapsed = String::new();
    for part in out.split('_').filter(|p| !p.is_empty()) {
        if !collapsed.is_empty() {
            collapsed.push('_');
        }
        collapsed.push_str(part);
    }
    if collapsed.is_empty() || collapsed.starts_with(|c: char| c.is_ascii_digit()) {
        collapsed.insert_str(0, "v_");
    }
    collapsed
}

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "box", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern", "false",
    "fn", "for", "gen", "if", "impl", "in", "let", "loop", "macro", "match", "mod", "move", "mut", "priv", "pub",
    "ref", "return", "self", "static", "struct", "super", "trait", "true", "try", "type", "typeof", "unsafe",
    "unsized", "use", "virtual", "where", "while", "yield", "abstract", "become", "do", "final", "override", "rb",
    "json",
];

/// Hands out unique local variable names.
#[derive(Default)]
pub(crate) struct Names {
    used: HashSet<String>,
}

impl Names {
    /// The first of `candidates` (snake-cased) that is free, else the last one with a number.
    pub(crate) fn take(&mut self, candidates: &[&str]) -> String {
        let snakes: Vec<String> = candidates.iter().map(|c| snake(c)).collect();
        for s in &snakes {
            let s = if KEYWORDS.contains(&s.as_str()) { format!("{s}_") } else { s.clone() };
            if self.used.insert(s.clone()) {
                return s;
            }
        }
        let base = snakes.last().cloned().unwrap_or_else(|| "v".into());
        (2..).map(|i| format!("{base}_{i}")).find(|s| self.used.insert(s.clone())).unwrap_or(base)
    }
}

/// Whether a JSON value is written without any reference (used to pick `json!` or a literal).
pub(crate) fn is_scalar(v: &Value) -> bool {
    !matches!(v, Value::Array(_) | Value::Object(_))
}

/// Formats Rust source with `rustfmt --edition 2021` and the workspace's settings (max width
/// 120); `Err` when rustfmt is not installed or refuses the text.
pub fn rustfmt(src: &str) -> Result<String, String> {
    let mut child = Command::new("rustfmt")
        .args(["--edition", "2021", "--emit", "stdout", "--config", "max_width=120,use_small_heuristics=Max"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run rustfmt: {e}"))?;
    let mut stdin = child.stdin.take().ok_or("rustfmt has no stdin")?;
    let mut stdout = child.stdout.take().ok_or("rustfmt has no stdout")?;
    let mut stderr = child.stderr.take().ok_or("rustfmt has no stderr")?;
    let text = src.to_string();
    // Pipes are written and drained on their own threads while the time limit runs.
    let writer = std::thread::spawn(move || stdin.write_all(text.as_bytes()));
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut stdout, &mut out).map(|_| out)
    });
    let errors = std::thread::spawn(move || {
        let mut out = Vec::new();
        let _ = std::io::Read::read_to_end(&mut stderr, &mut out);
        out
    });
    let started = std::time::Instant::now();
    let status = loop {
        match child.try_wait().map_err(|e| format!("rustfmt failed: {e}"))? {
            Some(status) => break status,
            None if started.elapsed() > RUSTFMT_TIME_LIMIT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "rustfmt took more than {} s; the source is left unformatted",
                    RUSTFMT_TIME_LIMIT.as_secs()
                ));
            }
            None => std::thread::sleep(std::time::Duration::from_millis(5)),
        }
    };
    let _ = writer.join();
    let out = reader.join().map_err(|_| "rustfmt output lost".to_string())?.map_err(|e| e.to_string())?;
    let err = errors.join().unwrap_or_default();
    if !status.success() {
        return Err(format!("rustfmt refused the source: {}", String::from_utf8_lossy(&err)));
    }
    String::from_utf8(out).map_err(|e| e.to_string())
}

/// How long rustfmt may take on one generated module.
const RUSTFMT_TIME_LIMIT: std::time::Duration = std::time::Duration::from_secs(20);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_snake_case_and_unique() {
        assert_eq!(snake("GetBucketEncryption"), "get_bucket_encryption");
        assert_eq!(snake("S3BucketARN"), "s3_bucket_arn");
        assert_eq!(snake("InstanceIDs"), "instance_ids");
        assert_eq!(snake("ARNsList"), "arns_list");
        assert_eq!(snake("AutomationAssumeRole"), "automation_assume_role");
        assert_eq!(snake("3rd-step"), "v_3rd_step");
        let mut n = Names::default();
        assert_eq!(n.take(&["Type"]), "type_");
        assert_eq!(n.take(&["Payload"]), "payload");
        assert_eq!(n.take(&["Payload", "RunScriptPayload"]), "run_script_payload");
        assert_eq!(n.take(&["Payload"]), "payload_2");
    }

    #[test]
    fn literals_read_back_as_the_same_value() {
        assert_eq!(str_lit("plain"), "\"plain\"");
        assert_eq!(str_lit("a\\b \"q\""), "r#\"a\\b \"q\"\"#");
        assert_eq!(str_lit("tab\tcr\r"), "\"tab\\tcr\\r\"");
        assert_eq!(str_lit("\"#"), "r##\"\"#\"##");
        assert_eq!(str_lit("a\nb"), "\"a\\nb\"");
        assert_eq!(block_lit("a\nb"), "r\"a\nb\"");
        assert_eq!(num_lit(&serde_json::Number::from(3)), "3");
        assert_eq!(num_lit(&serde_json::Number::from(5_000_000_000_i64)), "5000000000_i64");
        assert_eq!(num_lit(&serde_json::Number::from(u64::MAX)), format!("{}_u64", u64::MAX));
        assert_eq!(num_lit(&serde_json::Number::from_f64(2.0).unwrap()), "2.0");
        assert_eq!(num_lit(&serde_json::Number::from_f64(1e300).unwrap()), "1e300");
    }
}
