//! The executor: runs steps with AWS's flow rules on the virtual clock.

use super::backend::{AwsError, Helper, HelperKey};
use super::clock::{parse_duration, parse_instant, Clock};
use super::conditions::{as_text, holds};
use super::faults::FaultState;
use super::jsonpath::select;
use super::mocks::{Answer, MockState};
use super::substitution::{Scope, EXECUTION_ID};
use super::trace::{Call, Status, StepTrace, Trace};
use super::{script, Simulation, MAX_STEP_EXECUTIONS, POLL_SECONDS};
use crate::model::actions::{Branch, Condition, Loop};
use crate::model::{Action, ActionKind, DataType, Document, Map, OnCancel, OnFailure, Parameter, Step, Value};
use serde_json::json;
use std::collections::HashMap;

mod aws;

/// How long an `onCancel` workflow may run.
const CANCEL_WINDOW: u64 = 120;
/// How deep `aws:executeAutomation` children may nest.
const MAX_DEPTH: usize = 5;

/// State shared by an automation and its children.
struct Shared<'s, 'a> {
    sim: &'s Simulation<'a>,
    mocks: MockState<'s>,
    clock: Clock,
    calls: Vec<Call>,
    executions: usize,
    children: usize,
    regex: HashMap<String, Result<regex::Regex, String>>,
    warnings: Vec<String>,
    faults: FaultState,
    /// The AWS backend, started at the first call that needs it; `Err` once it failed.
    helper: Option<Result<Helper, AwsError>>,
}

impl Drop for Shared<'_, '_> {
    fn drop(&mut self) {
        if let Some(Ok(h)) = self.helper.take() {
            h.give_back();
        }
    }
}

/// A step prepared once per document: the action inputs as written, whether they hold
/// references, and the parsed flow parts of `aws:branch` and `aws:loop`.
#[derive(Clone, Debug)]
pub(crate) struct Prepared<'d> {
    step: &'d Step,
    inputs: Map,
    refs: bool,
    branch: Option<Result<Branch, String>>,
    body: Option<Result<LoopBody<'d>, String>>,
}

/// A loop's nested steps and its do-while condition.
type LoopBody<'d> = (Vec<Prepared<'d>>, Option<Condition>);

pub(crate) fn prepare(steps: &[Step]) -> Vec<Prepared<'_>> {
    steps
        .iter()
        .map(|step| {
            let mut inputs = step.action.inputs().unwrap_or_default();
            let kind = step.action.kind();
            let typed_error =
                || step.action.typed_error().unwrap_or_else(|| "inputs do not fit the action".to_string());
            let branch = (kind == Some(ActionKind::Branch)).then(|| match &step.action {
                Action::Branch(b) => Ok(b.clone()),
                _ => Err(typed_error()),
            });
            let body = (kind == Some(ActionKind::Loop)).then(|| {
                // The body and the condition are read when they run, not when the loop starts.
                inputs.shift_remove("Steps");
                inputs.shift_remove("LoopCondition");
                match &step.action {
                    Action::Loop(Loop { steps, loop_condition, .. }) => Ok((prepare(steps), loop_condition.clone())),
                    _ => Err(typed_error()),
                }
            });
            let refs = has_refs(&inputs);
            Prepared { step, inputs, refs, branch, body }
        })
        .collect()
}

/// How a list of steps (main steps, or a loop body) ended.
enum ListEnd {
    /// Ran off the end of the list.
    Completed,
    /// `isEnd`, an abort, or a runaway flow: the automation stops.
    Stopped,
    /// A jump to a step that is not in this list.
    Jump(String),
    /// Cancelled while the named step ran, with that step's `onCancel`.
    Cancelled(Option<String>),
}

/// The result of one attempt of an action.
enum Attempt {
    Ok {
        response: Option<Value>,
        outputs: Map,
        next: Option<String>,
    },
    Fail(String),
    TimedOut(String),
    /// A loop body ended in a way that leaves the loop.
    Leave(ListEnd, Status),
}

/// One automation (the top level, or a child).
struct Auto<'r, 's, 'a> {
    shared: &'r mut Shared<'s, 'a>,
    doc: &'r Document,
    params: Map,
    variables: Map,
    outputs: HashMap<String, Map>,
    steps: Vec<StepTrace>,
    critical: Option<Status>,
    execution_id: String,
    depth: usize,
    cancelling: Option<u64>,
}

pub(crate) fn run(sim: &Simulation) -> Trace {
    let mut shared = Shared {
        sim,
        mocks: MockState::new(&sim.mocks),
        clock: Clock::default(),
        calls: Vec::new(),
        executions: 0,
        children: 0,
        regex: HashMap::new(),
        warnings: Vec::new(),
        faults: FaultState::new(&sim.faults),
        helper: None,
    };
    let mut trace = run_doc(&mut shared, sim.doc, Some(&sim.prepared), &sim.params, EXECUTION_ID.to_string(), 0);
    trace.calls = std::mem::take(&mut shared.calls);
    trace.warnings = std::mem::take(&mut shared.warnings);
    trace
}

