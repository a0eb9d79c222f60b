//! The document model: plain structs named after the fields of an Automation document.
//!
//! Field order in each struct is the canonical key order used by [`crate::emit`]. Keys the model
//! does not know are kept in `extra` maps so that reading and writing a document loses nothing.

mod action;
pub mod actions;
mod data_type;
mod document;
mod parameter;
mod step;
mod write_back;

pub use action::{Action, ActionKind};
pub use data_type::DataType;
pub use document::{Document, FileDef, VariableDef, SCHEMA_VERSION};
pub use parameter::{DisplayType, Parameter, ParameterType};
pub use step::{OnCancel, OnFailure, OutputDecl, Step};

/// A dynamic value inside a document (inputs, defaults): JSON data with key order preserved.
pub type Value = serde_json::Value;
/// A map of dynamic values with key order preserved.
pub type Map = serde_json::Map<String, Value>;

/// The map inside an object value, empty for any other value: turns a `json!({...})` literal
/// into inputs (`Action::Other`) or a raw condition (`Condition::Invalid`).
///
/// ```
/// use runbook_dsl::model::into_map;
/// assert_eq!(into_map(serde_json::json!({"a": 1}))["a"], 1);
/// assert!(into_map(serde_json::json!([1])).is_empty());
/// ```
pub fn into_map(v: Value) -> Map {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}
