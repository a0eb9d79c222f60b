//! Rules on each step: name, action, required inputs, retries and timeouts, onFailure/onCancel
//! values, outputs and selectors, and the rules of aws:approve, aws:branch, aws:loop, aws:sleep,
//! aws:updateVariable, aws:executeScript, aws:createStack and aws:runCommand.

use super::{as_u64, diag, is_ref, Cx, Diagnostic};
use crate::model::actions::{Condition, Operator};
use crate::model::{Action, ActionKind, Map, OnCancel, OnFailure, Value};
use std::collections::HashSet;

/// The longest `timeoutSeconds` each action accepts, where AWS documents one.
pub fn max_timeout(kind: ActionKind) -> Option<u64> {
    match kind {
        ActionKind::ExecuteAwsApi => Some(25),
        ActionKind::InvokeLambdaFunction => Some(300),
        ActionKind::ExecuteScript => Some(600),
        ActionKind::Approve => Some(2_592_000),
        ActionKind::Sleep => Some(604_799),
        _ => None,
    }
}

/// Actions that cannot be the target of `onCancel: step:X`.
pub const NOT_ON_CANCEL_TARGET: &[ActionKind] = &[
    ActionKind::Approve,
    ActionKind::CopyImage,
    ActionKind::CreateImage,
    ActionKind::CreateStack,
    ActionKind::CreateTags,
    ActionKind::Pause,
    ActionKind::RunInstances,
    ActionKind::Sleep,
];

