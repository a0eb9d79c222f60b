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
        ("W001", steps("  - name: Put\n    action: aws:executeAwsApi\n    inputs: {Service: s3, Api: PutBucketVersioning, Bucket: b}\n")),
        (
            "W002",
            format!("{HEAD}  Name:\n    type: String\nmainSteps:\n  - name: S\n    action: aws:executeScript\n    inputs:\n      Runtime: python3.11\n      Handler: handler\n      Script: 'def handler(e, c): return e'\n      InputPayload: {{name: '{{{{ Name }}}}'}}\n"),
        ),
        ("W003", format!("schemaVersion: '0.3'\nmainSteps:\n{p}")),
        ("W004", steps("  - name: A\n    action: aws:executeAwsApi\n    timeoutSeconds: 60\n    inputs: {Service: s3, Api: ListBuckets}\n")),
        ("W005", params("  Other:\n    type: String\n    default: '{{ AutomationAssumeRole }}'\n")),
        (
            "W006",
            steps("  - name: Put\n    action: aws:executeAwsApi\n    onCancel: step:Undo\n    inputs: {Service: s3, Api: PutBucketVersioning, Bucket: b}\n    isEnd: true\n  - name: Undo\n    action: aws:waitForAwsResourceProperty\n    inputs: {Service: s3, Api: GetBucketVersioning, Bucket: b, PropertySelector: $.Status, DesiredValues: [Suspended]}\n"),
        ),
        ("W007", steps("  - name: Ask\n    action: aws:approve\n    inputs: {Approvers: [alice]}\n")),
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
