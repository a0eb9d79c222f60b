//! API calls checked against AWS's models ([`crate::aws_api`]): the service and operation of
//! `aws:executeAwsApi`, `aws:assertAwsResourceProperty` and `aws:waitForAwsResourceProperty`,
//! every API parameter (names, required members, literal kinds at any depth, enum values, `{{ }}`
//! values as far as their declared type tells), output selectors and their declared `Type`, and
//! `PropertySelector`/`DesiredValues`.

use super::{diag, Cx, Diagnostic, StepAt};
use crate::aws_api::{self, OperationLookup, Prim, Service, ServiceLookup, Shape, Target};
use crate::model::{ActionKind, DataType, Value};
use std::sync::atomic::{AtomicBool, Ordering};

/// The actions whose inputs name a service and an API operation.
pub const API_ACTIONS: &[ActionKind] =
    &[ActionKind::ExecuteAwsApi, ActionKind::AssertAwsResourceProperty, ActionKind::WaitForAwsResourceProperty];

/// Whether [`check`] runs (see [`set_enabled`]).
static ENABLED: AtomicBool = AtomicBool::new(true);

/// Turns the API-model checks off (or on again) for the whole process. Only for measuring what
/// they cost (the emit benchmark runs its workload with and without them); a validator without
/// them misses real mistakes.
#[doc(hidden)]
pub fn set_enabled(on: bool) {
    ENABLED.store(on, Ordering::Relaxed);
}

pub(super) fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    if !ENABLED.load(Ordering::Relaxed) {
        return;
    }
    for at in &cx.steps {
        if let Some(kind) = at.step.action.kind().filter(|k| API_ACTIONS.contains(k)) {
            call(cx, at, kind, out);
        }
    }
}

/// A literal input (not a `{{ }}` reference) as text.
fn literal(v: Option<&Value>) -> Option<&str> {
    v.and_then(Value::as_str).filter(|s| !s.contains("{{"))
}

fn call(cx: &Cx, at: &StepAt, kind: ActionKind, out: &mut Vec<Diagnostic>) {
    let step = Some(at.step.name.as_str());
    let p = &at.path;
    let (Some(service), Some(api)) = (literal(at.inputs.get("Service")), literal(at.inputs.get("Api"))) else {
        return;
    };
    let version = aws_api::version();
    let svc = match aws_api::service(service) {
        ServiceLookup::Found(s) => s,
        ServiceLookup::OtherCase(name, s) => {
            out.push(diag(
                "W070",
                step,
                format!("{p}.inputs.Service"),
                format!("`{service}` is not how boto3 names the service; its client name is `{name}`"),
                format!("write `Service: {name}` (AWS's action reference names the lowercase SDK namespace)"),
            ));
            s
        }
        ServiceLookup::Unknown(near) => {
            out.push(diag(
                "E070",
                step,
                format!("{p}.inputs.Service"),
                format!("`{service}` is not an AWS SDK for Python service namespace (AWS API models: {version})"),
                match near {
                    Some(n) => format!("did you mean `{n}`?"),
                    None => "use the client name of the AWS SDK for Python (boto3), e.g. `ec2`, `s3`, `ssm`".into(),
                },
            ));
            return;
        }
    };
    let op = match aws_api::operation(svc, api) {
        OperationLookup::Found(op) => op,
        OperationLookup::Unknown { case, near } => {
            let hint = match (case, near) {
                (Some(c), _) => format!("names are case-sensitive: write `{c}`"),
                (None, Some(n)) => format!("did you mean `{n}`?"),
                (None, None) => match svc.operations().next() {
                    Some(o) => format!(
                        "use the operation's name (PascalCase, e.g. `{}`) or boto3's method name (`{}`)",
                        o.name, o.method
                    ),
                    None => "use the operation's name (PascalCase) or boto3's method name".to_string(),
                },
            };
            out.push(diag(
                "E071",
                step,
                format!("{p}.inputs.Api"),
                format!("`{api}` is not an operation of `{service}` (AWS API models: {version})"),
                hint,
            ));
            return;
        }
    };
    let mut ck = Checker { cx, svc, step, out };
    let own = kind.known_inputs();
    let input = Target::Shape(op.input.clone().unwrap_or_default());
    let params: Vec<(&String, &Value)> = at.inputs.iter().filter(|(k, _)| !own.contains(&k.as_str())).collect();
    match &op.input {
        Some(_) => {
            let what = Call(service, &op.name);
            ck.members(&params, &input, &Field::Key(&Field::At(p), "inputs"), &what)
        }
        None => {
            for (k, _) in params {
                ck.push(
                    "E072",
                    format!("{p}.inputs.{k}"),
                    format!("`{k}` is not a parameter of {service}.{}: it takes none", op.name),
                    "remove it".into(),
                );
            }
        }
    }
    let output = op.output.clone().map(Target::Shape);
    let outputs = Field::Key(&Field::At(p), "outputs");
    let inputs = Field::Key(&Field::At(p), "inputs");
    for (j, o) in at.step.outputs.iter().enumerate() {
        let item = Field::Item(&outputs, j);
        let Some(sel) = ck.select("W071", output.as_ref(), &o.selector, &Field::Key(&item, "Selector")) else {
            continue;
        };
        if let Err(why) = holds(svc, o.ty, &sel) {
            ck.push(
                "E077",
                format!("{p}.outputs[{j}].Type"),
                format!("output `{}` is declared {}, but `{}` selects {why}", o.name, o.ty, o.selector),
                format!("declare the type that holds it ({})", suggest(svc, &sel)),
            );
        }
    }
    if kind != ActionKind::ExecuteAwsApi {
        let Some(selector) = literal(at.inputs.get("PropertySelector")) else { return };
        let Some(sel) = ck.select("E076", output.as_ref(), selector, &Field::Key(&inputs, "PropertySelector")) else {
            return;
        };
        if let Some(Value::Array(desired)) = at.inputs.get("DesiredValues") {
            ck.desired(&sel, desired, &Field::Key(&inputs, "DesiredValues"), selector);
        }
    }
}

