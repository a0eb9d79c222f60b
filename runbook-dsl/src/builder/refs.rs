//! References made by value: a parameter, a variable or a step output is a Rust value that
//! renders its own `{{ }}` reference, so a reference cannot name something that does not exist.

use crate::model::{DataType, OutputDecl, Step, Value};
use std::fmt;
use std::marker::PhantomData;

/// A Rust marker for one of the six SSM data types.
pub trait SsmType {
    /// The data type.
    const DATA_TYPE: DataType;
}

macro_rules! markers {
    ($($(#[$doc:meta])* $name:ident => $t:ident),*) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub struct $name;
        impl SsmType for $name {
            const DATA_TYPE: DataType = DataType::$t;
        }
    )*};
}
markers! {
    /// `String`.
    Str => String,
    /// `StringList`.
    StrList => StringList,
    /// `Integer`.
    Int => Integer,
    /// `Boolean`.
    Bool => Boolean,
    /// `StringMap`.
    StrMap => StringMap,
    /// `MapList`.
    MapList => MapList
}

/// Anything that renders a `{{ }}` reference.
///
/// ```
/// use runbook_dsl::prelude::*;
/// assert_eq!(Builtin::REGION.expr(), "global:REGION");
/// assert_eq!(Builtin::REGION.to_string(), "{{ global:REGION }}");
/// ```
pub trait Reference: fmt::Display {
    /// The text inside the braces, e.g. `GetEncryption.Rules`.
    fn expr(&self) -> String;
    /// The data type of the referenced value.
    fn data_type(&self) -> DataType;
    /// The reference as a document value: the string `{{ expr }}`.
    fn value(&self) -> Value {
        Value::String(self.to_string())
    }
    /// The reference without inner spaces, `{{expr}}`, as many existing documents write it.
    ///
    /// ```
    /// use runbook_dsl::prelude::*;
    /// assert_eq!(Builtin::REGION.compact(), "{{global:REGION}}");
    /// ```
    fn compact(&self) -> String {
        format!("{{{{{}}}}}", self.expr())
    }
}

macro_rules! handle {
    ($(#[$doc:meta])* $name:ident { $($field:ident),* } => |$s:ident| $expr:expr) => {
        $(#[$doc])*
        #[derive(Debug, PartialEq, Eq)]
        pub struct $name<T> {
            $($field: String,)*
            _type: PhantomData<fn() -> T>,
        }
        impl<T> Clone for $name<T> {
            fn clone(&self) -> Self {
                $name { $($field: self.$field.clone(),)* _type: PhantomData }
            }
        }
        impl<T: SsmType> Reference for $name<T> {
            fn expr(&self) -> String {
                let $s = self;
                $expr
            }
            fn data_type(&self) -> DataType {
                T::DATA_TYPE
            }
        }
        impl<T: SsmType> fmt::Display for $name<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{{{{ {} }}}}", self.expr())
            }
        }
        impl<T: SsmType> From<&$name<T>> for Value {
            fn from(r: &$name<T>) -> Value {
                r.value()
            }
        }
        impl<T: SsmType> From<$name<T>> for Value {
            fn from(r: $name<T>) -> Value {
                r.value()
            }
        }
        impl<T: SsmType> From<&$name<T>> for String {
            fn from(r: &$name<T>) -> String {
                r.to_string()
            }
        }
    };
}

handle! {
    /// A document parameter; renders `{{ Name }}`. Made by [`crate::builder::Runbook::param`].
    ///
    /// ```
    /// use runbook_dsl::prelude::*;
    /// let mut rb = Runbook::new("d");
    /// let bucket: Param<Str> = rb.param("BucketName", ParamSpec::new("The bucket."));
    /// assert_eq!(bucket.to_string(), "{{ BucketName }}");
    /// ```
    Param { name } => |s| s.name.clone()
}

handle! {
    /// A step output, declared or predefined; renders `{{ Step.Output }}`.
    ///
    /// ```
    /// use runbook_dsl::prelude::*;
    /// let mut rb = Runbook::new("d");
    /// let get = rb.add(Step::new("GetEncryption", ExecuteAwsApi::new("s3", "GetBucketEncryption")));
    /// let rules: Output<MapList> = rb.output(&get, "Rules", "$.ServerSideEncryptionConfiguration.Rules");
    /// assert_eq!(rules.to_string(), "{{ GetEncryption.Rules }}");
    /// ```
    Output { step, name } => |s| format!("{}.{}", s.step, s.name)
}

handle! {
    /// A runbook variable; renders `{{ variable:Name }}`.
    ///
    /// ```
    /// use runbook_dsl::prelude::*;
    /// let mut rb = Runbook::new("d");
    /// let n: Var<Int> = rb.variable("Attempts", Some(json!(0)));
    /// assert_eq!(n.to_string(), "{{ variable:Attempts }}");
    /// ```
    Var { name } => |s| format!("variable:{}", s.name)
}

impl<T> Param<T> {
    pub(crate) fn new(name: impl Into<String>) -> Self {
        Param { name: name.into(), _type: PhantomData }
    }
    /// The parameter's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl<T> Output<T> {
    pub(crate) fn new(step: impl Into<String>, name: impl Into<String>) -> Self {
        Output { step: step.into(), name: name.into(), _type: PhantomData }
    }
}

impl<T: SsmType> Output<T> {
    /// Declares an output on a step that is not added yet (`{Name, Selector, Type}`, typed by
    /// the handle) and returns its handle: the way an undo step passed to
    /// [`crate::builder::Runbook::mutate`] reads what the change produced (the id of a created
    /// resource, the setting it replaced). [`crate::builder::Runbook::output`] does the same for
    /// a step already added.
    ///
    /// ```
    /// use runbook_dsl::prelude::*;
    /// let mut create = Step::new("CreateVolume", ExecuteAwsApi::new("ec2", "CreateVolume").param("AvailabilityZone", "eu-west-1a"));
    /// let volume: Output<Str> = Output::declare(&mut create, "VolumeId", "$.VolumeId");
    /// assert_eq!(volume.to_string(), "{{ CreateVolume.VolumeId }}");
    /// assert_eq!(create.outputs[0].name, "VolumeId");
    /// ```
    pub fn declare(step: &mut Step, name: &str, selector: &str) -> Self {
        step.outputs.push(OutputDecl::new(name, selector, T::DATA_TYPE));
        Output::new(step.name.clone(), name)
    }
    /// The step's name.
    pub fn step(&self) -> &str {
        &self.step
    }
    /// The output's name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// `Step.Output`, as written in document `outputs`.
    pub fn path(&self) -> String {
        format!("{}.{}", self.step, self.name)
    }
}

impl<T> Var<T> {
    pub(crate) fn new(name: impl Into<String>) -> Self {
        Var { name: name.into(), _type: PhantomData }
    }
    /// The variable's name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// `variable:Name`, the form `aws:updateVariable` takes in `Name`.
    pub fn target(&self) -> String {
        format!("variable:{}", self.name)
    }
}

/// A built-in variable (`global:*`, `automation:EXECUTION_ID`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Builtin {
    name: &'static str,
}

