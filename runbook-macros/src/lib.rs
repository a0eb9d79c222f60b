//! Proc macros for `runbook-dsl`. Each macro expands to calls of the public builder API, so
//! anything a macro does, the builder can do. Use them through `runbook_dsl::prelude::*`, which
//! re-exports them; their expansions name `::runbook_dsl`.
//!
//! This file only declares the entry points: parsing, checking and generation live in plain
//! modules over `proc_macro2` ([`params`], [`call`], [`flow`]), unit-tested without the compiler.
//! Every error is reported at once, spanned at the user's token, with a stub so that one
//! mistake gives one message.

mod call;
mod common;
mod flow;
mod models;
mod params;
#[cfg(test)]
mod tests;

use proc_macro::TokenStream;

/// Derives `runbook_dsl::builder::params::Parameters`: each named field is a document
/// parameter, and `Runbook::params::<T>()` declares them and returns `THandles`, a struct with
/// one typed `Param<_>` per field.
///
/// Types: `String` → String, `Vec<String>` → StringList, integers → Integer, `bool` → Boolean,
/// `HashMap<String, _>`/`BTreeMap` → StringMap, `Vec` of maps → MapList; `Option<_>` or a
/// `default` makes the parameter optional. The `///` comment is the description (required).
/// `#[param(...)]` takes `name` (PascalCase of the field by default), `default`,
/// `allowed_values`, `allowed_pattern`, `min_items`, `max_items`, `min_chars`, `max_chars`,
/// `display_type`. Checked at compile time: the pattern is a valid regex, the default matches
/// the pattern, the allowed values and the bounds, and the bounds are consistent.
///
/// ```
/// use runbook_dsl::prelude::*;
///
/// #[derive(Parameters)]
/// struct Bucket {
///     /// (Required) The bucket, as AWS Config passes it.
///     #[param(allowed_pattern = "^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")]
///     bucket_name: String,
///     /// How many days to keep old versions.
///     #[param(default = 30)]
///     keep_days: u32,
/// }
///
/// let mut rb = Runbook::new("d");
/// let p = rb.params::<Bucket>();
/// assert_eq!(p.bucket_name.to_string(), "{{ BucketName }}");
/// assert_eq!(rb.document().parameters["KeepDays"].default, Some(json!(30)));
/// ```
#[proc_macro_derive(Parameters, attributes(param))]
pub fn derive_parameters(input: TokenStream) -> TokenStream {
    params::derive(input.into()).into()
}

/// An `aws:executeAwsApi` call with nested literal inputs and declared outputs:
/// `api!(service.Operation { Key: value, ... } -> { Name: Type = "$.Selector", ... })`.
///
/// Values are literals, `{ ... }` maps, `[ ... ]` lists, `null`, or any Rust expression that
/// is an `InputValue` (parameter, output and variable handles, strings, numbers). Top-level keys
/// must be PascalCase; selectors must start with `$`; types are `Str`, `StrList`, `Int`, `Bool`,
/// `StrMap`, `MapList`. Yields a `StepBody`; name it with `.named("Step")`.
///
/// ```
/// use runbook_dsl::prelude::*;
/// let bucket = "my-bucket";
/// let step = api!(s3.PutBucketVersioning {
///     Bucket: bucket,
///     VersioningConfiguration: { Status: "Enabled" },
/// } -> { Status: Str = "$.Status" })
/// .named("Enable");
/// let inputs = step.action.inputs().unwrap();
/// assert_eq!(inputs["VersioningConfiguration"], json!({"Status": "Enabled"}));
/// ```
#[proc_macro]
pub fn api(input: TokenStream) -> TokenStream {
    call::api(input.into()).into()
}

/// An `aws:executeScript` step body: `script!(runtime = "python3.11", handler = "handler",
/// script = "...", input = { Key: value }, outputs = { Name: Type = "$.Payload.x" })`. The
/// handler must be defined in the script.
///
/// ```
/// use runbook_dsl::prelude::*;
/// let body = script!(
///     runtime = "python3.11",
///     handler = "handler",
///     script = "def handler(events, context):\n    return {'n': len(events['Items'])}\n",
///     input = { Items: ["a", "b"] },
///     outputs = { N: Int = "$.Payload.n" },
/// );
/// assert_eq!(body.outputs[0].name, "N");
/// ```
#[proc_macro]
pub fn script(input: TokenStream) -> TokenStream {
    call::script(input.into()).into()
}

/// The chain of steps as it reads: `flow! { rb; Step: body, options; ... outputs A.B; }`.
///
/// Bodies: `api!(...)`, `script!(...)`, `approve(approvers, message)`,
/// `if cond { Target } else if cond { Target } else { Target }` (an `aws:branch`), or any Rust
/// expression that is an action. Options: `timeout N`, `retries N`, `max_attempts N`,
/// `on_failure abort|continue|Step`, `on_cancel abort|Step`, `critical bool`, `next Step`, `end`,
/// and `undo { Step: body; ... }` (the mutating step's undo chain: it jumps there on failure and
/// cancel, and the chain's last step ends the run). `#[when(flag)]` or `#[when(let P = e)]`
/// before a step includes it only when the condition holds; jumps to an absent step go to the
/// step after it. `///` comments are descriptions.
///
/// Conditions compare `Step.Output` references (typed by their declaration) or handles with
/// literals: `==`, `!=`, `<`, `<=`, `>`, `>=`, `.starts_with(s)`, `.ends_with(s)`,
/// `.contains(s)`, `.eq_ignore_case(s)`, `.one_of([...])`, `&&`, `||`, `!`.
///
/// ```
/// use runbook_dsl::prelude::*;
/// let mut rb = Runbook::new("d");
/// flow! { rb;
///     /// Reads the status.
///     Get: api!(s3.GetBucketVersioning { Bucket: "b" } -> { Status: Str = "$.Status" }), timeout 20;
///     Check: if Get.Status == "Enabled" { Done } else { Enable };
///     Enable: api!(s3.PutBucketVersioning { Bucket: "b", VersioningConfiguration: { Status: "Enabled" } }), end;
///     Done: Sleep::for_duration("PT1S"), end;
///     outputs Get.Status;
/// }
/// let doc = rb.build().unwrap();
/// assert_eq!(doc.main_steps.len(), 4);
/// assert_eq!(doc.outputs, vec!["Get.Status".to_string()]);
/// ```
#[proc_macro]
pub fn flow(input: TokenStream) -> TokenStream {
    flow::flow(input.into()).into()
}