/// What a selector selects: the target, and whether a `[*]` made it a list of them.
struct Selected {
    target: Target,
    many: bool,
}

struct Checker<'c, 'a> {
    cx: &'c Cx<'a>,
    svc: &'static Service,
    step: Option<&'c str>,
    out: &'c mut Vec<Diagnostic>,
}

/// The kind of a JSON value, in words.
fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a map",
    }
}

/// What a target is, in words.
fn word(svc: &Service, t: &Target) -> String {
    match t {
        Target::Prim(p) => p.word().into(),
        Target::Shape(n) => match svc.shape(n) {
            Some(Shape::Structure(_)) => format!("a structure ({n})"),
            Some(Shape::List(_)) => format!("a list ({n})"),
            Some(Shape::Map(..)) => format!("a map ({n})"),
            Some(Shape::Enum(_)) => format!("a string ({n})"),
            None => format!("`{n}`"),
        },
    }
}

/// `service.Operation`, written out only in a finding.
struct Call<'a>(&'a str, &'a str);

impl std::fmt::Display for Call<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.0, self.1)
    }
}

/// Where a value sits (`mainSteps[2].inputs.Filters[0].Name`); written out only when a finding
/// names it, so a clean document builds no path strings.
enum Field<'a> {
    /// A path written out already.
    At(&'a str),
    /// A member or map key of a value.
    Key(&'a Field<'a>, &'a str),
    /// An item of a list.
    Item(&'a Field<'a>, usize),
}

impl std::fmt::Display for Field<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Field::At(s) => f.write_str(s),
            Field::Key(base, k) => write!(f, "{base}.{k}"),
            Field::Item(base, i) => write!(f, "{base}[{i}]"),
        }
    }
}

impl Checker<'_, '_> {
    fn push(&mut self, code: &'static str, field: String, message: String, hint: String) {
        self.out.push(diag(code, self.step, field, message, hint));
    }

