use runbook_dsl::prelude::*;

#[derive(Parameters)]
struct P {
    /// The bucket.
    #[param(pattern = "^[a-z]+$")]
    bucket_name: String,
}

fn main() {}
