//! Every catalog document in `generated/` passes the schema oracle
//! (`../shared/tools/ssm-doc-check --allow-gaps --extra`).

use std::process::Command;

#[test]
fn generated_catalog_passes_the_schema_oracle() {
    let Some(check) = cross_tests::shared("tools/ssm-doc-check") else { return };
    if !cross_tests::have("node") {
        let msg = "node is not on PATH: the schema oracle cannot run";
        assert!(std::env::var("RUNBOOK_REQUIRE_SHARED").as_deref() != Ok("1"), "{msg} (RUNBOOK_REQUIRE_SHARED=1)");
        eprintln!("warning: {msg}; skipped");
        return;
    }
    let generated = cross_tests::workspace().join("generated");
    let out = Command::new(&check)
        .args(["--allow-gaps", "--extra", "-q"])
        .arg(&generated)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", check.display()));
    let report = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "ssm-doc-check rejects documents in generated/:\n{report}");
    let expected = runbooks::generate::plan().expect("the catalog builds").len();
    assert!(report.contains(&format!("{expected}/{expected} ok")), "not every document was checked:\n{report}");
}
