//! The flow API of [`Runbook`]: if/else, approvals with a rejected path, mutating steps with
//! their undo steps (rollback), loops and variable updates. The builder writes `nextStep`,
//! `isEnd`, `onFailure`, `onCancel` and `isCritical`; plain [`Step`] properties stay available
//! for anything else.
//!
//! ```
//! use runbook_dsl::prelude::*;
//!
//! let mut rb = Runbook::new("Turn on versioning unless it is on.");
//! rb.assume_role();
//! let bucket: Param<Str> = rb.param("BucketName", ParamSpec::new("The bucket.").pattern("^[a-z0-9.-]{3,63}$"));
//! let get = rb.add(Step::new("GetVersioning", ExecuteAwsApi::new("s3", "GetBucketVersioning").param("Bucket", &bucket)));
//! let status: Output<Str> = rb.output(&get, "Status", "$.Status");
//! rb.if_else(
//!     "IsEnabled",
//!     Cond::string_equals(&status, "Enabled"),
//!     |rb| {
//!         rb.add(Step::new("AlreadyCompliant", Sleep::for_duration("PT1S")));
//!     },
//!     |rb| {
//!         rb.mutate(
//!             Step::new("Enable", ExecuteAwsApi::new("s3", "PutBucketVersioning")
//!                 .param("Bucket", &bucket).param("VersioningConfiguration", json!({"Status": "Enabled"}))),
//!             vec![Step::new("Suspend", ExecuteAwsApi::new("s3", "PutBucketVersioning")
//!                 .param("Bucket", &bucket).param("VersioningConfiguration", json!({"Status": "Suspended"})))],
//!         );
//!         rb.add(Step::new("Verify", AssertAwsResourceProperty::new("s3", "GetBucketVersioning", "$.Status", vec!["Enabled"])
//!             .param("Bucket", &bucket)));
//!     },
//! );
//! let doc = rb.build().unwrap();
//! let verify = doc.step("Verify").unwrap();
//! assert_eq!(verify.on_failure, Some(OnFailure::step("Suspend")));  // undo runs when Verify fails
//! assert_eq!(verify.on_cancel, Some(OnCancel::step("Suspend")));
//! assert_eq!(doc.step("AlreadyCompliant").unwrap().is_end, Some(true));
//! assert_eq!(doc.step("Suspend").unwrap().is_end, Some(true));
//! ```

use super::refs::{Bool, Builtin, Int, Output, Param, Reference, SsmType, Str, StrList, Var};
use super::{Runbook, StepRef};
use crate::model::actions::{Approve, Branch, Choice, Condition, Loop, Operator, UpdateVariable};
use crate::model::{Action, OnCancel, OnFailure, Step, Value};
use crate::validate::{self, Severity};
use std::panic::Location;

/// A handle whose value has the SSM type `T`: a parameter, an output, a variable (and the
/// built-ins, which are strings). Conditions use it to fit operators to types.
pub trait Typed<T>: Reference {}
impl<T: SsmType> Typed<T> for Param<T> {}
impl<T: SsmType> Typed<T> for Output<T> {}
impl<T: SsmType> Typed<T> for Var<T> {}
impl Typed<Str> for Builtin {}

/// A typed condition of an `aws:branch` choice or an `aws:loop` `LoopCondition`.
///
/// Each operator takes a handle of the type it compares: string operators a `Typed<Str>`,
/// numeric operators a `Typed<Int>`, `BooleanEquals` a `Typed<Bool>`. A numeric test of a
/// string output does not compile:
///
/// ```compile_fail
/// use runbook_dsl::prelude::*;
/// let mut rb = Runbook::new("d");
/// let s = rb.add(Step::new("Get", ExecuteAwsApi::new("s3", "GetBucketEncryption")));
/// let algo: Output<Str> = rb.output(&s, "Algo", "$.A");
/// let _ = Cond::numeric_greater(&algo, 3); // Output<Str> is not Typed<Int>
/// ```
///
/// ```
/// use runbook_dsl::prelude::*;
/// let mut rb = Runbook::new("d");
/// let n: Param<Int> = rb.param("Count", ParamSpec::new("How many."));
/// let c = Cond::numeric_greater(&n, 3).and(Cond::numeric_lesser(&n, 10)).not();
/// let v = serde_json::to_value(Condition::from(c)).unwrap();
/// assert_eq!(v, json!({"Not": {"And": [
///     {"Variable": "{{ Count }}", "NumericGreater": 3},
///     {"Variable": "{{ Count }}", "NumericLesser": 10}]}}));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Cond(Condition);

