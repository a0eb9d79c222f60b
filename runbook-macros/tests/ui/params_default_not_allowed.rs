use runbook_dsl::prelude::*;

#[derive(Parameters)]
struct P {
    /// The SSE algorithm.
    #[param(allowed_values = ["AES256", "aws:kms"], default = "DES")]
    algorithm: String,
}

fn main() {}
