//! Cross-crate tests. One test binary, one module per concern.

mod corpus_roundtrip;
mod freshness;
mod import_compile;
