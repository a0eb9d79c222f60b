//! `aws:branch` choices and `aws:loop` conditions: every operator, and `And`/`Or`/`Not`.

use super::substitution::Scope;
use crate::model::actions::{Condition, OperandKind, Operator};
use crate::model::Value;

/// Whether `c` holds, with its references resolved now.
pub(crate) fn holds(c: &Condition, scope: &Scope) -> Result<bool, String> {
    match c {
        Condition::And(cs) => {
            for c in cs {
                if !holds(c, scope)? {
                    return Ok(false);
                }
            }
            Ok(true)
        }
        Condition::Or(cs) => {
            for c in cs {
                if holds(c, scope)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        Condition::Not(c) => Ok(!holds(c, scope)?),
        Condition::Invalid(m) => Err(format!(
            "condition {} is not one AWS accepts: give `Variable` and one operator, or `And`/`Or`/`Not`",
            Value::Object(m.clone())
        )),
        Condition::Compare { variable, op, value } => {
            let left = scope.resolve(variable)?;
            let right = scope.resolve(value)?;
            compare(&left, *op, &right)
        }
    }
}

/// Applies one operator.
pub(crate) fn compare(left: &Value, op: Operator, right: &Value) -> Result<bool, String> {
    let mismatch = |v: &Value, what: &str| format!("{} needs {what} operands, got {v}", op.name());
    match op.operand() {
        OperandKind::String => {
            let l = as_text(left).ok_or_else(|| mismatch(left, "string"))?;
            let r = as_text(right).ok_or_else(|| mismatch(right, "string"))?;
            Ok(match op {
                Operator::StringEquals => l == r,
                Operator::EqualsIgnoreCase => l.to_lowercase() == r.to_lowercase(),
                Operator::StartsWith => l.starts_with(&r),
                Operator::EndsWith => l.ends_with(&r),
                _ => l.contains(&r),
            })
        }
        OperandKind::Numeric => {
            let l = as_number(left).ok_or_else(|| mismatch(left, "numeric"))?;
            let r = as_number(right).ok_or_else(|| mismatch(right, "numeric"))?;
            Ok(match op {
                Operator::NumericEquals => l == r,
                Operator::NumericGreater => l > r,
                Operator::NumericGreaterOrEquals => l >= r,
                Operator::NumericLesser => l < r,
                _ => l <= r,
            })
        }
        OperandKind::Boolean => {
            let l = as_bool(left).ok_or_else(|| mismatch(left, "boolean"))?;
            let r = as_bool(right).ok_or_else(|| mismatch(right, "boolean"))?;
            Ok(l == r)
        }
    }
}

/// A scalar's text (`3` → `"3"`).
pub(crate) fn as_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn as_number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn as_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_operator() {
        let cases = [
            (json!("abc"), Operator::StringEquals, json!("abc"), true),
            (json!("abc"), Operator::StringEquals, json!("ABC"), false),
            (json!("abc"), Operator::EqualsIgnoreCase, json!("ABC"), true),
            (json!("abc"), Operator::StartsWith, json!("ab"), true),
            (json!("abc"), Operator::EndsWith, json!("bc"), true),
            (json!("abc"), Operator::EndsWith, json!("ab"), false),
            (json!("abc"), Operator::Contains, json!("b"), true),
            (json!(3), Operator::NumericEquals, json!(3), true),
            (json!("3"), Operator::NumericEquals, json!(3.0), true),
            (json!(4), Operator::NumericGreater, json!(3), true),
            (json!(3), Operator::NumericGreater, json!(3), false),
            (json!(3), Operator::NumericGreaterOrEquals, json!(3), true),
            (json!(2), Operator::NumericLesser, json!(3), true),
            (json!(3), Operator::NumericLesserOrEquals, json!(3), true),
            (json!(4), Operator::NumericLesserOrEquals, json!(3), false),
            (json!(true), Operator::BooleanEquals, json!(true), true),
            (json!("False"), Operator::BooleanEquals, json!(false), true),
            (json!(true), Operator::BooleanEquals, json!(false), false),
        ];
        for (l, op, r, want) in cases {
            assert_eq!(compare(&l, op, &r), Ok(want), "{l} {} {r}", op.name());
        }
        assert!(compare(&json!("x"), Operator::NumericGreater, &json!(1)).unwrap_err().contains("numeric"));
        assert!(compare(&json!([1]), Operator::StringEquals, &json!("1")).is_err());
    }
}
