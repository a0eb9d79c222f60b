//! `runbook import`: print Rust source that rebuilds a document with the builder API.
//!
//! ```sh
//! cargo run --bin runbook -- import doc.yaml --rust                 # the module on stdout
//! cargo run --bin runbook -- import docs/ --rust --out src/catalog  # one .rs file per document
//! ```

use super::documents;
use clap::Args as ClapArgs;
use runbook_dsl::codegen::{self, Options};
use runbook_dsl::read;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Arguments of `runbook import`.
#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Files or folders of YAML/JSON documents.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Print Rust source (the only output there is; accepted for clarity).
    #[arg(long)]
    pub rust: bool,
    /// Name of the generated function.
    #[arg(long, default_value = "build", value_name = "NAME")]
    pub function: String,
    /// Write one `<snake_case_name>.rs` file per document into DIR (atomically) instead of
    /// printing.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// The module file name for a document file: `AWS-StopEC2Instance.yaml` -> `aws_stop_ec2_instance.rs`.
///
/// ```
/// use std::path::Path;
/// assert_eq!(runbooks::cli::import::module_file(Path::new("x/AWS-StopEC2Instance.yaml")), "aws_stop_ec2_instance.rs");
/// ```
pub fn module_file(path: &Path) -> String {
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    format!("{}.rs", codegen::snake_case(&stem))
}

/// Runs the subcommand: 0 success, 2 a file cannot be read, parsed or written (the other files
/// are still imported).
pub fn run(args: Args) -> ExitCode {
    let f = &args.function;
    if f.is_empty()
        || f.starts_with(|c: char| c.is_ascii_digit())
        || !f.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        eprintln!("runbook import: --function `{f}` is not a Rust function name (letters, digits and `_`, e.g. build_stop_instance)");
        return ExitCode::from(2);
    }
    let files = match documents(&args.paths) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("runbook import: {e}");
            return ExitCode::from(2);
        }
    };
    if let Some(dir) = &args.out {
        if let Err(e) = std::fs::create_dir_all(dir) {
            eprintln!("runbook import: cannot create {}: {e}", dir.display());
            return ExitCode::from(2);
        }
    } else if files.len() > 1 {
        eprintln!(
            "runbook import: {} documents; printing them one after the other (use --out DIR for files)",
            files.len()
        );
    }
    let mut failed = 0;
    // Two documents whose names give the same module file: neither silently replaces the other.
    let mut modules: BTreeMap<String, &Path> = BTreeMap::new();
    for path in &files {
        let doc = match read::from_path(path) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("{e}");
                failed += 1;
                continue;
            }
        };
        let opts = Options { function: args.function.clone(), source: Some(path.display().to_string()) };
        let src = codegen::to_rust(&doc, &opts);
        match &args.out {
            Some(dir) => {
                let name = module_file(path);
                if let Some(first) = modules.get(&name) {
                    eprintln!(
                        "{}: not written: its module file {name} is already {}'s; rename one of the documents",
                        path.display(),
                        first.display()
                    );
                    failed += 1;
                    continue;
                }
                modules.insert(name.clone(), path);
                let target = dir.join(name);
                match runbook_dsl::files::write_file(&target, &src) {
                    Ok(()) => println!("wrote {}", target.display()),
                    Err(e) => {
                        eprintln!("{}: cannot write: {e}", target.display());
                        failed += 1;
                    }
                }
            }
            None => print!("{src}"),
        }
    }
    if failed > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_function_name_that_is_not_an_identifier_is_refused() {
        let args =
            Args { paths: vec![PathBuf::from("x.yaml")], rust: true, function: "stop-instance".into(), out: None };
        assert_eq!(run(args), ExitCode::from(2));
    }

    #[test]
    fn out_writes_one_module_per_document_and_bad_files_are_reported() {
        let dir = std::env::temp_dir().join(format!("runbook-import-{}", std::process::id()));
        let docs = dir.join("docs");
        std::fs::create_dir_all(&docs).unwrap();
        std::fs::write(
            docs.join("Fix-Bucket.yaml"),
            "schemaVersion: '0.3'\nmainSteps:\n- {name: W, action: aws:pause, inputs: {}}\n",
        )
        .unwrap();
        std::fs::write(docs.join("broken.json"), "{").unwrap();
        let out = dir.join("src");
        let args = Args { paths: vec![docs], rust: true, function: "fix_bucket".into(), out: Some(out.clone()) };
        assert_eq!(run(args), ExitCode::from(2), "the broken file makes the run fail");
        let src = std::fs::read_to_string(out.join("fix_bucket.rs")).unwrap();
        assert!(src.contains("pub fn fix_bucket() -> Result<Document, BuildError>"), "{src}");
        assert!(src.contains(r#"rb.add(Step::new("W", Pause::new()));"#), "{src}");
        assert!(!out.join("broken.rs").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
