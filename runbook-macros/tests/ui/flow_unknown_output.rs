use runbook_dsl::prelude::*;

fn main() {
    let mut rb = Runbook::new("d");
    flow! { rb;
        Get: api!(s3.GetBucketVersioning { Bucket: "b" } -> { Status: Str = "$.Status" });
        Check: if Get.Stauts == "Enabled" { Done } else { Done };
        Done: Sleep::for_duration("PT1S"), end;
    }
}
