//! Mermaid flowcharts of documents, for review: what runs after what, and why.
//!
//! [`to_mermaid`] draws any [`Document`], built or read, valid or not:
//! - one node per step, labelled with its name, its action and (for API-like actions) what it
//!   calls; `aws:branch` steps are diamonds, `aws:approve` and `aws:pause` hexagons, `aws:loop`
//!   steps trapezoids whose nested steps sit in a subgraph; steps with `isEnd: true` have a thick
//!   border;
//! - solid edges for the normal flow (`nextStep`, the next listed step, each branch choice
//!   labelled with its condition, `default`), from a `Start` node to an `End` node;
//!   (a branch without `Default` goes on to the next listed step when `no choice holds`);
//! - dashed, labelled and coloured edges for `onFailure` (red) and `onCancel` (orange); an
//!   approval's rejection is a failure too, drawn to the failure target or to a `Failed` node;
//! - a rollback path (steps reached only through `onFailure`/`onCancel`, such as undo steps)
//!   ends in the red `Failed` node, not in `End`: such a run ends `Failed` (or `Cancelled`);
//! - a grey `(no such step)` node for a target that names no step, so a broken document still
//!   draws.
//!
//! Node ids are derived from step names (`step_<Name>`); every label is quoted and escaped with
//! Mermaid entity codes, so no step name, condition or input value can break the syntax.

use crate::model::actions::{Condition, Operator};
use crate::model::{Action, Document, OnCancel, OnFailure, Step, Value};
use std::collections::{BTreeMap, HashSet};
use std::fmt::Write;

/// Longest label text (in characters) before it is cut with `…`.
const MAX_LABEL: usize = 160;

/// The document as a Mermaid flowchart (`flowchart TD`), ending with a newline.
///
/// ```
/// use runbook_dsl::prelude::*;
/// let mut rb = Runbook::new("Check, then fix.");
/// let _flag: Param<Bool> = rb.param("Flag", ParamSpec::new("Whether to fix."));
/// rb.add(Step::new("Check", Branch::new(vec![
///     Choice::new("Fix", Condition::compare("{{ Flag }}", Operator::BooleanEquals, true)),
/// ]).default("Done")));
/// rb.add(Step::new("Fix", Pause::new()).is_end(true));
/// rb.add(Step::new("Done", Sleep::for_duration("PT1S")));
/// let doc = rb.build().unwrap();
/// let text = runbook_dsl::diagram::to_mermaid(&doc);
/// assert!(text.starts_with("flowchart TD\n"));
/// assert!(text.contains(r#"step_Check -->|"Flag = true"| step_Fix"#));
/// assert!(text.contains(r#"step_Check -->|"default"| step_Done"#));
/// ```
pub fn to_mermaid(doc: &Document) -> String {
    let mut g = Graph::new(doc);
    g.draw();
    g.finish()
}

/// A condition of an `aws:branch` choice or `aws:loop` as short readable text, e.g.
/// `Get.State is one of 'stopped', 'stopping'` (references lose their `{{ }}`).
///
/// ```
/// use runbook_dsl::prelude::*;
/// use runbook_dsl::diagram::condition_text;
/// let c = Condition::Not(Box::new(Condition::compare("{{ Get.Count }}", Operator::NumericGreater, 3)));
/// assert_eq!(condition_text(&c), "not (Get.Count > 3)");
/// ```
pub fn condition_text(c: &Condition) -> String {
    match c {
        Condition::Compare { variable, op, value } => {
            format!("{} {} {}", reference_text(variable), op_text(*op), operand_text(value))
        }
        Condition::Or(cs) => {
            if let Some((var, values)) = one_of(cs) {
                return format!("{var} is one of {}", values.join(", "));
            }
            join(cs, " or ")
        }
        Condition::And(cs) => join(cs, " and "),
        Condition::Not(inner) => format!("not ({})", condition_text(inner)),
        Condition::Invalid(m) => {
            format!("invalid condition {}", serde_json::to_string(m).unwrap_or_default())
        }
    }
}

