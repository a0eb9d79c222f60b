//! `flow!`: the chain of steps as it reads. Parsed into [`Flow`], checked (names, jumps,
//! references, operand types), then generated as `Runbook::add` calls with `Step` setters and
//! `Branch`/`Choice`/`Condition` values.
//!
//! ```text
//! flow! { rb;
//!     /// Doc comment: the step's description.
//!     GetVersioning: api!(s3.GetBucketVersioning { Bucket: p.bucket_name } -> { Status: Str = "$.Status" }), timeout 20;
//!     Check: if GetVersioning.Status == "Enabled" { AlreadyEnabled } else { Enable };
//!     AlreadyEnabled: <any Rust expression that is an action>, end;
//!     #[when(approval)]
//!     Approve: approve(approvers, "Enable versioning?");
//!     Enable: api!(...), undo { UndoEnable: api!(...); };
//!     Verify: <expr>, on_failure UndoEnable, end;
//!     outputs GetVersioning.Status;
//! }
//! ```

use crate::call::{ApiCall, Data, Key, OutputSpec, ScriptCall};
use crate::common::{doc_text, Errors, Ty};
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{braced, Expr, Ident, Lit, LitBool, LitInt, LitStr, Pat, Token};

/// A step name as written: an identifier, or a string (checked).
#[derive(Clone, Debug)]
pub struct Name {
    /// The name.
    pub text: String,
    /// Where it was written.
    pub span: Span,
}

impl Parse for Name {
    fn parse(input: ParseStream) -> syn::Result<Name> {
        if input.peek(LitStr) {
            let s: LitStr = input.parse()?;
            Ok(Name { text: s.value(), span: s.span() })
        } else {
            let i: Ident = input.call(syn::ext::IdentExt::parse_any)?;
            Ok(Name { text: i.to_string(), span: i.span() })
        }
    }
}

/// When a step is present: `#[when(flag)]` or `#[when(let Some(a) = &approvers)]`.
#[derive(Clone, Debug)]
pub enum When {
    /// A `bool` expression.
    Bool(Expr),
    /// A pattern that binds names the step can use.
    Let(Box<Pat>, Expr),
}

impl Parse for When {
    fn parse(input: ParseStream) -> syn::Result<When> {
        if input.peek(Token![let]) {
            input.parse::<Token![let]>()?;
            let pat = Pat::parse_single(input)?;
            input.parse::<Token![=]>()?;
            Ok(When::Let(Box::new(pat), input.parse()?))
        } else {
            Ok(When::Bool(input.parse()?))
        }
    }
}

/// What a step does.
#[derive(Clone, Debug)]
pub enum Body {
    /// `api!(...)`.
    Api(ApiCall),
    /// `script!(...)`.
    Script(ScriptCall),
    /// `approve(approvers, message)`.
    Approve(Expr, Expr),
    /// `if cond { Target } else if ... else { Target }`.
    Branch(Vec<(Expr, Name)>, Option<Name>),
    /// Any Rust expression that converts into an `Action`.
    Expr(Expr),
}

/// What happens on failure.
#[derive(Clone, Debug)]
pub enum FailureAct {
    /// `abort`.
    Abort,
    /// `continue`.
    Continue(Span),
    /// A jump.
    Step(Name),
}

/// A step option after the body.
#[derive(Clone, Debug)]
pub enum Opt {
    /// `timeout N` (seconds).
    Timeout(LitInt),
    /// `max_attempts N`.
    MaxAttempts(LitInt),
    /// `retries N`: `maxAttempts` N + 1.
    Retries(LitInt),
    /// `on_failure abort|continue|Step`.
    OnFailure(FailureAct),
    /// `on_cancel abort|Step`.
    OnCancel(FailureAct),
    /// `critical true|false`.
    Critical(LitBool),
    /// `next Step`.
    Next(Name),
    /// `end`.
    End,
}

/// One step.
#[derive(Clone, Debug)]
pub struct Entry {
    /// Its name.
    pub name: Name,
    /// The description (doc comment).
    pub doc: Option<String>,
    /// When the step exists.
    pub when: Option<When>,
    /// What it does.
    pub body: Body,
    /// Options.
    pub opts: Vec<Opt>,
    /// The undo chain of a mutating step.
    pub undo: Vec<Entry>,
    /// Where `undo` was written.
    pub undo_span: Option<Span>,
}

