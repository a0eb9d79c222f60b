//! Typed inputs of the 23 Automation actions, one struct per action.
//!
//! Required inputs are arguments of `new`, so a step cannot be built without them; optional
//! inputs are setters; inputs the model does not name (the API parameters of
//! `aws:executeAwsApi`, newer inputs) go through `with_input(key, value)` and are kept as written.
//! Each struct also lists its predefined outputs (`OUTPUTS`).

use super::{DataType, Map, Value};

macro_rules! inputs {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $(#[$rdoc:meta])* $rf:ident : $rty:ty = $rkey:literal, )*
            ; optional:
            $( $(#[$odoc:meta])* $of:ident : $oty:ty = $okey:literal, )*
        }
        outputs: [ $( $out:literal => $outty:ident ),* $(,)? ]
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
        pub struct $name {
            $( $(#[$rdoc])* #[serde(rename = $rkey)] pub $rf: $rty, )*
            $( $(#[$odoc])* #[serde(rename = $okey, default, skip_serializing_if = "Option::is_none")] pub $of: Option<$oty>, )*
            /// Inputs the model does not name (API parameters, newer inputs), kept as written.
            #[serde(flatten)]
            pub extra: Map,
        }

        impl $name {
            /// Inputs that must always be present.
            pub const REQUIRED: &'static [&'static str] = &[$($rkey),*];
            /// Every input this struct names.
            pub const KNOWN: &'static [&'static str] = &[$($rkey,)* $($okey),*];
            /// The Rust field (and setter) name of each of [`Self::KNOWN`], in the same order.
            pub const FIELDS: &'static [&'static str] = &[$(stringify!($rf),)* $(stringify!($of)),*];
            /// Outputs the action produces without a declaration.
            pub const OUTPUTS: &'static [(&'static str, DataType)] = &[$(($out, DataType::$outty)),*];

            /// The inputs, from the required ones.
            #[allow(clippy::new_without_default)]
            pub fn new($($rf: impl Into<$rty>),*) -> Self {
                $name { $($rf: $rf.into(),)* $($of: None,)* extra: Map::new() }
            }

            $(
                $(#[$odoc])*
                pub fn $of(mut self, value: impl Into<$oty>) -> Self {
                    self.$of = Some(value.into());
                    self
                }
            )*

            /// Sets an input the model does not name (for API actions: an API parameter).
            pub fn with_input(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
                self.extra.insert(key.into(), value.into());
                self
            }
        }
    };
}

mod api;
mod cloudformation;
mod condition;
mod ec2;
mod flow;
mod invoke;

pub use api::*;
pub use cloudformation::*;
pub use condition::*;
pub use ec2::*;
pub use flow::*;
pub use invoke::*;
