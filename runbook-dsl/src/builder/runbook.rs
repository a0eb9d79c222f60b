use super::refs::{Output, Param, SsmType, Str, Var};
use super::ParamSpec;
use crate::model::{Document, ParameterType, Step, Value, VariableDef};
use std::fmt;
use std::panic::Location;

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
    /// Where in the user's Rust each step and parameter was added (`#[track_caller]`), so that
    /// every problem names the file and line.
    pub(super) origins: Origins,
}

/// The Rust line that added each step and parameter, by name (the first one wins).
#[derive(Clone, Debug, Default)]
pub(super) struct Origins {
    pub(super) steps: Vec<(String, &'static Location<'static>)>,
    pub(super) params: Vec<(String, &'static Location<'static>)>,
}

impl Origins {
    fn find(list: &[(String, &'static Location<'static>)], name: &str) -> Option<&'static Location<'static>> {
        list.iter().find(|(n, _)| n == name).map(|(_, l)| *l)
    }
    /// The line that added step `name`.
    pub(super) fn step(&self, name: &str) -> Option<&'static Location<'static>> {
        Self::find(&self.steps, name)
    }
    /// The line that declared parameter `name`.
    pub(super) fn param(&self, name: &str) -> Option<&'static Location<'static>> {
        Self::find(&self.params, name)
    }
}

