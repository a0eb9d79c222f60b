//! The validator against real documents: no error on anything AWS publishes, the real defects
//! the schema oracle (`ssm-doc-check --allow-gaps --extra`) finds in third-party documents are
//! found too, the `runbook validate` command, and a catalog with no finding at all.

use runbook_dsl::read;
use runbook_dsl::validate::{validate, validate_parsed, Diagnostic, Severity};
use runbooks::cli::documents;
use runbooks::cli::validate::{check, Summary};
use std::path::{Path, PathBuf};

/// AWS-published folders of the corpus.
const AWS_FOLDERS: &[&str] = &["asr", "asr-templated", "awslabs-ssm", "ops-conductor-templated", "awsdocs-ssm-guide"];

/// User-guide examples whose `files` checksums are placeholders (`sampleETagValue`, ...).
const PLACEHOLDER_CHECKSUMS: &[&str] = &[
    "awsdocs-ssm-guide/automation-document-backup-maintenance-example.2.json",
    "awsdocs-ssm-guide/automation-document-instance-recovery-example.2.json",
    "awsdocs-ssm-guide/documents-schemas-features.18.yaml",
];

/// What `ssm-doc-check --allow-gaps --extra --json` reported on the third-party documents
/// (run once, 2026-11-26): file, our code, field.
const ORACLE_DEFECTS: &[(&str, &str, &str)] = &[
    ("asea/attach-iam-role-policy.yaml", "E009", "description"),
    ("asea/ssm-elb-enable-logging.yaml", "E009", "description"),
    ("hundredacres-remediation/delete_public_subnet_resource.yaml", "E040", "mainSteps[5].inputs.Choices[0]"),
    ("hundredacres-remediation/enable_s3_public_access_block.yaml", "E040", "mainSteps[1].inputs.Choices[0]"),
    ("tv-ssm-scripts/cloudfront_distribution_management.yaml", "E041", "mainSteps[1].inputs.Choices[0]"),
    ("tv-ssm-scripts/cloudfront_distribution_management.yaml", "E041", "mainSteps[1].inputs.Choices[6]"),
    ("tv-ssm-scripts/lambda_function_management.yaml", "E041", "mainSteps[1].inputs.Choices[0]"),
    ("tv-ssm-scripts/lambda_function_management.yaml", "E041", "mainSteps[1].inputs.Choices[5]"),
    ("tv-ssm-scripts/cost_optimization_recommendations.yaml", "E015", "parameters.IdleDaysThreshold.minValue"),
    ("tv-ssm-scripts/cost_optimization_recommendations.yaml", "E015", "parameters.LowUtilizationThreshold.maxValue"),
    ("tv-ssm-scripts/cost_savings_remediation.yaml", "E015", "parameters.IdleDaysThreshold.maxValue"),
    ("tv-ssm-scripts/cost_savings_remediation.yaml", "E015", "parameters.LowUtilizationThreshold.minValue"),
    ("tv-ssm-scripts/cross_account_resource_management.yaml", "E015", "parameters.MaxConcurrentAccounts.minValue"),
    ("tv-ssm-scripts/cross_account_resource_management.yaml", "E015", "parameters.MaxConcurrentAccounts.maxValue"),
    ("tv-ssm-scripts/maintenance_window_setup.yaml", "E015", "parameters.Duration.minValue"),
    ("tv-ssm-scripts/maintenance_window_setup.yaml", "E015", "parameters.Cutoff.maxValue"),
];

/// Real mistakes in AWS-published documents that AWS's API models show (docs/api-models.md has
/// the evidence): file, code, field.
const API_MISTAKES: &[(&str, &str, &str)] = &[
    // rds.DeleteDBClusterSnapshot takes DBClusterSnapshotIdentifier (required), not the
    // instance-snapshot parameter DBSnapshotIdentifier.
    ("asr/EncryptRDSSnapshot.yaml", "E072", "mainSteps[6].inputs.DBSnapshotIdentifier"),
    ("asr/EncryptRDSSnapshot.yaml", "E073", "mainSteps[6].inputs"),
    // A step's `inputs` holding a stray `inputs:` key and a `nextStep:` key (mis-indented YAML).
    (
        "awsdocs-ssm-guide/automation-authoring-runbooks-parent-child-example.3.yaml",
        "E072",
        "mainSteps[0].inputs.inputs",
    ),
    (
        "awsdocs-ssm-guide/automation-authoring-runbooks-parent-child-example.3.yaml",
        "E072",
        "mainSteps[4].inputs.nextStep",
    ),
];

fn findings(path: &Path) -> Vec<Diagnostic> {
    let parsed = read::parse_path(path).unwrap_or_else(|e| panic!("{e}"));
    validate_parsed(&parsed)
}

#[test]
fn no_error_on_aws_published_documents() {
    let Some(corpus) = cross_tests::shared("corpus/automation") else { return };
    let mut checked = 0;
    let mut bad = Vec::new();
    for folder in AWS_FOLDERS {
        for file in documents(&[corpus.join(folder)]).expect("corpus folder is readable") {
            let rel = file.strip_prefix(&corpus).unwrap_or(&file).to_string_lossy().into_owned();
            if PLACEHOLDER_CHECKSUMS.contains(&rel.as_str()) {
                continue;
            }
            checked += 1;
            for d in findings(&file).into_iter().filter(|d| d.severity == Severity::Error) {
                if API_MISTAKES.iter().any(|(f, c, field)| *f == rel && *c == d.code && *field == d.field) {
                    continue;
                }
                bad.push(format!("{rel}: {d}"));
            }
        }
    }
    assert!(checked >= 248, "only {checked} AWS documents found");
    assert!(bad.is_empty(), "{} errors on AWS documents:\n{}", bad.len(), bad.join("\n"));
}

