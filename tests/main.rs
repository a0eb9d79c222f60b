//! Cross-crate tests. One test binary, one module per concern.

mod diagram;
mod freshness;
mod oracle;
mod simulate_catalog;
mod simulate_corpus;
mod yaml11;
