//! `{{ }}` references: each resolves to a parameter, a variable, an output of a step that runs
//! before it on every path, a loop value inside its loop, or a documented built-in, with a type
//! that fits where it is used; `{{ssm:...}}` only in parameter defaults.

use super::suggest::did_you_mean;
use super::{diag, Cx, Diagnostic, Edge};
use crate::builder::refs::Builtin;
use crate::model::actions::{Condition, OperandKind, Operator};
use crate::model::{Action, ActionKind, DataType, Map, ParameterType, Value};
use std::collections::HashSet;

/// One `{{ expr }}` found in a step.
struct Found<'v> {
    field: String,
    expr: String,
    /// The whole value is this one reference.
    whole: bool,
    _value: &'v str,
}

/// Each `{{ expr }}` in `text`, as (length of the whole match, expr): the expression is letters,
/// digits and `_:./-`, with white space allowed around it. Leftmost first, not overlapping.
///
/// What the pattern `\{\{\s*([A-Za-z0-9_:./-]+)\s*\}\}` finds, scanned by hand: this runs on
/// every string of every step, scripts included.
pub(super) fn references(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let is_expr = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b':' | b'.' | b'/' | b'-');
    let skip_space = |t: &str, at: usize| at + (t[at..].len() - t[at..].trim_start().len());
    let mut from = 0;
    std::iter::from_fn(move || {
        // A vectorised search for one byte: much faster than a search for the two-byte "{{".
        while let Some(i) = memchr::memchr(b'{', &text.as_bytes()[from..]).map(|i| from + i) {
            from = i + 1;
            if text.as_bytes().get(i + 1) != Some(&b'{') {
                continue;
            }
            let start = skip_space(text, i + 2);
            let end = start + text.as_bytes()[start..].iter().take_while(|b| is_expr(**b)).count();
            let close = skip_space(text, end);
            if end > start && text[close..].starts_with("}}") {
                from = close + 2;
                return Some((close + 2 - i, &text[start..end]));
            }
        }
        None
    })
}

/// Whether any of `steps` reads an output of the step `name` (`{{ name.Output }}` anywhere in
/// its inputs, script included). The builder uses it to keep an undo that reads a change's
/// outputs from running when the change itself failed (and produced none).
pub(crate) fn reads_outputs_of(steps: &[crate::model::Step], name: &str) -> bool {
    let prefix = format!("{name}.");
    steps.iter().any(|s| {
        let text = serde_json::to_string(s).unwrap_or_default();
        references(&text).any(|(_, expr)| expr.starts_with(&prefix))
    })
}

/// Walks `v` with its field path in one growing buffer; a path is copied out only where a
/// reference is found (most values hold none).
fn collect_at<'v>(v: &'v Value, path: &mut String, skip_steps: bool, out: &mut Vec<Found<'v>>) {
    use std::fmt::Write;
    match v {
        Value::String(s) => {
            for (len, expr) in references(s) {
                let whole = len == s.trim().len();
                out.push(Found { field: path.clone(), expr: expr.to_string(), whole, _value: s });
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                let len = path.len();
                let _ = write!(path, "[{i}]");
                collect_at(x, path, false, out);
                path.truncate(len);
            }
        }
        Value::Object(m) => collect_in(m, path, skip_steps, out),
        _ => {}
    }
}

/// [`collect_at`] over the entries of a map (`skip_steps`: not into a loop's `Steps`).
fn collect_in<'v>(m: &'v Map, path: &mut String, skip_steps: bool, out: &mut Vec<Found<'v>>) {
    for (k, x) in m {
        if skip_steps && k == "Steps" {
            continue;
        }
        let len = path.len();
        path.push('.');
        path.push_str(k);
        collect_at(x, path, false, out);
        path.truncate(len);
    }
}

/// The data type of a parameter type (AWS::* types are strings, `List<AWS::...>` lists).
pub(super) fn param_type(t: &ParameterType) -> DataType {
    match t {
        ParameterType::Data(d) => *d,
        ParameterType::Aws(s) if s.starts_with("List<") => DataType::StringList,
        ParameterType::Aws(_) => DataType::String,
    }
}

/// The outputs a step declares and those its action produces.
pub(super) fn output_names(s: &crate::model::Step) -> impl Iterator<Item = &str> {
    s.outputs.iter().map(|o| o.name.as_str()).chain(s.action.predefined_outputs().iter().map(|(n, _)| *n))
}

