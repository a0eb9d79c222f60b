use runbook_dsl::prelude::*;

fn main() {
    let _ = script!(
        runtime = "python3.11",
        handler = "main",
        script = "def handler(events, context):\n    return {}\n",
    );
}
