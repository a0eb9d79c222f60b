//! `cargo run --bin emit`: regenerate `generated/` from the catalog.

use clap::Parser;
use runbooks::generate;
use std::path::PathBuf;
use std::process::ExitCode;

/// Writes every catalog runbook (and what goes with it) into `generated/`.
///
/// All files are written or none (each to a temporary file first, then renamed); files that emit
/// wrote before (its `.emit-manifest`) and no runbook produces any more are deleted, and other
/// files are left alone. A runbook that does not build or validate stops emit before anything
/// is written.
#[derive(Parser, Debug)]
#[command(name = "emit", version)]
struct Args {
    /// Write nothing; exit 1 and list every stale, missing or extra file with a unified diff.
    #[arg(long)]
    check: bool,
    /// The output directory (default: `generated/` of the workspace around the current folder).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

fn main() -> ExitCode {
    runbooks::cli::quiet_on_closed_pipe();
    let args = Args::parse();
    let dir = args.out.unwrap_or_else(generate::default_dir);
    let plan = match generate::plan() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("emit: nothing was written.\n{e}");
            return ExitCode::from(2);
        }
    };
    if args.check {
        return match generate::check(&dir, &plan) {
            Ok(drift) if drift.is_empty() => {
                println!("emit --check: {} files in {} are up to date", plan.len(), dir.display());
                ExitCode::SUCCESS
            }
            Ok(drift) => {
                for d in &drift {
                    println!("{d}");
                }
                println!(
                    "emit --check: {} of the files differ; run `cargo run --bin emit` and commit generated/",
                    drift.len()
                );
                ExitCode::from(1)
            }
            Err(e) => {
                eprintln!("emit --check: cannot read {}: {e}", dir.display());
                ExitCode::from(2)
            }
        };
    }
    match generate::write(&dir, &plan) {
        Ok(report) => {
            for n in &report.written {
                println!("wrote   generated/{n}");
            }
            for n in &report.deleted {
                println!("deleted generated/{n}");
            }
            for n in &report.foreign {
                println!("left    generated/{n} (not written by emit)");
            }
            println!(
                "emit: {} written, {} unchanged, {} deleted ({} files in {})",
                report.written.len(),
                report.unchanged.len(),
                report.deleted.len(),
                plan.len(),
                dir.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("emit: cannot write {}: {e}", dir.display());
            ExitCode::from(2)
        }
    }
}
