//! Document-level rules: schema version, size, attachments, top-level keys, assumeRole,
//! parameters, variables and document outputs.

use super::{diag, Cx, Diagnostic};
use crate::model::{DataType, ParameterType, Value};

/// Largest document content AWS accepts (CreateDocument `MaxDocumentSizeExceeded`).
pub const MAX_DOCUMENT_BYTES: usize = 64 * 1024;
/// Most attachments a runbook may have.
pub const MAX_ATTACHMENTS: usize = 5;
const TOP_LEVEL: &[&str] =
    &["schemaVersion", "description", "assumeRole", "parameters", "variables", "mainSteps", "outputs", "files"];

pub(super) fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    let doc = cx.doc;
    if doc.schema_version != "0.3" {
        out.push(diag(
            "E001",
            None,
            "schemaVersion",
            format!("schemaVersion is `{}`; Automation documents use 0.3", doc.schema_version),
            "write `schemaVersion: '0.3'` (quoted)",
        ));
    }
    if doc.main_steps.is_empty() {
        out.push(diag("E002", None, "mainSteps", "mainSteps has no step", "add at least one step"));
    }
    let size = compact_json_len(doc);
    if size > MAX_DOCUMENT_BYTES {
        out.push(diag(
            "E003",
            None,
            "",
            format!("the document is {size} bytes (compact JSON); AWS accepts at most 65536"),
            "move scripts into attachments or split the runbook with aws:executeAutomation",
        ));
    }
    if doc.files.len() > MAX_ATTACHMENTS {
        out.push(diag(
            "E004",
            None,
            "files",
            format!("{} attachments; a runbook may have at most {MAX_ATTACHMENTS}", doc.files.len()),
            "bundle scripts into one .zip attachment",
        ));
    }
    for (name, f) in &doc.files {
        let sha = ["sha256", "SHA256", "sha-256", "SHA-256"].iter().find_map(|k| f.checksums.get(*k));
        let ok = sha.is_some_and(|s| s.len() == 64 && s.chars().all(|c| c.is_ascii_hexdigit()));
        if !ok {
            out.push(diag(
                "E005",
                None,
                format!("files.{name}.checksums"),
                format!("attachment `{name}` has no sha256 checksum of 64 hex digits"),
                "set `checksums: {sha256: <sha256sum of the file>}`",
            ));
        }
    }
    for key in doc.extra.keys() {
        if !TOP_LEVEL.contains(&key.as_str()) {
            out.push(diag(
                "E006",
                None,
                key.clone(),
                format!("unknown top-level key `{key}`"),
                format!("remove it; the top-level keys are {}", TOP_LEVEL.join(", ")),
            ));
        }
    }
    if let Some(role) = &doc.assume_role {
        check_assume_role(cx, role, out);
    }
    parameters(cx, out);
    variables(cx, out);
    for (i, o) in doc.outputs.iter().enumerate() {
        let field = format!("outputs[{i}]");
        let Some((step, name)) = o.split_once('.') else {
            out.push(diag(
                "E008",
                None,
                field,
                format!("document output `{o}` is not `Step.Output`"),
                "write `StepName.OutputName`",
            ));
            continue;
        };
        match cx.find_any(step) {
            None => out.push(diag(
                "E008",
                None,
                field,
                format!("document output `{o}` names unknown step `{step}`"),
                format!(
                    "{}name an existing step",
                    super::suggest::did_you_mean(step, cx.steps.iter().map(|s| s.step.name.as_str()))
                ),
            )),
            Some(i) if cx.steps[i].step.output_type(name).is_none() && !output_like(name) => out.push(diag(
                "E008",
                Some(step),
                field,
                format!("step `{step}` has no output `{name}`"),
                format!(
                    "{}declare it in the step's outputs, or name one the action produces",
                    super::suggest::did_you_mean(name, super::refs::output_names(cx.steps[i].step))
                ),
            )),
            Some(_) => {}
        }
    }
}

/// `Payload.x` style names under a predefined map output are accepted.
fn output_like(name: &str) -> bool {
    name.contains('.')
}

