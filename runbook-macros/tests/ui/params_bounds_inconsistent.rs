use runbook_dsl::prelude::*;

#[derive(Parameters)]
struct P {
    /// Ports to close.
    #[param(min_items = 5, max_items = 2)]
    ports: Vec<String>,
}

fn main() {}
