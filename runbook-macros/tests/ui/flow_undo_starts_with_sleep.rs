use runbook_dsl::prelude::*;

fn main() {
    let mut rb = Runbook::new("d");
    flow! { rb;
        Enable: api!(s3.PutBucketVersioning { Bucket: "b", VersioningConfiguration: { Status: "Enabled" } }), undo {
            Wait: Sleep::for_duration("PT1M");
            Suspend: api!(s3.PutBucketVersioning { Bucket: "b", VersioningConfiguration: { Status: "Suspended" } });
        };
        Verify: api!(s3.GetBucketVersioning { Bucket: "b" }), end;
    }
}
