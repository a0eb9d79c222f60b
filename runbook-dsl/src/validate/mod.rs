//! The validator: every create-time rule of the Automation reference, plus the mistakes AWS only
//! finds at run time (dangling targets, unresolved `{{ }}` references, type mismatches, cycles),
//! plus lints. One module per family of rules; [`validate`] runs them all.
//!
//! Every finding is a [`Diagnostic`] with a stable code (table in [`CODES`]), the step, the field
//! path (`mainSteps[2].inputs.Choices[0]`, locatable with [`crate::read::parse`]'s source map),
//! the message and a hint that says the fix.
//!
//! ```
//! use runbook_dsl::prelude::*;
//! use runbook_dsl::validate::{validate, Severity};
//! let doc = runbook_dsl::read::from_str(
//!     "schemaVersion: '0.3'\nmainSteps:\n  - name: A\n    action: aws:pause\n    inputs: {}\n    nextStep: Nowhere\n",
//! ).unwrap();
//! let found = validate(&doc);
//! let e = found.iter().find(|d| d.severity == Severity::Error).unwrap();
//! assert_eq!((e.code, e.step.as_deref(), e.field.as_str()), ("E031", Some("A"), "mainSteps[0].nextStep"));
//! ```

mod api;
#[doc(hidden)]
pub use api::set_enabled as set_api_checks;
mod document;
mod flow;
mod heard;
mod lints;
mod refs;
mod steps;
mod suggest;

pub(crate) use document::fits;
pub use document::{MAX_ATTACHMENTS, MAX_DOCUMENT_BYTES};
pub use heard::CANCEL_LIMIT_SECONDS;
pub use lints::{is_mutating, CHANGES_NO_RESOURCE};
pub(crate) use refs::reads_outputs_of;
pub use steps::{max_timeout, NOT_ON_CANCEL_TARGET};
pub(crate) use suggest::did_you_mean;

use crate::model::{Action, Document, OnCancel, OnFailure, Step};
use std::fmt;

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// AWS rejects the document, or the run fails or misbehaves.
    Error,
    /// Likely a mistake or a risk (lint); AWS accepts the document.
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// One finding of the validator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Stable code, e.g. `E031` (see [`CODES`]).
    pub code: &'static str,
    /// The step concerned, if any.
    pub step: Option<String>,
    /// Field path, e.g. `mainSteps[2].inputs.Choices[0]` (empty for the whole document).
    pub field: String,
    /// What is wrong.
    pub message: String,
    /// How to fix it, in the document's own terms (YAML keys and values): the advice for a
    /// document read from a file. [`Diagnostic::rust_hint`] adds the builder's way for a
    /// document built in Rust.
    pub hint: String,
}

/// Per code, how to fix it with the builder API: shown only for documents built in Rust
/// (`Runbook::build`, `emit`), never for YAML or JSON files.
pub const RUST_HINTS: &[(&str, &str)] = &[
    ("W001", "declare the undo steps with `rb.mutate(step, undo_steps)`, which wires onFailure/onCancel"),
    ("W003", "call `rb.assume_role()`"),
    ("W004", "lower `.timeout_seconds(..)`, or `rb.accept_warning(\"W004\")` for imported documents"),
    ("E007", "call `rb.assume_role()`, or `rb.set_assume_role(&role_param)`"),
    (
        "E031",
        "use the `StepRef` that `rb.add` returns, or the flow API (`if_else`, `approve`, `mutate`), instead of a name",
    ),
    ("E060", "pass the `Param` handle that `rb.param` returns instead of a `{{ }}` string"),
    ("E061", "pass the `Output` handle that `rb.output` returns instead of a `{{ }}` string"),
    ("E062", "take the `Output` only after the step that produces it, on every path"),
    ("E065", "pass a handle of the type the input takes (`Param<Int>`, `Output<StrList>`, ...)"),
    ("W002", "give the parameter `ParamSpec::pattern(..)` or `ParamSpec::allowed_values(..)`"),
];

