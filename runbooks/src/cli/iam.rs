//! `runbook iam`: print the least-privilege IAM policy a document needs.

use clap::Args as ClapArgs;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `runbook iam`.
#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Files or folders of YAML/JSON documents.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
}

/// Runs the subcommand.
pub fn run(_args: Args) -> ExitCode {
    eprintln!("runbook iam: not available yet");
    ExitCode::from(2)
}