    /// The declared type of a value that is one whole `{{ }}` reference; None when it is not
    /// one, or its type is unknown.
    fn declared(&self, v: &Value) -> Option<(String, DataType)> {
        let s = v.as_str()?;
        let (len, expr) = super::refs::references(s).next()?;
        if len != s.trim().len() {
            return None;
        }
        let doc = self.cx.doc;
        let ty = if let Some(var) = expr.strip_prefix("variable:") {
            doc.variables.get(var).map(|d| d.ty)
        } else if expr.starts_with("global:") || expr.starts_with("automation:") {
            Some(DataType::String)
        } else if let Some((step, output)) = expr.split_once('.') {
            self.cx.find_any(step).and_then(|i| self.cx.steps[i].step.output_type(output))
        } else {
            doc.parameters.get(expr).map(|p| super::refs::param_type(&p.ty))
        };
        Some((expr.to_string(), ty?))
    }

    /// The members of a request structure given as `params` (at `base`, for `what`).
    fn members(&mut self, params: &[(&String, &Value)], t: &Target, base: &Field, what: &dyn std::fmt::Display) {
        let Target::Shape(name) = t else { return };
        let Some(Shape::Structure(ms)) = self.svc.shape(name) else { return };
        for (k, v) in params {
            let field = Field::Key(base, k);
            match ms.iter().find(|m| &m.name == *k) {
                Some(m) => self.value(v, &m.target, &field),
                None => {
                    let near = aws_api::did_you_mean(k, ms.iter().map(|m| m.name.as_str()));
                    let hint = match near {
                        Some(n) => format!("did you mean `{n}`?"),
                        None if ms.is_empty() => "remove it: it takes no members".into(),
                        None => format!(
                            "{} takes {}",
                            what,
                            ms.iter().map(|m| m.name.as_str()).take(12).collect::<Vec<_>>().join(", ")
                        ),
                    };
                    self.push(
                        "E072",
                        field.to_string(),
                        format!("`{k}` is not a member of {what} (AWS API models: {})", aws_api::version()),
                        hint,
                    );
                }
            }
        }
        for m in ms.iter().filter(|m| m.required && !params.iter().any(|(k, _)| **k == m.name)) {
            self.push(
                "E073",
                base.to_string(),
                format!("{what} requires `{}`, which is not given", m.name),
                format!("add `{}` ({})", m.name, word(self.svc, &m.target)),
            );
        }
    }

    fn wrong(&mut self, field: &Field, v: &Value, t: &Target, got: &str) {
        let want = word(self.svc, t);
        let _ = v;
        self.push("E074", field.to_string(), format!("{got} where the API takes {want}"), format!("give {want}"));
    }

    /// Checks one value against what the model takes.
    fn value(&mut self, v: &Value, t: &Target, field: &Field) {
        if v.as_str().is_some_and(|s| s.contains("{{")) {
            return self.reference(v, t, field);
        }
        let shape = match t {
            Target::Prim(Prim::Document) => return,
            Target::Prim(p) => {
                let ok = match (p, v) {
                    (Prim::String | Prim::Blob, Value::String(_)) => true,
                    (Prim::Timestamp, Value::String(_) | Value::Number(_)) => true,
                    (Prim::Integer, Value::Number(n)) => n.is_i64() || n.is_u64(),
                    (Prim::Float, Value::Number(_)) => true,
                    (Prim::Boolean, Value::Bool(_)) => true,
                    _ => false,
                };
                if !ok {
                    let got = match v {
                        Value::Number(_) if *p == Prim::Integer => "a number with a fraction".to_string(),
                        _ => format!("{} ({})", kind_of(v), short(v)),
                    };
                    self.wrong(field, v, t, &got);
                }
                return;
            }
            Target::Shape(n) => match self.svc.shape(n) {
                Some(s) => s,
                None => return,
            },
        };
        match (shape, v) {
            (Shape::Enum(vals), Value::String(s)) => {
                if !vals.iter().any(|x| x == s) {
                    let near = aws_api::did_you_mean(s, vals.iter().map(String::as_str));
                    self.push(
                        "E075",
                        field.to_string(),
                        format!("`{s}` is not one of the values AWS's model allows: {}", list(vals)),
                        match near {
                            Some(n) => format!("did you mean `{n}`?"),
                            None => format!("use one of {}", list(vals)),
                        },
                    );
                }
            }
            (Shape::Structure(_), Value::Object(m)) => {
                let params: Vec<(&String, &Value)> = m.iter().collect();
                let what = match t {
                    Target::Shape(n) => n.as_str(),
                    _ => "",
                };
                self.members(&params, t, field, &what);
            }
            (Shape::List(item), Value::Array(a)) => {
                for (i, x) in a.iter().enumerate() {
                    // A StringList as one item of a list of strings: AWS's user guide writes
                    // `valueSet: ['{{ Step.InstanceIds }}']` (the items are spliced in).
                    let spliced = matches!(self.declared(x), Some((_, DataType::StringList)));
                    if !spliced || self.is_structured(item) {
                        self.value(x, item, &Field::Item(field, i));
                    }
                }
            }
            (Shape::Map(key, val), Value::Object(m)) => {
                for (k, x) in m {
                    let f = Field::Key(field, k);
                    self.value(&Value::String(k.clone()), key, &f);
                    self.value(x, val, &f);
                }
            }
            _ => self.wrong(field, v, t, &format!("{} ({})", kind_of(v), short(v))),
        }
    }

