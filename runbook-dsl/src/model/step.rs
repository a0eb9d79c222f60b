use super::{Action, DataType, Map};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// What happens when a step fails (`onFailure`).
///
/// ```
/// use runbook_dsl::model::OnFailure;
/// assert_eq!(OnFailure::step("Rollback").to_string(), "step:Rollback");
/// assert_eq!("Continue".parse::<OnFailure>().unwrap(), OnFailure::Continue);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum OnFailure {
    /// Stop; the automation ends Failed (the default).
    Abort,
    /// Record the failure and go on as if the step succeeded.
    Continue,
    /// Jump to the named step (`step:Name`).
    Step(String),
    /// A value AWS does not accept, kept as written so the validator can report it.
    Invalid(String),
}

impl OnFailure {
    /// `step:<name>`.
    pub fn step(name: impl Into<String>) -> Self {
        OnFailure::Step(name.into())
    }
    /// The step this jumps to, if any.
    pub fn target(&self) -> Option<&str> {
        match self {
            OnFailure::Step(s) => Some(s),
            _ => None,
        }
    }
}

/// What happens when the automation is cancelled while a step runs (`onCancel`).
///
/// ```
/// use runbook_dsl::model::OnCancel;
/// assert_eq!(OnCancel::step("Undo").to_string(), "step:Undo");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum OnCancel {
    /// Stop (the default).
    Abort,
    /// Run a cancellation workflow starting at the named step (at most 2 minutes).
    Step(String),
    /// A value AWS does not accept, kept as written so the validator can report it.
    Invalid(String),
}

impl OnCancel {
    /// `step:<name>`.
    pub fn step(name: impl Into<String>) -> Self {
        OnCancel::Step(name.into())
    }
    /// The step this jumps to, if any.
    pub fn target(&self) -> Option<&str> {
        match self {
            OnCancel::Step(s) => Some(s),
            _ => None,
        }
    }
}

fn split_step(s: &str) -> Option<&str> {
    s.strip_prefix("step:").map(str::trim)
}

impl std::str::FromStr for OnFailure {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "Abort" => OnFailure::Abort,
            "Continue" => OnFailure::Continue,
            _ => match split_step(s) {
                Some(t) if !t.is_empty() && t == &s[5..] => OnFailure::Step(t.to_string()),
                _ => OnFailure::Invalid(s.to_string()),
            },
        })
    }
}

impl std::str::FromStr for OnCancel {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "Abort" => OnCancel::Abort,
            _ => match split_step(s) {
                Some(t) if !t.is_empty() && t == &s[5..] => OnCancel::Step(t.to_string()),
                _ => OnCancel::Invalid(s.to_string()),
            },
        })
    }
}

impl fmt::Display for OnFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OnFailure::Abort => f.write_str("Abort"),
            OnFailure::Continue => f.write_str("Continue"),
            OnFailure::Step(s) => write!(f, "step:{s}"),
            OnFailure::Invalid(s) => f.write_str(s),
        }
    }
}

impl fmt::Display for OnCancel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OnCancel::Abort => f.write_str("Abort"),
            OnCancel::Step(s) => write!(f, "step:{s}"),
            OnCancel::Invalid(s) => f.write_str(s),
        }
    }
}

macro_rules! string_serde {
    ($t:ty) => {
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Ok(s.parse().unwrap_or_else(|e: std::convert::Infallible| match e {}))
            }
        }
    };
}
string_serde!(OnFailure);
string_serde!(OnCancel);

/// A declared step output (`{Name, Selector, Type}`).
///
/// ```
/// use runbook_dsl::model::{DataType, OutputDecl};
/// let o = OutputDecl::new("State", "$.State", DataType::String);
/// assert_eq!(o.selector, "$.State");
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OutputDecl {
    /// Referenced as `{{ Step.Name }}`.
    pub name: String,
    /// JSONPath into the response, starting with `$`.
    pub selector: String,
    /// The output's type.
    #[serde(rename = "Type")]
    pub ty: DataType,
    /// Keys the model does not know.
    #[serde(flatten)]
    pub extra: Map,
}

impl OutputDecl {
    /// A declared output.
    pub fn new(name: impl Into<String>, selector: impl Into<String>, ty: DataType) -> Self {
        OutputDecl { name: name.into(), selector: selector.into(), ty, extra: Map::new() }
    }
}

/// One step of `mainSteps` (or of an `aws:loop` body), with every common property.
///
/// Keys are emitted in this order: `name`, `action`, `description`, `maxAttempts`,
/// `timeoutSeconds`, `onFailure`, `onCancel`, `isCritical`, `inputs`, `outputs`, `nextStep`,
/// `isEnd`, then unknown keys as read.
///
/// ```
/// use runbook_dsl::prelude::*;
/// let s = Step::new("Wait", Sleep::for_duration("PT30S")).timeout_seconds(60);
/// assert_eq!(s.action.name(), "aws:sleep");
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// Unique step name (`[A-Za-z0-9_]+`).
    pub name: String,
    /// The action and its inputs.
    pub action: Action,
    /// Markdown shown in the console.
    pub description: Option<String>,
    /// Number of tries (default 1).
    pub max_attempts: Option<u64>,
    /// Per-attempt timeout.
    pub timeout_seconds: Option<u64>,
    /// What happens on failure (default Abort).
    pub on_failure: Option<OnFailure>,
    /// What happens on cancellation (default Abort).
    pub on_cancel: Option<OnCancel>,
    /// Whether a failure of this step fails the automation.
    pub is_critical: Option<bool>,
    /// Declared outputs.
    pub outputs: Vec<OutputDecl>,
    /// The step that runs after this one succeeds.
    pub next_step: Option<String>,
    /// Stop the automation after this step.
    pub is_end: Option<bool>,
    /// Keys the model does not know, kept as written.
    pub extra: Map,
}

