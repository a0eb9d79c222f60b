use runbook_dsl::prelude::*;

#[derive(Parameters)]
struct P {
    /// The bucket.
    #[param(allowed_pattern = "^[a-z]+$")]
    bucket_name: String,
}

fn main() {
    let mut rb = Runbook::new("d");
    let p = rb.params::<P>();
    flow! { rb;
        Check: if p.bucket_name >= 3 { Done } else { Done };
        Done: Sleep::for_duration("PT1S"), end;
    }
}
