//! The builder API: declare parameters, variables and steps; get back handles that render
//! their own references.

mod flow;
mod param_spec;
pub mod params;
pub mod refs;
mod runbook;
pub mod security_hub;

pub use flow::{Approval, Cond, LoopRef, Typed};
pub use param_spec::ParamSpec;
pub use runbook::{BuildError, Runbook, StepRef, ASSUME_ROLE_PARAM};
