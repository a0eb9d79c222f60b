//! `cargo run --bin runbook -- <command>`: work with any Automation document on disk.

use clap::{Parser, Subcommand};
use runbooks::cli;
use std::process::ExitCode;

/// Work with SSM Automation documents: validate, format, import to Rust, derive IAM policies,
/// simulate, draw.
#[derive(Parser, Debug)]
#[command(name = "runbook", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Check documents with the validator (issue: control flow and validation).
    Validate(cli::validate::Args),
    /// Print documents in canonical form.
    Fmt(cli::fmt::Args),
    /// Print Rust source that rebuilds a document.
    Import(cli::import::Args),
    /// Print the least-privilege IAM policy a document needs.
    Iam(cli::iam::Args),
    /// Run a document against mocked AWS and print the trace as JSON.
    Simulate(cli::simulate::Args),
    /// Print a Mermaid flowchart of a document.
    Graph(cli::graph::Args),
}

fn main() -> ExitCode {
    cli::quiet_on_closed_pipe();
    match Cli::parse().command {
        Command::Validate(a) => cli::validate::run(a),
        Command::Fmt(a) => cli::fmt::run(a),
        Command::Import(a) => cli::import::run(a),
        Command::Iam(a) => cli::iam::run(a),
        Command::Simulate(a) => cli::simulate::run(a),
        Command::Graph(a) => cli::graph::run(a),
    }
}
