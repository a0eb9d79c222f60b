//! One small bad document per diagnostic code: each finds its code, at the right place, and
//! every message and hint is pinned in one snapshot.

use runbook_dsl::read;
use runbook_dsl::validate::{validate, validate_parsed, CODES};

const HEAD: &str = "schemaVersion: '0.3'\nassumeRole: '{{ AutomationAssumeRole }}'\nparameters:\n  AutomationAssumeRole:\n    type: String\n    allowedPattern: '^arn:aws:iam::\\d{12}:role/[\\w+=,.@/-]+$'\n";

fn pause(name: &str) -> String {
    format!("  - name: {name}\n    action: aws:pause\n    inputs: {{}}\n")
}

/// (code, document text).
fn cases() -> Vec<(&'static str, String)> {
    let p = pause("P");
    let params = |extra: &str| format!("{HEAD}{extra}mainSteps:\n{p}");
    let steps = |body: &str| format!("{HEAD}mainSteps:\n{body}");
    let big = "x".repeat(70_000);
    let long_msg = "m".repeat(5000);
    vec![
        ("E001", format!("schemaVersion: '0.2'\nmainSteps:\n{p}")),
        ("E002", format!("{HEAD}mainSteps: []\n")),
        ("E003", format!("{HEAD}description: {big}\nmainSteps:\n{p}")),
        (
            "E004",
            format!(
                "{HEAD}files:\n{}mainSteps:\n{p}",
                (1..=6).map(|i| format!("  f{i}.py:\n    checksums:\n      sha256: {}\n", "a".repeat(64))).collect::<String>()
            ),
        ),
        ("E005", format!("{HEAD}files:\n  fix.py:\n    checksums:\n      sha256: sampleETagValue\nmainSteps:\n{p}")),
        ("E006", format!("{HEAD}runtimeConfig: {{}}\nmainSteps:\n{p}")),
        ("E007", format!("schemaVersion: '0.3'\nassumeRole: '{{{{ssm:/automation/role}}}}'\nmainSteps:\n{p}")),
        ("E008", format!("{HEAD}mainSteps:\n{p}outputs:\n  - Nope.Out\n")),
        ("E009", format!("{HEAD}description:\nmainSteps:\n{p}")),
        ("E010", params("  Bad_Name:\n    type: String\n    allowedPattern: '^x$'\n")),
        ("E011", params("  Count:\n    type: Integer\n    default: three\n")),
        ("E012", params("  Id:\n    type: String\n    default: abc\n    allowedPattern: '^[0-9]+$'\n")),
        ("E013", params("  Mode:\n    type: String\n    default: c\n    allowedValues: [a, b]\n")),
        ("E014", params("  Id:\n    type: String\n    allowedPattern: '([a-z'\n")),
        ("E015", params("  Days:\n    type: Integer\n    default: 3\n    minValue: 1\n")),
        ("E017", steps("  - name: A\n    action: aws:pause\n    inputs: {}\n    inputs: {}\n")),
        ("E016", format!("{HEAD}variables:\n  Tries:\n    type: Integer\n    default: x\nmainSteps:\n{p}")),
        ("E020", steps(&format!("{}{}", pause("Same"), pause("Same")))),
        ("E021", steps(&pause("Bad-Name"))),
        ("E022", steps("  - name: A\n    action: aws:doMagic\n    inputs: {}\n")),
        ("E023", steps("  - name: A\n    action: aws:executeAwsApi\n    inputs:\n      Service: s3\n")),
        ("E024", steps("  - name: A\n    action: aws:pause\n    maxAttempts: 0\n    inputs: {}\n")),
        (
            "E025",
            steps("  - name: A\n    action: aws:approve\n    timeoutSeconds: 3000000\n    inputs:\n      Approvers: [arn:aws:iam::123456789012:role/Ops]\n"),
        ),
        ("E026", steps("  - name: A\n    action: aws:pause\n    onFailure: Retry\n    inputs: {}\n")),
        ("E027", steps("  - name: A\n    action: aws:pause\n    onCancel: Continue\n    inputs: {}\n")),
        (
            "E028",
            steps("  - name: L\n    action: aws:loop\n    onCancel: Abort\n    inputs:\n      Iterators: [a]\n      Steps:\n        - name: In\n          action: aws:pause\n          inputs: {}\n"),
        ),
        (
            "E029",
            steps("  - name: A\n    action: aws:pause\n    onCancel: step:Wait\n    inputs: {}\n    isEnd: true\n  - name: Wait\n    action: aws:sleep\n    inputs:\n      Duration: PT1M\n"),
        ),
        ("E030", steps(&format!("  - name: A\n    action: aws:pause\n    inputs: {{}}\n    nextStep: P\n    isEnd: true\n{p}"))),
        ("E031", steps("  - name: A\n    action: aws:pause\n    inputs: {}\n    nextStep: Nowhere\n")),
        (
            "E032",
            steps("  - name: A\n    action: aws:executeAwsApi\n    inputs: {Service: s3, Api: ListBuckets}\n    outputs:\n      - {Name: Owner, Selector: Owner.ID, Type: String}\n"),
        ),
        (
            "E033",
            steps("  - name: A\n    action: aws:executeAwsApi\n    inputs: {Service: s3, Api: ListBuckets}\n    outputs:\n      - {Name: O, Selector: $.Owner.ID, Type: String}\n      - {Name: O, Selector: $.Owner.DisplayName, Type: String}\n"),
        ),
        (
            "E034",
            steps("  - name: L\n    action: aws:loop\n    inputs:\n      Iterators: [a]\n      LoopCondition: {Variable: '{{ L.CurrentIteration }}', NumericLesser: 3}\n      Steps:\n        - name: In\n          action: aws:pause\n          inputs: {}\n"),
        ),
        (
            "E035",
            steps("  - name: L\n    action: aws:loop\n    inputs:\n      Iterators: [a]\n      MaxIterations: 500\n      Steps:\n        - name: In\n          action: aws:pause\n          inputs: {}\n"),
        ),
        ("E036", steps("  - name: A\n    action: aws:approve\n    inputs:\n      Approvers: []\n")),
        (
            "E037",
            steps("  - name: A\n    action: aws:approve\n    inputs:\n      Approvers: [arn:aws:iam::123456789012:role/Ops]\n      MinRequiredApprovals: 3\n"),
        ),
        (
            "E038",
            steps(&format!("  - name: A\n    action: aws:approve\n    inputs:\n      Approvers: [arn:aws:iam::123456789012:role/Ops]\n      Message: {long_msg}\n")),
        ),
        (
            "E039",
            steps("  - name: A\n    action: aws:approve\n    inputs:\n      Approvers: [arn:aws:iam::123456789012:role/Ops]\n      NotificationArn: arn:aws:sns:us-east-1:123456789012:Approvals\n"),
        ),
        (
            "E040",
            format!("{HEAD}  Algo:\n    type: String\n    allowedPattern: '^\\w*$'\nmainSteps:\n  - name: B\n    action: aws:branch\n    inputs:\n      Choices:\n        - NextStep: P\n          Variable: '{{{{ Algo }}}}'\n          StringNotEquals: AES256\n{p}"),
        ),
        (
            "E041",
            format!("{HEAD}  Algo:\n    type: String\n    allowedPattern: '^\\w*$'\nmainSteps:\n  - name: B\n    action: aws:branch\n    inputs:\n      Choices:\n        - NextStep: P\n          Not: {{Variable: '{{{{ Algo }}}}', StringEquals: a}}\n          And: {{Variable: '{{{{ Algo }}}}', StringEquals: b}}\n{p}"),
        ),
        (
            "E042",
            format!("{HEAD}  Algo:\n    type: String\n    allowedPattern: '^\\w*$'\nmainSteps:\n  - name: B\n    action: aws:branch\n    inputs:\n      Choices:\n        - NextStep: P\n          Variable: '{{{{ Algo }}}}'\n          NumericGreater: 3\n{p}"),
        ),
        ("E043", steps("  - name: S\n    action: aws:sleep\n    inputs:\n      Duration: PT8D\n      Timestamp: '2026-01-01T00:00:00Z'\n")),
        ("E044", steps("  - name: U\n    action: aws:updateVariable\n    inputs:\n      Name: variable:Missing\n      Value: 1\n")),
        ("E045", steps("  - name: S\n    action: aws:executeScript\n    inputs:\n      Runtime: python3.11\n")),
        (
            "E046",
            steps("  - name: C\n    action: aws:createStack\n    inputs:\n      StackName: s\n      TemplateBody: '{}'\n      TemplateURL: https://example.com/t.yaml\n"),
        ),
        (
            "E048",
            steps("  - name: S\n    action: aws:changeInstanceState\n    inputs:\n      InstanceIds: [i-0123456789abcdef0]\n      DesiredState: stop\n"),
        ),
        ("E047", steps("  - name: R\n    action: aws:runCommand\n    inputs:\n      DocumentName: AWS-RunShellScript\n")),
        ("E050", steps(&format!("  - name: A\n    action: aws:pause\n    inputs: {{}}\n    isEnd: true\n{p}"))),
        (
            "E051",
            steps("  - name: A\n    action: aws:pause\n    inputs: {}\n    nextStep: B\n  - name: B\n    action: aws:pause\n    inputs: {}\n    nextStep: A\n"),
        ),
        (
            "E052",
            steps(&format!("  - name: A\n    action: aws:pause\n    onFailure: step:R\n    inputs: {{}}\n    nextStep: B\n  - name: R\n    action: aws:pause\n    inputs: {{}}\n  - name: B\n    action: aws:pause\n    inputs: {{}}\n{p}")),
        ),
        ("E060", steps("  - name: A\n    action: aws:executeAwsApi\n    inputs: {Service: s3, Api: ListObjects, Bucket: '{{ Missing }}'}\n")),
        (
            "E061",
            steps("  - name: A\n    action: aws:executeAwsApi\n    inputs: {Service: s3, Api: ListBuckets}\n  - name: B\n    action: aws:executeAwsApi\n    inputs: {Service: s3, Api: ListObjects, Bucket: '{{ A.Nope }}'}\n"),
        ),
        (
            "E062",
            format!("{HEAD}  Go:\n    type: Boolean\n    default: true\nmainSteps:\n  - name: B\n    action: aws:branch\n    inputs:\n      Choices:\n        - {{NextStep: Get, Variable: '{{{{ Go }}}}', BooleanEquals: true}}\n      Default: Use\n  - name: Get\n    action: aws:executeAwsApi\n    inputs: {{Service: s3, Api: ListBuckets}}\n    outputs:\n      - {{Name: Owner, Selector: $.Owner.ID, Type: String}}\n  - name: Use\n    action: aws:executeAwsApi\n    inputs: {{Service: s3, Api: ListObjects, Bucket: '{{{{ Get.Owner }}}}'}}\n"),
        ),
        ("E063", steps("  - name: A\n    action: aws:executeAwsApi\n    inputs: {Service: s3, Api: ListObjects, Bucket: '{{ssm:/bucket}}'}\n")),
        (
            "E064",
            steps("  - name: L\n    action: aws:loop\n    inputs:\n      Iterators: [a, b]\n      Steps:\n        - name: In\n          action: aws:pause\n          inputs: {}\n  - name: After\n    action: aws:executeAwsApi\n    inputs: {Service: s3, Api: ListObjects, Bucket: '{{ L.CurrentIteratorValue }}'}\n"),
        ),
        (
            "E065",
            format!("{HEAD}  Count:\n    type: Integer\n    default: 1\nmainSteps:\n  - name: Stop\n    action: aws:changeInstanceState\n    inputs:\n      InstanceIds: '{{{{ Count }}}}'\n      DesiredState: stopped\n"),
        ),
        ("E066", steps("  - name: A\n    action: aws:executeAwsApi\n    inputs: {Service: s3, Api: ListObjects, Bucket: '{{ global:BUCKET }}'}\n")),
        ("W001", steps("  - name: Put\n    action: aws:executeAwsApi\n    inputs: {Service: s3, Api: PutBucketVersioning, Bucket: b}\n  - name: Verify\n    action: aws:assertAwsResourceProperty\n    inputs: {Service: s3, Api: GetBucketVersioning, Bucket: b, PropertySelector: $.Status, DesiredValues: [Enabled]}\n")),
        (
            "W002",
            format!("{HEAD}  Name:\n    type: String\nmainSteps:\n  - name: S\n    action: aws:executeScript\n    inputs:\n      Runtime: python3.11\n      Handler: handler\n      Script: 'def handler(e, c): return e'\n      InputPayload: {{name: '{{{{ Name }}}}'}}\n"),
        ),
        ("W003", format!("schemaVersion: '0.3'\nmainSteps:\n{p}")),
        ("W004", steps("  - name: A\n    action: aws:executeAwsApi\n    timeoutSeconds: 60\n    inputs: {Service: s3, Api: ListBuckets}\n")),
        ("W005", params("  Other:\n    type: String\n    default: '{{ AutomationAssumeRole }}'\n")),
    ]
}

