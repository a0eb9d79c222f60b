use runbook_dsl::prelude::*;

fn main() {
    let mut rb = Runbook::new("d");
    flow! { rb;
        "Wait-A-Bit": Sleep::for_duration("PT1S"), end;
    }
}