macro_rules! ops {
    ($marker:ty, $vt:ty => $($(#[$doc:meta])* $f:ident = $op:ident),*) => {$(
        $(#[$doc])*
        pub fn $f<R: Typed<$marker>>(r: &R, value: impl Into<$vt>) -> Cond {
            Cond(Condition::compare(r.value(), Operator::$op, Value::from(value.into())))
        }
    )*};
}

impl Cond {
    ops!(Str, String =>
        /// `StringEquals`.
        string_equals = StringEquals,
        /// `EqualsIgnoreCase`.
        equals_ignore_case = EqualsIgnoreCase,
        /// `StartsWith`.
        starts_with = StartsWith,
        /// `EndsWith`.
        ends_with = EndsWith,
        /// `Contains`.
        contains = Contains
    );
    ops!(StrList, String =>
        /// `Contains` on a `StringList`: the list has the value as an item.
        list_contains = Contains
    );
    ops!(Int, i64 =>
        /// `NumericEquals`.
        numeric_equals = NumericEquals,
        /// `NumericGreater`.
        numeric_greater = NumericGreater,
        /// `NumericGreaterOrEquals`.
        numeric_greater_or_equals = NumericGreaterOrEquals,
        /// `NumericLesser`.
        numeric_lesser = NumericLesser,
        /// `NumericLesserOrEquals`.
        numeric_lesser_or_equals = NumericLesserOrEquals
    );
    ops!(Bool, bool =>
        /// `BooleanEquals`.
        boolean_equals = BooleanEquals
    );

    /// `And`: all of the conditions hold.
    pub fn all(cs: impl IntoIterator<Item = Cond>) -> Cond {
        Cond(Condition::And(cs.into_iter().map(|c| c.0).collect()))
    }
    /// `Or`: at least one holds.
    pub fn any(cs: impl IntoIterator<Item = Cond>) -> Cond {
        Cond(Condition::Or(cs.into_iter().map(|c| c.0).collect()))
    }
    /// `And` of this and another (flattened when this is already an `And`).
    pub fn and(self, other: Cond) -> Cond {
        match self.0 {
            Condition::And(mut cs) => {
                cs.push(other.0);
                Cond(Condition::And(cs))
            }
            c => Cond(Condition::And(vec![c, other.0])),
        }
    }
    /// `Or` of this and another (flattened when this is already an `Or`).
    pub fn or(self, other: Cond) -> Cond {
        match self.0 {
            Condition::Or(mut cs) => {
                cs.push(other.0);
                Cond(Condition::Or(cs))
            }
            c => Cond(Condition::Or(vec![c, other.0])),
        }
    }
    /// `Not`.
    #[allow(clippy::should_implement_trait)]
    pub fn not(self) -> Cond {
        Cond(Condition::Not(Box::new(self.0)))
    }
}

impl From<Cond> for Condition {
    fn from(c: Cond) -> Condition {
        c.0
    }
}

/// An `aws:approve` request: 1 to 10 approvers, how many must approve, the message and the SNS
/// topic (its name must start with `Automation`). Limits are checked by [`Runbook::build`].
///
/// ```
/// use runbook_dsl::prelude::*;
/// let a = Approval::new(vec!["arn:aws:iam::123456789012:role/Approver"])
///     .message("Stop it?")
///     .description("Waits for an approver; a rejection ends the run without changes.");
/// let mut rb = Runbook::new("d");
/// rb.approve("Approve", a, |_| {});
/// rb.add(Step::new("Stop", Pause::new()));
/// let doc = rb.build().unwrap();
/// assert_eq!(doc.step("Approve").unwrap().description.as_deref(), Some("Waits for an approver; a rejection ends the run without changes."));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Approval {
    action: Approve,
    description: Option<String>,
}

impl Approval {
    /// Approvers: a list of IAM users or role ARNs, or a `StringList` handle.
    pub fn new(approvers: impl Into<Value>) -> Self {
        Approval { action: Approve::new(approvers), description: None }
    }
    /// `MinRequiredApprovals` (default 1; at most the number of approvers).
    pub fn min_required(mut self, n: u64) -> Self {
        self.action.min_required_approvals = Some(n.into());
        self
    }
    /// `Message` (at most 4096 characters).
    pub fn message(mut self, text: impl Into<String>) -> Self {
        self.action.message = Some(Value::String(text.into()));
        self
    }
    /// The step's `description` (shown in the console, the page and the diagram's review).
    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.description = Some(text.into());
        self
    }
    /// `NotificationArn`: an SNS topic whose name starts with `Automation`.
    pub fn notify(mut self, topic_arn: impl Into<Value>) -> Self {
        self.action.notification_arn = Some(topic_arn.into());
        self
    }
}