/// The whole macro input.
#[derive(Clone, Debug)]
pub struct Flow {
    /// The runbook (a `Runbook` or `&mut Runbook` place).
    pub rb: Expr,
    /// The main steps, in order.
    pub steps: Vec<Entry>,
    /// Document outputs: `(step, output)`.
    pub outputs: Vec<(Name, Ident)>,
}

fn parse_target(input: ParseStream) -> syn::Result<Name> {
    let content;
    braced!(content in input);
    let n: Name = content.parse()?;
    if !content.is_empty() {
        return Err(content.error("a branch arm holds one step name"));
    }
    Ok(n)
}

fn parse_body(input: ParseStream) -> syn::Result<Body> {
    if input.peek(Token![if]) {
        let mut arms = Vec::new();
        let mut default = None;
        input.parse::<Token![if]>()?;
        loop {
            let cond = Expr::parse_without_eager_brace(input)?;
            arms.push((cond, parse_target(input)?));
            if !input.peek(Token![else]) {
                break;
            }
            input.parse::<Token![else]>()?;
            if input.peek(Token![if]) {
                input.parse::<Token![if]>()?;
                continue;
            }
            default = Some(parse_target(input)?);
            break;
        }
        return Ok(Body::Branch(arms, default));
    }
    if input.peek(Ident) && input.peek2(Token![!]) {
        let fork = input.fork();
        let id: Ident = fork.parse()?;
        if id == "api" || id == "script" {
            input.parse::<Ident>()?;
            input.parse::<Token![!]>()?;
            let content;
            syn::parenthesized!(content in input);
            return Ok(if id == "api" { Body::Api(content.parse()?) } else { Body::Script(content.parse()?) });
        }
    }
    if input.peek(Ident) && input.peek2(syn::token::Paren) {
        let fork = input.fork();
        let id: Ident = fork.parse()?;
        if id == "approve" {
            input.parse::<Ident>()?;
            let content;
            syn::parenthesized!(content in input);
            let approvers: Expr = content.parse()?;
            content.parse::<Token![,]>()?;
            let message: Expr = content.parse()?;
            return Ok(Body::Approve(approvers, message));
        }
    }
    Ok(Body::Expr(input.parse()?))
}

fn parse_act(input: ParseStream) -> syn::Result<FailureAct> {
    if input.peek(Token![continue]) {
        let t: Token![continue] = input.parse()?;
        return Ok(FailureAct::Continue(t.span));
    }
    let n: Name = input.parse()?;
    Ok(if n.text == "abort" { FailureAct::Abort } else { FailureAct::Step(n) })
}

fn parse_entry(input: ParseStream, nested: bool) -> syn::Result<Entry> {
    let attrs = input.call(syn::Attribute::parse_outer)?;
    let mut when = None;
    for a in &attrs {
        if a.path().is_ident("when") {
            if nested {
                return Err(syn::Error::new_spanned(a, "undo steps cannot be conditional"));
            }
            when = Some(a.parse_args::<When>()?);
        } else if !a.path().is_ident("doc") {
            return Err(syn::Error::new_spanned(a, "expected a `///` comment or `#[when(...)]`"));
        }
    }
    let name: Name = input.parse()?;
    input.parse::<Token![:]>()?;
    let body = parse_body(input)?;
    let mut opts = Vec::new();
    let mut undo = Vec::new();
    let mut undo_span = None;
    while input.peek(Token![,]) {
        input.parse::<Token![,]>()?;
        if input.peek(Token![continue]) {
            return Err(input.error("`continue` goes after `on_failure`"));
        }
        let key: Ident = input.call(syn::ext::IdentExt::parse_any)?;
        let opt = match key.to_string().as_str() {
            "timeout" => Opt::Timeout(input.parse()?),
            "max_attempts" => Opt::MaxAttempts(input.parse()?),
            "retries" => Opt::Retries(input.parse()?),
            "on_failure" => Opt::OnFailure(parse_act(input)?),
            "on_cancel" => Opt::OnCancel(parse_act(input)?),
            "critical" => Opt::Critical(input.parse()?),
            "next" => Opt::Next(input.parse()?),
            "end" => Opt::End,
            "undo" if !nested => {
                undo_span = Some(key.span());
                let content;
                braced!(content in input);
                while !content.is_empty() {
                    undo.push(parse_entry(&content, true)?);
                }
                continue;
            }
            _ => {
                return Err(syn::Error::new(
                    key.span(),
                    "unknown step option; expected timeout, max_attempts, retries, on_failure, on_cancel, \
                     critical, next, end or undo { ... }",
                ))
            }
        };
        opts.push(opt);
    }
    input.parse::<Token![;]>()?;
    Ok(Entry { name, doc: doc_text(&attrs), when, body, opts, undo, undo_span })
}