/// Runs one document; the trace's `calls` are left empty (the caller owns the call list).
fn run_doc(
    shared: &mut Shared,
    doc: &Document,
    prepared: Option<&[Prepared]>,
    given: &Map,
    execution_id: String,
    depth: usize,
) -> Trace {
    let started = shared.clock.now();
    let params = match start_params(shared, doc, given) {
        Ok(p) => p,
        Err(e) => {
            return Trace {
                status: Status::Failed,
                steps: Vec::new(),
                calls: Vec::new(),
                outputs: Map::new(),
                failure: Some(format!("the automation would not start: {e}")),
                elapsed_seconds: 0,
                warnings: Vec::new(),
            }
        }
    };
    let variables = doc.variables.iter().map(|(k, v)| (k.clone(), v.default.clone().unwrap_or(Value::Null))).collect();
    let mut auto = Auto {
        shared,
        doc,
        params,
        variables,
        outputs: HashMap::new(),
        steps: Vec::new(),
        critical: None,
        execution_id,
        depth,
        cancelling: None,
    };
    let owned;
    let main = match prepared {
        Some(p) => p,
        None => {
            owned = prepare(&doc.main_steps);
            &owned[..]
        }
    };
    let mut failure = None;
    let mut status = match auto.run_list(main, 0, None) {
        ListEnd::Completed | ListEnd::Stopped => auto.critical.unwrap_or(Status::Success),
        ListEnd::Jump(target) => {
            failure = Some(format!("a step jumps to `{target}`, which is not a step of mainSteps"));
            Status::Failed
        }
        ListEnd::Cancelled(on_cancel) => {
            if let Some(target) = on_cancel {
                auto.cancelling = Some(auto.shared.clock.now() + CANCEL_WINDOW);
                match main.iter().position(|p| p.step.name == target) {
                    Some(i) => {
                        auto.run_list(main, i, None);
                    }
                    None => failure = Some(format!("onCancel names `{target}`, which is not a step of mainSteps")),
                }
            }
            Status::Cancelled
        }
    };
    if failure.is_none() && status != Status::Success && status != Status::Cancelled {
        failure = auto
            .steps
            .iter()
            .rev()
            .find(|s| s.status == status)
            .and_then(|s| s.failure.as_ref().map(|f| format!("step {} ended {}: {f}", s.name, s.status)));
    }
    if auto.shared.executions > MAX_STEP_EXECUTIONS {
        status = Status::Failed;
        failure = Some(format!(
            "more than {MAX_STEP_EXECUTIONS} step executions: the flow runs in circles (check nextStep and onFailure targets)"
        ));
    }
    let mut outputs = Map::new();
    for o in &doc.outputs {
        if let Some((step, name)) = o.split_once('.') {
            if let Some(v) = auto.outputs.get(step).and_then(|m| m.get(name)) {
                outputs.insert(o.clone(), v.clone());
            }
        }
    }
    Trace {
        status,
        steps: auto.steps,
        calls: Vec::new(),
        outputs,
        failure,
        elapsed_seconds: auto.shared.clock.now() - started,
        warnings: Vec::new(),
    }
}

