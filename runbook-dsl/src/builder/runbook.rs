use super::refs::{Output, Param, SsmType, Str, Var};
use super::ParamSpec;
use crate::model::{Document, ParameterType, Step, Value, VariableDef};
use std::fmt;

/// The name of the parameter that carries the automation's role.
pub const ASSUME_ROLE_PARAM: &str = "AutomationAssumeRole";
/// `allowedPattern` of [`ASSUME_ROLE_PARAM`]: an IAM role ARN in any partition.
pub const ROLE_ARN_PATTERN: &str = r"^arn:aws[a-z0-9-]*:iam::\d{12}:role/[\w+=,.@/-]+$";

/// Builds a [`Document`]: declare parameters, variables and steps, get handles back.
///
/// ```
/// use runbook_dsl::prelude::*;
///
/// let mut rb = Runbook::new("Enable versioning on a bucket.");
/// rb.assume_role();
/// let bucket: Param<Str> = rb.param("BucketName", ParamSpec::new("The bucket.").pattern("^[a-z0-9.-]{3,63}$"));
/// let get = rb.add(Step::new("GetVersioning", ExecuteAwsApi::new("s3", "GetBucketVersioning").param("Bucket", &bucket)));
/// let status: Output<Str> = rb.output(&get, "Status", "$.Status");
/// rb.document_output(&status);
/// let doc = rb.build().unwrap();
/// assert_eq!(doc.outputs, vec!["GetVersioning.Status".to_string()]);
/// ```
#[derive(Clone, Debug)]
pub struct Runbook {
    pub(super) doc: Document,
    pub(super) problems: Vec<String>,
    /// Flow wiring still to do (joins, undo steps); see `flow.rs`.
    pub(super) flow: super::flow::FlowState,
}

/// A step added to a [`Runbook`]; used to declare its outputs and to wire flow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepRef {
    pub(super) name: String,
}

impl StepRef {
    /// The step's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl fmt::Display for StepRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

/// Why a [`Runbook`] could not be built: every problem found, one per line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuildError {
    /// The problems, in the order they were found.
    pub problems: Vec<String>,
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            f.write_str(p)?;
        }
        Ok(())
    }
}

impl std::error::Error for BuildError {}

impl Runbook {
    /// A runbook with a description.
    pub fn new(description: impl Into<String>) -> Self {
        Runbook {
            doc: Document { description: Some(description.into()), ..Document::default() },
            problems: Vec::new(),
            flow: Default::default(),
        }
    }

    /// A runbook without a description (imported documents that have none).
    pub fn without_description() -> Self {
        Runbook { doc: Document::default(), problems: Vec::new(), flow: Default::default() }
    }

    /// The document built so far.
    pub fn document(&self) -> &Document {
        &self.doc
    }

    /// The document built so far, to set what the builder has no method for (attachments,
    /// keys AWS does not document); used by code that `runbook import` generates.
    pub fn document_mut(&mut self) -> &mut Document {
        &mut self.doc
    }

    /// Runs the automation as `role`: a parameter handle (`&role`), its compact form
    /// (`role.compact()`) or a literal ARN.
    ///
    /// ```
    /// use runbook_dsl::prelude::*;
    /// let mut rb = Runbook::new("d");
    /// let role: Param<Str> = rb.param("AutomationAssumeRole", ParamSpec::new("The role."));
    /// rb.set_assume_role(role.compact());
    /// assert_eq!(rb.document().assume_role.as_deref(), Some("{{AutomationAssumeRole}}"));
    /// ```
    pub fn set_assume_role(&mut self, role: impl Into<String>) {
        self.doc.assume_role = Some(role.into());
    }

    /// Declares the `AutomationAssumeRole` parameter (an IAM role ARN) and runs the
    /// automation as that role.
    pub fn assume_role(&mut self) -> Param<Str> {
        let role: Param<Str> = self.param(
            ASSUME_ROLE_PARAM,
            ParamSpec::new(
                "(Required) The ARN of the role that allows Automation to perform the actions on your behalf.",
            )
            .pattern(ROLE_ARN_PATTERN),
        );
        self.doc.assume_role = Some(role.to_string());
        role
    }

    /// Declares a parameter whose type is the handle's marker type.
    pub fn param<T: SsmType>(&mut self, name: &str, spec: ParamSpec) -> Param<T> {
        self.declare_param(name, ParameterType::Data(T::DATA_TYPE), spec);
        Param::new(name)
    }

