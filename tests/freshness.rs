//! `generated/` is exactly what `emit` would write.

use runbooks::generate;

#[test]
fn generated_dir_is_fresh() {
    let dir = cross_tests::workspace().join("generated");
    let plan = generate::plan().expect("the catalog builds");
    let drift = generate::check(&dir, &plan).expect("generated/ is readable");
    let report: Vec<String> = drift.iter().map(ToString::to_string).collect();
    assert!(drift.is_empty(), "generated/ is stale; run `cargo run --bin emit`:\n{}", report.join("\n"));
}