#[test]
fn api_mistakes_in_aws_documents_are_found() {
    let Some(corpus) = cross_tests::shared("corpus/automation") else { return };
    for (rel, code, field) in API_MISTAKES {
        let found = findings(&corpus.join(rel));
        assert!(
            found.iter().any(|d| d.code == *code && d.field == *field && d.severity == Severity::Error),
            "{rel}: expected {code} at {field}; found:\n{}",
            found.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
        );
    }
}

#[test]
fn placeholder_checksums_are_reported() {
    let Some(corpus) = cross_tests::shared("corpus/automation") else { return };
    for rel in PLACEHOLDER_CHECKSUMS {
        let errors: Vec<_> =
            findings(&corpus.join(rel)).into_iter().filter(|d| d.severity == Severity::Error).collect();
        assert!(
            errors.len() == 1 && errors[0].code == "E005" && errors[0].field.starts_with("files."),
            "{rel}: {errors:?}"
        );
    }
}

#[test]
fn defects_the_oracle_finds_are_found() {
    let Some(corpus) = cross_tests::shared("corpus/automation") else { return };
    for (rel, code, field) in ORACLE_DEFECTS {
        let found = findings(&corpus.join(rel));
        assert!(
            found.iter().any(|d| d.code == *code && d.field == *field && d.severity == Severity::Error),
            "{rel}: expected {code} at {field}; found:\n{}",
            found.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
        );
    }
}

fn run_cli(paths: &[PathBuf]) -> (Summary, String, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let sum = check(paths, false, &mut out, &mut err);
    (sum, String::from_utf8_lossy(&out).into_owned(), String::from_utf8_lossy(&err).into_owned())
}

#[test]
fn runbook_validate_reports_no_error_on_asr_but_its_api_mistake() {
    let Some(asr) = cross_tests::shared("corpus/automation/asr") else { return };
    let (sum, out, err) = run_cli(&[asr]);
    assert_eq!(sum.files, 20, "{err}");
    // The one real mistake (API_MISTAKES): two errors in EncryptRDSSnapshot.yaml.
    assert_eq!((sum.errors, sum.unreadable, sum.exit_code()), (2, 0, 1), "{out}{err}");
    let errors: Vec<&str> = out.lines().filter(|l| l.contains(": error[")).collect();
    assert!(
        errors
            .iter()
            .all(|l| l.contains("EncryptRDSSnapshot.yaml:") && l.contains("DeleteUnencryptedRdsClusterSnapshot")),
        "{out}"
    );
}

#[test]
fn runbook_validate_lines_and_exit_codes() {
    let dir = std::env::temp_dir().join(format!("runbook-validate-{}", std::process::id()));
    let sub = dir.join("nested");
    std::fs::create_dir_all(&sub).unwrap();
    let good = "schemaVersion: '0.3'\nmainSteps:\n  - name: A\n    action: aws:pause\n    inputs: {}\n";
    std::fs::write(dir.join("good.yaml"), good).unwrap();
    std::fs::write(dir.join("notes.txt"), "not a document").unwrap();
    std::fs::write(dir.join("role.policy.json"), "{\"Version\": \"2012-10-17\", \"Statement\": []}").unwrap();
    let (sum, out, _) = run_cli(std::slice::from_ref(&dir));
    assert_eq!((sum.files, sum.skipped, sum.errors, sum.warnings, sum.exit_code()), (1, 1, 0, 1, 0), "{out}");
    // Named on the command line, it is checked (and is not a document).
    let (sum, _, err) = run_cli(&[dir.join("role.policy.json")]);
    assert_eq!((sum.unreadable, sum.exit_code()), (1, 2), "{err}");

    std::fs::write(sub.join("bad.json"), "{\"schemaVersion\": \"0.3\",\n \"mainSteps\": [\n  {\"name\": \"A\", \"action\": \"aws:pause\", \"inputs\": {},\n   \"nextStep\": \"Gone\"}]}\n").unwrap();
    let (sum, out, _) = run_cli(std::slice::from_ref(&dir));
    assert_eq!((sum.files, sum.errors, sum.exit_code()), (2, 1, 1));
    let want = format!(
        "{}:4:4: error[E031] step=A field=mainSteps[0].nextStep: nextStep `Gone` is not a step (hint: ",
        sub.join("bad.json").display()
    );
    assert!(out.lines().any(|l| l.starts_with(&want)), "{want}\nnot in\n{out}");

    std::fs::write(sub.join("broken.yml"), "schemaVersion: '0.3'\nmainSteps: [\n").unwrap();
    let (sum, _, err) = run_cli(std::slice::from_ref(&dir));
    assert_eq!((sum.files, sum.unreadable, sum.exit_code()), (2, 1, 2), "the other files are still checked");
    assert!(err.contains("broken.yml:"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn catalog_runbooks_have_no_finding() {
    for e in runbooks::catalog().expect("the catalog builds") {
        let found: Vec<String> = validate(&e.document).iter().map(ToString::to_string).collect();
        assert!(found.is_empty(), "{}:\n{}", e.name, found.join("\n"));
    }
}

#[test]
fn emit_refuses_a_runbook_with_errors() {
    let mut entries = runbooks::catalog().expect("the catalog builds");
    entries[0].document.main_steps[0].next_step = Some("Nowhere".into());
    let errors = runbooks::generate::validation_errors(&entries);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains(&format!("runbook {}: error[E031] step=", entries[0].name)), "{errors:?}");
}
