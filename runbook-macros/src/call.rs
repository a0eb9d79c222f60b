//! `api!` and `script!`: an API call or a script with nested literal input data (like
//! `serde_json::json!`, but parameter and output handles are welcome as values) and declared
//! outputs. Parsed into [`ApiCall`]/[`ScriptCall`], checked, then generated as builder calls.

use crate::common::{is_pascal, Errors, Ty};
use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{braced, bracketed, Expr, Ident, Lit, LitStr, Token};

/// A key of an input map: an identifier or a string.
#[derive(Clone, Debug)]
pub struct Key {
    /// The key.
    pub name: String,
    /// Where the user wrote it.
    pub span: Span,
    /// Written as a string: taken verbatim, for APIs whose parameters are not PascalCase
    /// (AWS Config's `resourceType`).
    pub quoted: bool,
}

/// Nested input data.
#[derive(Clone, Debug)]
pub enum Data {
    /// `{ Key: value, ... }`.
    Object(Vec<(Key, Data)>),
    /// `[value, ...]`.
    Array(Vec<Data>),
    /// A string, number or bool.
    Lit(Lit),
    /// `null`.
    Null,
    /// Any Rust expression whose value is an `InputValue` (a handle, a `String`, ...).
    Expr(Expr),
}

fn parse_key(input: ParseStream) -> syn::Result<Key> {
    if input.peek(LitStr) {
        let s: LitStr = input.parse()?;
        Ok(Key { name: s.value(), span: s.span(), quoted: true })
    } else {
        let i: Ident = input.call(syn::ext::IdentExt::parse_any)?;
        Ok(Key { name: i.to_string(), span: i.span(), quoted: false })
    }
}

/// Parses `Key: value, ...` up to the end of `input`.
pub fn parse_entries(input: ParseStream) -> syn::Result<Vec<(Key, Data)>> {
    let mut out = Vec::new();
    while !input.is_empty() {
        let k = parse_key(input)?;
        input.parse::<Token![:]>()?;
        let v: Data = input.parse()?;
        out.push((k, v));
        if input.is_empty() {
            break;
        }
        input.parse::<Token![,]>()?;
    }
    Ok(out)
}

impl Parse for Data {
    fn parse(input: ParseStream) -> syn::Result<Data> {
        if input.peek(syn::token::Brace) {
            let content;
            braced!(content in input);
            return Ok(Data::Object(parse_entries(&content)?));
        }
        if input.peek(syn::token::Bracket) {
            let content;
            bracketed!(content in input);
            let items = content.parse_terminated(Data::parse, Token![,])?;
            return Ok(Data::Array(items.into_iter().collect()));
        }
        if input.peek(Lit) && (input.peek2(Token![,]) || input.peek2(Token![;]) || is_last(input)) {
            return Ok(Data::Lit(input.parse()?));
        }
        if input.peek(Ident) && !input.peek2(Token![.]) && !input.peek2(Token![!]) && !input.peek2(syn::token::Paren) {
            let fork = input.fork();
            let i: Ident = fork.parse()?;
            if i == "null" {
                input.parse::<Ident>()?;
                return Ok(Data::Null);
            }
        }
        Ok(Data::Expr(input.parse()?))
    }
}

fn is_last(input: ParseStream) -> bool {
    let fork = input.fork();
    fork.parse::<Lit>().is_ok() && fork.is_empty()
}

/// A declared output: `Name: Type = "$.Selector"`.
#[derive(Clone, Debug)]
pub struct OutputSpec {
    /// The output's name.
    pub name: Ident,
    /// Its type (`None` when the type is unknown; an error is recorded).
    pub ty: Option<Ty>,
    /// The type as written.
    pub ty_ident: Ident,
    /// The JSONPath selector.
    pub selector: LitStr,
}

fn parse_outputs(input: ParseStream) -> syn::Result<Vec<OutputSpec>> {
    let content;
    braced!(content in input);
    let mut out = Vec::new();
    while !content.is_empty() {
        let name: Ident = content.parse()?;
        content.parse::<Token![:]>()?;
        let ty_ident: Ident = content.parse()?;
        content.parse::<Token![=]>()?;
        let selector: LitStr = content.parse()?;
        out.push(OutputSpec { ty: Ty::from_name(&ty_ident.to_string()), name, ty_ident, selector });
        if content.is_empty() {
            break;
        }
        content.parse::<Token![,]>()?;
    }
    Ok(out)
}

/// `service.Operation { inputs } -> { outputs }`.
#[derive(Clone, Debug)]
pub struct ApiCall {
    /// The service namespace (`s3`).
    pub service: Ident,
    /// The operation (`GetBucketVersioning`).
    pub operation: Ident,
    /// API parameters.
    pub inputs: Vec<(Key, Data)>,
    /// Declared outputs.
    pub outputs: Vec<OutputSpec>,
}

