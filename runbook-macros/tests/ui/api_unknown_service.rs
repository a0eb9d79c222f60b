use runbook_dsl::prelude::*;

fn main() {
    let _ = api!(elasticloadbalancingv2.DescribeLoadBalancers {});
}