impl Auto<'_, '_, '_> {
    fn scope(&self) -> Scope<'_> {
        Scope {
            params: &self.params,
            variables: &self.variables,
            outputs: &self.outputs,
            clock: self.shared.clock,
            execution_id: &self.execution_id,
            region: &self.shared.sim.region,
        }
    }

    /// Runs `list` from `start` following the flow rules.
    fn run_list(&mut self, list: &[Prepared], start: usize, iteration: Option<u64>) -> ListEnd {
        let mut i = start;
        loop {
            let Some(p) = list.get(i) else { return ListEnd::Completed };
            let step = p.step;
            if let Some(deadline) = self.cancelling {
                if self.shared.clock.now() > deadline {
                    return ListEnd::Stopped;
                }
            }
            self.shared.executions += 1;
            if self.shared.executions > MAX_STEP_EXECUTIONS {
                return ListEnd::Stopped;
            }
            if self.cancelling.is_none() && self.shared.sim.cancel_at.as_deref() == Some(step.name.as_str()) {
                self.steps.push(StepTrace {
                    name: step.name.clone(),
                    action: step.action.name().to_string(),
                    status: Status::Cancelled,
                    inputs: self.scope().resolve(&Value::Object(p.inputs.clone())).unwrap_or(Value::Null),
                    outputs: Map::new(),
                    attempts: 1,
                    failure: Some("the automation was cancelled while this step ran".into()),
                    started_at: self.shared.clock.now(),
                    iteration,
                    child: None,
                });
                return ListEnd::Cancelled(match &step.on_cancel {
                    Some(OnCancel::Step(t)) => Some(t.clone()),
                    _ => None,
                });
            }
            let (status, next) = match self.run_step(p, iteration) {
                Ok(x) => x,
                Err(end) => return end,
            };
            let goto = if status == Status::Success {
                match next {
                    Some(t) => Some(t),
                    None if step.is_end == Some(true) => return ListEnd::Stopped,
                    None => step.next_step.clone(),
                }
            } else {
                match step.on_failure.clone().unwrap_or(OnFailure::Abort) {
                    OnFailure::Continue => {
                        if step.is_critical == Some(true) {
                            self.critical.get_or_insert(status);
                        }
                        if step.is_end == Some(true) {
                            return ListEnd::Stopped;
                        }
                        step.next_step.clone()
                    }
                    OnFailure::Step(t) => {
                        if step.is_critical != Some(false) {
                            self.critical.get_or_insert(status);
                        }
                        Some(t)
                    }
                    OnFailure::Abort | OnFailure::Invalid(_) => {
                        self.critical = Some(status);
                        return ListEnd::Stopped;
                    }
                }
            };
            i = match goto {
                None => i + 1,
                Some(t) => match list.iter().position(|q| q.step.name == t) {
                    Some(j) => j,
                    None => return ListEnd::Jump(t),
                },
            };
        }
    }

    /// Runs one step with its retries. `Ok((status, branch target))`, or `Err` when a loop body
    /// left the loop.
    fn run_step(&mut self, p: &Prepared, iteration: Option<u64>) -> Result<(Status, Option<String>), ListEnd> {
        let step = p.step;
        let index = self.steps.len();
        self.steps.push(StepTrace {
            name: step.name.clone(),
            action: step.action.name().to_string(),
            status: Status::Success,
            inputs: Value::Object(Map::new()),
            outputs: Map::new(),
            attempts: 0,
            failure: None,
            started_at: self.shared.clock.now(),
            iteration,
            child: None,
        });
        // A document may ask for any number of tries; a simulation makes at most
        // MAX_SIMULATED_ATTEMPTS (each try is recorded in the trace, so a billion would exhaust
        // memory). AWS reports the count as a 32-bit integer (StepExecution.MaxAttempts).
        let max = step.max_attempts.unwrap_or(1).clamp(1, MAX_SIMULATED_ATTEMPTS);
        let timeout = timeout_of(step);
        let mut result = (Status::Failed, None);
        let mut failure = None;
        let mut outputs = Map::new();
        let mut child = None;
        // With retries, the step only counts as timed out when every try timed out.
        let mut all_timed_out = true;
        for attempt in 1..=max {
            self.steps[index].attempts = attempt;
            let resolved = if p.refs { self.scope().resolve_map(&p.inputs) } else { Ok(p.inputs.clone()) };
            let outcome = match resolved {
                Err(e) => {
                    self.steps[index].inputs = Value::Object(p.inputs.clone());
                    Attempt::Fail(e)
                }
                Ok(inputs) => {
                    let outcome = match self.attempt(p, &inputs, timeout, iteration, &mut child) {
                        // An action that makes several calls can be mocked as a whole instead.
                        Attempt::Fail(e)
                            if e.starts_with("no mock for ")
                                && self.shared.sim.endpoint.is_none()
                                && !matches!(
                                    step.action.kind(),
                                    Some(
                                        ActionKind::ExecuteAwsApi
                                            | ActionKind::AssertAwsResourceProperty
                                            | ActionKind::WaitForAwsResourceProperty
                                    )
                                ) =>
                        {
                            Attempt::Fail(format!(
                                "{e}; or add Mock::step(\"{0}\").outputs(json!({{...}})) for the whole step \
                                 (mocks file: `{{step: {0}, outputs: {{...}}}}`), or run against an emulator with \
                                 .endpoint(URL) (CLI: --endpoint-url)",
                                step.name
                            ))
                        }
                        other => other,
                    };
                    self.steps[index].inputs = Value::Object(inputs);
                    outcome
                }
            };
            match outcome {
                Attempt::Ok { response, outputs: predefined, next } => {
                    match declared_outputs(step, response.as_ref(), predefined) {
                        Ok(o) => {
                            outputs = o;
                            result = (Status::Success, next);
                            failure = None;
                            break;
                        }
                        Err(e) => {
                            result = (Status::Failed, None);
                            failure = Some(e);
                            all_timed_out = false;
                        }
                    }
                }
                Attempt::Fail(e) => {
                    result = (Status::Failed, None);
                    failure = Some(e);
                    all_timed_out = false;
                }
                Attempt::TimedOut(e) => {
                    result = (if all_timed_out { Status::TimedOut } else { Status::Failed }, None);
                    failure = Some(e);
                }
                Attempt::Leave(end, status) => {
                    let t = &mut self.steps[index];
                    t.status = status;
                    if status != Status::Success {
                        t.failure = Some("a step inside the loop ended the automation".into());
                    }
                    return Err(end);
                }
            }
        }
        if !outputs.is_empty() || result.0 == Status::Success {
            let entry = self.outputs.entry(step.name.clone()).or_default();
            for (k, v) in &outputs {
                entry.insert(k.clone(), v.clone());
            }
        }
        let t = &mut self.steps[index];
        t.status = result.0;
        t.failure = failure;
        t.outputs = outputs;
        t.child = child;
        Ok(result)
    }

    /// One attempt of the step's action with resolved `inputs`.
    fn attempt(
        &mut self,
        p: &Prepared,
        inputs: &Map,
        timeout: Option<u64>,
        iteration: Option<u64>,
        child: &mut Option<Box<Trace>>,
    ) -> Attempt {
        let step = p.step;
        let kind = step.action.kind();
        let flow_only = matches!(kind, Some(ActionKind::Branch | ActionKind::Loop | ActionKind::UpdateVariable));
        if !flow_only {
            if let Some(answer) = self.shared.mocks.step(&step.name) {
                return match answer {
                    Answer::Ok(v) => {
                        let outputs = predefined_from(step, &v);
                        Attempt::Ok { response: Some(v), outputs, next: None }
                    }
                    Answer::Error(e) | Answer::Missing(e) => Attempt::Fail(e),
                };
            }
        }
        let Some(kind) = kind else {
            return Attempt::Fail(format!(
                "`{}` is not an Automation action; mock the step with Mock::step(\"{}\") or fix the action",
                step.action.name(),
                step.name
            ));
        };
        let text = |k: &str| inputs.get(k).and_then(as_text).unwrap_or_default();
        match kind {
            ActionKind::ExecuteAwsApi => {
                let params = without(inputs, &["Service", "Api"]);
                match self.call(&step.name, &text("Service"), &text("Api"), params) {
                    Ok(resp) => Attempt::Ok { response: Some(resp), outputs: Map::new(), next: None },
                    Err(e) => Attempt::Fail(e),
                }
            }
            ActionKind::AssertAwsResourceProperty | ActionKind::WaitForAwsResourceProperty => {
                let wait = kind == ActionKind::WaitForAwsResourceProperty;
                let params = without(inputs, &["Service", "Api", "PropertySelector", "DesiredValues"]);
                let selector = text("PropertySelector");
                let desired: Vec<String> = match inputs.get("DesiredValues") {
                    Some(Value::Array(a)) => a.iter().filter_map(as_text).collect(),
                    Some(v) => as_text(v).into_iter().collect(),
                    None => Vec::new(),
                };
                let deadline = timeout.map(|t| self.shared.clock.now().saturating_add(t));
                loop {
                    let resp = match self.call(&step.name, &text("Service"), &text("Api"), params.clone()) {
                        Ok(r) => r,
                        Err(e) => return Attempt::Fail(e),
                    };
                    let got = match select(&resp, &selector) {
                        Ok(v) => v,
                        Err(e) => return Attempt::Fail(e),
                    };
                    if got.as_ref().is_some_and(|v| matches_desired(v, &desired)) {
                        return Attempt::Ok { response: None, outputs: Map::new(), next: None };
                    }
                    let shown = got.map_or("nothing".to_string(), |v| v.to_string());
                    if !wait {
                        return Attempt::Fail(format!(
                            "`{selector}` selected {shown}; expected one of {}",
                            Value::from(desired.clone())
                        ));
                    }
                    if let Some(e) = self.wait_or_time_out(deadline, timeout, POLL_SECONDS) {
                        return Attempt::TimedOut(format!(
                            "{e}: `{selector}` still selected {shown}, not one of {}",
                            Value::from(desired.clone())
                        ));
                    }
                }
            }
            ActionKind::ChangeInstanceState => self.change_instance_state(&step.name, inputs, timeout),
            ActionKind::CreateTags => self.create_tags(&step.name, inputs),
            ActionKind::CreateImage => self.create_image(&step.name, inputs, timeout),
            ActionKind::RunInstances => self.run_instances(&step.name, inputs, timeout),
            ActionKind::DeleteImage => self.delete_image(&step.name, inputs),
            ActionKind::CopyImage => self.copy_image(&step.name, inputs, timeout),
            ActionKind::RunCommand => self.run_command(&step.name, inputs, timeout),
            ActionKind::InvokeLambdaFunction => self.invoke_lambda(&step.name, inputs),
            ActionKind::ExecuteStateMachine => self.execute_state_machine(&step.name, inputs, timeout),
            ActionKind::CreateStack => self.create_stack(&step.name, inputs, timeout),
            ActionKind::DeleteStack => self.delete_stack(&step.name, inputs, timeout),
            ActionKind::Sleep => {
                let secs = if let Some(d) = inputs.get("Duration") {
                    parse_duration(&as_text(d).unwrap_or_default())
                } else if let Some(t) = inputs.get("Timestamp") {
                    parse_instant(&as_text(t).unwrap_or_default())
                        .map(|at| (at - self.shared.clock.unix()).max(0) as u64)
                } else {
                    Err("aws:sleep needs `Duration` or `Timestamp`".to_string())
                };
                match secs {
                    Err(e) => Attempt::Fail(e),
                    Ok(s) => match timeout {
                        Some(t) if s > t => {
                            self.shared.clock.advance(t);
                            Attempt::TimedOut(format!("the sleep of {s} s is longer than timeoutSeconds {t}"))
                        }
                        _ => {
                            self.shared.clock.advance(s);
                            Attempt::Ok { response: None, outputs: Map::new(), next: None }
                        }
                    },
                }
            }
            ActionKind::Pause => {
                let sim = self.shared.sim;
                if sim.resume_all || sim.resumes.contains(&step.name) {
                    return Attempt::Ok { response: None, outputs: Map::new(), next: None };
                }
                match timeout {
                    Some(t) => {
                        self.shared.clock.advance(t);
                        Attempt::TimedOut(format!("nobody resumed the pause within {t} s"))
                    }
                    None => Attempt::Fail(format!(
                        "nobody resumed the pause, so it would wait forever; resume it with .resume(\"{}\") \
                         (CLI: --resume) or give it timeoutSeconds",
                        step.name
                    )),
                }
            }
            ActionKind::Approve => {
                let sim = self.shared.sim;
                let approvers = match inputs.get("Approvers") {
                    Some(Value::Array(a)) => a.clone(),
                    Some(v) => vec![v.clone()],
                    None => Vec::new(),
                };
                let who = approvers.first().and_then(as_text).unwrap_or_else(|| "approver".into());
                match sim.approvals.get(&step.name).copied().or(sim.approve_all) {
                    Some(true) => {
                        let mut o = Map::new();
                        o.insert("ApprovalStatus".into(), json!("Approved"));
                        o.insert("ApproverDecisions".into(), json!([{"Approver": who, "Decision": "Approve"}]));
                        Attempt::Ok { response: None, outputs: o, next: None }
                    }
                    Some(false) => Attempt::Fail(format!("the approval was rejected by {who}")),
                    None => {
                        let t = timeout.unwrap_or(604_800);
                        self.shared.clock.advance(t);
                        Attempt::TimedOut(format!(
                            "no approval decision within {t} s; script one with .approve()/.reject() (CLI: --approve/--reject)"
                        ))
                    }
                }
            }
            ActionKind::Branch => {
                let branch = match p.branch.as_ref() {
                    Some(Ok(b)) => b,
                    Some(Err(e)) => return Attempt::Fail(format!("the branch cannot be read: {e}")),
                    None => return Attempt::Fail("the branch cannot be read".into()),
                };
                for choice in &branch.choices {
                    match holds(&choice.condition, &self.scope()) {
                        Ok(true) => {
                            return Attempt::Ok {
                                response: None,
                                outputs: Map::new(),
                                next: Some(choice.next_step.clone()),
                            }
                        }
                        Ok(false) => {}
                        Err(e) => return Attempt::Fail(format!("choice for {}: {e}", choice.next_step)),
                    }
                }
                Attempt::Ok { response: None, outputs: Map::new(), next: branch.default.clone() }
            }
            ActionKind::UpdateVariable => {
                let name = text("Name");
                let Some(var) = name.strip_prefix("variable:") else {
                    return Attempt::Fail(format!("`Name` must be `variable:<Name>`, got `{name}`"));
                };
                let Some(def) = self.doc.variables.get(var) else {
                    return Attempt::Fail(format!("variable `{var}` is not declared under `variables`"));
                };
                let value = inputs.get("Value").cloned().unwrap_or(Value::Null);
                if !fits(&value, def.ty) {
                    return Attempt::Fail(format!("variable `{var}` is a {} and cannot take {value}", def.ty));
                }
                self.variables.insert(var.to_string(), value);
                Attempt::Ok { response: None, outputs: Map::new(), next: None }
            }
            ActionKind::Loop => self.run_loop(p, inputs, iteration),
            ActionKind::ExecuteAutomation => self.execute_automation(step, inputs, child),
            ActionKind::ExecuteScript => {
                let sim = self.shared.sim;
                if !sim.run_scripts {
                    return Attempt::Fail(format!(
                        "aws:executeScript step {0} has no step mock; add Mock::step(\"{0}\").outputs(json!({{\"Payload\": {{...}}}})) \
                         (mocks file: `{{step: {0}, outputs: {{Payload: {{...}}}}}}`) or run the script with .run_scripts(true) (CLI: --run-scripts)",
                        step.name
                    ));
                }
                let env =
                    script::ScriptEnv { python: &sim.python, endpoint: sim.endpoint.as_deref(), region: &sim.region };
                let faults = self.shared.faults.for_script();
                let run = script::run_python(&env, inputs, timeout.unwrap_or(600), &self.execution_id, &faults);
                self.shared.clock.advance(run.slept);
                for mut c in run.calls {
                    self.shared.faults.count(&c.service, &c.api);
                    c.step = step.name.clone();
                    self.shared.calls.push(c);
                }
                match run.result {
                    Err(e) if run.timed_out => Attempt::TimedOut(e),
                    Ok(payload) => {
                        let mut o = Map::new();
                        o.insert("Payload".into(), payload.clone());
                        Attempt::Ok { response: Some(json!({"Payload": payload})), outputs: o, next: None }
                    }
                    Err(e) => Attempt::Fail(e),
                }
            }
            _ => Attempt::Fail(format!(
                "{1} step {0} is simulated only through a step mock; add Mock::step(\"{0}\").outputs(json!({{...}})) \
                 (mocks file: `{{step: {0}, outputs: {{...}}}}`)",
                step.name,
                step.action.name()
            )),
        }
    }

    /// Makes one API call and records it: an injected fault first, then the mocks, then the
    /// endpoint (when the simulation has one).
    fn call(&mut self, step: &str, service: &str, api: &str, input: Value) -> Result<Value, String> {
        let answer = match self.shared.faults.call(service, api) {
            Some(f) => Answer::Error(f.message(api)),
            None => match self.shared.mocks.call(service, api, &input) {
                Answer::Missing(why) if self.shared.sim.endpoint.is_some() => {
                    self.endpoint_call(service, api, &input, why)
                }
                other => other,
            },
        };
        let (result, error) = match answer {
            Answer::Ok(v) => (Ok(v), None),
            Answer::Error(e) => (Err(e.clone()), Some(e)),
            Answer::Missing(e) => (Err(e.clone()), Some(e)),
        };
        self.shared.calls.push(Call {
            step: step.to_string(),
            service: service.to_string(),
            api: api.to_string(),
            input,
            error,
        });
        result
    }

    /// Calls the simulation's endpoint through the backend.
    fn endpoint_call(&mut self, service: &str, api: &str, input: &Value, no_mock: String) -> Answer {
        let sim = self.shared.sim;
        let Some(endpoint) = sim.endpoint.as_deref() else { return Answer::Missing(no_mock) };
        let helper = self.shared.helper.get_or_insert_with(|| {
            Helper::take(&HelperKey {
                python: sim.python.clone(),
                endpoint: endpoint.to_string(),
                region: sim.region.clone(),
            })
        });
        let helper = match helper {
            Ok(h) => h,
            Err(e) => return Answer::Missing(format!("{service} {api} could not be sent to {endpoint}: {e}")),
        };
        match helper.call(service, api, input) {
            Ok(v) => Answer::Ok(v),
            Err(AwsError::Aws { code, message }) => {
                Answer::Error(format!("An error occurred ({code}) when calling the {api} operation: {message}"))
            }
            Err(AwsError::Invalid(m)) => Answer::Error(format!("{service} {api}: {m}")),
            Err(e @ AwsError::Helper(_)) => {
                let why = format!("{service} {api} could not be sent to {endpoint}: {e}");
                self.shared.helper = Some(Err(e));
                Answer::Missing(why)
            }
        }
    }

    /// Waits one poll interval, or reports a timeout (and moves the clock to the deadline).
    fn wait_or_time_out(&mut self, deadline: Option<u64>, timeout: Option<u64>, interval: u64) -> Option<String> {
        let now = self.shared.clock.now();
        match deadline {
            Some(d) if now.saturating_add(interval) > d => {
                self.shared.clock.advance(d - now);
                Some(format!("timed out after {} s (timeoutSeconds)", timeout.unwrap_or(d)))
            }
            _ => {
                self.shared.clock.advance(interval);
                None
            }
        }
    }

    fn run_loop(&mut self, p: &Prepared, inputs: &Map, iteration: Option<u64>) -> Attempt {
        let (body, condition) = match p.body.as_ref() {
            Some(Ok((b, c))) => (b, c),
            Some(Err(e)) => return Attempt::Fail(format!("the loop cannot be read: {e}")),
            None => return Attempt::Fail("the loop cannot be read".into()),
        };
        let name = &p.step.name;
        let items = match inputs.get("Iterators") {
            None => None,
            Some(Value::Array(a)) => Some(a.clone()),
            Some(other) => return Attempt::Fail(format!("`Iterators` must be a list, got {other}")),
        };
        if items.is_none() && condition.is_none() {
            return Attempt::Fail("a loop needs `Iterators` or `LoopCondition`".into());
        }
        let max = inputs.get("MaxIterations").and_then(|v| as_text(v)?.parse::<u64>().ok()).unwrap_or(100).min(100);
        let _ = iteration;
        let mut n = 0u64;
        loop {
            if let Some(items) = &items {
                if n as usize >= items.len() {
                    break;
                }
            }
            if n >= max {
                break;
            }
            n += 1;
            let mut o = Map::new();
            o.insert("CurrentIteration".into(), json!(n));
            if let Some(items) = &items {
                let item = &items[n as usize - 1];
                o.insert("CurrentIteratorValue".into(), as_text(item).map_or_else(|| item.clone(), Value::String));
            }
            self.outputs.insert(name.clone(), o);
            match self.run_list(body, 0, Some(n)) {
                ListEnd::Completed => {}
                ListEnd::Jump(t) => {
                    return Attempt::Ok { response: None, outputs: self.loop_outputs(name), next: Some(t) }
                }
                end @ ListEnd::Stopped => {
                    let status = self.critical.unwrap_or(Status::Success);
                    return Attempt::Leave(end, status);
                }
                end @ ListEnd::Cancelled(_) => return Attempt::Leave(end, Status::Cancelled),
            }
            if let Some(c) = condition {
                match holds(c, &self.scope()) {
                    Ok(true) => {}
                    Ok(false) => break,
                    Err(e) => return Attempt::Fail(format!("LoopCondition: {e}")),
                }
            }
        }
        Attempt::Ok { response: None, outputs: self.loop_outputs(name), next: None }
    }

    fn loop_outputs(&self, name: &str) -> Map {
        self.outputs.get(name).cloned().unwrap_or_default()
    }

    fn execute_automation(&mut self, step: &Step, inputs: &Map, child: &mut Option<Box<Trace>>) -> Attempt {
        let name = inputs.get("DocumentName").and_then(as_text).unwrap_or_default();
        let fetched;
        let doc = match self.shared.sim.children.get(&name).copied() {
            Some(d) => d,
            // Against an endpoint, the child is the endpoint's document of that name.
            None if self.shared.sim.endpoint.is_some() => {
                let mut input = json!({"Name": name, "DocumentFormat": "YAML"});
                if let Some(v) = inputs.get("DocumentVersion") {
                    input["DocumentVersion"] = v.clone();
                }
                let content = match self.call(&step.name, "ssm", "GetDocument", input) {
                    Ok(r) => r.get("Content").and_then(as_text).unwrap_or_default(),
                    Err(e) => return Attempt::Fail(format!("child document {name}: {e}")),
                };
                fetched = match crate::read::from_str(&content) {
                    Ok(d) => d,
                    Err(e) => return Attempt::Fail(format!("child document {name} from the endpoint cannot be read: {e}")),
                };
                &fetched
            }
            None => {
                return Attempt::Fail(format!(
                    "no child document `{name}` and no step mock for {0}; add .child(\"{name}\", &doc) (CLI: catalog names and \
                     --child {name}=PATH), Mock::step(\"{0}\").outputs(json!({{\"Status\": \"Success\", \"Output\": [...]}})) \
                     or run against an endpoint that has the document",
                    step.name
                ))
            }
        };
        if self.depth + 1 > MAX_DEPTH {
            return Attempt::Fail(format!("child automations nest deeper than {MAX_DEPTH} levels"));
        }
        let params = match inputs.get("RuntimeParameters") {
            None => Map::new(),
            Some(Value::Object(m)) => m.clone(),
            Some(other) => return Attempt::Fail(format!("`RuntimeParameters` must be a map, got {other}")),
        };
        self.shared.children += 1;
        let id = format!("00000000-0000-4000-8000-{:012}", self.shared.children + 1);
        let trace = run_doc(self.shared, doc, None, &params, id.clone(), self.depth + 1);
        let mut o = Map::new();
        o.insert(
            "Output".into(),
            Value::Array(
                trace.outputs.values().map(|v| Value::String(as_text(v).unwrap_or_else(|| v.to_string()))).collect(),
            ),
        );
        o.insert("ExecutionId".into(), Value::String(id));
        o.insert("Status".into(), Value::String(trace.status.as_str().into()));
        let status = trace.status;
        let why = trace.failure.clone().unwrap_or_default();
        let response = Value::Object(o.clone());
        *child = Some(Box::new(trace));
        if status == Status::Success {
            Attempt::Ok { response: Some(response), outputs: o, next: None }
        } else {
            Attempt::Fail(format!(
                "child automation {name} ended {status}{}",
                if why.is_empty() { String::new() } else { format!(": {why}") }
            ))
        }
    }
}

