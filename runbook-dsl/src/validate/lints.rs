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

/// `aws:executeAwsApi` calls that change no resource: they record or report (a finding's
/// workflow status, a notification, a metric, a compliance item, an event). W001 does not ask
/// to undo them, and a later one failing does not make an earlier change wrong.
pub const CHANGES_NO_RESOURCE: &[(&str, &str)] = &[
    ("securityhub", "BatchUpdateFindings"),
    ("securityhub", "UpdateFindings"),
    ("config", "PutEvaluations"),
    ("ssm", "PutComplianceItems"),
    ("ssm", "SendAutomationSignal"),
    ("sns", "Publish"),
    ("sqs", "SendMessage"),
    ("ses", "SendEmail"),
    ("sesv2", "SendEmail"),
    ("events", "PutEvents"),
    ("cloudwatch", "PutMetricData"),
    ("logs", "PutLogEvents"),
];

/// Whether the step's action is one of [`CHANGES_NO_RESOURCE`] (service names compared in
/// lower case, as the SDK spells them).
fn changes_no_resource(a: &Action) -> bool {
    match a {
        Action::ExecuteAwsApi(e) => {
            CHANGES_NO_RESOURCE.iter().any(|(s, api)| e.service.eq_ignore_ascii_case(s) && e.api == *api)
        }
        _ => false,
    }
}

/// Whether a step can fail in a way that leaves an earlier change half done: not a branch,
/// sleep or pause, not a step whose failure continues the run (`onFailure: Continue`), not a
/// call that changes no resource.
fn can_fail_after_change(s: &crate::model::Step) -> bool {
    !matches!(s.action.kind(), Some(ActionKind::Branch | ActionKind::Sleep | ActionKind::Pause))
        && s.on_failure != Some(OnFailure::Continue)
        && !changes_no_resource(&s.action)
}

pub(super) fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    if cx.doc.assume_role.as_deref().is_none_or(|r| r.trim().is_empty()) {
        out.push(diag(
            "W003",
            None,
            "assumeRole",
            "no assumeRole: the automation runs with the permissions of whoever starts it",
            "add an AutomationAssumeRole parameter (type String) and `assumeRole: '{{ AutomationAssumeRole }}'`",
        ));
    }
    // W001: a change with no rollback, where a later step can fail after it. Covered when the
    // step itself, or a step that can run after it, routes failures to a step (onFailure:
    // step:X). Not asked: the last change of a run (nothing after it can fail), calls that change
    // no resource (CHANGES_NO_RESOURCE). Rollback steps themselves (reached only through
    // onFailure/onCancel) are not checked.
    let main: Vec<super::flow::StepSet> = cx
        .scopes
        .iter()
        .map(|m| m.first().map(|&f| reach(cx, f, |e| matches!(e, Edge::Success | Edge::Continue))).unwrap_or_default())
        .collect();
    for (i, at) in cx.steps.iter().enumerate() {
        // A step in a loop body is on the main path only when its enclosing loops are.
        let loops_main =
            at.chain.iter().rev().skip(1).all(|&(scope, idx)| main[scope].contains(&cx.scopes[scope][idx]));
        if !is_mutating(&at.step.action)
            || changes_no_resource(&at.step.action)
            || !main[at.scope].contains(&i)
            || !loops_main
        {
            continue;
        }
        let covered_from = |k: usize| {
            let after = reach(cx, k, |e| e == Edge::Success);
            after.iter().any(|&j| matches!(cx.steps[j].step.on_failure, Some(OnFailure::Step(_))))
        };
        let can_fail_from = |k: usize| {
            let after = reach(cx, k, |e| e == Edge::Success);
            after.iter().any(|&j| j != i && can_fail_after_change(cx.steps[j].step))
        };
        // A step in a loop body is also covered by what runs after its enclosing loops.
        let enclosing: Vec<usize> = at.chain.iter().rev().skip(1).map(|&(scope, idx)| cx.scopes[scope][idx]).collect();
        let covered = covered_from(i) || enclosing.iter().any(|&k| covered_from(k));
        let later_can_fail = can_fail_from(i) || enclosing.iter().any(|&k| can_fail_from(k));
        if !covered && later_can_fail {
            out.push(diag(
                "W001",
                Some(&at.step.name),
                format!("{}.name", at.path),
                format!(
                    "step `{}` changes resources ({}) and nothing undoes it when a later step fails",
                    at.step.name,
                    at.step.action.name()
                ),
                "add steps that undo the change after the main flow (ending with isEnd: true) and point the later steps' onFailure and onCancel at the first of them (onFailure: step:UndoName)",
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