/// The type a reference resolves to (None when unknown), or the diagnostic why it does not resolve.
fn resolve(cx: &Cx, consumer: usize, f: &Found) -> Result<Option<DataType>, Diagnostic> {
    let at = &cx.steps[consumer];
    let name = Some(at.step.name.as_str());
    let e = f.expr.as_str();
    if e.starts_with("ssm:") || e.starts_with("ssm-secure:") {
        return Err(diag(
            "E063",
            name,
            &f.field,
            format!("`{{{{{e}}}}}` reads Parameter Store in a step input; AWS rejects the document"),
            "declare a parameter whose default is `{{ssm:...}}` and reference that parameter",
        ));
    }
    if e.starts_with("global:") || e.starts_with("automation:") {
        return match Builtin::from_name(e) {
            Some(_) => Ok(Some(DataType::String)),
            None => Err(diag(
                "E066",
                name,
                &f.field,
                format!("`{e}` is not a built-in variable"),
                "use global:ACCOUNT_ID, global:REGION, global:DATE, global:DATE_TIME, global:AWS_PARTITION or automation:EXECUTION_ID",
            )),
        };
    }
    if let Some(v) = e.strip_prefix("variable:") {
        return match cx.doc.variables.get(v) {
            Some(d) => Ok(Some(d.ty)),
            None => Err(diag(
                "E060",
                name,
                &f.field,
                format!("variable `{v}` is not declared"),
                format!(
                    "{}declare it under `variables` (`{v}: {{type: String, default: ...}}`)",
                    did_you_mean(v, cx.doc.variables.keys().map(String::as_str))
                ),
            )),
        };
    }
    let Some((step, output)) = e.split_once('.') else {
        return match cx.doc.parameters.get(e) {
            Some(p) => Ok(Some(param_type(&p.ty))),
            None => Err(diag(
                "E060",
                name,
                &f.field,
                format!("`{{{{ {e} }}}}` names no parameter"),
                format!(
                    "{}declare parameter `{e}`, or fix the name (names are case-sensitive)",
                    did_you_mean(e, cx.doc.parameters.keys().map(String::as_str))
                ),
            )),
        };
    };
    let Some(p) = cx.find_any(step) else {
        return Err(diag(
            "E061",
            name,
            &f.field,
            format!("`{{{{ {e} }}}}` names no step `{step}`"),
            format!(
                "{}reference an existing step as `{{{{ StepName.OutputName }}}}`",
                did_you_mean(step, cx.steps.iter().map(|s| s.step.name.as_str()))
            ),
        ));
    };
    let producer = cx.steps[p].step;
    let ty = producer.output_type(output);
    let map_output =
        output.split_once('.').is_some_and(|(o, _)| producer.output_type(o).is_some_and(|t| t == DataType::StringMap));
    if ty.is_none() && !map_output {
        return Err(diag(
            "E061",
            name,
            &f.field,
            format!("step `{step}` has no output `{output}`"),
            format!(
                "{}declare `{output}` in the outputs of `{step}` (Name, Selector, Type)",
                did_you_mean(output, output_names(producer))
            ),
        ));
    }
    if let Action::Loop(_) = producer.action {
        if matches!(output, "CurrentIteration" | "CurrentIteratorValue")
            && !cx.steps[consumer].chain.contains(&cx.steps[p].chain[cx.steps[p].chain.len() - 1])
        {
            return Err(diag(
                "E064",
                name,
                &f.field,
                format!("`{{{{ {e} }}}}` is only defined inside loop `{step}`"),
                "use it in a step nested in the loop",
            ));
        }
    }
    if !runs_before(cx, p, consumer) {
        return Err(diag(
            "E062",
            name,
            &f.field,
            format!("`{step}` does not run before `{}` on every path, so `{{{{ {e} }}}}` may be unset", at.step.name),
            format!(
                "reference it only after `{step}` on all paths (move the step, or route every branch through `{step}`)"
            ),
        ));
    }
    Ok(ty)
}

/// Whether step `p` runs before step `c` on every path of a run that has not failed
/// (dominance over success and `onFailure: Continue` edges, in the common scope).
pub(crate) fn runs_before(cx: &Cx, p: usize, c: usize) -> bool {
    let (pc, cc) = (&cx.steps[p].chain, &cx.steps[c].chain);
    for l in 0.. {
        if l >= pc.len() || l >= cc.len() {
            return true; // one is nested in the other (loop values, loop conditions)
        }
        if pc[l] == cc[l] {
            continue;
        }
        let scope = &cx.scopes[pc[l].0];
        let (pi, ci) = (scope[pc[l].1], scope[cc[l].1]);
        if scope[0] == pi {
            return true;
        }
        let mut seen = HashSet::from([scope[0]]);
        let mut todo = vec![scope[0]];
        while let Some(i) = todo.pop() {
            if i == ci {
                return false;
            }
            for &(t, e) in cx.edges(i) {
                if matches!(e, Edge::Success | Edge::Continue) && t != pi && seen.insert(t) {
                    todo.push(t);
                }
            }
        }
        return true;
    }
    true
}