/// Whether any string inside contains `{{`.
fn has_refs(m: &Map) -> bool {
    fn any(v: &Value) -> bool {
        match v {
            Value::String(s) => s.contains("{{"),
            Value::Array(a) => a.iter().any(any),
            Value::Object(m) => m.values().any(any),
            _ => false,
        }
    }
    m.values().any(any)
}

fn without(m: &Map, keys: &[&str]) -> Value {
    Value::Object(m.iter().filter(|(k, _)| !keys.contains(&k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect())
}

/// The per-attempt timeout: `timeoutSeconds`, else the action's documented default; capped by
/// the action's hard limit.
/// The most tries of one step a simulation makes, whatever `maxAttempts` says.
pub(crate) const MAX_SIMULATED_ATTEMPTS: u64 = 1000;

fn timeout_of(step: &Step) -> Option<u64> {
    let kind = step.action.kind();
    let default = match kind {
        Some(ActionKind::Approve) => Some(604_800),
        Some(ActionKind::ChangeInstanceState | ActionKind::WaitForAwsResourceProperty) => Some(3600),
        _ => None,
    };
    let cap = match kind {
        Some(ActionKind::ExecuteAwsApi) => Some(25),
        Some(ActionKind::ExecuteScript) => Some(600),
        Some(ActionKind::InvokeLambdaFunction) => Some(300),
        Some(ActionKind::Approve) => Some(2_592_000),
        _ => None,
    };
    match (step.timeout_seconds.or(default), cap) {
        (Some(t), Some(c)) => Some(t.min(c)),
        (t, c) => t.or(c),
    }
}

/// Whether a selected value is one of the desired values (text comparison; `True` matches
/// `true`). A list (deep scan) matches when every element does.
fn matches_desired(v: &Value, desired: &[String]) -> bool {
    let one = |x: &Value| {
        as_text(x).is_some_and(|t| desired.iter().any(|d| *d == t || (x.is_boolean() && d.eq_ignore_ascii_case(&t))))
    };
    match v {
        Value::Array(a) => !a.is_empty() && a.iter().all(one),
        other => one(other),
    }
}

/// The predefined outputs the action names, taken by name from a step mock's response.
fn predefined_from(step: &Step, response: &Value) -> Map {
    let mut o = Map::new();
    for (name, _) in step.action.predefined_outputs() {
        if let Some(v) = response.get(*name) {
            o.insert((*name).to_string(), v.clone());
        }
    }
    o
}

/// Adds the declared outputs (selectors applied to `response`) to the predefined ones.
fn declared_outputs(step: &Step, response: Option<&Value>, mut outputs: Map) -> Result<Map, String> {
    let Some(response) = response else { return Ok(outputs) };
    for decl in &step.outputs {
        let Some(v) = select(response, &decl.selector)? else { continue };
        let typed = to_type(&v, decl.ty).ok_or_else(|| {
            format!("output {} (selector `{}`) selected {v}, which is not a {}", decl.name, decl.selector, decl.ty)
        })?;
        outputs.insert(decl.name.clone(), typed);
    }
    Ok(outputs)
}

/// Converts a selected value to a declared output type, as AWS does (scalars to text for
/// String; numeric text for Integer), or `None` when it does not fit.
fn to_type(v: &Value, ty: DataType) -> Option<Value> {
    match ty {
        DataType::String => as_text(v).map(Value::String),
        DataType::Integer => match v {
            Value::Number(n) if n.is_i64() || n.is_u64() => Some(v.clone()),
            Value::String(s) => s.trim().parse::<i64>().ok().map(Value::from),
            _ => None,
        },
        DataType::Boolean => match v {
            Value::Bool(_) => Some(v.clone()),
            Value::String(s) if s.eq_ignore_ascii_case("true") => Some(Value::Bool(true)),
            Value::String(s) if s.eq_ignore_ascii_case("false") => Some(Value::Bool(false)),
            _ => None,
        },
        DataType::StringList => {
            v.as_array()?.iter().map(|x| as_text(x).map(Value::String)).collect::<Option<Vec<_>>>().map(Value::Array)
        }
        DataType::StringMap => v.is_object().then(|| v.clone()),
        DataType::MapList => v.as_array().filter(|a| a.iter().all(Value::is_object)).map(|_| v.clone()),
    }
}

/// Whether a value already has a data type (no conversion), for `aws:updateVariable`.
fn fits(v: &Value, ty: DataType) -> bool {
    match ty {
        DataType::String => v.is_string(),
        DataType::Integer => v.is_i64() || v.is_u64(),
        DataType::Boolean => v.is_boolean(),
        DataType::StringList => v.as_array().is_some_and(|a| a.iter().all(Value::is_string)),
        DataType::StringMap => v.is_object(),
        DataType::MapList => v.as_array().is_some_and(|a| a.iter().all(Value::is_object)),
    }
}

/// The parameter values the automation starts with: given values converted to their declared
/// types, defaults for the rest, all validated; or why AWS would reject the start.
fn start_params(shared: &mut Shared, doc: &Document, given: &Map) -> Result<Map, String> {
    if let Some(k) = given.keys().find(|k| !doc.parameters.contains_key(*k)) {
        let declared: Vec<&str> = doc.parameters.keys().map(String::as_str).collect();
        return Err(format!("parameter {k} is not declared by the document (declared: {})", declared.join(", ")));
    }
    let mut out = Map::new();
    for (name, p) in &doc.parameters {
        let value = match given.get(name) {
            Some(v) => coerce(v, p.ty.data_type()).map_err(|e| format!("parameter {name}: {e}"))?,
            None => match &p.default {
                Some(Value::String(s)) if s.contains("{{") => {
                    return Err(format!(
                        "parameter {name} defaults to `{s}`, which the simulator cannot read; give it with \
                         .param(\"{name}\", ...) (CLI: --param {name}=...)"
                    ))
                }
                Some(d) => d.clone(),
                None => {
                    return Err(format!(
                        "parameter {name} is required (it has no default); give it with .param(\"{name}\", ...) \
                         (CLI: --param {name}=...)"
                    ))
                }
            },
        };
        validate(shared, name, &value, p)?;
        out.insert(name.clone(), value);
    }
    Ok(out)
}

/// Converts a given value to a parameter type the way a start request does.
fn coerce(v: &Value, ty: DataType) -> Result<Value, String> {
    let bad = || format!("{v} is not a {ty}");
    // The API form: every value a list of strings. A one-element list fills a scalar.
    let v = match (v, ty) {
        (Value::Array(a), DataType::String | DataType::Integer | DataType::Boolean | DataType::StringMap)
            if a.len() == 1 =>
        {
            &a[0]
        }
        _ => v,
    };
    let parsed = |s: &str| serde_json::from_str::<Value>(s).map_err(|_| bad());
    Ok(match ty {
        DataType::String => Value::String(as_text(v).ok_or_else(bad)?),
        DataType::Integer => match v {
            Value::Number(n) if n.is_i64() || n.is_u64() => v.clone(),
            Value::String(s) => Value::from(s.trim().parse::<i64>().map_err(|_| bad())?),
            _ => return Err(bad()),
        },
        DataType::Boolean => match v {
            Value::Bool(_) => v.clone(),
            Value::String(s) if s == "true" => Value::Bool(true),
            Value::String(s) if s == "false" => Value::Bool(false),
            _ => return Err(bad()),
        },
        DataType::StringList => match v {
            Value::Array(a) => {
                Value::Array(a.iter().map(|x| as_text(x).map(Value::String).ok_or_else(bad)).collect::<Result<_, _>>()?)
            }
            Value::String(s) if s.trim_start().starts_with('[') => coerce(&parsed(s)?, ty)?,
            Value::String(s) if s.is_empty() => Value::Array(Vec::new()),
            Value::String(s) => Value::Array(s.split(',').map(|x| Value::String(x.trim().to_string())).collect()),
            _ => return Err(bad()),
        },
        DataType::StringMap => match v {
            Value::Object(_) => v.clone(),
            Value::String(s) => match parsed(s)? {
                m @ Value::Object(_) => m,
                _ => return Err(bad()),
            },
            _ => return Err(bad()),
        },
        DataType::MapList => match v {
            Value::Array(a) if a.iter().all(Value::is_object) => v.clone(),
            Value::String(s) => coerce(&parsed(s)?, ty)?,
            _ => return Err(bad()),
        },
    })
}

/// `allowedValues`, `allowedPattern`, `minItems`/`maxItems`, `minChars`/`maxChars`.
fn validate(shared: &mut Shared, name: &str, v: &Value, p: &Parameter) -> Result<(), String> {
    let items: Vec<&Value> = match v {
        Value::Array(a) => a.iter().collect(),
        other => vec![other],
    };
    if let Some(allowed) = &p.allowed_values {
        let allowed_text: Vec<Option<String>> = allowed.iter().map(as_text).collect();
        for x in &items {
            let t = as_text(x);
            if !allowed.contains(x) && (t.is_none() || !allowed_text.contains(&t)) {
                return Err(format!(
                    "parameter {name}: {x} is not one of the allowed values {}",
                    Value::from(allowed.clone())
                ));
            }
        }
    }
    if let Some(pattern) = &p.allowed_pattern {
        let sim = shared.sim;
        let compiled = match sim.patterns.get(pattern) {
            Some(r) => Ok(r),
            None => shared
                .regex
                .entry(pattern.clone())
                .or_insert_with(|| regex::Regex::new(pattern).map_err(|e| e.to_string()))
                .as_ref(),
        };
        match compiled {
            Ok(re) => {
                for x in &items {
                    let t = as_text(x).unwrap_or_else(|| x.to_string());
                    if !re.is_match(&t) {
                        return Err(format!("parameter {name}: `{t}` does not match allowedPattern `{pattern}`"));
                    }
                }
            }
            Err(_) => {
                // AWS checks patterns with Java regex; lookaround and backreferences (used in
                // AWS-owned runbooks) are not in Rust's engine. Say so instead of guessing.
                shared.warnings.push(format!(
                    "parameter {name}: allowedPattern `{pattern}` uses regex syntax the simulator cannot check \
                     (lookaround or backreferences); the value was not checked against it"
                ));
            }
        }
    }
    if let Value::Array(a) = v {
        let n = a.len() as u64;
        if p.min_items.is_some_and(|m| n < m) || p.max_items.is_some_and(|m| n > m) {
            return Err(format!(
                "parameter {name}: {n} items, but it takes {} to {}",
                p.min_items.unwrap_or(0),
                p.max_items.map_or("any number".to_string(), |m| m.to_string())
            ));
        }
    }
    if let Value::String(s) = v {
        let n = s.chars().count() as u64;
        if p.min_chars.is_some_and(|m| n < m) || p.max_chars.is_some_and(|m| n > m) {
            return Err(format!(
                "parameter {name}: {n} characters, but it takes {} to {}",
                p.min_chars.unwrap_or(0),
                p.max_chars.map_or("any number".to_string(), |m| m.to_string())
            ));
        }
    }
    Ok(())
}