fn check_assume_role(cx: &Cx, role: &str, out: &mut Vec<Diagnostic>) {
    let t = role.trim();
    if t.contains("{{") {
        let inner = t.trim_start_matches("{{").trim_end_matches("}}").trim();
        if inner.starts_with("ssm:") {
            out.push(diag(
                "E007",
                None,
                "assumeRole",
                "assumeRole reads Parameter Store (`{{ssm:...}}`), which AWS does not support",
                "take the role from a String parameter: `assumeRole: '{{ AutomationAssumeRole }}'`",
            ));
        } else if !inner.contains(':') && !cx.doc.parameters.contains_key(inner) {
            out.push(diag(
                "E060",
                None,
                "assumeRole",
                format!("assumeRole references `{inner}`, which is not a parameter"),
                format!(
                    "{}declare parameter `{inner}` (type String), e.g. AutomationAssumeRole",
                    super::suggest::did_you_mean(inner, cx.doc.parameters.keys().map(String::as_str))
                ),
            ));
        } else if let Some(p) = cx.doc.parameters.get(inner) {
            if !matches!(p.ty, ParameterType::Data(DataType::String) | ParameterType::Aws(_)) {
                out.push(diag(
                    "E007",
                    None,
                    "assumeRole",
                    format!("assumeRole takes parameter `{inner}` of type {}; a role ARN is a String", p.ty),
                    format!("declare `{inner}` as `type: String`"),
                ));
            }
        }
    }
}

const PARAM_KEYS: &[&str] = &[
    "type",
    "description",
    "default",
    "allowedValues",
    "allowedPattern",
    "displayType",
    "minItems",
    "maxItems",
    "minChars",
    "maxChars",
];

fn parameters(cx: &Cx, out: &mut Vec<Diagnostic>) {
    for (name, p) in &cx.doc.parameters {
        let base = format!("parameters.{name}");
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric()) {
            out.push(diag(
                "E010",
                None,
                base.clone(),
                format!("parameter name `{name}` is not letters and digits only"),
                "rename it in PascalCase without `_`, `-` or spaces",
            ));
        }
        for key in p.extra.keys() {
            out.push(diag(
                "E015",
                None,
                format!("{base}.{key}"),
                format!("parameter `{name}` has unknown attribute `{key}`"),
                format!(
                    "remove it (for a range, use allowedPattern or allowedValues); attributes are {}",
                    PARAM_KEYS.join(", ")
                ),
            ));
        }
        if let Some(pat) = &p.allowed_pattern {
            // Syntax only (cheap: no automaton is built). Java features the regex crate lacks
            // (look-around, backreferences) are not errors of the document.
            if let Some(kind) = pattern_syntax_error(pat) {
                out.push(diag(
                    "E014",
                    None,
                    format!("{base}.allowedPattern"),
                    format!("allowedPattern of `{name}` is not a regular expression: {kind}"),
                    "fix the expression (anchor it with ^...$)",
                ));
            }
        }
        // Compiled only when a default is checked against it (compiling big patterns is slow).
        // ASCII classes first: Java's `\w`, `\d`, `\s` are ASCII, as AWS checks them.
        let pattern = || compiled_pattern(p.allowed_pattern.as_deref()?);
        let Some(default) = &p.default else { continue };
        let field = format!("{base}.default");
        if let Some(inner) =
            default.as_str().and_then(|s| s.trim().strip_prefix("{{")).map(|s| s.trim_end_matches('}').trim())
        {
            if !inner.starts_with("ssm:") {
                out.push(diag(
                    "W005",
                    None,
                    field.clone(),
                    format!("default of `{name}` is `{{{{ {inner} }}}}`, which AWS does not expand (only `{{{{ssm:...}}}}` is read in a default)"),
                    "give a literal default or `{{ssm:/parameter/name}}` (unless a pseudo-parameter such as TARGET_ID is meant)",
                ));
            }
            continue; // {{ssm:...}}: resolved at run time
        }
        if let ParameterType::Data(t) = p.ty {
            if !fits(t, default) {
                out.push(diag(
                    "E011",
                    None,
                    field.clone(),
                    format!("default of `{name}` is {}, not of type {t}", shape(default)),
                    format!("give a default of type {t} ({})", example(t)),
                ));
                continue;
            }
        }
        let values: Vec<&str> = match default {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let placeholder = |v: &str| v.starts_with("%%") && v.ends_with("%%");
        let testable: Vec<&&str> = values.iter().filter(|v| !v.is_empty() && !placeholder(v)).collect();
        if let Some(re) = (!testable.is_empty()).then(pattern).flatten() {
            // An empty optional value is how AWS runbooks say "not given"; patterns often omit it.
            // `%%NAME%%` is a placeholder of a templated document, replaced before deployment.
            for v in testable {
                if !re.is_match(v) {
                    out.push(diag(
                        "E012",
                        None,
                        field.clone(),
                        format!("default `{v}` of `{name}` does not match allowedPattern `{}`", re.as_str()),
                        "change the default or the pattern",
                    ));
                }
            }
        }
        if let Some(allowed) = &p.allowed_values {
            let ok = match default {
                Value::Array(a) if !matches!(p.ty, ParameterType::Data(DataType::MapList)) => {
                    a.iter().all(|v| allowed.contains(v))
                }
                d => allowed.contains(d) || (d.as_str() == Some("") && allowed.is_empty()),
            };
            if !ok {
                out.push(diag(
                    "E013",
                    None,
                    field,
                    format!("default {default} of `{name}` is not one of allowedValues"),
                    "make the default one of allowedValues, or add it to them",
                ));
            }
        }
    }
}