impl Diagnostic {
    /// The builder API's way to fix this finding, when there is one (see [`RUST_HINTS`]).
    ///
    /// ```
    /// use runbook_dsl::validate::{validate, Severity};
    /// let doc = runbook_dsl::read::from_str("schemaVersion: '0.3'\nmainSteps:\n  - name: A\n    action: aws:pause\n    inputs: {}\n").unwrap();
    /// let w003 = validate(&doc).into_iter().find(|d| d.code == "W003").unwrap();
    /// assert!(!w003.hint.contains("rb."));                  // YAML advice for a file
    /// assert_eq!(w003.rust_hint(), Some("call `rb.assume_role()`"));
    /// ```
    pub fn rust_hint(&self) -> Option<&'static str> {
        RUST_HINTS.iter().find(|(c, _)| *c == self.code).map(|(_, h)| *h)
    }
}

impl fmt::Display for Diagnostic {
    /// `error[E031] step=A field=mainSteps[0].nextStep: message (hint: ...)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}[{}]", self.severity, self.code)?;
        if let Some(s) = &self.step {
            write!(f, " step={s}")?;
        }
        if !self.field.is_empty() {
            write!(f, " field={}", self.field)?;
        }
        write!(f, ": {} (hint: {})", self.message, self.hint)
    }
}

/// Every code: (code, severity, what it finds). Codes are stable: a rule that goes away keeps
/// its number unused.
pub const CODES: &[(&str, Severity, &str)] = &[
    ("E001", Severity::Error, "schemaVersion is not '0.3'"),
    ("E002", Severity::Error, "mainSteps is empty"),
    ("E003", Severity::Error, "document larger than 64 KB"),
    ("E004", Severity::Error, "more than 5 attachments in files"),
    ("E005", Severity::Error, "attachment without a sha256 checksum of 64 hex digits"),
    ("E006", Severity::Error, "unknown top-level key"),
    ("E007", Severity::Error, "assumeRole is not a role ARN or a String parameter reference"),
    ("E008", Severity::Error, "document output names an unknown step or output"),
    ("E009", Severity::Error, "text field written as null (read documents only)"),
    ("E010", Severity::Error, "parameter name not letters and digits"),
    ("E011", Severity::Error, "parameter default does not match the parameter type"),
    ("E012", Severity::Error, "parameter default does not match allowedPattern"),
    ("E013", Severity::Error, "parameter default is not one of allowedValues"),
    ("E014", Severity::Error, "allowedPattern is not a regular expression"),
    ("E015", Severity::Error, "unknown parameter attribute"),
    ("E016", Severity::Error, "variable default does not match the variable type"),
    ("E017", Severity::Error, "key written twice in one map (read documents only)"),
    ("E020", Severity::Error, "duplicate step name"),
    ("E021", Severity::Error, "step name not letters, digits and _"),
    ("E022", Severity::Error, "unknown action"),
    ("E023", Severity::Error, "required input missing or inputs of the wrong shape"),
    ("E024", Severity::Error, "maxAttempts below 1"),
    ("E025", Severity::Error, "aws:approve timeoutSeconds above 2592000 (30 days)"),
    ("E026", Severity::Error, "onFailure is not Abort, Continue or step:NAME"),
    ("E027", Severity::Error, "onCancel is not Abort or step:NAME"),
    ("E028", Severity::Error, "onCancel on aws:loop or aws:updateVariable"),
    ("E029", Severity::Error, "onCancel target is an action that cannot be one"),
    ("E030", Severity::Error, "isEnd: true together with nextStep"),
    ("E031", Severity::Error, "target step does not exist"),
    ("E032", Severity::Error, "output selector is not JSONPath from $ ($.Payload for aws:executeScript)"),
    ("E033", Severity::Error, "duplicate output name in a step"),
    ("E034", Severity::Error, "aws:loop needs exactly one of Iterators and LoopCondition"),
    ("E035", Severity::Error, "aws:loop MaxIterations outside 1..100, or more than 100 Iterators"),
    ("E036", Severity::Error, "aws:approve needs 1 to 10 approvers"),
    ("E037", Severity::Error, "aws:approve MinRequiredApprovals outside 1..approvers"),
    ("E038", Severity::Error, "aws:approve Message longer than 4096 characters"),
    ("E039", Severity::Error, "aws:approve NotificationArn topic name does not start with Automation"),
    ("E040", Severity::Error, "unknown aws:branch operator"),
    ("E041", Severity::Error, "malformed condition, or aws:branch without choices"),
    ("E042", Severity::Error, "operator does not fit the type of the tested value"),
    ("E043", Severity::Error, "aws:sleep needs exactly one of Duration and Timestamp, at most 604799 s"),
    ("E044", Severity::Error, "aws:updateVariable names an undeclared variable or gives a value of another type"),
    ("E045", Severity::Error, "aws:executeScript needs Script or Attachment (and Handler for Python)"),
    ("E046", Severity::Error, "aws:createStack needs exactly one of TemplateBody and TemplateURL"),
    ("E047", Severity::Error, "aws:runCommand needs InstanceIds (at most 50) or Targets"),
    ("E048", Severity::Error, "input value not one the action documents (DesiredState, Runtime, ...)"),
    ("E050", Severity::Error, "unreachable step"),
    ("E051", Severity::Error, "cycle with no way out"),
    ("E052", Severity::Error, "rollback path falls through into the main flow"),
    ("E060", Severity::Error, "reference to an undeclared parameter or variable"),
    ("E061", Severity::Error, "reference to an unknown step or step output"),
    ("E062", Severity::Error, "reference to an output of a step that does not run before on every path"),
    ("E063", Severity::Error, "{{ssm:...}} outside a parameter default"),
    ("E064", Severity::Error, "loop value used outside its loop"),
    ("E065", Severity::Error, "reference of an incompatible type"),
    ("E066", Severity::Error, "unknown built-in variable"),
    ("E070", Severity::Error, "unknown AWS service (not an AWS SDK for Python client name)"),
    ("E071", Severity::Error, "unknown API operation of the service"),
    ("E072", Severity::Error, "unknown API parameter or member"),
    ("E073", Severity::Error, "required API parameter or member missing"),
    ("E074", Severity::Error, "API parameter of the wrong kind (literal, or {{ }} of an incompatible type)"),
    ("E075", Severity::Error, "API parameter value not one of the model's enum values"),
    ("E076", Severity::Error, "PropertySelector cannot resolve in the API response"),
    ("E077", Severity::Error, "output Type cannot hold what the selector selects"),
    ("E078", Severity::Error, "DesiredValues value that can never match (enum or boolean)"),
    ("W001", Severity::Warning, "mutating step with no rollback"),
    ("W002", Severity::Warning, "String parameter reaches a script or command without allowedPattern"),
    ("W003", Severity::Warning, "no assumeRole"),
    ("W004", Severity::Warning, "timeoutSeconds above the most the action can run (no effect)"),
    ("W005", Severity::Warning, "parameter default is a {{ }} reference other than Parameter Store (not expanded)"),
    ("W006", Severity::Warning, "onCancel path can run longer than the 2 minutes AWS gives a cancellation"),
    ("W007", Severity::Warning, "aws:approve without NotificationArn (approvers are not told)"),
    ("W070", Severity::Warning, "Service written in another case than boto3's client name"),
    ("W071", Severity::Warning, "output Selector cannot resolve in the API response (the output stays empty)"),
];

