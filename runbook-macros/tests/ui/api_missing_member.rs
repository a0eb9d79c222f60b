use runbook_dsl::prelude::*;

fn main() {
    let _ = api!(dynamodb.UpdateContinuousBackups {
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
}
