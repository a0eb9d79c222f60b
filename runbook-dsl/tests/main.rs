//! runbook-dsl's integration tests. One test binary (one link instead of 7), one module per concern.

mod action_snapshots;
mod common;
mod diagnostics;
mod fast_yaml;
mod flow;
mod read;
mod readme;
mod robustness;