/// Expected type of a typed input given as a whole reference, for the inputs whose type the
/// reference documents.
fn expected(kind: ActionKind, input: &str) -> Option<DataType> {
    use ActionKind::*;
    let t = match (kind, input) {
        (_, "Service" | "Api" | "Runtime" | "Handler" | "DocumentName" | "FunctionName" | "IntegrationName") => {
            DataType::String
        }
        (CopyImage, "SourceImageId" | "SourceRegion" | "ImageName") => DataType::String,
        (CreateImage, "InstanceId" | "ImageName") => DataType::String,
        (RunInstances | DeleteImage, "ImageId") => DataType::String,
        (ChangeInstanceState, "DesiredState") => DataType::String,
        (CreateStack | DeleteStack, "StackName") => DataType::String,
        (ExecuteStateMachine, "stateMachineArn") => DataType::String,
        (ChangeInstanceState | RunCommand, "InstanceIds") => DataType::StringList,
        // aws:runCommand inputs are type-checked when the document is created.
        (RunCommand, "Targets") => DataType::MapList,
        (RunCommand, "Parameters" | "CloudWatchOutputConfig" | "NotificationConfig") => DataType::StringMap,
        (RunCommand, "TimeoutSeconds") => DataType::Integer,
        (
            RunCommand,
            "Comment" | "DocumentHash" | "DocumentHashType" | "OutputS3BucketName" | "OutputS3KeyPrefix"
            | "ServiceRoleArn",
        ) => DataType::String,
        (CreateTags, "ResourceIds") => DataType::StringList,
        (Approve, "Approvers") => DataType::StringList,
        (Loop, "Iterators") => DataType::StringList,
        _ => return None,
    };
    Some(t)
}

fn fits(want: DataType, have: DataType) -> bool {
    match want {
        // A String goes where a one-element list is expected, and a StringList where a String is
        // (its one element): AWS runbooks do both.
        DataType::StringList => matches!(have, DataType::StringList | DataType::String | DataType::MapList),
        DataType::String => matches!(have, DataType::String | DataType::StringList),
        w => w == have,
    }
}

pub(super) fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    for (i, at) in cx.steps.iter().enumerate() {
        let s = at.step;
        let mut found = Vec::new();
        let is_loop = matches!(s.action, Action::Loop(_));
        let mut path = format!("{}.inputs", at.path);
        collect_in(&at.inputs, &mut path, is_loop, &mut found);
        let mut types = Vec::new();
        for f in &found {
            match resolve(cx, i, f) {
                Ok(t) => types.push((f, t)),
                Err(d) => out.push(d),
            }
        }
        let name = Some(s.name.as_str());
        // Whole references into typed inputs.
        if let Some(kind) = s.action.kind() {
            for (f, t) in &types {
                let (Some(t), true) = (t, f.whole) else { continue };
                let input = f.field.strip_prefix(&format!("{}.inputs.", at.path)).unwrap_or("");
                if let Some(want) = expected(kind, input) {
                    if !fits(want, *t) {
                        out.push(diag(
                            "E065",
                            name,
                            &f.field,
                            format!("`{{{{ {} }}}}` is of type {t}; {input} of {} takes type {want}", f.expr, kind.name()),
                            format!("pass a value of type {want} (convert with aws:executeScript, or declare an output of that type)"),
                        ));
                    }
                }
            }
        }
        let type_of = |v: &Value| -> Option<(String, DataType)> {
            let s = v.as_str()?;
            let (len, expr) = references(s).next()?;
            if len != s.trim().len() {
                return None;
            }
            let f = found.iter().find(|f| f.expr == expr)?;
            let t = types.iter().find(|(g, _)| std::ptr::eq(*g, f)).and_then(|(_, t)| *t)?;
            Some((f.expr.clone(), t))
        };
        let mut conds: Vec<(String, &Condition)> = Vec::new();
        match &s.action {
            Action::Branch(b) => conds.extend(
                b.choices.iter().enumerate().map(|(ci, c)| (format!("{}.inputs.Choices[{ci}]", at.path), &c.condition)),
            ),
            Action::Loop(l) => {
                conds.extend(l.loop_condition.iter().map(|c| (format!("{}.inputs.LoopCondition", at.path), c)))
            }
            Action::UpdateVariable(u) => {
                let var =
                    u.name.as_str().and_then(|n| n.strip_prefix("variable:")).and_then(|v| cx.doc.variables.get(v));
                if let (Some(d), Some((e, t))) = (var, type_of(&u.value)) {
                    if d.ty != t {
                        out.push(diag(
                            "E065",
                            name,
                            format!("{}.inputs.Value", at.path),
                            format!("`{{{{ {e} }}}}` is of type {t}; the variable is of type {}", d.ty),
                            format!("give a value of type {} (aws:updateVariable does not convert)", d.ty),
                        ));
                    }
                }
            }
            _ => {}
        }
        for (field, c) in conds {
            operand_types(c, &field, name, &type_of, out);
        }
    }
}

