use super::*;

fn found(name: &str) -> &'static Service {
    match service(name) {
        ServiceLookup::Found(s) => s,
        other => panic!("{name}: {other:?}"),
    }
}

#[test]
fn client_names_and_aliases_are_services_other_names_are_hints() {
    found("s3");
    found("elbv2");
    found("runtime.sagemaker"); // botocore's alias of sagemaker-runtime
    assert!(matches!(service("SQS"), ServiceLookup::OtherCase("sqs", _)));
    // serviceId and endpoint prefix are not client names, but point to one.
    assert!(matches!(service("Elastic Load Balancing v2"), ServiceLookup::Unknown(Some("elbv2"))));
    assert!(matches!(service("s33"), ServiceLookup::Unknown(Some("s3"))));
    assert!(matches!(service("nothing-like-it-at-all"), ServiceLookup::Unknown(None)));
}

#[test]
fn operations_by_model_name_or_boto3_method_exactly() {
    let ec2 = found("ec2");
    assert!(matches!(operation(ec2, "DescribeInstances"), OperationLookup::Found(_)));
    assert!(matches!(operation(ec2, "describe_instances"), OperationLookup::Found(_)));
    assert!(matches!(
        operation(ec2, "describeInstances"),
        OperationLookup::Unknown { case: Some("DescribeInstances"), .. }
    ));
    assert!(matches!(
        operation(ec2, "DescribeInstanses"),
        OperationLookup::Unknown { near: Some("DescribeInstances"), .. }
    ));
    let s3 = found("s3");
    assert_eq!(s3.operation("ListObjectsV2").map(|o| o.method.as_str()), Some("list_objects_v2"));
}

#[test]
fn shapes_hold_required_members_lists_maps_and_enums() {
    let ddb = found("dynamodb");
    let op = ddb.operation("UpdateContinuousBackups").unwrap();
    let Some(Shape::Structure(ms)) = ddb.shape(op.input.as_deref().unwrap()) else { panic!() };
    let table = ms.iter().find(|m| m.name == "TableName").unwrap();
    assert!(table.required);
    let s3 = found("s3");
    let Some(Shape::Enum(vs)) = s3.shape("BucketVersioningStatus") else { panic!() };
    assert_eq!(vs, &["Enabled", "Suspended"]);
    let Some(Shape::Structure(ms)) = s3.shape("GetBucketTaggingOutput") else { panic!() };
    let Target::Shape(tags) = &ms[0].target else { panic!() };
    assert!(matches!(s3.shape(tags), Some(Shape::List(Target::Shape(_)))));
}

#[test]
fn idempotency_tokens_filled_by_botocore_are_not_required() {
    let ec2 = found("ec2");
    let Some(Shape::Structure(ms)) = ec2.shape("CreateLaunchTemplateRequest") else { panic!() };
    assert!(!ms.iter().find(|m| m.name == "ClientToken").unwrap().required);
}

#[test]
fn did_you_mean_is_close_or_nothing() {
    assert_eq!(did_you_mean("Bukcet", ["Bucket", "Key"]), Some("Bucket"));
    assert_eq!(did_you_mean("Zzzzzz", ["Bucket", "Key"]), None);
}

#[test]
fn method_names_follow_botocore_where_the_simple_rule_does_not() {
    assert_eq!(decode::snake("DescribeDBInstances"), "describe_db_instances");
    assert_eq!(decode::snake("ListObjectsV2"), "list_objects_v2");
    assert_eq!(decode::snake("GetOTelEnrichment"), "get_o_tel_enrichment");
    assert_eq!(decode::snake("PutS3AccessPointPolicy"), "put_s3_access_point_policy");
    assert_eq!(decode::snake(""), "");
    // botocore's own names, written in the snapshot where the rule above differs.
    for (svc, method) in [
        ("elasticbeanstalk", "swap_environment_cnames"),
        ("mturk", "list_hits"),
        ("storagegateway", "create_cached_iscsi_volume"),
        ("s3", "list_objects_v2"),
        ("rds", "describe_db_instances"),
    ] {
        assert!(found(svc).operation(method).is_some(), "{svc}.{method}");
    }
}

#[test]
fn a_corrupt_block_is_an_error_not_a_panic() {
    let unsorted_operations = "A\nm\nS0=0\nGetB\t8\t\nGetA\t8\t\n";
    for block in
        ["", "A\n", "A\n\nS0=9\n", "A\nm\nS0!z\n", "A\nm\nL\n", "\n\nOp\tz\t\n", "A\nm\nQ1\n", unsorted_operations]
    {
        assert!(decode::parse_service(block).is_err(), "{block:?}");
    }
    let s = decode::parse_service("A\tB\tC\nName\nS0!9 0=a\nE1\t2\nL8\nGetA\t8\t\tget_a\n").expect("decodes");
    assert_eq!(s.operation("GetA").and_then(|o| o.input.as_deref()), Some("A"));
    assert!(matches!(s.shape("C"), Some(Shape::List(Target::Shape(n))) if n == "A"));
}

#[test]
fn the_index_is_sorted_so_names_are_found_by_binary_search() {
    let names: Vec<&str> = entries().iter().map(|e| e.name.as_str()).collect();
    assert!(names.windows(2).all(|w| w[0] < w[1]), "the snapshot's index is not sorted by client name");
    assert!(entries().iter().all(|e| matches!(service(&e.name), ServiceLookup::Found(_))));
}

#[test]
fn every_operation_and_shape_of_every_service_decodes_on_demand() {
    // Operations and shapes are decoded lazily; this decodes each one once, so a snapshot line
    // the lazy path could not read fails here and not as a silently missing one in a user's check.
    let (mut shapes, mut operations) = (0, 0);
    for e in entries() {
        let ServiceLookup::Found(s) = service(&e.name) else { panic!("{}", e.name) };
        let checked = decode::parse_service(decode::block(decode::DATA, &models().index, e)).expect("a checked block");
        let all: Vec<&Operation> = s.operations().collect();
        assert_eq!(all.len(), checked.operations().count(), "{}: an operation line does not decode", e.name);
        for op in all {
            assert_eq!(s.operation(&op.name), Some(op), "{}: {} by name", e.name, op.name);
            assert_eq!(s.operation(&op.method), Some(op), "{}: {} by method", e.name, op.method);
            operations += 1;
        }
        for name in s.shape_names() {
            assert!(s.shape(name).is_some(), "{}: shape {name}", e.name);
            shapes += 1;
        }
    }
    assert!(shapes > 80_000, "{shapes} shapes");
    assert!(operations > 18_000, "{operations} operations");
}
