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

pub use action::{Action, ActionKind};
pub use data_type::DataType;
pub use document::{Document, FileDef, VariableDef, SCHEMA_VERSION};
pub use parameter::{DisplayType, Parameter, ParameterType};
pub use step::{OnCancel, OnFailure, OutputDecl, Step};

/// A dynamic value inside a document (inputs, defaults): JSON data with key order preserved.
pub type Value = serde_json::Value;
/// A map of dynamic values with key order preserved.
pub type Map = serde_json::Map<String, Value>;