impl Parse for Flow {
    fn parse(input: ParseStream) -> syn::Result<Flow> {
        let rb: Expr = input.parse()?;
        input.parse::<Token![;]>()?;
        let mut steps = Vec::new();
        let mut outputs = Vec::new();
        while !input.is_empty() {
            if input.peek(Ident) && !input.peek2(Token![:]) {
                let fork = input.fork();
                let id: Ident = fork.parse()?;
                if id == "outputs" {
                    input.parse::<Ident>()?;
                    loop {
                        let step: Name = input.parse()?;
                        input.parse::<Token![.]>()?;
                        let out: Ident = input.parse()?;
                        outputs.push((step, out));
                        if input.peek(Token![;]) {
                            break;
                        }
                        input.parse::<Token![,]>()?;
                    }
                    input.parse::<Token![;]>()?;
                    continue;
                }
            }
            steps.push(parse_entry(input, false)?);
        }
        Ok(Flow { rb, steps, outputs })
    }
}

/// A step as the checker and generator see it.
struct StepInfo<'a> {
    entry: &'a Entry,
    /// Index in emission order (main steps, then undo steps).
    order: usize,
    conditional: bool,
    outputs: Vec<&'a OutputSpec>,
}

/// A checked condition: `Condition` tokens.
type Tokens = TokenStream;

struct Checker<'a> {
    steps: Vec<StepInfo<'a>>,
    errors: Errors,
}

fn step_of(e: &Expr) -> Option<(&Ident, &Ident)> {
    if let Expr::Field(f) = e {
        if let (Expr::Path(p), syn::Member::Named(m)) = (&*f.base, &f.member) {
            if p.qself.is_none() && p.path.segments.len() == 1 && p.path.leading_colon.is_none() {
                return Some((&p.path.segments[0].ident, m));
            }
        }
    }
    None
}

fn handle_var(step: &str, out: &str) -> Ident {
    format_ident!("__out_{}_{}", ident_part(step), ident_part(out), span = Span::mixed_site())
}

/// A generated identifier `{prefix}{name}`, valid even when `name` is not (an error is
/// reported for the name itself).
fn var(prefix: &str, name: &str) -> Ident {
    format_ident!("{}{}", prefix, ident_part(name), span = Span::mixed_site())
}

fn ident_part(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect()
}

fn lit_kind(e: &Expr) -> Option<Ty> {
    match e {
        Expr::Lit(l) => match &l.lit {
            Lit::Str(_) => Some(Ty::Str),
            Lit::Int(_) => Some(Ty::Int),
            Lit::Bool(_) => Some(Ty::Bool),
            _ => None,
        },
        Expr::Unary(u) if matches!(u.op, syn::UnOp::Neg(_)) => lit_kind(&u.expr).filter(|t| *t == Ty::Int),
        Expr::Paren(p) => lit_kind(&p.expr),
        _ => None,
    }
}

