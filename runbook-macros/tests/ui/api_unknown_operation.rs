use runbook_dsl::prelude::*;

fn main() {
    let _ = api!(s3.GetBucketVersionning { Bucket: "my-bucket" });
}