pub(super) fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    let mut seen = HashSet::new();
    for (i, at) in cx.steps.iter().enumerate() {
        let s = at.step;
        let name = Some(s.name.as_str());
        let p = &at.path;
        if !seen.insert(s.name.as_str()) {
            out.push(diag(
                "E020",
                name,
                format!("{p}.name"),
                format!("step name `{}` is used twice", s.name),
                "give every step a unique name (nested aws:loop steps included)",
            ));
        }
        if s.name.is_empty() || !s.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            out.push(diag(
                "E021",
                name,
                format!("{p}.name"),
                format!("step name `{}` has characters other than letters, digits and `_`", s.name),
                "rename the step, e.g. `-` to `_`",
            ));
        }
        let kind = s.action.kind();
        match (&s.action, kind) {
            (Action::Other { action, .. }, None) => out.push(diag(
                "E022",
                name,
                format!("{p}.action"),
                format!("unknown action `{action}`"),
                "use one of the 23 Automation actions (aws:executeAwsApi, aws:executeScript, aws:branch, ...)",
            )),
            (Action::Other { inputs, .. }, Some(k)) => {
                let missing: Vec<&str> =
                    k.required_inputs().iter().copied().filter(|r| !inputs.contains_key(*r)).collect();
                let (msg, hint) = if missing.is_empty() {
                    (
                        format!("inputs of {} do not fit: {}", k.name(), s.action.typed_error().unwrap_or_default()),
                        "give each input the shape the action documents".to_string(),
                    )
                } else {
                    (
                        format!("{} needs input {}", k.name(), missing.join(", ")),
                        format!("add `{}` under inputs", missing[0]),
                    )
                };
                out.push(diag("E023", name, format!("{p}.inputs"), msg, hint));
            }
            _ => {}
        }
        if s.max_attempts == Some(0) {
            out.push(diag(
                "E024",
                name,
                format!("{p}.maxAttempts"),
                "maxAttempts is 0",
                "use 1 or more (1 = no retry)",
            ));
        }
        if let (Some(t), Some(k)) = (s.timeout_seconds, kind) {
            if let Some(max) = max_timeout(k) {
                if t > max && k == ActionKind::Approve {
                    out.push(diag(
                        "E025",
                        name,
                        format!("{p}.timeoutSeconds"),
                        format!("timeoutSeconds {t} is above the {max} s (30 days) that aws:approve allows"),
                        format!("use at most {max}"),
                    ));
                } else if t > max {
                    out.push(diag(
                        "W004",
                        name,
                        format!("{p}.timeoutSeconds"),
                        format!("timeoutSeconds {t}: {} runs at most {max} s, so the timeout has no effect", k.name()),
                        format!("use at most {max}, or move long work to another action"),
                    ));
                }
            }
        }
        if let Some(OnFailure::Invalid(v)) = &s.on_failure {
            out.push(diag(
                "E026",
                name,
                format!("{p}.onFailure"),
                format!("onFailure `{v}` is not Abort, Continue or step:NAME"),
                "write `Abort`, `Continue` or `step:StepName`",
            ));
        }
        if let Some(OnCancel::Invalid(v)) = &s.on_cancel {
            out.push(diag(
                "E027",
                name,
                format!("{p}.onCancel"),
                format!("onCancel `{v}` is not Abort or step:NAME"),
                "write `Abort` or `step:StepName` (Continue is not allowed)",
            ));
        }
        if let Some(c) = &s.on_cancel {
            if matches!(kind, Some(ActionKind::Loop | ActionKind::UpdateVariable)) {
                out.push(diag(
                    "E028",
                    name,
                    format!("{p}.onCancel"),
                    format!("onCancel is not supported on {} steps", s.action.name()),
                    "remove it (on aws:loop, set onCancel on the nested steps)",
                ));
            }
            if let Some(t) = c.target().and_then(|t| cx.find(at.scope, t)) {
                let tk = cx.steps[t].step.action.kind();
                if let Some(tk) = tk.filter(|k| NOT_ON_CANCEL_TARGET.contains(k)) {
                    out.push(diag(
                        "E029",
                        name,
                        format!("{p}.onCancel"),
                        format!(
                            "onCancel goes to `{}`, an {} step, which cannot be an onCancel target",
                            cx.steps[t].step.name,
                            tk.name()
                        ),
                        "start the cancellation path with another action (e.g. aws:executeAwsApi)",
                    ));
                }
            }
        }
        outputs(at, out);
        let inputs = &at.inputs;
        if let Some(k) = kind {
            allowed_values(name, p, k, inputs, out);
        }
        let _ = i;
        match &s.action {
            Action::Approve(_) => approve(name, p, inputs, out),
            Action::Branch(b) => {
                if b.choices.is_empty() {
                    out.push(diag(
                        "E041",
                        name,
                        format!("{p}.inputs.Choices"),
                        "aws:branch has no choice",
                        "add at least one choice `{NextStep, Variable, <operator>: value}`",
                    ));
                }
                for (ci, c) in b.choices.iter().enumerate() {
                    condition(name, &format!("{p}.inputs.Choices[{ci}]"), &c.condition, true, out);
                }
            }
            Action::Loop(l) => {
                if l.iterators.is_some() == l.loop_condition.is_some() {
                    out.push(diag(
                        "E034",
                        name,
                        format!("{p}.inputs"),
                        "aws:loop needs exactly one of Iterators and LoopCondition",
                        "give Iterators (for each item) or LoopCondition (do-while), not both",
                    ));
                }
                if let Some(n) = l.iterators.as_ref().and_then(Value::as_array).map(Vec::len).filter(|n| *n > 100) {
                    out.push(diag(
                        "E035",
                        name,
                        format!("{p}.inputs.Iterators"),
                        format!("{n} items in Iterators; aws:loop runs at most 100 iterations"),
                        "split the list, or select at most 100 items",
                    ));
                }
                if let Some(c) = &l.loop_condition {
                    condition(name, &format!("{p}.inputs.LoopCondition"), c, true, out);
                }
                if let Some(m) = &l.max_iterations {
                    if !is_ref(m) && !as_u64(m).is_some_and(|n| (1..=100).contains(&n)) {
                        out.push(diag(
                            "E035",
                            name,
                            format!("{p}.inputs.MaxIterations"),
                            format!("MaxIterations {m} is outside 1..100"),
                            "use a number from 1 to 100",
                        ));
                    }
                }
            }
            Action::Sleep(sl) => {
                if sl.duration.is_some() == sl.timestamp.is_some() {
                    out.push(diag(
                        "E043",
                        name,
                        format!("{p}.inputs"),
                        "aws:sleep needs exactly one of Duration and Timestamp",
                        "give `Duration: PT5M` or `Timestamp: 2026-01-01T00:00:00Z`",
                    ));
                }
                if let Some(secs) = sl.duration.as_ref().and_then(Value::as_str).and_then(iso_seconds) {
                    if secs > 604_799 {
                        out.push(diag(
                            "E043",
                            name,
                            format!("{p}.inputs.Duration"),
                            format!("Duration is {secs} s; aws:sleep waits at most 604799 s"),
                            "sleep less than 7 days (or use aws:pause)",
                        ));
                    }
                }
            }
            Action::UpdateVariable(u) => {
                let var = u.name.as_str().and_then(|n| n.strip_prefix("variable:"));
                match var.and_then(|v| cx.doc.variables.get(v).map(|d| (v, d))) {
                    None => out.push(diag(
                        "E044",
                        name,
                        format!("{p}.inputs.Name"),
                        format!("Name {} is not `variable:X` of a declared variable", u.name),
                        format!(
                            "{}declare the variable under `variables` and write `Name: variable:X`",
                            super::suggest::did_you_mean(
                                var.unwrap_or_default(),
                                cx.doc.variables.keys().map(String::as_str)
                            )
                        ),
                    )),
                    Some((v, d)) if !is_ref(&u.value) && !super::document::fits(d.ty, &u.value) => out.push(diag(
                        "E044",
                        name,
                        format!("{p}.inputs.Value"),
                        format!(
                            "variable `{v}` is of type {}, the new value is {}",
                            d.ty,
                            super::document::shape(&u.value)
                        ),
                        format!("give a value of type {} (aws:updateVariable does not convert)", d.ty),
                    )),
                    _ => {}
                }
            }
            Action::ExecuteScript(e) => {
                if e.script.is_none() && e.attachment.is_none() {
                    out.push(diag(
                        "E045",
                        name,
                        format!("{p}.inputs"),
                        "aws:executeScript has neither Script nor Attachment",
                        "add the script under `Script`, or name an attachment",
                    ));
                }
                let py = e.runtime.as_str().is_some_and(|r| r.starts_with("python"));
                if py && e.handler.is_none() {
                    out.push(diag(
                        "E045",
                        name,
                        format!("{p}.inputs"),
                        "a Python aws:executeScript has no Handler",
                        "add `Handler: handler` naming the function to call",
                    ));
                }
                if let Some(a) = e.attachment.as_ref().and_then(Value::as_str) {
                    let file = a.rsplit_once('/').map(|x| x.1).unwrap_or(a);
                    if !cx.doc.files.contains_key(a) && !cx.doc.files.contains_key(file) && !a.contains("{{") {
                        out.push(diag(
                            "E045",
                            name,
                            format!("{p}.inputs.Attachment"),
                            format!("attachment `{a}` is not in `files`"),
                            "declare it under `files` with its sha256 checksum",
                        ));
                    }
                }
            }
            Action::CreateStack(c) if c.template_body.is_some() == c.template_url.is_some() => {
                out.push(diag(
                    "E046",
                    name,
                    format!("{p}.inputs"),
                    "aws:createStack needs exactly one of TemplateBody and TemplateURL",
                    "keep one of the two",
                ));
            }
            Action::RunCommand(r) => {
                if r.instance_ids.is_none() && r.targets.is_none() {
                    out.push(diag(
                        "E047",
                        name,
                        format!("{p}.inputs"),
                        "aws:runCommand has neither InstanceIds nor Targets",
                        "add `InstanceIds` or `Targets`",
                    ));
                }
                if let Some(n) = r.instance_ids.as_ref().and_then(Value::as_array).map(Vec::len).filter(|n| *n > 50) {
                    out.push(diag(
                        "E047",
                        name,
                        format!("{p}.inputs.InstanceIds"),
                        format!("{n} instance ids; aws:runCommand takes at most 50"),
                        "use Targets, or split the list",
                    ));
                }
            }
            _ => {}
        }
    }
}