    /// Declares a parameter of an `AWS::*` type such as `AWS::EC2::Instance::Id` (a string at
    /// run time).
    pub fn aws_param(&mut self, name: &str, aws_type: &str, spec: ParamSpec) -> Param<Str> {
        match aws_type.parse::<ParameterType>() {
            Ok(t @ ParameterType::Aws(_)) => self.declare_param(name, t, spec),
            _ => self.problems.push(format!("parameter `{name}`: `{aws_type}` is not an AWS::* type")),
        }
        Param::new(name)
    }

    fn declare_param(&mut self, name: &str, ty: ParameterType, spec: ParamSpec) {
        if !name.chars().all(|c| c.is_ascii_alphanumeric()) || name.is_empty() {
            self.problems.push(format!("parameter `{name}`: names are letters and digits only"));
        }
        if self.doc.parameters.contains_key(name) {
            self.problems.push(format!("parameter `{name}` is declared twice"));
        }
        self.doc.parameters.insert(name.to_string(), spec.into_parameter(ty));
    }

    /// Declares a runbook variable with an optional initial value.
    pub fn variable<T: SsmType>(&mut self, name: &str, default: Option<Value>) -> Var<T> {
        if self.doc.variables.contains_key(name) {
            self.problems.push(format!("variable `{name}` is declared twice"));
        }
        self.doc.variables.insert(
            name.to_string(),
            VariableDef { ty: T::DATA_TYPE, description: None, default, extra: Default::default() },
        );
        Var::new(name)
    }

    /// Appends a step to `mainSteps`.
    pub fn add(&mut self, step: Step) -> StepRef {
        if self.doc.main_steps.iter().any(|s| s.name == step.name) {
            self.problems.push(format!("step `{}` is declared twice", step.name));
        }
        let r = StepRef { name: step.name.clone() };
        self.doc.main_steps.push(step);
        self.join_pending(&r.name);
        r
    }

    /// The step behind a handle, to change its properties (flow wiring, retries).
    pub fn step_mut(&mut self, step: &StepRef) -> &mut Step {
        let i = self
            .doc
            .main_steps
            .iter()
            .position(|s| s.name == step.name)
            .expect("a StepRef always names a step of its Runbook");
        &mut self.doc.main_steps[i]
    }

    /// Declares an output on a step (`{Name, Selector, Type}`), typed by the handle.
    pub fn output<T: SsmType>(&mut self, step: &StepRef, name: &str, selector: &str) -> Output<T> {
        Output::declare(self.step_mut(step), name, selector)
    }

    /// A predefined output of a step's action (e.g. `ImageId` of `aws:createImage`). A name
    /// the action does not produce, or a type that differs, makes [`Runbook::build`] fail.
    pub fn predefined<T: SsmType>(&mut self, step: &StepRef, name: &str) -> Output<T> {
        let s = self.step_mut(step);
        match s.action.predefined_outputs().iter().find(|(n, _)| *n == name) {
            Some((_, t)) if *t == T::DATA_TYPE => {}
            Some((_, t)) => {
                let msg = format!("step `{}`: output `{name}` is {t}, not {}", step.name, T::DATA_TYPE);
                self.problems.push(msg);
            }
            None => {
                let msg = format!("step `{}`: action {} has no output `{name}`", step.name, s.action.name());
                self.problems.push(msg);
            }
        }
        Output::new(step.name.clone(), name)
    }

    /// Adds a step output to the document's `outputs`.
    pub fn document_output<T: SsmType>(&mut self, out: &Output<T>) {
        self.doc.outputs.push(out.path());
    }

    /// The document, or every problem found while building it.
    ///
    /// Finishes the flow wiring (joins, rollback paths; see [`Runbook::mutate`]), then checks
    /// the limits the flow API promises (timeouts above an action's cap, approval and loop
    /// limits, operator types, onCancel limits), each problem naming the step and the field.
    /// The full validator (`runbook_dsl::validate`) runs in `emit` and `runbook validate`.
    pub fn build(mut self) -> Result<Document, BuildError> {
        self.finish_flow();
        let mut problems = std::mem::take(&mut self.problems);
        problems.extend(self.validation_problems());
        for s in self.doc.all_steps() {
            if s.name.is_empty() || !s.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                problems.push(format!("step `{}`: names are letters, digits and `_` only", s.name));
            }
        }
        if problems.is_empty() {
            Ok(self.doc)
        } else {
            Err(BuildError { problems })
        }
    }
}