/// The step handle of an `aws:loop`, with the loop's own values for the body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoopRef {
    step: String,
}

impl LoopRef {
    /// `{{ Loop.CurrentIteration }}` (from 1).
    pub fn iteration(&self) -> Output<Int> {
        Output::new(self.step.clone(), "CurrentIteration")
    }
    /// `{{ Loop.CurrentIteratorValue }}` (for-each loops).
    pub fn item(&self) -> Output<Str> {
        Output::new(self.step.clone(), "CurrentIteratorValue")
    }
    /// The loop step's name.
    pub fn name(&self) -> &str {
        &self.step
    }
}

/// Where a link still waits for the next step added.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Pending {
    /// `nextStep` of this step.
    Next(String),
    /// `NextStep` of a choice of this branch.
    Choice(String, usize),
    /// `Default` of this branch.
    Default(String),
}

/// Wiring the builder still has to do.
#[derive(Clone, Debug, Default)]
pub(crate) struct FlowState {
    /// Warnings `build` accepts although it would refuse them (see `Runbook::accept_warning`).
    accepted: Vec<&'static str>,
    pending: Vec<Pending>,
    /// Mutating steps and their undo steps, in declaration order.
    undo: Vec<(String, Vec<Step>)>,
}

impl Runbook {
    /// Points every pending link at `name`, the step just added.
    pub(super) fn join_pending(&mut self, name: &str) {
        for p in std::mem::take(&mut self.flow.pending) {
            let (step, slot) = match &p {
                Pending::Next(s) | Pending::Default(s) => (s.clone(), None),
                Pending::Choice(s, i) => (s.clone(), Some(*i)),
            };
            let Some(st) = self.doc.main_steps.iter_mut().find(|x| x.name == step) else { continue };
            match (&p, &mut st.action) {
                (Pending::Next(_), _) => st.next_step = Some(name.to_string()),
                (Pending::Default(_), Action::Branch(b)) => b.default = Some(name.to_string()),
                (Pending::Choice(..), Action::Branch(b)) => {
                    if let Some(c) = slot.and_then(|i| b.choices.get_mut(i)) {
                        c.next_step = name.to_string();
                    }
                }
                _ => {}
            }
        }
    }

    /// Runs `f` as a path of its own: returns the first step it added and leaves the links that
    /// must join the step after the construct in the returned list (the path's last step).
    fn path(&mut self, f: impl FnOnce(&mut Runbook)) -> (Option<String>, Vec<Pending>) {
        let outer = std::mem::take(&mut self.flow.pending);
        let start = self.doc.main_steps.len();
        f(self);
        let first = self.doc.main_steps.get(start).map(|s| s.name.clone());
        let mut joins = std::mem::take(&mut self.flow.pending);
        if let Some(last) = self.doc.main_steps.get(start..).and_then(|s| s.last()) {
            let open = last.is_end != Some(true)
                && last.next_step.is_none()
                && !matches!(last.action, Action::Branch(_))
                && !joins.iter().any(|p| matches!(p, Pending::Next(s) if *s == last.name));
            if open {
                joins.push(Pending::Next(last.name.clone()));
            }
        }
        self.flow.pending = outer;
        (first, joins)
    }