#[test]
fn every_code_has_a_case_that_finds_it() {
    let cases = cases();
    for (code, _, _) in CODES {
        assert!(cases.iter().any(|(c, _)| c == code), "no test document for {code}");
    }
    let mut report = String::new();
    for (code, text) in &cases {
        let parsed = read::parse(text).unwrap_or_else(|e| panic!("{code}: the test document does not read: {e}"));
        let all = validate_parsed(&parsed);
        let found: Vec<_> = all.iter().filter(|d| d.code == *code).collect();
        assert!(!found.is_empty(), "{code} not found in its document; found {all:?}");
        for d in found {
            let pos = parsed.locate(&d.field).expect("every field is located in its document");
            report.push_str(&format!("{}:{}: {d}\n", pos.line, pos.column));
        }
    }
    insta::assert_snapshot!(report);
}

#[test]
fn a_clean_document_has_no_findings() {
    let text = format!(
        "{HEAD}  BucketName:\n    type: String\n    allowedPattern: '^[a-z0-9.-]{{3,63}}$'\nmainSteps:\n  - name: Get\n    action: aws:executeAwsApi\n    timeoutSeconds: 20\n    inputs: {{Service: s3, Api: GetBucketVersioning, Bucket: '{{{{ BucketName }}}}'}}\n    outputs:\n      - {{Name: Status, Selector: $.Status, Type: String}}\n  - name: Check\n    action: aws:branch\n    inputs:\n      Choices:\n        - {{NextStep: Done, Variable: '{{{{ Get.Status }}}}', StringEquals: Enabled}}\n      Default: Done\n  - name: Done\n    action: aws:sleep\n    inputs: {{Duration: PT1S}}\noutputs:\n  - Get.Status\n"
    );
    let doc = read::from_str(&text).unwrap();
    assert_eq!(validate(&doc), vec![]);
}