/// Inputs whose literal value must be one of a documented set.
fn allowed_values(name: Option<&str>, p: &str, kind: ActionKind, inputs: &Map, out: &mut Vec<Diagnostic>) {
    use ActionKind::*;
    let rules: &[(&str, &[&str])] = match kind {
        ChangeInstanceState => &[("DesiredState", &["running", "stopped", "terminated"])],
        InvokeLambdaFunction => {
            &[("InvocationType", &["Event", "RequestResponse", "DryRun"]), ("LogType", &["None", "Tail"])]
        }
        Loop => &[("IteratorDataType", &["Boolean", "Integer", "String", "StringMap"])],
        CreateTags => &[("ResourceType", &["EC2", "ManagedInstance", "MaintenanceWindow", "Parameter"])],
        CreateStack => &[("OnFailure", &["DO_NOTHING", "ROLLBACK", "DELETE"])],
        RunCommand => &[("DocumentHashType", &["Sha256", "Sha1"])],
        _ => &[],
    };
    for (input, allowed) in rules {
        if let Some(v) = inputs.get(*input).and_then(Value::as_str).filter(|v| !v.contains("{{")) {
            if !allowed.contains(&v.trim()) {
                out.push(diag(
                    "E048",
                    name,
                    format!("{p}.inputs.{input}"),
                    format!("{input} `{v}` is not one of {}", allowed.join(", ")),
                    format!("use one of {}", allowed.join(", ")),
                ));
            }
        }
    }
    if kind == ExecuteScript {
        if let Some(r) = inputs.get("Runtime").and_then(Value::as_str).filter(|v| !v.contains("{{")) {
            let ok = r.strip_prefix("python3.").is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
                || r == "PowerShell Core 6.0"
                || r.strip_prefix("PowerShell 7.")
                    .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
            if !ok {
                out.push(diag(
                    "E048",
                    name,
                    format!("{p}.inputs.Runtime"),
                    format!("Runtime `{r}` is not a runtime of aws:executeScript"),
                    "use python3.N (e.g. python3.11) or PowerShell 7.N",
                ));
            }
        }
    }
}

