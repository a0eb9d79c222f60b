use super::actions::*;
use super::{into_map, DataType, Map, Value};

macro_rules! actions {
    ($( $(#[$doc:meta])* $variant:ident($ty:ident) = $aws:literal ),* $(,)?) => {
        /// A step's action with its typed inputs.
        ///
        /// [`Action::Other`] keeps an action the model does not know, or a known action whose inputs
        /// do not fit its typed form, with its inputs untouched.
        ///
        /// ```
        /// use runbook_dsl::prelude::*;
        /// let a: Action = ExecuteAwsApi::new("s3", "GetBucketEncryption").param("Bucket", "b").into();
        /// assert_eq!(a.name(), "aws:executeAwsApi");
        /// assert_eq!(a.inputs().unwrap()["Bucket"], "b");
        /// let other = Action::from_parts("aws:futureThing", Default::default());
        /// assert!(matches!(other, Action::Other { .. }));
        /// // A null optional input would be dropped by the typed form: kept as written instead.
        /// let inputs = json!({"Runtime": "python3.11", "Handler": null}).as_object().unwrap().clone();
        /// assert!(matches!(Action::from_parts("aws:executeScript", inputs), Action::Other { .. }));
        /// ```
        // Unboxed on purpose: steps are few, and matching on `Action::Loop(l)` stays plain.
        #[allow(clippy::large_enum_variant)]
        #[derive(Clone, Debug, PartialEq)]
        pub enum Action {
            $( $(#[$doc])* $variant($ty), )*
            /// An action kept as written: unknown to the model, or inputs that do not fit it.
            Other {
                /// The `action` value, e.g. `aws:somethingNew`.
                action: String,
                /// The inputs, untouched.
                inputs: Map,
            },
        }

        /// The 23 Automation actions, without their inputs.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum ActionKind {
            $( $(#[$doc])* $variant, )*
        }

        impl ActionKind {
            /// Every action, alphabetically.
            pub const ALL: &'static [ActionKind] = &[$(ActionKind::$variant),*];

            /// The `action` value, e.g. `aws:executeAwsApi`.
            pub fn name(self) -> &'static str {
                match self { $(ActionKind::$variant => $aws,)* }
            }

            /// The action named `name`, if AWS documents it.
            pub fn from_name(name: &str) -> Option<ActionKind> {
                match name { $($aws => Some(ActionKind::$variant),)* _ => None }
            }

            /// Inputs that must always be present.
            pub fn required_inputs(self) -> &'static [&'static str] {
                match self { $(ActionKind::$variant => $ty::REQUIRED,)* }
            }

            /// Inputs the action documents, required or optional.
            pub fn known_inputs(self) -> &'static [&'static str] {
                match self { $(ActionKind::$variant => $ty::KNOWN,)* }
            }

            /// The Rust field (and setter) name of each of [`ActionKind::known_inputs`].
            pub fn input_fields(self) -> &'static [&'static str] {
                match self { $(ActionKind::$variant => $ty::FIELDS,)* }
            }

            /// The name of the inputs struct, e.g. `ExecuteAwsApi`.
            pub fn rust_name(self) -> &'static str {
                match self { $(ActionKind::$variant => stringify!($ty),)* }
            }

            /// Outputs the action produces without a declaration.
            pub fn predefined_outputs(self) -> &'static [(&'static str, DataType)] {
                match self { $(ActionKind::$variant => $ty::OUTPUTS,)* }
            }
        }

        impl Action {
            /// The `action` value.
            pub fn name(&self) -> &str {
                match self {
                    $(Action::$variant(_) => $aws,)*
                    Action::Other { action, .. } => action,
                }
            }

            /// The kind, when the action is one AWS documents (also for [`Action::Other`]).
            pub fn kind(&self) -> Option<ActionKind> {
                ActionKind::from_name(self.name())
            }

            /// The `inputs` map as written in the document.
            pub fn inputs(&self) -> Result<Map, String> {
                if let Action::Other { inputs, .. } = self {
                    return Ok(inputs.clone());
                }
                match serde_json::to_value(self).map_err(|e| e.to_string())? {
                    Value::Object(m) => Ok(m),
                    other => Err(format!("inputs must be a map, got {other}")),
                }
            }

            /// Builds the typed action from an `action` name and its `inputs`; falls back to
            /// [`Action::Other`] when the name is unknown or the inputs do not fit.
            pub fn from_parts(name: &str, inputs: Map) -> Action {
                Self::try_typed(name, inputs)
                    .unwrap_or_else(|(inputs, _)| Action::Other { action: name.to_string(), inputs })
            }

            /// Why a known action's inputs do not fit its typed form (`None` when they do, or
            /// when the action is unknown).
            pub fn typed_error(&self) -> Option<String> {
                match self {
                    Action::Other { action, inputs } => Self::try_typed(action, inputs.clone()).err()?.1,
                    _ => None,
                }
            }

            /// The typed action, when the inputs fit it and it writes them back exactly as
            /// read (a `null` optional input, for one, would be dropped: such inputs stay
            /// [`Action::Other`]). Otherwise the inputs back, with why they do not fit (`None`
            /// for an unknown action).
            fn try_typed(name: &str, inputs: Map) -> Result<Action, (Map, Option<String>)> {
                use serde::Deserialize;
                let v = Value::Object(inputs);
                let typed = match name {
                    $($aws => $ty::deserialize(&v).map(Action::$variant),)*
                    _ => return Err((into_map(v), None)),
                };
                match typed {
                    Ok(a) if super::write_back::writes_back(&a, &v) => Ok(a),
                    Ok(_) => Err((into_map(v), Some("the typed inputs would not write back every value as written".to_string()))),
                    Err(e) => Err((into_map(v), Some(e.to_string()))),
                }
            }

            /// Outputs the action produces without a declaration.
            pub fn predefined_outputs(&self) -> &'static [(&'static str, DataType)] {
                self.kind().map(ActionKind::predefined_outputs).unwrap_or(&[])
            }
        }

        /// Serializes as the `inputs` map.
        impl serde::Serialize for Action {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                match self {
                    $(Action::$variant(i) => i.serialize(s),)*
                    Action::Other { inputs, .. } => inputs.serialize(s),
                }
            }
        }

        $(
            impl From<$ty> for Action {
                fn from(i: $ty) -> Action { Action::$variant(i) }
            }
        )*
    };
}

