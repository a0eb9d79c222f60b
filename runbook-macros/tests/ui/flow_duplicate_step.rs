use runbook_dsl::prelude::*;

fn main() {
    let mut rb = Runbook::new("d");
    flow! { rb;
        Wait: Sleep::for_duration("PT1S");
        Wait: Sleep::for_duration("PT2S"), end;
    }
}
