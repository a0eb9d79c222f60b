//! `runbook validate PATH...`: check YAML and JSON documents, files or folders (recursive;
//! files in folders that are not Automation documents are skipped), with the same validator
//! `emit` uses. One line per finding:
//! `PATH:LINE:COL: error[CODE] step=NAME field=PATH: message (hint: ...)`.
//! Exit 0 when there are no errors, 1 when there are, 2 when a file cannot be read or parsed
//! (the other files are still checked).

use clap::Args as ClapArgs;
use runbook_dsl::read;
use runbook_dsl::validate::{validate_parsed, Diagnostic, Severity};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Arguments of `runbook validate`.
#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Files or folders of YAML/JSON documents.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Print errors only, no warnings.
    #[arg(long)]
    pub errors_only: bool,
}

/// What one run found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Documents checked.
    pub files: usize,
    /// Errors found.
    pub errors: usize,
    /// Warnings found.
    pub warnings: usize,
    /// Files that could not be read or parsed.
    pub unreadable: usize,
    /// Files in folders that are not Automation documents (no `schemaVersion` nor `mainSteps`).
    pub skipped: usize,
}

impl Summary {
    /// The exit code: 2 unreadable files, else 1 errors, else 0.
    pub fn exit_code(&self) -> u8 {
        if self.unreadable > 0 {
            2
        } else if self.errors > 0 {
            1
        } else {
            0
        }
    }
}

/// One finding as a line: `PATH:LINE:COL: error[CODE] step=NAME field=PATH: message (hint: ...)`.
pub fn format_line(file: &Path, parsed: &read::Parsed, d: &Diagnostic) -> String {
    let pos = parsed.locate(&d.field).map(|p| (p.line, p.column)).unwrap_or((1, 1));
    format!("{}:{}:{}: {d}", file.display(), pos.0, pos.1)
}

/// What checking one file found.
#[derive(Default)]
struct Outcome {
    /// Not an Automation document (a file met while walking a folder).
    skipped: bool,
    /// Why the file cannot be read or parsed.
    unreadable: Option<String>,
    /// Finding lines, in the validator's order.
    lines: Vec<String>,
    errors: usize,
    warnings: usize,
}

/// Reads and validates one file.
fn check_file(file: &Path, walked: bool, errors_only: bool) -> Outcome {
    // In a folder, files that are not Automation documents (CloudFormation templates, IAM
    // policies) are skipped; a file named on the command line is always checked.
    // A file that reads as a document is one; only a file that does not is looked at again.
    let parsed = match read::parse_path(file) {
        Ok(p) => p,
        Err(_) if walked && super::read_text(file).is_ok_and(|t| !super::is_automation_text(&t)) => {
            return Outcome { skipped: true, ..Outcome::default() }
        }
        Err(e) => return Outcome { unreadable: Some(e.to_string()), ..Outcome::default() },
    };
    let mut o = Outcome::default();
    for d in validate_parsed(&parsed) {
        match d.severity {
            Severity::Error => o.errors += 1,
            Severity::Warning if errors_only => continue,
            Severity::Warning => o.warnings += 1,
        }
        o.lines.push(format_line(file, &parsed, &d));
    }
    o
}

/// Checks `files` on every core ([`super::workers`]); the outcomes come back in the order of
/// `files`.
fn check_files(files: &[(PathBuf, bool)], errors_only: bool) -> Vec<Outcome> {
    let threads = super::workers::threads_for(files.len());
    super::workers::map_in_order(files, threads, |(file, walked)| check_file(file, *walked, errors_only))
}

/// Checks every document under `paths`, writing findings to `out` and problems reading files
/// to `err`. Files are checked on every core; the output is in the order of the files.
pub fn check(paths: &[PathBuf], errors_only: bool, out: &mut dyn Write, err: &mut dyn Write) -> Summary {
    let mut sum = Summary::default();
    // Folders that cannot be listed are reported in their place among the files.
    enum Item {
        Unlistable(String),
        File,
    }
    let walk = runbook_dsl::files::walk(paths);
    let mut items: Vec<Item> = walk.problems.into_iter().map(Item::Unlistable).collect();
    let mut files = Vec::new();
    for f in walk.files {
        items.push(Item::File);
        files.push((f.path, !f.named));
    }
    let mut outcomes = check_files(&files, errors_only).into_iter();
    for item in items {
        let o = match item {
            Item::Unlistable(msg) => {
                let _ = out.flush();
                let _ = writeln!(err, "{msg}");
                sum.unreadable += 1;
                continue;
            }
            Item::File => match outcomes.next() {
                Some(o) => o,
                None => break,
            },
        };
        if o.skipped {
            sum.skipped += 1;
            continue;
        }
        if let Some(e) = o.unreadable {
            let _ = out.flush();
            let _ = writeln!(err, "{e}");
            sum.unreadable += 1;
            continue;
        }
        sum.files += 1;
        sum.errors += o.errors;
        sum.warnings += o.warnings;
        for line in o.lines {
            let _ = writeln!(out, "{line}");
        }
    }
    sum
}

/// Runs the subcommand.
pub fn run(args: Args) -> ExitCode {
    // Findings are written in one go (hundreds of lines over a corpus); problems reading a file
    // go to the unbuffered stderr, with the findings before them flushed first.
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut err = std::io::stderr().lock();
    let sum = check(&args.paths, args.errors_only, &mut out, &mut err);
    let _ = out.flush();
    let _ = writeln!(
        err,
        "runbook validate: {} documents, {} errors, {} warnings, {} unreadable, {} other files skipped",
        sum.files, sum.errors, sum.warnings, sum.unreadable, sum.skipped
    );
    ExitCode::from(sum.exit_code())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workers_report_in_file_order_as_one_would() {
        let dir = std::env::temp_dir().join(format!("runbook-validate-order-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        // Documents with findings (an unknown action), one unreadable, one that is not a runbook.
        for i in 0..12 {
            let text = format!(
                "schemaVersion: '0.3'\nmainSteps:\n  - name: S{i}\n    action: aws:nothing{i}\n    inputs: {{}}\n"
            );
            std::fs::write(dir.join(format!("d{i:02}.yaml")), text).expect("write");
        }
        std::fs::write(dir.join("d05b.yaml"), "schemaVersion: '0.3'\nmainSteps: [\n").expect("write");
        std::fs::write(dir.join("d07b.json"), "{\"Resources\": {}}").expect("write");
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let sum = check(&[dir.clone(), dir.join("missing")], false, &mut out, &mut err);
        // The same files checked one after the other, in order.
        let mut want = String::new();
        for f in runbook_dsl::files::walk(std::slice::from_ref(&dir)).paths() {
            for line in check_file(&f, true, false).lines {
                want.push_str(&line);
                want.push('\n');
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
        let out = String::from_utf8(out).expect("utf-8");
        assert_eq!(out, want);
        assert!(out.find("d00.yaml").expect("d00") < out.find("d11.yaml").expect("d11"), "{out}");
        assert_eq!((sum.files, sum.unreadable, sum.skipped), (12, 2, 1), "{sum:?}");
        let err = String::from_utf8(err).expect("utf-8");
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(lines.len(), 2, "{err}");
        assert!(lines[0].contains("missing") && lines[1].contains("d05b.yaml"), "{err}");
    }
}
