//! The macro-written `Remediate-S3-EnableBucketVersioning` and its builder twin (the one the
//! rebuild benchmark and docs/macros.md compare it with) produce the same documents.

#[path = "../benches/twin/s3_bucket_versioning.rs"]
mod twin;

#[test]
fn macro_and_builder_versions_emit_the_same_yaml() {
    let catalog = runbooks::catalog().expect("the catalog builds");
    for approval in [false, true] {
        let name = if approval {
            "Remediate-S3-EnableBucketVersioning-WithApproval"
        } else {
            "Remediate-S3-EnableBucketVersioning"
        };
        let entry = catalog.iter().find(|e| e.name == name).expect("in the catalog");
        let builder = twin::build(approval).expect("the twin builds");
        assert_eq!(runbook_dsl::emit::to_yaml(&builder), runbook_dsl::emit::to_yaml(&entry.document), "{name}");
        assert_eq!(twin::TARGET, entry.target);
        if approval {
            let ask = entry.document.step("ApproveChange").expect("the approval step");
            assert!(ask.description.is_some(), "flow!'s doc comment describes an approval step too");
        }
    }
}

/// A problem in a step written with `flow!` names the Rust line of that step (the macro spans
/// its `add` call at the step's name, and `Runbook::add` is `#[track_caller]`).
#[test]
fn a_flow_step_problem_names_its_rust_line() {
    use runbook_dsl::prelude::*;
    let mut rb = Runbook::new("d");
    rb.assume_role();
    let line = line!() + 3;
    flow! { rb;
        /// Lists buckets.
        List: api!(s3.ListBuckets {}), timeout 999;
    }
    let e = rb.build().expect_err("a timeout above the cap does not build").to_string();
    assert!(e.starts_with(&format!("{}:{line}: warning[W004] step `List`", file!())), "{e}");
}
