//! Mermaid flowcharts of documents, for review: what runs after what, and why.
//!
//! [`to_mermaid`] draws any [`Document`], built or read, valid or not:
//! - one node per step, labelled with its name, its action and (for API-like actions) what it
//!   calls; `aws:branch` steps are diamonds, `aws:approve` and `aws:pause` hexagons, `aws:loop`
//!   steps trapezoids whose nested steps sit in a subgraph; steps with `isEnd: true` have a thick
//!   border;
//! - solid edges for the normal flow (`nextStep`, the next listed step, each branch choice
//!   labelled with its condition, `default`), from a `Start` node to an `End` node;
//! - dashed, labelled and coloured edges for `onFailure` (red) and `onCancel` (orange); an
//!   approval's rejection and a branch without `Default` whose choices all fail are failures too,
//!   drawn to the failure target or to a `Failed` node;
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
        Graph {
            doc,
            ids,
            nodes: String::new(),
            edges: Vec::new(),
            classes: BTreeMap::new(),
            missing: Vec::new(),
            used_end: false,
            used_failed: false,
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
                if let Some(d) = &b.default {
                    let to = self.resolve(d, scope);
                    self.edge(&id, to, Some("default"), EdgeKind::Flow);
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

        // Failure: explicit routes always; the implicit abort only where failing is part of the
        // step's meaning (a rejection, a branch with no matching choice).
        let approve = matches!(step.action, Action::Approve(_));
        let branch_no_default = matches!(&step.action, Action::Branch(b) if b.default.is_none());
        let (what, what_continue) = if approve {
            ("rejected or failed", "rejected: continue")
        } else if branch_no_default {
            ("no choice holds", "no choice holds: continue")
        } else {
            ("on failure", "on failure: continue")
        };
        match &step.on_failure {
            Some(OnFailure::Step(target)) => {
                let to = self.resolve(target, scope);
                self.edge(&id, to, Some(what), EdgeKind::Failure);
            }
            Some(OnFailure::Continue) => {
                let (to, _) = self.next_of(step, i, scope);
                self.edge(&id, to, Some(what_continue), EdgeKind::Failure);
            }
            _ if approve || branch_no_default => {
                let lbl = if approve { "rejected" } else { what };
                self.edge(&id, FAILED.to_string(), Some(lbl), EdgeKind::Failure);
            }
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
