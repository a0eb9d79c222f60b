//! `{{ }}` substitution: parameters, runbook variables, step outputs and the built-ins (with
//! fixed test values), as whole values or embedded in text.

use super::clock::Clock;
use crate::model::{Map, Value};
use std::collections::HashMap;

/// `{{ global:ACCOUNT_ID }}` in every simulation.
pub const ACCOUNT_ID: &str = "123456789012";
/// `{{ global:REGION }}` in every simulation.
pub const REGION: &str = "us-east-1";
/// `{{ global:AWS_PARTITION }}` in every simulation.
pub const PARTITION: &str = "aws";
/// `{{ automation:EXECUTION_ID }}` of the top-level automation (children count up from it).
pub const EXECUTION_ID: &str = "00000000-0000-4000-8000-000000000001";

/// Everything a reference can name, at the moment a step starts.
pub(crate) struct Scope<'a> {
    pub params: &'a Map,
    pub variables: &'a Map,
    pub outputs: &'a HashMap<String, Map>,
    pub clock: Clock,
    pub execution_id: &'a str,
    /// `{{ global:REGION }}` ([`REGION`] unless the simulation names another).
    pub region: &'a str,
}

/// The reference when `s` is exactly one `{{ expr }}` (surrounding spaces allowed).
fn whole_ref(s: &str) -> Option<&str> {
    let t = s.trim();
    let inner = t.strip_prefix("{{")?.strip_suffix("}}")?;
    (!inner.contains("{{") && !inner.contains("}}")).then(|| inner.trim())
}