/// `file:line: ` of a Rust location, the prefix of a build problem.
pub(super) fn at(l: &Location<'_>) -> String {
    format!("{}:{}: ", l.file(), l.line())
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
            origins: Origins::default(),
        }
    }

    /// A runbook without a description (imported documents that have none).
    pub fn without_description() -> Self {
        Runbook {
            doc: Document::default(),
            problems: Vec::new(),
            flow: Default::default(),
            origins: Origins::default(),
        }
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
    #[track_caller]
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
    #[track_caller]
    pub fn param<T: SsmType>(&mut self, name: &str, spec: ParamSpec) -> Param<T> {
        self.declare_param(name, ParameterType::Data(T::DATA_TYPE), spec);
        Param::new(name)
    }

    /// Declares a parameter of an `AWS::*` type such as `AWS::EC2::Instance::Id` (a string at
    /// run time).
    #[track_caller]
    pub fn aws_param(&mut self, name: &str, aws_type: &str, spec: ParamSpec) -> Param<Str> {
        match aws_type.parse::<ParameterType>() {
            Ok(t @ ParameterType::Aws(_)) => self.declare_param(name, t, spec),
            _ => self.problem(format!("parameter `{name}`: `{aws_type}` is not an AWS::* type")),
        }
        Param::new(name)
    }

    #[track_caller]
    fn declare_param(&mut self, name: &str, ty: ParameterType, spec: ParamSpec) {
        if !name.chars().all(|c| c.is_ascii_alphanumeric()) || name.is_empty() {
            self.problem(format!("parameter `{name}`: names are letters and digits only"));
        }
        if self.doc.parameters.contains_key(name) {
            self.problem(format!("parameter `{name}` is declared twice"));
        } else {
            self.origins.params.push((name.to_string(), Location::caller()));
        }
        self.doc.parameters.insert(name.to_string(), spec.into_parameter(ty));
    }

    /// Records a problem found at the caller's line (`file:line: problem`).
    #[track_caller]
    pub(super) fn problem(&mut self, msg: impl fmt::Display) {
        self.problems.push(format!("{}{msg}", at(Location::caller())));
    }

    /// Declares a runbook variable with an optional initial value.
    #[track_caller]
    pub fn variable<T: SsmType>(&mut self, name: &str, default: Option<Value>) -> Var<T> {
        if self.doc.variables.contains_key(name) {
            self.problem(format!("variable `{name}` is declared twice"));
        }
        self.doc.variables.insert(
            name.to_string(),
            VariableDef { ty: T::DATA_TYPE, description: None, default, extra: Default::default() },
        );
        Var::new(name)
    }

    /// Appends a step to `mainSteps`. The caller's file and line are recorded: every problem
    /// [`Runbook::build`] finds in the step names them.
    #[track_caller]
    pub fn add(&mut self, step: Step) -> StepRef {
        if self.doc.main_steps.iter().any(|s| s.name == step.name) {
            self.problem(format!("step `{}` is declared twice", step.name));
        } else {
            self.origins.steps.push((step.name.clone(), Location::caller()));
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
    #[track_caller]
    pub fn output<T: SsmType>(&mut self, step: &StepRef, name: &str, selector: &str) -> Output<T> {
        Output::declare(self.step_mut(step), name, selector)
    }

    /// A predefined output of a step's action (e.g. `ImageId` of `aws:createImage`). A name
    /// the action does not produce, or a type that differs, makes [`Runbook::build`] fail.
    #[track_caller]
    pub fn predefined<T: SsmType>(&mut self, step: &StepRef, name: &str) -> Output<T> {
        let s = self.step_mut(step);
        let known = s.action.predefined_outputs();
        match known.iter().find(|(n, _)| *n == name) {
            Some((_, t)) if *t == T::DATA_TYPE => {}
            Some((_, t)) => {
                let msg = format!("step `{}`: output `{name}` is {t}, not {}", step.name, T::DATA_TYPE);
                self.problem(msg);
            }
            None => {
                let hint = crate::validate::did_you_mean(name, known.iter().map(|(n, _)| *n));
                let msg = format!("step `{}`: action {} has no output `{name}`; {hint}", step.name, s.action.name());
                self.problem(msg.trim_end().trim_end_matches(';'));
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
    /// Finishes the flow wiring (joins, rollback paths; see [`Runbook::mutate`]), then runs the
    /// whole validator ([`crate::validate::validate`]): every error, and the warnings the flow
    /// API refuses (`W004`, unless accepted), is a problem. Each problem starts with the Rust
    /// file and line that added the step (or declared the parameter) and names the step and the
    /// field, with the fix in the document's terms and, where the builder has its own way, in
    /// Rust:
    ///
    /// ```
    /// use runbook_dsl::prelude::*;
    /// let mut rb = Runbook::new("d");
    /// rb.add(Step::new("Get", ExecuteAwsApi::new("s3", "ListBuckets")).next_step("Stpo"));
    /// rb.add(Step::new("Stop", Pause::new()));
    /// let e = rb.build().unwrap_err().to_string();
    /// assert!(e.starts_with(&format!("{}:{}: error[E031] step `Get`", file!(), line!() - 3)), "{e}");
    /// assert!(e.contains("did you mean `Stop`?"), "{e}");
    /// ```
    pub fn build(mut self) -> Result<Document, BuildError> {
        self.finish_flow();
        let mut problems = std::mem::take(&mut self.problems);
        problems.extend(self.validation_problems());
        if problems.is_empty() {
            Ok(self.doc)
        } else {
            Err(BuildError { problems })
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::prelude::*;

    #[test]
    fn every_problem_names_the_rust_line_that_added_the_step() {
        let mut rb = Runbook::new("d");
        let bucket: Param<Str> = rb.param("BucketName", ParamSpec::new("b").pattern("^[a-z]+$"));
        let line = line!() + 1;
        let get = rb.add(Step::new("Get", ExecuteAwsApi::new("s3", "GetBucketVersioning").param("Bucket", &bucket)));
        let _: Output<Str> = rb.output(&get, "Status", "$.Status");
        rb.add(
            Step::new("Use", ExecuteAwsApi::new("s3", "GetBucketPolicy").param("Bucket", "{{ Get.Stauts }}"))
                .next_step("Nowhere"),
        );
        let e = rb.build().unwrap_err();
        let here = file!();
        assert!(e.problems.iter().all(|p| p.starts_with(here)), "{e}");
        let e061 = e.problems.iter().find(|p| p.contains("[E061]")).expect("E061");
        assert!(e061.starts_with(&format!("{here}:{}:", line + 2)), "{e061}");
        assert!(e061.contains("did you mean `Status`?"), "{e061}");
        assert!(e061.contains("in Rust: pass the `Output` handle"), "{e061}");
        let e031 = e.problems.iter().find(|p| p.contains("[E031]")).expect("E031");
        assert!(e031.starts_with(&format!("{here}:{}:", line + 2)), "{e031}");
        let _ = get;
        let _ = line;
    }

    #[test]
    fn undo_steps_and_flow_steps_name_the_line_of_their_call() {
        let mut rb = Runbook::new("d");
        let line = line!() + 1;
        rb.mutate(
            Step::new("Change", ExecuteAwsApi::new("s3", "PutBucketVersioning")),
            vec![Step::new("Undo", ExecuteAwsApi::new("s3", "PutBucketVersioning")).timeout_seconds(999)],
        );
        rb.add(Step::new("Verify", ExecuteAwsApi::new("s3", "GetBucketVersioning")));
        let e = rb.build().unwrap_err();
        let w004 = e.problems.iter().find(|p| p.contains("[W004]")).expect("W004 on the undo step");
        assert!(w004.starts_with(&format!("{}:{line}:", file!())), "{w004}");
    }
}