/// Checks a document; every finding, errors first, each group in document order.
///
/// The checks run on the model, so a document built in Rust and one read from a file get the
/// same findings.
pub fn validate(doc: &Document) -> Vec<Diagnostic> {
    let cx = Cx::new(doc);
    let mut out = Vec::new();
    document::check(&cx, &mut out);
    steps::check(&cx, &mut out);
    flow::check(&cx, &mut out);
    refs::check(&cx, &mut out);
    api::check(&cx, &mut out);
    lints::check(&cx, &mut out);
    heard::check(&cx, &mut out);
    out.sort_by_key(|d| d.severity);
    out
}

/// [`validate`] for a document read from text, plus what only the text shows (a text field
/// written as `null`, E009). `runbook validate` uses this.
///
/// ```
/// let p = runbook_dsl::read::parse("schemaVersion: '0.3'\ndescription:\nmainSteps:\n  - name: A\n    action: aws:pause\n    inputs: {}\n").unwrap();
/// let codes: Vec<&str> = runbook_dsl::validate::validate_parsed(&p).iter().map(|d| d.code).collect();
/// assert!(codes.contains(&"E009"));
/// ```
pub fn validate_parsed(parsed: &crate::read::Parsed) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = parsed
        .nulls
        .iter()
        .map(|f| {
            let key = f.rsplit('.').next().unwrap_or(f);
            diag(
                "E009",
                None,
                f.clone(),
                format!("`{key}` is null; AWS's schema expects text"),
                format!("remove `{key}` or give it text (an empty value in YAML is null; write '' for empty text)"),
            )
        })
        .collect();
    out.extend(parsed.duplicates.iter().map(|f| {
        let key = f.rsplit('.').next().unwrap_or(f);
        diag(
            "E017",
            None,
            f.clone(),
            format!("`{key}` is written twice in the same map; the document keeps only the last value"),
            format!("keep one `{key}` (readers differ on which one wins)"),
        )
    }));
    out.extend(validate(&parsed.document));
    out.sort_by_key(|d| d.severity);
    out
}