    /// A value holding a `{{ }}` reference: checked by the reference's declared type.
    fn reference(&mut self, v: &Value, t: &Target, field: &Field) {
        let Some((expr, ty)) = self.declared(v) else { return };
        let shape = match t {
            Target::Shape(n) => self.svc.shape(n),
            Target::Prim(_) => None,
        };
        let scalar = !matches!(ty, DataType::StringList | DataType::MapList | DataType::StringMap);
        let ok = match (t, shape) {
            (Target::Prim(Prim::Document), _) => true,
            (Target::Prim(Prim::Boolean), _) => matches!(ty, DataType::Boolean | DataType::String),
            (Target::Prim(Prim::Integer | Prim::Float), _) => matches!(ty, DataType::Integer | DataType::String),
            (Target::Prim(_), _) | (_, Some(Shape::Enum(_))) => scalar,
            (_, Some(Shape::Structure(_) | Shape::Map(..))) => ty == DataType::StringMap,
            // A String where a list goes: AWS runbooks pass one item so (see validate::refs).
            (_, Some(Shape::List(item))) => match ty {
                DataType::StringList | DataType::String => !self.is_structured(item),
                DataType::MapList => self.is_structured(item),
                _ => false,
            },
            (_, None) => true,
        };
        if !ok {
            let want = word(self.svc, t);
            self.push(
                "E074",
                field.to_string(),
                format!("`{{{{ {expr} }}}}` is of type {ty} where the API takes {want}"),
                format!("pass a value that holds {want}"),
            );
        }
    }

    fn is_structured(&self, t: &Target) -> bool {
        matches!(t, Target::Shape(n) if matches!(self.svc.shape(n), Some(Shape::Structure(_) | Shape::Map(..))))
    }