/// Patterns that are correct and must not be reported (each once a false positive candidate).
#[test]
fn correct_patterns_are_not_reported() {
    let cases: Vec<(&str, String)> = vec![
        (
            "loop body reads an earlier body step, the loop value and the counter; the condition reads the body",
            format!("{HEAD}mainSteps:\n  - name: L\n    action: aws:loop\n    inputs:\n      MaxIterations: 3\n      LoopCondition: {{Variable: '{{{{ In.Count }}}}', NumericLesser: 3}}\n      Steps:\n        - name: In\n          action: aws:executeAwsApi\n          inputs: {{Service: s3, Api: ListBuckets}}\n          outputs:\n            - {{Name: Count, Selector: $.Count, Type: Integer}}\n        - name: Use\n          action: aws:executeAwsApi\n          inputs: {{Service: s3, Api: GetBucketAcl, Bucket: '{{{{ In.Count }}}}-{{{{ L.CurrentIteration }}}}'}}\n"),
        ),
        (
            "a rollback path that rejoins a final step",
            format!("{HEAD}mainSteps:\n  - name: A\n    action: aws:executeAwsApi\n    onFailure: step:Undo\n    inputs: {{Service: s3, Api: ListBuckets}}\n    nextStep: Restore\n  - name: Undo\n    action: aws:executeAwsApi\n    onFailure: Continue\n    inputs: {{Service: s3, Api: ListBuckets}}\n    nextStep: Restore\n  - name: Restore\n    action: aws:executeAwsApi\n    inputs: {{Service: s3, Api: ListBuckets}}\n    isEnd: true\n"),
        ),
        (
            "a polling cycle with a way out",
            format!("{HEAD}mainSteps:\n  - name: Get\n    action: aws:executeAwsApi\n    inputs: {{Service: s3, Api: ListBuckets}}\n    outputs:\n      - {{Name: Done, Selector: $.Done, Type: Boolean}}\n  - name: Check\n    action: aws:branch\n    inputs:\n      Choices:\n        - {{NextStep: Wait, Variable: '{{{{ Get.Done }}}}', BooleanEquals: false}}\n      Default: Finish\n  - name: Wait\n    action: aws:sleep\n    inputs: {{Duration: PT10S}}\n    nextStep: Get\n  - name: Finish\n    action: aws:executeAwsApi\n    inputs: {{Service: s3, Api: ListBuckets}}\n"),
        ),
        (
            "outputs read after onFailure: Continue steps, built-ins, variables and Parameter Store defaults",
            format!("{HEAD}  Name:\n    type: String\n    default: '{{{{ssm:/app/name}}}}'\n    allowedPattern: '^\\w+$'\nvariables:\n  Tries:\n    type: Integer\n    default: 0\nmainSteps:\n  - name: Get\n    action: aws:executeAwsApi\n    inputs: {{Service: s3, Api: ListBuckets}}\n    outputs:\n      - {{Name: Id, Selector: $.Owner.ID, Type: String}}\n  - name: Maybe\n    action: aws:executeAwsApi\n    onFailure: Continue\n    inputs: {{Service: s3, Api: ListBuckets}}\n  - name: Use\n    action: aws:executeAwsApi\n    inputs: {{Service: s3, Api: GetBucketAcl, Bucket: '{{{{ Get.Id }}}}-{{{{ Name }}}}-{{{{ global:REGION }}}}-{{{{ automation:EXECUTION_ID }}}}'}}\n  - name: Count\n    action: aws:updateVariable\n    inputs: {{Name: 'variable:Tries', Value: 1}}\n  - name: Branch\n    action: aws:branch\n    inputs:\n      Choices:\n        - {{NextStep: Done, Variable: '{{{{ variable:Tries }}}}', NumericGreater: 0}}\n      Default: Done\n  - name: Done\n    action: aws:sleep\n    inputs: {{Duration: PT1S}}\n"),
        ),
    ];
    for (what, text) in cases {
        let doc = read::from_str(&text).unwrap_or_else(|e| panic!("{what}: {e}"));
        let found: Vec<String> = validate(&doc).iter().map(ToString::to_string).collect();
        assert!(found.is_empty(), "{what}:\n{}", found.join("\n"));
    }
}

