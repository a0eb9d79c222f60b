//! `runbook validate`: check documents with the validator (issue: control flow and validation).

use clap::Args as ClapArgs;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `runbook validate`.
#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Files or folders of YAML/JSON documents.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
}

/// Runs the subcommand.
pub fn run(_args: Args) -> ExitCode {
    eprintln!("runbook validate: not available yet");
    ExitCode::from(2)
}