    /// If/else: an `aws:branch` step `name` that runs the steps `then` adds when `cond` holds,
    /// else the steps `otherwise` adds; both paths join again at the next step added after
    /// this call (or end the run when nothing follows). Either path may be empty.
    #[track_caller]
    pub fn if_else(
        &mut self,
        name: &str,
        cond: Cond,
        then: impl FnOnce(&mut Runbook),
        otherwise: impl FnOnce(&mut Runbook),
    ) -> StepRef {
        let r = self.add(Step::new(name, Branch::new(vec![Choice::new("", cond.0)])));
        let (then_first, mut joins) = self.path(then);
        let (else_first, else_joins) = self.path(otherwise);
        joins.extend(else_joins);
        let step = self.step_mut(&r);
        if let Action::Branch(b) = &mut step.action {
            match then_first {
                Some(t) => b.choices[0].next_step = t,
                None => joins.push(Pending::Choice(name.to_string(), 0)),
            }
            match else_first {
                Some(e) => b.default = Some(e),
                None => joins.push(Pending::Default(name.to_string())),
            }
        }
        self.flow.pending.extend(joins);
        r
    }

    /// An `aws:approve` step. When approved, the run goes on with the next step added after
    /// this call. A rejection fails the step (AWS's semantics), and the run takes the path
    /// `rejected` adds (`onFailure: step:<first>`), whose last step ends the run; with an empty
    /// path a rejection aborts. `isCritical` stays true, so a rejected run ends `Failed`: the
    /// finding was not remediated, and the status says so. A timeout (default 7 days) also
    /// takes the rejected path.
    ///
    /// ```
    /// use runbook_dsl::prelude::*;
    /// let mut rb = Runbook::new("d");
    /// rb.approve("Approve", Approval::new(vec!["arn:aws:iam::123456789012:role/Ops"]), |rb| {
    ///     rb.add(Step::new("Rejected", Sleep::for_duration("PT1S")));
    /// });
    /// rb.add(Step::new("Fix", Pause::new()));
    /// let doc = rb.build().unwrap();
    /// let a = doc.step("Approve").unwrap();
    /// assert_eq!((a.on_failure.clone(), a.next_step.as_deref()), (Some(OnFailure::step("Rejected")), Some("Fix")));
    /// assert_eq!(doc.step("Rejected").unwrap().is_end, Some(true));
    /// ```
    #[track_caller]
    pub fn approve(&mut self, name: &str, approval: Approval, rejected: impl FnOnce(&mut Runbook)) -> StepRef {
        let mut step = Step::new(name, approval.action).is_critical(true);
        step.description = approval.description;
        let r = self.add(step);
        let (first, ends) = self.path(rejected);
        for p in ends {
            if let Pending::Next(s) = p {
                if let Some(st) = self.doc.main_steps.iter_mut().find(|x| x.name == s) {
                    st.is_end = Some(true);
                }
            }
        }
        let step = self.step_mut(&r);
        step.on_failure = Some(first.map_or(OnFailure::Abort, OnFailure::Step));
        self.flow.pending.push(Pending::Next(name.to_string()));
        r
    }