fn join(cs: &[Condition], sep: &str) -> String {
    let parts: Vec<String> = cs
        .iter()
        .map(|c| match c {
            Condition::And(_) | Condition::Or(_) => format!("({})", condition_text(c)),
            _ => condition_text(c),
        })
        .collect();
    parts.join(sep)
}

/// `Or` of string equalities on one variable: `(variable, ['a', 'b'])`.
fn one_of(cs: &[Condition]) -> Option<(String, Vec<String>)> {
    let mut var: Option<&Value> = None;
    let mut values = Vec::new();
    for c in cs {
        match c {
            Condition::Compare { variable, op: Operator::StringEquals, value } => {
                if var.is_some_and(|v| v != variable) {
                    return None;
                }
                var = Some(variable);
                values.push(operand_text(value));
            }
            _ => return None,
        }
    }
    match var {
        Some(v) if values.len() > 1 => Some((reference_text(v), values)),
        _ => None,
    }
}

fn op_text(op: Operator) -> &'static str {
    match op {
        Operator::StringEquals | Operator::NumericEquals | Operator::BooleanEquals => "=",
        Operator::EqualsIgnoreCase => "= (any case)",
        Operator::StartsWith => "starts with",
        Operator::EndsWith => "ends with",
        Operator::Contains => "contains",
        Operator::NumericGreater => ">",
        Operator::NumericGreaterOrEquals => ">=",
        Operator::NumericLesser => "<",
        Operator::NumericLesserOrEquals => "<=",
    }
}

/// `{{ Step.Output }}` → `Step.Output`; anything else as [`value_text`].
fn reference_text(v: &Value) -> String {
    if let Value::String(s) = v {
        let t = s.trim();
        if let Some(inner) = t.strip_prefix("{{").and_then(|r| r.strip_suffix("}}")) {
            if !inner.contains("{{") && !inner.contains("}}") {
                return inner.trim().to_string();
            }
        }
    }
    value_text(v)
}

/// An operand: references as [`reference_text`], other strings in single quotes.
fn operand_text(v: &Value) -> String {
    match v {
        Value::String(s) if s.trim().starts_with("{{") => reference_text(v),
        Value::String(s) => format!("'{s}'"),
        other => value_text(other),
    }
}

/// Strings as written, anything else as compact JSON.
fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => serde_json::to_string(other).unwrap_or_default(),
    }
}