impl Builtin {
    /// Account the automation runs in.
    pub const ACCOUNT_ID: Builtin = Builtin { name: "global:ACCOUNT_ID" };
    /// Region the automation runs in.
    pub const REGION: Builtin = Builtin { name: "global:REGION" };
    /// Run-time date `yyyy-MM-dd`.
    pub const DATE: Builtin = Builtin { name: "global:DATE" };
    /// Run-time date and time `yyyy-MM-dd_HH.mm.ss`.
    pub const DATE_TIME: Builtin = Builtin { name: "global:DATE_TIME" };
    /// Partition (`aws`, `aws-cn`, `aws-us-gov`).
    pub const AWS_PARTITION: Builtin = Builtin { name: "global:AWS_PARTITION" };
    /// The current execution id.
    pub const EXECUTION_ID: Builtin = Builtin { name: "automation:EXECUTION_ID" };
    /// Every built-in.
    pub const ALL: [Builtin; 6] = [
        Builtin::ACCOUNT_ID,
        Builtin::REGION,
        Builtin::DATE,
        Builtin::DATE_TIME,
        Builtin::AWS_PARTITION,
        Builtin::EXECUTION_ID,
    ];
    /// The built-in written as `name` (`global:REGION`), if there is one.
    pub fn from_name(name: &str) -> Option<Builtin> {
        Builtin::ALL.into_iter().find(|b| b.name == name)
    }
}

impl Reference for Builtin {
    fn expr(&self) -> String {
        self.name.to_string()
    }
    fn data_type(&self) -> DataType {
        DataType::String
    }
}

impl fmt::Display for Builtin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{{{{ {} }}}}", self.name)
    }
}

impl From<Builtin> for Value {
    fn from(b: Builtin) -> Value {
        b.value()
    }
}

impl From<Builtin> for String {
    fn from(b: Builtin) -> String {
        b.to_string()
    }
}
