use runbook_dsl::prelude::*;

fn main() {
    let _ = api!(s3.PutBucketVersioning {
        Bucket: "my-bucket",
        VersioningConfiguration: { Staus: "Enabled" },
    });
}
