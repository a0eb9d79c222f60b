//! Typed SSM Automation runbooks (schemaVersion `0.3`).
//!
//! One model in the middle: [`model::Document`]. Builders ([`builder`]) produce it, the reader
//! ([`read`]) produces it from YAML or JSON, and everything else is a function of it: [`emit`]
//! writes canonical YAML/JSON text.
//!
//! ```
//! use runbook_dsl::prelude::*;
//!
//! let mut rb = Runbook::new("Stop an instance.");
//! let role = rb.assume_role();
//! let id: Param<Str> = rb.param("InstanceId", ParamSpec::new("The instance to stop.").pattern("^i-[a-z0-9]{8,17}$"));
//! rb.add(Step::new("Stop", ChangeInstanceState::new(vec![id.value()], "stopped")));
//! let doc = rb.build().unwrap();
//! assert_eq!(doc.assume_role.as_deref(), Some(role.to_string().as_str()));
//! let yaml = runbook_dsl::emit::to_yaml(&doc);
//! assert!(yaml.starts_with("schemaVersion: '0.3'\n"));
//! ```

// The macros' expansions name `::runbook_dsl`, which must resolve inside this crate too.
extern crate self as runbook_dsl;

pub mod builder;
pub mod codegen;
pub mod diagram;
pub mod docs_page;
pub mod emit;
pub mod files;
pub mod format;
pub mod iam;
pub mod model;
pub mod read;
pub mod remediation;
pub mod simulate;
pub mod validate;
pub mod yaml;

/// Everything a runbook author needs in one import.
pub mod prelude {
    pub use crate::builder::params::{InputValue, Parameters, StepBody};
    pub use crate::builder::refs::{
        Bool, Builtin, Int, MapList, Output, Param, Reference, SsmType, Str, StrList, StrMap, Var,
    };
    pub use crate::builder::{Approval, BuildError, Cond, LoopRef, ParamSpec, Runbook, StepRef, Typed};
    pub use crate::model::actions::*;
    pub use crate::model::{
        Action, DataType, Document, OnCancel, OnFailure, OutputDecl, Parameter, ParameterType, Step,
    };
    pub use runbook_macros::{api, flow, script, Parameters};
    pub use serde_json::json;
}