    /// Adds a step that changes resources, with the steps that undo the change: the one way to
    /// declare undo (the `undo { ... }` of `flow!` is sugar over it).
    ///
    /// Rollback: when the change itself fails or is cancelled, or a later step k fails or is
    /// cancelled while it runs, the undo steps of every change made so far run in reverse order
    /// (the last change is undone first), then the run ends. The builder writes it at
    /// [`Runbook::build`]: undo steps go after the main flow, each block ending in the block of
    /// the change before it; the change and every step after it get
    /// `onFailure: step:<undo>`, `isCritical: true` and `onCancel: step:<undo>`.
    ///
    /// Outputs of the change: an undo step can read them through typed handles declared on the
    /// change step before it is added ([`Output::declare`]). Such an undo only runs once the
    /// change has completed: when the change itself fails (and so produced no outputs), its
    /// failure and cancellation go to the undo of the change before it instead (or end the run).
    ///
    /// Status: a failed run still ends **`Failed`**, because the failed step is critical (AWS
    /// ends a run whose critical step failed `Failed` even when the onFailure path succeeds), so
    /// a rolled-back remediation is never reported as a success; a cancelled run ends
    /// `Cancelled` after the undo steps (AWS gives the cancel path at most 2 minutes; the
    /// validator's W006 warns when the timeouts along it add up to more). Undo steps get
    /// `onFailure: Continue` so that one failed undo does not stop the others.
    ///
    /// Limits respected: AWS refuses aws:approve, aws:copyImage, aws:createImage,
    /// aws:createStack, aws:createTags, aws:pause, aws:runInstances and aws:sleep as onCancel
    /// targets (an undo block starting with one is a build error), and onCancel on aws:loop and
    /// aws:updateVariable steps (those get onFailure only). A step that already has onFailure
    /// or onCancel keeps it, and so does the last undo step that already has `nextStep` or
    /// `isEnd` (a guard that ends the rollback on purpose).
    ///
    /// ```
    /// use runbook_dsl::prelude::*;
    /// let mut rb = Runbook::new("Create a volume, then check it.");
    /// let mut create = Step::new("CreateVolume", ExecuteAwsApi::new("ec2", "CreateVolume").param("AvailabilityZone", "eu-west-1a").param("Size", 8));
    /// let volume: Output<Str> = Output::declare(&mut create, "VolumeId", "$.VolumeId");
    /// rb.mutate(create, vec![Step::new("DeleteVolume", ExecuteAwsApi::new("ec2", "DeleteVolume").param("VolumeId", &volume))]);
    /// rb.add(Step::new("Verify", AssertAwsResourceProperty::new("ec2", "DescribeVolumes", "$.Volumes[0].State", vec!["available"])
    ///     .param("VolumeIds", vec![volume.value()])));
    /// let doc = rb.build().unwrap();
    /// // The undo reads the volume id: it runs when Verify fails, not when CreateVolume does.
    /// assert_eq!(doc.step("Verify").unwrap().on_failure, Some(OnFailure::step("DeleteVolume")));
    /// assert_eq!(doc.step("CreateVolume").unwrap().on_failure, None);
    /// ```
    #[track_caller]
    pub fn mutate(&mut self, step: Step, undo: Vec<Step>) -> StepRef {
        let r = self.add(step);
        for s in &undo {
            if self.origins.step(&s.name).is_none() {
                self.origins.steps.push((s.name.clone(), Location::caller()));
            }
        }
        if !undo.is_empty() {
            self.flow.undo.push((r.name.clone(), undo));
        }
        r
    }

    /// A for-each `aws:loop` over a `StringList`: `body` adds the nested steps (at most
    /// `max_iterations`, 1..100, passes) and reads the current item through the [`LoopRef`].
    ///
    /// ```
    /// use runbook_dsl::prelude::*;
    /// let mut rb = Runbook::new("d");
    /// let ids: Param<StrList> = rb.param("InstanceIds", ParamSpec::new("Instances."));
    /// rb.for_each("EachInstance", &ids, 50, |rb, it| {
    ///     rb.add(Step::new("Tag", CreateTags::new(vec![it.item().value()], json!([{"Key": "k", "Value": "v"}]))));
    /// });
    /// let doc = rb.build().unwrap();
    /// let Action::Loop(l) = &doc.main_steps[0].action else { panic!() };
    /// assert_eq!(l.iterators, Some(json!("{{ InstanceIds }}")));
    /// ```
    #[track_caller]
    pub fn for_each(
        &mut self,
        name: &str,
        items: &impl Typed<StrList>,
        max_iterations: u64,
        body: impl FnOnce(&mut Runbook, &LoopRef),
    ) -> StepRef {
        let lr = LoopRef { step: name.to_string() };
        let steps = self.loop_body(|rb| body(rb, &lr));
        let l = Loop::new(steps).iterators(items.value()).max_iterations(max_iterations);
        self.add(Step::new(name, l))
    }