impl Parse for ApiCall {
    fn parse(input: ParseStream) -> syn::Result<ApiCall> {
        let service: Ident = input.call(syn::ext::IdentExt::parse_any)?;
        input.parse::<Token![.]>()?;
        let operation: Ident = input.parse()?;
        let inputs = if input.peek(syn::token::Brace) {
            let content;
            braced!(content in input);
            parse_entries(&content)?
        } else {
            Vec::new()
        };
        let outputs = if input.peek(Token![->]) {
            input.parse::<Token![->]>()?;
            parse_outputs(input)?
        } else {
            Vec::new()
        };
        if !input.is_empty() {
            return Err(input.error("expected `-> { Name: Type = \"$.Selector\" }` or the end of the call"));
        }
        Ok(ApiCall { service, operation, inputs, outputs })
    }
}

/// `runtime = "python3.11", handler = "handler", script = "...", input = { ... }, outputs = { ... }`.
#[derive(Clone, Debug)]
pub struct ScriptCall {
    /// `python3.11`, `PowerShell 7.4`.
    pub runtime: LitStr,
    /// The Python function.
    pub handler: Option<LitStr>,
    /// The inline script: a string literal (checked) or a constant.
    pub script: Expr,
    /// `InputPayload`.
    pub input: Vec<(Key, Data)>,
    /// Declared outputs.
    pub outputs: Vec<OutputSpec>,
}

impl Parse for ScriptCall {
    fn parse(input: ParseStream) -> syn::Result<ScriptCall> {
        let (mut runtime, mut handler, mut script, mut payload, mut outputs) =
            (None, None, None, Vec::new(), Vec::new());
        let start = input.span();
        while !input.is_empty() {
            let key: Ident = input.parse()?;
            input.parse::<Token![=]>()?;
            match key.to_string().as_str() {
                "runtime" => runtime = Some(input.parse()?),
                "handler" => handler = Some(input.parse()?),
                "script" => script = Some(input.parse()?),
                "input" => {
                    let content;
                    braced!(content in input);
                    payload = parse_entries(&content)?;
                }
                "outputs" => outputs = parse_outputs(input)?,
                _ => {
                    return Err(syn::Error::new(
                        key.span(),
                        "unknown script argument; expected runtime, handler, script, input, outputs",
                    ))
                }
            }
            if input.is_empty() {
                break;
            }
            input.parse::<Token![,]>()?;
        }
        let runtime = runtime.ok_or_else(|| syn::Error::new(start, "script! needs `runtime = \"python3.11\"`"))?;
        let script = script.ok_or_else(|| syn::Error::new(start, "script! needs `script = \"...\"`"))?;
        Ok(ScriptCall { runtime, handler, script, input: payload, outputs })
    }
}

/// Checks declared outputs: names, types, selectors, duplicates.
pub fn check_outputs(outputs: &[OutputSpec], errors: &mut Errors) {
    for (i, o) in outputs.iter().enumerate() {
        if o.ty.is_none() {
            errors.spanned(&o.ty_ident, "unknown output type; expected Str, StrList, Int, Bool, StrMap or MapList");
        }
        if !o.selector.value().starts_with('$') {
            errors.spanned(&o.selector, "an output selector is a JSONPath that starts with `$`, e.g. \"$.Status\"");
        }
        if outputs[..i].iter().any(|p| p.name == o.name) {
            errors.spanned(&o.name, format!("output `{}` is declared twice", o.name));
        }
    }
}

fn check_keys(entries: &[(Key, Data)], top: bool, errors: &mut Errors) {
    for (i, (k, v)) in entries.iter().enumerate() {
        if top && !k.quoted && !is_pascal(&k.name) {
            errors.at(
                k.span,
                format!(
                    "API parameters are PascalCase, as the API names them: `{}` (quote the key, \"{}\", for an \
                     API that names its parameters otherwise)",
                    k.name, k.name
                ),
            );
        }
        if entries[..i].iter().any(|(p, _)| p.name == k.name) {
            errors.at(k.span, format!("key `{}` is given twice", k.name));
        }
        check_data(v, errors);
    }
}

fn check_data(d: &Data, errors: &mut Errors) {
    match d {
        Data::Object(e) => check_keys(e, false, errors),
        Data::Array(items) => items.iter().for_each(|i| check_data(i, errors)),
        Data::Lit(l) => {
            if !matches!(l, Lit::Str(_) | Lit::Int(_) | Lit::Bool(_) | Lit::Float(_)) {
                errors.spanned(l, "input data literals are strings, numbers or bools");
            }
        }
        Data::Null | Data::Expr(_) => {}
    }
}

