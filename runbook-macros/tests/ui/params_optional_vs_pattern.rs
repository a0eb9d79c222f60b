use runbook_dsl::prelude::*;

#[derive(Parameters)]
struct P {
    /// An optional KMS key id.
    #[param(allowed_pattern = "^[a-f0-9-]{36}$")]
    kms_key_id: Option<String>,
}

fn main() {}
