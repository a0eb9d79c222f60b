use crate::validate::{validate, Diagnostic};

/// Findings of the API checks (codes E07x/W070) on a document of one step with `step` (YAML,
/// indented by 4) and parameters `params` (YAML under `parameters:`, indented by 2).
fn api(params: &str, step: &str) -> Vec<Diagnostic> {
    let text = format!(
        "schemaVersion: '0.3'\nparameters:\n  P: {{type: String}}\n  L: {{type: StringList}}\n  M: {{type: StringMap}}\n  N: {{type: Integer}}\n{params}mainSteps:\n  - name: A\n{step}"
    );
    let doc = crate::read::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    validate(&doc).into_iter().filter(|d| d.code.starts_with("E07") || d.code.starts_with("W07")).collect()
}

fn codes(params: &str, step: &str) -> Vec<(&'static str, String)> {
    api(params, step).into_iter().map(|d| (d.code, d.field)).collect()
}

fn exec(rest: &str) -> String {
    format!("    action: aws:executeAwsApi\n    inputs:\n{rest}")
}

#[test]
fn a_correct_call_has_no_finding() {
    let s = exec("      Service: s3\n      Api: PutBucketVersioning\n      Bucket: '{{ P }}'\n      VersioningConfiguration: {Status: Enabled}\n");
    assert_eq!(codes("", &s), vec![]);
    let snake = exec("      Service: ec2\n      Api: describe_instances\n      InstanceIds: ['{{ P }}']\n");
    assert_eq!(codes("", &snake), vec![]);
}

#[test]
fn unknown_service_names_the_model_version_and_the_client_name() {
    let d = api("", &exec("      Service: elasticloadbalancingv2\n      Api: DescribeLoadBalancers\n"));
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!((d[0].code, d[0].field.as_str()), ("E070", "mainSteps[0].inputs.Service"));
    assert!(d[0].message.contains("botocore "), "{}", d[0].message);
    let d = api("", &exec("      Service: Elastic Load Balancing v2\n      Api: DescribeLoadBalancers\n"));
    assert!(d[0].hint.contains("`elbv2`"), "{}", d[0].hint);
}

#[test]
fn service_in_another_case_is_a_warning_and_still_checked() {
    let d = codes("", &exec("      Service: SQS\n      Api: GetQueueAttributes\n"));
    assert_eq!(d, vec![("E073", "mainSteps[0].inputs".into()), ("W070", "mainSteps[0].inputs.Service".into())]);
}

#[test]
fn unknown_operation_with_case_hint_or_did_you_mean() {
    let d = api("", &exec("      Service: ec2\n      Api: describeInstances\n"));
    assert_eq!((d[0].code, d[0].field.as_str()), ("E071", "mainSteps[0].inputs.Api"));
    assert!(d[0].hint.contains("case-sensitive: write `DescribeInstances`"), "{}", d[0].hint);
    let d = api("", &exec("      Service: ec2\n      Api: DescribeInstanse\n"));
    assert!(d[0].hint.contains("did you mean `DescribeInstances`?"), "{}", d[0].hint);
    assert!(d[0].message.contains("botocore "), "{}", d[0].message);
}

#[test]
fn unknown_parameter_with_did_you_mean_and_missing_required() {
    let d = api("", &exec("      Service: s3\n      Api: PutPublicAccessBlock\n      BucketName: '{{ P }}'\n      PublicAccessBlockConfiguration: {BlockPublicAcls: true}\n"));
    let c: Vec<_> = d.iter().map(|d| (d.code, d.field.as_str())).collect();
    assert_eq!(c, vec![("E072", "mainSteps[0].inputs.BucketName"), ("E073", "mainSteps[0].inputs")]);
    assert!(d[0].hint.contains("`Bucket`"), "{}", d[0].hint);
    assert!(d[1].message.contains("`Bucket`"), "{}", d[1].message);
    // The example: UpdateContinuousBackups without TableName.
    let d = codes("", &exec("      Service: dynamodb\n      Api: UpdateContinuousBackups\n      PointInTimeRecoverySpecification: {PointInTimeRecoveryEnabled: true}\n"));
    assert_eq!(d, vec![("E073", "mainSteps[0].inputs".into())]);
}

#[test]
fn nested_members_are_checked_at_any_depth() {
    let s = exec("      Service: s3\n      Api: PutBucketEncryption\n      Bucket: b\n      ServerSideEncryptionConfiguration:\n        Rules:\n          - ApplyServerSideEncryptionByDefault: {SSEAlgorithm: 'aws:kms', KMSMasterKeyID: k, Extra: 1}\n");
    assert_eq!(
        codes("", &s),
        vec![(
            "E072",
            "mainSteps[0].inputs.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.Extra"
                .into()
        )]
    );
}

#[test]
fn literals_of_the_wrong_kind() {
    let s = exec("      Service: s3\n      Api: PutPublicAccessBlock\n      Bucket: b\n      PublicAccessBlockConfiguration: {BlockPublicAcls: 'true', IgnorePublicAcls: [true], RestrictPublicBuckets: true}\n");
    assert_eq!(
        codes("", &s),
        vec![
            ("E074", "mainSteps[0].inputs.PublicAccessBlockConfiguration.BlockPublicAcls".into()),
            ("E074", "mainSteps[0].inputs.PublicAccessBlockConfiguration.IgnorePublicAcls".into()),
        ]
    );
    // A string where a structure goes, a map where a list goes, a number where a string goes.
    let s = exec("      Service: ec2\n      Api: DescribeInstances\n      Filters: {Name: x}\n      MaxResults: 5.5\n      NextToken: 7\n");
    let c = codes("", &s);
    assert_eq!(c.len(), 3, "{c:?}");
    assert!(c.iter().all(|(code, _)| *code == "E074"));
}

