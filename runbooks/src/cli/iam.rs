//! `runbook iam`: print the least-privilege IAM policy a document needs.
//!
//! One file prints its policy JSON; several files (or a folder) print one JSON object mapping
//! each path to its policy. What could not be derived goes to stderr as notes (declare it with
//! `runbook_dsl::iam::Grants` beside the runbook). `--review` prints, instead of JSON, each step
//! with its actions and where they come from. Child runbooks started with
//! `aws:executeAutomation` are followed when they are in the catalog.

use clap::Args as ClapArgs;
use runbook_dsl::iam::{self, Derivation, Grants};
use runbook_dsl::read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Arguments of `runbook iam`.
#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Files or folders of YAML/JSON documents.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Print each step's actions and their origin instead of the policy JSON.
    #[arg(long)]
    pub review: bool,
    /// Exit 1 when anything could not be derived (the notes on stderr: a script call the scan
    /// cannot resolve, a computed service name, ...).
    #[arg(long)]
    pub strict: bool,
}

/// Whether a file found in a folder is taken for a document: `.yaml`, `.yml` or `.json`, but not
/// the policies (`*.policy.json`) and CloudFormation templates (`*.template.yaml`) that `emit`
/// writes beside the runbooks.
fn is_document_name(p: &Path) -> bool {
    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
    matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml" | "json"))
        && !name.ends_with(".policy.json")
        && !name.ends_with(".template.yaml")
}

/// The documents named by `paths` ([`super::graph::document_files`]), without the policies and
/// templates found in folders.
pub fn document_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let files = super::graph::document_files(paths)?;
    Ok(files.into_iter().filter(|f| paths.contains(f) || is_document_name(f)).collect())
}

/// The catalog's runbooks as a library for child lookups (empty when the catalog does not build).
pub fn catalog_library() -> iam::Library {
    let mut lib = iam::Library::new();
    if let Ok(entries) = crate::catalog() {
        for e in entries {
            lib.insert(e.name.clone(), e.document, Grants::new());
        }
    }
    lib
}

/// The derivation for one file.
pub fn derive_file(path: &Path, library: &iam::Library) -> Result<Derivation, String> {
    let doc = read::from_path(path).map_err(|e| e.to_string())?;
    iam::derive(&doc, &Grants::new(), library).map_err(|e| format!("{}: {e}", path.display()))
}

/// Runs the subcommand.
pub fn run(args: Args) -> ExitCode {
    let files = match document_files(&args.paths) {
        Ok(f) if !f.is_empty() => f,
        Ok(_) => {
            eprintln!("runbook iam: no .yaml, .yml or .json documents in the given paths");
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("runbook iam: {e}");
            return ExitCode::from(2);
        }
    };
    let library = catalog_library();
    let mut policies = serde_json::Map::new();
    let mut failed = false;
    let mut notes = 0;
    for f in &files {
        match derive_file(f, &library) {
            Ok(d) => {
                notes += d.notes.len();
                for n in &d.notes {
                    eprintln!("{}: note: {n}", f.display());
                }
                if args.review {
                    println!("== {}\n{}", f.display(), d.review());
                }
                policies.insert(f.display().to_string(), d.policy());
            }
            Err(e) => {
                eprintln!("runbook iam: {e}");
                failed = true;
            }
        }
    }
    if !args.review && !policies.is_empty() {
        let out = if files.len() == 1 {
            policies.into_iter().next().map(|(_, p)| p).unwrap_or_default()
        } else {
            serde_json::Value::Object(policies)
        };
        println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
    }
    if failed {
        ExitCode::from(2)
    } else if args.strict && notes > 0 {
        eprintln!("runbook iam --strict: {notes} things could not be derived (see the notes above)");
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("runbook-iam-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        dir
    }

    #[test]
    fn imported_documents_get_their_policy() {
        let dir = temp_dir("imported");
        let file = dir.join("imported.json");
        let doc = r#"{"schemaVersion": "0.3", "mainSteps": [
            {"name": "Block", "action": "aws:executeAwsApi",
             "inputs": {"Service": "s3", "Api": "put_public_access_block", "Bucket": "b"}},
            {"name": "Start", "action": "aws:executeAutomation",
             "inputs": {"DocumentName": "Remediate-EC2-StopInstance"}}]}"#;
        std::fs::write(&file, doc).expect("write");
        let d = derive_file(&file, &catalog_library()).expect("derives");
        let actions = d.actions();
        assert!(actions.contains("s3:PutBucketPublicAccessBlock"), "{actions:?}");
        assert!(actions.contains("ssm:StartAutomationExecution"));
        assert!(actions.contains("ec2:StopInstances"), "the catalog child's needs are included: {actions:?}");
        std::fs::write(dir.join("imported.policy.json"), "{}").expect("write");
        assert_eq!(document_files(std::slice::from_ref(&dir)).expect("lists"), vec![file]);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn unreadable_input_is_an_error_naming_the_file() {
        let dir = temp_dir("bad");
        let file = dir.join("bad.yaml");
        std::fs::write(&file, "schemaVersion: '0.3'\nmainSteps: [\n").expect("write");
        let err = derive_file(&file, &iam::Library::new()).unwrap_err();
        assert!(err.contains("bad.yaml"), "{err}");
        let missing = document_files(&[dir.join("nope.yaml")]).unwrap_err();
        assert!(missing.contains("no such file or folder"), "{missing}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
