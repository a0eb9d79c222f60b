//! Cross-crate tests. One test binary, one module per concern.

mod diagram;
mod freshness;
mod iam_oracle;
mod iam_snapshots;
mod oracle;
mod simulate_catalog;
mod simulate_corpus;
mod validate_corpus;
mod yaml11;