#[test]
fn literal_outside_an_enum() {
    let s = exec("      Service: s3\n      Api: PutBucketVersioning\n      Bucket: b\n      VersioningConfiguration: {Status: enabled}\n");
    let d = api("", &s);
    assert_eq!((d[0].code, d[0].field.as_str()), ("E075", "mainSteps[0].inputs.VersioningConfiguration.Status"));
    assert!(d[0].hint.contains("`Enabled`"), "{}", d[0].hint);
}

#[test]
fn references_are_checked_by_their_declared_type() {
    // StringList where a string goes; StringMap where a list of strings goes; Integer where a
    // structure goes. A String into a list (one item) and an Integer into an integer are fine.
    let s = exec("      Service: ec2\n      Api: DescribeInstances\n      NextToken: '{{ L }}'\n      InstanceIds: '{{ M }}'\n      Filters: '{{ P }}'\n      MaxResults: '{{ N }}'\n");
    assert_eq!(
        codes("", &s),
        vec![
            ("E074", "mainSteps[0].inputs.NextToken".into()),
            ("E074", "mainSteps[0].inputs.InstanceIds".into()),
            ("E074", "mainSteps[0].inputs.Filters".into()),
        ]
    );
    let ok = exec(
        "      Service: ec2\n      Api: DescribeInstances\n      InstanceIds: '{{ P }}'\n      MaxResults: '{{ N }}'\n",
    );
    assert_eq!(codes("", &ok), vec![]);
}

#[test]
fn selectors_that_cannot_resolve() {
    let s = "    action: aws:executeAwsApi\n    inputs: {Service: ec2, Api: DescribeInstances}\n    outputs:\n      - {Name: A, Selector: '$.Reservations[0].Instances[0].State.Name', Type: String}\n      - {Name: B, Selector: '$.Reservations[0].Instance[0].InstanceId', Type: String}\n      - {Name: C, Selector: '$.Reservations.Instances', Type: MapList}\n      - {Name: D, Selector: '$.Reservations[*].Instances[*].InstanceId', Type: StringList}\n      - {Name: E, Selector: '$.ResponseMetadata.HTTPStatusCode', Type: Integer}\n      - {Name: F, Selector: '$..InstanceId', Type: StringList}\n";
    let d = api("", s);
    let c: Vec<_> = d.iter().map(|d| (d.code, d.field.as_str())).collect();
    assert_eq!(c, vec![("W071", "mainSteps[0].outputs[1].Selector"), ("W071", "mainSteps[0].outputs[2].Selector")]);
    assert!(d[0].hint.contains("`Instances`"), "{}", d[0].hint);
    assert!(d[1].hint.contains("[0]"), "{}", d[1].hint);
}

#[test]
fn output_types_that_cannot_hold_the_selection() {
    let s = "    action: aws:executeAwsApi\n    inputs: {Service: ec2, Api: DescribeInstances}\n    outputs:\n      - {Name: A, Selector: '$.Reservations[0].Instances', Type: StringList}\n      - {Name: B, Selector: '$.Reservations[0].Instances[0].State', Type: String}\n      - {Name: C, Selector: '$.Reservations[0].Instances[0].EbsOptimized', Type: Boolean}\n      - {Name: D, Selector: '$.Reservations[0].Instances', Type: MapList}\n      - {Name: E, Selector: '$.Reservations[0].Instances[0].State.Code', Type: Integer}\n      - {Name: F, Selector: '$.Reservations[0].Instances[0].State', Type: StringMap}\n";
    let d = api("", s);
    let c: Vec<_> = d.iter().map(|d| (d.code, d.field.as_str())).collect();
    assert_eq!(c, vec![("E077", "mainSteps[0].outputs[0].Type"), ("E077", "mainSteps[0].outputs[1].Type")]);
    assert!(d[0].hint.contains("MapList"), "{}", d[0].hint);
}

#[test]
fn desired_values_that_can_never_match() {
    let s = "    action: aws:assertAwsResourceProperty\n    inputs:\n      Service: s3\n      Api: GetBucketVersioning\n      Bucket: b\n      PropertySelector: $.Status\n      DesiredValues: [Enabled, enabled]\n";
    let d = api("", s);
    let c: Vec<_> = d.iter().map(|d| (d.code, d.field.as_str())).collect();
    assert_eq!(c, vec![("E078", "mainSteps[0].inputs.DesiredValues[1]")]);
    let s = "    action: aws:waitForAwsResourceProperty\n    inputs:\n      Service: rds\n      Api: DescribeDBInstances\n      DBInstanceIdentifier: d\n      PropertySelector: $.DBInstances[0].StorageEncrypted\n      DesiredValues: ['True', 'yes']\n";
    assert_eq!(codes("", s), vec![("E078", "mainSteps[0].inputs.DesiredValues[1]".into())]);
    let s = "    action: aws:waitForAwsResourceProperty\n    inputs:\n      Service: rds\n      Api: DescribeDBInstances\n      PropertySelector: $.DBInstance[0].DBInstanceStatus\n      DesiredValues: [available]\n";
    assert_eq!(codes("", s), vec![("E076", "mainSteps[0].inputs.PropertySelector".into())]);
}

#[test]
fn references_in_service_or_api_skip_the_checks() {
    assert_eq!(codes("", &exec("      Service: '{{ P }}'\n      Api: Anything\n      Foo: 1\n")), vec![]);
}