fn outputs(at: &super::StepAt, out: &mut Vec<Diagnostic>) {
    let s = at.step;
    let mut names = HashSet::new();
    let script = s.action.kind() == Some(ActionKind::ExecuteScript);
    for (oi, o) in s.outputs.iter().enumerate() {
        let field = format!("{}.outputs[{oi}]", at.path);
        if !names.insert(o.name.as_str()) {
            out.push(diag(
                "E033",
                Some(&s.name),
                format!("{field}.Name"),
                format!("output `{}` is declared twice", o.name),
                "give each output of a step its own name",
            ));
        }
        let sel = o.selector.trim();
        let ok = if script {
            sel == "$" || sel == "$.Payload" || sel.starts_with("$.Payload.") || sel.starts_with("$.Payload[")
        } else {
            sel == "$" || sel.starts_with("$.") || sel.starts_with("$[")
        };
        if !ok {
            let want =
                if script { "`$.Payload` or `$.Payload.key`" } else { "`$.Key` (JSONPath from the response root)" };
            out.push(diag(
                "E032",
                Some(&s.name),
                format!("{field}.Selector"),
                format!(
                    "selector `{}` is not JSONPath starting at {}",
                    o.selector,
                    if script { "$.Payload" } else { "$" }
                ),
                format!("write {want}"),
            ));
        }
    }
}

