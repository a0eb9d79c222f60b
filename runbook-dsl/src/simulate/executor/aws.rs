//! The actions that call AWS: each makes the API calls AWS documents for it (through
//! injected faults, API mocks and the endpoint, like `aws:executeAwsApi`), polls on the
//! virtual clock where AWS waits, and gives the action's predefined outputs.

use super::{Attempt, Auto};
use crate::model::{Map, Value};
use crate::simulate::conditions::as_text;
use crate::simulate::jsonpath::select;
use crate::simulate::POLL_SECONDS;
use serde_json::json;

/// How long a poll runs when the step sets no `timeoutSeconds` and the action has no default
/// (one day; AWS documents no limit, the simulator needs one).
pub(crate) const MAX_POLL_SECONDS: u64 = 86_400;

impl Auto<'_, '_, '_> {
    pub(super) fn change_instance_state(&mut self, step: &str, inputs: &Map, timeout: Option<u64>) -> Attempt {
        let ids = match inputs.get("InstanceIds") {
            Some(Value::Array(a)) => Value::Array(a.clone()),
            Some(v @ Value::String(_)) => Value::Array(vec![v.clone()]),
            _ => return Attempt::Fail("`InstanceIds` must be a list of instance ids".into()),
        };
        let desired = inputs.get("DesiredState").and_then(as_text).unwrap_or_default();
        let api = match desired.as_str() {
            "running" => "StartInstances",
            "stopped" => "StopInstances",
            "terminated" => "TerminateInstances",
            other => {
                return Attempt::Fail(format!("`DesiredState` must be running, stopped or terminated, got `{other}`"))
            }
        };
        let check_only = inputs.get("CheckStateOnly").and_then(as_text).is_some_and(|s| s.eq_ignore_ascii_case("true"));
        if !check_only {
            let mut input = Map::new();
            input.insert("InstanceIds".into(), ids.clone());
            if api == "StopInstances" {
                if let Some(f) = inputs.get("Force") {
                    input.insert("Force".into(), f.clone());
                }
            }
            if let Err(e) = self.call(step, "ec2", api, Value::Object(input)) {
                return Attempt::Fail(e);
            }
        }
        let deadline = timeout.map(|t| self.shared.clock.now().saturating_add(t));
        loop {
            let resp = match self.call(step, "ec2", "DescribeInstances", json!({"InstanceIds": ids})) {
                Ok(r) => r,
                Err(e) => return Attempt::Fail(e),
            };
            let states: Vec<String> = select(&resp, "$..Instances")
                .ok()
                .flatten()
                .and_then(|v| v.as_array().cloned())
                .unwrap_or_default()
                .iter()
                .filter_map(Value::as_array)
                .flatten()
                .filter_map(|i| i.pointer("/State/Name").and_then(as_text))
                .collect();
            if !states.is_empty() && states.iter().all(|s| *s == desired) {
                return Attempt::Ok { response: None, outputs: Map::new(), next: None };
            }
            if let Some(e) = self.wait_or_time_out(deadline, timeout, POLL_SECONDS) {
                return Attempt::TimedOut(format!("{e} waiting for {desired}; the instances are {states:?}"));
            }
        }
    }

    /// Calls `api` every [`POLL_SECONDS`] until `done` says the response is final (`Ok(true)`)
    /// or failed (`Err`), or the deadline passes.
    pub(super) fn poll(
        &mut self,
        step: &str,
        (service, api): (&str, &str),
        input: &Value,
        timeout: Option<u64>,
        done: impl Fn(&Value) -> Result<bool, String>,
    ) -> Result<Value, Box<Attempt>> {
        let limit = timeout.unwrap_or(MAX_POLL_SECONDS);
        let deadline = Some(self.shared.clock.now().saturating_add(limit));
        loop {
            let resp = self.call(step, service, api, input.clone()).map_err(|e| Box::new(Attempt::Fail(e)))?;
            match done(&resp) {
                Ok(true) => return Ok(resp),
                Ok(false) => {}
                Err(e) => return Err(Box::new(Attempt::Fail(e))),
            }
            if let Some(e) = self.wait_or_time_out(deadline, Some(limit), POLL_SECONDS) {
                return Err(Box::new(Attempt::TimedOut(format!("{e} polling {service} {api}"))));
            }
        }
    }

    /// Calls `start` with `input` and takes the id at `id_at` (a JSON pointer) from its
    /// response, then polls `poll` with `poll_input(id)` until `done`: the id and the last
    /// response, or how the step ends.
    fn start_then_poll(
        &mut self,
        step: &str,
        (start, input, id_at): ((&str, &str), Value, &str),
        (poll, poll_input): ((&str, &str), impl Fn(&str) -> Value),
        timeout: Option<u64>,
        done: impl Fn(&Value) -> Result<bool, String>,
    ) -> Result<(String, Value), Box<Attempt>> {
        let started = self.call(step, start.0, start.1, input).map_err(|e| Box::new(Attempt::Fail(e)))?;
        let id = started.pointer(id_at).and_then(as_text).unwrap_or_default();
        let last = self.poll(step, poll, &poll_input(&id), timeout, done)?;
        Ok((id, last))
    }

    /// `aws:createTags`: ec2 `CreateTags` for EC2 resources, ssm `AddTagsToResource` for the
    /// Systems Manager resource types.
    pub(super) fn create_tags(&mut self, step: &str, inputs: &Map) -> Attempt {
        let ids = match inputs.get("ResourceIds") {
            Some(Value::Array(a)) => a.clone(),
            Some(v @ Value::String(_)) => vec![v.clone()],
            _ => return Attempt::Fail("`ResourceIds` must be a list of resource ids".into()),
        };
        let tags = inputs.get("Tags").cloned().unwrap_or(Value::Array(Vec::new()));
        let ty = inputs.get("ResourceType").and_then(as_text).unwrap_or_else(|| "EC2".into());
        let result = if ty == "EC2" {
            self.call(step, "ec2", "CreateTags", json!({"Resources": ids, "Tags": tags})).map(|_| ())
        } else {
            ids.iter().try_for_each(|id| {
                let input = json!({"ResourceType": ty, "ResourceId": id, "Tags": tags});
                self.call(step, "ssm", "AddTagsToResource", input).map(|_| ())
            })
        };
        match result {
            Ok(()) => Attempt::Ok { response: None, outputs: Map::new(), next: None },
            Err(e) => Attempt::Fail(e),
        }
    }

    /// `aws:createImage`: ec2 `CreateImage`, then `DescribeImages` until the image is available.
    pub(super) fn create_image(&mut self, step: &str, inputs: &Map, timeout: Option<u64>) -> Attempt {
        let input = renamed(
            inputs,
            &[
                ("InstanceId", "InstanceId"),
                ("ImageName", "Name"),
                ("ImageDescription", "Description"),
                ("NoReboot", "NoReboot"),
                ("BlockDeviceMappings", "BlockDeviceMappings"),
            ],
        );
        self.image(step, "CreateImage", input, timeout)
    }

    /// `aws:copyImage`: ec2 `CopyImage` into the simulation's Region, then `DescribeImages`
    /// until the copy is available.
    pub(super) fn copy_image(&mut self, step: &str, inputs: &Map, timeout: Option<u64>) -> Attempt {
        let input = renamed(
            inputs,
            &[
                ("SourceRegion", "SourceRegion"),
                ("SourceImageId", "SourceImageId"),
                ("ImageName", "Name"),
                ("ImageDescription", "Description"),
                ("Encrypted", "Encrypted"),
                ("KmsKeyId", "KmsKeyId"),
                ("ClientToken", "ClientToken"),
            ],
        );
        self.image(step, "CopyImage", input, timeout)
    }

    /// Makes an image with `api` (`CreateImage`, `CopyImage`), waits until it is available and
    /// gives `ImageId` and `ImageState`.
    fn image(&mut self, step: &str, api: &str, input: Map, timeout: Option<u64>) -> Attempt {
        let state = |r: &Value| r.pointer("/Images/0/State").and_then(as_text).unwrap_or_default();
        let polled = self.start_then_poll(
            step,
            (("ec2", api), Value::Object(input), "/ImageId"),
            (("ec2", "DescribeImages"), |id| json!({"ImageIds": [id]})),
            timeout,
            |r| match state(r).as_str() {
                "available" => Ok(true),
                s @ ("failed" | "invalid" | "deregistered" | "error") => Err(format!("the image is {s}")),
                _ => Ok(false),
            },
        );
        match polled {
            Ok((id, r)) => {
                let mut o = Map::new();
                o.insert("ImageId".into(), json!(id));
                o.insert("ImageState".into(), json!(state(&r)));
                Attempt::Ok { response: None, outputs: o, next: None }
            }
            Err(a) => *a,
        }
    }

    /// `aws:runInstances`: ec2 `RunInstances`, then `DescribeInstances` until every instance runs.
    pub(super) fn run_instances(&mut self, step: &str, inputs: &Map, timeout: Option<u64>) -> Attempt {
        let mut input = Map::new();
        input.insert("MinCount".into(), inputs.get("MinInstanceCount").cloned().unwrap_or(json!(1)));
        input.insert("MaxCount".into(), inputs.get("MaxInstanceCount").cloned().unwrap_or(json!(1)));
        for (k, v) in inputs {
            match k.as_str() {
                "MinInstanceCount" | "MaxInstanceCount" => {}
                "IamInstanceProfileArn" => {
                    input.insert("IamInstanceProfile".into(), json!({"Arn": v}));
                }
                "IamInstanceProfileName" => {
                    input.insert("IamInstanceProfile".into(), json!({"Name": v}));
                }
                "Monitoring" if !v.is_object() => {
                    let on = as_text(v).is_some_and(|t| t.eq_ignore_ascii_case("true"));
                    input.insert("Monitoring".into(), json!({"Enabled": on}));
                }
                _ => {
                    input.insert(k.clone(), v.clone());
                }
            }
        }
        let ids: Vec<Value> = match self.call(step, "ec2", "RunInstances", Value::Object(input)) {
            Ok(r) => r
                .get("Instances")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(|i| i.get("InstanceId").cloned()).collect())
                .unwrap_or_default(),
            Err(e) => return Attempt::Fail(e),
        };
        let states = |r: &Value| -> Vec<String> {
            r.get("Reservations")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|res| res.get("Instances").and_then(Value::as_array))
                .flatten()
                .filter_map(|i| i.pointer("/State/Name").and_then(as_text))
                .collect()
        };
        let polled = self.poll(step, ("ec2", "DescribeInstances"), &json!({"InstanceIds": ids}), timeout, |r| {
            let s = states(r);
            if s.iter().any(|x| x == "terminated" || x == "shutting-down") {
                return Err(format!("an instance ended {s:?} instead of running"));
            }
            Ok(!s.is_empty() && s.iter().all(|x| x == "running"))
        });
        match polled {
            Ok(r) => {
                let mut o = Map::new();
                o.insert("InstanceIds".into(), Value::Array(ids));
                o.insert("InstanceStates".into(), json!(states(&r)));
                Attempt::Ok { response: None, outputs: o, next: None }
            }
            Err(a) => *a,
        }
    }

    /// `aws:deleteImage`: ec2 `DescribeImages` for the image's snapshots, `DeregisterImage`,
    /// then `DeleteSnapshot` for each snapshot.
    pub(super) fn delete_image(&mut self, step: &str, inputs: &Map) -> Attempt {
        let id = inputs.get("ImageId").and_then(as_text).unwrap_or_default();
        let snapshots: Vec<Value> = match self.call(step, "ec2", "DescribeImages", json!({"ImageIds": [id]})) {
            Ok(r) => r
                .pointer("/Images/0/BlockDeviceMappings")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|m| m.pointer("/Ebs/SnapshotId").cloned())
                .collect(),
            Err(e) => return Attempt::Fail(e),
        };
        if let Err(e) = self.call(step, "ec2", "DeregisterImage", json!({"ImageId": id})) {
            return Attempt::Fail(e);
        }
        for s in snapshots {
            if let Err(e) = self.call(step, "ec2", "DeleteSnapshot", json!({"SnapshotId": s})) {
                return Attempt::Fail(e);
            }
        }
        Attempt::Ok { response: None, outputs: Map::new(), next: None }
    }

    /// `aws:runCommand`: ssm `SendCommand` with the step's inputs, then `ListCommands` until
    /// the command ends, then `GetCommandInvocation` of the first instance for `Output` and
    /// `ResponseCode` (AWS gives the output of one instance). The step fails unless the command ends `Success`.
    pub(super) fn run_command(&mut self, step: &str, inputs: &Map, timeout: Option<u64>) -> Attempt {
        let status = |r: &Value| r.pointer("/Commands/0/Status").and_then(as_text).unwrap_or_default();
        let polled = self.start_then_poll(
            step,
            (("ssm", "SendCommand"), Value::Object(inputs.clone()), "/Command/CommandId"),
            (("ssm", "ListCommands"), |id| json!({"CommandId": id})),
            timeout,
            |r| Ok(matches!(status(r).as_str(), "Success" | "Failed" | "Cancelled" | "TimedOut")),
        );
        let (id, listed) = match polled {
            Ok(x) => x,
            Err(a) => return *a,
        };
        let mut o = Map::new();
        o.insert("CommandId".into(), json!(id));
        o.insert("Status".into(), json!(status(&listed)));
        // The first instance asked for (else the first the targets gave).
        let asked = match inputs.get("InstanceIds") {
            Some(Value::Array(a)) => a.first().cloned(),
            Some(v @ Value::String(_)) => Some(v.clone()),
            _ => None,
        };
        let instance = asked.or_else(|| listed.pointer("/Commands/0/InstanceIds/0").cloned());
        if let Some(instance) = instance {
            let input = json!({"CommandId": id, "InstanceId": instance});
            match self.call(step, "ssm", "GetCommandInvocation", input) {
                Ok(inv) => {
                    if let Some(code) = inv.get("ResponseCode") {
                        o.insert("ResponseCode".into(), code.clone());
                    }
                    let out = inv.get("StandardOutputContent").and_then(as_text).unwrap_or_default();
                    o.insert("Output".into(), json!(out));
                }
                Err(e) => return Attempt::Fail(e),
            }
        }
        if status(&listed) != "Success" {
            return Attempt::Fail(format!("the command {id} ended {}", status(&listed)));
        }
        Attempt::Ok { response: Some(Value::Object(o.clone())), outputs: o, next: None }
    }

    /// `aws:invokeLambdaFunction`: lambda `Invoke` (`InputPayload` as the JSON payload, else
    /// `Payload`). Outputs `StatusCode`, `FunctionError`, `LogResult` and `Payload`; a function
    /// error fails the step.
    pub(super) fn invoke_lambda(&mut self, step: &str, inputs: &Map) -> Attempt {
        let mut input = renamed(
            inputs,
            &[
                ("FunctionName", "FunctionName"),
                ("Qualifier", "Qualifier"),
                ("InvocationType", "InvocationType"),
                ("LogType", "LogType"),
                ("ClientContext", "ClientContext"),
                ("Payload", "Payload"),
            ],
        );
        if let Some(p) = inputs.get("InputPayload") {
            let text = match p {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            input.insert("Payload".into(), Value::String(text));
        }
        let resp = match self.call(step, "lambda", "Invoke", Value::Object(input)) {
            Ok(r) => r,
            Err(e) => return Attempt::Fail(e),
        };
        let mut o = Map::new();
        for k in ["StatusCode", "FunctionError", "LogResult", "Payload"] {
            if let Some(v) = resp.get(k) {
                o.insert(k.into(), v.clone());
            }
        }
        if let Some(e) = resp.get("FunctionError").and_then(as_text) {
            let payload = resp.get("Payload").and_then(as_text).unwrap_or_default();
            return Attempt::Fail(format!("the function returned an error ({e}): {payload}"));
        }
        Attempt::Ok { response: Some(Value::Object(o.clone())), outputs: o, next: None }
    }

    /// `aws:executeStateMachine`: stepfunctions `StartExecution`, then `DescribeExecution`
    /// until the execution ends; its fields are the outputs. The step fails unless the
    /// execution `SUCCEEDED`.
    pub(super) fn execute_state_machine(&mut self, step: &str, inputs: &Map, timeout: Option<u64>) -> Attempt {
        let status = |r: &Value| r.get("status").and_then(as_text).unwrap_or_default();
        let polled = self.start_then_poll(
            step,
            (("stepfunctions", "StartExecution"), Value::Object(inputs.clone()), "/executionArn"),
            (("stepfunctions", "DescribeExecution"), |id| json!({"executionArn": id})),
            timeout,
            |r| Ok(!matches!(status(r).as_str(), "RUNNING" | "PENDING_REDRIVE" | "")),
        );
        let (arn, described) = match polled {
            Ok(x) => x,
            Err(a) => return *a,
        };
        let mut o = Map::new();
        for k in ["executionArn", "input", "name", "output", "startDate", "stateMachineArn", "status", "stopDate"] {
            if let Some(v) = described.get(k).and_then(as_text) {
                o.insert(k.into(), Value::String(v));
            }
        }
        let end = status(&described);
        if end != "SUCCEEDED" {
            let why = ["error", "cause"]
                .iter()
                .filter_map(|k| described.get(*k).and_then(as_text))
                .collect::<Vec<_>>()
                .join(": ");
            return Attempt::Fail(format!(
                "the execution {arn} ended {end}{}",
                if why.is_empty() { String::new() } else { format!(" ({why})") }
            ));
        }
        Attempt::Ok { response: Some(described), outputs: o, next: None }
    }

    /// `aws:createStack`: cloudformation `CreateStack` with the step's inputs, then
    /// `DescribeStacks` until the stack's status is final. Outputs `StackId`, `StackStatus` and
    /// `StackStatusReason`; the step fails unless the stack ends `CREATE_COMPLETE`.
    pub(super) fn create_stack(&mut self, step: &str, inputs: &Map, timeout: Option<u64>) -> Attempt {
        let status = |r: &Value| r.pointer("/Stacks/0/StackStatus").and_then(as_text).unwrap_or_default();
        let polled = self.start_then_poll(
            step,
            (("cloudformation", "CreateStack"), Value::Object(inputs.clone()), "/StackId"),
            (("cloudformation", "DescribeStacks"), |id| json!({"StackName": id})),
            timeout,
            |r| Ok(!status(r).ends_with("_IN_PROGRESS")),
        );
        let (id, described) = match polled {
            Ok(x) => x,
            Err(a) => return *a,
        };
        let end = status(&described);
        let reason = described.pointer("/Stacks/0/StackStatusReason").and_then(as_text);
        let mut o = Map::new();
        o.insert("StackId".into(), json!(id));
        o.insert("StackStatus".into(), json!(end));
        if let Some(r) = &reason {
            o.insert("StackStatusReason".into(), json!(r));
        }
        if end != "CREATE_COMPLETE" {
            return Attempt::Fail(format!(
                "the stack {id} ended {end}{}",
                reason.map(|r| format!(": {r}")).unwrap_or_default()
            ));
        }
        Attempt::Ok { response: Some(Value::Object(o.clone())), outputs: o, next: None }
    }

    /// `aws:deleteStack`: cloudformation `DescribeStacks` for the stack's id, `DeleteStack`
    /// with the step's inputs, then `DescribeStacks` of the id until `DELETE_COMPLETE`; a stack
    /// that does not exist is already deleted. `DELETE_FAILED` fails the step.
    pub(super) fn delete_stack(&mut self, step: &str, inputs: &Map, timeout: Option<u64>) -> Attempt {
        let name = inputs.get("StackName").and_then(as_text).unwrap_or_default();
        let id = match self.call(step, "cloudformation", "DescribeStacks", json!({"StackName": name})) {
            Ok(r) => r.pointer("/Stacks/0/StackId").and_then(as_text).unwrap_or(name),
            Err(e) if e.contains("does not exist") => {
                return Attempt::Ok { response: None, outputs: Map::new(), next: None }
            }
            Err(e) => return Attempt::Fail(e),
        };
        if let Err(e) = self.call(step, "cloudformation", "DeleteStack", Value::Object(inputs.clone())) {
            return Attempt::Fail(e);
        }
        let status = |r: &Value| r.pointer("/Stacks/0/StackStatus").and_then(as_text).unwrap_or_default();
        let polled =
            self.poll(
                step,
                ("cloudformation", "DescribeStacks"),
                &json!({"StackName": id}),
                timeout,
                |r| match status(r).as_str() {
                    "DELETE_COMPLETE" => Ok(true),
                    "DELETE_FAILED" => Err(format!(
                        "the stack {id} ended DELETE_FAILED: {}",
                        r.pointer("/Stacks/0/StackStatusReason").and_then(as_text).unwrap_or_default()
                    )),
                    _ => Ok(false),
                },
            );
        match polled {
            Ok(_) => Attempt::Ok { response: None, outputs: Map::new(), next: None },
            Err(a) => *a,
        }
    }
}

/// The inputs named in `pairs` (input name, API member name), renamed.
fn renamed(inputs: &Map, pairs: &[(&str, &str)]) -> Map {
    let mut out = Map::new();
    for (from, to) in pairs {
        if let Some(v) = inputs.get(*from) {
            out.insert((*to).to_string(), v.clone());
        }
    }
    out
}
