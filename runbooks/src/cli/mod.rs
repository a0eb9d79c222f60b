//! The `runbook` command line: one module per subcommand, each with its `Args` and `run`.
//!
//! Exit codes, for every subcommand: 0 success, 1 findings (errors in documents), 2 a file
//! cannot be read or parsed, or the command line is wrong.

pub mod fmt;
pub mod graph;
pub mod iam;
pub mod import;
pub mod simulate;
pub mod validate;