/// The steps that run only on a rollback path: reached from the start of their step list
/// through an `onFailure` or `onCancel` target, never by the normal flow. A run that ends on
/// such a path ends `Failed` (or `Cancelled`), even when its last step succeeds: the step that
/// failed is critical. Diagrams end these paths in a `Failed` node.
///
/// ```
/// let doc = runbook_dsl::read::from_str("schemaVersion: '0.3'\nmainSteps:\n  - name: Change\n    action: aws:pause\n    inputs: {}\n    onFailure: step:Undo\n    isEnd: true\n  - name: Undo\n    action: aws:pause\n    inputs: {}\n").unwrap();
/// assert_eq!(runbook_dsl::validate::rollback_only(&doc), vec!["Undo"]);
/// ```
pub fn rollback_only(doc: &Document) -> Vec<&str> {
    let cx = Cx::new(doc);
    let mut out = Vec::new();
    for members in &cx.scopes {
        let Some(&first) = members.first() else { continue };
        let normal = flow::reach(&cx, first, |e| matches!(e, Edge::Success | Edge::Continue));
        let all = flow::reach(&cx, first, |_| true);
        out.extend(
            members.iter().filter(|i| all.contains(i) && !normal.contains(i)).map(|&i| cx.steps[i].step.name.as_str()),
        );
    }
    out
}

/// Only the errors of [`validate`].
pub fn errors(doc: &Document) -> Vec<Diagnostic> {
    validate(doc).into_iter().filter(|d| d.severity == Severity::Error).collect()
}

/// A step with its place: field path, scope (0 = mainSteps, then one per aws:loop body), index
/// in its scope, and the chain of (scope, index) from the top.
pub(crate) struct StepAt<'a> {
    pub step: &'a Step,
    pub path: String,
    pub scope: usize,
    pub index: usize,
    pub chain: Vec<(usize, usize)>,
    /// The step's inputs as written (computed once: typed actions serialize them).
    pub inputs: crate::model::Map,
}

/// Shared context of the checks.
pub(crate) struct Cx<'a> {
    pub doc: &'a Document,
    pub steps: Vec<StepAt<'a>>,
    /// Per scope: indices into `steps`, in list order.
    pub scopes: Vec<Vec<usize>>,
    /// The first step of each (scope, name), and of each name in any scope: lookups in constant
    /// time, so that documents with thousands of steps are not checked in quadratic time.
    by_name: std::collections::HashMap<(usize, &'a str), usize>,
    any_by_name: std::collections::HashMap<&'a str, usize>,
    /// Per step: its successors (computed once: flow checks walk them many times).
    edges: Vec<Vec<(usize, Edge)>>,
}

impl<'a> Cx<'a> {
    pub(crate) fn new(doc: &'a Document) -> Self {
        let mut cx = Cx {
            doc,
            steps: Vec::new(),
            scopes: Vec::new(),
            by_name: Default::default(),
            any_by_name: Default::default(),
            edges: Vec::new(),
        };
        cx.walk(&doc.main_steps, "mainSteps", &[]);
        for (i, at) in cx.steps.iter().enumerate() {
            cx.by_name.entry((at.scope, at.step.name.as_str())).or_insert(i);
            cx.any_by_name.entry(at.step.name.as_str()).or_insert(i);
        }
        cx.edges = (0..cx.steps.len()).map(|i| cx.successors(i)).collect();
        cx
    }

