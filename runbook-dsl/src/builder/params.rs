//! Runtime support for the `runbook-macros` proc macros: the [`Parameters`] trait that
//! `#[derive(Parameters)]` implements, [`StepBody`] (what `api!`/`script!` expand to), the
//! [`InputValue`] conversion used for literal input data, and the operand checks of the `flow!`
//! conditions. Everything here is plain builder API: anything a macro does, the builder can do.
//!
//! ```
//! use runbook_dsl::prelude::*;
//!
//! #[derive(Parameters)]
//! struct Bucket {
//!     /// (Required) The bucket, as AWS Config passes it.
//!     #[param(allowed_pattern = "^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")]
//!     bucket_name: String,
//! }
//!
//! let mut rb = Runbook::new("Reads a bucket.");
//! let p = rb.params::<Bucket>();
//! assert_eq!(p.bucket_name.to_string(), "{{ BucketName }}");
//! ```

use super::refs::{Bool, Builtin, Int, Output, Param, Reference, SsmType, Str, Var};
use super::Runbook;
use crate::model::{Action, DataType, Map, OutputDecl, Step, Value};

/// A struct whose fields are document parameters; implemented by `#[derive(Parameters)]`.
pub trait Parameters {
    /// The typed handles, one `Param<T>` per field (a struct the derive generates).
    type Handles;
    /// Declares every parameter on `rb`, in field order, and returns their handles.
    fn declare(rb: &mut Runbook) -> Self::Handles;
}

impl Runbook {
    /// Declares the parameters of a `#[derive(Parameters)]` struct and returns their handles.
    pub fn params<P: Parameters>(&mut self) -> P::Handles {
        P::declare(self)
    }
}

/// An action with its declared outputs: what `api!` and `script!` produce. Name it to get a
/// [`Step`].
///
/// ```
/// use runbook_dsl::prelude::*;
/// let body = StepBody::new(ExecuteAwsApi::new("s3", "GetBucketVersioning")).output("Status", "$.Status", DataType::String);
/// let step = body.named("GetVersioning");
/// assert_eq!(step.outputs[0].selector, "$.Status");
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct StepBody {
    /// The action and its inputs.
    pub action: Action,
    /// Declared outputs.
    pub outputs: Vec<OutputDecl>,
}

impl StepBody {
    /// A body without outputs.
    pub fn new(action: impl Into<Action>) -> Self {
        StepBody { action: action.into(), outputs: Vec::new() }
    }
    /// Adds a declared output.
    pub fn output(mut self, name: &str, selector: &str, ty: DataType) -> Self {
        self.outputs.push(OutputDecl::new(name, selector, ty));
        self
    }
    /// The step with this name, action and outputs.
    pub fn named(self, name: impl Into<String>) -> Step {
        let mut step = Step::new(name, self.action);
        step.outputs = self.outputs;
        step
    }
}

impl From<StepBody> for Action {
    fn from(b: StepBody) -> Action {
        b.action
    }
}

/// A value that can stand in input data of `api!`, `script!` and `flow!`: handles render their
/// `{{ }}` reference, Rust data becomes JSON.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used as input data",
    label = "not a parameter, output, variable, built-in, string, number, bool or list of them"
)]
pub trait InputValue {
    /// The document value.
    fn input_value(&self) -> Value;
}

impl<T: SsmType> InputValue for Param<T> {
    fn input_value(&self) -> Value {
        self.value()
    }
}
impl<T: SsmType> InputValue for Output<T> {
    fn input_value(&self) -> Value {
        self.value()
    }
}
impl<T: SsmType> InputValue for Var<T> {
    fn input_value(&self) -> Value {
        self.value()
    }
}
impl InputValue for Builtin {
    fn input_value(&self) -> Value {
        self.value()
    }
}
impl InputValue for str {
    fn input_value(&self) -> Value {
        Value::String(self.to_string())
    }
}
impl InputValue for String {
    fn input_value(&self) -> Value {
        Value::String(self.clone())
    }
}
impl InputValue for Value {
    fn input_value(&self) -> Value {
        self.clone()
    }
}
impl InputValue for Map {
    fn input_value(&self) -> Value {
        Value::Object(self.clone())
    }
}
impl InputValue for bool {
    fn input_value(&self) -> Value {
        Value::Bool(*self)
    }
}
macro_rules! int_input {
    ($($t:ty),*) => {$(
        impl InputValue for $t {
            fn input_value(&self) -> Value {
                Value::from(*self)
            }
        }
    )*};
}
int_input!(i8, i16, i32, i64, u8, u16, u32, u64, usize, isize);
impl<V: InputValue> InputValue for [V] {
    fn input_value(&self) -> Value {
        Value::Array(self.iter().map(InputValue::input_value).collect())
    }
}
impl<V: InputValue> InputValue for Vec<V> {
    fn input_value(&self) -> Value {
        self.as_slice().input_value()
    }
}
impl<V: InputValue + ?Sized> InputValue for &V {
    fn input_value(&self) -> Value {
        (**self).input_value()
    }
}

/// A reference that a numeric comparison (`<`, `>`, `==` with a number) of `flow!` accepts.
#[diagnostic::on_unimplemented(
    message = "a numeric comparison needs an Integer value, and `{Self}` is not one",
    label = "not an Integer parameter, output or variable"
)]
pub trait NumericOperand: Reference {}
/// A reference that a string comparison of `flow!` accepts.
#[diagnostic::on_unimplemented(
    message = "a string comparison needs a String value, and `{Self}` is not one",
    label = "not a String parameter, output, variable or built-in"
)]
pub trait StringOperand: Reference {}
/// A reference that a boolean comparison of `flow!` accepts.
#[diagnostic::on_unimplemented(
    message = "a boolean comparison needs a Boolean value, and `{Self}` is not one",
    label = "not a Boolean parameter, output or variable"
)]
pub trait BoolOperand: Reference {}

macro_rules! operands {
    ($tr:ident => $marker:ident) => {
        impl $tr for Param<$marker> {}
        impl $tr for Output<$marker> {}
        impl $tr for Var<$marker> {}
    };
}
operands!(NumericOperand => Int);
operands!(StringOperand => Str);
operands!(BoolOperand => Bool);
impl StringOperand for Builtin {}

/// The `Variable` of a numeric condition; only Integer references compile.
pub fn numeric_operand<R: NumericOperand>(r: &R) -> Value {
    r.value()
}
/// The `Variable` of a string condition; only String references compile.
pub fn string_operand<R: StringOperand>(r: &R) -> Value {
    r.value()
}
/// The `Variable` of a boolean condition; only Boolean references compile.
pub fn bool_operand<R: BoolOperand>(r: &R) -> Value {
    r.value()
}