    /// A do-while `aws:loop`: `body` adds the nested steps and returns the condition, checked
    /// after each pass; the body runs again while it holds, at most `max_iterations` (1..100)
    /// times.
    #[track_caller]
    pub fn do_while(
        &mut self,
        name: &str,
        max_iterations: u64,
        body: impl FnOnce(&mut Runbook, &LoopRef) -> Cond,
    ) -> StepRef {
        let lr = LoopRef { step: name.to_string() };
        let mut cond = None;
        let steps = self.loop_body(|rb| cond = Some(body(rb, &lr)));
        let mut l = Loop::new(steps).max_iterations(max_iterations);
        l.loop_condition = cond.map(|c| c.0);
        self.add(Step::new(name, l))
    }

    #[track_caller]
    fn loop_body(&mut self, f: impl FnOnce(&mut Runbook)) -> Vec<Step> {
        let mut sub = Runbook::new("");
        sub.doc.parameters = self.doc.parameters.clone();
        sub.doc.variables = self.doc.variables.clone();
        f(&mut sub);
        sub.close_pending();
        if !sub.flow.undo.is_empty() {
            sub.problem("Runbook::mutate inside a loop: undo steps are not supported there; use onFailure");
        }
        self.problems.append(&mut sub.problems);
        self.origins.steps.append(&mut sub.origins.steps);
        sub.doc.main_steps
    }

    /// An `aws:updateVariable` step giving `var` a literal value of its type (checked at build).
    ///
    /// ```
    /// use runbook_dsl::prelude::*;
    /// let mut rb = Runbook::new("d");
    /// let n: Var<Int> = rb.variable("Tries", Some(json!(0)));
    /// rb.set_variable("CountTry", &n, 1);
    /// assert!(rb.clone().build().is_ok());
    /// rb.set_variable("Wrong", &n, "one");
    /// assert!(rb.build().unwrap_err().to_string().contains("step `Wrong` field inputs.Value"));
    /// ```
    #[track_caller]
    pub fn set_variable<T: SsmType>(&mut self, name: &str, var: &Var<T>, value: impl Into<Value>) -> StepRef {
        let value = value.into();
        if !validate::fits(T::DATA_TYPE, &value) {
            self.problem(format!(
                "step `{name}` field inputs.Value: {value} is not a {} like variable `{}` (aws:updateVariable does not convert)",
                T::DATA_TYPE,
                var.name()
            ));
        }
        self.add(Step::new(name, UpdateVariable::new(var.target(), value)))
    }

    /// An `aws:updateVariable` step copying a value of the same type into `var`.
    #[track_caller]
    pub fn set_variable_from<T: SsmType, R: Typed<T>>(&mut self, name: &str, var: &Var<T>, from: &R) -> StepRef {
        self.add(Step::new(name, UpdateVariable::new(var.target(), from.value())))
    }

    /// Links still waiting for a next step end the run instead.
    fn close_pending(&mut self) {
        for p in std::mem::take(&mut self.flow.pending) {
            match p {
                Pending::Next(s) => {
                    if let Some(st) = self.doc.main_steps.iter_mut().find(|x| x.name == s) {
                        st.is_end = Some(true);
                    }
                }
                Pending::Default(s) => {
                    if let Some(st) = self.doc.main_steps.iter_mut().find(|x| x.name == s) {
                        st.is_end = Some(true);
                    }
                }
                Pending::Choice(s, _) => {
                    let at = self.origins.step(&s).map(super::runbook::at).unwrap_or_default();
                    self.problems.push(format!(
                        "{at}step `{s}`: the `then` path is empty and no step follows the if/else; add a step after it"
                    ))
                }
            }
        }
    }

