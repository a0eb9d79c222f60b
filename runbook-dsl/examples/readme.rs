//! The README's runbook example, compiled and run by `cargo test` (a test checks that the
//! README shows exactly this code).

use runbook_dsl::builder::BuildError;
use runbook_dsl::prelude::*;

fn build() -> Result<Document, BuildError> {
    // README-BEGIN
    let mut rb = Runbook::new("Enables versioning on an S3 bucket that AWS Config found without it.");
    rb.assume_role(); // AutomationAssumeRole, and assumeRole: '{{ AutomationAssumeRole }}'
    let bucket: Param<Str> = rb.param(
        "BucketName",
        ParamSpec::new("The bucket, as AWS Config passes it.").pattern("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"),
    );
    let get =
        rb.add(Step::new("GetVersioning", ExecuteAwsApi::new("s3", "GetBucketVersioning").param("Bucket", &bucket)));
    let status: Output<Str> = rb.output(&get, "Status", "$.Status"); // renders {{ GetVersioning.Status }}
    let verify = |name: &str| {
        let assert = AssertAwsResourceProperty::new("s3", "GetBucketVersioning", "$.Status", vec!["Enabled"]);
        Step::new(name, assert.param("Bucket", &bucket))
    };
    rb.if_else(
        "IsEnabled",
        Cond::string_equals(&status, "Enabled"), // Cond::numeric_greater(&status, 3) does not compile
        |rb| {
            rb.add(verify("AlreadyCompliant").description("Nothing was changed."));
        },
        |rb| {
            rb.mutate(
                Step::new(
                    "EnableVersioning",
                    ExecuteAwsApi::new("s3", "PutBucketVersioning")
                        .param("Bucket", &bucket)
                        .param("VersioningConfiguration", json!({"Status": "Enabled"})),
                ),
                vec![Step::new(
                    "UndoEnableVersioning",
                    ExecuteAwsApi::new("s3", "PutBucketVersioning")
                        .param("Bucket", &bucket)
                        .param("VersioningConfiguration", json!({"Status": "Suspended"})),
                )],
            );
            rb.add(verify("VerifyVersioning"));
        },
    );
    rb.document_output(&status);
    let doc = rb.build()?; // every problem at once
    print!("{}", runbook_dsl::emit::to_yaml(&doc));
    // README-END
    Ok(doc)
}

fn main() {
    match build() {
        Ok(doc) => assert!(runbook_dsl::validate::errors(&doc).is_empty(), "the README example validates"),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}

#[test]
fn the_readme_example_builds_and_validates() {
    let doc = build().expect("the README example builds");
    assert!(runbook_dsl::validate::errors(&doc).is_empty(), "the README example validates");
    assert_eq!(doc.outputs, vec!["GetVersioning.Status".to_string()]);
}