    /// Resolves `selector` in the response; reports (`code`) a path that cannot resolve. None when
    /// it does not resolve or cannot be followed (deep scans, filters, a document value).
    fn select(
        &mut self,
        code: &'static str,
        output: Option<&Target>,
        selector: &str,
        field: &Field,
    ) -> Option<Selected> {
        let segs = segments(selector)?;
        let mut cur = Selected { target: output?.clone(), many: false };
        for (i, seg) in segs.iter().enumerate() {
            let shape = match &cur.target {
                Target::Prim(Prim::Document) => return None,
                Target::Prim(p) => {
                    let p = p.word();
                    self.push(
                        code,
                        field.to_string(),
                        format!("`{selector}` goes into {p}, which has no {}", seg.what()),
                        format!("end the selector before `{}`", seg.text()),
                    );
                    return None;
                }
                Target::Shape(n) => self.svc.shape(n)?,
            };
            match (seg, shape) {
                (Seg::Key(k), _) if i == 0 && k == "ResponseMetadata" => return None,
                (Seg::Key(k), Shape::Structure(ms)) => match ms.iter().find(|m| &m.name == k) {
                    Some(m) => cur.target = m.target.clone(),
                    None => {
                        let near = aws_api::did_you_mean(k, ms.iter().map(|m| m.name.as_str()));
                        let names = ms.iter().map(|m| m.name.as_str()).take(12).collect::<Vec<_>>().join(", ");
                        self.push(
                            code,
                            field.to_string(),
                            format!(
                                "`{selector}`: the response has no `{k}` there (AWS API models: {}); it has {names}",
                                aws_api::version()
                            ),
                            match near {
                                Some(n) => format!("did you mean `{n}`?"),
                                None => "select a member the response has".into(),
                            },
                        );
                        return None;
                    }
                },
                (Seg::Key(_), Shape::Map(_, v)) => cur.target = v.clone(),
                (Seg::Index | Seg::All, Shape::List(item)) => {
                    cur.many |= matches!(seg, Seg::All);
                    cur.target = item.clone();
                }
                (Seg::All, Shape::Map(_, v)) => {
                    cur.many = true;
                    cur.target = v.clone();
                }
                _ => {
                    let have = word(self.svc, &cur.target);
                    let hint = match shape {
                        Shape::List(_) => format!("index the list first: `[0]{}` (or `[*]`)", seg.text()),
                        _ => format!("remove `{}`", seg.text()),
                    };
                    self.push(
                        code,
                        field.to_string(),
                        format!("`{selector}`: {} is {have}, which has no {}", seg.text(), seg.what()),
                        hint,
                    );
                    return None;
                }
            }
        }
        Some(cur)
    }

    /// `DesiredValues` against what the selector selects: each must be a possible value.
    fn desired(&mut self, sel: &Selected, desired: &[Value], field: &Field, selector: &str) {
        let allowed: Vec<String> = match &sel.target {
            Target::Prim(Prim::Boolean) => vec!["true".into(), "false".into(), "True".into(), "False".into()],
            Target::Shape(n) => match self.svc.shape(n) {
                Some(Shape::Enum(vals)) => vals.clone(),
                _ => return,
            },
            _ => return,
        };
        for (i, v) in desired.iter().enumerate() {
            let Some(s) = v.as_str().filter(|s| !s.contains("{{")) else { continue };
            if !allowed.iter().any(|a| a == s) {
                let near = aws_api::did_you_mean(s, allowed.iter().map(String::as_str));
                self.push(
                    "E078",
                    format!("{field}[{i}]"),
                    format!("`{s}` can never match: `{selector}` is one of {}", list(&allowed)),
                    match near {
                        Some(n) => format!("did you mean `{n}`?"),
                        None => format!("use one of {}", list(&allowed)),
                    },
                );
            }
        }
    }
}

/// The shape class of a selection, for [`holds`].
#[derive(PartialEq)]
enum Class {
    Text,
    Integer,
    Number,
    Boolean,
    Map,
    List(Box<Class>),
    Any,
}

fn class(svc: &Service, t: &Target) -> Class {
    match t {
        Target::Prim(Prim::Integer) => Class::Integer,
        Target::Prim(Prim::Float) => Class::Number,
        Target::Prim(Prim::Boolean) => Class::Boolean,
        Target::Prim(Prim::Document) => Class::Any,
        Target::Prim(_) => Class::Text,
        Target::Shape(n) => match svc.shape(n) {
            Some(Shape::Enum(_)) => Class::Text,
            Some(Shape::Structure(_) | Shape::Map(..)) => Class::Map,
            Some(Shape::List(item)) => Class::List(Box::new(class(svc, item))),
            None => Class::Any,
        },
    }
}

fn selected(svc: &Service, s: &Selected) -> Class {
    let c = class(svc, &s.target);
    if s.many {
        Class::List(Box::new(c))
    } else {
        c
    }
}

