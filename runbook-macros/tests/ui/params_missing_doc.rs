use runbook_dsl::prelude::*;

#[derive(Parameters)]
struct P {
    bucket_name: String,
}

fn main() {}