/// Text inside a quoted Mermaid label: characters Mermaid or HTML would read as syntax become
/// entity codes (`#quot;`, `#35;`, …), line breaks become spaces, and long text is cut with `…`.
///
/// ```
/// use runbook_dsl::diagram::escape_label;
/// assert_eq!(escape_label(r#"a "b" <c> | {d} #e"#), "a #quot;b#quot; #lt;c#gt; #124; #123;d#125; #35;e");
/// ```
pub fn escape_label(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (count, ch) in text.chars().enumerate() {
        if count == MAX_LABEL {
            out.push('…');
            break;
        }
        match ch {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            '&' => out.push_str("#amp;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '`' => out.push_str("#96;"),
            '|' => out.push_str("#124;"),
            '{' => out.push_str("#123;"),
            '}' => out.push_str("#125;"),
            '[' => out.push_str("#91;"),
            ']' => out.push_str("#93;"),
            '%' => out.push_str("#37;"),
            ';' => out.push_str("#59;"),
            '\\' => out.push_str("#92;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Label lines escaped and joined with `<br/>`.
fn label(lines: &[String]) -> String {
    lines.iter().filter(|l| !l.is_empty()).map(|l| escape_label(l)).collect::<Vec<_>>().join("<br/>")
}

/// What a step calls, for the third line of its label.
fn detail(action: &Action) -> Option<String> {
    match action {
        Action::ExecuteAwsApi(a) => Some(format!("{} {}", a.service, a.api)),
        Action::AssertAwsResourceProperty(a) => Some(format!("{} {}", a.service, a.api)),
        Action::WaitForAwsResourceProperty(a) => Some(format!("{} {}", a.service, a.api)),
        Action::ChangeInstanceState(a) => Some(format!("desired state: {}", value_text(&a.desired_state))),
        Action::ExecuteAutomation(a) => Some(value_text(&a.document_name)),
        Action::RunCommand(a) => Some(value_text(&a.document_name)),
        Action::InvokeLambdaFunction(a) => Some(value_text(&a.function_name)),
        Action::CreateStack(a) => Some(format!("stack {}", value_text(&a.stack_name))),
        Action::DeleteStack(a) => Some(format!("stack {}", value_text(&a.stack_name))),
        Action::Sleep(a) => match (&a.duration, &a.timestamp) {
            (Some(d), _) => Some(format!("for {}", value_text(d))),
            (None, Some(t)) => Some(format!("until {}", value_text(t))),
            _ => None,
        },
        _ => None,
    }
}

/// The kind of an edge: how it is drawn.
#[derive(Clone, Copy, PartialEq, Eq)]
enum EdgeKind {
    Flow,
    Failure,
    Cancel,
}

struct Edge {
    from: String,
    to: String,
    label: Option<String>,
    kind: EdgeKind,
}

/// The steps of one scope (`mainSteps` or a loop body) and, for a body, its loop's node id.
struct Scope<'a> {
    steps: &'a [Step],
    header: Option<String>,
}

const START: &str = "run_start";
const END: &str = "result_end";
const FAILED: &str = "result_failed";

struct Graph<'a> {
    doc: &'a Document,
    /// Node id of every step, nested ones included, by address.
    ids: Vec<(&'a Step, String)>,
    nodes: String,
    edges: Vec<Edge>,
    classes: BTreeMap<&'static str, Vec<String>>,
    /// Targets that name no step: (node id, name).
    missing: Vec<(String, String)>,
    used_end: bool,
    used_failed: bool,
    /// Node ids of the steps that run only on a rollback path (they end in `Failed`).
    rollback: HashSet<String>,
}

impl<'a> Graph<'a> {
    fn new(doc: &'a Document) -> Self {
        let mut taken: HashSet<String> = [START, END, FAILED].iter().map(|s| s.to_string()).collect();
        let mut ids = Vec::new();
        for s in doc.all_steps() {
            let base = format!("step_{}", sanitize(&s.name));
            let mut id = base.clone();
            let mut n = 2;
            while !taken.insert(id.clone()) {
                id = format!("{base}_{n}");
                n += 1;
            }
            ids.push((s, id));
        }
        let rollback_names = crate::validate::rollback_only(doc);
        let rollback =
            ids.iter().filter(|(s, _)| rollback_names.iter().any(|n| *n == s.name)).map(|(_, id)| id.clone()).collect();
        Graph {
            doc,
            ids,
            nodes: String::new(),
            edges: Vec::new(),
            classes: BTreeMap::new(),
            missing: Vec::new(),
            used_end: false,
            used_failed: false,
            rollback,
        }
    }

    fn id(&self, step: &Step) -> String {
        self.ids.iter().find(|(s, _)| std::ptr::eq(*s, step)).map(|(_, id)| id.clone()).unwrap_or_default()
    }

    /// The node of the step named `name`: in the same scope first, then anywhere; otherwise a
    /// `(no such step)` node.
    fn resolve(&mut self, name: &str, scope: &Scope<'a>) -> String {
        let doc = self.doc;
        let found = scope
            .steps
            .iter()
            .find(|s| s.name == name)
            .or_else(|| doc.all_steps().into_iter().find(|s| s.name == name));
        if let Some(s) = found {
            return self.id(s);
        }
        if let Some((id, _)) = self.missing.iter().find(|(_, n)| n == name) {
            return id.clone();
        }
        let id = format!("missing_{}_{}", self.missing.len() + 1, sanitize(name));
        self.missing.push((id.clone(), name.to_string()));
        id
    }

    fn edge(&mut self, from: &str, to: String, label: Option<&str>, kind: EdgeKind) {
        let label = label.map(str::to_string);
        // A rollback path does not end the run successfully.
        let to = if to == END && self.rollback.contains(from) { FAILED.to_string() } else { to };
        if self.edges.iter().any(|e| e.from == from && e.to == to && e.label == label && e.kind == kind) {
            return;
        }
        if to == END {
            self.used_end = true;
        }
        if to == FAILED {
            self.used_failed = true;
        }
        self.edges.push(Edge { from: from.to_string(), to, label, kind });
    }

    fn class(&mut self, class: &'static str, id: &str) {
        self.classes.entry(class).or_default().push(id.to_string());
    }

    fn draw(&mut self) {
        let main = Scope { steps: &self.doc.main_steps, header: None };
        match main.steps.first() {
            Some(first) => {
                let id = self.id(first);
                self.edge(START, id, None, EdgeKind::Flow);
            }
            None => self.edge(START, END.to_string(), None, EdgeKind::Flow),
        }
        self.scope(&main, 1);
    }

    fn scope(&mut self, scope: &Scope<'a>, depth: usize) {
        for (i, step) in scope.steps.iter().enumerate() {
            self.step(step, i, scope, depth);
        }
    }

    /// Where the flow goes after `step` (at `i` in `scope`) succeeds, and the edge label.
    fn next_of(&mut self, step: &Step, i: usize, scope: &Scope<'a>) -> (String, Option<&'static str>) {
        if let Some(n) = &step.next_step {
            return (self.resolve(n, scope), None);
        }
        if step.is_end == Some(true) {
            return (END.to_string(), None);
        }
        if let Some(next) = scope.steps.get(i + 1) {
            return (self.id(next), None);
        }
        match &scope.header {
            Some(h) => (h.clone(), Some("next iteration")),
            None => (END.to_string(), None),
        }
    }

    fn step(&mut self, step: &'a Step, i: usize, scope: &Scope<'a>, depth: usize) {
        let id = self.id(step);
        let pad = "  ".repeat(depth);
        let mut lines = vec![step.name.clone(), step.action.name().to_string()];
        lines.extend(detail(&step.action));
        match &step.action {
            Action::Branch(_) => {
                let _ = writeln!(self.nodes, "{pad}{id}{{\"{}\"}}", label(&lines));
                self.class("branch", &id);
            }
            Action::Approve(_) | Action::Pause(_) => {
                let _ = writeln!(self.nodes, "{pad}{id}{{{{\"{}\"}}}}", label(&lines));
                self.class(if matches!(step.action, Action::Approve(_)) { "approval" } else { "wait" }, &id);
            }
            Action::Loop(l) => {
                lines.push(match (&l.iterators, &l.loop_condition) {
                    (Some(it), _) => format!("for each item of {}", reference_text(it)),
                    (None, Some(c)) => format!("repeat while {}", condition_text(c)),
                    (None, None) => String::new(),
                });
                if let Some(m) = &l.max_iterations {
                    lines.push(format!("at most {} times", value_text(m)));
                }
                let _ = writeln!(self.nodes, "{pad}{id}[/\"{}\"\\]", label(&lines));
                self.class("loop", &id);
            }
            _ => {
                let _ = writeln!(self.nodes, "{pad}{id}[\"{}\"]", label(&lines));
            }
        }
        if step.is_end == Some(true) {
            self.class("terminal", &id);
        }

        // The normal flow.
        match &step.action {
            Action::Branch(b) => {
                for choice in &b.choices {
                    let to = self.resolve(&choice.next_step, scope);
                    self.edge(&id, to, Some(&condition_text(&choice.condition)), EdgeKind::Flow);
                }
                match &b.default {
                    Some(d) => {
                        let to = self.resolve(d, scope);
                        self.edge(&id, to, Some("default"), EdgeKind::Flow);
                    }
                    // Without `Default` the run goes on as after any step (or stops at `isEnd`).
                    None => {
                        let (to, _) = self.next_of(step, i, scope);
                        self.edge(&id, to, Some("no choice holds"), EdgeKind::Flow);
                    }
                }
            }
            Action::Loop(l) => {
                let _ = writeln!(
                    self.nodes,
                    "{pad}subgraph body_{id} [\"{}\"]",
                    escape_label(&format!("{} body", step.name))
                );
                let body = Scope { steps: &l.steps, header: Some(id.clone()) };
                if let Some(first) = l.steps.first() {
                    let to = self.id(first);
                    self.edge(&id, to, Some("each iteration"), EdgeKind::Flow);
                }
                self.scope(&body, depth + 1);
                let _ = writeln!(self.nodes, "{pad}end");
                let (to, _) = self.next_of(step, i, scope);
                self.edge(&id, to, Some("loop done"), EdgeKind::Flow);
            }
            _ => {
                let (to, lbl) = self.next_of(step, i, scope);
                let lbl = if matches!(step.action, Action::Approve(_)) { Some("approved") } else { lbl };
                self.edge(&id, to, lbl, EdgeKind::Flow);
            }
        }

        // Failure: explicit routes always; the implicit abort only for an approval, whose
        // rejection is part of its meaning.
        let approve = matches!(step.action, Action::Approve(_));
        let (what, what_continue) =
            if approve { ("rejected or failed", "rejected: continue") } else { ("on failure", "on failure: continue") };
        match &step.on_failure {
            Some(OnFailure::Step(target)) => {
                let to = self.resolve(target, scope);
                self.edge(&id, to, Some(what), EdgeKind::Failure);
            }
            Some(OnFailure::Continue) => {
                let (to, _) = self.next_of(step, i, scope);
                self.edge(&id, to, Some(what_continue), EdgeKind::Failure);
            }
            _ if approve => self.edge(&id, FAILED.to_string(), Some("rejected"), EdgeKind::Failure),
            _ => {}
        }
        if let Some(OnCancel::Step(target)) = &step.on_cancel {
            let to = self.resolve(target, scope);
            self.edge(&id, to, Some("on cancel"), EdgeKind::Cancel);
        }
    }

    fn finish(mut self) -> String {
        let mut out = String::from("flowchart TD\n");
        let _ = writeln!(out, "  {START}([\"Start\"])");
        out.push_str(&self.nodes);
        if self.used_end {
            let _ = writeln!(out, "  {END}([\"End\"])");
            self.class("success", END);
        }
        if self.used_failed {
            let _ = writeln!(out, "  {FAILED}([\"Failed\"])");
            self.class("failure", FAILED);
        }
        let missing = std::mem::take(&mut self.missing);
        for (id, name) in &missing {
            let _ = writeln!(out, "  {id}[\"{}\"]", escape_label(&format!("{name} (no such step)")));
            self.class("missing", id);
        }
        self.class("start", START);
        let (mut failures, mut cancels) = (Vec::new(), Vec::new());
        for (n, e) in self.edges.iter().enumerate() {
            let arrow = match e.kind {
                EdgeKind::Flow => "-->",
                EdgeKind::Failure => {
                    failures.push(n.to_string());
                    "-.->"
                }
                EdgeKind::Cancel => {
                    cancels.push(n.to_string());
                    "-.->"
                }
            };
            match &e.label {
                Some(l) => {
                    let _ = writeln!(out, "  {} {arrow}|\"{}\"| {}", e.from, escape_label(l), e.to);
                }
                None => {
                    let _ = writeln!(out, "  {} {arrow} {}", e.from, e.to);
                }
            }
        }
        for (class, style) in CLASS_STYLES {
            if let Some(ids) = self.classes.get(class) {
                let _ = writeln!(out, "  classDef {class} {style}");
                let _ = writeln!(out, "  class {} {class}", ids.join(","));
            }
        }
        if !failures.is_empty() {
            let _ = writeln!(out, "  linkStyle {} stroke:#c92a2a,color:#c92a2a", failures.join(","));
        }
        if !cancels.is_empty() {
            let _ = writeln!(out, "  linkStyle {} stroke:#e8590c,color:#e8590c", cancels.join(","));
        }
        out
    }
}

/// Node classes and their styles, in the order they are written.
const CLASS_STYLES: &[(&str, &str)] = &[
    ("start", "fill:#e9ecef,stroke:#495057,color:#000"),
    ("branch", "fill:#e7f5ff,stroke:#1971c2,color:#000"),
    ("approval", "fill:#fff3bf,stroke:#e67700,stroke-width:2px,color:#000"),
    ("wait", "fill:#fff3bf,stroke:#e67700,stroke-dasharray:4 2,color:#000"),
    ("loop", "fill:#e6fcf5,stroke:#087f5b,color:#000"),
    ("terminal", "stroke-width:3px"),
    ("success", "fill:#d3f9d8,stroke:#2b8a3e,color:#000"),
    ("failure", "fill:#ffe3e3,stroke:#c92a2a,color:#000"),
    ("missing", "fill:#f1f3f5,stroke:#868e96,stroke-dasharray:4 2,color:#000"),
];

/// A node id fragment: ASCII letters, digits and `_` only.
fn sanitize(name: &str) -> String {
    let s: String = name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }).collect();
    if s.is_empty() {
        "_".to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prelude::*;

    /// `(from, arrow, label, to)` of every edge line.
    fn edges(text: &str) -> Vec<(String, String, String, String)> {
        let mut out = Vec::new();
        for line in text.lines().map(str::trim) {
            let Some((from, rest)) = line.split_once(' ') else { continue };
            let Some((arrow, rest)) = rest.split_once(' ') else { continue };
            if arrow != "-->" && arrow != "-.->" && !arrow.starts_with("-->|") && !arrow.starts_with("-.->|") {
                continue;
            }
            let full = format!("{arrow} {rest}");
            let (arrow, label, to) = match full.split_once("|\"") {
                Some((a, r)) => {
                    let (l, t) = r.rsplit_once("\"| ").unwrap();
                    (a.to_string(), l.to_string(), t.to_string())
                }
                None => {
                    let (a, t) = full.split_once(' ').unwrap();
                    (a.to_string(), String::new(), t.to_string())
                }
            };
            out.push((from.to_string(), arrow, label, to));
        }
        out
    }

    fn has_edge(text: &str, from: &str, arrow: &str, label: &str, to: &str) -> bool {
        edges(text).iter().any(|(f, a, l, t)| f == from && a == arrow && l == label && t == to)
    }

    fn doc(steps: Vec<Step>) -> Document {
        Document { main_steps: steps, ..Document::default() }
    }

    #[test]
    fn steps_run_in_order_unless_next_step_or_is_end_say_otherwise() {
        let text = to_mermaid(&doc(vec![
            Step::new("A", Pause::new()).next_step("C"),
            Step::new("B", Pause::new()).is_end(true),
            Step::new("C", Pause::new()),
            Step::new("D", Pause::new()),
        ]));
        assert!(has_edge(&text, "run_start", "-->", "", "step_A"));
        assert!(has_edge(&text, "step_A", "-->", "", "step_C"), "{text}");
        assert!(!has_edge(&text, "step_A", "-->", "", "step_B"));
        assert!(has_edge(&text, "step_B", "-->", "", "result_end"));
        assert!(has_edge(&text, "step_C", "-->", "", "step_D"));
        assert!(has_edge(&text, "step_D", "-->", "", "result_end"));
        assert!(text.contains("class step_B terminal"), "isEnd steps are drawn thick:\n{text}");
        assert!(text.contains("  result_end([\"End\"])\n"));
    }

    #[test]
    fn branch_edges_carry_their_conditions_and_the_default() {
        let text = to_mermaid(&doc(vec![
            Step::new(
                "Check",
                Branch::new(vec![
                    Choice::new("Big", Condition::compare("{{ Get.Size }}", Operator::NumericGreater, 10)),
                    Choice::new(
                        "Named",
                        Condition::And(vec![
                            Condition::compare("{{ Get.Name }}", Operator::StartsWith, "prod-"),
                            Condition::Not(Box::new(Condition::compare(
                                "{{ Get.Flag }}",
                                Operator::BooleanEquals,
                                true,
                            ))),
                        ]),
                    ),
                ])
                .default("Other"),
            ),
            Step::new("Big", Pause::new()).is_end(true),
            Step::new("Named", Pause::new()).is_end(true),
            Step::new("Other", Pause::new()),
        ]));
        assert!(text.contains("  step_Check{\"Check<br/>aws:branch\"}\n"), "a branch is a diamond:\n{text}");
        assert!(has_edge(&text, "step_Check", "-->", "Get.Size #gt; 10", "step_Big"), "{text}");
        assert!(
            has_edge(
                &text,
                "step_Check",
                "-->",
                "Get.Name starts with 'prod-' and not (Get.Flag = true)",
                "step_Named"
            ),
            "{text}"
        );
        assert!(has_edge(&text, "step_Check", "-->", "default", "step_Other"));
        assert!(!text.contains("result_failed"), "a branch with a default cannot fail on its choices");
        // A branch never falls through to the next listed step.
        assert!(!has_edge(&text, "step_Check", "-->", "", "step_Big"));
    }

    #[test]
    fn a_branch_without_default_goes_on_when_no_choice_holds() {
        let choices = || vec![Choice::new("Fix", Condition::compare("{{ X.Y }}", Operator::StringEquals, "a"))];
        let text = to_mermaid(&doc(vec![
            Step::new("Check", Branch::new(choices())),
            Step::new("Other", Pause::new()),
            Step::new("Last", Branch::new(choices())).is_end(true),
            Step::new("Fix", Pause::new()),
        ]));
        assert!(has_edge(&text, "step_Check", "-->", "X.Y = 'a'", "step_Fix"), "{text}");
        assert!(has_edge(&text, "step_Check", "-->", "no choice holds", "step_Other"), "{text}");
        assert!(has_edge(&text, "step_Last", "-->", "no choice holds", "result_end"), "isEnd stops the run");
        assert!(!text.contains("result_failed"), "{text}");
    }

    #[test]
    fn rollback_edges_are_dashed_labelled_and_coloured() {
        let text = to_mermaid(&doc(vec![
            Step::new("Change", Pause::new()).on_failure(OnFailure::step("Rollback")).on_cancel(OnCancel::step("Undo")),
            Step::new("Soft", Sleep::for_duration("PT1S")).on_failure(OnFailure::Continue),
            Step::new("Done", Sleep::for_duration("PT1S")).is_end(true),
            Step::new("Rollback", Sleep::for_duration("PT1S")).is_end(true),
            Step::new("Undo", Sleep::for_duration("PT1S")).is_end(true),
        ]));
        assert!(has_edge(&text, "step_Change", "-->", "", "step_Soft"));
        assert!(has_edge(&text, "step_Change", "-.->", "on failure", "step_Rollback"), "{text}");
        assert!(has_edge(&text, "step_Change", "-.->", "on cancel", "step_Undo"));
        assert!(has_edge(&text, "step_Soft", "-.->", "on failure: continue", "step_Done"));
        // A rollback path ends Failed, the normal flow End.
        assert!(has_edge(&text, "step_Rollback", "-->", "", "result_failed"), "{text}");
        assert!(has_edge(&text, "step_Undo", "-->", "", "result_failed"), "{text}");
        assert!(has_edge(&text, "step_Done", "-->", "", "result_end"), "{text}");
        assert!(!has_edge(&text, "step_Undo", "-->", "", "result_end"), "{text}");
        assert!(text.contains("  result_failed([\"Failed\"])\n"), "{text}");
        // linkStyle indexes are the positions of exactly those edges.
        let all = edges(&text);
        let index = |label: &str| all.iter().position(|e| e.2 == label).unwrap().to_string();
        let failure_line = format!(
            "  linkStyle {},{} stroke:#c92a2a,color:#c92a2a\n",
            index("on failure"),
            index("on failure: continue")
        );
        assert!(text.contains(&failure_line), "{failure_line} in\n{text}");
        assert!(text.contains(&format!("  linkStyle {} stroke:#e8590c,color:#e8590c\n", index("on cancel"))));
    }

    #[test]
    fn approvals_are_hexagons_whose_rejection_fails_or_routes() {
        let approve = || Approve::new(vec!["arn:aws:iam::123456789012:role/A"]);
        let text = to_mermaid(&doc(vec![
            Step::new("Ask", approve()),
            Step::new("AskAgain", approve()).on_failure(OnFailure::step("Rejected")),
            Step::new("Fix", Pause::new()).is_end(true),
            Step::new("Rejected", Sleep::for_duration("PT1S")),
        ]));
        assert!(text.contains("  step_Ask{{\"Ask<br/>aws:approve\"}}\n"), "{text}");
        assert!(text.contains("class step_Ask,step_AskAgain approval"));
        assert!(has_edge(&text, "step_Ask", "-->", "approved", "step_AskAgain"));
        assert!(has_edge(&text, "step_Ask", "-.->", "rejected", "result_failed"));
        assert!(has_edge(&text, "step_AskAgain", "-.->", "rejected or failed", "step_Rejected"));
        assert!(text.contains("class step_Fix wait"), "aws:pause waits for a person too:\n{text}");
    }

    #[test]
    fn loops_draw_a_header_a_body_and_the_way_back() {
        let text = to_mermaid(&doc(vec![
            Step::new(
                "Each",
                Loop::new(vec![
                    Step::new("Tag", Sleep::for_duration("PT1S")),
                    Step::new("Check", Sleep::for_duration("PT1S")).on_failure(OnFailure::step("Tag")),
                ])
                .iterators("{{ List.Ids }}")
                .max_iterations(10),
            ),
            Step::new("After", Pause::new()),
            Step::new(
                "Again",
                Loop::new(vec![Step::new("Poll", Sleep::for_duration("PT1S"))]).loop_condition(Condition::compare(
                    "{{ Poll.Status }}",
                    Operator::StringEquals,
                    "Pending",
                )),
            ),
        ]));
        assert!(
            text.contains("  step_Each[/\"Each<br/>aws:loop<br/>for each item of List.Ids<br/>at most 10 times\"\\]\n"),
            "{text}"
        );
        assert!(text.contains("  subgraph body_step_Each [\"Each body\"]\n    step_Tag["), "{text}");
        assert!(has_edge(&text, "step_Each", "-->", "each iteration", "step_Tag"));
        assert!(has_edge(&text, "step_Tag", "-->", "", "step_Check"));
        assert!(has_edge(&text, "step_Check", "-->", "next iteration", "step_Each"));
        assert!(has_edge(&text, "step_Check", "-.->", "on failure", "step_Tag"), "targets resolve in the body");
        assert!(has_edge(&text, "step_Each", "-->", "loop done", "step_After"));
        assert!(text.contains("repeat while Poll.Status = 'Pending'"), "{text}");
        assert!(has_edge(&text, "step_Again", "-->", "loop done", "result_end"));
        assert_eq!(text.matches("\n  end\n").count(), 2, "one subgraph per loop");
    }

    #[test]
    fn labels_are_escaped_so_mermaid_reads_them_as_text() {
        let nasty = "a\"b<c>|d;e#f%g`h\ni{j}k[l]&m\\n";
        let escaped = escape_label(nasty);
        assert_eq!(escaped, "a#quot;b#lt;c#gt;#124;d#59;e#35;f#37;g#96;h i#123;j#125;k#91;l#93;#amp;m#92;n");
        for bad in ['"', '<', '>', '|', '`', '{', '}', '[', ']', '%', '\n', '\\'] {
            assert!(!escaped.contains(bad), "{bad:?} left in {escaped}");
        }
        let long = "x".repeat(500);
        assert_eq!(escape_label(&long).chars().count(), MAX_LABEL + 1, "long text is cut with …");

        // Step names that are Mermaid keywords or not identifiers get safe, distinct node ids.
        let text = to_mermaid(&doc(vec![
            Step::new("end", Pause::new()),
            Step::new("my-step", Pause::new()),
            Step::new("my_step", Pause::new()).next_step("gone"),
        ]));
        assert!(text.contains("  step_end{{\"end<br/>aws:pause\"}}\n"), "{text}");
        assert!(text.contains("  step_my_step{{\"my-step<br/>aws:pause\"}}\n"));
        assert!(text.contains("  step_my_step_2{{\"my_step<br/>aws:pause\"}}\n"));
        assert!(has_edge(&text, "step_my_step_2", "-->", "", "missing_1_gone"));
        assert!(text.contains("  missing_1_gone[\"gone (no such step)\"]\n"));
    }

    #[test]
    fn an_empty_document_goes_from_start_to_end() {
        let text = to_mermaid(&Document::default());
        assert_eq!(edges(&text), vec![("run_start".into(), "-->".into(), String::new(), "result_end".into())]);
    }
}