impl Step {
    /// A step with only a name and an action.
    pub fn new(name: impl Into<String>, action: impl Into<Action>) -> Self {
        Step {
            name: name.into(),
            action: action.into(),
            description: None,
            max_attempts: None,
            timeout_seconds: None,
            on_failure: None,
            on_cancel: None,
            is_critical: None,
            outputs: Vec::new(),
            next_step: None,
            is_end: None,
            extra: Map::new(),
        }
    }
    /// Sets `description`.
    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.description = Some(text.into());
        self
    }
    /// Sets `maxAttempts`.
    pub fn max_attempts(mut self, n: u64) -> Self {
        self.max_attempts = Some(n);
        self
    }
    /// Sets `timeoutSeconds`.
    pub fn timeout_seconds(mut self, s: u64) -> Self {
        self.timeout_seconds = Some(s);
        self
    }
    /// Sets `onFailure`.
    pub fn on_failure(mut self, f: OnFailure) -> Self {
        self.on_failure = Some(f);
        self
    }
    /// Sets `onCancel`.
    pub fn on_cancel(mut self, c: OnCancel) -> Self {
        self.on_cancel = Some(c);
        self
    }
    /// Sets `isCritical`.
    pub fn is_critical(mut self, b: bool) -> Self {
        self.is_critical = Some(b);
        self
    }
    /// Sets `nextStep`.
    pub fn next_step(mut self, name: impl Into<String>) -> Self {
        self.next_step = Some(name.into());
        self
    }
    /// Sets `isEnd`.
    pub fn is_end(mut self, b: bool) -> Self {
        self.is_end = Some(b);
        self
    }
    /// Sets a step key the model does not know (kept as written, after the known keys).
    pub fn with_extra(mut self, key: impl Into<String>, value: impl Into<super::Value>) -> Self {
        self.extra.insert(key.into(), value.into());
        self
    }
    /// Adds a declared output.
    pub fn output(mut self, name: impl Into<String>, selector: impl Into<String>, ty: DataType) -> Self {
        self.outputs.push(OutputDecl::new(name, selector, ty));
        self
    }
    /// The type of an output of this step, declared or predefined by the action.
    pub fn output_type(&self, name: &str) -> Option<DataType> {
        self.outputs
            .iter()
            .find(|o| o.name == name)
            .map(|o| o.ty)
            .or_else(|| self.action.predefined_outputs().iter().find(|(n, _)| *n == name).map(|(_, t)| *t))
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawStep {
    name: String,
    action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(default, deserialize_with = "whole_number")]
    max_attempts: Option<u64>,
    #[serde(default, deserialize_with = "whole_number")]
    timeout_seconds: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    on_failure: Option<OnFailure>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    on_cancel: Option<OnCancel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    is_critical: Option<bool>,
    #[serde(default)]
    inputs: Map,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    outputs: Vec<OutputDecl>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    next_step: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    is_end: Option<bool>,
    #[serde(flatten)]
    extra: Map,
}

/// A whole number written as a number or, as AWS also accepts (`timeoutSeconds: '60'`), as text.
fn whole_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    let v = Option::<serde_json::Value>::deserialize(d)?;
    let n = match &v {
        None | Some(serde_json::Value::Null) => return Ok(None),
        Some(serde_json::Value::Number(n)) => n.as_u64(),
        Some(serde_json::Value::String(t)) => t.trim().parse().ok(),
        _ => None,
    };
    let found = match v {
        Some(serde_json::Value::String(t)) => format!("the text \"{t}\""),
        Some(other) => other.to_string(),
        None => String::new(),
    };
    n.map(Some).ok_or_else(|| serde::de::Error::custom(format!("expected a whole number (0 or more), found {found}")))
}

impl Serialize for Step {
    /// Writes the keys in canonical order straight from the typed fields (no intermediate copy).
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("name", &self.name)?;
        m.serialize_entry("action", self.action.name())?;
        if let Some(v) = &self.description {
            m.serialize_entry("description", v)?;
        }
        if let Some(v) = &self.max_attempts {
            m.serialize_entry("maxAttempts", v)?;
        }
        if let Some(v) = &self.timeout_seconds {
            m.serialize_entry("timeoutSeconds", v)?;
        }
        if let Some(v) = &self.on_failure {
            m.serialize_entry("onFailure", v)?;
        }
        if let Some(v) = &self.on_cancel {
            m.serialize_entry("onCancel", v)?;
        }
        if let Some(v) = &self.is_critical {
            m.serialize_entry("isCritical", v)?;
        }
        m.serialize_entry("inputs", &self.action)?;
        if !self.outputs.is_empty() {
            m.serialize_entry("outputs", &self.outputs)?;
        }
        if let Some(v) = &self.next_step {
            m.serialize_entry("nextStep", v)?;
        }
        if let Some(v) = &self.is_end {
            m.serialize_entry("isEnd", v)?;
        }
        for (k, v) in &self.extra {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl<'de> Deserialize<'de> for Step {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = RawStep::deserialize(d)?;
        Ok(Step {
            action: Action::from_parts(&raw.action, raw.inputs),
            name: raw.name,
            description: raw.description,
            max_attempts: raw.max_attempts,
            timeout_seconds: raw.timeout_seconds,
            on_failure: raw.on_failure,
            on_cancel: raw.on_cancel,
            is_critical: raw.is_critical,
            outputs: raw.outputs,
            next_step: raw.next_step,
            is_end: raw.is_end,
            extra: raw.extra,
        })
    }
}
