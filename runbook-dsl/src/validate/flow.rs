//! Flow rules: every target exists, isEnd with nextStep, unreachable steps, cycles with no way
//! out, and rollback paths that fall through into the main flow. Each aws:loop body is its own
//! scope: targets name steps of the same list.

use super::{diag, Cx, Diagnostic, Edge};
use crate::model::{Action, OnCancel, OnFailure};
use std::collections::HashSet;

pub(super) fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    let before = out.len();
    targets(cx, out);
    // Steps of a list with a dangling target: which ones are unreachable is a guess, and the
    // E031 already says what to fix.
    let dangling: Vec<usize> = out[before..]
        .iter()
        .filter(|d| d.code == "E031")
        .filter_map(|d| d.step.as_deref().and_then(|n| cx.find_any(n)).map(|i| cx.steps[i].scope))
        .collect();
    for (scope, members) in cx.scopes.iter().enumerate() {
        if members.is_empty() {
            continue;
        }
        let all = reach(cx, members[0], |_| true);
        for &i in members.iter().filter(|_| !dangling.contains(&scope)) {
            if !all.contains(&i) {
                let at = &cx.steps[i];
                out.push(diag(
                    "E050",
                    Some(&at.step.name),
                    format!("{}.name", at.path),
                    format!("step `{}` can never run: no step leads to it", at.step.name),
                    "remove it, or point a nextStep, branch choice or onFailure at it",
                ));
            }
        }
        cycles(cx, scope, out);
        rollback_fallthrough(cx, members, out);
    }
}

fn targets(cx: &Cx, out: &mut Vec<Diagnostic>) {
    for at in &cx.steps {
        let s = at.step;
        let name = Some(s.name.as_str());
        let mut check = |target: &str, field: String, what: &str| {
            if cx.find(at.scope, target).is_none() {
                let elsewhere = cx.find_any(target).is_some();
                out.push(diag(
                    "E031",
                    name,
                    field,
                    if elsewhere {
                        format!("{what} `{target}` is in another step list (aws:loop bodies are their own scope)")
                    } else {
                        format!("{what} `{target}` is not a step")
                    },
                    format!(
                        "{}name an existing step of the same list (names are case-sensitive)",
                        super::suggest::did_you_mean(
                            target,
                            cx.scopes[at.scope].iter().map(|&j| cx.steps[j].step.name.as_str())
                        )
                    ),
                ));
            }
        };
        if let Some(n) = &s.next_step {
            check(n, format!("{}.nextStep", at.path), "nextStep");
        }
        if let Some(OnFailure::Step(t)) = &s.on_failure {
            check(t, format!("{}.onFailure", at.path), "onFailure target");
        }
        if let Some(OnCancel::Step(t)) = &s.on_cancel {
            check(t, format!("{}.onCancel", at.path), "onCancel target");
        }
        if let Action::Branch(b) = &s.action {
            for (i, c) in b.choices.iter().enumerate() {
                check(&c.next_step, format!("{}.inputs.Choices[{i}].NextStep", at.path), "choice NextStep");
            }
            if let Some(d) = &b.default {
                check(d, format!("{}.inputs.Default", at.path), "Default");
            }
        }
        if s.is_end == Some(true) && s.next_step.is_some() {
            out.push(diag(
                "E030",
                name,
                format!("{}.isEnd", at.path),
                "isEnd: true and nextStep on the same step",
                "keep one: isEnd ends the run, nextStep continues it",
            ));
        }
    }
}

/// Steps reachable from `start` over the edges `keep` accepts.
pub(crate) fn reach(cx: &Cx, start: usize, keep: impl Fn(Edge) -> bool) -> HashSet<usize> {
    let mut seen = HashSet::from([start]);
    let mut todo = vec![start];
    while let Some(i) = todo.pop() {
        for (t, e) in cx.edges(i) {
            if keep(e) && seen.insert(t) {
                todo.push(t);
            }
        }
    }
    seen
}

/// A set of steps that reach each other over success edges, none of which leaves the set or
/// ends the run, loops forever.
fn cycles(cx: &Cx, scope: usize, out: &mut Vec<Diagnostic>) {
    let members = &cx.scopes[scope];
    let succ =
        |i: usize| -> Vec<usize> { cx.edges(i).into_iter().filter(|e| e.1 == Edge::Success).map(|e| e.0).collect() };
    let reach_of: Vec<HashSet<usize>> = members.iter().map(|&i| reach(cx, i, |e| e == Edge::Success)).collect();
    let mut reported = HashSet::new();
    for (a, &i) in members.iter().enumerate() {
        if reported.contains(&i) {
            continue;
        }
        // The strongly connected set of i: steps it reaches that reach it back.
        let scc: Vec<usize> = members
            .iter()
            .enumerate()
            .filter(|(b, &j)| reach_of[a].contains(&j) && reach_of[*b].contains(&i))
            .map(|(_, &j)| j)
            .collect();
        let is_cycle = scc.len() > 1 || succ(i).contains(&i);
        if !is_cycle {
            continue;
        }
        reported.extend(scc.iter().copied());
        let exits = scc.iter().any(|&j| cx.ends(j) || succ(j).iter().any(|t| !scc.contains(t)));
        if !exits {
            let names: Vec<&str> = scc.iter().map(|&j| cx.steps[j].step.name.as_str()).collect();
            let at = &cx.steps[i];
            out.push(diag(
                "E051",
                Some(&at.step.name),
                format!("{}.name", at.path),
                format!("steps {} run in a cycle with no way out", names.join(" -> ")),
                "add an aws:branch whose choice or Default leaves the cycle, or use aws:loop with MaxIterations",
            ));
        }
    }
}

/// A step only reached through onFailure/onCancel (a rollback path) must not continue, on
/// success, into a step of the main flow: the run would redo the work it is undoing.
fn rollback_fallthrough(cx: &Cx, members: &[usize], out: &mut Vec<Diagnostic>) {
    let main = reach(cx, members[0], |e| matches!(e, Edge::Success | Edge::Continue));
    let all = reach(cx, members[0], |_| true);
    for &r in members.iter().filter(|r| all.contains(r) && !main.contains(r)) {
        for (t, e) in cx.edges(r) {
            // Rejoining a final main-flow step (e.g. one that restores the initial state and
            // ends) is a deliberate pattern; continuing into steps that go on is not.
            if e == Edge::Success && main.contains(&t) && !cx.ends(t) {
                let at = &cx.steps[r];
                let field = if at.step.next_step.is_some() { "nextStep" } else { "name" };
                out.push(diag(
                    "E052",
                    Some(&at.step.name),
                    format!("{}.{field}", at.path),
                    format!(
                        "rollback step `{}` continues into main-flow step `{}`",
                        at.step.name, cx.steps[t].step.name
                    ),
                    "end the rollback path with `isEnd: true` (or route it to another rollback step)",
                ));
            }
        }
    }
}
