//! Compile-fail tests: every error the macros report, with the message users see, spanned at
//! their token. Regenerate the `.stderr` files with `TRYBUILD=overwrite cargo test -p
//! runbook-macros --test ui` and read them before committing.

#[test]
fn compile_errors() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
