//! Cross-crate tests. One test binary, one module per concern.

mod diagram;
mod freshness;
mod oracle;
mod validate_corpus;
mod yaml11;
