//! The macro-written `Remediate-S3-EnableBucketVersioning` and its builder twin (the one the
//! rebuild benchmark and docs/macros.md compare it with) produce the same documents.

/// Lets the twin name `crate::catalog::ConfigTarget`, as it does inside the catalog.
mod catalog {
    pub use runbooks::catalog::ConfigTarget;
}

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
    }
}
