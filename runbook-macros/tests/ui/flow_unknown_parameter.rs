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
        Get: api!(s3.GetBucketVersioning { Bucket: p.bucket } -> { Status: Str = "$.Status" }), end;
    }
}