    /// Closes pending joins and writes the rollback paths (see [`Runbook::mutate`]).
    pub(super) fn finish_flow(&mut self) {
        self.close_pending();
        let undo = std::mem::take(&mut self.flow.undo);
        if undo.is_empty() {
            return;
        }
        let doc = &self.doc;
        let cx = validate::Cx::new(doc);
        let top: Vec<usize> = cx.scopes[0].clone();
        let idx = |name: &str| top.iter().copied().find(|&i| cx.steps[i].step.name == name);
        // For each mutating step: the mutating step (with undo) that completed before it.
        let muts: Vec<(usize, usize)> =
            undo.iter().enumerate().filter_map(|(u, (n, _))| idx(n).map(|i| (u, i))).collect();
        // An undo that reads the change's outputs cannot run when the change failed.
        let own: Vec<bool> = undo.iter().map(|(n, steps)| !validate::reads_outputs_of(steps, n)).collect();
        // What a run can reach from the first step (on success, continue and failure routes such
        // as "no configuration yet"), without passing the step `avoid`.
        let reach = |avoid: Option<usize>| -> std::collections::HashSet<usize> {
            let mut seen = std::collections::HashSet::new();
            let mut todo: Vec<usize> = top.first().copied().filter(|&f| Some(f) != avoid).into_iter().collect();
            while let Some(i) = todo.pop() {
                if seen.insert(i) {
                    for &(t, e) in cx.edges(i) {
                        if e != validate::Edge::Cancel && Some(t) != avoid && !seen.contains(&t) {
                            todo.push(t);
                        }
                    }
                }
            }
            seen
        };
        let all = reach(None);
        let without: Vec<std::collections::HashSet<usize>> = muts.iter().map(|&(_, m)| reach(Some(m))).collect();
        // The change m has completed whenever step k runs: every way to k passes m.
        let before = |j: usize, m: usize, k: usize| all.contains(&k) && !without[j].contains(&k) && m != k;
        let latest = |k: usize, with_own: bool| -> Option<usize> {
            muts.iter()
                .enumerate()
                .filter(|&(j, &(u, m))| if m == k { with_own && own[u] } else { before(j, m, k) })
                .map(|(_, &(u, m))| (u, m))
                .map(|(u, m)| (m, u))
                .max()
                .map(|(_, u)| u)
        };
        let prev: Vec<Option<usize>> = muts.iter().map(|&(_, m)| latest(m, false)).collect();
        let mut routes: Vec<(usize, usize)> = Vec::new(); // (step index in main_steps, undo block)
        for &k in &top {
            if let Some(u) = latest(k, true) {
                routes.push((cx.steps[k].index, u));
            }
        }
        drop(cx);
        // Blocks needed: targeted ones and those they chain into.
        let mut needed = vec![false; undo.len()];
        let mut todo: Vec<usize> = routes.iter().map(|r| r.1).collect();
        while let Some(u) = todo.pop() {
            if !needed[u] {
                needed[u] = true;
                if let Some(p) = muts.iter().position(|m| m.0 == u).and_then(|i| prev[i]) {
                    todo.push(p);
                }
            }
        }
        let first_of = |u: usize| undo[u].1[0].name.clone();
        for (k, u) in routes {
            let target = first_of(u);
            let can_cancel = !undo[u].1[0].action.kind().is_some_and(|a| validate::NOT_ON_CANCEL_TARGET.contains(&a));
            let st = &mut self.doc.main_steps[k];
            if st.on_failure.is_none() {
                st.on_failure = Some(OnFailure::Step(target.clone()));
                st.is_critical = Some(true);
            }
            let cancel_ok = !matches!(st.action, Action::Loop(_) | Action::UpdateVariable(_));
            if st.on_cancel.is_none() && cancel_ok {
                if can_cancel {
                    st.on_cancel = Some(OnCancel::Step(target));
                } else {
                    let at = self.origins.step(&undo[u].1[0].name).map(super::runbook::at).unwrap_or_default();
                    let msg = format!(
                        "{at}step `{}`: the undo of `{}` starts with {}, which cannot be an onCancel target; start it with another action",
                        st.name,
                        undo[u].0,
                        undo[u].1[0].action.name()
                    );
                    if !self.problems.contains(&msg) {
                        self.problems.push(msg);
                    }
                }
            }
        }
        // The main flow must not fall into the undo steps.
        if let Some(last) = self.doc.main_steps.last_mut() {
            if last.next_step.is_none() && !matches!(&last.action, Action::Branch(b) if b.default.is_some()) {
                last.is_end = Some(true);
            }
        }
        // Undo blocks, the latest change first.
        for (i, &(u, _)) in muts.iter().enumerate().rev() {
            if !needed[u] {
                continue;
            }
            let mut block = undo[u].1.clone();
            for s in &mut block {
                if s.on_failure.is_none() {
                    s.on_failure = Some(OnFailure::Continue);
                }
            }
            if let Some(last) = block.last_mut() {
                let open =
                    last.next_step.is_none() && last.is_end.is_none() && !matches!(last.action, Action::Branch(_));
                match prev[i] {
                    Some(p) if open => last.next_step = Some(first_of(p)),
                    None if open => last.is_end = Some(true),
                    _ => {}
                }
            }
            for s in block {
                if self.doc.main_steps.iter().any(|x| x.name == s.name) {
                    let at = self.origins.step(&s.name).map(super::runbook::at).unwrap_or_default();
                    self.problems.push(format!("{at}step `{}` is declared twice", s.name));
                }
                self.doc.main_steps.push(s);
            }
        }
    }