impl<'a> Checker<'a> {
    fn find(&self, name: &str) -> Option<&StepInfo<'a>> {
        self.steps.iter().find(|s| s.entry.name.text == name)
    }

    /// A reference `Step.Output` to a known step, checked; `Ok(None)` when `e` is not one.
    fn output_ref(&mut self, e: &Expr, at: usize) -> Result<Option<(Tokens, Ty)>, ()> {
        let Some((step, out)) = step_of(e) else { return Ok(None) };
        let Some(info) = self.find(&step.to_string()) else { return Ok(None) };
        let declared: Vec<String> = info.outputs.iter().map(|o| o.name.to_string()).collect();
        let Some(o) = info.outputs.iter().find(|o| o.name == *out) else {
            let list = if declared.is_empty() { "none".to_string() } else { declared.join(", ") };
            self.errors.spanned(out, format!("step `{step}` has no output `{out}`; its declared outputs: {list}"));
            return Err(());
        };
        let ty = o.ty.unwrap_or(Ty::Str);
        if info.conditional {
            self.errors
                .spanned(e, format!("`{step}` is a conditional step (#[when]); its outputs cannot be referenced"));
            return Err(());
        }
        if info.order >= at {
            self.errors.spanned(e, format!("`{step}.{out}` is referenced before step `{step}` runs"));
            return Err(());
        }
        let var = handle_var(&step.to_string(), &out.to_string());
        Ok(Some((quote!(#var), ty)))
    }

    /// The tokens of a `Condition` for `e`.
    fn condition(&mut self, e: &Expr, at: usize) -> Result<Tokens, ()> {
        let c = quote!(::runbook_dsl::model::actions::Condition);
        match e {
            Expr::Paren(p) => self.condition(&p.expr, at),
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Not(_)) => {
                let inner = self.condition(&u.expr, at)?;
                Ok(quote!(#c::Not(::std::boxed::Box::new(#inner))))
            }
            Expr::Binary(b) if matches!(b.op, syn::BinOp::And(_) | syn::BinOp::Or(_)) => {
                let (l, r) = (self.condition(&b.left, at), self.condition(&b.right, at));
                let (l, r) = (l?, r?);
                let v = if matches!(b.op, syn::BinOp::And(_)) { quote!(And) } else { quote!(Or) };
                Ok(quote!(#c::#v(::std::vec![#l, #r])))
            }
            Expr::Binary(b) => {
                let op = match b.op {
                    syn::BinOp::Eq(_) => "==",
                    syn::BinOp::Ne(_) => "!=",
                    syn::BinOp::Lt(_) => "NumericLesser",
                    syn::BinOp::Le(_) => "NumericLesserOrEquals",
                    syn::BinOp::Gt(_) => "NumericGreater",
                    syn::BinOp::Ge(_) => "NumericGreaterOrEquals",
                    _ => {
                        self.errors.spanned(b.op, "expected a comparison (==, !=, <, <=, >, >=), && or ||");
                        return Err(());
                    }
                };
                let cmp = self.compare(&b.left, op, &b.right, at)?;
                Ok(if op == "!=" { quote!(#c::Not(::std::boxed::Box::new(#cmp))) } else { cmp })
            }
            Expr::MethodCall(m) => {
                let method = m.method.to_string();
                let arg = m.args.first();
                match (method.as_str(), arg, m.args.len()) {
                    ("one_of", Some(Expr::Array(a)), 1) => {
                        let mut alts = Vec::new();
                        for v in &a.elems {
                            alts.push(self.compare(&m.receiver, "==", v, at)?);
                        }
                        Ok(quote!(#c::Or(::std::vec![#(#alts),*])))
                    }
                    ("starts_with" | "ends_with" | "contains" | "eq_ignore_case", Some(a), 1) => {
                        let op = match method.as_str() {
                            "starts_with" => "StartsWith",
                            "ends_with" => "EndsWith",
                            "contains" => "Contains",
                            _ => "EqualsIgnoreCase",
                        };
                        self.compare(&m.receiver, op, a, at)
                    }
                    _ => {
                        self.errors.spanned(
                            &m.method,
                            "expected .starts_with(s), .ends_with(s), .contains(s), .eq_ignore_case(s) or .one_of([...])",
                        );
                        Err(())
                    }
                }
            }
            other => {
                // A Boolean reference on its own: `X` means `X == true`.
                let t: Expr = syn::parse_quote!(true);
                self.compare(other, "==", &t, at)
            }
        }
    }

    fn compare(&mut self, lhs: &Expr, op: &str, rhs: &Expr, at: usize) -> Result<Tokens, ()> {
        let rhs_kind = lit_kind(rhs);
        let known = self.output_ref(lhs, at)?;
        // The operand type: the declared output's, else what the literal says.
        let ty = match (&known, rhs_kind) {
            (Some((_, t)), _) => *t,
            (None, Some(t)) => t,
            (None, None) if op.starts_with("Numeric") => Ty::Int,
            (None, None) if op != "==" => Ty::Str,
            (None, None) => {
                self.errors.spanned(rhs, "compare with a literal (string, integer or bool) so the type is known");
                return Err(());
            }
        };
        let operator = match (op, ty) {
            ("==" | "!=", Ty::Str) => "StringEquals",
            ("==" | "!=", Ty::Int) => "NumericEquals",
            ("==" | "!=", Ty::Bool) => "BooleanEquals",
            (o, Ty::Int) if o.starts_with("Numeric") => o,
            (o, Ty::Str) if !o.starts_with("Numeric") => o,
            ("Contains", Ty::StrList) => "Contains",
            (o, t) => {
                let what = if o.starts_with("Numeric") { "numeric comparison" } else { "string comparison" };
                let what = if o == "==" || o == "!=" { "comparison" } else { what };
                let shown = lhs.to_token_stream().to_string().replace(" . ", ".");
                self.errors
                    .spanned(lhs, format!("a {what} of a {} value: `{shown}` is {}", t.ssm_name(), t.ssm_name()));
                return Err(());
            }
        };
        let rhs_ok = match rhs_kind {
            Some(k) => k == ty || (ty == Ty::StrList && k == Ty::Str),
            None => true,
        };
        if !rhs_ok {
            self.errors.spanned(
                rhs,
                format!(
                    "`{}` is {}, but it is compared with a {} literal",
                    lhs.to_token_stream(),
                    ty.ssm_name(),
                    rhs_kind.map(Ty::ssm_name).unwrap_or("")
                ),
            );
            return Err(());
        }
        let variable = match known {
            Some((var, _)) => quote!(::runbook_dsl::builder::refs::Reference::value(&#var)),
            None => {
                let f = match ty {
                    Ty::Int => quote!(numeric_operand),
                    Ty::Bool => quote!(bool_operand),
                    _ => quote!(string_operand),
                };
                quote_spanned!(lhs.span()=> ::runbook_dsl::builder::params::#f(&(#lhs)))
            }
        };
        let value = match rhs_kind {
            Some(_) => quote!(::runbook_dsl::model::Value::from(#rhs)),
            None => self.value(rhs, at)?,
        };
        let operator = Ident::new(operator, Span::call_site());
        Ok(
            quote!(::runbook_dsl::model::actions::Condition::compare(#variable, ::runbook_dsl::model::actions::Operator::#operator, #value)),
        )
    }

    fn value(&mut self, e: &Expr, at: usize) -> Result<Tokens, ()> {
        Ok(match self.output_ref(e, at)? {
            Some((var, _)) => quote!(::runbook_dsl::builder::refs::Reference::value(&#var)),
            None => quote_spanned!(e.span()=> ::runbook_dsl::builder::params::InputValue::input_value(&(#e))),
        })
    }

    fn check_target(&mut self, t: &Name) {
        if self.find(&t.text).is_none() {
            let all: Vec<&str> = self.steps.iter().map(|s| s.entry.name.text.as_str()).collect();
            self.errors.at(t.span, format!("no step named `{}`; the steps are: {}", t.text, all.join(", ")));
        }
    }
}

/// The action type a body builds, as far as the macro can see: `Approve` for `approve(...)`,
/// the type at the root of an expression such as `Sleep::for_duration(..)`.
fn action_type(b: &Body) -> Option<String> {
    fn root(e: &Expr) -> Option<String> {
        match e {
            Expr::MethodCall(m) => root(&m.receiver),
            Expr::Call(c) => root(&c.func),
            Expr::Paren(p) => root(&p.expr),
            Expr::Path(p) if p.path.segments.len() >= 2 => {
                Some(p.path.segments[p.path.segments.len() - 2].ident.to_string())
            }
            _ => None,
        }
    }
    match b {
        Body::Approve(..) => Some("Approve".into()),
        Body::Api(_) => Some("ExecuteAwsApi".into()),
        Body::Script(_) => Some("ExecuteScript".into()),
        Body::Branch(..) => Some("Branch".into()),
        Body::Expr(e) => root(e),
    }
}

/// Actions that cannot be the target of `onCancel: step:...`.
const NOT_CANCEL_TARGETS: &[&str] =
    &["Approve", "CopyImage", "CreateImage", "CreateStack", "CreateTags", "Pause", "RunInstances", "Sleep"];
/// Actions on which `onCancel` is not supported.
const NO_ON_CANCEL: &[&str] = &["Loop", "UpdateVariable"];

fn outputs_of(b: &Body) -> Vec<&OutputSpec> {
    match b {
        Body::Api(a) => a.outputs.iter().collect(),
        Body::Script(s) => s.outputs.iter().collect(),
        _ => vec![],
    }
}

/// Expands a parsed flow: checks everything, then generates; on error, the errors only.
pub fn expand(flow: &Flow) -> TokenStream {
    let mut ck = Checker { steps: Vec::new(), errors: Errors::default() };
    // Emission order: each main step, then its undo steps (built where the change is, so they
    // read only what exists once the change has run).
    let all: Vec<&Entry> = flow.steps.iter().flat_map(|s| std::iter::once(s).chain(s.undo.iter())).collect();
    for (order, e) in all.iter().enumerate() {
        let valid = !e.name.text.is_empty() && e.name.text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            ck.errors
                .at(e.name.span, format!("step name `{}`: names are ASCII letters, digits and `_` only", e.name.text));
        }
        if ck.find(&e.name.text).is_some() {
            ck.errors.at(e.name.span, format!("step `{}` is declared twice", e.name.text));
            continue;
        }
        if e.undo_span.is_some() && e.undo.is_empty() {
            ck.errors.at(e.undo_span.unwrap_or_else(Span::call_site), "an undo chain needs at least one step");
        }
        if let Some(first) = e.undo.first() {
            if let Some(k) = action_type(&first.body).filter(|k| NOT_CANCEL_TARGETS.contains(&k.as_str())) {
                ck.errors.at(
                    first.name.span,
                    format!(
                        "an undo chain cannot start with a {k} step: cancelling the run jumps to it, and AWS refuses \
                         {k} as an onCancel target; start the chain with another action"
                    ),
                );
            }
        }
        ck.steps.push(StepInfo { entry: e, order, conditional: e.when.is_some(), outputs: outputs_of(&e.body) });
    }
    if flow.steps.is_empty() {
        ck.errors.at(Span::call_site(), "a flow needs at least one step");
    }
    if flow.steps.last().is_some_and(|s| s.when.is_some()) {
        ck.errors.at(flow.steps[flow.steps.len() - 1].name.span, "the last step cannot be conditional (#[when])");
    }
    // Per step: the tokens that build it into a local `Step` (with its output handles).
    let mut built: Vec<TokenStream> = Vec::new();
    let when_vars: Vec<TokenStream> = flow
        .steps
        .iter()
        .filter(|e| e.when.is_some())
        .map(|e| {
            let var = var("__when_", &e.name.text);
            match &e.when {
                Some(When::Bool(b)) => quote!(let #var: bool = #b;),
                Some(When::Let(p, x)) => quote!(#[allow(unused_variables)] let #var: bool = ::core::matches!(#x, #p);),
                None => quote!(),
            }
        })
        .collect();
    for (order, e) in all.iter().enumerate() {
        let stepname = &e.name.text;
        // Body.
        let action = match &e.body {
            Body::Api(a) => {
                a.check(&mut ck.errors);
                resolve_data(&mut ck, order, &a.inputs, |r| a.action(r))
            }
            Body::Script(s) => {
                s.check(&mut ck.errors);
                resolve_data(&mut ck, order, &s.input, |r| s.action(r))
            }
            Body::Approve(who, msg) => {
                let who = rewrite_refs(&mut ck, order, who);
                let msg = rewrite_refs(&mut ck, order, msg);
                let who = ck.value(&who, order).unwrap_or_default();
                quote!(::runbook_dsl::model::actions::Approve::new(#who).message(#msg).min_required_approvals(1))
            }
            Body::Branch(arms, default) => {
                let mut choices = Vec::new();
                for (cond, target) in arms {
                    ck.check_target(target);
                    let c = ck.condition(cond, order).unwrap_or_default();
                    let t = target_expr(&flow.steps, &target.text);
                    choices.push(quote!(::runbook_dsl::model::actions::Choice::new(#t, #c)));
                }
                let d = default.as_ref().map(|t| {
                    ck.check_target(t);
                    let t = target_expr(&flow.steps, &t.text);
                    quote!(.default(#t))
                });
                quote!(::runbook_dsl::model::actions::Branch::new(::std::vec![#(#choices),*]) #d)
            }
            Body::Expr(x) => {
                let x = rewrite_refs(&mut ck, order, x);
                quote_spanned!(x.span()=> #x)
            }
        };
        let mut setters = Vec::new();
        if let Some(d) = &e.doc {
            setters.push(quote!(.description(#d)));
        }

        for o in &e.opts {
            setters.push(match o {
                Opt::Timeout(n) => quote!(.timeout_seconds(#n)),
                Opt::MaxAttempts(n) => quote!(.max_attempts(#n)),
                Opt::Retries(n) => {
                    let v = n.base10_parse::<u64>().unwrap_or_default() + 1;
                    quote!(.max_attempts(#v))
                }
                Opt::Critical(b) => quote!(.is_critical(#b)),
                Opt::End => quote!(.is_end(true)),
                Opt::Next(t) => {
                    ck.check_target(t);
                    let t = target_expr(&flow.steps, &t.text);
                    quote!(.next_step(#t))
                }
                Opt::OnFailure(a) => {
                    let v = match a {
                        FailureAct::Abort => quote!(::runbook_dsl::model::OnFailure::Abort),
                        FailureAct::Continue(_) => quote!(::runbook_dsl::model::OnFailure::Continue),
                        FailureAct::Step(t) => {
                            ck.check_target(t);
                            let t = target_expr(&flow.steps, &t.text);
                            quote!(::runbook_dsl::model::OnFailure::step(#t))
                        }
                    };
                    quote!(.on_failure(#v))
                }
                Opt::OnCancel(a) => {
                    if let Some(t) = action_type(&e.body).filter(|t| NO_ON_CANCEL.contains(&t.as_str())) {
                        ck.errors.at(e.name.span, format!("onCancel is not supported on {t} steps"));
                    }
                    let v = match a {
                        FailureAct::Abort => quote!(::runbook_dsl::model::OnCancel::Abort),
                        FailureAct::Continue(s) => {
                            ck.errors.at(*s, "onCancel cannot be `continue`; use `abort` or a step");
                            quote!(::runbook_dsl::model::OnCancel::Abort)
                        }
                        FailureAct::Step(t) => {
                            ck.check_target(t);
                            let kind = ck.find(&t.text).and_then(|s| action_type(&s.entry.body));
                            if let Some(k) = kind.filter(|k| NOT_CANCEL_TARGETS.contains(&k.as_str())) {
                                ck.errors.at(t.span, format!("onCancel cannot jump to `{}`, a {k} step", t.text));
                            }
                            let t = target_expr(&flow.steps, &t.text);
                            quote!(::runbook_dsl::model::OnCancel::step(#t))
                        }
                    };
                    quote!(.on_cancel(#v))
                }
            });
        }
        let outs = outputs_of(&e.body);
        let local = var("__step_", stepname);
        let decls = outs.iter().map(|o| {
            let var = handle_var(stepname, &o.name.to_string());
            let marker = o.ty.unwrap_or(Ty::Str).marker();
            let name = o.name.to_string();
            let sel = &o.selector;
            quote!(let #var: ::runbook_dsl::builder::refs::Output<#marker> =
                ::runbook_dsl::builder::refs::Output::declare(&mut #local, #name, #sel);)
        });
        built.push(quote! {
            #[allow(unused_mut)]
            let mut #local = ::runbook_dsl::model::Step::new(#stepname, #action) #(#setters)*;
            #(#decls)*
        });
    }
    // Each main step is added (a change with its undo steps through `Runbook::mutate`, which
    // writes the rollback wiring), in the order written.
    let mut code = Vec::new();
    let mut at = 0;
    for e in &flow.steps {
        let local = var("__step_", &e.name.text);
        let mut add = built.get(at).cloned().unwrap_or_default();
        let undo_locals: Vec<Ident> = e.undo.iter().map(|u| var("__step_", &u.name.text)).collect();
        for i in 0..e.undo.len() {
            add.extend(built.get(at + 1 + i).cloned());
        }
        at += 1 + e.undo.len();
        // The call is spanned at the step's name: `#[track_caller]` then records the user's line
        // of this step, and build problems name it.
        add.extend(if e.undo.is_empty() {
            quote_spanned!(e.name.span=> __rb.add(#local);)
        } else {
            quote_spanned!(e.name.span=> __rb.mutate(#local, ::std::vec![#(#undo_locals),*]);)
        });
        code.push(match &e.when {
            None => add,
            Some(When::Bool(_)) => {
                let var = var("__when_", &e.name.text);
                quote!(if #var { #add })
            }
            Some(When::Let(p, x)) => quote!(if let #p = #x { #add }),
        });
    }
    for (step, out) in &flow.outputs {
        let e: Expr = {
            let s = Ident::new(&step.text, step.span);
            syn::parse_quote!(#s.#out)
        };
        match ck.find(&step.text) {
            None => ck.check_target(step),
            Some(_) => {
                if let Ok(Some((var, _))) = ck.output_ref(&e, usize::MAX) {
                    code.push(quote!(__rb.document_output(&#var);));
                }
            }
        }
    }
    if !ck.errors.is_empty() {
        return ck.errors.to_compile_error();
    }
    let rb = &flow.rb;
    quote! {{
        let __rb: &mut ::runbook_dsl::builder::Runbook = &mut #rb;
        #(#when_vars)*
        #(#code)*
    }}
}

/// Rewrites `Step.Output` inside a Rust expression (a step body, approvers, message) into the
/// output's handle, checking each reference. The arguments of a macro call whose tokens are a
/// comma-separated list of expressions (`format!("... {}", Step.Output)`) are rewritten too.
fn rewrite_refs(ck: &mut Checker, at: usize, e: &Expr) -> Expr {
    struct V<'c, 'a> {
        ck: &'c mut Checker<'a>,
        at: usize,
    }
    impl syn::visit_mut::VisitMut for V<'_, '_> {
        fn visit_expr_mut(&mut self, e: &mut Expr) {
            if let Ok(Some((var, _))) = self.ck.output_ref(e, self.at) {
                *e = syn::parse_quote!(#var);
                return;
            }
            syn::visit_mut::visit_expr_mut(self, e);
        }
        fn visit_macro_mut(&mut self, m: &mut syn::Macro) {
            let parser = syn::punctuated::Punctuated::<Expr, Token![,]>::parse_terminated;
            if let Ok(mut args) = syn::parse::Parser::parse2(parser, m.tokens.clone()) {
                args.iter_mut().for_each(|a| self.visit_expr_mut(a));
                m.tokens = args.into_token_stream();
            }
        }
    }
    let mut e = e.clone();
    syn::visit_mut::VisitMut::visit_expr_mut(&mut V { ck, at }, &mut e);
    e
}

/// Checks the `Step.Output` references in input data and returns the tokens of the action
/// built by `f`, with those references turned into handles.
fn resolve_data(
    ck: &mut Checker,
    at: usize,
    inputs: &[(Key, Data)],
    f: impl FnOnce(&dyn Fn(&Expr) -> Option<TokenStream>) -> TokenStream,
) -> TokenStream {
    let mut exprs = Vec::new();
    for (_, d) in inputs {
        collect_exprs(d, &mut exprs);
    }
    let mut resolved: Vec<(String, TokenStream)> = Vec::new();
    for e in exprs {
        if let Ok(Some((var, _))) = ck.output_ref(e, at) {
            resolved
                .push((e.to_token_stream().to_string(), quote!(::runbook_dsl::builder::refs::Reference::value(&#var))));
        }
    }
    f(&|e: &Expr| {
        let key = e.to_token_stream().to_string();
        resolved.iter().find(|(k, _)| *k == key).map(|(_, t)| t.clone())
    })
}

fn collect_exprs<'d>(d: &'d Data, out: &mut Vec<&'d Expr>) {
    match d {
        Data::Object(entries) => entries.iter().for_each(|(_, v)| collect_exprs(v, out)),
        Data::Array(items) => items.iter().for_each(|v| collect_exprs(v, out)),
        Data::Expr(e) => out.push(e),
        Data::Lit(_) | Data::Null => {}
    }
}

/// The tokens of a jump target: a conditional step that is absent jumps to the next step.
fn target_expr(main: &[Entry], name: &str) -> TokenStream {
    let Some(i) = main.iter().position(|e| e.name.text == name) else { return quote!(#name) };
    if main[i].when.is_none() {
        return quote!(#name);
    }
    let var = var("__when_", name);
    let next = main.get(i + 1).map(|n| target_expr(main, &n.name.text)).unwrap_or_else(|| quote!(#name));
    quote!(if #var { #name } else { #next })
}

/// `flow!`: parse, check, generate.
pub fn flow(input: TokenStream) -> TokenStream {
    match syn::parse2::<Flow>(input) {
        Ok(f) => expand(&f),
        Err(e) => e.to_compile_error(),
    }
}
