//! `cargo run --bin runbook -- <command>`: work with any Automation document on disk.

use clap::{Parser, Subcommand};
use runbooks::cli;
use std::process::ExitCode;

/// A document read is tens of thousands of small allocations: mimalloc serves them in 18% fewer
/// instructions than the system's allocator (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    /// Check documents: every rule AWS enforces, plus flow, reference and type mistakes.
    ///
    /// One line per finding: PATH:LINE:COL: error[CODE] step=NAME field=PATH: message (hint: fix).
    /// Folders are searched for .yaml, .yml and .json files; files that are not Automation
    /// documents are skipped. Exit 0 without errors, 1 with errors, 2 when a file cannot be
    /// read or parsed. The codes are listed in docs/validate.md.
    Validate(cli::validate::Args),
    /// Print documents in canonical form (key order, quoting), or rewrite them with --write.
    ///
    /// Exit 0 on success, 1 when --check finds a file not in canonical form, 2 when a file
    /// cannot be read, parsed or written.
    Fmt(cli::fmt::Args),
    /// Print Rust source that rebuilds a document with the builder API.
    ///
    /// The source compiles against runbook-dsl and emits the same document. Exit 2 when a file
    /// cannot be read, parsed or written.
    Import(cli::import::Args),
    /// Print the least-privilege IAM policy a document's role needs.
    ///
    /// The actions come from each step's API calls and actions (docs/iam.md).
    Iam(cli::iam::Args),
    /// Run a document against mocked AWS and print the trace as JSON.
    ///
    /// Nothing calls AWS: every API call is answered by a mock from --mocks (docs/simulate.md).
    Simulate(cli::simulate::Args),
    /// Print a Mermaid flowchart of a document (or write .mmd files with --out).
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

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    /// The help of `runbook` and of every subcommand: user-facing text only, no internal
    /// references (issue numbers, "Arguments of ...").
    #[test]
    fn help_texts_have_no_internal_references() {
        let mut cmd = Cli::command();
        let mut helps = vec![("runbook".to_string(), cmd.render_long_help().to_string())];
        cmd.build();
        for sub in cmd.get_subcommands_mut().filter(|s| s.get_name() != "help") {
            helps.push((sub.get_name().to_string(), sub.render_long_help().to_string()));
        }
        assert_eq!(helps.len(), 7, "runbook and its six subcommands");
        for (name, help) in helps {
            for internal in ["issue", "Issue", "Arguments of", "TODO", "helper", "h1"] {
                assert!(!help.contains(internal), "`runbook {name} --help` says {internal:?}:\n{help}");
            }
            assert!(help.lines().count() > 3, "`runbook {name} --help` is empty:\n{help}");
        }
    }
}
