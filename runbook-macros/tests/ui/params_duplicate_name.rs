use runbook_dsl::prelude::*;

#[derive(Parameters)]
struct P {
    /// The bucket.
    bucket_name: String,
    /// The bucket again.
    #[param(name = "BucketName")]
    bucket: String,
}

fn main() {}
