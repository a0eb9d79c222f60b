//! `#[derive(Parameters)]`: parse the struct into typed field specs, check them, then generate
//! the handles struct and the `Parameters` impl (calls of `Runbook::param` with a `ParamSpec`).

use crate::common::{doc_text, to_pascal, Errors, Ty};
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Expr, Fields, Lit, LitInt, LitStr};

/// A literal value of a `default` or `allowed_values` attribute.
#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    /// A string.
    Str(String),
    /// An integer.
    Int(i64),
    /// A boolean.
    Bool(bool),
    /// A list of strings.
    List(Vec<String>),
}

impl Literal {
    fn parse(e: &Expr) -> Result<Literal, syn::Error> {
        let bad =
            || syn::Error::new_spanned(e, "expected a literal: a string, an integer, a bool or a list of strings");
        match e {
            Expr::Lit(l) => match &l.lit {
                Lit::Str(s) => Ok(Literal::Str(s.value())),
                Lit::Int(i) => i.base10_parse().map(Literal::Int),
                Lit::Bool(b) => Ok(Literal::Bool(b.value)),
                _ => Err(bad()),
            },
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Neg(_)) => match Literal::parse(&u.expr)? {
                Literal::Int(i) => Ok(Literal::Int(-i)),
                _ => Err(bad()),
            },
            Expr::Array(a) => a
                .elems
                .iter()
                .map(|x| match Literal::parse(x)? {
                    Literal::Str(s) => Ok(s),
                    _ => Err(syn::Error::new_spanned(x, "list items are strings")),
                })
                .collect::<Result<_, _>>()
                .map(Literal::List),
            _ => Err(bad()),
        }
    }

    fn fits(&self, ty: Ty) -> bool {
        matches!(
            (self, ty),
            (Literal::Str(_), Ty::Str)
                | (Literal::Int(_), Ty::Int)
                | (Literal::Bool(_), Ty::Bool)
                | (Literal::List(_), Ty::StrList)
        )
    }

    fn tokens(&self) -> TokenStream {
        match self {
            Literal::Str(s) => quote!(::runbook_dsl::model::Value::from(#s)),
            Literal::Int(i) => quote!(::runbook_dsl::model::Value::from(#i)),
            Literal::Bool(b) => quote!(::runbook_dsl::model::Value::from(#b)),
            Literal::List(items) => {
                quote!(::runbook_dsl::model::Value::Array(::std::vec![#(::runbook_dsl::model::Value::from(#items)),*]))
            }
        }
    }

    /// The strings a pattern or the allowed values apply to (each item of a list).
    fn strings(&self) -> Vec<&str> {
        match self {
            Literal::Str(s) => vec![s.as_str()],
            Literal::List(l) => l.iter().map(String::as_str).collect(),
            _ => vec![],
        }
    }
}

/// The `#[param(...)]` attributes of one field.
#[derive(Default)]
pub struct Attrs {
    name: Option<LitStr>,
    default: Option<(Literal, Span)>,
    allowed_values: Option<(Vec<Literal>, Span)>,
    allowed_pattern: Option<LitStr>,
    min_items: Option<LitInt>,
    max_items: Option<LitInt>,
    min_chars: Option<LitInt>,
    max_chars: Option<LitInt>,
    display_type: Option<LitStr>,
}

/// One field, parsed.
pub struct FieldSpec {
    ident: syn::Ident,
    name: String,
    name_span: Span,
    ty: Option<Ty>,
    optional: bool,
    description: Option<String>,
    attrs: Attrs,
}

/// The struct, parsed: its fields (best effort even when there are errors) and the errors.
pub struct Parsed {
    fields: Vec<FieldSpec>,
    errors: Errors,
}

fn last_segment(ty: &syn::Type) -> Option<(&syn::Ident, Vec<&syn::Type>)> {
    let syn::Type::Path(p) = ty else { return None };
    let seg = p.path.segments.last()?;
    let args = match &seg.arguments {
        syn::PathArguments::AngleBracketed(a) => a
            .args
            .iter()
            .filter_map(|a| match a {
                syn::GenericArgument::Type(t) => Some(t),
                _ => None,
            })
            .collect(),
        _ => vec![],
    };
    Some((&seg.ident, args))
}

fn is_string(ty: &syn::Type) -> bool {
    matches!(last_segment(ty), Some((i, a)) if i == "String" && a.is_empty())
}

fn is_map(ty: &syn::Type) -> bool {
    match last_segment(ty) {
        Some((i, a)) => {
            ["HashMap", "BTreeMap", "IndexMap", "Map"].iter().any(|m| i == m) && a.first().is_none_or(|k| is_string(k))
        }
        None => false,
    }
}

/// The SSM type of a field's Rust type, and whether it is an `Option`.
pub fn map_type(ty: &syn::Type) -> Option<(Ty, bool)> {
    let (ident, args) = last_segment(ty)?;
    if ident == "Option" && args.len() == 1 {
        return map_type(args[0]).filter(|(_, opt)| !opt).map(|(t, _)| (t, true));
    }
    let name = ident.to_string();
    let t = match name.as_str() {
        "String" if args.is_empty() => Ty::Str,
        "bool" => Ty::Bool,
        "i8" | "i16" | "i32" | "i64" | "u8" | "u16" | "u32" | "u64" | "isize" | "usize" => Ty::Int,
        "Vec" if args.len() == 1 && is_string(args[0]) => Ty::StrList,
        "Vec" if args.len() == 1 && is_map(args[0]) => Ty::MapList,
        _ if is_map(ty) => Ty::StrMap,
        _ => return None,
    };
    Some((t, false))
}

fn parse_attrs(field: &syn::Field, errors: &mut Errors) -> Attrs {
    let mut a = Attrs::default();
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("param")) {
        let r = attr.parse_nested_meta(|meta| {
            let key = meta.path.get_ident().map(|i| i.to_string()).unwrap_or_default();
            match key.as_str() {
                "name" => a.name = Some(meta.value()?.parse()?),
                "allowed_pattern" => a.allowed_pattern = Some(meta.value()?.parse()?),
                "display_type" => a.display_type = Some(meta.value()?.parse()?),
                "min_items" => a.min_items = Some(meta.value()?.parse()?),
                "max_items" => a.max_items = Some(meta.value()?.parse()?),
                "min_chars" => a.min_chars = Some(meta.value()?.parse()?),
                "max_chars" => a.max_chars = Some(meta.value()?.parse()?),
                "default" => {
                    let e: Expr = meta.value()?.parse()?;
                    a.default = Some((Literal::parse(&e)?, e.span()));
                }
                "allowed_values" => {
                    let e: Expr = meta.value()?.parse()?;
                    let Expr::Array(arr) = &e else {
                        return Err(syn::Error::new_spanned(&e, "allowed_values is a list: `[\"a\", \"b\"]`"));
                    };
                    let vals = arr.elems.iter().map(Literal::parse).collect::<Result<Vec<_>, _>>()?;
                    a.allowed_values = Some((vals, e.span()));
                }
                _ => {
                    return Err(meta.error(
                        "unknown parameter attribute; expected one of: name, default, allowed_values, \
                         allowed_pattern, min_items, max_items, min_chars, max_chars, display_type",
                    ))
                }
            }
            Ok(())
        });
        if let Err(e) = r {
            errors.push(e);
        }
    }
    a
}

/// Parses the derive input into field specs, recording what is wrong.
pub fn parse(input: &DeriveInput) -> Parsed {
    let mut errors = Errors::default();
    let mut fields = Vec::new();
    let named = match &input.data {
        Data::Struct(s) => match &s.fields {
            Fields::Named(n) => Some(&n.named),
            _ => None,
        },
        _ => None,
    };
    let Some(named) = named else {
        errors.spanned(&input.ident, "#[derive(Parameters)] needs a struct with named fields, one per parameter");
        return Parsed { fields, errors };
    };
    if !input.generics.params.is_empty() {
        errors.spanned(&input.generics, "#[derive(Parameters)] does not support generics");
    }
    for f in named {
        let Some(ident) = f.ident.clone() else { continue };
        let attrs = parse_attrs(f, &mut errors);
        let (name, name_span) = match &attrs.name {
            Some(n) => (n.value(), n.span()),
            None => (to_pascal(&ident.to_string()), ident.span()),
        };
        let mapped = map_type(&f.ty);
        if mapped.is_none() {
            errors.spanned(
                &f.ty,
                "unsupported parameter type; expected String, Vec<String>, an integer, bool, a string map \
                 (HashMap<String, _>), a Vec of maps, or an Option of one of them",
            );
        }
        fields.push(FieldSpec {
            ident,
            name,
            name_span,
            ty: mapped.map(|m| m.0),
            optional: mapped.is_some_and(|m| m.1),
            description: doc_text(&f.attrs),
            attrs,
        });
    }
    Parsed { fields, errors }
}

fn int(l: &Option<LitInt>, errors: &mut Errors) -> Option<u64> {
    l.as_ref().and_then(|l| match l.base10_parse::<u64>() {
        Ok(v) => Some(v),
        Err(e) => {
            errors.push(e);
            None
        }
    })
}

/// Checks every field; returns the implied default of each field (explicit or from `Option`).
pub fn check(parsed: &mut Parsed) -> Vec<Option<Literal>> {
    let errors = &mut parsed.errors;
    let mut seen: Vec<&str> = Vec::new();
    let mut defaults = Vec::new();
    for f in &parsed.fields {
        let a = &f.attrs;
        if f.name.is_empty() || !f.name.chars().all(|c| c.is_ascii_alphanumeric()) {
            errors.at(f.name_span, format!("parameter name `{}` must be letters and digits only", f.name));
        }
        if seen.contains(&f.name.as_str()) {
            errors.at(f.name_span, format!("parameter `{}` is declared twice", f.name));
        }
        seen.push(&f.name);
        if f.description.is_none() {
            errors.spanned(&f.ident, "document this parameter: its `///` comment becomes the description");
        }
        let Some(ty) = f.ty else {
            defaults.push(None);
            continue;
        };
        let stringy = matches!(ty, Ty::Str | Ty::StrList);
        let listy = matches!(ty, Ty::StrList | Ty::MapList);
        if let (Some(p), false) = (&a.allowed_pattern, stringy) {
            errors.spanned(p, format!("allowed_pattern applies to String and StringList, not {}", ty.ssm_name()));
        }
        for l in [&a.min_chars, &a.max_chars].into_iter().flatten() {
            if !stringy {
                errors.spanned(l, format!("min_chars/max_chars apply to String and StringList, not {}", ty.ssm_name()));
            }
        }
        for l in [&a.min_items, &a.max_items].into_iter().flatten() {
            if !listy {
                errors
                    .spanned(l, format!("min_items/max_items apply to StringList and MapList, not {}", ty.ssm_name()));
            }
        }
        if let Some(d) = &a.display_type {
            if ty != Ty::Str || !["textarea", "textfield"].contains(&d.value().as_str()) {
                errors.spanned(d, "display_type is \"textarea\" or \"textfield\", on a String parameter");
            }
        }
        let (min_c, max_c) = (int(&a.min_chars, errors), int(&a.max_chars, errors));
        let (min_i, max_i) = (int(&a.min_items, errors), int(&a.max_items, errors));
        if let (Some(lo), Some(hi)) = (min_c, max_c) {
            if lo > hi {
                errors.spanned(a.min_chars.as_ref(), format!("min_chars ({lo}) is greater than max_chars ({hi})"));
            }
        }
        if let (Some(lo), Some(hi)) = (min_i, max_i) {
            if lo > hi {
                errors.spanned(a.min_items.as_ref(), format!("min_items ({lo}) is greater than max_items ({hi})"));
            }
        }
        let regex = a.allowed_pattern.as_ref().and_then(|p| match regex::Regex::new(&p.value()) {
            Ok(r) => Some(r),
            Err(e) => {
                errors.spanned(p, format!("allowed_pattern is not a valid regular expression: {e}"));
                None
            }
        });
        if let Some((vals, span)) = &a.allowed_values {
            let scalar = if ty == Ty::StrList { Ty::Str } else { ty };
            for v in vals {
                if !v.fits(scalar) {
                    errors.at(*span, format!("allowed_values must be {} values", scalar.ssm_name()));
                    break;
                }
            }
        }
        // The default: explicit, or implied by `Option`.
        let (default, span, implied) = match (&a.default, f.optional) {
            (Some((d, s)), _) => (Some(d.clone()), *s, false),
            (None, true) => {
                let d = match ty {
                    Ty::Str => Some(Literal::Str(String::new())),
                    Ty::StrList => Some(Literal::List(vec![])),
                    Ty::Int | Ty::Bool => {
                        errors.spanned(
                            &f.ident,
                            format!("an optional {} needs `#[param(default = ...)]`", ty.ssm_name()),
                        );
                        None
                    }
                    Ty::StrMap | Ty::MapList => None,
                };
                (d, f.ident.span(), true)
            }
            (None, false) => (None, Span::call_site(), false),
        };
        let what = if implied { "the default of an Option (the empty value)" } else { "the default" };
        if let Some(d) = &default {
            if !d.fits(ty) {
                errors.at(span, format!("the default is not a {} value", ty.ssm_name()));
            }
            if let Some(r) = &regex {
                for s in d.strings() {
                    if !r.is_match(s) {
                        let help = if s.is_empty() { "; allow it with `^$|` at the start of the pattern" } else { "" };
                        errors.at(span, format!("{what} {s:?} does not match allowed_pattern{help}"));
                    }
                }
            }
            if let Some((vals, _)) = &a.allowed_values {
                let ok = match d {
                    Literal::List(items) => items.iter().all(|i| vals.contains(&Literal::Str(i.clone()))),
                    other => vals.contains(other),
                };
                if !ok {
                    errors.at(span, format!("{what} is not one of allowed_values"));
                }
            }
            for s in d.strings() {
                let n = s.chars().count() as u64;
                if min_c.is_some_and(|m| n < m) || max_c.is_some_and(|m| n > m) {
                    errors.at(span, format!("{what} {s:?} has {n} characters, outside min_chars/max_chars"));
                }
            }
            if let Literal::List(items) = d {
                let n = items.len() as u64;
                if !implied && (min_i.is_some_and(|m| n < m) || max_i.is_some_and(|m| n > m)) {
                    errors.at(span, format!("the default has {n} items, outside min_items/max_items"));
                }
            }
        }
        defaults.push(default);
    }
    defaults
}

/// Generates the handles struct and the `Parameters` impl. With errors, the errors plus a stub
/// with the same handles, so one mistake gives one message.
pub fn generate(input: &DeriveInput, parsed: &Parsed, defaults: &[Option<Literal>]) -> TokenStream {
    let ident = &input.ident;
    let vis = &input.vis;
    let handles = format_ident!("{}Handles", ident);
    let fields = parsed.fields.iter().map(|f| {
        let id = &f.ident;
        let marker = f.ty.unwrap_or(Ty::Str).marker();
        let doc = format!("`{{{{ {} }}}}`: {}", f.name, f.description.clone().unwrap_or_default());
        quote!(#[doc = #doc] pub #id: ::runbook_dsl::builder::refs::Param<#marker>)
    });
    let struct_doc = format!("Typed handles of the parameters of [`{ident}`], from `Runbook::params::<{ident}>()`.");
    let body = if parsed.errors.is_empty() {
        let inits = parsed.fields.iter().zip(defaults).map(|(f, d)| {
            let id = &f.ident;
            let name = &f.name;
            let desc = f.description.clone().unwrap_or_default();
            let a = &f.attrs;
            let mut spec = quote!(::runbook_dsl::builder::ParamSpec::new(#desc));
            if let Some(d) = d {
                let v = d.tokens();
                spec.extend(quote!(.default(#v)));
            }
            if let Some((vals, _)) = &a.allowed_values {
                let vs = vals.iter().map(Literal::tokens);
                spec.extend(quote!(.allowed_values([#(#vs),*])));
            }
            if let Some(p) = &a.allowed_pattern {
                spec.extend(quote!(.pattern(#p)));
            }
            for (l, m) in [
                (&a.min_items, quote!(min_items)),
                (&a.max_items, quote!(max_items)),
                (&a.min_chars, quote!(min_chars)),
                (&a.max_chars, quote!(max_chars)),
            ] {
                if let Some(l) = l {
                    let n: u64 = l.base10_parse().unwrap_or_default();
                    spec.extend(quote!(.#m(#n)));
                }
            }
            if let Some(d) = &a.display_type {
                let v = if d.value() == "textarea" { quote!(Textarea) } else { quote!(Textfield) };
                spec.extend(quote!(.display_type(::runbook_dsl::model::DisplayType::#v)));
            }
            quote_spanned!(f.ident.span()=> #id: rb.param(#name, #spec))
        });
        quote!(#handles { #(#inits),* })
    } else {
        quote!(::core::unreachable!())
    };
    let errors = parsed.errors.to_compile_error();
    let idents = parsed.fields.iter().map(|f| &f.ident);
    quote! {
        impl #ident {
            // The struct describes parameters and is never built; this keeps its fields "read".
            #[allow(dead_code)]
            fn __runbook_parameter_fields(&self) {
                let _ = (#(&self.#idents,)*);
            }
        }
        #errors
        #[doc = #struct_doc]
        #[derive(Clone, Debug)]
        #vis struct #handles {
            #(#fields,)*
        }
        impl ::runbook_dsl::builder::params::Parameters for #ident {
            type Handles = #handles;
            fn declare(rb: &mut ::runbook_dsl::builder::Runbook) -> #handles {
                #body
            }
        }
    }
}

/// The derive: parse, check, generate.
pub fn derive(input: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(input) {
        Ok(i) => i,
        Err(e) => return e.to_compile_error(),
    };
    let mut parsed = parse(&input);
    let defaults = check(&mut parsed);
    generate(&input, &parsed, &defaults)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors_of(src: TokenStream) -> Vec<String> {
        let input: DeriveInput = syn::parse2(src).expect("test input parses");
        let mut parsed = parse(&input);
        check(&mut parsed);
        parsed.errors.messages()
    }

    #[test]
    fn maps_rust_types_to_ssm_types() {
        let t = |s: &str| map_type(&syn::parse_str(s).expect("type"));
        assert_eq!(t("String"), Some((Ty::Str, false)));
        assert_eq!(t("Vec<String>"), Some((Ty::StrList, false)));
        assert_eq!(t("u32"), Some((Ty::Int, false)));
        assert_eq!(t("bool"), Some((Ty::Bool, false)));
        assert_eq!(t("HashMap<String, String>"), Some((Ty::StrMap, false)));
        assert_eq!(t("Vec<BTreeMap<String, String>>"), Some((Ty::MapList, false)));
        assert_eq!(t("Option<String>"), Some((Ty::Str, true)));
        assert_eq!(t("Option<Option<String>>"), None);
        assert_eq!(t("f64"), None);
    }

    #[test]
    fn a_valid_struct_has_no_errors() {
        let errs = errors_of(quote! {
            struct P {
                /// The bucket.
                #[param(allowed_pattern = "^[a-z]+$", default = "abc", min_chars = 1, max_chars = 10)]
                bucket_name: String,
                /// Ports.
                #[param(default = ["22"], allowed_values = ["22", "3389"], min_items = 1)]
                ports: Vec<String>,
                /// Optional note.
                #[param(allowed_pattern = "^$|^[a-z]+$")]
                note: Option<String>,
            }
        });
        assert!(errs.is_empty(), "{errs:?}");
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let errs = errors_of(quote! {
            struct P {
                /// a
                #[param(allowed_pattern = "^[a-z+$")]
                a: String,
                /// b
                #[param(allowed_pattern = "^[a-z]+$", default = "ABC")]
                b: String,
                /// c
                #[param(min_items = 3, max_items = 1)]
                c: Vec<String>,
                d: String,
                /// e
                #[param(allowed_values = ["x", "y"], default = "z")]
                e: String,
                /// f
                #[param(allowed_pattern = "^[a-z]+$")]
                f: Option<String>,
            }
        });
        assert_eq!(errs.len(), 6, "{errs:#?}");
        assert!(errs[0].contains("not a valid regular expression"));
        assert!(errs[1].contains("\"ABC\" does not match allowed_pattern"));
        assert!(errs[2].contains("min_items (3) is greater than max_items (1)"));
        assert!(errs[3].contains("document this parameter"));
        assert!(errs[4].contains("not one of allowed_values"));
        assert!(errs[5].contains("`^$|`"));
    }

    #[test]
    fn names_default_to_pascal_case_and_must_be_unique() {
        let errs = errors_of(quote! {
            struct P {
                /// a
                bucket_name: String,
                /// b
                #[param(name = "BucketName")]
                other: String,
            }
        });
        assert_eq!(errs, vec!["parameter `BucketName` is declared twice".to_string()]);
    }
}
