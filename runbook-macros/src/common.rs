//! Helpers shared by the macros: error gathering, names and the six SSM data types.

use proc_macro2::{Span, TokenStream};
use quote::{quote, ToTokens};

/// Errors gathered while checking one macro input; all are reported at once.
#[derive(Default)]
pub struct Errors {
    all: Option<syn::Error>,
}

impl Errors {
    /// Records an error at `span`.
    pub fn at(&mut self, span: Span, msg: impl std::fmt::Display) {
        self.push(syn::Error::new(span, msg));
    }
    /// Records an error spanning the tokens of `node`.
    pub fn spanned(&mut self, node: impl ToTokens, msg: impl std::fmt::Display) {
        self.push(syn::Error::new_spanned(node, msg));
    }
    /// Records an error.
    pub fn push(&mut self, e: syn::Error) {
        match &mut self.all {
            Some(all) => all.combine(e),
            None => self.all = Some(e),
        }
    }
    /// Whether nothing went wrong.
    pub fn is_empty(&self) -> bool {
        self.all.is_none()
    }
    /// The gathered errors as `compile_error!` invocations (empty when there are none).
    pub fn to_compile_error(&self) -> TokenStream {
        self.all.as_ref().map(syn::Error::to_compile_error).unwrap_or_default()
    }
    /// The messages, for unit tests.
    #[cfg(test)]
    pub fn messages(&self) -> Vec<String> {
        self.all.iter().flat_map(|e| e.clone().into_iter().map(|e| e.to_string())).collect()
    }
}

/// `bucket_name` -> `BucketName`.
pub fn to_pascal(snake: &str) -> String {
    snake
        .split('_')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// Whether `s` is PascalCase as AWS names API parameters: an ASCII capital, then letters and
/// digits.
pub fn is_pascal(s: &str) -> bool {
    s.chars().next().is_some_and(|c| c.is_ascii_uppercase()) && s.chars().all(|c| c.is_ascii_alphanumeric())
}

/// One of the six SSM data types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    /// `String`.
    Str,
    /// `StringList`.
    StrList,
    /// `Integer`.
    Int,
    /// `Boolean`.
    Bool,
    /// `StringMap`.
    StrMap,
    /// `MapList`.
    MapList,
}

impl Ty {
    /// The type written as a marker (`Str`) or an SSM name (`String`).
    pub fn from_name(s: &str) -> Option<Ty> {
        Some(match s {
            "Str" | "String" => Ty::Str,
            "StrList" | "StringList" => Ty::StrList,
            "Int" | "Integer" => Ty::Int,
            "Bool" | "Boolean" => Ty::Bool,
            "StrMap" | "StringMap" => Ty::StrMap,
            "MapList" => Ty::MapList,
            _ => return None,
        })
    }
    /// The SSM name.
    pub fn ssm_name(self) -> &'static str {
        match self {
            Ty::Str => "String",
            Ty::StrList => "StringList",
            Ty::Int => "Integer",
            Ty::Bool => "Boolean",
            Ty::StrMap => "StringMap",
            Ty::MapList => "MapList",
        }
    }
    /// The marker type, e.g. `::runbook_dsl::builder::refs::Str`.
    pub fn marker(self) -> TokenStream {
        let m = match self {
            Ty::Str => quote!(Str),
            Ty::StrList => quote!(StrList),
            Ty::Int => quote!(Int),
            Ty::Bool => quote!(Bool),
            Ty::StrMap => quote!(StrMap),
            Ty::MapList => quote!(MapList),
        };
        quote!(::runbook_dsl::builder::refs::#m)
    }
    /// The `DataType` value.
    pub fn data_type(self) -> TokenStream {
        let v = syn::Ident::new(self.ssm_name(), Span::call_site());
        quote!(::runbook_dsl::model::DataType::#v)
    }
}

/// The text of `///` comments among `attrs`: lines trimmed, joined by spaces, blank lines kept
/// as paragraph breaks.
pub fn doc_text(attrs: &[syn::Attribute]) -> Option<String> {
    let mut lines = Vec::new();
    for a in attrs {
        if !a.path().is_ident("doc") {
            continue;
        }
        if let syn::Meta::NameValue(nv) = &a.meta {
            if let syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) = &nv.value {
                lines.push(s.value().trim().to_string());
            }
        }
    }
    if lines.is_empty() {
        return None;
    }
    let mut out = String::new();
    for l in lines {
        if l.is_empty() {
            out.push_str("\n\n");
        } else {
            if !out.is_empty() && !out.ends_with('\n') {
                out.push(' ');
            }
            out.push_str(&l);
        }
    }
    Some(out.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pascal_case() {
        assert_eq!(to_pascal("bucket_name"), "BucketName");
        assert_eq!(to_pascal("id"), "Id");
        assert!(is_pascal("BucketName"));
        assert!(!is_pascal("bucketName"));
        assert!(!is_pascal("Bucket_Name"));
    }
}
