//! The catalog of remediation runbooks for common AWS Config findings, and the generator that
//! writes them into `generated/`.
//!
//! ```
//! let catalog = runbooks::catalog().unwrap();
//! assert!(catalog.iter().any(|e| e.name == "Remediate-S3-EnableDefaultEncryption"));
//! ```

pub mod catalog;
pub mod cli;
pub mod generate;
pub mod wiring;

pub use catalog::{catalog, CatalogEntry, CatalogError, RuleParameter};
