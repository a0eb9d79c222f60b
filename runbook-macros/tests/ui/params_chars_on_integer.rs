use runbook_dsl::prelude::*;

#[derive(Parameters)]
struct P {
    /// Days to keep.
    #[param(max_chars = 3)]
    keep_days: u32,
}

fn main() {}
