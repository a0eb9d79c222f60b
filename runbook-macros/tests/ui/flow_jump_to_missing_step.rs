use runbook_dsl::prelude::*;

fn main() {
    let mut rb = Runbook::new("d");
    flow! { rb;
        Get: api!(s3.GetBucketVersioning { Bucket: "b" } -> { Status: Str = "$.Status" });
        Check: if Get.Status == "Enabled" { Done } else { Enabel };
        Enable: api!(s3.PutBucketVersioning { Bucket: "b", VersioningConfiguration: { Status: "Enabled" } }), end;
        Done: Sleep::for_duration("PT1S"), end;
    }
}
