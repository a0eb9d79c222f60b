use runbook_dsl::prelude::*;

fn main() {
    let mut rb = Runbook::new("d");
    flow! { rb;
        Check: if Get.Status == "Enabled" { Done } else { Get };
        Get: api!(s3.GetBucketVersioning { Bucket: "b" } -> { Status: Str = "$.Status" });
        Done: Sleep::for_duration("PT1S"), end;
    }
}
