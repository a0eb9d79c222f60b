//! The API-model snapshot (`runbook-dsl/data/aws-models/`) is what its pinned script produces
//! from botocore (`tools/aws-models/generate.py --check`: the script gets the pinned botocore,
//! in a virtual environment when the installed one is another version).

use std::process::Command;

#[test]
fn the_api_model_snapshot_is_what_the_pinned_script_produces() {
    let root = cross_tests::workspace();
    if !cross_tests::have("python3") {
        let msg = "python3 is missing: the API-model snapshot's regeneration test cannot run";
        assert!(std::env::var("RUNBOOK_REQUIRE_SHARED").as_deref() != Ok("1"), "{msg} (RUNBOOK_REQUIRE_SHARED=1)");
        eprintln!("warning: {msg}; skipped");
        return;
    }
    let out = Command::new("python3")
        .arg(root.join("tools/aws-models/generate.py"))
        .arg("--check")
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "the committed snapshot differs from the script's output (run `python3 tools/aws-models/generate.py`):\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
