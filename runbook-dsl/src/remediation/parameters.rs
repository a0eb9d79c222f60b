//! Template parameters made from runbook parameters: a runbook parameter that the binding leaves
//! to the deployer (required and unbound, or exposed with [`super::Binding::expose`]) becomes a
//! CloudFormation parameter that keeps what the runbook checks.
//!
//! | runbook (`parameters:`) | CloudFormation (`Parameters:`) |
//! |---|---|
//! | `String`, `StringList` | `String`, `CommaDelimitedList` (others: `String`, the value as text) |
//! | `default` (exposed optional parameters) | `Default` (a list joined with `,`) |
//! | `allowedPattern` | `AllowedPattern` (for a list, each value must match it, as in SSM) |
//! | `allowedValues` | `AllowedValues` |
//! | `minChars` / `maxChars` (`String`) | `MinLength` / `MaxLength` |
//!
//! Both SSM and CloudFormation match the whole value and CloudFormation's regular expressions
//! are Java's (AWS CloudFormation User Guide, "Using regular expressions in CloudFormation
//! templates"); [`cfn_pattern`] rewrites the Python-style forms Java spells differently and
//! drops a pattern it cannot carry over rather than emit one that means something else.
//!
//! ```
//! use runbook_dsl::remediation::parameters::cfn_pattern;
//! assert_eq!(cfn_pattern(r"^(?P<id>i-[0-9a-f]+)$").as_deref(), Some(r"^(?<id>i-[0-9a-f]+)$"));
//! assert_eq!(cfn_pattern(r"^[a-z]+\Z"), None);
//! ```

use crate::model::{DataType, Parameter, Value};
use serde_json::json;

/// A runbook `allowedPattern` as a CloudFormation `AllowedPattern` (Java regex), or `None` when
/// the pattern uses a form whose meaning differs in Java and cannot be rewritten: Python's `\Z`
/// (end of input; Java's `\Z` also admits a final line break), `(?P=name)` is rewritten to
/// `\k<name>` and `(?P<name>` to `(?<name>`. Named groups must be letters and digits in Java.
pub fn cfn_pattern(pattern: &str) -> Option<String> {
    if pattern.contains(r"\Z") {
        return None;
    }
    let mut out = String::with_capacity(pattern.len());
    let mut rest = pattern;
    while let Some(i) = rest.find("(?P") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 3..];
        if let Some(named) = after.strip_prefix('<') {
            let end = named.find('>')?;
            if !named[..end].chars().all(|c| c.is_ascii_alphanumeric()) {
                return None;
            }
            out.push_str("(?<");
            rest = named;
        } else if let Some(back) = after.strip_prefix('=') {
            let end = back.find(')')?;
            out.push_str(&format!(r"\k<{}>", &back[..end]));
            rest = &back[end + 1..];
        } else {
            return None;
        }
    }
    out.push_str(rest);
    Some(out)
}

/// Text of a parameter value as CloudFormation takes it (lists joined with `,`).
fn as_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(as_text).collect::<Vec<_>>().join(","),
        other => other.to_string(),
    }
}

/// Whether a runbook parameter is a list in the template (`CommaDelimitedList`).
pub fn is_list(p: &Parameter) -> bool {
    p.ty.data_type() == DataType::StringList
}

/// The CloudFormation parameter for a runbook parameter, with the given description.
///
/// ```
/// use runbook_dsl::model::{DataType, Parameter, ParameterType};
/// use runbook_dsl::remediation::parameters::template_parameter;
///
/// let mut p = Parameter::new(ParameterType::Data(DataType::StringList));
/// p.allowed_pattern = Some(r"^\d{1,5}$".into());
/// p.default = Some(serde_json::json!(["22", "3389"]));
/// let t = template_parameter(&p, "Ports.");
/// assert_eq!(t["Type"], "CommaDelimitedList");
/// assert_eq!(t["AllowedPattern"], r"^\d{1,5}$");
/// assert_eq!(t["Default"], "22,3389");
/// ```
pub fn template_parameter(p: &Parameter, description: &str) -> Value {
    let list = is_list(p);
    let mut t = json!({"Type": if list { "CommaDelimitedList" } else { "String" }});
    if let Some(d) = &p.default {
        t["Default"] = Value::String(as_text(d));
    }
    if let Some(pattern) = p.allowed_pattern.as_deref().and_then(cfn_pattern) {
        t["AllowedPattern"] = Value::String(pattern);
    }
    if let Some(values) = &p.allowed_values {
        t["AllowedValues"] = Value::Array(values.iter().map(|v| Value::String(as_text(v))).collect());
    }
    if !list {
        if let Some(n) = p.min_chars {
            t["MinLength"] = json!(n);
        }
        if let Some(n) = p.max_chars {
            t["MaxLength"] = json!(n);
        }
    }
    t["Description"] = Value::String(description.to_string());
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ParameterType;

    #[test]
    fn python_forms_are_rewritten_and_unrewritable_ones_dropped() {
        assert_eq!(
            cfn_pattern(r"^arn:aws[a-z0-9-]*:iam::\d{12}:(role|user)/[\w+=,.@/-]+$").as_deref(),
            Some(r"^arn:aws[a-z0-9-]*:iam::\d{12}:(role|user)/[\w+=,.@/-]+$")
        );
        assert_eq!(cfn_pattern(r"^(?P<a>x)(?P=a)$").as_deref(), Some(r"^(?<a>x)\k<a>$"));
        assert_eq!(cfn_pattern(r"^(?P<my_id>x)$"), None, "Java group names are letters and digits");
        assert_eq!(cfn_pattern(r"^x\Z"), None);
        assert_eq!(cfn_pattern(r"^(?Px)$"), None);
    }

    #[test]
    fn checks_of_the_runbook_parameter_are_kept() {
        let mut p = Parameter::new(ParameterType::Data(DataType::String));
        p.allowed_pattern = Some(r"^vol-[0-9a-f]{8,17}$".into());
        p.min_chars = Some(12);
        p.max_chars = Some(21);
        p.allowed_values = Some(vec![json!("vol-0123456789abcdef0")]);
        let t = template_parameter(&p, "The volume.");
        assert_eq!(
            t,
            json!({
                "Type": "String",
                "AllowedPattern": r"^vol-[0-9a-f]{8,17}$",
                "AllowedValues": ["vol-0123456789abcdef0"],
                "MinLength": 12,
                "MaxLength": 21,
                "Description": "The volume.",
            })
        );
        assert!(t.get("Default").is_none(), "a required parameter stays required");
    }
}
