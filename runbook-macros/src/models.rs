//! `api!` checked against AWS's API models at compile time: the same snapshot and decoder as
//! `runbook_dsl::aws_api` (its `decode.rs`, included by path), so the macro and the validator
//! cannot disagree. Unknown services, operations and members, missing required members and
//! literals of the wrong kind are errors at the user's token, with did-you-mean.

#[allow(dead_code)]
#[path = "../../runbook-dsl/src/aws_api/decode.rs"]
mod decode;

use crate::call::{ApiCall, Data, Key};
use crate::common::Errors;
use decode::{Prim, Service, Shape, Target};
use proc_macro2::Span;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use syn::Lit;

fn index() -> Option<&'static decode::Index> {
    static INDEX: OnceLock<Option<decode::Index>> = OnceLock::new();
    INDEX.get_or_init(|| decode::parse_index(decode::DATA).ok()).as_ref()
}

/// The model of the service with client name `name` (decoded once per compiler process).
fn service(name: &str) -> Option<&'static Service> {
    static CACHE: OnceLock<Mutex<HashMap<String, &'static Service>>> = OnceLock::new();
    let idx = index()?;
    let e = &idx.entries[idx.find(name)?];
    let mut cache = CACHE.get_or_init(Default::default).lock().ok()?;
    if let Some(s) = cache.get(&e.name) {
        return Some(s);
    }
    let s: &'static Service = Box::leak(Box::new(decode::parse_service(decode::block(decode::DATA, idx, e)).ok()?));
    cache.insert(e.name.clone(), s);
    Some(s)
}

/// Checks the call's service, operation and inputs against the models.
pub fn check(call: &ApiCall, errors: &mut Errors) {
    let Some(idx) = index() else { return };
    let version = &idx.version;
    let name = call.service.to_string();
    let Some(svc) = service(&name) else {
        let near = idx.suggest(&name);
        errors.spanned(
            &call.service,
            format!(
                "`{name}` is not an AWS SDK for Python service namespace (AWS API models: {version}){}",
                mean(near)
            ),
        );
        return;
    };
    let api = call.operation.to_string();
    let Some(op) = svc.operation(&api) else {
        let case = svc.operations().find(|o| o.name.eq_ignore_ascii_case(&api)).map(|o| o.name.as_str());
        let near = case.or_else(|| decode::did_you_mean(&api, svc.operations().map(|o| o.name.as_str())));
        errors.spanned(
            &call.operation,
            format!("`{api}` is not an operation of `{name}` (AWS API models: {version}){}", mean(near)),
        );
        return;
    };
    let what = format!("{name}.{api}");
    match &op.input {
        Some(input) => members(svc, &call.inputs, input, call.operation.span(), &what, errors),
        None => {
            for (k, _) in &call.inputs {
                errors.at(k.span, format!("`{}` is not a parameter of {what}: it takes none", k.name));
            }
        }
    }
}

fn mean(near: Option<&str>) -> String {
    near.map(|n| format!("; did you mean `{n}`?")).unwrap_or_default()
}

/// The entries of a structure `shape`; missing required members are reported at `at`.
fn members(svc: &Service, entries: &[(Key, Data)], shape: &str, at: Span, what: &str, errors: &mut Errors) {
    let Some(Shape::Structure(ms)) = svc.shape(shape) else { return };
    for (k, v) in entries {
        match ms.iter().find(|m| m.name == k.name) {
            Some(m) => value(svc, v, &m.target, errors),
            None => {
                let near = decode::did_you_mean(&k.name, ms.iter().map(|m| m.name.as_str()));
                errors.at(k.span, format!("`{}` is not a member of {what}{}", k.name, mean(near)));
            }
        }
    }
    let missing: Vec<&str> = ms
        .iter()
        .filter(|m| m.required && !entries.iter().any(|(k, _)| k.name == m.name))
        .map(|m| m.name.as_str())
        .collect();
    if !missing.is_empty() {
        errors.at(
            at,
            format!("{what} requires {}", missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ")),
        );
    }
}

fn word(svc: &Service, t: &Target) -> String {
    match t {
        Target::Prim(p) => p.word().to_string(),
        Target::Shape(n) => match svc.shape(n) {
            Some(Shape::Structure(_)) => format!("a structure ({n}): `{{ Member: value }}`"),
            Some(Shape::List(_)) => format!("a list ({n}): `[...]`"),
            Some(Shape::Map(..)) => format!("a map ({n}): `{{ key: value }}`"),
            Some(Shape::Enum(vs)) => {
                format!("one of {}", vs.iter().take(8).map(|v| format!("\"{v}\"")).collect::<Vec<_>>().join(", "))
            }
            None => n.clone(),
        },
    }
}

/// Checks a literal (or nested literal) against what the model takes; expressions are left to
/// `Runbook::build`, which knows their types.
fn value(svc: &Service, d: &Data, t: &Target, errors: &mut Errors) {
    let shape = match t {
        Target::Prim(Prim::Document) => return,
        Target::Shape(n) => svc.shape(n),
        Target::Prim(_) => None,
    };
    let wrong = |errors: &mut Errors, span: Span, got: &str| {
        errors.at(span, format!("{got} where the API takes {}", word(svc, t)));
    };
    match d {
        Data::Expr(_) => {}
        Data::Null => {}
        Data::Lit(l) => {
            let ok = match (l, t, shape) {
                (Lit::Str(s), _, _) if s.value().contains("{{") => true,
                (Lit::Str(s), _, Some(Shape::Enum(vs))) => {
                    if !vs.iter().any(|v| *v == s.value()) {
                        let near = decode::did_you_mean(&s.value(), vs.iter().map(String::as_str));
                        errors.spanned(
                            s,
                            format!("\"{}\" is not a value the API allows: {}{}", s.value(), word(svc, t), mean(near)),
                        );
                    }
                    true
                }
                (Lit::Str(_), Target::Prim(Prim::String | Prim::Blob | Prim::Timestamp), _) => true,
                (Lit::Int(_), Target::Prim(Prim::Integer | Prim::Float | Prim::Timestamp), _) => true,
                (Lit::Float(_), Target::Prim(Prim::Float), _) => true,
                (Lit::Bool(_), Target::Prim(Prim::Boolean), _) => true,
                _ => false,
            };
            if !ok {
                let got = match l {
                    Lit::Str(_) => "a string",
                    Lit::Int(_) => "an integer",
                    Lit::Float(_) => "a number with a fraction",
                    Lit::Bool(_) => "a boolean",
                    _ => "a literal",
                };
                wrong(errors, l.span(), got);
            }
        }
        Data::Object(entries) => match shape {
            Some(Shape::Structure(_)) => {
                let Target::Shape(n) = t else { return };
                let at = entries.first().map(|(k, _)| k.span).unwrap_or_else(Span::call_site);
                members(svc, entries, n, at, n, errors)
            }
            Some(Shape::Map(_, v)) => entries.iter().for_each(|(_, x)| value(svc, x, v, errors)),
            _ => wrong(errors, entries.first().map(|(k, _)| k.span).unwrap_or_else(Span::call_site), "a map"),
        },
        Data::Array(items) => match shape {
            Some(Shape::List(item)) => items.iter().for_each(|x| value(svc, x, item, errors)),
            _ => {
                if let Some(first) = items.first() {
                    let span = match first {
                        Data::Lit(l) => l.span(),
                        Data::Expr(e) => syn::spanned::Spanned::span(e),
                        _ => Span::call_site(),
                    };
                    wrong(errors, span, "a list");
                }
            }
        },
    }
}
