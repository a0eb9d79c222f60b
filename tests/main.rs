//! Cross-crate tests. One test binary, one module per concern.

mod freshness;
mod simulate_catalog;
mod simulate_corpus;
