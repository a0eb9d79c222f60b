use runbook_dsl::prelude::*;

fn main() {
    let mut rb = Runbook::new("d");
    flow! { rb;
        Enable: api!(s3.PutBucketVersioning { Bucket: "b", VersioningConfiguration: { Status: "Enabled" } }),
            on_failure Rollback, end;
    }
}