actions! {
    /// `aws:approve`
    Approve(Approve) = "aws:approve",
    /// `aws:assertAwsResourceProperty`
    AssertAwsResourceProperty(AssertAwsResourceProperty) = "aws:assertAwsResourceProperty",
    /// `aws:branch`
    Branch(Branch) = "aws:branch",
    /// `aws:changeInstanceState`
    ChangeInstanceState(ChangeInstanceState) = "aws:changeInstanceState",
    /// `aws:copyImage`
    CopyImage(CopyImage) = "aws:copyImage",
    /// `aws:createImage`
    CreateImage(CreateImage) = "aws:createImage",
    /// `aws:createStack`
    CreateStack(CreateStack) = "aws:createStack",
    /// `aws:createTags`
    CreateTags(CreateTags) = "aws:createTags",
    /// `aws:deleteImage`
    DeleteImage(DeleteImage) = "aws:deleteImage",
    /// `aws:deleteStack`
    DeleteStack(DeleteStack) = "aws:deleteStack",
    /// `aws:executeAutomation`
    ExecuteAutomation(ExecuteAutomation) = "aws:executeAutomation",
    /// `aws:executeAwsApi`
    ExecuteAwsApi(ExecuteAwsApi) = "aws:executeAwsApi",
    /// `aws:executeScript`
    ExecuteScript(ExecuteScript) = "aws:executeScript",
    /// `aws:executeStateMachine`
    ExecuteStateMachine(ExecuteStateMachine) = "aws:executeStateMachine",
    /// `aws:invokeLambdaFunction`
    InvokeLambdaFunction(InvokeLambdaFunction) = "aws:invokeLambdaFunction",
    /// `aws:invokeWebhook`
    InvokeWebhook(InvokeWebhook) = "aws:invokeWebhook",
    /// `aws:loop`
    Loop(Loop) = "aws:loop",
    /// `aws:pause`
    Pause(Pause) = "aws:pause",
    /// `aws:runCommand`
    RunCommand(RunCommand) = "aws:runCommand",
    /// `aws:runInstances`
    RunInstances(RunInstances) = "aws:runInstances",
    /// `aws:sleep`
    Sleep(Sleep) = "aws:sleep",
    /// `aws:updateVariable`
    UpdateVariable(UpdateVariable) = "aws:updateVariable",
    /// `aws:waitForAwsResourceProperty`
    WaitForAwsResourceProperty(WaitForAwsResourceProperty) = "aws:waitForAwsResourceProperty",
}
