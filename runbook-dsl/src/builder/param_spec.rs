use crate::model::{DisplayType, Map, Parameter, ParameterType, Value};

/// The attributes of a parameter declared with [`crate::builder::Runbook::param`]; the type
/// comes from the handle's marker type.
///
/// ```
/// use runbook_dsl::prelude::*;
/// let mut rb = Runbook::new("d");
/// let ports: Param<StrList> = rb.param("Ports", ParamSpec::new("Ports to close.").default(json!(["22", "3389"])).min_items(1));
/// assert_eq!(rb.document().parameters["Ports"].min_items, Some(1));
/// # let _ = ports;
/// ```
#[derive(Clone, Debug, Default)]
pub struct ParamSpec {
    pub(crate) description: Option<String>,
    pub(crate) default: Option<Value>,
    pub(crate) allowed_values: Option<Vec<Value>>,
    pub(crate) allowed_pattern: Option<String>,
    pub(crate) display_type: Option<DisplayType>,
    pub(crate) min_items: Option<u64>,
    pub(crate) max_items: Option<u64>,
    pub(crate) min_chars: Option<u64>,
    pub(crate) max_chars: Option<u64>,
    pub(crate) extra: Map,
}

impl ParamSpec {
    /// A parameter with a description.
    pub fn new(description: impl Into<String>) -> Self {
        ParamSpec { description: Some(description.into()), ..Default::default() }
    }
    /// A parameter without a description (imported documents that have none).
    pub fn without_description() -> Self {
        <ParamSpec as Default>::default()
    }
    /// `default` (makes the parameter optional).
    pub fn default(mut self, v: impl Into<Value>) -> Self {
        self.default = Some(v.into());
        self
    }
    /// `allowedValues`.
    pub fn allowed_values<V: Into<Value>>(mut self, vs: impl IntoIterator<Item = V>) -> Self {
        self.allowed_values = Some(vs.into_iter().map(Into::into).collect());
        self
    }
    /// `allowedPattern`.
    pub fn pattern(mut self, regex: impl Into<String>) -> Self {
        self.allowed_pattern = Some(regex.into());
        self
    }
    /// `displayType`.
    pub fn display_type(mut self, d: DisplayType) -> Self {
        self.display_type = Some(d);
        self
    }
    /// `minItems`.
    pub fn min_items(mut self, n: u64) -> Self {
        self.min_items = Some(n);
        self
    }
    /// `maxItems`.
    pub fn max_items(mut self, n: u64) -> Self {
        self.max_items = Some(n);
        self
    }
    /// `minChars`.
    pub fn min_chars(mut self, n: u64) -> Self {
        self.min_chars = Some(n);
        self
    }
    /// `maxChars`.
    pub fn max_chars(mut self, n: u64) -> Self {
        self.max_chars = Some(n);
        self
    }

    /// An attribute AWS does not document (`minValue`, ...), kept so that imported documents
    /// are rebuilt exactly; the validator reports it.
    pub fn attribute(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.extra.insert(key.into(), value.into());
        self
    }

    /// The parameter definition of the given type.
    pub fn into_parameter(self, ty: ParameterType) -> Parameter {
        let mut p = Parameter::new(ty);
        p.description = self.description;
        p.default = self.default;
        p.allowed_values = self.allowed_values;
        p.allowed_pattern = self.allowed_pattern;
        p.display_type = self.display_type;
        p.min_items = self.min_items;
        p.max_items = self.max_items;
        p.min_chars = self.min_chars;
        p.max_chars = self.max_chars;
        p.extra = self.extra;
        p
    }
}