fn operand_types(
    c: &Condition,
    field: &str,
    name: Option<&str>,
    type_of: &dyn Fn(&Value) -> Option<(String, DataType)>,
    out: &mut Vec<Diagnostic>,
) {
    match c {
        Condition::Compare { variable, op, value } => {
            let Some((e, t)) = type_of(variable) else { return };
            let ok = match op.operand() {
                // Contains also tests a StringList (is the value one of its items).
                OperandKind::String if *op == Operator::Contains => {
                    matches!(t, DataType::String | DataType::StringList)
                }
                OperandKind::String => matches!(t, DataType::String),
                OperandKind::Numeric => t == DataType::Integer,
                OperandKind::Boolean => t == DataType::Boolean,
            };
            if !ok {
                let fit = suggest(t);
                out.push(diag(
                    "E042",
                    name,
                    format!("{field}.{}", op.name()),
                    format!(
                        "{} tests `{{{{ {e} }}}}`, of type {t}; it compares {}",
                        op.name(),
                        kind_word(op.operand())
                    ),
                    format!("use {fit} for type {t}, or test a value of the right type (compared with {value})"),
                ));
            }
        }
        Condition::And(cs) | Condition::Or(cs) => {
            let key = if matches!(c, Condition::And(_)) { "And" } else { "Or" };
            for (i, c) in cs.iter().enumerate() {
                operand_types(c, &format!("{field}.{key}[{i}]"), name, type_of, out);
            }
        }
        Condition::Not(inner) => operand_types(inner, &format!("{field}.Not"), name, type_of, out),
        Condition::Invalid(_) => {}
    }
}

fn kind_word(k: OperandKind) -> &'static str {
    match k {
        OperandKind::String => "strings",
        OperandKind::Numeric => "numbers",
        OperandKind::Boolean => "booleans",
    }
}

fn suggest(t: DataType) -> String {
    let ops: Vec<&str> = Operator::ALL
        .iter()
        .filter(|o| match o.operand() {
            OperandKind::String if **o == Operator::Contains => matches!(t, DataType::String | DataType::StringList),
            OperandKind::String => t == DataType::String,
            OperandKind::Numeric => t == DataType::Integer,
            OperandKind::Boolean => t == DataType::Boolean,
        })
        .map(|o| o.name())
        .collect();
    if ops.is_empty() {
        "no operator (select a String, Integer or Boolean with an output Selector)".into()
    } else {
        ops.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::references;

    /// The scanner finds what the reference pattern finds, on every string a runbook has shown
    /// us to be tricky.
    #[test]
    fn the_scanner_finds_what_the_reference_pattern_finds() {
        let re = regex::Regex::new(r"\{\{\s*([A-Za-z0-9_:./-]+)\s*\}\}").expect("valid pattern");
        let cases = [
            "",
            "{{A}}",
            " {{ A }} ",
            "{{ Step.Output }}x{{global:REGION}}",
            "{{{A}}}",
            "{{ {{ A }}",
            "{{ a b }} {{ c }}",
            "{{}} {{ }} {{-}}",
            "{{ A }",
            "{ {A}}",
            "{{\u{2003}A\u{00a0}}}",
            "{{ ssm:/path/to-x }}",
            "{{ é }} {{ A",
            "{{A}}{{B}}{{",
            "s3://{{Bucket}}/{{ Key }}.json",
        ];
        for text in cases {
            let expected: Vec<(usize, &str)> =
                re.captures_iter(text).map(|c| (c[0].len(), c.get(1).map_or("", |m| m.as_str()))).collect();
            let found: Vec<(usize, &str)> = references(text).collect();
            assert_eq!(found, expected, "in {text:?}");
        }
        assert_eq!(references(" {{ A }} ").collect::<Vec<_>>(), vec![(7, "A")]);
    }
}
