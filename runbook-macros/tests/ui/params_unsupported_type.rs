use runbook_dsl::prelude::*;

#[derive(Parameters)]
struct P {
    /// A ratio.
    ratio: f64,
}

fn main() {}
