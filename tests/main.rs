//! Cross-crate tests. One test binary, one module per concern.

mod catalog_oracle;
mod freshness;