/// Whether an output of type `ty` holds what `s` selects; else what it selects, in words.
fn holds(svc: &Service, ty: DataType, s: &Selected) -> Result<(), String> {
    let c = selected(svc, s);
    let scalar = |c: &Class| matches!(c, Class::Text | Class::Integer | Class::Number | Class::Boolean | Class::Any);
    let ok = match ty {
        DataType::String => scalar(&c),
        DataType::Integer => matches!(c, Class::Integer | Class::Number | Class::Any),
        DataType::Boolean => matches!(c, Class::Boolean | Class::Any),
        DataType::StringMap => matches!(c, Class::Map | Class::Any),
        DataType::StringList => match &c {
            Class::List(i) => scalar(i),
            Class::Any => true,
            _ => false,
        },
        DataType::MapList => match &c {
            Class::List(i) => matches!(**i, Class::Map | Class::Any),
            Class::Any => true,
            _ => false,
        },
    };
    if ok {
        Ok(())
    } else {
        let mut w = words(&c);
        if s.many {
            w.push_str(" (one per item of `[*]`)");
        }
        Err(w)
    }
}

fn words(c: &Class) -> String {
    match c {
        Class::Text => "a string".into(),
        Class::Integer => "an integer".into(),
        Class::Number => "a number".into(),
        Class::Boolean => "a boolean".into(),
        Class::Map => "a structure".into(),
        Class::Any => "any value".into(),
        Class::List(i) => format!("a list of {}s", words(i).trim_start_matches("a ").trim_start_matches("an ")),
    }
}

fn suggest(svc: &Service, s: &Selected) -> &'static str {
    match selected(svc, s) {
        Class::Text => "String",
        Class::Integer | Class::Number => "Integer",
        Class::Boolean => "Boolean",
        Class::Map => "StringMap",
        Class::List(i) if matches!(*i, Class::Map) => "MapList, or select one member of each item",
        Class::List(_) => "StringList",
        Class::Any => "String",
    }
}

/// A segment of a selector.
enum Seg {
    Key(String),
    Index,
    All,
}

impl Seg {
    fn text(&self) -> String {
        match self {
            Seg::Key(k) => format!(".{k}"),
            Seg::Index => "[n]".into(),
            Seg::All => "[*]".into(),
        }
    }
    fn what(&self) -> &'static str {
        match self {
            Seg::Key(_) => "members",
            Seg::Index | Seg::All => "items",
        }
    }
}

/// The segments of `$.a.b[0][*]['c']`; None for forms this check does not follow (deep scans,
/// filters, slices, functions) or malformed paths (E032 reports those).
fn segments(path: &str) -> Option<Vec<Seg>> {
    let mut rest = path.trim().strip_prefix('$')?;
    let mut out = Vec::new();
    while !rest.is_empty() {
        if rest.starts_with("..") {
            return None;
        } else if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            let name = &r[..end];
            if name.is_empty() || name.contains(['(', '*', ' ']) {
                return None;
            }
            out.push(Seg::Key(name.into()));
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']')?;
            let inner = r[..end].trim();
            rest = &r[end + 1..];
            if inner == "*" {
                out.push(Seg::All);
            } else if inner.parse::<i64>().is_ok() {
                out.push(Seg::Index);
            } else if let Some(q) = inner
                .strip_prefix('\'')
                .and_then(|s| s.strip_suffix('\''))
                .or_else(|| inner.strip_prefix('"').and_then(|s| s.strip_suffix('"')))
            {
                out.push(Seg::Key(q.into()));
            } else {
                return None;
            }
        } else {
            return None;
        }
    }
    Some(out)
}

fn list(vals: &[String]) -> String {
    const MAX: usize = 12;
    let mut s = vals.iter().take(MAX).map(|v| format!("`{v}`")).collect::<Vec<_>>().join(", ");
    if vals.len() > MAX {
        s.push_str(&format!(", ... ({} in all)", vals.len()));
    }
    s
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 40 {
        format!("{}...", s.chars().take(40).collect::<String>())
    } else {
        s
    }
}

#[cfg(test)]
#[path = "api_tests.rs"]
mod tests;