impl ApiCall {
    /// Records what is wrong with the call.
    pub fn check(&self, errors: &mut Errors) {
        let svc = self.service.to_string();
        if !svc.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
            errors.spanned(&self.service, "the service is the lowercase SDK namespace, e.g. `s3`, `ec2`");
        }
        if !is_pascal(&self.operation.to_string()) {
            errors.spanned(
                &self.operation,
                "the operation is PascalCase, as the API names it, e.g. `GetBucketVersioning`",
            );
        }
        check_keys(&self.inputs, true, errors);
        check_outputs(&self.outputs, errors);
        if errors.is_empty() {
            crate::models::check(self, errors);
        }
    }

    /// The `ExecuteAwsApi` value, with `resolve` giving the tokens of expressions that name
    /// flow outputs.
    pub fn action(&self, resolve: &dyn Fn(&Expr) -> Option<TokenStream>) -> TokenStream {
        let svc = self.service.to_string();
        let op = self.operation.to_string();
        let params = self.inputs.iter().map(|(k, v)| {
            let key = &k.name;
            let v = data_tokens(v, resolve);
            quote!(.param(#key, #v))
        });
        quote!(::runbook_dsl::model::actions::ExecuteAwsApi::new(#svc, #op) #(#params)*)
    }
}

impl ScriptCall {
    /// Records what is wrong with the script.
    pub fn check(&self, errors: &mut Errors) {
        let rt = self.runtime.value();
        let python = rt.starts_with("python3.") && rt["python3.".len()..].parse::<u32>().is_ok();
        let powershell = rt.starts_with("PowerShell ");
        if !python && !powershell {
            errors.spanned(&self.runtime, "runtime is `python3.N` or `PowerShell 7.N`");
        }
        match (&self.handler, python) {
            (None, true) => errors.spanned(&self.runtime, "a Python script needs `handler = \"function\"`"),
            (Some(h), true) => {
                let text = match &self.script {
                    Expr::Lit(syn::ExprLit { lit: Lit::Str(s), .. }) => Some(s.value()),
                    _ => None,
                };
                if text.is_some_and(|t| !t.contains(&format!("def {}(", h.value()))) {
                    errors.spanned(h, format!("the script defines no function `{}`", h.value()));
                }
            }
            _ => {}
        }
        check_keys(&self.input, false, errors);
        check_outputs(&self.outputs, errors);
    }

    /// The `ExecuteScript` value.
    pub fn action(&self, resolve: &dyn Fn(&Expr) -> Option<TokenStream>) -> TokenStream {
        let rt = &self.runtime;
        let script = &self.script;
        let handler = self.handler.as_ref().map(|h| quote!(.handler(#h)));
        let payload = data_tokens(&Data::Object(self.input.clone()), resolve);
        quote!(::runbook_dsl::model::actions::ExecuteScript::new(#rt) #handler .script(#script) .input_payload(#payload))
    }
}

/// The tokens of a `Value` for nested data.
pub fn data_tokens(d: &Data, resolve: &dyn Fn(&Expr) -> Option<TokenStream>) -> TokenStream {
    match d {
        Data::Object(entries) => {
            let inserts = entries.iter().map(|(k, v)| {
                let key = &k.name;
                let v = data_tokens(v, resolve);
                quote!(m.insert(::std::string::String::from(#key), #v);)
            });
            quote!({
                let mut m = ::runbook_dsl::model::Map::new();
                #(#inserts)*
                ::runbook_dsl::model::Value::Object(m)
            })
        }
        Data::Array(items) => {
            let items = items.iter().map(|i| data_tokens(i, resolve));
            quote!(::runbook_dsl::model::Value::Array(::std::vec![#(#items),*]))
        }
        Data::Lit(l) => quote!(::runbook_dsl::model::Value::from(#l)),
        Data::Null => quote!(::runbook_dsl::model::Value::Null),
        Data::Expr(e) => resolve(e).unwrap_or_else(
            || quote_spanned!(e.span()=> ::runbook_dsl::builder::params::InputValue::input_value(&(#e))),
        ),
    }
}

fn outputs_tokens(outputs: &[OutputSpec]) -> TokenStream {
    let o = outputs.iter().map(|o| {
        let name = o.name.to_string();
        let sel = &o.selector;
        let dt = o.ty.unwrap_or(Ty::Str).data_type();
        quote!(.output(#name, #sel, #dt))
    });
    quote!(#(#o)*)
}

fn finish(errors: Errors, ok: impl FnOnce() -> TokenStream) -> TokenStream {
    if errors.is_empty() {
        ok()
    } else {
        let e = errors.to_compile_error();
        quote!({ #e ::runbook_dsl::builder::params::StepBody::new(::runbook_dsl::model::actions::Pause::new()) })
    }
}

/// `api!`: a `StepBody` with an `ExecuteAwsApi` action and its outputs.
pub fn api(input: TokenStream) -> TokenStream {
    step_body(input, ApiCall::check, |c: &ApiCall| body(c.action(&|_| None), &c.outputs))
}

/// `script!`: a `StepBody` with an `ExecuteScript` action and its outputs.
pub fn script(input: TokenStream) -> TokenStream {
    step_body(input, ScriptCall::check, |c: &ScriptCall| body(c.action(&|_| None), &c.outputs))
}

/// Parses a call, checks it (every error at once), then expands it, or emits the errors.
fn step_body<C: Parse>(
    input: TokenStream,
    check: fn(&C, &mut Errors),
    expand: impl FnOnce(&C) -> TokenStream,
) -> TokenStream {
    let call: C = match syn::parse2(input) {
        Ok(c) => c,
        Err(e) => return e.to_compile_error(),
    };
    let mut errors = Errors::default();
    check(&call, &mut errors);
    finish(errors, || expand(&call))
}

/// `StepBody::new(action)` with its declared outputs.
fn body(action: TokenStream, outputs: &[OutputSpec]) -> TokenStream {
    let outputs = outputs_tokens(outputs);
    quote!(::runbook_dsl::builder::params::StepBody::new(#action) #outputs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api_errors(src: TokenStream) -> Vec<String> {
        let call: ApiCall = syn::parse2(src).expect("parses");
        let mut e = Errors::default();
        call.check(&mut e);
        e.messages()
    }

    #[test]
    fn parses_nested_data_and_outputs() {
        let call: ApiCall = syn::parse2(quote! {
            s3.PutBucketVersioning { Bucket: p.bucket_name, VersioningConfiguration: { Status: "Enabled", N: [1, 2] } }
            -> { Status: Str = "$.Status" }
        })
        .expect("parses");
        assert_eq!(call.inputs.len(), 2);
        assert!(matches!(call.inputs[0].1, Data::Expr(_)));
        assert!(matches!(&call.inputs[1].1, Data::Object(e) if e.len() == 2));
        assert_eq!(call.outputs[0].ty, Some(Ty::Str));
        assert!(api_errors(quote!(s3.GetBucketVersioning { Bucket: "b" } -> { Status: Str = "$.Status" })).is_empty());
    }

    #[test]
    fn checks_the_call_against_aws_api_models() {
        let errs = api_errors(quote!(s3.GetBucketVersionning { Bucket: "b" }));
        assert_eq!(errs.len(), 1);
        assert!(errs[0].contains("did you mean `GetBucketVersioning`?") && errs[0].contains("botocore"), "{errs:?}");
        let errs = api_errors(quote!(elasticloadbalancingv2.DescribeLoadBalancers {}));
        assert!(errs[0].contains("did you mean `elbv2`?"), "{errs:?}");
        let errs = api_errors(quote!(s3.PutPublicAccessBlock {
            BucketName: "b",
            PublicAccessBlockConfiguration: { BlockPublicAcls: "true", IgnorePublicAcls: 1, BlockPublicPolicy: x }
        }));
        assert_eq!(
            errs,
            vec![
                "`BucketName` is not a member of s3.PutPublicAccessBlock; did you mean `Bucket`?",
                "a string where the API takes a boolean",
                "an integer where the API takes a boolean",
                "s3.PutPublicAccessBlock requires `Bucket`",
            ]
        );
        let errs =
            api_errors(quote!(s3.PutBucketVersioning { Bucket: "b", VersioningConfiguration: { Status: "On" } }));
        assert_eq!(errs.len(), 1);
        assert!(errs[0].starts_with("\"On\" is not a value the API allows"), "{errs:?}");
        // boto3's method names are valid operations too (the macro asks for PascalCase first).
        assert!(api_errors(quote!(ec2.DescribeInstances { InstanceIds: ["i-1"], MaxResults: 5 })).is_empty());
    }

    #[test]
    fn rejects_camel_case_keys_bad_selectors_and_types() {
        let errs = api_errors(
            quote!(s3.getBucket { bucket: "b", Bucket: "c", Bucket: "d" } -> { S: Strng = "Status", S: Str = "$.x" }),
        );
        assert_eq!(errs.len(), 6, "{errs:#?}");
        assert!(errs[0].contains("operation is PascalCase"));
        assert!(errs[1].contains("PascalCase, as the API names them: `bucket`"));
        assert!(errs[2].contains("key `Bucket` is given twice"));
        assert!(errs[3].contains("unknown output type"));
        assert!(errs[4].contains("starts with `$`"));
        assert!(errs[5].contains("output `S` is declared twice"));
    }

    #[test]
    fn script_handler_must_be_defined() {
        let call: ScriptCall = syn::parse2(quote!(
            runtime = "python3.11",
            handler = "main",
            script = "def handler(events, context):\n  return {}\n"
        ))
        .expect("parses");
        let mut e = Errors::default();
        call.check(&mut e);
        assert_eq!(e.messages(), vec!["the script defines no function `main`".to_string()]);
    }
}
