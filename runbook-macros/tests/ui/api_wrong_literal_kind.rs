use runbook_dsl::prelude::*;

fn main() {
    let _ = api!(s3.PutPublicAccessBlock {
        Bucket: "my-bucket",
        PublicAccessBlockConfiguration: {
            BlockPublicAcls: "true",
            IgnorePublicAcls: true,
            BlockPublicPolicy: [true],
            RestrictPublicBuckets: true,
        },
    });
    let _ = api!(s3.PutBucketVersioning {
        Bucket: "my-bucket",
        VersioningConfiguration: { Status: "enabled" },
    });
}
