//! Cross-crate tests. One test binary, one module per concern.

mod aws_models;
mod corpus_roundtrip;
mod diagram;
mod docs_blocks;
mod emulator;
mod emulator_catalog;
mod emulator_corpus;
mod freshness;
mod iam_oracle;
mod iam_resources;
mod iam_snapshots;
mod import_compile;
mod oracle;
mod readme;
mod simulate_catalog;
mod simulate_corpus;
mod templates;
mod validate_corpus;
mod yaml11;