    /// Lets [`Runbook::build`] accept a warning it would otherwise refuse: `W004`, a timeout above
    /// the action's cap, which AWS accepts and ignores (imported documents carry it). Errors
    /// cannot be accepted; `emit` and `runbook validate` still report the warning.
    ///
    /// ```
    /// use runbook_dsl::prelude::*;
    /// let mut rb = Runbook::new("d");
    /// rb.add(Step::new("Get", ExecuteAwsApi::new("ec2", "DescribeInstances")).timeout_seconds(600));
    /// assert!(rb.clone().build().is_err());
    /// rb.accept_warning("W004");
    /// assert!(rb.build().is_ok());
    /// ```
    #[track_caller]
    pub fn accept_warning(&mut self, code: &'static str) {
        if code.starts_with('W') {
            self.flow.accepted.push(code);
        } else {
            self.problem(format!("accept_warning(\"{code}\"): only warnings (W...) can be accepted"));
        }
    }

    /// Lets [`Runbook::build`] accept an error of the validator, for an imported document that
    /// carries it (`runbook import --rust` writes this call, with a comment, so the rebuilt
    /// document equals the original). `emit` and `runbook validate` still report it. A runbook
    /// written by hand fixes the error instead.
    ///
    /// ```
    /// use runbook_dsl::prelude::*;
    /// let mut rb = Runbook::new("d");
    /// rb.add(Step::new("A", Pause::new()).next_step("Nowhere"));
    /// assert!(rb.clone().build().is_err());
    /// rb.accept_error("E031");
    /// assert!(rb.build().is_ok());
    /// ```
    pub fn accept_error(&mut self, code: &'static str) {
        self.flow.accepted.push(code);
    }

    /// The findings of the whole validator that make [`Runbook::build`] fail: every error,
    /// and `W004` (a timeout the action ignores), unless accepted. Each starts with the Rust
    /// line that added the step or declared the parameter concerned.
    pub(super) fn validation_problems(&self) -> Vec<String> {
        validate::validate(&self.doc)
            .into_iter()
            .filter(|d| (d.severity == Severity::Error || d.code == "W004") && !self.flow.accepted.contains(&d.code))
            .map(|d| {
                let param = || {
                    let rest = d.field.strip_prefix("parameters.")?;
                    self.origins.param(rest.split('.').next().unwrap_or(rest))
                };
                let origin = d.step.as_deref().and_then(|s| self.origins.step(s)).or_else(param);
                let at = origin.map(super::runbook::at).unwrap_or_default();
                let step = d.step.as_deref().map(|s| format!("step `{s}` ")).unwrap_or_default();
                let rust = d.rust_hint().map(|h| format!("; in Rust: {h}")).unwrap_or_default();
                format!("{at}{}[{}] {step}field {}: {} (fix: {}{rust})", d.severity, d.code, d.field, d.message, d.hint)
            })
            .collect()
    }
}
