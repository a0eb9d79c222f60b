//! `runbook graph`: print a Mermaid flowchart of a document (see [`runbook_dsl::diagram`]).
//!
//! One file prints its diagram alone; several files (or a folder) print each diagram after a
//! `%% <path>` comment line. `--out DIR` writes `<file stem>.mmd` per document into `DIR`
//! instead, for tools that render diagrams (such as `tools/mermaid-check`).

use clap::Args as ClapArgs;
use runbook_dsl::{diagram, read};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Arguments of `runbook graph`.
#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Files or folders of YAML/JSON documents (folders are searched recursively for `.yaml`,
    /// `.yml` and `.json` files).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Write `<file stem>.mmd` per document into this folder instead of printing.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// Runs the subcommand: exit 0 when every document was drawn, 2 when a path or a document
/// cannot be read (the others are still drawn).
pub fn run(args: Args) -> ExitCode {
    let files = match document_files(&args.paths) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("runbook graph: {e}");
            return ExitCode::from(2);
        }
    };
    if let Some(dir) = &args.out {
        if let Err(e) = std::fs::create_dir_all(dir) {
            eprintln!("runbook graph: cannot create {}: {e}", dir.display());
            return ExitCode::from(2);
        }
    }
    let mut failed = 0;
    let mut stems = HashSet::new();
    let mut printed = 0;
    for file in &files {
        let doc = match read::from_path(file) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("runbook graph: {e}");
                failed += 1;
                continue;
            }
        };
        let text = diagram::to_mermaid(&doc);
        match &args.out {
            Some(dir) => {
                let target = dir.join(unique_name(file, &mut stems));
                if let Err(e) = runbook_dsl::files::write_file(&target, &text) {
                    eprintln!("runbook graph: cannot write {}: {e}", target.display());
                    failed += 1;
                }
            }
            None if files.len() == 1 => print!("{text}"),
            None => {
                if printed > 0 {
                    println!();
                }
                printed += 1;
                println!("%% {}", file.display());
                print!("{text}");
            }
        }
    }
    if let Some(dir) = &args.out {
        eprintln!("runbook graph: {} diagrams written to {}", files.len() - failed, dir.display());
    }
    if failed > 0 {
        eprintln!("runbook graph: {failed} of {} documents could not be drawn", files.len());
        return ExitCode::from(2);
    }
    ExitCode::SUCCESS
}

/// `<stem>.mmd`, with `-2`, `-3`, … added when another file had the same stem.
fn unique_name(file: &Path, taken: &mut HashSet<String>) -> String {
    let stem = file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "document".into());
    let mut name = format!("{stem}.mmd");
    let mut n = 2;
    while !taken.insert(name.clone()) {
        name = format!("{stem}-{n}.mmd");
        n += 1;
    }
    name
}

/// The documents named by `paths` ([`super::documents`], the one folder walker); an error
/// names each path that does not exist and each folder that cannot be read.
///
/// ```no_run
/// let files = runbooks::cli::graph::document_files(&["generated".into()]).unwrap();
/// assert!(files.iter().all(|f| f.extension().is_some()));
/// ```
pub fn document_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    super::documents(paths)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_are_searched_for_documents_only_and_missing_paths_are_named() {
        let dir = std::env::temp_dir().join(format!("runbook-graph-test-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::write(dir.join("b.yaml"), "").unwrap();
        std::fs::write(dir.join("sub/a.json"), "").unwrap();
        std::fs::write(dir.join("notes.md"), "").unwrap();
        let files = document_files(std::slice::from_ref(&dir)).unwrap();
        assert_eq!(files, vec![dir.join("b.yaml"), dir.join("sub/a.json")]);
        let err = document_files(&[dir.join("nope.yaml")]).unwrap_err();
        assert!(err.contains("nope.yaml: no such file or folder"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn same_stems_get_distinct_names() {
        let mut taken = HashSet::new();
        assert_eq!(unique_name(Path::new("a/x.yaml"), &mut taken), "x.mmd");
        assert_eq!(unique_name(Path::new("b/x.json"), &mut taken), "x-2.mmd");
    }
}