fn variables(cx: &Cx, out: &mut Vec<Diagnostic>) {
    for (name, v) in &cx.doc.variables {
        if let Some(d) = &v.default {
            if !fits(v.ty, d) && !super::is_ref(d) {
                out.push(diag(
                    "E016",
                    None,
                    format!("variables.{name}.default"),
                    format!("default of variable `{name}` is {}, not of type {}", shape(d), v.ty),
                    format!("give a default of type {} ({})", v.ty, example(v.ty)),
                ));
            }
        }
    }
}

/// Whether a literal value has the shape of a data type.
pub(crate) fn fits(t: DataType, v: &Value) -> bool {
    match t {
        DataType::String => v.is_string(),
        DataType::StringList => v.as_array().is_some_and(|a| a.iter().all(|x| !x.is_object() && !x.is_array())),
        DataType::Integer => v.is_i64() || v.is_u64(),
        DataType::Boolean => v.is_boolean(),
        DataType::StringMap => v.is_object(),
        DataType::MapList => v.as_array().is_some_and(|a| a.iter().all(Value::is_object)),
    }
}

/// A word for the shape of a value.
pub(crate) fn shape(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a decimal number",
        Value::Number(_) => "an integer",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a map",
    }
}

fn example(t: DataType) -> &'static str {
    match t {
        DataType::String => "'text'",
        DataType::StringList => "['a', 'b']",
        DataType::Integer => "3",
        DataType::Boolean => "true or false, unquoted",
        DataType::StringMap => "{key: value}",
        DataType::MapList => "[{key: value}]",
    }
}

/// An `allowedPattern` compiled (ASCII classes first, as Java has them; Unicode when the pattern
/// needs it), cached for the process: catalogs and corpora repeat the same few patterns, and
/// building an automaton costs far more than checking a default against it.
fn compiled_pattern(pat: &str) -> Option<regex::Regex> {
    static CACHE: PatternCache<Option<regex::Regex>> = PatternCache::new();
    CACHE.get_or_insert(pat, || {
        let build = |unicode| regex::RegexBuilder::new(pat).unicode(unicode).build().ok();
        build(false).or_else(|| build(true))
    })
}

/// Results per pattern, shared by the threads that validate documents side by side (each
/// distinct pattern is worked out about once per process), at most [`PatternCache::MAX`] kept.
struct PatternCache<T>(std::sync::Mutex<Option<std::collections::HashMap<String, T>>>);

impl<T: Clone> PatternCache<T> {
    const MAX: usize = 1024;

    const fn new() -> Self {
        PatternCache(std::sync::Mutex::new(None))
    }

    /// The cached result for `pat`, else `make()`'s (made without holding the lock).
    fn get_or_insert(&self, pat: &str, make: impl FnOnce() -> T) -> T {
        let lock = || self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(hit) = lock().as_ref().and_then(|m| m.get(pat)) {
            return hit.clone();
        }
        let made = make();
        let mut guard = lock();
        let map = guard.get_or_insert_with(Default::default);
        if map.len() >= Self::MAX {
            map.clear();
        }
        map.insert(pat.to_string(), made.clone());
        made
    }
}

/// The length of the document as compact JSON, counted without building the text.
fn compact_json_len(doc: &crate::model::Document) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    let _ = serde_json::to_writer(&mut count, doc);
    count.0
}

/// Why `pat` is not a regular expression, or `None` (syntax only: no automaton is built; Java
/// features the regex crate lacks, look-around and backreferences, are not errors of the
/// document). Cached for the process, like [`compiled_pattern`].
fn pattern_syntax_error(pat: &str) -> Option<String> {
    static CACHE: PatternCache<Option<String>> = PatternCache::new();
    CACHE.get_or_insert(pat, || {
        use regex_syntax::ast::ErrorKind as K;
        match regex_syntax::ast::parse::Parser::new().parse(pat) {
            Err(e) if !matches!(e.kind(), K::UnsupportedLookAround | K::UnsupportedBackreference) => {
                Some(e.kind().to_string())
            }
            _ => None,
        }
    })
}
