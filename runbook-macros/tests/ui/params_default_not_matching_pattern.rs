use runbook_dsl::prelude::*;

#[derive(Parameters)]
struct P {
    /// The bucket.
    #[param(allowed_pattern = "^[a-z0-9.-]{3,63}$", default = "My_Bucket")]
    bucket_name: String,
}

fn main() {}
