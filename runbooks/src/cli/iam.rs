//! `runbook iam`: print the least-privilege IAM policy a document needs.
//!
//! One output shape for one file or many: a JSON object mapping each document's path to its
//! policy (`runbook iam f.yaml | jq '.[]'` gives the bare policy). Statements are scoped to the
//! resource types of their actions (`arn:aws:<service>:*:*:<type>/*`; `--template` writes the
//! CloudFormation form with `${AWS::Partition}`, `${AWS::Region}` and `${AWS::AccountId}`);
//! `--param Name=Value` gives a runbook parameter's value to the conditions bound to it (the
//! `iam:PolicyARN` of an attached managed policy). What could not be derived goes to stderr as
//! notes (declare it with `runbook_dsl::iam::Grants` beside the runbook). `--review` prints,
//! instead of JSON, each step with its actions and where they come from. Child runbooks started
//! with `aws:executeAutomation` are followed when they are in the catalog.

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
    /// The value of a runbook parameter that a condition is bound to (`PolicyArn=arn:...`); repeatable.
    #[arg(long = "param", value_name = "NAME=VALUE", value_parser = parse_param)]
    pub params: Vec<(String, String)>,
    /// Write the policy as it goes into a CloudFormation template (`Fn::Sub` ARNs with the
    /// stack's partition, Region and account).
    #[arg(long)]
    pub template: bool,
    /// Exit 1 when anything could not be derived (the notes on stderr: a script call the scan
    /// cannot resolve, a computed service name, ...).
    #[arg(long)]
    pub strict: bool,
}

fn parse_param(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!("`{s}` is not NAME=VALUE (e.g. --param PolicyArn=arn:aws:iam::aws:policy/ReadOnlyAccess)")),
    }
}

/// The policies of `files` in the one output shape: path -> policy.
pub fn policies_json(policies: serde_json::Map<String, serde_json::Value>) -> String {
    serde_json::to_string_pretty(&serde_json::Value::Object(policies)).unwrap_or_default()
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

/// What `runbook iam` prints on stdout for `files`, whether a file failed, and how many notes
/// (things the derivation could not resolve) there were (each error and note goes to stderr).
pub fn report(args: &Args, files: &[PathBuf], library: &iam::Library) -> (String, bool, usize) {
    let known: std::collections::BTreeMap<String, String> = args.params.iter().cloned().collect();
    let form = if args.template { iam::Form::Template } else { iam::Form::Standalone };
    let mut out = String::new();
    let mut policies = serde_json::Map::new();
    let mut failed = false;
    let mut notes = 0;
    for f in files {
        match derive_file(f, library) {
            Ok(d) => {
                notes += d.notes.len();
                for n in &d.notes {
                    eprintln!("{}: note: {n}", f.display());
                }
                if args.review {
                    out.push_str(&format!("== {}\n{}\n", f.display(), d.review()));
                }
                policies.insert(f.display().to_string(), d.policy_for(form, &known));
            }
            Err(e) => {
                eprintln!("runbook iam: {e}");
                failed = true;
            }
        }
    }
    if !args.review && !policies.is_empty() {
        out.push_str(&policies_json(policies));
        out.push('\n');
    }
    (out, failed, notes)
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
    let (stdout, failed, notes) = report(&args, &files, &catalog_library());
    print!("{stdout}");
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

    #[test]
    fn one_file_or_many_print_the_same_shape() {
        let dir = temp_dir("shape");
        let doc = |api: &str| {
            format!(
                "schemaVersion: '0.3'\nparameters:\n  PolicyArn: {{type: String}}\nmainSteps:\n- name: A\n  action: aws:executeAwsApi\n  inputs: {{Service: iam, Api: {api}, RoleName: r, PolicyArn: '{{{{ PolicyArn }}}}'}}\n"
            )
        };
        let a = dir.join("a.yaml");
        let b = dir.join("b.yaml");
        std::fs::write(&a, doc("AttachRolePolicy")).expect("write");
        std::fs::write(&b, doc("DetachRolePolicy")).expect("write");
        let args = |paths: Vec<PathBuf>, params: Vec<(String, String)>, template: bool| Args {
            paths,
            review: false,
            params,
            template,
            strict: false,
        };
        let lib = iam::Library::new();
        let one: serde_json::Value =
            serde_json::from_str(&report(&args(vec![a.clone()], vec![], false), std::slice::from_ref(&a), &lib).0)
                .expect("JSON");
        let two: serde_json::Value =
            serde_json::from_str(&report(&args(vec![dir.clone()], vec![], false), &[a.clone(), b.clone()], &lib).0)
                .expect("JSON");
        let key = a.display().to_string();
        assert_eq!(one.as_object().map(|m| m.len()), Some(1), "{one:#}");
        assert_eq!(one[&key], two[&key], "the same policy under the same key");
        assert_eq!(two.as_object().map(|m| m.len()), Some(2));
        // --param pins the attached policy; --template writes the CloudFormation form.
        let pinned = report(
            &args(vec![a.clone()], vec![("PolicyArn".into(), "arn:aws:iam::aws:policy/X".into())], true),
            std::slice::from_ref(&a),
            &lib,
        )
        .0;
        assert!(pinned.contains("\"iam:PolicyARN\": \"arn:aws:iam::aws:policy/X\""), "{pinned}");
        assert!(pinned.contains("arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*"), "{pinned}");
        assert!(parse_param("PolicyArn").is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
