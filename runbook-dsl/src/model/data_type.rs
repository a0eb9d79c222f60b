use serde::{Deserialize, Serialize};
use std::fmt;

/// The six data types of parameters, variables and step outputs.
///
/// ```
/// use runbook_dsl::model::DataType;
/// assert_eq!(DataType::StringList.to_string(), "StringList");
/// assert_eq!("MapList".parse::<DataType>(), Ok(DataType::MapList));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DataType {
    /// A string.
    String,
    /// A list of strings.
    StringList,
    /// An integer.
    Integer,
    /// `true` or `false`.
    Boolean,
    /// A map from string to value.
    StringMap,
    /// A list of maps.
    MapList,
}

impl DataType {
    /// Every data type, in the order AWS documents them.
    pub const ALL: [DataType; 6] = [
        DataType::String,
        DataType::StringList,
        DataType::Integer,
        DataType::Boolean,
        DataType::StringMap,
        DataType::MapList,
    ];

    /// The name as written in documents.
    pub fn as_str(self) -> &'static str {
        match self {
            DataType::String => "String",
            DataType::StringList => "StringList",
            DataType::Integer => "Integer",
            DataType::Boolean => "Boolean",
            DataType::StringMap => "StringMap",
            DataType::MapList => "MapList",
        }
    }
}

impl fmt::Display for DataType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for DataType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DataType::ALL.into_iter().find(|t| t.as_str() == s).ok_or_else(|| {
            format!(
                "unknown data type `{s}` (expected one of String, StringList, Integer, Boolean, StringMap, MapList)"
            )
        })
    }
}
