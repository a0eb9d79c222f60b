//! The catalog's and the CLI's integration tests. One test binary (one link instead of 4), one module per concern.

mod catalog;
mod cli_simulate;
mod hostile;
mod macro_twin;