    fn walk(&mut self, steps: &'a [Step], base: &str, chain: &[(usize, usize)]) {
        let scope = self.scopes.len();
        self.scopes.push(Vec::new());
        for (i, s) in steps.iter().enumerate() {
            let path = format!("{base}[{i}]");
            let mut ch = chain.to_vec();
            ch.push((scope, i));
            self.scopes[scope].push(self.steps.len());
            let inputs = s.action.inputs().unwrap_or_default();
            self.steps.push(StepAt { step: s, path: path.clone(), scope, index: i, chain: ch.clone(), inputs });
            if let Action::Loop(l) = &s.action {
                self.walk(&l.steps, &format!("{path}.inputs.Steps"), &ch);
            }
        }
    }

    /// The step of `scope` named `name`.
    pub fn find(&self, scope: usize, name: &str) -> Option<usize> {
        self.by_name.get(&(scope, name)).copied()
    }

    /// Any step (any scope) named `name`, preferring the first.
    pub fn find_any(&self, name: &str) -> Option<usize> {
        self.any_by_name.get(name).copied()
    }

    /// Successors of step `i` within its scope: (target index into `steps`, edge kind).
    pub fn edges(&self, i: usize) -> &[(usize, Edge)] {
        &self.edges[i]
    }

    /// The successors of step `i`, worked out from the step and the names of its scope.
    fn successors(&self, i: usize) -> Vec<(usize, Edge)> {
        let at = &self.steps[i];
        let s = at.step;
        let scope = &self.scopes[at.scope];
        let mut out = Vec::new();
        let find = |n: &str| self.find(at.scope, n);
        let next_in_list = scope.get(at.index + 1).copied();
        match &s.action {
            Action::Branch(b) => {
                for c in &b.choices {
                    out.extend(find(&c.next_step).map(|t| (t, Edge::Success)));
                }
                match &b.default {
                    Some(d) => out.extend(find(d).map(|t| (t, Edge::Success))),
                    None if s.is_end != Some(true) => out.extend(next_in_list.map(|t| (t, Edge::Success))),
                    None => {}
                }
            }
            _ => {
                if let Some(n) = &s.next_step {
                    out.extend(find(n).map(|t| (t, Edge::Success)));
                } else if s.is_end != Some(true) {
                    out.extend(next_in_list.map(|t| (t, Edge::Success)));
                }
            }
        }
        match &s.on_failure {
            Some(OnFailure::Step(t)) => out.extend(find(t).map(|t| (t, Edge::Failure))),
            Some(OnFailure::Continue) => {
                let succ: Vec<usize> = out.iter().filter(|e| e.1 == Edge::Success).map(|e| e.0).collect();
                out.extend(succ.into_iter().map(|t| (t, Edge::Continue)));
            }
            _ => {}
        }
        if let Some(OnCancel::Step(t)) = &s.on_cancel {
            out.extend(find(t).map(|t| (t, Edge::Cancel)));
        }
        out
    }

    /// The steps step `i` goes on to when it succeeds.
    pub fn on_success(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        self.edges(i).iter().filter(|e| e.1 == Edge::Success).map(|e| e.0)
    }

    /// Whether step `i` ends the run (or its scope) when it succeeds.
    pub fn ends(&self, i: usize) -> bool {
        self.on_success(i).next().is_none()
    }
}

/// The kind of a flow edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Edge {
    /// After success: nextStep, the next listed step, a branch target.
    Success,
    /// onFailure step:X.
    Failure,
    /// onFailure Continue: on to the success targets.
    Continue,
    /// onCancel step:X.
    Cancel,
}

/// Builds a diagnostic; the severity comes from [`CODES`].
pub(crate) fn diag(
    code: &'static str,
    step: Option<&str>,
    field: impl Into<String>,
    message: impl Into<String>,
    hint: impl Into<String>,
) -> Diagnostic {
    let severity = CODES.iter().find(|c| c.0 == code).map(|c| c.1).unwrap_or(Severity::Error);
    Diagnostic {
        severity,
        code,
        step: step.map(str::to_string),
        field: field.into(),
        message: message.into(),
        hint: hint.into(),
    }
}

/// The number in a value that is a number or a string of digits.
pub(crate) fn as_u64(v: &crate::model::Value) -> Option<u64> {
    match v {
        crate::model::Value::Number(n) => n.as_u64(),
        crate::model::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Whether a value is (or holds) a `{{ }}` reference, so its literal shape is unknown.
pub(crate) fn is_ref(v: &crate::model::Value) -> bool {
    v.as_str().is_some_and(|s| s.contains("{{"))
}