impl Scope<'_> {
    /// Resolves every reference inside `v`.
    ///
    /// A string that is exactly one reference takes the referenced value with its type; a list
    /// whose single element is a reference to a list becomes that list; references embedded in
    /// text are replaced by the value's text.
    pub(crate) fn resolve(&self, v: &Value) -> Result<Value, String> {
        match v {
            Value::String(s) => self.resolve_str(s),
            Value::Array(a) => {
                if let [Value::String(s)] = a.as_slice() {
                    if let Some(expr) = whole_ref(s) {
                        let inner = self.lookup(expr)?;
                        return Ok(if inner.is_array() { inner } else { Value::Array(vec![inner]) });
                    }
                }
                a.iter().map(|x| self.resolve(x)).collect::<Result<Vec<_>, _>>().map(Value::Array)
            }
            Value::Object(m) => self.resolve_map(m).map(Value::Object),
            other => Ok(other.clone()),
        }
    }

    /// Resolves every reference in the values of a map.
    pub(crate) fn resolve_map(&self, m: &Map) -> Result<Map, String> {
        let mut out = Map::with_capacity(m.len());
        for (k, x) in m {
            out.insert(k.clone(), self.resolve(x)?);
        }
        Ok(out)
    }

    fn resolve_str(&self, s: &str) -> Result<Value, String> {
        if !s.contains("{{") {
            return Ok(Value::String(s.to_string()));
        }
        if let Some(expr) = whole_ref(s) {
            return self.lookup(expr);
        }
        let mut out = String::with_capacity(s.len());
        let mut rest = s;
        while let Some(start) = rest.find("{{") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after.find("}}").ok_or_else(|| format!("`{s}` has `{{{{` without a closing `}}}}`"))?;
            match self.lookup(after[..end].trim())? {
                Value::String(x) => out.push_str(&x),
                other => out.push_str(&other.to_string()),
            }
            rest = &after[end + 2..];
        }
        out.push_str(rest);
        Ok(Value::String(out))
    }

    /// The value a reference names.
    pub(crate) fn lookup(&self, expr: &str) -> Result<Value, String> {
        let text = |s: &str| Ok(Value::String(s.to_string()));
        match expr {
            "global:ACCOUNT_ID" => return text(ACCOUNT_ID),
            "global:REGION" => return text(self.region),
            "global:AWS_PARTITION" => return text(PARTITION),
            "global:DATE" => return Ok(Value::String(self.clock.date())),
            "global:DATE_TIME" => return Ok(Value::String(self.clock.date_time())),
            "automation:EXECUTION_ID" => return text(self.execution_id),
            _ => {}
        }
        if let Some(name) = expr.strip_prefix("variable:") {
            return self.variables.get(name).cloned().ok_or_else(|| {
                format!("`{{{{ {expr} }}}}` names no runbook variable; declare `{name}` under `variables`")
            });
        }
        if expr.starts_with("ssm:") {
            return Err(format!(
                "`{{{{ {expr} }}}}`: Parameter Store references are only allowed as parameter defaults"
            ));
        }
        if let Some((step, out)) = expr.split_once('.') {
            return match self.outputs.get(step).and_then(|o| o.get(out)) {
                Some(v) => Ok(v.clone()),
                None => Err(format!(
                    "`{{{{ {expr} }}}}` has no value: step {step} has not produced output {out} (it did not run, \
                     failed, or its selector matched nothing in the response)"
                )),
            };
        }
        self.params
            .get(expr)
            .cloned()
            .ok_or_else(|| format!("`{{{{ {expr} }}}}` names no parameter, variable, step output or built-in"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn with_scope(f: impl FnOnce(&Scope)) {
        let params = json!({"Bucket": "b", "Ids": ["i-1", "i-2"], "Count": 3}).as_object().cloned().unwrap();
        let variables = json!({"Flag": true}).as_object().cloned().unwrap();
        let mut outputs = HashMap::new();
        outputs.insert("Get".to_string(), json!({"State": "running"}).as_object().cloned().unwrap());
        let scope = Scope {
            params: &params,
            variables: &variables,
            outputs: &outputs,
            clock: Clock::default(),
            execution_id: "x-1",
            region: REGION,
        };
        f(&scope);
    }

    #[test]
    fn whole_values_keep_their_type_and_lists_expand() {
        with_scope(|s| {
            assert_eq!(s.resolve(&json!("{{Count}}")).unwrap(), json!(3));
            assert_eq!(s.resolve(&json!(" {{ Ids }} ")).unwrap(), json!(["i-1", "i-2"]));
            assert_eq!(s.resolve(&json!(["{{ Ids }}"])).unwrap(), json!(["i-1", "i-2"]));
            assert_eq!(s.resolve(&json!(["{{ Bucket }}"])).unwrap(), json!(["b"]));
            assert_eq!(s.resolve(&json!({"A": ["{{ Get.State }}", "x"]})).unwrap(), json!({"A": ["running", "x"]}));
            assert_eq!(s.resolve(&json!("{{ variable:Flag }}")).unwrap(), json!(true));
        });
    }

    #[test]
    fn embedded_references_and_builtins() {
        with_scope(|s| {
            let v = s.resolve(&json!("{{ global:ACCOUNT_ID }}/{{Bucket}}-{{ Count }}-{{ automation:EXECUTION_ID }}"));
            assert_eq!(v.unwrap(), json!("123456789012/b-3-x-1"));
            let v = s.resolve(&json!(
                "{{ global:REGION }} {{ global:AWS_PARTITION }} {{ global:DATE }} {{ global:DATE_TIME }}"
            ));
            assert_eq!(v.unwrap(), json!("us-east-1 aws 2024-01-01 2024-01-01_00.00.00"));
        });
    }

    #[test]
    fn unknown_references_say_what_is_missing() {
        with_scope(|s| {
            assert!(s.resolve(&json!("{{ Nope }}")).unwrap_err().contains("names no parameter"));
            assert!(s
                .resolve(&json!("{{ Get.Other }}"))
                .unwrap_err()
                .contains("step Get has not produced output Other"));
            assert!(s.resolve(&json!("{{ variable:X }}")).unwrap_err().contains("declare `X`"));
            assert!(s.resolve(&json!("{{ ssm:/a }}")).unwrap_err().contains("Parameter Store"));
            assert!(s.resolve(&json!("a {{ Bucket")).unwrap_err().contains("without a closing"));
        });
    }
}
