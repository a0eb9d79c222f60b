use super::{DataType, Map, Value};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A parameter type: one of the six data types, or an `AWS::*` resource type.
///
/// ```
/// use runbook_dsl::model::{DataType, ParameterType};
/// let t: ParameterType = "AWS::EC2::Instance::Id".parse().unwrap();
/// assert_eq!(t.data_type(), DataType::String);
/// assert_eq!(ParameterType::Data(DataType::Integer).to_string(), "Integer");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ParameterType {
    /// `String`, `StringList`, `Integer`, `Boolean`, `StringMap` or `MapList`.
    Data(DataType),
    /// An AWS resource type such as `AWS::EC2::Instance::Id` or `List<AWS::EC2::Instance::Id>`.
    Aws(String),
}

impl ParameterType {
    /// The data type the value has at run time (`AWS::*` ids are strings, `List<...>` lists).
    pub fn data_type(&self) -> DataType {
        match self {
            ParameterType::Data(t) => *t,
            ParameterType::Aws(s) if s.starts_with("List<") => DataType::StringList,
            ParameterType::Aws(_) => DataType::String,
        }
    }
}

impl fmt::Display for ParameterType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParameterType::Data(t) => f.write_str(t.as_str()),
            ParameterType::Aws(s) => f.write_str(s),
        }
    }
}

impl std::str::FromStr for ParameterType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Ok(t) = s.parse::<DataType>() {
            return Ok(ParameterType::Data(t));
        }
        if s.starts_with("AWS::") || (s.starts_with("List<AWS::") && s.ends_with('>')) {
            return Ok(ParameterType::Aws(s.to_string()));
        }
        Err(format!(
            "unknown parameter type `{s}` (expected String, StringList, Integer, Boolean, StringMap, MapList or an AWS::* type)"
        ))
    }
}

impl Serialize for ParameterType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ParameterType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// How the console shows a String parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DisplayType {
    /// A single line.
    Textfield,
    /// Several lines.
    Textarea,
}

/// A parameter definition (`parameters.<Name>`), with every attribute AWS documents.
///
/// ```
/// use runbook_dsl::model::{DataType, Parameter, ParameterType};
/// let p = Parameter::new(ParameterType::Data(DataType::String));
/// assert!(p.is_required());
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Parameter {
    /// The type.
    #[serde(rename = "type")]
    pub ty: ParameterType,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The value used when none is given; makes the parameter optional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<Value>,
    /// The only values accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_values: Option<Vec<Value>>,
    /// A regular expression every value must match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_pattern: Option<String>,
    /// Console display hint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_type: Option<DisplayType>,
    /// Minimum list length.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_items: Option<u64>,
    /// Maximum list length.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_items: Option<u64>,
    /// Minimum character count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_chars: Option<u64>,
    /// Maximum character count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_chars: Option<u64>,
    /// Attributes the model does not know (kept so that reading loses nothing).
    #[serde(flatten)]
    pub extra: Map,
}

impl Parameter {
    /// A parameter of the given type with no attributes.
    pub fn new(ty: ParameterType) -> Self {
        Parameter {
            ty,
            description: None,
            default: None,
            allowed_values: None,
            allowed_pattern: None,
            display_type: None,
            min_items: None,
            max_items: None,
            min_chars: None,
            max_chars: None,
            extra: Map::new(),
        }
    }

    /// A parameter without a default must be given when the automation starts.
    pub fn is_required(&self) -> bool {
        self.default.is_none()
    }
}