#[test]
fn w001_sees_the_undo_after_the_loop_of_a_nested_change() {
    // A change inside an aws:loop cannot name a step outside its loop; a step after the loop
    // that routes failures to an undo covers it.
    let doc = |after: &str| {
        format!(
            "{HEAD}  Ids:\n    type: StringList\n    allowedPattern: '^x$'\nmainSteps:\n  - name: Each\n    action: aws:loop\n    inputs:\n      Iterators: '{{{{ Ids }}}}'\n      Steps:\n        - name: Put\n          action: aws:executeAwsApi\n          inputs: {{Service: s3, Api: PutBucketVersioning, Bucket: b}}\n  - name: Check\n    action: aws:executeAwsApi\n    inputs: {{Service: s3, Api: GetBucketVersioning, Bucket: b}}\n{after}    isEnd: true\n  - name: Undo\n    action: aws:executeAwsApi\n    inputs: {{Service: s3, Api: PutBucketVersioning, Bucket: b}}\n    isEnd: true\n"
        )
    };
    let w001 = |text: &str| {
        let parsed = read::parse(text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        validate_parsed(&parsed).iter().filter(|d| d.code == "W001").count()
    };
    assert_eq!(w001(&doc("    onFailure: step:Undo\n")), 0);
    assert_eq!(w001(&doc("")), 1);
}

/// W001 asks for an undo only where a later step can fail after the change, and never for a
/// call that changes no resource (`validate::CHANGES_NO_RESOURCE`).
#[test]
fn w001_only_where_a_later_step_can_fail_after_a_real_change() {
    let put = "  - name: Put\n    action: aws:executeAwsApi\n    inputs: {Service: s3, Api: PutBucketVersioning, Bucket: b}\n";
    let finding = "  - name: UpdateFinding\n    action: aws:executeAwsApi\n    inputs: {Service: securityhub, Api: BatchUpdateFindings, FindingIdentifiers: [], Workflow: {Status: RESOLVED}}\n";
    let verify = "  - name: Verify\n    action: aws:assertAwsResourceProperty\n    inputs: {Service: s3, Api: GetBucketVersioning, Bucket: b, PropertySelector: $.Status, DesiredValues: [Enabled]}\n";
    let sleep = "  - name: Wait\n    action: aws:sleep\n    inputs: {Duration: PT1S}\n";
    let w001 = |body: String| -> Vec<String> {
        let doc = read::from_str(&format!("{HEAD}mainSteps:\n{body}")).unwrap();
        validate(&doc).into_iter().filter(|d| d.code == "W001").filter_map(|d| d.step).collect()
    };
    assert_eq!(w001(put.to_string()), Vec::<String>::new(), "the last change: nothing after it can fail");
    assert_eq!(w001(format!("{put}{sleep}{finding}")), Vec::<String>::new(), "only a sleep and a status update follow");
    assert_eq!(w001(format!("{finding}{verify}")), Vec::<String>::new(), "a finding's status is not a resource");
    assert_eq!(w001(format!("{put}{finding}{verify}")), vec!["Put".to_string()], "Verify can fail after Put");
}

/// Hints on documents read from files speak YAML: no builder API names.
#[test]
fn hints_on_files_give_yaml_advice() {
    for (code, text) in cases() {
        let parsed = read::parse(&text).unwrap();
        for d in validate_parsed(&parsed) {
            for rust in ["Runbook::", "rb.", ".param(", "Mock::", "ParamSpec"] {
                assert!(!d.hint.contains(rust), "{code}: the hint of {} names the Rust API: {}", d.code, d.hint);
            }
        }
    }
}

/// Unknown step, output, parameter and variable names get the closest declared one.
#[test]
fn unknown_names_get_a_did_you_mean() {
    let text = format!(
        "{HEAD}  BucketName:\n    type: String\n    allowedPattern: '^[a-z]+$'\nvariables:\n  Tries:\n    type: Integer\n    default: 0\nmainSteps:\n  - name: GetVersioning\n    action: aws:executeAwsApi\n    inputs: {{Service: s3, Api: GetBucketVersioning, Bucket: '{{{{ BucketNme }}}}'}}\n    outputs:\n      - {{Name: Status, Selector: $.Status, Type: String}}\n    nextStep: UseIt\n  - name: UseIt\n    action: aws:executeAwsApi\n    inputs: {{Service: s3, Api: GetBucketAcl, Bucket: '{{{{ GetVersioning.Stauts }}}}-{{{{ GetVersoning.Status }}}}-{{{{ variable:Trise }}}}'}}\n    onFailure: step:UseIt2\noutputs:\n  - GetVersioning.Statu\n"
    );
    let doc = read::from_str(&text).unwrap();
    let hints: Vec<String> = validate(&doc).iter().map(|d| format!("{} {}", d.code, d.hint)).collect();
    for want in [
        "E060 did you mean `BucketName`?",
        "E061 did you mean `Status`?",
        "E061 did you mean `GetVersioning`?",
        "E060 did you mean `Tries`?",
        "E031 did you mean `UseIt`?",
        "E008 did you mean `Status`?",
    ] {
        assert!(hints.iter().any(|h| h.starts_with(want)), "no `{want}` in:\n{}", hints.join("\n"));
    }
}
