use runbook_dsl::prelude::*;

#[derive(Parameters)]
struct P {
    /// The bucket.
    #[param(allowed_pattern = "^[a-z+$")]
    bucket_name: String,
}

fn main() {}
