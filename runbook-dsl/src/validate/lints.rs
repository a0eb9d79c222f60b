//! Warnings: a mutating step with no rollback, a free-text String parameter that reaches a
//! script or a command (injection), no assumeRole.

use super::{diag, flow::reach, Cx, Diagnostic, Edge};
use crate::model::{Action, ActionKind, OnFailure, ParameterType, Value};

/// API name prefixes of read-only operations.
const READ_ONLY: &[&str] =
    &["Describe", "Get", "List", "Head", "Lookup", "Search", "Check", "Validate", "BatchGet", "Query", "Scan"];

/// Whether a step changes resources: the actions AWS classes as mutating, and
/// aws:executeAwsApi calls that are not read-only by name.
pub fn is_mutating(a: &Action) -> bool {
    match a {
        Action::ChangeInstanceState(c) => c.check_state_only != Some(Value::Bool(true)),
        Action::ExecuteAwsApi(e) => !READ_ONLY.iter().any(|p| e.api.starts_with(p)),
        _ => matches!(
            a.kind(),
            Some(
                ActionKind::CopyImage
                    | ActionKind::CreateImage
                    | ActionKind::CreateStack
                    | ActionKind::CreateTags
                    | ActionKind::DeleteImage
                    | ActionKind::DeleteStack
                    | ActionKind::RunInstances
            )
        ),
    }
}

pub(super) fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    if cx.doc.assume_role.as_deref().is_none_or(|r| r.trim().is_empty()) {
        out.push(diag(
            "W003",
            None,
            "assumeRole",
            "no assumeRole: the automation runs with the permissions of whoever starts it",
            "add an AutomationAssumeRole parameter and `assumeRole: '{{ AutomationAssumeRole }}'` (Runbook::assume_role)",
        ));
    }
    // W001: a change with no rollback. Covered when the step itself, or a step that can run
    // after it, routes failures to a step (onFailure: step:X).
    // Rollback steps themselves (reached only through onFailure/onCancel) are not checked.
    let main: Vec<std::collections::HashSet<usize>> = cx
        .scopes
        .iter()
        .map(|m| m.first().map(|&f| reach(cx, f, |e| matches!(e, Edge::Success | Edge::Continue))).unwrap_or_default())
        .collect();
    for (i, at) in cx.steps.iter().enumerate() {
        // A step in a loop body is on the main path only when its enclosing loops are.
        let loops_main =
            at.chain.iter().rev().skip(1).all(|&(scope, idx)| main[scope].contains(&cx.scopes[scope][idx]));
        if !is_mutating(&at.step.action) || !main[at.scope].contains(&i) || !loops_main {
            continue;
        }
        let covered_from = |k: usize| {
            let after = reach(cx, k, |e| e == Edge::Success);
            after.iter().any(|&j| matches!(cx.steps[j].step.on_failure, Some(OnFailure::Step(_))))
        };
        // A step in a loop body is also covered by what runs after its enclosing loops.
        let enclosing = at.chain.iter().rev().skip(1).map(|&(scope, idx)| cx.scopes[scope][idx]);
        let covered = covered_from(i) || enclosing.into_iter().any(covered_from);
        if !covered {
            out.push(diag(
                "W001",
                Some(&at.step.name),
                format!("{}.name", at.path),
                format!(
                    "step `{}` changes resources ({}) and nothing undoes it when a later step fails",
                    at.step.name,
                    at.step.action.name()
                ),
                "declare its undo steps with Runbook::mutate (or route failures with onFailure: step:Rollback)",
            ));
        }
    }
    // W002: injection.
    for at in &cx.steps {
        let reaching: Vec<&Value> = match &at.step.action {
            Action::ExecuteScript(e) => [e.script.as_ref(), e.input_payload.as_ref()].into_iter().flatten().collect(),
            Action::RunCommand(r) => r.parameters.iter().collect(),
            _ => continue,
        };
        let mut named = std::collections::HashSet::new();
        for v in reaching {
            references(v, &mut named);
        }
        for (name, p) in &cx.doc.parameters {
            let free = matches!(
                p.ty,
                ParameterType::Data(crate::model::DataType::String)
                    | ParameterType::Data(crate::model::DataType::StringList)
            ) && p.allowed_pattern.is_none()
                && p.allowed_values.is_none();
            if free && named.contains(name.as_str()) {
                out.push(diag(
                    "W002",
                    Some(&at.step.name),
                    format!("{}.inputs", at.path),
                    format!(
                        "free-text parameter `{name}` reaches the {} of `{}`",
                        if matches!(at.step.action, Action::RunCommand(_)) { "command" } else { "script" },
                        at.step.name
                    ),
                    format!("give `{name}` an allowedPattern (e.g. ^[a-zA-Z0-9-]+$) or allowedValues"),
                ));
            }
        }
    }
}

/// Adds what each `{{ name }}` in the strings (and keys) of `v` names.
fn references<'v>(v: &'v Value, out: &mut std::collections::HashSet<&'v str>) {
    match v {
        Value::String(s) => references_in(s, out),
        Value::Array(a) => a.iter().for_each(|x| references(x, out)),
        Value::Object(m) => {
            for (k, x) in m {
                references_in(k, out);
                references(x, out);
            }
        }
        _ => {}
    }
}

fn references_in<'t>(text: &'t str, out: &mut std::collections::HashSet<&'t str>) {
    out.extend(super::refs::references(text).map(|(_, expr)| expr));
}