fn approve(name: Option<&str>, p: &str, inputs: &Map, out: &mut Vec<Diagnostic>) {
    let approvers = inputs.get("Approvers").and_then(Value::as_array).map(Vec::len);
    if let Some(n) = approvers {
        if !(1..=10).contains(&n) {
            out.push(diag(
                "E036",
                name,
                format!("{p}.inputs.Approvers"),
                format!("{n} approvers; aws:approve takes 1 to 10"),
                "list between 1 and 10 IAM users or role ARNs",
            ));
        }
    }
    if let Some(m) = inputs.get("MinRequiredApprovals").filter(|v| !is_ref(v)) {
        let min = as_u64(m);
        let bad = match (min, approvers) {
            (None, _) | (Some(0), _) => true,
            (Some(k), Some(n)) => k as usize > n,
            _ => false,
        };
        if bad {
            out.push(diag(
                "E037",
                name,
                format!("{p}.inputs.MinRequiredApprovals"),
                format!(
                    "MinRequiredApprovals {m} is not between 1 and the {} approvers",
                    approvers.map_or("listed".into(), |n| n.to_string())
                ),
                "require at least 1 and at most as many approvals as there are approvers",
            ));
        }
    }
    if let Some(msg) = inputs.get("Message").and_then(Value::as_str) {
        let n = msg.chars().count();
        if n > 4096 {
            out.push(diag(
                "E038",
                name,
                format!("{p}.inputs.Message"),
                format!("Message has {n} characters; at most 4096"),
                "shorten the message",
            ));
        }
    }
    if let Some(arn) = inputs.get("NotificationArn").and_then(Value::as_str).filter(|a| !a.contains("{{")) {
        let topic = arn.rsplit(':').next().unwrap_or("");
        if !arn.starts_with("arn:") || !topic.starts_with("Automation") {
            out.push(diag(
                "E039",
                name,
                format!("{p}.inputs.NotificationArn"),
                format!("topic `{topic}` of NotificationArn does not start with `Automation`"),
                "use an SNS topic whose name starts with `Automation` (e.g. AutomationApprovals)",
            ));
        }
    }
}

/// Checks the shape of a condition: known operators, one operator per simple condition,
/// And/Or/Not alone.
fn condition(name: Option<&str>, field: &str, c: &Condition, top: bool, out: &mut Vec<Diagnostic>) {
    match c {
        Condition::Compare { .. } => {}
        Condition::And(cs) | Condition::Or(cs) => {
            let key = if matches!(c, Condition::And(_)) { "And" } else { "Or" };
            for (i, c) in cs.iter().enumerate() {
                condition(name, &format!("{field}.{key}[{i}]"), c, false, out);
            }
        }
        Condition::Not(inner) => condition(name, &format!("{field}.Not"), inner, false, out),
        Condition::Invalid(m) => {
            let unknown: Vec<&str> = m
                .keys()
                .map(String::as_str)
                .filter(|k| {
                    !matches!(*k, "Variable" | "And" | "Or" | "Not" | "NextStep") && Operator::from_name(k).is_none()
                })
                .collect();
            if !unknown.is_empty() {
                let all: Vec<&str> = Operator::ALL.iter().map(|o| o.name()).collect();
                let hint = if unknown.iter().any(|u| u.contains("Not")) {
                    "no negated operator exists: wrap the condition in `Not: {Variable: ..., StringEquals: ...}`"
                        .to_string()
                } else {
                    format!("use one of {}", all.join(", "))
                };
                out.push(diag("E040", name, field, format!("unknown operator {}", unknown.join(", ")), hint));
                return;
            }
            let keys: Vec<&str> = m.keys().map(String::as_str).filter(|k| *k != "NextStep" || !top).collect();
            out.push(diag(
                "E041",
                name,
                field,
                format!("malformed condition with keys {}", keys.join(", ")),
                "a condition is `{Variable, <operator>: value}`, or exactly one of `And: [...]`, `Or: [...]`, `Not: {...}` alone",
            ));
        }
    }
}

/// Seconds of an ISO 8601 duration such as `PT1H30M` or `P1D` (None if it is not one).
pub(crate) fn iso_seconds(s: &str) -> Option<u64> {
    let rest = s.strip_prefix('P')?;
    let (date, time) = rest.split_once('T').unwrap_or((rest, ""));
    let mut total = 0u64;
    let mut num = String::new();
    for (part, is_time) in [(date, false), (time, true)] {
        for c in part.chars() {
            if c.is_ascii_digit() || c == '.' {
                num.push(c);
                continue;
            }
            let n: f64 = num.parse().ok()?;
            num.clear();
            let unit = match (c, is_time) {
                ('Y', false) => 365 * 86400,
                ('M', false) => 30 * 86400,
                ('W', false) => 7 * 86400,
                ('D', false) => 86400,
                ('H', true) => 3600,
                ('M', true) => 60,
                ('S', true) => 1,
                _ => return None,
            };
            total += (n * unit as f64) as u64;
        }
    }
    num.is_empty().then_some(total)
}
