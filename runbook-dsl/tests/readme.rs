//! The README's runbook example is exactly `examples/readme.rs`, which `cargo test` compiles.

#[test]
fn readme_example_is_the_compiled_example() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("../README.md")).expect("README.md");
    let example = std::fs::read_to_string(root.join("examples/readme.rs")).expect("examples/readme.rs");
    let body =
        example.split("// README-BEGIN\n").nth(1).and_then(|s| s.split("    // README-END").next()).expect("markers");
    let dedented: Vec<&str> = body.lines().map(|l| l.strip_prefix("    ").unwrap_or(l)).collect();
    let expected = format!("use runbook_dsl::prelude::*;\n\n{}\n", dedented.join("\n").trim_end());
    let section = readme.split("## A runbook\n").nth(1).expect("a `## A runbook` section");
    let block = section.split("```rust\n").nth(1).and_then(|s| s.split("```\n").next()).expect("a rust block");
    assert_eq!(block, expected, "README.md's example differs from runbook-dsl/examples/readme.rs");
}
