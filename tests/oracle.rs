//! AWS's published document schema (through `../shared/tools/ssm-doc-check`) accepts every
//! document in `generated/` (the SSM documents: not the IAM policies `*.policy.json` nor the
//! CloudFormation templates `*.template.yaml` written beside them).

#[test]
fn oracle_accepts_every_generated_document() {
    let Some(tool) = cross_tests::shared("tools/ssm-doc-check") else { return };
    if !cross_tests::have("node") {
        assert!(std::env::var("RUNBOOK_REQUIRE_SHARED").as_deref() != Ok("1"), "node is required by the oracle");
        eprintln!("warning: node is missing; the oracle test is skipped");
        return;
    }
    let generated = cross_tests::workspace().join("generated");
    let mut documents: Vec<std::path::PathBuf> = std::fs::read_dir(&generated)
        .expect("generated/ is readable")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            name.ends_with(".yaml") && !name.ends_with(".template.yaml")
        })
        .collect();
    documents.sort();
    assert!(!documents.is_empty(), "no documents in {}", generated.display());
    let out = std::process::Command::new(tool)
        .args(["--allow-gaps", "--extra", "-q"])
        .args(&documents)
        .output()
        .expect("the oracle runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the oracle rejects generated documents:\n{stdout}\n{stderr}");
    assert!(stderr.contains(" ok"), "the oracle printed no summary: {stderr}");
}
