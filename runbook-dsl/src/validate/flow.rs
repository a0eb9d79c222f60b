//! Flow rules: every target exists, isEnd with nextStep, unreachable steps, cycles with no way
//! out, and rollback paths that fall through into the main flow. Each aws:loop body is its own
//! scope: targets name steps of the same list.

use super::{diag, Cx, Diagnostic, Edge};
use crate::model::{Action, OnCancel, OnFailure};

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

/// Steps of one scope, as a set: what [`reach`] returns.
#[derive(Clone, Debug, Default)]
pub(crate) struct StepSet<'c> {
    /// The scope's steps (indices into `Cx::steps`, increasing).
    members: &'c [usize],
    /// Per member: whether it is in the set.
    has: Vec<bool>,
}

impl StepSet<'_> {
    /// Whether step `i` (an index into `Cx::steps`) is in the set.
    pub fn contains(&self, i: &usize) -> bool {
        self.members.binary_search(i).is_ok_and(|k| self.has[k])
    }

    /// The steps of the set, in list order.
    pub fn iter(&self) -> impl Iterator<Item = &usize> + '_ {
        self.members.iter().zip(&self.has).filter(|&(_, &has)| has).map(|(i, _)| i)
    }
}

/// Steps reachable from `start` over the edges `keep` accepts (all in `start`'s scope).
pub(crate) fn reach<'c>(cx: &'c Cx, start: usize, keep: impl Fn(Edge) -> bool) -> StepSet<'c> {
    let members = &cx.scopes[cx.steps[start].scope][..];
    // A step's place in its scope's list is its `index`.
    let mut has = vec![false; members.len()];
    has[cx.steps[start].index] = true;
    let mut todo = vec![start];
    while let Some(i) = todo.pop() {
        for &(t, e) in cx.edges(i) {
            if keep(e) && !std::mem::replace(&mut has[cx.steps[t].index], true) {
                todo.push(t);
            }
        }
    }
    StepSet { members, has }
}

/// A set of steps that reach each other over success edges, none of which leaves the set or
/// ends the run, loops forever.
fn cycles(cx: &Cx, scope: usize, out: &mut Vec<Diagnostic>) {
    let members = &cx.scopes[scope];
    let at = |i: usize| cx.steps[i].index;
    // Strongly connected sets over success edges (Tarjan's algorithm, without recursion: linear
    // in the steps and edges, however many steps a document has).
    let component = strongly_connected(cx, members);
    // Each component's members in list order (by the place of its root), and the components
    // in the order of their first.
    let mut groups: Vec<Vec<usize>> = vec![Vec::new(); members.len()];
    let mut firsts = Vec::new();
    for &i in members {
        let g = &mut groups[component[at(i)]];
        if g.is_empty() {
            firsts.push(i);
        }
        g.push(i);
    }
    for i in firsts {
        let c = component[at(i)];
        let scc = &groups[c];
        let is_cycle = scc.len() > 1 || cx.on_success(i).any(|t| t == i);
        if !is_cycle {
            continue;
        }
        let exits = scc.iter().any(|&j| cx.ends(j) || cx.on_success(j).any(|t| component[at(t)] != c));
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

/// The strongly connected component of each member over success edges, by place in the
/// list: the place of the component's root.
fn strongly_connected(cx: &Cx, members: &[usize]) -> Vec<usize> {
    let at = |i: usize| cx.steps[i].index;
    let succ = |place: usize| -> Vec<usize> { cx.on_success(members[place]).map(at).collect() };
    let n = members.len();
    let mut index: Vec<Option<usize>> = vec![None; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut component = vec![0; n];
    let mut next = 0;
    for root in 0..n {
        if index[root].is_some() {
            continue;
        }
        // Frames: a place and the places of its successors still to visit.
        let mut frames: Vec<(usize, std::vec::IntoIter<usize>)> = Vec::new();
        let mut enter = Some(root);
        loop {
            if let Some(w) = enter.take() {
                index[w] = Some(next);
                low[w] = next;
                next += 1;
                stack.push(w);
                on_stack[w] = true;
                frames.push((w, succ(w).into_iter()));
            }
            let Some((v, rest)) = frames.last_mut() else { break };
            let v = *v;
            if let Some(w) = rest.next() {
                match index[w] {
                    None => enter = Some(w),
                    Some(iw) if on_stack[w] => low[v] = low[v].min(iw),
                    Some(_) => {}
                }
                continue;
            }
            frames.pop();
            if let Some(&(parent, _)) = frames.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if Some(low[v]) == index[v] {
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    component[w] = v;
                    if w == v {
                        break;
                    }
                }
            }
        }
    }
    component
}

/// A step only reached through onFailure/onCancel (a rollback path) must not continue, on
/// success, into a step of the main flow: the run would redo the work it is undoing.
fn rollback_fallthrough(cx: &Cx, members: &[usize], out: &mut Vec<Diagnostic>) {
    let main = reach(cx, members[0], |e| matches!(e, Edge::Success | Edge::Continue));
    let all = reach(cx, members[0], |_| true);
    for &r in members.iter().filter(|r| all.contains(r) && !main.contains(r)) {
        for &(t, e) in cx.edges(r) {
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

#[cfg(test)]
mod tests {
    /// The E051 messages of a document whose steps are `(name, nextStep or "" for isEnd)`, in
    /// list order; a name starting with `Br` is an aws:branch whose Default is its target and
    /// whose one choice leaves to the last step.
    fn cycles(steps: &[(&str, &str)]) -> Vec<String> {
        let last = steps.last().map_or("", |s| s.0);
        let mut text = String::from("schemaVersion: '0.3'\nmainSteps:\n");
        for (name, next) in steps {
            text += &format!("  - name: {name}\n");
            if name.starts_with("Br") {
                text += &format!(
                    "    action: aws:branch\n    inputs:\n      Choices:\n        - NextStep: {last}\n          Variable: '{{{{ global:ACCOUNT_ID }}}}'\n          StringEquals: x\n      Default: {next}\n"
                );
            } else {
                text += "    action: aws:pause\n    inputs: {}\n";
                text += &if next.is_empty() { "    isEnd: true\n".to_string() } else { format!("    nextStep: {next}\n") };
            }
        }
        let doc = crate::read::from_str(&text).expect("reads");
        crate::validate::validate(&doc).into_iter().filter(|d| d.code == "E051").map(|d| d.message).collect()
    }

    #[test]
    fn every_cycle_without_a_way_out_is_named_once_and_cycles_with_one_are_not() {
        // Two cycles, the second nested behind the first's entry, and a self-loop.
        let found = cycles(&[("A", "B"), ("B", "A"), ("C", "D"), ("D", "E"), ("E", "D"), ("F", "F"), ("G", "")]);
        assert_eq!(
            found,
            [
                "steps A -> B run in a cycle with no way out",
                "steps D -> E run in a cycle with no way out",
                "steps F run in a cycle with no way out"
            ]
        );
        // A cycle through a branch whose choice leaves it has a way out.
        assert!(cycles(&[("A", "Br1"), ("Br1", "A"), ("End", "")]).is_empty());
        // Three steps in one cycle, entered from outside.
        assert_eq!(
            cycles(&[("S", "B"), ("A", "B"), ("B", "C"), ("C", "A"), ("End", "")]),
            ["steps A -> B -> C run in a cycle with no way out"]
        );
    }
}
